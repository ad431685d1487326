//! Tree hashes from stored hashes: the layout in which a log keeps every complete subtree hash,
//! so that roots and proofs at any size read O(log n) hashes instead of n leaves.
//!
//! The layout is the one of Go's `golang.org/x/mod/sumdb/tlog` (after section 3.3 of Crosby and
//! Wallach, "Efficient Data Structures for Tamper-Evident Logging"): appending leaf `n` stores
//! its leaf hash, then the hash of every subtree that leaf completes, bottom up. Every hash has a
//! fixed *stored hash index*, so the hashes can live in any append-only array — a file, a sled
//! tree keyed by index, a `Vec<Hash>` — and are never rewritten.
//!
//! A hash is named by its coordinates `(level, n)`: level 0 holds the leaf hashes, and the `n`th
//! hash at level `l` is the root of leaves `n·2^l .. (n+1)·2^l`.

use crate::Error;
use crate::hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};

/// The largest tree size the stored-hash functions accept: 2^62 leaves. (Stored hash indexes
/// are about twice the leaf count and must fit in a `u64`; proof *verification* has no such
/// limit.)
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Where the hash with coordinates `(level, n)` is stored.
///
/// # Panics
///
/// If the coordinates lie beyond [`MAX_TREE_SIZE`] leaves (`(n + 1) · 2^level > 2^62`).
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // Level `level`'s n-th hash is written right after level 0's hash number
    // m = (n + 1)·2^level − 1, the last leaf of its subtree, and the `level` hashes that leaf
    // completes below it. Leaf m itself is written at m + m/2 + m/4 + … = 2m − popcount(m).
    assert!(
        level <= 62 && n < MAX_TREE_SIZE >> level,
        "stored hash ({level}, {n}) lies beyond {MAX_TREE_SIZE} leaves"
    );
    let m = ((n + 1) << level) - 1;
    2 * m - u64::from(m.count_ones()) + u64::from(level)
}

/// The coordinates `(level, n)` of the hash stored at `index`: the inverse of
/// [`stored_hash_index`].
pub fn split_stored_hash_index(index: u64) -> (u32, u64) {
    // Leaf n is stored at 2n − popcount(n) ∈ [2n − 64, 2n], so the last leaf written at or before
    // `index` is within 64 of index / 2.
    // (In u128, so that any u64 index, even beyond MAX_TREE_SIZE, splits without overflow.)
    let leaf_at = |n: u64| 2 * u128::from(n) - u128::from(n.count_ones());
    let mut n = index / 2;
    while leaf_at(n + 1) <= u128::from(index) {
        n += 1;
    }
    // Leaf n is followed by the hashes of the subtrees it completes: (1, n/2), (2, n/4), …
    let level = u32::try_from(u128::from(index) - leaf_at(n)).unwrap_or(u32::MAX);
    (level, n.checked_shr(level).unwrap_or(0))
}

/// How many hashes are stored for a tree of `size` leaves.
pub fn stored_hash_count(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let last = size - 1;
    stored_hash_index(0, last) + 1 + u64::from(last.trailing_ones())
}

/// The hashes to store when appending leaf number `n` (0-based) with this entry: the leaf hash
/// and then one hash per subtree the leaf completes. Store them from
/// `stored_hash_index(0, n)` on.
///
/// Reads up to log₂ n earlier hashes from `reader`. A sequence of appends stores just under two
/// hashes per leaf on average.
pub fn stored_hashes(n: u64, entry: &[u8], reader: &impl HashReader) -> Result<Vec<Hash>, Error> {
    stored_hashes_for_leaf_hash(n, leaf_hash(entry), reader)
}

/// [`stored_hashes`] for a caller that already has the leaf hash.
pub fn stored_hashes_for_leaf_hash(
    n: u64,
    leaf: Hash,
    reader: &impl HashReader,
) -> Result<Vec<Hash>, Error> {
    check_size(n + 1)?;
    // Each trailing 1 bit of n completes a subtree whose left half is already stored.
    let completed = n.trailing_ones();
    let indexes: Vec<u64> = (0..completed)
        .rev()
        .map(|level| stored_hash_index(level, (n >> level) - 1))
        .collect();
    let lefts = read_exact(reader, &indexes)?;
    let mut hashes = Vec::with_capacity(1 + lefts.len());
    let mut h = leaf;
    hashes.push(h);
    for left in lefts.iter().rev() {
        h = node_hash(left, &h);
        hashes.push(h);
    }
    Ok(hashes)
}

