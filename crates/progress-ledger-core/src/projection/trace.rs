//! What the folds can tell about how they computed a figure: which updates they used and how
//! (a [`Role`]), and each step of the arithmetic (a [`Step`]).
//!
//! The completion math (`math.rs`) and the rollups (`view.rs`) take a [`Trace`]. Projections pass
//! [`NoTrace`], which wants nothing, so nothing is recorded and the steps are never built;
//! explanations (`explain.rs`) pass a trace that keeps what they are asked about. So an
//! explanation is the projection's own computation, written down, not a second one.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::math::Schedule;
use super::state::Update;
use crate::plan::{Direction, ItemStatus};

/// A node of a plan's tree, borrowed: what a trace is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node<'a> {
    /// The whole plan.
    Plan,
    /// A part, by number.
    Part(u32),
    /// A category, by number.
    Category(u32),
    /// A task, by number.
    Task(u32),
    /// An item: task number and sub-item number.
    Item(u32, Option<u32>),
    /// An indicator, by id.
    Indicator(&'a str),
}

impl Node<'_> {
    /// The owned form.
    pub fn to_subject(self) -> Subject {
        match self {
            Node::Plan => Subject::Plan,
            Node::Part(number) => Subject::Part { number },
            Node::Category(number) => Subject::Category { number },
            Node::Task(number) => Subject::Task { number },
            Node::Item(task, item) => Subject::Item { task, item },
            Node::Indicator(id) => Subject::Indicator { id: id.to_owned() },
        }
    }
}

/// A figure's subject: the plan, a part, category, task, item or indicator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum Subject {
    /// The whole plan.
    Plan,
    /// A part.
    Part {
        /// Its number.
        number: u32,
    },
    /// A category.
    Category {
        /// Its number (across the plan).
        number: u32,
    },
    /// A task.
    Task {
        /// Its number (across the plan).
        number: u32,
    },
    /// An item.
    Item {
        /// Task number.
        task: u32,
        /// Sub-item number, if the task has sub-items.
        item: Option<u32>,
    },
    /// An indicator.
    Indicator {
        /// Its id.
        id: String,
    },
}

impl Subject {
    /// The borrowed form.
    pub fn as_node(&self) -> Node<'_> {
        match self {
            Subject::Plan => Node::Plan,
            Subject::Part { number } => Node::Part(*number),
            Subject::Category { number } => Node::Category(*number),
            Subject::Task { number } => Node::Task(*number),
            Subject::Item { task, item } => Node::Item(*task, *item),
            Subject::Indicator { id } => Node::Indicator(id),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Plan => f.write_str("plan"),
            Subject::Part { number } => write!(f, "part {number}"),
            Subject::Category { number } => write!(f, "category {number}"),
            Subject::Task { number } => write!(f, "task {number}"),
            Subject::Item {
                task,
                item: Some(item),
            } => write!(f, "item {task}({item})"),
            Subject::Item { task, item: None } => write!(f, "item {task}"),
            Subject::Indicator { id } => write!(f, "indicator {id}"),
        }
    }
}

/// What the fold did with one update that counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Added into the sum (cumulative).
    Summed,
    /// The value: the plan-wide measurement, or the status, with the latest effective date (the
    /// later recorded on a tie).
    Latest,
    /// A plan-wide measurement or a status replaced by a later one.
    Superseded,
    /// A measurement of one district: in the district view, not in the plan-wide value.
    DistrictOnly,
    /// Added into its district's sum (coverage).
    DistrictSum,
    /// A deliverable reached: the first update naming it.
    Reached,
    /// A deliverable named again after an earlier update reached it: counted once.
    AlreadyReached,
    /// An update the kind's rule does not use (a coverage delta without a district).
    Unused,
}

/// Which rule of docs/completion.md a level's completion follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelRule {
    /// At least, from a baseline below the target: (v − b) / (t − b).
    UpFromBaseline,
    /// At least, no baseline below the target: v / t.
    ShareOfTarget,
    /// At most, from a baseline above the target: (b − v) / (b − t).
    DownFromBaseline,
    /// At most, no baseline above it, the value at or under the target: 1.
    UnderCeiling,
    /// At most, no baseline above it, the value over the target: t / v.
    CeilingOverValue,
}

