//! Policy analysis shared by every policy rule (and by live mode, whose policies come from
//! `pg_get_expr` text): effective expressions per command, role expansion, auth calls and
//! whether they are wrapped, constant truth, column references resolved to the policy's table,
//! and calls resolved to schema-qualified names.

use pg_query::NodeEnum;
use pg_query::NodeRef;
use pg_query::protobuf::{self, FuncCall, Node};

use crate::ast;
use crate::config::Config;
use crate::schema::names::string_parts;
use crate::schema::{Expr, Model, Policy, PolicyCommand, QualName, Relation};

/// The built-in auth functions: Supabase's helpers and `current_setting`.
const AUTH_FUNCTIONS: &[(&str, &str)] = &[
    ("auth", "uid"),
    ("auth", "jwt"),
    ("auth", "role"),
    ("auth", "email"),
    ("pg_catalog", "current_setting"),
];

/// Built-in functions an unqualified call resolves to in `pg_catalog`, as Postgres's search
/// path puts `pg_catalog` first. Only the ones policy rules care about are listed.
const CATALOG_FUNCTIONS: &[&str] = &[
    "current_setting",
    "current_user",
    "session_user",
    "coalesce",
    "nullif",
];

/// A call's schema-qualified name: qualified calls as written; unqualified ones in
/// `pg_catalog` for the built-ins above, else `public`, as the default search path resolves them.
pub fn resolve_call(call: &FuncCall) -> QualName {
    resolve_function_name(&ast::func_name(call))
}

/// [`resolve_call`] for name parts.
pub fn resolve_function_name(parts: &[&str]) -> QualName {
    match parts {
        [.., schema, name] => QualName::new(*schema, *name),
        [name] if CATALOG_FUNCTIONS.contains(name) => QualName::new("pg_catalog", *name),
        [name] => QualName::new("public", *name),
        [] => QualName::new("", ""),
    }
}

/// Whether a call is an auth function: `auth.uid()`, `auth.jwt()`, `auth.role()`,
/// `auth.email()`, `current_setting(...)`, or one of `auth_functions` in the config.
pub fn is_auth_function(call: &FuncCall, config: &Config) -> bool {
    is_auth_name(&resolve_call(call), config)
}

/// Whether a call reads the caller's identity: an auth function, or a function defined in the
/// migrations whose body calls one (a helper such as `get_my_id()` wrapping `auth.uid()`).
pub fn is_identity_call(call: &FuncCall, model: &Model, config: &Config) -> bool {
    if is_auth_function(call, config) {
        return true;
    }
    let name = resolve_call(call);
    model.functions_named(&name).iter().any(|id| {
        model.functions[*id]
            .analysis
            .calls
            .iter()
            .any(|callee| is_auth_name(callee, config))
    })
}

/// Whether a qualified name is an auth function.
pub fn is_auth_name(name: &QualName, config: &Config) -> bool {
    AUTH_FUNCTIONS
        .iter()
        .any(|(schema, function)| name.is(schema, function))
        || config.auth_functions.contains(name)
}

/// An auth function call found in an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthCall {
    /// As written, e.g. `auth.uid`.
    pub name: String,
    /// Parser location of the call.
    pub location: i32,
}

/// The first (in source order) auth function call not inside a sub-select.
pub fn first_unwrapped_auth_call(expr: &Expr, config: &Config) -> Option<AuthCall> {
    let tree = expr.tree();
    let mut found: Option<AuthCall> = None;
    ast::walk(&tree, |visit| {
        if let NodeRef::FuncCall(call) = visit.node
            && visit.sublink_depth == 0
            && is_auth_function(call, config)
            && found
                .as_ref()
                .is_none_or(|first| call.location < first.location)
        {
            found = Some(AuthCall {
                name: ast::func_name(call).join("."),
                location: call.location,
            });
        }
    });
    found
}

