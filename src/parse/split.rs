//! Statement splitter for psql scripts (migration files).
//!
//! This is hand-written on purpose: pg_query's scanner only understands server-side
//! SQL. It knows nothing about psql meta-commands (`\set`, `\i`, `\gset`, ...), psql
//! variables (`:name`, `:'name'`, `:"name"`) or the inline data block that follows
//! `COPY ... FROM stdin`, all of which appear in real migration scripts. The lexical
//! rules mirror psql's own lexer (`src/fe_utils/psqlscan.l`).
//!
//! Properties: a single forward pass over bytes (every delimiter is ASCII, so
//! multi-byte UTF-8 characters never need decoding), linear time, no recursion
//! (nested comment depth is a counter), no panics on any input. psql-only syntax is
//! blanked out with ASCII spaces byte for byte, so offsets in [`Split::sql`] are the
//! same as in the input text. A UTF-8 BOM is not handled here; the caller strips it.

use std::borrow::Cow;

/// Result of splitting one file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The text to hand to the SQL parser: identical to the input except that psql
    /// meta-command lines, COPY ... FROM stdin data blocks and psql variable sigils were
    /// replaced by ASCII spaces byte for byte (newlines kept), so every byte offset
    /// is the same in `sql` and in the input. Borrowed when nothing was replaced.
    pub sql: Cow<'a, str>,
    pub statements: Vec<StatementRange>,
    /// Every comment: `-- ...` (range excludes the newline) and `/* ... */` (nested).
    pub comments: Vec<CommentRange>,
    pub notes: Vec<SplitNote>,
}

/// Byte offsets of one statement. `start` is the first byte of the first token (leading
/// whitespace and comments excluded); `end` is the exclusive end of the last token
/// before the terminating `;` (or end of text). Empty statements are not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatementRange {
    pub start: usize,
    pub end: usize,
}

/// Byte offsets of one comment. Line comments exclude the line terminator; block
/// comments include `/*` and the final `*/` (nested comments form one range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentRange {
    pub start: usize,
    pub end: usize,
    pub line_comment: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SplitNoteKind {
    /// A psql meta-command (`\set`, `\i`, `\gset`, ...) was blanked; the range is the
    /// blanked text (backslash to end of line, or just the backslash of `\;` / `\:`).
    MetaCommand,
    /// A psql variable reference `:name`, `:'name'` or `:"name"`; only the colon was
    /// blanked, the range covers the whole reference.
    PsqlVariable,
    /// Inline data of `COPY ... FROM stdin` (or `\copy ... from stdin`), blanked up to
    /// and including the `\.` terminator line (newlines kept).
    CopyData,
    /// `'...` (also `E'...`, `U&'...`) not closed before end of text.
    UnterminatedQuote,
    /// `$tag$...` not closed before end of text.
    UnterminatedDollarQuote,
    /// `/* ...` not closed before end of text.
    UnterminatedComment,
    /// `"...` not closed before end of text.
    UnterminatedIdentifier,
}

/// Something psql-specific or malformed found while splitting. For the
/// `Unterminated*` kinds `start` is the opening delimiter and `end` the text length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SplitNote {
    pub kind: SplitNoteKind,
    pub start: usize,
    pub end: usize,
}

/// Split a psql script into statements. Never panics; runs in linear time.
pub fn split(text: &str) -> Split<'_> {
    let mut sc = Scanner {
        b: text.as_bytes(),
        pos: 0,
        out: None,
        statements: Vec::new(),
        comments: Vec::new(),
        notes: Vec::new(),
        st: Stmt::default(),
        copy_pending: 0,
    };
    sc.run();
    let sql = match sc.out {
        None => Cow::Borrowed(text),
        // Only whole characters (or ASCII bytes) are ever blanked, so this cannot fail;
        // falling back to the input keeps the function panic-free regardless.
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Cow::Owned(s),
            Err(_) => Cow::Borrowed(text),
        },
    };
    Split {
        sql,
        statements: sc.statements,
        comments: sc.comments,
        notes: sc.notes,
    }
}

// ---------------------------------------------------------------------------------
// Byte classes.

/// Horizontal whitespace (space, tab, vertical tab, form feed).
const WS: u8 = 1;
/// Line terminator bytes `\n` and `\r`.
const NL: u8 = 2;
/// May start an identifier / keyword: ASCII letter, `_`, any non-ASCII byte.
const IDENT_START: u8 = 4;
/// May continue an identifier: the above plus digits and `$`.
const IDENT_CONT: u8 = 8;
/// ASCII digit.
const DIGIT: u8 = 16;
/// May continue a dollar-quote tag (identifier continuation without `$`).
const TAG_CONT: u8 = 32;
/// May start a psql variable name: ASCII letter or `_`.
const VAR_START: u8 = 64;
/// May continue a psql variable name: ASCII letter, digit or `_`.
const VAR_CONT: u8 = 128;

static CLASS: [u8; 256] = build_classes();

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alpha = c.is_ascii_alphabetic() || c == b'_';
        let high = c >= 0x80;
        let digit = c.is_ascii_digit();
        let mut f = 0;
        if c == b' ' || c == b'\t' || c == 0x0b || c == 0x0c {
            f |= WS;
        }
        if c == b'\n' || c == b'\r' {
            f |= NL;
        }
        if alpha || high {
            f |= IDENT_START | TAG_CONT | IDENT_CONT;
        }
        if digit {
            f |= DIGIT | TAG_CONT | IDENT_CONT | VAR_CONT;
        }
        if c == b'$' {
            f |= IDENT_CONT;
        }
        if alpha {
            f |= VAR_START | VAR_CONT;
        }
        t[i] = f;
        i += 1;
    }
    t
}

