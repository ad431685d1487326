//! Restatements: how the figures for one effective date changed between two recorded times —
//! "the figure for 30 September as reported on 10 October, and as known on 10 December" — each
//! change attributed to the events that caused it: a late report, a correction, a target
//! revision, an indicator added or retired, a redefinition.
//!
//! The figures on both sides are the projection's own ([`progress_view`] on the projection as
//! recorded at each time); the causes come from what the fold holds on both sides: the updates
//! that count at the later time and did not at the earlier one were made by events recorded in
//! between, and those that counted and no longer do were voided by corrections recorded in
//! between.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::figures::{Figure, Figures};
use super::refs::{Contributed, EventRef};
use super::trace::Subject;
use super::view::{ProgressView, progress_view};
use super::{IndicatorDef, Projection, indicator_id};
use crate::event::{Event, Head, Payload};
use crate::plan::Plan;

/// Why a figure changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// An update about the date (or earlier) recorded after the earlier time.
    LateReport,
    /// A correction recorded after the earlier time: it voided an update that counted, or its
    /// replacement counts now, or both.
    Correction,
    /// The target was revised.
    TargetRevised,
    /// The indicator was defined (or defined again after its retirement).
    IndicatorAdded,
    /// The indicator was retired: it left the rollups.
    IndicatorRetired,
    /// The indicator was defined again with other content (target, weight, place …).
    Redefined,
    /// The plan's outline was defined again (its districts, its tree).
    PlanRedefined,
}

/// An update a correction took out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Voided {
    /// The event that made it.
    pub event: EventRef,
    /// What it contributed.
    pub contribution: Contributed,
}

/// A target before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetChange {
    /// Before.
    pub before: Option<Decimal>,
    /// After.
    pub after: Option<Decimal>,
}

/// One cause of a restatement: an event recorded between the two times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// What kind of cause.
    pub kind: CauseKind,
    /// The event.
    pub event: EventRef,
    /// What it adds: a late report's update, or a correction's replacement when it counts.
    pub contribution: Option<Contributed>,
    /// For a correction: the update it voided, which counted at the earlier time.
    pub voids: Option<Voided>,
    /// For a target revision or a redefinition that changed the target.
    pub target: Option<TargetChange>,
    /// The event's reason (corrections, revisions, retirements).
    pub reason: Option<String>,
}

/// One figure that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restatement {
    /// Whose figure.
    pub subject: Subject,
    /// Its title.
    pub title: String,
    /// The figure at the earlier time (none: it was not in the view).
    pub before: Option<Figure>,
    /// The figure at the later time (none: it left the view).
    pub after: Option<Figure>,
    /// The events that caused it (for an indicator; for a rollup, only definition events when no
    /// restated indicator lies under it).
    pub causes: Vec<Cause>,
    /// For a rollup: the restated indicators under it, whose causes are listed with them.
    pub indicators: Vec<String>,
}

/// How the figures for one effective date changed between two recorded times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restatements {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// The effective date whose figures are compared (also the day the schedule is judged on).
    pub effective: Date,
    /// The head of the earlier view.
    pub from: Head,
    /// Recorded-at of its last event.
    pub from_recorded_through: Option<Timestamp>,
    /// The head of the later view.
    pub to: Head,
    /// Recorded-at of its last event.
    pub to_recorded_through: Option<Timestamp>,
    /// Every figure that changed: the plan, parts, categories, tasks, items, then indicators.
    pub changes: Vec<Restatement>,
}

impl Restatements {
    /// Applies the changes to the figures of the earlier view: the result is the figures of
    /// the later one.
    pub fn apply(&self, figures: &mut Figures) {
        for change in &self.changes {
            match &change.after {
                Some(after) => {
                    figures
                        .figures
                        .insert(change.subject.clone(), after.clone());
                }
                None => {
                    figures.figures.remove(&change.subject);
                }
            }
        }
    }

    /// The indicator changes.
    pub fn indicators(&self) -> impl Iterator<Item = &Restatement> {
        self.changes
            .iter()
            .filter(|c| matches!(c.subject, Subject::Indicator { .. }))
    }
}

