//! Opening a ledger: load the saved index, check it against the log, index the events the log
//! holds beyond it, and tell an append a crash cut short from damage.
//!
//! The index is saved only for events that are durable, so it can lag the log but never lead
//! it: a saved index that the log does not match means the log was changed since, and the
//! ledger opens read-only, as damaged.
//!
//! After the saved index, whole batches of frames that follow the chain are indexed. Where that
//! stops, at a frame that is cut short, fails its checksum or does not follow the chain:
//!
//! - a frame that is whole (its checksum matches) but does not follow the chain is damage;
//! - otherwise, if a sound frame marked durable-before follows it, the frame was made
//!   durable by an earlier flush, so it is damage too;
//! - otherwise the frame belongs to the last flush before a crash, which may never have
//!   completed: a torn tail. Its bytes, from the end of the last whole batch, are moved to
//!   `torn-tail-at-<offset>.bin` beside the log, zeroed in the log, and reported.
//!
//! Damage opens the ledger read-only with the first bad seq and offset named; nothing is
//! truncated. A read-only open reports a torn tail without moving it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;

use super::SetAside;
use super::index::Index;
use super::io::Files;
use super::log::{BATCH_END, FrameError, Frames, LogFile, START};
use crate::chain::Chain;
use crate::codec;
use crate::error::{Error, Result};
use crate::event::{Event, Head};
use crate::hash::Hash;
use crate::verify::{Problem, ProblemKind};

/// What opening found.
pub(super) struct Opened {
    /// The index of every event of the log (as far as it can be read, if damaged).
    pub(super) index: Index,
    /// Events the index was missing (caught up from the log).
    pub(super) caught_up: u64,
    /// The last event of the log (as far as it can be read, if damaged).
    pub(super) head: Head,
    /// Offset where the log's last frame ends.
    pub(super) end: u64,
    /// Recorded-at of the last event.
    pub(super) last_recorded: Option<Timestamp>,
    /// The damage found, if any: the ledger is then read-only.
    pub(super) damage: Option<Problem>,
    /// A torn tail, if there was one.
    pub(super) set_aside: Option<SetAside>,
}

/// Opens the log against its saved index (see the module documentation). With `read_only`,
/// nothing is written: a torn tail is reported, not moved.
pub(super) fn open(
    files: &dyn Files,
    dir: &Path,
    log: &Arc<LogFile>,
    read_only: bool,
) -> Result<Opened> {
    let (index, head, end) =
        Index::load(files, dir).unwrap_or_else(|| (Index::default(), Head::EMPTY, START));
    if !checkpoint_matches(log, &index, head, end)? {
        return damaged(log, head);
    }
    catch_up(files, dir, log, index, head, end, read_only)
}

/// Whether the log's frame of the index's last event is where the index says, with its hash.
fn checkpoint_matches(log: &LogFile, index: &Index, head: Head, end: u64) -> Result<bool> {
    if head.seq == 0 {
        return Ok(end == START);
    }
    let Some(offset) = index.offset(head.seq)? else {
        return Ok(false);
    };
    match log.frame_at(offset) {
        Ok(frame) => Ok(frame.next == end
            && codec::split_stored(&frame.stored).is_some_and(|(_, hash)| hash == head.hash)),
        Err(FrameError::Io(e)) => Err(e.into()),
        Err(_) => Ok(false),
    }
}

/// A log that does not match its saved index: index every frame that can be read, for reading
/// and verification, and say where the mismatch is.
fn damaged(log: &Arc<LogFile>, recorded: Head) -> Result<Opened> {
    let mut frames = Frames::new(Arc::clone(log), START, u64::MAX);
    let mut index = Index::default();
    let mut last = None;
    // Why the frame after the last readable one cannot be read.
    let unreadable = loop {
        let offset = frames.offset();
        match frames.next_frame() {
            Ok((_, stored)) => {
                match codec::decode(stored) {
                    Ok(event) if event.seq == index.len() + 1 => index.push(&event, offset),
                    _ => index.push_unreadable(offset),
                }
                last = Some(stored.to_vec());
            }
            Err(e) => break e.problem()?,
        }
    };
    let count = index.len();
    let hash = last
        .as_deref()
        .and_then(codec::split_stored)
        .map_or(Hash::ZERO, |(_, hash)| hash);
    let last_recorded = last
        .as_deref()
        .and_then(|stored| codec::decode(stored).ok())
        .map(|event| event.recorded_at);
    let problem = if count < recorded.seq {
        Problem {
            seq: count + 1,
            kind: unreadable,
        }
    } else {
        Problem {
            seq: recorded.seq,
            kind: ProblemKind::HeadMismatch { recorded },
        }
    };
    Ok(Opened {
        index,
        caught_up: 0,
        head: Head { seq: count, hash },
        end: frames.offset(),
        last_recorded,
        damage: Some(problem),
        set_aside: None,
    })
}

/// Where the scan after the saved index stopped, and why.
struct Stop {
    /// Offset of the frame that could not be taken.
    offset: u64,
    /// Why not; `None` at a clean end (a zero header).
    problem: Option<ProblemKind>,
    /// Whether the frame there was whole (its checksum matched) but did not follow the chain.
    whole: bool,
}

