use std::collections::BTreeSet;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rollback;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// In `pgaudit-lint live`, compares the database's migration history
    /// (`history_table`, default `supabase_migrations.schema_migrations`) with the local
    /// migration files' versions (the digits before the first `_` of the file name). It flags
    /// versions the database lists with no local file (named by version), and local files the
    /// database has not recorded as applied (at the file's first line). Rollback files are not
    /// migrations. Nothing is reported when the database has no history table.
    ///
    /// ## Why is this bad?
    /// A version with no file was applied from a branch that was never merged, or its file was
    /// deleted; a file not applied is a migration production has not run. Either way the
    /// migrations no longer describe production.
    ///
    /// ## Example
    /// ```sql
    /// -- The history lists 20240102000000, but only this file exists locally:
    /// -- 20240101000000_init.sql
    /// create table public.notes (id uuid primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Restore 20240102000000_*.sql from version control (or repair the history with
    /// -- `supabase migration repair`).
    /// create table public.notes (id uuid primary key);
    /// ```
    pub struct MigrationHistoryDrift {
        name: "migration-history-drift",
        category: Drift,
        level: Warning,
    }
}

impl Rule for MigrationHistoryDrift {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        if ctx.reference.is_none() {
            return;
        }
        let Some(history) = &ctx.model.history else {
            return;
        };
        let applied: BTreeSet<&str> = history.iter().map(String::as_str).collect();
        let mut local = BTreeSet::new();
        for file in ctx.files {
            if rollback::is_rollback_file(&file.source.path, &ctx.config.rollback_pattern) {
                continue;
            }
            let Some(version) = version(file.source.file_name()) else {
                continue;
            };
            local.insert(version);
            if !applied.contains(version) {
                let first_line_end = file
                    .source
                    .text
                    .find(['\n', '\r'])
                    .unwrap_or(file.source.text.len());
                let message = format!(
                    "migration {} (version {version}) is not recorded as applied in {}",
                    file.source.file_name(),
                    ctx.config.history_table
                );
                out.push(
                    Diagnostic::at(
                        Self::META.name,
                        file.id(),
                        Span::new(0, first_line_end),
                        message,
                    )
                    .with_object(version.to_owned()),
                );
            }
        }
        for version in applied.difference(&local) {
            let message = format!(
                "{} lists version {version}, which has no migration file",
                ctx.config.history_table
            );
            out.push(Diagnostic::on_object(
                Self::META.name,
                (*version).to_owned(),
                message,
            ));
        }
    }
}

/// The version prefix of a migration file name: the leading digits before `_`.
pub fn version(file_name: &str) -> Option<&str> {
    let digits = file_name.split('_').next()?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}
