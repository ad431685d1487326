//! A fault-injecting file layer for the ledger's `Files` seam: a write, a sync, the log's growth
//! or a durable file replacement fails with EIO or ENOSPC at a chosen call; syncs can be held
//! until released; and a simulated power loss keeps of each file only what was synced, tearing
//! or dropping the rest at random.
//!
//! Reads and writes go to the real files, so the ledger sees what an operating system would
//! show it; beside each file of the log the layer keeps the image of what is durable and the
//! writes made since the last sync.
//!
//! Compiled with the feature `fault-injection` only (the workspace's tests turn it on).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

use super::{FileIo, Files, OsFiles};

/// The operations a fault can hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// A write of the log (frames, or the zeros that grow it).
    Write,
    /// An `fdatasync` of the log (what makes an append durable).
    Sync,
    /// An `fsync` of the log (after it grows).
    Grow,
    /// A durable replacement of a small file (the saved index, a torn tail).
    Replace,
}

/// The errors a fault returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// EIO.
    Io,
    /// ENOSPC.
    NoSpace,
}

impl Failure {
    fn error(self) -> io::Error {
        match self {
            Failure::Io => io::Error::from_raw_os_error(5),
            Failure::NoSpace => io::Error::from_raw_os_error(28),
        }
    }
}

/// What is durable of one file, and what was written since.
#[derive(Debug, Default)]
struct Shadow {
    durable: Vec<u8>,
    unsynced: Vec<(u64, Vec<u8>)>,
}

impl Shadow {
    fn sync(&mut self) {
        for (offset, bytes) in self.unsynced.drain(..) {
            apply(&mut self.durable, offset, &bytes);
        }
    }
}

fn apply(image: &mut Vec<u8>, offset: u64, bytes: &[u8]) {
    let end = offset as usize + bytes.len();
    if image.len() < end {
        image.resize(end, 0);
    }
    image[offset as usize..end].copy_from_slice(bytes);
}

/// Operations of one kind wait while `held` is set; `waiting` of them wait now.
#[derive(Debug, Default)]
struct Hold {
    held: bool,
    waiting: usize,
}

#[derive(Debug, Default)]
struct State {
    /// Faults to come: (operation, calls of it to let pass first, error).
    planned: Vec<(Op, u64, Failure)>,
    /// Set by a simulated crash: every operation fails from then on.
    frozen: bool,
    /// Syncs of the log, held or not.
    syncs: Hold,
    /// Durable replacements of small files (the saved index), held or not.
    replaces: Hold,
    shadows: HashMap<PathBuf, Shadow>,
    /// Faults that fired, in order.
    fired: Vec<(Op, Failure)>,
}

/// The fault-injecting layer. Cheap to clone; clones share their state.
#[derive(Clone, Debug, Default)]
pub struct FaultyFiles {
    state: Arc<(Mutex<State>, Condvar)>,
}

impl FaultyFiles {
    /// A layer with no fault planned.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes the call of `op` after the next `after` ones fail with `failure`.
    pub fn fail(&self, op: Op, after: u64, failure: Failure) {
        self.lock().planned.push((op, after, failure));
    }

    /// The faults that fired so far.
    pub fn fired(&self) -> Vec<(Op, Failure)> {
        self.lock().fired.clone()
    }

    /// Holds every sync until [`FaultyFiles::release_syncs`].
    pub fn hold_syncs(&self) {
        self.lock().syncs.held = true;
    }

    /// Lets held syncs go on.
    pub fn release_syncs(&self) {
        self.lock().syncs.held = false;
        self.state.1.notify_all();
    }

    /// How many syncs are waiting because syncs are held.
    pub fn syncs_waiting(&self) -> usize {
        self.lock().syncs.waiting
    }

    /// Holds every durable replacement of a small file (a save of the index) until
    /// [`FaultyFiles::release_replaces`].
    pub fn hold_replaces(&self) {
        self.lock().replaces.held = true;
    }

    /// Lets held replacements go on.
    pub fn release_replaces(&self) {
        self.lock().replaces.held = false;
        self.state.1.notify_all();
    }

    /// How many replacements are waiting because they are held.
    pub fn replaces_waiting(&self) -> usize {
        self.lock().replaces.waiting
    }