/// The expressions Postgres applies for a policy, by the rules of `CREATE POLICY`: USING for
/// SELECT/UPDATE/DELETE/ALL; WITH CHECK for INSERT/UPDATE/ALL, where UPDATE and ALL fall back
/// to USING when WITH CHECK is absent.
#[derive(Clone, Copy, Debug)]
pub struct Effective<'p> {
    /// `None` when the command has no USING (INSERT).
    pub using: Option<&'p Expr>,
    /// `None` when the command has no WITH CHECK (SELECT, DELETE), or when an INSERT policy
    /// has none (then `check_allows_all` is set).
    pub check: Option<&'p Expr>,
    /// An INSERT policy without WITH CHECK: every row may be inserted.
    pub check_allows_all: bool,
}

impl<'p> Effective<'p> {
    pub fn of(policy: &'p Policy) -> Self {
        let applies_using = matches!(
            policy.command,
            PolicyCommand::Select
                | PolicyCommand::Update
                | PolicyCommand::Delete
                | PolicyCommand::All
        );
        let applies_check = matches!(
            policy.command,
            PolicyCommand::Insert | PolicyCommand::Update | PolicyCommand::All
        );
        let using = if applies_using {
            policy.using.as_ref()
        } else {
            None
        };
        let check = if applies_check {
            policy.with_check.as_ref().or(using)
        } else {
            None
        };
        Effective {
            using,
            check,
            check_allows_all: applies_check && check.is_none(),
        }
    }

    /// The distinct expressions in force (WITH CHECK only when it differs from USING).
    pub fn expressions(&self) -> Vec<&'p Expr> {
        let mut expressions: Vec<&'p Expr> = self.using.into_iter().collect();
        if let Some(check) = self.check
            && !self.using.is_some_and(|using| std::ptr::eq(using, check))
        {
            expressions.push(check);
        }
        expressions
    }
}

/// Whether a policy applies to an API role (`anon`, `authenticated`, or PUBLIC, which is both),
/// ignoring privileged roles.
pub fn applies_to_api_role(policy: &Policy, config: &Config) -> bool {
    policy.roles.iter().any(|role| {
        matches!(role.as_str(), "public" | "anon" | "authenticated") && !config.is_privileged(role)
    })
}

/// The API roles a policy applies to: PUBLIC expands to `anon` and `authenticated`.
pub fn api_roles(policy: &Policy) -> Vec<&'static str> {
    let mut roles = Vec::new();
    for role in &policy.roles {
        match role.as_str() {
            "public" => roles.extend(["anon", "authenticated"]),
            "anon" => roles.push("anon"),
            "authenticated" => roles.push("authenticated"),
            _ => {}
        }
    }
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// A permissive policy for an API role that does not admit only privileged roles through its
/// expression: the policies the isolation rules judge.
///
/// A policy whose expressions are all constant false (`using (false)`, a deny-all policy)
/// admits no row, so it is not judged either.
pub fn is_isolation_relevant(policy: &Policy, config: &Config) -> bool {
    if !policy.permissive || !applies_to_api_role(policy, config) {
        return false;
    }
    let effective = Effective::of(policy);
    let trees: Vec<Node> = effective
        .expressions()
        .iter()
        .map(|expr| expr.tree())
        .collect();
    let denies_all =
        !effective.check_allows_all && !trees.is_empty() && trees.iter().all(is_constant_false);
    !denies_all
        && !trees
            .iter()
            .any(|tree| admits_only_privileged(tree, config))
}

/// Whether an expression requires the caller's role to be a privileged role: one of its
/// top-level AND terms compares `auth.role()`, `auth.jwt() ->> 'role'` or
/// `current_setting('request.jwt.claims', ...)::json ->> 'role'` for equality with a privileged
/// role's name.
pub fn admits_only_privileged(node: &Node, config: &Config) -> bool {
    and_terms(node).into_iter().any(|term| {
        let NodeEnum::AExpr(expr) = term else {
            return false;
        };
        if !is_equality(expr) {
            return false;
        }
        let (Some(left), Some(right)) = (expr.lexpr.as_deref(), expr.rexpr.as_deref()) else {
            return false;
        };
        let pair = |role_side: &Node, literal_side: &Node| {
            is_role_claim(role_side, config)
                && string_literal(literal_side).is_some_and(|role| config.is_privileged(role))
        };
        pair(left, right) || pair(right, left)
    })
}

