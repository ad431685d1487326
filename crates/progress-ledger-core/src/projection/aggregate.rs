//! What an indicator's live updates add up to, kept as they are folded, so that an answer costs
//! in proportion to the plan (its indicators, districts and days), not to the log.
//!
//! A [`Tally`] holds, for a set of updates: how many are live, the sum of their deltas, the
//! latest plan-wide measurement and status, and per name (district or deliverable) the sum of
//! the deltas, the latest measurement and how many milestones reached it. An indicator keeps
//! one tally of all its live updates (the answer "now"), one per month and one per day of the
//! effective dates it has seen: "as effective on D" merges the months before D's month and the
//! days of D's month up to D, a few dozen tallies whatever the log's length. A fold asked only
//! about "now" after every event (an indicator's trail) keeps the total alone, and the months
//! and days only from the first question about a day.
//!
//! The aggregates are brought up to date when they are asked for ([`Kept`]): folding an event
//! only appends its update, so a replay of the whole log (opening, an as-recorded query) costs
//! what it did, and the first question after it folds every update once, by day, then the days
//! into months and the months into the total. After that each question folds only the updates
//! appended since the one before.
//!
//! Adding an update is exact and cheap. Taking one out (a correction voids it) is exact too:
//! sums subtract, keeping the decimal scale a sum of the remaining deltas would have (the
//! scale of a sum is the largest of its terms', so a tally counts the deltas of that scale);
//! when that cannot be told from the tally alone (the voided update was the latest
//! measurement or status, or the last delta of the largest scale), the day's tally is folded
//! again from the indicator's updates of that day, and its month's and the total from the
//! days and months.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::{Mutex, MutexGuard};

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::entries::{Cursor, Entries};
use super::state::{Entry, Kind, status_of};
use crate::plan::ItemStatus;

/// The latest of some updates: the one with the latest effective date, the later-recorded
/// one on a tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest<V> {
    /// Its effective date.
    pub effective: Date,
    /// Its place among the indicator's updates.
    pub order: u32,
    /// What it says.
    pub value: V,
}

fn later<V: Copy>(a: Option<Latest<V>>, b: Option<Latest<V>>) -> Option<Latest<V>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if (y.effective, y.order) > (x.effective, x.order) {
            y
        } else {
            x
        }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A sum of deltas, with as many terms, shown at the largest scale of its terms whatever their
/// order ("0" and "0.00" add up to "0.00", as "1.1" and "0.00" to "1.10"; rust_decimal alone
/// ignores a zero term's scale).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Sum {
    value: Decimal,
    terms: u32,
    /// Terms whose scale is the sum's (the largest).
    top: u32,
}

impl PartialEq for Sum {
    /// Equal values of equal scale: "3.0" and "3" are different answers.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
            && self.value.scale() == other.value.scale()
            && self.terms == other.terms
            && self.top == other.top
    }
}

impl Sum {
    /// The sum (zero with no term).
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// How many deltas it sums.
    pub fn terms(&self) -> usize {
        self.terms as usize
    }

    fn add(&mut self, amount: Decimal) {
        self.merge(&Sum {
            value: amount,
            terms: 1,
            top: 1,
        });
    }

    fn merge(&mut self, other: &Sum) {
        let (mine, theirs) = (self.value.scale(), other.value.scale());
        let top = match mine.cmp(&theirs) {
            Ordering::Greater => self.top,
            Ordering::Equal => self.top + other.top,
            Ordering::Less => other.top,
        };
        self.value += other.value;
        self.set_scale(mine.max(theirs));
        self.terms += other.terms;
        self.top = top;
    }

    /// Shows the value at `scale`, the largest of its terms' (exact: a sum never has a smaller
    /// one but where a term is zero), and a zero as positive.
    fn set_scale(&mut self, scale: u32) {
        self.value.rescale(scale);
        if self.value.is_zero() {
            self.value.set_sign_positive(true);
        }
    }

