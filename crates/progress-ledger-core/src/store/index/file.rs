//! `index.bin`: the saved part of the index, laid out to be looked up where it lies.
//!
//! The file is a run of 4 KiB blocks followed by a header and a footer:
//!
//! - block 0: the magic `PLINDEX4`, then zeros;
//! - offsets: the offset of each event's frame, a u64 per seq (512 a block), so that
//!   `offset(seq)` reads one block;
//! - ids: (id as a little-endian u128, seq as a u64) sorted by id, 170 a block (the last 16
//!   bytes of each block are zeros), so that with the first id of every block (the fences, in
//!   the header) `seq_of(id)` reads one block;
//! - stream seqs: each stream's seqs in order, one stream after the other (512 a block), so
//!   that a page of a stream is one range;
//! - stream offsets: the offset of the frame of each of those seqs, in the same order, so that
//!   reading a page of a stream's events looks up no offset one by one;
//! - filter: the bits of a Bloom filter of the ids (u64 words), held in memory once open, so
//!   that an id that is not saved (every new id of an append) is known absent without a read;
//! - the header (bincode): head, end offset, counts, where each section starts, each stream's
//!   name, count and first position, the fences, and the CRC32C of every block;
//! - the footer: the header's length (u64), its CRC32C (u32), the magic again.
//!
//! Each section starts on a block boundary. Opening checks the header's checksum, that the
//! header agrees with the file's size, and the checksum of every block (one sequential read);
//! every later block read checks the block's checksum again, so damage is an error, never a
//! wrong answer.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use fastbloom::BloomFilter;
use serde::{Deserialize, Serialize};

use super::super::io::{FileIo, Files};
use crate::event::{Head, StreamId};
use crate::hash::Hash;

/// Bytes of a block: the unit of checksums and reads.
pub(super) const BLOCK: u64 = 4096;
/// First bytes of the file (and last), with its format version (4: the sections of the module
/// documentation).
const MAGIC: &[u8; 8] = b"PLINDEX4";
/// u64 values (offsets, stream seqs) in a block.
const U64S_PER_BLOCK: u64 = BLOCK / 8;
/// Bytes of an id entry: the id and its seq.
const ID_ENTRY: u64 = 24;
/// Id entries in a block.
const IDS_PER_BLOCK: u64 = BLOCK / ID_ENTRY;
/// Bytes of the footer: header length, header checksum, magic.
const FOOTER: u64 = 8 + 4 + 8;
/// Bits of the filter per id: with [`FILTER_HASHES`] hashes, about 1% of absent ids read a
/// block for nothing.
const FILTER_BITS_PER_ID: u64 = 10;
/// Hashes per id of the filter.
const FILTER_HASHES: u32 = 7;
/// Bytes read at once when the file is checked or copied.
const CHUNK_BLOCKS: u64 = 256;

/// The header: where everything is.
#[derive(Serialize, Deserialize)]
struct Header {
    head_seq: u64,
    head_hash: [u8; 32],
    end: u64,
    /// Events with an offset (the head's seq).
    count: u64,
    /// Id entries.
    ids: u64,
    offsets_block: u64,
    ids_block: u64,
    streams_block: u64,
    stream_offsets_block: u64,
    filter_block: u64,
    filter_words: u64,
    filter_hashes: u32,
    /// Each stream's name, number of seqs and position of its first seq in the stream section.
    streams: Vec<(String, u64, u64)>,
    /// First id of each block of the id section.
    fences: Vec<u128>,
    /// CRC32C of each block before the header.
    crcs: Vec<u32>,
}

/// A stream's saved seqs: how many, and where the first is in the stream section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SavedSeqs {
    /// Seqs of the stream in the file (its version as saved).
    pub(super) count: u64,
    /// Position of its first seq in the stream section.
    pub(super) at: u64,
}

