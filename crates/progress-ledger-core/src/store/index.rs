//! The index of the log, derived from it and kept in memory: where each event's frame is, the
//! event of each id, and the events of each stream.
//!
//! It is saved durably to `index.bin` beside the log now and then (and at close), with the
//! head it covers, so that opening reads it and then only the events after it; a missing, stale
//! or damaged file only costs a longer read of the log. About 60 bytes of memory per event.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::io::Files;
use crate::error::Result;
use crate::event::{Event, Head, StreamId};
use crate::hash::Hash;

/// Name of the saved index inside the ledger directory.
pub(crate) const FILE_NAME: &str = "index.bin";
/// First bytes of a saved index, with its format version (2: offsets in a log of storage
/// layout 3).
const MAGIC: &[u8; 8] = b"PLINDEX2";

/// Where every event is, by seq, id and stream.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Offset of each event's frame in the log: `offsets[seq - 1]`.
    offsets: Vec<u64>,
    /// Seq of each event id.
    ids: HashMap<Uuid, u64>,
    /// Seqs of each stream's events: `streams[stream][version - 1]`.
    streams: HashMap<StreamId, Vec<u64>>,
}

/// The saved form: per event its id and stream number, so that loading rebuilds the maps.
#[derive(Serialize, Deserialize)]
struct Saved {
    head_seq: u64,
    head_hash: [u8; 32],
    end: u64,
    offsets: Vec<u64>,
    ids: Vec<u128>,
    stream_names: Vec<String>,
    stream_of: Vec<u32>,
}

impl Index {
    /// Number of events indexed.
    pub(crate) fn len(&self) -> u64 {
        self.offsets.len() as u64
    }

    /// Adds the next event, whose frame starts at `offset`.
    pub(crate) fn push(&mut self, event: &Event, offset: u64) {
        debug_assert_eq!(event.seq, self.len() + 1);
        self.offsets.push(offset);
        self.ids.insert(event.id, event.seq);
        // Look up before inserting: `entry` would clone the stream name for every event.
        match self.streams.get_mut(&event.stream) {
            Some(seqs) => seqs.push(event.seq),
            None => {
                self.streams.insert(event.stream.clone(), vec![event.seq]);
            }
        }
    }

    /// Adds the next frame of a damaged log, which cannot be decoded: its offset only.
    pub(crate) fn push_unreadable(&mut self, offset: u64) {
        self.offsets.push(offset);
    }

    /// Offset of the frame of event `seq`.
    pub(crate) fn offset(&self, seq: u64) -> Option<u64> {
        let position = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.offsets.get(position).copied()
    }

    /// Seq of the event with this id.
    pub(crate) fn seq_of(&self, id: &Uuid) -> Option<u64> {
        self.ids.get(id).copied()
    }

    /// Version of a stream: its number of events (0 if none).
    pub(crate) fn version(&self, stream: &StreamId) -> u64 {
        self.streams.get(stream).map_or(0, |seqs| seqs.len() as u64)
    }

    /// Every stream and its version.
    pub(crate) fn versions(&self) -> impl Iterator<Item = (&StreamId, u64)> {
        self.streams
            .iter()
            .map(|(stream, seqs)| (stream, seqs.len() as u64))
    }

    /// Seqs of a stream's events with versions greater than `after_version`, at most `limit`.
    pub(crate) fn stream_seqs(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Vec<u64> {
        let Some(seqs) = self.streams.get(stream) else {
            return Vec::new();
        };
        let from = usize::try_from(after_version).unwrap_or(usize::MAX);
        seqs.iter().skip(from).take(limit).copied().collect()
    }

    /// Seqs of a stream's events with sequence numbers greater than `after_seq`, at most
    /// `limit`: a binary search in the stream's list, which is in log order.
    pub(crate) fn stream_seqs_after_seq(
        &self,
        stream: &StreamId,
        after_seq: u64,
        limit: usize,
    ) -> Vec<u64> {
        let Some(seqs) = self.streams.get(stream) else {
            return Vec::new();
        };
        let from = seqs.partition_point(|&seq| seq <= after_seq);
        seqs.iter().skip(from).take(limit).copied().collect()
    }

    /// Saves the index, covering events up to `head` whose last frame ends at `end`, to
    /// `index.bin` in `dir`, durably (written beside it, synced, renamed over it, the directory
    /// synced).
    pub(crate) fn save(&self, files: &dyn Files, dir: &Path, head: Head, end: u64) -> Result<()> {
        let count = usize::try_from(head.seq)
            .unwrap_or(usize::MAX)
            .min(self.offsets.len());
        let mut ids = vec![0u128; count];
        let mut stream_names = Vec::with_capacity(self.streams.len());
        let mut stream_of = vec![0u32; count];
        for (number, (stream, seqs)) in self.streams.iter().enumerate() {
            stream_names.push(stream.as_str().to_owned());
            for &seq in seqs {
                if let Some(slot) = stream_of.get_mut((seq - 1) as usize) {
                    *slot = number as u32;
                }
            }
        }
        for (id, &seq) in &self.ids {
            if let Some(slot) = ids.get_mut((seq - 1) as usize) {
                *slot = id.as_u128();
            }
        }
        let saved = Saved {
            head_seq: head.seq,
            head_hash: head.hash.0,
            end,
            offsets: self.offsets[..count].to_vec(),
            ids,
            stream_names,
            stream_of,
        };
        let body = bincode::serialize(&saved).map_err(std::io::Error::other)?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + body.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&Hash::of(&body).0);
        files.replace(&dir.join(FILE_NAME), &bytes)?;
        Ok(())
    }

