//! The log file `events.log`: every event in order, the single source of truth.
//!
//! A frame is `len` (u32, little-endian: bytes of the stored event, never 0) ‖ `flags` (u8) ‖
//! the stored event (see [`crate::codec`]). Flag [`BATCH_END`] marks the last frame of an
//! atomic append: after a crash, frames after the last batch end are not part of the log.
//!
//! The file grows in zero-filled chunks of [`GROW_BY`], synced when they are added, so that the
//! `fdatasync` that makes an append durable never has to commit a change of the file's size. A
//! zero length is where the log ends.

#[cfg(not(unix))]
compile_error!(
    "progress-ledger-core needs a Unix: the log file uses positional reads and writes \
     (std::os::unix::fs::FileExt); a Windows port would use std::os::windows::fs::FileExt"
);

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use crate::codec;
use crate::error::{Error, Result};
use crate::verify::ProblemKind;

/// Bytes before the stored event in a frame.
pub(crate) const HEADER: usize = 5;
/// Flag of the last frame of an atomic batch.
pub(crate) const BATCH_END: u8 = 1;
/// Flags a frame may carry.
const KNOWN_FLAGS: u8 = BATCH_END;
/// Zero-filled bytes added each time the file runs out of room.
pub(crate) const GROW_BY: u64 = 4 << 20;
/// Bytes read at a time by a sequential scan.
const READ_AHEAD: usize = 256 << 10;

/// Name of the log file inside the ledger directory.
pub(crate) const FILE_NAME: &str = "events.log";

