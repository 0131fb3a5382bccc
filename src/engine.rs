//! Runs the enabled rules in parallel, applies levels and suppressions, and sorts findings so
//! that output is identical whatever the thread count.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Location};
use crate::error::did_you_mean;
use crate::parse::ParsedFile;
use crate::rules::{self, Level, Rule, SchemaContext, StatementContext};
use std::path::PathBuf;

use crate::error::UsageError;
use crate::parse::parse_file;
use crate::schema::Model;
use crate::schema::fold::FileFolder;
use crate::source::{self, Span};

const UNUSED_SUPPRESSION: &str = "unused-suppression";
const INVALID_SUPPRESSION: &str = "invalid-suppression";

/// The findings of a run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sorted by file order, position, rule and message; severities set from levels.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings a suppression comment removed.
    pub suppressed: usize,
}

/// Files are read and parsed in chunks of this many, in parallel, while the previous chunk is
/// folded: memory holds at most two chunks of parse trees, whatever the number of files.
const CHUNK: usize = 64;

/// Lints files as they are folded, one statement at a time, in file order.
pub struct Linter<'c> {
    config: &'c Config,
    enabled: Vec<&'static dyn Rule>,
    model: Model,
    findings: Vec<Diagnostic>,
}

impl<'c> Linter<'c> {
    pub fn new(config: &'c Config) -> Self {
        Self::with_rules(config, rules::all().to_vec())
    }

    /// A linter running the given rules, in the given order (the output does not depend on it).
    pub fn with_rules(config: &'c Config, rules: Vec<&'static dyn Rule>) -> Self {
        let enabled = rules
            .into_iter()
            .filter(|rule| config.level(rule.meta().name) != Level::Off)
            .collect();
        Linter {
            config,
            enabled,
            model: Model::default(),
            findings: Vec::new(),
        }
    }

    /// Judges a file and each statement where it stands, then folds the statement into the
    /// model. The statements' parse trees are consumed: what the model keeps is moved into it.
    pub fn add_file(&mut self, file: &mut ParsedFile) {
        crate::rollback::mark(file, &self.config.rollback_pattern);
        for rule in &self.enabled {
            rule.check_file(file, self.config, &mut self.findings);
        }
        let mut folder = FileFolder::new(file.id(), &file.source.path);
        for index in 0..file.statements.len() {
            let ctx = StatementContext {
                file,
                index,
                statement: &file.statements[index],
                model: &self.model,
                search_path: folder.search_path(),
                config: self.config,
            };
            // Rollbacks are only checked for syntax: they undo, and are not part of the schema.
            let rollback = ctx.statement.rollback;
            for rule in self
                .enabled
                .iter()
                .filter(|rule| !rollback || rule.meta().name == "parse-error")
            {
                rule.check_statement(&ctx, &mut self.findings);
            }
            if !rollback {
                folder.fold(
                    &mut self.model,
                    &file.source.text,
                    index,
                    &mut file.statements[index],
                );
            }
        }
    }

    /// Runs the schema rules on the final model and applies levels and suppressions.
    pub fn finish(mut self, files: &[ParsedFile]) -> (Model, Outcome) {
        crate::schema::functions::analyze(&mut self.model);
        let outcome = lint_model(files, &self.model, self.config, self.findings, None);
        (self.model, outcome)
    }
}

/// Lints parsed files (their parse trees are consumed).
pub fn lint(files: &mut [ParsedFile], config: &Config) -> Outcome {
    let mut linter = Linter::new(config);
    for file in files.iter_mut() {
        linter.add_file(file);
    }
    linter.finish(files).1
}

