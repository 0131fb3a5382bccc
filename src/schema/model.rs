//! The schema model: what the migrations (or a live catalog) define.
//!
//! Relations (tables, views, materialized views) live in one arena like `pg_class`, addressed
//! by `RelId`, so a rename changes a name, not an identity: views, foreign keys and
//! publications that point at a relation follow it, as they do in Postgres.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pg_query::protobuf::Node;

use crate::schema::names::QualName;
use crate::source::{FileId, Span};

pub type RelId = usize;
pub type FuncId = usize;

/// The statement that created or changed an object, and the most precise span in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Anchor {
    pub file: FileId,
    /// Index of the statement in its file.
    pub statement: u32,
    pub span: Span,
}

impl Anchor {
    pub fn with_span(self, span: Span) -> Anchor {
        Anchor { span, ..self }
    }
}

/// A parse tree the model keeps (a policy's USING, a default, a view's query), taken out of
/// its statement without copying and stored protobuf-encoded: a prost `Node` is 608 bytes
/// whatever it holds, so a project's policy trees would otherwise be most of the memory
/// (1.27 GiB at 10,000 generated files; see docs/performance.md). Rules decode it on use.
#[derive(Clone, Debug)]
pub struct Expr {
    encoded: Box<[u8]>,
    /// File and file offset of the text the parser saw (locations count from there);
    /// `None` for expressions read from a live catalog.
    pub base: Option<(FileId, usize)>,
}

impl Expr {
    pub fn new(node: Box<Node>, base: Option<(FileId, usize)>) -> Expr {
        use prost::Message;
        Expr {
            encoded: node.encode_to_vec().into_boxed_slice(),
            base,
        }
    }

    /// The tree, decoded (it was encoded by `new`, so decoding cannot fail).
    pub fn tree(&self) -> Node {
        use prost::Message;
        Node::decode(&*self.encoded).unwrap_or_default()
    }

    /// The file span of a parser location inside this expression, if it has a file.
    pub fn span_at(&self, location: i32, len: usize) -> Option<(FileId, Span)> {
        let (file, base) = self.base?;
        let start = base + usize::try_from(location).ok()?;
        Some((file, Span::new(start, start + len)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelKind {
    Table,
    PartitionedTable,
    ForeignTable,
    View,
    MaterializedView,
}

impl RelKind {
    pub fn is_table(self) -> bool {
        matches!(self, RelKind::Table | RelKind::PartitionedTable)
    }

    pub fn describe(self) -> &'static str {
        match self {
            RelKind::Table => "table",
            RelKind::PartitionedTable => "partitioned table",
            RelKind::ForeignTable => "foreign table",
            RelKind::View => "view",
            RelKind::MaterializedView => "materialized view",
        }
    }
}

/// A relation that a statement names but does not resolve to a known one (e.g. `auth.users`
/// when the migrations do not create it) is kept by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelRef {
    Known(RelId),
    Unknown(QualName),
}

#[derive(Debug)]
pub struct Relation {
    pub name: QualName,
    pub kind: RelKind,
    /// The CREATE statement; `None` for a relation the migrations only refer to (for example
    /// `storage.objects`, which Supabase creates): rules about its state skip it.
    pub created: Option<Anchor>,
    /// The last statement that changed it.
    pub changed: Option<Anchor>,
    /// Known only by reference (the migrations alter or add policies to a relation they never
    /// create, such as `storage.objects`): its state is not in the migrations.
    pub external: bool,
    pub dropped: bool,
    pub partition_of: Option<RelRef>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub policies: Vec<Policy>,
    pub triggers: Vec<Trigger>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// The statement that last enabled row level security.
    pub rls_enabled_by: Option<Anchor>,
    pub view: Option<ViewDef>,
    /// Privileges granted, by role (`public` for PUBLIC).
    pub grants: BTreeMap<String, BTreeSet<String>>,
}

impl Relation {
    pub fn new(name: QualName, kind: RelKind, created: Option<Anchor>) -> Self {
        Relation {
            name,
            kind,
            created,
            changed: created,
            external: created.is_none(),
            dropped: false,
            partition_of: None,
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            policies: Vec::new(),
            triggers: Vec::new(),
            rls_enabled: false,
            rls_forced: false,
            rls_enabled_by: None,
            view: None,
            grants: BTreeMap::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.column(name).is_some()
    }

    /// Which of `names` (a configured column list) the relation has, in the list's order.
    pub fn columns_among<'n>(&self, names: &'n [String]) -> Vec<&'n str> {
        names
            .iter()
            .map(String::as_str)
            .filter(|name| self.has_column(name))
            .collect()
    }

    /// Whether this relation's state is known: the migrations create it, or it was read from
    /// a live catalog (as opposed to a relation the migrations only refer to).
    pub fn is_defined(&self) -> bool {
        !self.external
    }
}

#[derive(Debug)]
pub struct Column {
    pub name: String,
    /// As Postgres prints it in signatures (`int4`, `text[]`, `public.status`).
    pub type_name: String,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub created: Option<Anchor>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
}

/// `ON DELETE` action of a foreign key, with Postgres's one-letter codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn from_code(code: &str) -> FkAction {
        match code {
            "r" => FkAction::Restrict,
            "c" => FkAction::Cascade,
            "n" => FkAction::SetNull,
            "d" => FkAction::SetDefault,
            _ => FkAction::NoAction,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "no action",
            FkAction::Restrict => "restrict",
            FkAction::Cascade => "cascade",
            FkAction::SetNull => "set null",
            FkAction::SetDefault => "set default",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub references: RelRef,
    /// Referenced columns; empty means the referenced table's primary key.
    pub columns: Vec<String>,
    pub on_delete: FkAction,
}

#[derive(Clone, Debug)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
    pub foreign_key: Option<ForeignKey>,
    pub nulls_not_distinct: bool,
    pub check: Option<Expr>,
    /// The constraint clause.
    pub anchor: Option<Anchor>,
}

