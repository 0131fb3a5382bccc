use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{Effective, is_isolation_relevant, own_columns, policy_object};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::PolicyCommand;
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// On a table with an owner column (`owner_columns`, default `user_id`, `owner_id`,
    /// `created_by`, `author_id`), flags permissive policies for an API role on INSERT or ALL
    /// whose effective WITH CHECK (for ALL without WITH CHECK, its USING) does not reference an
    /// owner column of the table. An INSERT policy without WITH CHECK is flagged too.
    ///
    /// A column counts when it is outside every sub-select, or inside one but qualified with
    /// the table's name. Policies only for privileged roles, or admitting only a privileged role
    /// through their expression, and restrictive policies are not flagged.
    ///
    /// ## Why is this bad?
    /// Checking only the tenant (`organization_id in (...)`) lets any member insert rows in a
    /// colleague's name: the owner column is whatever the client sends.
    ///
    /// ## Example
    /// ```sql
    /// create table public.notes (id uuid primary key, organization_id uuid, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "members add notes" on public.notes for insert to authenticated
    ///   with check (organization_id in (select private.my_org_ids()));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.notes (id uuid primary key, organization_id uuid, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "members add notes" on public.notes for insert to authenticated
    ///   with check (
    ///     user_id = (select auth.uid())
    ///     and organization_id in (select private.my_org_ids())
    ///   );
    /// ```
    pub struct InsertPolicyOwnerCheck {
        name: "insert-policy-owner-check",
        category: Security,
        level: Error,
    }
}

impl Rule for InsertPolicyOwnerCheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            let owners = table.columns_among(&ctx.config.owner_columns);
            if owners.is_empty() {
                continue;
            }
            for policy in &table.policies {
                if !matches!(policy.command, PolicyCommand::Insert | PolicyCommand::All)
                    || !is_isolation_relevant(policy, ctx.config)
                {
                    continue;
                }
                let checked = Effective::of(policy).check.is_some_and(|check| {
                    own_columns(&check.tree(), table)
                        .iter()
                        .any(|column| owners.contains(&column.name))
                });
                if checked {
                    continue;
                }
                let message = format!(
                    "policy {} on {} lets a user insert rows in someone else's name: its check does not reference {}",
                    quote_ident(&policy.name),
                    table.name,
                    owners.join(" or ")
                );
                let help = format!(
                    "add `{} = (select auth.uid())` to the policy's WITH CHECK",
                    owners[0]
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

    const RULE: &str = "insert-policy-owner-check";
    const T: &str = "create table notes (id int, organization_id uuid, user_id uuid); alter table notes enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on notes for insert to authenticated with check (organization_id in (select org from members where user_id = auth.uid()));",
                ],
                &[T, "create policy p on notes for insert to authenticated;"],
                &[
                    T,
                    "create policy p on notes for all to authenticated using (organization_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on notes for all using (user_id = (select auth.uid())) with check (organization_id is not null);",
                ],
                &[
                    "create table \"Posts\" (id int, created_by uuid); create policy p on \"Posts\" for insert with check (true);",
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
                    "create policy p on notes for insert to authenticated with check (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on notes for all to authenticated using (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on notes for insert to authenticated with check (exists (select 1 from members m where m.user_id = notes.user_id));",
                ],
                &[
                    T,
                    "create policy p on notes for insert to service_role with check (true);",
                ],
                &[
                    T,
                    "create policy p on notes as restrictive for insert to authenticated with check (organization_id is not null);",
                ],
                &[
                    T,
                    "create policy p on notes for select to authenticated using (true);",
                ],
                &[
                    "create table t (id int, organization_id uuid); create policy p on t for insert to authenticated with check (organization_id is not null);",
                ],
            ],
        );
    }
}
