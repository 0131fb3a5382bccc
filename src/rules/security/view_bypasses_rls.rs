use std::collections::BTreeSet;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::{Model, RelId, RelKind, RelRef};

declare_rule! {
    /// ## What it does
    /// Flags views in an exposed schema that read a table with row level security enabled,
    /// directly or through other views, without `security_invoker = true` (or `on`, `1`,
    /// `yes`). A materialized view in an exposed schema that reads such a table is flagged too:
    /// it stores the rows, and never applies RLS.
    ///
    /// `security_invoker` set later by `ALTER VIEW ... SET (security_invoker = true)` counts;
    /// `CREATE OR REPLACE VIEW` without the option resets it, as in Postgres.
    ///
    /// ## Why is this bad?
    /// A view runs with its owner's privileges unless it is a security-invoker view. Its owner
    /// is usually `postgres`, which bypasses RLS, so the view hands every row of the table to
    /// anyone who may select from the view, which in Supabase is `anon` and `authenticated`.
    ///
    /// ## Example
    /// ```sql
    /// create table public.customers (id uuid primary key, organization_id uuid);
    /// alter table public.customers enable row level security;
    /// create view public.customer_list as select id from public.customers;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.customers (id uuid primary key, organization_id uuid);
    /// alter table public.customers enable row level security;
    /// create view public.customer_list with (security_invoker = true) as
    ///   select id from public.customers;
    /// ```
    pub struct ViewBypassesRls {
        name: "view-bypasses-rls",
        category: Security,
        level: Error,
    }
}

impl Rule for ViewBypassesRls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (id, view) in ctx.model.live_relations() {
            let Some(definition) = &view.view else {
                continue;
            };
            let invoker = view.kind == RelKind::View && definition.security_invoker();
            let is_view = matches!(view.kind, RelKind::View | RelKind::MaterializedView);
            if !is_view || invoker || !ctx.config.is_exposed(&view.name.schema) {
                continue;
            }
            let protected: Vec<String> = tables_read(ctx.model, id)
                .into_iter()
                .filter(|table| ctx.model.relations[*table].rls_enabled)
                .map(|table| ctx.model.relations[table].name.to_string())
                .collect();
            if protected.is_empty() {
                continue;
            }
            let (message, help) = if view.kind == RelKind::MaterializedView {
                (
                    format!(
                        "materialized view {} stores rows of {} without applying its row level security",
                        view.name,
                        protected.join(", ")
                    ),
                    format!(
                        "move {} to a schema the API does not expose, or revoke select on it from anon and authenticated",
                        view.name
                    ),
                )
            } else {
                (
                    format!(
                        "view {} reads {} with its owner's rights, bypassing row level security",
                        view.name,
                        protected.join(", ")
                    ),
                    format!("alter view {} set (security_invoker = true);", view.name),
                )
            };
            out.push(
                ctx.report(&Self::META, view.created, view.name.to_string(), message)
                    .with_help(help),
            );
        }
    }
}

/// Tables a view reads, directly or through other views (each relation visited once).
pub fn tables_read(model: &Model, view: RelId) -> BTreeSet<RelId> {
    let mut seen = BTreeSet::from([view]);
    let mut tables = BTreeSet::new();
    let mut pending = vec![view];
    while let Some(current) = pending.pop() {
        let Some(definition) = &model.relations[current].view else {
            continue;
        };
        for reference in &definition.reads {
            let RelRef::Known(id) = reference else {
                continue;
            };
            if model.relations[*id].dropped || !seen.insert(*id) {
                continue;
            }
            if model.relations[*id].view.is_some() {
                pending.push(*id);
            } else {
                tables.insert(*id);
            }
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "view-bypasses-rls";
    const TABLE: &str =
        "create table t (id int primary key); alter table t enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[TABLE, "create view v as select * from t;"],
                &[
                    TABLE,
                    "create view v with (security_invoker = false) as select * from t;",
                ],
                // Through another view, even a security-invoker one.
                &[
                    TABLE,
                    "create view inner_v with (security_invoker) as select * from t; create view v as select * from inner_v;",
                ],
                &[TABLE, "create materialized view m as select * from t;"],
                // Replacing the view drops the option.
                &[
                    TABLE,
                    "create view v with (security_invoker = on) as select * from t;",
                    "create or replace view v as select * from t;",
                ],
                &[
                    "create table \"Orders\" (id int); alter table \"Orders\" enable row level security; create view orders as select * from public.\"Orders\";",
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
                    TABLE,
                    "create view v with (security_invoker = true) as select * from t;",
                ],
                &[
                    TABLE,
                    "create view v with (security_invoker = yes) as select * from t;",
                ],
                &[
                    TABLE,
                    "create view v as select * from t;",
                    "alter view v set (security_invoker = true);",
                ],
                &["create table t (id int); create view v as select * from t;"],
                &[TABLE, "create view private.v as select * from t;"],
                &["create view v as select * from auth.users;"],
                &[TABLE, "create view v as select * from t;", "drop view v;"],
            ],
        );
    }
}
