//! The log's signing key and the signed checkpoints it published.
//!
//! The key lives in the data directory, in `log-key` (the C2SP signed-note signer key,
//! `PRIVATE+KEY+<name>+<key id>+<base64>`, file mode 0600), made by `progress-ledger key init`.
//! Its name is the log's origin: every checkpoint it signs names the log by it. The checkpoints
//! the server published are kept in `checkpoints` beside it, append-only, one per line, each
//! line the standard base64 of a signed note (a C2SP tlog-checkpoint signed with C2SP
//! signed-note Ed25519).
//!
//! Signing lives here, not in the core: the core gives the tree (sizes, roots, proofs, tiles)
//! and knows no key; the key, the policy of when to sign and the file of what was published
//! belong to whoever publishes — the server and the CLI, which share this module.
//!
//! A [`Publisher`] checks at start that the ledger still extends the last checkpoint it
//! published (same root at that size); if not — the log was rewritten or rolled back — it
//! refuses to sign anything, and says why, instead of publishing a fork.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use progress_ledger_core::tlog::{Checkpoint, Signer, Verifier, note::is_valid_key_name};
use progress_ledger_core::{Ledger, Tracker};

/// Name of the signer key file in the data directory.
pub const KEY_FILE: &str = "log-key";
/// Name of the file of published checkpoints in the data directory.
pub const CHECKPOINTS_FILE: &str = "checkpoints";

/// What can go wrong with the key or the checkpoints.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// There is no key: nothing is signed.
    #[error("the log has no signing key ({}); make one with `progress-ledger key init`", path.display())]
    NoKey {
        /// Where the key was looked for.
        path: PathBuf,
    },
    /// `key init` found a key already there.
    #[error("{} already holds a key; a log keeps its key (remove the file by hand to replace it)", path.display())]
    KeyExists {
        /// The key file.
        path: PathBuf,
    },
    /// The key file does not hold a signer key.
    #[error("{} does not hold a signer key: {reason}", path.display())]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An origin that cannot be a key name.
    #[error("{0:?} cannot name the log: use letters, digits and punctuation without spaces or +")]
    BadOrigin(String),
    /// The ledger does not extend a checkpoint that was published: nothing more is signed.
    #[error("{0}")]
    Forked(String),
    /// The Merkle tree could not be read.
    #[error(transparent)]
    Ledger(#[from] progress_ledger_core::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The origin a log is named by when none is given: `progress-ledger/<plan id>` for the first
/// plan the ledger defines, else `progress-ledger/<name of the data directory>`.
pub fn default_origin(tracker: &Tracker, data: &Path) -> String {
    let plan = tracker.with_live(|p| p.catalog().plans().next().map(|plan| plan.id.clone()));
    let name = plan.unwrap_or_else(|| {
        data.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "ledger".to_owned())
    });
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '+' || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    format!("progress-ledger/{cleaned}")
}

/// Makes the log's key under `origin` in `key_file` (mode 0600; never over an existing one),
/// and returns its verifier key, to publish.
pub fn init_key(key_file: &Path, origin: &str) -> Result<Verifier, CheckpointError> {
    if !is_valid_key_name(origin) {
        return Err(CheckpointError::BadOrigin(origin.to_owned()));
    }
    let signer = Signer::generate(origin).map_err(|e| CheckpointError::BadKey {
        path: key_file.to_owned(),
        reason: e.to_string(),
    })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(key_file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CheckpointError::KeyExists {
                path: key_file.to_owned(),
            }
        } else {
            io_error(key_file)(e)
        }
    })?;
    file.write_all(format!("{}\n", signer.skey()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error(key_file))?;
    if let Some(dir) = key_file.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    Ok(signer.verifier())
}

/// Reads the log's signer key.
pub fn read_key(key_file: &Path) -> Result<Signer, CheckpointError> {
    let text = std::fs::read_to_string(key_file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CheckpointError::NoKey {
                path: key_file.to_owned(),
            }
        } else {
            io_error(key_file)(e)
        }
    })?;
    Signer::from_skey(text.trim()).map_err(|e| CheckpointError::BadKey {
        path: key_file.to_owned(),
        reason: e.to_string(),
    })
}

/// A checkpoint the log signed, with the note as published.
#[derive(Clone, Debug)]
pub struct Published {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The signed note, byte for byte.
    pub note: Vec<u8>,
}

/// Every checkpoint in a checkpoints file that opens with `verifier`, oldest first. A line that
/// does not (a write cut short by a crash) is skipped.
pub fn read_published(file: &Path, verifier: &Verifier) -> Result<Vec<Published>, CheckpointError> {
    let reader = match File::open(file) {
        Ok(f) => BufReader::new(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(file)(e)),
    };
    let mut all = Vec::new();
    for line in reader.lines() {
        let line = line.map_err(io_error(file))?;
        let Ok(note) = STANDARD.decode(line.trim()) else {
            continue;
        };
        if let Ok((checkpoint, _)) = Checkpoint::open(&note, std::slice::from_ref(verifier)) {
            all.push(Published { checkpoint, note });
        }
    }
    Ok(all)
}

