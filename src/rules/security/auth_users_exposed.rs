use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::{RelKind, RelRef};

declare_rule! {
    /// ## What it does
    /// Flags views and materialized views in an exposed schema that read `auth.users`, directly
    /// or through other views. `security_invoker` does not exempt a view: the rule follows the
    /// specification and flags every such view.
    ///
    /// ## Why is this bad?
    /// `auth.users` holds every user's email, phone, metadata and sign-in history. A view over
    /// it in a schema the API serves publishes that to `anon` and `authenticated`.
    ///
    /// ## Example
    /// ```sql
    /// create view public.user_directory as
    ///   select id, email, raw_user_meta_data from auth.users;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.profiles (
    ///   id uuid primary key references auth.users (id) on delete cascade,
    ///   display_name text
    /// );
    /// alter table public.profiles enable row level security;
    /// ```
    pub struct AuthUsersExposed {
        name: "auth-users-exposed",
        category: Security,
        level: Error,
    }
}

impl Rule for AuthUsersExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (id, view) in ctx.model.live_relations() {
            if !matches!(view.kind, RelKind::View | RelKind::MaterializedView)
                || !ctx.config.is_exposed(&view.name.schema)
            {
                continue;
            }
            if !reads_auth_users(ctx, id) {
                continue;
            }
            let message = format!(
                "{} {} exposes auth.users through the API",
                view.kind.describe(),
                view.name
            );
            let help = "expose the columns users may see through a public.profiles table with row level security";
            out.push(
                ctx.report(&Self::META, view.created, view.name.to_string(), message)
                    .with_help(help),
            );
        }
    }
}

/// Whether a view reads `auth.users`, directly or through other views.
fn reads_auth_users(ctx: &SchemaContext<'_>, view: usize) -> bool {
    let mut seen = vec![view];
    let mut pending = vec![view];
    while let Some(current) = pending.pop() {
        let Some(definition) = &ctx.model.relations[current].view else {
            continue;
        };
        for reference in &definition.reads {
            if ctx.model.rel_name(reference).is("auth", "users") {
                return true;
            }
            if let RelRef::Known(id) = reference
                && !seen.contains(id)
            {
                seen.push(*id);
                pending.push(*id);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "auth-users-exposed";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create view v as select * from auth.users;"],
                &[
                    "create view v with (security_invoker = true) as select id, email from auth.users;",
                ],
                &["create materialized view public.m as select id from auth.users;"],
                &[
                    "create view private.u as select * from auth.users; create view public.v as select * from private.u;",
                ],
                &["create view v as select p.id from profiles p join auth.users u on u.id = p.id;"],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create view private.v as select * from auth.users;"],
                &["create view v as select * from public.users;"],
                &["create view v as select * from auth.users;", "drop view v;"],
            ],
        );
    }
}
