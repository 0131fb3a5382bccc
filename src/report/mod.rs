//! Reports: the findings of a run rendered as text (miette), JSON, or later SARIF and GitHub
//! annotations. Reporters only read plain data.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::parse::ParsedFile;

/// What a report is made from.
pub struct ReportInput<'r> {
    pub files: &'r [ParsedFile],
    pub diagnostics: &'r [Diagnostic],
    pub suppressed: usize,
}

impl<'r> ReportInput<'r> {
    pub fn new(files: &'r [ParsedFile], diagnostics: &'r [Diagnostic], suppressed: usize) -> Self {
        ReportInput {
            files,
            diagnostics,
            suppressed,
        }
    }

    pub fn statements(&self) -> usize {
        self.files.iter().map(|file| file.statements.len()).sum()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Path and 1-based start/end line and column of a finding, if it has a file.
    pub fn position(&self, diagnostic: &Diagnostic) -> Option<Position<'_>> {
        let Location::File { file, span } = diagnostic.location else {
            return None;
        };
        let source = &self.files.get(file as usize)?.source;
        let (line, column) = source.line_col(span.start);
        let (end_line, end_column) = source.line_col(span.end);
        Some(Position {
            path: &source.path,
            line,
            column,
            end_line,
            end_column,
        })
    }

    /// The stable fingerprint of every diagnostic, in order (see [`fingerprints`]).
    pub fn fingerprints(&self) -> Vec<String> {
        fingerprints(self.files, self.diagnostics)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position<'r> {
    pub path: &'r str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Fingerprints for diagnostics (sorted as the engine sorts them): rule, object (or message)
/// and file, never a line. Findings that would share one (two parse errors with the same
/// message in one file) are told apart by their order, `#2`, `#3`, ... so each is unique.
pub fn fingerprints(files: &[ParsedFile], diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let path = diagnostic
                .file()
                .and_then(|file| files.get(file as usize))
                .map(|file| file.source.path.as_str());
            let base = diagnostic.fingerprint(path, 0);
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                base
            } else {
                diagnostic.fingerprint(path, *count)
            }
        })
        .collect()
}