    /// Takes `amount` out; false if the sum of the remaining terms cannot be told exactly
    /// (the tally is then folded again).
    fn remove(&mut self, amount: Decimal) -> bool {
        let scale = self.value.scale();
        if self.terms <= 1 {
            *self = Sum::default();
            return true;
        }
        self.terms -= 1;
        match amount.scale().cmp(&scale) {
            Ordering::Greater => return false,
            Ordering::Equal if self.top <= 1 => return false,
            Ordering::Equal => self.top -= 1,
            Ordering::Less => {}
        }
        // The largest of the terms' scales is still `scale`.
        self.value -= amount;
        self.set_scale(scale);
        true
    }
}

/// What the updates naming one district or deliverable add up to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NameTally {
    /// Deltas reported for it.
    pub deltas: Sum,
    /// The latest measurement taken for it.
    pub measured: Option<Latest<Decimal>>,
    /// Milestone updates that reached it.
    pub reached: u32,
}

impl NameTally {
    fn merge(&mut self, other: &NameTally) {
        self.deltas.merge(&other.deltas);
        self.measured = later(self.measured, other.measured);
        self.reached += other.reached;
    }
}

/// What a set of an indicator's live updates adds up to (see the module's documentation).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tally {
    /// Live updates.
    live: u32,
    /// Every delta, with a district or without.
    deltas: Sum,
    /// The latest measurement for no district.
    measured: Option<Latest<Decimal>>,
    /// The latest status.
    status: Option<Latest<ItemStatus>>,
    /// Per name of the indicator's table (its code − 1).
    names: Vec<NameTally>,
}

impl PartialEq for Tally {
    /// Names missing from one are the same as names with nothing.
    fn eq(&self, other: &Self) -> bool {
        let empty = NameTally::default();
        let name = |tally: &'_ Tally, index: usize| -> NameTally {
            tally
                .names
                .get(index)
                .cloned()
                .unwrap_or_else(|| empty.clone())
        };
        self.live == other.live
            && self.deltas == other.deltas
            && self.measured == other.measured
            && self.status == other.status
            && (0..self.names.len().max(other.names.len()))
                .all(|index| name(self, index) == name(other, index))
    }
}

impl Tally {
    /// How many live updates.
    pub fn live(&self) -> usize {
        self.live as usize
    }

    /// Every delta, with a district or without.
    pub fn deltas(&self) -> &Sum {
        &self.deltas
    }

    /// The latest measurement for no district (the plan-wide one).
    pub fn measured(&self) -> Option<Latest<Decimal>> {
        self.measured
    }

    /// The latest status.
    pub fn status(&self) -> Option<Latest<ItemStatus>> {
        self.status
    }

    /// Per name (district or deliverable) of the indicator's table: its index there and its
    /// tally.
    pub fn names(&self) -> impl Iterator<Item = (usize, &NameTally)> {
        self.names.iter().enumerate()
    }

    fn name_mut(&mut self, code: u32) -> Option<&mut NameTally> {
        let index = usize::try_from(code.checked_sub(1)?).ok()?;
        if self.names.len() <= index {
            self.names.resize_with(index + 1, NameTally::default);
        }
        self.names.get_mut(index)
    }

    fn add(&mut self, order: u32, entry: &Entry) {
        self.live += 1;
        match entry.kind {
            Kind::Delta => {
                self.deltas.add(entry.amount);
                if let Some(name) = self.name_mut(entry.name) {
                    name.deltas.add(entry.amount);
                }
            }
            Kind::Measurement => {
                let latest = Some(Latest {
                    effective: entry.effective,
                    order,
                    value: entry.amount,
                });
                match self.name_mut(entry.name) {
                    Some(name) => name.measured = later(name.measured, latest),
                    None => self.measured = later(self.measured, latest),
                }
            }
            Kind::Milestone => {
                if let Some(name) = self.name_mut(entry.name) {
                    name.reached += 1;
                }
            }
            Kind::Status => {
                let latest = Some(Latest {
                    effective: entry.effective,
                    order,
                    value: status_of(entry.name),
                });
                self.status = later(self.status, latest);
            }
        }
    }

