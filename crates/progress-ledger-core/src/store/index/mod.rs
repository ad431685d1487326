//! The index of the log, derived from it: where each event's frame is, the event of each id,
//! and the events of each stream.
//!
//! Its saved part lives in `index.bin` beside the log ([`file`]), looked up where it lies with
//! a positioned read: memory holds only that file's header, the first id of each of its blocks,
//! its blocks' checksums, a Bloom filter of its ids (about 1.2 bytes an id, so that a new id
//! costs no read) and each stream's saved count — about 1.4 bytes per saved event. The events
//! after the saved head are held in memory (offsets, ids, streams), and lookups look there
//! first. Saving (now and then, and at close) writes a new file that merges the old one, read
//! in chunks, with the recent events, durably, then switches to it; the recent part empties.
//! A missing, stale or damaged file only costs a longer read of the log at open; damage found
//! after open is an error, never a wrong answer.

mod file;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use self::file::{Recent, SavedFile, SavedSeqs};
use super::io::Files;
use crate::error::Result;
use crate::event::{Event, Head, StreamId};

/// Name of the saved index inside the ledger directory.
pub(crate) const FILE_NAME: &str = "index.bin";

/// Where every event is, by seq, id and stream.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// The saved part, if any: events `1..=saved.count`.
    saved: Option<Arc<SavedFile>>,
    /// Offset of each event's frame after the saved part: `offsets[seq - saved - 1]`.
    offsets: Vec<u64>,
    /// Seq of each event id after the saved part.
    ids: HashMap<Uuid, u64>,
    /// Each stream's seqs: how many are saved (and where), and those after the saved part.
    streams: HashMap<StreamId, Stream>,
}

/// A stream's events: its saved seqs, then its recent ones.
#[derive(Debug, Default)]
struct Stream {
    saved: SavedSeqs,
    recent: Vec<u64>,
}

impl Stream {
    fn version(&self) -> u64 {
        self.saved.count + self.recent.len() as u64
    }
}

/// What a save writes, taken from the index under its lock (see [`Index::to_save`]): the
/// saved file so far and the events after it up to the head saved.
pub(crate) struct ToSave {
    old: Option<Arc<SavedFile>>,
    recent: Recent,
    head: Head,
    end: u64,
}

impl ToSave {
    /// Writes the new `index.bin` in `dir` durably (see [`file`]); the index switches to it
    /// with [`Index::switch_to`].
    pub(crate) fn write(&self, files: &dyn Files, dir: &Path) -> Result<Saved> {
        let (file, streams) = file::write(
            files,
            &dir.join(FILE_NAME),
            self.old.as_deref(),
            &self.recent,
            self.head,
            self.end,
        )?;
        Ok(Saved(file, streams))
    }
}

/// A newly written `index.bin`, for [`Index::switch_to`].
pub(crate) struct Saved(SavedFile, Vec<(StreamId, SavedSeqs)>);

impl Index {
    /// Events saved in `index.bin`.
    fn saved_count(&self) -> u64 {
        self.saved.as_ref().map_or(0, |saved| saved.count)
    }

    /// Number of events indexed.
    pub(crate) fn len(&self) -> u64 {
        self.saved_count() + self.offsets.len() as u64
    }

    /// Adds the next event, whose frame starts at `offset`.
    pub(crate) fn push(&mut self, event: &Event, offset: u64) {
        debug_assert_eq!(event.seq, self.len() + 1);
        self.offsets.push(offset);
        self.ids.insert(event.id, event.seq);
        // Look up before inserting: `entry` would clone the stream name for every event.
        match self.streams.get_mut(&event.stream) {
            Some(stream) => stream.recent.push(event.seq),
            None => {
                let stream = Stream {
                    saved: SavedSeqs::default(),
                    recent: vec![event.seq],
                };
                self.streams.insert(event.stream.clone(), stream);
            }
        }
    }

    /// Adds the next frame of a damaged log, which cannot be decoded: its offset only.
    pub(crate) fn push_unreadable(&mut self, offset: u64) {
        self.offsets.push(offset);
    }

