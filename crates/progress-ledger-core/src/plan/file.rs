//! Plan files: `plans/<id>/plan.toml`, read into a checked [`Plan`].
//!
//! The file is laid out for people, not for serde: `[[part]]`, `[[category]]` and `[[task]]`
//! are flat tables in document order (a category names its part, a task its category), a task
//! without sub-items carries its text, units and `[[task.indicator]]` tables itself, targets are
//! plain TOML numbers and dates are TOML dates. `docs/plan-data.md` describes the format and the
//! rules the Hefei 2023 catalog follows.
//!
//! ```
//! let plan = progress_ledger_core::plan::hefei_2023()?;
//! assert_eq!(plan.id, "hefei-2023");
//! assert_eq!(plan.parts.len(), 3);
//! # Ok::<(), progress_ledger_core::Error>(())
//! ```
//!
//! Every problem is reported as [`Error::Plan`] (all problems found, not only the first); reading
//! a plan file never panics.

use std::fmt;
use std::path::Path;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::check::check_plan;

mod write;

use crate::error::{Error, Result};
use crate::plan::{
    Category, Direction, District, IndicatorKind, IndicatorSpec, Item, Part, Plan, Task, Unit,
};
pub use write::plan_to_toml;

/// The phrase that names every district and development zone when a file does not say otherwise.
pub const DEFAULT_DISTRICT_SET: &str = "各县(市)区、开发区";

/// The Hefei 2023 plan file (`plans/hefei-2023/plan.toml`), embedded in the binary.
pub const HEFEI_2023_TOML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../plans/hefei-2023/plan.toml"
));

/// The name a plan folder's file must have.
pub const PLAN_FILE_NAME: &str = "plan.toml";

/// The Hefei 2023 plan (合肥市“为民优服务”行动方案(2023)), from the embedded plan file.
pub fn hefei_2023() -> Result<Plan> {
    parse_plan(HEFEI_2023_TOML, "plans/hefei-2023/plan.toml")
}

/// Reads and checks a plan file, or the `plan.toml` of a plan folder.
pub fn load_plan_file(path: impl AsRef<Path>) -> Result<Plan> {
    let path = path.as_ref();
    let file = if path.is_dir() {
        path.join(PLAN_FILE_NAME)
    } else {
        path.to_path_buf()
    };
    let origin = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| Error::Plan {
        path: origin.clone(),
        reason: format!("cannot be read: {e}"),
    })?;
    parse_plan(&text, &origin)
}

/// Parses and checks the text of a plan file; `origin` names it in errors (a path, usually).
pub fn parse_plan(text: &str, origin: &str) -> Result<Plan> {
    let fail = |reason: String| Error::Plan {
        path: origin.to_owned(),
        reason,
    };
    let file: PlanFile = toml::from_str(text).map_err(|e| fail(e.to_string().trim().to_owned()))?;
    let (plan, mut problems) = file.into_plan();
    problems.extend(check_plan(&plan));
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(fail(summarise(&problems)))
    }
}

impl Plan {
    /// Parses and checks the text of a plan file (see [`parse_plan`]).
    pub fn from_toml_str(text: &str) -> Result<Plan> {
        parse_plan(text, "<plan text>")
    }
}