    /// Takes out the update at `order`; false if the tally must be folded again.
    fn remove(&mut self, order: u32, entry: &Entry) -> bool {
        // Whether the tally can stay as it is when `latest` is its latest.
        let kept = |latest: Option<Latest<Decimal>>| latest.is_none_or(|l| l.order != order);
        self.live = self.live.saturating_sub(1);
        match entry.kind {
            Kind::Delta => {
                let all = self.deltas.remove(entry.amount);
                match self.name_mut(entry.name) {
                    Some(name) => all && name.deltas.remove(entry.amount),
                    None => all,
                }
            }
            Kind::Measurement => match self.name_mut(entry.name) {
                Some(name) => kept(name.measured),
                None => kept(self.measured),
            },
            Kind::Milestone => {
                if let Some(name) = self.name_mut(entry.name) {
                    name.reached = name.reached.saturating_sub(1);
                }
                true
            }
            Kind::Status => self.status.is_none_or(|l| l.order != order),
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.live += other.live;
        self.deltas.merge(&other.deltas);
        self.measured = later(self.measured, other.measured);
        self.status = later(self.status, other.status);
        if self.names.len() < other.names.len() {
            self.names
                .resize_with(other.names.len(), NameTally::default);
        }
        for (mine, theirs) in self.names.iter_mut().zip(&other.names) {
            mine.merge(theirs);
        }
    }

    /// The tally of `count` earlier updates, whose tally is `self`, and the updates after
    /// them, whose tally `later` numbers from 0: one tally of all, the later updates' places
    /// moved past the earlier ones'.
    pub(crate) fn followed_by(&self, count: usize, later: &Tally) -> Tally {
        let shift = order_u32(count);
        let moved = |latest: Option<Latest<Decimal>>| {
            latest.map(|l| Latest {
                order: l.order.saturating_add(shift),
                ..l
            })
        };
        let mut later = later.clone();
        later.measured = moved(later.measured);
        later.status = later.status.map(|l| Latest {
            order: l.order.saturating_add(shift),
            ..l
        });
        for name in &mut later.names {
            name.measured = moved(name.measured);
        }
        let mut all = self.clone();
        all.merge(&later);
        all
    }

    fn merged<'a>(tallies: impl Iterator<Item = &'a Tally>) -> Tally {
        let mut all = Tally::default();
        for tally in tallies {
            all.merge(tally);
        }
        all
    }
}

/// A month as a number: year × 12 + month.
fn month_of(date: Date) -> i32 {
    i32::from(date.year()) * 12 + i32::from(date.month())
}

/// The tally under `key` in a vector sorted by key, added if missing.
fn slot<K: Ord + Copy>(tallies: &mut Vec<(K, Tally)>, key: K) -> &mut Tally {
    let at = match tallies.last() {
        Some((last, _)) if *last == key => tallies.len() - 1,
        _ => match tallies.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => at,
            Err(at) => {
                tallies.insert(at, (key, Tally::default()));
                at
            }
        },
    };
    &mut tallies[at].1
}

/// An indicator's tallies: of all its live updates and, unless it keeps only that, per month
/// and per day of their effective dates (see the module's documentation).
#[derive(Clone, Debug)]
struct Aggregates {
    total: Tally,
    dated: Option<Dated>,
}

/// The tallies per month and per day of the effective dates.
#[derive(Clone, Debug, Default)]
struct Dated {
    months: Vec<(i32, Tally)>,
    days: Vec<(Date, Tally)>,
}

impl Default for Aggregates {
    /// No updates, tallied by date too.
    fn default() -> Self {
        Aggregates {
            total: Tally::default(),
            dated: Some(Dated::default()),
        }
    }
}