/// Indexes every whole batch after the saved index whose events follow the chain (see
/// [`crate::chain`]), then tells a torn tail from damage (see the module documentation).
fn catch_up(
    files: &dyn Files,
    dir: &Path,
    log: &Arc<LogFile>,
    mut index: Index,
    checkpoint: Head,
    checkpoint_end: u64,
    read_only: bool,
) -> Result<Opened> {
    // The chain resumes at the checkpoint: its event's recorded-at, and the stream versions of
    // the index.
    let mut last_recorded = None;
    if checkpoint.seq > 0 {
        match last_event(log, &index, checkpoint.seq) {
            Ok(event) => last_recorded = Some(event.recorded_at),
            // The checkpoint matched, but the event itself was changed: readable, not writable.
            Err(Error::Corrupt { seq, kind }) => {
                return Ok(Opened {
                    caught_up: 0,
                    head: checkpoint,
                    index,
                    end: checkpoint_end,
                    last_recorded: None,
                    damage: Some(Problem { seq, kind }),
                    set_aside: None,
                });
            }
            Err(other) => return Err(other),
        }
    }
    let versions = index.versions().map(|(s, v)| (s.clone(), v)).collect();
    let mut chain = Chain::resume(checkpoint, last_recorded, versions);
    let mut frames = Frames::new(Arc::clone(log), checkpoint_end, u64::MAX);
    let mut in_batch: Vec<(Event, u64)> = Vec::new();
    let (mut head, mut end) = (checkpoint, checkpoint_end);
    let stop = loop {
        let offset = frames.offset();
        let (flags, stored) = match frames.next_frame() {
            Ok(frame) => frame,
            Err(FrameError::Io(e)) => return Err(e.into()),
            Err(FrameError::End) => {
                break Stop {
                    offset,
                    problem: None,
                    whole: false,
                };
            }
            Err(other) => {
                break Stop {
                    offset,
                    problem: other.problem().ok(),
                    whole: false,
                };
            }
        };
        let event = match chain.follow_stored(stored) {
            Ok(event) => event,
            Err(kind) => {
                break Stop {
                    offset,
                    problem: Some(kind),
                    whole: true,
                };
            }
        };
        in_batch.push((event, offset));
        if flags & BATCH_END != 0 {
            for (event, offset) in in_batch.drain(..) {
                index.push(&event, offset);
            }
            head = chain.head();
            last_recorded = chain.last_recorded();
            end = frames.offset();
        }
    };
    let last_written = log.last_nonzero_after(end)?;
    let damage = match (&stop.problem, last_written) {
        // A clean end with nothing after the last whole batch: a sound log.
        (None, None) => None,
        _ => damage_at(log, &stop, chain.head().seq + 1, last_written)?,
    };
    if let Some(problem) = damage {
        // Readable up to the damage, not writable; the log is left as it is.
        for (event, offset) in in_batch {
            index.push(&event, offset);
        }
        let head = chain.head();
        return Ok(Opened {
            caught_up: head.seq - checkpoint.seq,
            index,
            head,
            end: stop.offset,
            last_recorded: chain.last_recorded(),
            damage: Some(problem),
            set_aside: None,
        });
    }
    let set_aside = match last_written {
        Some(last) => Some(set_aside_tail(files, dir, log, end, last, read_only)?),
        None => None,
    };
    Ok(Opened {
        caught_up: head.seq - checkpoint.seq,
        index,
        head,
        end,
        last_recorded,
        damage: None,
        set_aside,
    })
}

/// Whether what stopped the scan is damage (see the module documentation): the problem, as
/// found at the event expected there (`seq`), or `None` for a torn tail.
fn damage_at(
    log: &LogFile,
    stop: &Stop,
    seq: u64,
    last_written: Option<u64>,
) -> Result<Option<Problem>> {
    let reason = stop.problem.as_ref().map_or_else(
        || "zeros where a frame should be".to_owned(),
        |k| k.to_string(),
    );
    if stop.whole {
        let kind = stop.problem.clone().unwrap_or(ProblemKind::Missing);
        return Ok(Some(Problem { seq, kind }));
    }
    let Some(until) = last_written else {
        return Ok(None);
    };
    Ok(log
        .durable_frame_after(stop.offset, until)?
        .map(|durable| Problem {
            seq,
            kind: ProblemKind::DamagedFrame {
                offset: stop.offset,
                reason,
                durable_after: durable,
            },
        }))
}

/// The event at `seq`, found through the index.
fn last_event(log: &LogFile, index: &Index, seq: u64) -> Result<Event> {
    let offset = index.offset(seq)?.ok_or(Error::Corrupt {
        seq,
        kind: ProblemKind::Missing,
    })?;
    let frame = log.frame_at(offset).map_err(|e| e.at(seq))?;
    codec::decode(&frame.stored).map_err(|e| Error::Corrupt {
        seq,
        kind: ProblemKind::Undecodable {
            reason: e.to_string(),
        },
    })
}

/// Moves the bytes from `end` to `last` (the last flush before a crash, which may never have
/// completed) into a file beside the log, for inspection, and zeroes them in the log. With
/// `read_only`, only reports them.
fn set_aside_tail(
    files: &dyn Files,
    dir: &Path,
    log: &LogFile,
    end: u64,
    last: u64,
    read_only: bool,
) -> Result<SetAside> {
    let mut set_aside = SetAside {
        offset: end,
        bytes: last - end,
        file: None,
    };
    if read_only {
        return Ok(set_aside);
    }
    let mut bytes = vec![0u8; (last - end) as usize];
    let got = log.read_at(end, &mut bytes)?;
    bytes.truncate(got);
    let mut path: PathBuf = dir.join(format!("torn-tail-at-{end}.bin"));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("torn-tail-at-{end}.{n}.bin"));
        n += 1;
    }
    files.replace(&path, &bytes)?;
    log.zero(end, last - end)?;
    log.sync()?;
    set_aside.file = Some(path);
    Ok(set_aside)
}
