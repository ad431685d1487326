//! The state of one indicator: every update folded so far, voided or not, in a compact form.
//!
//! An update takes 8 bytes (see [`super::entries`]) and no allocation of its own: its district
//! or deliverable is an index into the indicator's small table of names (a plan has a dozen
//! districts, an indicator a few deliverables), and its order in the log is its place. Beside the
//! updates, the state keeps what the live ones add up to (see [`super::aggregate`]), changed
//! as each update is pushed or voided.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::aggregate::{Kept, Tally};
use super::entries::Entries;
use crate::plan::ItemStatus;

/// What one update contributes to its indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contribution<'a> {
    /// A delta to a cumulative or coverage indicator.
    Delta {
        /// Amount added.
        amount: Decimal,
        /// District, if reported for one.
        district: Option<&'a str>,
    },
    /// A measurement of a level indicator.
    Measurement {
        /// Value measured.
        value: Decimal,
        /// District, if measured for one.
        district: Option<&'a str>,
    },
    /// A deliverable completed.
    Milestone(&'a str),
    /// A status reported.
    Status(ItemStatus),
}

/// One update of an indicator, as read from its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Update<'a> {
    /// Place among the indicator's updates: later-recorded updates have higher places.
    pub order: usize,
    /// Business date it is about.
    pub effective: Date,
    /// Whether a later correction voided it.
    pub voided: bool,
    /// What it contributes.
    pub contribution: Contribution<'a>,
}

/// The kind of an entry, stored in one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Delta = 0,
    Measurement = 1,
    Milestone = 2,
    Status = 3,
}

impl Kind {
    pub(crate) fn from_bits(bits: u8) -> Kind {
        match bits & 3 {
            0 => Kind::Delta,
            1 => Kind::Measurement,
            2 => Kind::Milestone,
            _ => Kind::Status,
        }
    }
}

/// One update, as [`Entries`] keeps it in a word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Entry {
    /// Delta or measured value; zero for milestones and statuses.
    pub(crate) amount: Decimal,
    /// Business date it is about.
    pub(crate) effective: Date,
    /// Delta, measurement, milestone: 0 for no name, else the name's index + 1 in the table.
    /// Status: the status (0 not started, 1 in progress, 2 done).
    pub(crate) name: u32,
    pub(crate) kind: Kind,
    pub(crate) voided: bool,
}

fn status_code(status: ItemStatus) -> u32 {
    match status {
        ItemStatus::NotStarted => 0,
        ItemStatus::InProgress => 1,
        ItemStatus::Done => 2,
    }
}

pub(crate) fn status_of(code: u32) -> ItemStatus {
    match code {
        0 => ItemStatus::NotStarted,
        1 => ItemStatus::InProgress,
        _ => ItemStatus::Done,
    }
}

/// Every update of one indicator, in log order, and what the live ones add up to.
#[derive(Clone, Debug, Default)]
pub struct IndicatorState {
    /// Updates in log order, voided ones included (they are marked).
    entries: Entries,
    /// Districts and deliverables the updates name, in order of first use.
    names: Vec<String>,
    /// What the live updates add up to, in all, per month and per day (or in all only, until
    /// a day is asked for): brought up to date when asked for.
    aggregates: Kept,
    /// For a state started from a tally checkpoint rather than the first update: the updates
    /// before `entries` (`entries[0]` is update number `earlier.count`).
    earlier: Option<Box<Earlier>>,
    /// Stream versions of the indicator's events that made no update (its definition, target
    /// revisions, retirement, corrections without a replacement), in order: with them, an
    /// event's version gives its update's place (see [`IndicatorState::place_of`]).
    skipped: Vec<u64>,
}

/// The updates before those a state holds: how many, and what the live ones add up to in all
/// (no per-month or per-day tallies, so such a state answers only "in all").
#[derive(Clone, Debug, PartialEq)]
struct Earlier {
    count: usize,
    total: Tally,
}

impl PartialEq for IndicatorState {
    /// The same updates and names, and the same aggregates once both are up to date.
    fn eq(&self, other: &Self) -> bool {
        self.same_updates(other)
            && self
                .aggregates
                .same(&self.entries, &other.aggregates, &other.entries)
    }
}

impl IndicatorState {
    /// No updates, with aggregates that keep only the tally of all live updates until a day
    /// is asked for.
    pub(crate) fn totals_only() -> IndicatorState {
        IndicatorState {
            aggregates: Kept::totals_only(),
            ..IndicatorState::default()
        }
    }

