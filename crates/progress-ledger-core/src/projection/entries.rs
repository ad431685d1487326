//! The updates of one indicator, 8 bytes each.
//!
//! An update is its amount, business date, name, kind and whether it is voided. Nearly every
//! update fits one `u64`: an amount whose mantissa fits 32 bits with at most 15 decimal
//! places, a date from 2000 to 2127, one of the indicator's first 255 names. One that does not
//! is kept whole in a side table, and its word holds its index there. The word layout:
//!
//! | bits | field |
//! | --- | --- |
//! | 0–31 | the amount's mantissa (`i32`), or the index in the side table |
//! | 32–47 | the date: year − 2000 (7 bits), month (4), day (5) |
//! | 48–55 | name |
//! | 56–57 | kind |
//! | 58 | voided |
//! | 59 | kept whole in the side table |
//! | 60–63 | the amount's scale |

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::state::{Entry, Kind};

const DATE_SHIFT: u32 = 32;
const NAME_SHIFT: u32 = 48;
const KIND_SHIFT: u32 = 56;
const VOIDED: u64 = 1 << 58;
const WIDE: u64 = 1 << 59;
const SCALE_SHIFT: u32 = 60;
/// The first year a packed date holds; it holds 128 years.
const FIRST_YEAR: i16 = 2000;

/// Fewest entries the vector grows by.
const GROW_AT_LEAST: usize = 16;

/// The updates of one indicator in log order, 8 bytes each (see the module's documentation).
#[derive(Clone, Debug, Default)]
pub(crate) struct Entries {
    words: Vec<u64>,
    /// Entries that do not fit a word, in order (their voided flag is the word's).
    wide: Vec<Entry>,
}

impl PartialEq for Entries {
    /// The same entries (amounts compared as numbers, as [`Entry`] compares them). Entries
    /// packed alike are the same without unpacking them.
    fn eq(&self, other: &Self) -> bool {
        (self.words == other.words && self.wide == other.wide)
            || (self.len() == other.len() && self.iter().eq(other.iter()))
    }
}

impl Entries {
    /// No entries, with room for `count` and an eighth more (room never written to takes no
    /// memory).
    pub(crate) fn with_room(count: usize) -> Entries {
        Entries {
            words: Vec::with_capacity(count.saturating_add(room_beyond(count))),
            wide: Vec::new(),
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// The entry at `at`.
    pub(crate) fn get(&self, at: usize) -> Option<Entry> {
        self.words.get(at).map(|&word| self.unpack(word))
    }

    /// Every entry, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        self.iter_from(0)
    }

    /// The entries from `start` on, in order.
    pub(crate) fn iter_from(&self, start: usize) -> impl Iterator<Item = Entry> + '_ {
        self.words
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map(|&word| self.unpack(word))
    }

    /// Adds an entry at the end. The vector grows by an eighth rather than doubling: doubling
    /// a million entries would leave up to 8 MB unused.
    pub(crate) fn push(&mut self, entry: Entry) {
        if self.words.len() == self.words.capacity() {
            self.words.reserve_exact(room_beyond(self.words.len()));
        }
        let word = match pack(&entry) {
            Some(word) => word,
            None => {
                let index = self.wide.len() as u64;
                self.wide.push(Entry {
                    voided: false,
                    ..entry
                });
                index | WIDE | (u64::from(entry.voided) * VOIDED)
            }
        };
        self.words.push(word);
    }

    /// Marks the entry at `at` voided; its entry before, `None` if there is none.
    pub(crate) fn void(&mut self, at: usize) -> Option<Entry> {
        let word = self.words.get_mut(at)?;
        let before = *word;
        *word |= VOIDED;
        Some(self.unpack(before))
    }

    fn unpack(&self, word: u64) -> Entry {
        let voided = word & VOIDED != 0;
        if word & WIDE != 0 {
            let index = (word & u64::from(u32::MAX)) as usize;
            // Only `push` writes a wide word, with the index of the entry it just kept.
            let entry = self.wide.get(index).copied().unwrap_or(Entry {
                amount: Decimal::ZERO,
                effective: Date::ZERO,
                name: 0,
                kind: Kind::Status,
                voided: false,
            });
            return Entry { voided, ..entry };
        }
        let date = (word >> DATE_SHIFT) as u16;
        Entry {
            amount: Decimal::new(i64::from(word as u32 as i32), (word >> SCALE_SHIFT) as u32),
            effective: unpack_date(date),
            name: u32::from((word >> NAME_SHIFT) as u8),
            kind: Kind::from_bits((word >> KIND_SHIFT) as u8),
            voided,
        }
    }
}

/// How many entries a vector of `len` grows by.
fn room_beyond(len: usize) -> usize {
    (len / 8).max(GROW_AT_LEAST)
}

/// The entry in one word, if it fits.
fn pack(entry: &Entry) -> Option<u64> {
    let mantissa = i32::try_from(entry.amount.mantissa()).ok()?;
    let scale = entry.amount.scale();
    // A negative zero's sign is not in its mantissa.
    if scale > 15 || (entry.amount.is_zero() && entry.amount.is_sign_negative()) {
        return None;
    }
    let name = u8::try_from(entry.name).ok()?;
    let date = pack_date(entry.effective)?;
    Some(
        u64::from(mantissa as u32)
            | (u64::from(date) << DATE_SHIFT)
            | (u64::from(name) << NAME_SHIFT)
            | ((entry.kind as u64) << KIND_SHIFT)
            | (u64::from(entry.voided) * VOIDED)
            | (u64::from(scale) << SCALE_SHIFT),
    )
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
        }
    }

    #[test]
    fn an_entry_that_fits_takes_one_word() {
        let mut entries = Entries::default();
        entries.push(Entry {
            amount: Decimal::new(-1_234_567, 2),
            effective: jiff::civil::date(2023, 12, 31),
            name: 255,
            kind: Kind::Measurement,
            voided: true,
        });
        assert!(entries.wide.is_empty());
        entries.push(Entry {
            amount: Decimal::new(1, 2),
            effective: jiff::civil::date(2023, 12, 31),
            name: 256,
            kind: Kind::Delta,
            voided: false,
        });
        assert_eq!(entries.wide.len(), 1);
        assert_eq!(std::mem::size_of_val(&entries.words[0]), 8);
    }
}
