use std::collections::BTreeMap;

use pg_query::{NodeEnum, NodeRef};

use crate::ast;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Level, Rule, RuleMeta, SchemaContext};
use crate::schema::names::{quote_ident, string_parts};
use crate::schema::{Anchor, ConstraintKind, Relation};
use pg_query::protobuf::{AExprKind, Node, SubLinkType};

declare_rule! {
    /// ## What it does
    /// Flags columns of a policy's table that a policy compares (`=`, `IN`, `= ANY`) with a
    /// function call (an auth function or any other) or a sub-select, when the column is not
    /// the leading column of any index on the table. Comparisons with constants are not
    /// flagged. One finding per column, at the first policy (in migration order) that compares
    /// it. A column that is by itself an unindexed foreign key is left to
    /// `unindexed-foreign-key` while that rule is enabled.
    ///
    /// ## Why is this bad?
    /// The policy's condition is added to every query on the table. Without an index on the
    /// compared column Postgres scans the whole table to find the caller's rows, for every
    /// query, and the cost grows with the table.
    ///
    /// ## Example
    /// ```sql
    /// create table public.tasks (id uuid primary key, assignee uuid);
    /// alter table public.tasks enable row level security;
    /// create policy "assigned tasks" on public.tasks for select to authenticated
    ///   using (assignee = (select auth.uid()));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.tasks (id uuid primary key, assignee uuid);
    /// create index tasks_assignee_idx on public.tasks (assignee);
    /// alter table public.tasks enable row level security;
    /// create policy "assigned tasks" on public.tasks for select to authenticated
    ///   using (assignee = (select auth.uid()));
    /// ```
    pub struct UnindexedPolicyColumn {
        name: "unindexed-policy-column",
        category: Performance,
        level: Warning,
    }
}

impl Rule for UnindexedPolicyColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let foreign_key_rule_on = ctx.config.level("unindexed-foreign-key") != Level::Off;
        for (_, table) in ctx.model.live_relations() {
            if !table.is_defined() {
                continue;
            }
            // Column -> the first policy comparing it.
            let mut first: BTreeMap<String, (Option<Anchor>, &str)> = BTreeMap::new();
            for policy in &table.policies {
                for expr in [policy.using.as_ref(), policy.with_check.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    for column in compared_columns(&expr.tree(), table) {
                        let column = column.to_owned();
                        let entry = first
                            .entry(column)
                            .or_insert((policy.created, policy.name.as_str()));
                        if policy.created < entry.0 {
                            *entry = (policy.created, policy.name.as_str());
                        }
                    }
                }
            }
            for (column, (anchor, policy_name)) in &first {
                let (column, anchor) = (column.as_str(), *anchor);
                let indexed = table
                    .indexes
                    .iter()
                    .any(|index| index.keys.first().and_then(|key| key.column()) == Some(column));
                let left_to_foreign_key_rule = foreign_key_rule_on
                    && table
                        .constraints
                        .iter()
                        .any(|c| c.kind == ConstraintKind::ForeignKey && c.columns == [column]);
                if indexed || left_to_foreign_key_rule || !table.has_column(column) {
                    continue;
                }
                let message = format!(
                    "column {}.{} is compared in policy {} but no index starts with it: every query scans the table",
                    table.name,
                    quote_ident(column),
                    quote_ident(policy_name)
                );
                let help = format!("create index on {} ({});", table.name, quote_ident(column));
                let object = format!("{}.{}", table.name, quote_ident(column));
                out.push(
                    ctx.report(&Self::META, anchor, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

/// Columns of the table compared with a call or a sub-select: `col = f()`, `col = (select ..)`,
/// `col in (select ...)`, `col = any (...)`.
fn compared_columns<'e>(node: &'e Node, table: &Relation) -> Vec<&'e str> {
    let mut columns = Vec::new();
    ast::walk(node, |visit| {
        if visit.sublink_depth > 0 {
            return;
        }
        match visit.node {
            NodeRef::AExpr(expr) => {
                let comparison = match expr.kind() {
                    AExprKind::AexprOp => string_parts(&expr.name) == ["="],
                    AExprKind::AexprOpAny | AExprKind::AexprIn => true,
                    _ => false,
                };
                if !comparison {
                    return;
                }
                let (Some(left), Some(right)) = (expr.lexpr.as_deref(), expr.rexpr.as_deref())
                else {
                    return;
                };
                if let Some(column) = own_column(left, table).filter(|_| is_dynamic(right)) {
                    columns.push(column);
                } else if let Some(column) = own_column(right, table).filter(|_| is_dynamic(left)) {
                    columns.push(column);
                }
            }
            NodeRef::SubLink(link) if link.sub_link_type() == SubLinkType::AnySublink => {
                if let Some(column) = link
                    .testexpr
                    .as_deref()
                    .and_then(|test| own_column(test, table))
                {
                    columns.push(column);
                }
            }
            _ => {}
        }
    });
    columns
}

fn own_column<'e>(node: &'e Node, table: &Relation) -> Option<&'e str> {
    let NodeEnum::ColumnRef(column) = ast::strip_casts(node.node.as_ref()?) else {
        return None;
    };
    let parts = string_parts(&column.fields);
    match parts.as_slice() {
        [name] => Some(name),
        [.., qualifier, name] if *qualifier == table.name.name => Some(name),
        _ => None,
    }
}

/// A call or a sub-select (not a constant or a column).
fn is_dynamic(node: &Node) -> bool {
    match node.node.as_ref().map(ast::strip_casts) {
        Some(NodeEnum::FuncCall(_) | NodeEnum::SubLink(_)) => true,
        Some(NodeEnum::AArrayExpr(array)) => array.elements.iter().any(is_dynamic),
        Some(NodeEnum::List(list)) => list.items.iter().any(is_dynamic),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "unindexed-policy-column";
    const T: &str = "create table t (id uuid primary key, owner uuid, org uuid, status text); alter table t enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy p on t using (owner = (select auth.uid()));",
                ],
                &[T, "create policy p on t using (owner = auth.uid());"],
                &[
                    T,
                    "create policy p on t using (org in (select org from members where user_id = auth.uid()));",
                ],
                &[
                    T,
                    "create policy p on t using (org = any (array(select private.orgs())));",
                ],
                &[
                    T,
                    "create policy p on t using ((select auth.uid()) = t.owner);",
                ],
                &[
                    T,
                    "create index on t (org, owner); create policy p on t using (owner = private.me());",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[
                    T,
                    "create index on t (owner); create policy p on t using (owner = (select auth.uid()));",
                ],
                &[T, "create policy p on t using (status = 'open');"],
                &[T, "create policy p on t using (id = (select auth.uid()));"],
                &[
                    T,
                    "create policy p on t using (exists (select 1 from members m where m.org = t.org and m.user_id = auth.uid()));",
                ],
                // A single-column unindexed foreign key is reported by unindexed-foreign-key.
                &[
                    "create table t (id int, owner uuid references auth.users (id)); create policy p on t using (owner = (select auth.uid()));",
                ],
            ],
        );
    }

    #[test]
    fn one_finding_per_column_at_the_first_policy() {
        let found = findings(
            RULE,
            &[
                T,
                "create policy a on t for select using (owner = (select auth.uid()));",
                "create policy b on t for update using (owner = (select auth.uid()));",
            ],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file(), Some(1));
        assert_eq!(found[0].object.as_deref(), Some("public.t.owner"));
    }
}
