use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::{calls_any, policy_object, resolve_call, subselect_relations};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{Model, QualName, RelId};

declare_rule! {
    /// ## What it does
    /// Flags policies on a table T that read T again: a sub-select in the policy that reads T,
    /// or a call to a function defined in the migrations that is not `SECURITY DEFINER` and
    /// whose body reads T (a `LANGUAGE sql` body, or the SQL statements and expressions inside
    /// a `LANGUAGE plpgsql` body). Unqualified names in a body resolve through the function's
    /// own `SET search_path`, else `public`.
    ///
    /// A `SECURITY DEFINER` helper breaks the cycle (its owner bypasses RLS), which is the
    /// usual fix.
    ///
    /// ## Why is this bad?
    /// Evaluating the policy reads T, which applies T's policies, which read T again. Postgres
    /// stops with `infinite recursion detected in policy for relation "T"` on the first query,
    /// so the table is unusable for the roles the policy applies to.
    ///
    /// ## Example
    /// ```sql
    /// create table public.profiles (id uuid primary key, org_id uuid);
    /// alter table public.profiles enable row level security;
    /// create policy "same org" on public.profiles for select to authenticated using (
    ///   org_id in (select org_id from public.profiles where id = (select auth.uid()))
    /// );
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.profiles (id uuid primary key, org_id uuid);
    /// alter table public.profiles enable row level security;
    /// create function private.my_org_id() returns uuid
    ///   language sql stable security definer set search_path = ''
    ///   as $$ select org_id from public.profiles where id = (select auth.uid()) $$;
    /// create policy "same org" on public.profiles for select to authenticated
    ///   using (org_id = (select private.my_org_id()));
    /// ```
    pub struct PolicyRecursion {
        name: "policy-recursion",
        category: Security,
        level: Error,
    }
}

impl Rule for PolicyRecursion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (id, table) in ctx.model.live_relations() {
            for policy in &table.policies {
                let expressions = [policy.using.as_ref(), policy.with_check.as_ref()];
                let mut how = None;
                for expr in expressions.into_iter().flatten() {
                    let tree = expr.tree();
                    if subselect_relations(&tree)
                        .iter()
                        .any(|range| resolves_to(ctx.model, &range.schemaname, &range.relname, id))
                    {
                        how = Some("in a sub-select".to_owned());
                        break;
                    }
                    let mut through = None;
                    calls_any(&tree, |call| {
                        let name = resolve_call(call);
                        let reads_table = ctx.model.functions_named(&name).iter().any(|function| {
                            let function = &ctx.model.functions[*function];
                            !function.security_definer
                                && function
                                    .analysis
                                    .reads
                                    .iter()
                                    .any(|read| read == &table.name)
                        });
                        if reads_table {
                            through =
                                Some(format!("through {name}(), which is not security definer"));
                        }
                        reads_table
                    });
                    if through.is_some() {
                        how = through;
                        break;
                    }
                }
                let Some(how) = how else { continue };
                let message = format!(
                    "policy {} on {} reads {} again {how}: Postgres raises infinite recursion",
                    quote_ident(&policy.name),
                    table.name,
                    table.name
                );
                let help = "read the table in a security definer function (with set search_path = '') and call that";
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

/// Whether a name in a policy (unqualified names resolve through `public`) is the relation.
fn resolves_to(model: &Model, schema: &str, name: &str, id: RelId) -> bool {
    let schema = if schema.is_empty() { "public" } else { schema };
    model.relation_id(&QualName::new(schema, name)) == Some(id)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "policy-recursion";
    const T: &str = "create table profiles (id uuid primary key, org uuid); alter table profiles enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on profiles for select using (org in (select org from profiles where id = auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on public.profiles using (exists (select 1 from public.profiles x where x.id = auth.uid()));",
                ],
                &[
                    "create table \"Team\" (id int); create policy p on \"Team\" using (id in (select id from \"Team\"));",
                ],
                &[
                    T,
                    "create function my_org() returns uuid language sql stable as $$ select org from profiles where id = auth.uid() $$;",
                    "create policy p on profiles using (org = my_org());",
                ],
                &[
                    T,
                    "create function app.my_org() returns uuid language plpgsql set search_path = public as $$ begin return (select org from profiles where id = auth.uid()); end $$;",
                    "create policy p on profiles using (org = (select app.my_org()));",
                ],
                // The helper lost SECURITY DEFINER in a later file.
                &[
                    T,
                    "create function f() returns uuid language sql security definer set search_path = '' as $$ select org from public.profiles $$; create policy p on profiles using (org = f());",
                    "alter function f() security invoker;",
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
                    "create function f() returns uuid language sql security definer set search_path = '' as $$ select org from public.profiles where id = auth.uid() $$;",
                    "create policy p on profiles using (org = (select f()));",
                ],
                &[
                    T,
                    "create table members (org uuid, user_id uuid); create policy p on profiles using (org in (select org from members where user_id = auth.uid()));",
                ],
                &[T, "create policy p on profiles using (id = auth.uid());"],
                &[
                    T,
                    "create policy p on profiles using (org in (select org from private.profiles));",
                ],
                &[
                    T,
                    "create policy p on profiles using (org in (select org from profiles));",
                    "drop policy p on profiles;",
                ],
            ],
        );
    }
}
