//! Diagnostics are plain data: what a rule found, where, and how bad it is.

use serde::Serialize;

use crate::source::{FileId, Span};

/// How serious a finding is. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a finding points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A byte range in a migration file.
    File { file: FileId, span: Span },
    /// A database object with no defining file (live mode): only `object` names it.
    Object,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    /// Qualified object name, e.g. `public.customers` or `public.customers."policy name"`.
    pub object: Option<String>,
}

impl Diagnostic {
    /// A finding at a span of a file. The severity is filled in by the engine from the
    /// rule's configured level.
    pub fn at(rule: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            location: Location::File { file, span },
            object: None,
        }
    }

    /// A finding about an object that has no defining file.
    pub fn on_object(
        rule: &'static str,
        object: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            location: Location::Object,
            object: Some(object.into()),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn file(&self) -> Option<FileId> {
        match self.location {
            Location::File { file, .. } => Some(file),
            Location::Object => None,
        }
    }

    /// Stable identity across edits that move lines: rule, object and file path, never a
    /// line number. When there is no object, the text of the message stands in for it.
    /// `occurrence` tells apart findings that share all three (0 for the first).
    pub fn fingerprint(&self, file_path: Option<&str>, occurrence: usize) -> String {
        let subject = self.object.as_deref().unwrap_or(&self.message);
        let mut hash = Fnv64::default();
        for part in [self.rule, subject, file_path.unwrap_or("")] {
            hash.write(part.as_bytes());
            hash.write(&[0xff]);
        }
        if occurrence > 0 {
            hash.write(occurrence.to_string().as_bytes());
        }
        format!("{:016x}", hash.0)
    }
}

/// FNV-1a, 64 bit: fingerprints must be identical across platforms and Rust releases, which
/// `std::hash` does not promise; ten lines do not justify a dependency.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
