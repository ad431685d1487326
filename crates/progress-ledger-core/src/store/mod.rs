//! The ledger: an append-only, hash-chained log of events in one sled tree.
//!
//! See [`keys`] for the layout. One append or batch is one `apply_batch` on one tree (atomic),
//! followed by a shared flush ([`commit`]) before it is acknowledged. Reads only ever see
//! durable events, so nothing a reader saw can vanish in a crash.

mod commit;
mod fsync;
mod keys;
mod snapshots;
mod subscribe;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::clock::MonotonicClock;
use crate::codec;
use crate::error::{Error, Result};
use crate::event::{Event, Head, StreamId};

use commit::GroupCommit;
pub use subscribe::Subscription;
pub use write::{Appended, Pending};

/// How to open a ledger.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// Directory of the sled database (created if missing).
    pub path: PathBuf,
    /// Bytes of sled page cache. Set explicitly: sled's default is 1 GiB.
    pub cache_capacity: u64,
}

impl LedgerConfig {
    /// Default page cache: 64 MiB.
    pub const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

    /// A configuration with defaults for the database at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            cache_capacity: Self::DEFAULT_CACHE_CAPACITY,
        }
    }
}

/// Counters of work done since the ledger was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Events written (idempotent retries excluded).
    pub events_written: u64,
    /// Flushes (fsyncs) performed to make appends durable.
    pub flushes: u64,
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
    db: sled::Db,
    tree: sled::Tree,
    writer: Mutex<Writer>,
    commit: GroupCommit,
    fsync: fsync::Fsync,
}

/// State only the (single) writer touches, under `Inner::writer`.
struct Writer {
    head: Head,
    clock: MonotonicClock,
    versions: HashMap<StreamId, u64>,
    events_written: u64,
    /// Why writes are refused, if they are (damage found at open, or a failed write).
    refused: Option<Refusal>,
}

#[derive(Clone, Debug)]
enum Refusal {
    Poisoned,
    Damaged(String),
}

