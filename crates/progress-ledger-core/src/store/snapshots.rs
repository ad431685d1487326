//! Projection snapshots (one file each, in `snapshot-parts/`) and tally checkpoints (a tree of
//! the sled database), kept beside the log, and lookups by time.
//!
//! Both are derived data: losing one costs a longer replay, never an event. They are written
//! without a flush of their own: a snapshot file is written beside its place and renamed into
//! it, sled writes checkpoints out in the background and at close. A snapshot file carries a
//! checksum; one that does not match reads as empty bytes, which the tracker does not use.
//!
//! Snapshots are files and not sled values because sled 0.34 keeps a whole leaf in its cache,
//! whatever its size and whatever the cache's capacity: a tree of snapshot parts of some MiB
//! each stayed in memory after opening (200 MiB at ten million events).

use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::Ledger;
use crate::error::Result;

/// Key of a snapshot taken at `seq`: the seq, big-endian, so that key order is seq order.
fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The seq of a snapshot key.
fn key_seq(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

/// Name of the sled tree where earlier builds kept projection snapshots (moved to files at
/// open).
const SNAPSHOTS: &str = "snapshots";
/// Name of the tree of tally checkpoints.
const TALLIES: &str = "tallies";
/// Directory of the snapshot files, in the ledger's directory.
pub(crate) const PARTS_DIR: &str = "snapshot-parts";
/// First bytes of a snapshot file.
const PART_MAGIC: &[u8; 8] = b"PLSNAP\x00\x01";
/// Ending of a snapshot file's name.
const PART_EXTENSION: &str = "part";

/// The file of the snapshot taken at `seq`: the seq in 20 decimal digits, so that name order
/// is seq order.
fn part_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.{PART_EXTENSION}"))
}

/// The seq of a snapshot file's name; `None` for any other name.
fn part_seq(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(PART_EXTENSION)?.strip_suffix('.')?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A snapshot file's bytes: magic ‖ bytes ‖ CRC32C(magic ‖ bytes) (u32 LE).
fn sealed_part(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PART_MAGIC.len() + bytes.len() + 4);
    out.extend_from_slice(PART_MAGIC);
    out.extend_from_slice(bytes);
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A snapshot file as read: the bytes it holds, or none if its magic or checksum does not
/// match. Keeps the file's own buffer (no copy of the bytes).
pub(crate) struct PartBytes {
    file: Vec<u8>,
    body: std::ops::Range<usize>,
}

impl PartBytes {
    fn opened(file: Vec<u8>) -> PartBytes {
        let body = Self::checked_body(&file).unwrap_or_default();
        PartBytes { file, body }
    }

    fn checked_body(file: &[u8]) -> Option<std::ops::Range<usize>> {
        let body_len = file.len().checked_sub(4)?;
        let crc = u32::from_le_bytes(file.get(body_len..)?.try_into().ok()?);
        let sealed = file.get(..body_len)?;
        (sealed.starts_with(PART_MAGIC) && crc32c::crc32c(sealed) == crc)
            .then_some(PART_MAGIC.len()..body_len)
    }
}

impl AsRef<[u8]> for PartBytes {
    /// The bytes the file holds; empty if it is damaged.
    fn as_ref(&self) -> &[u8] {
        self.file.get(self.body.clone()).unwrap_or_default()
    }
}

/// Writes a snapshot file: beside its place, then renamed into it (no flush).
fn write_part(dir: &Path, seq: u64, bytes: &[u8]) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = part_path(dir, seq);
    let partial = path.with_extension("partial");
    std::fs::write(&partial, sealed_part(bytes))?;
    std::fs::rename(&partial, &path)
}

/// The entries of `dir`; none if there is no such directory.
fn entries(dir: &Path) -> io::Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The snapshot files of a directory, listed once: walking a chain of parts reads several of
/// them without listing the directory for each.
pub(crate) struct SnapshotFiles {
    dir: PathBuf,
    /// Ascending.
    seqs: Vec<u64>,
}

