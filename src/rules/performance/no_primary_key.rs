use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::{ConstraintKind, RelRef, Relation};

declare_rule! {
    /// ## What it does
    /// Reports tables in an exposed schema without a primary key. A partition counts as having
    /// one when its partitioned parent has one.
    ///
    /// ## Why is this bad?
    /// Without a primary key, rows cannot be updated or deleted one by one reliably (PostgREST
    /// and most clients address rows by key), logical replication and Supabase Realtime cannot
    /// identify changed rows, and duplicates creep in.
    ///
    /// ## Example
    /// ```sql
    /// create table public.tags (name text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.tags (id bigint generated always as identity primary key, name text);
    /// ```
    pub struct NoPrimaryKey {
        name: "no-primary-key",
        category: Performance,
        level: Info,
    }
}

impl Rule for NoPrimaryKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let has_key = |table: &Relation| {
            table
                .constraints
                .iter()
                .any(|c| c.kind == ConstraintKind::PrimaryKey)
        };
        for (_, table) in ctx.model.live_relations() {
            if !table.kind.is_table()
                || !table.is_defined()
                || !ctx.config.is_exposed(&table.name.schema)
                || has_key(table)
            {
                continue;
            }
            if let Some(RelRef::Known(parent)) = &table.partition_of
                && has_key(&ctx.model.relations[*parent])
            {
                continue;
            }
            let message = format!("table {} has no primary key", table.name);
            let help = format!("alter table {} add primary key (...);", table.name);
            out.push(
                ctx.report(&Self::META, table.created, table.name.to_string(), message)
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "no-primary-key";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table t (a int);"],
                &["create table t (a int unique not null);"],
                &[
                    "create table t (a int primary key);",
                    "alter table t drop constraint t_pkey;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (a int primary key);"],
                &["create table t (a int, b int, primary key (a, b));"],
                &[
                    "create table t (a int);",
                    "alter table t add primary key (a);",
                ],
                &["create table private.t (a int);"],
                &[
                    "create table e (id int, at date, primary key (id, at)) partition by range (at); create table e_2024 partition of e for values from ('2024-01-01') to ('2025-01-01');",
                ],
            ],
        );
    }
}
