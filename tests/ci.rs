//! The CI-gate and pre-commit features: SARIF, GitHub annotations, `--since`, baselines and
//! fingerprints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgaudit-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stdout(output)))
}

const EXAMPLE: &str = "examples/insecure-saas/supabase/migrations";

/// Validates SARIF against the 2.1.0 schema from ../shared/schemas (or says it cannot).
fn assert_valid_sarif(sarif: &serde_json::Value) {
    let schema_path = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    if !schema_path.is_file() {
        println!(
            "SARIF schema validation skipped: ../shared/schemas/sarif-schema-2.1.0.json is not here"
        );
        return;
    }
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

/// GitHub's own requirements beyond the schema.
fn assert_github_ready(sarif: &serde_json::Value) {
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://"),
            "relative uri expected: {uri}"
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(
            result["partialFingerprints"]["pgauditLint/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let rls = rules
        .iter()
        .find(|rule| rule["id"] == "rls-disabled")
        .unwrap();
    assert_eq!(rls["properties"]["security-severity"], "8.0");
    assert!(
        rls["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Example")
    );
    let fk = rules
        .iter()
        .find(|rule| rule["id"] == "unindexed-foreign-key")
        .unwrap();
    assert!(fk["properties"].get("security-severity").is_none());
}

#[test]
fn sarif_for_the_example_validates_and_matches_the_committed_copy() {
    let output = run_in(&root(), &["check", EXAMPLE, "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&output);
    assert_valid_sarif(&sarif);
    assert_github_ready(&sarif);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 34);
    let committed =
        std::fs::read_to_string(root().join("examples/insecure-saas/expected.sarif")).unwrap();
    assert!(
        committed == stdout(&output),
        "examples/insecure-saas/expected.sarif is stale; regenerate it with `make expected-sarif`"
    );
}

#[test]
fn sarif_for_a_multi_file_scenario_validates() {
    let output = run_in(
        &root(),
        &[
            "check",
            "tests/fixtures/multi-tenant",
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ],
    );
    let sarif = json(&output);
    assert_valid_sarif(&sarif);
    assert_github_ready(&sarif);
    let files: std::collections::BTreeSet<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
}

#[test]
fn github_annotations_are_escaped_and_summed_up() {
    let dir = tempfile::tempdir().unwrap();
    // A view reading two RLS tables gives a message with commas; the help line a newline; the
    // file name holds a comma and a colon.
    let sql = "create table a (id int primary key); alter table a enable row level security;\n\
               create table b (id int primary key); alter table b enable row level security;\n\
               create view v as select a.id from a, b;\n";
    std::fs::write(dir.path().join("1_x,y:z%.sql"), sql).unwrap();
    let output = run_in(dir.path(), &["check", ".", "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|line| line.contains("view-bypasses-rls"))
        .unwrap();
    assert!(line.starts_with("::error file=1_x%2Cy%3Az%25.sql,line=3,col=1,endLine=3,endColumn=39,title=pgaudit-lint view-bypasses-rls::"), "{line}");
    assert!(
        line.contains("reads public.a, public.b with its owner's rights"),
        "{line}"
    );
    assert!(
        line.contains("%0Ahelp: alter view public.v set (security_invoker = true);"),
        "{line}"
    );
    assert!(
        text.lines().any(|line| line.starts_with("::notice ")),
        "infos are notices"
    );
    assert!(text.ends_with("pgaudit-lint: 1 errors, 0 warnings, 2 notices in 1 files (GitHub shows the first 10 annotations of each kind per step)\n"), "{text}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn rules_and_files(output: &Output) -> Vec<(String, String)> {
    let report = json(output);
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
            (file, d["rule"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn since_reports_only_changed_and_untracked_files() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let migrations = repo.join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        migrations.join("1_committed.sql"),
        "create table a (id int primary key);\n",
    )
    .unwrap();
    std::fs::write(migrations.join("2_modified.sql"), "select 1;\n").unwrap();
    std::fs::write(
        migrations.join("3_renamed.sql"),
        "create table c (id int primary key);\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    // Modified after the commit; renamed; and a new untracked file.
    std::fs::write(
        migrations.join("2_modified.sql"),
        "create table b (id int primary key);\n",
    )
    .unwrap();
    git(
        repo,
        &[
            "mv",
            "supabase/migrations/3_renamed.sql",
            "supabase/migrations/3_moved.sql",
        ],
    );
    std::fs::write(
        migrations.join("4_untracked.sql"),
        "alter table a enable row level security;\n",
    )
    .unwrap();

    let all = run_in(repo, &["check", "--format", "json", "--fail-on", "never"]);
    assert_eq!(
        rules_and_files(&all),
        [
            ("2_modified.sql".to_owned(), "rls-disabled".to_owned()),
            ("3_moved.sql".to_owned(), "rls-disabled".to_owned()),
            ("4_untracked.sql".to_owned(), "rls-enabled-late".to_owned()),
            (
                "4_untracked.sql".to_owned(),
                "rls-enabled-no-policy".to_owned()
            ),
        ]
    );
    // The committed file's table is folded (RLS enabled late in 4) but nothing is reported in it.
    let since = run_in(
        repo,
        &[
            "check",
            "--since",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(rules_and_files(&since), rules_and_files(&all));
    // After committing everything, nothing has changed since HEAD.
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "more"]);
    let clean = run_in(repo, &["check", "--since", "HEAD", "--format", "json"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(rules_and_files(&clean).is_empty());
    // Against the first commit: 2, 3 and 4 changed, 1 did not.
    let first = run_in(
        repo,
        &[
            "check",
            "--since",
            "HEAD~1",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(rules_and_files(&first), rules_and_files(&all));

    let unknown = run_in(repo, &["check", "--since", "no-such-ref"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: --since: unknown git revision `no-such-ref`\n"
    );
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("1.sql"), "select 1;").unwrap();
    let output = run_in(outside.path(), &["check", ".", "--since", "HEAD"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .starts_with("error: --since needs a git repository: ")
    );
}

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        migrations.join("1.sql"),
        "create table a (id int primary key);\ncreate table b (id int primary key);\n",
    )
    .unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline_arg = baseline.to_str().unwrap();

    let written = run_in(dir.path(), &["check", "--write-baseline", baseline_arg]);
    assert_eq!(written.status.code(), Some(0));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(recorded["findings"].as_array().unwrap().len(), 2);
    assert!(
        !std::fs::read_to_string(&baseline)
            .unwrap()
            .contains("\"line\""),
        "no line numbers in baselines"
    );

    // Nothing new: clean, and nothing fixed.
    let same = run_in(dir.path(), &["check", "--baseline", baseline_arg]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(
        String::from_utf8_lossy(&same.stderr)
            .contains("2 findings already known, 0 entries no longer match (fixed)")
    );

    // A new finding fails; fixing one is reported as fixed.
    std::fs::write(
        migrations.join("1.sql"),
        "create table a (id int primary key);\nalter table a enable row level security;\ncreate table c (id int primary key);\ncreate table b (id int primary key);\n",
    )
    .unwrap();
    let changed = run_in(
        dir.path(),
        &["check", "--baseline", baseline_arg, "--format", "json"],
    );
    assert_eq!(changed.status.code(), Some(1));
    let report = json(&changed);
    let objects: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["object"].as_str())
        .collect();
    assert_eq!(
        objects,
        ["public.a", "public.c"],
        "only new findings: a's info and c's error"
    );
    assert!(
        String::from_utf8_lossy(&changed.stderr)
            .contains("1 findings already known, 1 entries no longer match (fixed)")
    );

    let missing = run_in(dir.path(), &["check", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn fingerprints_survive_moved_lines_and_differ_per_object() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("1.sql");
    let sql = "create table a (id int primary key);\ncreate table b (id int primary key);\n";
    std::fs::write(&file, sql).unwrap();
    let before = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    std::fs::write(&file, format!("\n\n-- a comment\n{sql}")).unwrap();
    std::fs::write(
        dir.path().join("0_other.sql"),
        "create table z (id int primary key); alter table z enable row level security;",
    )
    .unwrap();
    let after = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    let fingerprints = |report: &serde_json::Value| -> Vec<(String, i64, String)> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == "1.sql")
            .map(|d| {
                (
                    d["object"].as_str().unwrap().to_owned(),
                    d["line"].as_i64().unwrap(),
                    d["fingerprint"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (before, after) = (fingerprints(&before), fingerprints(&after));
    assert_eq!(before.len(), 2);
    assert_ne!(before[0].2, before[1].2, "two objects, two fingerprints");
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.0, new.0);
        assert_eq!(new.1, old.1 + 3, "the line moved");
        assert_eq!(old.2, new.2, "the fingerprint did not");
    }
}
