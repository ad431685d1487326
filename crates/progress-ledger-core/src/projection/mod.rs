//! Projections: pure folds of the log into the catalog and every indicator's updates, and the
//! checks an update must pass before it is appended.
//!
//! [`Projection::apply`] folds one recorded event; it does no I/O and no validation.
//! [`Projection::check`] validates a new event against the state folded so far.

mod aggregate;
mod catalog;
mod entries;
mod explain;
mod figures;
mod index;
mod math;
mod refs;
mod report;
mod report_restated;
mod restate;
mod snapshot;
mod state;
mod tallies;
mod trace;
mod varint;
mod view;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

pub use aggregate::{Latest, NameTally, Sum, Tally};
pub use catalog::{Catalog, IndicatorDef, TargetRevision, indicator_id};
pub(crate) use explain::StreamRead;
pub use explain::{
    CountedUpdate, Elapsed, Explanation, IndicatorExplanation, Prepared, RollupExplanation, Scope,
    TargetInForce, VoidedUpdate, prepare,
};
pub use figures::{Figure, Figures};
pub use math::{
    Completion, Evaluation, Schedule, elapsed_share, evaluate, evaluate_traced, judge,
    level_completion, schedule,
};
pub use refs::{Contributed, EventRef};
pub use report::{Report, ReportItem, Restated, UnitReport, report};
pub use restate::{
    Cause, CauseKind, Restatement, Restatements, TargetChange, Voided, restatements,
};
pub use snapshot::{SnapshotMark, snapshot_base};
pub use state::{Contribution, IndicatorState, Update};
pub use trace::{Counted, LevelRule, NoTrace, Node, Role, Step, Subject, Term, Trace};
pub use view::{
    DistrictValue, DistrictView, IndicatorView, ItemView, NodeView, ProgressView, StatusCounts,
    UnitView, progress_view, progress_view_traced, unit_aliases,
};

use crate::error::{Error, RejectCode, Result};
use crate::event::{Event, Head, NewEvent, Payload, StreamId};
use crate::hash::Hash;
use crate::plan::{Direction, IndicatorKind};

/// Everything folded from the log up to one sequence number.
///
/// A correction names the event whose update it voids. A projection finds that update either
/// in an index of its own (event id → place, 24 bytes an update; [`Projection::default`]) or,
/// kept [`Projection::without_ids`], through the named event as the ledger holds it: its
/// stream and version give the place ([`Projection::apply_with`]).
#[derive(Clone, Debug)]
pub struct Projection {
    seq: u64,
    /// Hash of the event at `seq` (zero before the first).
    hash: Hash,
    recorded_at: Option<Timestamp>,
    catalog: Catalog,
    /// Every indicator whose stream has events, in the order of its first, with its updates:
    /// each state shared, so that copying the projection (as an append does while a reader holds
    /// it) copies no update, and a fold then copies only the states it changes.
    states: Vec<(String, Arc<IndicatorState>)>,
    /// Position of each indicator in `states`.
    positions: Positions,
    /// Where each correctable update is: event id → (position in `states`, place in its
    /// updates); `None` in a projection without ids.
    updates: Option<index::UpdateIndex>,
    /// What was folded since the last snapshot part, for the next one.
    folded: snapshot::FoldedSince,
    /// Whether the states it starts keep their tallies per month and day from the start (else
    /// only from the first question about an effective date: [`Projection::totals_only`]).
    dated: bool,
}

/// Each indicator's position in a projection's states, looked up for every event folded.
type Positions = crate::FastMap<String, u32>;

impl Default for Projection {
    /// The projection of an empty log, with an index of update ids.
    fn default() -> Self {
        Projection {
            updates: Some(index::UpdateIndex::default()),
            ..Projection::without_ids()
        }
    }
}

/// Equal folds: the same head, catalog and states; the index of update ids is compared only
/// when both keep one.
impl PartialEq for Projection {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
            && self.hash == other.hash
            && self.recorded_at == other.recorded_at
            && self.catalog == other.catalog
            && self.states == other.states
            && self.positions == other.positions
            && match (&self.updates, &other.updates) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }
}

