//! Drift: the live database against the schema the migrations build. These rules run only in
//! `pgaudit-lint live`, where the context carries the migrations' model as `reference`.

pub mod drift_changed;
pub mod drift_missing;
pub mod drift_unexpected;
pub mod migration_history_drift;

use crate::config::Config;
use crate::normalize::expression_key;
use crate::schema::names::quote_ident;
use crate::schema::{Expr, Index, IndexKey, Model, RelId, Relation};

/// Whether live mode reads and compares a schema.
pub fn is_checked(schema: &str, config: &Config) -> bool {
    !config
        .excluded_schemas
        .iter()
        .any(|excluded| excluded == schema)
        && !schema.starts_with("pg_")
}

/// Relations the migrations create (not ones they only refer to), in checked schemas.
pub fn defined_relations<'m>(
    model: &'m Model,
    config: &Config,
) -> impl Iterator<Item = (RelId, &'m Relation)> {
    model
        .live_relations()
        .filter(|(_, relation)| relation.is_defined() && is_checked(&relation.name.schema, config))
}

/// An expression's comparable form (`None` stays `None`).
pub fn expression(expr: Option<&Expr>) -> Option<String> {
    expr.map(|expr| expression_key(&expr.tree()))
}

/// A type for comparison: schema qualifiers dropped (the catalog qualifies, migrations may not).
pub fn comparable_type(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((_, last)) if !last.is_empty() => last,
        _ => name,
    }
}

/// What makes an index the index it is.
pub fn index_definition(index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|key| match key {
            IndexKey::Column(name) => name.clone(),
            IndexKey::Expression(expr) => expression_key(&expr.tree()),
        })
        .collect();
    let predicate = index
        .predicate
        .as_ref()
        .map(|expr| expression_key(&expr.tree()))
        .unwrap_or_default();
    format!(
        "{} {} ({}) include ({}) where {predicate} nnd={}",
        if index.unique { "unique" } else { "" },
        index.method,
        keys.join(", "),
        index.include.join(", "),
        index.nulls_not_distinct
    )
}

/// A named part of a relation that drift compares on both sides.
pub struct Member<'r> {
    pub kind: &'static str,
    pub name: &'r str,
    pub anchor: Option<crate::schema::Anchor>,
}

impl Member<'_> {
    /// `public.t.col` (the finding's object).
    pub fn object(&self, relation: &Relation) -> String {
        format!("{}.{}", relation.name, quote_ident(self.name))
    }

    /// `column public.t.col`, `policy "p" on public.t` (for messages).
    pub fn describe(&self, relation: &Relation) -> String {
        match self.kind {
            "column" => format!("column {}", self.object(relation)),
            kind => format!("{kind} {} on {}", quote_ident(self.name), relation.name),
        }
    }
}

/// The parts drift compares: columns (of tables), indexes not behind a constraint,
/// constraints, policies and triggers.
pub fn members(relation: &Relation) -> Vec<Member<'_>> {
    let mut members = Vec::new();
    if relation.kind.is_table() {
        for column in &relation.columns {
            members.push(Member {
                kind: "column",
                name: &column.name,
                anchor: column.created.or(relation.created),
            });
        }
    }
    for index in relation
        .indexes
        .iter()
        .filter(|index| index.constraint.is_none())
    {
        members.push(Member {
            kind: "index",
            name: &index.name,
            anchor: index.anchor,
        });
    }
    for constraint in &relation.constraints {
        members.push(Member {
            kind: "constraint",
            name: &constraint.name,
            anchor: constraint.anchor,
        });
    }
    for policy in &relation.policies {
        members.push(Member {
            kind: "policy",
            name: &policy.name,
            anchor: policy.created,
        });
    }
    for trigger in &relation.triggers {
        members.push(Member {
            kind: "trigger",
            name: &trigger.name,
            anchor: trigger.created,
        });
    }
    members
}

/// The members of `ours` that `theirs` lacks.
pub fn members_missing_from<'r>(ours: &'r Relation, theirs: &Relation) -> Vec<Member<'r>> {
    let present = members(theirs);
    members(ours)
        .into_iter()
        .filter(|member| {
            !present
                .iter()
                .any(|other| other.kind == member.kind && other.name == member.name)
        })
        .collect()
}
