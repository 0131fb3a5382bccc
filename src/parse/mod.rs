//! Files -> statements: split each file, parse each statement with the Postgres parser, and
//! collect suppression comments and notes about content that was skipped.

pub mod ffi;
pub mod split;
pub mod suppression;
pub mod text;

use pg_query::NodeEnum;
use pg_query::protobuf::Node;

use crate::source::{FileId, SourceFile, Span};
use split::SplitNoteKind;
pub use suppression::Suppression;

/// One statement of a file.
#[derive(Debug)]
pub struct Statement {
    /// From the first token to the end of the last token before `;`.
    pub span: Span,
    /// The file offset that locations in `ast` count from (the statement's start, or the start
    /// of the file's first statement when the file was parsed in one call).
    pub base: usize,
    /// The parsed statement, or `None` when it did not parse.
    pub ast: Option<Node>,
    pub error: Option<StatementError>,
    /// Part of a rollback (a rollback file or a goose/dbmate down section): parsed, not folded.
    pub rollback: bool,
}

impl Statement {
    pub fn node(&self) -> Option<&NodeEnum> {
        self.ast.as_ref().and_then(|node| node.node.as_ref())
    }

    /// A file offset from a parser location. Negative locations (unknown) map to the
    /// statement start.
    pub fn offset(&self, location: i32) -> usize {
        match usize::try_from(location) {
            Ok(location) => self.base + location,
            Err(_) => self.span.start,
        }
    }
}

/// A statement that did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementError {
    pub message: String,
    /// File offset of the parser's error position.
    pub offset: usize,
}

/// Content that was not linted as SQL, with the reason shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

/// A file after parsing.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: SourceFile,
    pub statements: Vec<Statement>,
    pub suppressions: Vec<Suppression>,
    /// Comments, kept for suppressions and test expectations.
    pub comments: Vec<Span>,
    pub notes: Vec<Note>,
}

impl ParsedFile {
    pub fn id(&self) -> FileId {
        self.source.id
    }

    /// Index of the statement whose span contains `offset`, or the last one starting before it.
    pub fn statement_at(&self, offset: usize) -> Option<usize> {
        let after = self
            .statements
            .partition_point(|statement| statement.span.start <= offset);
        after.checked_sub(1)
    }
}

/// Splits and parses one file. Never fails: problems become statement errors or notes.
pub fn parse_file(source: SourceFile) -> ParsedFile {
    let split = split::split(&source.text);
    let sql: &str = &split.sql;
    let ranges: Vec<Span> = split
        .statements
        .iter()
        .map(|range| Span::new(range.start, range.end))
        .collect();
    let mut statements = parse_whole(sql, &ranges).unwrap_or_else(|| {
        let mut statements = Vec::with_capacity(ranges.len());
        for range in &ranges {
            parse_statement(sql, *range, &mut statements);
        }
        statements
    });
    // A comment is not a token, so the parser never sees an unterminated one: report it here
    // as Postgres would.
    for note in split
        .notes
        .iter()
        .filter(|note| note.kind == SplitNoteKind::UnterminatedComment)
    {
        let error = StatementError {
            message: "unterminated /* comment".to_owned(),
            offset: note.start,
        };
        statements.push(Statement {
            span: Span::new(note.start, note.end),
            base: note.start,
            ast: None,
            error: Some(error),
            rollback: false,
        });
    }
    statements.sort_by_key(|statement| statement.span.start);
    let notes = split
        .notes
        .iter()
        .filter_map(|note| split_note(&source.text, note))
        .collect();
    let comments: Vec<Span> = split
        .comments
        .iter()
        .map(|comment| Span::new(comment.start, comment.end))
        .collect();
    let suppressions = suppression::collect(&source, &comments, &statements);
    drop(split);
    ParsedFile {
        source,
        statements,
        suppressions,
        comments,
        notes,
    }
}

/// Parses a whole file in one parser call, the fast path: one call costs far less than one
/// per statement. `None` when the file has an error or the parser's statements do not match
/// the splitter's one for one; then each statement is parsed on its own, so an error is
/// placed and the rest still parses.
fn parse_whole(sql: &str, ranges: &[Span]) -> Option<Vec<Statement>> {
    if ranges.is_empty() {
        return Some(Vec::new());
    }
    let start = ranges[0].start;
    let end = ranges[ranges.len() - 1].end;
    let result = ffi::parse(&sql[start..end]).ok()?;
    if result.stmts.len() != ranges.len() {
        return None;
    }
    let mut statements = Vec::with_capacity(ranges.len());
    for (raw, range) in result.stmts.into_iter().zip(ranges) {
        let location = start + usize::try_from(raw.stmt_location).ok()?;
        let length = usize::try_from(raw.stmt_len).ok()?;
        let raw_end = if length == 0 { end } else { location + length };
        // The parser's statement must be the splitter's (it may include leading comments).
        if location > range.start || raw_end < range.end {
            return None;
        }
        // Locations in the tree count from the start of the text the parser was given.
        let ast = raw.stmt.map(|node| *node);
        statements.push(Statement {
            span: *range,
            base: start,
            ast,
            error: None,
            rollback: false,
        });
    }
    Some(statements)
}

