use pg_query::NodeRef;

use crate::ast;
use crate::config::Config;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{policy_object, reads_jwt_claims, string_literal};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::Expr;
use crate::schema::names::{quote_ident, string_parts};

declare_rule! {
    /// ## What it does
    /// Flags policies whose expressions read `user_metadata` from `auth.jwt()` or
    /// `current_setting('request.jwt.claims', ...)` (through `->`, `->>`, `#>` or `#>>`), or
    /// read a `raw_user_meta_data` column. Every policy is judged, whatever its roles.
    ///
    /// ## Why is this bad?
    /// Users can change their own `user_metadata` at any time (`supabase.auth.updateUser({ data:
    /// { role: 'admin' } })`), so a policy that trusts it lets anyone grant themselves access.
    /// Authorization data belongs in `app_metadata`, which only the server can write, or in a
    /// table.
    ///
    /// ## Example
    /// ```sql
    /// create table public.reports (id uuid primary key);
    /// alter table public.reports enable row level security;
    /// create policy "admins read" on public.reports for select to authenticated
    ///   using ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.reports (id uuid primary key);
    /// alter table public.reports enable row level security;
    /// create policy "admins read" on public.reports for select to authenticated
    ///   using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');
    /// ```
    pub struct PolicyUserMetadata {
        name: "policy-user-metadata",
        category: Security,
        level: Error,
    }
}

impl Rule for PolicyUserMetadata {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            for policy in &table.policies {
                let reads = [policy.using.as_ref(), policy.with_check.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|expr| reads_user_metadata(expr, ctx.config));
                if !reads {
                    continue;
                }
                let message = format!(
                    "policy {} on {} trusts user_metadata, which every user can edit",
                    quote_ident(&policy.name),
                    table.name
                );
                let help = "read authorization data from app_metadata or from a table the user cannot write";
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

fn reads_user_metadata(expr: &Expr, config: &Config) -> bool {
    let mut found = false;
    ast::walk(&expr.tree(), |visit| match visit.node {
        NodeRef::AExpr(operation) => {
            let operator = string_parts(&operation.name);
            let is_json_access = matches!(operator.as_slice(), ["->"] | ["->>"] | ["#>"] | ["#>>"]);
            let key = operation
                .rexpr
                .as_deref()
                .and_then(string_literal)
                .unwrap_or("");
            let names_user_metadata =
                key == "user_metadata" || key.trim_start_matches('{').starts_with("user_metadata");
            if is_json_access
                && names_user_metadata
                && operation
                    .lexpr
                    .as_deref()
                    .is_some_and(|left| reads_jwt_claims(left, config))
            {
                found = true;
            }
        }
        NodeRef::ColumnRef(column)
            if string_parts(&column.fields).last() == Some(&"raw_user_meta_data") =>
        {
            found = true;
        }
        _ => {}
    });
    found
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "policy-user-metadata";
    const T: &str = "create table t (id int); alter table t enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on t using (auth.jwt() -> 'user_metadata' ->> 'role' = 'admin');",
                ],
                &[
                    T,
                    "create policy p on t to authenticated using ((select auth.jwt()) #>> '{user_metadata,role}' = 'admin');",
                ],
                &[
                    T,
                    "create policy p on t using (current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata' ->> 'org' = 'x');",
                ],
                &[
                    T,
                    "create policy p on t using (exists (select 1 from auth.users u where u.id = auth.uid() and u.raw_user_meta_data ->> 'admin' = 'true'));",
                ],
                &[
                    T,
                    "create policy p on t for insert to service_role with check (auth.jwt() -> 'user_metadata' is not null);",
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
                    "create policy p on t using (auth.jwt() -> 'app_metadata' ->> 'role' = 'admin');",
                ],
                &[
                    T,
                    "create policy p on t using (metadata -> 'user_metadata' is not null);",
                ],
                &[
                    T,
                    "create policy p on t using (auth.jwt() -> 'user_metadata' ->> 'r' = 'a');",
                    "drop policy p on t;",
                ],
            ],
        );
    }
}
