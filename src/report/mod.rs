//! Reports: the findings of a run rendered as text (miette), JSON, or later SARIF and GitHub
//! annotations. Reporters only read plain data.

pub mod json;
pub mod text;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::parse::ParsedFile;

/// What a report is made from.
pub struct ReportInput<'r> {
    pub files: &'r [ParsedFile],
    pub diagnostics: &'r [Diagnostic],
    pub suppressed: usize,
}

impl ReportInput<'_> {
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

    pub fn fingerprint(&self, diagnostic: &Diagnostic) -> String {
        let path = diagnostic
            .file()
            .and_then(|file| self.files.get(file as usize))
            .map(|file| file.source.path.as_str());
        diagnostic.fingerprint(path)
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
