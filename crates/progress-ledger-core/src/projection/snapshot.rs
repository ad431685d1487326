//! Snapshots of a projection as a chain of parts. Each part holds what was folded since the
//! part before it (its base): every indicator, with the names its table gained, the versions
//! of its events that made no update, the updates folded (each in about 6 bytes) and those
//! voided; and the catalog if it may have changed (else the chain's newest catalog before it
//! stands). The first part has base 0 and holds everything so far. A part holds no event ids:
//! the projection a chain loads keeps none ([`Projection::without_ids`]).
//!
//! A part is `base` (u64, little-endian), the header's length (u32, little-endian), the header
//! (bincode), then per indicator of the header, in order, its new updates:
//!
//! - one byte: the amount's decimal scale (bits 0–4), the kind (bits 5–6), voided (bit 7);
//! - a varint: the name (or status code);
//! - a zigzag varint: the date as `year << 9 | month << 5 | day`, minus the previous update's;
//! - for deltas and measurements, a zigzag varint: the amount's mantissa.

use std::sync::Arc;

use bincode::Options;
use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::state::{Entry, IndicatorState, Kind};
use super::varint;
use super::{Catalog, Projection};
use crate::hash::Hash;

/// What the last snapshot part covered: its sequence number and how many updates, names and
/// events without an update each indicator had then. The next part holds only what came after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotMark {
    seq: u64,
    counts: Vec<u32>,
    /// How many names each indicator's table had then.
    names: Vec<u32>,
    /// How many of each indicator's events had made no update then.
    skipped: Vec<u32>,
}

impl SnapshotMark {
    /// Sequence number of the part this mark stands for (0: none, the next part is full).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Most voids a [`FoldedSince`] lists; past it, it lists none.
const FOLDED_LIMIT: usize = 1 << 16;

/// The updates voided since a sequence number, and whether a definition was folded, kept for
/// the next snapshot part: with them, encoding a part costs what the part holds, not a walk of
/// every update (about 100 ms at ten million). Bounded by [`FOLDED_LIMIT`]: past it, it lists
/// nothing and the next part walks the updates, a cost spread over that many voids.
///
/// Bookkeeping for encoding, not state: any two are equal, so that a projection loaded from a
/// snapshot equals one folded from the first event.
#[derive(Clone, Debug)]
pub(crate) struct FoldedSince {
    /// Every update voided after this seq is listed; `None`: none is.
    after: Option<u64>,
    /// Each update voided: (its indicator's position, its place).
    voided: Vec<(u32, u32)>,
    /// Whether a definition (which may change the catalog) was folded.
    defined: bool,
}

impl Default for FoldedSince {
    /// Lists everything from the first event on.
    fn default() -> Self {
        Self::after(0)
    }
}

impl PartialEq for FoldedSince {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl FoldedSince {
    /// Lists what is folded after `seq`.
    pub(crate) fn after(seq: u64) -> Self {
        FoldedSince {
            after: Some(seq),
            voided: Vec::new(),
            defined: false,
        }
    }

    /// Lists nothing.
    pub(crate) fn none() -> Self {
        FoldedSince {
            after: None,
            voided: Vec::new(),
            defined: true,
        }
    }

    /// Notes an update voided.
    pub(crate) fn void(&mut self, position: u32, order: u32) {
        if self.after.is_some() {
            self.voided.push((position, order));
            self.bound();
        }
    }

    /// Notes a definition folded.
    pub(crate) fn define(&mut self) {
        self.defined = true;
    }

    fn bound(&mut self) {
        if self.voided.len() > FOLDED_LIMIT {
            *self = Self::none();
        }
    }

