pub mod invalid_suppression;
pub mod missing_rollback;
pub mod non_concurrent_index;
pub mod parse_error;
pub mod rls_enabled_late;
pub mod skipped_content;
pub mod unused_suppression;
