use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags `SECURITY DEFINER` functions and procedures with no `SET search_path`, neither in
    /// `CREATE FUNCTION` nor in a later `ALTER FUNCTION ... SET search_path`. Functions in every
    /// schema are judged.
    ///
    /// ## Why is this bad?
    /// A security-definer function runs with its owner's rights but resolves unqualified names
    /// through the caller's `search_path`. A caller who can create objects in a schema on that
    /// path can make the function call their own `=` operator or read their own `profiles`
    /// table, with the owner's rights.
    ///
    /// ## Example
    /// ```sql
    /// create function private.is_admin() returns boolean
    ///   language sql security definer
    ///   as $$ select exists (select 1 from admins where user_id = auth.uid()) $$;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create function private.is_admin() returns boolean
    ///   language sql security definer set search_path = ''
    ///   as $$ select exists (select 1 from public.admins where user_id = auth.uid()) $$;
    /// ```
    pub struct SecurityDefinerSearchPath {
        name: "security-definer-search-path",
        category: Security,
        level: Error,
    }
}

impl Rule for SecurityDefinerSearchPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, function) in ctx.model.live_functions() {
            if !function.security_definer || function.config.contains_key("search_path") {
                continue;
            }
            let signature = function.signature();
            let message = format!("security definer function {signature} does not set search_path");
            let help = format!(
                "alter function {signature} set search_path = '';  -- and qualify every name in its body"
            );
            out.push(
                ctx.report(&Self::META, function.created, signature, message)
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "security-definer-search-path";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create function f() returns int language sql security definer as 'select 1';"],
                &[
                    "create procedure private.p() language plpgsql security definer as $$ begin end $$;",
                ],
                &[
                    "create function f() returns int language sql as 'select 1';",
                    "alter function f() security definer;",
                ],
                &[
                    "create function f() returns int language sql security definer set search_path = '' as 'select 1';",
                    "alter function f() reset search_path;",
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
                    "create function f() returns int language sql security definer set search_path = '' as 'select 1';",
                ],
                &[
                    "create function f() returns int language sql security definer set search_path to public, extensions as 'select 1';",
                ],
                &[
                    "create function f() returns int language sql security definer as 'select 1';",
                    "alter function public.f() set search_path = '';",
                ],
                &["create function f() returns int language sql as 'select 1';"],
                &[
                    "create function f() returns int language sql security definer as 'select 1';",
                    "drop function f();",
                ],
            ],
        );
    }

    #[test]
    fn names_the_signature() {
        let found = findings(
            RULE,
            &[
                "create function app.\"Check\"(a int, b text default 'x') returns int language sql security definer as 'select 1';",
            ],
        );
        assert_eq!(
            found[0].object.as_deref(),
            Some("app.\"Check\"(int4, text)")
        );
    }
}
