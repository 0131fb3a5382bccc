//! Catalog rows -> the same schema model the migrations build, so every schema rule runs on
//! it unchanged. Objects the migrations also define borrow their anchors, so a finding on the
//! live database points at the statement that defines the object.

use std::collections::{BTreeMap, HashMap};

use crate::live::catalog::Catalog;
use crate::normalize::parse_expression;
use crate::schema::names::{QualName, catalog_type, split_qualified};
use crate::schema::*;

/// Builds the live model; `reference` is the migrations' model, for anchors.
pub fn build(catalog: &Catalog, reference: &Model) -> Model {
    let mut model = Model::default();
    let mut by_oid: HashMap<i64, RelId> = HashMap::new();
    for row in &catalog.relations {
        let name = QualName::new(row.schema.as_str(), row.name.as_str());
        let kind = match row.kind.as_str() {
            "p" => RelKind::PartitionedTable,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            "f" => RelKind::ForeignTable,
            _ => RelKind::Table,
        };
        let defined = reference.relation(&name);
        let mut relation = Relation::new(name, kind, None);
        relation.external = false;
        relation.created = defined.and_then(|r| r.created);
        relation.changed = defined.and_then(|r| r.changed);
        relation.rls_enabled = row.rls;
        relation.rls_forced = row.force_rls;
        relation.rls_enabled_by = defined.and_then(|r| r.rls_enabled_by.or(r.created));
        if matches!(kind, RelKind::View | RelKind::MaterializedView) || !row.options.is_empty() {
            let options: BTreeMap<String, String> = row
                .options
                .iter()
                .filter_map(|option| option.split_once('='))
                .map(|(key, value)| (key.to_lowercase(), value.to_lowercase()))
                .collect();
            let query = row.view_definition.as_deref().and_then(parse_query);
            relation.view = Some(ViewDef {
                query: query.map(|node| Expr::new(node, None)),
                options,
                reads: Vec::new(),
                columns: Vec::new(),
            });
        }
        let id = model.add_relation(relation);
        by_oid.insert(row.oid, id);
    }
    // Second pass, once every relation exists: view dependencies and partition parents.
    for row in &catalog.relations {
        let id = by_oid[&row.oid];
        if let Some(parent) = row.parent.and_then(|parent| by_oid.get(&parent)) {
            model.relations[id].partition_of = Some(RelRef::Known(*parent));
        }
        let reads: Vec<RelRef> = match model.relations[id]
            .view
            .as_ref()
            .and_then(|view| view.query.as_ref())
        {
            Some(query) => crate::ast::relations_read(&query.tree())
                .into_iter()
                .map(|range| {
                    let schema = if range.schemaname.is_empty() {
                        "public"
                    } else {
                        range.schemaname.as_str()
                    };
                    let name = QualName::new(schema, range.relname.as_str());
                    match model.relation_id(&name) {
                        Some(found) => RelRef::Known(found),
                        None => RelRef::Unknown(name),
                    }
                })
                .collect(),
            None => continue,
        };
        if let Some(view) = model.relations[id].view.as_mut() {
            view.reads = reads;
        }
    }
    for row in &catalog.columns {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        let defined = reference
            .relation(&model.relations[id].name)
            .and_then(|r| r.column(&row.name));
        let column = Column {
            name: row.name.clone(),
            type_name: catalog_type(&row.type_name),
            not_null: row.not_null,
            default: row
                .default
                .as_deref()
                .and_then(parse_expression)
                .map(|node| Expr::new(node, None)),
            created: defined.and_then(|c| c.created),
        };
        model.relations[id].columns.push(column);
    }
    for id in 0..model.relations.len() {
        let relation = &model.relations[id];
        if let Some(view) = &relation.view
            && view.columns.is_empty()
        {
            let columns = relation.columns.iter().map(|c| c.name.clone()).collect();
            if let Some(view) = model.relations[id].view.as_mut() {
                view.columns = columns;
            }
        }
    }
    for row in &catalog.constraints {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        let kind = match row.kind.as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "f" => ConstraintKind::ForeignKey,
            "x" => ConstraintKind::Exclusion,
            _ => ConstraintKind::Check,
        };
        let defined = reference
            .relation(&model.relations[id].name)
            .and_then(|r| r.constraints.iter().find(|c| c.name == row.name));
        let foreign_key = row.references.as_ref().map(|(schema, name)| {
            let target = QualName::new(schema.as_str(), name.as_str());
            ForeignKey {
                references: match model.relation_id(&target) {
                    Some(found) => RelRef::Known(found),
                    None => RelRef::Unknown(target),
                },
                columns: row.referenced_columns.clone(),
                on_delete: FkAction::from_code(&row.on_delete),
            }
        });
        model.relations[id].constraints.push(Constraint {
            name: row.name.clone(),
            kind,
            columns: row.columns.clone(),
            foreign_key: if kind == ConstraintKind::ForeignKey {
                foreign_key
            } else {
                None
            },
            nulls_not_distinct: row.nulls_not_distinct,
            check: None,
            anchor: defined.and_then(|c| c.anchor),
        });
    }
    for row in &catalog.indexes {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        let defined = reference
            .relation(&model.relations[id].name)
            .and_then(|r| r.indexes.iter().find(|i| i.name == row.name));
        let keys = row
            .key_columns
            .iter()
            .zip(&row.key_defs)
            .map(|(column, definition)| match column {
                Some(column) => IndexKey::Column(column.clone()),
                None => match parse_expression(definition) {
                    Some(node) => IndexKey::Expression(Expr::new(node, None)),
                    None => IndexKey::Column(definition.clone()),
                },
            })
            .collect();
        let index = Index {
            name: row.name.clone(),
            method: row.method.clone(),
            keys,
            include: row.include.clone(),
            predicate: row
                .predicate
                .as_deref()
                .and_then(parse_expression)
                .map(|node| Expr::new(node, None)),
            unique: row.unique,
            nulls_not_distinct: row.nulls_not_distinct,
            constraint: row.constraint.clone(),
            concurrently: false,
            anchor: defined.and_then(|i| i.anchor),
        };
        model.add_index(id, index);
    }
    for row in &catalog.policies {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        let defined = reference
            .relation(&model.relations[id].name)
            .and_then(|r| r.policies.iter().find(|p| p.name == row.name));
        let command = match row.command.as_str() {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let policy = Policy {
            name: row.name.clone(),
            command,
            permissive: row.permissive,
            has_to_clause: row.roles != ["public"],
            roles: row.roles.clone(),
            using: row
                .using
                .as_deref()
                .and_then(parse_expression)
                .map(|node| Expr::new(node, None)),
            with_check: row
                .with_check
                .as_deref()
                .and_then(parse_expression)
                .map(|node| Expr::new(node, None)),
            created: defined.and_then(|p| p.created),
            changed: defined.and_then(|p| p.changed),
        };
        model.relations[id].policies.push(policy);
    }
    for row in &catalog.triggers {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        let defined = reference
            .relation(&model.relations[id].name)
            .and_then(|r| r.triggers.iter().find(|t| t.name == row.name));
        model.relations[id].triggers.push(Trigger {
            name: row.name.clone(),
            function: QualName::new(row.function_schema.as_str(), row.function_name.as_str()),
            before: row.kind & 2 != 0,
            instead: row.kind & 64 != 0,
            row: row.kind & 1 != 0,
            on_insert: row.kind & 4 != 0,
            on_delete: row.kind & 8 != 0,
            on_update: row.kind & 16 != 0,
            on_truncate: row.kind & 32 != 0,
            created: defined.and_then(|t| t.created),
        });
    }
    for row in &catalog.grants {
        let Some(&id) = by_oid.get(&row.relation) else {
            continue;
        };
        model.relations[id]
            .grants
            .entry(row.grantee.clone())
            .or_default()
            .insert(row.privilege.clone());
    }
    for row in &catalog.functions {
        let name = QualName::new(row.schema.as_str(), row.name.as_str());
        let arg_types: Vec<String> = row.arg_types.iter().map(|t| catalog_type(t)).collect();
        let defined = reference
            .functions_named(&name)
            .iter()
            .map(|id| &reference.functions[*id])
            .find(|f| !f.dropped && f.arg_types == arg_types);
        let config: BTreeMap<String, String> = row
            .config
            .iter()
            .filter_map(|setting| setting.split_once('='))
            .map(|(key, value)| (key.to_owned(), unquote_setting(value)))
            .collect();
        model.add_function(Function {
            name,
            arg_types,
            kind: if row.kind == "p" {
                FuncKind::Procedure
            } else {
                FuncKind::Function
            },
            language: row.language.clone(),
            returns: catalog_type(&row.returns),
            security_definer: row.security_definer,
            config,
            body: Some(FunctionBody::Text(row.body.clone())),
            analysis: BodyAnalysis::default(),
            execute: row.execute.iter().cloned().collect(),
            created: defined.and_then(|f| f.created),
            changed: defined.and_then(|f| f.changed),
            dropped: false,
        });
    }
    for row in &catalog.publications {
        let defined = reference.publications.get(&row.name);
        let tables = row
            .tables
            .iter()
            .map(|(schema, name)| {
                let name = QualName::new(schema.as_str(), name.as_str());
                let anchor = defined.and_then(|p| {
                    p.tables
                        .iter()
                        .find(|(r, _)| reference.rel_name(r) == &name)
                        .and_then(|(_, a)| *a)
                });
                let reference = match model.relation_id(&name) {
                    Some(id) => RelRef::Known(id),
                    None => RelRef::Unknown(name),
                };
                (reference, anchor)
            })
            .collect();
        let schemas = row
            .schemas
            .iter()
            .map(|schema| (schema.clone(), defined.and_then(|p| p.created)))
            .collect();
        model.publications.insert(
            row.name.clone(),
            Publication {
                name: row.name.clone(),
                all_tables: row.all_tables,
                tables,
                schemas,
                created: defined.and_then(|p| p.created),
            },
        );
    }
    model.history = catalog.history.clone();
    model
}

/// `proconfig` values: `search_path=""` is the empty path, `a, b` a list.
fn unquote_setting(value: &str) -> String {
    value
        .split(',')
        .map(|part| {
            let part = part.trim();
            if part == "\"\"" {
                String::new()
            } else {
                split_qualified(part).join(".")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SELECT of a view definition (`pg_get_viewdef` text).
fn parse_query(text: &str) -> Option<Box<pg_query::protobuf::Node>> {
    let result = crate::parse::ffi::parse(text).ok()?;
    result.stmts.into_iter().next()?.stmt
}
