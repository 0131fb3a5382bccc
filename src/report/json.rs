//! `--format json`, version 1, as DESIGN.md's JSON contract.

use serde::Serialize;

use crate::diagnostic::Severity;
use crate::report::ReportInput;
use crate::rules;

#[derive(Serialize)]
struct JsonReport<'r> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'r>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    statements: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'r> {
    rule: &'r str,
    category: &'static str,
    severity: Severity,
    message: &'r str,
    help: Option<&'r str>,
    file: Option<&'r str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    object: Option<&'r str>,
    fingerprint: String,
}

/// Renders the JSON report, pretty-printed, with a trailing newline.
pub fn render(input: &ReportInput<'_>) -> String {
    let fingerprints = input.fingerprints();
    let diagnostics = input
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let position = input.position(diagnostic);
            JsonDiagnostic {
                rule: diagnostic.rule,
                category: rules::meta(diagnostic.rule).map_or("", |meta| meta.category.name()),
                severity: diagnostic.severity,
                message: &diagnostic.message,
                help: diagnostic.help.as_deref(),
                file: position.map(|p| p.path),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                end_line: position.map(|p| p.end_line),
                end_column: position.map(|p| p.end_column),
                object: diagnostic.object.as_deref(),
                fingerprint,
            }
        })
        .collect();
    let report = JsonReport {
        version: 1,
        tool: Tool {
            name: "pgaudit-lint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: input.files.len(),
            statements: input.statements(),
            errors: input.count(Severity::Error),
            warnings: input.count(Severity::Warning),
            infos: input.count(Severity::Info),
            suppressed: input.suppressed,
        },
        diagnostics,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("report serialises");
    text.push('\n');
    text
}
