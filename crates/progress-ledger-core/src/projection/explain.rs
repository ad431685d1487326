//! Explanations: where a figure comes from. For an indicator, a task, a category or the plan, at
//! one point of the log and the calendar: the target in force and the event that set it, every
//! update the fold used (with its event) and what it did with it, the updates voided and the
//! corrections that voided them, the arithmetic step by step, the rollups up to the plan, and
//! the head the figures were computed from.
//!
//! An explanation is the projection's own computation written down: [`prepare`] runs the view
//! ([`super::progress_view_traced`]) with a trace that keeps the roles and steps of what it is
//! asked about; [`Prepared::resolve`] then names the event behind each update, from the
//! events of the indicators' streams, folded the way the projection folds them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::math::{Completion, Schedule, elapsed_share};
use super::refs::{Contributed, EventRef};
use super::state::{Contribution, IndicatorState, Update};
use super::trace::{Node, Role, Step, Subject, Trace};
use super::view::{ProgressView, indicator_view, progress_view_traced};
use super::{IndicatorDef, Projection};
use crate::FastMap;
use crate::error::{Error, Result};
use crate::event::{Event, Head, Payload};
use crate::plan::{Direction, IndicatorKind, Plan};

/// What to explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One indicator's value, completion and status.
    Indicator(String),
    /// A task's completion (and every indicator and item in it).
    Task(u32),
    /// A category's completion (and everything in it).
    Category(u32),
    /// The plan's completion (and everything in it).
    Plan,
}

/// An update the fold used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountedUpdate {
    /// The event that made it: the update, or the correction whose replacement it is.
    pub event: EventRef,
    /// For a replacement: the id of the update its correction voided.
    pub replaces: Option<Uuid>,
    /// What it contributes.
    pub contribution: Contributed,
    /// What the fold did with it.
    pub role: Role,
    /// With an effective date asked for: whether it was recorded on a later day (Asia/Shanghai)
    /// than that date, i.e. it arrived after the date it counts for.
    pub arrived_after_effective: bool,
}

/// An update that would count but was voided by a correction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoidedUpdate {
    /// The event that made it.
    pub event: EventRef,
    /// What it contributed.
    pub contribution: Contributed,
    /// The correction that voided it.
    pub voided_by: EventRef,
    /// The correction's reason.
    pub reason: String,
    /// Whether the correction carries a replacement (listed among the counted updates when it
    /// counts).
    pub replaced: bool,
}

/// The target in force and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetInForce {
    /// The target (none: the indicator has no numeric target).
    pub value: Option<Decimal>,
    /// The event that set it: the indicator's definition, or the latest target revision.
    pub set_by: Option<EventRef>,
    /// The revision's reason, if a revision set it.
    pub reason: Option<String>,
    /// Target revisions recorded so far (since the target was last defined).
    pub revisions: usize,
}

/// Where one indicator's figures come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndicatorExplanation {
    /// Indicator id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Kind.
    pub kind: IndicatorKind,
    /// Unit.
    pub unit: String,
    /// Direction of the target.
    pub direction: Direction,
    /// Baseline.
    pub baseline: Option<Decimal>,
    /// Weight in its item's mean.
    pub weight: Decimal,
    /// The target in force.
    pub target: TargetInForce,
    /// The retirement, if the indicator is retired: it is then in no rollup.
    pub retired: Option<EventRef>,
    /// Every update the fold used, in log order.
    pub counted: Vec<CountedUpdate>,
    /// Updates voided by a correction that would otherwise count, in log order.
    pub voided: Vec<VoidedUpdate>,
    /// Updates recorded by then whose effective date is after the one asked for: not counted.
    pub effective_later: usize,
    /// The arithmetic, in order.
    pub steps: Vec<Step>,
    /// The value.
    pub value: Option<Decimal>,
    /// The completion.
    pub completion: Completion,
    /// The schedule status.
    pub status: Schedule,
}

/// How one rollup's figure comes from its children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollupExplanation {
    /// The item, task, category, part or plan.
    pub subject: Subject,
    /// Its title.
    pub title: String,
    /// The mean of its children, then its schedule status (the plan has none).
    pub steps: Vec<Step>,
    /// Its completion.
    pub completion: Decimal,
    /// Its schedule status.
    pub status: Option<Schedule>,
}

