//! Expression normalisation for drift: the same expression written in a migration and read
//! back from the catalog with `pg_get_expr` must compare equal, although Postgres rewrites it
//! (`(select auth.uid())` becomes `( SELECT auth.uid() AS uid)`, literals gain casts, `IN
//! (...)` becomes `= ANY (ARRAY[...])`, names gain their schema).
//!
//! The normalised form drops: type casts, column qualifiers, relation aliases, output names of
//! sub-select columns, `public`/`pg_catalog` on functions, and it qualifies relations with
//! `public`, turns `IN` lists into `= ANY (ARRAY[...])`, `BETWEEN` into two comparisons, and
//! flattens nested `AND`/`OR`. It recurses, bounded at `MAX_DEPTH` levels (deeper trees are
//! compared as they are), so hostile input cannot overflow the stack.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, AExprKind, BoolExprType, Node};

use crate::ast;

const MAX_DEPTH: usize = 500;

/// A comparable fingerprint of an expression: its normalised shape.
pub fn expression_key(node: &Node) -> String {
    let mut copy = node.clone();
    normalize(&mut copy, 0);
    ast::shape(&copy)
}

fn normalize(node: &mut Node, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    // Replace casts by their argument (repeatedly: `x::text::varchar`).
    while let Some(NodeEnum::TypeCast(cast)) = node.node.as_mut() {
        match cast.arg.take() {
            Some(arg) => *node = *arg,
            None => break,
        }
    }
    let Some(inner) = node.node.as_mut() else {
        return;
    };
    let next = depth + 1;
    let each = |nodes: &mut Vec<Node>| nodes.iter_mut().for_each(|child| normalize(child, next));
    let one = |child: &mut Option<Box<Node>>| {
        if let Some(child) = child.as_deref_mut() {
            normalize(child, next);
        }
    };
    match inner {
        NodeEnum::ColumnRef(column) if column.fields.len() > 1 => {
            let last = column.fields.pop();
            column.fields = last.into_iter().collect();
        }
        NodeEnum::RangeVar(range) => {
            if range.schemaname.is_empty() {
                range.schemaname = "public".to_owned();
            }
            range.alias = None;
        }
        NodeEnum::FuncCall(call) => {
            if call.funcname.len() == 2
                && matches!(call.funcname[0].node.as_ref(), Some(NodeEnum::String(s)) if s.sval == "public" || s.sval == "pg_catalog")
            {
                call.funcname.remove(0);
            }
            each(&mut call.args);
            each(&mut call.agg_order);
            one(&mut call.agg_filter);
        }
        NodeEnum::AExpr(expr) => {
            one(&mut expr.lexpr);
            one(&mut expr.rexpr);
            match expr.kind() {
                AExprKind::AexprIn => {
                    let negated = crate::schema::names::string_parts(&expr.name) == ["<>"];
                    if let Some(NodeEnum::List(list)) =
                        expr.rexpr.as_deref_mut().and_then(|r| r.node.as_mut())
                    {
                        let elements = std::mem::take(&mut list.items);
                        let array = protobuf::AArrayExpr {
                            elements,
                            list_start: 0,
                            list_end: 0,
                            location: 0,
                        };
                        expr.rexpr = Some(Box::new(Node {
                            node: Some(NodeEnum::AArrayExpr(array)),
                        }));
                        expr.kind = if negated {
                            AExprKind::AexprOpAll as i32
                        } else {
                            AExprKind::AexprOpAny as i32
                        };
                    }
                }
                AExprKind::AexprBetween => {
                    if let Some(NodeEnum::List(list)) =
                        expr.rexpr.as_deref().and_then(|r| r.node.as_ref())
                        && list.items.len() == 2
                        && let Some(left) = expr.lexpr.as_deref()
                    {
                        let compare = |operator: &str, right: &Node| Node {
                            node: Some(NodeEnum::AExpr(Box::new(protobuf::AExpr {
                                kind: AExprKind::AexprOp as i32,
                                name: vec![Node {
                                    node: Some(NodeEnum::String(protobuf::String {
                                        sval: operator.to_owned(),
                                    })),
                                }],
                                lexpr: Some(Box::new(left.clone())),
                                rexpr: Some(Box::new(right.clone())),
                                ..Default::default()
                            }))),
                        };
                        let and = protobuf::BoolExpr {
                            boolop: BoolExprType::AndExpr as i32,
                            args: vec![
                                compare(">=", &list.items[0]),
                                compare("<=", &list.items[1]),
                            ],
                            ..Default::default()
                        };
                        *node = Node {
                            node: Some(NodeEnum::BoolExpr(Box::new(and))),
                        };
                    }
                }
                _ => {}
            }
        }
        NodeEnum::BoolExpr(expr) => {
            each(&mut expr.args);
            let op = expr.boolop;
            if op != BoolExprType::NotExpr as i32 {
                let mut flat = Vec::with_capacity(expr.args.len());
                for arg in std::mem::take(&mut expr.args) {
                    match arg.node {
                        Some(NodeEnum::BoolExpr(inner)) if inner.boolop == op => {
                            flat.extend(inner.args)
                        }
                        other => flat.push(Node { node: other }),
                    }
                }
                expr.args = flat;
            }
        }
        NodeEnum::SubLink(link) => {
            one(&mut link.testexpr);
            one(&mut link.subselect);
        }
        NodeEnum::SelectStmt(select) => normalize_select(select, next),
        NodeEnum::ResTarget(target) => {
            target.name.clear();
            one(&mut target.val);
        }
        NodeEnum::NullTest(test) => one(&mut test.arg),
        NodeEnum::BooleanTest(test) => one(&mut test.arg),
        NodeEnum::CaseExpr(case) => {
            one(&mut case.arg);
            each(&mut case.args);
            one(&mut case.defresult);
        }
        NodeEnum::CaseWhen(when) => {
            one(&mut when.expr);
            one(&mut when.result);
        }
        NodeEnum::CoalesceExpr(expr) => each(&mut expr.args),
        NodeEnum::MinMaxExpr(expr) => each(&mut expr.args),
        NodeEnum::AArrayExpr(array) => each(&mut array.elements),
        NodeEnum::RowExpr(row) => each(&mut row.args),
        NodeEnum::List(list) => each(&mut list.items),
        NodeEnum::AIndirection(indirection) => {
            one(&mut indirection.arg);
            each(&mut indirection.indirection);
        }
        NodeEnum::JoinExpr(join) => {
            one(&mut join.larg);
            one(&mut join.rarg);
            one(&mut join.quals);
            join.alias = None;
        }
        NodeEnum::RangeSubselect(sub) => {
            one(&mut sub.subquery);
            sub.alias = None;
        }
        NodeEnum::RangeFunction(function) => {
            each(&mut function.functions);
            function.alias = None;
        }
        NodeEnum::SortBy(sort) => one(&mut sort.node),
        NodeEnum::NamedArgExpr(arg) => one(&mut arg.arg),
        _ => {}
    }
}

