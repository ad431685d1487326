//! The Merkle tree is a derivation of the log: the root kept as events are appended equals the
//! root recomputed from the log's event hashes (for random histories and reopenings), and a
//! deleted, cut or damaged `tree.bin` is rebuilt at open with the same root. Proofs and tiles
//! given by the ledger verify with the tlog crate alone.

mod common;

use std::path::Path;

use common::{progress, whole_log};
use progress_ledger::tlog::tile::{self, Bundle, Tile};
use progress_ledger::tlog::{self, Hash as TreeHash, TileHashReader, leaf_hash};
use progress_ledger::{Error, Ledger};
use proptest::prelude::*;

/// The root of the log's events, straight from the RFC 6962 definition: leaf `n` is
/// `SHA-256(0x00 ‖ hash of event n + 1)`.
fn root_from_log(ledger: &Ledger, size: usize) -> TreeHash {
    let leaves: Vec<TreeHash> = whole_log(ledger)[..size]
        .iter()
        .map(|e| leaf_hash(&e.hash.0))
        .collect();
    tlog::root_from_leaf_hashes(&leaves)
}

fn append(ledger: &Ledger, count: usize) {
    for i in 0..count {
        ledger
            .append(progress(i % 3, 1 + i as i64))
            .expect("append");
    }
}

#[derive(Clone, Debug)]
enum Op {
    Append(usize),
    Batch(usize),
    Reopen,
    DeleteTreeAndReopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..5usize).prop_map(Op::Append),
        3 => (1..40usize).prop_map(Op::Batch),
        1 => Just(Op::Reopen),
        1 => Just(Op::DeleteTreeAndReopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_kept_root_is_the_root_of_the_log(ops in prop::collection::vec(op(), 1..14)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut ledger = Ledger::open(dir.path()).expect("open");
        for op in ops {
            match op {
                Op::Append(n) => append(&ledger, n),
                Op::Batch(n) => {
                    let batch = (0..n).map(|i| progress(i % 4, 1 + i as i64)).collect();
                    ledger.append_batch(batch).expect("batch");
                }
                Op::Reopen => {
                    ledger.close().expect("close");
                    drop(ledger);
                    ledger = Ledger::open(dir.path()).expect("reopen");
                }
                Op::DeleteTreeAndReopen => {
                    ledger.close().expect("close");
                    drop(ledger);
                    std::fs::remove_file(dir.path().join("tree.bin")).expect("delete tree.bin");
                    ledger = Ledger::open(dir.path()).expect("reopen");
                }
            }
            let size = ledger.len();
            let (head_size, root) = ledger.tree_head().expect("tree head");
            prop_assert_eq!(head_size, size);
            prop_assert_eq!(root, root_from_log(&ledger, size as usize));
            // Every earlier size too, from the stored hashes.
            for earlier in [0, 1, size / 2, size.saturating_sub(1)] {
                if earlier <= size {
                    prop_assert_eq!(
                        ledger.tree_root(earlier).expect("root"),
                        root_from_log(&ledger, earlier as usize)
                    );
                }
            }
        }
    }
}

fn reopened_root(dir: &Path, damage: impl FnOnce(&Path)) -> (TreeHash, Option<String>) {
    damage(&dir.join("tree.bin"));
    let ledger = Ledger::open(dir).expect("reopen");
    let root = ledger.tree_root(ledger.len()).expect("root");
    (root, ledger.tree_rebuilt())
}

/// A way of damaging a file, given its path.
type Damage = Box<dyn FnOnce(&Path)>;

#[test]
fn a_deleted_cut_or_damaged_tree_file_is_rebuilt_with_the_same_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    append(&ledger, 700);
    let want = ledger.tree_root(700).expect("root");
    assert_eq!(want, root_from_log(&ledger, 700));
    ledger.close().expect("close");
    drop(ledger);
    let len = std::fs::metadata(dir.path().join("tree.bin"))
        .expect("tree.bin exists")
        .len();
    assert_eq!(len, 36 * tlog::stored_hash_count(700));

    let damages: Vec<(&str, Damage)> = vec![
        (
            "deleted",
            Box::new(|p: &Path| std::fs::remove_file(p).expect("delete")),
        ),
        (
            "cut inside a record",
            Box::new(move |p: &Path| {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .expect("open");
                f.set_len(len / 2 + 7).expect("cut");
            }),
        ),
        (
            "a byte flipped in the middle",
            Box::new(move |p: &Path| {
                let mut bytes = std::fs::read(p).expect("read");
                let at = (len / 3) as usize;
                bytes[at] ^= 0x40;
                std::fs::write(p, bytes).expect("write");
            }),
        ),
        (
            "the last record's hash changed and its checksum recomputed",
            Box::new(move |p: &Path| {
                let mut bytes = std::fs::read(p).expect("read");
                // The last leaf's record: stored hash index of leaf 699.
                let index = tlog::stored_hash_index(0, 699);
                let at = (index * 36) as usize;
                bytes[at] ^= 1;
                let mut hash = [0u8; 32];
                hash.copy_from_slice(&bytes[at..at + 32]);
                let crc = crc32c::crc32c_append(crc32c::crc32c(&index.to_le_bytes()), &hash);
                bytes[at + 32..at + 36].copy_from_slice(&crc.to_le_bytes());
                std::fs::write(p, bytes).expect("write");
            }),
        ),
        (
            "zeros",
            Box::new(move |p: &Path| std::fs::write(p, vec![0u8; len as usize]).expect("write")),
        ),
    ];
    for (what, damage) in damages {
        let (root, rebuilt) = reopened_root(dir.path(), damage);
        assert_eq!(root, want, "{what}");
        assert!(
            rebuilt.is_some(),
            "{what}: opening says it rebuilt the tree"
        );
        // And the next opening finds it whole.
        let (root, rebuilt) = reopened_root(dir.path(), |_| {});
        assert_eq!(
            (root, rebuilt),
            (want, None),
            "{what}: whole after the rebuild"
        );
    }
}

