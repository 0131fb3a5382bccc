//! Hostile input: each case asserts the exact outcome (finding, message, exit code). Content
//! problems are findings and the rest is still linted; only what cannot be read exits 2.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgaudit-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// (rule, line, column, message) of every finding, from JSON output.
fn findings(output: &Output) -> Vec<(String, u64, u64, String)> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn lint_bytes(bytes: &[u8]) -> (Output, Vec<(String, u64, u64, String)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1_hostile.sql"), bytes).unwrap();
    std::fs::write(
        dir.path().join("2_after.sql"),
        "create table after_it (id int primary key);\n",
    )
    .unwrap();
    let output = run(
        dir.path(),
        &["check", ".", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = findings(&output);
    // The other file is always still linted.
    assert!(
        found
            .iter()
            .any(|f| f.0 == "rls-disabled" && f.3.contains("public.after_it")),
        "{found:?}"
    );
    (output, found)
}

fn only(found: &[(String, u64, u64, String)], rule: &str) -> Vec<(u64, u64, String)> {
    found
        .iter()
        .filter(|f| f.0 == rule)
        .map(|f| (f.1, f.2, f.3.clone()))
        .collect()
}

#[test]
fn nul_byte_is_a_finding_and_the_file_is_still_linted() {
    let (_, found) = lint_bytes(b"create table a (id int primary key);\nselect\x001;\ncreate table b (id int primary key);\n");
    assert_eq!(
        only(&found, "parse-error"),
        [(
            2,
            7,
            "NUL byte in the file: SQL text cannot contain NUL; it was treated as a space"
                .to_owned()
        )]
    );
    assert_eq!(only(&found, "rls-disabled").len(), 3);
}

#[test]
fn invalid_utf8_is_a_finding_with_its_position() {
    let (_, found) = lint_bytes(
        b"create table a (id int primary key);\n-- caf\xE9\ncreate table b (id int primary key);\n",
    );
    let errors = only(&found, "parse-error");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].0, errors[0].1), (2, 7));
    assert!(errors[0].2.starts_with("invalid UTF-8"));
    assert_eq!(only(&found, "rls-disabled").len(), 3);
}

#[test]
fn bom_crlf_lone_cr_and_tabs_keep_positions_right() {
    let (_, found) = lint_bytes(b"\xEF\xBB\xBFselect 1;\r\n\r\n\tcreate tabel x (id int);\rselect 2;\r\t\tselect frm frm frm;\n");
    assert_eq!(
        only(&found, "parse-error"),
        [
            (3, 9, "syntax error at or near \"tabel\"".to_owned()),
            (5, 18, "syntax error at or near \"frm\"".to_owned())
        ]
    );
}

#[test]
fn unterminated_dollar_quote_and_comment_at_the_end() {
    let (_, found) = lint_bytes(b"create table a (id int primary key);\ncreate function f() returns int as $body$ select 1;\n");
    let errors = only(&found, "parse-error");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].0, errors[0].1), (2, 36));
    assert!(
        errors[0].2.contains("unterminated dollar-quoted string"),
        "{errors:?}"
    );
    let (_, found) =
        lint_bytes(b"create table a (id int primary key);\n/* never closed\nselect 1;\n");
    assert_eq!(
        only(&found, "parse-error"),
        [(2, 1, "unterminated /* comment".to_owned())]
    );
}

#[test]
fn one_hundred_thousand_statements() {
    let mut sql = String::with_capacity(1_200_000);
    for _ in 0..100_000 {
        sql.push_str("select 1;\n");
    }
    sql.push_str("create tabel late (id int);\n");
    let (output, found) = lint_bytes(sql.as_bytes());
    assert_eq!(
        only(&found, "parse-error"),
        [(100_001, 8, "syntax error at or near \"tabel\"".to_owned())]
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["statements"], 100_002);
}

#[test]
fn a_fifty_megabyte_file() {
    // 50 MB of COPY data between two statements: skipped, and the statements around it linted.
    let mut sql = String::from("create table a (id int primary key);\ncopy a (id) from stdin;\n");
    let line = "12345678901234567890123456789012345678901234567890\n";
    while sql.len() < 50 * 1024 * 1024 {
        sql.push_str(line);
    }
    sql.push_str("\\.\ncreate tabel b (id int);\n");
    let lines = sql.lines().count() as u64;
    let (_, found) = lint_bytes(sql.as_bytes());
    assert_eq!(
        only(&found, "parse-error"),
        [(lines, 8, "syntax error at or near \"tabel\"".to_owned())]
    );
    assert_eq!(only(&found, "rls-disabled").len(), 2);
}

