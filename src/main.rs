use std::process::ExitCode;

use clap::Parser;

use pgaudit_lint::cli::Cli;
use pgaudit_lint::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
