//! The ledger: an append-only, hash-chained log file of events, with an index derived from it.
//!
//! The log file ([`log`]) is the single source of truth: an append writes its events' frames with
//! one `write`, and a shared `fdatasync` ([`commit`]) makes them durable before anyone is told.
//! The [`index`] (offsets, ids, streams) is read where it lies in `index.bin`, saved beside the
//! log now and then, with the events since held in memory; opening ([`open`], [`recover`])
//! catches it up from the log, so it can be deleted and is rebuilt. sled keeps the projection
//! snapshots ([`snapshots`]). Readers only ever see durable events, so nothing a reader saw can
//! vanish in a crash. A failed write or sync is final: the ledger refuses appends until it is
//! reopened, so nothing refused can come back.

mod commit;
mod index;
pub mod io;
mod log;
mod migrate;
pub(crate) mod open;
mod recover;
mod runs;
mod snapshots;
mod streams;
mod subscribe;
mod tree;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Serialize;
use uuid::Uuid;

use crate::clock::MonotonicClock;
use crate::codec;
use crate::error::{Error, Result};
use crate::event::{Event, Head, StreamId};
use crate::hash::Hash;
use crate::verify::{Problem, ProblemKind};

use commit::GroupCommit;
pub(crate) use runs::RunFrames;
pub(crate) use snapshots::{PARTS_DIR, SnapshotFiles};
pub use subscribe::Subscription;
pub use write::{Appended, Pending};

/// How to open a ledger.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// Directory of the ledger (created if missing): the log file `events.log`, its saved
    /// index `index.bin`, its Merkle tree `tree.bin`, projection snapshots in
    /// `snapshot-parts/`, and the sled database of tally checkpoints in `snapshots/`.
    pub path: PathBuf,
    /// Bytes of sled page cache for the snapshots. Set explicitly: sled's default is 1 GiB.
    pub cache_capacity: u64,
    /// Open for reading and verification only: nothing is written, created, migrated or moved
    /// (a torn tail is reported, not set aside), and snapshots are not opened.
    pub read_only: bool,
    /// How the log and its saved index are read and written ([`io::OsFiles`]; tests inject
    /// faults here).
    pub files: Arc<dyn io::Files>,
    /// Save the index (in the background) when this many events were added since it was last
    /// saved (at least 1), and at close; opening saves it if it read this many events of the
    /// log.
    pub save_index_every: u64,
    /// Events of each run of the log whose events are copied, regrouped by stream, into a run
    /// file in the background once it is durable, so that a long stream reads a run at a time
    /// (see `docs/format.md`); 0 keeps no run files.
    pub events_per_run: u64,
}

impl LedgerConfig {
    /// Default page cache: 64 MiB.
    pub const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

    /// Default index saving interval.
    pub const DEFAULT_SAVE_INDEX_EVERY: u64 = 100_000;

    /// Default events of a run: a stream with one event in 200 has about 330 in each.
    pub const DEFAULT_EVENTS_PER_RUN: u64 = 65_536;

    /// A configuration with defaults for the ledger at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            cache_capacity: Self::DEFAULT_CACHE_CAPACITY,
            read_only: false,
            files: Arc::new(io::OsFiles),
            save_index_every: Self::DEFAULT_SAVE_INDEX_EVERY,
            events_per_run: Self::DEFAULT_EVENTS_PER_RUN,
        }
    }
}

/// Counters of work done since the ledger was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Events written (idempotent retries excluded).
    pub events_written: u64,
    /// Flushes (`fdatasync`s of the log) performed to make appends durable.
    pub flushes: u64,
    /// Run files in use (see [`LedgerConfig::events_per_run`]).
    pub runs: u64,
    /// Run files found wanting when read and set aside (renamed `<k>.run.damaged`; their
    /// events were read from the log, and the run is written again).
    pub runs_set_aside: u64,
}