/// The view of plan `plan_id` on `projection` as effective on `effective`, if the plan is defined
/// there.
fn view_of(projection: &Projection, plan_id: &str, effective: Date) -> Option<ProgressView> {
    let plan = projection.catalog().plan(plan_id)?;
    Some(progress_view(projection, plan, Some(effective), effective))
}

/// The restatements of plan `plan_id`'s figures as effective on `effective`, from `before` (the
/// log up to an earlier head) to `after` (a later head of the same log). `between` holds the
/// events after `before`'s head up to `after`'s, in order; `earlier` the events (recorded up to
/// `before`'s head) that corrections in `between` name. `None` if the plan is defined in
/// neither.
pub fn restatements(
    before: &Projection,
    after: &Projection,
    plan_id: &str,
    effective: Date,
    between: &[Event],
    earlier: &HashMap<Uuid, Event>,
) -> Option<Restatements> {
    let view_before = view_of(before, plan_id, effective);
    let view_after = view_of(after, plan_id, effective);
    let plan = after
        .catalog()
        .plan(plan_id)
        .or_else(|| before.catalog().plan(plan_id))?;
    let figures_before = view_before.as_ref().map(Figures::of).unwrap_or_default();
    let figures_after = view_after.as_ref().map(Figures::of).unwrap_or_default();
    let titles = titles(view_before.iter().chain(&view_after));
    let mut by_stream: HashMap<&str, Vec<&Event>> = HashMap::new();
    let mut plan_redefined = None;
    for event in between {
        if let Some(id) = indicator_id(event.stream.as_str()) {
            by_stream.entry(id).or_default().push(event);
        } else if matches!(&event.payload, Payload::PlanDefined(p) if p.id == plan_id) {
            plan_redefined = Some(event);
        }
    }
    let changed: BTreeSet<&Subject> = figures_before
        .figures
        .keys()
        .chain(figures_after.figures.keys())
        .filter(|s| figures_before.figures.get(*s) != figures_after.figures.get(*s))
        .collect();
    let changed_indicators: Vec<&str> = changed
        .iter()
        .filter_map(|s| match s {
            Subject::Indicator { id } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let places = places(
        plan,
        before.catalog().plan(plan_id),
        &view_before,
        &view_after,
    );

    let mut rollups = Vec::new();
    let mut indicators = Vec::new();
    for subject in changed {
        let before_figure = figures_before.figures.get(subject).cloned();
        let after_figure = figures_after.figures.get(subject).cloned();
        let title = titles.get(subject).cloned().unwrap_or_default();
        let change = match subject {
            Subject::Indicator { id } => {
                let context = Context {
                    before,
                    after,
                    effective,
                    events: by_stream.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                    earlier,
                    plan_redefined,
                };
                Restatement {
                    subject: subject.clone(),
                    title,
                    causes: context.causes(id, before_figure.is_some(), after_figure.is_some()),
                    before: before_figure,
                    after: after_figure,
                    indicators: Vec::new(),
                }
            }
            rollup => {
                let under: Vec<String> = changed_indicators
                    .iter()
                    .filter(|id| places.get(**id).is_some_and(|p| p.contains(rollup)))
                    .map(|id| (*id).to_owned())
                    .collect();
                let causes = if under.is_empty() {
                    definitions_under(rollup, &places, &by_stream, plan_redefined)
                } else {
                    Vec::new()
                };
                Restatement {
                    subject: subject.clone(),
                    title,
                    before: before_figure,
                    after: after_figure,
                    causes,
                    indicators: under,
                }
            }
        };
        match change.subject {
            Subject::Indicator { .. } => indicators.push(change),
            _ => rollups.push(change),
        }
    }
    rollups.extend(indicators);
    Some(Restatements {
        plan: plan.id.clone(),
        title: plan.title.clone(),
        effective,
        from: before.head(),
        from_recorded_through: before.recorded_at(),
        to: after.head(),
        to_recorded_through: after.recorded_at(),
        changes: rollups,
    })
}

/// The title of every subject of the views (the later view's wins).
fn titles<'a>(views: impl Iterator<Item = &'a ProgressView>) -> HashMap<Subject, String> {
    let mut titles = HashMap::new();
    for view in views {
        titles.insert(Subject::Plan, view.title.clone());
        for part in &view.parts {
            let subject = Subject::Part {
                number: part.number,
            };
            titles.insert(subject, part.title.clone());
        }
        for category in &view.categories {
            let subject = Subject::Category {
                number: category.number,
            };
            titles.insert(subject, category.title.clone());
        }
        for task in &view.tasks {
            let subject = Subject::Task {
                number: task.number,
            };
            titles.insert(subject, task.title.clone());
        }
        for item in &view.items {
            let subject = Subject::Item {
                task: item.task,
                item: item.item,
            };
            titles.insert(subject, item.title.clone());
        }
        for indicator in &view.indicators {
            let subject = Subject::Indicator {
                id: indicator.id.clone(),
            };
            titles.insert(subject, indicator.title.clone());
        }
    }
    titles
}

/// Per indicator of either view, the rollups it lies under (item, task, category, part, plan) in
/// either outline of the plan.
fn places(
    plan: &Plan,
    earlier_plan: Option<&Plan>,
    view_before: &Option<ProgressView>,
    view_after: &Option<ProgressView>,
) -> HashMap<String, BTreeSet<Subject>> {
    let mut above: HashMap<u32, Vec<Subject>> = HashMap::new();
    for outline in std::iter::once(plan).chain(earlier_plan) {
        for part in &outline.parts {
            for category in &part.categories {
                for task in &category.tasks {
                    let nodes = above.entry(task.number).or_default();
                    nodes.push(Subject::Part {
                        number: part.number,
                    });
                    nodes.push(Subject::Category {
                        number: category.number,
                    });
                }
            }
        }
    }
    let mut places: HashMap<String, BTreeSet<Subject>> = HashMap::new();
    for view in view_before.iter().chain(view_after) {
        for indicator in &view.indicators {
            let set = places.entry(indicator.id.clone()).or_default();
            set.insert(Subject::Plan);
            set.insert(Subject::Task {
                number: indicator.task,
            });
            set.insert(Subject::Item {
                task: indicator.task,
                item: indicator.item,
            });
            set.extend(above.get(&indicator.task).into_iter().flatten().cloned());
        }
    }
    places
}

/// The causes of a rollup change with no restated indicator under it: the redefinitions of the
/// indicators under it (a weight changed), and of the plan.
fn definitions_under(
    rollup: &Subject,
    places: &HashMap<String, BTreeSet<Subject>>,
    by_stream: &HashMap<&str, Vec<&Event>>,
    plan_redefined: Option<&Event>,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    for (id, events) in by_stream {
        if !places.get(*id).is_some_and(|p| p.contains(rollup)) {
            continue;
        }
        for event in events {
            if matches!(event.payload, Payload::IndicatorDefined { .. }) {
                causes.push(cause(CauseKind::Redefined, event));
            }
        }
    }
    if let Some(event) = plan_redefined {
        causes.push(cause(CauseKind::PlanRedefined, event));
    }
    causes.sort_by_key(|c| c.event.seq);
    causes
}

/// A cause with nothing but its kind and event.
fn cause(kind: CauseKind, event: &Event) -> Cause {
    Cause {
        kind,
        event: EventRef::of(event),
        contribution: None,
        voids: None,
        target: None,
        reason: None,
    }
}

/// What the causes of one indicator's change are found from.
struct Context<'a> {
    before: &'a Projection,
    after: &'a Projection,
    effective: Date,
    /// The indicator's events between the two heads, in order.
    events: &'a [&'a Event],
    earlier: &'a HashMap<Uuid, Event>,
    plan_redefined: Option<&'a Event>,
}

