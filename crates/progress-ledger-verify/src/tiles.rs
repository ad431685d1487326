//! `tiles`: a mirrored tiles directory checked against a checkpoint, completely.
//!
//! Every entry bundle is decoded and each entry's leaf hash compared with its level-0 tile; the
//! root of all the leaf hashes must be the checkpoint's; and every hash tile above level 0 must
//! hold the roots of the full tiles below it. A directory that passes holds exactly the log the
//! checkpoint signs, and every file in it that the tree size calls for is right.
//!
//! Where a partial tile or bundle is missing but the full one or a wider partial one is there
//! (the log grew after the checkpoint, and the mirror kept up), the first hashes or entries of
//! that one are used, as the tlog-tiles specification allows.

use std::io::ErrorKind;
use std::path::Path;

use progress_ledger_tlog::tile::{
    Bundle, TILE_WIDTH, Tile, check_bundle, full_tile_root, tiles_for_size,
};
use progress_ledger_tlog::{Checkpoint, HASH_SIZE, Hash, TreeBuilder};

use crate::VerifyError;

/// What a successful `tiles` check covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesReport {
    /// Entries checked (the tree size).
    pub entries: u64,
    /// Entry bundles read.
    pub bundles: u64,
    /// Hash tiles read, all levels.
    pub hash_tiles: u64,
}

/// Checks the tiles directory `dir` (the one holding `tile/`) against `checkpoint`.
pub fn verify_tiles_dir(dir: &Path, checkpoint: &Checkpoint) -> Result<TilesReport, VerifyError> {
    let size = checkpoint.size();
    let mut report = TilesReport {
        entries: size,
        bundles: 0,
        hash_tiles: 0,
    };
    let mut leaves = TreeBuilder::new();
    // Roots of the full tiles of the level being read: what the level above must hold.
    let mut expected: Vec<Hash> = Vec::new();

    for tile in tiles_for_size(0, size)
        .into_iter()
        .filter(|t| t.level() == 0)
    {
        let data = read_tile(dir, &tile)?;
        report.hash_tiles += 1;
        let bundle = tile
            .bundle()
            .ok_or_else(|| VerifyError::Mismatch(format!("{tile} has no bundle")))?;
        let bundle_data = read_bundle(dir, &bundle)?;
        report.bundles += 1;
        check_bundle(&bundle, &bundle_data, &data).map_err(VerifyError::check("entry bundle"))?;
        for h in data.chunks_exact(HASH_SIZE) {
            leaves.push(Hash::from_slice(h).map_err(VerifyError::check(tile.path()))?);
        }
        if !tile.is_partial() {
            expected.push(full_tile_root(&tile, &data).map_err(VerifyError::check(tile.path()))?);
        }
    }
    if leaves.root() != checkpoint.root() {
        return Err(VerifyError::Mismatch(format!(
            "the {size} entries give root {}, the checkpoint says {}",
            leaves.root().to_base64(),
            checkpoint.root().to_base64()
        )));
    }

    for level in 1..=progress_ledger_tlog::tile::MAX_TILE_LEVEL {
        let tiles: Vec<Tile> = tiles_for_size(0, size)
            .into_iter()
            .filter(|t| t.level() == level)
            .collect();
        if tiles.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for tile in tiles {
            let data = read_tile(dir, &tile)?;
            report.hash_tiles += 1;
            let first = usize::try_from(tile.n())
                .unwrap_or(usize::MAX)
                .saturating_mul(usize::from(TILE_WIDTH));
            let want = expected
                .get(first..first + usize::from(tile.width()))
                .ok_or_else(|| {
                    VerifyError::Mismatch(format!("{tile}: the level below has too few full tiles"))
                })?;
            for (i, (got, want)) in data.chunks_exact(HASH_SIZE).zip(want).enumerate() {
                if got != want.0 {
                    return Err(VerifyError::Mismatch(format!(
                        "{tile}: hash {i} is not the root of the tile below it ({})",
                        Tile::new(
                            level - 1,
                            tile.n() * u64::from(TILE_WIDTH) + i as u64,
                            TILE_WIDTH
                        )
                        .map(|t| t.path())
                        .unwrap_or_default()
                    )));
                }
            }
            if !tile.is_partial() {
                next.push(full_tile_root(&tile, &data).map_err(VerifyError::check(tile.path()))?);
            }
        }
        expected = next;
    }
    Ok(report)
}

/// Reads a hash tile, falling back to the prefix of the full tile for a missing partial one.
fn read_tile(dir: &Path, tile: &Tile) -> Result<Vec<u8>, VerifyError> {
    let want = usize::from(tile.width()) * HASH_SIZE;
    let full = Tile::new(tile.level(), tile.n(), TILE_WIDTH)
        .map(|t| t.path())
        .unwrap_or_default();
    let (data, from_full) = read_or_full(dir, &tile.path(), tile.is_partial(), &full)?;
    let data = match data.get(..want) {
        Some(prefix) if from_full => prefix.to_vec(),
        _ => data,
    };
    if data.len() != want {
        return Err(VerifyError::Mismatch(format!(
            "{tile}: {} bytes, expected {want}",
            data.len()
        )));
    }
    Ok(data)
}

/// Reads an entry bundle, falling back to the first entries of the full bundle for a missing
/// partial one.
fn read_bundle(dir: &Path, bundle: &Bundle) -> Result<Vec<u8>, VerifyError> {
    let full = Bundle::new(bundle.n(), TILE_WIDTH)
        .map(|b| b.path())
        .unwrap_or_default();
    let (data, from_full) = read_or_full(dir, &bundle.path(), bundle.width() < TILE_WIDTH, &full)?;
    if !from_full {
        return Ok(data);
    }
    first_entries(&data, usize::from(bundle.width()))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| {
            VerifyError::Mismatch(format!("{full}: fewer than {} entries", bundle.width()))
        })
}

/// Reads `path` under `dir`. If it is a missing partial file, reads instead the full one (`full`)
/// or else the narrowest wider partial one there is, and says so: they begin with the same
/// hashes or entries.
fn read_or_full(
    dir: &Path,
    path: &str,
    partial: bool,
    full: &str,
) -> Result<(Vec<u8>, bool), VerifyError> {
    let p = dir.join(path);
    let missing = match std::fs::read(&p) {
        Ok(data) => return Ok((data, false)),
        Err(e) if partial && e.kind() == ErrorKind::NotFound => e,
        Err(source) => return Err(VerifyError::Read { path: p, source }),
    };
    match std::fs::read(dir.join(full)) {
        Ok(data) => return Ok((data, true)),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(source) => {
            return Err(VerifyError::Read {
                path: dir.join(full),
                source,
            });
        }
    }
    let wider = path.rsplit_once('/').and_then(|(partials, width)| {
        let width: u16 = width.parse().ok()?;
        let names = std::fs::read_dir(dir.join(partials)).ok()?;
        let narrowest = names
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u16>().ok())
            .filter(|&w| w > width && w < TILE_WIDTH)
            .min()?;
        Some(dir.join(partials).join(narrowest.to_string()))
    });
    match wider {
        Some(w) => Ok((crate::checks::read(&w)?, true)),
        None => Err(VerifyError::Read {
            path: p,
            source: missing,
        }),
    }
}

/// The bytes of the first `n` length-prefixed entries of a bundle.
fn first_entries(data: &[u8], n: usize) -> Option<&[u8]> {
    let mut at = 0;
    for _ in 0..n {
        let len = usize::from(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]));
        at += 2 + len;
        if at > data.len() {
            return None;
        }
    }
    Some(&data[..at])
}