/// The share of the plan period elapsed on the day the schedule is judged on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Elapsed {
    /// First day of the period.
    pub start: Date,
    /// Last day of the period.
    pub end: Date,
    /// The day judged on.
    pub day: Date,
    /// Days of the period up to and including that day (0 to `days`).
    pub days_elapsed: i64,
    /// Days of the period.
    pub days: i64,
    /// days_elapsed / days, rounded to 6 places.
    pub share: Decimal,
}

/// Where a figure comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// What is explained.
    pub scope: Subject,
    /// The head the figures were computed from: the last event folded.
    pub head: Head,
    /// Recorded-at of that event.
    pub recorded_through: Option<Timestamp>,
    /// The business-date cutoff, if one was asked for.
    pub effective: Option<Date>,
    /// The schedule, as judged.
    pub elapsed: Elapsed,
    /// The indicators in scope, in plan order (a retired one last).
    pub indicators: Vec<IndicatorExplanation>,
    /// The rollups in scope and above it, from the items up to the plan.
    pub rollups: Vec<RollupExplanation>,
}

/// An explanation before its events are named: the fold's figures, roles and steps.
#[derive(Debug)]
pub struct Prepared {
    explanation: Explanation,
    /// Per indicator of `explanation.indicators`: its updates as folded, and the roles of
    /// those used.
    folded: Vec<Folded>,
}

/// One indicator's updates as folded (shared with the projection), and the role of each
/// one used, by place.
type Folded = (Arc<IndicatorState>, Vec<(usize, Role)>);

/// Keeps the roles and steps of the nodes wanted.
#[derive(Default)]
struct Keeper {
    indicators: HashSet<String>,
    nodes: HashSet<Subject>,
    /// Looked up for every update of the indicators wanted.
    roles: FastMap<String, Vec<(usize, Role)>>,
    steps: HashMap<Subject, Vec<Step>>,
}

impl Trace for Keeper {
    fn wants(&self, node: Node<'_>) -> bool {
        match node {
            Node::Indicator(id) => self.indicators.contains(id),
            other => self.nodes.contains(&other.to_subject()),
        }
    }

    fn update(&mut self, node: Node<'_>, update: &Update<'_>, role: Role) {
        if let Node::Indicator(id) = node {
            // Looked up by `&str` first: an indicator's id is copied once, not once an update.
            match self.roles.get_mut(id) {
                Some(roles) => roles.push((update.order, role)),
                None => {
                    self.roles.insert(id.to_owned(), vec![(update.order, role)]);
                }
            }
        }
    }

    fn step(&mut self, node: Node<'_>, step: Step) {
        self.steps.entry(node.to_subject()).or_default().push(step);
    }
}

/// Days from `start` to `day`, both included, within `[0, days]`.
fn elapsed(plan: &Plan, day: Date) -> Elapsed {
    let days = i64::from((plan.period_end - plan.period_start).get_days()) + 1;
    let done = i64::from((day - plan.period_start).get_days()) + 1;
    Elapsed {
        start: plan.period_start,
        end: plan.period_end,
        day,
        days_elapsed: done.clamp(0, days.max(0)),
        days,
        share: elapsed_share(plan.period_start, plan.period_end, day),
    }
}

