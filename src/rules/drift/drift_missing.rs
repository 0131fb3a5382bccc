use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::drift::{defined_relations, is_checked, members_missing_from};
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// In `pgaudit-lint live`, flags objects the migrations define that the database lacks:
    /// tables, views, columns, indexes, constraints, policies, functions, triggers and
    /// publication memberships. Only schemas live mode reads are compared (not `auth`,
    /// `storage` and the other Supabase-internal schemas, see `excluded_schemas`). A missing
    /// table is reported once, not once per column. Reported at the statement that defines
    /// the object.
    ///
    /// ## Why is this bad?
    /// A migration that did not run, or an object dropped by hand: the application and the
    /// other rules assume a schema the database does not have (a missing policy is missing
    /// access control).
    ///
    /// ## Example
    /// ```sql
    /// -- In the migrations; in the database, someone ran `drop policy "own notes" on public.notes`.
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Re-apply the migration (or write a new one); the database then matches.
    /// create table public.notes (id uuid primary key, user_id uuid);
    /// alter table public.notes enable row level security;
    /// create policy "own notes" on public.notes for select to authenticated
    ///   using (user_id = (select auth.uid()));
    /// ```
    pub struct DriftMissing {
        name: "drift-missing",
        category: Drift,
        level: Error,
    }
}

impl Rule for DriftMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(migrations) = ctx.reference else {
            return;
        };
        let live = ctx.model;
        let mut missing = |anchor, object: String, what: String| {
            let message =
                format!("{what} is defined by the migrations but missing from the database");
            out.push(ctx.report(&Self::META, anchor, object, message));
        };
        for (_, defined) in defined_relations(migrations, ctx.config) {
            let Some(actual) = live.relation(&defined.name) else {
                missing(
                    defined.created,
                    defined.name.to_string(),
                    format!("{} {}", defined.kind.describe(), defined.name),
                );
                continue;
            };
            for member in members_missing_from(defined, actual) {
                missing(
                    member.anchor,
                    member.object(defined),
                    member.describe(defined),
                );
            }
        }
        for (_, function) in migrations.live_functions() {
            if !is_checked(&function.name.schema, ctx.config) {
                continue;
            }
            let exists = live
                .functions_named(&function.name)
                .iter()
                .any(|id| live.functions[*id].arg_types == function.arg_types);
            if !exists {
                missing(
                    function.created,
                    function.signature(),
                    format!("function {}", function.signature()),
                );
            }
        }
        for (name, publication) in &migrations.publications {
            for (reference, anchor) in &publication.tables {
                let table = migrations.rel_name(reference);
                if !is_checked(&table.schema, ctx.config) {
                    continue;
                }
                let published = live.publications.get(name).is_some_and(|live_publication| {
                    live_publication.all_tables
                        || live_publication
                            .tables
                            .iter()
                            .any(|(r, _)| live.rel_name(r) == table)
                });
                if !published {
                    missing(
                        *anchor,
                        table.to_string(),
                        format!("membership of {table} in publication {name}"),
                    );
                }
            }
        }
    }
}
