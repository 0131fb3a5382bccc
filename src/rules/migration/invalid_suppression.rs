use crate::declare_rule;
use crate::rules::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags malformed suppression comments: an unknown rule name (with the nearest valid name),
    /// no rule name, or no reason after the `:`. A malformed suppression suppresses nothing.
    ///
    /// The engine checks suppressions, so this rule has no check of its own.
    ///
    /// ## Why is this bad?
    /// A typo in a rule name silently suppresses nothing, and a suppression without a reason
    /// leaves the next reader guessing why the finding was accepted.
    ///
    /// ## Example
    /// ```sql
    /// -- pgaudit-lint-ignore rls-disable: internal table
    /// create table public.jobs (id bigint primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- pgaudit-lint-ignore rls-disabled: internal table, never exposed through the API
    /// create table public.jobs (id bigint primary key);
    /// ```
    pub struct InvalidSuppression {
        name: "invalid-suppression",
        category: Migration,
        level: Error,
    }
}

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