/// An open `index.bin`: the header, fences, checksums and filter in memory, the rest read when
/// asked for.
pub(super) struct SavedFile {
    file: Arc<dyn FileIo>,
    /// The last event saved.
    pub(super) head: Head,
    /// Offset where the last saved event's frame ends.
    pub(super) end: u64,
    /// Events saved (the head's seq).
    pub(super) count: u64,
    ids: u64,
    offsets_block: u64,
    ids_block: u64,
    streams_block: u64,
    stream_offsets_block: u64,
    fences: Vec<u128>,
    crcs: Vec<u32>,
    filter: BloomFilter,
}

impl std::fmt::Debug for SavedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedFile")
            .field("head", &self.head)
            .field("count", &self.count)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

/// The hash of an id the filter takes: the id's two halves folded and mixed (splitmix64's
/// finaliser), fixed so that a saved filter answers the same in every process.
fn id_hash(id: u128) -> u64 {
    let mut x = (id as u64) ^ ((id >> 64) as u64).rotate_left(29);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn damaged(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("index.bin is damaged: {what}"),
    )
}

/// Reads exactly `buf.len()` bytes at `offset`.
fn read_exact_at(file: &dyn FileIo, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let got = file.read_at(&mut buf[done..], offset + done as u64)?;
        if got == 0 {
            return Err(damaged(format!("cut short at {}", offset + done as u64)));
        }
        done += got;
    }
    Ok(())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn u128_at(bytes: &[u8], at: usize) -> u128 {
    let mut word = [0u8; 16];
    word.copy_from_slice(&bytes[at..at + 16]);
    u128::from_le_bytes(word)
}

/// Blocks needed for `items` items of which a block holds `per_block`.
fn blocks_for(items: u64, per_block: u64) -> u64 {
    items.div_ceil(per_block)
}

impl SavedFile {
    /// Reads the whole blocks `first..first + n`, each checked against its checksum.
    fn read_blocks(&self, first: u64, n: u64) -> io::Result<Vec<u8>> {
        read_checked(&*self.file, &self.crcs, first, n)
    }