    /// Offset of the frame of event `seq`; an error if `index.bin` cannot be read.
    pub(crate) fn offset(&self, seq: u64) -> Result<Option<u64>> {
        if seq == 0 {
            return Ok(None);
        }
        if let Some(saved) = &self.saved {
            if seq <= saved.count {
                return Ok(Some(saved.offset(seq)?));
            }
        }
        let position = usize::try_from(seq - 1 - self.saved_count()).ok();
        Ok(position.and_then(|p| self.offsets.get(p).copied()))
    }

    /// Seq of the event with this id; an error if `index.bin` cannot be read.
    pub(crate) fn seq_of(&self, id: &Uuid) -> Result<Option<u64>> {
        if let Some(&seq) = self.ids.get(id) {
            return Ok(Some(seq));
        }
        match &self.saved {
            Some(saved) => Ok(saved.seq_of(id.as_u128())?),
            None => Ok(None),
        }
    }

    /// Version of a stream: its number of events (0 if none).
    pub(crate) fn version(&self, stream: &StreamId) -> u64 {
        self.streams.get(stream).map_or(0, Stream::version)
    }

    /// Every stream and its version.
    pub(crate) fn versions(&self) -> impl Iterator<Item = (&StreamId, u64)> {
        self.streams
            .iter()
            .map(|(name, stream)| (name, stream.version()))
    }

