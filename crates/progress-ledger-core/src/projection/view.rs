//! The progress view of a plan: indicators with value, completion and schedule status, rolled
//! up to items, tasks, categories, parts and the plan, and seen per lead unit and per district.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::math::{
    Completion, Schedule, district_measurements, district_sums, elapsed_share, evaluate_traced,
    judge,
};
use super::trace::{NoTrace, Node, Step, Term, Trace};
use super::{IndicatorDef, Projection};
use crate::hash::Hash;
use crate::plan::{Direction, IndicatorKind, Plan};

/// A node of the plan tree (part, category or task) with its rolled-up completion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    /// Number of the part, category or task.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Mean capped completion of its children.
    pub completion: Decimal,
    /// Schedule status of that completion.
    pub status: Schedule,
}

/// An item with its rolled-up completion and its units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemView {
    /// Task number.
    pub task: u32,
    /// Sub-item number, if any.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Lead units, as the text spells them.
    pub lead_units: Vec<String>,
    /// Cooperating units, as the text spells them.
    pub cooperating_units: Vec<String>,
    /// Weighted mean capped completion of its indicators.
    pub completion: Decimal,
    /// Schedule status.
    pub status: Schedule,
    /// Ids of its indicators.
    pub indicators: Vec<String>,
}

/// One indicator's value and completion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorView {
    /// Indicator id.
    pub id: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number, if any.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: IndicatorKind,
    /// Unit of value and target.
    pub unit: String,
    /// Target in force.
    pub target: Option<Decimal>,
    /// Direction of the target.
    pub direction: Direction,
    /// Baseline, if the plan gives one.
    pub baseline: Option<Decimal>,
    /// Current value (see the kind's rules).
    pub value: Option<Decimal>,
    /// Completion, raw and capped.
    pub completion: Completion,
    /// Schedule status.
    pub status: Schedule,
    /// Updates that count.
    pub updates: usize,
}

/// Completion of the items one unit leads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitView {
    /// Canonical unit name.
    pub unit: String,
    /// Items it leads.
    pub items: usize,
    /// Mean capped completion of those items.
    pub completion: Decimal,
    /// How many items are met, on track, behind, not started.
    pub counts: StatusCounts,
}

/// Counts of items by schedule status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Met.
    pub met: usize,
    /// On track.
    pub on_track: usize,
    /// Behind.
    pub behind: usize,
    /// Not started.
    pub not_started: usize,
}

impl StatusCounts {
    fn add(&mut self, status: Schedule) {
        match status {
            Schedule::Met => self.met += 1,
            Schedule::OnTrack => self.on_track += 1,
            Schedule::Behind => self.behind += 1,
            Schedule::NotStarted => self.not_started += 1,
        }
    }
}

/// What was reported for one district.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistrictView {
    /// District name.
    pub district: String,
    /// Per indicator with district updates: its value there (sum of deltas, or the latest
    /// measurement), and for coverage whether the district meets the per-district target.
    pub indicators: Vec<DistrictValue>,
}

/// One indicator's value in one district.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistrictValue {
    /// Indicator id.
    pub id: String,
    /// Value in the district.
    pub value: Decimal,
    /// For coverage indicators: whether the district meets its target.
    pub met: Option<bool>,
}

/// Progress of a whole plan at one point of the log and the calendar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgressView {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// Events folded (the log up to this sequence number).
    pub seq: u64,
    /// Hash of the event at `seq`: with it, the head the view was computed from.
    pub hash: Hash,
    /// Recorded-at of the last event folded.
    pub recorded_through: Option<Timestamp>,
    /// The business-date cutoff, if the view is "as effective on".
    pub effective: Option<Date>,
    /// Day the schedule is judged on.
    pub schedule_date: Date,
    /// Share of the plan period elapsed on that day.
    pub elapsed: Decimal,
    /// Mean capped completion of the parts.
    pub completion: Decimal,
    /// Parts.
    pub parts: Vec<NodeView>,
    /// Categories.
    pub categories: Vec<NodeView>,
    /// Tasks.
    pub tasks: Vec<NodeView>,
    /// Items.
    pub items: Vec<ItemView>,
    /// Indicators.
    pub indicators: Vec<IndicatorView>,
    /// Per lead unit.
    pub units: Vec<UnitView>,
    /// Per district.
    pub districts: Vec<DistrictView>,
}

