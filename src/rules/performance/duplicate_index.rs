use crate::ast;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{Index, IndexKey};

declare_rule! {
    /// ## What it does
    /// Flags an index that duplicates an earlier index on the same table: same method, same
    /// keys in the same order, same `INCLUDE` list, same predicate and same uniqueness.
    /// Indexes behind primary keys and unique constraints count. Expression keys and
    /// predicates compare as parse trees, so spacing and layout do not matter.
    ///
    /// ## Why is this bad?
    /// Every index is written on every insert and update and takes disk and cache. A duplicate
    /// costs all of that and speeds up nothing.
    ///
    /// ## Example
    /// ```sql
    /// create table public.orders (id uuid primary key, customer_id uuid);
    /// create index orders_customer_idx on public.orders (customer_id);
    /// create index orders_customer_id_idx on public.orders (customer_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.orders (id uuid primary key, customer_id uuid);
    /// create index orders_customer_id_idx on public.orders (customer_id);
    /// ```
    pub struct DuplicateIndex {
        name: "duplicate-index",
        category: Performance,
        level: Warning,
    }
}

impl Rule for DuplicateIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            // In migration order (a live catalog has none of its own: its indexes borrow the
            // anchors of the migrations that define them, and come after those by name).
            let mut ordered: Vec<&Index> = table.indexes.iter().collect();
            ordered.sort_by(|a, b| {
                (a.anchor.is_none(), a.anchor, &a.name).cmp(&(
                    b.anchor.is_none(),
                    b.anchor,
                    &b.name,
                ))
            });
            let identities: Vec<String> = ordered.iter().map(|index| identity(index)).collect();
            for (later, index) in ordered.iter().enumerate() {
                let Some(earlier) = identities[..later]
                    .iter()
                    .position(|other| *other == identities[later])
                else {
                    continue;
                };
                let original = ordered[earlier];
                let message = format!(
                    "index {} on {} duplicates {}",
                    quote_ident(&index.name),
                    table.name,
                    quote_ident(&original.name)
                );
                let help = match &index.constraint {
                    Some(constraint) => format!(
                        "drop the constraint {constraint} or the index {}",
                        original.name
                    ),
                    None => format!(
                        "drop index {}.{};",
                        quote_ident(&table.name.schema),
                        quote_ident(&index.name)
                    ),
                };
                let object = format!("{}.{}", table.name, quote_ident(&index.name));
                out.push(
                    ctx.report(&Self::META, index.anchor, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

/// What makes two indexes the same: method, keys, INCLUDE, predicate, uniqueness.
fn identity(index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|key| match key {
            IndexKey::Column(name) => format!("c:{name}"),
            IndexKey::Expression(expr) => format!("e:{}", ast::shape(&expr.tree())),
        })
        .collect();
    let predicate = index
        .predicate
        .as_ref()
        .map(|expr| ast::shape(&expr.tree()))
        .unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}",
        index.method,
        keys.join(","),
        index.include.join(","),
        predicate,
        index.unique
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "duplicate-index";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    "create table t (a int, b int); create index i1 on t (a, b); create index i2 on t (a, b);",
                ],
                &["create table t (a int primary key); create unique index t_a on t (a);"],
                &[
                    "create table t (e text); create index on t (lower(e)); create index on t ( lower( e ) );",
                ],
                &[
                    "create table t (a int, d timestamptz); create index on t (a) where d is null; create index i on t using btree (a) where (d is null);",
                ],
                &["create table t (a int, b int, unique (a, b)); create unique index on t (a, b);"],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[
                    "create table t (a int, b int); create index on t (a, b); create index on t (b, a);",
                ],
                &[
                    "create table t (a int, b int); create index on t (a); create unique index on t (a);",
                ],
                &[
                    "create table t (a int, b int); create index on t (a); create index on t using hash (a);",
                ],
                &[
                    "create table t (a int, b int); create index on t (a); create index on t (a) include (b);",
                ],
                &[
                    "create table t (a int, d int); create index on t (a); create index on t (a) where d > 0;",
                ],
                &[
                    "create table t (a int); create index i1 on t (a); create index i2 on t (a);",
                    "drop index i1;",
                ],
            ],
        );
    }

    #[test]
    fn reported_at_the_later_index() {
        let found = findings(
            RULE,
            &[
                "create table t (a int); create index first_a on t (a);",
                "create index second_a on t (a);",
            ],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file(), Some(1));
        assert_eq!(found[0].object.as_deref(), Some("public.t.second_a"));
    }
}
