pub mod invalid_suppression;
pub mod parse_error;
pub mod skipped_content;
pub mod unused_suppression;
