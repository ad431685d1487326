//! The log file `events.log`: every event in order, the single source of truth.
//!
//! The file starts with the 8 bytes [`MAGIC`] (storage layout 3). Then come frames, each
//! `len` (u32, little-endian: bytes of the stored event, never 0) ‖ `flags` (u8) ‖ `crc` (u32,
//! little-endian: CRC32C of `len`, `flags` and the stored event) ‖ the stored event (see
//! [`crate::codec`]). Flag [`BATCH_END`] marks the last frame of an atomic append: after a
//! crash, frames after the last batch end are not part of the log. Flag [`DURABLE_BEFORE`]
//! marks the first frame of a write made when everything before it was durable (the first
//! write after a completed flush), so that the frames before it are known to have been
//! acknowledged. The checksum tells a frame that was written whole from one that was cut short
//! or damaged since.
//!
//! The file grows in zero-filled chunks of [`GROW_BY`], synced when they are added, so that the
//! `fdatasync` that makes an append durable never has to commit a change of the file's size. A
//! zero header is where the log ends.

#[cfg(not(unix))]
compile_error!(
    "progress-ledger-core needs a Unix: the log file uses positional reads and writes \
     (std::os::unix::fs::FileExt); a Windows port would use std::os::windows::fs::FileExt"
);

use std::path::Path;
use std::sync::Arc;

use super::io::{FileIo, Files};
use crate::codec;
use crate::error::{Error, Result};
use crate::verify::ProblemKind;

/// First bytes of a log file of storage layout 3.
pub(crate) const MAGIC: &[u8; 8] = b"PLLOG\0\0\x03";
/// Offset of the first frame.
pub(crate) const START: u64 = MAGIC.len() as u64;
/// Bytes before the stored event in a frame.
pub(crate) const HEADER: usize = 9;
/// Flag of the last frame of an atomic batch.
pub(crate) const BATCH_END: u8 = 1;
/// Flag of the first frame of a write made when every byte before it was durable.
pub(crate) const DURABLE_BEFORE: u8 = 2;
/// Flags a frame may carry.
const KNOWN_FLAGS: u8 = BATCH_END | DURABLE_BEFORE;
/// Zero-filled bytes added each time the file runs out of room.
pub(crate) const GROW_BY: u64 = 4 << 20;
/// Bytes read at a time by a sequential scan.
const READ_AHEAD: usize = 256 << 10;
/// Bytes the first read of a single frame asks for: its header and, for most events, all of
/// its body.
const FIRST_READ: usize = 512;
/// The longest frame a writer writes.
const MAX_FRAME: usize = HEADER + codec::MAX_EVENT_BYTES as usize;

/// Name of the log file inside the ledger directory.
pub(crate) const FILE_NAME: &str = "events.log";

/// The checksum of a frame: CRC32C of its length, flags and stored event.
fn checksum(len: [u8; 4], flags: u8, stored: &[u8]) -> u32 {
    let head = crc32c::crc32c(&[len[0], len[1], len[2], len[3], flags]);
    crc32c::crc32c_append(head, stored)
}

/// Appends a frame for `stored` to `out`, with `flags`.
pub(crate) fn push_frame(out: &mut Vec<u8>, stored: &[u8], flags: u8) {
    // Events are at most codec::MAX_EVENT_BYTES (4 MiB), so the length fits in a u32.
    let len = u32::try_from(stored.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    out.extend_from_slice(&len);
    out.push(flags);
    out.extend_from_slice(&checksum(len, flags, stored).to_le_bytes());
    out.extend_from_slice(stored);
}

/// Adds `flags` to the frame at the start of `frame` (a whole frame written by
/// [`push_frame`]), with its checksum.
pub(crate) fn add_flags(frame: &mut [u8], flags: u8) {
    let Some(len) = frame.first_chunk::<4>() else {
        return;
    };
    let len = u32::from_le_bytes(*len) as usize;
    let Some((header, rest)) = frame.split_first_chunk_mut::<HEADER>() else {
        return;
    };
    let Some(stored) = rest.get(..len) else {
        return;
    };
    header[4] |= flags;
    let len = [header[0], header[1], header[2], header[3]];
    let crc = checksum(len, header[4], stored);
    header[5..9].copy_from_slice(&crc.to_le_bytes());
}

/// Why a frame could not be read at an offset.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// A zero header, or the end of the file: no frame starts here.
    End,
    /// The file ends inside the frame: in its header, or before the length its header gives.
    Truncated,
    /// The header is not one a writer writes, or the checksum does not match: why.
    BadHeader(String),
    /// Reading failed.
    Io(std::io::Error),
}