impl Context<'_> {
    fn def<'p>(projection: &'p Projection, id: &str) -> Option<&'p IndicatorDef> {
        projection.catalog().indicator(id)
    }

    /// The causes of indicator `id`'s change; `in_before`, `in_after`: whether it is in each
    /// view.
    fn causes(&self, id: &str, in_before: bool, in_after: bool) -> Vec<Cause> {
        let last = |wanted: fn(&Payload) -> bool| {
            self.events
                .iter()
                .rev()
                .find(|e| wanted(&e.payload))
                .copied()
        };
        let defined = last(|p| matches!(p, Payload::IndicatorDefined { .. }));
        let retired = last(|p| matches!(p, Payload::IndicatorRetired { .. }));
        let mut causes = Vec::new();
        match (in_before, in_after) {
            (false, true) => {
                if let Some(event) = defined {
                    causes.push(cause(CauseKind::IndicatorAdded, event));
                }
            }
            (true, false) => match retired {
                Some(event) => {
                    let mut retirement = cause(CauseKind::IndicatorRetired, event);
                    if let Payload::IndicatorRetired { reason } = &event.payload {
                        retirement.reason = Some(reason.clone());
                    }
                    causes.push(retirement);
                }
                None => causes.extend(defined.map(|e| cause(CauseKind::Redefined, e))),
            },
            _ => {
                causes.extend(self.updates(id));
                causes.extend(self.definitions(id));
            }
        }
        if causes.is_empty() {
            if let Some(event) = self.plan_redefined {
                causes.push(cause(CauseKind::PlanRedefined, event));
            }
        }
        causes.sort_by_key(|c| c.event.seq);
        causes
    }

    /// Late reports and corrections: the updates that count now and did not before, and those
    /// that counted and were voided since.
    fn updates(&self, id: &str) -> Vec<Cause> {
        let empty = Default::default();
        let then = self.before.state(id).unwrap_or(&empty);
        let now = self.after.state(id).unwrap_or(&empty);
        let counts = |u: &super::Update<'_>| !u.voided && u.effective <= self.effective;
        let mut causes: BTreeMap<u64, Cause> = BTreeMap::new();
        for event in self.events {
            let added = self
                .after
                .locate(&event.id, Some(event))
                .and_then(|(_, order)| now.get(order as usize))
                .filter(|u| u.order >= then.len() && counts(u));
            if let Some(update) = added {
                let kind = match event.payload {
                    Payload::Corrected { .. } => CauseKind::Correction,
                    _ => CauseKind::LateReport,
                };
                let entry = causes
                    .entry(event.seq)
                    .or_insert_with(|| cause(kind, event));
                entry.contribution = Some(update.contribution.into());
            }
            let Payload::Corrected {
                corrects, reason, ..
            } = &event.payload
            else {
                continue;
            };
            let took_out = self
                .after
                .locate(corrects, self.earlier.get(corrects))
                .and_then(|(_, order)| then.get(order as usize))
                .filter(|u| counts(u) && now.get(u.order).is_some_and(|n| n.voided));
            if let Some(update) = took_out {
                let entry = causes
                    .entry(event.seq)
                    .or_insert_with(|| cause(CauseKind::Correction, event));
                entry.voids = self.earlier.get(corrects).map(|voided| Voided {
                    event: EventRef::of(voided),
                    contribution: update.contribution.into(),
                });
            }
            if let Some(entry) = causes.get_mut(&event.seq) {
                entry.reason = Some(reason.clone());
            }
        }
        causes.into_values().collect()
    }

    /// Target revisions and redefinitions between the two heads. The target is followed the
    /// way the catalog folds it: a revision replaces it; a definition with another target than
    /// the one defined before drops the revisions.
    fn definitions(&self, id: &str) -> Vec<Cause> {
        let place = |d: &'_ IndicatorDef| (d.plan.clone(), d.task, d.item, d.spec.clone());
        let then = Self::def(self.before, id);
        let redefined = then.map(place) != Self::def(self.after, id).map(place);
        let mut defined = then.and_then(|d| d.spec.target);
        let mut revised = then.and_then(|d| d.revisions.last()).map(|r| r.target);
        let mut causes = Vec::new();
        for event in self.events {
            let target = revised.or(defined);
            match &event.payload {
                Payload::TargetRevised {
                    target: new,
                    reason,
                } => {
                    let mut revision = cause(CauseKind::TargetRevised, event);
                    revision.target = Some(TargetChange {
                        before: target,
                        after: Some(*new),
                    });
                    revision.reason = Some(reason.clone());
                    revised = Some(*new);
                    causes.push(revision);
                }
                Payload::IndicatorDefined { spec, .. } => {
                    if spec.target != defined {
                        revised = None;
                    }
                    defined = spec.target;
                    if redefined {
                        let mut redefinition = cause(CauseKind::Redefined, event);
                        let now = revised.or(defined);
                        if now != target {
                            redefinition.target = Some(TargetChange {
                                before: target,
                                after: now,
                            });
                        }
                        causes.push(redefinition);
                    }
                }
                _ => {}
            }
        }
        causes
    }
}
