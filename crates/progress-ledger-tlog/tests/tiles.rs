//! Tiles made from stored hashes, read back through `TileHashReader`: the same roots and proofs
//! as from the stored hashes, and a mirror that changes any tile is caught.

use std::collections::HashMap;
use std::sync::Mutex;

use progress_ledger_tlog::tile::{
    Bundle, Tile, check_bundle, encode_bundle, full_tile_root, read_tile_data, tiles_for_size,
};
use progress_ledger_tlog::{
    BoxError, Checkpoint, Error, Hash, Signer, TileHashReader, prove_record, prove_tree,
    stored_hash_index, stored_hashes, tree_hash,
};

fn entry(n: u64) -> Vec<u8> {
    format!("event {n}").into_bytes()
}

fn store(leaves: u64) -> Vec<Hash> {
    let mut stored = Vec::new();
    for n in 0..leaves {
        let new = stored_hashes(n, &entry(n), &stored).expect("in memory");
        stored.extend(new);
    }
    stored
}

/// Every tile of a tree of `size` leaves, as a server publishes them.
fn publish(stored: &[Hash], size: u64) -> HashMap<Tile, Vec<u8>> {
    tiles_for_size(0, size)
        .into_iter()
        .map(|t| {
            let data = read_tile_data(&t, &stored).expect("stored");
            (t, data)
        })
        .collect()
}

type Fetch = Box<dyn Fn(&Tile) -> Result<Vec<u8>, BoxError>>;

fn mirror(tiles: HashMap<Tile, Vec<u8>>) -> Fetch {
    Box::new(move |t: &Tile| {
        tiles
            .get(t)
            .cloned()
            .ok_or_else(|| format!("{} not found", t.path()).into())
    })
}

#[test]
fn tiles_give_the_same_roots_and_proofs() {
    let size = 70_000;
    let stored = store(size);
    let tiles = publish(&stored, size);
    let root = tree_hash(size, &stored).expect("stored");
    let signer = Signer::from_seed("example.com/log", &[3; 32]).expect("valid name");
    let signed = Checkpoint::new("example.com/log", size, root)
        .expect("valid")
        .sign(&signer)
        .to_bytes();
    let (checkpoint, _) = Checkpoint::open(&signed, &[signer.verifier()]).expect("verifies");
    let reader = TileHashReader::for_checkpoint(&checkpoint, mirror(tiles)).expect("small enough");
    assert_eq!(tree_hash(size, &reader).ok(), Some(root));
    for (t, n) in [
        (70_000, 0),
        (70_000, 69_999),
        (70_000, 65_535),
        (65_536, 65_535),
        (300, 17),
        (1, 0),
    ] {
        assert_eq!(
            prove_record(t, n, &reader).ok(),
            prove_record(t, n, &stored).ok(),
            "{n} in {t}"
        );
    }
    for (t, m) in [
        (70_000, 1),
        (70_000, 65_536),
        (70_000, 69_999),
        (257, 256),
        (69_888, 12_345),
    ] {
        assert_eq!(
            prove_tree(t, m, &reader).ok(),
            prove_tree(t, m, &stored).ok(),
            "{m} to {t}"
        );
    }
    for t in [1, 255, 256, 257, 65_535, 65_536, 65_537] {
        assert_eq!(
            tree_hash(t, &reader).ok(),
            tree_hash(t, &stored).ok(),
            "root of {t}"
        );
    }
}

#[test]
fn a_lying_mirror_is_caught() {
    let size = 70_000;
    let stored = store(size);
    let tiles = publish(&stored, size);
    let root = tree_hash(size, &stored).expect("stored");
    let mut checked = 0;
    for (tile, data) in &tiles {
        if tile.level() == 0 && tile.n() % 37 != 5 && !tile.is_partial() {
            continue; // every level-0 tile is alike: a sample of them is enough
        }
        // The hash at position 100 (or the last) of the tile, which a read must fetch it for.
        let pos = u64::from(tile.width().min(101) - 1);
        let index = stored_hash_index(8 * u32::from(tile.level()), tile.n() * 256 + pos);
        for (byte, x) in [
            (0, 1),
            (pos as usize * 32 + 31, 0x80),
            (data.len() - 1, 0xff),
        ] {
            let mut forged = tiles.clone();
            if let Some(d) = forged.get_mut(tile) {
                d[byte] ^= x;
            }
            let reader = TileHashReader::new(size, root, mirror(forged)).expect("small enough");
            let got = reader_read(&reader, index);
            assert!(
                matches!(got, Err(Error::InconsistentTile { .. })),
                "{} with byte {byte} changed: {got:?}",
                tile.path()
            );
            checked += 1;
        }
        // A short tile and a missing tile.
        let mut short = tiles.clone();
        if let Some(d) = short.get_mut(tile) {
            d.pop();
        }
        let reader = TileHashReader::new(size, root, mirror(short)).expect("small enough");
        assert!(matches!(
            reader_read(&reader, index),
            Err(Error::InconsistentTile { .. })
        ));
        let mut missing = tiles.clone();
        missing.remove(tile);
        let reader = TileHashReader::new(size, root, mirror(missing)).expect("small enough");
        assert!(matches!(
            reader_read(&reader, index),
            Err(Error::Fetch { .. })
        ));
    }
    assert!(checked > 20, "only {checked} forgeries tried");
    // The right tiles under another root.
    let reader = TileHashReader::new(size, Hash([0; 32]), mirror(tiles)).expect("small enough");
    assert!(matches!(
        tree_hash(size, &reader),
        Err(Error::InconsistentTile { .. })
    ));
}

