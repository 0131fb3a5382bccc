use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::policy_object;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// Reports policies with no `TO` clause. They apply to PUBLIC, which includes `anon`. A
    /// later `ALTER POLICY ... TO` counts as a `TO` clause.
    ///
    /// ## Why is this bad?
    /// Most policies are written for signed-in users, and the missing `TO authenticated` means
    /// Postgres also evaluates them for anonymous requests. That is often harmless (the
    /// expression fails for anon), sometimes a leak, and always work per row for nothing.
    /// Writing the role down makes the intent reviewable.
    ///
    /// ## Example
    /// ```sql
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select
    ///   using (user_id = (select auth.uid()));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    pub struct PolicyRolePublic {
        name: "policy-role-public",
        category: Security,
        level: Info,
    }
}

impl Rule for PolicyRolePublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            for policy in table.policies.iter().filter(|policy| !policy.has_to_clause) {
                let message = format!(
                    "policy {} on {} has no TO clause, so it also applies to anon",
                    quote_ident(&policy.name),
                    table.name
                );
                out.push(
                    ctx.report(
                        &Self::META,
                        policy.created,
                        policy_object(table, policy),
                        message,
                    )
                    .with_help("add `to authenticated` (or the roles the policy is for)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "policy-role-public";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table t (id int); create policy p on t using (true);"],
                &["create policy p on storage.objects for insert with check (true);"],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (id int); create policy p on t to authenticated using (true);"],
                &["create table t (id int); create policy p on t to public using (true);"],
                &[
                    "create table t (id int); create policy p on t using (true);",
                    "alter policy p on t to authenticated;",
                ],
            ],
        );
    }
}
