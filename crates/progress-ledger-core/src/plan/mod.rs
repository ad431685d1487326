//! Plans as data: the model, plan files, their checks and the definition events they load as.

mod check;
mod definitions;
mod file;
mod load;
mod model;

pub use check::{is_valid_id, validate_plan};
pub use definitions::{PLAN_FILE_CHANGED, REMOVED_FROM_PLAN, definition_events, outline};
pub use file::{
    DEFAULT_DISTRICT_SET, HEFEI_2023_TOML, PLAN_FILE_NAME, hefei_2023, load_plan_file, parse_plan,
    plan_to_toml,
};
pub use load::{LoadSummary, load_events, load_plan};
pub use model::{
    Category, Direction, District, DistrictKind, IndicatorKind, IndicatorSpec, Item, ItemStatus,
    Part, Plan, Task, Unit,
};
