pub mod auth_users_fk_on_delete;
pub mod missing_snake_case_view;
pub mod updated_at_no_trigger;
pub mod view_column_coverage;

use crate::schema::names::{is_snake_case, pluralize, to_snake_case};
use crate::schema::{Model, RelId, RelKind, RelRef};

/// Views named the snake_case form of a non-snake_case table (or its plural) that read it.
pub fn compatibility_views(model: &Model, table: RelId) -> Vec<RelId> {
    let name = &model.relations[table].name.name;
    if is_snake_case(name) {
        return Vec::new();
    }
    let snake = to_snake_case(name);
    let plural = pluralize(&snake);
    model
        .live_relations()
        .filter(|(_, view)| {
            view.kind == RelKind::View && (view.name.name == snake || view.name.name == plural)
        })
        .filter(|(_, view)| {
            view.view
                .as_ref()
                .is_some_and(|definition| definition.reads.contains(&RelRef::Known(table)))
        })
        .map(|(id, _)| id)
        .collect()
}
