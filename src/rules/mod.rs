//! Rules: the `Rule` trait, `declare_rule!`, and the registry.
//!
//! One rule, one file: `src/rules/<category>/<rule_name>.rs` declares the rule with its
//! documentation, implements its check and holds its tests. Adding a rule touches that file
//! plus two lines here (the `mod` and the registry entry).

pub mod context;
pub mod docs;
pub mod policy;
#[cfg(test)]
pub mod testing;

pub mod conventions;
pub mod drift;
pub mod migration;
pub mod performance;
pub mod security;
pub mod soft_delete;

use serde::Serialize;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::ParsedFile;
pub use context::{SchemaContext, StatementContext};

/// The level a rule runs at; `Off` disables it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn from_name(name: &str) -> Option<Level> {
        match name {
            "off" => Some(Level::Off),
            "info" => Some(Level::Info),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Security,
    SoftDelete,
    Performance,
    Conventions,
    Migration,
    Drift,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Security,
        Category::SoftDelete,
        Category::Performance,
        Category::Conventions,
        Category::Migration,
        Category::Drift,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::SoftDelete => "soft-delete",
            Category::Performance => "performance",
            Category::Conventions => "conventions",
            Category::Migration => "migration",
            Category::Drift => "drift",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|category| category.name() == name)
    }
}

/// What `declare_rule!` records about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub category: Category,
    pub level: Level,
    /// The doc comment: `## What it does`, `## Why is this bad?`, `## Example`, `## Use instead`.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The first sentence of "What it does", for listings.
    pub fn summary(&self) -> String {
        docs::summary(self.docs)
    }

    /// Where the rule's page is published.
    pub fn url(&self) -> String {
        format!("{}/{}.md", docs::RULES_URL, self.name)
    }
}

/// A rule judges statements where they stand, the final schema, or both.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;

    /// Judges a whole file (content problems, notes, file naming).
    fn check_file(&self, _file: &ParsedFile, _config: &Config, _out: &mut Vec<Diagnostic>) {}

    /// Judges one statement in its file.
    fn check_statement(&self, _ctx: &StatementContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Judges the final schema.
    fn check_schema(&self, _ctx: &SchemaContext<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Declares a rule: a unit struct with its name, category, default level and documentation.
///
/// ```text
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct RlsDisabled {
///         name: "rls-disabled",
///         category: Security,
///         level: Error,
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            name: $rule:literal,
            category: $category:ident,
            level: $level:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                name: $rule,
                category: $crate::rules::Category::$category,
                level: $crate::rules::Level::$level,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Every rule, in documentation order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &security::rls_disabled::RlsDisabled,
        &security::policy_without_rls::PolicyWithoutRls,
        &security::rls_enabled_no_policy::RlsEnabledNoPolicy,
        &security::view_bypasses_rls::ViewBypassesRls,
        &security::auth_users_exposed::AuthUsersExposed,
        &security::security_definer_search_path::SecurityDefinerSearchPath,
        &security::function_search_path_mutable::FunctionSearchPathMutable,
        &security::security_definer_exposed::SecurityDefinerExposed,
        &security::policy_always_true::PolicyAlwaysTrue,
        &security::policy_user_metadata::PolicyUserMetadata,
        &security::policy_recursion::PolicyRecursion,
        &security::insert_policy_owner_check::InsertPolicyOwnerCheck,
        &security::tenant_isolation::TenantIsolation,
        &security::realtime_without_rls::RealtimeWithoutRls,
        &security::policy_role_public::PolicyRolePublic,
        &soft_delete::soft_delete_hard_delete::SoftDeleteHardDelete,
        &soft_delete::soft_delete_unique::SoftDeleteUnique,
        &performance::auth_function_not_wrapped::AuthFunctionNotWrapped,
        &performance::unindexed_foreign_key::UnindexedForeignKey,
        &performance::unindexed_policy_column::UnindexedPolicyColumn,
        &performance::multiple_permissive_policies::MultiplePermissivePolicies,
        &performance::duplicate_index::DuplicateIndex,
        &performance::no_primary_key::NoPrimaryKey,
        &performance::matview_missing_unique_index::MatviewMissingUniqueIndex,
        &conventions::missing_snake_case_view::MissingSnakeCaseView,
        &conventions::view_column_coverage::ViewColumnCoverage,
        &conventions::auth_users_fk_on_delete::AuthUsersFkOnDelete,
        &conventions::updated_at_no_trigger::UpdatedAtNoTrigger,
        &migration::parse_error::ParseError,
        &migration::rls_enabled_late::RlsEnabledLate,
        &migration::non_concurrent_index::NonConcurrentIndex,
        &migration::missing_rollback::MissingRollback,
        &migration::skipped_content::SkippedContent,
        &migration::unused_suppression::UnusedSuppression,
        &drift::drift_missing::DriftMissing,
        &drift::drift_unexpected::DriftUnexpected,
        &drift::drift_changed::DriftChanged,
        &drift::migration_history_drift::MigrationHistoryDrift,
        &migration::invalid_suppression::InvalidSuppression,
    ]
}

/// A rule by name.
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|rule| rule.meta().name == name)
}

/// The metadata of a rule by name; the engine's own rules are registered like any other.
pub fn meta(name: &str) -> Option<&'static RuleMeta> {
    find(name).map(|rule| rule.meta())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_kebab_case_and_match_files() {
        let mut seen = BTreeSet::new();
        for rule in all() {
            let meta = rule.meta();
            assert!(seen.insert(meta.name), "duplicate rule {}", meta.name);
            assert!(
                meta.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
                    && !meta.name.starts_with('-'),
                "{} is not kebab-case",
                meta.name
            );
            let folder = meta.category.name().replace('-', "_");
            let file = format!(
                "{}/src/rules/{folder}/{}.rs",
                env!("CARGO_MANIFEST_DIR"),
                meta.name.replace('-', "_")
            );
            assert!(
                std::path::Path::new(&file).is_file(),
                "{} should live in {file}",
                meta.name
            );
        }
    }

    #[test]
    fn every_rule_file_is_registered() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules");
        for category in Category::ALL {
            let folder = std::path::Path::new(root).join(category.name().replace('-', "_"));
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                if stem == "mod" {
                    continue;
                }
                let name = stem.replace('_', "-");
                let rule = find(&name).unwrap_or_else(|| {
                    panic!("{} is not registered in rules::all()", path.display())
                });
                assert_eq!(
                    rule.meta().category,
                    category,
                    "{name} is in the wrong category folder"
                );
            }
        }
    }
}
