//! The Merkle tree over the log (RFC 6962 §2.1), derived from it like the index, with every
//! stored hash kept on disk in `tree.bin` so that roots, proofs and tiles at any size read
//! O(log n) hashes instead of the whole log.
//!
//! Leaf `n` (from 0) is the event of seq `n + 1`; its entry is the event's 32-byte hash, so its
//! leaf hash is `SHA-256(0x00 ‖ event hash)` (see `docs/format.md` for why not the canonical
//! bytes). The stored hashes follow the layout of Go's `sumdb/tlog` (see
//! [`progress_ledger_tlog::tree`]): appending leaf `n` stores its leaf hash, then the hash of
//! every subtree it completes. `tree.bin` holds them in that order, one 36-byte record each:
//! the hash, then the CRC32C of the record's stored-hash index (u64, little-endian) and the hash.
//!
//! Each flush computes the hashes of the events it makes durable (two SHA-256 per event on
//! average, from the peaks the tree writer keeps in memory) outside the writer lock, after the
//! log's sync, and writes them to the file before it marks the events durable, so that every
//! durable event's hashes are in the file.
//! The file is never synced: it is derived. Opening checks every record's checksum and the last
//! leaf against the log's event, keeps the matching prefix, and catches up or rebuilds the rest
//! from the log. Proofs and tiles are given for durable sizes only.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use progress_ledger_tlog::{
    self as tlog, HASH_SIZE, Hash as TreeHash, HashReader, leaf_hash, node_hash, stored_hash_count,
    stored_hash_index,
};

use super::index::Index;
use super::io::{FileIo, Files};
use super::log::{Frames, LogFile};
use crate::codec;
use crate::error::{Error, Result};
use crate::event::Head;
use crate::hash::Hash;

mod queries;

/// Name of the tree file inside the ledger directory.
pub(crate) const FILE_NAME: &str = "tree.bin";

/// Bytes of one record of `tree.bin`: a hash and its CRC32C.
const RECORD: usize = HASH_SIZE + 4;

/// Records checked per read when the file is scanned at open.
const SCAN_RECORDS: usize = 32 * 1024;

/// The CRC32C of a record: over its stored-hash index (u64, little-endian) and its hash, so
/// that a record moved to another place fails too.
fn record_crc(index: u64, hash: &[u8; HASH_SIZE]) -> u32 {
    // One call over both: opening checks every record, and at this size the call is the cost.
    let mut bytes = [0u8; 8 + HASH_SIZE];
    bytes[..8].copy_from_slice(&index.to_le_bytes());
    bytes[8..].copy_from_slice(hash);
    crc32c::crc32c(&bytes)
}

/// The leaf hash of an event: `SHA-256(0x00 ‖ event hash)`.
pub(crate) fn event_leaf(hash: &Hash) -> TreeHash {
    leaf_hash(&hash.0)
}

/// The writing side of the tree, used by one flush at a time: the leaves added so far, the
/// peaks to continue from, and the records not yet written to `tree.bin`.
#[derive(Debug, Default)]
pub(super) struct TreeWriter {
    leaves: u64,
    /// Records stored so far: `stored_hash_count(leaves)`.
    stored: u64,
    /// Roots of the perfect subtrees covering the leaves, largest first (one per 1 bit of
    /// `leaves`).
    peaks: Vec<TreeHash>,
    /// Records not yet in the file; the first is record number `stored - pending / RECORD`.
    pending: Vec<u8>,
}

impl TreeWriter {
    fn starting_at(leaves: u64, peaks: Vec<TreeHash>) -> Self {
        Self {
            leaves,
            stored: stored_hash_count(leaves),
            peaks,
            pending: Vec::new(),
        }
    }

    /// Appends the leaf of the event whose hash is `hash`: its leaf hash and the hash of every
    /// subtree it completes, bottom up (the order of Go's `tlog.StoredHashes`).
    pub(super) fn push(&mut self, hash: &Hash) {
        let mut h = event_leaf(hash);
        self.record(&h);
        let mut n = self.leaves;
        while n & 1 == 1 {
            if let Some(left) = self.peaks.pop() {
                h = node_hash(&left, &h);
                self.record(&h);
            }
            n >>= 1;
        }
        self.peaks.push(h);
        self.leaves += 1;
    }