/// Parses one statement's text; a text the parser sees as several statements yields several.
fn parse_statement(sql: &str, span: Span, out: &mut Vec<Statement>) {
    let text = &sql[span.start..span.end];
    match ffi::parse(text) {
        Ok(result) if !result.stmts.is_empty() => {
            for raw in result.stmts {
                let start = span.start + usize::try_from(raw.stmt_location).unwrap_or(0);
                let end = match usize::try_from(raw.stmt_len) {
                    Ok(0) | Err(_) => span.end,
                    Ok(len) => start + len,
                };
                out.push(Statement {
                    span: Span::new(start, end),
                    base: span.start,
                    ast: raw.stmt.map(|node| *node),
                    error: None,
                    rollback: false,
                });
            }
        }
        // Only comments or nothing: not a statement.
        Ok(_) => {}
        Err(failure) => {
            let offset = span.start + failure.offset.unwrap_or(0).min(text.len());
            let error = StatementError {
                message: failure.message,
                offset,
            };
            out.push(Statement {
                span,
                base: span.start,
                ast: None,
                error: Some(error),
                rollback: false,
            });
        }
    }
}

fn split_note(text: &str, note: &split::SplitNote) -> Option<Note> {
    let span = Span::new(note.start, note.end);
    let snippet = text.get(note.start..note.end).unwrap_or("").trim_end();
    let message = match note.kind {
        SplitNoteKind::MetaCommand => {
            let command = snippet.split_whitespace().next().unwrap_or(snippet);
            format!("psql meta-command `{command}` skipped: pgaudit-lint lints SQL only")
        }
        SplitNoteKind::PsqlVariable => {
            format!(
                "psql variable `{snippet}` neutralised: the statement is linted without its value"
            )
        }
        SplitNoteKind::CopyData => "COPY ... FROM stdin data skipped".to_owned(),
        // The parser reports these as parse errors with a position; no second note.
        SplitNoteKind::UnterminatedQuote
        | SplitNoteKind::UnterminatedDollarQuote
        | SplitNoteKind::UnterminatedComment
        | SplitNoteKind::UnterminatedIdentifier => return None,
    };
    Some(Note { span, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedFile {
        parse_file(SourceFile::from_bytes(0, "t.sql".into(), text.as_bytes()))
    }

    #[test]
    fn parse_error_does_not_stop_the_file() {
        let file =
            parse("create table a (id int);\ncreate tabel b (id int);\ncreate table c (id int);\n");
        assert_eq!(file.statements.len(), 3);
        let error = file.statements[1].error.as_ref().unwrap();
        assert_eq!(file.source.line_col(error.offset), (2, 8));
        assert!(file.statements[2].ast.is_some());
    }

    #[test]
    fn crlf_positions_are_right() {
        let file = parse("select 1;\r\n\r\ncreate tabel b (id int);\r\n");
        let error = file.statements[1].error.as_ref().unwrap();
        assert_eq!(file.source.line_col(error.offset), (3, 8));
    }

    #[test]
    fn empty_and_comment_only_files_have_no_statements() {
        assert!(parse("").statements.is_empty());
        assert!(
            parse("-- just a comment\n/* and another */\n")
                .statements
                .is_empty()
        );
    }

    #[test]
    fn unterminated_comment_is_a_statement_error() {
        let file = parse("select 1;\n/* never closed\nselect 2;");
        assert_eq!(file.statements.len(), 2);
        let error = file.statements[1].error.as_ref().unwrap();
        assert_eq!(error.message, "unterminated /* comment");
        assert_eq!(file.source.line_col(error.offset), (2, 1));
    }

    #[test]
    fn psql_meta_commands_become_notes() {
        let file = parse("\\set ON_ERROR_STOP on\ncreate table a (id int);\n");
        assert_eq!(file.statements.len(), 1);
        assert!(file.statements[0].ast.is_some());
        assert_eq!(file.notes.len(), 1);
        assert!(
            file.notes[0].message.contains("`\\set`"),
            "{}",
            file.notes[0].message
        );
    }
}