#[test]
fn a_one_megabyte_statement() {
    let sql = format!(
        "create table a (id int primary key, note text default '{}');\n",
        "x".repeat(1024 * 1024)
    );
    let (_, found) = lint_bytes(sql.as_bytes());
    assert!(only(&found, "parse-error").is_empty());
    assert_eq!(only(&found, "rls-disabled").len(), 2);
}

#[test]
fn an_expression_nested_ten_thousand_levels() {
    for (open, close) in [
        ("(", ")"),
        ("not (", ")"),
        ("coalesce(", ", 1)"),
        ("(select ", ")"),
    ] {
        let expression = format!("{}true{}", open.repeat(10_000), close.repeat(10_000));
        let sql = format!(
            "create table a (id int primary key);\ncreate policy p on a using ({expression});\n"
        );
        let (_, found) = lint_bytes(sql.as_bytes());
        // Either the parser refuses the depth, or the statement is analysed; never a crash.
        for (line, _, message) in only(&found, "parse-error") {
            assert_eq!(line, 2, "{message}");
            assert!(
                message.contains("too deeply")
                    || message.contains("stack depth")
                    || message.contains("memory exhausted"),
                "{message}"
            );
        }
    }
}

#[test]
fn a_non_sql_file_named_on_the_command_line_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("notes.txt"),
        b"\x89PNG\r\n\x1a\n\x00\x00binary",
    )
    .unwrap();
    let output = run(dir.path(), &["check", "notes.txt", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let found = findings(&output);
    assert_eq!(found[0].0, "parse-error");
    assert_eq!((found[0].1, found[0].2), (1, 1));
}

#[test]
fn an_empty_folder_is_clean_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    let output = run(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "No findings in 0 files (0 statements).\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "pgaudit-lint: no .sql files in migrations\n"
    );
}

#[test]
fn an_unreadable_folder_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("1.sql"), "select 1;").unwrap();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap();
    Command::new("chmod")
        .arg("000")
        .arg(&locked)
        .status()
        .unwrap();
    let output = if is_root {
        // Root reads anything: run the check as an unprivileged user instead.
        Command::new("chmod")
            .arg("755")
            .arg(dir.path())
            .status()
            .unwrap();
        let binary = dir.path().join("pgaudit-lint");
        std::fs::copy(env!("CARGO_BIN_EXE_pgaudit-lint"), &binary).unwrap();
        Command::new("runuser")
            .args(["-u", "nobody", "--"])
            .arg(&binary)
            .args(["check", "locked"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    } else {
        run(dir.path(), &["check", "locked"])
    };
    Command::new("chmod")
        .arg("755")
        .arg(&locked)
        .status()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot read locked: Permission denied\n"
    );
}

#[test]
fn the_fuzz_entry_points_run_in_the_normal_suite() {
    // The inputs the fuzz targets start from, plus shapes they found interesting; a crash found
    // by `cargo fuzz` is added here as a regression input.
    let inputs: [&[u8]; 8] = [
        b"",
        b"\xff",
        b"create table t (id int);\xffalter table t enable row level security;",
        b"create policy p on t using (auth.uid() = (select auth.uid()));\xffcreate table t (id int);",
        b"\\set x 1\ncopy t from stdin;\n\\.\n:'x' $a$ /* /* */",
        b"create function f() returns int language plpgsql as $$ begin return (select 1 from t); end $$;",
        b"create view v with (security_invoker) as select * from auth.users; create materialized view m as select 1;",
        b"-- pgaudit-lint-ignore-file nope\n-- pgaudit-lint-ignore rls-disabled:\ncreate table \"\" (\"\" int);",
    ];
    for input in inputs {
        pgaudit_lint::fuzzing::check_bytes(input);
    }
    for text in [
        "",
        "(",
        "user_id = (select auth.uid())",
        "x between 1 and",
        "not not not true",
        "a in (select b from c where d = any(array[1]))",
    ] {
        pgaudit_lint::fuzzing::live_expression(text);
    }
}
