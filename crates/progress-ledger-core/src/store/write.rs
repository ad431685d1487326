//! Appending: validation against the current state, sealing into the chain, the batch's frames
//! added to the writer's buffer, then a shared flush that writes the buffer to the log with one
//! write and makes it durable with one `fdatasync`.

use std::collections::HashMap;

use uuid::Uuid;

use super::{Ledger, Refusal, index::Index, log};
use crate::codec;
use crate::error::{Error, Result};
use crate::event::{Event, Head, NewEvent, StreamId};
use crate::hash::Hash;
use crate::verify::ProblemKind;

/// Buffered frames are written to the log file (without a sync) once they reach this size.
const WRITE_THROUGH: usize = 1 << 20;

/// The outcome of one appended event.
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    /// The recorded event (the original one, for an idempotent retry).
    pub event: Event,
    /// True if the event was already recorded and nothing was written for it.
    pub already_recorded: bool,
}

/// A written batch that is not yet known to be durable.
#[must_use = "a pending write must be waited for before it is acknowledged"]
#[derive(Debug)]
pub struct Pending {
    ledger: Ledger,
    wait_for: u64,
    results: Vec<Appended>,
}

impl Pending {
    /// The events as written (not yet durable).
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.results
            .iter()
            .filter(|a| !a.already_recorded)
            .map(|a| &a.event)
    }

    /// The outcomes, without waiting. Only for callers that wait by other means.
    pub fn results(&self) -> &[Appended] {
        &self.results
    }

    /// Waits until the batch is durable (sharing a flush with concurrent writers).
    pub fn wait(self) -> Result<Vec<Appended>> {
        let ledger = &self.ledger;
        ledger
            .inner
            .commit
            .wait_durable(self.wait_for, || ledger.flush())?;
        Ok(self.results)
    }
}

/// Changes staged by one append call, applied to the writer state only once the batch is stored.
struct Staged {
    /// Frames to write, starting at offset `base` of the log.
    frames: Vec<u8>,
    base: u64,
    /// Where the last frame starts in `frames`.
    last_frame: Option<usize>,
    /// Offset of each written event's frame: (position in `results`, offset).
    offsets: Vec<(usize, u64)>,
    head: Head,
    versions: HashMap<StreamId, u64>,
    /// Staged ids: position in `results`.
    ids: HashMap<Uuid, usize>,
    results: Vec<Appended>,
    written: u64,
    wait_for: u64,
}

/// Bytes of a typical event's frame: what a batch's frame buffer reserves per event.
const TYPICAL_FRAME: usize = 256;

impl Staged {
    /// Room for `events` events, staged after `head` from offset `base`.
    fn new(head: Head, base: u64, events: usize) -> Self {
        Self {
            frames: Vec::with_capacity(events.saturating_mul(TYPICAL_FRAME)),
            base,
            last_frame: None,
            offsets: Vec::with_capacity(events),
            head,
            versions: HashMap::new(),
            ids: HashMap::with_capacity(events),
            results: Vec::with_capacity(events),
            written: 0,
            wait_for: 0,
        }
    }

    fn version_of(&self, stream: &StreamId, index: &Index) -> u64 {
        match self.versions.get(stream) {
            Some(&version) => version,
            None => index.version(stream),
        }
    }

    /// Adds a sealed event to the batch.
    fn push(&mut self, event: Event, stored: Vec<u8>) {
        let offset = self.base + self.frames.len() as u64;
        self.last_frame = Some(self.frames.len());
        log::push_frame(&mut self.frames, &stored, 0);
        self.offsets.push((self.results.len(), offset));
        self.versions.insert(event.stream.clone(), event.version);
        self.ids.insert(event.id, self.results.len());
        self.head = event.head();
        self.wait_for = self.wait_for.max(event.seq);
        self.written += 1;
        self.results.push(Appended {
            event,
            already_recorded: false,
        });
    }
}

fn check_fields(new: &NewEvent) -> Result<()> {
    crate::limits::check_new_event(new)
}

