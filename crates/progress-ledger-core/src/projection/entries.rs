//! The updates of one indicator, about 5 bytes each.
//!
//! An update is its amount, business date, name, kind and whether it is voided. The updates
//! are encoded one after another in a byte vector, in chunks of [`CHUNK`] updates; the offset
//! of each chunk is kept, so an update is found by decoding at most a chunk. Nearly every
//! update is encoded in full: an amount whose mantissa fits 64 bits with at most 7 decimal
//! places, a date from 2000 to 2127, one of the indicator's first 256 names. One that does not
//! is kept whole in a side table, and its encoding holds its index there.
//!
//! An update's encoding starts with one byte:
//!
//! | bits | field |
//! | --- | --- |
//! | 0–1 | kind |
//! | 2 | voided |
//! | 3 | kept whole in the side table |
//! | 4 | the amount is negative |
//! | 5–7 | the amount's scale |
//!
//! An update kept whole follows it with its index in the side table (LEB128). Any other follows
//! it with its name (one byte), its date as the difference from the date before it in the
//! chunk (zigzag LEB128 of packed dates: year − 2000 in 7 bits, month in 4, day in 5; the
//! chunk's first is taken from zero) and the magnitude of its amount's mantissa (LEB128).
//! Updates of one indicator arrive with nearby dates and small amounts, so most take 4 to 6
//! bytes.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::state::{Entry, Kind};
use super::varint;

/// Updates per chunk: finding one decodes at most this many.
const CHUNK: usize = 64;
const KIND_BITS: u8 = 0b11;
const VOIDED: u8 = 1 << 2;
const WIDE: u8 = 1 << 3;
const NEGATIVE: u8 = 1 << 4;
const SCALE_SHIFT: u32 = 5;
/// The largest scale an encoded amount holds.
const MAX_SCALE: u32 = 7;
/// The first year a packed date holds; it holds 128 years.
const FIRST_YEAR: i16 = 2000;

/// Fewest bytes the vector grows by.
const GROW_AT_LEAST: usize = 64;
/// Bytes an update is expected to take, for reserving room.
const EXPECTED_BYTES: usize = 6;

/// The updates of one indicator in log order, about 5 bytes each (see the module's
/// documentation).
#[derive(Clone, Debug, Default)]
pub(crate) struct Entries {
    /// The encoded updates.
    bytes: Vec<u8>,
    /// Where each chunk of [`CHUNK`] updates starts in `bytes`.
    chunks: Vec<usize>,
    /// Number of updates.
    len: usize,
    /// The packed date of the last update encoded in full in the last chunk (zero if none):
    /// the next update's date is encoded as the difference from it.
    last_date: u16,
    /// Updates that are not encoded in full, in order (their voided flag is in `bytes`).
    wide: Vec<Entry>,
}

impl PartialEq for Entries {
    /// The same entries (amounts compared as numbers, as [`Entry`] compares them). Entries
    /// encoded alike are the same without decoding them.
    fn eq(&self, other: &Self) -> bool {
        (self.bytes == other.bytes && self.wide == other.wide)
            || (self.len() == other.len() && self.iter().eq(other.iter()))
    }
}

impl Entries {
    /// No entries, with room for `count` and an eighth more (room never written to takes no
    /// memory).
    pub(crate) fn with_room(count: usize) -> Entries {
        let bytes = count.saturating_mul(EXPECTED_BYTES);
        Entries {
            bytes: Vec::with_capacity(bytes.saturating_add(room_beyond(bytes))),
            chunks: Vec::with_capacity(count.div_ceil(CHUNK)),
            ..Entries::default()
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The entry at `at`.
    pub(crate) fn get(&self, at: usize) -> Option<Entry> {
        self.iter_from(at).next()
    }

    /// Every entry, in order.
    pub(crate) fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// The entries from `start` on, in order.
    pub(crate) fn iter_from(&self, start: usize) -> Iter<'_> {
        let chunk = self.chunks.get(start / CHUNK).filter(|_| start < self.len);
        let mut iter = Iter {
            entries: self,
            at: chunk.map_or(self.len, |_| start / CHUNK * CHUNK),
            pos: chunk.copied().unwrap_or(self.bytes.len()),
            date: 0,
        };
        while iter.at < start && iter.pass().is_some() {}
        iter
    }

    /// The places of the voided entries, in order, found without decoding the others.
    pub(crate) fn voided(&self) -> impl Iterator<Item = usize> + '_ {
        let mut iter = self.iter();
        std::iter::from_fn(move || {
            loop {
                let at = iter.at;
                if iter.pass()? & VOIDED != 0 {
                    return Some(at);
                }
            }
        })
    }

