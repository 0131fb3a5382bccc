//! Drift: the live database against the schema the migrations build. These rules run only in
//! `pgaudit-lint live`, where the context carries the migrations' model as `reference`.

pub mod drift_changed;
pub mod drift_missing;
pub mod drift_unexpected;
pub mod migration_history_drift;

use crate::config::Config;
use crate::normalize::expression_key;
use crate::schema::{Expr, Index, IndexKey, Model, QualName, RelId, Relation};

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

pub fn relation_in<'m>(model: &'m Model, name: &QualName) -> Option<&'m Relation> {
    model.relation(name)
}
