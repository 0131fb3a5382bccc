pub mod soft_delete_hard_delete;
pub mod soft_delete_unique;

use crate::config::Config;
use crate::schema::Relation;

/// The soft-delete columns (`soft_delete_columns`) a table has.
pub fn soft_delete_columns<'c>(table: &Relation, config: &'c Config) -> Vec<&'c str> {
    table.columns_among(&config.soft_delete_columns)
}
