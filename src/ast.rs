//! Walking parse trees: one iterative walk (no recursion, so no stack overflow on deeply
//! nested input) that every rule and the fold share.
//!
//! `pg_query` offers `nodes()`, but it visits a hand-picked subset and allocates a queue per
//! call; this walk covers every node kind that occurs in expressions, queries and DML, and
//! tracks whether a node sits inside a sub-select (`SubLink`), which policy rules need.

use pg_query::protobuf::{self, Node, RangeVar};
use pg_query::{NodeEnum, NodeRef};

/// A node reached by a walk.
#[derive(Clone, Copy, Debug)]
pub struct Visit<'a> {
    pub node: NodeRef<'a>,
    /// How many sub-selects (`SubLink`s: `(select ...)`, `exists (...)`, `x in (select ...)`)
    /// enclose this node.
    pub sublink_depth: u32,
}

/// Visits `root` and every node below it, parents before children, children in source order.
pub fn walk<'a>(root: &'a Node, mut visit: impl FnMut(Visit<'a>)) {
    let Some(root) = root.node.as_ref() else {
        return;
    };
    walk_ref(root.to_ref(), &mut visit);
}

/// Like [`walk`], from a node reference.
pub fn walk_ref<'a>(root: NodeRef<'a>, visit: &mut impl FnMut(Visit<'a>)) {
    let mut stack = vec![Visit {
        node: root,
        sublink_depth: 0,
    }];
    let mut children = Vec::new();
    while let Some(current) = stack.pop() {
        visit(current);
        push_children(current.node, &mut children);
        for (child, enters_sublink) in children.drain(..).rev() {
            let sublink_depth = current.sublink_depth + u32::from(enters_sublink);
            stack.push(Visit {
                node: child,
                sublink_depth,
            });
        }
    }
}

/// The direct children of a node; `true` marks a child inside a new sub-select.
fn push_children<'a>(node: NodeRef<'a>, out: &mut Vec<(NodeRef<'a>, bool)>) {
    let mut add = |child: Option<&'a Node>| {
        if let Some(inner) = child.and_then(|child| child.node.as_ref()) {
            out.push((inner.to_ref(), false));
        }
    };
    macro_rules! each {
        ($list:expr) => {
            for child in $list.iter() {
                add(Some(child));
            }
        };
    }
    match node {
        NodeRef::AExpr(e) => {
            add(e.lexpr.as_deref());
            add(e.rexpr.as_deref());
        }
        NodeRef::BoolExpr(e) => each!(e.args),
        NodeRef::FuncCall(e) => {
            each!(e.args);
            each!(e.agg_order);
            add(e.agg_filter.as_deref());
        }
        NodeRef::TypeCast(e) => add(e.arg.as_deref()),
        NodeRef::NullTest(e) => add(e.arg.as_deref()),
        NodeRef::BooleanTest(e) => add(e.arg.as_deref()),
        NodeRef::CaseExpr(e) => {
            add(e.arg.as_deref());
            each!(e.args);
            add(e.defresult.as_deref());
        }
        NodeRef::CaseWhen(e) => {
            add(e.expr.as_deref());
            add(e.result.as_deref());
        }
        NodeRef::CoalesceExpr(e) => each!(e.args),
        NodeRef::MinMaxExpr(e) => each!(e.args),
        NodeRef::AArrayExpr(e) => each!(e.elements),
        NodeRef::RowExpr(e) => each!(e.args),
        NodeRef::AIndirection(e) => {
            add(e.arg.as_deref());
            each!(e.indirection);
        }
        NodeRef::AIndices(e) => {
            add(e.lidx.as_deref());
            add(e.uidx.as_deref());
        }
        NodeRef::NamedArgExpr(e) => add(e.arg.as_deref()),
        NodeRef::CollateClause(e) => add(e.arg.as_deref()),
        NodeRef::List(e) => each!(e.items),
        NodeRef::ResTarget(e) => {
            add(e.val.as_deref());
            each!(e.indirection);
        }
        NodeRef::SortBy(e) => add(e.node.as_deref()),
        NodeRef::GroupingSet(e) => each!(e.content),
        NodeRef::SubLink(e) => {
            add(e.testexpr.as_deref());
            if let Some(inner) = e.subselect.as_deref().and_then(|child| child.node.as_ref()) {
                out.push((inner.to_ref(), true));
            }
        }
        NodeRef::SelectStmt(s) => push_select(s, out),
        NodeRef::RangeSubselect(e) => add(e.subquery.as_deref()),
        NodeRef::RangeFunction(e) => each!(e.functions),
        NodeRef::JoinExpr(e) => {
            add(e.larg.as_deref());
            add(e.rarg.as_deref());
            add(e.quals.as_deref());
        }
        NodeRef::CommonTableExpr(e) => add(e.ctequery.as_deref()),
        NodeRef::WithClause(e) => each!(e.ctes),
        NodeRef::InsertStmt(s) => {
            push_with(s.with_clause.as_ref(), out);
            push_relation(s.relation.as_ref(), out);
            let mut add = |child: Option<&'a Node>| {
                if let Some(inner) = child.and_then(|child| child.node.as_ref()) {
                    out.push((inner.to_ref(), false));
                }
            };
            add(s.select_stmt.as_deref());
            if let Some(conflict) = s.on_conflict_clause.as_deref() {
                for target in &conflict.target_list {
                    add(Some(target));
                }
                add(conflict.where_clause.as_deref());
            }
            if let Some(returning) = &s.returning_clause {
                for expr in &returning.exprs {
                    add(Some(expr));
                }
            }
        }
        NodeRef::UpdateStmt(s) => {
            push_with(s.with_clause.as_ref(), out);
            push_relation(s.relation.as_ref(), out);
            push_nodes(&s.target_list, out);
            push_nodes(&s.from_clause, out);
            push_nodes(s.where_clause.as_deref(), out);
        }
        NodeRef::DeleteStmt(s) => {
            push_with(s.with_clause.as_ref(), out);
            push_relation(s.relation.as_ref(), out);
            push_nodes(&s.using_clause, out);
            push_nodes(s.where_clause.as_deref(), out);
        }
        NodeRef::ReturnStmt(s) => add(s.returnval.as_deref()),
        NodeRef::JsonValueExpr(e) => add(e.raw_expr.as_deref()),
        NodeRef::WindowDef(e) => {
            each!(e.partition_clause);
            each!(e.order_clause);
        }
        _ => {}
    }
}