    /// An iterator from where `cursor` was taken (of these entries), in order.
    pub(crate) fn iter_at(&self, cursor: Cursor) -> Iter<'_> {
        if cursor.at > self.len || cursor.pos > self.bytes.len() {
            return self.iter_from(cursor.at);
        }
        Iter {
            entries: self,
            at: cursor.at,
            pos: cursor.pos,
            date: cursor.date,
        }
    }

    /// A cursor after the last entry: [`Entries::iter_at`] it later to read the entries pushed
    /// since, without decoding those before.
    pub(crate) fn end(&self) -> Cursor {
        Cursor {
            at: self.len,
            pos: self.bytes.len(),
            date: self.last_date,
        }
    }

    /// Adds an entry at the end. The vector grows by an eighth rather than doubling: doubling
    /// the bytes of a million entries would leave megabytes unused.
    pub(crate) fn push(&mut self, entry: Entry) {
        if self.len % CHUNK == 0 {
            self.chunks.push(self.bytes.len());
            self.last_date = 0;
        }
        if self.bytes.capacity() - self.bytes.len() < MAX_ENCODED {
            self.bytes.reserve_exact(room_beyond(self.bytes.len()));
        }
        let head = (entry.kind as u8) | (u8::from(entry.voided) * VOIDED);
        match encoded(&entry) {
            Some((name, date, negative, scale, magnitude)) => {
                let negative = u8::from(negative) * NEGATIVE;
                self.bytes.push(head | negative | (scale << SCALE_SHIFT));
                self.bytes.push(name);
                let delta = i128::from(date) - i128::from(self.last_date);
                varint::put(&mut self.bytes, varint::zigzag(delta));
                varint::put(&mut self.bytes, u128::from(magnitude));
                self.last_date = date;
            }
            None => {
                self.bytes.push(head | WIDE);
                varint::put(&mut self.bytes, self.wide.len() as u128);
                self.wide.push(Entry {
                    voided: false,
                    ..entry
                });
            }
        }
        self.len += 1;
    }

    /// Marks the entry at `at` voided; its entry before, `None` if there is none.
    pub(crate) fn void(&mut self, at: usize) -> Option<Entry> {
        let mut iter = self.iter_from(at);
        let pos = iter.pos;
        let before = iter.next()?;
        let head = self.bytes.get_mut(pos)?;
        *head |= VOIDED;
        Some(before)
    }
}

/// The most bytes one entry's encoding takes: its head and name, a date difference and a
/// 64-bit magnitude.
const MAX_ENCODED: usize = 2 + 3 + 10;

/// How many bytes a vector of `len` bytes grows by.
fn room_beyond(len: usize) -> usize {
    (len / 8).max(GROW_AT_LEAST)
}

/// The parts of an entry encoded in full (name, packed date, sign, scale, magnitude), if it
/// fits.
fn encoded(entry: &Entry) -> Option<(u8, u16, bool, u8, u64)> {
    let magnitude = u64::try_from(entry.amount.mantissa().unsigned_abs()).ok()?;
    let scale = entry.amount.scale();
    if scale > MAX_SCALE {
        return None;
    }
    let name = u8::try_from(entry.name).ok()?;
    let date = pack_date(entry.effective)?;
    Some((
        name,
        date,
        entry.amount.is_sign_negative(),
        scale as u8,
        magnitude,
    ))
}

/// A place in [`Entries`] to resume decoding from: it stays valid as entries are pushed and
/// voided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    at: usize,
    pos: usize,
    date: u16,
}