/// The terms of a top-level AND (the expression itself when it is not an AND).
pub fn and_terms(node: &Node) -> Vec<&NodeEnum> {
    let mut terms = Vec::new();
    let mut stack: Vec<&NodeEnum> = node.node.as_ref().into_iter().collect();
    while let Some(current) = stack.pop() {
        match current {
            NodeEnum::BoolExpr(expr) if expr.boolop() == protobuf::BoolExprType::AndExpr => {
                stack.extend(expr.args.iter().rev().filter_map(|arg| arg.node.as_ref()));
            }
            other => terms.push(other),
        }
    }
    terms
}

fn is_equality(expr: &protobuf::AExpr) -> bool {
    expr.kind() == protobuf::AExprKind::AexprOp && string_parts(&expr.name).last() == Some(&"=")
}

/// `auth.role()`, `(select auth.role())`, `auth.jwt() ->> 'role'`, or
/// `current_setting('request.jwt.claims', true)::json ->> 'role'`.
fn is_role_claim(node: &Node, config: &Config) -> bool {
    let Some(inner) = unwrap_scalar_subselect(node) else {
        return false;
    };
    match ast::strip_casts(inner) {
        NodeEnum::FuncCall(call) => resolve_call(call).is("auth", "role"),
        NodeEnum::AExpr(expr) => {
            let operator = string_parts(&expr.name);
            let is_field = matches!(operator.as_slice(), ["->>"] | ["->"]);
            is_field
                && expr.rexpr.as_deref().and_then(string_literal) == Some("role")
                && expr
                    .lexpr
                    .as_deref()
                    .is_some_and(|left| reads_jwt_claims(left, config))
        }
        _ => false,
    }
}

/// Whether an expression calls `auth.jwt()` or `current_setting('request.jwt.claim(s)', ...)`.
pub fn reads_jwt_claims(node: &Node, _config: &Config) -> bool {
    let mut found = false;
    ast::walk(node, |visit| {
        if let NodeRef::FuncCall(call) = visit.node {
            let name = resolve_call(call);
            if name.is("auth", "jwt")
                || (name.is("pg_catalog", "current_setting")
                    && call
                        .args
                        .first()
                        .and_then(string_literal)
                        .is_some_and(|s| s.starts_with("request.jwt.claim")))
            {
                found = true;
            }
        }
    });
    found
}

/// `(select x)` -> `x`; anything else as it is.
fn unwrap_scalar_subselect(node: &Node) -> Option<&NodeEnum> {
    let inner = node.node.as_ref()?;
    if let NodeEnum::SubLink(link) = inner
        && let Some(NodeEnum::SelectStmt(select)) =
            link.subselect.as_deref().and_then(|s| s.node.as_ref())
        && select.from_clause.is_empty()
        && select.target_list.len() == 1
        && let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.as_ref()
    {
        return target.val.as_deref().and_then(|value| value.node.as_ref());
    }
    Some(inner)
}

