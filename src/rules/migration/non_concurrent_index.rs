use pg_query::NodeEnum;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, StatementContext};

declare_rule! {
    /// ## What it does
    /// Flags `CREATE INDEX` without `CONCURRENTLY` on a table an earlier migration file created
    /// (so it may hold data by the time this migration runs). Indexes on tables created in the
    /// same file are fine: the table is empty. Off by default; enable it for projects that
    /// migrate live databases.
    ///
    /// ## Why is this bad?
    /// A plain `CREATE INDEX` takes a lock that blocks every insert, update and delete on the
    /// table until the index is built, which on a large table is minutes of downtime.
    ///
    /// ## Example
    /// ```sql
    /// create table public.events (id bigint primary key, user_id uuid);
    /// -- next migration file:
    /// create index events_user_id_idx on public.events (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.events (id bigint primary key, user_id uuid);
    /// -- next migration file (outside a transaction block):
    /// create index concurrently events_user_id_idx on public.events (user_id);
    /// ```
    pub struct NonConcurrentIndex {
        name: "non-concurrent-index",
        category: Migration,
        level: Off,
    }
}

impl Rule for NonConcurrentIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_statement(&self, ctx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(NodeEnum::IndexStmt(index)) = ctx.statement.node() else {
            return;
        };
        if index.concurrent {
            return;
        }
        let Some(id) = index
            .relation
            .as_ref()
            .and_then(|range| ctx.find_relation(range))
        else {
            return;
        };
        let table = &ctx.model.relations[id];
        if table
            .created
            .is_none_or(|created| created.file >= ctx.file.id())
        {
            return;
        }
        let message = format!(
            "create index on {} without concurrently blocks writes while it builds",
            table.name
        );
        out.push(
            Diagnostic::at(Self::META.name, ctx.file.id(), ctx.statement.span, message)
                .with_object(table.name.to_string())
                .with_help("use create index concurrently, in a migration that does not run inside a transaction"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "non-concurrent-index";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table t (a int);", "create index on t (a);"],
                &[
                    "create table t (a int);",
                    "create unique index i on public.t (a);",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (a int); create index on t (a);"],
                &[
                    "create table t (a int);",
                    "create index concurrently on t (a);",
                ],
                &["create index on storage.objects (name);"],
            ],
        );
    }

    #[test]
    fn off_by_default() {
        let config = crate::config::Config::default();
        assert_eq!(config.level(RULE), crate::rules::Level::Off);
        let mut files =
            crate::rules::testing::files(&["create table t (a int);", "create index on t (a);"]);
        let outcome = crate::engine::lint(&mut files, &config);
        assert!(!outcome.diagnostics.iter().any(|d| d.rule == RULE));
    }
}