#[test]
fn a_tree_file_ahead_of_the_log_is_damage_and_left_in_place() {
    // Another, longer ledger's tree file in place of this one's: more leaves than the log. Its
    // records are written only once their events are durable, so the ledger cannot tell this
    // from a log that lost events: it opens damaged, says why, and keeps the file.
    let dir = tempfile::tempdir().expect("temp dir");
    let other = tempfile::tempdir().expect("temp dir");
    {
        let ledger = Ledger::open(dir.path()).expect("open");
        append(&ledger, 20);
        ledger.close().expect("close");
        let longer = Ledger::open(other.path()).expect("open");
        append(&longer, 50);
        longer.close().expect("close");
    }
    let tree = dir.path().join("tree.bin");
    std::fs::copy(other.path().join("tree.bin"), &tree).expect("copy");
    let foreign = std::fs::read(&tree).expect("tree.bin");
    let ledger = Ledger::open(dir.path()).expect("reopen");
    let refusal = ledger.refusal().expect("appends refused");
    assert!(refusal.contains("Merkle leaves of 50 events"), "{refusal}");
    assert!(ledger.tree_problem().is_some());
    drop(ledger);
    assert_eq!(std::fs::read(&tree).expect("tree.bin"), foreign);

    // Moved away by the operator, it is rebuilt from the log.
    std::fs::remove_file(&tree).expect("remove");
    let ledger = Ledger::open(dir.path()).expect("reopen");
    assert!(ledger.refusal().is_none());
    assert!(ledger.tree_rebuilt().is_some());
    assert_eq!(
        ledger.tree_root(20).expect("root"),
        root_from_log(&ledger, 20)
    );
}

#[test]
fn proofs_and_tiles_verify_with_the_tlog_crate_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    // 600 events: two full level-0 tiles and a partial one.
    let batch = (0..600).map(|i| progress(i % 5, 1 + i as i64)).collect();
    ledger.append_batch(batch).expect("batch");
    let events = whole_log(&ledger);
    for size in [1u64, 2, 7, 256, 300, 600] {
        let root = ledger.tree_root(size).expect("root");
        for seq in [1, size / 2 + 1, size] {
            let proof = ledger.prove_inclusion(seq, size).expect("inclusion proof");
            let leaf = leaf_hash(&events[seq as usize - 1].hash.0);
            tlog::check_record(&proof, size, &root, seq - 1, &leaf).expect("inclusion verifies");
        }
        for from in [1u64, size / 3 + 1, size] {
            let old = ledger.tree_root(from).expect("root");
            let proof = ledger
                .prove_consistency(from, size)
                .expect("consistency proof");
            tlog::check_tree(&proof, size, &root, from, &old).expect("consistency verifies");
        }
    }
    // Out of range: errors, never panics; beyond the durable log is told apart.
    assert!(matches!(ledger.tree_root(601), Err(Error::BeyondLog(_))));
    assert!(matches!(
        ledger.prove_inclusion(0, 5),
        Err(Error::NotInTree(_))
    ));
    assert!(matches!(
        ledger.prove_inclusion(6, 5),
        Err(Error::NotInTree(_))
    ));
    assert!(matches!(
        ledger.prove_consistency(0, 5),
        Err(Error::NotInTree(_))
    ));
    assert!(matches!(
        ledger.prove_consistency(6, 5),
        Err(Error::NotInTree(_))
    ));
    assert!(matches!(
        ledger.prove_consistency(5, 601),
        Err(Error::BeyondLog(_))
    ));

    // The tiles of the tree of 600, read through a reader that checks them against the root.
    let root = ledger.tree_root(600).expect("root");
    let reader = TileHashReader::new(600, root, |t: &Tile| ledger.tile(t).map_err(Into::into))
        .expect("reader");
    assert_eq!(
        tlog::tree_hash(600, &reader).expect("root from tiles"),
        root
    );
    // Each bundle's entries are the event hashes, and hash to its level-0 tile.
    for bundle in tile::bundles_for_size(0, 600) {
        let data = ledger.entry_bundle(&bundle).expect("bundle");
        let entries = tile::decode_bundle(&data).expect("decodes");
        assert_eq!(entries.len(), usize::from(bundle.width()));
        for (i, entry) in entries.iter().enumerate() {
            let seq = bundle.first_index() as usize + i + 1;
            assert_eq!(*entry, &events[seq - 1].hash.0[..]);
        }
        let tile_data = ledger.tile(&bundle.tile()).expect("tile");
        tile::check_bundle(&bundle, &data, &tile_data).expect("bundle matches its tile");
    }
    // Tiles the tree does not have yet.
    for path in [
        "tile/0/002",
        "tile/0/002.p/89",
        "tile/1/000.p/3",
        "tile/entries/003",
    ] {
        let refused = match tile::parse_tile_path(path).expect("a tile path") {
            tile::TilePath::Hashes(t) => ledger.tile(&t).err(),
            tile::TilePath::Entries(b) => ledger.entry_bundle(&b).err(),
        };
        assert!(
            matches!(refused, Some(Error::BeyondLog(_))),
            "{path}: {refused:?}"
        );
    }
    assert!(
        ledger
            .entry_bundle(&Bundle::new(2, 88).expect("bundle"))
            .is_ok()
    );
}