/// What a check must see beyond the projection: events written to the log but not folded yet
/// (not yet durable), and the earlier events of the batch being checked. Only what checks
/// look at is kept: retirements, which indicator each update belongs to and whether it is
/// voided, and who recorded each event (for the ownership rules of [`crate::policy`]).
#[derive(Clone, Debug, Default)]
pub struct Unfolded {
    retired: HashSet<String>,
    /// Update event id → (indicator, voided).
    updates: HashMap<Uuid, (String, bool)>,
    /// Event id → actor.
    actors: HashMap<Uuid, String>,
}

impl Unfolded {
    /// The overlay of these events, in order.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut unfolded = Unfolded::default();
        for event in events {
            unfolded.add(&event.stream, Some(event.id), &event.actor, &event.payload);
        }
        unfolded
    }

    /// Who recorded the event `id`, if it is one of these events.
    pub fn recorded_by(&self, id: &Uuid) -> Option<&str> {
        self.actors.get(id).map(String::as_str)
    }

    /// Adds an event of `stream` with `id` (if it has one yet), recorded by `actor`, with
    /// `payload`.
    pub fn add(&mut self, stream: &StreamId, id: Option<Uuid>, actor: &str, payload: &Payload) {
        if let Some(id) = id {
            self.actors.insert(id, actor.to_owned());
        }
        let Some(indicator) = indicator_id(stream.as_str()) else {
            return;
        };
        let update_id = match payload {
            Payload::IndicatorRetired { .. } => {
                self.retired.insert(indicator.to_owned());
                None
            }
            Payload::Corrected {
                corrects,
                replacement,
                ..
            } => {
                self.updates
                    .entry(*corrects)
                    .and_modify(|(_, voided)| *voided = true)
                    .or_insert_with(|| (indicator.to_owned(), true));
                replacement.as_deref().and_then(contribution_of).and(id)
            }
            payload => contribution_of(payload).and(id),
        };
        if let Some(id) = update_id {
            self.updates.insert(id, (indicator.to_owned(), false));
        }
    }
}

fn reject(code: RejectCode, message: String) -> Error {
    Error::Rejected { code, message }
}

impl Projection {
    /// The projection of an empty log, keeping no index of update ids: corrections are folded
    /// with [`Projection::apply_with`] and checked with [`Projection::check_with`], given the
    /// event they name. A [`crate::Tracker`] keeps its projection so, and reads that event
    /// through the ledger's id index (on disk).
    pub fn without_ids() -> Projection {
        Projection {
            seq: 0,
            hash: Hash::ZERO,
            recorded_at: None,
            catalog: Catalog::default(),
            states: Vec::new(),
            positions: Positions::default(),
            updates: None,
            folded: snapshot::FoldedSince::default(),
            dated: true,
        }
    }

    /// This projection, its indicators' states keeping only the tally of all their live
    /// updates until a question about an effective date asks for their tallies per month and
    /// day: for a fold asked only about "now" after every event, as an indicator's trail is.
    pub(crate) fn totals_only(self) -> Projection {
        Projection {
            dated: false,
            ..self
        }
    }

    /// Whether this projection keeps an index of update ids (see [`Projection::without_ids`]).
    pub fn keeps_ids(&self) -> bool {
        self.updates.is_some()
    }