    /// `n` u64 values from position `from` of the section starting at block `section`.
    fn read_u64s(&self, section: u64, from: u64, n: u64) -> io::Result<Vec<u64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let first = from / U64S_PER_BLOCK;
        let last = (from + n - 1) / U64S_PER_BLOCK;
        let bytes = self.read_blocks(section + first, last - first + 1)?;
        let skip = ((from - first * U64S_PER_BLOCK) * 8) as usize;
        Ok((0..n as usize)
            .map(|i| u64_at(&bytes, skip + i * 8))
            .collect())
    }

    /// Offset of event `seq`'s frame (`1 <= seq <= count`).
    pub(super) fn offset(&self, seq: u64) -> io::Result<u64> {
        Ok(self.read_u64s(self.offsets_block, seq - 1, 1)?[0])
    }

    /// Seq of the event with this id, if it is saved.
    pub(super) fn seq_of(&self, id: u128) -> io::Result<Option<u64>> {
        if !self.filter.contains_hash(id_hash(id)) {
            return Ok(None);
        }
        let block = match self.fences.partition_point(|&fence| fence <= id) {
            0 => return Ok(None),
            after => after as u64 - 1,
        };
        let entries = (self.ids - block * IDS_PER_BLOCK).min(IDS_PER_BLOCK) as usize;
        let bytes = self.read_blocks(self.ids_block + block, 1)?;
        let at = |i: usize| u128_at(&bytes, i * ID_ENTRY as usize);
        let (mut lo, mut hi) = (0, entries);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match at(mid).cmp(&id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    return Ok(Some(u64_at(&bytes, mid * ID_ENTRY as usize + 16)));
                }
            }
        }
        Ok(None)
    }

    /// Seqs `from..from + n` of a stream saved as `seqs`.
    pub(super) fn stream_seqs(&self, seqs: SavedSeqs, from: u64, n: u64) -> io::Result<Vec<u64>> {
        self.read_u64s(self.streams_block, seqs.at + from, n)
    }

    /// The offsets of the frames of a stream's seqs `from..from + n` (as [`Self::stream_seqs`]).
    pub(super) fn stream_offsets(
        &self,
        seqs: SavedSeqs,
        from: u64,
        n: u64,
    ) -> io::Result<Vec<u64>> {
        self.read_u64s(self.stream_offsets_block, seqs.at + from, n)
    }

    /// How many of a stream's saved seqs are at most `seq`: a binary search, one block read a
    /// step until the range fits in one read.
    pub(super) fn stream_count_upto(&self, seqs: SavedSeqs, seq: u64) -> io::Result<u64> {
        let (mut lo, mut hi) = (0, seqs.count);
        while hi - lo > U64S_PER_BLOCK {
            let mid = lo + (hi - lo) / 2;
            if self.stream_seqs(seqs, mid, 1)?[0] <= seq {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let rest = self.stream_seqs(seqs, lo, hi - lo)?;
        Ok(lo + rest.partition_point(|&s| s <= seq) as u64)
    }

    /// Opens and checks `index.bin` at `path`: its saved part and its streams. `None` if there is
    /// none, or it is of another format, damaged, cut or inconsistent.
    pub(super) fn open(
        files: &dyn Files,
        path: &Path,
    ) -> Option<(SavedFile, Vec<(StreamId, SavedSeqs)>)> {
        let file = files.open_read_only(path).ok()?;
        let size = file.size().ok()?;
        let mut footer = [0u8; FOOTER as usize];
        read_exact_at(&*file, &mut footer, size.checked_sub(FOOTER)?).ok()?;
        if &footer[12..] != MAGIC {
            return None;
        }
        let header_len = u64_at(&footer, 0);
        let header_crc = u32::from_le_bytes(footer[8..12].try_into().ok()?);
        let header_at = size.checked_sub(FOOTER)?.checked_sub(header_len)?;
        let mut bytes = vec![0u8; usize::try_from(header_len).ok()?];
        read_exact_at(&*file, &mut bytes, header_at).ok()?;
        if crc32c::crc32c(&bytes) != header_crc {
            return None;
        }
        let header: Header = bincode::deserialize(&bytes).ok()?;
        drop(bytes);
        let blocks = header.crcs.len() as u64;
        let filter_blocks = blocks_for(header.filter_words, U64S_PER_BLOCK);
        let offsets_block = 1;
        let ids_block = offsets_block + blocks_for(header.count, U64S_PER_BLOCK);
        let streams_block = ids_block + blocks_for(header.ids, IDS_PER_BLOCK);
        let stream_total = header
            .streams
            .iter()
            .try_fold(0u64, |total, stream| total.checked_add(stream.1))?;
        let stream_offsets_block = streams_block + blocks_for(stream_total, U64S_PER_BLOCK);
        let filter_block = stream_offsets_block + blocks_for(stream_total, U64S_PER_BLOCK);
        let consistent = header.head_seq == header.count
            && header.offsets_block == offsets_block
            && header.ids_block == ids_block
            && header.streams_block == streams_block
            && header.stream_offsets_block == stream_offsets_block
            && header.filter_block == filter_block
            && header.filter_words > 0
            && (1..=32).contains(&header.filter_hashes)
            && blocks == filter_block + filter_blocks
            && header_at == blocks * BLOCK
            && header.fences.len() as u64 == blocks_for(header.ids, IDS_PER_BLOCK);
        if !consistent {
            return None;
        }
        let mut streams = Vec::with_capacity(header.streams.len());
        let mut next = 0;
        for (name, count, at) in header.streams {
            if at != next {
                return None;
            }
            next = next.checked_add(count)?;
            streams.push((StreamId::new(name).ok()?, SavedSeqs { count, at }));
        }
        // Every block is checked now, so that a damaged file is never used.
        let mut first = 0;
        while first < blocks {
            let n = CHUNK_BLOCKS.min(blocks - first);
            let chunk = read_checked(&*file, &header.crcs, first, n).ok()?;
            if first == 0 && !chunk.starts_with(MAGIC) {
                return None;
            }
            first += n;
        }
        let words = read_checked(&*file, &header.crcs, filter_block, filter_blocks).ok()?;
        let words: Vec<u64> = (0..header.filter_words as usize)
            .map(|i| u64_at(&words, i * 8))
            .collect();
        let filter = BloomFilter::from_vec(words).hashes(header.filter_hashes);
        let saved = SavedFile {
            file,
            head: Head {
                seq: header.head_seq,
                hash: Hash(header.head_hash),
            },
            end: header.end,
            count: header.count,
            ids: header.ids,
            offsets_block,
            ids_block,
            streams_block,
            stream_offsets_block,
            fences: header.fences,
            crcs: header.crcs,
            filter,
        };
        Some((saved, streams))
    }
}

/// Reads the whole blocks `first..first + n` of `file`, each checked against its checksum.
fn read_checked(file: &dyn FileIo, crcs: &[u32], first: u64, n: u64) -> io::Result<Vec<u8>> {
    let last = first + n;
    if last > crcs.len() as u64 {
        return Err(damaged(format!("block {last} is past its end")));
    }
    let mut bytes = vec![0u8; (n * BLOCK) as usize];
    read_exact_at(file, &mut bytes, first * BLOCK)?;
    for (i, block) in bytes.chunks_exact(BLOCK as usize).enumerate() {
        let number = first + i as u64;
        if crc32c::crc32c(block) != crcs[number as usize] {
            return Err(damaged(format!("block {number} fails its checksum")));
        }
    }
    Ok(bytes)
}

/// What a save writes beyond the saved file: the events after its head up to the new head.
pub(super) struct Recent {
    /// Offsets of the events after the saved head, in seq order.
    pub(super) offsets: Vec<u64>,
    /// Their ids and seqs, sorted by id.
    pub(super) ids: Vec<(u128, u64)>,
    /// Every stream with saved or recent seqs: its saved seqs and its recent ones, in the order
    /// of the saved file's stream section, then new streams.
    pub(super) streams: Vec<(StreamId, SavedSeqs, Vec<u64>)>,
}

/// Counts the blocks written and their checksums.
struct BlockWriter<'a> {
    out: &'a mut dyn Write,
    /// Bytes written.
    at: u64,
    /// Checksum of the bytes of the current block so far.
    crc: u32,
    crcs: Vec<u32>,
}

