//! Tally checkpoints: what a projection adds up to at one sequence number, without its
//! updates, so that an answer "as recorded at" a time starts from the nearest checkpoint and
//! folds only the events after it.
//!
//! A checkpoint holds the head it was taken at, the catalog, and per indicator its name table,
//! its number of updates and the [`Tally`] of all its live ones: a few hundred kilobytes for a
//! plan of hundreds of indicators, whatever the length of the log. A projection started from
//! one ([`Projection::from_tallies`]) answers progress in all (not as effective on a date: a
//! checkpoint keeps no per-day tallies) once the events after it are folded. A correction
//! among them that voids an update from before the checkpoint cannot be folded onto a total;
//! [`Projection::voids_unknown_update`] says so, and the caller rebuilds that indicator from
//! its own events ([`Projection::adopt`]).

use std::sync::Arc;

use bincode::Options;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::aggregate::Tally;
use super::index::UpdateIndex;
use super::state::IndicatorState;
use super::{Catalog, Projection, indicator_id};
use crate::event::{Event, Payload};
use crate::hash::Hash;

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    seq: u64,
    /// Hash of the event at `seq`: whoever uses the checkpoint checks it against the log.
    hash: Hash,
    recorded_at: Option<i64>,
    catalog: Catalog,
    states: Vec<StateTally>,
}

#[derive(Serialize, Deserialize)]
struct StateTally {
    indicator: String,
    names: Vec<String>,
    /// Updates, voided ones included.
    count: u64,
    /// What the live ones add up to.
    total: Tally,
}

fn options() -> impl Options {
    bincode::DefaultOptions::new()
}

impl Projection {
    /// A tally checkpoint of this projection: its head, catalog, and per indicator the count
    /// and total of its updates.
    pub fn encode_tallies(&self) -> Result<Vec<u8>, bincode::Error> {
        let checkpoint = Checkpoint {
            seq: self.seq,
            hash: self.hash,
            recorded_at: self.recorded_at.map(|t| t.as_microsecond()),
            catalog: self.catalog.clone(),
            states: self
                .states
                .iter()
                .map(|(indicator, state)| StateTally {
                    indicator: indicator.clone(),
                    names: state.names().to_vec(),
                    count: state.len() as u64,
                    total: state.tally(None),
                })
                .collect(),
        };
        options().serialize(&checkpoint)
    }

    /// The projection a tally checkpoint holds: no updates, only what they add up to, so it
    /// answers progress in all, not as effective on a date. `None` if the bytes are not a
    /// checkpoint.
    pub fn from_tallies(bytes: &[u8]) -> Option<Projection> {
        let checkpoint: Checkpoint = options()
            .with_limit(bytes.len() as u64)
            .deserialize(bytes)
            .ok()?;
        let mut states = Vec::with_capacity(checkpoint.states.len());
        let mut positions =
            super::Positions::with_capacity_and_hasher(checkpoint.states.len(), Default::default());
        for (position, state) in checkpoint.states.into_iter().enumerate() {
            let count = usize::try_from(state.count).ok()?;
            positions.insert(state.indicator.clone(), u32::try_from(position).ok()?);
            states.push((
                state.indicator,
                Arc::new(IndicatorState::after_checkpoint(
                    state.names,
                    count,
                    state.total,
                )),
            ));
        }
        Some(Projection {
            seq: checkpoint.seq,
            hash: checkpoint.hash,
            recorded_at: match checkpoint.recorded_at {
                Some(micros) => Some(Timestamp::from_microsecond(micros).ok()?),
                None => None,
            },
            catalog: checkpoint.catalog,
            states,
            positions,
            updates: Some(UpdateIndex::default()),
            // Not snapshotted: a projection from a checkpoint answers one query.
            folded: super::snapshot::FoldedSince::none(),
            dated: true,
        })
    }

    /// The indicator of `event` if it is a correction naming an update this projection has
    /// not folded: in a projection started from a tally checkpoint, one from before it, which
    /// only that indicator's own events can take out (see [`Projection::adopt`]).
    pub fn voids_unknown_update<'e>(&self, event: &'e Event) -> Option<&'e str> {
        match &event.payload {
            Payload::Corrected { corrects, .. }
                if self
                    .updates
                    .as_ref()
                    .is_some_and(|ids| ids.get(corrects).is_none()) =>
            {
                indicator_id(event.stream.as_str())
            }
            _ => None,
        }
    }

    /// Takes `indicator`'s state, and where its updates are, from `other` (a projection of
    /// that indicator's events up to this one's head) in place of its own.
    pub fn adopt(&mut self, indicator: &str, other: &Projection) {
        let Some(&theirs) = other.positions.get(indicator) else {
            return;
        };
        let Some((_, state)) = other.states.get(theirs as usize) else {
            return;
        };
        let position = self.position_of(indicator);
        if let Some((_, mine)) = self.states.get_mut(position as usize) {
            *mine = Arc::clone(state);
        }
        if let (Some(mine), Some(theirs_ids)) = (&mut self.updates, &other.updates) {
            for slot in theirs_ids.slots().filter(|slot| slot.position == theirs) {
                mine.insert(uuid::Uuid::from_bytes(slot.id), position, slot.order);
            }
        }
    }
}
