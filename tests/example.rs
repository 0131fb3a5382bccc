//! `examples/insecure-saas/README.md` lists the findings the example produces, file by file,
//! as `| # | `rule` | level | line:column | ... |` rows. This checks the list against the
//! linter's output in both directions, for every rule the linter has.

use std::collections::BTreeSet;
use std::path::Path;

use pgaudit_lint::config::Config;
use pgaudit_lint::engine;
use pgaudit_lint::report::ReportInput;
use pgaudit_lint::rules;

type Finding = (String, String, String, usize, usize);

fn listed(readme: &str) -> BTreeSet<Finding> {
    let mut file = String::new();
    let mut found = BTreeSet::new();
    for line in readme.lines() {
        if let Some(name) = line
            .strip_prefix("### `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            file = name.to_owned();
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6 || cells[1].parse::<usize>().is_err() || file.is_empty() {
            continue;
        }
        let rule = cells[2].trim_matches('`').to_owned();
        let (row_line, column) = cells[4].split_once(':').expect("line:column");
        found.insert((
            file.clone(),
            rule,
            cells[3].to_owned(),
            row_line.parse().unwrap(),
            column.parse().unwrap(),
        ));
    }
    found
}

#[test]
fn readme_lists_exactly_the_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/insecure-saas");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let listed = listed(&readme);
    assert!(
        listed.len() >= 30,
        "the README's finding tables were not found"
    );
    let (files, _model, outcome) =
        engine::lint_paths(&[root.join("supabase/migrations")], &Config::default()).unwrap();
    let input = ReportInput {
        files: &files,
        diagnostics: &outcome.diagnostics,
        suppressed: outcome.suppressed,
    };
    let actual: BTreeSet<Finding> = outcome
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let position = input.position(diagnostic).unwrap();
            let file = position.path.rsplit('/').next().unwrap().to_owned();
            (
                file,
                diagnostic.rule.to_owned(),
                diagnostic.severity.as_str().to_owned(),
                position.line,
                position.column,
            )
        })
        .collect();
    let implemented: BTreeSet<Finding> = listed
        .iter()
        .filter(|finding| rules::find(&finding.1).is_some())
        .cloned()
        .collect();
    let pending: BTreeSet<&str> = listed
        .iter()
        .filter(|f| rules::find(&f.1).is_none())
        .map(|f| f.1.as_str())
        .collect();
    if !pending.is_empty() {
        println!(
            "example README rows not checked yet, their rules are not implemented: {pending:?}"
        );
    }
    let missing: Vec<_> = implemented.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&implemented).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
}