/// Bytes found after the last whole batch when the ledger was opened: the last flush before a
/// crash, which may never have completed (see `docs/format.md`). They are moved out of the log
/// into a file beside it, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetAside {
    /// Offset in the log where they started.
    pub offset: u64,
    /// How many bytes.
    pub bytes: u64,
    /// The file they were moved to; `None` if the ledger was opened read-only and left them.
    pub file: Option<PathBuf>,
}

impl std::fmt::Display for SetAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes after the last whole batch, at offset {}",
            self.bytes, self.offset
        )?;
        match &self.file {
            Some(file) => write!(f, ", were set aside in {}", file.display()),
            None => write!(f, ", were left in place (opened read-only)"),
        }
    }
}

/// A handle to an open ledger. Cheap to clone; all clones share one database. Thread-safe.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

struct Inner {
    path: PathBuf,
    files: Arc<dyn io::Files>,
    /// The snapshots; none in a ledger opened read-only.
    db: Option<sled::Db>,
    log: Arc<log::LogFile>,
    /// The index and its saving, shared with the thread that saves it in the background.
    index: Arc<SharedIndex>,
    /// Save the index when this many events were added since it was last saved.
    save_index_every: u64,
    writer: Mutex<Writer>,
    commit: GroupCommit,
    /// Offset where the last durable event's frame ends.
    durable_end: AtomicU64,
    /// The damage found at open, if any.
    damage: Option<Problem>,
    /// A torn tail found at open, if there was one.
    set_aside: Option<SetAside>,
    /// The Merkle tree's file (`tree.bin`), for readers.
    tree: tree::TreeFile,
    /// The Merkle tree's leaves so far and its hashes not yet in `tree.bin`: added to by the
    /// flush, outside the writer lock.
    tree_writer: Mutex<tree::TreeWriter>,
    /// What opening did with `tree.bin`.
    tree_opened: tree::TreeOpened,
    /// The run files.
    runs: Arc<runs::Runs>,
    /// The thread writing run files, if one was started.
    runs_pass: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// The index, with how far it is saved in `index.bin`.
struct SharedIndex {
    index: RwLock<index::Index>,
    /// Sequence number up to which the index is saved in `index.bin`.
    saved: AtomicU64,
    /// Held while the index is saved, so that saves come one at a time.
    saving: Mutex<()>,
    /// Whether a thread saving the index in the background was started and has not finished.
    in_background: AtomicBool,
}

impl SharedIndex {
    fn new(index: index::Index, saved: u64) -> Self {
        SharedIndex {
            index: RwLock::new(index),
            saved: AtomicU64::new(saved),
            saving: Mutex::new(()),
            in_background: AtomicBool::new(false),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, index::Index> {
        // Only the writer changes the index, by whole pushes: a poisoned lock leaves it usable.
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, index::Index> {
        self.index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn saved(&self) -> u64 {
        self.saved.load(Ordering::Acquire)
    }

    /// Saves the index up to the durable `head` (whose frame ends at `end`) into `dir`,
    /// durably, unless it is saved that far already. Derived data: if this fails, the next open
    /// reads more of the log, nothing else, so the error is not passed on. The file is written
    /// outside the index's lock (appends and reads go on), one save at a time; the index
    /// switches to it under the lock.
    fn save(&self, files: &dyn io::Files, dir: &Path, head: Head, end: u64) {
        let _saving = self.saving.lock().unwrap_or_else(|p| p.into_inner());
        if head.seq <= self.saved() {
            return;
        }
        let to_save = self.read().to_save(head, end);
        if let Ok(saved) = to_save.write(files, dir) {
            self.write().switch_to(saved);
            self.saved.store(head.seq, Ordering::Release);
        }
    }
}

impl Inner {
    /// Stops the thread writing run files after the run it is writing, and waits for it.
    fn stop_writing_runs(&self) {
        self.runs.stop();
        let pass = self
            .runs_pass
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(pass) = pass {
            // A pass that panicked wrote nothing more: derived data, nothing to pass on.
            let _ = pass.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: save the index so that the next open need not read the log.
        // Frames written but never waited for were never acknowledged and are not written now;
        // after a failed write or sync nothing is written at all.
        // A save in the background finishes first (`SharedIndex::save` waits for it).
        let writer = self.writer.get_mut().unwrap_or_else(|p| p.into_inner());
        let (head, end) = (writer.head, writer.pending_at);
        if writer.refused.is_none()
            && !self.commit.failed()
            && writer.pending.is_empty()
            && self.commit.durable() >= head.seq
        {
            self.index.save(&*self.files, &self.path, head, end);
        }
        self.stop_writing_runs();
    }
}

/// State only the (single) writer touches, under `Inner::writer`.
struct Writer {
    head: Head,
    clock: MonotonicClock,
    events_written: u64,
    /// Frames appended but not yet written to the log file: the next flush writes them.
    pending: Vec<u8>,
    /// Offset of the log file where `pending` goes (everything before it is in the file).
    pending_at: u64,
    /// Bytes allocated to the log file (zero-filled past what is written).
    allocated: u64,
    /// Why writes are refused, if they are.
    refused: Option<Refusal>,
    /// Hashes of the events stored whose leaves the next flush adds to the Merkle tree.
    tree_leaves: Vec<Hash>,
}

/// Why a ledger refuses appends.
#[derive(Clone, Debug)]
enum Refusal {
    /// A write or sync of the log failed: what the system said.
    Failed(String),
    /// Damage was found at open.
    Damaged(String),
    /// The ledger was opened read-only.
    ReadOnly,
}

impl Ledger {
    fn writer(&self) -> MutexGuard<'_, Writer> {
        // The writer state is only changed after a write succeeded, in plain assignments, so a
        // poisoned lock (a panic elsewhere while holding it) leaves it consistent.
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn index(&self) -> RwLockReadGuard<'_, index::Index> {
        self.inner.index.read()
    }

    fn index_mut(&self) -> RwLockWriteGuard<'_, index::Index> {
        self.inner.index.write()
    }

    /// Writes the pending frames to the log file (not synced). Called under the writer lock. The
    /// first frame is marked durable-before if everything before it is durable. A failure is
    /// final: the frames are dropped, and the ledger refuses appends until it is reopened.
    fn write_pending(&self, writer: &mut Writer) -> Result<()> {
        if writer.pending.is_empty() {
            return Ok(());
        }
        if let Some(refusal) = &writer.refused {
            return Err(write::refusal_error(refusal));
        }
        let at = writer.pending_at;
        if at == self.inner.durable_end.load(Ordering::Acquire) {
            log::add_flags(&mut writer.pending, log::DURABLE_BEFORE);
        }
        let written = self
            .inner
            .log
            .write_at(at, &writer.pending, &mut writer.allocated);
        if let Err(error) = written {
            // How much reached the file is unknown: a reopen finds where the log ends.
            let reason = format!("writing the log at offset {at} failed: {error}");
            writer.pending.clear();
            writer.refused = Some(Refusal::Failed(reason.clone()));
            self.inner.commit.fail(&reason);
            return Err(Error::OutcomeUnknown { reason });
        }
        writer.pending_at += writer.pending.len() as u64;
        writer.pending.clear();
        Ok(())
    }

    /// Writes every appended frame to the log file with one write, makes it durable with one
    /// `fdatasync`, and returns the last durable sequence number; saves the index now and then.
    /// Called by one group-commit leader at a time. A failed sync is final, as a failed write:
    /// the kernel may have dropped the pages it could not write, so a later sync that succeeds
    /// proves nothing.
    fn flush(&self) -> Result<u64> {
        let (head, end, leaves) = {
            let mut writer = self.writer();
            self.write_pending(&mut writer)?;
            let leaves = std::mem::take(&mut writer.tree_leaves);
            (writer.head, writer.pending_at, leaves)
        };
        if let Err(error) = self.sync_adding_leaves(&leaves) {
            let reason = format!("syncing the log failed: {error}");
            self.writer().refused = Some(Refusal::Failed(reason.clone()));
            self.inner.commit.fail(&reason);
            return Err(Error::OutcomeUnknown { reason });
        }
        self.inner.durable_end.store(end, Ordering::Release);
        if head.seq >= self.inner.index.saved() + self.inner.save_index_every {
            self.save_index_in_background(head, end);
        }
        let runs = &self.inner.runs;
        if runs.complete(head.seq) > runs.complete(self.inner.commit.durable()) {
            self.write_runs_in_background(head.seq);
        }
        Ok(head.seq)
    }

    /// Syncs the log and adds `leaves` to the Merkle tree, then writes the tree's new hashes to
    /// `tree.bin` (derived data: never synced), so that they are in the file before their events
    /// are durable. Outside the writer lock: appenders go on staging meanwhile.
    fn sync_adding_leaves(&self, leaves: &[Hash]) -> Result<()> {
        self.inner.log.sync()?;
        let mut tree = self
            .inner
            .tree_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        leaves.iter().for_each(|leaf| tree.push(leaf));
        self.inner.tree.write(&mut tree);
        Ok(())
    }

    /// Saves the index up to the durable `head`, durably (see [`SharedIndex::save`]); nothing
    /// in a damaged ledger.
    fn save_index(&self, head: Head, end: u64) {
        if self.inner.damage.is_none() {
            self.inner
                .index
                .save(&*self.inner.files, &self.inner.path, head, end);
        }
    }

    /// [`Ledger::save_index`] on a thread of its own, so that the appends whose flush passed
    /// the interval do not wait for it (a whole `index.bin` is written: 3 s at ten million
    /// events); nothing if one is running already (a later flush starts the next). The thread
    /// holds the index, not the ledger: the last handle's drop and [`Ledger::close`] wait for
    /// the save.
    fn save_index_in_background(&self, head: Head, end: u64) {
        if self.inner.damage.is_some()
            || self.inner.index.in_background.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let index = Arc::clone(&self.inner.index);
        let files = Arc::clone(&self.inner.files);
        let dir = self.inner.path.clone();
        let spawned = std::thread::Builder::new()
            .name("index-save".to_owned())
            .spawn(move || {
                index.save(&*files, &dir, head, end);
                index.in_background.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            // No thread to be had: this flush saves it.
            self.save_index(head, end);
            self.inner
                .index
                .in_background
                .store(false, Ordering::Release);
        }
    }

    /// Writes the run files missing within the first `durable` events on a thread of its own,
    /// unless one is at it: then that thread writes them too (see [`runs`]). Nothing in a
    /// ledger that refuses appends. The thread holds the log, the index and the runs, not the
    /// ledger: the last handle's drop and [`Ledger::close`] stop it after the run it is
    /// writing.
    fn write_runs_in_background(&self, durable: u64) {
        let inner = &self.inner;
        if self.refuses_writes() || !inner.runs.want(durable) {
            return;
        }
        let runs = Arc::clone(&inner.runs);
        let (log, index) = (Arc::clone(&inner.log), Arc::clone(&inner.index));
        // Each stream's frames in a range of seqs, the index's lock taken for one stream at a
        // time so that appends are not held up.
        let frames_between = move |after: u64, upto: u64| {
            let streams: Vec<StreamId> = index.read().versions().map(|(s, _)| s.clone()).collect();
            let mut found = Vec::new();
            for stream in streams {
                let frames = index.read().stream_frames_between(&stream, after, upto)?;
                if !frames.is_empty() {
                    found.push((stream, frames));
                }
            }
            Ok(found)
        };
        let spawned = std::thread::Builder::new()
            .name("runs-write".to_owned())
            .spawn(move || {
                while let Some(number) = runs.next_to_write() {
                    // Derived data: a run that cannot be written is read from the log, and
                    // tried again when the next run is due.
                    if runs.write(number, &frames_between, &log).is_err() {
                        runs.pass_ended();
                        return;
                    }
                }
            });
        match spawned {
            Ok(pass) => *inner.runs_pass.lock().unwrap_or_else(|p| p.into_inner()) = Some(pass),
            // No thread to be had: tried again when the next run is due.
            Err(_) => inner.runs.pass_ended(),
        }
    }

    /// Directory of the ledger.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The torn tail found when this ledger was opened, if there was one: the bytes after the
    /// last whole batch, and the file they were moved to.
    pub fn torn_tail(&self) -> Option<&SetAside> {
        self.inner.set_aside.as_ref()
    }

    /// Every file of bytes set aside from the log so far, by this opening or an earlier one
    /// (`torn-tail-at-<offset>.bin` beside the log), in name order.
    pub fn torn_tail_files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.inner.path)? {
            let name = entry?.file_name();
            if name.to_string_lossy().starts_with("torn-tail-at-") {
                files.push(self.inner.path.join(name));
            }
        }
        files.sort();
        Ok(files)
    }

    /// Why appends are refused, if they are: damage found at open, a failed write or sync since
    /// (until the ledger is reopened), or a read-only open.
    pub fn refusal(&self) -> Option<String> {
        if let Some(reason) = self.inner.commit.failure() {
            return Some(reason);
        }
        self.writer().refused.as_ref().map(|refusal| match refusal {
            Refusal::Failed(reason) => reason.clone(),
            Refusal::Damaged(reason) => reason.clone(),
            Refusal::ReadOnly => "the ledger was opened read-only".to_owned(),
        })
    }

    /// The last durable event's (seq, hash); [`Head::EMPTY`] for an empty ledger.
    pub fn head(&self) -> Result<Head> {
        let durable = self.inner.commit.durable();
        if durable == 0 {
            return Ok(Head::EMPTY);
        }
        let event = self.get(durable)?.ok_or(Error::Corrupt {
            seq: durable,
            kind: ProblemKind::Missing,
        })?;
        Ok(event.head())
    }

    /// Number of durable events (the sequence number of the last one).
    pub fn len(&self) -> u64 {
        self.inner.commit.durable()
    }

    /// Whether the ledger holds no durable event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Current version of a stream (0 if it has no events).
    pub fn stream_version(&self, stream: &StreamId) -> u64 {
        self.index().version(stream)
    }

    /// Every stream with at least one event, and its version.
    pub fn streams(&self) -> Vec<(StreamId, u64)> {
        let mut all: Vec<_> = self
            .index()
            .versions()
            .map(|(s, v)| (s.clone(), v))
            .collect();
        all.sort();
        all
    }

    /// Whether appends are refused: damage was found at open, a write or sync failed since,
    /// or the ledger was opened read-only.
    pub fn refuses_writes(&self) -> bool {
        self.inner.commit.failed() || self.writer().refused.is_some()
    }

    /// Counters since open.
    pub fn stats(&self) -> Stats {
        Stats {
            events_written: self.writer().events_written,
            flushes: self.inner.commit.flushes(),
            runs: self.inner.runs.kept_count(),
            runs_set_aside: self.inner.runs.set_aside_count(),
        }
    }

    fn decode_at(seq: u64, bytes: &[u8]) -> Result<Event> {
        let event = codec::decode(bytes).map_err(|e| Error::Corrupt {
            seq,
            kind: ProblemKind::Undecodable {
                reason: e.to_string(),
            },
        })?;
        if event.seq != seq {
            return Err(Error::Corrupt {
                seq,
                kind: ProblemKind::WrongSeq { stored: event.seq },
            });
        }
        Ok(event)
    }

    /// Offset of the frame of event `seq`, from the index.
    fn offset_of(&self, seq: u64) -> Result<u64> {
        // The index covers every durable event, so a durable seq it has no offset for cannot be
        // found in the log.
        self.index().offset(seq)?.ok_or(Error::Corrupt {
            seq,
            kind: ProblemKind::Missing,
        })
    }

    /// Reads and decodes the event `seq` whose frame starts at `offset`.
    fn read_at(&self, seq: u64, offset: u64) -> Result<Event> {
        let frame = self.inner.log.frame_at(offset).map_err(|e| e.at(seq))?;
        Self::decode_at(seq, &frame.stored)
    }

    /// The event at `seq`, if it exists and is durable.
    pub fn get(&self, seq: u64) -> Result<Option<Event>> {
        if seq == 0 || seq > self.inner.commit.durable() {
            return Ok(None);
        }
        let offset = self.offset_of(seq)?;
        self.read_at(seq, offset).map(Some)
    }

    /// The event with id `id`, if it exists and is durable.
    pub fn get_by_id(&self, id: Uuid) -> Result<Option<Event>> {
        let seq = self.index().seq_of(&id)?;
        match seq {
            Some(seq) => self.get(seq),
            None => Ok(None),
        }
    }

    /// Whether an event with this id is written (durable or about to be).
    pub fn contains_id(&self, id: Uuid) -> Result<bool> {
        Ok(self.index().seq_of(&id)?.is_some())
    }

    /// Up to `limit` durable events with sequence numbers greater than `after`, oldest first.
    pub fn read_forward(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.events_from(after.saturating_add(1))
            .take(limit)
            .collect()
    }

    /// Up to `limit` durable events with sequence numbers lower than `before`, newest first.
    /// `before = u64::MAX` starts at the head.
    pub fn read_backward(&self, before: u64, limit: usize) -> Result<Vec<Event>> {
        let last = self.inner.commit.durable().min(before.saturating_sub(1));
        if last == 0 || limit == 0 {
            return Ok(Vec::new());
        }
        let first = last.saturating_sub(limit as u64 - 1).max(1);
        let mut events = Vec::with_capacity((last - first + 1) as usize);
        for event in self.events_from(first).take((last - first + 1) as usize) {
            events.push(event?);
        }
        events.reverse();
        Ok(events)
    }

    /// Iterates over durable events from `from` (inclusive) to the current head, in order,
    /// reading the log file sequentially.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<Event>> + use<> {
        let durable = self.inner.commit.durable();
        let limit = self.inner.durable_end.load(Ordering::Acquire);
        let from = from.max(1);
        let start = if from > durable {
            Ok(None)
        } else if from == 1 {
            Ok(Some(log::START))
        } else {
            self.offset_of(from).map(Some)
        };
        LogScan {
            frames: start
                .as_ref()
                .ok()
                .copied()
                .flatten()
                .map(|offset| log::Frames::new(Arc::clone(&self.inner.log), offset, limit)),
            error: start.err(),
            next: from,
            last: durable,
        }
    }

    /// Waits until the ledger holds durable events beyond `seq`, for at most `timeout`, and
    /// returns the number of durable events then (`seq` or less on time-out).
    pub fn wait_beyond(&self, seq: u64, timeout: std::time::Duration) -> u64 {
        self.inner.commit.wait_beyond(seq, timeout)
    }

    /// A live subscription: it yields every durable event after `after`, then follows new
    /// appends as they become durable, without gaps or duplicates.
    pub fn subscribe(&self, after: u64) -> Subscription {
        Subscription::new(self.clone(), after)
    }

    /// Makes everything durable, saves the index (durably, so that the next open reads no
    /// log) and the snapshots, and wakes every subscriber; later calls on clones still work. A
    /// ledger that refuses appends writes nothing more.
    pub fn close(&self) -> Result<()> {
        if !self.refuses_writes() {
            self.sync()?;
            let (head, end) = {
                let writer = self.writer();
                (writer.head, writer.pending_at)
            };
            if head.seq > self.inner.index.saved() && head.seq <= self.len() {
                self.save_index(head, end);
            }
        }
        self.inner.stop_writing_runs();
        if let Some(db) = &self.inner.db {
            db.flush()?;
        }
        self.inner.commit.wake_all();
        Ok(())
    }

    /// The number of the run that holds `seq`, if the ledger keeps runs.
    pub(crate) fn run_of(&self, seq: u64) -> Option<u64> {
        self.inner.runs.number_of(seq)
    }

    /// Kept run file `number`'s frames, read into `bytes`, to compare with the log's events of
    /// its run; `None` if it is not kept.
    pub(crate) fn run_frames(&self, number: u64, bytes: Vec<u8>) -> Option<RunFrames> {
        self.inner.runs.frames(number, bytes)
    }

    /// Stops reading run file `number`, found not to hold the log's events, and, unless the
    /// ledger is open read-only, renames it aside (`<k>.run.damaged`) and writes it again.
    pub(crate) fn run_found_damaged(&self, number: u64) {
        let read_only = matches!(self.writer().refused, Some(Refusal::ReadOnly));
        self.inner.runs.forget(number, !read_only);
        if !read_only {
            self.write_runs_in_background(self.inner.commit.durable());
        }
    }

    /// The stored events of the log in order, for verification: every durable one, or, in a
    /// damaged ledger, every frame that can be read. Stops after the first unreadable frame.
    pub(crate) fn raw_log(&self) -> RawLog {
        RawLog {
            frames: log::Frames::new(
                Arc::clone(&self.inner.log),
                log::START,
                self.inner.durable_end.load(Ordering::Acquire),
            ),
            seq: 0,
            durable: self.inner.commit.durable(),
            done: false,
        }
    }

    /// Why the log did not match its index when the ledger was opened, if it did not.
    pub(crate) fn damage_found_at_open(&self) -> Option<&Problem> {
        self.inner.damage.as_ref()
    }
}

/// One position of the log, as read for verification.
pub(crate) enum Stored {
    /// Where the stored event's bytes were put.
    Bytes(std::ops::Range<usize>),
    /// Its frame cannot be read: why.
    Unreadable(ProblemKind),
}

/// The stored events of the log in order, for verification (see [`Ledger::raw_log`]).
pub(crate) struct RawLog {
    frames: log::Frames,
    /// The seq of the last position read.
    seq: u64,
    /// The last durable event's seq.
    durable: u64,
    /// Whether an unreadable frame was met.
    done: bool,
}

impl RawLog {
    /// The next position of the log, its stored bytes appended to `bytes`; `None` after the
    /// last durable event or the first frame that cannot be read.
    pub(crate) fn next_into(&mut self, bytes: &mut Vec<u8>) -> Option<Result<(u64, Stored)>> {
        if self.done || self.seq >= self.durable {
            return None;
        }
        self.seq += 1;
        let seq = self.seq;
        match self.frames.next_frame() {
            Ok((_, stored)) => {
                let from = bytes.len();
                bytes.extend_from_slice(stored);
                Some(Ok((seq, Stored::Bytes(from..bytes.len()))))
            }
            Err(e) => {
                self.done = true;
                Some(
                    e.problem()
                        .map(|kind| (seq, Stored::Unreadable(kind)))
                        .map_err(Error::from),
                )
            }
        }
    }
}

/// Decodes events one after another from the log file.
struct LogScan {
    frames: Option<log::Frames>,
    error: Option<Error>,
    next: u64,
    last: u64,
}

impl Iterator for LogScan {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        if let Some(error) = self.error.take() {
            self.next = u64::MAX;
            return Some(Err(error));
        }
        if self.next > self.last {
            return None;
        }
        let frames = self.frames.as_mut()?;
        let seq = self.next;
        let event = match frames.next_frame() {
            Ok((_, stored)) => Ledger::decode_at(seq, stored),
            Err(e) => Err(e.at(seq)),
        };
        self.next = if event.is_ok() { seq + 1 } else { u64::MAX };
        Some(event)
    }
}