    fn record(&mut self, hash: &TreeHash) {
        self.pending.extend_from_slice(&hash.0);
        self.pending
            .extend_from_slice(&record_crc(self.stored, &hash.0).to_le_bytes());
        self.stored += 1;
    }

    /// Leaves stored so far.
    #[cfg(test)]
    pub(super) fn leaves(&self) -> u64 {
        self.leaves
    }
}

/// The readers' side of the tree: `tree.bin`, how much of it is written, and why the tree is
/// unavailable if it is.
#[derive(Debug)]
pub(super) struct TreeFile {
    file: Option<Arc<dyn FileIo>>,
    /// Records in the file.
    written: AtomicU64,
    /// Why the tree cannot be read, if it cannot (set for good until the ledger is reopened).
    broken: Mutex<Option<String>>,
    /// The last root computed, by size: the root of the head is asked for by every query.
    last_root: Mutex<Option<(u64, TreeHash)>>,
}

impl TreeFile {
    fn unavailable(reason: String) -> Self {
        Self {
            file: None,
            written: AtomicU64::new(0),
            broken: Mutex::new(Some(reason)),
            last_root: Mutex::new(None),
        }
    }

    fn broken(&self) -> MutexGuard<'_, Option<String>> {
        self.broken.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn break_with(&self, reason: String) {
        self.broken().get_or_insert(reason);
    }

    /// Why the tree cannot be read, if it cannot.
    pub(super) fn problem(&self) -> Option<String> {
        self.broken().clone()
    }

    /// Writes the writer's pending records at the end of the file. Derived data: a failure
    /// makes the tree unavailable until the ledger is reopened (which rebuilds it), nothing else.
    pub(super) fn write(&self, writer: &mut TreeWriter) {
        if writer.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut writer.pending);
        let Some(file) = &self.file else {
            return;
        };
        if self.broken().is_some() {
            return;
        }
        let records = (pending.len() / RECORD) as u64;
        let first = writer.stored - records;
        match file.write_all_at(&pending, first * RECORD as u64) {
            Ok(()) => self.written.store(writer.stored, Ordering::Release),
            Err(e) => self.break_with(format!(
                "writing {FILE_NAME} failed ({e}); it is rebuilt when the ledger is next opened"
            )),
        }
        // Keep the buffer's capacity for the next write.
        let mut pending = pending;
        pending.clear();
        writer.pending = pending;
    }

    /// A reader of the stored hashes of a tree of `size` leaves.
    fn reader(&self, size: u64) -> Result<FileReader<'_>> {
        if let Some(reason) = self.problem() {
            return Err(Error::TreeUnavailable(reason));
        }
        let Some(file) = &self.file else {
            return Err(Error::TreeUnavailable(format!("{FILE_NAME} is not open")));
        };
        let written = self.written.load(Ordering::Acquire);
        if stored_hash_count(size) > written {
            return Err(Error::TreeUnavailable(format!(
                "{FILE_NAME} holds {written} hashes, fewer than the {} of a tree of size {size}",
                stored_hash_count(size)
            )));
        }
        Ok(FileReader {
            tree: self,
            file: &**file,
            written,
        })
    }
}

/// Reads stored hashes from `tree.bin`, checking each record's checksum; a bad one makes the
/// tree unavailable until the ledger is reopened.
struct FileReader<'a> {
    tree: &'a TreeFile,
    file: &'a dyn FileIo,
    written: u64,
}

