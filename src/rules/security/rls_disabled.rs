use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags tables in an exposed schema (`exposed_schemas`, default `public`) that do not have
    /// row level security enabled in the final schema.
    ///
    /// Plain and partitioned tables are judged, and so are partitions, which can be queried
    /// directly. Tables the migrations only refer to (for example `storage.objects`, which
    /// Supabase creates) are not judged: their state is not in the migrations.
    ///
    /// ## Why is this bad?
    /// PostgREST serves every table in an exposed schema to the `anon` and `authenticated`
    /// roles. Without row level security, anyone holding the project's public anon key can read,
    /// change and delete every row.
    ///
    /// ## Example
    /// ```sql
    /// create table public.customers (id uuid primary key, name text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.customers (id uuid primary key, name text);
    /// alter table public.customers enable row level security;
    /// ```
    pub struct RlsDisabled {
        name: "rls-disabled",
        category: Security,
        level: Error,
    }
}

impl Rule for RlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if table.kind.is_table()
                && table.is_defined()
                && !table.rls_enabled
                && ctx.config.is_exposed(&table.name.schema)
            {
                let message = format!(
                    "table {} does not have row level security enabled",
                    table.name
                );
                let help = format!("alter table {} enable row level security;", table.name);
                out.push(
                    ctx.report(&Self::META, table.created, table.name.to_string(), message)
                        .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "rls-disabled";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table customers (id int primary key);"],
                &["create table \"Customers\" (id int primary key);"],
                &["create table events (id int) partition by range (id);"],
                // Enabled, then disabled again in a later file.
                &[
                    "create table t (id int); alter table t enable row level security;",
                    "alter table t disable row level security;",
                ],
                // RLS enabled on the old table; the re-created one has none.
                &[
                    "create table t (id int); alter table t enable row level security;",
                    "drop table t; create table t (id int);",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (id int); alter table t enable row level security;"],
                &[
                    "create table t (id int);",
                    "alter table public.t enable row level security;",
                ],
                &["create table private.t (id int);"],
                &["create table t (id int);", "drop table t;"],
                &["create temporary table t (id int);"],
                &["create view v as select 1 as one;"],
                &["alter table storage.objects disable row level security;"],
            ],
        );
    }

    #[test]
    fn renamed_table_is_judged_under_its_new_name() {
        let found = findings(
            RULE,
            &[
                "create table t (id int);",
                "alter table t rename to customers;",
            ],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.as_deref(), Some("public.customers"));
        assert_eq!(found[0].file(), Some(0));
    }
}