/// How long to wait for a database's file lock held by a handle that is still closing.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Opens the sled database, waiting briefly if its file lock is still held by a handle of this
/// process that is closing (sled releases it from a background thread after the last drop).
fn open_sled(config: &LedgerConfig) -> Result<sled::Db> {
    let started = Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_capacity)
            // Every append flushes before it is acknowledged, so sled's background flusher adds
            // nothing; without it, fewer threads outlive the last handle.
            .flush_every_ms(None)
            .open();
        match opened {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return Ok(other?),
        }
    }
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        Self::open_with(LedgerConfig::new(path.as_ref()))
    }

    /// Opens (or creates) a ledger.
    ///
    /// A ledger whose stored head and last event disagree opens for reading (so that it can be
    /// verified and exported) but refuses appends.
    pub fn open_with(config: LedgerConfig) -> Result<Ledger> {
        let db = open_sled(&config)?;
        let tree = db.open_tree("ledger")?;
        let fsync = fsync::Fsync::open(&config.path)?;

        let stored_head = tree.get(keys::HEAD)?.and_then(|v| keys::parse_head(&v));
        let (last, refused) = match Self::last_event(&tree) {
            Ok(last) => {
                let head = last.as_ref().map_or(Head::EMPTY, Event::head);
                let refused = match stored_head {
                    Some(stored) if stored != head => Some(Refusal::Damaged(format!(
                        "the stored head is seq {} but the last event is seq {}",
                        stored.seq, head.seq
                    ))),
                    None if head.seq != 0 => Some(Refusal::Damaged(
                        "events are stored but no head is recorded".into(),
                    )),
                    _ => None,
                };
                (last, refused)
            }
            Err(damage) => (None, Some(Refusal::Damaged(damage.to_string()))),
        };
        // A damaged ledger is opened for reading up to the recorded head; appends are refused.
        let head = match (&last, stored_head) {
            (Some(event), _) => event.head(),
            (None, Some(stored)) => stored,
            (None, None) => Head::EMPTY,
        };

        let mut versions = HashMap::new();
        for entry in tree.scan_prefix([keys::VERSION]) {
            let (key, value) = entry?;
            let name = String::from_utf8_lossy(&key[1..]).into_owned();
            if let (Ok(stream), Some(version)) = (StreamId::new(name), keys::u64_value(&value)) {
                versions.insert(stream, version);
            }
        }

        let writer = Writer {
            head,
            clock: MonotonicClock::starting_after(last.map(|e| e.recorded_at)),
            versions,
            events_written: 0,
            refused,
        };
        Ok(Ledger {
            inner: Arc::new(Inner {
                path: config.path,
                db,
                tree,
                writer: Mutex::new(writer),
                commit: GroupCommit::starting_at(head.seq),
                fsync,
            }),
        })
    }

    /// The last stored event, decoded.
    fn last_event(tree: &sled::Tree) -> Result<Option<Event>> {
        let Some(entry) = tree.scan_prefix([keys::LOG]).next_back() else {
            return Ok(None);
        };
        let (key, value) = entry?;
        let seq = keys::log_seq(&key).unwrap_or(0);
        Self::decode_at(seq, &value).map(Some)
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        // The writer state is only changed after a write succeeded, in plain assignments, so a
        // poisoned lock (a panic elsewhere while holding it) leaves it consistent.
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Flushes sled's buffers, then `fsync`s its files (see `fsync.rs`).
    fn flush(&self) -> Result<()> {
        self.inner.db.flush()?;
        self.inner.fsync.sync()
    }

    /// Directory of the database.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The last durable event's (seq, hash); [`Head::EMPTY`] for an empty ledger.
    pub fn head(&self) -> Result<Head> {
        let durable = self.inner.commit.durable();
        if durable == 0 {
            return Ok(Head::EMPTY);
        }
        let event = self.get(durable)?.ok_or(Error::Corrupt {
            seq: durable,
            reason: "the event at the head is missing".into(),
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
        self.writer().versions.get(stream).copied().unwrap_or(0)
    }

    /// Every stream with at least one event, and its version.
    pub fn streams(&self) -> Vec<(StreamId, u64)> {
        let mut all: Vec<_> = self
            .writer()
            .versions
            .iter()
            .map(|(s, v)| (s.clone(), *v))
            .collect();
        all.sort();
        all
    }

    /// Counters since open.
    pub fn stats(&self) -> Stats {
        Stats {
            events_written: self.writer().events_written,
            flushes: self.inner.commit.flushes(),
        }
    }

    fn decode_at(seq: u64, bytes: &[u8]) -> Result<Event> {
        let event = codec::decode(bytes).map_err(|e| Error::Corrupt {
            seq,
            reason: e.to_string(),
        })?;
        if event.seq != seq {
            return Err(Error::Corrupt {
                seq,
                reason: format!("the event stored there says seq {}", event.seq),
            });
        }
        Ok(event)
    }

    /// Decodes one entry of a scan over the log's `L` keys.
    fn decode_entry(entry: sled::Result<(sled::IVec, sled::IVec)>) -> Result<Event> {
        let (key, value) = entry?;
        Self::decode_at(keys::log_seq(&key).unwrap_or(0), &value)
    }

    /// The event at `seq`, if it exists and is durable.
    pub fn get(&self, seq: u64) -> Result<Option<Event>> {
        if seq == 0 || seq > self.inner.commit.durable() {
            return Ok(None);
        }
        match self.inner.tree.get(keys::log(seq))? {
            Some(bytes) => Self::decode_at(seq, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The event with id `id`, if it exists and is durable.
    pub fn get_by_id(&self, id: Uuid) -> Result<Option<Event>> {
        match self.inner.tree.get(keys::id(&id))? {
            Some(seq) => match keys::u64_value(&seq) {
                Some(seq) => self.get(seq),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Whether an event with this id is written (durable or about to be).
    pub fn contains_id(&self, id: Uuid) -> Result<bool> {
        Ok(self.inner.tree.contains_key(keys::id(&id))?)
    }

    /// Up to `limit` durable events with sequence numbers greater than `after`, oldest first.
    pub fn read_forward(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let durable = self.inner.commit.durable();
        if after >= durable {
            return Ok(Vec::new());
        }
        let range = keys::log(after.saturating_add(1))..=keys::log(durable);
        self.inner
            .tree
            .range(range)
            .take(limit)
            .map(Self::decode_entry)
            .collect()
    }

    /// Up to `limit` durable events with sequence numbers lower than `before`, newest first.
    /// `before = u64::MAX` starts at the head.
    pub fn read_backward(&self, before: u64, limit: usize) -> Result<Vec<Event>> {
        let last = self.inner.commit.durable().min(before.saturating_sub(1));
        if last == 0 {
            return Ok(Vec::new());
        }
        self.inner
            .tree
            .range(keys::log(1)..=keys::log(last))
            .rev()
            .take(limit)
            .map(Self::decode_entry)
            .collect()
    }

    /// Iterates over durable events from `from` (inclusive) to the current head, in order.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<Event>> + use<> {
        let durable = self.inner.commit.durable();
        let from = from.max(1);
        let entries = if from > durable {
            None
        } else {
            Some(self.inner.tree.range(keys::log(from)..=keys::log(durable)))
        };
        entries.into_iter().flatten().map(Self::decode_entry)
    }

    /// Up to `limit` events of one stream with versions greater than `after_version`, in order.
    pub fn read_stream(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let start = keys::stream_event(stream, after_version.saturating_add(1));
        let end = keys::stream_event(stream, u64::MAX);
        let mut out = Vec::new();
        for entry in self.inner.tree.range(start..=end) {
            if out.len() >= limit {
                break;
            }
            let (_, seq) = entry?;
            let Some(seq) = keys::u64_value(&seq) else {
                continue;
            };
            match self.get(seq)? {
                Some(event) => out.push(event),
                None => break, // not durable yet
            }
        }
        Ok(out)
    }

    /// A live subscription: it yields every durable event after `after`, then follows new
    /// appends as they become durable, without gaps or duplicates.
    pub fn subscribe(&self, after: u64) -> Subscription {
        Subscription::new(self.clone(), after)
    }

    /// Flushes and wakes every subscriber; later calls on clones still work.
    pub fn close(&self) -> Result<()> {
        self.flush()?;
        self.inner.commit.wake_all();
        Ok(())
    }

    /// The raw stored entries of the log, for verification: (key seq, stored bytes), in key order.
    pub(crate) fn raw_log(&self) -> impl Iterator<Item = Result<(u64, sled::IVec)>> + use<> {
        self.inner.tree.scan_prefix([keys::LOG]).map(|entry| {
            let (key, value) = entry?;
            Ok((keys::log_seq(&key).unwrap_or(0), value))
        })
    }

    /// The head recorded beside the log at the last append.
    pub(crate) fn stored_head(&self) -> Result<Option<Head>> {
        Ok(self
            .inner
            .tree
            .get(keys::HEAD)?
            .and_then(|v| keys::parse_head(&v)))
    }
}
