//! The importer: reads a plan document written in the official Chinese form (一、 (一) 1. (1)
//! headings, 〔牵头单位:…;配合单位:…〕 brackets) into a [`Draft`] for a person to review.
//!
//! ```
//! use progress_ledger_core::plan::Direction;
//! use progress_ledger_import::import_document;
//! use rust_decimal::Decimal;
//!
//! let text = "某市行动方案(2024)\n重点群体优服务\n(一)幼有所育\n1.托育服务\n\
//!             新增托位1.6万个。〔牵头单位:市卫健委;配合单位:各县(市)区、开发区〕\n";
//! let draft = import_document(text);
//! let item = &draft.parts[0].categories[0].tasks[0].items[0];
//! assert_eq!(item.lead_units, ["市卫健委"]);
//! assert_eq!(item.cooperating_units, ["各县(市)区、开发区"]);
//! let seats = &item.indicators[0];
//! assert_eq!((seats.target, seats.unit.as_str()), (Some(Decimal::from(16000)), "个"));
//! assert_eq!(seats.direction, Direction::AtLeast);
//! assert!(draft.unclassified.is_empty());
//! ```
//!
//! The importer never fails and never panics: whatever it cannot place is listed in
//! [`Draft::unclassified`] with its line number and the reason. `docs/importer.md` states the
//! rules (what is a part, what is a target and what only describes scope).
//!
//! Modules: `text` (normalised character views), `lines` (line shapes, dates), `structure`
//! (lines → parts, categories, tasks, items), `attribution` (the brackets), `figures` (numbers,
//! units, direction words) and `targets` (which figures are targets, their kinds, baselines).

#![deny(missing_docs)]

mod attribution;
mod figures;
mod lines;
mod structure;
mod targets;
mod text;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use progress_ledger_core::plan::{
    Category, Direction, IndicatorKind, IndicatorSpec, Item, Part, Plan, Task, Unit,
};

/// Reads a plan document into a draft. Never fails: see [`Draft::unclassified`] and
/// [`Draft::warnings`] for what needs a person's attention.
pub fn import_document(text: &str) -> Draft {
    structure::build(text)
}

/// A plan as read from a document, with the line numbers everything came from and the list of
/// what could not be classified. Serialises to JSON for review; [`Draft::to_plan`] gives the
/// plan model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Plan id: the document does not give one, so a placeholder (`draft`); see the warnings.
    pub id: String,
    /// Title line of the plan (empty when none was found).
    pub title: String,
    /// Issuer, from the signature line before the date (empty when none was found).
    pub issuer: String,
    /// Issue date, from a `2023年8月14日` line; a placeholder (1970-01-01) when there is none.
    pub issued: Date,
    /// First day of the period: 1 January of the year in the title, or a placeholder.
    pub period_start: Date,
    /// Last day of the period: 31 December of the (last) year in the title, or a placeholder.
    pub period_end: Date,
    /// Parts, in order.
    pub parts: Vec<DraftPart>,
    /// Every unit named in the attribution brackets, in order of first appearance.
    pub units: Vec<String>,
    /// Lines before the plan body (the issuing notice, signature, date, title, introduction).
    pub front_matter: Vec<FrontMatterLine>,
    /// Figures that were read but not proposed as targets, with the reason (scope, dates, codes,
    /// quoted names).
    pub skipped: Vec<Noted>,
    /// Lines and numbers that match no known shape, with the reason.
    pub unclassified: Vec<Noted>,
    /// Things that were read but need checking (placeholders, missing brackets, numbering gaps).
    pub warnings: Vec<Warning>,
}

/// A part of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftPart {
    /// 1-based number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Line of the heading (`None` for a part the importer had to supply).
    pub line: Option<usize>,
    /// Categories, in order.
    pub categories: Vec<DraftCategory>,
}

/// A category ((一) …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftCategory {
    /// Number, from its numeral.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Line of the heading (`None` for a category the importer had to supply).
    pub line: Option<usize>,
    /// Tasks, in order.
    pub tasks: Vec<DraftTask>,
}

/// A task (1. …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftTask {
    /// Number as written.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Line of the heading.
    pub line: Option<usize>,
    /// Items: the (1)(2)… sub-items, or one un-numbered item.
    pub items: Vec<DraftItem>,
}

/// An item: a sub-item, or the body of a task without sub-items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftItem {
    /// Sub-item number, `None` for a task's single un-numbered item.
    pub number: Option<u32>,
    /// Title: the first sentence of a sub-item, or the task title.
    pub title: String,
    /// Text without number marker and attribution bracket, verbatim (lines joined).
    pub text: String,
    /// Lead units, spelled as in the text.
    pub lead_units: Vec<String>,
    /// Cooperating units, spelled as in the text.
    pub cooperating_units: Vec<String>,
    /// First line of the item.
    pub first_line: usize,
    /// Last line of the item.
    pub last_line: usize,
    /// Line of the attribution bracket, `None` when the item has none.
    pub attribution_line: Option<usize>,
    /// Proposed indicators (a status indicator when no figure was found).
    pub indicators: Vec<Candidate>,
}

