use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{is_isolation_relevant, policy_object};
use crate::rules::soft_delete::soft_delete_columns;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::PolicyCommand;
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// On a table with a soft-delete column (`soft_delete_columns`, default `deleted_at`,
    /// `is_deleted`), flags permissive policies for an API role on DELETE or ALL (which
    /// includes DELETE). Policies only for privileged roles, or admitting only a privileged role
    /// through their expression, deny-all policies (`using (false)`) and restrictive policies
    /// are not flagged.
    ///
    /// ## Why is this bad?
    /// The schema says rows are kept and marked deleted; a DELETE policy lets clients remove
    /// them for good, losing history and breaking the rows that refer to them.
    ///
    /// ## Example
    /// ```sql
    /// create table public.customers (id uuid primary key, user_id uuid, deleted_at timestamptz);
    /// alter table public.customers enable row level security;
    /// create policy "own customers" on public.customers for all to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.customers (id uuid primary key, user_id uuid, deleted_at timestamptz);
    /// alter table public.customers enable row level security;
    /// create policy "read own customers" on public.customers for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// -- Deleting is an update that sets deleted_at.
    /// create policy "update own customers" on public.customers for update to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    pub struct SoftDeleteHardDelete {
        name: "soft-delete-hard-delete",
        category: SoftDelete,
        level: Error,
    }
}

impl Rule for SoftDeleteHardDelete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            let columns = soft_delete_columns(table, ctx.config);
            if columns.is_empty() {
                continue;
            }
            for policy in &table.policies {
                if !matches!(policy.command, PolicyCommand::Delete | PolicyCommand::All)
                    || !is_isolation_relevant(policy, ctx.config)
                {
                    continue;
                }
                let message = format!(
                    "policy {} lets clients hard-delete rows of {}, which is soft-deleted ({})",
                    quote_ident(&policy.name),
                    table.name,
                    columns.join(", ")
                );
                let help = format!(
                    "drop the delete permission and soft-delete with an update of {}",
                    columns[0]
                );
                out.push(
                    ctx.report(
                        &Self::META,
                        policy.created,
                        policy_object(table, policy),
                        message,
                    )
                    .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "soft-delete-hard-delete";
    const T: &str = "create table c (id int, user_id uuid, deleted_at timestamptz); alter table c enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on c for delete to authenticated using (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on c for all to authenticated using (user_id = (select auth.uid()));",
                ],
                &[T, "create policy p on c for delete using (true);"],
                &[
                    "create table c (id int, is_deleted boolean not null default false); create policy p on c for delete to anon using (true);",
                ],
                &[
                    "create table c (id int); create policy p on c for delete to authenticated using (true);",
                    "alter table c add column deleted_at timestamptz;",
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
                    T,
                    "create policy deny_all on c using (false) with check (false);",
                ],
                &[
                    T,
                    "create policy p on c for update to authenticated using (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on c for delete to service_role using (true);",
                ],
                &[
                    T,
                    "create policy p on c as restrictive for delete to authenticated using (false);",
                ],
                &[
                    T,
                    "create policy p on c for delete to authenticated using ((select auth.role()) = 'service_role');",
                ],
                &[
                    "create table c (id int); alter table c enable row level security; create policy p on c for delete to authenticated using (true);",
                ],
            ],
        );
    }
}
