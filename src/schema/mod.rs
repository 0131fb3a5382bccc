//! The schema model and how statements build it.

pub mod fold;
pub mod functions;
pub mod model;
pub mod names;

pub use fold::build_model;
pub use model::*;
pub use names::QualName;