#[inline]
fn class(c: u8) -> u8 {
    CLASS[c as usize]
}

/// psql meta-commands that send (or discard) the current query buffer, i.e. end the
/// statement being accumulated. `\getenv` starts with `g` but does not.
const BUFFER_ENDING_COMMANDS: &[&[u8]] = &[
    b"g",
    b"gx",
    b"gset",
    b"gexec",
    b"gdesc",
    b"watch",
    b"crosstabview",
    b"sendpipeline",
    b"parse",
    b"r",
    b"reset",
];

// ---------------------------------------------------------------------------------
// Scanner.

/// One of the first four identifier-like words of a statement; used to recognise
/// `CREATE [OR REPLACE] {FUNCTION|PROCEDURE}` the way psql does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Head {
    #[default]
    Other,
    Create,
    Or,
    Replace,
    Routine,
}

/// Per-statement state, reset whenever a statement ends.
#[derive(Debug, Default)]
struct Stmt {
    /// First byte of the first token.
    start: Option<usize>,
    /// Exclusive end of the last token so far.
    end: usize,
    paren: u32,
    bracket: u32,
    /// Number of identifier-like words seen.
    words: u32,
    head: [Head; 4],
    /// Statement is `CREATE [OR REPLACE] {FUNCTION|PROCEDURE}`.
    routine: bool,
    /// Nesting inside a `BEGIN ATOMIC ... END` body (BEGIN / CASE ... END).
    begin_depth: u32,
    /// Previous token was `BEGIN` outside a body; `ATOMIC` would open one.
    begin_pending: bool,
    /// First token is the word COPY.
    copy: bool,
    /// Previous token was the word FROM (COPY statements only).
    after_from: bool,
    /// `COPY ... FROM STDIN`: inline data follows the statement.
    copy_stdin: bool,
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    /// Copy of the input, created on the first replacement.
    out: Option<Vec<u8>>,
    statements: Vec<StatementRange>,
    comments: Vec<CommentRange>,
    notes: Vec<SplitNote>,
    st: Stmt,
    /// Number of COPY data blocks expected to start at the next line.
    copy_pending: u32,
}