impl FileReader<'_> {
    fn read_range(&self, first: u64, count: usize) -> std::result::Result<Vec<u8>, tlog::Error> {
        let mut buf = vec![0u8; count * RECORD];
        let mut done = 0;
        while done < buf.len() {
            match self
                .file
                .read_at(&mut buf[done..], first * RECORD as u64 + done as u64)
            {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(tlog::Error::read(e)),
            }
        }
        if done < buf.len() {
            return Err(self.damaged(first + (done / RECORD) as u64, "the file ends before it"));
        }
        Ok(buf)
    }

    fn damaged(&self, index: u64, why: &str) -> tlog::Error {
        let reason = format!(
            "{FILE_NAME} is damaged at stored hash {index} ({why}); it is rebuilt when the \
             ledger is next opened"
        );
        self.tree.break_with(reason.clone());
        tlog::Error::read(reason)
    }

    fn parse(&self, index: u64, record: &[u8]) -> std::result::Result<TreeHash, tlog::Error> {
        let mut hash = [0u8; HASH_SIZE];
        hash.copy_from_slice(&record[..HASH_SIZE]);
        let mut crc = [0u8; 4];
        crc.copy_from_slice(&record[HASH_SIZE..RECORD]);
        if u32::from_le_bytes(crc) != record_crc(index, &hash) {
            return Err(self.damaged(index, "its checksum does not match"));
        }
        Ok(TreeHash(hash))
    }
}

impl HashReader for FileReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> std::result::Result<Vec<TreeHash>, tlog::Error> {
        let (Some(&lo), Some(&hi)) = (indexes.iter().min(), indexes.iter().max()) else {
            return Ok(Vec::new());
        };
        if hi >= self.written {
            return Err(tlog::Error::HashNotStored {
                index: hi,
                stored: self.written,
            });
        }
        let span = usize::try_from(hi - lo + 1).unwrap_or(usize::MAX);
        if span <= 4 * indexes.len() + 64 {
            // Close together (a tile's hashes): one read.
            let buf = self.read_range(lo, span)?;
            indexes
                .iter()
                .map(|&i| {
                    let at = (i - lo) as usize * RECORD;
                    self.parse(i, &buf[at..at + RECORD])
                })
                .collect()
        } else {
            indexes
                .iter()
                .map(|&i| self.parse(i, &self.read_range(i, 1)?))
                .collect()
        }
    }
}

/// Offset of event `seq`'s frame, from the index.
fn offset_of(index: &Index, seq: u64) -> Result<u64> {
    index.offset(seq)?.ok_or(Error::Corrupt {
        seq,
        kind: crate::verify::ProblemKind::Missing,
    })
}

/// The hashes of the events `from..=to`, read from the log, the frame of `from` at `offset`.
fn event_hashes(log: &Arc<LogFile>, offset: u64, from: u64, to: u64) -> Result<Vec<Hash>> {
    if from > to {
        return Ok(Vec::new());
    }
    let mut frames = Frames::new(Arc::clone(log), offset, u64::MAX);
    let mut hashes = Vec::with_capacity(usize::try_from(to - from + 1).unwrap_or(0));
    for seq in from..=to {
        let (_, stored) = frames.next_frame().map_err(|e| e.at(seq))?;
        let (_, hash) = codec::split_stored(stored).ok_or(Error::Corrupt {
            seq,
            kind: crate::verify::ProblemKind::Truncated,
        })?;
        hashes.push(hash);
    }
    Ok(hashes)
}

/// What opening found of `tree.bin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TreeOpened {
    /// It matched the log; so many leaves were added from the log.
    CaughtUp(u64),
    /// It was rebuilt from the log (from leaf `from` on): why.
    Rebuilt {
        /// Leaves kept from the file.
        kept: u64,
        /// Why the rest was rebuilt.
        reason: String,
    },
    /// The tree is not available in this opening: why.
    Unavailable(String),
    /// `tree.bin` holds whole records of more leaves than the log has durable events: the log
    /// lost events that were durable (see [`open`]). The file is left as it is.
    AheadOfLog {
        /// Leaves the file holds.
        leaves: u64,
    },
}

