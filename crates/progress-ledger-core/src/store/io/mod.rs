//! The file operations of the log and its saved index, behind a small trait: the seam through
//! which tests make a write, a sync or the file's growth fail, or lose power.
//!
//! [`OsFiles`] is the real thing; with the feature `fault-injection`, `faults::FaultyFiles`
//! injects failures and power losses for tests. A ledger only ever touches its log file and its
//! saved index through [`Files`]; the snapshots' sled database does its own I/O (it is derived
//! data).

#[cfg(feature = "fault-injection")]
pub mod faults;

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// How a ledger opens and writes its files.
pub trait Files: Send + Sync + fmt::Debug {
    /// Opens `path` for positional reads and writes, creating it (and syncing its directory)
    /// if it does not exist.
    fn open(&self, path: &Path) -> io::Result<Arc<dyn FileIo>>;

    /// Opens an existing file for reading only.
    fn open_read_only(&self, path: &Path) -> io::Result<Arc<dyn FileIo>>;

    /// Reads a whole small file; `NotFound` if there is none.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// Replaces `path` with `bytes` durably: written to a file beside it, synced, renamed over
    /// it, and the directory synced. After a crash the file holds the old bytes or the new.
    fn replace(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.replace_with(path, &mut |out| out.write_all(bytes))
    }

    /// Replaces `path` durably, as [`Files::replace`] does, with the bytes `fill` writes: for
    /// files too large to hold in memory at once.
    fn replace_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()>;

    /// Replaces `path` with the bytes `fill` writes, written beside it and renamed over it as
    /// [`Files::replace_with`] does, but not synced: for derived files that every read checks.
    /// After a crash the file may hold the old bytes, the new, or part of them.
    fn replace_unsynced_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.replace_with(path, fill)
    }
}

/// An open file, read and written at offsets.
#[allow(
    clippy::len_without_is_empty,
    reason = "a file's length is read from the system and may fail; nothing asks for emptiness"
)]
pub trait FileIo: Send + Sync + fmt::Debug {
    /// Reads into `buf` from `offset`; returns the bytes read (0 at the end of the file).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    /// Writes all of `buf` at `offset`.
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;

    /// Makes the written data durable (`fdatasync`).
    fn sync_data(&self) -> io::Result<()>;

    /// Makes the written data and the file's size durable (`fsync`).
    fn sync_all(&self) -> io::Result<()>;

    /// The file's length.
    fn size(&self) -> io::Result<u64>;

    /// Cuts the file to `len` bytes, or extends it with zeros (not synced).
    fn set_len(&self, len: u64) -> io::Result<()>;
}

/// The operating system's files.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsFiles;

/// Syncs a directory, so that names created or renamed in it survive a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Files for OsFiles {
    fn open(&self, path: &Path) -> io::Result<Arc<dyn FileIo>> {
        let created = !path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        if created {
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
        }
        Ok(Arc::new(OsFile(file)))
    }

    fn open_read_only(&self, path: &Path) -> io::Result<Arc<dyn FileIo>> {
        Ok(Arc::new(OsFile(File::open(path)?)))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn replace_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        replace_os_file(path, fill, true)
    }

    fn replace_unsynced_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        replace_os_file(path, fill, false)
    }
}

/// Writes `path.partial` with `fill`, syncs it if `synced`, renames it over `path`, and syncs
/// the directory if `synced`. A failure removes the partial file.
fn replace_os_file(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    synced: bool,
) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let written = File::create(&partial).and_then(|file| {
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        if synced {
            file.sync_all()?;
        }
        drop(file);
        std::fs::rename(&partial, path)
    });
    if let Err(error) = written {
        // A disk that is full keeps no half-written copy.
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    match path.parent() {
        Some(dir) if synced => sync_dir(dir),
        _ => Ok(()),
    }
}

/// A file of the operating system.
#[derive(Debug)]
struct OsFile(File);

impl FileIo for OsFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        loop {
            match self.0.read_at(buf, offset) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.0.write_all_at(buf, offset)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.0.sync_data()
    }

    fn sync_all(&self) -> io::Result<()> {
        self.0.sync_all()
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacement_that_fails_leaves_the_old_file_and_no_partial_one() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("file.bin");
        OsFiles.replace(&path, b"old")?;
        let failed = OsFiles.replace_with(&path, &mut |out| {
            out.write_all(&[7; 4096])?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"))
        });
        assert_eq!(
            failed.map_err(|e| e.kind()),
            Err(io::ErrorKind::StorageFull)
        );
        assert_eq!(std::fs::read(&path)?, b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        assert_eq!(names, ["file.bin"]);
        Ok(())
    }
}
