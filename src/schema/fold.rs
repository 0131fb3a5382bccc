//! Statements -> schema model: replays each parsed statement, in file order, into the model.
//!
//! Each file starts with the default search path (`public`); `SET search_path` and
//! `set_config('search_path', ...)` change it for the rest of that file. A statement the fold
//! does not understand leaves the model unchanged. A `DO` block's effects are unknown: it is
//! recorded as a note, never guessed at.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    self, AlterTableType, ConstrType, DropBehavior, Node, ObjectType, RangeVar, RoleSpecType,
};

use crate::ast;
use crate::parse::{ParsedFile, Statement};
use crate::schema::model::*;
use crate::schema::names::{QualName, string_parts, type_name};
use crate::source::{FileId, Span};

/// Builds the model from files in order, taking the subtrees it keeps out of the statements
/// (their trees are dropped afterwards).
pub fn build_model(files: &mut [ParsedFile]) -> Model {
    let mut model = Model::default();
    for file in files {
        let mut folder = FileFolder::new(file.id(), &file.source.path);
        for index in 0..file.statements.len() {
            folder.fold(
                &mut model,
                &file.source.text,
                index,
                &mut file.statements[index],
            );
        }
    }
    model
}

/// Folds one file's statements in order; holds what lasts from one statement to the next
/// (the search path).
pub struct FileFolder {
    file: FileId,
    path: String,
    search_path: Vec<String>,
}

impl FileFolder {
    pub fn new(file: FileId, path: &str) -> Self {
        FileFolder {
            file,
            path: path.to_owned(),
            search_path: vec!["public".to_owned()],
        }
    }

    /// The search path in force for the next statement.
    pub fn search_path(&self) -> &[String] {
        &self.search_path
    }

    /// Applies one statement to the model. The statement's tree is consumed: the parts the
    /// model keeps are moved into it and the rest is dropped.
    pub fn fold(&mut self, model: &mut Model, text: &str, index: usize, statement: &mut Statement) {
        let Some(mut node) = statement.ast.take().and_then(|node| node.node) else {
            return;
        };
        let anchor = Anchor {
            file: self.file,
            statement: index as u32,
            span: statement.span,
        };
        let mut folder = Folder {
            model,
            text,
            path: &self.path,
            search_path: &mut self.search_path,
            anchor,
            base: statement.base,
        };
        folder.statement(&mut node);
    }
}

struct Folder<'m> {
    model: &'m mut Model,
    text: &'m str,
    path: &'m str,
    search_path: &'m mut Vec<String>,
    anchor: Anchor,
    /// The file offset parser locations in this statement count from.
    base: usize,
}