    /// Adds an update (not voided); returns its place.
    pub fn push(&mut self, effective: Date, contribution: Contribution<'_>) -> usize {
        let (kind, amount, name) = match contribution {
            Contribution::Delta { amount, district } => {
                (Kind::Delta, amount, self.intern(district))
            }
            Contribution::Measurement { value, district } => {
                (Kind::Measurement, value, self.intern(district))
            }
            Contribution::Milestone(name) => {
                (Kind::Milestone, Decimal::ZERO, self.intern(Some(name)))
            }
            Contribution::Status(status) => (Kind::Status, Decimal::ZERO, status_code(status)),
        };
        let entry = Entry {
            amount,
            effective,
            name,
            kind,
            voided: false,
        };
        self.entries.push(entry);
        self.len() - 1
    }

    /// Notes that the event of stream version `version` made no update.
    pub(crate) fn skip(&mut self, version: u64) {
        self.skipped.push(version);
    }

    /// The place of the update made by the event of stream version `version`, for a state
    /// that has folded every event of its indicator's stream up to now; `None` if that event
    /// made no update or is not folded yet, or the state started from a tally checkpoint.
    pub(crate) fn place_of(&self, version: u64) -> Option<usize> {
        if self.earlier.is_some() {
            return None;
        }
        let before = self.skipped.partition_point(|&skipped| skipped < version);
        if self.skipped.get(before) == Some(&version) {
            return None;
        }
        let place = version.checked_sub(1)?.checked_sub(before as u64)?;
        let place = usize::try_from(place).ok()?;
        (place < self.entries.len()).then_some(place)
    }

    /// The versions of the events that made no update (for snapshots).
    pub(crate) fn skipped(&self) -> &[u64] {
        &self.skipped
    }

    /// Adds decoded versions of events that made no update (for snapshots); false unless they
    /// follow those the state has, in order.
    pub(crate) fn push_skipped(&mut self, versions: &[u64]) -> bool {
        let mut last = self.skipped.last().copied();
        for &version in versions {
            if last.is_some_and(|last| version <= last) {
                return false;
            }
            last = Some(version);
        }
        self.skipped.extend_from_slice(versions);
        true
    }

    /// 0 for no name, else the index + 1 of `name` in the table (added if new). A linear
    /// search: an indicator names a plan's districts or its own deliverables, a few dozen at
    /// most.
    fn intern(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else {
            return 0;
        };
        let index = match self.names.iter().position(|n| n == name) {
            Some(index) => index,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    /// Marks the update at `order` voided and takes it out of the aggregates; false (and
    /// nothing done) if there is none, or it is voided already.
    pub(crate) fn void(&mut self, order: usize) -> bool {
        let Some(at) = order.checked_sub(self.first()) else {
            return false;
        };
        match self.entries.void(at) {
            Some(entry) if !entry.voided => {
                self.aggregates.void(at, &entry, &self.entries);
                true
            }
            _ => false,
        }
    }

    /// Number of the first update `entries` holds: 0, or the count of the updates before
    /// them for a state started from a tally checkpoint.
    fn first(&self) -> usize {
        self.earlier.as_ref().map_or(0, |earlier| earlier.count)
    }

    /// What the updates that count on business date `effective` (all dates if `None`) add
    /// up to: the same updates as [`IndicatorState::live`], from the aggregates, in time that
    /// does not grow with their number (once the aggregates have folded the updates appended
    /// since they were last asked for).
    ///
    /// A state started from a tally checkpoint (see [`super::Projection::from_tallies`]) knows
    /// only the total of its earlier updates: it is asked only for all dates.
    pub fn tally(&self, effective: Option<Date>) -> Tally {
        self.with_tally(effective, Tally::clone)
    }

    /// `f` of [`IndicatorState::tally`], without copying the tally where it is kept whole.
    /// `f` runs while the aggregates are locked: it must not ask this state for a tally.
    pub fn with_tally<R>(&self, effective: Option<Date>, f: impl FnOnce(&Tally) -> R) -> R {
        match &self.earlier {
            None => self.aggregates.with_tally(&self.entries, effective, f),
            Some(earlier) => {
                debug_assert!(effective.is_none(), "a checkpoint has no per-day tallies");
                self.aggregates
                    .with_tally(&self.entries, effective, |later| {
                        f(&earlier.total.followed_by(earlier.count, later))
                    })
            }
        }
    }

    /// The district or deliverable at `index` of the state's table of names (as a
    /// [`Tally`]'s names are numbered).
    pub fn name_at(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// Whether `other` holds the same updates (voided or not), names and versions of events
    /// that made no update: equality without comparing the aggregates.
    pub fn same_updates(&self, other: &IndicatorState) -> bool {
        self.entries == other.entries
            && self.names == other.names
            && self.earlier == other.earlier
            && self.skipped == other.skipped
    }

    /// The same updates with their aggregates folded afresh from them: equal to this state
    /// whenever the aggregates kept as updates came and were voided are right.
    pub fn rebuilt(&self) -> IndicatorState {
        IndicatorState {
            entries: self.entries.clone(),
            names: self.names.clone(),
            aggregates: Kept::default(),
            earlier: self.earlier.clone(),
            skipped: self.skipped.clone(),
        }
    }

    /// Number of updates, voided ones included.
    pub fn len(&self) -> usize {
        self.first() + self.entries.len()
    }

    /// Whether there is no update.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The update at `order` (of those the state holds: none before a tally checkpoint's).
    pub fn get(&self, order: usize) -> Option<Update<'_>> {
        let at = order.checked_sub(self.first())?;
        self.entries.get(at).map(|e| self.read(order, &e))
    }

    /// Every update the state holds in log order, voided ones included (of a state started
    /// from a tally checkpoint, those after it).
    pub fn updates(&self) -> impl Iterator<Item = Update<'_>> {
        self.updates_from(0)
    }

    /// The updates the state holds from `order` on, in log order.
    pub fn updates_from(&self, order: usize) -> impl Iterator<Item = Update<'_>> {
        let first = self.first();
        let start = order.saturating_sub(first);
        self.entries
            .iter_from(start)
            .enumerate()
            .map(move |(at, e)| self.read(first + start + at, &e))
    }

