use crate::declare_rule;
use crate::rules::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags suppression comments that suppressed nothing: `-- pgaudit-lint-ignore rule: reason`
    /// where the rule raised no finding on that statement, or `-- pgaudit-lint-ignore-file
    /// rule: reason` where it raised none in the file.
    ///
    /// A statement suppression applies to the statement that contains the comment, else to the
    /// statement that ends on the comment's line, else to the next statement. Suppressions of
    /// rules that are turned off in the config are not reported. The engine applies
    /// suppressions, so this rule has no check of its own.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding of that rule on the same statement, and
    /// tells readers about a problem that no longer exists.
    ///
    /// ## Example
    /// ```sql
    /// -- pgaudit-lint-ignore rls-disabled: service-only table
    /// create table private.jobs (id bigint primary key);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table private.jobs (id bigint primary key);
    /// ```
    pub struct UnusedSuppression {
        name: "unused-suppression",
        category: Migration,
        level: Warning,
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