    /// Waits while the operations `hold` picks are held.
    fn wait_while_held(&self, hold: fn(&mut State) -> &mut Hold) {
        let (lock, changed) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        if hold(&mut state).held {
            hold(&mut state).waiting += 1;
            while hold(&mut state).held {
                state = changed.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            hold(&mut state).waiting -= 1;
        }
    }

    /// Whether the next call of `op` fails; counts it.
    fn check(&self, op: Op) -> io::Result<()> {
        let mut state = self.lock();
        if state.frozen {
            return Err(io::Error::other("the process was stopped"));
        }
        let mut failure = None;
        state.planned.retain_mut(|(planned, after, kind)| {
            if *planned != op || failure.is_some() {
                return true;
            }
            if *after == 0 {
                failure = Some(*kind);
                false
            } else {
                *after -= 1;
                true
            }
        });
        match failure {
            Some(kind) => {
                state.fired.push((op, kind));
                Err(kind.error())
            }
            None => Ok(()),
        }
    }

    /// Stops the "process": every later operation fails, as after a SIGKILL. What was written
    /// stays in the files (the operating system keeps it).
    pub fn kill(&self) {
        self.lock().frozen = true;
    }

    /// Stops the "process" and the "machine": every file of the log is rewritten to what was
    /// durable, with each write made since the last sync applied whole, cut short, in part
    /// (whole 512-byte sectors of it) or not at all, at random (the same for the same `seed`).
    pub fn power_loss(&self, seed: u64) -> io::Result<()> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut state = self.lock();
        state.frozen = true;
        for (path, shadow) in state.shadows.iter_mut() {
            let mut image = shadow.durable.clone();
            for (offset, bytes) in shadow.unsynced.drain(..) {
                match rng.random_range(0..4u8) {
                    0 => apply(&mut image, offset, &bytes),
                    1 => {
                        let cut = rng.random_range(0..=bytes.len());
                        apply(&mut image, offset, &bytes[..cut]);
                    }
                    2 => {
                        for (n, sector) in bytes.chunks(512).enumerate() {
                            if rng.random_bool(0.5) {
                                apply(&mut image, offset + (n * 512) as u64, sector);
                            }
                        }
                    }
                    _ => {}
                }
            }
            std::fs::write(path, &image)?;
            shadow.durable = image;
        }
        Ok(())
    }

    /// Lets operations go on again after [`FaultyFiles::kill`] or a power loss (a new process),
    /// with no fault planned.
    pub fn restart(&self) {
        let mut state = self.lock();
        state.frozen = false;
        state.planned.clear();
        state.syncs.held = false;
        state.replaces.held = false;
        state.shadows.clear();
        drop(state);
        self.state.1.notify_all();
    }
}

impl Files for FaultyFiles {
    fn open(&self, path: &Path) -> io::Result<Arc<dyn FileIo>> {
        self.check(Op::Write)?;
        let inner = OsFiles.open(path)?;
        let durable = std::fs::read(path)?;
        self.lock().shadows.insert(
            path.to_owned(),
            Shadow {
                durable,
                unsynced: Vec::new(),
            },
        );
        Ok(Arc::new(FaultyFile {
            files: self.clone(),
            path: path.to_owned(),
            inner,
        }))
    }

    fn open_read_only(&self, path: &Path) -> io::Result<Arc<dyn FileIo>> {
        OsFiles.open_read_only(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.lock().frozen {
            return Err(io::Error::other("the process was stopped"));
        }
        OsFiles.read(path)
    }

    fn replace_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.wait_while_held(|state| &mut state.replaces);
        self.check(Op::Replace)?;
        OsFiles.replace_with(path, fill)
    }
}

/// A file of the log, through the layer.
#[derive(Debug)]
struct FaultyFile {
    files: FaultyFiles,
    path: PathBuf,
    inner: Arc<dyn FileIo>,
}

impl FaultyFile {
    fn synced(&self) {
        if let Some(shadow) = self.files.lock().shadows.get_mut(&self.path) {
            shadow.sync();
        }
    }
}

impl FileIo for FaultyFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.inner.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.files.check(Op::Write)?;
        if let Some(shadow) = self.files.lock().shadows.get_mut(&self.path) {
            shadow.unsynced.push((offset, buf.to_vec()));
        }
        self.inner.write_all_at(buf, offset)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.files.wait_while_held(|state| &mut state.syncs);
        self.files.check(Op::Sync)?;
        self.inner.sync_data()?;
        self.synced();
        Ok(())
    }

    fn sync_all(&self) -> io::Result<()> {
        self.files.check(Op::Grow)?;
        self.inner.sync_all()?;
        self.synced();
        Ok(())
    }

    fn size(&self) -> io::Result<u64> {
        self.inner.size()
    }

    /// Counted as a write; the shadow takes the new length as durable at once (a file cut short
    /// or grown with zeros is what a power loss may leave anyway).
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.files.check(Op::Write)?;
        if let Some(shadow) = self.files.lock().shadows.get_mut(&self.path) {
            shadow.durable.resize(len as usize, 0);
            for (offset, bytes) in &mut shadow.unsynced {
                bytes.truncate(len.saturating_sub(*offset) as usize);
            }
        }
        self.inner.set_len(len)
    }
}
