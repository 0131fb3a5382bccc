use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::ConstraintKind;
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// Flags foreign keys whose columns are not the leading columns, in order, of any index on
    /// the table. Primary keys, unique constraints and partial indexes count as indexes;
    /// expression keys do not cover a column.
    ///
    /// ## Why is this bad?
    /// Deleting or updating a referenced row makes Postgres look up the referencing rows. Without
    /// an index that is a sequential scan of the referencing table for every such row, and
    /// `ON DELETE CASCADE` turns one delete into many scans. Joins along the key suffer too.
    ///
    /// ## Example
    /// ```sql
    /// create table public.orders (
    ///   id uuid primary key,
    ///   customer_id uuid references public.customers (id)
    /// );
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.orders (
    ///   id uuid primary key,
    ///   customer_id uuid references public.customers (id)
    /// );
    /// create index orders_customer_id_idx on public.orders (customer_id);
    /// ```
    pub struct UnindexedForeignKey {
        name: "unindexed-foreign-key",
        category: Performance,
        level: Warning,
    }
}

impl Rule for UnindexedForeignKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if !table.is_defined() {
                continue;
            }
            for constraint in &table.constraints {
                if constraint.kind != ConstraintKind::ForeignKey || constraint.columns.is_empty() {
                    continue;
                }
                if table
                    .indexes
                    .iter()
                    .any(|index| index.starts_with_columns(&constraint.columns))
                {
                    continue;
                }
                let columns = constraint
                    .columns
                    .iter()
                    .map(|c| quote_ident(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ");
                let message = format!(
                    "foreign key {} on {} ({columns}) has no index starting with its columns",
                    quote_ident(&constraint.name),
                    table.name
                );
                let help = format!("create index on {} ({columns});", table.name);
                let object = format!("{}.{}", table.name, quote_ident(&constraint.name));
                out.push(
                    ctx.report(&Self::META, constraint.anchor, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, files, findings, position};

    const RULE: &str = "unindexed-foreign-key";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table o (id int primary key, c int references c (id));"],
                &["create table o (id int, a int, b int, foreign key (a, b) references x (a, b));"],
                // Reversed column order does not cover the key.
                &[
                    "create table o (a int, b int, foreign key (a, b) references x (a, b)); create index on o (b, a);",
                ],
                // The key is the second column of the primary key.
                &["create table o (a int, b int references x (id), primary key (a, b));"],
                // An expression index does not cover the column.
                &["create table o (c text references x (id)); create index on o (lower(c));"],
                // The covering index is dropped in a later file.
                &[
                    "create table o (c int references x (id)); create index o_c on o (c);",
                    "drop index o_c;",
                ],
                &[
                    "create table o (c int); alter table o add constraint o_c_fk foreign key (c) references x (id);",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table o (c int references x (id)); create index on o (c);"],
                &["create table o (c int references x (id), d int); create index on o (c, d);"],
                &[
                    "create table o (a int, b int, foreign key (a, b) references x (a, b), primary key (a, b, id), id int);",
                ],
                &["create table o (c int unique references x (id));"],
                &[
                    "create table o (c int references x (id)); create index on o (c) where c is not null;",
                ],
                &[
                    "create table o (c int references x (id));",
                    "alter table o drop column c;",
                ],
                &[
                    "create table o (c int constraint k references x (id));",
                    "alter table o drop constraint k;",
                ],
            ],
        );
    }

    #[test]
    fn anchored_at_the_foreign_key_clause() {
        let sources = [
            "create table orders (\n  id int primary key,\n  customer_id int references customers (id) on delete cascade\n);",
        ];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(position(&files(&sources), &found[0]), (3, 19));
        assert_eq!(
            found[0].object.as_deref(),
            Some("public.orders.orders_customer_id_fkey")
        );
    }
}
