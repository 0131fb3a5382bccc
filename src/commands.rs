//! The subcommands: check, rules, rule.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::baseline::Baseline;
use crate::cli::{
    CheckArgs, Cli, Command, CommonArgs, FailOn, Format, ListFormat, LiveArgs, RuleArgs, Show,
};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine;
use crate::error::{UsageError, did_you_mean};
use crate::git;
use crate::live;
use crate::parse::ParsedFile;
use crate::report::{self, ReportInput};
use crate::rules::{self, docs};
use crate::source;

/// Runs a command; the exit code is 0 (clean), 1 (findings at or above --fail-on).
pub fn run(cli: Cli) -> Result<u8, UsageError> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Live(args) => live(args),
        Command::Rules(args) => list_rules(args.format),
        Command::Rule(args) => show_rule(args),
        Command::WriteRuleDocs { dir } => write_rule_docs(&dir),
    }
}

fn check(args: CheckArgs) -> Result<u8, UsageError> {
    let config = Config::load(args.common.config.as_deref())?;
    let paths = if !args.paths.is_empty() {
        args.paths
    } else if let Some(folder) = &config.migrations {
        vec![PathBuf::from(folder)]
    } else {
        source::default_paths()
    };
    let common = &args.common;
    with_jobs(common.jobs, || {
        let (files, _model, outcome) = engine::lint_paths(&paths, &config)?;
        if files.is_empty() {
            let shown: Vec<String> = paths
                .iter()
                .map(|path| source::display_path(path))
                .collect();
            eprintln!("pgaudit-lint: no .sql files in {}", shown.join(", "));
        }
        finish(common, &files, outcome.diagnostics, outcome.suppressed)
    })?
}

fn live(args: LiveArgs) -> Result<u8, UsageError> {
    let config = Config::load(args.common.config.as_deref())?;
    let paths = if !args.paths.is_empty() {
        args.paths
    } else if let Some(folder) = &config.migrations {
        vec![PathBuf::from(folder)]
    } else {
        source::default_paths()
            .into_iter()
            .filter(|path| path.is_dir())
            .collect()
    };
    let common = &args.common;
    let progress =
        common.format == Format::Text && common.output.is_none() && std::io::stderr().is_terminal();
    with_jobs(common.jobs, || {
        let audit = live::audit(args.db_url.as_deref(), &paths, &config, progress)?;
        finish(
            common,
            &audit.files,
            audit.outcome.diagnostics,
            audit.outcome.suppressed,
        )
    })?
}

/// `--since`, baselines, the report and the exit code, shared by `check` and `live`.
fn finish(
    common: &CommonArgs,
    files: &[ParsedFile],
    mut diagnostics: Vec<Diagnostic>,
    suppressed: usize,
) -> Result<u8, UsageError> {
    if let Some(since) = common.since.as_deref() {
        let changed = git::changed_files(since)?;
        let in_change: Vec<bool> = files
            .iter()
            .map(|file| changed.contains(&git::normalize(Path::new(&file.source.path))))
            .collect();
        diagnostics.retain(|diagnostic| {
            diagnostic
                .file()
                .is_some_and(|file| in_change[file as usize])
        });
    }
    if let Some(path) = &common.write_baseline {
        let baseline = Baseline::from_findings(&ReportInput::new(files, &diagnostics, suppressed));
        baseline.write(path)?;
        eprintln!(
            "pgaudit-lint: recorded {} findings in {}",
            baseline.findings.len(),
            path.display()
        );
        return Ok(0);
    }
    if let Some(path) = &common.baseline {
        let baseline = Baseline::read(path)?;
        let fingerprints = report::fingerprints(files, &diagnostics);
        let (kept, applied) = baseline.filter(diagnostics, &fingerprints);
        diagnostics = kept;
        eprintln!(
            "pgaudit-lint: baseline {}: {} findings already known, {} entries no longer match (fixed)",
            path.display(),
            applied.matched,
            applied.fixed
        );
    }
    emit(common, &ReportInput::new(files, &diagnostics, suppressed))?;
    Ok(exit_code(&diagnostics, common.fail_on))
}