/// Runs the view of `plan` on `projection` with a trace of what `scope` needs. `None` if the
/// scope is not in the plan (an indicator not defined for it by then, a task it does not have).
pub fn prepare(
    projection: &Projection,
    plan: &Plan,
    scope: &Scope,
    effective: Option<Date>,
    schedule_date: Date,
) -> Option<Prepared> {
    let catalog = projection.catalog();
    let in_plan: Vec<&IndicatorDef> = catalog.indicators().filter(|d| d.plan == plan.id).collect();
    let mut keeper = Keeper::default();
    // The tree's nodes in scope (the indicators' task numbers and the categories they are in).
    let (tasks, subject): (Vec<u32>, Subject) = match scope {
        Scope::Indicator(id) => {
            let def = in_plan.iter().find(|d| d.spec.id == *id)?;
            keeper.indicators.insert(id.clone());
            keeper.nodes.insert(Subject::Item {
                task: def.task,
                item: def.item,
            });
            (vec![def.task], Subject::Indicator { id: id.clone() })
        }
        Scope::Task(number) => {
            plan.tasks().find(|t| t.number == *number)?;
            (vec![*number], Subject::Task { number: *number })
        }
        Scope::Category(number) => {
            let (_, category) = plan.categories().find(|(_, c)| c.number == *number)?;
            let tasks = category.tasks.iter().map(|t| t.number).collect();
            (tasks, Subject::Category { number: *number })
        }
        Scope::Plan => (plan.tasks().map(|t| t.number).collect(), Subject::Plan),
    };
    let whole_tasks = !matches!(scope, Scope::Indicator(_));
    for part in &plan.parts {
        for category in &part.categories {
            for task in category.tasks.iter().filter(|t| tasks.contains(&t.number)) {
                keeper.nodes.insert(Subject::Part {
                    number: part.number,
                });
                keeper.nodes.insert(Subject::Category {
                    number: category.number,
                });
                keeper.nodes.insert(Subject::Task {
                    number: task.number,
                });
                if whole_tasks {
                    for item in &task.items {
                        keeper.nodes.insert(Subject::Item {
                            task: task.number,
                            item: item.number,
                        });
                    }
                }
            }
        }
    }
    if whole_tasks {
        for def in in_plan.iter().filter(|d| tasks.contains(&d.task)) {
            keeper.indicators.insert(def.spec.id.clone());
        }
    }
    keeper.nodes.insert(Subject::Plan);

    let view = progress_view_traced(projection, plan, effective, schedule_date, &mut keeper);
    let mut indicators = Vec::new();
    let mut folded = Vec::new();
    let mut ids: Vec<&IndicatorDef> = in_plan
        .iter()
        .copied()
        .filter(|d| keeper.indicators.contains(&d.spec.id))
        .collect();
    // Plan order (the view's), retired ones (not in the view) last.
    let place = |id: &str| view.indicators.iter().position(|i| i.id == id);
    ids.sort_by_key(|d| (place(&d.spec.id).unwrap_or(usize::MAX), d.spec.id.clone()));
    for def in ids {
        let figures = match view.indicators.iter().find(|i| i.id == def.spec.id) {
            Some(figures) => figures.clone(),
            // Retired: not in the view; evaluated the same way for its explanation.
            None => indicator_view(projection, def, plan, effective, view.elapsed, &mut keeper),
        };
        let state = projection.shared_state(&def.spec.id).unwrap_or_default();
        let effective_later = match effective {
            Some(day) => state
                .updates()
                .filter(|u| !u.voided && u.effective > day)
                .count(),
            None => 0,
        };
        let subject = Subject::Indicator {
            id: def.spec.id.clone(),
        };
        indicators.push(IndicatorExplanation {
            id: def.spec.id.clone(),
            title: def.spec.title.clone(),
            task: def.task,
            item: def.item,
            kind: def.spec.kind,
            unit: def.spec.unit.clone(),
            direction: def.spec.direction,
            baseline: def.spec.baseline,
            weight: def.spec.weight,
            target: TargetInForce {
                value: def.target(),
                set_by: None,
                reason: def.revisions.last().map(|r| r.reason.clone()),
                revisions: def.revisions.len(),
            },
            retired: None,
            counted: Vec::new(),
            voided: Vec::new(),
            effective_later,
            steps: keeper.steps.remove(&subject).unwrap_or_default(),
            value: figures.value,
            completion: figures.completion,
            status: figures.status,
        });
        let roles = keeper.roles.remove(&def.spec.id).unwrap_or_default();
        folded.push((state, roles));
    }
    let rollups = rollups(&view, plan, &mut keeper);
    Some(Prepared {
        explanation: Explanation {
            plan: plan.id.clone(),
            title: plan.title.clone(),
            scope: subject,
            head: projection.head(),
            recorded_through: projection.recorded_at(),
            effective,
            elapsed: elapsed(plan, schedule_date),
            indicators,
            rollups,
        },
        folded,
    })
}

/// The rollups the keeper traced, from the items up to the plan, in plan order at each level.
fn rollups(view: &ProgressView, plan: &Plan, keeper: &mut Keeper) -> Vec<RollupExplanation> {
    let mut out = Vec::new();
    let mut take = |subject: Subject, title: &str, completion, status| {
        if let Some(steps) = keeper.steps.remove(&subject) {
            out.push(RollupExplanation {
                subject,
                title: title.to_owned(),
                steps,
                completion,
                status,
            });
        }
    };
    for item in &view.items {
        let subject = Subject::Item {
            task: item.task,
            item: item.item,
        };
        take(subject, &item.title, item.completion, Some(item.status));
    }
    for task in &view.tasks {
        let subject = Subject::Task {
            number: task.number,
        };
        take(subject, &task.title, task.completion, Some(task.status));
    }
    for category in &view.categories {
        let subject = Subject::Category {
            number: category.number,
        };
        take(
            subject,
            &category.title,
            category.completion,
            Some(category.status),
        );
    }
    for part in &view.parts {
        let subject = Subject::Part {
            number: part.number,
        };
        take(subject, &part.title, part.completion, Some(part.status));
    }
    take(Subject::Plan, &plan.title, view.completion, None);
    out
}

