use pg_query::{NodeEnum, NodeRef};

use crate::ast;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::conventions::compatibility_views;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::{is_snake_case, quote_ident, string_parts};

declare_rule! {
    /// ## What it does
    /// Checks compatibility views (a view named the snake_case form of a non-snake_case table,
    /// or its plural, that reads that table): it flags a view that leaves out columns of the
    /// table, or exposes a column whose output name is not snake_case. A `*` in the view covers
    /// every column but passes the table's own names through.
    ///
    /// ## Why is this bad?
    /// The view is meant to stand in for the table. A missing column is a silent gap in the API;
    /// a quoted camelCase column name brings back the quoting the view was made to remove.
    ///
    /// ## Example
    /// ```sql
    /// create table public."UserSettings" (id uuid primary key, "userId" uuid, theme text);
    /// create view public.user_settings with (security_invoker = true) as
    ///   select id, "userId" from public."UserSettings";
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public."UserSettings" (id uuid primary key, "userId" uuid, theme text);
    /// create view public.user_settings with (security_invoker = true) as
    ///   select id, "userId" as user_id, theme from public."UserSettings";
    /// ```
    pub struct ViewColumnCoverage {
        name: "view-column-coverage",
        category: Conventions,
        level: Warning,
    }
}

impl Rule for ViewColumnCoverage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table_id, table) in ctx.model.live_relations() {
            if !table.kind.is_table() || !table.is_defined() {
                continue;
            }
            for view_id in compatibility_views(ctx.model, table_id) {
                let view = &ctx.model.relations[view_id];
                let Some(query) = view
                    .view
                    .as_ref()
                    .and_then(|definition| definition.query.as_ref())
                else {
                    continue;
                };
                let tree = query.tree();
                let (selects_all, referenced) = selected_columns(&tree);
                let missing: Vec<String> = table
                    .columns
                    .iter()
                    .filter(|column| !selects_all && !referenced.contains(&column.name.as_str()))
                    .map(|column| quote_ident(&column.name).into_owned())
                    .collect();
                let unconventional: Vec<String> = view
                    .columns
                    .iter()
                    .filter(|column| !is_snake_case(&column.name))
                    .map(|column| quote_ident(&column.name).into_owned())
                    .collect();
                let mut problems = Vec::new();
                if !missing.is_empty() {
                    problems.push(format!("leaves out {}", missing.join(", ")));
                }
                if !unconventional.is_empty() {
                    problems.push(format!(
                        "exposes columns that are not snake_case: {}",
                        unconventional.join(", ")
                    ));
                }
                if problems.is_empty() {
                    continue;
                }
                let message = format!(
                    "view {} for {} {}",
                    view.name,
                    table.name,
                    problems.join(" and ")
                );
                let help = "select every column of the table, each aliased to its snake_case name";
                out.push(
                    ctx.report(&Self::META, view.created, view.name.to_string(), message)
                        .with_help(help),
                );
            }
        }
    }
}

/// Whether the view's select list has `*`, and the column names it references.
fn selected_columns(query: &pg_query::protobuf::Node) -> (bool, Vec<&str>) {
    let Some(NodeEnum::SelectStmt(select)) = query.node.as_ref() else {
        return (false, Vec::new());
    };
    let mut star = false;
    let mut names = Vec::new();
    for target in &select.target_list {
        let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
            continue;
        };
        let Some(value) = target.val.as_deref() else {
            continue;
        };
        ast::walk(value, |visit| {
            if let NodeRef::ColumnRef(column) = visit.node {
                match column.fields.last().and_then(|field| field.node.as_ref()) {
                    Some(NodeEnum::AStar(_)) => star = true,
                    _ => names.extend(string_parts(&column.fields).last().copied()),
                }
            }
        });
    }
    (star, names)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "view-column-coverage";
    const T: &str = "create table \"ChatRoom\" (id int, \"roomName\" text, topic text);";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create view chat_rooms as select id, \"roomName\" as room_name from \"ChatRoom\";",
                ],
                &[
                    T,
                    "create view chat_room as select id, \"roomName\", topic from \"ChatRoom\";",
                ],
                &[T, "create view chat_rooms as select * from \"ChatRoom\";"],
                &[
                    T,
                    "create view chat_rooms as select id, \"roomName\" as room_name, topic from \"ChatRoom\";",
                    "alter table \"ChatRoom\" add column archived boolean;",
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
                    "create view chat_rooms as select id, \"roomName\" as room_name, topic from \"ChatRoom\";",
                ],
                &[
                    T,
                    "create view chat_rooms as select id, lower(\"roomName\") as room_name, topic from public.\"ChatRoom\";",
                ],
                &[T, "create view rooms as select id from \"ChatRoom\";"],
                &[
                    "create table chat_rooms_data (id int, x text); create view chat_rooms as select id from chat_rooms_data;",
                ],
            ],
        );
    }
}
