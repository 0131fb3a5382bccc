use crate::config::Config;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;
use crate::rules::{Rule, RuleMeta, StatementContext};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports statements the Postgres parser rejects, at the parser's exact error position, and
    /// content that is not SQL text at all (a NUL byte, invalid UTF-8).
    ///
    /// The rest of the file and the other files are still linted; the model simply lacks what
    /// the broken statement would have done.
    ///
    /// ## Why is this bad?
    /// A migration that does not parse fails when it is applied, and everything after it in the
    /// file never runs. pgaudit-lint uses the same parser as Postgres (libpg_query), so what it
    /// rejects, Postgres rejects.
    ///
    /// ## Example
    /// ```sql
    /// create tabel public.customers (id uuid primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.customers (id uuid primary key);
    /// alter table public.customers enable row level security;
    /// ```
    pub struct ParseError {
        name: "parse-error",
        category: Migration,
        level: Error,
    }
}

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &ParsedFile, _config: &Config, out: &mut Vec<Diagnostic>) {
        for (offset, message) in &file.source.read_problems {
            let end = file.source.text[*offset..]
                .chars()
                .next()
                .map_or(*offset, |c| offset + c.len_utf8());
            out.push(Diagnostic::at(
                Self::META.name,
                file.id(),
                Span::new(*offset, end),
                message.clone(),
            ));
        }
    }

    fn check_statement(&self, ctx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(error) = &ctx.statement.error else {
            return;
        };
        let text = &ctx.file.source.text;
        let rest = text
            .get(error.offset..ctx.statement.span.end.max(error.offset))
            .unwrap_or("");
        // Underline the token the parser names ("at or near "x""), else one character.
        let token_len = error
            .message
            .split_once("at or near \"")
            .and_then(|(_, token)| token.strip_suffix('"'))
            .filter(|token| rest.starts_with(token))
            .map(str::len)
            .unwrap_or_else(|| rest.chars().next().map_or(0, char::len_utf8));
        let span = Span::new(error.offset, error.offset + token_len);
        out.push(Diagnostic::at(
            Self::META.name,
            ctx.file.id(),
            span,
            error.message.clone(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{files, findings, position};

    const RULE: &str = "parse-error";

    #[test]
    fn reports_the_exact_position_and_keeps_linting() {
        let sources = [
            "create table a (id int primary key);\ncreate table b (id int primary key,, x int);\ncreate table c (id int primary key);",
        ];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(position(&files(&sources), &found[0]), (2, 36));
        assert_eq!(found[0].message, "syntax error at or near \",\"");
        // c is still modelled and judged.
        let rls = findings("rls-disabled", &sources);
        assert_eq!(rls.len(), 2);
    }

    #[test]
    fn multibyte_text_before_the_error() {
        let sources = ["comment on table t is 'héllo wörld €';\nselect frm;\nselect 1 frm x y;"];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(position(&files(&sources), &found[0]), (3, 14));
    }

    #[test]
    fn unterminated_quote_at_end_of_file() {
        let sources = ["select 1;\nselect 'abc"];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("unterminated quoted string"),
            "{}",
            found[0].message
        );
        assert_eq!(position(&files(&sources), &found[0]), (2, 8));
    }

    #[test]
    fn nul_bytes_and_invalid_utf8_are_reported_with_positions() {
        let sources = ["select 1;\nselect\0 2;\n"];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("NUL byte"));
        assert_eq!(position(&files(&sources), &found[0]), (2, 7));
    }
}