#[derive(Clone, Debug)]
pub enum IndexKey {
    Column(String),
    Expression(Expr),
}

impl IndexKey {
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexKey::Column(name) => Some(name),
            IndexKey::Expression(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub method: String,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    pub predicate: Option<Expr>,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    /// The primary key or unique constraint this index backs.
    pub constraint: Option<String>,
    pub concurrently: bool,
    pub anchor: Option<Anchor>,
}

impl Index {
    /// Whether `columns` are the leading key columns of this index, in order.
    pub fn starts_with_columns(&self, columns: &[String]) -> bool {
        columns.len() <= self.keys.len()
            && columns
                .iter()
                .zip(&self.keys)
                .all(|(column, key)| key.column() == Some(column.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    pub fn from_sql(name: &str) -> PolicyCommand {
        match name {
            "select" => PolicyCommand::Select,
            "insert" => PolicyCommand::Insert,
            "update" => PolicyCommand::Update,
            "delete" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "all",
            PolicyCommand::Select => "select",
            PolicyCommand::Insert => "insert",
            PolicyCommand::Update => "update",
            PolicyCommand::Delete => "delete",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub command: PolicyCommand,
    pub permissive: bool,
    /// Role names as written (`public` for PUBLIC, also when there is no `TO`).
    pub roles: Vec<String>,
    /// Whether the policy had a `TO` clause.
    pub has_to_clause: bool,
    pub using: Option<Expr>,
    pub with_check: Option<Expr>,
    pub created: Option<Anchor>,
    pub changed: Option<Anchor>,
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    pub function: QualName,
    pub before: bool,
    pub instead: bool,
    pub row: bool,
    pub on_insert: bool,
    pub on_update: bool,
    pub on_delete: bool,
    pub on_truncate: bool,
    pub created: Option<Anchor>,
}

#[derive(Clone, Debug, Default)]
pub struct ViewDef {
    /// The SELECT the view runs.
    pub query: Option<Expr>,
    /// `WITH (...)` options, names and values lower-cased, e.g. `security_invoker = true`.
    pub options: BTreeMap<String, String>,
    /// Relations named in the query (CTE names excluded), resolved when the view was created.
    pub reads: Vec<RelRef>,
    /// Output column names.
    pub columns: Vec<String>,
}

impl ViewDef {
    /// `security_invoker` set to a true value (`true`, `on`, `1`, `yes`).
    pub fn security_invoker(&self) -> bool {
        self.options
            .get("security_invoker")
            .is_some_and(|value| is_true_option(value))
    }
}

/// Postgres accepts these spellings for a true boolean option.
pub fn is_true_option(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "on" | "1" | "yes" | "t" | "y"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FuncKind {
    Function,
    Procedure,
    Aggregate,
}

#[derive(Clone, Debug)]
pub enum FunctionBody {
    /// `AS '...'` text.
    Text(String),
    /// A SQL-standard `BEGIN ATOMIC ... END` or `RETURN ...` body.
    Parsed(Expr),
}

/// What a function body reads and calls, with names resolved through the function's own
/// `search_path` (or `public`).
#[derive(Clone, Debug, Default)]
pub struct BodyAnalysis {
    /// Relations the body's SQL names (CTE names excluded).
    pub reads: Vec<QualName>,
    /// Functions the body calls.
    pub calls: Vec<QualName>,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: QualName,
    /// Input argument types, normalised (`int4`, `uuid`).
    pub arg_types: Vec<String>,
    pub kind: FuncKind,
    pub language: String,
    pub returns: String,
    pub security_definer: bool,
    /// `SET name = value` options, e.g. `search_path`.
    pub config: BTreeMap<String, String>,
    pub body: Option<FunctionBody>,
    /// What the body reads and calls, filled in by `schema::functions::analyze`.
    pub analysis: BodyAnalysis,
    /// Roles with EXECUTE (`public` included by default, as in Postgres).
    pub execute: BTreeSet<String>,
    pub created: Option<Anchor>,
    pub changed: Option<Anchor>,
    pub dropped: bool,
}

impl Function {
    /// `schema.name(argtypes)`, the form used in findings.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.arg_types.join(", "))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Publication {
    pub name: String,
    pub all_tables: bool,
    /// Member tables and the statement that added each.
    pub tables: Vec<(RelRef, Option<Anchor>)>,
    /// Schemas published with `FOR TABLES IN SCHEMA`.
    pub schemas: Vec<(String, Option<Anchor>)>,
    pub created: Option<Anchor>,
}

/// Something the model could not know, e.g. the effects of a `DO` block.
#[derive(Clone, Debug)]
pub struct ModelNote {
    pub anchor: Anchor,
    pub message: String,
}

/// The whole model.
#[derive(Debug, Default)]
pub struct Model {
    pub relations: Vec<Relation>,
    pub functions: Vec<Function>,
    pub publications: BTreeMap<String, Publication>,
    /// Schemas created by the migrations, with the statement that created each.
    pub schemas: BTreeMap<String, Option<Anchor>>,
    pub notes: Vec<ModelNote>,
    /// `ALTER DEFAULT PRIVILEGES [IN SCHEMA s] GRANT|REVOKE EXECUTE ON FUNCTIONS ...`, in order:
    /// (schema or `None` for all, role, granted).
    pub default_function_execute: Vec<(Option<String>, String, bool)>,
    /// Versions recorded in the database's migration history (live models only).
    pub history: Option<Vec<String>>,
    relation_names: HashMap<QualName, RelId>,
    function_names: HashMap<QualName, Vec<FuncId>>,
    /// Index name (schema-qualified) -> the relation it is on.
    index_names: HashMap<QualName, RelId>,
}

impl Model {
    pub fn relation_id(&self, name: &QualName) -> Option<RelId> {
        self.relation_names.get(name).copied()
    }

    pub fn relation(&self, name: &QualName) -> Option<&Relation> {
        self.relation_id(name).map(|id| &self.relations[id])
    }

    /// Relations that exist at the end (not dropped), in creation order.
    pub fn live_relations(&self) -> impl Iterator<Item = (RelId, &Relation)> {
        self.relations
            .iter()
            .enumerate()
            .filter(|(_, relation)| !relation.dropped)
    }

    /// Functions that exist at the end, in creation order.
    pub fn live_functions(&self) -> impl Iterator<Item = (FuncId, &Function)> {
        self.functions
            .iter()
            .enumerate()
            .filter(|(_, function)| !function.dropped)
    }

    /// Live relations in any of `schemas`.
    pub fn relations_in(&self, schemas: &[&str]) -> Vec<RelId> {
        self.live_relations()
            .filter(|(_, r)| schemas.contains(&r.name.schema.as_str()))
            .map(|(id, _)| id)
            .collect()
    }

    /// Live functions in any of `schemas`.
    pub fn functions_in(&self, schemas: &[&str]) -> Vec<FuncId> {
        self.live_functions()
            .filter(|(_, f)| schemas.contains(&f.name.schema.as_str()))
            .map(|(id, _)| id)
            .collect()
    }

    pub fn functions_named(&self, name: &QualName) -> &[FuncId] {
        self.function_names.get(name).map_or(&[], Vec::as_slice)
    }

    /// The name of a relation reference, whether known or not.
    pub fn rel_name<'m>(&'m self, reference: &'m RelRef) -> &'m QualName {
        match reference {
            RelRef::Known(id) => &self.relations[*id].name,
            RelRef::Unknown(name) => name,
        }
    }

    pub fn index_relation(&self, index: &QualName) -> Option<RelId> {
        self.index_names.get(index).copied()
    }

    pub fn add_relation(&mut self, relation: Relation) -> RelId {
        let id = self.relations.len();
        self.relation_names.insert(relation.name.clone(), id);
        self.relations.push(relation);
        id
    }

    pub fn rename_relation(&mut self, id: RelId, new_name: QualName) {
        let old = std::mem::replace(&mut self.relations[id].name, new_name.clone());
        if self.relation_names.get(&old) == Some(&id) {
            self.relation_names.remove(&old);
        }
        self.relation_names.insert(new_name.clone(), id);
        // Indexes move with their table to its schema.
        if old.schema != new_name.schema {
            let names: Vec<String> = self.relations[id]
                .indexes
                .iter()
                .map(|index| index.name.clone())
                .collect();
            for name in names {
                self.index_names
                    .remove(&QualName::new(old.schema.clone(), name.clone()));
                self.index_names
                    .insert(QualName::new(new_name.schema.clone(), name), id);
            }
        }
    }

    pub fn drop_relation(&mut self, id: RelId) {
        let relation = &mut self.relations[id];
        relation.dropped = true;
        let name = relation.name.clone();
        let schema = name.schema.clone();
        let index_names: Vec<String> = relation
            .indexes
            .iter()
            .map(|index| index.name.clone())
            .collect();
        if self.relation_names.get(&name) == Some(&id) {
            self.relation_names.remove(&name);
        }
        for index in index_names {
            self.index_names
                .remove(&QualName::new(schema.clone(), index));
        }
    }

    pub fn add_index(&mut self, id: RelId, index: Index) {
        let schema = self.relations[id].name.schema.clone();
        self.index_names
            .insert(QualName::new(schema, index.name.clone()), id);
        self.relations[id].indexes.push(index);
    }

    /// Removes an index by name from its relation; returns whether it existed.
    pub fn remove_index(&mut self, id: RelId, name: &str) -> bool {
        let schema = self.relations[id].name.schema.clone();
        self.index_names
            .remove(&QualName::new(schema, name.to_owned()));
        let indexes = &mut self.relations[id].indexes;
        let before = indexes.len();
        indexes.retain(|index| index.name != name);
        before != indexes.len()
    }

    pub fn rename_index(&mut self, id: RelId, old: &str, new: &str) {
        let schema = self.relations[id].name.schema.clone();
        self.index_names
            .remove(&QualName::new(schema.clone(), old.to_owned()));
        self.index_names
            .insert(QualName::new(schema, new.to_owned()), id);
        for index in &mut self.relations[id].indexes {
            if index.name == old {
                index.name = new.to_owned();
            }
        }
    }

    pub fn add_function(&mut self, function: Function) -> FuncId {
        let id = self.functions.len();
        self.function_names
            .entry(function.name.clone())
            .or_default()
            .push(id);
        self.functions.push(function);
        id
    }

    pub fn rename_function(&mut self, id: FuncId, new_name: QualName) {
        let old = std::mem::replace(&mut self.functions[id].name, new_name.clone());
        if let Some(ids) = self.function_names.get_mut(&old) {
            ids.retain(|other| *other != id);
        }
        self.function_names.entry(new_name).or_default().push(id);
    }

    pub fn drop_function(&mut self, id: FuncId) {
        self.functions[id].dropped = true;
        let name = self.functions[id].name.clone();
        if let Some(ids) = self.function_names.get_mut(&name) {
            ids.retain(|other| *other != id);
        }
    }
}
