use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

const API_GRANTEES: [&str; 3] = ["public", "anon", "authenticated"];

declare_rule! {
    /// ## What it does
    /// Flags `SECURITY DEFINER` functions in an exposed schema that API roles can execute:
    /// EXECUTE was never revoked from PUBLIC (Postgres grants it to PUBLIC on every new
    /// function), or was granted to `anon` or `authenticated` and not revoked. Grants and
    /// revokes are followed through `GRANT`/`REVOKE ... ON FUNCTION`, `... ON ALL FUNCTIONS IN
    /// SCHEMA` and `ALTER DEFAULT PRIVILEGES`. Trigger functions are not flagged: they cannot be
    /// called directly.
    ///
    /// Supabase's own default privileges grant EXECUTE on new functions in `public` to `anon`
    /// and `authenticated`; they are not in your migrations, so revoke from those roles
    /// explicitly too, as the fix shows.
    ///
    /// ## Why is this bad?
    /// PostgREST serves every function in an exposed schema at `/rest/v1/rpc/<name>`. A
    /// security-definer function runs with its owner's rights, bypassing row level security, so
    /// anyone with the anon key can call it with arguments of their choosing.
    ///
    /// ## Example
    /// ```sql
    /// create function public.delete_org(org uuid) returns void
    ///   language sql security definer set search_path = ''
    ///   as $$ delete from public.organizations where id = org $$;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create function public.delete_org(org uuid) returns void
    ///   language sql security definer set search_path = ''
    ///   as $$ delete from public.organizations where id = org $$;
    /// revoke execute on function public.delete_org(uuid) from public, anon, authenticated;
    /// ```
    pub struct SecurityDefinerExposed {
        name: "security-definer-exposed",
        category: Security,
        level: Warning,
    }
}

impl Rule for SecurityDefinerExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, function) in ctx.model.live_functions() {
            if !function.security_definer
                || !ctx.config.is_exposed(&function.name.schema)
                || matches!(function.returns.as_str(), "trigger" | "event_trigger")
            {
                continue;
            }
            let grantees: Vec<&str> = API_GRANTEES
                .into_iter()
                .filter(|role| function.execute.contains(*role))
                .collect();
            if grantees.is_empty() {
                continue;
            }
            let signature = function.signature();
            let message = format!(
                "security definer function {signature} can be executed by {} through the API",
                grantees
                    .iter()
                    .map(|role| if *role == "public" { "PUBLIC" } else { role })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let help =
                format!("revoke execute on function {signature} from public, anon, authenticated;");
            out.push(
                ctx.report(&Self::META, function.created, signature, message)
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "security-definer-exposed";
    const DEFINER: &str = "create function f(a uuid) returns int language sql security definer set search_path = '' as 'select 1';";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[DEFINER],
                &[
                    DEFINER,
                    "revoke execute on function f(uuid) from public; grant execute on function f(uuid) to authenticated;",
                ],
                &[DEFINER, "revoke all on function f from anon;"],
                &[
                    DEFINER,
                    "revoke execute on function f(uuid) from public;",
                    "grant execute on all functions in schema public to anon;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[DEFINER, "revoke execute on function f(uuid) from public;"],
                &[
                    DEFINER,
                    "revoke execute on function public.f from public, anon, authenticated;",
                ],
                &[
                    DEFINER,
                    "revoke all on all functions in schema public from public;",
                ],
                &[
                    "alter default privileges in schema public revoke execute on functions from public;",
                    DEFINER,
                ],
                &[
                    "create function private.f() returns int language sql security definer set search_path = '' as 'select 1';",
                ],
                &[
                    "create function t() returns trigger language plpgsql security definer set search_path = '' as $$ begin return new; end $$;",
                ],
                &["create function f() returns int language sql as 'select 1';"],
            ],
        );
    }
}