/// Reads stored hashes by their stored hash index.
///
/// The functions of this crate ask for the indexes in increasing order, without repeats, in one
/// call per root or proof. Implement it over whatever keeps the hashes: an append-only file, a
/// database, tiles fetched from a mirror ([`crate::tile::TileHashReader`]), or a `Vec<Hash>` in
/// memory (implemented here).
pub trait HashReader {
    /// Returns the hashes stored at `indexes`, in the same order, or an error. Returning a
    /// different number of hashes is an error too ([`Error::ReaderMiscounted`]).
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or(Error::HashNotStored {
                        index: i,
                        stored: self.len() as u64,
                    })
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// A [`HashReader`] made of a function, for readers that need no type of their own.
#[derive(Debug, Clone, Copy)]
pub struct HashReaderFn<F>(pub F);

impl<F> HashReader for HashReaderFn<F>
where
    F: Fn(&[u64]) -> Result<Vec<Hash>, Error>,
{
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (self.0)(indexes)
    }
}

/// Calls `reader` and checks that it answered every index.
pub(crate) fn read_exact(reader: &impl HashReader, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::ReaderMiscounted {
            asked: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

pub(crate) fn check_size(size: u64) -> Result<(), Error> {
    if size > MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge { size });
    }
    Ok(())
}

/// The largest power of two that is ≤ `n` (n ≥ 1), and its log₂.
fn pow2_at_most(n: u64) -> (u64, u32) {
    let level = 63 - n.leading_zeros();
    (1 << level, level)
}

/// The largest power of two that is < `n` (n ≥ 2): the size of the left subtree of a tree of
/// `n` leaves (RFC 6962 §2.1).
pub(crate) fn split_point(n: u64) -> u64 {
    pow2_at_most(n - 1).0
}

/// The stored hash indexes of the perfect subtrees that make up leaves `lo..hi`, left to right.
/// `lo` must be a multiple of the size of the first of them (true of every range a proof or a
/// root asks for).
pub(crate) fn subtree_indexes(mut lo: u64, hi: u64, out: &mut Vec<u64>) {
    while lo < hi {
        let (k, level) = pow2_at_most(hi - lo);
        debug_assert_eq!(lo % k, 0, "subtree {lo}..{hi} is not aligned");
        out.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
}

/// Hashes of the given leaf ranges, from stored hashes, read in one sorted call.
pub(crate) fn range_hashes(
    ranges: &[(u64, u64)],
    reader: &impl HashReader,
) -> Result<Vec<Hash>, Error> {
    let mut per_range = Vec::with_capacity(ranges.len());
    let mut all = Vec::new();
    for &(lo, hi) in ranges {
        let mut idx = Vec::new();
        subtree_indexes(lo, hi, &mut idx);
        all.extend_from_slice(&idx);
        per_range.push(idx);
    }
    all.sort_unstable();
    all.dedup();
    let hashes = read_exact(reader, &all)?;
    let lookup = |i: u64| -> Hash {
        // Every index asked for is in `all`, which `hashes` answers position by position.
        match all.binary_search(&i) {
            Ok(pos) => hashes[pos],
            Err(_) => unreachable!("index {i} was asked for"),
        }
    };
    Ok(per_range
        .iter()
        .map(|idx| fold_right(idx.iter().map(|&i| lookup(i)).collect()))
        .collect())
}

/// Combines the roots of consecutive perfect subtrees, largest first, into the root of their
/// concatenation: h₀ ‖ (h₁ ‖ (… ‖ hₖ)).
fn fold_right(hashes: Vec<Hash>) -> Hash {
    let mut it = hashes.into_iter().rev();
    let Some(mut h) = it.next() else {
        return EMPTY_ROOT;
    };
    for left in it {
        h = node_hash(&left, &h);
    }
    h
}

/// The root of the tree of the first `size` leaves, from stored hashes: one read of at most
/// 1 + log₂ size hashes.
pub fn tree_hash(size: u64, reader: &impl HashReader) -> Result<Hash, Error> {
    check_size(size)?;
    if size == 0 {
        return Ok(EMPTY_ROOT);
    }
    let mut idx = Vec::new();
    subtree_indexes(0, size, &mut idx);
    Ok(fold_right(read_exact(reader, &idx)?))
}

/// The root of a tree with these leaf hashes, straight from the RFC 6962 §2.1 definition
/// (recursive, in memory; for tests, small trees and cross-checks).
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(
                &root_from_leaf_hashes(&leaves[..k]),
                &root_from_leaf_hashes(&leaves[k..]),
            )
        }
    }
}

