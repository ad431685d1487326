//! `watch`: fetch the server's checkpoint, check that it extends the last one seen, remember it.
//!
//! The HTTP contract (also in the crate README):
//!
//! - `GET <base>/v1/checkpoint` → `200`, `text/plain; charset=utf-8`: the current signed
//!   checkpoint (C2SP tlog-checkpoint note), at most 1 MiB.
//! - `GET <base>/v1/proofs/consistency?from=M&to=N` (0 < M ≤ N ≤ the current size) → `200`,
//!   `application/json`: `{"from": M, "to": N, "hashes": ["<64 hex>", …]}` (see
//!   [`crate::wire::ConsistencyProof`]); `hashes` is empty when M = N.
//!
//! Both paths can be changed ([`WatchConfig`]). Any other status is an error.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::time::Duration;

use progress_ledger_tlog::{Checkpoint, Verifier};

use crate::checks::{SignedCheckpoint, open_checkpoint, verify_consistency};
use crate::wire::ConsistencyProof;
use crate::{ForkEvidence, VerifyError};

/// Largest response accepted, in bytes.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// Where to watch and what to trust.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// Path of the checkpoint, appended to the base URL.
    pub checkpoint_path: String,
    /// Path of the consistency proofs, appended to the base URL; `?from=M&to=N` follows.
    pub consistency_path: String,
    /// The log's verifier keys.
    pub keys: Vec<Verifier>,
    /// The directory holding the last checkpoint seen (`checkpoint`), and after a fork the
    /// evidence (`fork-evidence.txt`).
    pub state_dir: PathBuf,
    /// Timeout of each request.
    pub timeout: Duration,
}

impl WatchConfig {
    /// The defaults for the progress-ledger server: `/v1/checkpoint`, `/v1/proofs/consistency`,
    /// 30 s per request.
    pub fn new(
        base_url: impl Into<String>,
        keys: Vec<Verifier>,
        state_dir: impl Into<PathBuf>,
    ) -> WatchConfig {
        WatchConfig {
            base_url: base_url.into(),
            checkpoint_path: "/v1/checkpoint".into(),
            consistency_path: "/v1/proofs/consistency".into(),
            keys,
            state_dir: state_dir.into(),
            timeout: Duration::from_secs(30),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }

    fn state_file(&self) -> PathBuf {
        self.state_dir.join("checkpoint")
    }
}

/// What one round of watching found (a fork is an error: [`VerifyError::Fork`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchOutcome {
    /// No checkpoint was stored yet: the served one is now.
    First(Checkpoint),
    /// The served checkpoint is the stored one's tree again.
    Unchanged(Checkpoint),
    /// The served tree extends the stored one, proven; it is stored now.
    Extended {
        /// The tree stored before.
        old: Checkpoint,
        /// The tree stored now.
        new: Checkpoint,
    },
    /// The server served an older tree than the stored one, consistent with it; the stored one
    /// is kept.
    Older {
        /// The stored tree.
        stored: Checkpoint,
        /// The older tree served.
        served: Checkpoint,
    },
}

/// One round: fetch, verify, compare with the stored checkpoint, prove, store. Writes one line
/// saying what happened to `out`; on a fork, writes the evidence (both signed notes) to `out`
/// and to `fork-evidence.txt` in the state directory, keeps the stored checkpoint, and returns
/// [`VerifyError::Fork`].
pub fn watch_once(cfg: &WatchConfig, out: &mut dyn Write) -> Result<WatchOutcome, VerifyError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .user_agent(concat!(
            "progress-ledger-verify/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .into();
    let url = cfg.url(&cfg.checkpoint_path);
    let served_bytes = get(&agent, &url)?;
    let served = open_checkpoint(&served_bytes, &cfg.keys, &format!("checkpoint from {url}"))?;

    let state_file = cfg.state_file();
    let stored = match fs::read(&state_file) {
        Ok(bytes) => open_checkpoint(
            &bytes,
            &cfg.keys,
            &format!("stored checkpoint {}", state_file.display()),
        )?,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            store(cfg, &served_bytes)?;
            let c = served.checkpoint;
            writeln!(out, "stored the first checkpoint: {}", describe(&c))?;
            return Ok(WatchOutcome::First(c));
        }
        Err(source) => {
            return Err(VerifyError::Read {
                path: state_file,
                source,
            });
        }
    };
    let (old, new) = (&stored.checkpoint, &served.checkpoint);
    if old.origin() != new.origin() {
        return Err(VerifyError::Mismatch(format!(
            "the server's checkpoint is of log {:?}, the stored one of {:?}",
            new.origin(),
            old.origin()
        )));
    }

    match new.size().cmp(&old.size()) {
        std::cmp::Ordering::Equal if new.root() == old.root() => {
            writeln!(out, "unchanged: {}", describe(new))?;
            Ok(WatchOutcome::Unchanged(new.clone()))
        }
        std::cmp::Ordering::Equal => Err(fork(
            cfg,
            &stored,
            &served,
            &url,
            format!(
                "two roots for tree size {}: {} stored, {} served",
                new.size(),
                old.root().to_base64(),
                new.root().to_base64()
            ),
            out,
        )),
        std::cmp::Ordering::Greater => {
            prove_extends(cfg, &agent, &stored, &served, false, out)?;
            store(cfg, &served_bytes)?;
            writeln!(
                out,
                "extended: size {} → {}, {}",
                old.size(),
                new.size(),
                describe(new)
            )?;
            Ok(WatchOutcome::Extended {
                old: old.clone(),
                new: new.clone(),
            })
        }
        std::cmp::Ordering::Less => {
            prove_extends(cfg, &agent, &stored, &served, true, out).map_err(|e| match e {
                e @ VerifyError::Fork(_) => e,
                e => VerifyError::Mismatch(format!(
                    "the server's tree (size {}) is older than the stored one (size {}) and cannot be checked against it: {e}",
                    new.size(),
                    old.size()
                )),
            })?;
            writeln!(
                out,
                "older: the server's tree (size {}) is older than the stored one (size {}) and consistent with it; kept the stored one",
                new.size(),
                old.size()
            )?;
            Ok(WatchOutcome::Older {
                stored: old.clone(),
                served: new.clone(),
            })
        }
    }
}

