//! `pgaudit-lint live`: audit a running database and report drift against the migrations.
//!
//! One connection, one read-only snapshot, a fixed number of catalog queries; the catalog
//! becomes the same model the migrations build, every schema rule runs on it, and the drift
//! rules compare it with the migrations' model.

pub mod build;
pub mod catalog;
pub mod connect;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::engine::{self, Outcome};
use crate::error::UsageError;
use crate::parse::ParsedFile;
use crate::rules::Level;
use crate::schema::{Model, functions};

/// Rules about Supabase's `auth` schema and API roles: skipped on plain Postgres.
pub const SUPABASE_ONLY_RULES: &[&str] = &[
    "auth-users-exposed",
    "auth-users-fk-on-delete",
    "policy-user-metadata",
];

/// The result of a live audit.
pub struct LiveOutcome {
    pub files: Vec<ParsedFile>,
    pub outcome: Outcome,
    pub queries: usize,
}

/// Lints the migrations in `paths` (for the reference model and anchors), reads the database
/// and lints its model. `progress` shows a line on stderr when the read takes over a second.
pub fn audit(
    db_url: Option<&str>,
    paths: &[PathBuf],
    config: &Config,
    progress: bool,
) -> Result<LiveOutcome, UsageError> {
    let target = connect::target(db_url)?;
    let (files, reference, _) = if paths.is_empty() {
        (Vec::new(), Model::default(), Outcome::default())
    } else {
        engine::lint_paths(paths, config)?
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| UsageError::new(format!("cannot start the async runtime: {error}")))?;
    let done = Arc::new(AtomicBool::new(false));
    if progress {
        let done = Arc::clone(&done);
        let describe = target.describe();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !done.load(Ordering::SeqCst) {
                eprint!("pgaudit-lint: reading the catalog of {describe}…\r");
            }
        });
    }
    let excluded = config.excluded_schemas.clone();
    let catalog = runtime.block_on(async {
        let client = connect::connect(&target).await?;
        catalog::read(&client, &excluded, &config.history_table).await
    });
    done.store(true, Ordering::SeqCst);
    if progress {
        eprint!("\x1b[2K\r");
    }
    let catalog = catalog?;
    let mut live = build::build(&catalog, &reference);
    functions::analyze(&mut live);

    let mut config = config.clone();
    let mut notes = Vec::new();
    if !catalog.supabase {
        for rule in SUPABASE_ONLY_RULES {
            config.set_level(rule, Level::Off);
        }
        notes.push(Diagnostic::on_object(
            "skipped-content",
            "database",
            format!(
                "plain PostgreSQL (no auth schema or no anon/authenticated roles): Supabase-only rules skipped: {}",
                SUPABASE_ONLY_RULES.join(", ")
            ),
        ));
    }
    for schema in &catalog.unreadable_schemas {
        notes.push(Diagnostic::on_object(
            "skipped-content",
            schema.clone(),
            format!("schema {schema} is not readable by this role (no USAGE): its objects were not audited"),
        ));
    }
    if paths.is_empty() {
        notes.push(Diagnostic::on_object(
            "skipped-content",
            "migrations",
            "no migrations given: drift is not reported",
        ));
    }
    let reference = (!paths.is_empty()).then_some(&reference);
    let outcome = engine::lint_model(&files, &live, &config, notes, reference);
    Ok(LiveOutcome {
        files,
        outcome,
        queries: catalog.queries,
    })
}
