//! The ledger's questions to its tree: roots, inclusion and consistency proofs, tiles and entry
//! bundles, for durable sizes only.

use progress_ledger_tlog::tile::{self, Bundle, Tile};
use progress_ledger_tlog::{self as tlog, Hash as TreeHash};

use super::{FILE_NAME, FileReader, TreeOpened, event_hashes};
use crate::error::{Error, Result};
use crate::store::Ledger;

/// The Merkle tree of the log: roots, proofs and tiles, for durable sizes only.
impl Ledger {
    fn tree_reader(&self, size: u64) -> Result<FileReader<'_>> {
        let len = self.len();
        if size > len {
            return Err(Error::BeyondLog(format!(
                "tree size {size} is beyond the log's {len} durable events"
            )));
        }
        self.inner.tree.reader(size)
    }

    /// Why the Merkle tree cannot be read, if it cannot: the log is damaged, `tree.bin` could
    /// not be written or was found damaged since the ledger was opened (it is rebuilt at the
    /// next opening), or, opened read-only, it does not cover the log.
    pub fn tree_problem(&self) -> Option<String> {
        self.inner.tree.problem()
    }

    /// What opening did with `tree.bin`, when it did more than catch up: which part was rebuilt
    /// from the log, and why.
    pub fn tree_rebuilt(&self) -> Option<String> {
        match &self.inner.tree_opened {
            TreeOpened::Rebuilt { kept, reason } => Some(format!(
                "{FILE_NAME} was rebuilt from the log after leaf {kept}: {reason}"
            )),
            _ => None,
        }
    }

    /// The root of the Merkle tree of the first `size` events (RFC 6962 §2.1; leaf `n` is the
    /// leaf hash of event `n + 1`'s hash). `size` must not exceed [`Ledger::len`].
    pub fn tree_root(&self, size: u64) -> Result<TreeHash> {
        let cached = *self
            .inner
            .tree
            .last_root
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((at, root)) = cached {
            if at == size && size <= self.len() {
                return Ok(root);
            }
        }
        let root = tlog::tree_hash(size, &self.tree_reader(size)?)?;
        *self
            .inner
            .tree
            .last_root
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((size, root));
        Ok(root)
    }

    /// The tree of every durable event: its size ([`Ledger::len`]) and root.
    pub fn tree_head(&self) -> Result<(u64, TreeHash)> {
        let size = self.len();
        Ok((size, self.tree_root(size)?))
    }

    /// The inclusion proof (RFC 6962 §2.1.1 audit path) of event `seq` in the tree of the first
    /// `size` events: leaf index `seq - 1`, whose entry is the event's hash.
    pub fn prove_inclusion(&self, seq: u64, size: u64) -> Result<Vec<TreeHash>> {
        if seq == 0 || seq > size {
            return Err(Error::NotInTree(format!(
                "event {seq} is not in the tree of size {size}"
            )));
        }
        Ok(tlog::prove_record(size, seq - 1, &self.tree_reader(size)?)?)
    }

    /// The consistency proof (RFC 6962 §2.1.2) that the tree of the first `to` events extends
    /// the tree of the first `from`; needs `0 < from ≤ to ≤` [`Ledger::len`].
    pub fn prove_consistency(&self, from: u64, to: u64) -> Result<Vec<TreeHash>> {
        if from == 0 || from > to {
            return Err(Error::NotInTree(format!(
                "no consistency proof from size {from} to size {to}: it needs 0 < from ≤ to"
            )));
        }
        Ok(tlog::prove_tree(to, from, &self.tree_reader(to)?)?)
    }

    /// The contents of a C2SP tlog-tiles hash tile (its hashes, concatenated), if the durable
    /// tree has all of them.
    pub fn tile(&self, tile: &Tile) -> Result<Vec<u8>> {
        let covered = tile_leaves(tile)?;
        self.check_covered(covered, &tile.path())?;
        Ok(tile::read_tile_data(tile, &self.tree_reader(covered)?)?)
    }

    /// The contents of a C2SP tlog-tiles entry bundle: the entries (event hashes, 32 bytes
    /// each) of the leaves of the level-0 tile of the same number and width, each with its
    /// big-endian `u16` length.
    pub fn entry_bundle(&self, bundle: &Bundle) -> Result<Vec<u8>> {
        let covered = tile_leaves(&bundle.tile())?;
        self.check_covered(covered, &bundle.path())?;
        let first = bundle.first_index() + 1;
        let offset = self.offset_of(first)?;
        let hashes = event_hashes(&self.inner.log, offset, first, covered)?;
        Ok(tile::encode_bundle(
            &hashes.iter().map(|h| h.0).collect::<Vec<_>>(),
        )?)
    }

    fn check_covered(&self, covered: u64, path: &str) -> Result<()> {
        let len = self.len();
        if covered > len {
            return Err(Error::BeyondLog(format!(
                "{path} needs a tree of {covered} leaves; the log has {len} durable events"
            )));
        }
        Ok(())
    }
}

/// The number of leaves a tile's last hash ends at.
fn tile_leaves(tile: &Tile) -> Result<u64> {
    let per_hash = 1u64.checked_shl(8 * u32::from(tile.level()));
    tile.n()
        .checked_mul(256)
        .and_then(|hashes| hashes.checked_add(u64::from(tile.width())))
        .zip(per_hash)
        .and_then(|(hashes, per)| hashes.checked_mul(per))
        .ok_or_else(|| Error::NotInTree(format!("{} lies beyond any tree", tile.path())))
}