impl BlockWriter<'_> {
    fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let room = (BLOCK - self.at % BLOCK) as usize;
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.out.write_all(now)?;
            self.crc = crc32c::crc32c_append(self.crc, now);
            self.at += now.len() as u64;
            if self.at % BLOCK == 0 {
                self.crcs.push(self.crc);
                self.crc = 0;
            }
            bytes = rest;
        }
        Ok(())
    }

    /// Zeros up to the next block boundary.
    fn pad(&mut self) -> io::Result<()> {
        let room = (BLOCK - self.at % BLOCK) % BLOCK;
        self.write(&vec![0u8; room as usize])
    }

    fn block(&self) -> u64 {
        self.at / BLOCK
    }
}

/// Writes `u64`s little-endian.
fn write_u64s(out: &mut BlockWriter<'_>, values: &[u64]) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    values
        .iter()
        .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
    out.write(&bytes)
}

/// Packs id entries into blocks, noting each block's first id and filling the filter.
struct IdWriter {
    written: u64,
    fences: Vec<u128>,
    filter: BloomFilter,
}

impl IdWriter {
    fn push(&mut self, out: &mut BlockWriter<'_>, id: u128, seq: u64) -> io::Result<()> {
        if self.written % IDS_PER_BLOCK == 0 {
            out.pad()?;
            self.fences.push(id);
        }
        let mut entry = [0u8; ID_ENTRY as usize];
        entry[..16].copy_from_slice(&id.to_le_bytes());
        entry[16..].copy_from_slice(&seq.to_le_bytes());
        out.write(&entry)?;
        self.filter.insert_hash(id_hash(id));
        self.written += 1;
        Ok(())
    }
}