impl Prepared {
    /// The indicators whose events [`Prepared::resolve`] needs.
    pub fn indicators(&self) -> impl Iterator<Item = &str> {
        self.explanation.indicators.iter().map(|i| i.id.as_str())
    }

    /// The head the figures were computed from: resolve takes the events up to it.
    pub fn head(&self) -> Head {
        self.explanation.head
    }

    /// Names the event behind every update, voided update, target and retirement, from
    /// `events(id, each)`, which calls `each` with the events of indicator `id`'s stream up
    /// to the head, in order. The events are folded the way the projection folds them, as
    /// they come; if they do not give the updates the figures were computed from, the log and
    /// the projection disagree (an error).
    pub fn resolve(
        self,
        mut events: impl FnMut(&str, &mut dyn FnMut(Event) -> Result<()>) -> Result<()>,
    ) -> Result<Explanation> {
        self.resolve_read(|id, updates| StreamRead::read(updates, |each| events(id, each)))
    }

    /// [`Prepared::resolve`], from each indicator's stream as `read(id, updates)` reads and
    /// folds it (`updates`: how many updates the indicator has).
    pub(crate) fn resolve_read(
        self,
        mut read: impl FnMut(&str, usize) -> Result<StreamRead>,
    ) -> Result<Explanation> {
        let Prepared {
            mut explanation,
            folded,
        } = self;
        let effective = explanation.effective;
        for (indicator, (state, roles)) in explanation.indicators.iter_mut().zip(folded) {
            let StreamRead {
                mut events,
                links,
                replay,
            } = read(&indicator.id, state.len())?;
            let empty = IndicatorState::default();
            let replayed = replay.state(&indicator.id).unwrap_or(&empty);
            if !replayed.same_updates(&state) {
                return Err(Error::Damaged(format!(
                    "the log's events of indicator {} do not give the updates the projection \
                     holds; rebuild the projection",
                    indicator.id
                )));
            }
            // The target's and the retirement's events, named before any event is taken.
            let last = |wanted: fn(&Payload) -> bool| {
                events
                    .iter()
                    .rev()
                    .find(|e| wanted(&e.payload))
                    .map(EventRef::of)
            };
            indicator.target.set_by = if indicator.target.revisions > 0 {
                last(|p| matches!(p, Payload::TargetRevised { .. }))
            } else {
                last(|p| matches!(p, Payload::IndicatorDefined { .. }))
            };
            let def = replay.catalog().indicator(&indicator.id);
            if def.is_some_and(|d| d.retired) {
                indicator.retired = last(|p| matches!(p, Payload::IndicatorRetired { .. }));
            }
            // Which event (by place in `events`) made each update, and which voided it: the
            // replayed state places each event's update by its version.
            let mut made_by: Vec<Option<usize>> = vec![None; state.len()];
            let mut voided_by: Vec<Option<usize>> = vec![None; state.len()];
            let order_of = |place: usize| {
                let (version, _) = links.get(place)?;
                replayed.place_of(*version)
            };
            for (at, &(_, corrected)) in links.iter().enumerate() {
                if let Some(made) = order_of(at).and_then(|order| made_by.get_mut(order)) {
                    *made = Some(at);
                }
                if let Some(voided) = corrected
                    .and_then(order_of)
                    .and_then(|order| voided_by.get_mut(order))
                {
                    *voided = Some(at);
                }
            }
            let named = |order: usize| {
                made_by.get(order).copied().flatten().ok_or_else(|| {
                    Error::Damaged(format!(
                        "update {order} of indicator {} has no event in the log",
                        indicator.id
                    ))
                })
            };
            // Each event made at most one update, and voided and counted updates are apart:
            // each update's event is taken once. A correction is named by copy, as it may
            // also have made a replacement.
            for update in state.updates().filter(|u| u.voided) {
                if effective.is_some_and(|day| update.effective > day) {
                    continue;
                }
                let made = named(update.order)?;
                let Some(correction) = voided_by.get(update.order).copied().flatten() else {
                    continue;
                };
                let correction = &events[correction];
                let (reason, replaced) = match &correction.payload {
                    Payload::Corrected {
                        reason,
                        replacement,
                        ..
                    } => (reason.clone(), replacement.is_some()),
                    _ => (String::new(), false),
                };
                let voided_by = EventRef::of(correction);
                let (event, contribution) = taken(&mut events[made], update.contribution);
                indicator.voided.push(VoidedUpdate {
                    event,
                    contribution,
                    voided_by,
                    reason,
                    replaced,
                });
            }
            indicator.counted.reserve(roles.len());
            // The trace gives roles in log order: the updates are read alongside, in one pass.
            let mut updates = state.updates_from(0);
            for (order, role) in roles {
                let mut update = updates.find(|u| u.order >= order);
                if update.is_none_or(|u| u.order != order) {
                    updates = state.updates_from(order);
                    update = updates.next();
                }
                let Some(update) = update.filter(|u| u.order == order) else {
                    continue;
                };
                let event = &mut events[named(order)?];
                let replaces = match &event.payload {
                    Payload::Corrected { corrects, .. } => Some(*corrects),
                    _ => None,
                };
                let arrived_after_effective =
                    effective.is_some_and(|day| crate::plan_date(event.recorded_at) > day);
                let (event, contribution) = taken(event, update.contribution);
                indicator.counted.push(CountedUpdate {
                    event,
                    replaces,
                    contribution,
                    role,
                    arrived_after_effective,
                });
            }
        }
        Ok(explanation)
    }
}

