//! `runs/`: the log's events regrouped by stream, so that a long stream is read a run at a time
//! (one read for all its events in the run) instead of one read per event.
//!
//! The log is cut into runs of a fixed number of events ([`super::LedgerConfig::events_per_run`]):
//! run `k` holds seqs `k·n + 1 ..= (k + 1)·n`. Once a run is wholly durable, a background thread
//! writes `runs/<k>.run`: each stream's stored events of the run in the log's frames (flags
//! cleared, with their checksums), one stream after the other; then a header (bincode: the run's
//! size and number, the hash of its last event, and where each stream's frames are); then a
//! footer (the header's length as a u64, its CRC32C as a u32, the magic `PLRUNS01`).
//!
//! A run file is derived data: written beside its place and renamed into place, not synced (a
//! crash may leave it cut short or with zeros, which its checks find). It is used only if its
//! footer, header and the hash of its last event agree with the log (that hash commits to every
//! event before it). A read that finds a frame failing its checksum, or events that are not the
//! ones the index lists, sets the file aside (renamed `<k>.run.damaged`, counted in
//! [`super::Stats::runs_set_aside`]), and those events are read from the log instead; the run is
//! written again by the next background pass.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bincode::Options;
use serde::{Deserialize, Serialize};

use super::Ledger;
use super::io::Files;
use super::log::{self, LogFile};
use crate::error::{Error, Result};
use crate::event::{Event, StreamId};
use crate::hash::Hash;
use crate::verify::ProblemKind;

/// Folder of the run files inside the ledger directory.
pub(crate) const DIR: &str = "runs";
/// Last bytes of a run file, with its format version.
const MAGIC: &[u8; 8] = b"PLRUNS01";
/// Bytes of the footer: header length, header checksum, magic.
const FOOTER: usize = 8 + 4 + 8;
/// The longest header accepted: a damaged length must not ask for a huge buffer.
const MAX_HEADER: u64 = 64 << 20;

/// The header of a run file.
#[derive(Serialize, Deserialize)]
struct Header {
    /// Events of each run when it was written.
    events: u64,
    /// The run's number.
    number: u64,
    /// Hash of the run's last event.
    last: [u8; 32],
    /// Each stream of the run and where its frames are.
    streams: Vec<(StreamId, Place)>,
}

/// Where one stream's frames are in a run file.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Place {
    /// Offset of its first frame.
    at: u64,
    /// Bytes of its frames.
    len: u64,
}

/// The streams of one run file.
type Streams = HashMap<StreamId, Place>;

/// Each stream's events in a range of seqs, from the index: the seq and the offset of the
/// frame of each.
pub(super) type StreamFrames = Vec<(StreamId, Vec<(u64, u64)>)>;

/// The run files of a ledger: which are usable, and how to write and read them.
#[derive(Debug)]
pub(super) struct Runs {
    dir: PathBuf,
    files: Arc<dyn Files>,
    /// Events of each run; 0 when the ledger keeps no runs.
    events: u64,
    /// The usable runs by number.
    kept: RwLock<BTreeMap<u64, Arc<Streams>>>,
    /// Run files set aside since opening.
    set_aside: AtomicU64,
    /// What the background pass is to write.
    pass: Mutex<Pass>,
    /// Asks the pass to stop after the run it is writing.
    stop: AtomicBool,
}

/// The background pass writing run files.
#[derive(Debug, Default)]
struct Pass {
    /// Durable events it is to cover.
    durable: u64,
    /// Whether a thread is writing.
    running: bool,
}

impl Runs {
    /// The runs of the ledger in `ledger_dir`, `events` events each (0: none); none kept yet.
    pub(super) fn new(files: Arc<dyn Files>, ledger_dir: &Path, events: u64) -> Self {
        Runs {
            dir: ledger_dir.join(DIR),
            files,
            events,
            kept: RwLock::new(BTreeMap::new()),
            set_aside: AtomicU64::new(0),
            pass: Mutex::new(Pass::default()),
            stop: AtomicBool::new(false),
        }
    }

    fn pass(&self) -> MutexGuard<'_, Pass> {
        self.pass.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for the runs within the first `durable` events to be written. `true` if some are
    /// missing and no pass is running: the caller starts one (and calls [`Runs::pass_ended`]
    /// if it cannot).
    pub(super) fn want(&self, durable: u64) -> bool {
        let mut pass = self.pass();
        pass.durable = pass.durable.max(durable);
        if pass.running || self.missing(pass.durable).is_empty() {
            return false;
        }
        pass.running = true;
        self.stop.store(false, Ordering::Release);
        true
    }

