//! Opening a ledger: load the saved index, check it against the log, index the events the log
//! holds beyond it, and set aside a torn tail left by a crash.
//!
//! The index is only saved for events that are durable in the log, so it can lag the log but
//! never lead it. A saved index that the log does not match therefore means the log was changed:
//! the ledger opens for reading, and refuses appends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;

use super::index::Index;
use super::log::{BATCH_END, FrameError, Frames, LogFile};
use crate::chain::Chain;
use crate::codec;
use crate::error::{Error, Result};
use crate::event::{Event, Head};
use crate::hash::Hash;
use crate::verify::{Problem, ProblemKind};

/// What opening found.
pub(super) struct Opened {
    /// The index of every event of the log.
    pub(super) index: Index,
    /// Events the index was missing (caught up from the log).
    pub(super) caught_up: u64,
    /// The last event of the log (as far as it can be read, if damaged).
    pub(super) head: Head,
    /// Offset where the log's last frame ends.
    pub(super) end: u64,
    /// Recorded-at of the last event.
    pub(super) last_recorded: Option<Timestamp>,
    /// Why the log does not match its index, if it does not.
    pub(super) damage: Option<Problem>,
    /// Where an unacknowledged torn tail was moved to, if there was one.
    pub(super) set_aside: Option<PathBuf>,
}

/// Opens the log against its saved index (see the module documentation).
pub(super) fn open(dir: &Path, log: &Arc<LogFile>) -> Result<Opened> {
    let (index, head, end) = Index::load(dir).unwrap_or_else(|| (Index::default(), Head::EMPTY, 0));
    if !checkpoint_matches(log, &index, head, end)? {
        return damaged(log, head);
    }
    catch_up(dir, log, index, head, end)
}

/// Whether the log's frame of the index's last event is where the index says, with its hash.
fn checkpoint_matches(log: &LogFile, index: &Index, head: Head, end: u64) -> Result<bool> {
    if head.seq == 0 {
        return Ok(end == 0);
    }
    let Some(offset) = index.offset(head.seq) else {
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
    let mut frames = Frames::new(Arc::clone(log), 0, u64::MAX);
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

/// Indexes every whole batch after the saved index whose events follow the chain (see
/// [`crate::chain`]), and sets aside what follows them.
fn catch_up(
    dir: &Path,
    log: &Arc<LogFile>,
    mut index: Index,
    checkpoint: Head,
    checkpoint_end: u64,
) -> Result<Opened> {
    // The chain resumes at the checkpoint: its event's recorded-at, and the stream versions of
    // the index.
    let mut damage = None;
    let mut last_recorded = None;
    if checkpoint.seq > 0 {
        match last_event(log, &index, checkpoint.seq) {
            Ok(event) => last_recorded = Some(event.recorded_at),
            // The checkpoint matched, but the event itself was changed: readable, not writable.
            Err(Error::Corrupt { seq, kind }) => damage = Some(Problem { seq, kind }),
            Err(other) => return Err(other),
        }
    }
    let versions = index.versions().map(|(s, v)| (s.clone(), v)).collect();
    let mut chain = Chain::resume(checkpoint, last_recorded, versions);
    let mut frames = Frames::new(Arc::clone(log), checkpoint_end, u64::MAX);
    let mut in_batch: Vec<(Event, u64)> = Vec::new();
    let (mut head, mut end) = (checkpoint, checkpoint_end);
    loop {
        let offset = frames.offset();
        let (flags, stored) = match frames.next_frame() {
            Ok(frame) => frame,
            Err(FrameError::Io(e)) => return Err(e.into()),
            Err(_) => break,
        };
        let Ok(event) = chain.follow_stored(stored) else {
            break;
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
    }
    let set_aside = set_aside_tail(dir, log, end)?;
    Ok(Opened {
        caught_up: head.seq - checkpoint.seq,
        index,
        head,
        end,
        last_recorded,
        damage,
        set_aside,
    })
}

/// The event at `seq`, found through the index.
fn last_event(log: &LogFile, index: &Index, seq: u64) -> Result<Event> {
    let offset = index.offset(seq).ok_or(Error::Corrupt {
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

/// Moves any bytes after `end` (a batch a crash cut short, never acknowledged) into a file
/// beside the log, for inspection, and zeroes them in the log.
fn set_aside_tail(dir: &Path, log: &LogFile, end: u64) -> Result<Option<PathBuf>> {
    let Some(last) = log.last_nonzero_after(end)? else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; (last - end) as usize];
    let got = log.read_at(end, &mut bytes)?;
    bytes.truncate(got);
    let mut path = dir.join(format!("torn-tail-at-{end}.bin"));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("torn-tail-at-{end}.{n}.bin"));
        n += 1;
    }
    let file = std::fs::File::create(&path)?;
    std::io::Write::write_all(&mut &file, &bytes)?;
    file.sync_all()?;
    std::fs::File::open(dir)?.sync_all()?;
    log.zero(end, last - end)?;
    log.sync()?;
    Ok(Some(path))
}