impl PartialEq for Aggregates {
    /// Months and days whose updates were all voided are the same as none; aggregates that
    /// keep no dated tallies are compared by their totals.
    fn eq(&self, other: &Self) -> bool {
        fn kept<K: Copy>(tallies: &[(K, Tally)]) -> impl Iterator<Item = (K, &Tally)> {
            tallies
                .iter()
                .filter(|(_, t)| t.live > 0)
                .map(|(k, t)| (*k, t))
        }
        self.total == other.total
            && match (&self.dated, &other.dated) {
                (Some(mine), Some(theirs)) => {
                    kept(&mine.months).eq(kept(&theirs.months))
                        && kept(&mine.days).eq(kept(&theirs.days))
                }
                _ => true,
            }
    }
}

impl Aggregates {
    /// The aggregates of `entries`, folded afresh: with `dated`, each live update into its
    /// day's tally, then the days into their months and the months into the total; else each
    /// into the total.
    fn of(entries: &Entries, dated: bool) -> Aggregates {
        if !dated {
            return Aggregates {
                total: total_of(entries),
                dated: None,
            };
        }
        let live = || entries.iter().enumerate().filter(|(_, e)| !e.voided);
        let span = live().fold(None, |span, (_, entry)| {
            let day = day_number(entry.effective);
            Some(span.map_or((day, day), |(first, last): (i32, i32)| {
                (first.min(day), last.max(day))
            }))
        });
        let days = match span {
            // The dates of a plan span a few years: each day's tally found in a table by the
            // day's number rather than by a search of the days so far.
            Some((first, last)) if last - first < TABLE_DAYS => {
                let mut table: Vec<Option<(Date, Tally)>> = (first..=last).map(|_| None).collect();
                for (order, entry) in live() {
                    let at = usize::try_from(day_number(entry.effective) - first).unwrap_or(0);
                    if let Some(day) = table.get_mut(at) {
                        day.get_or_insert_with(|| (entry.effective, Tally::default()))
                            .1
                            .add(order_u32(order), &entry);
                    }
                }
                table.into_iter().flatten().collect()
            }
            _ => {
                let mut days = Vec::new();
                for (order, entry) in live() {
                    slot(&mut days, entry.effective).add(order_u32(order), &entry);
                }
                days
            }
        };
        let mut months: Vec<(i32, Tally)> = Vec::new();
        for (day, tally) in &days {
            slot(&mut months, month_of(*day)).merge(tally);
        }
        let total = Tally::merged(months.iter().map(|(_, t)| t));
        Aggregates {
            total,
            dated: Some(Dated { months, days }),
        }
    }

    /// Adds a live update.
    fn add(&mut self, order: u32, entry: &Entry) {
        self.total.add(order, entry);
        if let Some(dated) = &mut self.dated {
            slot(&mut dated.months, month_of(entry.effective)).add(order, entry);
            slot(&mut dated.days, entry.effective).add(order, entry);
        }
    }

    /// Takes out the update at `order`, just voided; `entries` are the indicator's updates,
    /// with it marked voided.
    fn remove(&mut self, order: u32, entry: &Entry, entries: &Entries) {
        if let Some(dated) = &mut self.dated {
            dated.remove(order, entry, entries);
        }
        if !self.total.remove(order, entry) {
            self.total = match &self.dated {
                Some(dated) => Tally::merged(dated.months.iter().map(|(_, t)| t)),
                None => total_of(entries),
            };
        }
    }

    /// The tally of the updates that count on `effective` (all if `None`). Only dated
    /// aggregates tell a day from the total: [`Kept::caught_up`] keeps them for a day.
    fn tally(&self, effective: Option<Date>) -> Cow<'_, Tally> {
        match (effective, &self.dated) {
            (Some(day), Some(dated)) => dated.tally(day, &self.total),
            _ => Cow::Borrowed(&self.total),
        }
    }
}

/// The tally of every live update of `entries`.
fn total_of(entries: &Entries) -> Tally {
    let mut total = Tally::default();
    for (order, entry) in entries.iter().enumerate() {
        if !entry.voided {
            total.add(order_u32(order), &entry);
        }
    }
    total
}

