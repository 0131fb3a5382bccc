//! Entry points for the fuzz targets in `fuzz/` and for the regression tests built from what
//! they find: each runs the whole pipeline on one input and must not panic.

use crate::config::Config;
use crate::engine;
use crate::parse::parse_file;
use crate::report::{self, ReportInput};
use crate::rules::{self, Level};
use crate::source::SourceFile;

/// Bytes as one migration file, or two when they hold a 0xFF byte (the second part is the
/// next file), through every rule (all enabled) and every report format.
pub fn check_bytes(data: &[u8]) {
    let mut config = Config::default();
    for rule in rules::all() {
        if rule.meta().level == Level::Off {
            config.set_level(rule.meta().name, Level::Warning);
        }
    }
    let parts: Vec<&[u8]> = match data.iter().position(|byte| *byte == 0xFF) {
        Some(at) => vec![&data[..at], &data[at + 1..]],
        None => vec![data],
    };
    let mut files: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            parse_file(SourceFile::from_bytes(
                index as u32,
                format!("m/{index}_fuzz.sql"),
                bytes,
            ))
        })
        .collect();
    let outcome = engine::lint(&mut files, &config);
    let input = ReportInput::new(&files, &outcome.diagnostics, outcome.suppressed);
    let _ = report::json::render(&input);
    let _ = report::sarif::render(&input);
    let _ = report::github::render(&input);
    let options = report::text::TextOptions {
        color: false,
        show_info: true,
        width: 100,
    };
    let _ = report::text::render(&input, &options);
}

/// Text as a catalog expression: parsed, normalised, and walked by the policy analysis.
pub fn live_expression(text: &str) {
    if let Some(node) = crate::normalize::parse_expression(text) {
        let _ = crate::normalize::expression_key(&node);
        let _ = crate::rules::policy::is_constant_true(&node);
        let _ = crate::rules::policy::is_constant_false(&node);
        let _ = crate::rules::policy::admits_only_privileged(&node, &Config::default());
        let _ = crate::rules::policy::subselect_relations(&node);
    }
}
