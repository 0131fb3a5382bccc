use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::drift::is_checked;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;

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
            if actual.kind.is_table() {
                for column in &actual.columns {
                    if !defined.has_column(&column.name) {
                        let object = format!("{}.{}", actual.name, quote_ident(&column.name));
                        unexpected(object.clone(), format!("column {object}"));
                    }
                }
            }
            for index in &actual.indexes {
                if index.constraint.is_none()
                    && !defined.indexes.iter().any(|other| other.name == index.name)
                {
                    unexpected(
                        format!("{}.{}", actual.name, quote_ident(&index.name)),
                        format!("index {} on {}", quote_ident(&index.name), actual.name),
                    );
                }
            }
            for constraint in &actual.constraints {
                if !defined
                    .constraints
                    .iter()
                    .any(|other| other.name == constraint.name)
                {
                    unexpected(
                        format!("{}.{}", actual.name, quote_ident(&constraint.name)),
                        format!(
                            "constraint {} on {}",
                            quote_ident(&constraint.name),
                            actual.name
                        ),
                    );
                }
            }
            for policy in &actual.policies {
                if !defined
                    .policies
                    .iter()
                    .any(|other| other.name == policy.name)
                {
                    unexpected(
                        format!("{}.{}", actual.name, quote_ident(&policy.name)),
                        format!("policy {} on {}", quote_ident(&policy.name), actual.name),
                    );
                }
            }
            for trigger in &actual.triggers {
                if !defined
                    .triggers
                    .iter()
                    .any(|other| other.name == trigger.name)
                {
                    unexpected(
                        format!("{}.{}", actual.name, quote_ident(&trigger.name)),
                        format!("trigger {} on {}", quote_ident(&trigger.name), actual.name),
                    );
                }
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