/// Opens `tree.bin` for a log whose durable events are `1..=head.seq` (indexed in `index`):
/// keeps the prefix of whole records whose last leaf matches the log, and stores the leaves of
/// the rest from the log. A damaged log gets no tree; a read-only opening uses the file only
/// if it covers the whole log.
///
/// Records are written only after the log's sync, so whole records of more leaves than the
/// log has durable events mean that the log lost events that were durable (it was cut,
/// removed or replaced since), or that the file is another log's: that is
/// [`TreeOpened::AheadOfLog`], the tree unavailable and the file untouched, so that the
/// ledger opens as damaged.
pub(super) fn open(
    files: &dyn Files,
    dir: &Path,
    log: &Arc<LogFile>,
    index: &Index,
    head: Head,
    damaged: bool,
    read_only: bool,
) -> Result<(TreeFile, TreeWriter, TreeOpened)> {
    if damaged {
        let reason = "the log is damaged; the tree is not built".to_owned();
        return Ok(unavailable(reason));
    }
    let path = dir.join(FILE_NAME);
    let file = if read_only {
        match files.open_read_only(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let reason =
                    format!("{FILE_NAME} is missing; open the ledger for writing to rebuild it");
                return Ok(unavailable(reason));
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        files.open(&path)?
    };
    let (good, bad) = scan(&*file)?;
    let whole = leaves_within(good);
    if whole > head.seq {
        let reason = format!(
            "{FILE_NAME} holds the leaves of {whole} events and the log {}",
            head.seq
        );
        let (file, writer, _) = unavailable(reason);
        return Ok((file, writer, TreeOpened::AheadOfLog { leaves: whole }));
    }
    // The largest tree whose stored hashes are all whole (no larger than the log).
    let mut leaves = whole;
    let mut reason = bad;
    if leaves > 0 {
        let stored = read_record(&*file, stored_hash_index(0, leaves - 1))?;
        let event = event_hashes(log, offset_of(index, leaves)?, leaves, leaves)?;
        if event.first().map(event_leaf) != Some(stored) {
            reason = Some(format!(
                "its leaf {} is not the leaf of event {leaves} of the log",
                leaves - 1
            ));
            leaves = 0;
        }
    }
    if reason.is_none() && good == 0 && head.seq > 0 {
        reason = Some("it was missing or empty".to_owned());
    }
    if read_only && leaves < head.seq {
        let why = reason.unwrap_or_else(|| format!("it covers {leaves} of {} events", head.seq));
        return Ok(unavailable(format!(
            "{FILE_NAME} does not match the log ({why}); open the ledger for writing to rebuild it"
        )));
    }
    let peaks = read_peaks(&*file, leaves)?;
    let mut writer = TreeWriter::starting_at(leaves, peaks);
    if !read_only {
        // Drop whatever follows the kept prefix: records of events the log does not have, or
        // a damaged or foreign rest.
        file.set_len(writer.stored * RECORD as u64)?;
    }
    let tree = TreeFile {
        file: Some(file),
        written: AtomicU64::new(writer.stored),
        broken: Mutex::new(None),
        last_root: Mutex::new(None),
    };
    let kept = leaves;
    let mut next = leaves + 1;
    while next <= head.seq {
        let to = head.seq.min(next + 99_999);
        for hash in event_hashes(log, offset_of(index, next)?, next, to)? {
            writer.push(&hash);
        }
        tree.write(&mut writer);
        next = to + 1;
    }
    if let Some(problem) = tree.problem() {
        return Err(Error::TreeUnavailable(problem));
    }
    let opened = match reason {
        Some(reason) => TreeOpened::Rebuilt { kept, reason },
        None => TreeOpened::CaughtUp(head.seq - kept),
    };
    Ok((tree, writer, opened))
}

pub(super) fn unavailable(reason: String) -> (TreeFile, TreeWriter, TreeOpened) {
    (
        TreeFile::unavailable(reason.clone()),
        TreeWriter::default(),
        TreeOpened::Unavailable(reason),
    )
}

/// The number of whole records from the start of the file whose checksums match, and why the
/// scan stopped before the end, if it did.
fn scan(file: &dyn FileIo) -> Result<(u64, Option<String>)> {
    let len = file.size()?;
    let records = len / RECORD as u64;
    let mut buf = vec![0u8; SCAN_RECORDS * RECORD];
    let mut index = 0;
    while index < records {
        let count = (records - index).min(SCAN_RECORDS as u64) as usize;
        let chunk = &mut buf[..count * RECORD];
        let got = super::log::read_full(file, index * RECORD as u64, chunk)?;
        for record in chunk[..got - got % RECORD].chunks_exact(RECORD) {
            let mut hash = [0u8; HASH_SIZE];
            hash.copy_from_slice(&record[..HASH_SIZE]);
            let mut crc = [0u8; 4];
            crc.copy_from_slice(&record[HASH_SIZE..]);
            if u32::from_le_bytes(crc) != record_crc(index, &hash) {
                return Ok((
                    index,
                    Some(format!("stored hash {index} fails its checksum")),
                ));
            }
            index += 1;
        }
        if got < chunk.len() {
            break;
        }
    }
    let rest = (len % RECORD as u64 != 0).then(|| "it ends inside a record".to_owned());
    Ok((index, rest))
}

/// The largest tree size whose stored hashes are among the first `records`.
fn leaves_within(records: u64) -> u64 {
    // stored_hash_count grows with the size and is at least the size.
    let (mut lo, mut hi) = (0, records);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if stored_hash_count(mid) <= records {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

fn read_record(file: &dyn FileIo, index: u64) -> Result<TreeHash> {
    let mut record = [0u8; RECORD];
    let got = super::log::read_full(file, index * RECORD as u64, &mut record)?;
    let mut hash = [0u8; HASH_SIZE];
    hash.copy_from_slice(&record[..HASH_SIZE]);
    if got < RECORD {
        return Err(Error::TreeUnavailable(format!(
            "{FILE_NAME} ends before stored hash {index}"
        )));
    }
    Ok(TreeHash(hash))
}

/// The roots of the perfect subtrees of a tree of `leaves` leaves, largest first.
fn read_peaks(file: &dyn FileIo, leaves: u64) -> Result<Vec<TreeHash>> {
    let mut peaks = Vec::new();
    let mut lo = 0u64;
    for level in (0..64u32).rev() {
        if leaves >> level & 1 == 1 {
            peaks.push(read_record(file, stored_hash_index(level, lo >> level))?);
            lo += 1 << level;
        }
    }
    Ok(peaks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The format: CRC32C of the index (u64 LE) then the hash, as one stream of bytes. Pinned
    /// by a value computed apart (`crc32c_append` continuing the index's CRC over the hash,
    /// and a known record).
    #[test]
    fn a_record_checksum_covers_its_index_then_its_hash() {
        for index in [0u64, 1, 255, 1 << 40, u64::MAX] {
            let hash = Hash::of(&index.to_be_bytes()).0;
            let continued = crc32c::crc32c_append(crc32c::crc32c(&index.to_le_bytes()), &hash);
            assert_eq!(record_crc(index, &hash), continued);
        }
        assert_eq!(record_crc(0, &[0u8; HASH_SIZE]), crc32c::crc32c(&[0u8; 40]));
    }

    #[test]
    fn the_writer_stores_what_go_tlog_stores() {
        let mut writer = TreeWriter::default();
        let mut stored: Vec<TreeHash> = Vec::new();
        for n in 0..300u64 {
            let hash = Hash::of(&n.to_le_bytes());
            writer.push(&hash);
            stored.extend(tlog::stored_hashes(n, &hash.0, &stored).expect("in memory"));
            assert_eq!(writer.stored, stored.len() as u64);
        }
        let records: Vec<TreeHash> = writer
            .pending
            .chunks_exact(RECORD)
            .enumerate()
            .map(|(i, r)| {
                let mut h = [0u8; HASH_SIZE];
                h.copy_from_slice(&r[..HASH_SIZE]);
                let mut crc = [0u8; 4];
                crc.copy_from_slice(&r[HASH_SIZE..]);
                assert_eq!(u32::from_le_bytes(crc), record_crc(i as u64, &h));
                TreeHash(h)
            })
            .collect();
        assert_eq!(records, stored);
        assert_eq!(writer.leaves(), 300);
    }

    #[test]
    fn leaves_within_is_the_inverse_of_the_count() {
        for size in 0..2000u64 {
            let count = stored_hash_count(size);
            assert_eq!(leaves_within(count), size);
            if size > 0 {
                assert_eq!(leaves_within(count - 1), size - 1);
            }
        }
    }
}
