//! Opening a ledger written in layout 1, where the events lived in a sled tree (`ledger`, keys
//! `L` ‖ seq) directly in the ledger directory.
//!
//! The events are checked (each must follow the one before, see [`crate::chain`]) and copied
//! into a new log file, which is renamed into place only once it is complete and synced; the
//! index is then built from it as for a ledger whose index was removed. The old files are moved
//! to `layout-1/` beside it. A chain that does not verify is not migrated: the error says where
//! it breaks, and how.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::log::{self, BATCH_END};
use crate::chain::Chain;
use crate::error::{Error, Result};
use crate::verify::{Problem, ProblemKind};

/// The files sled 0.34 keeps in its directory.
const SLED_FILES: [&str; 3] = ["conf", "db", "blobs"];

/// Whether `dir` holds a layout-1 ledger that has not been migrated.
pub(super) fn is_layout_1(dir: &Path) -> bool {
    dir.join("db").is_file() && dir.join("conf").is_file() && !dir.join(log::FILE_NAME).exists()
}

/// Copies the events of the layout-1 ledger in `dir` into a log file, then moves the old files
/// aside.
pub(super) fn from_layout_1(dir: &Path) -> Result<()> {
    let partial = dir.join("events.log.migrating");
    {
        let db = super::open_sled(&sled::Config::new().path(dir), dir, dir)?;
        let tree = db.open_tree("ledger")?;
        let mut out = std::io::BufWriter::new(File::create(&partial)?);
        let mut chain = Chain::new();
        let mut frame = Vec::new();
        for entry in tree.scan_prefix(b"L") {
            let (key, stored) = entry?;
            let seq = chain.head().seq + 1;
            let followed = if key[1..] == seq.to_be_bytes() {
                chain.follow_stored(&stored)
            } else {
                Err(ProblemKind::Missing)
            };
            if let Err(kind) = followed {
                return Err(Error::Damaged(format!(
                    "cannot migrate this ledger from layout 1: {}; verify and export it with \
                     the version that wrote it",
                    Problem { seq, kind }
                )));
            }
            frame.clear();
            log::push_frame(&mut frame, &stored, BATCH_END);
            out.write_all(&frame)?;
        }
        let file = out.into_inner().map_err(|e| Error::Io(e.into_error()))?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, dir.join(log::FILE_NAME))?;
    File::open(dir)?.sync_all()?;

    let aside = dir.join("layout-1");
    std::fs::create_dir_all(&aside)?;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let text = name.to_string_lossy();
        if SLED_FILES.contains(&text.as_ref()) || text.starts_with("snap.") {
            std::fs::rename(dir.join(&name), aside.join(&name))?;
        }
    }
    File::open(dir)?.sync_all()?;
    Ok(())
}
