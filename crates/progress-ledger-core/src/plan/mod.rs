//! Plans as data: the model, plan files, and the importer for official plan documents.

mod definitions;
mod import;
mod model;

pub use definitions::{PLAN_FILE_CHANGED, definition_events, outline};
pub use import::{
    Candidate, Draft, DraftCategory, DraftItem, DraftPart, DraftTask, FrontMatterLine,
    FrontMatterRole, Noted, Warning, import_document,
};
pub use model::{
    Category, Direction, District, DistrictKind, IndicatorKind, IndicatorSpec, Item, ItemStatus,
    Part, Plan, Task, Unit,
};