/// A string literal's value, through casts.
pub fn string_literal(node: &Node) -> Option<&str> {
    match node.node.as_ref().map(ast::strip_casts) {
        Some(NodeEnum::AConst(constant)) => match &constant.val {
            Some(protobuf::a_const::Val::Sval(s)) => Some(&s.sval),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an expression is constant true: `true`, `'t'`/`'true'`/`'on'`/`'yes'`/`'1'` cast to
/// boolean, or a comparison of two equal constants (`1 = 1`), after stripping casts and
/// parentheses (which the parser already drops).
pub fn is_constant_true(node: &Node) -> bool {
    constant_truth(node) == Some(true)
}

/// Whether an expression is constant false: `false`, `'f'::boolean`, a comparison of two
/// different constants (`1 = 0`), an AND with a false term or an OR of false terms.
pub fn is_constant_false(node: &Node) -> bool {
    constant_truth(node) == Some(false)
}

/// The value of an expression that does not depend on the row, if it has one: three-valued,
/// `None` when it depends on anything (a column, a call).
fn constant_truth(node: &Node) -> Option<bool> {
    let inner = node.node.as_ref().map(ast::strip_casts)?;
    match inner {
        NodeEnum::AConst(constant) => match constant.val.as_ref()? {
            protobuf::a_const::Val::Boolval(value) => Some(value.boolval),
            // A string is a boolean only when cast to one.
            protobuf::a_const::Val::Sval(text)
                if matches!(node.node.as_ref(), Some(NodeEnum::TypeCast(_))) =>
            {
                match text.sval.to_ascii_lowercase().as_str() {
                    "t" | "true" | "on" | "yes" | "y" | "1" => Some(true),
                    "f" | "false" | "off" | "no" | "n" | "0" => Some(false),
                    _ => None,
                }
            }
            _ => None,
        },
        NodeEnum::AExpr(expr) if is_equality(expr) => {
            let left = expr.lexpr.as_deref().and_then(constant_value)?;
            let right = expr.rexpr.as_deref().and_then(constant_value)?;
            Some(left == right)
        }
        NodeEnum::BoolExpr(expr) => {
            let values: Vec<Option<bool>> = expr.args.iter().map(constant_truth).collect();
            match expr.boolop() {
                protobuf::BoolExprType::AndExpr if values.contains(&Some(false)) => Some(false),
                protobuf::BoolExprType::AndExpr => {
                    values.iter().all(|v| *v == Some(true)).then_some(true)
                }
                protobuf::BoolExprType::OrExpr if values.contains(&Some(true)) => Some(true),
                protobuf::BoolExprType::OrExpr => {
                    values.iter().all(|v| *v == Some(false)).then_some(false)
                }
                protobuf::BoolExprType::NotExpr => {
                    values.first().copied().flatten().map(|value| !value)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A constant's value as text, through casts (`1`, `'a'`, `true`).
fn constant_value(node: &Node) -> Option<String> {
    match node.node.as_ref().map(ast::strip_casts)? {
        NodeEnum::AConst(constant) => match constant.val.as_ref()? {
            protobuf::a_const::Val::Ival(value) => Some(value.ival.to_string()),
            protobuf::a_const::Val::Fval(value) => Some(value.fval.clone()),
            protobuf::a_const::Val::Sval(value) => Some(format!("'{}'", value.sval)),
            protobuf::a_const::Val::Boolval(value) => Some(value.boolval.to_string()),
            protobuf::a_const::Val::Bsval(value) => Some(value.bsval.clone()),
        },
        _ => None,
    }
}

/// A column reference in a policy expression that refers to the policy's own table: outside
/// every sub-select, or inside one but qualified with the table's name.
#[derive(Clone, Copy, Debug)]
pub struct OwnColumn<'e> {
    pub name: &'e str,
    pub location: i32,
}

/// The column references of an expression that refer to the policy's table.
pub fn own_columns<'e>(node: &'e Node, table: &Relation) -> Vec<OwnColumn<'e>> {
    let mut columns = Vec::new();
    ast::walk(node, |visit| {
        if let NodeRef::ColumnRef(column) = visit.node
            && let Some(name) = own_column_name(column, visit.sublink_depth, table)
        {
            columns.push(OwnColumn {
                name,
                location: column.location,
            });
        }
    });
    columns
}

fn own_column_name<'e>(
    column: &'e protobuf::ColumnRef,
    sublink_depth: u32,
    table: &Relation,
) -> Option<&'e str> {
    let parts = string_parts(&column.fields);
    let (qualifier, name) = match parts.as_slice() {
        [name] => (None, *name),
        [.., qualifier, name] => (Some(*qualifier), *name),
        [] => return None,
    };
    let qualified_with_table = qualifier == Some(table.name.name.as_str());
    if qualified_with_table || (sublink_depth == 0 && qualifier.is_none()) {
        Some(name)
    } else {
        None
    }
}

/// Whether an expression compares a column of the policy's table (`=`, `IN`, `= ANY`) with a
/// call that reads the caller's identity: `id = (select auth.uid())`.
pub fn compares_own_column_with_identity(
    node: &Node,
    table: &Relation,
    model: &Model,
    config: &Config,
) -> bool {
    let mut found = false;
    ast::walk(node, |visit| {
        let NodeRef::AExpr(expr) = visit.node else {
            return;
        };
        let (Some(left), Some(right)) = (expr.lexpr.as_deref(), expr.rexpr.as_deref()) else {
            return;
        };
        let side_is_own_column = |side: &Node| match side.node.as_ref().map(ast::strip_casts) {
            Some(NodeEnum::ColumnRef(column)) => {
                own_column_name(column, visit.sublink_depth, table).is_some()
            }
            _ => false,
        };
        let side_reads_identity =
            |side: &Node| calls_any(side, |call| is_identity_call(call, model, config));
        if (side_is_own_column(left) && side_reads_identity(right))
            || (side_is_own_column(right) && side_reads_identity(left))
        {
            found = true;
        }
    });
    found
}

/// Whether any call in the expression satisfies `test`.
pub fn calls_any(node: &Node, mut test: impl FnMut(&FuncCall) -> bool) -> bool {
    let mut found = false;
    ast::walk(node, |visit| {
        if let NodeRef::FuncCall(call) = visit.node
            && !found
            && test(call)
        {
            found = true;
        }
    });
    found
}

/// Relations read inside sub-selects of an expression, as written (schema may be empty).
pub fn subselect_relations(node: &Node) -> Vec<&protobuf::RangeVar> {
    let mut relations = Vec::new();
    ast::walk(node, |visit| {
        if let NodeRef::RangeVar(range) = visit.node
            && visit.sublink_depth > 0
        {
            relations.push(range);
        }
    });
    relations
}

/// The file span of a policy's anchor for a finding: the policy's statement.
pub fn policy_object(table: &Relation, policy: &Policy) -> String {
    format!(
        "{}.{}",
        table.name,
        crate::schema::names::quote_ident(&policy.name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(sql: &str) -> Node {
        let result = crate::parse::ffi::parse(&format!("select {sql}")).unwrap();
        let Some(NodeEnum::SelectStmt(select)) =
            result.stmts[0].stmt.as_ref().and_then(|s| s.node.clone())
        else {
            panic!()
        };
        let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.clone() else {
            panic!()
        };
        *target.val.unwrap()
    }

    #[test]
    fn constant_truth() {
        for sql in [
            "true",
            "'t'::boolean",
            "'true'::bool",
            "1 = 1",
            "(1 = 1)",
            "'a' = 'a'",
            "true or x",
        ] {
            assert!(is_constant_true(&expr(sql)), "{sql}");
        }
        for sql in [
            "false",
            "'t'",
            "1 = 2",
            "x = x",
            "x",
            "auth.uid() is not null",
            "true and x",
        ] {
            assert!(!is_constant_true(&expr(sql)), "{sql}");
        }
    }

    #[test]
    fn constant_falsehood() {
        for sql in [
            "false",
            "'f'::boolean",
            "1 = 0",
            "false and x",
            "false or 1 = 2",
            "not true",
        ] {
            assert!(is_constant_false(&expr(sql)), "{sql}");
        }
        for sql in ["true", "x", "1 = 1", "false or x"] {
            assert!(!is_constant_false(&expr(sql)), "{sql}");
        }
    }

    #[test]
    fn privileged_role_checks() {
        let config = Config::default();
        for sql in [
            "auth.role() = 'service_role'",
            "(select auth.role()) = 'service_role' and x = 1",
            "(auth.jwt() ->> 'role') = 'service_role'",
            "current_setting('request.jwt.claims', true)::json ->> 'role' = 'service_role'",
        ] {
            assert!(admits_only_privileged(&expr(sql), &config), "{sql}");
        }
        for sql in [
            "auth.role() = 'authenticated'",
            "auth.role() = 'service_role' or true",
        ] {
            assert!(!admits_only_privileged(&expr(sql), &config), "{sql}");
        }
    }
}
