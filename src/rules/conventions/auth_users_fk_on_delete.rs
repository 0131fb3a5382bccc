use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{ConstraintKind, FkAction};

declare_rule! {
    /// ## What it does
    /// Flags foreign keys to `auth.users` whose `ON DELETE` is not `CASCADE`, `SET NULL` or
    /// `SET DEFAULT` (that is, `NO ACTION`, the default, or `RESTRICT`).
    ///
    /// ## Why is this bad?
    /// Deleting a user, from the dashboard or through the Auth admin API, fails as long as any
    /// row still references them, so account deletion (which privacy law may require) breaks.
    ///
    /// ## Example
    /// ```sql
    /// create table public.profiles (id uuid primary key references auth.users (id));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.profiles (
    ///   id uuid primary key references auth.users (id) on delete cascade
    /// );
    /// ```
    pub struct AuthUsersFkOnDelete {
        name: "auth-users-fk-on-delete",
        category: Conventions,
        level: Warning,
    }
}

impl Rule for AuthUsersFkOnDelete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            for constraint in table
                .constraints
                .iter()
                .filter(|c| c.kind == ConstraintKind::ForeignKey)
            {
                let Some(fk) = &constraint.foreign_key else {
                    continue;
                };
                if !ctx.model.rel_name(&fk.references).is("auth", "users")
                    || matches!(
                        fk.on_delete,
                        FkAction::Cascade | FkAction::SetNull | FkAction::SetDefault
                    )
                {
                    continue;
                }
                let message = format!(
                    "foreign key {} on {} references auth.users with on delete {}: deleting a user fails",
                    quote_ident(&constraint.name),
                    table.name,
                    fk.on_delete.sql()
                );
                let help = "add `on delete cascade` (or `on delete set null` to keep the row)";
                let object = format!("{}.{}", table.name, quote_ident(&constraint.name));
                out.push(
                    ctx.report(&Self::META, constraint.anchor, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "auth-users-fk-on-delete";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table p (id uuid references auth.users);"],
                &["create table p (id uuid references auth.users (id) on delete no action);"],
                &["create table p (id uuid references auth.users (id) on delete restrict);"],
                &[
                    "create table p (u uuid); alter table p add constraint p_u foreign key (u) references auth.users (id) on update cascade;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table p (id uuid references auth.users (id) on delete cascade);"],
                &["create table p (id uuid references auth.users (id) on delete set null);"],
                &[
                    "create table p (id uuid default '00000000-0000-0000-0000-000000000000' references auth.users (id) on delete set default);",
                ],
                &["create table p (id uuid references public.users (id));"],
            ],
        );
    }
}
