//! Reading hashes from tiles a mirror serves, each checked against a trusted checkpoint.

use std::collections::HashMap;
use std::fmt;

use crate::hash::{Hash, node_hash};
use crate::tree::{HashReader, check_size, stored_hash_count, stored_hash_index, subtree_indexes};
use crate::{BoxError, Error};

use super::{
    MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH, Tile, check_tile_data, full_tile_root, hash_from_tile,
};
/// The tile `k` levels above `t` as it stands in a tree of `size` leaves (its width then), or
/// `None` if it holds no hash yet.
pub(super) fn tile_parent(t: &Tile, k: u8, size: u64) -> Option<Tile> {
    let level = t.level.checked_add(k).filter(|&l| l <= MAX_TILE_LEVEL)?;
    let n = t.n.checked_shr(TILE_HEIGHT * u32::from(k)).unwrap_or(0);
    let hashes_at_level = size
        .checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0);
    let start = n.checked_mul(u64::from(TILE_WIDTH))?;
    if start >= hashes_at_level {
        return None;
    }
    let width = (hashes_at_level - start).min(u64::from(TILE_WIDTH)) as u16;
    Some(Tile { level, n, width })
}

/// The position of `t` in `tiles`, appending it if it is not there yet.
fn plan(tiles: &mut Vec<Tile>, position: &mut HashMap<Tile, usize>, t: Tile) -> usize {
    *position.entry(t).or_insert_with(|| {
        tiles.push(t);
        tiles.len() - 1
    })
}

/// A [`HashReader`] over the tiles of a tree whose size and root the caller trusts (from a
/// verified checkpoint), reading tiles through `fetch`.
///
/// Each call fetches the tiles that give the root and every tile on the way from a requested hash
/// up to them, checks the root tiles against the trusted root and every other tile against its
/// parent, and only then answers. Hashes it returns are therefore proven to be in the tree: a
/// mirror cannot make it return anything else. It keeps nothing between calls; cache in `fetch`
/// if needed (after a call succeeds, every tile it fetched was correct).
pub struct TileHashReader<F> {
    size: u64,
    root: Hash,
    fetch: F,
}

impl<F> fmt::Debug for TileHashReader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TileHashReader")
            .field("size", &self.size)
            .field("root", &self.root)
            .finish()
    }
}

impl<F> TileHashReader<F>
where
    F: Fn(&Tile) -> Result<Vec<u8>, BoxError>,
{
    /// A reader for the tree of `size` leaves with this `root`, fetching tiles with `fetch`.
    pub fn new(size: u64, root: Hash, fetch: F) -> Result<TileHashReader<F>, Error> {
        check_size(size)?;
        Ok(TileHashReader { size, root, fetch })
    }

    /// A reader for the tree of a checkpoint, which the caller has verified (see
    /// [`crate::Checkpoint::open`]).
    pub fn for_checkpoint(
        checkpoint: &crate::Checkpoint,
        fetch: F,
    ) -> Result<TileHashReader<F>, Error> {
        TileHashReader::new(checkpoint.size(), checkpoint.root(), fetch)
    }

    fn get(&self, tile: &Tile) -> Result<Vec<u8>, Error> {
        let data = (self.fetch)(tile).map_err(|source| Error::Fetch {
            path: tile.path(),
            source,
        })?;
        check_tile_data(tile, &data)?;
        Ok(data)
    }
}

impl<F> HashReader for TileHashReader<F>
where
    F: Fn(&Tile) -> Result<Vec<u8>, BoxError>,
{
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let size = self.size;
        let lost = |what: String| {
            Error::InvalidTile(format!("tile arithmetic lost {what} at size {size}"))
        };
        let mut tiles: Vec<Tile> = Vec::new();
        let mut position: HashMap<Tile, usize> = HashMap::new();

        // The tiles that give the root: checked against the trusted root.
        let mut root_indexes = Vec::new();
        subtree_indexes(0, size, &mut root_indexes);
        let mut root_tiles = Vec::with_capacity(root_indexes.len());
        for &x in &root_indexes {
            let t = tile_parent(&Tile::for_stored_index(x), 0, size)
                .ok_or_else(|| lost(format!("the tile of root hash {x}")))?;
            root_tiles.push(plan(&mut tiles, &mut position, t));
        }
        let checked_by_root = tiles.len();

        // The tiles of the requested hashes and, above each, the tiles up to one already planned:
        // each checked against its parent, parents planned (and checked) first.
        let stored = stored_hash_count(size);
        let mut answer_tiles = Vec::with_capacity(indexes.len());
        for &x in indexes {
            if x >= stored {
                return Err(Error::HashNotStored { index: x, stored });
            }
            let t = Tile::for_stored_index(x);
            let mut k = 0u8;
            let mut at = loop {
                let p = tile_parent(&t, k, size)
                    .ok_or_else(|| lost(format!("a parent of stored hash {x}")))?;
                if let Some(&j) = position.get(&p) {
                    break j;
                }
                k += 1;
            };
            for k in (0..k).rev() {
                let p = tile_parent(&t, k, size)
                    .ok_or_else(|| lost(format!("a parent of stored hash {x}")))?;
                if p.is_partial() {
                    return Err(lost(format!("{}, a partial tile below another", p.path())));
                }
                at = plan(&mut tiles, &mut position, p);
            }
            answer_tiles.push(at);
        }

        let data = tiles
            .iter()
            .map(|t| self.get(t))
            .collect::<Result<Vec<_>, _>>()?;

        let mut root: Option<Hash> = None;
        for (&x, &j) in root_indexes.iter().zip(&root_tiles).rev() {
            let h = hash_from_tile(&tiles[j], &data[j], x)?;
            root = Some(match root {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
        }
        let root = root.unwrap_or(crate::hash::EMPTY_ROOT);
        if root != self.root {
            let paths: Vec<String> = tiles[..checked_by_root].iter().map(Tile::path).collect();
            return Err(Error::InconsistentTile {
                path: paths.join(", "),
                reason: format!("they give root {root}, the checkpoint says {}", self.root),
            });
        }
        for i in checked_by_root..tiles.len() {
            let t = &tiles[i];
            let p = tile_parent(t, 1, size)
                .ok_or_else(|| lost(format!("the parent of {}", t.path())))?;
            let j = *position
                .get(&p)
                .ok_or_else(|| lost(format!("the parent of {}", t.path())))?;
            let want = hash_from_tile(
                &p,
                &data[j],
                stored_hash_index(TILE_HEIGHT * u32::from(p.level), t.n),
            )?;
            let got = full_tile_root(t, &data[i])?;
            if got != want {
                return Err(Error::InconsistentTile {
                    path: t.path(),
                    reason: format!("its hashes give {got}, {} says {want}", p.path()),
                });
            }
        }

        indexes
            .iter()
            .zip(&answer_tiles)
            .map(|(&x, &j)| hash_from_tile(&tiles[j], &data[j], x))
            .collect()
    }
}
