//! Plans as data: the model, plan files, and the importer for official plan documents.

mod model;

pub use model::{
    Category, Direction, District, DistrictKind, IndicatorKind, IndicatorSpec, Item, ItemStatus,
    Part, Plan, Task, Unit,
};