    /// Loads `index.bin` from `dir`: the index and the head and end offset it covers. `None` if
    /// there is none or it cannot be trusted (damaged, another format, inconsistent).
    pub(crate) fn load(files: &dyn Files, dir: &Path) -> Option<(Index, Head, u64)> {
        let bytes = files.read(&dir.join(FILE_NAME)).ok()?;
        let body = bytes.strip_prefix(MAGIC)?;
        let (body, hash) = body.split_at(body.len().checked_sub(32)?);
        if Hash::of(body).0 != hash {
            return None;
        }
        let saved: Saved = bincode::deserialize(body).ok()?;
        let count = saved.offsets.len();
        if saved.head_seq != count as u64
            || saved.ids.len() != count
            || saved.stream_of.len() != count
        {
            return None;
        }
        let mut streams: Vec<(StreamId, Vec<u64>)> = Vec::with_capacity(saved.stream_names.len());
        for name in saved.stream_names {
            streams.push((StreamId::new(name).ok()?, Vec::new()));
        }
        let mut ids = HashMap::with_capacity(count);
        for (position, (&id, &stream)) in saved.ids.iter().zip(&saved.stream_of).enumerate() {
            let seq = position as u64 + 1;
            ids.insert(Uuid::from_u128(id), seq);
            streams.get_mut(stream as usize)?.1.push(seq);
        }
        let index = Index {
            offsets: saved.offsets,
            ids,
            streams: streams.into_iter().collect(),
        };
        let head = Head {
            seq: saved.head_seq,
            hash: Hash(saved.head_hash),
        };
        Some((index, head, saved.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::io::OsFiles;

    fn event(seq: u64, stream: &str) -> Event {
        Event {
            seq,
            id: Uuid::now_v7(),
            stream: StreamId::new(stream).expect("stream"),
            version: 0,
            recorded_at: jiff::Timestamp::UNIX_EPOCH,
            effective: jiff::civil::date(2023, 1, 1),
            actor: "test".into(),
            note: None,
            payload: crate::event::Payload::IndicatorRetired {
                reason: String::new(),
            },
            prev_hash: Hash::ZERO,
            hash: Hash::ZERO,
        }
    }

    #[test]
    fn saves_and_loads_what_it_holds() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let mut index = Index::default();
        let events: Vec<Event> = (1..=50)
            .map(|seq| {
                event(
                    seq,
                    ["plan/a", "indicator/b", "indicator/c"][seq as usize % 3],
                )
            })
            .collect();
        for event in &events {
            index.push(event, event.seq * 100);
        }
        let head = Head {
            seq: 50,
            hash: Hash::of(b"head"),
        };
        index.save(&OsFiles, dir.path(), head, 5_100)?;
        let (loaded, loaded_head, end) = Index::load(&OsFiles, dir.path()).expect("loads");
        assert_eq!((loaded_head, end), (head, 5_100));
        assert_eq!(loaded.offsets, index.offsets);
        assert_eq!(loaded.ids, index.ids);
        assert_eq!(loaded.streams, index.streams);

        let mut bytes = std::fs::read(dir.path().join(FILE_NAME))?;
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        std::fs::write(dir.path().join(FILE_NAME), bytes)?;
        assert!(
            Index::load(&OsFiles, dir.path()).is_none(),
            "a damaged file is not used"
        );
        Ok(())
    }
}
