//! The trail of one indicator: each of its events with what the indicator stood at after it,
//! whole ([`Tracker::history`]) or a page at a time from the nearest tally checkpoint
//! ([`Tracker::history_page`]).

use std::iter::Peekable;
use std::vec::IntoIter;

use serde::Serialize;

use super::{Tracker, TrailStep};
use crate::error::{Error, RejectCode, Result};
use crate::event::{Event, StreamId};
use crate::projection::{self, Projection};

/// Events of the indicator read at a time while a page is folded.
const READ_PAGE: usize = 1024;

/// One page of an indicator's trail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrailPage {
    /// The page's steps, oldest first.
    pub steps: Vec<TrailStep>,
    /// The sequence number to ask for the steps after, for the next page; `None` if this page
    /// ends the trail (as far as it was read).
    pub next: Option<u64>,
}

impl Tracker {
    /// The trail of one indicator: each of its events with the value, target and completion
    /// after it. Reads and folds every event of the indicator (see [`Tracker::history_page`]
    /// for a page of them).
    pub fn history(&self, indicator: &str) -> Result<Vec<TrailStep>> {
        let (stream, plan, districts) = self.trail_of(indicator)?;
        let plan_events = self.ledger.read_stream(&plan, 0, usize::MAX)?;
        // Each step asks for the value "now": the fold keeps no tallies by date.
        let start = Projection::without_ids().totals_only();
        let mut fold = TrailFold::new(start, plan_events, indicator, districts);
        let mut trail = Vec::with_capacity(self.ledger.stream_version(&stream) as usize);
        self.ledger.for_each_in_stream(&stream, u64::MAX, |event| {
            let named = self.named_by(&event.payload)?;
            trail.extend(fold.step(event, named.as_ref()));
            Ok(())
        })?;
        Ok(trail)
    }

    /// Up to `limit` (at least one) steps of the trail of one indicator: those of its events
    /// with sequence numbers greater than `after` and at most `head`, each with the value,
    /// target and completion after it, as [`Tracker::history`] gives them.
    ///
    /// The indicator as it stood after `after` comes from the tally checkpoint at or before
    /// it and the events of the indicator and its plan since, so a page costs what it returns
    /// plus at most a checkpoint interval's share of the indicator's events, wherever in the
    /// trail it starts. (A correction, in that stretch or in the page, of an update from
    /// before the checkpoint is folded by reading the indicator's events from the first.)
    pub fn history_page(
        &self,
        indicator: &str,
        after: u64,
        limit: usize,
        head: u64,
    ) -> Result<TrailPage> {
        let (stream, plan, districts) = self.trail_of(indicator)?;
        let limit = limit.max(1);
        let start = match after {
            0 => None,
            _ => self.tallies_at(after)?,
        }
        .unwrap_or_default();
        let mut cursor = start.seq();
        let plan_events = self.ledger.read_stream_after(&plan, cursor, usize::MAX)?;
        let mut fold = TrailFold::new(start, plan_events, indicator, districts);
        let mut steps = Vec::new();
        loop {
            let events = self.ledger.read_stream_after(&stream, cursor, READ_PAGE)?;
            let full = events.len() == READ_PAGE;
            for event in events {
                if event.seq > head {
                    return Ok(TrailPage { steps, next: None });
                }
                if event.seq > after && steps.len() == limit {
                    return Ok(TrailPage {
                        steps,
                        next: Some(cursor),
                    });
                }
                cursor = event.seq;
                if let Some(other) = fold.projection.voids_unknown_update(&event) {
                    let alone = self.indicator_projection(other, event.seq - 1)?;
                    fold.projection.adopt(other, &alone);
                }
                let step = fold.step(event, None);
                if cursor > after {
                    steps.extend(step);
                }
            }
            if !full {
                return Ok(TrailPage { steps, next: None });
            }
        }
    }

    /// The streams of an indicator and of its plan, and the plan's number of districts; an
    /// error if no such indicator is defined.
    fn trail_of(&self, indicator: &str) -> Result<(StreamId, StreamId, usize)> {
        let stream = StreamId::indicator(indicator)?;
        let (plan, districts) = self.with_live(|p| {
            let def = p.catalog().indicator(indicator);
            let plan = def.and_then(|d| p.catalog().plan(&d.plan));
            (
                def.map(|d| d.plan.clone()),
                plan.map_or(0, |p| p.districts.len()),
            )
        });
        let Some(plan) = plan else {
            return Err(Error::Rejected {
                code: RejectCode::UnknownIndicator,
                message: format!("no indicator {indicator:?} is defined"),
            });
        };
        Ok((stream, StreamId::plan(&plan)?, districts))
    }
}

/// An indicator's events folded one at a time, its plan's events (its definitions, target
/// revisions) folded among them in log order.
struct TrailFold<'a> {
    projection: Projection,
    plan: Peekable<IntoIter<Event>>,
    indicator: &'a str,
    districts: usize,
}

impl<'a> TrailFold<'a> {
    fn new(projection: Projection, plan: Vec<Event>, indicator: &'a str, districts: usize) -> Self {
        Self {
            projection,
            plan: plan.into_iter().peekable(),
            indicator,
            districts,
        }
    }

    /// Folds `event` of the indicator (after the plan's events before it) and gives the step
    /// it makes; `None` while the indicator is not defined. `named` is the event a correction
    /// names, for a projection without ids (see [`Projection::apply_with`]).
    fn step(&mut self, event: Event, named: Option<&Event>) -> Option<TrailStep> {
        while let Some(earlier) = self.plan.next_if(|p| p.seq < event.seq) {
            self.projection.apply(&earlier);
        }
        self.projection.apply_with(&event, named);
        let def = self.projection.catalog().indicator(self.indicator)?;
        let empty = Default::default();
        let state = self.projection.state(self.indicator).unwrap_or(&empty);
        let evaluation = projection::evaluate(&def.spec, def.target(), state, None, self.districts);
        Some(TrailStep {
            value: evaluation.value,
            target: def.target(),
            completion: evaluation.completion,
            event,
        })
    }
}