    /// The next run for the pass to write; `None` when there is none or it was asked to stop
    /// (the pass has ended).
    pub(super) fn next_to_write(&self) -> Option<u64> {
        let mut pass = self.pass();
        let next = self.missing(pass.durable).first().copied();
        match next {
            Some(number) if !self.stop.load(Ordering::Acquire) => Some(number),
            _ => {
                pass.running = false;
                None
            }
        }
    }

    /// The pass ended early.
    pub(super) fn pass_ended(&self) {
        self.pass().running = false;
    }

    /// Asks the pass to stop after the run it is writing.
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    fn path(&self, number: u64) -> PathBuf {
        self.dir.join(format!("{number:010}.run"))
    }

    /// The number of the run holding `seq`, if the ledger keeps runs.
    pub(super) fn number_of(&self, seq: u64) -> Option<u64> {
        (self.events > 0).then(|| seq.saturating_sub(1) / self.events)
    }

    /// Runs wholly within the first `events` events.
    pub(super) fn complete(&self, events: u64) -> u64 {
        events.checked_div(self.events).unwrap_or(0)
    }

    /// The first seq of run `number`.
    fn first_seq(&self, number: u64) -> u64 {
        number * self.events + 1
    }

    /// Whether run `number` is usable.
    pub(super) fn is_kept(&self, number: u64) -> bool {
        self.kept().contains_key(&number)
    }

    /// Usable runs.
    pub(super) fn kept_count(&self) -> u64 {
        self.kept().len() as u64
    }

    /// Run files set aside since opening.
    pub(super) fn set_aside_count(&self) -> u64 {
        self.set_aside.load(Ordering::Relaxed)
    }

