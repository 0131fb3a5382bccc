//! What a rule sees: the parsed files, the final schema model and the configuration.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::parse::{ParsedFile, Statement};
use crate::rules::RuleMeta;
use crate::schema::{Anchor, Expr, Model};
use crate::source::{FileId, Span};

/// Context for judging the final schema.
pub struct SchemaContext<'c> {
    pub model: &'c Model,
    /// The migration files (empty for a live database without migrations).
    pub files: &'c [ParsedFile],
    pub config: &'c Config,
    /// In live mode, the model the migrations build (what drift is measured against).
    pub reference: Option<&'c Model>,
}

impl SchemaContext<'_> {
    /// A finding at an anchor, or on the object alone when it has no defining statement.
    pub fn report(
        &self,
        rule: &RuleMeta,
        anchor: Option<Anchor>,
        object: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let object = object.into();
        match anchor {
            Some(anchor) => {
                Diagnostic::at(rule.name, anchor.file, anchor.span, message).with_object(object)
            }
            None => Diagnostic::on_object(rule.name, object, message),
        }
    }
}

/// Context for judging one statement of one file where it stands: `model` is the schema as
/// the statements before it left it.
pub struct StatementContext<'c> {
    pub file: &'c ParsedFile,
    pub index: usize,
    pub statement: &'c Statement,
    pub model: &'c Model,
    /// The file's search path before this statement.
    pub search_path: &'c [String],
    pub config: &'c Config,
}

impl StatementContext<'_> {
    /// A relation of the model so far, by a statement's (possibly unqualified) name.
    pub fn find_relation(
        &self,
        range: &pg_query::protobuf::RangeVar,
    ) -> Option<crate::schema::RelId> {
        if !range.schemaname.is_empty() {
            return self.model.relation_id(&crate::schema::QualName::new(
                range.schemaname.as_str(),
                range.relname.as_str(),
            ));
        }
        self.search_path.iter().find_map(|schema| {
            self.model.relation_id(&crate::schema::QualName::new(
                schema.as_str(),
                range.relname.as_str(),
            ))
        })
    }
}

impl SchemaContext<'_> {
    /// The file span of a function call found at a parser location inside an expression:
    /// from its name to its closing parenthesis.
    pub fn call_span(&self, expr: &Expr, location: i32) -> Option<(FileId, Span)> {
        let (file, at) = expr.span_at(location, 0)?;
        let text = self.files.get(file as usize)?.source.text.get(at.start..)?;
        Some((
            file,
            Span::new(at.start, at.start + crate::parse::text::call_len(text)),
        ))
    }
}
