//! The draft a document is read into: the plan's tree with the line numbers everything came
//! from, the proposed indicators, and the lists a person reviews (skipped figures, unclassified
//! lines, warnings).

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use progress_ledger_core::plan::{
    Category, Direction, IndicatorKind, IndicatorSpec, Item, Part, Plan, Task, Unit,
};

/// A plan as read from a document, with the line numbers everything came from and the list of
/// what could not be classified. Serialises to JSON for review; [`Draft::to_plan`] gives the
/// plan model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The unsure indicators, in document order: a reviewer checks these first. (First in the
    /// JSON too.)
    pub review_first: Vec<ReviewNote>,
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
    /// File lines read as one line: a bracket or heading the page broke over several lines.
    pub joined_lines: Vec<JoinedLines>,
    /// Targets written outside any task (a goals paragraph, the text under a part heading). They
    /// have no units and no place in the plan yet: [`Draft::to_plan`] leaves them out, and the
    /// person curating the plan places them.
    pub goals: Vec<DraftGoal>,
}

/// A paragraph outside any task, with the targets it states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftGoal {
    /// First line of the paragraph.
    pub line: usize,
    /// Last line of the paragraph.
    pub last_line: usize,
    /// The part it is written under (`None` before the first part heading).
    pub part: Option<u32>,
    /// The paragraph, verbatim.
    pub text: String,
    /// The proposed targets, with ids `g{paragraph:02}-{n}`.
    pub indicators: Vec<Candidate>,
}

/// File lines `first..=last` read as one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedLines {
    /// First file line.
    pub first: usize,
    /// Last file line.
    pub last: usize,
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
    /// The value is a growth rate (增长10%).
    pub growth: bool,
    /// Line of the figure.
    pub line: usize,
    /// The rule that drafted it.
    pub rule: Rule,
    /// How sure the importer is of it.
    pub certainty: Certainty,
}

/// The rule that drafted an indicator (`docs/importer.md`, "Rules and certainty").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// A figure with a direction word: 不少于5300人次, 达92%以上, 控制在4.5%以内.
    DirectionWord,
    /// A figure counted per something: 每千人口…10个托位, 1500元/人, 每半年…1次.
    PerUnit,
    /// An approximate figure (近, 约, 左右, 余): the figure, at least.
    Approximate,
    /// A share without a direction word: 城镇化率70%.
    Share,
    /// A count after a verb of doing, with no direction word: 新增家政服务人员10万人.
    CountAfterVerb,
    /// A figure with no direction word and no verb of doing before it.
    BareFigure,
    /// A number with a direction word and no unit: 控制在103.5以内.
    NoUnit,
    /// A rate named without a figure that shares the next one: 化解率、满意率90%以上.
    SharedRate,
    /// A frequency named without a figure that shares the next one: 每天、每周…排查1次.
    SharedFrequency,
    /// A commitment without a figure (全覆盖, 所有, 应X尽X, 清零): 100 %.
    Commitment,
    /// A service around the clock (24小时开放, “7×24小时”): 24 小时/天.
    AroundTheClock,
    /// Named deliverables: 完成A、B和C等项目建设.
    Milestones,
    /// An item with no numeric target: its status.
    NoTarget,
}

/// How sure the importer is of a drafted indicator. [`Draft::review_first`] lists the unsure ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// The text says what the indicator takes from it (a direction word, a unit per something).
    Sure,
    /// Read by a default rule that usually holds (a count after a verb is cumulative, at least).
    Likely,
    /// A guess: check it first.
    Unsure,
}

impl Certainty {
    /// One step less sure.
    pub fn lowered(self) -> Certainty {
        match self {
            Certainty::Sure => Certainty::Likely,
            Certainty::Likely | Certainty::Unsure => Certainty::Unsure,
        }
    }
}

/// An unsure indicator, for the reviewer to check first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewNote {
    /// The indicator's id.
    pub id: String,
    /// Its line.
    pub line: usize,
    /// The rule that drafted it.
    pub rule: Rule,
    /// Its source phrase.
    pub source: String,
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
    /// All categories, in order.
    pub fn categories(&self) -> impl Iterator<Item = &DraftCategory> {
        self.parts.iter().flat_map(|part| &part.categories)
    }

    /// All tasks, in order.
    pub fn tasks(&self) -> impl Iterator<Item = &DraftTask> {
        self.categories().flat_map(|category| &category.tasks)
    }

    /// All items with their task number, in order.
    pub fn items(&self) -> impl Iterator<Item = (u32, &DraftItem)> {
        self.tasks()
            .flat_map(|task| task.items.iter().map(move |item| (task.number, item)))
    }

    /// Every candidate, mutably, in order.
    pub(crate) fn candidates_mut(&mut self) -> impl Iterator<Item = &mut Candidate> {
        self.parts
            .iter_mut()
            .flat_map(|part| &mut part.categories)
            .flat_map(|category| &mut category.tasks)
            .flat_map(|task| &mut task.items)
            .flat_map(|item| &mut item.indicators)
    }

    /// Number of categories.
    pub fn category_count(&self) -> usize {
        self.categories().count()
    }

    /// The plan model: placeholders stay as they are (fix them before loading), candidates
    /// become indicator specs with weight 1, units have no aliases, districts are empty (the
    /// district list is plan data the document does not give).
    pub fn to_plan(&self) -> Plan {
        let parts = self
            .parts
            .iter()
            .map(|part| Part {
                number: part.number,
                title: part.title.clone(),
                categories: part
                    .categories
                    .iter()
                    .map(|category| Category {
                        number: category.number,
                        title: category.title.clone(),
                        tasks: category.tasks.iter().map(DraftTask::to_task).collect(),
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

impl DraftTask {
    /// The task of the plan model, with an item for each draft item.
    fn to_task(&self) -> Task {
        Task {
            number: self.number,
            title: self.title.clone(),
            items: self
                .items
                .iter()
                .map(|item| Item {
                    number: item.number,
                    title: item.title.clone(),
                    text: item.text.clone(),
                    lead_units: item.lead_units.clone(),
                    cooperating_units: item.cooperating_units.clone(),
                    indicators: item.indicators.iter().map(Candidate::to_spec).collect(),
                })
                .collect(),
        }
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
            growth: self.growth,
        }
    }
}