impl Dated {
    /// Takes the update at `order` out of its day and month (see [`Aggregates::remove`]).
    fn remove(&mut self, order: u32, entry: &Entry, entries: &Entries) {
        let date = entry.effective;
        let month = month_of(date);
        let day = slot(&mut self.days, date);
        if !day.remove(order, entry) {
            let mut again = Tally::default();
            for (order, other) in entries.iter().enumerate() {
                if !other.voided && other.effective == date {
                    again.add(order_u32(order), &other);
                }
            }
            *day = again;
        }
        if !slot(&mut self.months, month).remove(order, entry) {
            let start = self.days.partition_point(|(d, _)| month_of(*d) < month);
            let again = Tally::merged(
                self.days[start..]
                    .iter()
                    .take_while(|(d, _)| month_of(*d) == month)
                    .map(|(_, t)| t),
            );
            *slot(&mut self.months, month) = again;
        }
    }

    /// The tally of the updates that count on `day`, whose aggregates' total is `total`.
    fn tally<'a>(&self, day: Date, total: &'a Tally) -> Cow<'a, Tally> {
        if self.days.last().is_none_or(|(last, _)| *last <= day) {
            return Cow::Borrowed(total);
        }
        let month = month_of(day);
        let months = self.months.iter().take_while(|(m, _)| *m < month);
        let start = self.days.partition_point(|(d, _)| month_of(*d) < month);
        let days = self.days[start..].iter().take_while(|(d, _)| *d <= day);
        Cow::Owned(Tally::merged(
            months.map(|(_, t)| t).chain(days.map(|(_, t)| t)),
        ))
    }
}

/// Most day numbers (see [`day_number`]) between an indicator's first and last effective dates
/// for [`Aggregates::of`] to tally its days in a table: about eleven years.
const TABLE_DAYS: i32 = 4_096;

/// A number for each date, in the dates' order (with gaps: every month takes 31).
fn day_number(date: Date) -> i32 {
    (i32::from(date.year()) * 12 + i32::from(date.month())) * 31 + i32::from(date.day())
}

fn order_u32(order: usize) -> u32 {
    u32::try_from(order).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn a_sum_keeps_the_scale_of_its_terms_as_they_leave() {
        let mut sum = Sum::default();
        for amount in ["1.50", "2", "0.5"] {
            sum.add(d(amount));
        }
        assert_eq!(sum.value().to_string(), "4.00");
        assert!(sum.remove(d("2")));
        assert_eq!(sum.value().to_string(), "2.00");
        // The last term of scale 2 leaving: the remaining sum's scale is not known here.
        assert!(!sum.remove(d("1.50")));
        let mut sum = Sum::default();
        sum.add(d("1.5"));
        assert!(sum.remove(d("1.5")));
        assert_eq!(sum, Sum::default());
        assert_eq!(sum.value().to_string(), "0");
    }

    /// The days tallied by a search of the days so far, each live update in turn.
    fn searched(entries: &Entries) -> Vec<(Date, Tally)> {
        let mut days = Vec::new();
        for (order, entry) in entries.iter().enumerate() {
            if !entry.voided {
                slot(&mut days, entry.effective).add(order_u32(order), &entry);
            }
        }
        days
    }

    proptest::proptest! {
        #[test]
        fn days_tallied_in_a_table_equal_days_tallied_by_search(
            updates in proptest::collection::vec(
                (0i32..40, -5i64..50, 0u32..4, 0u8..4, proptest::bool::weighted(0.1)),
                0..200,
            ),
            wide in proptest::bool::ANY,
        ) {
            let start = jiff::civil::date(2023, 1, 1);
            let mut entries = Entries::default();
            for (day, amount, name, kind, voided) in updates {
                // Days a week apart, or a year apart (past the table's span).
                let step = if wide { 365 } else { 7 };
                let effective = start
                    .checked_add(jiff::Span::new().days(i64::from(day) * step))
                    .unwrap_or(start);
                entries.push(Entry {
                    amount: Decimal::new(amount, 1),
                    effective,
                    name,
                    kind: Kind::from_bits(kind),
                    voided,
                });
            }
            let of = Aggregates::of(&entries, true).dated.unwrap_or_default();
            proptest::prop_assert_eq!(of.days.len(), searched(&entries).len());
            for ((date, tally), (want_date, want)) in of.days.iter().zip(&searched(&entries)) {
                proptest::prop_assert_eq!(date, want_date);
                proptest::prop_assert_eq!(format!("{tally:?}"), format!("{want:?}"));
            }
        }
    }

    #[test]
    fn sums_of_different_scales_differ() {
        let mut one = Sum::default();
        one.add(d("3.0"));
        let mut other = Sum::default();
        other.add(d("3"));
        assert_ne!(one, other);
    }
}

