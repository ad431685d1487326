//! Unit tests of the tile arithmetic.

use super::reader::tile_parent;
use super::*;
use crate::tree::stored_hash_count;

#[test]
fn tile_for_index_covers_every_hash_of_a_tree() {
    // Every stored hash of a 70,000-leaf tree is in the tile of its level whose number and
    // offset follow from its coordinates.
    for index in (0..stored_hash_count(70_000)).step_by(7) {
        let (level, n) = split_stored_hash_index(index);
        let (t, start, end) = tile_for_index(index);
        assert_eq!(u32::from(t.level), level / TILE_HEIGHT);
        let within = level % TILE_HEIGHT;
        let first_bottom = n << within; // first hash at the tile's level under this one
        assert_eq!(t.n, first_bottom / 256);
        assert_eq!(start / HASH_SIZE, (first_bottom % 256) as usize);
        assert_eq!((end - start) / HASH_SIZE, 1 << within);
        assert_eq!(usize::from(t.width) * HASH_SIZE, end);
    }
}

#[test]
fn any_index_has_a_tile() {
    for index in [u64::MAX, 1 << 63, stored_hash_count(MAX_TREE_SIZE)] {
        let t = Tile::for_stored_index(index);
        assert!(
            t.level <= 8 && (1..=256).contains(&t.width),
            "{index}: {t:?}"
        );
        assert!(hash_from_tile(&t, &vec![0; usize::from(t.width) * 32], index).is_ok());
    }
}

#[test]
fn tile_parents() {
    let t = Tile {
        level: 0,
        n: 273,
        width: 112,
    };
    assert_eq!(
        tile_parent(&t, 0, 70_000),
        Some(Tile {
            level: 0,
            n: 273,
            width: 112
        })
    );
    assert_eq!(
        tile_parent(&t, 1, 70_000),
        Some(Tile {
            level: 1,
            n: 1,
            width: 17
        })
    );
    assert_eq!(
        tile_parent(&t, 2, 70_000),
        Some(Tile {
            level: 2,
            n: 0,
            width: 1
        })
    );
    assert_eq!(tile_parent(&t, 3, 70_000), None);
    assert_eq!(
        tile_parent(
            &Tile {
                level: 0,
                n: 3,
                width: 1
            },
            0,
            70_000
        ),
        Some(Tile {
            level: 0,
            n: 3,
            width: 256
        })
    );
}

#[test]
fn bundles_round_trip_and_refuse_truncation() {
    let entries: Vec<Vec<u8>> = vec![vec![], vec![1], vec![7; 300], vec![0; MAX_ENTRY_SIZE]];
    let data = encode_bundle(&entries).expect("small enough");
    let back = decode_bundle(&data).expect("well formed");
    assert_eq!(back, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    for cut in [1, 2, 3, data.len() - 1] {
        assert!(
            decode_bundle(&data[..data.len() - cut]).is_err(),
            "cut {cut}"
        );
    }
    assert!(decode_bundle(&[0]).is_err());
    assert!(matches!(
        encode_bundle(&[vec![0; MAX_ENTRY_SIZE + 1]]),
        Err(Error::EntryTooLarge { len: 65536 })
    ));
}
