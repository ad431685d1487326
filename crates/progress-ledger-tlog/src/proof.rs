//! Inclusion proofs ("this entry is leaf `n` of the tree of size `t` with root `r`", RFC 6962
//! §2.1.1, RFC 9162 §2.1.3) and consistency proofs ("the tree of size `t` extends the tree of
//! size `n`", RFC 6962 §2.1.2, RFC 9162 §2.1.4).
//!
//! Proofs are produced from stored hashes (see [`crate::tree`]) and verified with the iterative
//! algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, which need nothing but the proof, the sizes and
//! the two hashes. A proof is a plain list of hashes in RFC order (the leaf's sibling first), so
//! proofs from other RFC 6962 implementations verify here and the other way round.

use crate::Error;
use crate::hash::{Hash, node_hash};
use crate::tree::{HashReader, check_size, range_hashes, split_point};

/// The proof that leaf `n` is in the tree of size `t`: `⌈log₂ t⌉` hashes at most.
///
/// Reads the hashes it needs from `reader` in one call.
pub fn prove_record(t: u64, n: u64, reader: &impl HashReader) -> Result<Vec<Hash>, Error> {
    check_size(t)?;
    if n >= t {
        return Err(Error::IndexOutOfRange { index: n, size: t });
    }
    let mut ranges = Vec::new();
    inclusion_ranges(0, t, n, &mut ranges);
    range_hashes(&ranges, reader)
}

/// The leaf ranges whose hashes prove leaf `n` in leaves `lo..hi`, deepest first.
fn inclusion_ranges(lo: u64, hi: u64, n: u64, out: &mut Vec<(u64, u64)>) {
    if hi - lo == 1 {
        return;
    }
    let k = split_point(hi - lo);
    if n < lo + k {
        inclusion_ranges(lo, lo + k, n, out);
        out.push((lo + k, hi));
    } else {
        inclusion_ranges(lo + k, hi, n, out);
        out.push((lo, lo + k));
    }
}

/// The proof that the tree of size `t` extends the tree of size `n` (0 < n ≤ t); empty when
/// `n == t`.
///
/// Reads the hashes it needs from `reader` in one call.
pub fn prove_tree(t: u64, n: u64, reader: &impl HashReader) -> Result<Vec<Hash>, Error> {
    check_size(t)?;
    if n == 0 || n > t {
        return Err(Error::InvalidSizes { old: n, new: t });
    }
    let mut ranges = Vec::new();
    consistency_ranges(0, t, n, &mut ranges);
    range_hashes(&ranges, reader)
}

/// The leaf ranges whose hashes prove that leaves `lo..hi` extend leaves `lo..m` (RFC 6962
/// §2.1.2 SUBPROOF), deepest first. The old root itself (`lo == 0`, `m == hi`) is left out: the
/// verifier has it.
fn consistency_ranges(lo: u64, hi: u64, m: u64, out: &mut Vec<(u64, u64)>) {
    if m == hi {
        if lo != 0 {
            out.push((lo, hi));
        }
        return;
    }
    let k = split_point(hi - lo);
    if m <= lo + k {
        consistency_ranges(lo, lo + k, m, out);
        out.push((lo + k, hi));
    } else {
        consistency_ranges(lo + k, hi, m, out);
        out.push((lo, lo + k));
    }
}

/// How many hashes the proof that leaf `n` is in a tree of size `t` has (n < t).
fn inclusion_len(n: u64, t: u64) -> usize {
    // Below the level where the paths to n and to the last leaf part, every level has a sibling;
    // above it, only the levels where n is a right child do.
    let inner = 64 - (n ^ (t - 1)).leading_zeros();
    inner as usize + (n >> inner).count_ones() as usize
}

/// How many hashes the proof that size `t` extends size `n` has (0 < n < t).
fn consistency_len(n: u64, t: u64) -> usize {
    let mut ranges = Vec::new();
    consistency_ranges(0, t, n, &mut ranges);
    ranges.len()
}

/// Checks that `proof` shows the leaf with hash `leaf` at index `n` of the tree of size `t` and
/// root `root` (RFC 9162 §2.1.3.2).
pub fn check_record(proof: &[Hash], t: u64, root: &Hash, n: u64, leaf: &Hash) -> Result<(), Error> {
    if n >= t {
        return Err(Error::IndexOutOfRange { index: n, size: t });
    }
    let fail = |reason: String| Error::InclusionProofFailed {
        index: n,
        size: t,
        reason,
    };
    let want = inclusion_len(n, t);
    if proof.len() != want {
        return Err(fail(format!(
            "the proof has {} hashes, expected {want}",
            proof.len()
        )));
    }
    let (mut f, mut s) = (n, t - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(fail("the proof is longer than the path to the root".into()));
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(fail(
            "the proof is shorter than the path to the root".into(),
        ));
    }
    if r != *root {
        return Err(fail(format!("it leads to root {r}, not {root}")));
    }
    Ok(())
}