/// A proposed indicator, with the line its figure is on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Id, `t{task:02}-{item or 0}-{n}`.
    pub id: String,
    /// Title, from the words around the figure.
    pub title: String,
    /// Kind, guessed (see `docs/importer.md`).
    pub kind: IndicatorKind,
    /// Unit after scaling (万人 → 人); empty for milestones and status.
    pub unit: String,
    /// Target, exact and normalised (1.6万 → 16000).
    pub target: Option<Decimal>,
    /// Direction, from the words around the figure (at least when none).
    pub direction: Direction,
    /// Starting value the text gives, in the target's unit.
    pub baseline: Option<Decimal>,
    /// The source phrase, verbatim.
    pub source: String,
    /// Named deliverables of a milestones indicator.
    pub deliverables: Vec<String>,
    /// Line of the figure.
    pub line: usize,
}

/// A line of the front matter and what it was read as.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontMatterLine {
    /// Line number.
    pub line: usize,
    /// What the line is.
    pub role: FrontMatterRole,
    /// The line, trimmed.
    pub text: String,
}

/// Roles of front-matter lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrontMatterRole {
    /// The addressees of the notice (…各部门:).
    Addressee,
    /// A paragraph of the issuing notice (including its 一、二、 numbered points).
    Notice,
    /// The issuer's signature line.
    Issuer,
    /// The date line.
    Date,
    /// The plan's title.
    Title,
    /// Text between the title and the first heading.
    Introduction,
}

/// Something at a line: a skipped figure or an unclassified line or number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Noted {
    /// Line number (1-based).
    pub line: usize,
    /// The line or phrase, verbatim.
    pub text: String,
    /// Why it is listed.
    pub reason: String,
}

/// A remark on the draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// Line number, when the remark is about a line.
    pub line: Option<usize>,
    /// The remark.
    pub message: String,
}

impl Draft {
    /// All tasks, in order.
    pub fn tasks(&self) -> impl Iterator<Item = &DraftTask> {
        self.parts
            .iter()
            .flat_map(|p| &p.categories)
            .flat_map(|c| &c.tasks)
    }

    /// All items with their task number, in order.
    pub fn items(&self) -> impl Iterator<Item = (u32, &DraftItem)> {
        self.tasks()
            .flat_map(|t| t.items.iter().map(move |i| (t.number, i)))
    }

    /// Number of categories.
    pub fn category_count(&self) -> usize {
        self.parts.iter().map(|p| p.categories.len()).sum()
    }

    /// The plan model: placeholders stay as they are (fix them before loading), candidates
    /// become indicator specs with weight 1, units have no aliases, districts are empty (the
    /// district list is plan data the document does not give).
    pub fn to_plan(&self) -> Plan {
        let parts = self
            .parts
            .iter()
            .map(|p| Part {
                number: p.number,
                title: p.title.clone(),
                categories: p
                    .categories
                    .iter()
                    .map(|c| Category {
                        number: c.number,
                        title: c.title.clone(),
                        tasks: c.tasks.iter().map(to_task).collect(),
                    })
                    .collect(),
            })
            .collect();
        Plan {
            id: self.id.clone(),
            title: self.title.clone(),
            issuer: self.issuer.clone(),
            issued: self.issued,
            period_start: self.period_start,
            period_end: self.period_end,
            districts: Vec::new(),
            units: self
                .units
                .iter()
                .map(|name| Unit {
                    name: name.clone(),
                    aliases: Vec::new(),
                })
                .collect(),
            parts,
        }
    }
}

fn to_task(t: &DraftTask) -> Task {
    Task {
        number: t.number,
        title: t.title.clone(),
        items: t
            .items
            .iter()
            .map(|i| Item {
                number: i.number,
                title: i.title.clone(),
                text: i.text.clone(),
                lead_units: i.lead_units.clone(),
                cooperating_units: i.cooperating_units.clone(),
                indicators: i.indicators.iter().map(Candidate::to_spec).collect(),
            })
            .collect(),
    }
}

impl Candidate {
    /// The indicator spec this candidate proposes (weight 1).
    pub fn to_spec(&self) -> IndicatorSpec {
        IndicatorSpec {
            id: self.id.clone(),
            title: self.title.clone(),
            kind: self.kind,
            unit: self.unit.clone(),
            target: self.target,
            direction: self.direction,
            baseline: self.baseline,
            source: self.source.clone(),
            deliverables: self.deliverables.clone(),
            weight: Decimal::ONE,
            growth: false,
        }
    }
}
