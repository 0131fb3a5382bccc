use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags tables that have at least one policy while row level security is not enabled.
    ///
    /// Tables in every schema are judged; tables the migrations only refer to (such as
    /// `storage.objects`) are not, since their RLS state is not in the migrations.
    ///
    /// ## Why is this bad?
    /// Policies do nothing until row level security is enabled on the table. The policies read
    /// like protection, yet every row is open to every role with table privileges.
    ///
    /// ## Example
    /// ```sql
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// create policy "own notes" on public.notes for select to authenticated
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
    pub struct PolicyWithoutRls {
        name: "policy-without-rls",
        category: Security,
        level: Error,
    }
}

impl Rule for PolicyWithoutRls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if !table.is_defined() || table.rls_enabled || table.policies.is_empty() {
                continue;
            }
            let first = table
                .policies
                .iter()
                .filter_map(|policy| policy.created)
                .min();
            let message = format!(
                "table {} has {} but row level security is not enabled, so no policy is applied",
                table.name,
                plural(table.policies.len(), "policy", "policies")
            );
            let help = format!("alter table {} enable row level security;", table.name);
            out.push(
                ctx.report(
                    &Self::META,
                    first.or(table.created),
                    table.name.to_string(),
                    message,
                )
                .with_help(help),
            );
        }
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, files, findings, position};

    const RULE: &str = "policy-without-rls";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table private.t (id int); create policy p on private.t using (true);"],
                &[
                    "create table t (id int); alter table t enable row level security; create policy p on t using (true);",
                    "alter table t disable row level security;",
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
                    "create table t (id int); create policy p on t using (true); alter table t enable row level security;",
                ],
                &[
                    "create table t (id int); create policy p on t using (true);",
                    "drop policy p on t;",
                ],
                &["create policy p on storage.objects using (true);"],
            ],
        );
    }

    #[test]
    fn anchored_at_the_first_policy() {
        let sources = [
            "create table t (id int);\ncreate policy a on t using (true);",
            "create policy b on t using (true);",
        ];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file(), Some(0));
        assert_eq!(position(&files(&sources), &found[0]), (2, 1));
    }
}