impl Ledger {
    /// Appends one event and returns once it is durable.
    ///
    /// If `new.id` is already recorded with the same content, nothing is written and the
    /// original is returned (`already_recorded`); with other content it is
    /// [`Error::IdConflict`]. If `new.expected_version` is set and the stream is at another
    /// version, it is [`Error::VersionConflict`].
    pub fn append(&self, new: NewEvent) -> Result<Appended> {
        let mut all = self.append_batch(vec![new])?;
        all.pop()
            .ok_or_else(|| Error::InvalidEvent("nothing was appended".into()))
    }

    /// Appends several events atomically: after a crash, all of them are in the log or none.
    /// Returns once they are durable, one [`Appended`] per input, in order.
    ///
    /// Each event is checked as [`Ledger::append`] does, against the ledger and the events
    /// before it in the batch; if any check fails, nothing is written. Events whose id is
    /// already recorded with the same content are idempotent retries and are not written again.
    pub fn append_batch(&self, batch: Vec<NewEvent>) -> Result<Vec<Appended>> {
        self.write_batch(batch)?.wait()
    }

    /// Writes a batch like [`Ledger::append_batch`] but returns before it is durable: the
    /// caller must [`Pending::wait`] before acknowledging it to anyone. This lets a caller keep
    /// a lock only around the write, so that concurrent callers still share one flush.
    pub fn write_batch(&self, batch: Vec<NewEvent>) -> Result<Pending> {
        for new in &batch {
            check_fields(new)?;
        }
        let mut writer = self.writer();
        if let Some(refusal) = &writer.refused {
            return Err(refusal_error(refusal));
        }
        let mut staged = Staged::new(
            writer.head,
            writer.pending_at + writer.pending.len() as u64,
            batch.len(),
        );
        for new in batch {
            if let Some(id) = new.id {
                if let Some(original) = self.find_original(&writer, &staged, id)? {
                    if !original.same_content(&new) {
                        return Err(Error::IdConflict {
                            id,
                            seq: original.seq,
                        });
                    }
                    staged.wait_for = staged.wait_for.max(original.seq);
                    staged.results.push(Appended {
                        event: original,
                        already_recorded: true,
                    });
                    continue;
                }
            }
            let current = staged.version_of(&new.stream, &self.index());
            if let Some(expected) = new.expected_version {
                if expected != current {
                    return Err(Error::VersionConflict {
                        stream: new.stream,
                        expected,
                        actual: current,
                    });
                }
            }
            let mut event = Event {
                seq: staged.head.seq + 1,
                id: new.id.unwrap_or_else(Uuid::now_v7),
                stream: new.stream,
                version: current + 1,
                recorded_at: writer.clock.next(),
                effective: new.effective,
                actor: new.actor,
                note: new.note,
                payload: new.payload,
                prev_hash: staged.head.hash,
                hash: Hash::ZERO,
            };
            let stored = codec::seal(&mut event)?;
            if stored.len() as u64 > codec::MAX_EVENT_BYTES {
                return Err(Error::InvalidEvent(format!(
                    "event is {} bytes encoded; the limit is {}",
                    stored.len(),
                    codec::MAX_EVENT_BYTES
                )));
            }
            staged.push(event, stored);
        }
        let wait_for = staged.wait_for;
        let results = self.store(&mut writer, staged)?;
        drop(writer);
        Ok(Pending {
            ledger: self.clone(),
            wait_for,
            results,
        })
    }

    /// An already-recorded event with this id: staged earlier in this batch, or written before
    /// (durable or about to be).
    fn find_original(
        &self,
        writer: &super::Writer,
        staged: &Staged,
        id: Uuid,
    ) -> Result<Option<Event>> {
        if let Some(&index) = staged.ids.get(&id) {
            return Ok(Some(staged.results[index].event.clone()));
        }
        let Some(seq) = self.index().seq_of(&id)? else {
            return Ok(None);
        };
        let offset = self.offset_of(seq)?;
        if offset < writer.pending_at {
            return self.read_at(seq, offset).map(Some);
        }
        // Appended but still in the writer's buffer.
        let frame = usize::try_from(offset - writer.pending_at)
            .ok()
            .and_then(|at| writer.pending.get(at..))
            .and_then(|rest| {
                let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
                rest.get(log::HEADER..log::HEADER + len)
            })
            // The index names a frame in the buffer; were it not whole there, it cannot be read.
            .ok_or(Error::Corrupt {
                seq,
                kind: ProblemKind::Truncated,
            })?;
        Self::decode_at(seq, frame).map(Some)
    }