/// One line per problem, at most 30 of them.
pub(super) fn summarise(problems: &[String]) -> String {
    const SHOWN: usize = 30;
    let mut out = format!(
        "{} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems.iter().take(SHOWN) {
        out.push_str("\n  - ");
        out.push_str(p);
    }
    if problems.len() > SHOWN {
        out.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The file's shape
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    id: String,
    title: String,
    issuer: String,
    issued: toml::value::Date,
    period_start: toml::value::Date,
    period_end: toml::value::Date,
    #[serde(default = "default_district_set")]
    district_set: String,
    districts: Vec<District>,
    units: Vec<Unit>,
    #[serde(rename = "part", default)]
    parts: Vec<FilePart>,
    #[serde(rename = "category", default)]
    categories: Vec<FileCategory>,
    #[serde(rename = "task", default)]
    tasks: Vec<FileTask>,
}

fn default_district_set() -> String {
    DEFAULT_DISTRICT_SET.to_owned()
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FilePart {
    number: u32,
    title: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileCategory {
    number: u32,
    part: u32,
    title: String,
}

/// A task: either with `item` tables, or carrying its single item's fields itself.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileTask {
    number: u32,
    category: u32,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lead: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cooperating: Option<Vec<String>>,
    #[serde(rename = "indicator", default, skip_serializing_if = "Vec::is_empty")]
    indicators: Vec<FileIndicator>,
    #[serde(rename = "item", default, skip_serializing_if = "Vec::is_empty")]
    items: Vec<FileItem>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileItem {
    number: u32,
    title: String,
    text: String,
    lead: Vec<String>,
    #[serde(default)]
    cooperating: Vec<String>,
    #[serde(rename = "indicator", default)]
    indicators: Vec<FileIndicator>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileIndicator {
    id: String,
    title: String,
    kind: IndicatorKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deliverables: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<Number>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    growth: bool,
}

/// An exact decimal written as a TOML integer, float or string (`16000`, `77.4`, `"77.4"`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Number(Decimal);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (16000, 77.4) or a decimal in a string (\"77.4\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                // The shortest text that reads back as `v` is what the file says (77.4).
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                v.trim()
                    .parse::<Decimal>()
                    .map(|d| Number(d.normalize()))
                    .map_err(|e| E::custom(format!("{v:?} is not a decimal number: {e}")))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

fn to_date(date: toml::value::Date, what: &str, problems: &mut Vec<String>) -> jiff::civil::Date {
    let made = (|| {
        let year = i16::try_from(date.year).ok()?;
        let month = i8::try_from(date.month).ok()?;
        let day = i8::try_from(date.day).ok()?;
        jiff::civil::Date::new(year, month, day).ok()
    })();
    made.unwrap_or_else(|| {
        problems.push(format!("{what} {date} is not a valid date"));
        jiff::civil::Date::ZERO
    })
}

impl PlanFile {
    /// The plan the file describes, and the problems only the file's layout can have (references
    /// to parts and categories, their order, tasks with both or neither kind of item). Tasks
    /// that cannot be read are left out of the plan (and reported).
    fn into_plan(self) -> (Plan, Vec<String>) {
        let mut problems = Vec::new();
        let issued = to_date(self.issued, "issued", &mut problems);
        let period_start = to_date(self.period_start, "period_start", &mut problems);
        let period_end = to_date(self.period_end, "period_end", &mut problems);
        if !self
            .units
            .iter()
            .any(|u| u.name == self.district_set || u.aliases.contains(&self.district_set))
        {
            problems.push(format!(
                "the district set {:?} is not in the units list (list it there, with the other \
                 spellings the text uses as aliases)",
                self.district_set
            ));
        }
        if self.districts.is_empty() {
            problems.push(format!(
                "no districts: the district set {:?} must name at least one",
                self.district_set
            ));
        }

        // Document order: categories by part, tasks by category.
        for pair in self.categories.windows(2) {
            if pair[1].part < pair[0].part {
                problems.push(format!(
                    "category {} (part {}) comes after category {} of the later part {}",
                    pair[1].number, pair[1].part, pair[0].number, pair[0].part
                ));
            }
        }
        for pair in self.tasks.windows(2) {
            if pair[1].category < pair[0].category {
                problems.push(format!(
                    "task {} (category {}) comes after task {} of the later category {}",
                    pair[1].number, pair[1].category, pair[0].number, pair[0].category
                ));
            }
        }
        for c in &self.categories {
            if !self.parts.iter().any(|p| p.number == c.part) {
                problems.push(format!(
                    "category {} names part {}, which does not exist",
                    c.number, c.part
                ));
            }
        }
        for t in &self.tasks {
            if !self.categories.iter().any(|c| c.number == t.category) {
                problems.push(format!(
                    "task {} names category {}, which does not exist",
                    t.number, t.category
                ));
            }
        }

        let mut tasks_by_category: Vec<(u32, Task)> = Vec::new();
        for task in self.tasks {
            let category = task.category;
            if let Some(task) = task.into_task(&mut problems) {
                tasks_by_category.push((category, task));
            }
        }
        let mut categories_by_part: Vec<(u32, Category)> = Vec::new();
        for c in self.categories {
            let tasks = tasks_by_category
                .iter()
                .filter(|(n, _)| *n == c.number)
                .map(|(_, t)| t.clone())
                .collect();
            categories_by_part.push((
                c.part,
                Category {
                    number: c.number,
                    title: c.title,
                    tasks,
                },
            ));
        }
        let parts = self
            .parts
            .into_iter()
            .map(|p| Part {
                categories: categories_by_part
                    .iter()
                    .filter(|(n, _)| *n == p.number)
                    .map(|(_, c)| c.clone())
                    .collect(),
                number: p.number,
                title: p.title,
            })
            .collect();
        let plan = Plan {
            id: self.id,
            title: self.title,
            issuer: self.issuer,
            issued,
            period_start,
            period_end,
            districts: self.districts,
            units: self.units,
            parts,
        };
        (plan, problems)
    }
}

impl FileTask {
    fn into_task(self, problems: &mut Vec<String>) -> Option<Task> {
        let at = format!("task {}", self.number);
        let single = self.text.is_some() || self.lead.is_some() || !self.indicators.is_empty();
        let items = match (single, self.items.is_empty()) {
            (true, false) => {
                problems.push(format!(
                    "{at} has both sub-items and its own text, units or indicators; give one or \
                     the other"
                ));
                return None;
            }
            (false, true) => {
                problems.push(format!(
                    "{at} has neither sub-items ([[task.item]]) nor its own text and units"
                ));
                return None;
            }
            (true, true) => {
                let (Some(text), Some(lead)) = (self.text, self.lead) else {
                    problems.push(format!("{at} needs both `text` and `lead`"));
                    return None;
                };
                vec![Item {
                    number: None,
                    title: self.title.clone(),
                    text,
                    lead_units: lead,
                    cooperating_units: self.cooperating.unwrap_or_default(),
                    indicators: self
                        .indicators
                        .into_iter()
                        .map(FileIndicator::into_spec)
                        .collect(),
                }]
            }
            (false, false) => {
                if self.cooperating.is_some() {
                    problems.push(format!(
                        "{at} has sub-items, so `cooperating` belongs to each of them"
                    ));
                }
                self.items
                    .into_iter()
                    .map(|i| Item {
                        number: Some(i.number),
                        title: i.title,
                        text: i.text,
                        lead_units: i.lead,
                        cooperating_units: i.cooperating,
                        indicators: i
                            .indicators
                            .into_iter()
                            .map(FileIndicator::into_spec)
                            .collect(),
                    })
                    .collect()
            }
        };
        Some(Task {
            number: self.number,
            title: self.title,
            items,
        })
    }
}

impl FileIndicator {
    fn into_spec(self) -> IndicatorSpec {
        IndicatorSpec {
            id: self.id,
            title: self.title,
            kind: self.kind,
            unit: self.unit,
            target: self.target.map(|n| n.0),
            direction: self.direction.unwrap_or(Direction::AtLeast),
            baseline: self.baseline.map(|n| n.0),
            source: self.source,
            deliverables: self.deliverables,
            weight: self.weight.map_or(Decimal::ONE, |n| n.0),
            growth: self.growth,
        }
    }
}
