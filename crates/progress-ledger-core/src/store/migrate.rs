//! Opening a ledger written in an earlier storage layout: its events are copied into a log file
//! of this layout, and the old files are moved aside, never deleted.
//!
//! - Layout 1 kept the events in a sled tree (`ledger`, keys `L` ‖ seq) directly in the ledger
//!   directory. Its files move to `layout-1/`.
//! - Layout 2 kept them in `events.log` as frames without checksums (`len` u32 ‖ `flags` u8 ‖
//!   stored event) and no magic, with `index.bin` beside it. Both move to `layout-2/`. As the
//!   build that wrote it would on opening, only whole batches up to the first frame that does
//!   not follow the chain are copied; what follows is left out and reported.
//!
//! Every copied event must follow the one before (see [`crate::chain`]); a layout-1 chain that
//! breaks, or a layout-2 log that does not reach the head its saved index records, is not
//! migrated: the error says where and how. The new log is written beside the old one and
//! renamed into place only once it is complete and synced.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::log::{self, BATCH_END, DURABLE_BEFORE};
use super::{SetAside, index};
use crate::chain::Chain;
use crate::error::{Error, Result};
use crate::event::Head;
use crate::hash::Hash;
use crate::verify::{Problem, ProblemKind};

/// The files sled 0.34 keeps in its directory.
const SLED_FILES: [&str; 3] = ["conf", "db", "blobs"];

/// Whether `dir` holds a layout-1 ledger that has not been migrated.
pub(super) fn is_layout_1(dir: &Path) -> bool {
    dir.join("db").is_file() && dir.join("conf").is_file() && !dir.join(log::FILE_NAME).exists()
}

/// Writes a new log file of this layout from stored events, one batch at a time.
struct NewLog {
    partial: PathBuf,
    out: std::io::BufWriter<File>,
    chain: Chain,
    frame: Vec<u8>,
    /// The last event of the last batch written.
    written: Head,
}

impl NewLog {
    fn create(dir: &Path) -> Result<Self> {
        let partial = dir.join("events.log.migrating");
        let mut out = std::io::BufWriter::new(File::create(&partial)?);
        out.write_all(log::MAGIC)?;
        Ok(Self {
            partial,
            out,
            chain: Chain::new(),
            frame: Vec::new(),
            written: Head::EMPTY,
        })
    }

    /// Checks that `stored` follows the chain and adds its frame, the last of its batch if
    /// `batch_end`. The first frame of every batch is marked durable-before: the whole new log
    /// is synced before it is used.
    fn push(&mut self, stored: &[u8], batch_end: bool) -> Result<(), ProblemKind> {
        self.chain.follow_stored(stored)?;
        let mut flags = 0;
        if self.frame.is_empty() {
            flags |= DURABLE_BEFORE;
        }
        if batch_end {
            flags |= BATCH_END;
        }
        log::push_frame(&mut self.frame, stored, flags);
        Ok(())
    }

    /// Writes the frames pushed since the last call (a whole batch).
    fn write_batch(&mut self) -> Result<()> {
        self.out.write_all(&self.frame)?;
        self.frame.clear();
        self.written = self.chain.head();
        Ok(())
    }

    /// Syncs the new log and renames it into place as `events.log`.
    fn finish(self, dir: &Path) -> Result<()> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| Error::Io(e.into_error()))?;
        file.sync_all()?;
        std::fs::rename(&self.partial, dir.join(log::FILE_NAME))?;
        File::open(dir)?.sync_all()?;
        Ok(())
    }

    /// Removes the unfinished new log.
    fn abandon(self) -> Result<()> {
        drop(self.out);
        std::fs::remove_file(&self.partial)?;
        Ok(())
    }
}

/// Copies the events of the layout-1 ledger in `dir` into a log file, then moves the old files
/// aside.
pub(super) fn from_layout_1(dir: &Path) -> Result<()> {
    let mut new = NewLog::create(dir)?;
    {
        let db = super::open::open_sled(&sled::Config::new().path(dir), dir, dir)?;
        let tree = db.open_tree("ledger")?;
        for entry in tree.scan_prefix(b"L") {
            let (key, stored) = entry?;
            let seq = new.chain.head().seq + 1;
            let followed = if key[1..] == seq.to_be_bytes() {
                new.push(&stored, true)
            } else {
                Err(ProblemKind::Missing)
            };
            if let Err(kind) = followed {
                drop(tree);
                drop(db);
                new.abandon()?;
                return Err(refused(1, Problem { seq, kind }));
            }
            new.write_batch()?;
        }
    }
    new.finish(dir)?;
    let aside = dir.join("layout-1");
    std::fs::create_dir_all(&aside)?;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let text = name.to_string_lossy();
        if SLED_FILES.contains(&text.as_ref()) || text.starts_with("snap.") {
            std::fs::rename(dir.join(&name), aside.join(&name))?;
        }
    }
    File::open(dir)?.sync_all()?;
    Ok(())
}