    /// Adds the staged frames to the write buffer (written out as soon as it is large, else by the
    /// next flush), indexes them, and advances the writer state.
    fn store(&self, writer: &mut super::Writer, mut staged: Staged) -> Result<Vec<Appended>> {
        if staged.written == 0 {
            return Ok(staged.results);
        }
        if let Some(at) = staged.last_frame {
            log::add_flags(&mut staged.frames[at..], log::BATCH_END);
        }
        writer.pending.extend_from_slice(&staged.frames);
        for &(position, _) in &staged.offsets {
            writer.tree_leaves.push(staged.results[position].event.hash);
        }
        if writer.pending.len() >= WRITE_THROUGH {
            self.write_pending(writer)?;
        }
        {
            let mut index = self.index_mut();
            for &(position, offset) in &staged.offsets {
                index.push(&staged.results[position].event, offset);
            }
        }
        writer.head = staged.head;
        writer.events_written += staged.written;
        Ok(staged.results)
    }

    /// Stores events exactly as given, each with its stored form (for import, which checks that
    /// they follow the chain, see [`crate::chain`]). `after` is the head they follow: if the
    /// ledger is at another one, nothing is stored. Not flushed: call [`Ledger::sync`] after the
    /// last batch.
    pub(crate) fn store_verbatim(&self, after: Head, events: Vec<(Event, Vec<u8>)>) -> Result<()> {
        let mut writer = self.writer();
        if let Some(refusal) = &writer.refused {
            return Err(refusal_error(refusal));
        }
        if writer.head != after {
            return Err(Error::InvalidEvent(format!(
                "the ledger was appended to during the import: it is at seq {}, the import at seq {}",
                writer.head.seq, after.seq
            )));
        }
        let mut staged = Staged::new(
            writer.head,
            writer.pending_at + writer.pending.len() as u64,
            events.len(),
        );
        for (event, stored) in events {
            if self.contains_id(event.id)? || staged.ids.contains_key(&event.id) {
                return Err(Error::InvalidEvent(format!(
                    "event id {} appears twice",
                    event.id
                )));
            }
            let recorded_at = event.recorded_at;
            staged.push(event, stored);
            writer.clock = crate::clock::MonotonicClock::starting_after(Some(recorded_at));
        }
        self.store(&mut writer, staged).map(drop)
    }

    /// Makes everything written so far durable.
    pub fn sync(&self) -> Result<()> {
        let written = self.writer().head.seq;
        self.inner.commit.wait_durable(written, || self.flush())
    }
}

/// The error of an append refused because of `refusal`: nothing of it was written.
pub(super) fn refusal_error(refusal: &Refusal) -> Error {
    match refusal {
        Refusal::Failed(reason) => Error::Poisoned {
            reason: reason.clone(),
        },
        Refusal::Damaged(why) => Error::Damaged(why.clone()),
        Refusal::ReadOnly => Error::ReadOnly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Payload;

    fn update(id: Uuid, delta: i64) -> NewEvent {
        NewEvent::new(
            StreamId::indicator("t1").expect("stream"),
            jiff::civil::date(2023, 6, 30),
            "unit",
            Payload::ProgressReported {
                delta: delta.into(),
                district: None,
            },
        )
        .with_id(id)
    }

    #[test]
    fn a_retry_of_an_event_still_in_the_write_buffer_is_recognised() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let ledger = Ledger::open(dir.path())?;
        let id = Uuid::new_v4();
        let first = ledger.write_batch(vec![update(Uuid::new_v4(), 1), update(id, 2)])?;
        // Not waited for: both events are still in the writer's buffer, not in the file.
        assert!(!ledger.writer().pending.is_empty());
        let retry = ledger.write_batch(vec![update(id, 2)])?;
        assert!(retry.results()[0].already_recorded);
        assert_eq!(retry.results()[0].event.seq, 2);
        assert!(matches!(
            ledger.write_batch(vec![update(id, 3)]),
            Err(Error::IdConflict { seq: 2, .. })
        ));
        first.wait()?;
        let retried = retry.wait()?;
        assert_eq!(retried[0].event, ledger.get(2)?.expect("durable"));
        assert_eq!(ledger.len(), 2);
        Ok(())
    }
}
