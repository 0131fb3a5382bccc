use crate::config::Config;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Notes content that pgaudit-lint did not lint as SQL or could not model: psql
    /// meta-commands (`\set`, `\i`, `\connect`), psql variables (`:var`, `:'var'`), `COPY ...
    /// FROM stdin` data, and `DO` blocks, whose effects on the schema are unknown.
    ///
    /// These are notes, not mistakes: they say where the model may be incomplete, so a finding
    /// that seems missing can be traced. Nothing is guessed: a table created inside a `DO`
    /// block is not in the model.
    ///
    /// ## Why is this bad?
    /// It is not bad in itself. But schema changes inside `DO` blocks or included files escape
    /// review by any static tool; prefer plain statements in migrations.
    ///
    /// ## Example
    /// ```sql
    /// do $$ begin
    ///   execute 'create table public.dynamic (id int)';
    /// end $$;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.dynamic (id int primary key);
    /// alter table public.dynamic enable row level security;
    /// ```
    pub struct SkippedContent {
        name: "skipped-content",
        category: Migration,
        level: Info,
    }
}

impl Rule for SkippedContent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &ParsedFile, _config: &Config, out: &mut Vec<Diagnostic>) {
        for note in &file.notes {
            out.push(Diagnostic::at(
                Self::META.name,
                file.id(),
                note.span,
                note.message.clone(),
            ));
        }
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for note in &ctx.model.notes {
            out.push(Diagnostic::at(
                Self::META.name,
                note.anchor.file,
                note.anchor.span,
                note.message.clone(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{files, findings, position};

    const RULE: &str = "skipped-content";

    #[test]
    fn psql_meta_commands_variables_and_copy_data() {
        let sources = [
            "\\set ON_ERROR_STOP on\ncreate table t (id int primary key, n text default :'name');\ncopy t (id) from stdin;\n1\n2\n\\.\nselect 1;\n",
        ];
        let found = findings(RULE, &sources);
        let messages: Vec<_> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("`\\set`"));
        assert!(messages[1].contains("`:'name'`"));
        assert!(messages[2].contains("COPY"));
        // The statements around them still parse.
        assert!(findings("parse-error", &sources).is_empty());
        assert_eq!(findings("rls-disabled", &sources).len(), 1);
    }

    #[test]
    fn do_blocks_are_noted_with_file_and_line() {
        let sources = ["select 1;\ndo $$ begin create table x (id int); end $$;\n"];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.starts_with("DO block at 0000_test.sql:2"),
            "{}",
            found[0].message
        );
        assert_eq!(position(&files(&sources), &found[0]), (2, 1));
        assert!(findings("rls-disabled", &sources).is_empty());
    }
}