    /// Sequence number of the last event folded (0: none).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The last event folded: its seq and hash ([`Head::EMPTY`] before the first).
    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash,
        }
    }

    /// Recorded-at of the last event folded.
    pub fn recorded_at(&self) -> Option<Timestamp> {
        self.recorded_at
    }

    /// The catalog folded so far.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The updates of one indicator (empty if it has none).
    pub fn state(&self, indicator: &str) -> Option<&IndicatorState> {
        self.held_state(indicator).map(Arc::as_ref)
    }

    /// [`Projection::state`], shared rather than borrowed.
    pub(crate) fn shared_state(&self, indicator: &str) -> Option<Arc<IndicatorState>> {
        self.held_state(indicator).cloned()
    }

    fn held_state(&self, indicator: &str) -> Option<&Arc<IndicatorState>> {
        let position = *self.positions.get(indicator)?;
        self.states.get(position as usize).map(|(_, state)| state)
    }

    /// Where the update made by event `id` is: (position in `states`, place), found in the
    /// index of update ids if this projection keeps one, else through `named` (the event of
    /// that id, as the ledger holds it).
    fn locate(&self, id: &Uuid, named: Option<&Event>) -> Option<(u32, u32)> {
        match &self.updates {
            Some(ids) => ids.get(id),
            None => {
                let named = named.filter(|named| named.id == *id && named.seq <= self.seq)?;
                let position = *self.positions.get(indicator_id(named.stream.as_str())?)?;
                let (_, state) = self.states.get(position as usize)?;
                let order = u32::try_from(state.place_of(named.version)?).ok()?;
                Some((position, order))
            }
        }
    }

    /// The indicator id and the update made by event `id` (see [`Projection::locate`]).
    fn update(&self, id: &Uuid, named: Option<&Event>) -> Option<(&str, Update<'_>)> {
        let (position, order) = self.locate(id, named)?;
        let (name, state) = self.states.get(position as usize)?;
        Some((name.as_str(), state.get(order as usize)?))
    }

    /// Folds one event. Events at or before [`Projection::seq`] are ignored, so folding the same
    /// range twice changes nothing. A correction's update is found in the projection's index
    /// of update ids: a projection [without ids](Projection::without_ids) folds corrections
    /// with [`Projection::apply_with`].
    pub fn apply(&mut self, event: &Event) {
        self.apply_with(event, None);
    }

    /// Folds one event, as [`Projection::apply`]; if it is a correction and this projection
    /// keeps no index of update ids, `named` is the event it names, as the ledger holds it
    /// (`None` if there is no such event).
    pub fn apply_with(&mut self, event: &Event, named: Option<&Event>) {
        if event.seq <= self.seq {
            return;
        }
        let voids = match &event.payload {
            Payload::Corrected { corrects, .. } => self.locate(corrects, named),
            _ => None,
        };
        self.seq = event.seq;
        self.hash = event.hash;
        self.recorded_at = Some(event.recorded_at);
        if self.catalog.apply(event) {
            self.folded.define();
        }
        let Some(indicator) = indicator_id(event.stream.as_str()) else {
            return;
        };
        let contribution = match &event.payload {
            Payload::Corrected { replacement, .. } => {
                if let Some((position, order)) = voids {
                    if let Some((name, state)) = self.states.get_mut(position as usize) {
                        if name == indicator && Arc::make_mut(state).void(order as usize) {
                            self.folded.void(position, order);
                        }
                    }
                }
                replacement.as_deref().and_then(contribution_of)
            }
            payload => contribution_of(payload),
        };
        let position = self.position_of(indicator);
        let Some((_, state)) = self.states.get_mut(position as usize) else {
            return;
        };
        let state = Arc::make_mut(state);
        match contribution {
            Some(contribution) => {
                let order =
                    u32::try_from(state.push(event.effective, contribution)).unwrap_or(u32::MAX);
                if let Some(ids) = &mut self.updates {
                    ids.insert(event.id, position, order);
                }
            }
            None => state.skip(event.version),
        }
    }

    /// Position of `indicator` in `states`, added (with no update) if it is not there.
    fn position_of(&mut self, indicator: &str) -> u32 {
        match self.positions.get(indicator) {
            Some(&position) => position,
            None => {
                let position = u32::try_from(self.states.len()).unwrap_or(u32::MAX);
                let state = if self.dated {
                    IndicatorState::default()
                } else {
                    IndicatorState::totals_only()
                };
                self.states.push((indicator.to_owned(), Arc::new(state)));
                self.positions.insert(indicator.to_owned(), position);
                position
            }
        }
    }

    /// Forgets what was folded up to now: a snapshot part holds it, and the next part is
    /// based on that one.
    pub fn snapshot_taken(&mut self) {
        self.folded = snapshot::FoldedSince::after(self.seq);
    }

    /// Checks that `new` may be recorded: its indicator exists and is not retired, its payload
    /// fits the indicator's kind, its numbers are in range, its district and deliverable are
    /// known, its effective date lies in the plan period and not after `today`, and a
    /// correction names a live update of the same indicator.
    /// A projection [without ids](Projection::without_ids) checks corrections with
    /// [`Projection::check_with`].
    pub fn check(&self, new: &NewEvent, today: Date) -> Result<()> {
        self.check_with(new, today, &Unfolded::default(), None)
    }

    /// [`Projection::check`] against this projection and the events of `unfolded` after it.
    /// If `new` is a correction of an update that is not in `unfolded` and this projection
    /// keeps no index of update ids, `named` is the event it names, as the ledger holds it.
    pub fn check_with(
        &self,
        new: &NewEvent,
        today: Date,
        unfolded: &Unfolded,
        named: Option<&Event>,
    ) -> Result<()> {
        let Some(id) = indicator_id(new.stream.as_str()) else {
            return Err(reject(
                RejectCode::NotRecordable,
                format!(
                    "stream {} is not an indicator; updates go to indicator/<id>",
                    new.stream
                ),
            ));
        };
        let def = self.catalog.indicator(id).ok_or_else(|| {
            reject(
                RejectCode::UnknownIndicator,
                format!("no indicator {id:?} is defined"),
            )
        })?;
        if def.retired || unfolded.retired.contains(id) {
            return Err(reject(
                RejectCode::RetiredIndicator,
                format!("indicator {id} is retired"),
            ));
        }
        let plan = self.catalog.plan(&def.plan).ok_or_else(|| {
            reject(
                RejectCode::UnknownIndicator,
                format!("plan {} of indicator {id} is not defined", def.plan),
            )
        })?;
        if new.effective < plan.period_start || new.effective > plan.period_end {
            return Err(reject(
                RejectCode::OutsidePeriod,
                format!(
                    "effective date {} is outside the plan period {} to {}",
                    new.effective, plan.period_start, plan.period_end
                ),
            ));
        }
        if new.effective > today {
            return Err(reject(
                RejectCode::OutsidePeriod,
                format!(
                    "effective date {} is in the future (today is {today})",
                    new.effective
                ),
            ));
        }
        match &new.payload {
            Payload::Corrected {
                corrects,
                replacement,
                ..
            } => {
                let (target, voided) = match unfolded.updates.get(corrects) {
                    Some((target, voided)) => (target.as_str(), *voided),
                    None => match self.update(corrects, named) {
                        Some((target, entry)) => (target, entry.voided),
                        None => {
                            return Err(reject(
                                RejectCode::UnknownEvent,
                                format!("no update {corrects} to correct"),
                            ));
                        }
                    },
                };
                if target != id {
                    return Err(reject(
                        RejectCode::UnknownEvent,
                        format!("update {corrects} belongs to indicator {target}, not {id}"),
                    ));
                }
                if voided {
                    return Err(reject(
                        RejectCode::AlreadyCorrected,
                        format!("update {corrects} is already corrected"),
                    ));
                }
                match replacement.as_deref() {
                    None => Ok(()),
                    Some(Payload::Corrected { .. }) => Err(reject(
                        RejectCode::NotRecordable,
                        "a replacement cannot itself be a correction".into(),
                    )),
                    Some(payload) => check_payload(def, plan, payload),
                }
            }
            payload => check_payload(def, plan, payload),
        }
    }
}

