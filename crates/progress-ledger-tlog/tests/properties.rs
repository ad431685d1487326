//! Property tests: for random tree sizes and indexes every proof generated verifies, and any
//! one-byte change to a proof, a root or a signed note makes it fail.

use std::sync::OnceLock;

use progress_ledger_tlog::note::{self, Signer};
use progress_ledger_tlog::{
    Checkpoint, Hash, TreeBuilder, check_record, check_tree, leaf_hash, prove_record, prove_tree,
    root_from_leaf_hashes, stored_hashes, tree_hash,
};
use proptest::prelude::*;

const MAX_LEAVES: u64 = 3000;

/// Stored hashes and leaf hashes of a 3,000-leaf log; smaller trees are its prefixes.
fn log() -> &'static (Vec<Hash>, Vec<Hash>) {
    static LOG: OnceLock<(Vec<Hash>, Vec<Hash>)> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut stored = Vec::new();
        let mut leaves = Vec::new();
        for n in 0..MAX_LEAVES {
            let entry = n.to_be_bytes();
            leaves.push(leaf_hash(&entry));
            let new = stored_hashes(n, &entry, &stored).expect("in memory");
            stored.extend(new);
        }
        (stored, leaves)
    })
}

/// A tree size and an index in it.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX_LEAVES).prop_flat_map(|t| (Just(t), 0..t))
}

/// A new size and an old size, 0 < old ≤ new.
fn two_sizes() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX_LEAVES).prop_flat_map(|t| (Just(t), 1..=t))
}

/// `hashes` with byte `at` (modulo their total length) xor-ed with a non-zero `x`.
fn changed(hashes: &[Hash], at: usize, x: u8) -> Vec<Hash> {
    let mut out = hashes.to_vec();
    let at = at % (32 * out.len());
    out[at / 32].0[at % 32] ^= x;
    out
}

proptest! {
    #[test]
    fn roots_agree((t, _) in size_and_index()) {
        let (stored, leaves) = log();
        let want = root_from_leaf_hashes(&leaves[..t as usize]);
        prop_assert_eq!(tree_hash(t, stored).ok(), Some(want));
        let mut b = TreeBuilder::new();
        leaves[..t as usize].iter().for_each(|l| b.push(*l));
        prop_assert_eq!(b.root(), want);
    }

    #[test]
    fn inclusion_proofs_verify_and_any_changed_byte_fails(
        (t, n) in size_and_index(),
        at in any::<usize>(),
        x in 1..=255u8,
        what in 0..3u8,
    ) {
        let (stored, leaves) = log();
        let root = tree_hash(t, stored).expect("stored");
        let leaf = leaves[n as usize];
        let proof = prove_record(t, n, stored).expect("stored");
        prop_assert!(check_record(&proof, t, &root, n, &leaf).is_ok());
        let (p, r, l) = match what {
            0 if !proof.is_empty() => (changed(&proof, at, x), root, leaf),
            1 => (proof.clone(), changed(&[root], at, x)[0], leaf),
            _ => (proof.clone(), root, changed(&[leaf], at, x)[0]),
        };
        prop_assert!(check_record(&p, t, &r, n, &l).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_any_changed_byte_fails(
        (t, m) in two_sizes(),
        at in any::<usize>(),
        x in 1..=255u8,
        what in 0..3u8,
    ) {
        let (stored, _) = log();
        let (new, old) = (tree_hash(t, stored).expect("stored"), tree_hash(m, stored).expect("stored"));
        let proof = prove_tree(t, m, stored).expect("stored");
        prop_assert!(check_tree(&proof, t, &new, m, &old).is_ok());
        let (p, n2, o2) = match what {
            0 if !proof.is_empty() => (changed(&proof, at, x), new, old),
            1 => (proof.clone(), changed(&[new], at, x)[0], old),
            _ => (proof.clone(), new, changed(&[old], at, x)[0]),
        };
        prop_assert!(check_tree(&p, t, &n2, m, &o2).is_err());
    }

    #[test]
    fn signed_checkpoints_open_and_any_changed_byte_fails(
        origin in "[a-z0-9./-]{1,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in proptest::collection::vec("[ -~\u{4e00}-\u{4e10}]{1,20}", 0..3),
        seed in any::<[u8; 32]>(),
        at in any::<usize>(),
        x in 1..=255u8,
    ) {
        let signer = Signer::from_seed(&origin, &seed).expect("valid name");
        let c = Checkpoint::new(origin.clone(), size, Hash(root))
            .and_then(|c| c.with_extensions(extensions))
            .expect("valid checkpoint");
        let msg = c.sign(&signer).to_bytes();
        let keys = [signer.verifier()];
        let (opened, note) = Checkpoint::open(&msg, &keys).expect("opens");
        prop_assert_eq!(&opened, &c);
        prop_assert_eq!(note.to_bytes(), msg.clone());
        let mut bad = msg.clone();
        let at = at % bad.len();
        bad[at] ^= x;
        prop_assert!(note::open(&bad, &keys).is_err(), "byte {} xor {:#04x} accepted", at, x);
    }
}
