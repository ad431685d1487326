//! Reading one stream's events: found through the stream's index, read from the run files
//! ([`super::runs`]) where they are kept and from the log elsewhere, on two threads for a long
//! stream.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::Ledger;
use crate::error::Result;
use crate::event::{Event, StreamId};

/// From this many events on, a stream is read on two threads.
const READ_IN_TWO_FROM: usize = 2048;

/// Events read from the log in one piece: small enough that the two threads share the work
/// evenly, large enough that handing a piece over costs nothing to speak of.
const LOG_PIECE: usize = 256;

/// Events of a stream read together: all of one kept run, or up to [`LOG_PIECE`] from the log.
struct Piece<'a> {
    /// The kept run they are in, if they are read from it.
    run: Option<u64>,
    /// Their seqs and the offsets of their frames in the log, in order.
    frames: &'a [(u64, u64)],
}

impl Ledger {
    /// Up to `limit` events of one stream with versions greater than `after_version`, in order.
    pub fn read_stream(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let frames = self.index().stream_frames(stream, after_version, limit)?;
        self.collect_stream(stream, &frames)
    }

    /// Up to `limit` durable events of one stream with sequence numbers greater than
    /// `after_seq`, in order. Found through the stream's index, so a page costs what it
    /// returns, wherever in the stream it starts.
    pub fn read_stream_after(
        &self,
        stream: &StreamId,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let frames = self
            .index()
            .stream_frames_after_seq(stream, after_seq, limit)?;
        self.collect_stream(stream, &frames)
    }

    /// Calls `f` with each durable event of one stream with a sequence number up to `head`,
    /// in order, and stops at the first error (its own or `f`'s). For a long stream a second
    /// thread reads ahead while this one hands the events to `f`, so that what `f` does
    /// overlaps the reading.
    pub fn for_each_in_stream(
        &self,
        stream: &StreamId,
        head: u64,
        f: impl FnMut(Event) -> Result<()>,
    ) -> Result<()> {
        let mut frames = self.index().stream_frames(stream, 0, usize::MAX)?;
        frames.truncate(frames.partition_point(|&(seq, _)| seq <= head));
        self.visit_stream(stream, &frames, f)
    }

    /// The events of `stream` at `frames` (see [`Ledger::visit_stream`]).
    fn collect_stream(&self, stream: &StreamId, frames: &[(u64, u64)]) -> Result<Vec<Event>> {
        let mut events = Vec::with_capacity(frames.len());
        self.visit_stream(stream, frames, |event| {
            events.push(event);
            Ok(())
        })?;
        Ok(events)
    }

    /// Calls `f` with the event of `stream` at each of `frames` (seq, offset of its frame; in
    /// log order) up to the first that is not durable yet, in order. The frames are cut into
    /// pieces (a kept run's share, or a few hundred frames of the log); from
    /// [`READ_IN_TWO_FROM`] events on, both this thread and a second one read pieces in order,
    /// each taking the next that neither has started, and this one hands them to `f` in
    /// order.
    fn visit_stream(
        &self,
        stream: &StreamId,
        frames: &[(u64, u64)],
        mut f: impl FnMut(Event) -> Result<()>,
    ) -> Result<()> {
        let durable = self.inner.commit.durable();
        let frames = &frames[..frames.partition_point(|&(seq, _)| seq <= durable)];
        let pieces = self.pieces(frames);
        if frames.len() < READ_IN_TWO_FROM || pieces.len() < 2 {
            return pieces.iter().try_for_each(|piece| {
                self.read_piece(stream, piece)?
                    .into_iter()
                    .try_for_each(&mut f)
            });
        }
        let claims = Claims::new(pieces.len());
        std::thread::scope(|scope| {
            // No thread to be had: this one reads every piece.
            let _ = std::thread::Builder::new()
                .name("stream-read".to_owned())
                .spawn_scoped(scope, || {
                    let _gone = HelperGone(&claims);
                    while let Some(i) = claims.next() {
                        claims.put(i, self.read_piece(stream, &pieces[i]));
                    }
                });
            let visited = pieces.iter().enumerate().try_for_each(|(i, piece)| {
                // While piece `i` is not read, this thread reads the next piece no thread has
                // started; when every piece is started, it waits for the helper's.
                let read = loop {
                    if let Some(read) = claims.take(i) {
                        break read;
                    }
                    match claims.next() {
                        Some(next) => claims.put(next, self.read_piece(stream, &pieces[next])),
                        None => match claims.wait(i) {
                            Some(read) => break read,
                            None => break self.read_piece(stream, piece),
                        },
                    }
                };
                read?.into_iter().try_for_each(&mut f)
            });
            claims.stopped.store(true, Ordering::Release);
            visited
        })
    }