impl FrameError {
    /// What this means for the event expected at the frame; an I/O error is not a problem of
    /// the log and is passed on.
    pub(crate) fn problem(self) -> std::io::Result<ProblemKind> {
        match self {
            FrameError::End => Ok(ProblemKind::Missing),
            FrameError::Truncated => Ok(ProblemKind::Truncated),
            FrameError::BadHeader(reason) => Ok(ProblemKind::BadFrame { reason }),
            FrameError::Io(e) => Err(e),
        }
    }

    /// As a ledger error about the event expected at `seq`.
    pub(crate) fn at(self, seq: u64) -> Error {
        match self.problem() {
            Ok(kind) => Error::Corrupt { seq, kind },
            Err(e) => Error::Io(e),
        }
    }
}

/// A parsed frame header.
#[derive(Clone, Copy, Debug)]
struct Header {
    len: usize,
    flags: u8,
    crc: u32,
}

/// Parses a frame header.
fn parse_header(header: &[u8; HEADER]) -> std::result::Result<Header, FrameError> {
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let flags = header[4];
    let crc = u32::from_le_bytes([header[5], header[6], header[7], header[8]]);
    if len == 0 {
        return if header.iter().all(|&b| b == 0) {
            Err(FrameError::End)
        } else {
            Err(FrameError::BadHeader(format!(
                "its header has length 0 but flags {flags} and checksum {crc:08x}"
            )))
        };
    }
    if len as usize > MAX_FRAME - HEADER {
        return Err(FrameError::BadHeader(format!(
            "its length {len} is beyond the largest event"
        )));
    }
    if flags & !KNOWN_FLAGS != 0 {
        return Err(FrameError::BadHeader(format!("unknown flags {flags}")));
    }
    Ok(Header {
        len: len as usize,
        flags,
        crc,
    })
}

/// Checks a frame's checksum against its stored bytes.
fn check_crc(header: &Header, stored: &[u8]) -> std::result::Result<(), FrameError> {
    let len = u32::try_from(header.len).unwrap_or(u32::MAX).to_le_bytes();
    let computed = checksum(len, header.flags, stored);
    if computed == header.crc {
        Ok(())
    } else {
        Err(FrameError::BadHeader(format!(
            "its checksum is {:08x} but its bytes sum to {computed:08x}",
            header.crc
        )))
    }
}

/// The flags of the whole, sound frame (header and checksum) at the start of `bytes`, if there
/// is one.
fn sound_frame(bytes: &[u8]) -> Option<u8> {
    split_frame(bytes).map(|(flags, _, _)| flags)
}

/// The whole, sound frame at the start of `bytes`: its flags, its stored event, and the bytes
/// after it.
pub(crate) fn split_frame(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let header = parse_header(bytes.first_chunk::<HEADER>()?).ok()?;
    let rest = &bytes[HEADER..];
    let stored = rest.get(..header.len)?;
    check_crc(&header, stored).ok()?;
    Some((header.flags, stored, &rest[header.len..]))
}

/// What the first bytes of a log file say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// No file, an empty one, or only zeros: a new log.
    New,
    /// A log of storage layout 2 (frames without checksums, no magic).
    Two,
    /// A log of this layout.
    Three,
}

/// The layout of the log file at `path`.
pub(crate) fn layout_of(files: &dyn Files, path: &Path) -> Result<Layout> {
    if !path.exists() {
        return Ok(Layout::New);
    }
    let file = files.open_read_only(path)?;
    let mut magic = [0u8; MAGIC.len()];
    let got = read_full(&*file, START - MAGIC.len() as u64, &mut magic)?;
    if got == MAGIC.len() && &magic == MAGIC {
        return Ok(Layout::Three);
    }
    let log = LogFile { io: file };
    Ok(match log.last_nonzero_after(0)? {
        None => Layout::New,
        Some(_) => Layout::Two,
    })
}