/// Appends a frame for `stored` to `out`, with `flags`.
pub(crate) fn push_frame(out: &mut Vec<u8>, stored: &[u8], flags: u8) {
    // Events are at most codec::MAX_EVENT_BYTES (4 MiB), so the length fits in a u32.
    let len = u32::try_from(stored.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.push(flags);
    out.extend_from_slice(stored);
}

/// Why a frame could not be read at an offset.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// A zero length or the end of the file: no frame starts here.
    End,
    /// The file ends inside the frame: in its header, or before the length its header gives.
    Truncated,
    /// The header is not one a writer writes: why.
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

/// Parses a frame header: (stored length, flags).
fn parse_header(header: &[u8; HEADER]) -> std::result::Result<(usize, u8), FrameError> {
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let flags = header[4];
    if len == 0 {
        return if flags == 0 {
            Err(FrameError::End)
        } else {
            Err(FrameError::BadHeader(format!(
                "length 0 with flags {flags}"
            )))
        };
    }
    if u64::from(len) > codec::MAX_EVENT_BYTES + 64 {
        return Err(FrameError::BadHeader(format!(
            "length {len} is beyond the largest event"
        )));
    }
    if flags & !KNOWN_FLAGS != 0 {
        return Err(FrameError::BadHeader(format!("unknown flags {flags}")));
    }
    Ok((len as usize, flags))
}

/// The open log file.
#[derive(Debug)]
pub(crate) struct LogFile {
    file: File,
}

/// One frame read from the log.
pub(crate) struct Frame {
    /// The stored event.
    pub(crate) stored: Vec<u8>,
    /// Offset just after it.
    pub(crate) next: u64,
}

impl LogFile {
    /// Opens (or creates) the log file in `dir`; returns it and its allocated length.
    pub(crate) fn open(dir: &Path) -> Result<(LogFile, u64)> {
        let path = dir.join(FILE_NAME);
        let created = !path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if created {
            // The new name must survive a crash too.
            File::open(dir)?.sync_all()?;
        }
        let len = file.metadata()?.len();
        Ok((LogFile { file }, len))
    }

    /// Writes `bytes` at `offset`, first growing the file if they would not fit in `allocated`.
    pub(crate) fn write_at(&self, offset: u64, bytes: &[u8], allocated: &mut u64) -> Result<()> {
        let end = offset + bytes.len() as u64;
        if end > *allocated {
            let room = (end - *allocated).div_ceil(GROW_BY) * GROW_BY;
            self.zero(*allocated, room)?;
            self.file.sync_all()?;
            *allocated += room;
        }
        self.file.write_all_at(bytes, offset)?;
        Ok(())
    }

    /// Writes `len` zero bytes at `offset`.
    pub(crate) fn zero(&self, offset: u64, len: u64) -> Result<()> {
        let chunk = vec![0u8; GROW_BY.min(len) as usize];
        let mut done = 0;
        while done < len {
            let n = chunk.len().min((len - done) as usize);
            self.file.write_all_at(&chunk[..n], offset + done)?;
            done += n as u64;
        }
        Ok(())
    }

    /// Makes everything written so far durable (`fdatasync`).
    pub(crate) fn sync(&self) -> Result<()> {
        self.file.sync_data()?;
        Ok(())
    }

    /// Fills `buf` from `offset` as far as the file allows; returns the bytes read.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self
                .file
                .read_at(&mut buf[filled..], offset + filled as u64)
            {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }

    /// Reads the frame that starts at `offset`.
    pub(crate) fn frame_at(&self, offset: u64) -> std::result::Result<Frame, FrameError> {
        let mut header = [0u8; HEADER];
        let got = self.read_at(offset, &mut header).map_err(FrameError::Io)?;
        if got < HEADER {
            return if header[..got].iter().all(|&b| b == 0) {
                Err(FrameError::End)
            } else {
                Err(FrameError::Truncated)
            };
        }
        let (len, _) = parse_header(&header)?;
        let mut stored = vec![0u8; len];
        let got = self
            .read_at(offset + HEADER as u64, &mut stored)
            .map_err(FrameError::Io)?;
        if got < len {
            return Err(FrameError::Truncated);
        }
        Ok(Frame {
            stored,
            next: offset + (HEADER + len) as u64,
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

    /// The next frame: its flags and stored bytes, borrowed until the next call.
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
        let (len, flags) = parse_header(&header)?;
        self.fill(HEADER + len).map_err(FrameError::Io)?;
        if self.end - self.start < HEADER + len {
            return Err(FrameError::Truncated);
        }
        let from = self.start + HEADER;
        self.start += HEADER + len;
        self.offset += (HEADER + len) as u64;
        Ok((flags, &self.buf[from..from + len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_across_growth_and_read_blocks() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let (log, mut allocated) = LogFile::open(dir.path())?;
        let log = Arc::new(log);
        assert_eq!(allocated, 0);
        let payloads: Vec<Vec<u8>> = (0..40u8)
            .map(|i| vec![i + 1; 1 + (i as usize * 9973) % (READ_AHEAD / 3)])
            .collect();
        let mut bytes = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            push_frame(&mut bytes, p, if i % 3 == 2 { BATCH_END } else { 0 });
        }
        log.write_at(0, &bytes, &mut allocated)?;
        assert!(allocated >= bytes.len() as u64 && allocated % GROW_BY == 0);

        let mut frames = Frames::new(Arc::clone(&log), 0, allocated);
        for (i, p) in payloads.iter().enumerate() {
            let (flags, stored) = frames.next_frame().map_err(|e| e.at(i as u64))?;
            assert_eq!(stored, &p[..]);
            assert_eq!(flags, if i % 3 == 2 { BATCH_END } else { 0 });
        }
        assert!(matches!(frames.next_frame(), Err(FrameError::End)));
        assert_eq!(frames.offset(), bytes.len() as u64);

        let second = log.frame_at((HEADER + payloads[0].len()) as u64);
        assert!(matches!(second, Ok(f) if f.stored == payloads[1]));
        assert_eq!(
            log.last_nonzero_after(0)?,
            Some(bytes.len() as u64),
            "the zero-filled room after the log is not data"
        );
        Ok(())
    }

    #[test]
    fn bad_headers_and_cut_frames_are_told_apart_from_the_end() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let (log, mut allocated) = LogFile::open(dir.path())?;
        log.write_at(0, &[0, 0, 0, 0, 7], &mut allocated)?;
        assert!(matches!(log.frame_at(0), Err(FrameError::BadHeader(_))));
        log.write_at(0, &[9, 0, 0, 0, 0x80, 1, 2], &mut allocated)?;
        assert!(matches!(log.frame_at(0), Err(FrameError::BadHeader(_))));
        log.write_at(0, &[0xff, 0xff, 0xff, 0x7f, 0], &mut allocated)?;
        assert!(matches!(log.frame_at(0), Err(FrameError::BadHeader(_))));
        log.write_at(0, &[0, 0, 0, 0, 0], &mut allocated)?;
        assert!(matches!(log.frame_at(0), Err(FrameError::End)));
        // The file ends two bytes into a frame of nine, and one byte into a header.
        log.write_at(allocated - 7, &[9, 0, 0, 0, 0, 1, 2], &mut allocated)?;
        assert!(matches!(
            log.frame_at(allocated - 7),
            Err(FrameError::Truncated)
        ));
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
