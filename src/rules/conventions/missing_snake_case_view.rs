use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::conventions::compatibility_views;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::{is_snake_case, pluralize, to_snake_case};

declare_rule! {
    /// ## What it does
    /// Flags tables whose name is not lower snake_case (it needs quoting, like `"ChatMessage"`)
    /// when no view named its snake_case form (`chat_message`) or that form's plural
    /// (`chat_messages`) selects from it. The view may be in any schema.
    ///
    /// ## Why is this bad?
    /// ORMs such as Prisma create PascalCase tables, and every hand-written query, policy and
    /// PostgREST URL then needs exact quoting. A snake_case view (with `security_invoker =
    /// true`) gives SQL and the API a conventional name.
    ///
    /// ## Example
    /// ```sql
    /// create table public."ChatMessage" (id uuid primary key, body text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public."ChatMessage" (id uuid primary key, body text);
    /// create view public.chat_messages with (security_invoker = true) as
    ///   select id, body from public."ChatMessage";
    /// ```
    pub struct MissingSnakeCaseView {
        name: "missing-snake-case-view",
        category: Conventions,
        level: Warning,
    }
}

impl Rule for MissingSnakeCaseView {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (id, table) in ctx.model.live_relations() {
            if !table.kind.is_table() || !table.is_defined() || is_snake_case(&table.name.name) {
                continue;
            }
            if !compatibility_views(ctx.model, id).is_empty() {
                continue;
            }
            let snake = to_snake_case(&table.name.name);
            let plural = pluralize(&snake);
            let message = format!(
                "table {} needs quoting and has no {snake} or {plural} view",
                table.name
            );
            let help = format!(
                "create view {}.{plural} with (security_invoker = true) as select ... from {};",
                table.name.schema, table.name
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

    const RULE: &str = "missing-snake-case-view";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &["create table \"ChatMessage\" (id int);"],
                // A view with the right name that reads another table does not count.
                &[
                    "create table \"ChatMessage\" (id int); create table other (id int); create view chat_messages as select id from other;",
                ],
                &[
                    "create table \"ChatMessage\" (id int); create view chat_messages as select id from \"ChatMessage\";",
                    "drop view chat_messages;",
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
                    "create table \"ChatMessage\" (id int); create view chat_messages with (security_invoker) as select id from \"ChatMessage\";",
                ],
                &[
                    "create table \"ChatMessage\" (id int); create view api.chat_message as select * from public.\"ChatMessage\";",
                ],
                &[
                    "create table \"Category\" (id int); create view categories as select id from \"Category\";",
                ],
                &["create table chat_messages (id int);"],
            ],
        );
    }
}