/// Where the key and the checkpoints are, and how often to sign.
#[derive(Clone, Debug)]
pub struct CheckpointConfig {
    /// The signer key file; signing is on only if it exists when the server starts.
    pub key: PathBuf,
    /// The append-only file of published checkpoints.
    pub file: PathBuf,
    /// Least time between two checkpoints signed after appends.
    pub interval: Duration,
}

impl CheckpointConfig {
    /// The files of data directory `data`, and a checkpoint at most every second.
    pub fn new(data: &Path) -> Self {
        Self {
            key: data.join(KEY_FILE),
            file: data.join(CHECKPOINTS_FILE),
            interval: Duration::from_secs(1),
        }
    }
}

/// Signs checkpoints of a ledger's tree and keeps them.
#[derive(Debug)]
pub struct Publisher {
    signer: Signer,
    ledger: Ledger,
    config: CheckpointConfig,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    latest: Option<Published>,
    /// Why nothing is signed, if nothing is.
    refused: Option<String>,
}

impl Publisher {
    /// A publisher for `ledger` with the key and file of `config`: reads the checkpoints
    /// published before, and checks that the ledger extends the last one.
    pub fn open(ledger: Ledger, config: CheckpointConfig) -> Result<Publisher, CheckpointError> {
        let signer = read_key(&config.key)?;
        let published = read_published(&config.file, &signer.verifier())?;
        let latest = published.into_iter().last();
        let refused = match &latest {
            Some(p) => extends(&ledger, &p.checkpoint)?,
            None => None,
        };
        if let Some(reason) = &refused {
            tracing::error!(%reason, "the ledger does not extend its last published checkpoint");
        }
        Ok(Publisher {
            signer,
            ledger,
            config,
            state: Mutex::new(State { latest, refused }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The log's verifier key.
    pub fn verifier(&self) -> Verifier {
        self.signer.verifier()
    }

    /// The origin: the key's name.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The last checkpoint published, if any.
    pub fn latest(&self) -> Result<Option<Published>, CheckpointError> {
        let state = self.state();
        if let Some(reason) = &state.refused {
            return Err(CheckpointError::Forked(reason.clone()));
        }
        Ok(state.latest.clone())
    }

    /// A checkpoint of the tree of every durable event: the last one published if the tree has
    /// not grown since, else a new one, signed and appended to the checkpoints file (synced)
    /// before it is returned.
    pub fn publish(&self) -> Result<Published, CheckpointError> {
        let mut state = self.state();
        if let Some(reason) = &state.refused {
            return Err(CheckpointError::Forked(reason.clone()));
        }
        let (size, root) = self.ledger.tree_head()?;
        if let Some(latest) = &state.latest
            && latest.checkpoint.size() >= size
        {
            return Ok(latest.clone());
        }
        let checkpoint = Checkpoint::new(self.signer.name(), size, root)
            .map_err(|e| CheckpointError::BadOrigin(format!("{}: {e}", self.signer.name())))?;
        let note = checkpoint.sign(&self.signer).to_bytes();
        let path = &self.config.file;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io_error(path))?;
        file.write_all(format!("{}\n", STANDARD.encode(&note)).as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(io_error(path))?;
        let published = Published { checkpoint, note };
        state.latest = Some(published.clone());
        Ok(published)
    }
}

/// Why the ledger does not extend `checkpoint`, if it does not.
fn extends(ledger: &Ledger, checkpoint: &Checkpoint) -> Result<Option<String>, CheckpointError> {
    let size = checkpoint.size();
    if size > ledger.len() {
        return Ok(Some(format!(
            "the log holds {} events, fewer than the {size} of the checkpoint it published; \
             nothing is signed until this is resolved",
            ledger.len()
        )));
    }
    let root = ledger.tree_root(size)?;
    if root != checkpoint.root() {
        return Ok(Some(format!(
            "the log's tree of size {size} has root {}, not the root {} of the checkpoint it \
             published: the log was changed; nothing is signed until this is resolved",
            root.to_base64(),
            checkpoint.root().to_base64()
        )));
    }
    Ok(None)
}

/// Signs a checkpoint whenever the tree has grown, at most once per `interval`, on a thread of
/// its own, until `publisher` is dropped or `stop` returns true.
pub fn sign_after_appends(publisher: &Arc<Publisher>, stop: impl Fn() -> bool + Send + 'static) {
    let weak: Weak<Publisher> = Arc::downgrade(publisher);
    let interval = publisher.config.interval;
    let spawned = std::thread::Builder::new()
        .name("checkpoint-signer".into())
        .spawn(move || {
            let mut last = Instant::now();
            loop {
                std::thread::sleep(interval.saturating_sub(last.elapsed()));
                last = Instant::now();
                if stop() {
                    return;
                }
                let Some(publisher) = weak.upgrade() else {
                    return;
                };
                let signed = publisher
                    .state()
                    .latest
                    .as_ref()
                    .map(|p| p.checkpoint.size());
                if signed.is_some_and(|size| size >= publisher.ledger.len()) {
                    continue;
                }
                match publisher.publish() {
                    Ok(_) => {}
                    Err(CheckpointError::Forked(_)) => return,
                    Err(e) => tracing::warn!(error = %e, "signing a checkpoint failed"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the checkpoint signer could not start");
    }
}
