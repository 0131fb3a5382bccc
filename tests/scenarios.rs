//! Multi-file scenario fixtures: every `tests/fixtures/<scenario>/` folder is linted as one
//! migration folder, and its findings must be exactly the `-- expect: rule-a, rule-b`
//! comments, each on the line where the finding is anchored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pgaudit_lint::config::Config;
use pgaudit_lint::engine;
use pgaudit_lint::report::ReportInput;

type Expectation = (String, usize, String);

fn expectations(dir: &Path) -> BTreeSet<Expectation> {
    let mut expected = BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|ext| ext != "sql") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // Lines as the linter counts them: \n, \r\n and lone \r.
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        for (index, line) in normalized.lines().enumerate() {
            let Some((_, names)) = line.split_once("-- expect:") else {
                continue;
            };
            for name in names.split(',') {
                let file = entry.file_name().to_string_lossy().to_string();
                expected.insert((file, index + 1, name.trim().to_owned()));
            }
        }
    }
    expected
}

fn actual(dir: &Path) -> BTreeSet<Expectation> {
    let config_path = dir.join("pgaudit-lint.toml");
    let config = if config_path.is_file() {
        Config::load(Some(&config_path)).unwrap()
    } else {
        Config::default()
    };
    let (files, _model, outcome) = engine::lint_paths(&[dir.to_path_buf()], &config).unwrap();
    let input = ReportInput {
        files: &files,
        diagnostics: &outcome.diagnostics,
        suppressed: outcome.suppressed,
    };
    outcome
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let position = input
                .position(diagnostic)
                .expect("scenario findings have files");
            let file = position.path.rsplit('/').next().unwrap().to_owned();
            (file, position.line, diagnostic.rule.to_owned())
        })
        .collect()
}

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_scenario_reports_exactly_its_expectations() {
    let dirs = scenarios();
    assert!(dirs.len() >= 5, "scenario folders are missing");
    let mut failures = Vec::new();
    for dir in dirs {
        let expected = expectations(&dir);
        let found = actual(&dir);
        let missing: Vec<_> = expected.difference(&found).collect();
        let unexpected: Vec<_> = found.difference(&expected).collect();
        if !missing.is_empty() || !unexpected.is_empty() {
            failures.push(format!(
                "{}:\n  missing: {missing:?}\n  unexpected: {unexpected:?}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
