//! Making a sled flush durable against power loss, not only against a crashed process.
//!
//! sled 0.34's `flush()` writes its log with `sync_file_range` on Linux, which neither commits
//! file metadata nor asks the disk to empty its write cache, and it never syncs the files it
//! writes large pages to (`blobs/`). After each flush the ledger therefore calls `fsync` on the
//! database file and on every blob file written since the last time, and on the blob folder.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Result;

/// The files to `fsync` after a flush.
#[derive(Debug)]
pub(crate) struct Fsync {
    db_file: File,
    blobs: PathBuf,
    synced_blobs: Mutex<HashSet<OsString>>,
}

impl Fsync {
    /// Opens the database file of the sled database at `path` (after sled created it).
    pub(crate) fn open(path: &Path) -> Result<Fsync> {
        Ok(Fsync {
            db_file: File::open(path.join("db"))?,
            blobs: path.join("blobs"),
            synced_blobs: Mutex::new(HashSet::new()),
        })
    }

    /// Commits the database file and any new blob file to stable storage.
    pub(crate) fn sync(&self) -> Result<()> {
        self.db_file.sync_all()?;
        let Ok(entries) = std::fs::read_dir(&self.blobs) else {
            return Ok(());
        };
        let mut synced = self.synced_blobs.lock().unwrap_or_else(|p| p.into_inner());
        let mut any = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if synced.contains(&name) {
                continue;
            }
            // A blob removed since the listing was rewritten by sled; nothing to sync.
            if let Ok(file) = File::open(entry.path()) {
                file.sync_all()?;
                any = true;
            }
            synced.insert(name);
        }
        if any {
            File::open(&self.blobs)?.sync_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_each_new_blob_once() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("db"), b"log")?;
        let fsync = Fsync::open(dir.path())?;
        fsync.sync()?; // no blob folder yet
        std::fs::create_dir(dir.path().join("blobs"))?;
        std::fs::write(dir.path().join("blobs").join("17"), b"page")?;
        fsync.sync()?;
        std::fs::write(dir.path().join("blobs").join("42"), b"page")?;
        fsync.sync()?;
        let synced = fsync.synced_blobs.lock().map(|s| s.len()).unwrap_or(0);
        assert_eq!(synced, 2);
        Ok(())
    }
}