fn push_nodes<'a>(nodes: impl IntoIterator<Item = &'a Node>, out: &mut Vec<(NodeRef<'a>, bool)>) {
    for node in nodes {
        if let Some(inner) = node.node.as_ref() {
            out.push((inner.to_ref(), false));
        }
    }
}

fn push_relation<'a>(relation: Option<&'a RangeVar>, out: &mut Vec<(NodeRef<'a>, bool)>) {
    if let Some(relation) = relation {
        out.push((NodeRef::RangeVar(relation), false));
    }
}

fn push_with<'a>(with: Option<&'a protobuf::WithClause>, out: &mut Vec<(NodeRef<'a>, bool)>) {
    if let Some(with) = with {
        out.push((NodeRef::WithClause(with), false));
    }
}

fn push_select<'a>(s: &'a protobuf::SelectStmt, out: &mut Vec<(NodeRef<'a>, bool)>) {
    push_with(s.with_clause.as_ref(), out);
    if let Some(larg) = s.larg.as_deref() {
        out.push((NodeRef::SelectStmt(larg), false));
    }
    if let Some(rarg) = s.rarg.as_deref() {
        out.push((NodeRef::SelectStmt(rarg), false));
    }
    push_nodes(&s.distinct_clause, out);
    push_nodes(&s.target_list, out);
    push_nodes(&s.from_clause, out);
    push_nodes(s.where_clause.as_deref(), out);
    push_nodes(&s.group_clause, out);
    push_nodes(s.having_clause.as_deref(), out);
    push_nodes(&s.values_lists, out);
    push_nodes(&s.sort_clause, out);
    push_nodes(s.limit_offset.as_deref(), out);
    push_nodes(s.limit_count.as_deref(), out);
}