fn reader_read(reader: &TileHashReader<Fetch>, index: u64) -> Result<Vec<Hash>, Error> {
    use progress_ledger_tlog::HashReader as _;
    reader.read_hashes(&[index])
}

/// A full tile whose parent tile is partial and holds several of the root's subtrees: at size
/// 259 the root comes from tile/1/000.p/1 and tile/0/001.p/3, and leaf 5 from tile/0/000, which
/// must be checked against tile/1/000.p/1 like any other.
#[test]
fn a_full_tile_under_a_partial_one_is_checked_too() {
    let size = 259;
    let stored = store(size);
    let mut tiles = publish(&stored, size);
    let root = tree_hash(size, &stored).expect("stored");
    let full = Tile::new(0, 0, 256).expect("valid");
    if let Some(d) = tiles.get_mut(&full) {
        d[5 * 32] ^= 1;
    }
    let reader = TileHashReader::new(size, root, mirror(tiles)).expect("small enough");
    assert!(matches!(
        reader_read(&reader, stored_hash_index(0, 5)),
        Err(Error::InconsistentTile { .. })
    ));
    assert!(matches!(
        prove_record(size, 5, &reader),
        Err(Error::InconsistentTile { .. })
    ));
}

#[test]
fn reads_fetch_few_tiles() {
    let size = 70_000;
    let stored = store(size);
    let tiles = publish(&stored, size);
    let root = tree_hash(size, &stored).expect("stored");
    let fetched = Mutex::new(Vec::new());
    let reader = TileHashReader::new(size, root, |t: &Tile| -> Result<Vec<u8>, BoxError> {
        if let Ok(mut f) = fetched.lock() {
            f.push(t.path());
        }
        tiles.get(t).cloned().ok_or_else(|| "missing".into())
    })
    .expect("small enough");
    prove_record(size, 12_345, &reader).expect("proof from tiles");
    let fetched = fetched.into_inner().unwrap_or_default();
    // The root tiles (one per level) and the leaf's level-0 tile.
    assert_eq!(
        fetched,
        [
            "tile/2/000.p/1",
            "tile/1/001.p/17",
            "tile/0/273.p/112",
            "tile/1/000",
            "tile/0/048"
        ]
    );
}

#[test]
fn bundles_are_checked_against_their_tile() {
    let size = 600;
    let stored = store(size);
    let tiles = publish(&stored, size);
    for bundle in [Bundle::new(0, 256), Bundle::new(2, 88)].map(|b| b.expect("valid")) {
        let tile_data = &tiles[&bundle.tile()];
        let entries: Vec<Vec<u8>> = (0..u64::from(bundle.width()))
            .map(|i| entry(bundle.first_index() + i))
            .collect();
        let data = encode_bundle(&entries).expect("small entries");
        let got = check_bundle(&bundle, &data, tile_data).expect("matches");
        assert_eq!(got.len(), entries.len());

        let mut wrong = entries.clone();
        wrong[3][0] ^= 1;
        let mut extra = entries.clone();
        extra.push(b"extra".to_vec());
        let mut swapped = entries.clone();
        swapped.swap(0, 1);
        for (what, bad) in [
            ("changed entry", encode_bundle(&wrong).expect("small")),
            ("extra entry", encode_bundle(&extra).expect("small")),
            (
                "missing entry",
                encode_bundle(&entries[1..]).expect("small"),
            ),
            ("swapped entries", encode_bundle(&swapped).expect("small")),
            ("truncated", data[..data.len() - 1].to_vec()),
            ("trailing byte", [data.as_slice(), &[0]].concat()),
        ] {
            assert!(
                matches!(
                    check_bundle(&bundle, &bad, tile_data),
                    Err(Error::InconsistentTile { .. })
                ),
                "{what} accepted in {}",
                bundle.path()
            );
        }
    }
    // A full tile's root is its parent's hash.
    let parent = &tiles[&Tile::new(1, 0, 2).expect("valid")];
    let t1 = Tile::new(0, 1, 256).expect("valid");
    assert_eq!(
        full_tile_root(&t1, &tiles[&t1]).ok().map(|h| h.0.to_vec()),
        Some(parent[32..].to_vec())
    );
}
