use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::soft_delete::soft_delete_columns;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// On a table with a soft-delete column, flags unique constraints and unique indexes whose
    /// key includes the soft-delete column, unless they are `NULLS NOT DISTINCT`. A unique
    /// constraint is reported once, at the constraint (its backing index is the same object).
    ///
    /// ## Why is this bad?
    /// Live rows have `deleted_at` NULL, and NULLs are distinct in a unique key, so
    /// `unique (email, deleted_at)` lets any number of live rows share an email. The fix is a
    /// partial unique index over the live rows only.
    ///
    /// ## Example
    /// ```sql
    /// create table public.customers (
    ///   id uuid primary key,
    ///   email text not null,
    ///   deleted_at timestamptz,
    ///   unique (email, deleted_at)
    /// );
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.customers (
    ///   id uuid primary key,
    ///   email text not null,
    ///   deleted_at timestamptz
    /// );
    /// create unique index customers_email_live_key on public.customers (email)
    ///   where deleted_at is null;
    /// ```
    pub struct SoftDeleteUnique {
        name: "soft-delete-unique",
        category: SoftDelete,
        level: Warning,
    }
}

impl Rule for SoftDeleteUnique {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            let columns = soft_delete_columns(table, ctx.config);
            if columns.is_empty() || !table.is_defined() {
                continue;
            }
            for index in table
                .indexes
                .iter()
                .filter(|index| index.unique && !index.nulls_not_distinct)
            {
                let Some(column) = index
                    .keys
                    .iter()
                    .filter_map(|key| key.column())
                    .find(|key| columns.contains(key))
                else {
                    continue;
                };
                let what = if index.constraint.is_some() {
                    "unique constraint"
                } else {
                    "unique index"
                };
                let message = format!(
                    "{what} {} on {} includes the soft-delete column {column}: NULLs are distinct, so live rows are not kept unique",
                    quote_ident(&index.name),
                    table.name
                );
                let other_keys: Vec<&str> = index
                    .keys
                    .iter()
                    .filter_map(|key| key.column())
                    .filter(|key| *key != column)
                    .collect();
                let help = format!(
                    "create unique index on {} ({}) where {column} is null;  -- or declare it nulls not distinct",
                    table.name,
                    other_keys.join(", ")
                );
                let object = format!("{}.{}", table.name, quote_ident(&index.name));
                out.push(
                    ctx.report(&Self::META, index.anchor, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "soft-delete-unique";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    "create table c (email text, deleted_at timestamptz, unique (email, deleted_at));",
                ],
                &[
                    "create table c (email text, deleted_at timestamptz); create unique index on c (email, deleted_at);",
                ],
                &[
                    "create table c (email text, is_deleted boolean); alter table c add constraint k unique (email, is_deleted);",
                ],
                &[
                    "create table c (email text, deleted_at timestamptz); create unique index on c (email, deleted_at) where deleted_at is null;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[
                    "create table c (email text, deleted_at timestamptz); create unique index on c (email) where deleted_at is null;",
                ],
                &[
                    "create table c (email text, deleted_at timestamptz, unique nulls not distinct (email, deleted_at));",
                ],
                &[
                    "create table c (email text, deleted_at timestamptz); create unique index on c (email, deleted_at) nulls not distinct;",
                ],
                &["create table c (email text, deleted_at timestamptz, unique (email));"],
                &[
                    "create table c (email text, archived_at timestamptz, unique (email, archived_at));",
                ],
                &[
                    "create table c (email text, deleted_at timestamptz, constraint k unique (email, deleted_at));",
                    "alter table c drop constraint k;",
                ],
            ],
        );
    }

    #[test]
    fn a_constraint_is_reported_once() {
        assert_eq!(findings(RULE, &["create table c (email text, deleted_at timestamptz, unique (email, deleted_at));"]).len(), 1);
    }
}