    /// Whether everything folded after `seq` is listed.
    fn covers(&self, seq: u64) -> bool {
        self.after.is_some_and(|after| after <= seq)
    }
}

/// A part's header, as read.
#[derive(Deserialize)]
struct Header {
    seq: u64,
    /// Hash of the event at `seq` (zero for none): opening checks it against the log.
    hash: Hash,
    recorded_at: Option<i64>,
    /// The catalog, in a part whose base is 0 or after which a definition was folded; in
    /// the others, that of the newest part before it that holds one.
    catalog: Option<Catalog>,
    states: Vec<StateHeader>,
}

/// A part's header, as written (the same encoding as [`Header`]).
#[derive(Serialize)]
struct HeaderOut<'a> {
    seq: u64,
    hash: Hash,
    recorded_at: Option<i64>,
    catalog: Option<&'a Catalog>,
    states: Vec<StateHeader>,
}

#[derive(Serialize, Deserialize)]
struct StateHeader {
    indicator: String,
    /// The names of the indicator's table added since the base, from place `names_from`.
    names: Vec<String>,
    names_from: u32,
    /// Updates of this indicator in the parts before this one.
    from: u32,
    /// Updates of this indicator in this part.
    count: u32,
    /// Updates before `from` that are voided by now: at least those voided since the base (a
    /// part may list ones voided before it too; marking one voided again changes nothing).
    voided_before: Vec<u32>,
    /// Versions of the indicator's events that made no update, since the base, in order.
    skipped: Vec<u64>,
    /// How many such versions the parts before this one hold.
    skipped_from: u32,
}

fn header_options() -> impl Options {
    bincode::DefaultOptions::new()
}

fn packed_date(date: Date) -> i128 {
    i128::from(date.year()) << 9 | i128::from(date.month()) << 5 | i128::from(date.day())
}

fn unpacked_date(packed: i128) -> Option<Date> {
    let year = i16::try_from(packed >> 9).ok()?;
    let month = i8::try_from((packed >> 5) & 0xf).ok()?;
    let day = i8::try_from(packed & 0x1f).ok()?;
    Date::new(year, month, day).ok()
}

/// Reads a part's body.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first)
    }

    fn varint(&mut self) -> Option<u128> {
        let mut pos = 0;
        let value = varint::read(self.bytes, &mut pos)?;
        self.bytes = self.bytes.get(pos..)?;
        Some(value)
    }
}

impl Projection {
    /// What a snapshot part taken now would cover.
    pub fn snapshot_mark(&self) -> SnapshotMark {
        SnapshotMark {
            seq: self.seq,
            counts: self
                .states
                .iter()
                .map(|(_, state)| u32::try_from(state.len()).unwrap_or(u32::MAX))
                .collect(),
            names: self
                .states
                .iter()
                .map(|(_, state)| u32::try_from(state.names().len()).unwrap_or(u32::MAX))
                .collect(),
            skipped: self
                .states
                .iter()
                .map(|(_, state)| u32::try_from(state.skipped().len()).unwrap_or(u32::MAX))
                .collect(),
        }
    }