/// Computes a root from leaf hashes pushed one at a time, in O(log n) memory: for checking a
/// whole log (a mirror's tiles, an export) against a checkpoint in one pass.
#[derive(Debug, Clone, Default)]
pub struct TreeBuilder {
    size: u64,
    /// Roots of the perfect subtrees covering the leaves so far, largest first.
    peaks: Vec<Hash>,
}

impl TreeBuilder {
    /// An empty tree.
    pub fn new() -> TreeBuilder {
        TreeBuilder::default()
    }

    /// Appends a leaf by its leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut s = self.size;
        while s & 1 == 1 {
            if let Some(left) = self.peaks.pop() {
                h = node_hash(&left, &h);
            }
            s >>= 1;
        }
        self.peaks.push(h);
        self.size += 1;
    }

    /// Leaves pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        fold_right(self.peaks.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one step at a time, as in Go's tlog.
    fn naive_index(level: u32, mut n: u64) -> u64 {
        for _ in 0..level {
            n = 2 * n + 1;
        }
        let mut i = 0;
        while n > 0 {
            i += n;
            n >>= 1;
        }
        i + u64::from(level)
    }

    fn store(leaves: u64) -> Vec<Hash> {
        let mut stored = Vec::new();
        for n in 0..leaves {
            let new = stored_hashes(n, &n.to_be_bytes(), &stored).expect("in memory");
            assert_eq!(stored.len() as u64, stored_hash_index(0, n));
            stored.extend(new);
            assert_eq!(stored.len() as u64, stored_hash_count(n + 1));
        }
        stored
    }

    #[test]
    fn stored_index_matches_its_definition_and_inverse() {
        for level in 0..12 {
            for n in 0..300 {
                let i = stored_hash_index(level, n);
                assert_eq!(i, naive_index(level, n), "({level}, {n})");
                assert_eq!(split_stored_hash_index(i), (level, n));
            }
        }
        // Every index is someone's, in order.
        for index in 0..5000 {
            let (level, n) = split_stored_hash_index(index);
            assert_eq!(stored_hash_index(level, n), index);
        }
        // Any u64 splits, even far beyond the layout's limit.
        for index in [u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) - 1] {
            let (level, n) = split_stored_hash_index(index);
            assert!(level < 64 && n <= index / 2 + 64, "{index}: ({level}, {n})");
        }
        let big = MAX_TREE_SIZE - 1;
        assert_eq!(split_stored_hash_index(stored_hash_index(0, big)), (0, big));
        assert_eq!(split_stored_hash_index(stored_hash_index(62, 0)), (62, 0));
    }

    #[test]
    #[should_panic(expected = "beyond")]
    fn stored_index_beyond_the_limit_panics() {
        stored_hash_index(1, MAX_TREE_SIZE / 2);
    }

    #[test]
    fn stored_hashes_are_the_complete_subtrees() {
        let stored = store(70);
        let leaves: Vec<Hash> = (0..70u64).map(|n| leaf_hash(&n.to_be_bytes())).collect();
        for (index, h) in stored.iter().enumerate() {
            let (level, n) = split_stored_hash_index(index as u64);
            let lo = (n << level) as usize;
            let hi = ((n + 1) << level) as usize;
            assert_eq!(*h, root_from_leaf_hashes(&leaves[lo..hi]), "({level}, {n})");
        }
    }

    #[test]
    fn every_root_three_ways() {
        let stored = store(70);
        let mut builder = TreeBuilder::new();
        let leaves: Vec<Hash> = (0..70u64).map(|n| leaf_hash(&n.to_be_bytes())).collect();
        assert_eq!(builder.root(), EMPTY_ROOT);
        assert_eq!(tree_hash(0, &stored).ok(), Some(EMPTY_ROOT));
        for size in 1..=70 {
            builder.push(leaves[size - 1]);
            let want = root_from_leaf_hashes(&leaves[..size]);
            assert_eq!(builder.root(), want, "builder, size {size}");
            assert_eq!(builder.size(), size as u64);
            assert_eq!(
                tree_hash(size as u64, &stored).ok(),
                Some(want),
                "stored, size {size}"
            );
        }
    }

    #[test]
    fn readers_that_fail_or_miscount_are_errors() {
        let stored = store(8);
        assert!(matches!(
            tree_hash(9, &stored),
            Err(Error::HashNotStored {
                index: 15,
                stored: 15
            })
        ));
        let short = HashReaderFn(|_: &[u64]| Ok(vec![EMPTY_ROOT]));
        assert!(matches!(
            tree_hash(7, &short),
            Err(Error::ReaderMiscounted { asked: 3, got: 1 })
        ));
        assert!(matches!(
            tree_hash(MAX_TREE_SIZE + 1, &stored),
            Err(Error::TreeTooLarge { .. })
        ));
    }
}
