use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{Effective, is_constant_true, is_isolation_relevant, policy_object};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::PolicyCommand;
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// Flags permissive policies for an API role (`anon`, `authenticated`, PUBLIC) on INSERT,
    /// UPDATE, DELETE or ALL whose effective USING (for UPDATE, DELETE, ALL) or WITH CHECK (for
    /// INSERT, UPDATE, ALL; UPDATE and ALL fall back to USING) is constant true: `true`,
    /// `'t'::boolean`, `1 = 1` and the like. An INSERT policy with no WITH CHECK allows every
    /// row and is flagged too.
    ///
    /// `FOR SELECT USING (true)` is the legitimate public-read pattern and is not flagged.
    /// Policies only for privileged roles, or whose expression admits only a privileged role
    /// (`auth.role() = 'service_role'`), and restrictive policies are not flagged.
    ///
    /// ## Why is this bad?
    /// A write policy that is always true lets any caller the policy applies to insert, change
    /// or delete any row, which row level security was enabled to prevent.
    ///
    /// ## Example
    /// ```sql
    /// create table public.posts (id uuid primary key, author_id uuid);
    /// alter table public.posts enable row level security;
    /// create policy "anyone can post" on public.posts for insert to authenticated
    ///   with check (true);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.posts (id uuid primary key, author_id uuid);
    /// alter table public.posts enable row level security;
    /// create policy "post as yourself" on public.posts for insert to authenticated
    ///   with check (author_id = (select auth.uid()));
    /// ```
    pub struct PolicyAlwaysTrue {
        name: "policy-always-true",
        category: Security,
        level: Warning,
    }
}

impl Rule for PolicyAlwaysTrue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            for policy in &table.policies {
                if policy.command == PolicyCommand::Select
                    || !is_isolation_relevant(policy, ctx.config)
                {
                    continue;
                }
                let effective = Effective::of(policy);
                let reason = if effective.check_allows_all {
                    Some("has no WITH CHECK, so any row may be inserted")
                } else if effective
                    .using
                    .is_some_and(|using| is_constant_true(&using.tree()))
                {
                    Some("has a USING expression that is always true")
                } else if effective
                    .check
                    .is_some_and(|check| is_constant_true(&check.tree()))
                {
                    Some("has a WITH CHECK expression that is always true")
                } else {
                    None
                };
                let Some(reason) = reason else { continue };
                let message = format!(
                    "policy {} on {} for {} {reason}",
                    quote_ident(&policy.name),
                    table.name,
                    policy.command.sql()
                );
                let help =
                    "restrict the rows: compare an owner or tenant column with (select auth.uid())";
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

    const RULE: &str = "policy-always-true";
    const T: &str =
        "create table t (id int, user_id uuid); alter table t enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on t for insert to authenticated with check (true);",
                ],
                &[T, "create policy p on t for insert to anon;"],
                &[
                    T,
                    "create policy p on t for update to authenticated using (true);",
                ],
                &[T, "create policy p on t for delete using ('t'::boolean);"],
                &[
                    T,
                    "create policy p on t for all to authenticated using (1 = 1);",
                ],
                &[
                    T,
                    "create policy p on t for all to authenticated using (user_id = (select auth.uid())) with check (true);",
                ],
                &[
                    T,
                    "create policy p on t for update to authenticated using (user_id = (select auth.uid())) with check ((true));",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[T, "create policy p on t for select using (true);"],
                &[
                    T,
                    "create policy p on t for insert to service_role with check (true);",
                ],
                &[
                    T,
                    "create policy p on t as restrictive for insert to authenticated with check (true);",
                ],
                &[
                    T,
                    "create policy p on t for insert to authenticated with check ((select auth.role()) = 'service_role');",
                ],
                &[
                    T,
                    "create policy p on t for insert to authenticated with check (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on t for all to authenticated using (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on t for insert with check (true);",
                    "drop policy p on t;",
                ],
            ],
        );
    }
}
