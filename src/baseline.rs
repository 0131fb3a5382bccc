//! Baselines: `--write-baseline FILE` records the current findings by fingerprint;
//! `--baseline FILE` then reports only findings that are not in it. The file is JSON sorted by
//! file, rule and fingerprint, with no line numbers, so it diffs well in review.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::error::UsageError;
use crate::report::ReportInput;

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub file: Option<String>,
    pub rule: String,
    pub fingerprint: String,
    pub object: Option<String>,
    pub message: String,
}

/// What applying a baseline did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Findings the baseline accounted for (no longer reported).
    pub matched: usize,
    /// Baseline entries that matched no finding: fixed since the baseline was written.
    pub fixed: usize,
}

impl Baseline {
    pub fn from_findings(input: &ReportInput<'_>) -> Baseline {
        let mut findings: Vec<Entry> = input
            .diagnostics
            .iter()
            .zip(input.fingerprints())
            .map(|(diagnostic, fingerprint)| Entry {
                file: input
                    .position(diagnostic)
                    .map(|position| position.path.to_owned()),
                rule: diagnostic.rule.to_owned(),
                fingerprint,
                object: diagnostic.object.clone(),
                message: diagnostic.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), UsageError> {
        let mut text = serde_json::to_string_pretty(self).expect("baseline serialises");
        text.push('\n');
        std::fs::write(path, text).map_err(|error| {
            UsageError::new(format!("cannot write baseline {}: {error}", path.display()))
        })
    }

    pub fn read(path: &Path) -> Result<Baseline, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            UsageError::new(format!("cannot read baseline {}: {error}", path.display()))
        })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|error| {
            UsageError::new(format!(
                "{}: not a pgaudit-lint baseline: {error}",
                path.display()
            ))
        })?;
        if baseline.version != 1 {
            return Err(UsageError::new(format!(
                "{}: unsupported baseline version {}",
                path.display(),
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Keeps only the findings whose fingerprint the baseline does not hold.
    pub fn filter(
        &self,
        diagnostics: Vec<Diagnostic>,
        fingerprints: &[String],
    ) -> (Vec<Diagnostic>, Applied) {
        let known: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|entry| entry.fingerprint.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        let mut kept = Vec::new();
        for (diagnostic, fingerprint) in diagnostics.into_iter().zip(fingerprints) {
            if known.contains(fingerprint.as_str()) {
                seen.insert(fingerprint.as_str());
            } else {
                kept.push(diagnostic);
            }
        }
        let applied = Applied {
            matched: seen.len(),
            fixed: known.len() - seen.len(),
        };
        (kept, applied)
    }
}