/// What a [`Step::Count`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    /// Districts whose sum reaches the per-district target (coverage).
    DistrictsMet,
    /// Distinct deliverables reached (milestones).
    DeliverablesReached,
}

/// One input of a mean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Term {
    /// Whose completion.
    pub subject: Subject,
    /// Its capped completion.
    pub completion: Decimal,
    /// Its weight.
    pub weight: Decimal,
}

/// One step of the arithmetic from the updates to a figure. Fractions are rounded to 6 decimal
/// places where docs/completion.md says so, exactly as the projection rounds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// value = the sum of the amounts of the updates marked [`Role::Summed`] (0 if none).
    Sum {
        /// How many updates.
        terms: usize,
        /// The sum.
        value: Decimal,
    },
    /// value = the amount (or status value) of the update marked [`Role::Latest`]; none if no
    /// update is.
    Latest {
        /// Its effective date.
        effective: Option<Date>,
        /// The value.
        value: Option<Decimal>,
    },
    /// One district's sum: the updates marked [`Role::DistrictSum`] for it, against the
    /// per-district target.
    District {
        /// The district.
        district: String,
        /// How many updates.
        terms: usize,
        /// Their sum.
        sum: Decimal,
        /// The per-district target (1 if the indicator has none).
        needed: Decimal,
        /// Whether `sum ≥ needed`.
        met: bool,
    },
    /// value = how many districts met, or distinct deliverables reached.
    Count {
        /// What is counted.
        of: Counted,
        /// The count.
        value: Decimal,
    },
    /// A status as a value: not started 0, in progress 0.5, done 1.
    Status {
        /// The status in force (not started if none was reported).
        status: ItemStatus,
        /// Its value.
        value: Decimal,
    },
    /// result = numerator / denominator, rounded to 6 places; none when the denominator is 0.
    Ratio {
        /// Numerator.
        numerator: Decimal,
        /// Denominator.
        denominator: Decimal,
        /// The rounded quotient.
        result: Option<Decimal>,
    },
    /// A level's raw completion by its rule: numerator / denominator, rounded to 6 places
    /// (0 when the denominator is 0).
    Level {
        /// The rule.
        rule: LevelRule,
        /// Direction of the target.
        direction: Direction,
        /// The value.
        value: Decimal,
        /// The target.
        target: Decimal,
        /// The baseline, if any.
        baseline: Option<Decimal>,
        /// Numerator of the rule.
        numerator: Decimal,
        /// Denominator of the rule.
        denominator: Decimal,
        /// The raw completion.
        result: Decimal,
    },
    /// No target is in force, or no value yet: the completion is 0.
    NoCompletion,
    /// capped = raw clamped to [0, 1].
    Cap {
        /// Raw completion.
        raw: Decimal,
        /// Capped completion.
        capped: Decimal,
    },
    /// The weighted mean of the children's capped completions, rounded to 6 places (0 when the
    /// weights add up to 0).
    Mean {
        /// The children.
        terms: Vec<Term>,
        /// Σ completion × weight.
        weighted_sum: Decimal,
        /// Σ weight.
        total_weight: Decimal,
        /// The mean.
        value: Decimal,
    },
    /// The schedule status: met if capped is 1, else not started if nothing counts, else on
    /// track if capped ≥ elapsed, else behind.
    Schedule {
        /// Capped completion.
        capped: Decimal,
        /// Whether any update counts.
        started: bool,
        /// Share of the plan period elapsed.
        elapsed: Decimal,
        /// The status.
        status: Schedule,
    },
}

/// Told how the folds compute the figures of a view. Every method has a default that does
/// nothing; [`Trace::wants`] is asked first, and nothing else is told about a node it does not
/// want.
pub trait Trace {
    /// Whether the updates and steps of `node` are wanted.
    fn wants(&self, node: Node<'_>) -> bool {
        let _ = node;
        false
    }

    /// `update` of indicator `node` counts, and the fold used it as `role`.
    fn update(&mut self, node: Node<'_>, update: &Update<'_>, role: Role) {
        let _ = (node, update, role);
    }

    /// A step of the computation of `node`'s figure, in order.
    fn step(&mut self, node: Node<'_>, step: Step) {
        let _ = (node, step);
    }
}

/// The trace of projections: wants nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Trace for NoTrace {}
