//! Test helpers for rule files: lint SQL text as a migration folder and look at the findings.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::engine;
use crate::parse::{ParsedFile, parse_file};
use crate::rules::{self, Level};
use crate::source::SourceFile;

/// Parses each text as one migration file, in order.
pub fn files(sources: &[&str]) -> Vec<ParsedFile> {
    sources
        .iter()
        .enumerate()
        .map(|(index, text)| {
            parse_file(SourceFile::from_bytes(
                index as u32,
                format!("{index:04}_test.sql"),
                text.as_bytes(),
            ))
        })
        .collect()
}

/// Lints migration files with the default configuration, `rule` enabled even when it is off by
/// default, and returns that rule's findings.
pub fn findings(rule: &'static str, sources: &[&str]) -> Vec<Diagnostic> {
    let mut config = Config::default();
    let meta = rules::meta(rule).unwrap_or_else(|| panic!("unknown rule {rule}"));
    if meta.level == Level::Off {
        config.set_level(meta.name, Level::Warning);
    }
    let mut files = files(sources);
    let outcome = engine::lint(&mut files, &config);
    outcome
        .diagnostics
        .into_iter()
        .filter(|diagnostic| diagnostic.rule == rule)
        .collect()
}

/// Asserts that `rule` fires on every case (each case is a list of files).
pub fn assert_fires(rule: &'static str, cases: &[&[&str]]) {
    for case in cases {
        let found = findings(rule, case);
        assert!(
            !found.is_empty(),
            "{rule} should fire on:\n{}",
            case.join("\n-- next file --\n")
        );
    }
}

/// Asserts that `rule` stays silent on every case.
pub fn assert_silent(rule: &'static str, cases: &[&[&str]]) {
    for case in cases {
        let found = findings(rule, case);
        assert!(
            found.is_empty(),
            "{rule} should not fire on:\n{}\nbut found: {found:#?}",
            case.join("\n-- next file --\n")
        );
    }
}

/// Line and column of a finding's start (1-based).
pub fn position(files: &[ParsedFile], diagnostic: &Diagnostic) -> (usize, usize) {
    match diagnostic.location {
        crate::diagnostic::Location::File { file, span } => {
            files[file as usize].source.line_col(span.start)
        }
        crate::diagnostic::Location::Object => (0, 0),
    }
}

/// A doc example as migration files: a `-- next migration file` comment line starts a new file.
fn split_files(example: &str) -> Vec<&str> {
    let mut files = Vec::new();
    let mut rest = example;
    while let Some(at) = rest.find("-- next migration file") {
        files.push(&rest[..at]);
        rest = &rest[at..];
        rest = rest.find('\n').map_or("", |end| &rest[end + 1..]);
    }
    files.push(rest);
    files
}

#[test]
fn doc_examples_fire_and_fixes_do_not() {
    use crate::rules::docs::sql_example;
    for rule in rules::all() {
        let meta = rule.meta();
        // Drift needs a live database beside the migrations: tests/live.rs runs those cases.
        if meta.category == crate::rules::Category::Drift {
            continue;
        }
        let example = sql_example(meta.docs, "Example")
            .unwrap_or_else(|| panic!("{}: no ```sql Example", meta.name));
        let fixed = sql_example(meta.docs, "Use instead")
            .unwrap_or_else(|| panic!("{}: no ```sql Use instead", meta.name));
        assert!(
            !findings(meta.name, &split_files(&example)).is_empty(),
            "{}: the Example does not fire",
            meta.name
        );
        let found = findings(meta.name, &split_files(&fixed));
        assert!(
            found.is_empty(),
            "{}: the Use instead example fires: {found:#?}",
            meta.name
        );
    }
}