/// Checks that `proof` shows the tree of size `t` and root `t_root` extends the tree of size `n`
/// and root `n_root` (RFC 9162 §2.1.4.2). Sizes must satisfy 0 < n ≤ t; when they are equal the
/// proof must be empty and the roots equal.
pub fn check_tree(
    proof: &[Hash],
    t: u64,
    t_root: &Hash,
    n: u64,
    n_root: &Hash,
) -> Result<(), Error> {
    if n == 0 || n > t {
        return Err(Error::InvalidSizes { old: n, new: t });
    }
    let fail = |reason: String| Error::ConsistencyProofFailed {
        old: n,
        new: t,
        reason,
    };
    if n == t {
        if !proof.is_empty() {
            return Err(fail(format!(
                "the sizes are equal but the proof has {} hashes",
                proof.len()
            )));
        }
        if t_root != n_root {
            return Err(fail(format!(
                "the sizes are equal but the roots differ: {n_root} and {t_root}"
            )));
        }
        return Ok(());
    }
    let want = consistency_len(n, t);
    if proof.len() != want {
        return Err(fail(format!(
            "the proof has {} hashes, expected {want}",
            proof.len()
        )));
    }
    // When the old tree is a perfect subtree of the new one, its root is the first hash of the
    // path; otherwise the proof starts with it.
    let (seed, rest) = if n.is_power_of_two() {
        (*n_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(fail("the proof is empty".into())),
        }
    };
    let (mut f, mut s) = (n - 1, t - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if s == 0 {
            return Err(fail("the proof is longer than the path to the root".into()));
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(fail(
            "the proof is shorter than the path to the root".into(),
        ));
    }
    if fr != *n_root {
        return Err(fail(format!("it leads to old root {fr}, not {n_root}")));
    }
    if sr != *t_root {
        return Err(fail(format!("it leads to new root {sr}, not {t_root}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::{root_from_leaf_hashes, stored_hashes};

    fn store(leaves: u64) -> (Vec<Hash>, Vec<Hash>) {
        let mut stored = Vec::new();
        let mut leaf_hashes = Vec::new();
        for n in 0..leaves {
            let entry = n.to_le_bytes();
            leaf_hashes.push(leaf_hash(&entry));
            let new = stored_hashes(n, &entry, &stored).expect("in memory");
            stored.extend(new);
        }
        (stored, leaf_hashes)
    }

    /// Every inclusion and consistency proof of every tree up to 40 leaves verifies, has the
    /// predicted length, and fails for every other index, size or root nearby.
    #[test]
    fn exhaustive_small_trees() {
        let (stored, leaves) = store(40);
        let roots: Vec<Hash> = (0..=40)
            .map(|t| root_from_leaf_hashes(&leaves[..t]))
            .collect();
        for t in 1..=40u64 {
            let root = roots[t as usize];
            for n in 0..t {
                let p = prove_record(t, n, &stored).expect("stored");
                assert_eq!(p.len(), inclusion_len(n, t));
                assert!(
                    check_record(&p, t, &root, n, &leaves[n as usize]).is_ok(),
                    "{n} in {t}"
                );
                for other in 0..t {
                    if other != n && leaves[other as usize] != leaves[n as usize] {
                        assert!(check_record(&p, t, &root, other, &leaves[n as usize]).is_err());
                        assert!(check_record(&p, t, &root, n, &leaves[other as usize]).is_err());
                    }
                }
                for t2 in 1..=40u64 {
                    if t2 != t && n < t2 {
                        assert!(
                            check_record(&p, t2, &roots[t2 as usize], n, &leaves[n as usize])
                                .is_err()
                        );
                    }
                }
            }
            for n in 1..=t {
                let p = prove_tree(t, n, &stored).expect("stored");
                let n_root = roots[n as usize];
                assert!(check_tree(&p, t, &root, n, &n_root).is_ok(), "{n} to {t}");
                if n < t {
                    assert_eq!(p.len(), consistency_len(n, t));
                }
                for n2 in 1..=t {
                    if n2 != n {
                        assert!(check_tree(&p, t, &root, n2, &roots[n2 as usize]).is_err());
                    }
                }
                for t2 in n..=40 {
                    if t2 != t {
                        assert!(check_tree(&p, t2, &roots[t2 as usize], n, &n_root).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn bad_sizes_are_refused_before_reading() {
        let (stored, leaves) = store(4);
        assert!(matches!(
            prove_record(4, 4, &stored),
            Err(Error::IndexOutOfRange { index: 4, size: 4 })
        ));
        assert!(matches!(
            prove_record(0, 0, &stored),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            prove_tree(4, 0, &stored),
            Err(Error::InvalidSizes { old: 0, new: 4 })
        ));
        assert!(matches!(
            prove_tree(3, 4, &stored),
            Err(Error::InvalidSizes { old: 4, new: 3 })
        ));
        let root = root_from_leaf_hashes(&leaves);
        assert!(matches!(
            check_record(&[], 0, &root, 0, &leaves[0]),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            check_tree(&[], 4, &root, 0, &root),
            Err(Error::InvalidSizes { .. })
        ));
    }

    #[test]
    fn huge_sizes_verify_without_overflow() {
        // Verification is arithmetic on sizes only: a made-up proof at the top of the u64 range
        // fails cleanly instead of overflowing.
        let h = leaf_hash(b"x");
        let t = u64::MAX;
        let p = vec![h; inclusion_len(t - 1, t)];
        assert!(matches!(
            check_record(&p, t, &h, t - 1, &h),
            Err(Error::InclusionProofFailed { .. })
        ));
        let p = vec![h; consistency_len(t - 1, t)];
        assert!(matches!(
            check_tree(&p, t, &h, t - 1, &h),
            Err(Error::ConsistencyProofFailed { .. })
        ));
    }
}
