//! Command-line tests: they run the built binary and check output, formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root with colour disabled.
fn run(args: &[&str]) -> Output {
    run_in(&root(), args)
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgaudit-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn text_output_underlines_the_sql() {
    let output = run(&["check", "tests/cli-fixtures/basic"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("basic_text", stdout(&output));
}

#[test]
fn text_output_shows_infos_on_request() {
    let example = "examples/insecure-saas/supabase/migrations";
    let hidden = stdout(&run(&["check", example]));
    let shown = stdout(&run(&["check", example, "--show", "info"]));
    assert!(!hidden.contains("rls-enabled-no-policy"));
    assert!(hidden.contains("hidden: --show info)"), "{hidden}");
    assert!(shown.contains("rls-enabled-no-policy"));
    assert!(!shown.contains("hidden: --show info"));
}

#[test]
fn json_output_follows_the_contract() {
    let output = run(&["check", "tests/cli-fixtures/basic", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "pgaudit-lint");
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["statements"], 5);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let rules: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "rls-disabled",
            "unindexed-foreign-key",
            "auth-function-not-wrapped",
            "parse-error"
        ]
    );
    let first = &diagnostics[0];
    assert_eq!(first["category"], "security");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        first["message"],
        "table public.customers does not have row level security enabled"
    );
    assert_eq!(
        first["help"],
        "alter table public.customers enable row level security;"
    );
    assert_eq!(
        first["file"],
        "tests/cli-fixtures/basic/20240101000000_init.sql"
    );
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(first["object"], "public.customers");
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 16);
    let parse_error = &diagnostics[3];
    assert_eq!(
        (parse_error["line"].as_u64(), parse_error["column"].as_u64()),
        (Some(12), Some(8))
    );
    assert_eq!(report["summary"]["errors"], 2);
    assert_eq!(report["summary"]["warnings"], 2);
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(run(&["check", "migrations"]).status.code(), Some(0));
    assert_eq!(
        run(&["check", "migrations", "--fail-on", "info"])
            .status
            .code(),
        Some(0)
    );
    let example = "examples/insecure-saas/supabase/migrations";
    assert_eq!(run(&["check", example]).status.code(), Some(1));
    assert_eq!(
        run(&["check", example, "--fail-on", "never"]).status.code(),
        Some(0)
    );
    // Only warnings and infos: fails with --fail-on warning, not by default.
    let warnings_only = tempfile::tempdir().unwrap();
    std::fs::write(
        warnings_only.path().join("1.sql"),
        "create table private.o (id int primary key, c int references private.o (id));",
    )
    .unwrap();
    let dir = warnings_only.path().to_str().unwrap();
    assert_eq!(run(&["check", dir]).status.code(), Some(0));
    assert_eq!(
        run(&["check", dir, "--fail-on", "warning"]).status.code(),
        Some(1)
    );
}

#[test]
fn default_paths_prefer_supabase_migrations() {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("supabase/migrations")).unwrap();
    std::fs::create_dir_all(project.path().join("migrations")).unwrap();
    std::fs::write(
        project.path().join("supabase/migrations/1_a.sql"),
        "create table a (id int primary key);",
    )
    .unwrap();
    std::fs::write(
        project.path().join("migrations/1_b.sql"),
        "create table b (id int primary key);",
    )
    .unwrap();
    let output = run_in(project.path(), &["check", "--format", "json"]);
    let text = stdout(&output);
    assert!(
        text.contains("public.a") && !text.contains("public.b"),
        "{text}"
    );
    std::fs::remove_dir_all(project.path().join("supabase")).unwrap();
    let text = stdout(&run_in(project.path(), &["check", "--format", "json"]));
    assert!(text.contains("public.b"), "{text}");
    std::fs::remove_dir_all(project.path().join("migrations")).unwrap();
    let output = run_in(project.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: cannot read migrations: No such file or directory\n"
    );
}

#[test]
fn files_are_ordered_by_name_within_folders() {
    let project = tempfile::tempdir().unwrap();
    // Written in reverse order on disk; Supabase's timestamps sort by name.
    std::fs::write(
        project.path().join("20240102000000_enable.sql"),
        "alter table t enable row level security;",
    )
    .unwrap();
    std::fs::write(
        project.path().join("20240101000000_create.sql"),
        "create table t (id int primary key);",
    )
    .unwrap();
    std::fs::write(project.path().join("notes.txt"), "not sql").unwrap();
    let output = run(&[
        "check",
        project.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["summary"]["files"], 2);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    // Created in the first file, enabled in the second: only true in name order.
    assert_eq!(rules, ["rls-enabled-late", "rls-enabled-no-policy"]);
}

#[test]
fn bad_paths_exit_2_with_one_line() {
    let output = run(&["check", "no/such/folder"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: cannot read no/such/folder: No such file or directory\n"
    );

    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let output = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: symlink loop at ") && message.lines().count() == 1,
        "{message}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("missing.sql"),
        dir.path().join("dangling.sql"),
    )
    .unwrap();
    let output = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: cannot read "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn config_errors_exit_2_naming_file_line_and_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pgaudit-lint.toml");
    std::fs::write(&config, "[rules]\n\"rls-disabeld\" = \"off\"\n").unwrap();
    let output = run(&["check", "migrations", "--config", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let expected = format!(
        "error: {}:2: unknown rule or category `rls-disabeld`; did you mean `rls-disabled`?\n",
        config.display()
    );
    assert_eq!(stderr(&output), expected);

    // Found upwards from the working directory, and applied.
    std::fs::write(&config, "[rules]\nsecurity = \"off\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
    std::fs::write(
        dir.path().join("supabase/migrations/1.sql"),
        "create table t (id int primary key);",
    )
    .unwrap();
    let output = run_in(&dir.path().join("supabase"), &["check", "migrations"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn output_is_identical_for_any_number_of_jobs() {
    let corpus = root().join("../shared/corpus");
    let target = if corpus.is_dir() {
        corpus.to_str().unwrap().to_owned()
    } else {
        println!("determinism: ../shared/corpus not found, comparing on examples/ instead");
        "examples".to_owned()
    };
    for format in ["json", "text"] {
        let one = run(&[
            "check", &target, "--format", format, "--jobs", "1", "--show", "info",
        ]);
        let four = run(&[
            "check", &target, "--format", format, "--jobs", "4", "--show", "info",
        ]);
        assert!(
            one.stdout == four.stdout,
            "{format} output differs between --jobs 1 and --jobs 4"
        );
        assert!(!one.stdout.is_empty());
    }
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let output = run(&[
        "check",
        "tests/cli-fixtures/basic",
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(report["summary"]["errors"], 2);
}

#[test]
fn rules_listing_and_rule_docs() {
    let output = run(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|line| line.starts_with("rls-disabled "))
        .unwrap();
    assert!(
        line.contains("security") && line.contains("error"),
        "{line}"
    );

    let listing: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["rules", "--format", "json"]))).unwrap();
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"unindexed-foreign-key"));

    let page = stdout(&run(&["rule", "rls-disabled"]));
    let on_disk = std::fs::read_to_string(root().join("rules/rls-disabled.md")).unwrap();
    assert_eq!(page, on_disk);

    let output = run(&["rule", "rls-disable"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: unknown rule `rls-disable`; did you mean `rls-disabled`?\n"
    );
}