    /// `frames` cut into pieces: each kept run's share whole, the rest a few hundred at a
    /// time, never across runs.
    fn pieces<'a>(&self, frames: &'a [(u64, u64)]) -> Vec<Piece<'a>> {
        let runs = &self.inner.runs;
        let mut pieces = Vec::new();
        let mut rest = frames;
        while let Some(&(seq, _)) = rest.first() {
            let number = runs.number_of(seq);
            let in_run = rest.partition_point(|&(seq, _)| runs.number_of(seq) == number);
            let kept = number.filter(|&number| runs.is_kept(number));
            let len = match kept {
                Some(_) => in_run,
                None => in_run.min(LOG_PIECE),
            };
            let (piece, after) = rest.split_at(len);
            pieces.push(Piece {
                run: kept,
                frames: piece,
            });
            rest = after;
        }
        pieces
    }

    /// The events of one piece: from its run if the run's file holds them, sound, and from
    /// the log otherwise (a run found wanting is set aside, and written again in the
    /// background).
    fn read_piece(&self, stream: &StreamId, piece: &Piece<'_>) -> Result<Vec<Event>> {
        if let Some(number) = piece.run {
            if let Some(events) = self.inner.runs.read(number, stream, piece.frames) {
                return Ok(events);
            }
            self.write_runs_in_background(self.inner.commit.durable());
        }
        piece
            .frames
            .iter()
            .map(|&(seq, offset)| self.read_at(seq, offset))
            .collect()
    }
}

/// The pieces of a stream read on two threads: which is the next to start, and what was
/// read ahead of this thread.
struct Claims {
    /// Pieces of the stream.
    pieces: usize,
    /// The next piece no thread has started.
    next: AtomicUsize,
    /// Set when this thread is done: the helper starts no more pieces.
    stopped: AtomicBool,
    slots: Mutex<Slots>,
    filled: Condvar,
}

/// What was read ahead of this thread, by piece.
struct Slots {
    read: Vec<Option<Result<Vec<Event>>>>,
    /// The helper thread has ended (a piece it started and did not put is read again).
    helper_gone: bool,
}

impl Claims {
    fn new(pieces: usize) -> Self {
        Claims {
            pieces,
            next: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            slots: Mutex::new(Slots {
                read: (0..pieces).map(|_| None).collect(),
                helper_gone: false,
            }),
            filled: Condvar::new(),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // Slots are only set and taken whole: a poisoned lock leaves them usable.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Claims the next piece no thread has started, if any.
    fn next(&self) -> Option<usize> {
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::AcqRel);
        (i < self.pieces).then_some(i)
    }

    /// Puts what was read of piece `i`.
    fn put(&self, i: usize, read: Result<Vec<Event>>) {
        self.slots().read[i] = Some(read);
        self.filled.notify_all();
    }

    /// What was read of piece `i`, if it was read.
    fn take(&self, i: usize) -> Option<Result<Vec<Event>>> {
        self.slots().read[i].take()
    }

    /// What the helper read of piece `i`, which it started, once it has; `None` if the helper
    /// ended without putting it.
    fn wait(&self, i: usize) -> Option<Result<Vec<Event>>> {
        let mut slots = self.slots();
        loop {
            if let Some(read) = slots.read[i].take() {
                return Some(read);
            }
            if slots.helper_gone {
                return None;
            }
            slots = self.filled.wait(slots).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Marks the helper thread gone when it ends, however it ends.
struct HelperGone<'a>(&'a Claims);

impl Drop for HelperGone<'_> {
    fn drop(&mut self) {
        self.0.slots().helper_gone = true;
        self.0.filled.notify_all();
    }
}
