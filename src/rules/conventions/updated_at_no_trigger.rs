use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Reports tables with an `updated_at` column and no `BEFORE UPDATE ... FOR EACH ROW`
    /// trigger. Any such trigger counts; what its function does is not checked.
    ///
    /// ## Why is this bad?
    /// `updated_at` defaults to the insert time and then never changes unless every client
    /// remembers to set it, so it silently becomes `created_at`.
    ///
    /// ## Example
    /// ```sql
    /// create table public.notes (
    ///   id uuid primary key,
    ///   updated_at timestamptz not null default now()
    /// );
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.notes (
    ///   id uuid primary key,
    ///   updated_at timestamptz not null default now()
    /// );
    /// create trigger notes_updated_at before update on public.notes
    ///   for each row execute function private.set_updated_at();
    /// ```
    pub struct UpdatedAtNoTrigger {
        name: "updated-at-no-trigger",
        category: Conventions,
        level: Info,
    }
}

impl Rule for UpdatedAtNoTrigger {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if !table.kind.is_table() || !table.is_defined() || !table.has_column("updated_at") {
                continue;
            }
            if table
                .triggers
                .iter()
                .any(|trigger| trigger.before && trigger.row && trigger.on_update)
            {
                continue;
            }
            let message = format!(
                "table {} has updated_at but no before update row trigger to maintain it",
                table.name
            );
            let help = format!(
                "create trigger ... before update on {} for each row execute function ...;",
                table.name
            );
            out.push(
                ctx.report(&Self::META, table.created, table.name.to_string(), message)
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "updated-at-no-trigger";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table t (updated_at timestamptz);"],
                &[
                    "create table t (updated_at timestamptz); create trigger x after update on t for each row execute function f();",
                ],
                &[
                    "create table t (updated_at timestamptz); create trigger x before update on t for each statement execute function f();",
                ],
                &[
                    "create table t (updated_at timestamptz); create trigger x before update on t for each row execute function f();",
                    "drop trigger x on t;",
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
                    "create table t (updated_at timestamptz); create trigger x before insert or update on t for each row execute function f();",
                ],
                &[
                    "create table t (id int);",
                    "alter table t add column updated_at timestamptz; create trigger x before update on t for each row execute procedure f();",
                ],
                &["create table t (modified timestamptz);"],
            ],
        );
    }
}
