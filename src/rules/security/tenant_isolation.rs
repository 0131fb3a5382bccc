use crate::config::Config;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{
    Effective, calls_any, compares_own_column_with_identity, is_constant_true,
    is_isolation_relevant, own_columns, policy_object, resolve_call,
};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{Expr, Model, Relation};

declare_rule! {
    /// ## What it does
    /// On a table with a tenant column (`tenant_columns`, default `organization_id`, `org_id`,
    /// `tenant_id`, `account_id`, `workspace_id`, `team_id`), flags permissive policies for an
    /// API role with an effective expression that does none of:
    ///
    /// - reference a tenant column of the table;
    /// - reference an owner column of the table (`owner_columns`);
    /// - compare a column of the table with an auth function, `id = (select auth.uid())`
    ///   (a helper defined in the migrations whose body calls an auth function counts);
    /// - call a function listed in `tenant_functions`.
    ///
    /// A column counts when it is outside every sub-select, or inside one but qualified with
    /// the table's name. Constant-true expressions are flagged, and so is an INSERT policy
    /// without WITH CHECK. Policies only for privileged roles, or admitting only a privileged
    /// role through their expression, and restrictive policies are not flagged.
    ///
    /// ## Why is this bad?
    /// A policy on a multi-tenant table that never looks at the tenant lets every signed-in
    /// user of every organization see or change the rows: `auth.role() = 'authenticated'` is
    /// true for all of them.
    ///
    /// ## Example
    /// ```sql
    /// create table public.invoices (id uuid primary key, organization_id uuid);
    /// alter table public.invoices enable row level security;
    /// create policy "signed-in users read" on public.invoices for select to authenticated
    ///   using ((select auth.role()) = 'authenticated');
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.invoices (id uuid primary key, organization_id uuid);
    /// alter table public.invoices enable row level security;
    /// create policy "members read" on public.invoices for select to authenticated
    ///   using (organization_id in (select private.my_org_ids()));
    /// ```
    pub struct TenantIsolation {
        name: "tenant-isolation",
        category: Security,
        level: Error,
    }
}

impl Rule for TenantIsolation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            let tenant_columns = table.columns_among(&ctx.config.tenant_columns);
            if tenant_columns.is_empty() {
                continue;
            }
            for policy in &table.policies {
                if !is_isolation_relevant(policy, ctx.config) {
                    continue;
                }
                let effective = Effective::of(policy);
                let isolated = !effective.check_allows_all
                    && effective
                        .expressions()
                        .iter()
                        .all(|expr| isolates(expr, table, ctx.model, ctx.config));
                if isolated {
                    continue;
                }
                let message = format!(
                    "policy {} on {} does not restrict rows to the caller's tenant ({})",
                    quote_ident(&policy.name),
                    table.name,
                    tenant_columns.join(", ")
                );
                let help = format!(
                    "compare {} with the caller's memberships, e.g. `{} in (select private.my_org_ids())`",
                    tenant_columns[0], tenant_columns[0]
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

/// Whether one effective expression keeps rows within the caller's tenant or ownership.
fn isolates(expr: &Expr, table: &Relation, model: &Model, config: &Config) -> bool {
    let tree = expr.tree();
    if is_constant_true(&tree) {
        return false;
    }
    let references_key = own_columns(&tree, table).iter().any(|column| {
        config.tenant_columns.iter().any(|c| c == column.name)
            || config.owner_columns.iter().any(|c| c == column.name)
    });
    references_key
        || compares_own_column_with_identity(&tree, table, model, config)
        || calls_any(&tree, |call| {
            config.tenant_functions.contains(&resolve_call(call))
        })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "tenant-isolation";
    const T: &str = "create table docs (id uuid, organization_id uuid, user_id uuid, owner uuid); alter table docs enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on docs for select to authenticated using ((select auth.role()) = 'authenticated');",
                ],
                &[T, "create policy p on docs for select using (true);"],
                &[
                    T,
                    "create policy p on docs for select using (organization_id is not null or true);",
                ],
                &[T, "create policy p on docs for insert to authenticated;"],
                // A column of another table in the sub-select does not count.
                &[
                    T,
                    "create policy p on docs using (exists (select 1 from members m where m.organization_id = m.organization_id and m.user_id = auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on docs for all to authenticated using (organization_id in (select private.orgs())) with check (true);",
                ],
                &[
                    "create table \"Boards\" (id int, team_id int); create policy p on \"Boards\" using (id > 0);",
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
                    "create policy p on docs using (organization_id in (select org from members where user_id = (select auth.uid())));",
                ],
                &[
                    T,
                    "create policy p on docs using (user_id = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on docs using (owner = (select auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on docs using (exists (select 1 from members m where m.org = docs.organization_id));",
                ],
                &[
                    T,
                    "create function my_id() returns uuid language sql stable set search_path = '' as $$ select auth.uid() $$; create policy p on docs using (owner = my_id());",
                ],
                &[T, "create policy p on docs to service_role using (true);"],
                &[
                    T,
                    "create policy p on docs to authenticated using ((select auth.role()) = 'service_role');",
                ],
                &[T, "create policy p on docs as restrictive using (true);"],
                &["create table t (id int); create policy p on t using (true);"],
            ],
        );
    }

    #[test]
    fn tenant_functions_from_config() {
        let mut config = crate::config::Config::from_toml(
            "tenant_functions = [\"private.is_member\"]",
            "t.toml",
        )
        .unwrap();
        config.set_level(RULE, crate::rules::Level::Error);
        let mut files = crate::rules::testing::files(&[
            T,
            "create policy p on docs using (private.is_member(id));",
        ]);
        let outcome = crate::engine::lint(&mut files, &config);
        assert!(!outcome.diagnostics.iter().any(|d| d.rule == RULE));
    }
}