fn normalize_select(select: &mut protobuf::SelectStmt, depth: usize) {
    let each = |nodes: &mut Vec<Node>| nodes.iter_mut().for_each(|child| normalize(child, depth));
    each(&mut select.target_list);
    each(&mut select.from_clause);
    each(&mut select.group_clause);
    each(&mut select.sort_clause);
    for child in [
        &mut select.where_clause,
        &mut select.having_clause,
        &mut select.limit_count,
        &mut select.limit_offset,
    ] {
        if let Some(child) = child.as_deref_mut() {
            normalize(child, depth);
        }
    }
    if let Some(left) = select.larg.as_deref_mut() {
        normalize_select(left, depth + 1);
    }
    if let Some(right) = select.rarg.as_deref_mut() {
        normalize_select(right, depth + 1);
    }
}

/// Parses an expression's text (as `pg_get_expr` prints it) into a tree.
pub fn parse_expression(text: &str) -> Option<Box<Node>> {
    let result = crate::parse::ffi::parse(&format!("select {text}")).ok()?;
    let statement = result.stmts.into_iter().next()?.stmt?;
    let NodeEnum::SelectStmt(mut select) = statement.node? else {
        return None;
    };
    if select.target_list.len() != 1 {
        return None;
    }
    match select.target_list.pop()?.node? {
        NodeEnum::ResTarget(target) => target.val,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> String {
        expression_key(&parse_expression(text).unwrap())
    }

    #[test]
    fn catalog_rewrites_compare_equal() {
        let pairs = [
            (
                "user_id = (select auth.uid())",
                "(user_id = ( SELECT auth.uid() AS uid))",
            ),
            (
                "auth.role() = 'authenticated'",
                "(auth.role() = 'authenticated'::text)",
            ),
            (
                "status in ('a', 'b')",
                "(status = ANY (ARRAY['a'::text, 'b'::text]))",
            ),
            (
                "org_id in (select org_id from members where user_id = auth.uid())",
                "(org_id IN ( SELECT members.org_id FROM public.members WHERE (members.user_id = auth.uid())))",
            ),
            (
                "exists (select 1 from members m where m.org = t.org)",
                "(EXISTS ( SELECT 1 FROM public.members m WHERE (m.org = t.org)))",
            ),
            ("a and b and c", "((a AND b) AND c)"),
            ("x between 1 and 5", "((x >= 1) AND (x <= 5))"),
            ("is_member(org)", "public.is_member(org)"),
            ("now()", "now()"),
            (
                "(auth.jwt() ->> 'role') = 'admin'",
                "((auth.jwt() ->> 'role'::text) = 'admin'::text)",
            ),
        ];
        for (written, stored) in pairs {
            assert_eq!(key(written), key(stored), "{written} vs {stored}");
        }
    }

    #[test]
    fn real_changes_differ() {
        assert_ne!(
            key("user_id = (select auth.uid())"),
            key("owner_id = (select auth.uid())")
        );
        assert_ne!(key("a and b"), key("a or b"));
        assert_ne!(key("x = 1"), key("x = 2"));
    }
}