/// The relations a query reads: every `RangeVar` except references to its own CTEs.
pub fn relations_read(query: &Node) -> Vec<&RangeVar> {
    let mut cte_names = Vec::new();
    let mut relations = Vec::new();
    walk(query, |visit| match visit.node {
        NodeRef::CommonTableExpr(cte) => cte_names.push(cte.ctename.as_str()),
        NodeRef::RangeVar(range) => relations.push(range),
        _ => {}
    });
    relations.retain(|range| {
        !(range.schemaname.is_empty() && cte_names.contains(&range.relname.as_str()))
    });
    relations
}

/// A function call's name parts, e.g. `["auth", "uid"]`.
pub fn func_name(call: &protobuf::FuncCall) -> Vec<&str> {
    crate::schema::names::string_parts(&call.funcname)
}

/// A parse tree's structure as text with every source position removed, so the same
/// expression written in two places has the same shape. (`prost` types compare positions too,
/// and a position-blind walk over all 270 node kinds would repeat their Debug output.)
pub fn shape(node: &Node) -> String {
    const POSITION_FIELDS: [&str; 5] = [
        "location: ",
        "list_start: ",
        "list_end: ",
        "rexpr_list_start: ",
        "rexpr_list_end: ",
    ];
    let debug = format!("{node:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some((index, field)) = POSITION_FIELDS
        .iter()
        .filter_map(|field| rest.find(field).map(|index| (index, field)))
        .min()
    {
        out.push_str(&rest[..index]);
        let after = &rest[index + field.len()..];
        let digits = after
            .find(|c: char| !(c.is_ascii_digit() || c == '-'))
            .unwrap_or(after.len());
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Strips type casts, collations and parentheses (which the parser already drops).
pub fn strip_casts(mut node: &NodeEnum) -> &NodeEnum {
    loop {
        match node {
            NodeEnum::TypeCast(cast) => match cast.arg.as_deref().and_then(|arg| arg.node.as_ref())
            {
                Some(inner) => node = inner,
                None => return node,
            },
            NodeEnum::CollateClause(collate) => {
                match collate.arg.as_deref().and_then(|arg| arg.node.as_ref()) {
                    Some(inner) => node = inner,
                    None => return node,
                }
            }
            _ => return node,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_statement(sql: &str) -> Node {
        let result = crate::parse::ffi::parse(sql).unwrap();
        *result.stmts.into_iter().next().unwrap().stmt.unwrap()
    }

    #[test]
    fn walk_marks_nodes_inside_sub_selects() {
        let stmt =
            first_statement("select auth.uid() = owner and (select auth.uid()) = other from t");
        let mut calls = Vec::new();
        walk(&stmt, |visit| {
            if let NodeRef::FuncCall(call) = visit.node {
                calls.push((func_name(call).join("."), visit.sublink_depth));
            }
        });
        assert_eq!(
            calls,
            [("auth.uid".to_owned(), 0), ("auth.uid".to_owned(), 1)]
        );
    }

    #[test]
    fn shape_ignores_positions() {
        let a = first_statement("select lower(email) in ('a', 'b')");
        let b = first_statement("select   lower( email )   in ('a','b')");
        let c = first_statement("select lower(name) in ('a', 'b')");
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
        assert!(!shape(&a).contains("location"));
    }

    #[test]
    fn relations_read_skips_ctes() {
        let stmt = first_statement(
            "with recent as (select * from orders) select * from recent join public.customers c on true",
        );
        let names: Vec<_> = relations_read(&stmt)
            .iter()
            .map(|r| r.relname.clone())
            .collect();
        assert_eq!(names, ["orders", "customers"]);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // Built directly: deeper than any recursive walk could survive on a small stack.
        let mut node = Node {
            node: Some(NodeEnum::AConst(Default::default())),
        };
        for _ in 0..200_000 {
            let cast = protobuf::TypeCast {
                arg: Some(Box::new(node)),
                type_name: None,
                location: 0,
            };
            node = Node {
                node: Some(NodeEnum::TypeCast(Box::new(cast))),
            };
        }
        let mut count = 0;
        walk(&node, |_| count += 1);
        assert_eq!(count, 200_001);
        // Dropping a deep tree recurses in prost's generated Drop: unwind it by hand.
        let mut current = node;
        while let Some(NodeEnum::TypeCast(mut cast)) = current.node.take() {
            match cast.arg.take() {
                Some(arg) => current = *arg,
                None => break,
            }
        }
    }
}
