//! C2SP tiles (<https://c2sp.org/tlog-tiles>): the tree served as static files.
//!
//! A *hash tile* at level `L`, number `N` holds up to 256 consecutive hashes at tree level `8·L`:
//! hashes `N·256 ..` of that level, each the root of `256^L` leaves. It is served at
//! `tile/<L>/<N>`, or `tile/<L>/<N>.p/<W>` while only `W < 256` of its hashes exist. An *entry
//! bundle* at `tile/entries/<N>[.p/<W>]` holds the entries behind the level-0 tile of the same
//! `N` and `W`, each as a big-endian `u16` length and the bytes. `N` is written in groups of three
//! digits, all but the last prefixed with `x`: 1234067 is `x001/x234/067`.
//!
//! [`TileHashReader`] reads hashes from tiles fetched by the caller — from a mirror, a
//! directory, a cache — and checks every tile against a trusted checkpoint first, so a mirror
//! that changes one byte of one tile is caught.

use std::collections::HashMap;
use std::fmt;

use crate::hash::{HASH_SIZE, Hash, leaf_hash, node_hash};
use crate::tree::{
    HashReader, MAX_TREE_SIZE, check_size, read_exact, split_stored_hash_index, stored_hash_count,
    stored_hash_index, subtree_indexes,
};
use crate::{BoxError, Error};

/// Tree levels per tile.
pub const TILE_HEIGHT: u32 = 8;

/// Hashes in a full tile (and entries in a full bundle): 2^8.
pub const TILE_WIDTH: u16 = 256;

/// The highest tile level a path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// The largest entry an entry bundle can carry: its length is a `u16`.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// A hash tile: level, number, width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    n: u64,
    width: u16,
}

/// An entry bundle: number and width, as the level-0 tile it goes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bundle {
    n: u64,
    width: u16,
}

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]`
    Entries(Bundle),
}

fn check_width(width: u16) -> Result<(), Error> {
    if width == 0 || width > TILE_WIDTH {
        return Err(Error::InvalidTile(format!(
            "width {width} is not between 1 and 256"
        )));
    }
    Ok(())
}

impl Tile {
    /// A tile at `level` (0–63), number `n`, with `width` hashes (1–256).
    pub fn new(level: u8, n: u64, width: u16) -> Result<Tile, Error> {
        if level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile(format!(
                "level {level} is above {MAX_TILE_LEVEL}"
            )));
        }
        check_width(width)?;
        Ok(Tile { level, n, width })
    }

    /// The level: the tile's hashes are at tree level `8 · level`.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The number of the tile within its level.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// How many hashes it holds.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether it holds fewer than 256 hashes.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// Its path, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, n_and_width(self.n, self.width))
    }

    /// The entry bundle of a level-0 tile; `None` above level 0.
    pub fn bundle(&self) -> Option<Bundle> {
        (self.level == 0).then_some(Bundle {
            n: self.n,
            width: self.width,
        })
    }

    /// The smallest tile that holds the hash stored at `index` (see
    /// [`crate::tree::stored_hash_index`]): hashes at tree levels between two tile levels are not
    /// in any tile but are computed from the tile below.
    pub fn for_stored_index(index: u64) -> Tile {
        tile_for_index(index).0
    }

    /// Leaves covered by one of this tile's hashes: 256^level.
    fn leaves_per_hash(&self) -> Option<u64> {
        1u64.checked_shl(TILE_HEIGHT * u32::from(self.level))
    }

    /// Whether the whole tile lies within [`MAX_TREE_SIZE`] leaves.
    fn check_in_range(&self) -> Result<(), Error> {
        let end = self
            .n
            .checked_mul(u64::from(TILE_WIDTH))
            .and_then(|x| x.checked_add(u64::from(self.width)))
            .zip(self.leaves_per_hash())
            .and_then(|(hashes, per)| hashes.checked_mul(per));
        match end {
            Some(leaves) if leaves <= MAX_TREE_SIZE => Ok(()),
            _ => Err(Error::InvalidTile(format!(
                "{} lies beyond {MAX_TREE_SIZE} leaves",
                self.path()
            ))),
        }
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

impl Bundle {
    /// The bundle number `n` with `width` entries (1–256).
    pub fn new(n: u64, width: u16) -> Result<Bundle, Error> {
        check_width(width)?;
        Ok(Bundle { n, width })
    }

    /// The number of the bundle.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// How many entries it holds.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Index of its first entry in the log: `n · 256`.
    pub fn first_index(&self) -> u64 {
        self.n.saturating_mul(u64::from(TILE_WIDTH))
    }

    /// Its path, `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/entries/{}", n_and_width(self.n, self.width))
    }

    /// The level-0 tile holding the leaf hashes of its entries.
    pub fn tile(&self) -> Tile {
        Tile {
            level: 0,
            n: self.n,
            width: self.width,
        }
    }
}

