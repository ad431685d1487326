//! The plan as data: parts, categories, tasks, items and their indicators.
//!
//! These types are read from plan files (`plans/<id>/plan.toml`) and also carried inside
//! `PlanDefined` / `IndicatorDefined` events, so they are part of the stored format: add fields
//! only at the end of a struct together with a new format version (see `codec.rs`), and never use
//! serde attributes that bincode cannot decode (`skip_serializing_if`, `flatten`, tagged enums).

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A whole action plan: its identity, period, districts, units and the tree of parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Stable identifier, e.g. `hefei-2023`.
    pub id: String,
    /// Title as printed on the document.
    pub title: String,
    /// Who issued the plan, e.g. 合肥市人民政府.
    pub issuer: String,
    /// Date the plan was issued.
    pub issued: Date,
    /// First day of the plan period (inclusive).
    pub period_start: Date,
    /// Last day of the plan period (inclusive).
    pub period_end: Date,
    /// The district set ("各县(市)区、开发区").
    pub districts: Vec<District>,
    /// Every responsible body named in the plan, with the other spellings the text uses.
    pub units: Vec<Unit>,
    /// The parts of the plan (一、二、三 …), in order.
    pub parts: Vec<Part>,
}

impl Plan {
    /// Every category with its part, in document order.
    pub fn categories(&self) -> impl Iterator<Item = (&Part, &Category)> {
        self.parts
            .iter()
            .flat_map(|part| part.categories.iter().map(move |category| (part, category)))
    }

    /// Every task, in document order.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.categories().flat_map(|(_, category)| &category.tasks)
    }

    /// Every task, mutably, in document order.
    pub fn tasks_mut(&mut self) -> impl Iterator<Item = &mut Task> {
        self.parts
            .iter_mut()
            .flat_map(|part| &mut part.categories)
            .flat_map(|category| &mut category.tasks)
    }

    /// Every item with its task, in document order.
    pub fn items(&self) -> impl Iterator<Item = (&Task, &Item)> {
        self.tasks()
            .flat_map(|task| task.items.iter().map(move |item| (task, item)))
    }

    /// Every indicator with its task and item, in document order.
    pub fn indicators(&self) -> impl Iterator<Item = (&Task, &Item, &IndicatorSpec)> {
        self.items()
            .flat_map(|(task, item)| item.indicators.iter().map(move |spec| (task, item, spec)))
    }
}

/// A county-level district or a development zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// Name as written, e.g. 瑶海区 or 合肥高新区.
    pub name: String,
    /// Whether it is a county-level unit or a development zone.
    pub kind: DistrictKind,
}

/// The two kinds of members of the district set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    /// A county, county-level city or district (县(市)区).
    County,
    /// A development zone (开发区).
    DevelopmentZone,
}

/// A responsible body, with the other names the text gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Canonical name.
    pub name: String,
    /// Other spellings found in the text (e.g. 市政务服务管理局 for 市政务服务局).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A part of the plan (重点群体优服务 …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// 1-based number of the part.
    pub number: u32,
    /// Title of the part.
    pub title: String,
    /// Categories of the part, in order.
    pub categories: Vec<Category>,
}

/// A category ((一)幼有所育 …), numbered across the whole plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// 1-based number of the category, across the plan.
    pub number: u32,
    /// Title of the category.
    pub title: String,
    /// Tasks of the category, in order.
    pub tasks: Vec<Task>,
}

/// A numbered task (1.优孕优生 …), numbered across the whole plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task number, 1-based across the plan.
    pub number: u32,
    /// Title of the task.
    pub title: String,
    /// Items of the task: its (1)(2)… sub-items, or a single item without a number.
    pub items: Vec<Item>,
}

/// The unit of work that carries attribution: a sub-item, or a task without sub-items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Sub-item number ((1) → 1), or `None` for a task without sub-items.
    pub number: Option<u32>,
    /// Title of the sub-item (the task title when the task has no sub-items).
    pub title: String,
    /// The item's text, verbatim, without its attribution bracket.
    pub text: String,
    /// Lead units (牵头单位), spelled as in the text.
    pub lead_units: Vec<String>,
    /// Cooperating units (配合单位), spelled as in the text.
    pub cooperating_units: Vec<String>,
    /// The indicators that track this item (at least one: a status indicator if nothing else).
    pub indicators: Vec<IndicatorSpec>,
}

/// How an indicator's events turn into a value and a completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Events add deltas; value = sum; completion = value / target.
    Cumulative,
    /// Events are measurements; value = the one with the latest effective date.
    Level,
    /// Per-district deltas; completion = districts meeting the per-district target / districts.
    Coverage,
    /// Named deliverables; completion = done / total.
    Milestones,
    /// Not started / in progress / done, for items with no number.
    Status,
}

/// Whether a target is a floor or a ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The value must reach the target or more (以上, 不少于, 不低于, 达).
    AtLeast,
    /// The value must stay at or below the target (不高于, 以下, 缩短到).
    AtMost,
}

/// One indicator: what is measured, its target and where the text says so.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorSpec {
    /// Stable, readable id, e.g. `t02-1-childcare-seats`.
    pub id: String,
    /// Short title, e.g. 新增托位.
    pub title: String,
    /// Kind of indicator.
    pub kind: IndicatorKind,
    /// Unit of the value (个, %, 微克/立方米 …); empty for milestones and status.
    #[serde(default)]
    pub unit: String,
    /// Target value, normalised (1.6万 → 16000); for coverage, the per-district target.
    #[serde(default)]
    pub target: Option<Decimal>,
    /// Direction of the target.
    #[serde(default = "default_direction")]
    pub direction: Direction,
    /// Starting value the text gives (由半小时缩短到20分钟: 30).
    #[serde(default)]
    pub baseline: Option<Decimal>,
    /// The phrase of the source text the target comes from, verbatim.
    #[serde(default)]
    pub source: String,
    /// Named deliverables of a milestones indicator.
    #[serde(default)]
    pub deliverables: Vec<String>,
    /// Weight in rollups (equal weights: 1).
    #[serde(default = "default_weight")]
    pub weight: Decimal,
    /// The value is a growth rate (增长10%): a measurement may be negative or above 100%.
    #[serde(default)]
    pub growth: bool,
}

fn default_direction() -> Direction {
    Direction::AtLeast
}

fn default_weight() -> Decimal {
    Decimal::ONE
}

/// The three states of a status indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Nothing reported yet.
    NotStarted,
    /// Work under way.
    InProgress,
    /// Finished.
    Done,
}

impl ItemStatus {
    /// Chinese label, as reports and progress sheets write it.
    pub fn label_zh(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "未启动",
            ItemStatus::InProgress => "进行中",
            ItemStatus::Done => "已完成",
        }
    }
}
