//! Opening a ledger: migrate an earlier storage layout, open the sled database of tally
//! checkpoints (waiting briefly for a lock that a closing handle still holds, and moving the
//! snapshots an earlier build kept there to files), open the log and recover it (see
//! [`super::recover`]).

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::commit::GroupCommit;
use super::log::{self, Layout, LogFile};
use super::snapshots::PARTS_DIR;
use super::{
    Inner, Ledger, LedgerConfig, Refusal, SharedIndex, Writer, migrate, recover, runs, tree,
};
use crate::clock::MonotonicClock;
use crate::error::{Error, Result};
use crate::verify::{Problem, ProblemKind};

/// How long to wait for a database's file lock held by a handle that is still closing.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Folder of the sled database of tally checkpoints inside the ledger directory (named for the
/// snapshots earlier builds kept there too).
const SNAPSHOT_DIR: &str = "snapshots";

/// Opens the sled database in `dir` (the snapshots, or a layout-1 ledger) of the ledger in
/// `ledger`, waiting briefly if its file lock is still held by a handle of this process that is
/// closing (sled releases it from a background thread after the last drop). A lock held longer
/// is [`Error::Locked`].
pub(super) fn open_sled(config: &sled::Config, dir: &Path, ledger: &Path) -> Result<sled::Db> {
    let started = Instant::now();
    let mut retried = false;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            // sled 0.34 reports a held lock as an I/O error of kind `Other`, with the lock call's
            // `WouldBlock` only in its text: ask the lock itself.
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::Other => {
                if lock_held(&dir.join("db")) {
                    if started.elapsed() >= LOCK_WAIT {
                        return Err(Error::Locked {
                            path: ledger.to_owned(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(10));
                } else if retried {
                    return Err(sled::Error::Io(e).into());
                } else {
                    // Free now: it may have been released since sled tried it.
                    retried = true;
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// Whether another handle holds the lock on sled's `db` file: a lock attempt that would block.
/// A lock this takes is released at once, when the file is closed.
fn lock_held(db_file: &Path) -> bool {
    let Ok(file) = std::fs::File::open(db_file) else {
        return false;
    };
    fs2::FileExt::try_lock_exclusive(&file)
        .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock)
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        Self::open_with(LedgerConfig::new(path.as_ref()))
    }

    /// Opens an existing ledger for reading and verification only: nothing is written (see
    /// [`LedgerConfig::read_only`]).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Ledger> {
        let mut config = LedgerConfig::new(path.as_ref());
        config.read_only = true;
        Self::open_with(config)
    }

    /// Opens (or creates) a ledger.
    ///
    /// A ledger of an earlier storage layout is migrated first (not when read-only: that is an
    /// error saying so). The index is caught up with the log. Bytes after the last whole batch
    /// that are not damage (an append a crash cut short) are moved to
    /// `torn-tail-at-<offset>.bin` beside the log and reported by [`Ledger::torn_tail`]. A log
    /// that does not match its saved index, that ends before events whose Merkle leaves
    /// `tree.bin` holds, or with a damaged frame that was durable, opens for reading, so that
    /// it can be verified and exported, but refuses appends; nothing of it is truncated.
    pub fn open_with(config: LedgerConfig) -> Result<Ledger> {
        let files = Arc::clone(&config.files);
        let save_index_every = config.save_index_every.max(1);
        let log_path = config.path.join(log::FILE_NAME);
        if config.read_only {
            if !log_path.exists() {
                let derived = [super::index::FILE_NAME, tree::FILE_NAME]
                    .into_iter()
                    .filter(|name| config.path.join(name).exists())
                    .collect::<Vec<_>>();
                if !derived.is_empty() {
                    return Err(Error::Damaged(format!(
                        "{} has no {} but holds {}, derived from one: the log was removed or \
                         moved",
                        config.path.display(),
                        log::FILE_NAME,
                        derived.join(" and ")
                    )));
                }
            }
            if !log_path.exists() || log::layout_of(&*files, &log_path)? != Layout::Three {
                return Err(Error::Damaged(format!(
                    "{} holds no ledger of this storage layout; open it for writing once to \
                     migrate it, or verify it with the version that wrote it",
                    config.path.display()
                )));
            }
        } else {
            std::fs::create_dir_all(&config.path)?;
            if migrate::is_layout_1(&config.path) {
                migrate::from_layout_1(&config.path)?;
            }
        }
        let migrated = if !config.read_only && log::layout_of(&*files, &log_path)? == Layout::Two {
            migrate::from_layout_2(&config.path)?
        } else {
            None
        };
        let db = if config.read_only {
            None
        } else {
            let snapshots = config.path.join(SNAPSHOT_DIR);
            let db = open_sled(
                &sled::Config::new()
                    .path(&snapshots)
                    .cache_capacity(config.cache_capacity)
                    // Tally checkpoints are derived data: sled writes them out in the
                    // background and at close.
                    .flush_every_ms(Some(1000)),
                &snapshots,
                &config.path,
            )?;
            let parts = config.path.join(PARTS_DIR);
            // Hygiene only: a directory that cannot be read is reported when the tracker
            // reads the snapshots, and must not keep the ledger from opening.
            let _ = super::snapshots::remove_partial_parts(&parts);
            super::snapshots::move_snapshots_to_files(&db, &parts)?;
            Some(db)
        };
        let (log, allocated) = if config.read_only {
            let log = LogFile::open_read_only(&*files, &log_path)?;
            (log, 0)
        } else {
            LogFile::open(&*files, &log_path)?
        };
        let log = Arc::new(log);
        let mut opened = recover::open(&*files, &config.path, &log, config.read_only)?;
        let head = opened.head;
        // Derived data: a tree that cannot be opened or rebuilt is unavailable (proofs are
        // refused, saying why), and the ledger opens all the same.
        let (tree, tree_writer, tree_opened) = tree::open(
            &*files,
            &config.path,
            &log,
            &opened.index,
            head,
            opened.damage.is_some(),
            config.read_only,
        )
        .unwrap_or_else(|e| tree::unavailable(format!("{}: {e}", tree::FILE_NAME)));
        if let tree::TreeOpened::AheadOfLog { leaves } = tree_opened {
            opened.damage = Some(Problem {
                seq: head.seq + 1,
                kind: ProblemKind::LostEvents { leaves },
            });
        }
        let save_now = !config.read_only
            && opened.damage.is_none()
            && opened.caught_up >= save_index_every
            && opened
                .index
                .save(&*files, &config.path, head, opened.end)
                .is_ok();
        let saved = if save_now {
            head.seq
        } else {
            head.seq - opened.caught_up
        };
        let refused = match &opened.damage {
            Some(problem) => Some(Refusal::Damaged(format!("the log is damaged {problem}"))),
            None if config.read_only => Some(Refusal::ReadOnly),
            None => None,
        };
        let writer = Writer {
            head,
            clock: MonotonicClock::starting_after(opened.last_recorded),
            events_written: 0,
            pending: Vec::new(),
            pending_at: opened.end,
            allocated: allocated.max(opened.end),
            refused,
            tree_leaves: Vec::new(),
        };
        let runs = Arc::new(runs::Runs::new(
            Arc::clone(&files),
            &config.path,
            config.events_per_run,
        ));
        let ledger = Ledger {
            inner: Arc::new(Inner {
                path: config.path,
                files,
                db,
                log,
                index: Arc::new(SharedIndex::new(opened.index, saved)),
                save_index_every,
                writer: Mutex::new(writer),
                commit: GroupCommit::starting_at(head.seq),
                durable_end: AtomicU64::new(opened.end),
                damage: opened.damage,
                set_aside: migrated.or(opened.set_aside),
                tree,
                tree_writer: Mutex::new(tree_writer),
                tree_opened,
                runs,
                runs_pass: Mutex::new(None),
            }),
        };
        // A damaged log is read from the log itself, so that reads find the damage.
        if ledger.inner.damage.is_none() {
            ledger.inner.runs.load(head.seq, |seq| {
                ledger.get(seq).ok().flatten().map(|event| event.hash)
            });
        }
        ledger.write_runs_in_background(head.seq);
        Ok(ledger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_open_elsewhere_is_locked() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let ledger = Ledger::open(dir.path())?;
        assert!(lock_held(&dir.path().join(SNAPSHOT_DIR).join("db")));
        // A second handle waits for the lock as long as a closing one could hold it, then
        // gives up.
        match Ledger::open(dir.path()) {
            Err(Error::Locked { path }) => assert_eq!(path, dir.path()),
            other => panic!("expected Error::Locked, got {other:?}"),
        }
        drop(ledger);
        Ok(())
    }
}