impl fmt::Display for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

impl TilePath {
    /// The path again.
    pub fn path(&self) -> String {
        match self {
            TilePath::Hashes(t) => t.path(),
            TilePath::Entries(b) => b.path(),
        }
    }
}

/// `x001/x234/067` for 1234067, then `.p/<W>` when partial.
fn n_and_width(n: u64, width: u16) -> String {
    let mut s = format!("{:03}", n % 1000);
    let mut m = n / 1000;
    while m > 0 {
        s = format!("x{:03}/{s}", m % 1000);
        m /= 1000;
    }
    if width < TILE_WIDTH {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

/// Parses a tile or entry bundle path, strictly: exactly the form the specification gives
/// (no leading zeros in the level or width, three-digit groups, no leading `x000` group).
pub fn parse_tile_path(path: &str) -> Result<TilePath, Error> {
    let bad = |reason: &str| Error::MalformedTilePath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = path
        .strip_prefix("tile/")
        .ok_or_else(|| bad("does not start with tile/"))?;
    let (kind, rest) = rest.split_once('/').ok_or_else(|| bad("no tile number"))?;
    let (digits, width) = match rest.rsplit_once(".p/") {
        Some((digits, w)) => {
            let w = decimal(w).ok_or_else(|| bad("partial width is not a decimal number"))?;
            match u16::try_from(w) {
                Ok(w) if (1..TILE_WIDTH).contains(&w) => (digits, w),
                _ => return Err(bad("partial width is not between 1 and 255")),
            }
        }
        None => (rest, TILE_WIDTH),
    };
    let groups: Vec<&str> = digits.split('/').collect();
    let mut n: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let g = if i + 1 < groups.len() {
            group
                .strip_prefix('x')
                .ok_or_else(|| bad("a group before the last lacks its x"))?
        } else {
            group
        };
        if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad("tile number groups must have three digits"));
        }
        let g: u64 = g
            .parse()
            .map_err(|_| bad("tile number groups must have three digits"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(g))
            .ok_or_else(|| bad("tile number does not fit in 64 bits"))?;
    }
    let parsed = if kind == "entries" {
        TilePath::Entries(Bundle { n, width })
    } else {
        let level = decimal(kind)
            .and_then(|l| u8::try_from(l).ok())
            .filter(|&l| l <= MAX_TILE_LEVEL)
            .ok_or_else(|| bad("level is not entries or a number from 0 to 63"))?;
        TilePath::Hashes(Tile { level, n, width })
    };
    if parsed.path() != path {
        return Err(bad("not in canonical form"));
    }
    Ok(parsed)
}

/// A decimal number without sign or leading zeros.
fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// The hash tiles a log publishes when it grows from `old_size` to `new_size` leaves: the tiles
/// that are new or wider, full ones first at each level. `tiles_for_size(0, n)` is every tile of a
/// tree of `n` leaves.
pub fn tiles_for_size(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let shift = TILE_HEIGHT * u32::from(level);
        let (Some(old_n), Some(new_n)) = (old_size.checked_shr(shift), new_size.checked_shr(shift))
        else {
            break;
        };
        if new_n == 0 {
            break;
        }
        if old_n >= new_n {
            continue;
        }
        for n in (old_n >> TILE_HEIGHT)..(new_n >> TILE_HEIGHT) {
            tiles.push(Tile {
                level,
                n,
                width: TILE_WIDTH,
            });
        }
        let n = new_n >> TILE_HEIGHT;
        let width = (new_n - (n << TILE_HEIGHT)) as u16;
        if width > 0 {
            tiles.push(Tile { level, n, width });
        }
    }
    tiles
}

/// The entry bundles a log publishes when it grows from `old_size` to `new_size` leaves.
pub fn bundles_for_size(old_size: u64, new_size: u64) -> Vec<Bundle> {
    tiles_for_size(old_size, new_size)
        .iter()
        .filter_map(Tile::bundle)
        .collect()
}

/// The contents of `tile` (its hashes, concatenated), from stored hashes.
pub fn read_tile_data(tile: &Tile, reader: &impl HashReader) -> Result<Vec<u8>, Error> {
    tile.check_in_range()?;
    let level = TILE_HEIGHT * u32::from(tile.level);
    let first = tile.n * u64::from(TILE_WIDTH);
    let indexes: Vec<u64> = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, first + i))
        .collect();
    let hashes = read_exact(reader, &indexes)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

