//! `--format text`: each finding rendered by miette with the SQL and the offending span
//! underlined, then a summary line.

use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::report::ReportInput;
use crate::rules;

pub struct TextOptions {
    pub color: bool,
    pub show_info: bool,
    pub width: usize,
}

/// Renders findings and the summary line.
pub fn render(input: &ReportInput<'_>, options: &TextOptions) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    // One shared copy of each file's text for miette, whatever the number of findings.
    let sources: Vec<Arc<str>> = input
        .files
        .iter()
        .map(|file| Arc::from(file.source.text.as_str()))
        .collect();
    let mut out = String::new();
    let mut hidden = 0;
    for diagnostic in input.diagnostics {
        if diagnostic.severity == Severity::Info && !options.show_info {
            hidden += 1;
            continue;
        }
        let report = to_miette(input, diagnostic, &sources);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&diagnostic.message);
        }
        out.push('\n');
    }
    out.push_str(&summary_line(input, hidden));
    out.push('\n');
    out
}

fn to_miette(
    input: &ReportInput<'_>,
    diagnostic: &Diagnostic,
    sources: &[Arc<str>],
) -> miette::Report {
    let mut plain = MietteDiagnostic::new(match &diagnostic.object {
        Some(object) if diagnostic.location == Location::Object => {
            format!("{} ({object})", diagnostic.message)
        }
        _ => diagnostic.message.clone(),
    })
    .with_code(diagnostic.rule)
    .with_severity(match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    });
    if let Some(meta) = rules::meta(diagnostic.rule) {
        plain = plain.with_url(meta.url());
    }
    if let Some(help) = &diagnostic.help {
        plain = plain.with_help(help.clone());
    }
    let Location::File { file, span } = diagnostic.location else {
        return miette::Report::new(plain);
    };
    let parsed = &input.files[file as usize];
    let text = &parsed.source.text;
    // Underline only the first line of a multi-line statement: the header names the object.
    let first_line_end = text[span.start..span.end]
        .find(['\n', '\r'])
        .map_or(span.end, |end| span.start + end);
    let length = first_line_end.saturating_sub(span.start);
    plain = plain.with_label(LabeledSpan::new_with_span(None, (span.start, length)));
    let source = NamedSource::new(&parsed.source.path, Arc::clone(&sources[file as usize]));
    miette::Report::new(plain).with_source_code(source)
}

fn summary_line(input: &ReportInput<'_>, hidden_infos: usize) -> String {
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let errors = input.count(Severity::Error);
    let warnings = input.count(Severity::Warning);
    let infos = input.count(Severity::Info);
    let mut line = if errors + warnings + infos == 0 {
        "No findings".to_owned()
    } else {
        format!(
            "Found {}, {}, {}",
            count(errors, "error"),
            count(warnings, "warning"),
            count(infos, "info")
        )
    };
    if hidden_infos > 0 {
        line.push_str(&format!(" ({hidden_infos} hidden: --show info)"));
    }
    line.push_str(&format!(
        " in {} ({})",
        count(input.files.len(), "file"),
        count(input.statements(), "statement")
    ));
    if input.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", input.suppressed));
    }
    line.push('.');
    line
}