fn refused(layout: u32, problem: Problem) -> Error {
    Error::Damaged(format!(
        "cannot migrate this ledger from storage layout {layout}: {problem}; verify and export \
         it with the version that wrote it"
    ))
}

/// Bytes of a layout-2 frame header: `len` (u32) ‖ `flags` (u8).
const V2_HEADER: usize = 5;

/// The head a layout-2 `index.bin` records, if there is a sound one.
fn layout_2_index_head(dir: &Path) -> Option<Head> {
    let bytes = std::fs::read(dir.join(index::FILE_NAME)).ok()?;
    let body = bytes.strip_prefix(b"PLINDEX1")?;
    let (body, hash) = body.split_at(body.len().checked_sub(32)?);
    if Hash::of(body).0 != hash {
        return None;
    }
    // bincode 1 (fixed-width little-endian): head_seq u64, then head_hash [u8; 32].
    let seq = u64::from_le_bytes(*body.first_chunk::<8>()?);
    let hash: [u8; 32] = body.get(8..40)?.try_into().ok()?;
    Some(Head {
        seq,
        hash: Hash(hash),
    })
}

/// Reads the next layout-2 frame: its flags and stored event; `None` at a zero length, at the
/// end of the file, or where the file ends inside the frame.
fn next_layout_2_frame(old: &mut impl Read) -> Result<Option<(u8, Vec<u8>)>> {
    let mut header = [0u8; V2_HEADER];
    if !read_whole(old, &mut header)? {
        return Ok(None);
    }
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    if len == 0 || u64::from(len) > crate::codec::MAX_EVENT_BYTES {
        return Ok(None);
    }
    let mut stored = vec![0u8; len as usize];
    if !read_whole(old, &mut stored)? {
        return Ok(None);
    }
    Ok(Some((header[4], stored)))
}

/// Fills `buf`; false if the file ends first.
fn read_whole(old: &mut impl Read, buf: &mut [u8]) -> Result<bool> {
    match old.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Copies the whole batches of the layout-2 log in `dir` into a log file of this layout, then
/// moves the old log and index to `layout-2/`. Returns what was left out, if anything: the
/// bytes from the end of the last whole batch that follows the chain.
pub(super) fn from_layout_2(dir: &Path) -> Result<Option<SetAside>> {
    let old_path = dir.join(log::FILE_NAME);
    let aside = dir.join("layout-2");
    std::fs::create_dir_all(&aside)?;
    let kept = aside.join(log::FILE_NAME);
    // The old bytes are kept first, so that a crash during the migration loses nothing.
    std::fs::copy(&old_path, &kept)?;
    File::open(&kept)?.sync_all()?;
    File::open(&aside)?.sync_all()?;

    let mut old = std::io::BufReader::new(File::open(&kept)?);
    let mut new = NewLog::create(dir)?;
    let (mut at, mut batch_end_at) = (0u64, 0u64);
    while let Some((flags, stored)) = next_layout_2_frame(&mut old)? {
        let batch_end = flags & BATCH_END != 0;
        if flags & !BATCH_END != 0 || new.push(&stored, batch_end).is_err() {
            break;
        }
        at += (V2_HEADER + stored.len()) as u64;
        if batch_end {
            new.write_batch()?;
            batch_end_at = at;
        }
    }
    if let Some(recorded) = layout_2_index_head(dir) {
        if new.written.seq < recorded.seq {
            let seq = new.written.seq + 1;
            new.abandon()?;
            std::fs::remove_file(&kept)?;
            return Err(refused(
                2,
                Problem {
                    seq,
                    kind: ProblemKind::HeadMismatch { recorded },
                },
            ));
        }
    }
    new.finish(dir)?;
    if dir.join(index::FILE_NAME).exists() {
        std::fs::rename(dir.join(index::FILE_NAME), aside.join(index::FILE_NAME))?;
    }
    File::open(dir)?.sync_all()?;
    let last = last_nonzero(&kept)?;
    Ok((last > batch_end_at).then(|| SetAside {
        offset: batch_end_at,
        bytes: last - batch_end_at,
        file: Some(kept),
    }))
}

/// The end of the last byte of a file that is not zero (0 if there is none).
fn last_nonzero(path: &Path) -> Result<u64> {
    let mut file = std::io::BufReader::new(File::open(path)?);
    let (mut at, mut last) = (0u64, 0u64);
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let got = file.read(&mut buf)?;
        if got == 0 {
            return Ok(last);
        }
        if let Some(i) = buf[..got].iter().rposition(|&b| b != 0) {
            last = at + i as u64 + 1;
        }
        at += got as u64;
    }
}