/// Runs `work` on a thread pool of `jobs` threads (all cores by default).
fn with_jobs<T: Send>(jobs: Option<u16>, work: impl FnOnce() -> T + Send) -> Result<T, UsageError> {
    // Deep parse trees (libpg_query accepts expressions thousands of levels deep) are dropped
    // and cloned recursively by prost's generated code: give workers room for that.
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(64 << 20);
    if let Some(jobs) = jobs {
        builder = builder.num_threads(usize::from(jobs));
    }
    let pool = builder
        .build()
        .map_err(|error| UsageError::new(format!("cannot start worker threads: {error}")))?;
    Ok(pool.install(work))
}

/// Renders the report and writes it to stdout or `--output`.
fn emit(common: &CommonArgs, input: &ReportInput<'_>) -> Result<(), UsageError> {
    let to_terminal = common.output.is_none() && std::io::stdout().is_terminal();
    let text = match common.format {
        Format::Json => report::json::render(input),
        Format::Sarif => report::sarif::render(input),
        Format::Github => report::github::render(input),
        Format::Text => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
            let options = report::text::TextOptions {
                color: to_terminal && !no_color,
                show_info: common.show == Some(Show::Info),
                width: 100,
            };
            report::text::render(input, &options)
        }
    };
    write_output(common.output.as_deref(), &text)
}

fn write_output(output: Option<&Path>, text: &str) -> Result<(), UsageError> {
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|error| UsageError::new(format!("cannot write {}: {error}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(UsageError::new(format!("cannot write the report: {error}")))
                }
                _ => Ok(()),
            }
        }
    }
}

/// 1 when a finding at or above `--fail-on` remains, else 0.
pub fn exit_code(diagnostics: &[Diagnostic], fail_on: FailOn) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Never => return 0,
    };
    u8::from(
        diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity >= threshold),
    )
}

#[derive(Serialize)]
struct RuleListing {
    name: &'static str,
    category: &'static str,
    level: &'static str,
    summary: String,
    url: String,
}

fn listing(meta: &rules::RuleMeta) -> RuleListing {
    RuleListing {
        name: meta.name,
        category: meta.category.name(),
        level: meta.level.name(),
        summary: meta.summary(),
        url: meta.url(),
    }
}

fn list_rules(format: ListFormat) -> Result<u8, UsageError> {
    let metas: Vec<&rules::RuleMeta> = rules::all().iter().map(|rule| rule.meta()).collect();
    let text = match format {
        ListFormat::Json => {
            let listings: Vec<RuleListing> = metas.iter().map(|meta| listing(meta)).collect();
            serde_json::to_string_pretty(&listings).expect("serialises") + "\n"
        }
        ListFormat::Text => {
            let width = metas.iter().map(|meta| meta.name.len()).max().unwrap_or(0);
            let mut text = String::new();
            for meta in &metas {
                text.push_str(&format!(
                    "{:width$}  {:12} {:8} {}\n",
                    meta.name,
                    meta.category.name(),
                    meta.level.name(),
                    meta.summary()
                ));
            }
            text
        }
    };
    write_output(None, &text)?;
    Ok(0)
}

fn show_rule(args: RuleArgs) -> Result<u8, UsageError> {
    let Some(rule) = rules::find(&args.name) else {
        let names = rules::all().iter().map(|rule| rule.meta().name);
        return Err(UsageError::new(format!(
            "unknown rule `{}`{}",
            args.name,
            did_you_mean(&args.name, names)
        )));
    };
    let meta = rule.meta();
    let text = match args.format {
        ListFormat::Text => docs::rule_page(meta),
        ListFormat::Json => {
            #[derive(Serialize)]
            struct RuleDocs {
                #[serde(flatten)]
                listing: RuleListing,
                docs: String,
            }
            let value = RuleDocs {
                listing: listing(meta),
                docs: docs::markdown(meta.docs).trim().to_owned(),
            };
            serde_json::to_string_pretty(&value).expect("serialises") + "\n"
        }
    };
    write_output(None, &text)?;
    Ok(0)
}

fn write_rule_docs(dir: &Path) -> Result<u8, UsageError> {
    std::fs::create_dir_all(dir)
        .map_err(|error| UsageError::new(format!("cannot create {}: {error}", dir.display())))?;
    for (name, content) in docs::generated_files() {
        let path = dir.join(name);
        std::fs::write(&path, content).map_err(|error| {
            UsageError::new(format!("cannot write {}: {error}", path.display()))
        })?;
    }
    Ok(0)
}