/// Finds, reads, parses and lints migration files: parsing runs in parallel, chunk by chunk,
/// while the previous chunk is folded in order.
pub fn lint_paths(
    paths: &[PathBuf],
    config: &Config,
) -> Result<(Vec<ParsedFile>, Model, Outcome), UsageError> {
    let started = std::time::Instant::now();
    let found = source::discover(paths)?;
    let discovered = started.elapsed();
    let mut linter = Linter::new(config);
    let mut files: Vec<ParsedFile> = Vec::with_capacity(found.len());
    let mut pending: Vec<ParsedFile> = Vec::new();
    for (chunk_index, chunk) in found.chunks(CHUNK).enumerate() {
        let first_id = chunk_index * CHUNK;
        let (parsed, ()) = rayon::join(
            || parse_chunk(chunk, first_id),
            || {
                for mut file in pending.drain(..) {
                    linter.add_file(&mut file);
                    files.push(file);
                }
            },
        );
        pending = parsed?;
    }
    for mut file in pending {
        linter.add_file(&mut file);
        files.push(file);
    }
    let folded = started.elapsed();
    let (model, outcome) = linter.finish(&files);
    if std::env::var_os("PGAUDIT_LINT_TIMINGS").is_some() {
        eprintln!(
            "timings: discover {:?}, read+parse+fold {:?}, schema rules {:?}",
            discovered,
            folded - discovered,
            started.elapsed() - folded
        );
    }
    Ok((files, model, outcome))
}

fn parse_chunk(chunk: &[PathBuf], first_id: usize) -> Result<Vec<ParsedFile>, UsageError> {
    let results: Vec<Result<ParsedFile, UsageError>> = chunk
        .par_iter()
        .enumerate()
        .map(|(offset, path)| source::read_file((first_id + offset) as u32, path).map(parse_file))
        .collect();
    results.into_iter().collect()
}

/// Lints a model and the files it came from: schema rules in parallel, then levels and
/// suppressions over those and the statement findings. Live mode enters here.
pub fn lint_model(
    files: &[ParsedFile],
    model: &Model,
    config: &Config,
    statement_findings: Vec<Diagnostic>,
    reference: Option<&Model>,
) -> Outcome {
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .iter()
        .copied()
        .filter(|rule| config.level(rule.meta().name) != Level::Off)
        .collect();
    let schema_ctx = SchemaContext {
        model,
        files,
        config,
        reference,
    };
    let schema_findings: Vec<Diagnostic> = enabled
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check_schema(&schema_ctx, &mut out);
            out
        })
        .collect();

    let mut diagnostics = statement_findings;
    diagnostics.extend(schema_findings);
    let mut outcome = apply_suppressions(files, diagnostics, config);
    for diagnostic in &mut outcome.diagnostics {
        if let Some(severity) = config.level(diagnostic.rule).severity() {
            diagnostic.severity = severity;
        }
    }
    outcome
        .diagnostics
        .retain(|diagnostic| config.level(diagnostic.rule) != Level::Off);
    sort_and_dedup(&mut outcome.diagnostics);
    outcome
}

