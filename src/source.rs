//! Finding migration files, reading them, and mapping byte offsets to lines and columns.

use std::path::{Path, PathBuf};

use crate::error::UsageError;

/// Index of a file in the ordered list of migration files.
pub type FileId = u32;

/// A byte range inside one file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
}

/// One migration file as read from disk.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as given or found from the working directory, with `/` separators.
    pub path: String,
    /// The text with a leading UTF-8 byte order mark removed; invalid UTF-8 replaced by U+FFFD.
    pub text: String,
    /// Byte offset of the first byte of every line.
    line_starts: Vec<usize>,
    /// Content problems found while reading (NUL bytes, invalid UTF-8): (offset, message).
    pub read_problems: Vec<(usize, String)>,
}

impl SourceFile {
    /// Builds a source file from raw bytes. Never fails: content problems are recorded in
    /// `read_problems` and become findings, so the rest of the file is still linted.
    pub fn from_bytes(id: FileId, path: String, bytes: &[u8]) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut read_problems = Vec::new();
        let mut text = match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(error) => {
                read_problems.push((
                    error.valid_up_to(),
                    "invalid UTF-8: the file is not valid UTF-8 from here on; invalid bytes were replaced by U+FFFD"
                        .to_owned(),
                ));
                String::from_utf8_lossy(bytes).into_owned()
            }
        };
        if let Some(first_nul) = text.find('\0') {
            read_problems.push((
                first_nul,
                "NUL byte in the file: SQL text cannot contain NUL; it was treated as a space"
                    .to_owned(),
            ));
            text = text.replace('\0', " ");
        }
        let line_starts = line_starts(&text);
        SourceFile {
            id,
            path,
            text,
            line_starts,
            read_problems,
        }
    }

    /// 1-based line and 1-based column (counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        (line_index + 1, column + 1)
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.text.len())) {
            Ok(index) => index + 1,
            Err(index) => index,
        }
    }

    /// Byte offset of the first byte of a 1-based line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The file name without its folders.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Line starts for `\n`, `\r\n` and lone `\r` line endings.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\n' => starts.push(index + 1),
            b'\r' if bytes.get(index + 1) != Some(&b'\n') => starts.push(index + 1),
            _ => {}
        }
        index += 1;
    }
    starts
}

/// The migration folder used when no path is given: `./supabase/migrations` if present,
/// else `./migrations`.
pub fn default_paths() -> Vec<PathBuf> {
    let supabase = Path::new("supabase/migrations");
    if supabase.is_dir() {
        vec![supabase.to_path_buf()]
    } else {
        vec![PathBuf::from("migrations")]
    }
}

/// Expands the given files and folders into the ordered list of `.sql` files to lint.
///
/// Folders are walked recursively; within a folder, entries are sorted by file name, which
/// orders Supabase's `<timestamp>_name.sql`. Files named explicitly are linted whatever their
/// extension. Missing paths, unreadable folders and symlink loops are usage errors.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|error| {
            UsageError::new(format!(
                "cannot read {}: {}",
                display_path(path),
                io_reason(&error)
            ))
        })?;
        if metadata.is_file() {
            files.push(path.clone());
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = entry.map_err(|error| {
                let at = error
                    .path()
                    .map(display_path)
                    .unwrap_or_else(|| display_path(path));
                if error.loop_ancestor().is_some() {
                    UsageError::new(format!("symlink loop at {at}"))
                } else if let Some(io) = error.io_error() {
                    UsageError::new(format!("cannot read {at}: {}", io_reason(io)))
                } else {
                    UsageError::new(format!("cannot read {at}: {error}"))
                }
            })?;
            let is_sql = entry
                .path()
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("sql"));
            if entry.file_type().is_file() && is_sql {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

/// Reads one file; unreadable files are usage errors (exit 2).
pub fn read_file(id: FileId, path: &Path) -> Result<SourceFile, UsageError> {
    let bytes = std::fs::read(path).map_err(|error| {
        UsageError::new(format!(
            "cannot read {}: {}",
            display_path(path),
            io_reason(&error)
        ))
    })?;
    Ok(SourceFile::from_bytes(id, display_path(path), &bytes))
}

/// A path as shown in reports: relative as given, `/` separators, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// The OS error without its "(os error N)" suffix.
fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_and_all_line_endings() {
        let file = SourceFile::from_bytes(0, "a.sql".into(), "ab\r\ncd\ref\né x".as_bytes());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 1));
        assert_eq!(file.line_col(7), (3, 1));
        // "é" is two bytes but one column.
        let x = file.text.find('x').unwrap();
        assert_eq!(file.line_col(x), (4, 3));
    }

    #[test]
    fn bom_is_stripped_and_nul_and_invalid_utf8_are_reported() {
        let file = SourceFile::from_bytes(0, "a.sql".into(), b"\xEF\xBB\xBFselect 1;");
        assert_eq!(file.text, "select 1;");
        assert!(file.read_problems.is_empty());
        let file = SourceFile::from_bytes(0, "a.sql".into(), b"select\0 1;");
        assert_eq!(file.text, "select  1;");
        assert_eq!(file.read_problems[0].0, 6);
        let file = SourceFile::from_bytes(0, "a.sql".into(), b"select 1;\n\xFF\xFE");
        assert_eq!(file.read_problems[0].0, 10);
    }
}
