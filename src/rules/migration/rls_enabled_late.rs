use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleMeta, StatementContext};

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ENABLE ROW LEVEL SECURITY` on a table in an exposed schema that an
    /// earlier migration file created and that did not already have row level security. The
    /// statement is judged where it stands: against the schema the files before it built.
    /// Re-enabling RLS that is already on is not flagged.
    ///
    /// ## Why is this bad?
    /// Each migration file is a deployment. Between the deployment that created the table and
    /// the one that enabled RLS, the table was served by the API to anyone with the anon key.
    /// Enable RLS in the same migration that creates the table.
    ///
    /// ## Example
    /// ```sql
    /// create table public.invoices (id uuid primary key);
    /// -- next migration file:
    /// alter table public.invoices enable row level security;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.invoices (id uuid primary key);
    /// alter table public.invoices enable row level security;
    /// ```
    pub struct RlsEnabledLate {
        name: "rls-enabled-late",
        category: Migration,
        level: Warning,
    }
}

impl Rule for RlsEnabledLate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_statement(&self, ctx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(NodeEnum::AlterTableStmt(alter)) = ctx.statement.node() else {
            return;
        };
        let enables = alter.cmds.iter().any(|command| {
            matches!(&command.node, Some(NodeEnum::AlterTableCmd(command)) if command.subtype() == AlterTableType::AtEnableRowSecurity)
        });
        let Some(range) = &alter.relation else { return };
        let Some(id) = ctx.find_relation(range).filter(|_| enables) else {
            return;
        };
        let table = &ctx.model.relations[id];
        let Some(created) = table.created else { return };
        if table.rls_enabled
            || created.file >= ctx.file.id()
            || !ctx.config.is_exposed(&table.name.schema)
        {
            return;
        }
        let message = format!(
            "row level security on {} is enabled in a later migration than the one that created it: the table was exposed in between",
            table.name
        );
        let help = "enable row level security in the migration that creates the table";
        out.push(
            Diagnostic::at(Self::META.name, ctx.file.id(), ctx.statement.span, message)
                .with_object(table.name.to_string())
                .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent};

    const RULE: &str = "rls-enabled-late";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    "create table t (id int);",
                    "alter table t enable row level security;",
                ],
                &[
                    "create table \"Ledger\" (id int);",
                    "alter table public.\"Ledger\" enable row level security;",
                ],
                &[
                    "create table t (id int);",
                    "select 1;",
                    "alter table t enable row level security;",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &["create table t (id int); alter table t enable row level security;"],
                &[
                    "create table t (id int); alter table t enable row level security;",
                    "alter table t enable row level security;",
                ],
                &[
                    "create table private.t (id int);",
                    "alter table private.t enable row level security;",
                ],
                &["alter table storage.objects enable row level security;"],
            ],
        );
    }
}
