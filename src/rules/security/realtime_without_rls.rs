use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::{Anchor, RelId, RelRef};

declare_rule! {
    /// ## What it does
    /// Flags tables that are in a publication (`CREATE PUBLICATION ... FOR TABLE`, `ALTER
    /// PUBLICATION ... ADD TABLE`, `FOR TABLES IN SCHEMA`, or `FOR ALL TABLES`) and do not have
    /// row level security enabled. Each (publication, table) pair is reported once, at the
    /// statement that put the table in the publication.
    ///
    /// ## Why is this bad?
    /// Supabase Realtime broadcasts the changes of published tables to subscribers, filtered by
    /// the table's RLS policies. Without RLS, every change to every row goes to every
    /// subscriber, the anon key included.
    ///
    /// ## Example
    /// ```sql
    /// create table public.messages (id bigint primary key, body text);
    /// alter publication supabase_realtime add table public.messages;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.messages (id bigint primary key, body text, user_id uuid);
    /// alter table public.messages enable row level security;
    /// create policy "own messages" on public.messages for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// alter publication supabase_realtime add table public.messages;
    /// ```
    pub struct RealtimeWithoutRls {
        name: "realtime-without-rls",
        category: Security,
        level: Error,
    }
}

impl Rule for RealtimeWithoutRls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let exposed = |id: RelId| {
            let table = &ctx.model.relations[id];
            !table.dropped && table.kind.is_table() && table.is_defined() && !table.rls_enabled
        };
        for publication in ctx.model.publications.values() {
            let mut members: Vec<(RelId, Option<Anchor>)> = Vec::new();
            for (reference, anchor) in &publication.tables {
                if let RelRef::Known(id) = reference {
                    members.push((*id, *anchor));
                }
            }
            for (schema, anchor) in &publication.schemas {
                members.extend(
                    ctx.model
                        .relations_in(&[schema.as_str()])
                        .into_iter()
                        .map(|id| (id, *anchor)),
                );
            }
            if publication.all_tables {
                members.extend(
                    ctx.model
                        .live_relations()
                        .map(|(id, _)| (id, publication.created)),
                );
            }
            members.sort();
            members.dedup_by_key(|(id, _)| *id);
            for (id, anchor) in members.into_iter().filter(|(id, _)| exposed(*id)) {
                let table = &ctx.model.relations[id];
                let message = format!(
                    "table {} is published in {} without row level security: every change reaches every subscriber",
                    table.name, publication.name
                );
                let help = format!("alter table {} enable row level security;", table.name);
                out.push(
                    ctx.report(&Self::META, anchor, table.name.to_string(), message)
                        .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, files, findings, position};

    const RULE: &str = "realtime-without-rls";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    "create table chat (id int);",
                    "alter publication supabase_realtime add table chat;",
                ],
                &["create table chat (id int); create publication feed for table public.chat;"],
                &["create table chat (id int); create publication everything for all tables;"],
                &[
                    "create table app.chat (id int); create publication feed for tables in schema app;",
                ],
                &[
                    "create table chat (id int); alter table chat enable row level security; alter publication supabase_realtime add table chat;",
                    "alter table chat disable row level security;",
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
                    "create table chat (id int); alter table chat enable row level security; alter publication supabase_realtime add table chat;",
                ],
                &[
                    "create table chat (id int); alter publication supabase_realtime add table chat; alter publication supabase_realtime drop table chat;",
                ],
                &[
                    "create table chat (id int); alter publication supabase_realtime add table chat;",
                    "drop table chat;",
                ],
                &[
                    "create table chat (id int); create publication p for table chat; drop publication p;",
                ],
                &["alter publication supabase_realtime add table storage.objects;"],
            ],
        );
    }

    #[test]
    fn anchored_at_the_publication_statement() {
        let sources =
            ["create table chat (id int);\n\nalter publication supabase_realtime add table chat;"];
        let found = findings(RULE, &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(position(&files(&sources), &found[0]), (3, 1));
    }
}
