use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::drift::{is_checked, members_missing_from};
use crate::rules::{Rule, RuleMeta, SchemaContext};

declare_rule! {
    /// ## What it does
    /// In `pgaudit-lint live`, flags objects in a checked schema of the database that the
    /// migrations do not define: tables, views, columns, indexes, constraints, policies,
    /// functions, triggers and publication memberships. An unexpected table is reported once,
    /// not once per column. These findings name the object; they have no file.
    ///
    /// ## Why is this bad?
    /// Something was created by hand (in the dashboard, in a psql session) and exists nowhere
    /// in version control: the next environment built from the migrations will not have it,
    /// and nobody reviewed it.
    ///
    /// ## Example
    /// ```sql
    /// -- The migrations define only this; the database also has public.scratch, made by hand.
    /// create table public.notes (id uuid primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Capture the object in a migration (or drop it from the database).
    /// create table public.notes (id uuid primary key);
    /// create table public.scratch (id int primary key);
    /// ```
    pub struct DriftUnexpected {
        name: "drift-unexpected",
        category: Drift,
        level: Warning,
    }
}

impl Rule for DriftUnexpected {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(migrations) = ctx.reference else {
            return;
        };
        let live = ctx.model;
        let mut unexpected = |object: String, what: String| {
            let message = format!("{what} exists in the database but no migration defines it");
            out.push(Diagnostic::on_object(Self::META.name, object, message));
        };
        for (_, actual) in live.live_relations() {
            if !is_checked(&actual.name.schema, ctx.config) {
                continue;
            }
            let Some(defined) = migrations.relation(&actual.name).filter(|r| r.is_defined()) else {
                unexpected(
                    actual.name.to_string(),
                    format!("{} {}", actual.kind.describe(), actual.name),
                );
                continue;
            };
            for member in members_missing_from(actual, defined) {
                unexpected(member.object(actual), member.describe(actual));
            }
        }
        for (_, function) in live.live_functions() {
            if !is_checked(&function.name.schema, ctx.config) {
                continue;
            }
            let defined = migrations.functions_named(&function.name).iter().any(|id| {
                !migrations.functions[*id].dropped
                    && migrations.functions[*id].arg_types == function.arg_types
            });
            if !defined {
                unexpected(
                    function.signature(),
                    format!("function {}", function.signature()),
                );
            }
        }
        for (name, publication) in &live.publications {
            for (reference, _) in &publication.tables {
                let table = live.rel_name(reference);
                if !is_checked(&table.schema, ctx.config) {
                    continue;
                }
                let defined = migrations.publications.get(name).is_some_and(|p| {
                    p.all_tables
                        || p.tables
                            .iter()
                            .any(|(r, _)| migrations.rel_name(r) == table)
                });
                if !defined {
                    unexpected(
                        table.to_string(),
                        format!("membership of {table} in publication {name}"),
                    );
                }
            }
        }
    }
}
