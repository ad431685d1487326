//! Progress as recorded at a time, from tally checkpoints (see `projection/tallies.rs`): the
//! tracker stores one every `tallies_every` events as it folds them, fills in the ones missing
//! when it opens, and answers "as recorded at" from the nearest one at or before the time,
//! folding only the events after it.

use super::{Live, Tracker};
use crate::error::{Error, Result};
use crate::event::StreamId;
use crate::projection::Projection;

/// Format byte of tally checkpoints (bump when their encoding changes; an unreadable one is
/// not used, and opening stores it again).
const TALLIES_FORMAT: u8 = 2;

/// Events of one indicator read at a time when it is rebuilt from its stream.
const STREAM_PAGE: usize = 4096;

impl Tracker {
    /// Stores a tally checkpoint of `projection`.
    fn put_tallies(&self, projection: &Projection) -> Result<()> {
        let mut bytes = vec![TALLIES_FORMAT];
        let encoded = projection
            .encode_tallies()
            .map_err(|e| Error::InvalidEvent(format!("tally checkpoint cannot be encoded: {e}")))?;
        bytes.extend_from_slice(&encoded);
        self.ledger.put_tallies(projection.seq(), &bytes)
    }

    /// Stores a tally checkpoint of the live projection once `tallies_every` events were folded
    /// since the last one; `None` if none was due. A checkpoint that cannot be stored is
    /// skipped: the next is due `tallies_every` events later.
    pub(super) fn maybe_put_tallies(&self, live: &mut Live) -> Option<Result<()>> {
        if !self.ledger.keeps_derived()
            || live.projection.seq() < live.tallies.saturating_add(self.tallies_every)
        {
            return None;
        }
        live.tallies = live.projection.seq();
        Some(self.put_tallies(&live.projection))
    }

    /// The projection held by the tally checkpoint at or before `seq`, if one is stored,
    /// readable, and of this log's history (the event it ends at is in the log with the same
    /// hash).
    pub(super) fn tallies_at(&self, seq: u64) -> Result<Option<Projection>> {
        match self.ledger.tallies_at_or_before(seq)? {
            Some((at, bytes)) => self.usable_tallies(at, &bytes),
            None => Ok(None),
        }
    }

    /// The projection of the tally checkpoint stored at `at` as `bytes`, if they are readable
    /// and of this log's history.
    fn usable_tallies(&self, at: u64, bytes: &[u8]) -> Result<Option<Projection>> {
        let projection = match bytes.split_first() {
            Some((&TALLIES_FORMAT, encoded)) => Projection::from_tallies(encoded),
            _ => None,
        };
        let Some(projection) = projection.filter(|p| p.seq() == at) else {
            return Ok(None);
        };
        let head = projection.head();
        if self.ledger.get(head.seq)?.map(|event| event.head()) != Some(head) {
            return Ok(None);
        }
        Ok(Some(projection))
    }

    /// Folds the events after `projection`'s head up to `seq` onto it, calling `each` after
    /// each event. A correction that voids an update the projection has not folded (one from
    /// before its tally checkpoint) is folded by rebuilding that indicator from its own events
    /// first.
    fn fold_onto_tallies(
        &self,
        mut projection: Projection,
        seq: u64,
        mut each: impl FnMut(&mut Projection) -> Result<()>,
    ) -> Result<Projection> {
        if projection.seq() >= seq {
            return Ok(projection);
        }
        for event in self.ledger.events_from(projection.seq() + 1) {
            let event = event?;
            if event.seq > seq {
                break;
            }
            if let Some(indicator) = projection.voids_unknown_update(&event) {
                let alone = self.indicator_projection(indicator, event.seq - 1)?;
                projection.adopt(indicator, &alone);
            }
            projection.apply(&event);
            each(&mut projection)?;
        }
        Ok(projection)
    }

    /// The projection of one indicator's events up to `seq` (its state, and where its updates
    /// are): read through its stream, in time that follows its number of events.
    pub(super) fn indicator_projection(&self, indicator: &str, seq: u64) -> Result<Projection> {
        let stream = StreamId::indicator(indicator)?;
        let mut projection = Projection::default();
        let mut after = 0;
        loop {
            let events = self.ledger.read_stream_after(&stream, after, STREAM_PAGE)?;
            let full = events.len() == STREAM_PAGE;
            for event in events {
                if event.seq > seq {
                    return Ok(projection);
                }
                after = event.seq;
                projection.apply(&event);
            }
            if !full {
                return Ok(projection);
            }
        }
    }

    /// The projection as recorded at `seq`, for progress in all (not as effective on a date):
    /// from the nearest tally checkpoint at or before it; `None` if there is none.
    pub(super) fn recorded_totals(&self, seq: u64) -> Result<Option<Projection>> {
        match self.tallies_at(seq)? {
            Some(start) => Ok(Some(self.fold_onto_tallies(start, seq, |_| Ok(()))?)),
            None => Ok(None),
        }
    }

    /// Stores the tally checkpoints missing up to `head`: those after the newest one stored
    /// that is of this log's history (after a crash, or a ledger of an earlier build), one
    /// every `tallies_every` events. Returns the seq of the newest checkpoint.
    pub(super) fn fill_tallies(&self, head: u64) -> Result<u64> {
        // A ledger opened read-only keeps none: nothing to fill.
        if !self.ledger.keeps_derived() {
            return Ok(0);
        }
        // The newest usable checkpoint at or before the head, the stored ones tried one at a
        // time from the newest (listing them all would bring every checkpoint, ~120 KB each,
        // into sled's cache). Those after it are removed: past the head (a log cut short),
        // unreadable, or of another history.
        let mut newest_usable = None;
        let mut at = Some(head);
        while let Some(seq) = at {
            let Some((stored, bytes)) = self.ledger.tallies_at_or_before(seq)? else {
                break;
            };
            if let Some(usable) = self.usable_tallies(stored, &bytes)? {
                newest_usable = Some(usable);
                break;
            }
            at = stored.checked_sub(1);
        }
        let from = newest_usable.as_ref().map_or(0, Projection::seq);
        let newest = self.ledger.tallies_at_or_before(u64::MAX)?;
        if newest.is_some_and(|(last, _)| last > from) {
            self.ledger.remove_tallies_after(from)?;
        }
        if head < from.saturating_add(self.tallies_every) {
            return Ok(from);
        }
        let mut last = from;
        let every = self.tallies_every;
        let start = newest_usable.unwrap_or_default();
        self.fold_onto_tallies(start, head, |projection| {
            if projection.seq() >= last.saturating_add(every) {
                self.put_tallies(projection)?;
                last = projection.seq();
                // Start again from the checkpoint, so that the updates folded since the one
                // before are not all kept.
                if let Some(fresh) = self.tallies_at(last)? {
                    *projection = fresh;
                }
            }
            Ok(())
        })?;
        Ok(last)
    }
}