/// Removes suppressed findings, then reports suppressions that are malformed or unused.
fn apply_suppressions(
    files: &[ParsedFile],
    diagnostics: Vec<Diagnostic>,
    config: &Config,
) -> Outcome {
    // (file, suppression index, rule name) that suppressed something.
    let mut used: HashSet<(u32, usize, String)> = HashSet::new();
    let mut kept = Vec::with_capacity(diagnostics.len());
    let mut suppressed = 0;
    for diagnostic in diagnostics {
        let Location::File { file, span } = diagnostic.location else {
            kept.push(diagnostic);
            continue;
        };
        let parsed = &files[file as usize];
        let statement = parsed.statement_at(span.start);
        let matching = parsed
            .suppressions
            .iter()
            .enumerate()
            .find(|(_, suppression)| {
                suppression.reason.is_some()
                    && (suppression.file_level || suppression.statement == statement)
                    && suppression
                        .rules
                        .iter()
                        .any(|(name, _)| name == diagnostic.rule)
            });
        match matching {
            Some((index, _)) => {
                used.insert((file, index, diagnostic.rule.to_owned()));
                suppressed += 1;
            }
            None => kept.push(diagnostic),
        }
    }
    for parsed in files {
        for (index, suppression) in parsed.suppressions.iter().enumerate() {
            let file = parsed.id();
            if suppression.rules.is_empty() {
                kept.push(Diagnostic::at(
                    INVALID_SUPPRESSION,
                    file,
                    suppression.span,
                    "suppression names no rule: write `-- pgaudit-lint-ignore rule-name: reason`",
                ));
                continue;
            }
            if suppression.reason.is_none() {
                kept.push(Diagnostic::at(
                    INVALID_SUPPRESSION,
                    file,
                    suppression.span,
                    "suppression without a reason has no effect: add `: why this is fine` after the rule names",
                ));
                continue;
            }
            for (name, span) in &suppression.rules {
                let Some(meta) = rules::meta(name) else {
                    let names = rules::all().iter().map(|rule| rule.meta().name);
                    kept.push(Diagnostic::at(
                        INVALID_SUPPRESSION,
                        file,
                        *span,
                        format!(
                            "unknown rule `{name}` in suppression{}",
                            did_you_mean(name, names)
                        ),
                    ));
                    continue;
                };
                // A suppression of a disabled rule cannot match anything; it is not noise to
                // report, since enabling the rule again makes it useful.
                if config.level(meta.name) == Level::Off
                    || used.contains(&(file, index, name.clone()))
                {
                    continue;
                }
                let scope = if suppression.file_level {
                    "in this file"
                } else {
                    "on its statement"
                };
                kept.push(
                    Diagnostic::at(
                        UNUSED_SUPPRESSION,
                        file,
                        Span::new(suppression.span.start, suppression.span.end),
                        format!("suppression of `{name}` matched no finding {scope}"),
                    )
                    .with_help("remove the suppression comment, or the rule name from it"),
                );
            }
        }
    }
    Outcome {
        diagnostics: kept,
        suppressed,
    }
}

/// Sorts by file order, then position, then rule and message; findings without a file come
/// last, by object. Exact duplicates are dropped.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| match d.location {
            Location::File { file, span } => (0u8, file, span.start, span.end),
            Location::Object => (1u8, 0, 0, 0),
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup();
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{files, findings};

    #[test]
    fn statement_suppression_removes_only_its_statement() {
        let sql = "-- pgaudit-lint-ignore rls-disabled: internal table\ncreate table a (id int primary key);\ncreate table b (id int primary key);\n";
        let found = findings("rls-disabled", &[sql]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.as_deref(), Some("public.b"));
    }

    #[test]
    fn file_suppression_and_unused_suppression() {
        let sql = "-- pgaudit-lint-ignore-file rls-disabled: legacy\ncreate table a (id int primary key);\n-- pgaudit-lint-ignore unindexed-foreign-key: none here\ncreate table c (id int primary key);\n";
        assert!(findings("rls-disabled", &[sql]).is_empty());
        let unused = findings("unused-suppression", &[sql]);
        assert_eq!(unused.len(), 1);
        assert!(unused[0].message.contains("`unindexed-foreign-key`"));
    }

    #[test]
    fn invalid_suppressions_are_reported() {
        let sql = "-- pgaudit-lint-ignore rls-disable: typo\ncreate table a (id int primary key);\n-- pgaudit-lint-ignore rls-disabled\ncreate table b (id int primary key);\n";
        let invalid = findings("invalid-suppression", &[sql]);
        assert_eq!(invalid.len(), 2);
        assert!(
            invalid[0].message.contains("did you mean `rls-disabled`"),
            "{}",
            invalid[0].message
        );
        assert!(invalid[1].message.contains("without a reason"));
        // Neither suppressed anything.
        assert_eq!(findings("rls-disabled", &[sql]).len(), 2);
        let _ = files(&[sql]);
    }
}
