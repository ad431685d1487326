//! Where each correctable update is: event id → (indicator position, place in its updates).
//!
//! There is one of these per update, so the form matters: a vector sorted by id (24 bytes an
//! update, no per-slot overhead, binary search), with the newest ids in a small hash map that
//! is merged into the vector whenever it passes an eighth of it (each id moves about nine
//! times in all, by plain copies).

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

/// One id and where its update is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) id: [u8; 16],
    pub(crate) position: u32,
    pub(crate) order: u32,
}

/// From this many slots on, two threads sort them.
const SORT_IN_TWO_FROM: usize = 1 << 20;

/// The key slots are sorted by: the id as one number (faster to compare than 16 bytes).
fn id_key(slot: &Slot) -> u128 {
    u128::from_be_bytes(slot.id)
}

/// Sorts `slots` by id, in place: many slots are split around their median id and the two
/// halves sorted on two threads (ten million take half the time of one thread's sort), or on
/// this one if no thread can be started.
fn sort_by_id(slots: &mut [Slot]) {
    sort_by_id_in_two_from(slots, SORT_IN_TWO_FROM);
}

/// [`sort_by_id`], on two threads from `from` slots on.
fn sort_by_id_in_two_from(slots: &mut [Slot], from: usize) {
    let middle = slots.len() / 2;
    if slots.len() < from.max(2) {
        slots.sort_unstable_by_key(id_key);
        return;
    }
    slots.select_nth_unstable_by_key(middle, id_key);
    let (low, high) = slots.split_at_mut(middle);
    let sorted_there = std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("id-sort".to_owned())
            .spawn_scoped(scope, || high.sort_unstable_by_key(id_key));
        low.sort_unstable_by_key(id_key);
        other.is_ok_and(|other| other.join().is_ok())
    });
    if !sorted_there {
        high.sort_unstable_by_key(id_key);
    }
}

/// Below this many recent ids, no merge.
const MIN_RECENT: usize = 1024;

/// Event id → (indicator position, order).
#[derive(Clone, Debug, Default)]
pub(crate) struct UpdateIndex {
    /// Sorted by id, ids unique; shared, so that copying the index copies only the recent
    /// ids (a merge copies the vector if a copy of the index still holds it).
    sorted: Arc<Vec<Slot>>,
    /// Ids added since the last merge (they win over `sorted`).
    recent: HashMap<Uuid, (u32, u32)>,
}

impl UpdateIndex {
    /// An index from slots in any order; `None` if an id is in two of them (no fold makes
    /// such slots: an id's second update replaces its first).
    pub(crate) fn from_slots(mut slots: Vec<Slot>) -> Option<UpdateIndex> {
        sort_by_id(&mut slots);
        if slots.windows(2).any(|pair| pair[0].id == pair[1].id) {
            return None;
        }
        Some(UpdateIndex {
            sorted: Arc::new(slots),
            recent: HashMap::new(),
        })
    }

    /// Where the update made by event `id` is.
    pub(crate) fn get(&self, id: &Uuid) -> Option<(u32, u32)> {
        if let Some(found) = self.recent.get(id) {
            return Some(*found);
        }
        let at = self
            .sorted
            .binary_search_by(|slot| slot.id.cmp(id.as_bytes()))
            .ok()?;
        self.sorted.get(at).map(|slot| (slot.position, slot.order))
    }

    /// Records where the update made by event `id` is (replacing an earlier one of that id).
    pub(crate) fn insert(&mut self, id: Uuid, position: u32, order: u32) {
        self.recent.insert(id, (position, order));
        if self.recent.len() > MIN_RECENT.max(self.sorted.len() / 8) {
            self.merge();
        }
    }