/// Writes a new `index.bin` at `path` durably, holding the saved file's part (read in chunks,
/// the ids merged in order with the recent ones) and `recent`, covering events up to `head`
/// whose last frame ends at `end`; then opens it. Memory: the recent part, one chunk of the old
/// file, the new fences, checksums and filter.
pub(super) fn write(
    files: &dyn Files,
    path: &Path,
    old: Option<&SavedFile>,
    recent: &Recent,
    head: Head,
    end: u64,
) -> io::Result<(SavedFile, Vec<(StreamId, SavedSeqs)>)> {
    let old_count = old.map_or(0, |o| o.count);
    let old_ids = old.map_or(0, |o| o.ids);
    let count = old_count + recent.offsets.len() as u64;
    if count != head.seq {
        return Err(io::Error::other(format!(
            "the index holds {count} offsets up to head {}",
            head.seq
        )));
    }
    let ids = old_ids + recent.ids.len() as u64;
    let filter_bits = (ids * FILTER_BITS_PER_ID).max(1024).next_multiple_of(64);
    let mut at = 0;
    let saved_streams: Vec<(StreamId, SavedSeqs)> = recent
        .streams
        .iter()
        .map(|(name, saved, seqs)| {
            let count = saved.count + seqs.len() as u64;
            at += count;
            (
                name.clone(),
                SavedSeqs {
                    count,
                    at: at - count,
                },
            )
        })
        .collect();
    let mut result = None;
    files.replace_with(path, &mut |out| {
        let mut out = BlockWriter {
            out,
            at: 0,
            crc: 0,
            crcs: Vec::new(),
        };
        out.write(MAGIC)?;
        out.pad()?;
        // Offsets.
        let offsets_block = out.block();
        copy_u64s(&mut out, old, |o| o.offsets_block, 0, old_count)?;
        write_u64s(&mut out, &recent.offsets)?;
        out.pad()?;
        // Ids, merged.
        let ids_block = out.block();
        let mut id_writer = IdWriter {
            written: 0,
            fences: Vec::with_capacity(blocks_for(ids, IDS_PER_BLOCK) as usize),
            filter: BloomFilter::with_num_bits(filter_bits as usize).hashes(FILTER_HASHES),
        };
        let mut recent_ids = recent.ids.iter().peekable();
        if let Some(old) = old {
            let blocks = blocks_for(old.ids, IDS_PER_BLOCK);
            let mut first = 0;
            while first < blocks {
                let n = CHUNK_BLOCKS.min(blocks - first);
                let bytes = old.read_blocks(old.ids_block + first, n)?;
                let entries = (old.ids - first * IDS_PER_BLOCK).min(n * IDS_PER_BLOCK);
                for i in 0..entries {
                    let at =
                        ((i / IDS_PER_BLOCK) * BLOCK + (i % IDS_PER_BLOCK) * ID_ENTRY) as usize;
                    let (id, seq) = (u128_at(&bytes, at), u64_at(&bytes, at + 16));
                    while let Some(&&(new_id, new_seq)) = recent_ids.peek() {
                        if new_id >= id {
                            break;
                        }
                        id_writer.push(&mut out, new_id, new_seq)?;
                        recent_ids.next();
                    }
                    id_writer.push(&mut out, id, seq)?;
                }
                first += n;
            }
        }
        for &(id, seq) in recent_ids {
            id_writer.push(&mut out, id, seq)?;
        }
        out.pad()?;
        // Stream seqs.
        let streams_block = out.block();
        for (_, saved, seqs) in &recent.streams {
            copy_u64s(&mut out, old, |o| o.streams_block, saved.at, saved.count)?;
            write_u64s(&mut out, seqs)?;
        }
        let streams = saved_streams
            .iter()
            .map(|(name, seqs)| (name.as_str().to_owned(), seqs.count, seqs.at))
            .collect();
        out.pad()?;
        // The offsets of the stream seqs' frames, in the same order.
        let stream_offsets_block = out.block();
        for (_, saved, seqs) in &recent.streams {
            copy_u64s(
                &mut out,
                old,
                |o| o.stream_offsets_block,
                saved.at,
                saved.count,
            )?;
            let offsets = seqs
                .iter()
                .map(|&seq| {
                    let position = seq
                        .checked_sub(old_count + 1)
                        .and_then(|p| usize::try_from(p).ok());
                    position
                        .and_then(|p| recent.offsets.get(p).copied())
                        .ok_or_else(|| io::Error::other(format!("no offset for stream seq {seq}")))
                })
                .collect::<io::Result<Vec<u64>>>()?;
            write_u64s(&mut out, &offsets)?;
        }
        out.pad()?;
        // Filter.
        let filter_block = out.block();
        let words = id_writer.filter.as_slice().to_vec();
        write_u64s(&mut out, &words)?;
        out.pad()?;
        let header = Header {
            head_seq: head.seq,
            head_hash: head.hash.0,
            end,
            count,
            ids,
            offsets_block,
            ids_block,
            streams_block,
            stream_offsets_block,
            filter_block,
            filter_words: words.len() as u64,
            filter_hashes: FILTER_HASHES,
            streams,
            fences: id_writer.fences,
            crcs: out.crcs,
        };
        let bytes = bincode::serialize(&header).map_err(io::Error::other)?;
        let out = out.out;
        out.write_all(&bytes)?;
        out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        out.write_all(&crc32c::crc32c(&bytes).to_le_bytes())?;
        out.write_all(MAGIC)?;
        result = Some((header, id_writer.filter));
        Ok(())
    })?;
    let (header, filter) = result.ok_or_else(|| io::Error::other("index.bin was not written"))?;
    let file = SavedFile {
        file: files.open_read_only(path)?,
        head,
        end,
        count,
        ids,
        offsets_block: header.offsets_block,
        ids_block: header.ids_block,
        streams_block: header.streams_block,
        stream_offsets_block: header.stream_offsets_block,
        fences: header.fences,
        crcs: header.crcs,
        filter,
    };
    Ok((file, saved_streams))
}