/// An indicator's aggregates and how many of its updates they have folded: brought up to date
/// when asked for (through `&self`, so that readers of a shared projection can), and told of
/// voided updates they have folded.
#[derive(Debug, Default)]
pub(crate) struct Kept(Mutex<Caught>);

#[derive(Clone, Debug, Default)]
struct Caught {
    /// Updates folded: those before this cursor of `entries`.
    through: Cursor,
    aggregates: Aggregates,
}

impl Caught {
    /// Folds the live updates of `entries` after those folded.
    fn fold_rest(&mut self, entries: &Entries) {
        let through = self.through.at();
        for (order, entry) in (through..).zip(entries.iter_at(self.through)) {
            if !entry.voided {
                self.aggregates.add(order_u32(order), &entry);
            }
        }
        self.through = entries.end();
    }
}

impl Clone for Kept {
    fn clone(&self) -> Self {
        Kept(Mutex::new(self.lock().clone()))
    }
}

impl Kept {
    fn lock(&self) -> MutexGuard<'_, Caught> {
        // Only whole values are written under the lock, so a poisoned one is still sound.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Aggregates of no updates that keep only the total until a day is asked for.
    pub(crate) fn totals_only() -> Kept {
        Kept(Mutex::new(Caught {
            through: Cursor::default(),
            aggregates: Aggregates {
                total: Tally::default(),
                dated: None,
            },
        }))
    }

    /// The aggregates brought up to date with `entries`, locked; with `dated`, with their
    /// tallies per month and day, folded afresh from `entries` if they kept none.
    fn caught_up(&self, entries: &Entries, dated: bool) -> MutexGuard<'_, Caught> {
        let mut caught = self.lock();
        let kept_dated = caught.aggregates.dated.is_some();
        if caught.through.at() == 0 || (dated && !kept_dated) {
            caught.aggregates = Aggregates::of(entries, dated || kept_dated);
            caught.through = entries.end();
        } else {
            caught.fold_rest(entries);
        }
        caught
    }

    /// Tells the aggregates that the update at `order` was just voided (`entries` has it
    /// marked): taken out if they folded it, else skipped when they fold it.
    pub(crate) fn void(&mut self, order: usize, entry: &Entry, entries: &Entries) {
        let caught = self
            .0
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if order < caught.through.at() {
            // Up to date first: a day or a total folded again from `entries` then holds
            // the same updates as the aggregates.
            caught.fold_rest(entries);
            caught.aggregates.remove(order_u32(order), entry, entries);
        }
    }

    /// `f` of the tally of the updates of `entries` that count on `effective` (all if
    /// `None`), without copying the tally of all dates: `f` runs while the aggregates are
    /// locked.
    pub(crate) fn with_tally<R>(
        &self,
        entries: &Entries,
        effective: Option<Date>,
        f: impl FnOnce(&Tally) -> R,
    ) -> R {
        f(&self
            .caught_up(entries, effective.is_some())
            .aggregates
            .tally(effective))
    }

    /// Whether these aggregates and `other`'s, brought up to date with their entries (with
    /// their dated tallies), are equal.
    pub(crate) fn same(&self, entries: &Entries, other: &Kept, theirs: &Entries) -> bool {
        let mine = self.caught_up(entries, true).aggregates.clone();
        mine == other.caught_up(theirs, true).aggregates
    }
}
