//! The plan and its indicators as JSON (`GET /v1/plan`, `GET /v1/indicators`).

use std::collections::HashMap;

use progress_ledger_core::plan::{DistrictKind, Item, Plan};
use progress_ledger_core::projection::{Catalog, IndicatorDef};
use serde::Serialize;
use utoipa::ToSchema;

use super::{DefinitionDto, Num};

/// One indicator, with its target in force and the units of its item.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IndicatorDto {
    /// Stable id, e.g. `t02-1-childcare-seats`.
    pub id: String,
    /// Its definition, with the target in force (after any revision; for coverage, the
    /// per-district target).
    #[serde(flatten)]
    pub definition: DefinitionDto,
    /// Lead units (牵头单位) of its item, spelled as in the text.
    pub lead_units: Vec<String>,
    /// Cooperating units (配合单位) of its item, spelled as in the text.
    pub cooperating_units: Vec<String>,
    /// Weight in rollups.
    #[schema(value_type = f64)]
    pub weight: Num,
    /// Whether it was retired.
    pub retired: bool,
}

impl IndicatorDto {
    /// The indicator as the catalog defines it, with its item's units.
    pub fn new(def: &IndicatorDef, item: Option<&Item>) -> Self {
        Self {
            id: def.spec.id.clone(),
            definition: DefinitionDto {
                target: def.target().map(Num),
                ..DefinitionDto::new(&def.plan, def.task, def.item, &def.spec)
            },
            lead_units: item.map(|i| i.lead_units.clone()).unwrap_or_default(),
            cooperating_units: item
                .map(|i| i.cooperating_units.clone())
                .unwrap_or_default(),
            weight: Num(def.spec.weight),
            retired: def.retired,
        }
    }

    /// Every indicator of the catalog (of one plan, if given), in plan order (task, item, id).
    pub fn all(catalog: &Catalog, plan: Option<&str>) -> Vec<Self> {
        let mut all: Vec<Self> = catalog
            .indicators()
            .filter(|d| plan.is_none_or(|p| d.plan == p))
            .map(|d| Self::new(d, catalog.item_of(d)))
            .collect();
        all.sort_by(|a, b| {
            let (a_def, b_def) = (&a.definition, &b.definition);
            (a_def.task, a_def.item, &a.id).cmp(&(b_def.task, b_def.item, &b.id))
        });
        all
    }
}

/// A district or development zone.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DistrictDto {
    /// Name.
    pub name: String,
    /// `county` or `development_zone`.
    pub kind: String,
}

/// A responsible body and its other spellings.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct UnitDto {
    /// Canonical name.
    pub name: String,
    /// Other spellings in the text.
    pub aliases: Vec<String>,
}

/// An item with its indicators.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ItemDto {
    /// Sub-item number, or null.
    pub number: Option<u32>,
    /// Title.
    pub title: String,
    /// Text, verbatim.
    pub text: String,
    /// Lead units.
    pub lead_units: Vec<String>,
    /// Cooperating units.
    pub cooperating_units: Vec<String>,
    /// Indicators.
    pub indicators: Vec<IndicatorDto>,
}

/// A task.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TaskDto {
    /// Number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Items.
    pub items: Vec<ItemDto>,
}

/// A category.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Tasks.
    pub tasks: Vec<TaskDto>,
}

/// A part.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PartDto {
    /// Number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Categories.
    pub categories: Vec<CategoryDto>,
}

/// The plan tree.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PlanDto {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Issuer.
    pub issuer: String,
    /// Issue date.
    pub issued: String,
    /// First day of the period.
    pub period_start: String,
    /// Last day of the period.
    pub period_end: String,
    /// The district set.
    pub districts: Vec<DistrictDto>,
    /// Responsible bodies.
    pub units: Vec<UnitDto>,
    /// Parts → categories → tasks → items → indicators.
    pub parts: Vec<PartDto>,
}

impl PlanDto {
    /// The plan outline with the catalog's indicators attached to their items.
    pub fn new(plan: &Plan, catalog: &Catalog) -> Self {
        let mut by_item: HashMap<(u32, Option<u32>), Vec<&IndicatorDef>> = HashMap::new();
        for def in catalog.indicators().filter(|d| d.plan == plan.id) {
            by_item.entry((def.task, def.item)).or_default().push(def);
        }
        let parts = plan
            .parts
            .iter()
            .map(|part| PartDto {
                number: part.number,
                title: part.title.clone(),
                categories: part
                    .categories
                    .iter()
                    .map(|category| CategoryDto {
                        number: category.number,
                        title: category.title.clone(),
                        tasks: category
                            .tasks
                            .iter()
                            .map(|task| TaskDto {
                                number: task.number,
                                title: task.title.clone(),
                                items: task
                                    .items
                                    .iter()
                                    .map(|item| ItemDto {
                                        number: item.number,
                                        title: item.title.clone(),
                                        text: item.text.clone(),
                                        lead_units: item.lead_units.clone(),
                                        cooperating_units: item.cooperating_units.clone(),
                                        indicators: by_item
                                            .get(&(task.number, item.number))
                                            .map(|defs| {
                                                defs.iter()
                                                    .map(|d| IndicatorDto::new(d, Some(item)))
                                                    .collect()
                                            })
                                            .unwrap_or_default(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            id: plan.id.clone(),
            title: plan.title.clone(),
            issuer: plan.issuer.clone(),
            issued: plan.issued.to_string(),
            period_start: plan.period_start.to_string(),
            period_end: plan.period_end.to_string(),
            districts: plan
                .districts
                .iter()
                .map(|d| DistrictDto {
                    name: d.name.clone(),
                    kind: match d.kind {
                        DistrictKind::County => "county",
                        DistrictKind::DevelopmentZone => "development_zone",
                    }
                    .to_owned(),
                })
                .collect(),
            units: plan
                .units
                .iter()
                .map(|u| UnitDto {
                    name: u.name.clone(),
                    aliases: u.aliases.clone(),
                })
                .collect(),
            parts,
        }
    }
}
