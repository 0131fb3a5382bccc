use std::collections::BTreeSet;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rollback;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags migration files with no rollback file. Rollback files are looked for beside the
    /// migration by `rollback_pattern` in the config (default `{stem}.down.sql`,
    /// `{stem}_rollback.sql` and `down/{name}`, where `{stem}` is the file name without `.sql`
    /// and `{name}` the file name), among the files being linted. A file with goose or dbmate
    /// down sections (`-- +goose Down`, `-- migrate:down`) carries its own rollback. Rollback
    /// files themselves are not judged. Off by default.
    ///
    /// ## Why is this bad?
    /// Without a rollback, undoing a bad deployment means writing the reverse migration under
    /// pressure, during the incident.
    ///
    /// ## Example
    /// ```sql
    /// -- 20240101000000_add_invoices.sql, with no 20240101000000_add_invoices.down.sql
    /// create table public.invoices (id uuid primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- +goose Up
    /// create table public.invoices (id uuid primary key);
    /// -- +goose Down
    /// drop table public.invoices;
    /// ```
    pub struct MissingRollback {
        name: "missing-rollback",
        category: Migration,
        level: Off,
    }
}

impl Rule for MissingRollback {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let patterns = &ctx.config.rollback_pattern;
        let present: BTreeSet<&str> = ctx
            .files
            .iter()
            .map(|file| file.source.path.as_str())
            .collect();
        for file in ctx.files {
            let path = file.source.path.as_str();
            let has_section = file.statements.iter().any(|statement| statement.rollback);
            if rollback::is_rollback_file(path, patterns) || has_section {
                continue;
            }
            let candidates = rollback::candidates(path, patterns);
            if candidates
                .iter()
                .any(|candidate| present.contains(candidate.as_str()))
            {
                continue;
            }
            let first_line_end = file
                .source
                .text
                .find(['\n', '\r'])
                .unwrap_or(file.source.text.len());
            let message = format!(
                "migration {} has no rollback ({})",
                file.source.file_name(),
                candidates.join(", ")
            );
            out.push(
                Diagnostic::at(
                    Self::META.name,
                    file.id(),
                    Span::new(0, first_line_end),
                    message,
                )
                .with_object(file.source.file_name().to_owned())
                .with_help("add a rollback file that undoes this migration"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine;
    use crate::parse::parse_file;
    use crate::rules::Level;
    use crate::source::SourceFile;

    const RULE: &str = "missing-rollback";

    fn run(files: &[(&str, &str)]) -> Vec<String> {
        let mut config = Config::default();
        config.set_level(RULE, Level::Warning);
        let mut parsed: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(i, (path, text))| {
                parse_file(SourceFile::from_bytes(
                    i as u32,
                    (*path).to_owned(),
                    text.as_bytes(),
                ))
            })
            .collect();
        let outcome = engine::lint(&mut parsed, &config);
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE)
            .filter_map(|d| d.object.clone())
            .collect()
    }

    #[test]
    fn each_accepted_pattern() {
        let up = "create table t (id int primary key);";
        assert_eq!(run(&[("m/1_a.sql", up)]), ["1_a.sql"]);
        assert!(run(&[("m/1_a.sql", up), ("m/1_a.down.sql", "drop table t;")]).is_empty());
        assert!(run(&[("m/1_a.sql", up), ("m/1_a_rollback.sql", "drop table t;")]).is_empty());
        assert!(run(&[("m/1_a.sql", up), ("m/down/1_a.sql", "drop table t;")]).is_empty());
        assert!(
            run(&[(
                "m/1_a.sql",
                "-- +goose Up\ncreate table t (id int);\n-- +goose Down\ndrop table t;\n"
            )])
            .is_empty()
        );
        // A rollback for another migration does not count.
        assert_eq!(
            run(&[("m/1_a.sql", up), ("m/2_b.down.sql", "select 1;")]),
            ["1_a.sql"]
        );
    }

    #[test]
    fn configured_patterns() {
        let mut config =
            Config::from_toml("rollback_pattern = \"rollbacks/{name}\"", "t.toml").unwrap();
        config.set_level(RULE, Level::Warning);
        let mut parsed = vec![
            parse_file(SourceFile::from_bytes(0, "m/1_a.sql".into(), b"select 1;")),
            parse_file(SourceFile::from_bytes(
                1,
                "m/rollbacks/1_a.sql".into(),
                b"select 2;",
            )),
        ];
        let outcome = engine::lint(&mut parsed, &config);
        assert!(!outcome.diagnostics.iter().any(|d| d.rule == RULE));
    }

    #[test]
    fn rollback_files_are_not_folded() {
        let mut config = Config::default();
        config.set_level(RULE, Level::Off);
        let mut parsed = vec![
            parse_file(SourceFile::from_bytes(
                0,
                "m/1_a.down.sql".into(),
                b"drop table t;",
            )),
            parse_file(SourceFile::from_bytes(
                1,
                "m/1_a.sql".into(),
                b"create table t (id int primary key);",
            )),
        ];
        let outcome = engine::lint(&mut parsed, &config);
        assert!(outcome.diagnostics.iter().any(|d| d.rule == "rls-disabled"));
    }
}