fn mean(values: &[(Decimal, Decimal)]) -> Decimal {
    let weight: Decimal = values.iter().map(|(_, w)| *w).sum();
    if weight.is_zero() {
        return Decimal::ZERO;
    }
    (values.iter().map(|(v, w)| v * w).sum::<Decimal>() / weight).round_dp(6)
}

/// The mean of `node`'s children (child, capped completion, weight), telling `trace` the step
/// if it wants the node.
fn mean_of<T: Trace>(
    node: Node<'_>,
    children: &[(Node<'_>, Decimal, Decimal)],
    trace: &mut T,
) -> Decimal {
    let values: Vec<(Decimal, Decimal)> = children.iter().map(|(_, v, w)| (*v, *w)).collect();
    let value = mean(&values);
    if trace.wants(node) {
        trace.step(
            node,
            Step::Mean {
                terms: children
                    .iter()
                    .map(|(child, completion, weight)| Term {
                        subject: child.to_subject(),
                        completion: *completion,
                        weight: *weight,
                    })
                    .collect(),
                weighted_sum: values.iter().map(|(v, w)| v * w).sum(),
                total_weight: values.iter().map(|(_, w)| *w).sum(),
                value,
            },
        );
    }
    value
}

/// Builds the progress view of `plan` from a projection. `effective` limits updates to those
/// effective on or before that date; the schedule is judged on `schedule_date`.
pub fn progress_view(
    projection: &Projection,
    plan: &Plan,
    effective: Option<Date>,
    schedule_date: Date,
) -> ProgressView {
    progress_view_traced(projection, plan, effective, schedule_date, &mut NoTrace)
}

/// [`progress_view`], telling `trace` how every figure it wants is computed. Retired
/// indicators are left out (of the indicators and of every rollup): retirement counts from the
/// moment it was recorded, like a target revision.
pub fn progress_view_traced<T: Trace>(
    projection: &Projection,
    plan: &Plan,
    effective: Option<Date>,
    schedule_date: Date,
    trace: &mut T,
) -> ProgressView {
    let elapsed = elapsed_share(plan.period_start, plan.period_end, schedule_date);
    let catalog = projection.catalog();
    let mut by_item: HashMap<(u32, Option<u32>), Vec<&IndicatorDef>> = HashMap::new();
    for def in catalog
        .indicators()
        .filter(|d| d.plan == plan.id && !d.retired)
    {
        by_item.entry((def.task, def.item)).or_default().push(def);
    }
    let canonical = unit_aliases(plan);

    let mut view = ProgressView {
        plan: plan.id.clone(),
        title: plan.title.clone(),
        seq: projection.seq(),
        hash: projection.head().hash,
        recorded_through: projection.recorded_at(),
        effective,
        schedule_date,
        elapsed,
        completion: Decimal::ZERO,
        parts: Vec::new(),
        categories: Vec::new(),
        tasks: Vec::new(),
        items: Vec::new(),
        indicators: Vec::new(),
        units: Vec::new(),
        districts: Vec::new(),
    };
    let mut units: BTreeMap<String, (Vec<(Decimal, Decimal)>, StatusCounts)> = BTreeMap::new();
    let mut districts: BTreeMap<String, Vec<DistrictValue>> = BTreeMap::new();
    let node = |at: Node<'_>,
                number,
                title: &str,
                children: &[(Node<'_>, Decimal, Decimal)],
                started,
                trace: &mut T| {
        let completion = mean_of(at, children, trace);
        NodeView {
            number,
            title: title.to_owned(),
            completion,
            status: judge(at, completion, started, elapsed, trace),
        }
    };

    let mut part_values = Vec::new();
    for part in &plan.parts {
        let (mut category_values, mut part_started) = (Vec::new(), false);
        for category in &part.categories {
            let (mut task_values, mut category_started) = (Vec::new(), false);
            for task in &category.tasks {
                let (mut item_values, mut task_started) = (Vec::new(), false);
                for item in &task.items {
                    let at = Node::Item(task.number, item.number);
                    let defs = by_item
                        .get(&(task.number, item.number))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let mut indicator_values = Vec::new();
                    let mut item_started = false;
                    for def in defs {
                        let indicator =
                            indicator_view(projection, def, plan, effective, elapsed, trace);
                        item_started |= indicator.updates > 0;
                        indicator_values.push((
                            Node::Indicator(&def.spec.id),
                            indicator.completion.capped,
                            def.spec.weight,
                        ));
                        collect_districts(projection, def, effective, &mut districts);
                        view.indicators.push(indicator);
                    }
                    let completion = mean_of(at, &indicator_values, trace);
                    let status = judge(at, completion, item_started, elapsed, trace);
                    for unit in &item.lead_units {
                        let name = canonical
                            .get(unit.as_str())
                            .copied()
                            .unwrap_or(unit.as_str());
                        let entry = units.entry(name.to_owned()).or_default();
                        entry.0.push((completion, Decimal::ONE));
                        entry.1.add(status);
                    }
                    view.items.push(ItemView {
                        task: task.number,
                        item: item.number,
                        title: item.title.clone(),
                        lead_units: item.lead_units.clone(),
                        cooperating_units: item.cooperating_units.clone(),
                        completion,
                        status,
                        indicators: defs.iter().map(|d| d.spec.id.clone()).collect(),
                    });
                    task_started |= item_started;
                    item_values.push((at, completion, Decimal::ONE));
                }
                let at = Node::Task(task.number);
                let task_view = node(
                    at,
                    task.number,
                    &task.title,
                    &item_values,
                    task_started,
                    trace,
                );
                task_values.push((at, task_view.completion, Decimal::ONE));
                view.tasks.push(task_view);
                category_started |= task_started;
            }
            let at = Node::Category(category.number);
            let category_view = node(
                at,
                category.number,
                &category.title,
                &task_values,
                category_started,
                trace,
            );
            category_values.push((at, category_view.completion, Decimal::ONE));
            view.categories.push(category_view);
            part_started |= category_started;
        }
        let at = Node::Part(part.number);
        let part_view = node(
            at,
            part.number,
            &part.title,
            &category_values,
            part_started,
            trace,
        );
        part_values.push((at, part_view.completion, Decimal::ONE));
        view.parts.push(part_view);
    }
    view.completion = mean_of(Node::Plan, &part_values, trace);
    view.units = units
        .into_iter()
        .map(|(unit, (values, counts))| UnitView {
            unit,
            items: values.len(),
            completion: mean(&values),
            counts,
        })
        .collect();
    view.districts = districts
        .into_iter()
        .map(|(district, indicators)| DistrictView {
            district,
            indicators,
        })
        .collect();
    view
}

/// One indicator's figures, telling `trace` how they are computed if it wants the indicator.
pub(crate) fn indicator_view<T: Trace>(
    projection: &Projection,
    def: &IndicatorDef,
    plan: &Plan,
    effective: Option<Date>,
    elapsed: Decimal,
    trace: &mut T,
) -> IndicatorView {
    let empty = Default::default();
    let state = projection.state(&def.spec.id).unwrap_or(&empty);
    let target = def.target();
    let evaluation = evaluate_traced(
        &def.spec,
        target,
        state,
        effective,
        plan.districts.len(),
        trace,
    );
    IndicatorView {
        id: def.spec.id.clone(),
        task: def.task,
        item: def.item,
        title: def.spec.title.clone(),
        kind: def.spec.kind,
        unit: def.spec.unit.clone(),
        target,
        direction: def.spec.direction,
        baseline: def.spec.baseline,
        value: evaluation.value,
        completion: evaluation.completion,
        status: judge(
            Node::Indicator(&def.spec.id),
            evaluation.completion.capped,
            evaluation.started,
            elapsed,
            trace,
        ),
        updates: evaluation.updates,
    }
}

fn collect_districts(
    projection: &Projection,
    def: &IndicatorDef,
    effective: Option<Date>,
    districts: &mut BTreeMap<String, Vec<DistrictValue>>,
) {
    let Some(state) = projection.state(&def.spec.id) else {
        return;
    };
    let tally = state.tally(effective);
    let coverage = def.spec.kind == IndicatorKind::Coverage;
    let needed = def.target().unwrap_or(Decimal::ONE);
    for (district, sum) in district_sums(state, &tally) {
        districts
            .entry(district.to_owned())
            .or_default()
            .push(DistrictValue {
                id: def.spec.id.clone(),
                value: sum.value(),
                met: coverage.then_some(sum.value() >= needed),
            });
    }
    for (district, value) in district_measurements(state, &tally) {
        districts
            .entry(district.to_owned())
            .or_default()
            .push(DistrictValue {
                id: def.spec.id.clone(),
                value,
                met: None,
            });
    }
}

/// Maps every alias to its unit's canonical name.
pub fn unit_aliases(plan: &Plan) -> HashMap<&str, &str> {
    plan.units
        .iter()
        .flat_map(|u| u.aliases.iter().map(move |a| (a.as_str(), u.name.as_str())))
        .collect()
}
