//! Projection snapshots and tally checkpoints, kept beside the log each in their own tree, and
//! lookups by time.
//!
//! Both are derived data: losing one costs a longer replay, never an event. They are
//! written without a flush of their own; sled writes them out in the background and at close.

use jiff::Timestamp;

use super::Ledger;
use crate::error::Result;

/// Key of a snapshot taken at `seq`: the seq, big-endian, so that key order is seq order.
fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The seq of a snapshot key.
fn key_seq(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

/// Name of the tree of projection snapshots.
const SNAPSHOTS: &str = "snapshots";
/// Name of the tree of tally checkpoints.
const TALLIES: &str = "tallies";

impl Ledger {
    /// A tree of the snapshots' database; `None` in a ledger opened read-only, which has none.
    fn derived_tree(&self, name: &str) -> Result<Option<sled::Tree>> {
        match &self.inner.db {
            Some(db) => Ok(Some(db.open_tree(name)?)),
            None => Ok(None),
        }
    }

    /// Whether snapshots and tally checkpoints are kept (not in a ledger opened read-only).
    pub(crate) fn keeps_derived(&self) -> bool {
        self.inner.db.is_some()
    }

    fn put_derived(&self, name: &str, seq: u64, bytes: &[u8]) -> Result<()> {
        if let Some(tree) = self.derived_tree(name)? {
            tree.insert(seq_key(seq), bytes)?;
        }
        Ok(())
    }

    fn derived_at_or_before(&self, name: &str, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        let Some(tree) = self.derived_tree(name)? else {
            return Ok(None);
        };
        match tree.range(..=seq_key(seq)).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(key_seq(&key).map(|at| (at, value.to_vec())))
            }
            None => Ok(None),
        }
    }

    fn derived_seqs(&self, name: &str) -> Result<Vec<u64>> {
        let Some(tree) = self.derived_tree(name)? else {
            return Ok(Vec::new());
        };
        tree.iter()
            .keys()
            .map(|key| Ok(key_seq(&key?).unwrap_or(0)))
            .collect()
    }

    /// Stores an opaque snapshot of state folded up to `seq` (nothing in a ledger opened
    /// read-only).
    pub fn put_snapshot(&self, seq: u64, bytes: &[u8]) -> Result<()> {
        self.put_derived(SNAPSHOTS, seq, bytes)
    }

    /// The newest snapshot taken at or before `seq`: (its seq, its bytes).
    pub fn snapshot_at_or_before(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        self.derived_at_or_before(SNAPSHOTS, seq)
    }

    /// Sequence numbers of every stored snapshot.
    pub fn snapshot_seqs(&self) -> Result<Vec<u64>> {
        self.derived_seqs(SNAPSHOTS)
    }

    /// Stores an opaque tally checkpoint of state folded up to `seq` (nothing in a ledger
    /// opened read-only).
    pub fn put_tallies(&self, seq: u64, bytes: &[u8]) -> Result<()> {
        self.put_derived(TALLIES, seq, bytes)
    }

    /// The newest tally checkpoint taken at or before `seq`: (its seq, its bytes).
    pub fn tallies_at_or_before(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        self.derived_at_or_before(TALLIES, seq)
    }

    /// Sequence numbers of every stored tally checkpoint.
    pub fn tallies_seqs(&self) -> Result<Vec<u64>> {
        self.derived_seqs(TALLIES)
    }

    /// Removes the tally checkpoints taken after `seq`.
    pub fn remove_tallies_after(&self, seq: u64) -> Result<()> {
        if let Some(tree) = self.derived_tree(TALLIES)? {
            let after: Vec<_> = tree
                .range(seq_key(seq.saturating_add(1))..)
                .keys()
                .collect::<std::result::Result<_, _>>()?;
            for key in after {
                tree.remove(key)?;
            }
        }
        Ok(())
    }

    /// The last durable event recorded at or before `time` (0 if none): recorded-at strictly
    /// increases with the sequence number, so this is a binary search.
    pub fn seq_recorded_by(&self, time: Timestamp) -> Result<u64> {
        let (mut low, mut high) = (0u64, self.len());
        // Invariant: event `low` (or the empty start) was recorded by `time`; events after
        // `high` were not.
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            let recorded = self.get(mid)?.map(|e| e.recorded_at);
            if recorded.is_some_and(|r| r <= time) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Ok(low)
    }
}
