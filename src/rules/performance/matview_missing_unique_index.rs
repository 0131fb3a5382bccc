use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::RelKind;

declare_rule! {
    /// ## What it does
    /// Flags materialized views with no unique index usable by `REFRESH MATERIALIZED VIEW
    /// CONCURRENTLY`: a unique index on plain columns (no expression keys) without a `WHERE`
    /// predicate, as Postgres requires.
    ///
    /// ## Why is this bad?
    /// Without such an index `REFRESH ... CONCURRENTLY` fails, and a plain refresh locks the view
    /// against reads while it runs, so every reader waits for the refresh.
    ///
    /// ## Example
    /// ```sql
    /// create materialized view public.daily_totals as
    ///   select created_at::date as day, count(*) as orders from public.orders group by 1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create materialized view public.daily_totals as
    ///   select created_at::date as day, count(*) as orders from public.orders group by 1;
    /// create unique index daily_totals_day_key on public.daily_totals (day);
    /// ```
    pub struct MatviewMissingUniqueIndex {
        name: "matview-missing-unique-index",
        category: Performance,
        level: Warning,
    }
}

impl Rule for MatviewMissingUniqueIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, view) in ctx.model.live_relations() {
            if view.kind != RelKind::MaterializedView {
                continue;
            }
            let usable = view.indexes.iter().any(|index| {
                index.unique
                    && index.predicate.is_none()
                    && index.keys.iter().all(|key| key.column().is_some())
            });
            if usable {
                continue;
            }
            let message = format!(
                "materialized view {} has no unique index, so refresh materialized view concurrently fails",
                view.name
            );
            let help = format!(
                "create unique index on {} (<columns that identify a row>);",
                view.name
            );
            out.push(
                ctx.report(&Self::META, view.created, view.name.to_string(), message)
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "matview-missing-unique-index";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create materialized view m as select 1 as a;"],
                &["create materialized view m as select 1 as a; create index on m (a);"],
                &[
                    "create materialized view m as select 1 as a; create unique index on m (a) where a > 0;",
                ],
                &[
                    "create materialized view m as select 'x' as a; create unique index on m (lower(a));",
                ],
                &[
                    "create materialized view m as select 1 as a; create unique index mi on m (a);",
                    "drop index mi;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create materialized view m as select 1 as a; create unique index on m (a);"],
                &[
                    "create materialized view m as select 1 as a;",
                    "create unique index on public.m (a);",
                ],
                &["create view v as select 1 as a;"],
            ],
        );
    }
}