/// The tile holding the hash stored at `index` with the least width, and the byte range of the
/// tile data the hash is computed from.
fn tile_for_index(index: u64) -> (Tile, usize, usize) {
    let (level, n) = split_stored_hash_index(index);
    let tile_level = level / TILE_HEIGHT;
    let within = level % TILE_HEIGHT; // tree levels above the tile's own
    let tile_n = (n << within) >> TILE_HEIGHT;
    let n_in_tile = n - ((tile_n << TILE_HEIGHT) >> within);
    let start = (n_in_tile << within) as usize;
    let end = ((n_in_tile + 1) << within) as usize;
    let tile = Tile {
        level: tile_level as u8,
        n: tile_n,
        width: end as u16,
    };
    (tile, start * HASH_SIZE, end * HASH_SIZE)
}

/// The hash stored at `index`, from the data of `tile`, which must be the tile that holds it
/// ([`Tile::for_stored_index`]) or a wider version of it.
pub fn hash_from_tile(tile: &Tile, data: &[u8], index: u64) -> Result<Hash, Error> {
    check_tile_data(tile, data)?;
    let (t, start, end) = tile_for_index(index);
    if t.level != tile.level || t.n != tile.n || t.width > tile.width {
        return Err(Error::InvalidTile(format!(
            "stored hash {index} is in {}, not in {}",
            t.path(),
            tile.path()
        )));
    }
    Ok(perfect_root(&data[start..end]))
}

fn check_tile_data(tile: &Tile, data: &[u8]) -> Result<(), Error> {
    let want = usize::from(tile.width) * HASH_SIZE;
    if data.len() != want {
        return Err(Error::InconsistentTile {
            path: tile.path(),
            reason: format!("{} bytes, expected {want}", data.len()),
        });
    }
    Ok(())
}

/// The root of a perfect subtree given its 2^k bottom hashes, concatenated.
fn perfect_root(data: &[u8]) -> Hash {
    let mut level: Vec<Hash> = data
        .chunks_exact(HASH_SIZE)
        .map(|c| {
            let mut h = [0u8; HASH_SIZE];
            h.copy_from_slice(c);
            Hash(h)
        })
        .collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| {
                if p.len() == 2 {
                    node_hash(&p[0], &p[1])
                } else {
                    p[0]
                }
            })
            .collect();
    }
    level.first().copied().unwrap_or(crate::hash::EMPTY_ROOT)
}

/// The root of a full tile's 256 hashes: the hash its parent tile holds for it.
pub fn full_tile_root(tile: &Tile, data: &[u8]) -> Result<Hash, Error> {
    check_tile_data(tile, data)?;
    if tile.is_partial() {
        return Err(Error::InvalidTile(format!(
            "{} is partial: partial tiles have no hash in the level above",
            tile.path()
        )));
    }
    Ok(perfect_root(data))
}

/// Encodes entries as an entry bundle: each a big-endian `u16` length and the bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| 2 + e.as_ref().len()).sum());
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| Error::EntryTooLarge { len: e.len() })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries. Truncated lengths or entries are errors.
pub fn decode_bundle(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut entries = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (len, tail) = match rest {
            [hi, lo, tail @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), tail),
            _ => {
                return Err(Error::MalformedBundle(format!(
                    "entry {} has a truncated length",
                    entries.len()
                )));
            }
        };
        if tail.len() < len {
            return Err(Error::MalformedBundle(format!(
                "entry {} has {len} bytes but only {} remain",
                entries.len(),
                tail.len()
            )));
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    Ok(entries)
}

/// Decodes `bundle`'s data and checks it against the data of its level-0 tile: as many entries
/// as the width, each hashing to its leaf hash. Returns the entries.
pub fn check_bundle<'d>(
    bundle: &Bundle,
    data: &'d [u8],
    tile_data: &[u8],
) -> Result<Vec<&'d [u8]>, Error> {
    let tile = bundle.tile();
    check_tile_data(&tile, tile_data)?;
    let entries = decode_bundle(data).map_err(|e| Error::InconsistentTile {
        path: bundle.path(),
        reason: e.to_string(),
    })?;
    if entries.len() != usize::from(bundle.width) {
        return Err(Error::InconsistentTile {
            path: bundle.path(),
            reason: format!("{} entries, expected {}", entries.len(), bundle.width),
        });
    }
    for (i, (entry, want)) in entries
        .iter()
        .zip(tile_data.chunks_exact(HASH_SIZE))
        .enumerate()
    {
        let got = leaf_hash(entry);
        if got.0 != want {
            return Err(Error::InconsistentTile {
                path: bundle.path(),
                reason: format!(
                    "entry {} (leaf {}) hashes to {got}, {} says {}",
                    i,
                    bundle.first_index() + i as u64,
                    tile.path(),
                    Hash::from_slice(want)
                        .map(|h| h.to_hex())
                        .unwrap_or_default()
                ),
            });
        }
    }
    Ok(entries)
}

/// The tile `k` levels above `t` as it stands in a tree of `size` leaves (its width then), or
/// `None` if it holds no hash yet.
fn tile_parent(t: &Tile, k: u8, size: u64) -> Option<Tile> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