/// An indicator's events as they are read, with the events that corrections name, folded
/// the way the projection folds them.
pub(crate) struct StreamRead {
    events: Vec<Event>,
    /// Per event of `events`: its stream version, and for a correction, the place of the event
    /// it corrects. Kept apart so that placing the updates does not walk the events again.
    links: Vec<(u64, Option<usize>)>,
    replay: Projection,
}

impl StreamRead {
    /// Reads and folds the events of an indicator of `updates` updates that `events(each)`
    /// calls `each` with, in order.
    pub(crate) fn read(
        updates: usize,
        events: impl FnOnce(&mut dyn FnMut(Event) -> Result<()>) -> Result<()>,
    ) -> Result<StreamRead> {
        // An indicator's stream is its updates and a few other events: sized once.
        let mut read: Vec<Event> = Vec::with_capacity(updates + 16);
        let mut links = Vec::with_capacity(updates + 16);
        // Each event's place in `read` by id, from the first correction on (an indicator that
        // was never corrected needs none).
        let mut places: Option<FastMap<Uuid, usize>> = None;
        let mut replay = Projection::without_ids();
        events(&mut |event| {
            // Events are placed by id from the first correction on.
            if places.is_none() && matches!(event.payload, Payload::Corrected { .. }) {
                let placed = read.iter().enumerate();
                places = Some(placed.map(|(place, event)| (event.id, place)).collect());
            }
            let named = corrected_place(&read, places.as_ref(), &event);
            replay.apply_with(&event, named.and_then(|place| read.get(place)));
            if let Some(places) = &mut places {
                places.insert(event.id, read.len());
            }
            links.push((event.version, named));
            read.push(event);
            Ok(())
        })?;
        Ok(StreamRead {
            events: read,
            links,
            replay,
        })
    }
}

/// The place in `events` (placed by id in `places`) of the event that `event` corrects, if it
/// is a correction of one of them read before it.
fn corrected_place(
    events: &[Event],
    places: Option<&FastMap<Uuid, usize>>,
    event: &Event,
) -> Option<usize> {
    let Payload::Corrected { corrects, .. } = &event.payload else {
        return None;
    };
    let place = *places?.get(corrects)?;
    events
        .get(place)
        .is_some_and(|named| named.seq < event.seq)
        .then_some(place)
}

/// The reference to `event` and what its update contributes, taking its actor and the
/// district its payload names rather than copying them (each event is taken once).
fn taken(event: &mut Event, contribution: Contribution<'_>) -> (EventRef, Contributed) {
    let actor = std::mem::take(&mut event.actor);
    let reference = EventRef {
        actor,
        ..EventRef::of(event)
    };
    let named = match &mut event.payload {
        Payload::ProgressReported { district, .. } | Payload::MeasurementTaken { district, .. } => {
            district
        }
        _ => &mut None,
    };
    let contributed = match contribution {
        Contribution::Delta {
            amount,
            district: Some(wanted),
        }
        | Contribution::Measurement {
            value: amount,
            district: Some(wanted),
        } if named.as_deref() == Some(wanted) => Contributed {
            amount: Some(amount),
            district: named.take(),
            ..Contributed::default()
        },
        other => other.into(),
    };
    (reference, contributed)
}
