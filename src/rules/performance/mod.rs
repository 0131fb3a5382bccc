pub mod auth_function_not_wrapped;
pub mod duplicate_index;
pub mod matview_missing_unique_index;
pub mod multiple_permissive_policies;
pub mod no_primary_key;
pub mod unindexed_foreign_key;
pub mod unindexed_policy_column;