/// The contribution an update payload makes, if it is an update.
fn contribution_of(payload: &Payload) -> Option<Contribution<'_>> {
    match payload {
        Payload::ProgressReported { delta, district } => Some(Contribution::Delta {
            amount: *delta,
            district: district.as_deref(),
        }),
        Payload::MeasurementTaken { value, district } => Some(Contribution::Measurement {
            value: *value,
            district: district.as_deref(),
        }),
        Payload::MilestoneReached { deliverable } => Some(Contribution::Milestone(deliverable)),
        Payload::StatusChanged { status } => Some(Contribution::Status(*status)),
        _ => None,
    }
}

fn check_magnitude(what: &str, value: Decimal) -> Result<()> {
    if value.abs() > Decimal::from(crate::limits::MAX_MAGNITUDE) {
        return Err(reject(
            RejectCode::OutOfRange,
            format!("{what} {value} is too large"),
        ));
    }
    Ok(())
}

fn check_number(what: &str, value: Decimal, percent: bool) -> Result<()> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(reject(
            RejectCode::OutOfRange,
            format!("{what} {value} is negative; to take back an update, record a correction"),
        ));
    }
    if percent && value > Decimal::ONE_HUNDRED {
        return Err(reject(
            RejectCode::OutOfRange,
            format!("{what} {value}% is over 100%"),
        ));
    }
    check_magnitude(what, value)
}

