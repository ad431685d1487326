//! The auditor's queries of the tracker: where a figure comes from ([`Tracker::explain`]), how
//! the figures for a date changed between two recorded times ([`Tracker::restatements`]), and
//! the report that says what it restates ([`Tracker::report_since`]).
//!
//! Each reads the projection the way the other queries do (the live one, or the log as
//! recorded at a time from its snapshots), computes its figures with the same folds, and reads
//! the events it names from the ledger outside the tracker's lock.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;

use super::{ProgressQuery, Tracker, end_of_day, pick_plan, plan_date, today};
use crate::error::{Error, Result};
use crate::event::{Payload, StreamId};
use crate::projection::{
    self, Explanation, IndicatorState, Projection, Report, Restated, Restatements, Scope,
    StreamRead,
};

/// Which restatements: the figures of a plan as effective on a date, as recorded at one time
/// and at a later one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestatementQuery {
    /// Plan id (`None`: the only plan, or the first by id).
    pub plan: Option<String>,
    /// The earlier recorded-at time.
    pub from: Timestamp,
    /// The later recorded-at time (`None`: now).
    pub to: Option<Timestamp>,
    /// The effective date whose figures are compared.
    pub effective: Date,
}

/// The earlier report a report restates: the report for `date`, as recorded at `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Since {
    /// The earlier report's date.
    pub date: Date,
    /// When it was computed (`None`: the end of its date in Asia/Shanghai).
    pub as_of: Option<Timestamp>,
}

impl Tracker {
    /// Where a figure comes from: the figures of `scope` in the progress view that `query`
    /// asks for, with the target in force, every update used and its event, the updates
    /// voided and their corrections, the arithmetic, the rollups up to the plan and the head.
    /// `None` if the scope is not in the plan at that time. For an indicator, the plan is the
    /// indicator's own unless `query.plan` names one.
    pub fn explain(&self, query: &ProgressQuery, scope: &Scope) -> Result<Option<Explanation>> {
        let schedule_date = query
            .effective
            .or_else(|| query.as_of.map(plan_date))
            .unwrap_or_else(today);
        self.at(query.as_of, |projection| {
            let plan_id = match (&query.plan, scope) {
                (None, Scope::Indicator(id)) => projection
                    .catalog()
                    .indicator(id)
                    .map(|def| def.plan.clone()),
                (plan, _) => plan.clone(),
            };
            let plan = pick_plan(projection, plan_id.as_deref())?;
            let prepare =
                || projection::prepare(projection, &plan, scope, query.effective, schedule_date);
            let head = projection.head().seq;
            let read = |id: &str, updates: usize| {
                let stream = StreamId::indicator(id)?;
                StreamRead::read(updates, |each| {
                    self.ledger.for_each_in_stream(&stream, head, each)
                })
            };
            let Scope::Indicator(id) = scope else {
                return prepare()
                    .map(|prepared| prepared.resolve_read(read))
                    .transpose();
            };
            // One indicator: its stream is read on another thread while the figures are
            // traced on this one.
            let updates = projection.state(id).map_or(0, IndicatorState::len);
            let (prepared, mut early) = std::thread::scope(|threads| {
                let reading = threads.spawn(|| read(id, updates));
                let prepared = prepare();
                let early = reading
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (prepared, Some(early))
            });
            let Some(prepared) = prepared else {
                return Ok(None);
            };
            prepared
                .resolve_read(|wanted, updates| match early.take_if(|_| wanted == id) {
                    Some(early) => early,
                    None => read(wanted, updates),
                })
                .map(Some)
        })
    }

    /// How the figures of a plan as effective on `query.effective` changed from the log as
    /// recorded at `query.from` to the log as recorded at `query.to` (now if `None`): every
    /// figure that changed, each with its causes. An error if `from` is after `to`.
    pub fn restatements(&self, query: &RestatementQuery) -> Result<Restatements> {
        let after = self.projection_as_of(query.to)?;
        let plan = pick_plan(&after, query.plan.as_deref())?;
        self.restate_onto(&after, &plan.id, query.effective, query.from)
    }

    /// The supervision report on `date` as recorded by `recorded_by` (`None`: now), like
    /// [`Tracker::report`], with the restatements of the earlier report `since`: its figures
    /// for its date, as recorded when it was computed, against the same date now.
    pub fn report_since(
        &self,
        plan: Option<&str>,
        date: Date,
        recorded_by: Option<Timestamp>,
        since: Since,
    ) -> Result<Report> {
        let after = self.projection_as_of(recorded_by)?;
        let plan = pick_plan(&after, plan)?;
        let view = projection::progress_view(&after, &plan, Some(date), date);
        let mut report = projection::report(&view, &plan);
        let as_of = since.as_of.unwrap_or_else(|| end_of_day(since.date));
        let restatements = self.restate_onto(&after, &plan.id, since.date, as_of)?;
        report.restated = Some(Restated {
            as_of,
            restatements,
        });
        Ok(report)
    }

    /// A projection of its own: a copy of the live one (copied under the lock, used outside
    /// it), or the log as recorded at `as_of`.
    fn projection_as_of(&self, as_of: Option<Timestamp>) -> Result<Projection> {
        match as_of {
            None => Ok(self.live_projection()),
            Some(time) => Ok(self.projection_at(self.ledger.seq_recorded_by(time)?)?.0),
        }
    }

    /// The restatements of plan `plan_id` as effective on `effective`, from the log as recorded
    /// at `from` to `after`.
    fn restate_onto(
        &self,
        after: &Projection,
        plan_id: &str,
        effective: Date,
        from: Timestamp,
    ) -> Result<Restatements> {
        let from_seq = self.ledger.seq_recorded_by(from)?;
        if from_seq > after.seq() {
            return Err(Error::InvalidEvent(format!(
                "the earlier time {from} is after the later one (the log up to seq {})",
                after.seq()
            )));
        }
        let (before, _) = self.projection_at(from_seq)?;
        let mut between = Vec::new();
        for event in self.ledger.events_from(from_seq + 1) {
            let event = event?;
            if event.seq > after.seq() {
                break;
            }
            between.push(event);
        }
        // The updates corrections in between take out were recorded by `from`: named by id.
        let mut earlier = HashMap::new();
        for event in &between {
            if let Payload::Corrected { corrects, .. } = &event.payload {
                if let Some(voided) = self.ledger.get_by_id(*corrects)? {
                    if voided.seq <= from_seq {
                        earlier.insert(*corrects, voided);
                    }
                }
            }
        }
        projection::restatements(&before, after, plan_id, effective, &between, &earlier).ok_or_else(
            || Error::Plan {
                path: plan_id.to_owned(),
                reason: "no such plan is loaded in this ledger (at either time)".into(),
            },
        )
    }
}
