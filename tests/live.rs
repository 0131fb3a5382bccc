//! `pgaudit-lint live` against a throwaway PostgreSQL server: zero drift on a faithful
//! database, exact drift after changes behind the migrations' back, the same findings as
//! `check`, and clean failures.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::pg::{Server, apply_statements, execute, make_certificates, sql_files};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgaudit-lint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// (rule, object) of the findings whose rule starts with one of `prefixes`.
fn findings(report: &serde_json::Value, prefixes: &[&str]) -> BTreeSet<(String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            prefixes
                .iter()
                .any(|p| d["rule"].as_str().unwrap().starts_with(p))
        })
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["object"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn stub() -> String {
    std::fs::read_to_string(root().join("tests/support/supabase_stub.sql")).unwrap()
}

/// A database built from a migrations folder, with the Supabase stub and the history table.
fn database_from(server: &Server, name: &str, migrations: &Path) -> String {
    let url = server.create_database(name);
    execute(&url, &stub());
    let files = sql_files(migrations);
    let failures = apply_statements(&url, &files);
    let versions: Vec<String> = files
        .iter()
        .filter_map(|path| {
            path.file_name()?
                .to_str()?
                .split('_')
                .next()
                .map(|v| format!("('{v}')"))
        })
        .collect();
    execute(
        &url,
        &format!(
            "create schema if not exists supabase_migrations;
             create table if not exists supabase_migrations.schema_migrations (version text primary key);
             insert into supabase_migrations.schema_migrations values {};",
            versions.join(", ")
        ),
    );
    assert!(
        failures.len() <= 1,
        "migrations did not apply: {failures:#?}"
    );
    url
}

#[test]
fn zero_drift_then_exactly_the_drift_made() {
    let server = Server::start();
    let url = database_from(&server, "reference", &root().join("migrations"));
    let output = run(&[
        "live",
        "--db-url",
        &url,
        "migrations",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let clean = report(&output);
    let drift = findings(&clean, &["drift-", "migration-history"]);
    assert!(
        drift.is_empty(),
        "a faithful database shows no drift, got {drift:#?}"
    );
    let all = findings(&clean, &[""]);
    assert!(
        all.is_empty(),
        "the reference schema is clean live too: {all:#?}"
    );

    // Change the database behind the migrations' back.
    execute(
        &url,
        "alter table public.customers disable row level security;
         drop policy \"members can read their organization's customers\" on public.customers;
         alter policy \"members can read their organizations\" on public.organizations using (true);
         alter table public.activities add column notes text;
         drop index public.revenue_created_by_idx;
         create table public.scratch (id int primary key);
         alter view public.chat_rooms set (security_invoker = false);
         insert into supabase_migrations.schema_migrations values ('20990101000000');",
    );
    let output = run(&[
        "live",
        "--db-url",
        &url,
        "migrations",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let drifted = report(&output);
    let drift = findings(&drifted, &["drift-", "migration-history"]);
    let expected: BTreeSet<(String, String)> = [
        ("drift-changed", "public.customers"),
        (
            "drift-missing",
            "public.customers.\"members can read their organization's customers\"",
        ),
        (
            "drift-changed",
            "public.organizations.\"members can read their organizations\"",
        ),
        ("drift-unexpected", "public.activities.notes"),
        ("drift-missing", "public.revenue.revenue_created_by_idx"),
        ("drift-unexpected", "public.scratch"),
        ("drift-changed", "public.chat_rooms"),
        ("migration-history-drift", "20990101000000"),
    ]
    .into_iter()
    .map(|(rule, object)| (rule.to_owned(), object.to_owned()))
    .collect();
    assert_eq!(drift, expected);
    // The drift of a defined object points at the migration that defines it.
    let missing_policy = drifted["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["rule"] == "drift-missing"
                && d["object"]
                    .as_str()
                    .unwrap()
                    .contains("organization's customers")
        })
        .unwrap();
    assert!(
        missing_policy["file"]
            .as_str()
            .unwrap()
            .starts_with("migrations/"),
        "{missing_policy}"
    );
    // And the schema rules see the weakened database.
    let rules = findings(&drifted, &["rls-disabled", "view-bypasses-rls"]);
    assert!(
        rules.contains(&("rls-disabled".to_owned(), "public.customers".to_owned())),
        "{rules:?}"
    );
}

#[test]
fn live_finds_what_check_finds() {
    let server = Server::start();
    let example = root().join("examples/insecure-saas/supabase/migrations");
    let url = database_from(&server, "insecure", &example);
    let example_arg = "examples/insecure-saas/supabase/migrations";
    let checked = report(&run(&[
        "check",
        example_arg,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]));
    let live = report(&run(&[
        "live",
        "--db-url",
        &url,
        example_arg,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]));
    // Rules that judge statements or files where they stand have no live counterpart.
    let statement_rules = [
        "parse-error",
        "unused-suppression",
        "invalid-suppression",
        "rls-enabled-late",
        "skipped-content",
    ];
    let schema_findings = |report: &serde_json::Value| -> BTreeSet<(String, String, String)> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                !statement_rules.contains(&d["rule"].as_str().unwrap())
                    && !d["rule"].as_str().unwrap().starts_with("drift-")
            })
            .map(|d| {
                let place = format!("{}:{}", d["file"].as_str().unwrap_or("-"), d["line"]);
                (
                    d["rule"].as_str().unwrap().to_owned(),
                    d["object"].as_str().unwrap_or("").to_owned(),
                    place,
                )
            })
            .collect()
    };
    let (from_files, from_database) = (schema_findings(&checked), schema_findings(&live));
    let only_files: Vec<_> = from_files.difference(&from_database).collect();
    let only_database: Vec<_> = from_database.difference(&from_files).collect();
    assert!(
        only_files.is_empty() && only_database.is_empty(),
        "only in check: {only_files:#?}\nonly in live: {only_database:#?}"
    );
    assert!(
        from_files.len() >= 25,
        "the example's findings were not all compared: {}",
        from_files.len()
    );
}

#[test]
fn reads_in_one_read_only_snapshot_with_a_fixed_number_of_queries() {
    let server = Server::start();
    let small = server.create_database("small");
    execute(&small, &stub());
    execute(&small, "create table public.t (id int primary key);");
    let large = server.create_database("large");
    execute(&large, &stub());
    let mut sql = String::new();
    for index in 0..60 {
        sql.push_str(&format!(
            "create table public.t{index} (id int primary key, owner uuid); alter table public.t{index} enable row level security;
             create policy p{index} on public.t{index} to authenticated using (owner = (select auth.uid()));"
        ));
    }
    execute(&large, &sql);
    // Writes are refused for the whole database: a live run that wrote anything would fail.
    execute(
        &server.url("postgres"),
        "alter database large set default_transaction_read_only = on",
    );
    let config = pgaudit_lint::config::Config::default();
    let counts: Vec<usize> = [&small, &large]
        .iter()
        .map(|url| {
            pgaudit_lint::live::audit(Some(url), &[], &config, false)
                .expect("live audit works read-only")
                .queries
        })
        .collect();
    assert_eq!(
        counts[0], counts[1],
        "the number of catalog queries does not grow with the schema"
    );
    assert!(counts[0] <= 14);
}

#[test]
fn connection_failures_exit_2_with_one_line_and_no_password() {
    let output = run(&[
        "live",
        "--db-url",
        "postgres://app:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=3",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot connect to 127.0.0.1:1/db as app: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("hunter2") && output.stdout.is_empty());

    let server = Server::start();
    let url = format!("{} user=nobody_here", server.url("postgres"));
    let output = run(&["live", "--db-url", &url]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("role \"nobody_here\" does not exist"),
        "{stderr}"
    );

    let output = run(&["live", "--db-url", "postgres://a:b@h/d?sslmode=sometimes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid sslmode `sometimes`"));
}

#[test]
fn tls_modes_and_tls_failures() {
    let certificates = tempfile::tempdir().unwrap();
    let (ca, tls) = make_certificates(certificates.path());
    let server = Server::start_with_tls(&tls);
    let port = server.port.unwrap();
    let url = |host: &str, mode: &str, root: Option<&Path>| {
        let root = root
            .map(|path| format!(" sslrootcert={}", path.display()))
            .unwrap_or_default();
        format!(
            "host={host} port={port} user=postgres dbname=postgres connect_timeout=5 sslmode={mode}{root}"
        )
    };
    for (mode, root) in [
        ("require", None),
        ("prefer", None),
        ("verify-ca", Some(ca.as_path())),
        ("verify-full", Some(ca.as_path())),
    ] {
        let output = run(&[
            "live",
            "--db-url",
            &url("localhost", mode, root),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{mode}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // A certificate from another authority is refused, in one line.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _) = make_certificates(other.path());
    let output = run(&[
        "live",
        "--db-url",
        &url("localhost", "verify-full", Some(&other_ca)),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot connect to localhost:") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
}

/// Keeps a transaction open (holding the locks `sql` takes) until dropped.
struct OpenTransaction {
    runtime: tokio::runtime::Runtime,
    client: Option<tokio_postgres::Client>,
}

impl OpenTransaction {
    fn start(url: &str, sql: &str) -> OpenTransaction {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime.block_on(async {
            let (client, connection) = url
                .parse::<tokio_postgres::Config>()
                .unwrap()
                .connect(tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client.batch_execute(sql).await.unwrap();
            client
        });
        OpenTransaction {
            runtime,
            client: Some(client),
        }
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.batch_execute("rollback"));
        }
    }
}

#[test]
fn a_catalog_query_cancelled_by_the_statement_timeout_exits_2() {
    let server = Server::start();
    let url = server.create_database("slow");
    execute(
        &url,
        "create table public.t (id int primary key); create view public.v as select id from public.t;",
    );
    // pg_get_viewdef waits for this lock; the statement timeout (1s) ends the wait.
    let _lock =
        OpenTransaction::start(&url, "begin; lock table public.v in access exclusive mode;");
    let output = Command::new(env!("CARGO_BIN_EXE_pgaudit-lint"))
        .args(["live", "--db-url", &url, "--format", "json"])
        .env("PGAUDIT_LINT_STATEMENT_TIMEOUT", "1s")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "error: reading relations failed: canceling statement due to statement timeout\n"
    );
    assert!(output.stdout.is_empty(), "no partial report");
}

#[test]
fn schemas_the_role_cannot_read_are_reported_not_hidden() {
    let server = Server::start();
    let url = server.create_database("limited");
    execute(
        &url,
        "create schema secret; create table secret.payroll (id int primary key);
         create table public.open_table (id int primary key);
         do $$ begin if not exists (select 1 from pg_roles where rolname = 'auditor') then create role auditor login; end if; end $$;
         grant usage on schema public to auditor;",
    );
    let auditor_url = format!("{url} user=auditor");
    let output = run(&[
        "live",
        "--db-url",
        &auditor_url,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = findings(&report(&output), &[""]);
    assert!(
        found.contains(&("skipped-content".to_owned(), "secret".to_owned())),
        "{found:?}"
    );
    assert!(
        found.contains(&("rls-disabled".to_owned(), "public.open_table".to_owned())),
        "{found:?}"
    );
}

#[test]
fn a_connection_closed_mid_read_exits_2_without_a_partial_report() {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};

    let certificates = tempfile::tempdir().unwrap();
    let (_, tls) = make_certificates(certificates.path());
    let server = Server::start_with_tls(&tls);
    let url = server.create_database("cut");
    let mut sql = String::new();
    for index in 0..40 {
        sql.push_str(&format!(
            "create table public.t{index} (id int primary key, a text, b text, c text);"
        ));
    }
    execute(&url, &sql);
    // A proxy that forwards the first few kilobytes of the server's answers, then hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = listener.local_addr().unwrap().port();
    let upstream_port = server.port.unwrap();
    let proxy = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port)).unwrap();
        let (mut client_reader, mut upstream_writer) =
            (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut client_reader, &mut upstream_writer);
        });
        let mut forwarded = 0;
        let mut buffer = [0u8; 512];
        while forwarded < 6_000 {
            let Ok(read) = upstream.read(&mut buffer) else {
                break;
            };
            if read == 0 || client.write_all(&buffer[..read]).is_err() {
                break;
            }
            forwarded += read;
        }
        let _ = client.shutdown(Shutdown::Both);
        let _ = upstream.shutdown(Shutdown::Both);
    });
    let proxied = format!(
        "host=127.0.0.1 port={proxy_port} user=postgres dbname=cut sslmode=disable connect_timeout=5"
    );
    let output = run(&["live", "--db-url", &proxied, "--format", "json"]);
    proxy.join().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: reading ") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no partial report");
}