fn check_district(
    plan: &crate::plan::Plan,
    district: Option<&String>,
    required: bool,
) -> Result<()> {
    match district {
        Some(name) if !plan.districts.iter().any(|d| &d.name == name) => Err(reject(
            RejectCode::UnknownDistrict,
            format!(
                "district {name:?} is not one of the plan's {} districts",
                plan.districts.len()
            ),
        )),
        None if required => Err(reject(
            RejectCode::UnknownDistrict,
            "a coverage indicator's progress must name its district".into(),
        )),
        _ => Ok(()),
    }
}

fn check_payload(def: &IndicatorDef, plan: &crate::plan::Plan, payload: &Payload) -> Result<()> {
    let spec = &def.spec;
    let mismatch = || {
        reject(
            RejectCode::KindMismatch,
            format!(
                "indicator {} is {}; a {} update does not fit it",
                spec.id,
                kind_name(spec.kind),
                payload.kind_name()
            ),
        )
    };
    let percent = spec.unit == "%";
    match (spec.kind, payload) {
        (
            IndicatorKind::Cumulative | IndicatorKind::Coverage,
            Payload::ProgressReported { delta, district },
        ) => {
            check_number("delta", *delta, false)?;
            check_district(
                plan,
                district.as_ref(),
                spec.kind == IndicatorKind::Coverage,
            )
        }
        (IndicatorKind::Level, Payload::MeasurementTaken { value, district }) => {
            if spec.growth {
                check_magnitude("value", *value)?;
            } else {
                check_number("value", *value, percent)?;
            }
            check_district(plan, district.as_ref(), false)
        }
        (IndicatorKind::Milestones, Payload::MilestoneReached { deliverable }) => {
            if spec.deliverables.iter().any(|d| d == deliverable) {
                Ok(())
            } else {
                Err(reject(
                    RejectCode::UnknownDeliverable,
                    format!(
                        "{deliverable:?} is not a deliverable of {}: {}",
                        spec.id,
                        spec.deliverables.join("、")
                    ),
                ))
            }
        }
        (IndicatorKind::Status, Payload::StatusChanged { .. }) => Ok(()),
        (
            IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage,
            Payload::TargetRevised { target, .. },
        ) => {
            check_number(
                "target",
                *target,
                percent && spec.direction == Direction::AtLeast,
            )?;
            if target.is_zero() {
                return Err(reject(
                    RejectCode::OutOfRange,
                    "a target must be above zero".into(),
                ));
            }
            Ok(())
        }
        (_, Payload::IndicatorRetired { .. }) => Ok(()),
        (_, Payload::PlanDefined(_) | Payload::IndicatorDefined { .. }) => Err(reject(
            RejectCode::NotRecordable,
            "plans and indicators are defined by loading a plan file, not recorded".into(),
        )),
        _ => Err(mismatch()),
    }
}

/// snake_case name of an indicator kind.
pub fn kind_name(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Cumulative => "cumulative",
        IndicatorKind::Level => "level",
        IndicatorKind::Coverage => "coverage",
        IndicatorKind::Milestones => "milestones",
        IndicatorKind::Status => "status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(seq: u64, indicator: &str) -> Event {
        Event {
            seq,
            id: Uuid::now_v7(),
            stream: StreamId::indicator(indicator).expect("stream"),
            version: 0,
            recorded_at: Timestamp::UNIX_EPOCH,
            effective: jiff::civil::date(2023, 1, 1),
            actor: "test".into(),
            note: None,
            payload: Payload::ProgressReported {
                delta: Decimal::ONE,
                district: None,
            },
            prev_hash: Hash::ZERO,
            hash: Hash::ZERO,
        }
    }

    #[test]
    fn a_copy_shares_every_state_until_a_fold_changes_it() {
        let mut projection = Projection::default();
        for seq in 1..=6 {
            projection.apply(&update(seq, ["a", "b", "c"][seq as usize % 3]));
        }
        let held = projection.clone();
        projection.apply(&update(7, "a"));
        for ((name, mine), (_, theirs)) in projection.states.iter().zip(&held.states) {
            assert_eq!(Arc::ptr_eq(mine, theirs), name != "a", "state of {name}");
        }
        assert_eq!(held.state("a").map(IndicatorState::len), Some(2));
        assert_eq!(projection.state("a").map(IndicatorState::len), Some(3));
    }
}
