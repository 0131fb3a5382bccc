use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Reports tables in an exposed schema that have row level security enabled and no policy.
    ///
    /// ## Why is this bad?
    /// With RLS on and no policy, nobody but privileged roles (which bypass RLS) can read or
    /// write the table through the API. That is right for service-only tables, and a silent
    /// outage for tables the app reads, so it is reported at info level to be confirmed.
    ///
    /// ## Example
    /// ```sql
    /// create table public.invoices (id uuid primary key);
    /// alter table public.invoices enable row level security;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.invoices (id uuid primary key, user_id uuid);
    /// alter table public.invoices enable row level security;
    /// create policy "own invoices" on public.invoices for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    pub struct RlsEnabledNoPolicy {
        name: "rls-enabled-no-policy",
        category: Security,
        level: Info,
    }
}

impl Rule for RlsEnabledNoPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if table.is_defined()
                && table.rls_enabled
                && table.policies.is_empty()
                && ctx.config.is_exposed(&table.name.schema)
            {
                let message = format!(
                    "table {} has row level security enabled and no policy: only privileged roles can use it",
                    table.name
                );
                let anchor = table.rls_enabled_by.or(table.created);
                out.push(ctx.report(&Self::META, anchor, table.name.to_string(), message).with_help(
                    "add policies for the roles that should see rows, or suppress this if the table is service-only",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "rls-enabled-no-policy";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    "create table t (id int);",
                    "alter table t enable row level security;",
                ],
                &[
                    "create table t (id int); alter table t enable row level security; create policy p on t using (true);",
                    "drop policy p on t;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (id int);"],
                &[
                    "create table private.t (id int); alter table private.t enable row level security;",
                ],
                &[
                    "create table t (id int); alter table t enable row level security; create policy p on t to service_role using (true);",
                ],
            ],
        );
    }
}