    /// A stream's events from position `from` (its version `from + 1`), at most `limit`: each
    /// one's seq and the offset of its frame, the saved ones read in two ranges (seqs,
    /// offsets), then the recent ones.
    fn stream_from(&self, stream: &Stream, from: u64, limit: usize) -> Result<Vec<(u64, u64)>> {
        let mut frames = Vec::new();
        let limit = limit as u64;
        if from < stream.saved.count {
            let n = (stream.saved.count - from).min(limit);
            if let Some(saved) = &self.saved {
                let seqs = saved.stream_seqs(stream.saved, from, n)?;
                let offsets = saved.stream_offsets(stream.saved, from, n)?;
                frames = seqs.into_iter().zip(offsets).collect();
            }
        }
        let skip = from.saturating_sub(stream.saved.count);
        let room = limit - frames.len() as u64;
        let saved = self.saved_count();
        let recent = stream
            .recent
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(room).unwrap_or(usize::MAX));
        for &seq in recent {
            // The recent seqs are after the saved part, each with its offset.
            let position = seq
                .checked_sub(saved + 1)
                .and_then(|p| usize::try_from(p).ok());
            match position.and_then(|p| self.offsets.get(p)) {
                Some(&offset) => frames.push((seq, offset)),
                None => break,
            }
        }
        Ok(frames)
    }

    /// A stream's events with versions greater than `after_version`, at most `limit`: their
    /// seqs and the offsets of their frames.
    pub(crate) fn stream_frames(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<(u64, u64)>> {
        match self.streams.get(stream) {
            Some(found) => self.stream_from(found, after_version, limit),
            None => Ok(Vec::new()),
        }
    }

    /// A stream's events with sequence numbers greater than `after_seq`, at most `limit` (as
    /// [`Index::stream_frames`]): a binary search in the stream's seqs, which are in log order.
    pub(crate) fn stream_frames_after_seq(
        &self,
        stream: &StreamId,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, u64)>> {
        let Some(found) = self.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let from = self.count_upto(found, after_seq)?;
        self.stream_from(found, from, limit)
    }

    /// A stream's events with sequence numbers in `after_seq + 1 ..= upto_seq`.
    pub(crate) fn stream_frames_between(
        &self,
        stream: &StreamId,
        after_seq: u64,
        upto_seq: u64,
    ) -> Result<Vec<(u64, u64)>> {
        let Some(found) = self.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let from = self.count_upto(found, after_seq)?;
        let to = self.count_upto(found, upto_seq)?;
        self.stream_from(
            found,
            from,
            usize::try_from(to.saturating_sub(from)).unwrap_or(usize::MAX),
        )
    }

    /// How many of a stream's seqs are at most `seq`: a binary search, the stream's seqs
    /// being in log order.
    fn count_upto(&self, found: &Stream, seq: u64) -> Result<u64> {
        Ok(match &self.saved {
            Some(saved) if found.saved.count > 0 && seq < saved.count => {
                saved.stream_count_upto(found.saved, seq)?
            }
            _ => found.saved.count + found.recent.partition_point(|&s| s <= seq) as u64,
        })
    }

    /// What saving the index up to `head` (whose last frame ends at `end`) needs: cheap (the
    /// events since the last save), so that the file is written outside the index's lock.
    pub(crate) fn to_save(&self, head: Head, end: u64) -> ToSave {
        let saved = self.saved_count();
        let upto = usize::try_from(head.seq.saturating_sub(saved))
            .unwrap_or(usize::MAX)
            .min(self.offsets.len());
        let mut ids: Vec<(u128, u64)> = self
            .ids
            .iter()
            .filter(|&(_, &seq)| seq <= head.seq)
            .map(|(id, &seq)| (id.as_u128(), seq))
            .collect();
        ids.sort_unstable();
        let mut streams: Vec<(StreamId, SavedSeqs, Vec<u64>)> = self
            .streams
            .iter()
            .map(|(name, stream)| {
                let upto = stream.recent.partition_point(|&seq| seq <= head.seq);
                (name.clone(), stream.saved, stream.recent[..upto].to_vec())
            })
            .filter(|(_, saved, recent)| saved.count > 0 || !recent.is_empty())
            .collect();
        // The saved file's streams in its order (read front to back), then the new ones.
        streams.sort_by_key(|(name, saved, _)| (saved.count == 0, saved.at, name.clone()));
        ToSave {
            old: self.saved.clone(),
            recent: Recent {
                offsets: self.offsets[..upto].to_vec(),
                ids,
                streams,
            },
            head,
            end,
        }
    }

    /// Switches to a newly written `index.bin`: the recent part keeps only the events after it.
    /// A file older than the one in use is ignored.
    pub(crate) fn switch_to(&mut self, saved: Saved) {
        let Saved(file, streams) = saved;
        let old = self.saved_count();
        if file.count < old || file.count > self.len() {
            return;
        }
        let head = file.count;
        // The recent part is given back its memory: after opening from the log alone it held
        // every event.
        self.offsets.drain(..(head - old) as usize);
        self.offsets.shrink_to_fit();
        self.ids.retain(|_, &mut seq| seq > head);
        self.ids.shrink_to_fit();
        for (name, seqs) in streams {
            if let Some(stream) = self.streams.get_mut(&name) {
                stream.saved = seqs;
                stream.recent.retain(|&seq| seq > head);
                stream.recent.shrink_to_fit();
            }
        }
        self.saved = Some(Arc::new(file));
    }

    /// Saves the index, covering events up to `head` whose last frame ends at `end`, to
    /// `index.bin` in `dir`, durably (written beside it, synced, renamed over it, the directory
    /// synced), and switches to it.
    pub(crate) fn save(
        &mut self,
        files: &dyn Files,
        dir: &Path,
        head: Head,
        end: u64,
    ) -> Result<()> {
        let saved = self.to_save(head, end).write(files, dir)?;
        self.switch_to(saved);
        Ok(())
    }

    /// Loads `index.bin` from `dir`: the index and the head and end offset it covers. `None` if
    /// there is none or it cannot be trusted (damaged, cut, another format, inconsistent).
    pub(crate) fn load(files: &dyn Files, dir: &Path) -> Option<(Index, Head, u64)> {
        let (saved, streams) = SavedFile::open(files, &dir.join(FILE_NAME))?;
        let (head, end) = (saved.head, saved.end);
        let streams = streams
            .into_iter()
            .map(|(name, saved)| {
                let stream = Stream {
                    saved,
                    recent: Vec::new(),
                };
                (name, stream)
            })
            .collect();
        let index = Index {
            saved: Some(Arc::new(saved)),
            offsets: Vec::new(),
            ids: HashMap::new(),
            streams,
        };
        Some((index, head, end))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::hash::Hash;
    use crate::store::io::OsFiles;

    fn event(seq: u64, id: Uuid, stream: &str) -> Event {
        Event {
            seq,
            id,
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

    fn head(seq: u64) -> Head {
        Head {
            seq,
            hash: Hash::of(&seq.to_le_bytes()),
        }
    }

    /// Today's index before it lived on disk: every answer held in memory.
    #[derive(Default)]
    struct Model {
        offsets: Vec<u64>,
        ids: HashMap<Uuid, u64>,
        streams: HashMap<StreamId, Vec<u64>>,
        events: Vec<Event>,
    }

    impl Model {
        fn push(&mut self, event: Event, offset: u64) {
            self.offsets.push(offset);
            self.ids.insert(event.id, event.seq);
            self.streams
                .entry(event.stream.clone())
                .or_default()
                .push(event.seq);
            self.events.push(event);
        }
    }

    /// Every lookup of `index` equals the model's.
    fn check(index: &Index, model: &Model) -> Result<()> {
        let len = model.offsets.len() as u64;
        assert_eq!(index.len(), len);
        for seq in 0..=len + 1 {
            let expected = seq
                .checked_sub(1)
                .and_then(|p| model.offsets.get(p as usize).copied());
            assert_eq!(index.offset(seq)?, expected, "offset of {seq}");
        }
        for (id, &seq) in &model.ids {
            assert_eq!(index.seq_of(id)?, Some(seq), "seq of {id}");
        }
        for n in 0..50u128 {
            let absent = Uuid::from_u128(n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            assert_eq!(index.seq_of(&absent)?, None, "absent id {absent}");
        }
        let mut versions: Vec<(StreamId, u64)> =
            index.versions().map(|(s, v)| (s.clone(), v)).collect();
        versions.sort();
        let mut expected: Vec<(StreamId, u64)> = model
            .streams
            .iter()
            .map(|(s, seqs)| (s.clone(), seqs.len() as u64))
            .collect();
        expected.sort();
        assert_eq!(versions, expected);
        let absent = StreamId::new("indicator/absent").expect("stream");
        assert_eq!(index.version(&absent), 0);
        assert!(index.stream_frames(&absent, 0, 10)?.is_empty());
        assert!(index.stream_frames_after_seq(&absent, 0, 10)?.is_empty());
        // Each seq with the offset of its frame.
        let frames = |seqs: Vec<u64>| -> Vec<(u64, u64)> {
            seqs.into_iter()
                .map(|seq| (seq, model.offsets[(seq - 1) as usize]))
                .collect()
        };
        for (stream, seqs) in &model.streams {
            assert_eq!(index.version(stream), seqs.len() as u64);
            let n = seqs.len();
            for after in [0, 1, n / 3, n / 2, n.saturating_sub(1), n, n + 1] {
                for limit in [0, 1, 7, usize::MAX] {
                    let expected = frames(seqs.iter().skip(after).take(limit).copied().collect());
                    assert_eq!(index.stream_frames(stream, after as u64, limit)?, expected);
                }
            }
            let probes = [0, 1, len / 3, len / 2, len.saturating_sub(1), len, len + 5];
            let probes = probes
                .iter()
                .copied()
                .chain(seqs.iter().step_by(7).copied());
            for after_seq in probes {
                for limit in [1, 5, usize::MAX] {
                    let expected = frames(
                        seqs.iter()
                            .filter(|&&s| s > after_seq)
                            .take(limit)
                            .copied()
                            .collect(),
                    );
                    assert_eq!(
                        index.stream_frames_after_seq(stream, after_seq, limit)?,
                        expected,
                        "after seq {after_seq}"
                    );
                }
            }
        }
        Ok(())
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Pushes events: (stream number, id) each.
        Push(Vec<(u8, u128)>),
        /// Saves up to the head less this many events.
        Save(u8),
        /// Loads the saved file and catches up from the model's events, as opening does.
        Reload,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => prop::collection::vec((0u8..6, any::<u128>()), 1..400).prop_map(Op::Push),
            2 => (0u8..4).prop_map(Op::Save),
            1 => Just(Op::Reload),
        ]
    }

    const STREAMS: [&str; 6] = [
        "plan/a",
        "indicator/b",
        "indicator/c",
        "indicator/d",
        "indicator/e",
        "indicator/f",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever pushes, saves and reloads, every lookup answers as the in-memory model does.
        #[test]
        fn lookups_equal_the_model_through_saves_and_reloads(ops in prop::collection::vec(op(), 1..12)) {
            let dir = tempfile::tempdir().expect("dir");
            let mut index = Index::default();
            let mut model = Model::default();
            let mut saved_head = 0;
            for op in ops {
                match op {
                    Op::Push(events) => {
                        for (stream, id) in events {
                            let id = Uuid::from_u128(id);
                            if model.ids.contains_key(&id) {
                                continue;
                            }
                            let seq = model.offsets.len() as u64 + 1;
                            let event = event(seq, id, STREAMS[stream as usize]);
                            index.push(&event, seq * 100 + u64::from(stream));
                            model.push(event, seq * 100 + u64::from(stream));
                        }
                    }
                    Op::Save(lag) => {
                        let seq = (model.offsets.len() as u64).saturating_sub(u64::from(lag));
                        if seq >= saved_head {
                            index.save(&OsFiles, dir.path(), head(seq), seq * 1000).expect("saves");
                            saved_head = seq;
                        }
                    }
                    Op::Reload => {
                        if let Some((loaded, loaded_head, end)) = Index::load(&OsFiles, dir.path()) {
                            prop_assert_eq!(loaded_head, head(saved_head));
                            prop_assert_eq!(end, saved_head * 1000);
                            index = loaded;
                            for event in &model.events[saved_head as usize..] {
                                index.push(event, model.offsets[event.seq as usize - 1]);
                            }
                        } else {
                            prop_assert_eq!(saved_head, 0, "a saved file loads");
                        }
                    }
                }
                check(&index, &model).expect("lookups");
            }
        }
    }

    /// A saved file of a few blocks a section, and its bytes.
    fn saved_file(dir: &Path) -> Result<Vec<u8>> {
        let mut index = Index::default();
        for seq in 1..=600 {
            let event = event(seq, Uuid::now_v7(), STREAMS[seq as usize % 3]);
            index.push(&event, seq * 100);
        }
        index.save(&OsFiles, dir, head(600), 60_100)?;
        Ok(std::fs::read(dir.join(FILE_NAME))?)
    }

    #[test]
    fn a_saved_file_loads_with_its_head() -> Result<()> {
        let dir = tempfile::tempdir()?;
        saved_file(dir.path())?;
        let (loaded, loaded_head, end) = Index::load(&OsFiles, dir.path()).expect("loads");
        assert_eq!((loaded_head, end), (head(600), 60_100));
        assert_eq!(loaded.offset(600)?, Some(60_000));
        Ok(())
    }

    #[test]
    fn a_file_with_any_byte_flipped_or_cut_anywhere_is_not_used() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let bytes = saved_file(dir.path())?;
        let path = dir.path().join(FILE_NAME);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << (at % 8);
            std::fs::write(&path, &damaged)?;
            assert!(
                Index::load(&OsFiles, dir.path()).is_none(),
                "a file with byte {at} of {} flipped is used",
                bytes.len()
            );
        }
        for len in (0..bytes.len()).rev().step_by(61) {
            std::fs::write(&path, &bytes[..len])?;
            assert!(
                Index::load(&OsFiles, dir.path()).is_none(),
                "a file cut to {len} bytes is used"
            );
        }
        let mut old = b"PLINDEX2".to_vec();
        old.extend_from_slice(&bytes[8..]);
        std::fs::write(&path, old)?;
        assert!(
            Index::load(&OsFiles, dir.path()).is_none(),
            "another format is not used"
        );
        Ok(())
    }

    #[test]
    fn a_block_damaged_after_open_is_an_error_not_an_answer() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let bytes = saved_file(dir.path())?;
        let (loaded, _, _) = Index::load(&OsFiles, dir.path()).expect("loads");
        // The file is changed in place under the open index: every block but the first.
        let mut damaged = bytes.clone();
        let blocks = bytes.len() as u64 / file::BLOCK;
        for block in 1..blocks {
            damaged[(block * file::BLOCK + 17) as usize] ^= 0x40;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join(FILE_NAME))?;
        std::os::unix::fs::FileExt::write_all_at(&file, &damaged, 0)?;
        assert!(
            loaded.offset(5).is_err(),
            "an offset read from a damaged block"
        );
        let stream = StreamId::new(STREAMS[1]).expect("stream");
        assert!(loaded.stream_frames(&stream, 0, 10).is_err());
        assert!(loaded.stream_frames_after_seq(&stream, 3, 10).is_err());
        Ok(())
    }
}