    /// Moves the recent ids into the sorted vector.
    fn merge(&mut self) {
        let sorted = Arc::make_mut(&mut self.sorted);
        let mut fresh: Vec<Slot> = Vec::with_capacity(self.recent.len());
        for (id, (position, order)) in self.recent.drain() {
            let slot = Slot {
                id: id.into_bytes(),
                position,
                order,
            };
            // An id seen before (the ledger never records one twice): replace it in place.
            match sorted.binary_search_by(|s| s.id.cmp(&slot.id)) {
                Ok(at) => sorted[at] = slot,
                Err(_) => fresh.push(slot),
            }
        }
        fresh.sort_unstable_by_key(|slot| slot.id);
        // Merge from the back, in place: grow once, by exactly what is added.
        let old = sorted.len();
        sorted.reserve_exact(fresh.len());
        let filler = Slot {
            id: [0; 16],
            position: 0,
            order: 0,
        };
        sorted.resize(old + fresh.len(), filler);
        let (mut i, mut j) = (old, fresh.len());
        for k in (0..sorted.len()).rev() {
            let take_old = j == 0 || (i > 0 && sorted[i - 1].id > fresh[j - 1].id);
            if take_old {
                if i == k + 1 {
                    // The rest of the old slots are already in place.
                    break;
                }
                sorted[k] = sorted[i - 1];
                i -= 1;
            } else {
                sorted[k] = fresh[j - 1];
                j -= 1;
            }
        }
    }

    /// Number of ids.
    pub(crate) fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// Every id and where its update is, in no particular order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        let recent = self.recent.iter().map(|(id, (position, order))| Slot {
            id: id.into_bytes(),
            position: *position,
            order: *order,
        });
        self.sorted.iter().copied().chain(recent)
    }
}

/// Equal when they map the same ids to the same places, however the ids are split between the
/// sorted vector and the recent map.
impl PartialEq for UpdateIndex {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.slots().all(|slot| {
                other.get(&Uuid::from_bytes(slot.id)) == Some((slot.position, slot.order))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Sorting on two threads around the median gives the one order a sort on one gives,
        /// with ids drawn from a small set so that halves meet on equal ids too.
        #[test]
        fn sorting_in_two_equals_sorting_in_one(
            ids in proptest::collection::vec(0u8..40, 0..400),
            from in 0usize..64,
        ) {
            let mut slots: Vec<Slot> = ids
                .iter()
                .enumerate()
                .map(|(n, &id)| Slot {
                    id: [id; 16],
                    position: 0,
                    order: n as u32,
                })
                .collect();
            let mut expected: Vec<[u8; 16]> = slots.iter().map(|slot| slot.id).collect();
            expected.sort_unstable();
            sort_by_id_in_two_from(&mut slots, from);
            let sorted: Vec<[u8; 16]> = slots.iter().map(|slot| slot.id).collect();
            prop_assert_eq!(sorted, expected);
            let mut orders: Vec<u32> = slots.iter().map(|slot| slot.order).collect();
            orders.sort_unstable();
            prop_assert_eq!(orders, (0..ids.len() as u32).collect::<Vec<_>>(), "a permutation");
        }
    }

    #[test]
    fn finds_every_id_across_merges_and_equals_one_built_at_once() {
        let mut index = UpdateIndex::default();
        let mut all = Vec::new();
        for n in 0..20_000u32 {
            let id = Uuid::new_v4();
            index.insert(id, n % 7, n);
            all.push(Slot {
                id: id.into_bytes(),
                position: n % 7,
                order: n,
            });
        }
        assert!(index.sorted.len() > 10_000, "merges happened");
        assert!(index.sorted.windows(2).all(|w| w[0].id < w[1].id));
        for slot in &all {
            assert_eq!(
                index.get(&Uuid::from_bytes(slot.id)),
                Some((slot.position, slot.order))
            );
        }
        assert_eq!(index.get(&Uuid::new_v4()), None);
        assert_eq!(Some(index), UpdateIndex::from_slots(all));
    }

    #[test]
    fn a_repeated_id_points_at_its_last_update() {
        let id = Uuid::new_v4();
        let mut index = UpdateIndex::default();
        index.insert(id, 0, 0);
        for n in 0..5_000u32 {
            index.insert(Uuid::new_v4(), 1, n);
        }
        index.insert(id, 2, 9);
        for n in 0..5_000u32 {
            index.insert(Uuid::new_v4(), 1, n);
        }
        assert_eq!(index.get(&id), Some((2, 9)));
    }

    #[test]
    fn slots_naming_an_id_twice_make_no_index() {
        let id = Uuid::new_v4();
        let slots = vec![
            Slot {
                id: id.into_bytes(),
                position: 0,
                order: 0,
            },
            Slot {
                id: id.into_bytes(),
                position: 2,
                order: 9,
            },
        ];
        assert_eq!(UpdateIndex::from_slots(slots), None);
    }
}