impl Folder<'_> {
    fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// An expression moved out of the current statement.
    fn expr(&self, node: Box<Node>) -> Expr {
        Expr::new(node, Some((self.anchor.file, self.base)))
    }

    /// Span of a clause starting at a parser location: up to the next top-level `,` or `)`.
    fn clause_span(&self, location: i32) -> Span {
        let statement = self.anchor.span;
        let start = (self.base + usize::try_from(location).unwrap_or(0))
            .clamp(statement.start, statement.end);
        let text = self.text.get(start..statement.end).unwrap_or("");
        Span::new(start, start + crate::parse::text::clause_len(text))
    }

    fn statement(&mut self, node: &mut NodeEnum) {
        match node {
            NodeEnum::CreateStmt(create) => self.create_table(create),
            NodeEnum::CreateTableAsStmt(create) => self.create_table_as(create),
            NodeEnum::ViewStmt(view) => self.create_view(view),
            NodeEnum::IndexStmt(index) => self.create_index(index),
            NodeEnum::AlterTableStmt(alter) => self.alter_table(alter),
            NodeEnum::CreatePolicyStmt(policy) => self.create_policy(policy),
            NodeEnum::AlterPolicyStmt(policy) => self.alter_policy(policy),
            NodeEnum::CreateFunctionStmt(function) => self.create_function(function),
            NodeEnum::AlterFunctionStmt(alter) => self.alter_function(alter),
            NodeEnum::CreateTrigStmt(trigger) => self.create_trigger(trigger),
            NodeEnum::CreatePublicationStmt(publication) => self.create_publication(publication),
            NodeEnum::AlterPublicationStmt(publication) => self.alter_publication(publication),
            NodeEnum::GrantStmt(grant) => self.grant(grant),
            NodeEnum::AlterDefaultPrivilegesStmt(alter) => self.default_privileges(alter),
            NodeEnum::DropStmt(drop) => self.drop(drop),
            NodeEnum::RenameStmt(rename) => self.rename(rename),
            NodeEnum::AlterObjectSchemaStmt(alter) => self.set_schema(alter),
            NodeEnum::CreateSchemaStmt(schema) => self.create_schema(schema),
            NodeEnum::VariableSetStmt(set) => self.set_variable(set),
            NodeEnum::SelectStmt(select) => self.select(select),
            NodeEnum::DoStmt(_) => {
                let line = self.text[..self.anchor.span.start].matches('\n').count() + 1;
                self.model.notes.push(ModelNote {
                    anchor: self.anchor(),
                    message: format!(
                        "DO block at {}:{line}: its effects on the schema are unknown to pgaudit-lint and are not modelled",
                        self.path
                    ),
                });
            }
            _ => {}
        }
    }

    // ----- name resolution -----

    /// The schema an unqualified CREATE goes to: the first schema of the search path.
    fn creation_schema(&self) -> String {
        self.search_path
            .first()
            .cloned()
            .unwrap_or_else(|| "public".to_owned())
    }

    fn create_name(&self, range: &RangeVar) -> QualName {
        let schema = if range.schemaname.is_empty() {
            self.creation_schema()
        } else {
            range.schemaname.clone()
        };
        QualName::new(schema, range.relname.clone())
    }

    /// An existing relation by (possibly unqualified) name, through the search path.
    fn find_relation(&self, schema: &str, name: &str) -> Option<RelId> {
        if !schema.is_empty() {
            return self.model.relation_id(&QualName::new(schema, name));
        }
        self.search_path
            .iter()
            .find_map(|schema| self.model.relation_id(&QualName::new(schema.clone(), name)))
    }

    fn find_range(&self, range: &RangeVar) -> Option<RelId> {
        self.find_relation(&range.schemaname, &range.relname)
    }

    /// A reference to a relation for views, foreign keys and publications.
    fn rel_ref(&self, range: &RangeVar) -> RelRef {
        match self.find_range(range) {
            Some(id) => RelRef::Known(id),
            None => RelRef::Unknown(self.create_name(range)),
        }
    }

    /// The relation an ALTER, policy or trigger targets; a relation the migrations never
    /// created (e.g. `storage.objects`) is added as a reference-only placeholder.
    fn target_relation(&mut self, range: &RangeVar) -> RelId {
        if let Some(id) = self.find_range(range) {
            return id;
        }
        let name = self.create_name(range);
        self.model
            .add_relation(Relation::new(name, RelKind::Table, None))
    }

    fn touch(&mut self, id: RelId) {
        self.model.relations[id].changed = Some(self.anchor);
    }

    fn qualified(&self, parts: &[&str]) -> QualName {
        match parts {
            [.., schema, name] => QualName::new(*schema, *name),
            [name] => QualName::new(self.creation_schema(), *name),
            [] => QualName::new(self.creation_schema(), ""),
        }
    }

    // ----- tables -----

    fn create_table(&mut self, create: &mut protobuf::CreateStmt) {
        let Some(range) = &create.relation else {
            return;
        };
        if range.relpersistence == "t" {
            return;
        }
        let name = self.create_name(range);
        if let Some(existing) = self.model.relation_id(&name) {
            if create.if_not_exists && self.model.relations[existing].is_defined() {
                return;
            }
            self.model.drop_relation(existing);
        }
        let kind = if create.partspec.is_some() {
            RelKind::PartitionedTable
        } else {
            RelKind::Table
        };
        let mut relation = Relation::new(name, kind, Some(self.anchor()));
        // Columns of parents (INHERITS, PARTITION OF) come first, as in Postgres.
        for parent in &create.inh_relations {
            if let Some(NodeEnum::RangeVar(parent)) = &parent.node {
                if let Some(parent_id) = self.find_range(parent) {
                    relation.columns.extend(self.copy_columns(parent_id));
                }
                if create.partbound.is_some() {
                    relation.partition_of = Some(self.rel_ref(parent));
                }
            }
        }
        let id = self.model.add_relation(relation);
        for element in &mut create.table_elts {
            match &mut element.node {
                Some(NodeEnum::ColumnDef(column)) => self.add_column(id, column),
                Some(NodeEnum::Constraint(constraint)) => self.add_constraint(id, constraint, None),
                Some(NodeEnum::TableLikeClause(like)) => {
                    if let Some(source) = like
                        .relation
                        .as_ref()
                        .and_then(|range| self.find_range(range))
                    {
                        let columns = self.copy_columns(source);
                        self.model.relations[id].columns.extend(columns);
                    }
                }
                _ => {}
            }
        }
        for constraint in &mut create.constraints {
            if let Some(NodeEnum::Constraint(constraint)) = &mut constraint.node {
                self.add_constraint(id, constraint, None);
            }
        }
    }

    fn copy_columns(&self, id: RelId) -> Vec<Column> {
        self.model.relations[id]
            .columns
            .iter()
            .map(|column| Column {
                name: column.name.clone(),
                type_name: column.type_name.clone(),
                not_null: column.not_null,
                default: column.default.clone(),
                created: Some(self.anchor),
            })
            .collect()
    }

    fn add_column(&mut self, id: RelId, column: &mut protobuf::ColumnDef) {
        let relation = &mut self.model.relations[id];
        relation
            .columns
            .retain(|existing| existing.name != column.colname);
        relation.columns.push(Column {
            name: column.colname.clone(),
            type_name: column.type_name.as_ref().map(type_name).unwrap_or_default(),
            not_null: column.is_not_null,
            default: None,
            created: Some(self.anchor),
        });
        if let Some(default) = column.raw_default.take() {
            let expr = self.expr(default);
            self.update_column(id, &column.colname, |c| c.default = Some(expr));
        }
        let column_name = column.colname.clone();
        for constraint in &mut column.constraints {
            if let Some(NodeEnum::Constraint(constraint)) = &mut constraint.node {
                self.add_constraint(id, constraint, Some(&column_name));
            }
        }
    }

    /// Changes a column if it exists (a statement naming a missing column changes nothing).
    fn update_column(&mut self, id: RelId, name: &str, change: impl FnOnce(&mut Column)) {
        let columns = &mut self.model.relations[id].columns;
        if let Some(column) = columns.iter_mut().find(|column| column.name == name) {
            change(column);
        }
    }

    fn add_constraint(
        &mut self,
        id: RelId,
        constraint: &mut protobuf::Constraint,
        column: Option<&str>,
    ) {
        let kind = match constraint.contype() {
            ConstrType::ConstrNotnull => {
                if let Some(column) = column.or_else(|| first_key(&constraint.keys)) {
                    self.update_column(id, column, |c| c.not_null = true);
                }
                return;
            }
            ConstrType::ConstrNull => {
                if let Some(column) = column {
                    self.update_column(id, column, |c| c.not_null = false);
                }
                return;
            }
            ConstrType::ConstrDefault => {
                if let (Some(column), Some(default)) = (column, constraint.raw_expr.take()) {
                    let expr = self.expr(default);
                    self.update_column(id, column, |c| c.default = Some(expr));
                }
                return;
            }
            ConstrType::ConstrIdentity => {
                if let Some(column) = column {
                    self.update_column(id, column, |c| c.not_null = true);
                }
                return;
            }
            ConstrType::ConstrPrimary => ConstraintKind::PrimaryKey,
            ConstrType::ConstrUnique => ConstraintKind::Unique,
            ConstrType::ConstrForeign => ConstraintKind::ForeignKey,
            ConstrType::ConstrCheck => ConstraintKind::Check,
            ConstrType::ConstrExclusion => ConstraintKind::Exclusion,
            _ => return,
        };
        let keys = match kind {
            ConstraintKind::ForeignKey => &constraint.fk_attrs,
            _ => &constraint.keys,
        };
        let mut columns: Vec<String> = string_parts(keys).into_iter().map(str::to_owned).collect();
        if columns.is_empty()
            && let Some(column) = column
        {
            columns.push(column.to_owned());
        }
        let table = self.model.relations[id].name.name.clone();
        let name = if constraint.conname.is_empty() {
            default_constraint_name(&table, &columns, kind)
        } else {
            constraint.conname.clone()
        };
        let anchor = self
            .anchor()
            .with_span(self.clause_span(constraint.location));
        let foreign_key = (kind == ConstraintKind::ForeignKey).then(|| ForeignKey {
            references: constraint
                .pktable
                .as_ref()
                .map(|range| self.rel_ref(range))
                .unwrap_or(RelRef::Unknown(QualName::new("", ""))),
            columns: string_parts(&constraint.pk_attrs)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            on_delete: FkAction::from_code(&constraint.fk_del_action),
        });
        if kind == ConstraintKind::PrimaryKey {
            for column in &columns {
                self.update_column(id, column, |c| c.not_null = true);
            }
        }
        let backs_index = matches!(kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique);
        if backs_index {
            if !constraint.indexname.is_empty() {
                // `... USING INDEX existing_index`: the index becomes the constraint's.
                self.model.rename_index(id, &constraint.indexname, &name);
                for index in &mut self.model.relations[id].indexes {
                    if index.name == name {
                        index.constraint = Some(name.clone());
                        columns = index
                            .keys
                            .iter()
                            .filter_map(|key| key.column().map(str::to_owned))
                            .collect();
                    }
                }
            } else {
                let index = Index {
                    name: name.clone(),
                    method: "btree".to_owned(),
                    keys: columns.iter().cloned().map(IndexKey::Column).collect(),
                    include: string_parts(&constraint.including)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    predicate: None,
                    unique: true,
                    nulls_not_distinct: constraint.nulls_not_distinct,
                    constraint: Some(name.clone()),
                    concurrently: false,
                    anchor: Some(anchor),
                };
                self.model.add_index(id, index);
            }
        }
        let check = constraint.raw_expr.take().map(|expr| self.expr(expr));
        self.model.relations[id].constraints.push(Constraint {
            name,
            kind,
            columns,
            foreign_key,
            nulls_not_distinct: constraint.nulls_not_distinct,
            check: if kind == ConstraintKind::Check {
                check
            } else {
                None
            },
            anchor: Some(anchor),
        });
    }

    fn drop_constraint(&mut self, id: RelId, name: &str) {
        let relation = &mut self.model.relations[id];
        relation
            .constraints
            .retain(|constraint| constraint.name != name);
        let backed: Vec<String> = relation
            .indexes
            .iter()
            .filter(|index| index.constraint.as_deref() == Some(name))
            .map(|index| index.name.clone())
            .collect();
        for index in backed {
            self.model.remove_index(id, &index);
        }
    }

    fn drop_column(&mut self, id: RelId, name: &str) {
        let relation = &mut self.model.relations[id];
        relation.columns.retain(|column| column.name != name);
        let constraints: Vec<String> = relation
            .constraints
            .iter()
            .filter(|constraint| constraint.columns.iter().any(|column| column == name))
            .map(|constraint| constraint.name.clone())
            .collect();
        let indexes: Vec<String> = relation
            .indexes
            .iter()
            .filter(|index| {
                index.keys.iter().any(|key| key.column() == Some(name))
                    || index.include.iter().any(|c| c == name)
            })
            .map(|index| index.name.clone())
            .collect();
        for constraint in constraints {
            self.drop_constraint(id, &constraint);
        }
        for index in indexes {
            self.model.remove_index(id, &index);
        }
    }

    fn rename_column(&mut self, id: RelId, old: &str, new: &str) {
        let relation = &mut self.model.relations[id];
        let rename = |name: &mut String| {
            if name == old {
                *name = new.to_owned();
            }
        };
        relation
            .columns
            .iter_mut()
            .for_each(|column| rename(&mut column.name));
        for constraint in &mut relation.constraints {
            constraint.columns.iter_mut().for_each(rename);
        }
        for index in &mut relation.indexes {
            for key in &mut index.keys {
                if let IndexKey::Column(name) = key {
                    rename(name);
                }
            }
            index.include.iter_mut().for_each(rename);
        }
        // Foreign keys elsewhere that name this column follow it.
        for relation in &mut self.model.relations {
            for constraint in &mut relation.constraints {
                if let Some(fk) = &mut constraint.foreign_key
                    && fk.references == RelRef::Known(id)
                {
                    fk.columns.iter_mut().for_each(rename);
                }
            }
        }
    }

    fn create_table_as(&mut self, create: &mut protobuf::CreateTableAsStmt) {
        let Some(range) = create.into.as_ref().and_then(|into| into.rel.as_ref()) else {
            return;
        };
        let kind = match create.objtype() {
            ObjectType::ObjectMatview => RelKind::MaterializedView,
            ObjectType::ObjectTable => RelKind::Table,
            _ => return,
        };
        if range.relpersistence == "t" {
            return;
        }
        let name = self.create_name(range);
        if let Some(existing) = self.model.relation_id(&name) {
            if create.if_not_exists && self.model.relations[existing].is_defined() {
                return;
            }
            self.model.drop_relation(existing);
        }
        let into = create.into.as_deref();
        let aliases: Vec<String> = into
            .map(|into| {
                string_parts(&into.col_names)
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let options = into
            .map(|into| def_options(&into.options))
            .unwrap_or_default();
        let view = create
            .query
            .take()
            .map(|query| self.view_def(query, &aliases, options));
        let mut relation = Relation::new(name, kind, Some(self.anchor()));
        if let Some(view) = &view {
            relation.columns = view
                .columns
                .iter()
                .map(|name| self.plain_column(name))
                .collect();
        }
        if kind == RelKind::MaterializedView {
            relation.view = view;
        }
        self.model.add_relation(relation);
    }

    fn plain_column(&self, name: &str) -> Column {
        Column {
            name: name.to_owned(),
            type_name: String::new(),
            not_null: false,
            default: None,
            created: Some(self.anchor),
        }
    }

    // ----- views -----

    fn create_view(&mut self, view: &mut protobuf::ViewStmt) {
        let Some(range) = &view.view else { return };
        let name = self.create_name(range);
        let Some(query) = view.query.take() else {
            return;
        };
        let aliases: Vec<String> = string_parts(&view.aliases)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let definition = self.view_def(query, &aliases, def_options(&view.options));
        let columns: Vec<Column> = definition
            .columns
            .iter()
            .map(|name| self.plain_column(name))
            .collect();
        match self.model.relation_id(&name) {
            // CREATE OR REPLACE keeps the view's identity and privileges; its options are
            // replaced by the new WITH clause, as Postgres does.
            Some(id) if view.replace && self.model.relations[id].kind == RelKind::View => {
                let relation = &mut self.model.relations[id];
                relation.view = Some(definition);
                relation.columns = columns;
                relation.changed = Some(self.anchor);
            }
            existing => {
                if let Some(id) = existing {
                    self.model.drop_relation(id);
                }
                let mut relation = Relation::new(name, RelKind::View, Some(self.anchor()));
                relation.view = Some(definition);
                relation.columns = columns;
                self.model.add_relation(relation);
            }
        }
    }

    fn view_def(
        &self,
        query: Box<Node>,
        aliases: &[String],
        options: std::collections::BTreeMap<String, String>,
    ) -> ViewDef {
        let reads: Vec<RelRef> = ast::relations_read(&query)
            .into_iter()
            .map(|range| self.rel_ref(range))
            .collect();
        let mut columns = self.output_columns(&query, &reads);
        for (column, alias) in columns.iter_mut().zip(aliases) {
            column.clone_from(alias);
        }
        ViewDef {
            query: Some(self.expr(query)),
            options,
            reads,
            columns,
        }
    }

    /// Output column names of a query; `*` expands to the columns of the relations read.
    fn output_columns(&self, query: &Node, reads: &[RelRef]) -> Vec<String> {
        let mut select = match &query.node {
            Some(NodeEnum::SelectStmt(select)) => select.as_ref(),
            _ => return Vec::new(),
        };
        // For UNION and friends, the left-most branch names the columns.
        while let Some(left) = select.larg.as_deref() {
            select = left;
        }
        let mut columns = Vec::new();
        for target in &select.target_list {
            let Some(NodeEnum::ResTarget(target)) = &target.node else {
                continue;
            };
            if !target.name.is_empty() {
                columns.push(target.name.clone());
                continue;
            }
            let value = target.val.as_deref().and_then(|value| value.node.as_ref());
            match value.map(ast::strip_casts) {
                Some(NodeEnum::ColumnRef(column)) => {
                    match column.fields.last().and_then(|field| field.node.as_ref()) {
                        Some(NodeEnum::String(name)) => columns.push(name.sval.clone()),
                        Some(NodeEnum::AStar(_)) => {
                            for reference in reads {
                                if let RelRef::Known(id) = reference {
                                    columns.extend(
                                        self.model.relations[*id]
                                            .columns
                                            .iter()
                                            .map(|c| c.name.clone()),
                                    );
                                }
                            }
                        }
                        _ => columns.push("?column?".to_owned()),
                    }
                }
                Some(NodeEnum::FuncCall(call)) => columns.push(
                    ast::func_name(call)
                        .last()
                        .map_or("?column?", |name| name)
                        .to_owned(),
                ),
                _ => columns.push("?column?".to_owned()),
            }
        }
        columns
    }

    // ----- indexes -----

    fn create_index(&mut self, index: &mut protobuf::IndexStmt) {
        let Some(range) = &index.relation else { return };
        let id = self.target_relation(range);
        let keys: Vec<IndexKey> = index
            .index_params
            .iter_mut()
            .filter_map(|param| match &mut param.node {
                Some(NodeEnum::IndexElem(elem)) => Some(match elem.expr.take() {
                    Some(expr) => IndexKey::Expression(self.expr(expr)),
                    None => IndexKey::Column(elem.name.clone()),
                }),
                _ => None,
            })
            .collect();
        let relation = &self.model.relations[id];
        let schema = relation.name.schema.clone();
        let name = if index.idxname.is_empty() {
            // Postgres names an unnamed index table_columns_idx, numbering it when taken.
            let columns: Vec<String> = keys
                .iter()
                .map(|key| match key {
                    IndexKey::Column(name) => name.clone(),
                    IndexKey::Expression(expr) => expression_column_name(&expr.tree()),
                })
                .collect();
            let base = make_object_name(&relation.name.name, &columns.join("_"), "idx");
            let mut name = base.clone();
            let mut number = 0;
            while self
                .model
                .index_relation(&QualName::new(schema.clone(), name.clone()))
                .is_some()
            {
                number += 1;
                name = format!("{base}{number}");
            }
            name
        } else {
            index.idxname.clone()
        };
        if let Some(existing) = self
            .model
            .index_relation(&QualName::new(schema, name.clone()))
        {
            if index.if_not_exists {
                return;
            }
            self.model.remove_index(existing, &name);
        }
        let include = index
            .index_including_params
            .iter()
            .filter_map(|param| match &param.node {
                Some(NodeEnum::IndexElem(elem)) => Some(elem.name.clone()),
                _ => None,
            })
            .collect();
        let method = if index.access_method.is_empty() {
            "btree".to_owned()
        } else {
            index.access_method.clone()
        };
        let new_index = Index {
            name,
            method,
            keys,
            include,
            predicate: index
                .where_clause
                .take()
                .map(|predicate| self.expr(predicate)),
            unique: index.unique,
            nulls_not_distinct: index.nulls_not_distinct,
            constraint: None,
            concurrently: index.concurrent,
            anchor: Some(self.anchor),
        };
        self.model.add_index(id, new_index);
        self.touch(id);
    }

    fn find_index(&self, parts: &[&str]) -> Option<(RelId, String)> {
        let (schema, name) = match parts {
            [.., schema, name] => (Some(*schema), *name),
            [name] => (None, *name),
            [] => return None,
        };
        let found = match schema {
            Some(schema) => self.model.index_relation(&QualName::new(schema, name)),
            None => self.search_path.iter().find_map(|schema| {
                self.model
                    .index_relation(&QualName::new(schema.clone(), name))
            }),
        };
        found.map(|id| (id, name.to_owned()))
    }

    // ----- ALTER TABLE -----

    fn alter_table(&mut self, alter: &mut protobuf::AlterTableStmt) {
        let Some(range) = &alter.relation else { return };
        if alter.objtype() == ObjectType::ObjectIndex {
            return;
        }
        let id = match self.find_range(range) {
            Some(id) => id,
            None if alter.missing_ok => return,
            None => self.target_relation(range),
        };
        self.touch(id);
        for command in &mut alter.cmds {
            let Some(NodeEnum::AlterTableCmd(command)) = &mut command.node else {
                continue;
            };
            self.alter_table_command(id, command);
        }
    }

    fn alter_table_command(&mut self, id: RelId, command: &mut protobuf::AlterTableCmd) {
        let subtype = command.subtype();
        if subtype == AlterTableType::AtColumnDefault {
            let default = command.def.take().map(|node| self.expr(node));
            self.update_column(id, &command.name, |c| c.default = default);
            return;
        }
        let name = command.name.clone();
        let missing_ok = command.missing_ok;
        let def = command.def.as_deref_mut().and_then(|def| def.node.as_mut());
        match subtype {
            AlterTableType::AtAddColumn | AlterTableType::AtAddColumnToView => {
                if let Some(NodeEnum::ColumnDef(column)) = def {
                    if missing_ok && self.model.relations[id].has_column(&column.colname) {
                        return;
                    }
                    self.add_column(id, column);
                }
            }
            AlterTableType::AtDropColumn => self.drop_column(id, &name),
            AlterTableType::AtAlterColumnType => {
                if let Some(NodeEnum::ColumnDef(column)) = def {
                    let new_type = column.type_name.as_ref().map(type_name).unwrap_or_default();
                    self.update_column(id, &name, |c| c.type_name = new_type);
                }
            }
            AlterTableType::AtSetNotNull => {
                self.update_column(id, &name, |c| c.not_null = true);
            }
            AlterTableType::AtDropNotNull => {
                self.update_column(id, &name, |c| c.not_null = false);
            }
            AlterTableType::AtAddConstraint => {
                if let Some(NodeEnum::Constraint(constraint)) = def {
                    self.add_constraint(id, constraint, None);
                }
            }
            AlterTableType::AtDropConstraint => self.drop_constraint(id, &name),
            AlterTableType::AtEnableRowSecurity => {
                let relation = &mut self.model.relations[id];
                relation.rls_enabled = true;
                relation.rls_enabled_by = Some(self.anchor);
            }
            AlterTableType::AtDisableRowSecurity => self.model.relations[id].rls_enabled = false,
            AlterTableType::AtForceRowSecurity => self.model.relations[id].rls_forced = true,
            AlterTableType::AtNoForceRowSecurity => self.model.relations[id].rls_forced = false,
            AlterTableType::AtSetRelOptions | AlterTableType::AtReplaceRelOptions => {
                if let Some(NodeEnum::List(list)) = def {
                    let options = def_options(&list.items);
                    let view = self.model.relations[id]
                        .view
                        .get_or_insert_with(ViewDef::default);
                    if subtype == AlterTableType::AtReplaceRelOptions {
                        view.options.clear();
                    }
                    view.options.extend(options);
                }
            }
            AlterTableType::AtResetRelOptions => {
                if let (Some(NodeEnum::List(list)), Some(view)) =
                    (def, self.model.relations[id].view.as_mut())
                {
                    for name in def_options(&list.items).keys() {
                        view.options.remove(name);
                    }
                }
            }
            AlterTableType::AtAttachPartition => {
                if let Some(NodeEnum::PartitionCmd(partition)) = def
                    && let Some(child) = partition
                        .name
                        .as_ref()
                        .and_then(|range| self.find_range(range))
                {
                    self.model.relations[child].partition_of = Some(RelRef::Known(id));
                }
            }
            AlterTableType::AtDetachPartition => {
                if let Some(NodeEnum::PartitionCmd(partition)) = def
                    && let Some(child) = partition
                        .name
                        .as_ref()
                        .and_then(|range| self.find_range(range))
                {
                    self.model.relations[child].partition_of = None;
                }
            }
            _ => {}
        }
    }

    // ----- policies -----

    fn create_policy(&mut self, policy: &mut protobuf::CreatePolicyStmt) {
        let Some(range) = &policy.table else { return };
        let id = self.target_relation(range);
        let roles = role_names(&policy.roles);
        // Without TO, the grammar supplies PUBLIC with no location.
        let has_to_clause = !policy
            .roles
            .iter()
            .all(|role| matches!(&role.node, Some(NodeEnum::RoleSpec(role)) if role.location < 0));
        let new_policy = Policy {
            name: policy.policy_name.clone(),
            command: PolicyCommand::from_sql(&policy.cmd_name),
            permissive: policy.permissive,
            has_to_clause,
            roles: if roles.is_empty() {
                vec!["public".to_owned()]
            } else {
                roles
            },
            using: policy.qual.take().map(|node| self.expr(node)),
            with_check: policy.with_check.take().map(|node| self.expr(node)),
            created: Some(self.anchor),
            changed: Some(self.anchor),
        };
        let policies = &mut self.model.relations[id].policies;
        policies.retain(|existing| existing.name != policy.policy_name);
        policies.push(new_policy);
    }

    fn alter_policy(&mut self, alter: &mut protobuf::AlterPolicyStmt) {
        let Some(id) = alter
            .table
            .as_ref()
            .and_then(|range| self.find_range(range))
        else {
            return;
        };
        let using = alter.qual.take().map(|node| self.expr(node));
        let with_check = alter.with_check.take().map(|node| self.expr(node));
        let roles = role_names(&alter.roles);
        let anchor = Some(self.anchor);
        let Some(policy) = self.model.relations[id]
            .policies
            .iter_mut()
            .find(|p| p.name == alter.policy_name)
        else {
            return;
        };
        if !roles.is_empty() {
            policy.roles = roles;
            policy.has_to_clause = true;
        }
        if using.is_some() {
            policy.using = using;
        }
        if with_check.is_some() {
            policy.with_check = with_check;
        }
        policy.changed = anchor;
    }

    // ----- functions -----

    fn create_function(&mut self, create: &mut protobuf::CreateFunctionStmt) {
        let name = self.qualified(&string_parts(&create.funcname));
        let arg_types = function_arg_types(&create.parameters);
        let mut function = Function {
            name: name.clone(),
            arg_types,
            kind: if create.is_procedure {
                FuncKind::Procedure
            } else {
                FuncKind::Function
            },
            language: "sql".to_owned(),
            returns: create
                .return_type
                .as_ref()
                .map(type_name)
                .unwrap_or_default(),
            security_definer: false,
            config: Default::default(),
            body: create
                .sql_body
                .take()
                .map(|body| FunctionBody::Parsed(self.expr(body))),
            execute: ["public".to_owned()].into(),
            analysis: BodyAnalysis::default(),
            created: Some(self.anchor),
            changed: Some(self.anchor),
            dropped: false,
        };
        for option in &mut create.options {
            let Some(NodeEnum::DefElem(option)) = &mut option.node else {
                continue;
            };
            let value = option.arg.as_deref_mut().and_then(|arg| arg.node.as_mut());
            match (option.defname.as_str(), value) {
                ("language", Some(NodeEnum::String(language))) => {
                    function.language = language.sval.to_lowercase()
                }
                ("security", Some(NodeEnum::Boolean(definer))) => {
                    function.security_definer = definer.boolval
                }
                ("set", Some(NodeEnum::VariableSetStmt(set))) => {
                    apply_function_set(&mut function.config, set)
                }
                ("as", Some(NodeEnum::List(list))) => {
                    if let Some(NodeEnum::String(body)) =
                        list.items.first_mut().and_then(|item| item.node.as_mut())
                    {
                        function.body = Some(FunctionBody::Text(std::mem::take(&mut body.sval)));
                    }
                }
                _ => {}
            }
        }
        let existing = self
            .model
            .functions_named(&name)
            .iter()
            .copied()
            .find(|id| self.model.functions[*id].arg_types == function.arg_types);
        match existing {
            Some(id) => {
                // CREATE OR REPLACE keeps the function's privileges and its creation anchor.
                let old = &mut self.model.functions[id];
                function.execute = std::mem::take(&mut old.execute);
                function.created = old.created;
                *old = function;
            }
            None => {
                for (schema, role, granted) in &self.model.default_function_execute {
                    if schema
                        .as_ref()
                        .is_none_or(|schema| *schema == function.name.schema)
                    {
                        if *granted {
                            function.execute.insert(role.clone());
                        } else {
                            function.execute.remove(role);
                        }
                    }
                }
                self.model.add_function(function);
            }
        }
    }

    /// Functions matching a name and optional argument list (all overloads when unspecified).
    fn find_functions(&self, object: &protobuf::ObjectWithArgs) -> Vec<FuncId> {
        let parts = string_parts(&object.objname);
        let candidates: Vec<FuncId> = match parts.as_slice() {
            [_, _] | [_, _, _] => self.model.functions_named(&self.qualified(&parts)).to_vec(),
            [name] => self
                .search_path
                .iter()
                .flat_map(|schema| {
                    self.model
                        .functions_named(&QualName::new(schema.clone(), *name))
                        .to_vec()
                })
                .collect(),
            _ => Vec::new(),
        };
        if object.args_unspecified {
            return candidates;
        }
        let arg_types: Vec<String> = object
            .objargs
            .iter()
            .filter_map(|arg| match &arg.node {
                Some(NodeEnum::TypeName(name)) => Some(type_name(name)),
                _ => None,
            })
            .collect();
        candidates
            .into_iter()
            .filter(|id| self.model.functions[*id].arg_types == arg_types)
            .collect()
    }

    fn alter_function(&mut self, alter: &mut protobuf::AlterFunctionStmt) {
        let Some(object) = &alter.func else { return };
        for id in self.find_functions(object) {
            let anchor = Some(self.anchor);
            let function = &mut self.model.functions[id];
            function.changed = anchor;
            for action in &alter.actions {
                let Some(NodeEnum::DefElem(action)) = &action.node else {
                    continue;
                };
                match (
                    action.defname.as_str(),
                    action.arg.as_deref().and_then(|arg| arg.node.as_ref()),
                ) {
                    ("security", Some(NodeEnum::Boolean(definer))) => {
                        function.security_definer = definer.boolval
                    }
                    ("set", Some(NodeEnum::VariableSetStmt(set))) => {
                        apply_function_set(&mut function.config, set)
                    }
                    _ => {}
                }
            }
        }
    }

    // ----- triggers -----

    fn create_trigger(&mut self, trigger: &mut protobuf::CreateTrigStmt) {
        let Some(range) = &trigger.relation else {
            return;
        };
        let id = self.target_relation(range);
        let events = trigger.events;
        let new_trigger = Trigger {
            name: trigger.trigname.clone(),
            function: self.qualified(&string_parts(&trigger.funcname)),
            before: trigger.timing & 2 != 0,
            instead: trigger.timing & 64 != 0,
            row: trigger.row,
            on_insert: events & 4 != 0,
            on_delete: events & 8 != 0,
            on_update: events & 16 != 0,
            on_truncate: events & 32 != 0,
            created: Some(self.anchor),
        };
        let triggers = &mut self.model.relations[id].triggers;
        triggers.retain(|existing| existing.name != trigger.trigname);
        triggers.push(new_trigger);
    }

    // ----- publications -----

    fn create_publication(&mut self, create: &mut protobuf::CreatePublicationStmt) {
        let mut publication = Publication {
            name: create.pubname.clone(),
            all_tables: create.for_all_tables,
            created: Some(self.anchor),
            ..Default::default()
        };
        self.publication_objects(&mut publication, &create.pubobjects, true);
        self.model
            .publications
            .insert(create.pubname.clone(), publication);
    }

    fn alter_publication(&mut self, alter: &mut protobuf::AlterPublicationStmt) {
        let mut publication = self
            .model
            .publications
            .remove(&alter.pubname)
            .unwrap_or_else(|| Publication {
                name: alter.pubname.clone(),
                ..Default::default()
            });
        match alter.action() {
            protobuf::AlterPublicationAction::ApAddObjects => {
                self.publication_objects(&mut publication, &alter.pubobjects, true)
            }
            protobuf::AlterPublicationAction::ApDropObjects => {
                self.publication_objects(&mut publication, &alter.pubobjects, false)
            }
            protobuf::AlterPublicationAction::ApSetObjects => {
                publication.tables.clear();
                publication.schemas.clear();
                self.publication_objects(&mut publication, &alter.pubobjects, true);
            }
            _ => {}
        }
        if alter.for_all_tables {
            publication.all_tables = true;
        }
        self.model
            .publications
            .insert(alter.pubname.clone(), publication);
    }

    fn publication_objects(&mut self, publication: &mut Publication, objects: &[Node], add: bool) {
        use protobuf::PublicationObjSpecType as Kind;
        let mut previous = Kind::PublicationobjTable;
        for object in objects {
            let Some(NodeEnum::PublicationObjSpec(spec)) = &object.node else {
                continue;
            };
            let mut kind = spec.pubobjtype();
            if kind == Kind::PublicationobjContinuation {
                kind = previous;
            }
            previous = kind;
            match kind {
                Kind::PublicationobjTable => {
                    let reference = match spec
                        .pubtable
                        .as_ref()
                        .and_then(|table| table.relation.as_ref())
                    {
                        Some(range) => self.rel_ref(range),
                        None if !spec.name.is_empty() => match self.find_relation("", &spec.name) {
                            Some(id) => RelRef::Known(id),
                            None => RelRef::Unknown(QualName::new(
                                self.creation_schema(),
                                spec.name.clone(),
                            )),
                        },
                        None => continue,
                    };
                    publication
                        .tables
                        .retain(|(existing, _)| *existing != reference);
                    if add {
                        publication.tables.push((reference, Some(self.anchor)));
                    }
                }
                Kind::PublicationobjTablesInSchema | Kind::PublicationobjTablesInCurSchema => {
                    let schema = if spec.name.is_empty() {
                        self.creation_schema()
                    } else {
                        spec.name.clone()
                    };
                    publication
                        .schemas
                        .retain(|(existing, _)| *existing != schema);
                    if add {
                        publication.schemas.push((schema, Some(self.anchor)));
                    }
                }
                _ => {}
            }
        }
    }

    // ----- grants -----

    fn grant(&mut self, grant: &mut protobuf::GrantStmt) {
        use protobuf::GrantTargetType;
        let privileges: Vec<String> = grant
            .privileges
            .iter()
            .filter_map(|privilege| match &privilege.node {
                Some(NodeEnum::AccessPriv(privilege)) => Some(privilege.priv_name.to_lowercase()),
                _ => None,
            })
            .collect();
        let all = privileges.is_empty();
        let grantees = role_names(&grant.grantees);
        let all_in_schema = grant.targtype() == GrantTargetType::AclTargetAllInSchema;
        match grant.objtype() {
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                if !(all || privileges.iter().any(|p| p == "execute")) {
                    return;
                }
                let ids: Vec<FuncId> = if all_in_schema {
                    self.model.functions_in(&string_parts(&grant.objects))
                } else {
                    grant
                        .objects
                        .iter()
                        .filter_map(|object| match &object.node {
                            Some(NodeEnum::ObjectWithArgs(object)) => {
                                Some(self.find_functions(object))
                            }
                            _ => None,
                        })
                        .flatten()
                        .collect()
                };
                for id in ids {
                    let execute = &mut self.model.functions[id].execute;
                    for grantee in &grantees {
                        if grant.is_grant {
                            execute.insert(grantee.clone());
                        } else {
                            execute.remove(grantee);
                        }
                    }
                }
            }
            ObjectType::ObjectTable => {
                let ids: Vec<RelId> = if all_in_schema {
                    self.model.relations_in(&string_parts(&grant.objects))
                } else {
                    grant
                        .objects
                        .iter()
                        .filter_map(|object| match &object.node {
                            Some(NodeEnum::RangeVar(range)) => self.find_range(range),
                            _ => None,
                        })
                        .collect()
                };
                let privileges: Vec<String> = if all {
                    [
                        "select",
                        "insert",
                        "update",
                        "delete",
                        "truncate",
                        "references",
                        "trigger",
                    ]
                    .map(str::to_owned)
                    .to_vec()
                } else {
                    privileges
                };
                for id in ids {
                    let grants = &mut self.model.relations[id].grants;
                    for grantee in &grantees {
                        let held = grants.entry(grantee.clone()).or_default();
                        for privilege in &privileges {
                            if grant.is_grant {
                                held.insert(privilege.clone());
                            } else {
                                held.remove(privilege);
                            }
                        }
                        if held.is_empty() {
                            grants.remove(grantee);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Records default EXECUTE privileges on functions; they apply to functions created later.
    fn default_privileges(&mut self, alter: &mut protobuf::AlterDefaultPrivilegesStmt) {
        let Some(action) = &alter.action else { return };
        let functions = matches!(
            action.objtype(),
            ObjectType::ObjectFunction | ObjectType::ObjectRoutine | ObjectType::ObjectProcedure
        );
        let privileges: Vec<&str> = action
            .privileges
            .iter()
            .filter_map(|privilege| match &privilege.node {
                Some(NodeEnum::AccessPriv(privilege)) => Some(privilege.priv_name.as_str()),
                _ => None,
            })
            .collect();
        if !functions
            || !(privileges.is_empty()
                || privileges.iter().any(|p| p.eq_ignore_ascii_case("execute")))
        {
            return;
        }
        let mut schemas: Vec<Option<String>> = Vec::new();
        for option in &alter.options {
            if let Some(NodeEnum::DefElem(option)) = &option.node
                && option.defname == "schemas"
                && let Some(NodeEnum::List(list)) =
                    option.arg.as_deref().and_then(|arg| arg.node.as_ref())
            {
                schemas.extend(
                    string_parts(&list.items)
                        .into_iter()
                        .map(|schema| Some(schema.to_owned())),
                );
            }
        }
        if schemas.is_empty() {
            schemas.push(None);
        }
        for role in role_names(&action.grantees) {
            for schema in &schemas {
                self.model.default_function_execute.push((
                    schema.clone(),
                    role.clone(),
                    action.is_grant,
                ));
            }
        }
    }

    // ----- DROP, RENAME, SET SCHEMA -----

    fn drop(&mut self, drop: &mut protobuf::DropStmt) {
        let cascade = drop.behavior() == DropBehavior::DropCascade;
        for object in &drop.objects {
            match drop.remove_type() {
                ObjectType::ObjectTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectForeignTable => {
                    let Some(NodeEnum::List(list)) = &object.node else {
                        continue;
                    };
                    let parts = string_parts(&list.items);
                    let (schema, name) = match parts.as_slice() {
                        [.., schema, name] => (*schema, *name),
                        [name] => ("", *name),
                        [] => continue,
                    };
                    if let Some(id) = self.find_relation(schema, name) {
                        self.drop_relation_cascading(id, cascade);
                    }
                }
                ObjectType::ObjectIndex => {
                    let Some(NodeEnum::List(list)) = &object.node else {
                        continue;
                    };
                    if let Some((id, name)) = self.find_index(&string_parts(&list.items)) {
                        self.model.remove_index(id, &name);
                        self.touch(id);
                    }
                }
                ObjectType::ObjectPolicy | ObjectType::ObjectTrigger => {
                    let Some(NodeEnum::List(list)) = &object.node else {
                        continue;
                    };
                    let parts = string_parts(&list.items);
                    let Some((name, table)) = parts.split_last() else {
                        continue;
                    };
                    let (schema, table) = match table {
                        [.., schema, table] => (*schema, *table),
                        [table] => ("", *table),
                        [] => continue,
                    };
                    let Some(id) = self.find_relation(schema, table) else {
                        continue;
                    };
                    let relation = &mut self.model.relations[id];
                    if drop.remove_type() == ObjectType::ObjectPolicy {
                        relation.policies.retain(|policy| policy.name != *name);
                    } else {
                        relation.triggers.retain(|trigger| trigger.name != *name);
                    }
                    self.touch(id);
                }
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine
                | ObjectType::ObjectAggregate => {
                    let Some(NodeEnum::ObjectWithArgs(function)) = &object.node else {
                        continue;
                    };
                    for id in self.find_functions(function) {
                        self.model.drop_function(id);
                    }
                }
                ObjectType::ObjectSchema => {
                    let Some(NodeEnum::String(schema)) = &object.node else {
                        continue;
                    };
                    self.drop_schema(&schema.sval);
                }
                ObjectType::ObjectPublication => {
                    let Some(NodeEnum::String(name)) = &object.node else {
                        continue;
                    };
                    self.model.publications.remove(&name.sval);
                }
                _ => {}
            }
        }
    }

    /// Drops a relation; with CASCADE also the views that read it and the foreign keys that
    /// reference it (without CASCADE Postgres refuses when such dependents exist).
    fn drop_relation_cascading(&mut self, id: RelId, cascade: bool) {
        let mut pending = vec![id];
        while let Some(id) = pending.pop() {
            if self.model.relations[id].dropped {
                continue;
            }
            self.model.drop_relation(id);
            if !cascade {
                continue;
            }
            for (other, relation) in self.model.relations.iter_mut().enumerate() {
                if relation.dropped {
                    continue;
                }
                let reads_it = relation
                    .view
                    .as_ref()
                    .is_some_and(|view| view.reads.contains(&RelRef::Known(id)));
                if reads_it {
                    pending.push(other);
                }
                relation.constraints.retain(|constraint| {
                    constraint
                        .foreign_key
                        .as_ref()
                        .is_none_or(|fk| fk.references != RelRef::Known(id))
                });
            }
        }
    }

    fn drop_schema(&mut self, schema: &str) {
        self.model.schemas.remove(schema);
        let relations = self.model.relations_in(&[schema]);
        for id in relations {
            self.drop_relation_cascading(id, true);
        }
        let functions = self.model.functions_in(&[schema]);
        for id in functions {
            self.model.drop_function(id);
        }
    }

    fn rename(&mut self, rename: &mut protobuf::RenameStmt) {
        let new = rename.newname.clone();
        let relation = rename
            .relation
            .as_ref()
            .and_then(|range| self.find_range(range));
        match rename.rename_type() {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectForeignTable => {
                if let Some(id) = relation {
                    let schema = self.model.relations[id].name.schema.clone();
                    self.model.rename_relation(id, QualName::new(schema, new));
                    self.touch(id);
                }
            }
            ObjectType::ObjectColumn => {
                if let Some(id) = relation {
                    self.rename_column(id, &rename.subname, &new);
                    self.touch(id);
                }
            }
            ObjectType::ObjectTabconstraint => {
                if let Some(id) = relation {
                    let relation = &mut self.model.relations[id];
                    for constraint in &mut relation.constraints {
                        if constraint.name == rename.subname {
                            constraint.name = new.clone();
                        }
                    }
                    for index in &mut relation.indexes {
                        if index.constraint.as_deref() == Some(rename.subname.as_str()) {
                            index.constraint = Some(new.clone());
                        }
                    }
                    self.model.rename_index(id, &rename.subname, &new);
                    self.touch(id);
                }
            }
            ObjectType::ObjectIndex => {
                if let Some(range) = &rename.relation {
                    let parts: Vec<&str> = [range.schemaname.as_str(), range.relname.as_str()]
                        .into_iter()
                        .filter(|part| !part.is_empty())
                        .collect();
                    if let Some((id, old)) = self.find_index(&parts) {
                        self.model.rename_index(id, &old, &new);
                        self.touch(id);
                    }
                }
            }
            ObjectType::ObjectPolicy | ObjectType::ObjectTrigger => {
                if let Some(id) = relation {
                    let relation = &mut self.model.relations[id];
                    if rename.rename_type() == ObjectType::ObjectPolicy {
                        relation
                            .policies
                            .iter_mut()
                            .filter(|p| p.name == rename.subname)
                            .for_each(|p| p.name = new.clone());
                    } else {
                        relation
                            .triggers
                            .iter_mut()
                            .filter(|t| t.name == rename.subname)
                            .for_each(|t| t.name = new.clone());
                    }
                    self.touch(id);
                }
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                if let Some(NodeEnum::ObjectWithArgs(object)) =
                    rename.object.as_deref().and_then(|o| o.node.as_ref())
                {
                    for id in self.find_functions(object) {
                        let schema = self.model.functions[id].name.schema.clone();
                        self.model
                            .rename_function(id, QualName::new(schema, new.clone()));
                        self.model.functions[id].changed = Some(self.anchor);
                    }
                }
            }
            ObjectType::ObjectSchema => self.rename_schema(&rename.subname, &new),
            _ => {}
        }
    }

    fn rename_schema(&mut self, old: &str, new: &str) {
        if let Some(anchor) = self.model.schemas.remove(old) {
            self.model.schemas.insert(new.to_owned(), anchor);
        }
        let relations = self.model.relations_in(&[old]);
        for id in relations {
            let name = self.model.relations[id].name.name.clone();
            self.model.rename_relation(id, QualName::new(new, name));
        }
        let functions = self.model.functions_in(&[old]);
        for id in functions {
            let name = self.model.functions[id].name.name.clone();
            self.model.rename_function(id, QualName::new(new, name));
        }
    }

    fn set_schema(&mut self, alter: &mut protobuf::AlterObjectSchemaStmt) {
        let schema = alter.newschema.clone();
        match alter.object_type() {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectForeignTable => {
                if let Some(id) = alter
                    .relation
                    .as_ref()
                    .and_then(|range| self.find_range(range))
                {
                    let name = self.model.relations[id].name.name.clone();
                    self.model.rename_relation(id, QualName::new(schema, name));
                    self.touch(id);
                }
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                if let Some(NodeEnum::ObjectWithArgs(object)) =
                    alter.object.as_deref().and_then(|o| o.node.as_ref())
                {
                    for id in self.find_functions(object) {
                        let name = self.model.functions[id].name.name.clone();
                        self.model
                            .rename_function(id, QualName::new(schema.clone(), name));
                        self.model.functions[id].changed = Some(self.anchor);
                    }
                }
            }
            _ => {}
        }
    }

    // ----- schemas and settings -----

    fn create_schema(&mut self, create: &mut protobuf::CreateSchemaStmt) {
        if !create.schemaname.is_empty() {
            self.model
                .schemas
                .entry(create.schemaname.clone())
                .or_insert(Some(self.anchor));
        }
        // Elements of CREATE SCHEMA ... CREATE TABLE ... are created in that schema.
        if !create.schema_elts.is_empty() {
            let saved = std::mem::replace(self.search_path, vec![create.schemaname.clone()]);
            for element in &mut create.schema_elts {
                if let Some(node) = element.node.as_mut() {
                    self.statement(node);
                }
            }
            *self.search_path = saved;
        }
    }

    fn set_variable(&mut self, set: &protobuf::VariableSetStmt) {
        if set.name != "search_path" {
            return;
        }
        use protobuf::VariableSetKind as Kind;
        match set.kind() {
            Kind::VarSetValue => *self.search_path = search_path_values(set),
            Kind::VarSetDefault | Kind::VarReset | Kind::VarResetAll => {
                *self.search_path = vec!["public".to_owned()]
            }
            _ => {}
        }
    }

    /// `select set_config('search_path', 'a, b', false)`, as pg_dump writes it.
    fn select(&mut self, select: &protobuf::SelectStmt) {
        for target in &select.target_list {
            let Some(NodeEnum::ResTarget(target)) = &target.node else {
                continue;
            };
            let Some(NodeEnum::FuncCall(call)) =
                target.val.as_deref().and_then(|v| v.node.as_ref())
            else {
                continue;
            };
            if ast::func_name(call).last() != Some(&"set_config") {
                continue;
            }
            let strings: Vec<&str> = call.args.iter().filter_map(string_constant).collect();
            if let [setting, value, ..] = strings.as_slice()
                && *setting == "search_path"
            {
                *self.search_path = parse_search_path(value);
            }
        }
    }
}

/// The column name Postgres derives for an expression key: a function's name, else `expr`.
fn expression_column_name(node: &Node) -> String {
    match node.node.as_ref().map(ast::strip_casts) {
        Some(NodeEnum::FuncCall(call)) => ast::func_name(call)
            .last()
            .map_or("expr", |name| name)
            .to_owned(),
        _ => "expr".to_owned(),
    }
}

fn first_key(keys: &[Node]) -> Option<&str> {
    string_parts(keys).first().copied()
}

/// A string literal's value, through casts.
pub fn string_constant(node: &Node) -> Option<&str> {
    match node.node.as_ref().map(ast::strip_casts) {
        Some(NodeEnum::AConst(constant)) => match &constant.val {
            Some(protobuf::a_const::Val::Sval(s)) => Some(&s.sval),
            _ => None,
        },
        _ => None,
    }
}

/// The values of `SET name = a, 'b', ...` as written (identifiers or string constants).
fn set_values(set: &protobuf::VariableSetStmt) -> Vec<String> {
    set.args
        .iter()
        .filter_map(|arg| {
            string_constant(arg)
                .map(str::to_owned)
                .or_else(|| match &arg.node {
                    Some(NodeEnum::ColumnRef(column)) => string_parts(&column.fields)
                        .first()
                        .map(|s| (*s).to_owned()),
                    _ => None,
                })
        })
        .collect()
}

fn search_path_values(set: &protobuf::VariableSetStmt) -> Vec<String> {
    set_values(set)
        .iter()
        .flat_map(|value| parse_search_path(value))
        .collect()
}

/// Splits a search_path value into schemas, dropping `$user` (no such schema in migrations).
fn parse_search_path(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|part| {
            let part = part.trim();
            part.strip_prefix('"')
                .and_then(|p| p.strip_suffix('"'))
                .map_or_else(|| part.to_lowercase(), str::to_owned)
        })
        .filter(|schema| !schema.is_empty() && schema != "$user")
        .collect()
}

/// Records `SET search_path = ...` (or `RESET`) in a function's configuration.
fn apply_function_set(
    config: &mut std::collections::BTreeMap<String, String>,
    set: &protobuf::VariableSetStmt,
) {
    use protobuf::VariableSetKind as Kind;
    match set.kind() {
        Kind::VarSetValue => {
            config.insert(set.name.clone(), set_values(set).join(", "));
        }
        Kind::VarSetCurrent => {
            config.insert(set.name.clone(), "from current".to_owned());
        }
        Kind::VarReset | Kind::VarSetDefault => {
            config.remove(&set.name);
        }
        Kind::VarResetAll => config.clear(),
        _ => {}
    }
}

/// `WITH (name = value, ...)` options, lower-cased; a bare name means `true`.
fn def_options(options: &[Node]) -> std::collections::BTreeMap<String, String> {
    options
        .iter()
        .filter_map(|option| match &option.node {
            Some(NodeEnum::DefElem(option)) => {
                let value = match option.arg.as_deref().and_then(|arg| arg.node.as_ref()) {
                    None => "true".to_owned(),
                    Some(NodeEnum::String(s)) => s.sval.to_lowercase(),
                    Some(NodeEnum::Boolean(b)) => b.boolval.to_string(),
                    Some(NodeEnum::Integer(i)) => i.ival.to_string(),
                    Some(NodeEnum::TypeName(t)) => type_name(t),
                    Some(_) => String::new(),
                };
                Some((option.defname.to_lowercase(), value))
            }
            _ => None,
        })
        .collect()
}

/// Role names of a `TO` / grantee list; PUBLIC as `public`.
pub fn role_names(roles: &[Node]) -> Vec<String> {
    roles
        .iter()
        .filter_map(|role| match &role.node {
            Some(NodeEnum::RoleSpec(role)) => Some(match role.roletype() {
                RoleSpecType::RolespecPublic => "public".to_owned(),
                RoleSpecType::RolespecCurrentUser | RoleSpecType::RolespecCurrentRole => {
                    "current_user".to_owned()
                }
                RoleSpecType::RolespecSessionUser => "session_user".to_owned(),
                _ => role.rolename.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Input argument types of a function (`IN`, `INOUT`, `VARIADIC` and defaulted arguments).
fn function_arg_types(parameters: &[Node]) -> Vec<String> {
    parameters
        .iter()
        .filter_map(|parameter| match &parameter.node {
            Some(NodeEnum::FunctionParameter(parameter)) => {
                // FUNC_PARAM_OUT = 'o' and FUNC_PARAM_TABLE = 't' are not part of the signature.
                use protobuf::FunctionParameterMode as Mode;
                match parameter.mode() {
                    Mode::FuncParamOut | Mode::FuncParamTable => None,
                    _ => parameter.arg_type.as_ref().map(type_name),
                }
            }
            _ => None,
        })
        .collect()
}

/// The name Postgres gives an unnamed constraint.
fn default_constraint_name(table: &str, columns: &[String], kind: ConstraintKind) -> String {
    match kind {
        ConstraintKind::PrimaryKey => make_object_name(table, "", "pkey"),
        ConstraintKind::Unique => make_object_name(table, &columns.join("_"), "key"),
        ConstraintKind::ForeignKey => make_object_name(table, &columns.join("_"), "fkey"),
        ConstraintKind::Check => {
            make_object_name(table, columns.first().map_or("", String::as_str), "check")
        }
        ConstraintKind::Exclusion => {
            make_object_name(table, columns.first().map_or("", String::as_str), "excl")
        }
    }
}

/// Postgres's `makeObjectName`: `name1_name2_label`, shortening the longer of the two names
/// until the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let mut len1 = name1.len();
    let mut len2 = name2.len();
    while len1 + len2 + overhead > MAX {
        if len1 > len2 { len1 -= 1 } else { len2 -= 1 }
    }
    let cut = |name: &str, mut len: usize| {
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        name[..len].to_owned()
    };
    let mut name = cut(name1, len1);
    if !name2.is_empty() {
        name.push('_');
        name.push_str(&cut(name2, len2));
    }
    name.push('_');
    name.push_str(label);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;
    use crate::source::SourceFile;

    fn files(sources: &[&str]) -> Vec<ParsedFile> {
        sources
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse_file(SourceFile::from_bytes(
                    i as u32,
                    format!("{i}.sql"),
                    text.as_bytes(),
                ))
            })
            .collect()
    }

    #[test]
    fn table_created_altered_renamed_and_dropped_across_files() {
        let mut files = files(&[
            "create table Customers (id uuid primary key, org_id uuid references orgs(id));",
            "alter table customers add column deleted_at timestamptz, enable row level security;",
            "alter table customers rename to clients; alter table clients rename column org_id to organization_id;",
            "create table gone (id int); drop table gone;",
        ]);
        let model = build_model(&mut files);
        let clients = model.relation(&QualName::new("public", "clients")).unwrap();
        assert!(clients.rls_enabled);
        let names: Vec<_> = clients.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "organization_id", "deleted_at"]);
        let fk = clients
            .constraints
            .iter()
            .find(|c| c.kind == ConstraintKind::ForeignKey)
            .unwrap();
        assert_eq!(fk.columns, ["organization_id"]);
        assert_eq!(fk.name, "customers_org_id_fkey");
        assert_eq!(clients.created.unwrap().file, 0);
        assert_eq!(clients.changed.unwrap().file, 2);
        assert!(
            model
                .relation(&QualName::new("public", "customers"))
                .is_none()
        );
        assert!(model.relation(&QualName::new("public", "gone")).is_none());
    }

    #[test]
    fn search_path_and_quoted_identifiers() {
        let mut files = files(&[
            "set search_path = app, public; create table \"ChatMessage\" (id int); create index on \"ChatMessage\" (id);",
            "create table t (id int);",
        ]);
        let model = build_model(&mut files);
        let chat = model
            .relation(&QualName::new("app", "ChatMessage"))
            .unwrap();
        assert_eq!(chat.indexes[0].name, "ChatMessage_id_idx");
        // The search path does not leak into the next file.
        assert!(model.relation(&QualName::new("public", "t")).is_some());
    }

    #[test]
    fn policies_dropped_recreated_and_altered() {
        let mut files = files(&[
            "create table t (id int); create policy p on t for select to authenticated using (true);",
            "drop policy p on t; create policy \"P 2\" on public.t using (id = 1);",
            "alter policy \"P 2\" on t to anon using (id = 2);",
        ]);
        let model = build_model(&mut files);
        let table = model.relation(&QualName::new("public", "t")).unwrap();
        assert_eq!(table.policies.len(), 1);
        let policy = &table.policies[0];
        assert_eq!(policy.name, "P 2");
        assert_eq!(policy.roles, ["anon"]);
        assert_eq!(policy.created.unwrap().file, 1);
        assert_eq!(policy.changed.unwrap().file, 2);
    }

    #[test]
    fn functions_grants_and_later_alter() {
        let mut files = files(&[
            "create function public.f(a int, out b text) returns text language plpgsql security definer as $$ begin end $$;",
            "alter function public.f(integer) set search_path = ''; revoke execute on function public.f(int) from public;",
        ]);
        let model = build_model(&mut files);
        let function = &model.functions[0];
        assert_eq!(function.signature(), "public.f(int4)");
        assert!(function.security_definer);
        assert_eq!(
            function.config.get("search_path").map(String::as_str),
            Some("")
        );
        assert!(function.execute.is_empty());
    }

    #[test]
    fn views_follow_renamed_tables_and_options_change() {
        let mut files = files(&[
            "create table \"ChatRoom\" (id int, \"RoomName\" text); create view chat_rooms as select id, \"RoomName\" as room_name from \"ChatRoom\";",
            "alter table \"ChatRoom\" rename to \"Room\"; alter view chat_rooms set (security_invoker = on);",
        ]);
        let model = build_model(&mut files);
        let view = model
            .relation(&QualName::new("public", "chat_rooms"))
            .unwrap();
        let definition = view.view.as_ref().unwrap();
        assert!(definition.security_invoker());
        assert_eq!(
            model.rel_name(&definition.reads[0]),
            &QualName::new("public", "Room")
        );
        assert_eq!(definition.columns, ["id", "room_name"]);
    }

    #[test]
    fn publications_and_do_blocks() {
        let mut files = files(&[
            "create table chat (id int); alter publication supabase_realtime add table chat;",
            "do $$ begin perform 1; end $$;",
        ]);
        let model = build_model(&mut files);
        let publication = &model.publications["supabase_realtime"];
        assert_eq!(publication.tables.len(), 1);
        assert_eq!(model.notes.len(), 1);
        assert!(model.notes[0].message.starts_with("DO block at 1.sql:1"));
    }

    #[test]
    fn object_names_are_shortened_like_postgres() {
        let long = "a".repeat(40);
        let name = make_object_name(&long, &"b".repeat(40), "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_fkey"));
    }
}