/// Copies `n` u64s from position `from` of a section of the old file, a chunk at a time.
fn copy_u64s(
    out: &mut BlockWriter<'_>,
    old: Option<&SavedFile>,
    section: impl Fn(&SavedFile) -> u64,
    from: u64,
    n: u64,
) -> io::Result<()> {
    let Some(old) = old else {
        return Ok(());
    };
    let chunk = CHUNK_BLOCKS * U64S_PER_BLOCK;
    let mut done = 0;
    while done < n {
        let now = chunk.min(n - done);
        write_u64s(out, &old.read_u64s(section(old), from + done, now)?)?;
        done += now;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter's bits are stored: a version of fastbloom (or of `id_hash`) that sets other
    /// bits for the same ids would make saved files answer "absent" for saved ids, so it must
    /// come with a new format version. This pins the bits.
    #[test]
    fn the_filter_sets_the_same_bits_as_the_saved_files_expect() {
        let mut filter = BloomFilter::with_num_bits(1024).hashes(FILTER_HASHES);
        for n in 1..=40u128 {
            filter.insert_hash(id_hash(
                n.wrapping_mul(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
            ));
        }
        let mut bytes = Vec::new();
        filter
            .as_slice()
            .iter()
            .for_each(|word| bytes.extend_from_slice(&word.to_le_bytes()));
        assert_eq!(crc32c::crc32c(&bytes), 4_009_858_417);
        let restored = BloomFilter::from_vec(filter.as_slice().to_vec()).hashes(FILTER_HASHES);
        assert!((1..=40u128).all(|n| restored.contains_hash(id_hash(
            n.wrapping_mul(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)
        ))));
    }
}