impl Cursor {
    /// Number of entries before it.
    pub(crate) fn at(self) -> usize {
        self.at
    }
}

/// Decodes [`Entries`] in order.
pub(crate) struct Iter<'a> {
    entries: &'a Entries,
    /// Index of the next entry.
    at: usize,
    /// Where the next entry starts in the bytes.
    pos: usize,
    /// Packed date of the last entry decoded in full in this chunk (zero at a chunk's start).
    date: u16,
}

impl Iter<'_> {
    fn byte(&mut self) -> Option<u8> {
        let byte = *self.entries.bytes.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    fn varint(&mut self) -> Option<u64> {
        varint::read_u64(&self.entries.bytes, &mut self.pos)
    }

    /// Starts a new chunk's dates where one starts.
    fn enter(&mut self) -> Option<()> {
        if self.at >= self.entries.len {
            return None;
        }
        if self.at % CHUNK == 0 {
            self.date = 0;
        }
        Some(())
    }

    /// Passes over the next entry (decoding only its date, which the next one's depends on);
    /// its head byte.
    fn pass(&mut self) -> Option<u8> {
        self.enter()?;
        let head = self.byte()?;
        if head & WIDE != 0 {
            self.varint()?;
        } else {
            self.byte()?;
            self.next_date()?;
            self.varint()?;
        }
        self.at += 1;
        Some(head)
    }

    fn next_date(&mut self) -> Option<u16> {
        let delta = varint::unzigzag(u128::from(self.varint()?));
        self.date = u16::try_from(i128::from(self.date) + delta).ok()?;
        Some(self.date)
    }
}

impl Iterator for Iter<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        self.enter()?;
        let head = self.byte()?;
        let voided = head & VOIDED != 0;
        let entry = if head & WIDE != 0 {
            let index = usize::try_from(self.varint()?).ok()?;
            Entry {
                voided,
                ..*self.entries.wide.get(index)?
            }
        } else {
            let name = self.byte()?;
            let date = self.next_date()?;
            let magnitude = self.varint()?;
            let scale = u32::from(head >> SCALE_SHIFT);
            Entry {
                amount: Decimal::from_parts(
                    magnitude as u32,
                    (magnitude >> 32) as u32,
                    0,
                    head & NEGATIVE != 0,
                    scale,
                ),
                effective: unpack_date(date),
                name: u32::from(name),
                kind: Kind::from_bits(head & KIND_BITS),
                voided,
            }
        };
        self.at += 1;
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.entries.len.saturating_sub(self.at);
        (left, Some(left))
    }
}

fn pack_date(date: Date) -> Option<u16> {
    let year = u16::try_from(date.year().checked_sub(FIRST_YEAR)?).ok()?;
    if year >= 128 {
        return None;
    }
    // Month 1–12 takes 4 bits, day 1–31 takes 5.
    Some(year << 9 | (date.month() as u16) << 5 | date.day() as u16)
}

