//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "pgaudit-lint",
    version,
    about = "Schema linter and drift auditor for PostgreSQL and Supabase"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint migration files or folders (default: ./supabase/migrations, else ./migrations).
    Check(CheckArgs),
    /// Audit a running database (read-only) and report drift against the migrations in PATH.
    Live(LiveArgs),
    /// List the rules with category and default level.
    Rules(ListArgs),
    /// Print a rule's documentation.
    Rule(RuleArgs),
    /// Write the rule reference (rules/*.md) generated from the rules' doc comments.
    #[command(hide = true)]
    WriteRuleDocs {
        /// The folder to write into.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Migration files or folders, linted in the order given.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Database URL (else DATABASE_URL, else the libpq PG* variables). sslmode and sslrootcert
    /// are read from it.
    #[arg(long, value_name = "URL")]
    pub db_url: Option<String>,
    /// Migration files or folders to compare the database with (default: ./supabase/migrations
    /// or ./migrations when present).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Include info findings in text output (JSON always includes them).
    #[arg(long, value_enum)]
    pub show: Option<Show>,
    /// Configuration file (default: the nearest pgaudit-lint.toml upwards from the working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Fold every migration, but report only findings in files changed since GIT_REF (and
    /// untracked files): the pre-commit and pull-request mode.
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Report and fail only on findings not recorded in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (then exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule's name, e.g. rls-disabled.
    pub name: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Show {
    Info,
}
