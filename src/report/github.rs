//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on
//! the pull request. GitHub shows only the first 10 annotations of each kind per step, so a
//! summary line with the full counts follows.

use crate::diagnostic::Severity;
use crate::report::ReportInput;

pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    for diagnostic in input.diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(position) = input.position(diagnostic) {
            properties.push(format!("file={}", escape_property(position.path)));
            properties.push(format!("line={}", position.line));
            properties.push(format!("col={}", position.column));
            properties.push(format!("endLine={}", position.end_line));
            properties.push(format!("endColumn={}", position.end_column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("pgaudit-lint {}", diagnostic.rule))
        ));
        let mut message = diagnostic.message.clone();
        if let Some(object) = diagnostic
            .object
            .as_ref()
            .filter(|_| input.position(diagnostic).is_none())
        {
            message.push_str(&format!(" ({object})"));
        }
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    let count = |severity| input.count(severity);
    out.push_str(&format!(
        "pgaudit-lint: {} errors, {} warnings, {} notices in {} files (GitHub shows the first 10 annotations of each kind per step)\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        input.files.len()
    ));
    out
}

/// Escaping for a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a workflow command's property values.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_github() {
        assert_eq!(
            escape_data("100% done\r\nnext, line: x"),
            "100%25 done%0D%0Anext, line: x"
        );
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    }
}
