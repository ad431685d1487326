//! Where each correctable update is: event id → (indicator position, place in its updates).
//!
//! There is one of these per update, so the form matters: a vector sorted by id (24 bytes an
//! update, no per-slot overhead, binary search), with the newest ids in a small hash map that
//! is merged into the vector whenever it passes an eighth of it (each id moves about nine
//! times in all, by plain copies).

use std::sync::Arc;

use uuid::Uuid;

/// One id and where its update is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) id: [u8; 16],
    pub(crate) position: u32,
    pub(crate) order: u32,
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
    recent: crate::FastMap<Uuid, (u32, u32)>,
}

impl UpdateIndex {
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

    #[test]
    fn finds_every_id_across_merges_and_equals_one_built_in_another_order() {
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
        let mut reversed = UpdateIndex::default();
        for slot in all.iter().rev() {
            reversed.insert(Uuid::from_bytes(slot.id), slot.position, slot.order);
        }
        assert_eq!(index, reversed);
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
}