impl SnapshotFiles {
    /// Lists the snapshot files in `dir` (none if there is no such directory). Needs no open
    /// ledger: the tracker reads the snapshots while the ledger opens.
    pub(crate) fn list(dir: &Path) -> io::Result<SnapshotFiles> {
        let mut seqs: Vec<u64> = entries(dir)?
            .iter()
            .filter_map(|entry| entry.file_name().to_str().and_then(part_seq))
            .collect();
        seqs.sort_unstable();
        Ok(SnapshotFiles {
            dir: dir.to_owned(),
            seqs,
        })
    }

    /// No snapshot files (a ledger opened read-only keeps none).
    fn none() -> SnapshotFiles {
        SnapshotFiles {
            dir: PathBuf::new(),
            seqs: Vec::new(),
        }
    }

    /// The newest snapshot taken at or before `seq`: its seq and its file, whose bytes are
    /// empty if it is damaged. A file removed since the listing is passed over.
    pub(crate) fn at_or_before(&self, seq: u64) -> Result<Option<(u64, PartBytes)>> {
        let listed = self.seqs.partition_point(|&at| at <= seq);
        for &found in self.seqs[..listed].iter().rev() {
            match std::fs::read(part_path(&self.dir, found)) {
                Ok(file) => return Ok(Some((found, PartBytes::opened(file)))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }
}

/// Removes the `.partial` files a crash left in `dir` (a snapshot file being written).
pub(super) fn remove_partial_parts(dir: &Path) -> io::Result<()> {
    for entry in entries(dir)? {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "partial") {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

/// Moves the snapshots an earlier build kept in the sled tree `snapshots` to files in `dir`,
/// then drops the tree. Files already there are kept.
pub(super) fn move_snapshots_to_files(db: &sled::Db, dir: &Path) -> Result<()> {
    if !db
        .tree_names()
        .iter()
        .any(|name| name == SNAPSHOTS.as_bytes())
    {
        return Ok(());
    }
    let tree = db.open_tree(SNAPSHOTS)?;
    for entry in tree.iter() {
        let (key, value) = entry?;
        if let Some(seq) = key_seq(&key) {
            if !part_path(dir, seq).exists() {
                write_part(dir, seq, &value)?;
            }
        }
    }
    drop(tree);
    db.drop_tree(SNAPSHOTS)?;
    Ok(())
}

impl Ledger {
    /// A tree of the snapshots' database; `None` in a ledger opened read-only, which has none.
    fn derived_tree(&self, name: &str) -> Result<Option<sled::Tree>> {
        match &self.inner.db {
            Some(db) => Ok(Some(db.open_tree(name)?)),
            None => Ok(None),
        }
    }

    /// Whether snapshots and tally checkpoints are kept (not in a ledger opened read-only).
    pub(crate) fn keeps_derived(&self) -> bool {
        self.inner.db.is_some()
    }

    fn put_derived(&self, name: &str, seq: u64, bytes: &[u8]) -> Result<()> {
        if let Some(tree) = self.derived_tree(name)? {
            tree.insert(seq_key(seq), bytes)?;
        }
        Ok(())
    }

    fn derived_at_or_before(&self, name: &str, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        let Some(tree) = self.derived_tree(name)? else {
            return Ok(None);
        };
        match tree.range(..=seq_key(seq)).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(key_seq(&key).map(|at| (at, value.to_vec())))
            }
            None => Ok(None),
        }
    }

    fn derived_seqs(&self, name: &str) -> Result<Vec<u64>> {
        let Some(tree) = self.derived_tree(name)? else {
            return Ok(Vec::new());
        };
        tree.iter()
            .keys()
            .map(|key| Ok(key_seq(&key?).unwrap_or(0)))
            .collect()
    }

    /// The snapshot files, listed now (none in a ledger opened read-only, which keeps none).
    pub(crate) fn snapshot_files(&self) -> Result<SnapshotFiles> {
        if !self.keeps_derived() {
            return Ok(SnapshotFiles::none());
        }
        Ok(SnapshotFiles::list(&self.inner.path.join(PARTS_DIR))?)
    }

    /// Stores an opaque snapshot of state folded up to `seq`, in place of any taken at `seq`
    /// before (nothing in a ledger opened read-only).
    pub fn put_snapshot(&self, seq: u64, bytes: &[u8]) -> Result<()> {
        if self.keeps_derived() {
            write_part(&self.inner.path.join(PARTS_DIR), seq, bytes)?;
        }
        Ok(())
    }

    /// The newest snapshot taken at or before `seq`: (its seq, its bytes). The bytes are empty
    /// if its file is damaged (its checksum does not match).
    pub fn snapshot_at_or_before(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        let found = self.snapshot_files()?.at_or_before(seq)?;
        Ok(found.map(|(at, bytes)| (at, bytes.as_ref().to_vec())))
    }

    /// Sequence numbers of every stored snapshot, ascending.
    pub fn snapshot_seqs(&self) -> Result<Vec<u64>> {
        Ok(self.snapshot_files()?.seqs)
    }

    /// Stores an opaque tally checkpoint of state folded up to `seq` (nothing in a ledger
    /// opened read-only).
    pub fn put_tallies(&self, seq: u64, bytes: &[u8]) -> Result<()> {
        self.put_derived(TALLIES, seq, bytes)
    }

    /// The newest tally checkpoint taken at or before `seq`: (its seq, its bytes).
    pub fn tallies_at_or_before(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        self.derived_at_or_before(TALLIES, seq)
    }

    /// Sequence numbers of every stored tally checkpoint (sled reads every checkpoint to list
    /// them, and keeps what it read in its cache).
    pub fn tallies_seqs(&self) -> Result<Vec<u64>> {
        self.derived_seqs(TALLIES)
    }

    /// Removes the tally checkpoints taken after `seq`.
    pub fn remove_tallies_after(&self, seq: u64) -> Result<()> {
        if let Some(tree) = self.derived_tree(TALLIES)? {
            let after: Vec<_> = tree
                .range(seq_key(seq.saturating_add(1))..)
                .keys()
                .collect::<std::result::Result<_, _>>()?;
            for key in after {
                tree.remove(key)?;
            }
        }
        Ok(())
    }

    /// The last durable event recorded at or before `time` (0 if none): recorded-at strictly
    /// increases with the sequence number, so this is a binary search.
    pub fn seq_recorded_by(&self, time: Timestamp) -> Result<u64> {
        let (mut low, mut high) = (0u64, self.len());
        // Invariant: event `low` (or the empty start) was recorded by `time`; events after
        // `high` were not.
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            let recorded = self.get(mid)?.map(|e| e.recorded_at);
            if recorded.is_some_and(|r| r <= time) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Ok(low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_finds_the_newest_file_at_or_before_and_passes_over_removed_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        for seq in [10, 20, 30] {
            write_part(dir.path(), seq, &seq.to_le_bytes()).expect("write");
        }
        let files = SnapshotFiles::list(dir.path()).expect("list");
        std::fs::remove_file(part_path(dir.path(), 20)).expect("remove");
        let found = |seq| {
            let found = files.at_or_before(seq).expect("read");
            found.map(|(at, bytes)| (at, bytes.as_ref().to_vec()))
        };
        assert_eq!(found(9), None);
        assert_eq!(found(25), Some((10, 10u64.to_le_bytes().to_vec())));
        assert_eq!(found(u64::MAX), Some((30, 30u64.to_le_bytes().to_vec())));
    }

    #[test]
    fn a_damaged_file_reads_as_no_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_part(dir.path(), 7, b"projection").expect("write");
        let path = part_path(dir.path(), 7);
        let mut file = std::fs::read(&path).expect("read");
        file[PART_MAGIC.len() + 2] ^= 1;
        std::fs::write(&path, &file).expect("damage");
        let files = SnapshotFiles::list(dir.path()).expect("list");
        let (at, bytes) = files.at_or_before(7).expect("read").expect("found");
        assert_eq!((at, bytes.as_ref()), (7, &b""[..]));
        std::fs::write(&path, &file[..3]).expect("cut");
        let (_, bytes) = files.at_or_before(7).expect("read").expect("found");
        assert!(bytes.as_ref().is_empty());
    }
}
