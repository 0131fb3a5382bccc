//! Suppression comments: `-- pgaudit-lint-ignore rule-a, rule-b: reason` and
//! `-- pgaudit-lint-ignore-file rule-a: reason`.
//!
//! A statement suppression applies to the statement that contains the comment, else the
//! statement ending on the comment's line (a trailing comment), else the next statement.

use crate::parse::Statement;
use crate::source::{SourceFile, Span};

const MARKER: &str = "pgaudit-lint-ignore";

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The comment.
    pub span: Span,
    /// The rule names as written, with their spans.
    pub rules: Vec<(String, Span)>,
    /// The text after `:`; `None` when missing or empty (which is an error).
    pub reason: Option<String>,
    pub file_level: bool,
    /// Index of the statement it applies to (statement suppressions only).
    pub statement: Option<usize>,
}

/// Finds the suppression comments of a file and the statements they apply to.
pub fn collect(
    source: &SourceFile,
    comments: &[Span],
    statements: &[Statement],
) -> Vec<Suppression> {
    comments
        .iter()
        .filter_map(|comment| {
            let text = &source.text[comment.start..comment.end];
            let body = text
                .strip_prefix("--")
                .or_else(|| text.strip_prefix("/*").map(|b| b.trim_end_matches("*/")))?;
            let body_start = comment.start + (text.len() - text[2..].len());
            let trimmed = body.trim_start();
            let rest = trimmed.strip_prefix(MARKER)?;
            let (file_level, rest) = match rest.strip_prefix("-file") {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            // `pgaudit-lint-ignored` or similar is not a suppression.
            if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
                return None;
            }
            let rest_start = body_start + (body.len() - rest.len());
            let (list, reason) = match rest.find(':') {
                Some(colon) => (&rest[..colon], Some(rest[colon + 1..].trim())),
                None => (rest, None),
            };
            let rules = split_rule_names(list, rest_start);
            let reason = reason
                .filter(|reason| !reason.is_empty())
                .map(str::to_owned);
            let statement = if file_level {
                None
            } else {
                target_statement(source, *comment, statements)
            };
            Some(Suppression {
                span: *comment,
                rules,
                reason,
                file_level,
                statement,
            })
        })
        .collect()
}

fn split_rule_names(list: &str, list_start: usize) -> Vec<(String, Span)> {
    let mut names = Vec::new();
    let mut offset = 0;
    for part in list.split(',') {
        let leading = part.len() - part.trim_start().len();
        let name = part.trim();
        if !name.is_empty() {
            let start = list_start + offset + leading;
            names.push((name.to_owned(), Span::new(start, start + name.len())));
        }
        offset += part.len() + 1;
    }
    names
}

fn target_statement(source: &SourceFile, comment: Span, statements: &[Statement]) -> Option<usize> {
    let next = statements.partition_point(|statement| statement.span.start < comment.start);
    if let Some(previous) = next.checked_sub(1) {
        let span = statements[previous].span;
        let inside = comment.start < span.end;
        let trailing = source.line_of(span.end.saturating_sub(1)) == source.line_of(comment.start);
        if inside || trailing {
            return Some(previous);
        }
    }
    (next < statements.len()).then_some(next)
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_file;
    use crate::source::SourceFile;

    fn suppressions(text: &str) -> Vec<super::Suppression> {
        parse_file(SourceFile::from_bytes(0, "t.sql".into(), text.as_bytes())).suppressions
    }

    #[test]
    fn comment_before_statement_applies_to_it() {
        let found = suppressions(
            "select 1;\n-- pgaudit-lint-ignore rls-disabled, no-primary-key: service table\ncreate table t (id int);\n",
        );
        assert_eq!(found.len(), 1);
        let names: Vec<_> = found[0]
            .rules
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(names, ["rls-disabled", "no-primary-key"]);
        assert_eq!(found[0].reason.as_deref(), Some("service table"));
        assert_eq!(found[0].statement, Some(1));
        assert!(!found[0].file_level);
    }

    #[test]
    fn trailing_comment_applies_to_its_statement() {
        let found = suppressions(
            "create table t (id int); -- pgaudit-lint-ignore rls-disabled: ok\nselect 1;\n",
        );
        assert_eq!(found[0].statement, Some(0));
    }

    #[test]
    fn file_level_and_missing_reason() {
        let found = suppressions("-- pgaudit-lint-ignore-file rls-disabled\nselect 1;\n");
        assert!(found[0].file_level);
        assert_eq!(found[0].reason, None);
        assert!(suppressions("-- pgaudit-lint-ignored x: y\n").is_empty());
    }
}
