use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::drift::{
    comparable_type, defined_relations, expression, index_definition, is_checked,
};
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{Anchor, Policy};

declare_rule! {
    /// ## What it does
    /// In `pgaudit-lint live`, flags objects that exist on both sides with a different
    /// definition: a column's type, nullability or default; a table's RLS enabled or forced;
    /// a policy's command, roles, permissive/restrictive, USING or WITH CHECK; an index's
    /// definition; a function's SECURITY DEFINER or search_path; a view's `security_invoker`.
    ///
    /// Expressions compare as normalised parse trees, not text: Postgres stores
    /// `(select auth.uid())` as `( SELECT auth.uid() AS uid)` and adds casts, and that is not
    /// drift. A default read back as `nextval(...)` for a `serial` column is not drift either.
    /// Reported at the statement that defines the object.
    ///
    /// ## Why is this bad?
    /// The database no longer does what the reviewed migrations say: a policy edited in the
    /// dashboard, RLS switched off during an incident and never switched back on.
    ///
    /// ## Example
    /// ```sql
    /// -- In the migrations; in the database someone ran
    /// -- `alter table public.notes disable row level security`.
    /// create table public.notes (id uuid primary key);
    /// alter table public.notes enable row level security;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Restore the migrated definition (or migrate the change properly).
    /// create table public.notes (id uuid primary key);
    /// alter table public.notes enable row level security;
    /// ```
    pub struct DriftChanged {
        name: "drift-changed",
        category: Drift,
        level: Error,
    }
}

impl Rule for DriftChanged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(migrations) = ctx.reference else {
            return;
        };
        let live = ctx.model;
        let mut changed = |anchor: Option<Anchor>, object: String, what: String| {
            out.push(ctx.report(&Self::META, anchor, object, what));
        };
        for (_, defined) in defined_relations(migrations, ctx.config) {
            let Some(actual) = live.relation(&defined.name) else {
                continue;
            };
            let name = &defined.name;
            if defined.kind.is_table() {
                if defined.rls_enabled != actual.rls_enabled {
                    let state = |on: bool| if on { "enabled" } else { "disabled" };
                    changed(
                        defined.rls_enabled_by.or(defined.created),
                        name.to_string(),
                        format!(
                            "row level security on {name} is {} in the database but {} in the migrations",
                            state(actual.rls_enabled),
                            state(defined.rls_enabled)
                        ),
                    );
                }
                if defined.rls_forced != actual.rls_forced {
                    changed(
                        defined.changed,
                        name.to_string(),
                        format!(
                            "force row level security on {name} differs: database {}, migrations {}",
                            actual.rls_forced, defined.rls_forced
                        ),
                    );
                }
                for column in &defined.columns {
                    let Some(other) = actual.column(&column.name) else {
                        continue;
                    };
                    let object = format!("{name}.{}", quote_ident(&column.name));
                    let anchor = column.created.or(defined.created);
                    if comparable_type(&column.type_name) != comparable_type(&other.type_name)
                        && !column.type_name.is_empty()
                    {
                        changed(
                            anchor,
                            object.clone(),
                            format!(
                                "column {object} has type {} in the database but {} in the migrations",
                                other.type_name, column.type_name
                            ),
                        );
                    }
                    if column.not_null != other.not_null {
                        changed(
                            anchor,
                            object.clone(),
                            format!(
                                "column {object} is {} in the database but {} in the migrations",
                                nullability(other.not_null),
                                nullability(column.not_null)
                            ),
                        );
                    }
                    let (ours, theirs) = (
                        expression(column.default.as_ref()),
                        expression(other.default.as_ref()),
                    );
                    let serial = ours.is_none()
                        && other
                            .default
                            .as_ref()
                            .is_some_and(|d| format!("{:?}", d.tree()).contains("\"nextval\""));
                    if ours != theirs && !serial {
                        changed(
                            anchor,
                            object.clone(),
                            format!(
                                "the default of column {object} differs between the database and the migrations"
                            ),
                        );
                    }
                }
            }
            if let (Some(ours), Some(theirs)) = (&defined.view, &actual.view)
                && defined.kind == crate::schema::RelKind::View
                && ours.security_invoker() != theirs.security_invoker()
            {
                changed(
                    defined.changed,
                    name.to_string(),
                    format!(
                        "view {name} has security_invoker {} in the database but {} in the migrations",
                        theirs.security_invoker(),
                        ours.security_invoker()
                    ),
                );
            }
            for index in &defined.indexes {
                let Some(other) = actual.indexes.iter().find(|other| other.name == index.name)
                else {
                    continue;
                };
                if index_definition(index) != index_definition(other) {
                    let object = format!("{name}.{}", quote_ident(&index.name));
                    changed(
                        index.anchor,
                        object,
                        format!(
                            "index {} on {name} is defined differently in the database",
                            quote_ident(&index.name)
                        ),
                    );
                }
            }
            for policy in &defined.policies {
                let Some(other) = actual
                    .policies
                    .iter()
                    .find(|other| other.name == policy.name)
                else {
                    continue;
                };
                let differences = policy_differences(policy, other);
                if !differences.is_empty() {
                    let object = format!("{name}.{}", quote_ident(&policy.name));
                    changed(
                        policy.changed.or(policy.created),
                        object,
                        format!(
                            "policy {} on {name} differs in the database: {}",
                            quote_ident(&policy.name),
                            differences.join(", ")
                        ),
                    );
                }
            }
        }
        for (_, function) in migrations.live_functions() {
            if !is_checked(&function.name.schema, ctx.config) {
                continue;
            }
            let Some(other) = live
                .functions_named(&function.name)
                .iter()
                .map(|id| &live.functions[*id])
                .find(|other| other.arg_types == function.arg_types)
            else {
                continue;
            };
            let signature = function.signature();
            if function.security_definer != other.security_definer {
                changed(
                    function.changed,
                    signature.clone(),
                    format!(
                        "function {signature} is security {} in the database",
                        if other.security_definer {
                            "definer"
                        } else {
                            "invoker"
                        }
                    ),
                );
            }
            let (ours, theirs) = (
                function.config.get("search_path"),
                other.config.get("search_path"),
            );
            if ours != theirs {
                let show = |value: Option<&String>| {
                    value.map_or("not set".to_owned(), |v| format!("'{v}'"))
                };
                changed(
                    function.changed,
                    signature.clone(),
                    format!(
                        "function {signature} has search_path {} in the database but {} in the migrations",
                        show(theirs),
                        show(ours)
                    ),
                );
            }
        }
    }
}

fn nullability(not_null: bool) -> &'static str {
    if not_null { "not null" } else { "nullable" }
}

fn policy_differences(ours: &Policy, theirs: &Policy) -> Vec<&'static str> {
    let mut differences = Vec::new();
    if ours.command != theirs.command {
        differences.push("command");
    }
    let mut our_roles = ours.roles.clone();
    let mut their_roles = theirs.roles.clone();
    our_roles.sort();
    their_roles.sort();
    if our_roles != their_roles {
        differences.push("roles");
    }
    if ours.permissive != theirs.permissive {
        differences.push("permissive/restrictive");
    }
    if expression(ours.using.as_ref()) != expression(theirs.using.as_ref()) {
        differences.push("USING");
    }
    if expression(ours.with_check.as_ref()) != expression(theirs.with_check.as_ref()) {
        differences.push("WITH CHECK");
    }
    differences
}