    fn kept(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Arc<Streams>>> {
        // Runs are only inserted and removed whole: a poisoned lock leaves the map usable.
        self.kept.read().unwrap_or_else(|p| p.into_inner())
    }

    fn kept_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<u64, Arc<Streams>>> {
        self.kept.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The runs wholly within the first `durable` events that are not usable.
    pub(super) fn missing(&self, durable: u64) -> Vec<u64> {
        let kept = self.kept();
        (0..self.complete(durable))
            .filter(|number| !kept.contains_key(number))
            .collect()
    }

    /// Keeps every run file within the first `durable` events that agrees with the log:
    /// `hash_at(seq)` is the hash of the log's event `seq`.
    pub(super) fn load(&self, durable: u64, hash_at: impl Fn(u64) -> Option<Hash>) {
        for number in self.missing(durable) {
            if let Some(streams) = self.read_header(number, &hash_at) {
                self.kept_mut().insert(number, Arc::new(streams));
            }
        }
    }

    /// The streams of run file `number` if it is whole and agrees with the log.
    fn read_header(&self, number: u64, hash_at: &impl Fn(u64) -> Option<Hash>) -> Option<Streams> {
        let file = self.files.open_read_only(&self.path(number)).ok()?;
        let size = file.size().ok()?;
        let footer_at = size.checked_sub(FOOTER as u64)?;
        let mut footer = [0u8; FOOTER];
        if log::read_full(&*file, footer_at, &mut footer).ok()? != FOOTER || &footer[12..] != MAGIC
        {
            return None;
        }
        let (len, rest) = footer.split_first_chunk::<8>()?;
        let (crc, _) = rest.split_first_chunk::<4>()?;
        let len = u64::from_le_bytes(*len);
        let header_at = footer_at.checked_sub(len).filter(|_| len <= MAX_HEADER)?;
        let mut bytes = vec![0u8; usize::try_from(len).ok()?];
        if log::read_full(&*file, header_at, &mut bytes).ok()? != bytes.len()
            || crc32c::crc32c(&bytes) != u32::from_le_bytes(*crc)
        {
            return None;
        }
        let header: Header = bincode::DefaultOptions::new()
            .with_limit(MAX_HEADER)
            .deserialize(&bytes)
            .ok()?;
        let last_seq = number.checked_add(1)?.checked_mul(self.events)?;
        let sound = header.events == self.events
            && header.number == number
            && hash_at(last_seq) == Some(Hash(header.last))
            && header.streams.iter().all(|(_, place)| {
                place
                    .at
                    .checked_add(place.len)
                    .is_some_and(|end| end <= header_at)
            });
        sound.then(|| header.streams.into_iter().collect())
    }

    /// Writes run `number` and keeps it: each stream's frames of the run, found through
    /// `index` (seq and offset of the frame of each event of each stream in the run), copied
    /// from `log` (read in one piece, each frame's checksum checked).
    pub(super) fn write(
        &self,
        number: u64,
        index: &dyn Fn(u64, u64) -> Result<StreamFrames>,
        log: &LogFile,
    ) -> Result<()> {
        let first = self.first_seq(number);
        let last = first + self.events - 1;
        let found = index(first - 1, last)?;
        let offsets = found
            .iter()
            .flat_map(|(_, frames)| frames.iter().map(|&(_, at)| at));
        let (Some(start), Some(end)) = (offsets.clone().min(), offsets.max()) else {
            return Err(unreadable(first));
        };
        let frame = log.frame_at(end).map_err(|e| e.at(last))?;
        // The run's part of the log, allocated only if the system has the room.
        let span = usize::try_from(frame.next - start).map_err(|_| unreadable(first))?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(span)
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        bytes.resize(span, 0);
        if log.read_at(start, &mut bytes)? != bytes.len() {
            return Err(unreadable(last));
        }
        let mut streams: BTreeMap<StreamId, Vec<u8>> = BTreeMap::new();
        let mut count = 0;
        for (stream, frames) in found {
            let out = streams.entry(stream).or_default();
            for (seq, at) in frames {
                let from = usize::try_from(at - start).unwrap_or(usize::MAX);
                let (_, stored, _) = bytes
                    .get(from..)
                    .and_then(log::split_frame)
                    .ok_or_else(|| unreadable(seq))?;
                log::push_frame(out, stored, 0);
                count += 1;
            }
        }
        if count != self.events {
            return Err(unreadable(first));
        }
        let last = Ledger::decode_at(last, &frame.stored)?.hash;
        let mut at = 0;
        let places: Vec<(StreamId, Place)> = streams
            .iter()
            .map(|(stream, bytes)| {
                let place = Place {
                    at,
                    len: bytes.len() as u64,
                };
                at += place.len;
                (stream.clone(), place)
            })
            .collect();
        let header = Header {
            events: self.events,
            number,
            last: last.0,
            streams: places,
        };
        let header_bytes = bincode::DefaultOptions::new()
            .serialize(&header)
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        std::fs::create_dir_all(&self.dir)?;
        self.files
            .replace_unsynced_with(&self.path(number), &mut |out| {
                for bytes in streams.values() {
                    out.write_all(bytes)?;
                }
                out.write_all(&header_bytes)?;
                out.write_all(&(header_bytes.len() as u64).to_le_bytes())?;
                out.write_all(&crc32c::crc32c(&header_bytes).to_le_bytes())?;
                out.write_all(MAGIC)
            })?;
        self.kept_mut()
            .insert(number, Arc::new(header.streams.into_iter().collect()));
        Ok(())
    }

    /// The events of `stream` with the seqs of `frames` (seq, offset in the log; all in run
    /// `number`, in order), read from the run's file. `None` if the run is not usable, or if
    /// its file does not hold those events: then it is set aside.
    pub(super) fn read(
        &self,
        number: u64,
        stream: &StreamId,
        frames: &[(u64, u64)],
    ) -> Option<Vec<Event>> {
        let streams = Arc::clone(self.kept().get(&number)?);
        let events = streams
            .get(stream)
            .and_then(|&place| self.read_place(number, stream, place, frames));
        if events.is_none() {
            self.set_aside(number);
        }
        events
    }

    /// The events of `frames` among the stream's frames at `place` of run file `number`, if
    /// they are all there, sound.
    fn read_place(
        &self,
        number: u64,
        stream: &StreamId,
        place: Place,
        frames: &[(u64, u64)],
    ) -> Option<Vec<Event>> {
        let file = self.files.open_read_only(&self.path(number)).ok()?;
        let mut bytes = vec![0u8; usize::try_from(place.len).ok()?];
        if log::read_full(&*file, place.at, &mut bytes).ok()? != bytes.len() {
            return None;
        }
        let mut events = Vec::with_capacity(frames.len());
        let mut rest = &bytes[..];
        let mut wanted = frames.iter().map(|&(seq, _)| seq).peekable();
        while let Some(&seq) = wanted.peek() {
            let (_, stored, after) = log::split_frame(rest)?;
            rest = after;
            let event = crate::codec::decode(stored).ok()?;
            if event.stream != *stream || event.seq > seq {
                return None;
            }
            if event.seq == seq {
                wanted.next();
                events.push(event);
            }
        }
        Some(events)
    }

    /// Kept run file `number`'s frames, read whole into `bytes`, to be compared with the log's
    /// events of its run; `None` if it is not kept. One that cannot be read is compared as
    /// empty.
    pub(super) fn frames(&self, number: u64, mut bytes: Vec<u8>) -> Option<RunFrames> {
        let streams = Arc::clone(self.kept().get(&number)?);
        let end = streams
            .values()
            .map(|p| p.at.saturating_add(p.len))
            .max()
            .unwrap_or(0);
        bytes.clear();
        let read = usize::try_from(end).ok().and_then(|end| {
            let file = self.files.open_read_only(&self.path(number)).ok()?;
            bytes.resize(end, 0);
            let read = log::read_full(&*file, 0, &mut bytes).ok()?;
            (read == end).then_some(())
        });
        if read.is_none() {
            bytes.clear();
        }
        let cursors = streams
            .iter()
            .map(|(stream, place)| {
                let at = usize::try_from(place.at).unwrap_or(usize::MAX);
                let end = usize::try_from(place.at.saturating_add(place.len)).unwrap_or(0);
                (stream.clone(), (at, end))
            })
            .collect();
        Some(RunFrames {
            number,
            bytes,
            cursors,
            events: self.events,
            compared: 0,
            sound: true,
        })
    }

    /// Stops using run `number`; with `rename`, renames its file aside (keeping its bytes),
    /// so that the next background pass writes it again.
    pub(super) fn forget(&self, number: u64, rename: bool) {
        if rename {
            self.set_aside(number);
        } else if self.kept_mut().remove(&number).is_some() {
            self.set_aside.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stops using run `number`, and renames its file aside (keeping its bytes).
    fn set_aside(&self, number: u64) {
        if self.kept_mut().remove(&number).is_some() {
            self.set_aside.fetch_add(1, Ordering::Relaxed);
            let path = self.path(number);
            let mut aside = path.clone().into_os_string();
            aside.push(".damaged");
            // Derived data: if the file cannot be moved, it is written over by the next pass.
            let _ = std::fs::rename(&path, aside);
        }
    }
}

/// A run file's frames, compared with the log's events of its run as they are verified: each
/// event must be its stream's next frame, byte for byte (see [`Runs::frames`]).
#[derive(Debug)]
pub(crate) struct RunFrames {
    number: u64,
    /// The file's frames (all of them, before its header).
    bytes: Vec<u8>,
    /// Each stream's next frame and the end of its frames in `bytes`.
    cursors: crate::FastMap<StreamId, (usize, usize)>,
    /// Events of the run.
    events: u64,
    /// Events compared so far.
    compared: u64,
    sound: bool,
}

impl RunFrames {
    /// The run's number.
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// Compares the log's next event of the run (its stream and stored bytes) with the file:
    /// it must be the next frame of its stream, byte for byte.
    pub(crate) fn compare(&mut self, stream: &StreamId, stored: &[u8]) {
        self.compared += 1;
        if !self.sound {
            return;
        }
        let Some((at, end)) = self.cursors.get_mut(stream) else {
            self.sound = false;
            return;
        };
        let frame = self.bytes.get(*at..*end).and_then(|rest| {
            let len = u32::from_le_bytes(*rest.first_chunk::<4>()?) as usize;
            rest.get(log::HEADER..log::HEADER.checked_add(len)?)
        });
        if frame != Some(stored) {
            self.sound = false;
            return;
        }
        *at += log::HEADER + stored.len();
    }

    /// The file's bytes, to read another run file into.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Whether the file held exactly the run's events: `None` until every one was compared.
    pub(crate) fn sound(&self) -> Option<bool> {
        if self.sound && self.compared < self.events {
            return None;
        }
        Some(self.sound && self.cursors.values().all(|(at, end)| at == end))
    }
}

/// The error of a run that cannot be copied: the frames the index lists for it are not there,
/// whole, from `seq` on.
fn unreadable(seq: u64) -> Error {
    Error::Corrupt {
        seq,
        kind: ProblemKind::BadFrame {
            reason: "the index lists a frame that is not there, whole".to_owned(),
        },
    }
}
