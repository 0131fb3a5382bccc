//! A direct call into the libpg_query that the `pg_query` crate builds and links.
//!
//! `pg_query::parse` drops the parser's error position (`cursorpos`) and walks every tree to
//! collect table and function names we do not use. Calling `pg_query_parse_protobuf_opts`
//! ourselves keeps the position and skips that walk; the protobuf is decoded with the same
//! `prost` types the crate exposes.

use std::ffi::{CStr, CString, c_char, c_int};

use pg_query::protobuf;
use prost::Message;

#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        parser_options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
}

/// Why a statement did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFailure {
    pub message: String,
    /// Byte offset into the parsed text where the parser stopped, if it said.
    pub offset: Option<usize>,
}

/// Parses SQL text (which must not contain NUL) into raw statements.
pub fn parse(sql: &str) -> Result<protobuf::ParseResult, ParseFailure> {
    let input = CString::new(sql).map_err(|error| ParseFailure {
        message: "NUL byte in SQL text".to_owned(),
        offset: Some(error.nul_position()),
    })?;
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the result is
    // read only before it is freed exactly once below.
    unsafe {
        let result = pg_query_parse_protobuf_opts(input.as_ptr(), 0);
        let outcome = if result.error.is_null() {
            let data = if result.parse_tree.data.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(
                    result.parse_tree.data as *const u8,
                    result.parse_tree.len,
                )
            };
            protobuf::ParseResult::decode(data).map_err(|error| ParseFailure {
                message: format!("cannot decode the parse tree: {error}"),
                offset: None,
            })
        } else {
            let error = &*result.error;
            let message = CStr::from_ptr(error.message).to_string_lossy().into_owned();
            Err(ParseFailure {
                message,
                offset: char_position_to_byte(sql, error.cursorpos),
            })
        };
        pg_query_free_protobuf_parse_result(result);
        outcome
    }
}

/// Postgres reports `cursorpos` 1-based and in characters; 0 means "no position".
fn char_position_to_byte(sql: &str, cursorpos: c_int) -> Option<usize> {
    let characters = usize::try_from(cursorpos).ok()?.checked_sub(1)?;
    Some(
        sql.char_indices()
            .nth(characters)
            .map_or(sql.len(), |(offset, _)| offset),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_position_is_exact() {
        // The example from DESIGN.md: a 25-character line, then the typo.
        let sql = "select 'abcdefghijklm';\n\ncreate tabel b (id int);";
        let failure = parse(sql).unwrap_err();
        assert_eq!(failure.message, "syntax error at or near \"tabel\"");
        assert_eq!(failure.offset, Some(sql.find("tabel").unwrap()));
    }

    #[test]
    fn error_position_counts_characters_not_bytes() {
        let sql = "select 'ééééé€€';\ncreate tabel b (id int);";
        let failure = parse(sql).unwrap_err();
        assert_eq!(failure.offset, Some(sql.find("tabel").unwrap()));
    }

    #[test]
    fn parses_statements_with_locations() {
        let result = parse("select 1; create table t (id int)").unwrap();
        assert_eq!(result.stmts.len(), 2);
        assert_eq!(result.stmts[1].stmt_location, 10);
    }
}
