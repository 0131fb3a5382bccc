use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::first_unwrapped_auth_call;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;

declare_rule! {
    /// ## What it does
    /// Flags policies whose expressions call an auth function (`auth.uid()`, `auth.jwt()`,
    /// `auth.role()`, `auth.email()`, `current_setting(...)`, or one of `auth_functions` in
    /// the config) outside a sub-select.
    ///
    /// Each policy is reported once, at its first unwrapped call, also when it mixes wrapped
    /// and unwrapped calls (splinter's `auth_rls_initplan` misses that mix). Policies on tables
    /// the migrations only refer to, such as `storage.objects`, are checked too.
    ///
    /// ## Why is this bad?
    /// Postgres evaluates a bare function call once per row the policy filters. Wrapped in a
    /// sub-select, `(select auth.uid())` becomes an init plan that runs once per query; on
    /// large tables the difference is orders of magnitude.
    ///
    /// ## Example
    /// ```sql
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select to authenticated
    ///   using (user_id = auth.uid());
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    pub struct AuthFunctionNotWrapped {
        name: "auth-function-not-wrapped",
        category: Performance,
        level: Warning,
    }
}

impl Rule for AuthFunctionNotWrapped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            for policy in &table.policies {
                let expressions = [policy.using.as_ref(), policy.with_check.as_ref()];
                let Some((expr, call)) = expressions.into_iter().flatten().find_map(|expr| {
                    first_unwrapped_auth_call(expr, ctx.config).map(|call| (expr, call))
                }) else {
                    continue;
                };
                let name = call.name.clone();
                let object = format!("{}.{}", table.name, quote_ident(&policy.name));
                let message = format!(
                    "policy {} on {} calls {name}() for every row; wrap it in a sub-select so it runs once per query",
                    quote_ident(&policy.name),
                    table.name
                );
                // A live expression has no file; the migration that defines the policy does.
                let located = ctx.call_span(expr, call.location).or_else(|| {
                    let defined = ctx
                        .reference?
                        .relation(&table.name)?
                        .policies
                        .iter()
                        .find(|p| p.name == policy.name)?;
                    [defined.using.as_ref(), defined.with_check.as_ref()]
                        .into_iter()
                        .flatten()
                        .find_map(|expr| {
                            first_unwrapped_auth_call(expr, ctx.config)
                                .and_then(|call| ctx.call_span(expr, call.location))
                        })
                });
                let diagnostic = match located {
                    Some((file, span)) => {
                        let call_text = &ctx.files[file as usize].source.text[span.start..span.end];
                        Diagnostic::at(Self::META.name, file, span, message)
                            .with_object(object)
                            .with_help(format!(
                                "write `(select {call_text})` instead of `{call_text}`"
                            ))
                    }
                    None => ctx
                        .report(&Self::META, policy.changed, object, message)
                        .with_help(format!("wrap the call: `(select {name}(...))`")),
                };
                out.push(diagnostic);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, files, findings, position};

    const RULE: &str = "auth-function-not-wrapped";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table t (u uuid); create policy p on t using (u = auth.uid());"],
                &[
                    "create table t (u uuid); create policy p on t for insert with check (u = auth.uid());",
                ],
                &[
                    "create table t (r text); create policy p on t using ((auth.jwt() ->> 'role') = 'admin');",
                ],
                &[
                    "create table t (o text); create policy p on t using (o = current_setting('app.tenant'));",
                ],
                &["create policy p on storage.objects using (owner = auth.uid());"],
                // Mixed: wrapped in USING, bare in WITH CHECK.
                &[
                    "create table t (u uuid); create policy p on t for update using (u = (select auth.uid())) with check (u = auth.uid());",
                ],
                // A wrapped policy altered to a bare call in a later file.
                &[
                    "create table t (u uuid); create policy p on t using (u = (select auth.uid()));",
                    "alter policy p on t using (u = auth.uid());",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (u uuid); create policy p on t using (u = (select auth.uid()));"],
                &[
                    "create table t (o uuid); create policy p on t using (exists (select 1 from m where m.user_id = auth.uid() and m.org = o));",
                ],
                &[
                    "create table t (u uuid); create policy p on t using (u in (select id from people where id = auth.uid()));",
                ],
                &["create table t (u uuid); create policy p on t using (u = my.uid());"],
                &[
                    "create table t (u uuid); create policy p on t using (u = auth.uid());",
                    "drop policy p on t;",
                ],
            ],
        );
    }

    #[test]
    fn one_finding_per_policy_at_the_first_unwrapped_call() {
        let sources = [
            "create table t (u uuid, o uuid);\ncreate policy p on t\n  using (o = (select auth.uid()) or u = auth.uid() or u = auth.uid());",
        ];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(position(&files(&sources), &found[0]), (3, 41));
        assert_eq!(found[0].object.as_deref(), Some("public.t.p"));
    }

    #[test]
    fn configured_auth_functions_count() {
        let mut config = crate::config::Config::from_toml(
            "auth_functions = [\"public.current_tenant\"]",
            "t.toml",
        )
        .unwrap();
        config.set_level("auth-function-not-wrapped", crate::rules::Level::Warning);
        let mut files =
            files(&["create table t (o uuid); create policy p on t using (o = current_tenant());"]);
        let outcome = crate::engine::lint(&mut files, &config);
        assert!(outcome.diagnostics.iter().any(|d| d.rule == RULE));
    }
}