/// Fills `buf` from `offset` as far as the file allows; returns the bytes read.
pub(crate) fn read_full(io: &dyn FileIo, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match io.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The open log file.
#[derive(Debug)]
pub(crate) struct LogFile {
    io: Arc<dyn FileIo>,
}

/// One frame read from the log.
pub(crate) struct Frame {
    /// The stored event.
    pub(crate) stored: Vec<u8>,
    /// Offset just after it.
    pub(crate) next: u64,
}

impl LogFile {
    /// Opens the log file of layout 3 at `path` (creating it, with its magic, if it is new);
    /// returns it and its allocated length.
    pub(crate) fn open(files: &dyn Files, path: &Path) -> Result<(LogFile, u64)> {
        let new = layout_of(files, path)? == Layout::New;
        let log = LogFile {
            io: files.open(path)?,
        };
        if new {
            log.zero(0, GROW_BY)?;
            log.io.write_all_at(MAGIC, 0)?;
            log.io.sync_all()?;
        }
        let len = log.io.size()?;
        Ok((log, len))
    }

    /// Opens an existing log file of layout 3 for reading only.
    pub(crate) fn open_read_only(files: &dyn Files, path: &Path) -> Result<LogFile> {
        Ok(LogFile {
            io: files.open_read_only(path)?,
        })
    }

    /// Writes `bytes` at `offset`, first growing the file if they would not fit in `allocated`.
    pub(crate) fn write_at(&self, offset: u64, bytes: &[u8], allocated: &mut u64) -> Result<()> {
        let end = offset + bytes.len() as u64;
        if end > *allocated {
            let room = (end - *allocated).div_ceil(GROW_BY) * GROW_BY;
            self.zero(*allocated, room)?;
            self.io.sync_all()?;
            *allocated += room;
        }
        self.io.write_all_at(bytes, offset)?;
        Ok(())
    }

    /// Writes `len` zero bytes at `offset`.
    pub(crate) fn zero(&self, offset: u64, len: u64) -> Result<()> {
        let chunk = vec![0u8; GROW_BY.min(len) as usize];
        let mut done = 0;
        while done < len {
            let n = chunk.len().min((len - done) as usize);
            self.io.write_all_at(&chunk[..n], offset + done)?;
            done += n as u64;
        }
        Ok(())
    }

    /// Makes everything written so far durable (`fdatasync`).
    pub(crate) fn sync(&self) -> Result<()> {
        self.io.sync_data()?;
        Ok(())
    }

    /// Fills `buf` from `offset` as far as the file allows; returns the bytes read.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        read_full(&*self.io, offset, buf)
    }

    /// Reads the frame that starts at `offset`, checking its checksum.
    ///
    /// One read covers most frames (a typical event is a few hundred bytes); a longer one
    /// takes a second read for the rest.
    pub(crate) fn frame_at(&self, offset: u64) -> std::result::Result<Frame, FrameError> {
        let mut stored = vec![0u8; FIRST_READ];
        let got = self.read_at(offset, &mut stored).map_err(FrameError::Io)?;
        if got < HEADER {
            return if stored[..got].iter().all(|&b| b == 0) {
                Err(FrameError::End)
            } else {
                Err(FrameError::Truncated)
            };
        }
        let mut header = [0u8; HEADER];
        header.copy_from_slice(&stored[..HEADER]);
        let parsed = parse_header(&header)?;
        let end = HEADER + parsed.len;
        if got < end {
            stored.resize(end, 0);
            let rest = self
                .read_at(offset + got as u64, &mut stored[got..])
                .map_err(FrameError::Io)?;
            if got + rest < end {
                return Err(FrameError::Truncated);
            }
        }
        stored.copy_within(HEADER..end, 0);
        stored.truncate(parsed.len);
        check_crc(&parsed, &stored)?;
        Ok(Frame {
            stored,
            next: offset + (HEADER + parsed.len) as u64,
        })
    }

    /// Whether any byte from `offset` to the end of the file is not zero; returns the end of the
    /// last one.
    pub(crate) fn last_nonzero_after(&self, offset: u64) -> Result<Option<u64>> {
        let mut buf = vec![0u8; READ_AHEAD];
        let mut at = offset;
        let mut last = None;
        loop {
            let got = self.read_at(at, &mut buf)?;
            if got == 0 {
                return Ok(last);
            }
            if let Some(i) = buf[..got].iter().rposition(|&b| b != 0) {
                last = Some(at + i as u64 + 1);
            }
            at += got as u64;
        }
    }

    /// The offset of the first sound frame (a header a writer writes, and a matching checksum)
    /// marked [`DURABLE_BEFORE`] that starts after `from` and ends by `until`, if there is one:
    /// whether the bytes at `from` were made durable by a flush that completed.
    pub(crate) fn durable_frame_after(&self, from: u64, until: u64) -> Result<Option<u64>> {
        let mut window: Vec<u8> = Vec::new();
        let mut window_at = from;
        let mut at = from + 1;
        while at + HEADER as u64 <= until {
            let offset_in = (at - window_at) as usize;
            if offset_in + HEADER > window.len() {
                window_at = at;
                window = self.read_window(at, until, READ_AHEAD)?;
                continue;
            }
            let header = &window[offset_in..offset_in + HEADER];
            let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
            let plausible = len > 0
                && len <= MAX_FRAME - HEADER
                && header[4] & !KNOWN_FLAGS == 0
                && at + (HEADER + len) as u64 <= until;
            if plausible {
                if offset_in + HEADER + len > window.len() {
                    window_at = at;
                    window = self.read_window(at, until, (HEADER + len).max(READ_AHEAD))?;
                    continue;
                }
                let flags = sound_frame(&window[offset_in..]);
                if flags.is_some_and(|flags| flags & DURABLE_BEFORE != 0) {
                    return Ok(Some(at));
                }
            }
            at += 1;
        }
        Ok(None)
    }

    /// Up to `size` bytes of the file from `at`, not past `until`.
    fn read_window(&self, at: u64, until: u64, size: usize) -> Result<Vec<u8>> {
        let size = size.min((until - at) as usize);
        let mut window = vec![0u8; size];
        let got = self.read_at(at, &mut window)?;
        window.truncate(got);
        Ok(window)
    }
}

