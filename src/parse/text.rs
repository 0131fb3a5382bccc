//! Measuring clauses inside statement text, for precise spans. The parser gives where a clause
//! starts; these find where it ends by balancing parentheses outside quotes.

/// Walks `text`, skipping quoted strings and identifiers, and returns the offset of the first
/// byte for which `stop(byte, depth)` holds (depth counts the parentheses open before it).
fn scan(text: &str, mut stop: impl FnMut(u8, usize) -> bool) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if stop(byte, depth) {
            return index;
        }
        match byte {
            b'\'' | b'"' => {
                index += 1;
                while index < bytes.len() && bytes[index] != byte {
                    index += 1;
                }
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    bytes.len()
}

/// Length of a clause up to the next `,` or `)` outside parentheses, trailing whitespace
/// trimmed: a column constraint or a table constraint inside `CREATE TABLE (...)`.
pub fn clause_len(text: &str) -> usize {
    let end = scan(text, |byte, depth| {
        depth == 0 && matches!(byte, b',' | b')' | b';')
    });
    text[..end].trim_end().len()
}

/// Length of `name(...)` at the start of `text`, up to its closing parenthesis.
pub fn call_len(text: &str) -> usize {
    let mut opened = false;
    let end = scan(text, |byte, depth| {
        opened |= byte == b'(';
        (opened && depth == 1 && byte == b')') || byte == b';'
    });
    if end < text.len() && text.as_bytes()[end] == b')' {
        end + 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_and_calls() {
        assert_eq!(
            clause_len("references t (id) on delete cascade,\n  x int"),
            "references t (id) on delete cascade".len()
        );
        assert_eq!(
            clause_len("check (a in ('x,', 'y'))\n)"),
            "check (a in ('x,', 'y'))".len()
        );
        assert_eq!(call_len("auth.uid() = x"), "auth.uid()".len());
        assert_eq!(
            call_len("current_setting('a)b', f(1)) = x"),
            "current_setting('a)b', f(1))".len()
        );
    }
}