    /// A snapshot part holding what was folded after `since` (everything if `since` is the
    /// default mark, or is not a mark of this projection's past).
    pub fn encode_snapshot(&self, since: &SnapshotMark) -> Result<Vec<u8>, bincode::Error> {
        let past = since.seq <= self.seq
            && marks_within(&since.counts, &self.states, IndicatorState::len)
            && marks_within(&since.names, &self.states, |state| state.names().len())
            && marks_within(&since.skipped, &self.states, |state| state.skipped().len());
        let (base, from, names_from, skipped_from) = if past {
            (
                since.seq,
                since.counts.as_slice(),
                since.names.as_slice(),
                since.skipped.as_slice(),
            )
        } else {
            (0, &[][..], &[][..], &[][..])
        };
        let from_of = |position: usize| mark_at(from, position);
        let names_from_of = |position: usize| mark_at(names_from, position);
        let skipped_from_of = |position: usize| mark_at(skipped_from, position);

        // What was voided since the base: listed, or else found by walking every update.
        let listed = self.folded.covers(base);
        // Updates before each indicator's first in this part that are voided: those voided
        // since the base if they are listed, else every one.
        let mut voided_before: Vec<Vec<u32>> = if listed {
            let mut voided = vec![Vec::new(); self.states.len()];
            for &(position, order) in &self.folded.voided {
                if (order as usize) < from_of(position as usize) {
                    if let Some(voided) = voided.get_mut(position as usize) {
                        voided.push(order);
                    }
                }
            }
            voided
        } else {
            self.states
                .iter()
                .enumerate()
                .map(|(position, (_, state))| {
                    let from = from_of(position);
                    state
                        .entries()
                        .voided()
                        .take_while(|&order| order < from)
                        .map(|order| u32::try_from(order).unwrap_or(u32::MAX))
                        .collect()
                })
                .collect()
        };

        let mut states = Vec::with_capacity(self.states.len());
        let mut body = Vec::new();
        for (position, (indicator, state)) in self.states.iter().enumerate() {
            let start = from_of(position);
            let entries = state.entries();
            let mut voided = std::mem::take(&mut voided_before[position]);
            voided.sort_unstable();
            voided.dedup();
            let names_start = names_from_of(position);
            let skipped_start = skipped_from_of(position);
            states.push(StateHeader {
                indicator: indicator.clone(),
                names: state.names()[names_start..].to_vec(),
                names_from: u32::try_from(names_start).unwrap_or(u32::MAX),
                from: u32::try_from(start).unwrap_or(u32::MAX),
                count: u32::try_from(entries.len() - start).unwrap_or(u32::MAX),
                voided_before: voided,
                skipped: state.skipped()[skipped_start..].to_vec(),
                skipped_from: u32::try_from(skipped_start).unwrap_or(u32::MAX),
            });
            let mut previous = 0;
            for entry in entries.iter_from(start) {
                let scale = entry.amount.scale() as u8 & 0x1f;
                body.push(scale | (entry.kind as u8) << 5 | u8::from(entry.voided) << 7);
                varint::put(&mut body, u128::from(entry.name));
                let date = packed_date(entry.effective);
                varint::put(&mut body, varint::zigzag(date - previous));
                previous = date;
                if matches!(entry.kind, Kind::Delta | Kind::Measurement) {
                    varint::put(&mut body, varint::zigzag(entry.amount.mantissa()));
                }
            }
        }
        let header = HeaderOut {
            seq: self.seq,
            hash: self.hash,
            recorded_at: self.recorded_at.map(|t| t.as_microsecond()),
            // The catalog (a hundred KB for a plan of ~190 indicators) only if it may have
            // changed since the base.
            catalog: (base == 0 || !listed || self.folded.defined).then_some(&self.catalog),
            states,
        };
        let header = header_options().serialize(&header)?;
        let mut out = Vec::with_capacity(12 + header.len() + body.len());
        out.extend_from_slice(&base.to_le_bytes());
        out.extend_from_slice(
            &u32::try_from(header.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        out.extend_from_slice(&header);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// The projection a chain of snapshot parts holds, oldest part first (the first of base 0,
    /// each next one based on the one before); `None` if the parts are unreadable or do not
    /// form such a chain.
    pub fn from_snapshots(parts: &[&[u8]]) -> Option<Projection> {
        let mut parsed = Vec::with_capacity(parts.len());
        for part in parts {
            let base = snapshot_base(part)?;
            let length = u32::from_le_bytes(*part.get(8..)?.first_chunk::<4>()?) as usize;
            let header_bytes = part.get(12..12 + length)?;
            let header: Header = header_options()
                .with_limit(length as u64)
                .deserialize(header_bytes)
                .ok()?;
            let body = part.get(12 + length..)?;
            parsed.push((base, header, body));
        }
        let mut expected_base = 0;
        for (base, header, _) in &parsed {
            if *base != expected_base {
                return None;
            }
            expected_base = header.seq;
        }
        let tip = &parsed.last()?.1;

        // Every part's indicators are a prefix of the tip's, each continuing where the parts
        // before it left off.
        let mut counts = vec![0usize; tip.states.len()];
        for (_, header, _) in &parsed {
            if header.states.len() > tip.states.len() {
                return None;
            }
            for ((state, tip_state), count) in
                header.states.iter().zip(&tip.states).zip(&mut counts)
            {
                if state.indicator != tip_state.indicator || state.from as usize != *count {
                    return None;
                }
                *count = count.checked_add(state.count as usize)?;
            }
        }

        // Each indicator's table of names, and its events without an update: what each part
        // added, in order.
        let mut tables: Vec<Vec<String>> = vec![Vec::new(); counts.len()];
        let mut skipped: Vec<Vec<u64>> = vec![Vec::new(); counts.len()];
        for (_, header, _) in &mut parsed {
            for ((state, table), skipped) in
                header.states.iter_mut().zip(&mut tables).zip(&mut skipped)
            {
                if state.names_from as usize != table.len()
                    || state.skipped_from as usize != skipped.len()
                {
                    return None;
                }
                table.append(&mut state.names);
                skipped.append(&mut state.skipped);
            }
        }
        let tip = &parsed.last()?.1;
        let mut states: Vec<(String, IndicatorState)> = tip
            .states
            .iter()
            .zip(tables)
            .zip(&counts)
            .map(|((state, names), &count)| {
                (
                    state.indicator.clone(),
                    IndicatorState::with_names(names, count),
                )
            })
            .collect();
        for ((_, state), skipped) in states.iter_mut().zip(&skipped) {
            if !state.push_skipped(skipped) {
                return None;
            }
        }
        for (_, header, body) in &parsed {
            let mut reader = Reader { bytes: body };
            for (position, state_header) in header.states.iter().enumerate() {
                let (_, state) = states.get_mut(position)?;
                let mut previous = 0;
                for _ in 0..state_header.count {
                    let flags = reader.byte()?;
                    let name = reader.varint()?;
                    previous += varint::unzigzag(reader.varint()?);
                    let effective = unpacked_date(previous)?;
                    let kind = Kind::from_bits(flags >> 5);
                    let amount = if matches!(kind, Kind::Delta | Kind::Measurement) {
                        let mantissa = varint::unzigzag(reader.varint()?);
                        Decimal::try_from_i128_with_scale(mantissa, u32::from(flags & 0x1f)).ok()?
                    } else {
                        Decimal::ZERO
                    };
                    let entry = Entry {
                        amount,
                        effective,
                        name: u32::try_from(name).ok()?,
                        kind,
                        voided: flags & 0x80 != 0,
                    };
                    if !state.push_entry(entry) {
                        return None;
                    }
                }
                for &order in &state_header.voided_before {
                    if order >= state_header.from {
                        return None;
                    }
                    if !state.mark_voided(order as usize) {
                        return None;
                    }
                }
            }
            if !reader.bytes.is_empty() {
                return None;
            }
        }

        let catalog = parsed
            .iter_mut()
            .rev()
            .find_map(|(_, header, _)| header.catalog.take())?;
        let (_, tip, _) = parsed.pop()?;
        let positions: super::Positions = states
            .iter()
            .enumerate()
            .map(|(position, (indicator, _))| {
                (
                    indicator.clone(),
                    u32::try_from(position).unwrap_or(u32::MAX),
                )
            })
            .collect();
        Some(Projection {
            seq: tip.seq,
            hash: tip.hash,
            recorded_at: match tip.recorded_at {
                Some(micros) => Some(Timestamp::from_microsecond(micros).ok()?),
                None => None,
            },
            catalog,
            states: states
                .into_iter()
                .map(|(indicator, state)| (indicator, Arc::new(state)))
                .collect(),
            positions,
            updates: None,
            folded: FoldedSince::after(tip.seq),
            dated: true,
        })
    }
}

/// Whether `marks` (one per indicator, in the order of `states`) are each at most what `now`
/// counts of that indicator's state: marks this projection has passed.
fn marks_within(
    marks: &[u32],
    states: &[(String, Arc<IndicatorState>)],
    now: impl Fn(&IndicatorState) -> usize,
) -> bool {
    marks.len() <= states.len()
        && marks
            .iter()
            .zip(states)
            .all(|(&mark, (_, state))| mark as usize <= now(state))
}

/// The mark of the indicator at `position` (0 for one the marks do not reach).
fn mark_at(marks: &[u32], position: usize) -> usize {
    marks.get(position).map_or(0, |&mark| mark as usize)
}

/// The sequence number of the part a snapshot part is based on (0: it holds everything), or
/// `None` if it is too short to be a part.
pub fn snapshot_base(part: &[u8]) -> Option<u64> {
    part.first_chunk::<8>()
        .map(|bytes| u64::from_le_bytes(*bytes))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::*;
    use crate::event::{Event, Payload, StreamId};

    /// An update of indicator `indicator` (0 to 2); a correction of the `nth` update made so
    /// far (with a replacement or not), on its indicator's stream or the next one's; or a
    /// target revision (an event that makes no update), or a correction naming one.
    #[derive(Clone, Debug)]
    enum Step {
        Update {
            indicator: usize,
            delta: i64,
        },
        Correct {
            nth: prop::sample::Index,
            replace: bool,
            elsewhere: bool,
        },
        Revise {
            indicator: usize,
        },
        CorrectRevision {
            nth: prop::sample::Index,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (0..3usize, -5..50i64)
                .prop_map(|(indicator, delta)| Step::Update { indicator, delta }),
            3 => (any::<prop::sample::Index>(), any::<bool>(), prop::bool::weighted(0.1))
                .prop_map(|(nth, replace, elsewhere)| Step::Correct { nth, replace, elsewhere }),
            1 => (0..3usize).prop_map(|indicator| Step::Revise { indicator }),
            1 => any::<prop::sample::Index>().prop_map(|nth| Step::CorrectRevision { nth }),
        ]
    }

    fn delta(delta: i64) -> Payload {
        Payload::ProgressReported {
            delta: Decimal::from(delta),
            district: None,
        }
    }

    /// The events of `steps`, seqs from 1, each stream's versions from 1.
    fn events(steps: &[Step]) -> Vec<Event> {
        let mut made: Vec<(Uuid, usize)> = Vec::new();
        let mut revisions: Vec<(Uuid, usize)> = Vec::new();
        let mut versions = [0u64; 3];
        let mut events = Vec::new();
        let correction = |corrects, replace: bool| Payload::Corrected {
            corrects,
            reason: "test".into(),
            replacement: replace.then(|| Box::new(delta(1))),
        };
        for (seq, step) in (1u64..).zip(steps) {
            let id = Uuid::from_u128(u128::from(seq) * 0x9e37_79b9_7f4a_7c15);
            let (indicator, payload) = match step {
                Step::Update {
                    indicator,
                    delta: d,
                } => {
                    made.push((id, *indicator));
                    (*indicator, delta(*d))
                }
                Step::Correct {
                    nth,
                    replace,
                    elsewhere,
                } => {
                    let Some(&(corrects, indicator)) = made.get(nth.index(made.len().max(1)))
                    else {
                        continue;
                    };
                    let indicator = (indicator + usize::from(*elsewhere)) % 3;
                    if *replace {
                        made.push((id, indicator));
                    }
                    (indicator, correction(corrects, *replace))
                }
                Step::Revise { indicator } => {
                    revisions.push((id, *indicator));
                    let payload = Payload::TargetRevised {
                        target: Decimal::from(seq),
                        reason: "test".into(),
                    };
                    (*indicator, payload)
                }
                Step::CorrectRevision { nth } => {
                    let Some(&(corrects, indicator)) =
                        revisions.get(nth.index(revisions.len().max(1)))
                    else {
                        continue;
                    };
                    (indicator, correction(corrects, false))
                }
            };
            versions[indicator] += 1;
            events.push(Event {
                seq,
                id,
                stream: StreamId::indicator(&format!("i{indicator}")).expect("stream"),
                version: versions[indicator],
                recorded_at: Timestamp::UNIX_EPOCH,
                effective: jiff::civil::date(2023, 1, 1)
                    .checked_add(jiff::Span::new().days(seq as i64 % 300))
                    .expect("date"),
                actor: "test".into(),
                note: None,
                payload,
                prev_hash: Hash::ZERO,
                hash: Hash::ZERO,
            });
        }
        events
    }

    proptest! {
        /// A projection without ids, given the events corrections name, folds to the same
        /// states as one with its index of update ids, and finds every update where that index
        /// has it, from its event's stream version.
        #[test]
        fn without_ids_the_named_events_fold_to_the_same_projection(
            steps in prop::collection::vec(step(), 1..80),
        ) {
            let events = events(&steps);
            let by_id: std::collections::HashMap<Uuid, &Event> = events.iter().map(|e| (e.id, e)).collect();
            let mut with_ids = Projection::default();
            let mut without = Projection::without_ids();
            for event in &events {
                with_ids.apply(event);
                let named = match &event.payload {
                    Payload::Corrected { corrects, .. } => by_id.get(corrects).copied(),
                    _ => None,
                };
                without.apply_with(event, named);
            }
            prop_assert!(with_ids.keeps_ids() && !without.keeps_ids());
            prop_assert_eq!(&without, &with_ids);
            for event in &events {
                let from_ids = with_ids.locate(&event.id, None);
                prop_assert_eq!(without.locate(&event.id, Some(event)), from_ids);
            }
            // Not given the named event, a projection without ids voids nothing.
            if events.iter().any(|e| matches!(e.payload, Payload::Corrected { .. })) {
                let mut blind = Projection::without_ids();
                for event in &events {
                    blind.apply(event);
                }
                let voided = |p: &Projection| {
                    (0..3)
                        .filter_map(|i| p.state(&format!("i{i}")))
                        .flat_map(|s| s.updates().filter(|u| u.voided).map(|u| u.order).collect::<Vec<_>>())
                        .count()
                };
                prop_assert_eq!(voided(&blind), 0);
            }
        }

        #[test]
        fn a_part_from_what_was_folded_since_its_base_equals_one_from_a_walk_of_every_update(
            steps in prop::collection::vec(step(), 1..60),
            split in any::<prop::sample::Index>(),
        ) {
            let events = events(&steps);
            let split = split.index(events.len() + 1);
            let mut projection = Projection::default();
            for event in &events[..split] {
                projection.apply(event);
            }
            prop_assert!(projection.keeps_ids());
            let first = projection.encode_snapshot(&SnapshotMark::default()).expect("encode");
            let mark = projection.snapshot_mark();
            projection.snapshot_taken();
            for event in &events[split..] {
                projection.apply(event);
            }
            let listed = projection.encode_snapshot(&mark).expect("encode");
            let mut walking = projection.clone();
            walking.folded = FoldedSince::none();
            let walked = walking.encode_snapshot(&mark).expect("encode");
            let whole = walking.encode_snapshot(&SnapshotMark::default()).expect("encode");

            let decoded = |parts: &[&[u8]]| Projection::from_snapshots(parts);
            prop_assert_eq!(decoded(&[&first, &listed]), Some(projection.clone()));
            prop_assert_eq!(decoded(&[&first, &walked]), Some(projection.clone()));
            prop_assert_eq!(decoded(&[&whole]), Some(projection.clone()));
            // The listed part names only the voids since its base.
            prop_assert!(listed.len() <= walked.len());
        }
    }
}