fn unpack_date(packed: u16) -> Date {
    let year = FIRST_YEAR + (packed >> 9) as i16;
    let month = ((packed >> 5) & 0xf) as i8;
    let day = (packed & 0x1f) as i8;
    // Only `pack_date` writes the bits, from a valid date.
    Date::new(year, month, day).unwrap_or(Date::ZERO)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Delta),
            Just(Kind::Measurement),
            Just(Kind::Milestone),
            Just(Kind::Status),
        ]
    }

    /// Entries of every shape: most fit a word, some do not (a wide mantissa, a high scale, a
    /// negative zero, a date outside 2000–2127, a name past 255).
    fn entry() -> impl Strategy<Value = Entry> {
        let mantissa = prop_oneof![
            4 => -100_000i128..100_000,
            1 => any::<i64>().prop_map(i128::from),
            1 => Just(i128::from(i32::MAX)),
            1 => Just(i128::from(i32::MIN)),
            1 => Just(i128::from(i32::MAX) + 1),
        ];
        let amount = (mantissa, 0u32..20, any::<bool>()).prop_map(|(m, scale, negative_zero)| {
            let mut amount = Decimal::from_i128_with_scale(m, scale);
            if m == 0 && negative_zero {
                amount.set_sign_negative(true);
            }
            amount
        });
        let effective = prop_oneof![
            4 => (2020i16..2030, 1i8..=12, 1i8..=28),
            1 => (1990i16..2200, 1i8..=12, 1i8..=28),
        ]
        .prop_map(|(y, m, d)| jiff::civil::date(y, m, d));
        let name = prop_oneof![4 => 0u32..20, 1 => any::<u32>()];
        (amount, effective, name, kind(), any::<bool>()).prop_map(
            |(amount, effective, name, kind, voided)| Entry {
                amount,
                effective,
                name,
                kind,
                voided,
            },
        )
    }

    /// The same entry to the last digit of its amount's scale and its sign.
    fn exactly(entry: &Entry) -> (String, bool, Date, u32, Kind, bool) {
        (
            entry.amount.to_string(),
            entry.amount.is_sign_negative(),
            entry.effective,
            entry.name,
            entry.kind,
            entry.voided,
        )
    }

    proptest! {
        #[test]
        fn entries_read_back_exactly_as_pushed_and_voided(
            pushed in prop::collection::vec(entry(), 0..300),
            voids in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
        ) {
            let mut entries = Entries::default();
            for entry in &pushed {
                entries.push(*entry);
            }
            let mut expected = pushed.clone();
            if !expected.is_empty() {
                for void in &voids {
                    let at = void.index(expected.len());
                    let before = entries.void(at).map(|e| exactly(&e));
                    prop_assert_eq!(before, Some(exactly(&expected[at])));
                    expected[at].voided = true;
                }
            }
            prop_assert_eq!(entries.len(), expected.len());
            let read: Vec<_> = entries.iter().map(|e| exactly(&e)).collect();
            let want: Vec<_> = expected.iter().map(exactly).collect();
            prop_assert_eq!(&read, &want);
            for (at, want) in want.iter().enumerate() {
                prop_assert_eq!(entries.get(at).map(|e| exactly(&e)), Some(want.clone()));
                let from: Vec<_> = entries.iter_from(at).map(|e| exactly(&e)).collect();
                prop_assert_eq!(&from[..], &read[at..]);
            }
            prop_assert!(entries.get(expected.len()).is_none());
            let voided: Vec<usize> = (0..expected.len()).filter(|&at| expected[at].voided).collect();
            prop_assert_eq!(entries.voided().collect::<Vec<_>>(), voided);
            // Cursors taken at the end read exactly what was pushed after them.
            let mut resumed = Entries::default();
            let mut cursor = resumed.end();
            let mut read = Vec::new();
            for (at, entry) in pushed.iter().enumerate() {
                resumed.push(*entry);
                if at % 7 == 0 || at + 1 == pushed.len() {
                    read.extend(resumed.iter_at(cursor).map(|e| exactly(&e)));
                    cursor = resumed.end();
                }
            }
            let want: Vec<_> = pushed.iter().map(exactly).collect();
            prop_assert_eq!(read, want);
        }
    }

    #[test]
    fn a_usual_entry_takes_a_few_bytes_and_an_unusual_one_is_kept_whole() {
        let mut entries = Entries::default();
        for day in [1, 3, 2] {
            entries.push(Entry {
                amount: Decimal::new(-99, 1),
                effective: jiff::civil::date(2023, 6, day),
                name: 12,
                kind: Kind::Measurement,
                voided: false,
            });
        }
        // The first date is taken from zero (three bytes); the next two differ by a day or two.
        assert_eq!(entries.bytes.len(), 6 + 4 + 4);
        assert!(entries.wide.is_empty());
        entries.push(Entry {
            amount: Decimal::new(1, 2),
            effective: jiff::civil::date(2023, 12, 31),
            name: 256,
            kind: Kind::Delta,
            voided: false,
        });
        assert_eq!(entries.wide.len(), 1);
        assert_eq!(entries.bytes.len(), 14 + 2);
    }
}
