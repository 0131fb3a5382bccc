//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! GitHub's rules are followed: relative URIs under `%SRCROOT%`, 1-based regions, a physical
//! location on every result, `partialFingerprints` that do not change when lines move, and
//! `security-severity` on security rules.

use serde_json::{Value, json};

use crate::diagnostic::Severity;
use crate::report::ReportInput;
use crate::rules::{self, Category, Level, RuleMeta, docs};

/// The `partialFingerprints` key; versioned so a change of scheme does not collide.
pub const FINGERPRINT_KEY: &str = "pgauditLint/v1";

/// Renders the SARIF log, pretty-printed, with a trailing newline.
pub fn render(input: &ReportInput<'_>) -> String {
    let metas: Vec<&'static RuleMeta> = rules::all().iter().map(|rule| rule.meta()).collect();
    let fingerprints = input.fingerprints();
    let results: Vec<Value> = input
        .diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let index = metas.iter().position(|meta| meta.name == diagnostic.rule).unwrap_or(0);
            let mut text = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                text.push_str("\nHelp: ");
                text.push_str(help);
            }
            // GitHub rejects results without a physical location: a finding on a database
            // object with no defining file points at the first migration file.
            let fallback = input.files.first().map(|file| crate::report::Position {
                path: &file.source.path,
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            });
            let location = match input.position(diagnostic).or(fallback) {
                Some(position) => json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(position.path), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": position.line,
                            "startColumn": position.column,
                            "endLine": position.end_line,
                            "endColumn": position.end_column.max(if position.end_line == position.line { position.column } else { 1 }),
                        }
                    }
                }),
                // Only live findings lack a file; the caller points them at a migration file
                // when there is one, so this is the last resort.
                None => json!({
                    "logicalLocations": [{ "fullyQualifiedName": diagnostic.object.clone().unwrap_or_default() }]
                }),
            };
            let mut result = json!({
                "ruleId": diagnostic.rule,
                "ruleIndex": index,
                "level": sarif_level(diagnostic.severity),
                "message": { "text": text },
                "locations": [location],
                "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
            });
            if let Some(object) = &diagnostic.object {
                result["properties"] = json!({ "object": object });
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pgaudit-lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": docs::RULES_URL.trim_end_matches("/blob/main/rules"),
                    "rules": metas.iter().map(|meta| rule_descriptor(meta)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    text.push('\n');
    text
}

fn rule_descriptor(meta: &RuleMeta) -> Value {
    let full = docs::section(meta.docs, "What it does").unwrap_or_default();
    let markdown = docs::markdown(meta.docs);
    let mut tags = vec![meta.category.name().to_owned()];
    if meta.category == Category::Security {
        tags.push("security".to_owned());
    }
    tags.dedup();
    let mut properties = json!({ "tags": tags });
    if meta.category == Category::Security {
        properties["security-severity"] = json!(security_severity(meta.level));
    }
    json!({
        "id": meta.name,
        "name": meta.name,
        "shortDescription": { "text": meta.summary() },
        "fullDescription": { "text": full.replace('\n', " ") },
        "help": { "text": markdown.trim(), "markdown": markdown.trim() },
        "helpUri": meta.url(),
        "defaultConfiguration": { "level": match meta.level {
            Level::Off => "none",
            Level::Info => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }, "enabled": meta.level != Level::Off },
        "properties": properties,
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub maps security-severity to critical (9.0+), high (7.0+), medium (4.0+) and low.
fn security_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "8.0",
        Level::Warning => "5.0",
        Level::Info | Level::Off => "2.0",
    }
}

/// A relative path as a URI reference: `/` separators, percent-encoding where needed.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            super::uri("../shared/my migrations/ä.sql"),
            "../shared/my%20migrations/%C3%A4.sql"
        );
    }
}