/// Fetches and checks the proof that the larger of the two trees extends the smaller (the
/// served one when `served_is_older`); a proof that fails is a fork.
fn prove_extends(
    cfg: &WatchConfig,
    agent: &ureq::Agent,
    stored: &SignedCheckpoint,
    served: &SignedCheckpoint,
    served_is_older: bool,
    out: &mut dyn Write,
) -> Result<(), VerifyError> {
    let (from, to) = if served_is_older {
        (&served.checkpoint, &stored.checkpoint)
    } else {
        (&stored.checkpoint, &served.checkpoint)
    };
    if from.size() == 0 {
        return Ok(()); // every tree extends the empty one
    }
    let url = format!(
        "{}?from={}&to={}",
        cfg.url(&cfg.consistency_path),
        from.size(),
        to.size()
    );
    let proof = ConsistencyProof::from_json(&get(agent, &url)?, &url)?;
    match verify_consistency(from, to, &proof) {
        Err(VerifyError::Check { source, .. }) => Err(fork(
            cfg,
            stored,
            served,
            &cfg.url(&cfg.checkpoint_path),
            format!(
                "the tree of size {} does not extend the tree of size {}: {source}",
                to.size(),
                from.size()
            ),
            out,
        )),
        other => other,
    }
}

fn describe(c: &Checkpoint) -> String {
    format!(
        "origin {}, size {}, root {}",
        c.origin(),
        c.size(),
        c.root().to_base64()
    )
}

/// Prints and saves the evidence, and makes the error.
fn fork(
    cfg: &WatchConfig,
    stored: &SignedCheckpoint,
    served: &SignedCheckpoint,
    url: &str,
    reason: String,
    out: &mut dyn Write,
) -> VerifyError {
    let evidence = ForkEvidence {
        reason,
        stored: stored.note.to_string(),
        served: served.note.to_string(),
    };
    let text = format!(
        "fork detected: {}\n--- stored checkpoint ({}) ---\n{}--- served checkpoint ({}) ---\n{}",
        evidence.reason,
        cfg.state_file().display(),
        evidence.stored,
        url,
        evidence.served
    );
    // The evidence matters more than a failure to print or save it: both are attempted, and the
    // fork is reported whatever happens to them.
    let _ = out.write_all(text.as_bytes());
    let _ = fs::write(cfg.state_dir.join("fork-evidence.txt"), &text);
    VerifyError::Fork(Box::new(evidence))
}

/// Writes the checkpoint atomically: a temporary file, then a rename.
fn store(cfg: &WatchConfig, bytes: &[u8]) -> Result<(), VerifyError> {
    let write = |path: &PathBuf, e| VerifyError::Write {
        path: path.clone(),
        source: e,
    };
    fs::create_dir_all(&cfg.state_dir).map_err(|e| write(&cfg.state_dir, e))?;
    let tmp = cfg.state_dir.join("checkpoint.tmp");
    fs::write(&tmp, bytes).map_err(|e| write(&tmp, e))?;
    let file = cfg.state_file();
    fs::rename(&tmp, &file).map_err(|e| write(&file, e))
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, VerifyError> {
    let http = |reason: String| VerifyError::Http {
        url: url.to_owned(),
        reason,
    };
    let mut response = agent.get(url).call().map_err(|e| http(e.to_string()))?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|e| http(e.to_string()))
}
