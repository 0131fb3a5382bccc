//! pgaudit-lint: a schema linter and drift auditor for PostgreSQL and Supabase.
//!
//! Data flows one way: files -> statements -> schema model -> diagnostics -> report.

pub mod ast;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod error;
pub mod fuzzing;
pub mod git;
pub mod live;
pub mod normalize;
pub mod parse;
pub mod report;
pub mod rollback;
pub mod rules;
pub mod schema;
pub mod source;