    /// The updates that count on business date `effective` (all dates if `None`): not voided,
    /// and effective on or before it.
    pub fn live(&self, effective: Option<Date>) -> impl Iterator<Item = Update<'_>> {
        let first = self.first();
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| !e.voided && effective.is_none_or(|d| e.effective <= d))
            .map(move |(at, e)| self.read(first + at, &e))
    }

    fn name(&self, name: u32) -> Option<&str> {
        let index = usize::try_from(name.checked_sub(1)?).ok()?;
        self.names.get(index).map(String::as_str)
    }

    fn read(&self, order: usize, entry: &Entry) -> Update<'_> {
        let contribution = match entry.kind {
            Kind::Delta => Contribution::Delta {
                amount: entry.amount,
                district: self.name(entry.name),
            },
            Kind::Measurement => Contribution::Measurement {
                value: entry.amount,
                district: self.name(entry.name),
            },
            Kind::Milestone => Contribution::Milestone(self.name(entry.name).unwrap_or_default()),
            Kind::Status => Contribution::Status(status_of(entry.name)),
        };
        Update {
            order,
            effective: entry.effective,
            voided: entry.voided,
            contribution,
        }
    }

    /// The stored entries (for snapshots).
    pub(crate) fn entries(&self) -> &Entries {
        &self.entries
    }

    /// The name table (for snapshots).
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// A state from snapshot parts: its name table, and room for its `count` entries and an
    /// eighth more. The room keeps the updates folded after the snapshot from moving the
    /// entries at once: a moved vector that the allocator serves from its heap leaves its old
    /// place there as a hole (at ten million events, the tail folded at opening moved every
    /// state and left 290 MB of holes). Room never written to takes no memory.
    pub(crate) fn with_names(names: Vec<String>, count: usize) -> IndicatorState {
        IndicatorState {
            entries: Entries::with_room(count),
            names,
            aggregates: Kept::default(),
            earlier: None,
            skipped: Vec::new(),
        }
    }

    /// A state started from a tally checkpoint: its name table, and `count` earlier updates
    /// whose live ones add up to `total`.
    pub(crate) fn after_checkpoint(names: Vec<String>, count: usize, total: Tally) -> Self {
        IndicatorState {
            earlier: Some(Box::new(Earlier { count, total })),
            ..IndicatorState::with_names(names, 0)
        }
    }

    /// Marks a decoded entry voided (for snapshots; the aggregates fold the entries when first
    /// asked for); false if there is no such entry.
    pub(crate) fn mark_voided(&mut self, order: usize) -> bool {
        self.entries.void(order).is_some()
    }

    /// Adds a decoded entry (for snapshots; the aggregates fold the entries when first asked
    /// for); false if it names no name of the table.
    pub(crate) fn push_entry(&mut self, entry: Entry) -> bool {
        let named = matches!(
            entry.kind,
            Kind::Delta | Kind::Measurement | Kind::Milestone
        );
        if named && entry.name as usize > self.names.len() {
            return false;
        }
        self.entries.push(entry);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_interned_and_read_back() {
        let day = jiff::civil::date(2023, 3, 1);
        let mut state = IndicatorState::default();
        let seats = |d| Contribution::Delta {
            amount: Decimal::ONE,
            district: d,
        };
        state.push(day, seats(Some("瑶海区")));
        state.push(day, seats(None));
        state.push(day, seats(Some("瑶海区")));
        state.push(day, Contribution::Milestone("市空港医院"));
        state.push(day, Contribution::Status(ItemStatus::InProgress));
        assert_eq!(state.names(), ["瑶海区", "市空港医院"]);
        let read: Vec<_> = state.updates().map(|u| u.contribution).collect();
        assert_eq!(
            read,
            [
                seats(Some("瑶海区")),
                seats(None),
                seats(Some("瑶海区")),
                Contribution::Milestone("市空港医院"),
                Contribution::Status(ItemStatus::InProgress),
            ]
        );
        state.void(1);
        assert_eq!(
            state.live(None).map(|u| u.order).collect::<Vec<_>>(),
            [0, 2, 3, 4]
        );
    }

    /// One step of a history of one indicator's updates.
    #[derive(Clone, Debug)]
    enum Op {
        /// An update on day `day` of 2023: a delta, a measurement, a milestone or a status.
        Push {
            day: u8,
            kind: u8,
            amount: (i64, u32),
            district: Option<u8>,
        },
        /// Voids the update at this index (modulo the count), if it is live.
        Void(usize),
        /// Asks for the tally now, or as effective on a day of 2023.
        Ask(Option<u8>),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            // No zero amounts: rust_decimal's sum ignores a zero term's scale, so how many
            // terms share a sum's scale would depend on the order zeros are added in.
            5 => (0..120u8, 0..4u8, (1..500i64, 0..3u32), proptest::option::of(0..3u8))
                .prop_map(|(day, kind, amount, district)| Op::Push { day, kind, amount, district }),
            2 => any::<usize>().prop_map(Op::Void),
            2 => proptest::option::of(0..120u8).prop_map(Op::Ask),
        ]
    }

    fn date(day: u8) -> Date {
        jiff::civil::date(2023, 1, 1)
            .checked_add(jiff::Span::new().days(i64::from(day)))
            .unwrap_or_default()
    }

    proptest::proptest! {
        /// A state that keeps only its total until a day is asked for gives the same tallies,
        /// now and on every day, as one that keeps its tallies by date from the start, and as
        /// its updates folded afresh, whatever the order of updates, voids and questions.
        #[test]
        fn totals_kept_alone_until_a_day_is_asked_give_the_same_tallies(
            ops in proptest::collection::vec(op(), 0..80),
        ) {
            const DISTRICTS: [&str; 3] = ["瑶海区", "庐阳区", "蜀山区"];
            let mut dated = IndicatorState::default();
            let mut totals = IndicatorState::totals_only();
            for op in ops {
                match op {
                    Op::Push { day, kind, amount, district } => {
                        let amount = Decimal::new(amount.0, amount.1);
                        let district = district.map(|d| DISTRICTS[usize::from(d)]);
                        let contribution = match kind {
                            0 => Contribution::Delta { amount, district },
                            1 => Contribution::Measurement { value: amount, district },
                            2 => Contribution::Milestone(district.unwrap_or("市空港医院")),
                            _ => Contribution::Status(status_of(u32::from(day % 3))),
                        };
                        dated.push(date(day), contribution);
                        totals.push(date(day), contribution);
                    }
                    Op::Void(pick) if !dated.is_empty() => {
                        let order = pick % dated.len();
                        proptest::prop_assert_eq!(dated.void(order), totals.void(order));
                    }
                    Op::Void(_) => {}
                    Op::Ask(day) => {
                        let day = day.map(date);
                        let want = dated.rebuilt().tally(day);
                        proptest::prop_assert_eq!(dated.tally(day), want.clone());
                        proptest::prop_assert_eq!(totals.tally(day), want);
                    }
                }
            }
            proptest::prop_assert_eq!(totals.tally(None), dated.rebuilt().tally(None));
            proptest::prop_assert!(totals == dated);
        }
    }
}
