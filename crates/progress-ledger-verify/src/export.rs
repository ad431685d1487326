//! `export`: a JSON Lines export of the ledger checked against a signed checkpoint, without the
//! ledger's codec.
//!
//! Each line is an event with (among others) `seq`, `hash`, `prev_hash` (64 hex digits each) and
//! `canonical`: base64 of the event's canonical bytes (format-version byte, encoded body). For
//! each line, in order:
//!
//! - `seq` is the line's number among the events (1, 2, 3 …);
//! - SHA-256 of `canonical` is `hash`;
//! - `prev_hash` is the hash of the line before (64 zeros for the first), and so are the last
//!   32 bytes of `canonical` (the encoded body ends with the previous hash), so that the chain
//!   is checked in the bytes that are hashed, not only in the JSON;
//! - its Merkle leaf is `SHA-256(0x00 ‖ hash)`.
//!
//! The root of the first `size` leaves must be the checkpoint's root. Lines after them (an
//! export made later than the checkpoint) are checked the same way. Nothing here decodes an
//! event: the fields that are not hashed are the core's import's business.

use std::io::{BufRead, BufReader};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use progress_ledger_tlog::{Checkpoint, HASH_SIZE, Hash, TreeBuilder, leaf_hash};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::VerifyError;

/// The fields of an export line the check reads; the others are ignored.
#[derive(Deserialize)]
struct Line {
    seq: u64,
    hash: String,
    prev_hash: String,
    canonical: Option<String>,
}

/// What a successful `export` check covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Events in the file.
    pub events: u64,
    /// The hash of the last one (zeros if none).
    pub head: Hash,
}

/// Checks the export `path` against `checkpoint` (see the module documentation).
pub fn verify_export(path: &Path, checkpoint: &Checkpoint) -> Result<ExportReport, VerifyError> {
    let file = std::fs::File::open(path).map_err(|source| VerifyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let size = checkpoint.size();
    let mut tree = TreeBuilder::new();
    let mut previous = Hash([0; HASH_SIZE]);
    let mut events = 0u64;
    for (number, text) in BufReader::new(file).lines().enumerate() {
        let number = number + 1;
        let text = text.map_err(|source| VerifyError::Read {
            path: path.to_owned(),
            source,
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let at = |reason: String| VerifyError::Mismatch(format!("line {number}: {reason}"));
        let line: Line = serde_json::from_str(&text).map_err(|e| {
            at(format!(
                "not an export line with seq, hash and prev_hash: {e}"
            ))
        })?;
        let canonical = line.canonical.as_deref().ok_or_else(|| {
            at("no canonical field (exports made before it cannot be checked here)".into())
        })?;
        let canonical = STANDARD
            .decode(canonical)
            .map_err(|e| at(format!("canonical is not base64: {e}")))?;
        let hash = Hash::from_hex(&line.hash).map_err(|e| at(format!("hash: {e}")))?;
        let prev_hash =
            Hash::from_hex(&line.prev_hash).map_err(|e| at(format!("prev_hash: {e}")))?;
        if line.seq != events + 1 {
            return Err(at(format!("seq {} where {} was due", line.seq, events + 1)));
        }
        let computed = Hash(Sha256::digest(&canonical).into());
        if computed != hash {
            return Err(at(format!(
                "event {}: its canonical bytes hash to {computed}, not to its hash {hash}",
                line.seq
            )));
        }
        if prev_hash != previous {
            return Err(at(format!(
                "event {}: prev_hash {prev_hash} is not the hash {previous} of the event before",
                line.seq
            )));
        }
        let tail = canonical
            .len()
            .checked_sub(HASH_SIZE)
            .map(|at| &canonical[at..]);
        if tail != Some(&previous.0[..]) {
            return Err(at(format!(
                "event {}: its canonical bytes do not end with the hash of the event before",
                line.seq
            )));
        }
        tree.push(leaf_hash(&hash.0));
        events += 1;
        previous = hash;
        if events == size && tree.root() != checkpoint.root() {
            return Err(VerifyError::Mismatch(format!(
                "the first {size} events give root {}, not the root {} of {}'s checkpoint of \
                 size {size}: this export is not the log that checkpoint signs",
                tree.root().to_base64(),
                checkpoint.root().to_base64(),
                checkpoint.origin()
            )));
        }
    }
    if events < size {
        return Err(VerifyError::Mismatch(format!(
            "the export holds {events} events, fewer than the {size} of the checkpoint"
        )));
    }
    if size == 0 && tree.root() != checkpoint.root() && events == 0 {
        return Err(VerifyError::Mismatch(
            "an empty export, but the checkpoint's empty tree has another root".into(),
        ));
    }
    Ok(ExportReport {
        events,
        head: previous,
    })
}