/// Reads frames one after another from an offset, a large block at a time.
pub(crate) struct Frames {
    log: Arc<LogFile>,
    buf: Vec<u8>,
    /// Valid bytes are `buf[start..end]`, which hold the file from `offset`.
    start: usize,
    end: usize,
    offset: u64,
    /// Never read at or past this offset.
    limit: u64,
}

impl Frames {
    /// Frames from `offset` up to (not past) `limit`.
    pub(crate) fn new(log: Arc<LogFile>, offset: u64, limit: u64) -> Self {
        Frames {
            log,
            buf: Vec::new(),
            start: 0,
            end: 0,
            offset,
            limit,
        }
    }

    /// Offset of the next frame.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Makes at least `want` bytes available from `start` (fewer at the limit).
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        if self.end - self.start >= want {
            return Ok(());
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        let size = want.max(READ_AHEAD);
        if self.buf.len() < size {
            self.buf.resize(size, 0);
        }
        let file_at = self.offset + self.end as u64;
        let room = (self.limit.saturating_sub(file_at) as usize).min(self.buf.len() - self.end);
        let got = self
            .log
            .read_at(file_at, &mut self.buf[self.end..self.end + room])?;
        self.end += got;
        Ok(())
    }

    /// The next frame, its checksum checked: its flags and stored bytes, borrowed until the
    /// next call. On an error the position stays at the frame.
    pub(crate) fn next_frame(&mut self) -> std::result::Result<(u8, &[u8]), FrameError> {
        self.fill(HEADER).map_err(FrameError::Io)?;
        let available = self.end - self.start;
        if available < HEADER {
            return if self.buf[self.start..self.end].iter().all(|&b| b == 0) {
                Err(FrameError::End)
            } else {
                Err(FrameError::Truncated)
            };
        }
        let mut header = [0u8; HEADER];
        header.copy_from_slice(&self.buf[self.start..self.start + HEADER]);
        let parsed = parse_header(&header)?;
        self.fill(HEADER + parsed.len).map_err(FrameError::Io)?;
        if self.end - self.start < HEADER + parsed.len {
            return Err(FrameError::Truncated);
        }
        let from = self.start + HEADER;
        check_crc(&parsed, &self.buf[from..from + parsed.len])?;
        self.start += HEADER + parsed.len;
        self.offset += (HEADER + parsed.len) as u64;
        Ok((parsed.flags, &self.buf[from..from + parsed.len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::io::OsFiles;

    fn open(dir: &Path) -> Result<(Arc<LogFile>, u64)> {
        let (log, allocated) = LogFile::open(&OsFiles, &dir.join(FILE_NAME))?;
        Ok((Arc::new(log), allocated))
    }

    #[test]
    fn frames_round_trip_across_growth_and_read_blocks() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let (log, mut allocated) = open(dir.path())?;
        assert_eq!(allocated, GROW_BY, "a new log is one chunk, with its magic");
        assert_eq!(
            layout_of(&OsFiles, &dir.path().join(FILE_NAME))?,
            Layout::Three
        );
        let payloads: Vec<Vec<u8>> = (0..40u8)
            .map(|i| vec![i + 1; 1 + (i as usize * 9973) % (READ_AHEAD / 3)])
            .collect();
        let mut bytes = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            let at = bytes.len();
            push_frame(&mut bytes, p, 0);
            if i % 3 == 2 {
                add_flags(&mut bytes[at..], BATCH_END);
            }
        }
        log.write_at(START, &bytes, &mut allocated)?;
        assert!(allocated >= bytes.len() as u64 && allocated % GROW_BY == 0);

        let mut frames = Frames::new(Arc::clone(&log), START, allocated);
        for (i, p) in payloads.iter().enumerate() {
            let (flags, stored) = frames.next_frame().map_err(|e| e.at(i as u64))?;
            assert_eq!(stored, &p[..]);
            assert_eq!(flags, if i % 3 == 2 { BATCH_END } else { 0 });
        }
        assert!(matches!(frames.next_frame(), Err(FrameError::End)));
        assert_eq!(frames.offset(), START + bytes.len() as u64);

        let second = log.frame_at(START + (HEADER + payloads[0].len()) as u64);
        assert!(matches!(second, Ok(f) if f.stored == payloads[1]));
        assert_eq!(
            log.last_nonzero_after(START)?,
            Some(START + bytes.len() as u64),
            "the zero-filled room after the log is not data"
        );
        Ok(())
    }

    #[test]
    fn a_flipped_bit_anywhere_in_a_frame_fails_its_checksum() -> Result<()> {
        let mut frame = Vec::new();
        push_frame(&mut frame, b"an event's stored bytes", 0);
        add_flags(&mut frame, BATCH_END);
        assert_eq!(sound_frame(&frame), Some(BATCH_END));
        for byte in 0..frame.len() {
            for bit in 0..8 {
                let mut changed = frame.clone();
                changed[byte] ^= 1 << bit;
                assert_eq!(sound_frame(&changed), None, "byte {byte} bit {bit}");
            }
        }
        Ok(())
    }

    #[test]
    fn a_durable_frame_is_found_after_damage() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let (log, mut allocated) = open(dir.path())?;
        let mut bytes = Vec::new();
        for i in 0..5u8 {
            push_frame(&mut bytes, &[i + 1; 300], BATCH_END | DURABLE_BEFORE);
        }
        let frame = HEADER as u64 + 300;
        log.write_at(START, &bytes, &mut allocated)?;
        let end = START + bytes.len() as u64;
        // The second frame's length is damaged: the third is found by its checksum.
        log.write_at(START + frame, &[0x77], &mut allocated)?;
        assert!(matches!(
            log.frame_at(START + frame),
            Err(FrameError::BadHeader(_) | FrameError::Truncated)
        ));
        assert_eq!(
            log.durable_frame_after(START + frame, end)?,
            Some(START + 2 * frame)
        );
        // Nothing sound after the last frame.
        assert_eq!(log.durable_frame_after(START + 4 * frame, end)?, None);
        Ok(())
    }

    #[test]
    fn bad_headers_and_cut_frames_are_told_apart_from_the_end() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let (log, mut allocated) = open(dir.path())?;
        log.write_at(START, &[0, 0, 0, 0, 7, 0, 0, 0, 0], &mut allocated)?;
        assert!(matches!(log.frame_at(START), Err(FrameError::BadHeader(_))));
        log.write_at(START, &[9, 0, 0, 0, 0x80, 0, 0, 0, 0, 1, 2], &mut allocated)?;
        assert!(matches!(log.frame_at(START), Err(FrameError::BadHeader(_))));
        log.write_at(
            START,
            &[0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0],
            &mut allocated,
        )?;
        assert!(matches!(log.frame_at(START), Err(FrameError::BadHeader(_))));
        log.write_at(START, &[0; HEADER], &mut allocated)?;
        assert!(matches!(log.frame_at(START), Err(FrameError::End)));
        // The file ends two bytes into a frame of nine, and one byte into a header.
        let cut = allocated - (HEADER as u64 + 2);
        log.write_at(cut, &[9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2], &mut allocated)?;
        assert!(matches!(log.frame_at(cut), Err(FrameError::Truncated)));
        log.write_at(allocated - 1, &[9], &mut allocated)?;
        assert!(matches!(
            log.frame_at(allocated - 1),
            Err(FrameError::Truncated)
        ));
        assert_eq!(
            FrameError::End.at(12).to_string(),
            "cannot read seq 12: the log ends before this event; run verify to locate the damage"
        );
        Ok(())
    }
}
