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

use std::fmt;

use crate::Error;
use crate::hash::{HASH_SIZE, Hash, leaf_hash, node_hash};
use crate::tree::{
    HashReader, MAX_TREE_SIZE, read_exact, split_stored_hash_index, stored_hash_index,
};

mod reader;
pub use reader::TileHashReader;

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

#[cfg(test)]
mod tests;
