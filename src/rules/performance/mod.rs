pub mod auth_function_not_wrapped;
pub mod unindexed_foreign_key;