impl Scanner<'_> {
    /// Byte at `i`, or 0 past the end (0 never matches any delimiter we test for).
    #[inline]
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// First index `>= from` whose byte satisfies `pred`, or the text length.
    #[inline]
    fn find(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        let len = self.b.len();
        match self.b.get(from..) {
            Some(rest) => rest.iter().position(|&c| pred(c)).map_or(len, |r| from + r),
            None => len,
        }
    }

    /// Index of the next `\n` / `\r` at or after `from`, or the text length.
    #[inline]
    fn line_end(&self, from: usize) -> usize {
        self.find(from, |c| c == b'\n' || c == b'\r')
    }

    /// Index just past the line terminator at `i` (`\r\n` counts as one).
    #[inline]
    fn skip_newline(&self, i: usize) -> usize {
        match self.at(i) {
            b'\r' if self.at(i + 1) == b'\n' => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => i,
        }
    }

    fn note(&mut self, kind: SplitNoteKind, start: usize, end: usize) {
        self.notes.push(SplitNote { kind, start, end });
    }

    /// Replace `start..end` by spaces in the output, keeping line terminators.
    fn blank(&mut self, start: usize, end: usize) {
        let b = self.b;
        let out = self.out.get_or_insert_with(|| b.to_vec());
        if let Some(range) = out.get_mut(start..end) {
            for x in range {
                if *x != b'\n' && *x != b'\r' {
                    *x = b' ';
                }
            }
        }
    }

    /// Record a non-word token.
    #[inline]
    fn token(&mut self, start: usize, end: usize) {
        let st = &mut self.st;
        if st.start.is_none() {
            st.start = Some(start);
        }
        st.end = end;
        st.begin_pending = false;
        st.after_from = false;
    }

    /// Record an identifier / keyword token and update keyword-driven state.
    fn word(&mut self, start: usize, end: usize) {
        let w = self.b.get(start..end).unwrap_or_default();
        let st = &mut self.st;
        if st.start.is_none() {
            st.start = Some(start);
            // Only a statement whose very first token is COPY can read inline data.
            st.copy = kw(w, b"copy");
        }
        st.end = end;

        let idx = st.words as usize;
        st.words = st.words.saturating_add(1);
        if idx < st.head.len() {
            st.head[idx] = if kw(w, b"create") {
                Head::Create
            } else if kw(w, b"or") {
                Head::Or
            } else if kw(w, b"replace") {
                Head::Replace
            } else if kw(w, b"function") || kw(w, b"procedure") {
                Head::Routine
            } else {
                Head::Other
            };
            let h = st.head;
            st.routine = h[0] == Head::Create
                && (h[1] == Head::Routine
                    || (h[1] == Head::Or && h[2] == Head::Replace && h[3] == Head::Routine));
        }

        if st.routine && st.paren == 0 {
            let pending = std::mem::take(&mut st.begin_pending);
            if pending && kw(w, b"atomic") {
                st.begin_depth = st.begin_depth.saturating_add(1);
            } else if kw(w, b"begin") {
                if st.begin_depth > 0 {
                    st.begin_depth = st.begin_depth.saturating_add(1);
                } else {
                    st.begin_pending = true;
                }
            } else if kw(w, b"case") {
                if st.begin_depth > 0 {
                    st.begin_depth = st.begin_depth.saturating_add(1);
                }
            } else if kw(w, b"end") {
                st.begin_depth = st.begin_depth.saturating_sub(1);
            }
        }

        if st.copy && st.paren == 0 {
            if st.after_from && kw(w, b"stdin") {
                st.copy_stdin = true;
            }
            st.after_from = kw(w, b"from");
        }
    }

    /// End the current statement (if it has any token).
    fn finish(&mut self) {
        let st = std::mem::take(&mut self.st);
        if let Some(start) = st.start {
            self.statements.push(StatementRange { start, end: st.end });
        }
        if st.copy_stdin {
            self.copy_pending = self.copy_pending.saturating_add(1);
        }
    }

    fn run(&mut self) {
        let b = self.b;
        let len = b.len();
        while let Some(&c) = b.get(self.pos) {
            let p = self.pos;
            let cls = class(c);
            if cls & WS != 0 {
                self.pos = p + 1;
                continue;
            }
            if cls & IDENT_START != 0 {
                self.scan_word(p);
                continue;
            }
            match c {
                b'\n' | b'\r' => {
                    self.pos = self.skip_newline(p);
                    if self.copy_pending > 0 {
                        self.copy_data();
                    }
                }
                b';' => {
                    self.pos = p + 1;
                    if self.st.paren == 0 && self.st.begin_depth == 0 {
                        self.finish();
                    } else {
                        self.token(p, p + 1);
                    }
                }
                b'(' => {
                    self.token(p, p + 1);
                    self.st.paren = self.st.paren.saturating_add(1);
                    self.pos = p + 1;
                }
                b')' => {
                    self.token(p, p + 1);
                    self.st.paren = self.st.paren.saturating_sub(1);
                    self.pos = p + 1;
                }
                b'[' => {
                    self.token(p, p + 1);
                    self.st.bracket = self.st.bracket.saturating_add(1);
                    self.pos = p + 1;
                }
                b']' => {
                    self.token(p, p + 1);
                    self.st.bracket = self.st.bracket.saturating_sub(1);
                    self.pos = p + 1;
                }
                b'\'' => self.quoted(p, p, b'\'', false),
                b'"' => self.quoted(p, p, b'"', false),
                b'$' => self.dollar(p),
                b'-' if self.at(p + 1) == b'-' => {
                    let end = self.line_end(p + 2);
                    self.comments.push(CommentRange {
                        start: p,
                        end,
                        line_comment: true,
                    });
                    self.pos = end;
                }
                b'/' if self.at(p + 1) == b'*' => self.block_comment(p),
                b'\\' => self.meta(p),
                b':' => self.colon(p),
                _ if cls & DIGIT != 0 => {
                    // Numbers (and psql's "integer junk" like 1abc): one token. `$` is not
                    // included, so `1$$...` starts a dollar quote like in psql.
                    let end = self.find(p + 1, |c| class(c) & TAG_CONT == 0);
                    self.token(p, end);
                    self.pos = end;
                }
                _ => {
                    // Any other ASCII byte (operators, punctuation, NUL, ...).
                    self.token(p, p + 1);
                    self.pos = p + 1;
                }
            }
        }
        debug_assert_eq!(self.pos, len);
        self.finish();
    }

    /// Identifier or keyword starting at `p`; `e'...'` / `E'...'` escape strings.
    fn scan_word(&mut self, p: usize) {
        let end = self.find(p + 1, |c| class(c) & IDENT_CONT == 0);
        if end == p + 1 && (self.at(p) | 0x20) == b'e' && self.at(end) == b'\'' {
            self.quoted(p, end, b'\'', true);
            return;
        }
        self.word(p, end);
        self.pos = end;
    }

    /// A quoted token whose opening `delim` is at `open` (the token itself starts at
    /// `tok_start`, which differs for `E'...'`). Doubling the delimiter escapes it; with
    /// `backslash`, a backslash escapes the next byte.
    fn quoted(&mut self, tok_start: usize, open: usize, delim: u8, backslash: bool) {
        let len = self.b.len();
        let mut i = open + 1;
        loop {
            let j = self.find(i, |c| c == delim || (backslash && c == b'\\'));
            if j >= len {
                let kind = if delim == b'"' {
                    SplitNoteKind::UnterminatedIdentifier
                } else {
                    SplitNoteKind::UnterminatedQuote
                };
                self.note(kind, open, len);
                self.token(tok_start, len);
                self.pos = len;
                return;
            }
            if self.at(j) == b'\\' || self.at(j + 1) == delim {
                // Backslash escape or doubled delimiter: skip two bytes.
                i = (j + 2).min(len);
                continue;
            }
            self.token(tok_start, j + 1);
            self.pos = j + 1;
            return;
        }
    }

    /// `$` at `p`: dollar quote, positional parameter or a lone `$`.
    fn dollar(&mut self, p: usize) {
        let len = self.b.len();
        if class(self.at(p + 1)) & DIGIT != 0 {
            // $1, and psql's "param junk" $1abc.
            let end = self.find(p + 2, |c| class(c) & TAG_CONT == 0);
            self.token(p, end);
            self.pos = end;
            return;
        }
        // The tag cannot start with a digit (handled above), so this scans
        // `{ident_start}{tag_cont}*` or nothing.
        let tag_end = self.find(p + 1, |c| class(c) & TAG_CONT == 0);
        if self.at(tag_end) != b'$' {
            // `$abc` not followed by `$`: psql returns the lone `$` and rescans `abc`.
            self.token(p, p + 1);
            self.pos = p + 1;
            return;
        }
        let b = self.b;
        let tag = b.get(p + 1..tag_end).unwrap_or_default();
        let mut i = tag_end + 1;
        loop {
            let j = self.find(i, |c| c == b'$');
            if j >= len {
                self.note(SplitNoteKind::UnterminatedDollarQuote, p, len);
                self.token(p, len);
                self.pos = len;
                return;
            }
            // Compare byte by byte with early exit: tag bytes are never `$`, so this
            // never looks past the next `$`, which keeps the whole scan linear.
            let mut m = j + 1;
            let mut k = 0;
            while k < tag.len() && m < len && b[m] == tag[k] {
                k += 1;
                m += 1;
            }
            if k == tag.len() && self.at(m) == b'$' {
                self.token(p, m + 1);
                self.pos = m + 1;
                return;
            }
            i = j + 1;
        }
    }

    /// `/*` at `p`; comments nest.
    fn block_comment(&mut self, p: usize) {
        let len = self.b.len();
        let mut depth: usize = 1;
        let mut i = p + 2;
        loop {
            let j = self.find(i, |c| c == b'*' || c == b'/');
            if j >= len {
                self.comments.push(CommentRange {
                    start: p,
                    end: len,
                    line_comment: false,
                });
                self.note(SplitNoteKind::UnterminatedComment, p, len);
                self.pos = len;
                return;
            }
            let (c, next) = (self.at(j), self.at(j + 1));
            if c == b'*' && next == b'/' {
                depth -= 1;
                i = j + 2;
                if depth == 0 {
                    self.comments.push(CommentRange {
                        start: p,
                        end: i,
                        line_comment: false,
                    });
                    self.pos = i;
                    return;
                }
            } else if c == b'/' && next == b'*' {
                depth = depth.saturating_add(1);
                i = j + 2;
            } else {
                i = j + 1;
            }
        }
    }

    /// Backslash at `p` outside quotes and comments.
    fn meta(&mut self, p: usize) {
        let next = self.at(p + 1);
        if next == b';' || next == b':' {
            // psql's `\;` and `\:`: a literal `;` (sent along without ending the psql
            // buffer, but still a statement separator for the server) and a literal `:`
            // (no variable interpolation). Only the backslash is blanked.
            self.blank(p, p + 1);
            self.note(SplitNoteKind::MetaCommand, p, p + 1);
            if next == b':' {
                self.token(p + 1, p + 2);
                self.pos = p + 2;
            } else {
                self.pos = p + 1;
            }
            return;
        }
        let end = self.line_end(p + 1);
        self.blank(p, end);
        self.note(SplitNoteKind::MetaCommand, p, end);
        self.pos = end;
        // The command name runs to whitespace or another backslash.
        let name_end = self.find(p + 1, |c| class(c) & (WS | NL) != 0 || c == b'\\');
        let b = self.b;
        let name = b.get(p + 1..name_end.min(end)).unwrap_or_default();
        if BUFFER_ENDING_COMMANDS.contains(&name) {
            self.finish();
        } else if name == b"copy" {
            let args = b.get(name_end.min(end)..end).unwrap_or_default();
            if copy_args_from_stdin(args) {
                self.copy_pending = self.copy_pending.saturating_add(1);
            }
        }
    }

    /// `:` at `p` outside quotes and comments: psql variable, `::` cast or plain colon.
    fn colon(&mut self, p: usize) {
        let next = self.at(p + 1);
        if next == b':' {
            self.token(p, p + 2);
            self.pos = p + 2;
            return;
        }
        let prev_colon = p > 0 && self.at(p - 1) == b':';
        if !prev_colon {
            let var_end = if class(next) & VAR_START != 0 {
                // Bare `:name`. Inside `[...]` this is an array slice bound
                // (`a[1:n]`), not a variable.
                (self.st.bracket == 0).then(|| self.find(p + 2, |c| class(c) & VAR_CONT == 0))
            } else if next == b'\'' || next == b'"' {
                // `:'name'` / `:"name"`: the name must be followed by the same quote.
                let name_start = p + 2;
                if class(self.at(name_start)) & VAR_START != 0 {
                    let name_end = self.find(name_start + 1, |c| class(c) & VAR_CONT == 0);
                    (self.at(name_end) == next).then_some(name_end + 1)
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(var_end) = var_end {
                // Blank only the colon: `:'v'` becomes a string literal and `:"v"` a
                // quoted identifier, scanned next as usual. `:v` becomes the identifier
                // `v`; it is taken as one token here because, as in psql, the name ends
                // before any `$` (`:v$a$` is the variable `v` then a dollar quote) and
                // `:e'x'` is the variable `e` then a standard string, not an E-string.
                self.blank(p, p + 1);
                self.note(SplitNoteKind::PsqlVariable, p, var_end);
                if next == b'\'' || next == b'"' {
                    self.pos = p + 1;
                } else {
                    self.token(p + 1, var_end);
                    self.pos = var_end;
                }
                return;
            }
        }
        self.token(p, p + 1);
        self.pos = p + 1;
    }

    /// Called at the start of a line while COPY data blocks are pending: blank every
    /// line up to and including one that is exactly `\.`, or up to the end of text.
    fn copy_data(&mut self) {
        let len = self.b.len();
        while self.copy_pending > 0 {
            self.copy_pending -= 1;
            let start = self.pos;
            if start >= len {
                self.copy_pending = 0;
                return;
            }
            let mut line = start;
            let end = loop {
                let line_end = self.line_end(line);
                if self.b.get(line..line_end) == Some(b"\\.".as_slice()) || line_end >= len {
                    break line_end;
                }
                line = self.skip_newline(line_end);
            };
            self.blank(start, end);
            self.note(SplitNoteKind::CopyData, start, end);
            self.pos = end;
            if self.copy_pending > 0 {
                self.pos = self.skip_newline(end);
            }
        }
    }
}

/// Case-insensitive keyword comparison.
#[inline]
fn kw(word: &[u8], keyword: &[u8]) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

/// Whether `\copy` arguments contain the words `from stdin`.
fn copy_args_from_stdin(args: &[u8]) -> bool {
    let mut after_from = false;
    for w in args
        .split(|&c| class(c) & (WS | NL) != 0 || matches!(c, b'(' | b')' | b',' | b';'))
        .filter(|w| !w.is_empty())
    {
        if after_from && kw(w, b"stdin") {
            return true;
        }
        after_from = kw(w, b"from");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use SplitNoteKind::*;

    /// Split and check the structural invariants that must hold for any input.
    fn run(text: &str) -> Split<'_> {
        let s = split(text);
        check_invariants(text, &s);
        s
    }

    fn check_invariants(text: &str, s: &Split<'_>) {
        let len = text.len();
        assert_eq!(s.sql.len(), len);
        for (a, b) in text.bytes().zip(s.sql.bytes()) {
            assert!(a == b || b == b' ', "only spaces may be substituted");
            if a == b'\n' || a == b'\r' {
                assert_eq!(a, b, "line terminators are kept");
            }
        }
        let replaced = s
            .notes
            .iter()
            .any(|n| matches!(n.kind, MetaCommand | PsqlVariable | CopyData));
        assert_eq!(matches!(s.sql, Cow::Owned(_)), replaced);
        let mut prev = 0;
        for r in &s.statements {
            assert!(r.start < r.end && r.end <= len, "{r:?}");
            assert!(prev <= r.start, "ordered, non-overlapping");
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            assert!(!s.sql.as_bytes()[r.start].is_ascii_whitespace());
            prev = r.end;
        }
        let mut prev = 0;
        for c in &s.comments {
            assert!(c.start < c.end && c.end <= len, "{c:?}");
            assert!(prev <= c.start, "ordered, non-overlapping");
            assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
            prev = c.end;
        }
        for n in &s.notes {
            assert!(n.start <= n.end && n.end <= len, "{n:?}");
            assert!(text.is_char_boundary(n.start) && text.is_char_boundary(n.end));
        }
    }

    fn stmts(text: &str) -> Vec<String> {
        let s = run(text);
        s.statements
            .iter()
            .map(|r| s.sql[r.start..r.end].to_string())
            .collect()
    }

    fn kinds(s: &Split<'_>) -> Vec<SplitNoteKind> {
        s.notes.iter().map(|n| n.kind).collect()
    }

    #[test]
    fn empty_and_whitespace() {
        let s = run("");
        assert!(s.statements.is_empty() && s.comments.is_empty() && s.notes.is_empty());
        assert!(matches!(s.sql, Cow::Borrowed("")));
        assert!(stmts(" \n\t\r\n ").is_empty());
        assert!(stmts(";;  ;\n;").is_empty());
    }

    #[test]
    fn statements_across_lines() {
        let text = "create table t (\n  a int,\n  b text\n);\n\nselect 1\nfrom t ;";
        assert_eq!(
            stmts(text),
            [
                "create table t (\n  a int,\n  b text\n)",
                "select 1\nfrom t"
            ]
        );
        let s = run(text);
        assert!(matches!(s.sql, Cow::Borrowed(_)));
        assert_eq!(s.statements[0], StatementRange { start: 0, end: 36 });
    }

    #[test]
    fn end_excludes_trailing_whitespace_and_semicolon() {
        let s = run("  select 1   ;  select 2\n\n");
        assert_eq!(
            s.statements,
            [
                StatementRange { start: 2, end: 10 },
                StatementRange { start: 16, end: 24 }
            ]
        );
    }

    #[test]
    fn semicolons_inside_strings_and_identifiers() {
        assert_eq!(
            stmts("select 'a;b', 'it''s;'; select \"x;\"\"y\" from t;"),
            ["select 'a;b', 'it''s;'", "select \"x;\"\"y\" from t"]
        );
        assert_eq!(
            stmts(r"select E'it\'s; \\', e'\\'; select 2;"),
            [r"select E'it\'s; \\', e'\\'", "select 2"]
        );
        // Not an E-string: a backslash in a standard string is an ordinary character.
        assert_eq!(
            stmts(r"select 'a\'; select 2;"),
            [r"select 'a\'", "select 2"]
        );
        // `somee'...'` is an identifier followed by a standard string.
        assert_eq!(stmts(r"select somee'\'; x;"), [r"select somee'\'", "x"]);
        assert_eq!(
            stmts(r"select U&'d\0061t;a', U&'x''y;'; select 2;"),
            [r"select U&'d\0061t;a', U&'x''y;'", "select 2"]
        );
    }

    #[test]
    fn dollar_quotes() {
        assert_eq!(
            stmts("do $$ begin perform 1; end $$; select 2;"),
            ["do $$ begin perform 1; end $$", "select 2"]
        );
        let f = "create function f() returns int as $fn$\n\
                 begin\n  perform $$ ; $$;\n  return $1;\nend;\n$fn$ language plpgsql";
        assert_eq!(stmts(&format!("{f};\nselect 3;")), [f, "select 3"]);
        // `$fn` alone, `$fnx$` and `$f$` do not close `$fn$`.
        let g = "select $fn$ $fnx$ ; $f$; $fn ; $fn$";
        assert_eq!(stmts(&format!("{g}; x;")), [g, "x"]);
        // `$1` is a parameter, `a$b$c` an identifier.
        assert_eq!(
            stmts("select $1; select a$b$ ; x;"),
            ["select $1", "select a$b$", "x"]
        );
        // Tags with non-ASCII characters and digits after the first character.
        assert_eq!(stmts("select $é1$;$é1$; x"), ["select $é1$;$é1$", "x"]);
        // `$` followed by a non-tag character is a lone `$`.
        assert_eq!(
            stmts("select $ ; select $a ; x"),
            ["select $", "select $a", "x"]
        );
        // A number followed by a dollar quote.
        assert_eq!(stmts("select 1$$;$$; x"), ["select 1$$;$$", "x"]);
    }

    #[test]
    fn comments() {
        let text = "-- lead\n/* a /* nested ; */ still; */ select 1 -- c;\n; /**/ x/*;*/y";
        let s = run(text);
        assert_eq!(
            s.statements
                .iter()
                .map(|r| &text[r.start..r.end])
                .collect::<Vec<_>>(),
            ["select 1", "x/*;*/y"]
        );
        let c: Vec<_> = s
            .comments
            .iter()
            .map(|c| (&text[c.start..c.end], c.line_comment))
            .collect();
        assert_eq!(
            c,
            [
                ("-- lead", true),
                ("/* a /* nested ; */ still; */", false),
                ("-- c;", true),
                ("/**/", false),
                ("/*;*/", false),
            ]
        );
        // `/*/` does not close, `*/*` does not reopen; `-` and `*` operators.
        assert_eq!(
            stmts("select 2 /*/ ; */ - 1*/*x*/3; y"),
            ["select 2 /*/ ; */ - 1*/*x*/3", "y"]
        );
    }

    #[test]
    fn line_comment_ranges_exact() {
        let text = "select 1; -- one\r\n--two\rselect 2 --three";
        let s = run(text);
        let c: Vec<_> = s.comments.iter().map(|c| &text[c.start..c.end]).collect();
        assert_eq!(c, ["-- one", "--two", "--three"]);
        assert_eq!(
            s.comments[0],
            CommentRange {
                start: 10,
                end: 16,
                line_comment: true
            }
        );
        assert_eq!(stmts(text), ["select 1", "select 2"]);
    }

    #[test]
    fn only_comments() {
        let s = run("-- a\n/* b */\n-- c");
        assert!(s.statements.is_empty());
        assert_eq!(s.comments.len(), 3);
        assert!(s.notes.is_empty());
    }

    #[test]
    fn leading_comments_excluded_from_start() {
        let text = "/* header */\n-- more\n  insert into t values (1); -- trailing\n";
        let s = run(text);
        assert_eq!(s.statements.len(), 1);
        assert_eq!(s.statements[0].start, text.find("insert").unwrap());
        assert_eq!(
            &text[s.statements[0].start..s.statements[0].end],
            "insert into t values (1)"
        );
    }

    #[test]
    fn parenthesis_depth() {
        let rule = "create rule r as on insert to t do also (insert into a values (1); insert into b values (2))";
        assert_eq!(stmts(&format!("{rule};\nselect 1;")), [rule, "select 1"]);
        // Unbalanced `)` does not go negative.
        assert_eq!(stmts("select 1); select 2;"), ["select 1)", "select 2"]);
    }

    #[test]
    fn begin_atomic_bodies() {
        let f = "create function f() returns int language sql begin atomic select 1; select 2; end";
        assert_eq!(stmts(&format!("{f};\nselect 3;")), [f, "select 3"]);
        let p = "CREATE OR REPLACE PROCEDURE p(x int)\nLANGUAGE sql\nBEGIN ATOMIC\n  \
                 INSERT INTO t VALUES (CASE WHEN x > 0 THEN 1 ELSE 2 END);\n  \
                 SELECT CASE x WHEN 1 THEN 'a' ELSE 'b' END;\n  \
                 UPDATE t SET a = 1;\nEND";
        assert_eq!(stmts(&format!("{p};\nselect 4;")), [p, "select 4"]);
        // Comments between BEGIN and ATOMIC are fine; `begin` elsewhere is not a body.
        let q = "create function g() returns int begin /* c */ atomic; end";
        assert_eq!(stmts(&format!("{q}; x;")), [q, "x"]);
        // BEGIN without ATOMIC, or outside CREATE FUNCTION/PROCEDURE, opens nothing.
        assert_eq!(stmts("begin; select 1; end;"), ["begin", "select 1", "end"]);
        assert_eq!(
            stmts("create function begin() returns int return 1; x;"),
            ["create function begin() returns int return 1", "x"]
        );
        assert_eq!(
            stmts("create table f (begin int); select 1;"),
            ["create table f (begin int)", "select 1"]
        );
        // Plain dollar-quoted functions are unaffected.
        assert_eq!(
            stmts("create function h() returns int as $$ begin atomic; $$; x;"),
            [
                "create function h() returns int as $$ begin atomic; $$",
                "x"
            ]
        );
    }

    #[test]
    fn meta_commands_blanked() {
        let text = "\\set x 1\nselect 1;\n\\i other.sql\n\\connect db\nselect 2;\n";
        let s = run(text);
        assert_eq!(stmts(text), ["select 1", "select 2"]);
        assert_eq!(
            s.sql,
            "        \nselect 1;\n            \n           \nselect 2;\n"
        );
        assert_eq!(kinds(&s), [MetaCommand, MetaCommand, MetaCommand]);
        assert_eq!(
            (s.notes[1].start, s.notes[1].end),
            (text.find("\\i").unwrap(), text.find("\\i").unwrap() + 12)
        );
        // `\\` and quotes inside a meta-command are blanked along with it; multibyte
        // characters become one space per byte.
        let text = "\\echo 'a;' \\\\ \\echo é€\r\nselect 1;";
        let s = run(text);
        assert_eq!(
            s.sql,
            format!("{}\r\nselect 1;", " ".repeat(text.find('\r').unwrap()))
        );
        assert_eq!(s.notes.len(), 1);
        assert_eq!(stmts(text), ["select 1"]);
    }

    #[test]
    fn meta_command_inside_statement() {
        let text = "select 1,\n\\echo hi\n 2;";
        assert_eq!(stmts(text), ["select 1,\n        \n 2"]);
    }

    #[test]
    fn gset_ends_statement() {
        let text = "select 1 as a \\gset\nselect :a \\g out.txt\nselect 2\\gx\nselect 3 \\getenv h HOME\n;";
        let s = run(text);
        assert_eq!(
            stmts(text),
            ["select 1 as a", "select  a", "select 2", "select 3"]
        );
        assert_eq!(
            kinds(&s),
            [
                MetaCommand,
                PsqlVariable,
                MetaCommand,
                MetaCommand,
                MetaCommand
            ]
        );
        // `\getenv` did not end `select 3`: its end is before the meta-command.
        let last = s.statements[3];
        assert_eq!(&text[last.start..last.end], "select 3");
    }

    #[test]
    fn backslash_semicolon_and_colon() {
        let text = "select 1\\; select 2; select 3 \\:x;";
        let s = run(text);
        assert_eq!(stmts(text), ["select 1", "select 2", "select 3  :x"]);
        assert_eq!(kinds(&s), [MetaCommand, MetaCommand]);
    }

    #[test]
    fn psql_variables() {
        let text = "select :'v', :v, :\"v\", a::int, x := 1, :_a1b;";
        let s = run(text);
        assert_eq!(s.sql, "select  'v',  v,  \"v\", a::int, x := 1,  _a1b;");
        assert_eq!(kinds(&s), [PsqlVariable; 4]);
        let vars: Vec<_> = s.notes.iter().map(|n| &text[n.start..n.end]).collect();
        assert_eq!(vars, [":'v'", ":v", ":\"v\"", ":_a1b"]);
        // The name of a bare variable never continues with `$` and is never an E prefix.
        assert_eq!(stmts(":v$a$;$a$; :e'\\'; x"), ["v$a$;$a$", "e'\\'", "x"]);
        // Not variables: casts, `:::`, digits, malformed quoted forms, array slices, and
        // anything inside quotes or comments.
        let text = "select a:::b, :1, :'v w', :\"v w\", a[1:n], a[:n], ':v', \":v\", $$:v$$ /* :v */ -- :v";
        let s = run(text);
        assert!(
            s.notes.iter().all(|n| n.kind != PsqlVariable),
            "{:?}",
            s.notes
        );
        assert!(matches!(s.sql, Cow::Borrowed(_)));
    }

    #[test]
    fn copy_from_stdin() {
        let text = "COPY t (a, b) FROM stdin;\n1\tx\n2\ty\n\\.\nselect 1;";
        let s = run(text);
        assert_eq!(stmts(text), ["COPY t (a, b) FROM stdin", "select 1"]);
        assert_eq!(kinds(&s), [CopyData]);
        assert_eq!(s.sql, "COPY t (a, b) FROM stdin;\n   \n   \n  \nselect 1;");
        let n = s.notes[0];
        assert_eq!(&text[n.start..n.end], "1\tx\n2\ty\n\\.");
    }

    #[test]
    fn copy_variants() {
        // CRLF, data with SQL-looking content, terminator followed by `\r`.
        let text = "copy t from STDIN with (format csv);\r\na;'b\r\n\\.\r\nselect 1;";
        let s = run(text);
        assert_eq!(
            stmts(text),
            ["copy t from STDIN with (format csv)", "select 1"]
        );
        assert_eq!(kinds(&s), [CopyData]);
        // Unterminated data runs to the end of text.
        let text = "copy t from stdin;\n1\n2;\n";
        let s = run(text);
        assert_eq!(stmts(text), ["copy t from stdin"]);
        assert_eq!((s.notes[0].start, s.notes[0].end), (19, text.len()));
        // `\.` must be alone on its line.
        let text = "copy t from stdin;\nx\\.\n \\.\n\\.\nselect 1;";
        assert_eq!(stmts(text), ["copy t from stdin", "select 1"]);
        // Rest of the COPY line is still SQL; two COPYs on one line read two blocks.
        let text = "copy a from stdin; copy b from stdin; -- c\n1\n\\.\n2\n\\.\nselect 1;";
        let s = run(text);
        assert_eq!(
            stmts(text),
            ["copy a from stdin", "copy b from stdin", "select 1"]
        );
        assert_eq!(kinds(&s), [CopyData, CopyData]);
        assert_eq!(s.comments.len(), 1);
        // Not COPY FROM STDIN: no data block.
        for t in [
            "copy t to stdout;\nselect 1;",
            "copy t from 'stdin';\nselect 1;",
            "copy (select * from stdin) to stdout;\nselect 1;",
            "select 1 from stdin;\nselect 1;",
            "(copy t from stdin);\nselect 1;",
            "''copy t from stdin;\nselect 1;",
        ] {
            assert_eq!(stmts(t).len(), 2, "{t}");
            assert!(run(t).notes.is_empty(), "{t}");
        }
        // COPY at end of text with nothing after it.
        assert_eq!(stmts("copy t from stdin;"), ["copy t from stdin"]);
        assert!(run("copy t from stdin;\n").notes.is_empty());
        // psql's `\copy ... from stdin` also reads inline data.
        let text = "\\copy t (a) from stdin with csv\n1\n\\.\nselect 1;";
        let s = run(text);
        assert_eq!(stmts(text), ["select 1"]);
        assert_eq!(kinds(&s), [MetaCommand, CopyData]);
        // COPY ended by `\g`.
        let text = "copy t from stdin \\g\n1\n\\.\nselect 1;";
        assert_eq!(stmts(text), ["copy t from stdin", "select 1"]);
    }

    #[test]
    fn crlf_and_lone_cr() {
        let text = "select 1 -- a;\r\n; select\r\n2;\rselect 3 -- b;\r;\\echo x\rselect 4;";
        let s = run(text);
        assert_eq!(
            stmts(text),
            ["select 1", "select\r\n2", "select 3", "select 4"]
        );
        let c: Vec<_> = s.comments.iter().map(|c| &text[c.start..c.end]).collect();
        assert_eq!(c, ["-- a;", "-- b;"]);
        let n = s.notes[0];
        assert_eq!(&text[n.start..n.end], "\\echo x");
    }

    #[test]
    fn bom_is_not_stripped() {
        // The caller strips a BOM; here it is just the start of an identifier.
        let text = "\u{feff}select 1;";
        let s = run(text);
        assert_eq!(s.statements, [StatementRange { start: 0, end: 11 }]);
    }

    #[test]
    fn unterminated_constructs() {
        for (text, kind, open) in [
            ("select 1; select 'abc;\n", UnterminatedQuote, 17),
            ("select 1; select E'ab\\';", UnterminatedQuote, 18),
            ("select 1; select E'ab\\", UnterminatedQuote, 18),
            ("select 1; select $x$ ; $x", UnterminatedDollarQuote, 17),
            ("select 1; select $$;", UnterminatedDollarQuote, 17),
            ("select 1; select \"id;", UnterminatedIdentifier, 17),
        ] {
            let s = run(text);
            assert_eq!(
                s.notes,
                [SplitNote {
                    kind,
                    start: open,
                    end: text.len()
                }],
                "{text}"
            );
            assert_eq!(s.statements.len(), 2, "{text}");
            assert_eq!(
                s.statements[1],
                StatementRange {
                    start: 10,
                    end: text.len()
                },
                "{text}"
            );
        }
        let text = "select 1; select 2 /* a /* b */ ;";
        let s = run(text);
        assert_eq!(
            s.notes,
            [SplitNote {
                kind: UnterminatedComment,
                start: 19,
                end: text.len()
            }]
        );
        assert_eq!(
            s.comments,
            [CommentRange {
                start: 19,
                end: text.len(),
                line_comment: false
            }]
        );
        assert_eq!(stmts(text), ["select 1", "select 2"]);
    }

    #[test]
    fn multibyte_text() {
        let text = "select 'é€;', \"ü;\" as é€ -- ç\n; /* ж */ select $ф$;$ф$ :é;";
        assert_eq!(
            stmts(text),
            ["select 'é€;', \"ü;\" as é€", "select $ф$;$ф$ :é"]
        );
    }

    /// xorshift64* pseudo-random generator (no dependencies).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn random_inputs_never_panic() {
        const ALPHABET: &[char] = &[
            '\'', '"', ';', '$', '\\', ':', '(', ')', '-', '*', '/', '\n', '\r', ' ', 'a', 'b',
            'c', 'E', '&', 'U', 'é', '€', '[', ']', '.', '1', '_', '\t',
        ];
        const WORDS: &[&str] = &[
            "create ",
            "or replace ",
            "function ",
            "procedure ",
            "begin ",
            "atomic ",
            "case ",
            "end ",
            "copy ",
            "from ",
            "stdin",
            "\\.",
            "\\g",
            "\\copy ",
            "$a$",
            "$$",
            "/*",
            "*/",
            "--",
            "::",
            ":'x'",
            ":\"y\"",
            ":z",
            "E'",
            "U&'",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut text = String::new();
        for _ in 0..20_000 {
            text.clear();
            let n = (rng.next() % 64) as usize;
            for _ in 0..n {
                let r = rng.next();
                if r.is_multiple_of(5) {
                    text.push_str(WORDS[(r >> 8) as usize % WORDS.len()]);
                } else {
                    text.push(ALPHABET[(r >> 8) as usize % ALPHABET.len()]);
                }
            }
            let s = split(&text);
            check_invariants(&text, &s);
        }
    }

    #[test]
    fn pathological_inputs_are_linear() {
        // Would be quadratic with naive rescans; these must finish quickly.
        let n = 200_000;
        let long_tag = format!("${}$ {}", "a".repeat(n), "$a".repeat(n));
        let inputs = [
            "/*".repeat(n),
            "$".repeat(n),
            "(".repeat(n) + &";".repeat(n),
            long_tag,
            "\\".repeat(n),
            ":".repeat(n),
            "E'\\".repeat(n),
            "create function f() begin atomic ".to_string() + &"begin case ".repeat(n),
            "copy t from stdin;\n".repeat(n),
        ];
        for text in &inputs {
            let start = std::time::Instant::now();
            let s = split(text);
            check_invariants(text, &s);
            assert!(start.elapsed().as_secs() < 5);
        }
    }
}
