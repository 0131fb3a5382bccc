use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags functions and procedures in an exposed schema that are not `SECURITY DEFINER` and
    /// have no `SET search_path`. Aggregates and functions created by extensions are not in the
    /// migrations' model, so they are never flagged; nor are `LANGUAGE c` and `internal`
    /// functions, which resolve no SQL names.
    ///
    /// ## Why is this bad?
    /// A function without a fixed search path resolves names through whoever calls it. A role
    /// that can create objects in a schema on the caller's path can shadow a table or operator
    /// the function uses, and change what it does for every other caller, including triggers
    /// that run it on every write.
    ///
    /// ## Example
    /// ```sql
    /// create function public.set_updated_at() returns trigger language plpgsql as $$
    /// begin new.updated_at = now(); return new; end $$;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create function public.set_updated_at() returns trigger language plpgsql
    ///   set search_path = '' as $$
    /// begin new.updated_at = pg_catalog.now(); return new; end $$;
    /// ```
    pub struct FunctionSearchPathMutable {
        name: "function-search-path-mutable",
        category: Security,
        level: Warning,
    }
}

impl Rule for FunctionSearchPathMutable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, function) in ctx.model.live_functions() {
            if function.security_definer
                || function.config.contains_key("search_path")
                || !ctx.config.is_exposed(&function.name.schema)
                || matches!(function.language.as_str(), "c" | "internal")
            {
                continue;
            }
            let signature = function.signature();
            let message = format!("function {signature} has a mutable search_path");
            let help = format!("alter function {signature} set search_path = '';");
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

    const RULE: &str = "function-search-path-mutable";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create function f() returns int language sql as 'select 1';"],
                &["create procedure public.p() language sql begin atomic select 1; end;"],
                &[
                    "create function f() returns int language sql set search_path = '' as 'select 1';",
                    "create or replace function f() returns int language sql as 'select 2';",
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
                    "create function f() returns int language sql set search_path = '' as 'select 1';",
                ],
                &[
                    "create function f() returns int language sql as 'select 1';",
                    "alter function f set search_path = public;",
                ],
                &["create function private.f() returns int language sql as 'select 1';"],
                &["create function f() returns int language sql security definer as 'select 1';"],
                &["create function f(int) returns int language c as 'lib', 'f';"],
            ],
        );
    }
}
