//! A throwaway PostgreSQL server for the live tests: `initdb` + `pg_ctl` on a Unix socket in a
//! temporary directory, as the `postgres` user when the tests run as root, stopped when
//! dropped. With `PGAUDIT_TEST_DATABASE_URL` set, that server is used instead. A test that
//! cannot get a server fails with instructions; it never skips.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Server {
    dir: Option<tempfile::TempDir>,
    bin: PathBuf,
    external: Option<String>,
    /// TCP port when the server also listens on 127.0.0.1 (the TLS tests).
    pub port: Option<u16>,
}

/// Certificate and key files for a server that speaks TLS.
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

const INSTRUCTIONS: &str = "the live tests need PostgreSQL server binaries (initdb, pg_ctl): \
    install them with `apt-get install -y postgresql` (or run `make test`, which does), \
    or set PGAUDIT_TEST_DATABASE_URL to a server where the test role may create databases";

fn find_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    candidates.sort();
    candidates.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a server binary, as `postgres` when we are root (the server refuses to run as root).
fn run_as_server_user(program: &Path, args: &[&str]) -> std::process::Output {
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}; {INSTRUCTIONS}", program.display()))
}

impl Server {
    pub fn start() -> Server {
        if let Ok(url) = std::env::var("PGAUDIT_TEST_DATABASE_URL") {
            return Server {
                dir: None,
                bin: PathBuf::new(),
                external: Some(url),
                port: None,
            };
        }
        Self::start_local(None)
    }

    /// A local server that also listens on 127.0.0.1 with TLS.
    pub fn start_with_tls(tls: &Tls) -> Server {
        Self::start_local(Some(tls))
    }

    fn start_local(tls: Option<&Tls>) -> Server {
        let bin = find_bin().unwrap_or_else(|| {
            panic!("no PostgreSQL server found under /usr/lib/postgresql; {INSTRUCTIONS}")
        });
        let dir = tempfile::Builder::new()
            .prefix("pgaudit-pg-")
            .tempdir()
            .unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(
                status.success(),
                "cannot chown the test server directory to postgres; {INSTRUCTIONS}"
            );
        }
        let data = dir.path().join("data");
        let data_arg = data.to_str().unwrap();
        let output = run_as_server_user(
            &bin.join("initdb"),
            &[
                "-D",
                data_arg,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        assert!(
            output.status.success(),
            "initdb failed: {}; {INSTRUCTIONS}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut options = format!(
            "-k {} -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=20",
            dir.path().display()
        );
        let mut port = None;
        match tls {
            None => options.push_str(" -c listen_addresses=''"),
            Some(tls) => {
                let free = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
                // The server reads the key as its own user, with no access for others.
                let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
                std::fs::copy(&tls.cert, &cert).unwrap();
                std::fs::copy(&tls.key, &key).unwrap();
                Command::new("chmod").arg("600").arg(&key).status().unwrap();
                if is_root() {
                    Command::new("chown")
                        .arg("postgres")
                        .arg(&cert)
                        .arg(&key)
                        .status()
                        .unwrap();
                }
                options.push_str(&format!(
                    " -c listen_addresses=127.0.0.1 -p {free} -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    cert.display(),
                    key.display()
                ));
                port = Some(free);
            }
        }
        let log = dir.path().join("log");
        let output = run_as_server_user(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data_arg,
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            output.status.success(),
            "pg_ctl start failed: {}{}; {INSTRUCTIONS}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Server {
            dir: Some(dir),
            bin,
            external: None,
            port,
        }
    }

    /// A connection string for a database on this server.
    pub fn url(&self, database: &str) -> String {
        match &self.external {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}dbname={database}")
            }
            Some(url) => format!("{url} dbname={database}"),
            // Over the Unix socket; a TLS server's socket file carries its TCP port number.
            None => format!(
                "host={} port={} user=postgres dbname={database} sslmode=disable",
                self.dir.as_ref().unwrap().path().display(),
                self.port.unwrap_or(5432)
            ),
        }
    }

    /// Creates an empty database and returns its connection string.
    pub fn create_database(&self, name: &str) -> String {
        execute(
            &self.url("postgres"),
            &format!("drop database if exists {name}"),
        );
        execute(&self.url("postgres"), &format!("create database {name}"));
        self.url(name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let data = dir.path().join("data");
            let _ = run_as_server_user(
                &self.bin.join("pg_ctl"),
                &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
            );
        }
    }
}

/// Runs SQL (several statements allowed) on a database.
pub fn execute(url: &str, sql: &str) {
    try_execute(url, sql).unwrap_or_else(|error| panic!("{error}\nin:\n{sql}"));
}

pub fn try_execute(url: &str, sql: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = url
            .parse::<tokio_postgres::Config>()
            .unwrap()
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
            .batch_execute(sql)
            .await
            .map_err(|error| match error.as_db_error() {
                Some(db) => format!("{}: {}", db.code().code(), db.message()),
                None => error.to_string(),
            })
    })
}

/// Applies migration files one statement at a time (so one bad statement does not stop the
/// rest, as with `-- deliberate syntax error` in the insecure example); returns failures.
pub fn apply_statements(url: &str, files: &[PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let source = pgaudit_lint::source::SourceFile::from_bytes(
            index as u32,
            path.display().to_string(),
            &bytes,
        );
        let text = source.text.clone();
        let parsed = pgaudit_lint::parse::parse_file(source);
        for statement in &parsed.statements {
            let sql = &text[statement.span.start..statement.span.end];
            if let Err(error) = try_execute(url, sql) {
                failures.push(format!("{}: {error}", path.display()));
            }
        }
    }
    failures
}

/// The `.sql` files of a folder, in name order.
pub fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
}

/// A certificate authority and a server certificate for `localhost` and 127.0.0.1, made with
/// the openssl command line.
pub fn make_certificates(dir: &Path) -> (PathBuf, Tls) {
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().unwrap_or_else(|error| {
            panic!("cannot run openssl ({error}): the TLS test needs it: apt-get install -y openssl (make test installs it)")
        });
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=pgaudit test ca",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    (
        dir.join("ca.crt"),
        Tls {
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        },
    )
}
