//! The checks behind `checkpoint`, `inclusion` and `consistency`, as functions of bytes.

use std::path::Path;

use progress_ledger_tlog::{
    Checkpoint, EMPTY_ROOT, Note, Verifier, check_record, check_tree, leaf_hash,
};

use crate::VerifyError;
use crate::wire::{ConsistencyProof, InclusionProof};

/// A checkpoint whose signature verified, with the note it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The signed note, as received.
    pub note: Note,
    /// The known keys whose signatures verified, as `name+keyid`.
    pub verified_by: Vec<String>,
}

/// Opens a signed checkpoint: the signature of at least one of `keys` must verify (signatures by
/// other keys are ignored), the text must be a checkpoint, and a tree of size 0 must have the
/// empty root. `what` names the input in errors.
pub fn open_checkpoint(
    msg: &[u8],
    keys: &[Verifier],
    what: &str,
) -> Result<SignedCheckpoint, VerifyError> {
    let note = Note::parse(msg).map_err(VerifyError::check(what))?;
    let verified = note.verify(keys).map_err(VerifyError::check(what))?;
    let verified_by = verified
        .iter()
        .map(|v| format!("{}+{:08x}", v.name(), v.key_id()))
        .collect();
    let checkpoint = Checkpoint::parse(note.text()).map_err(VerifyError::check(what))?;
    if checkpoint.size() == 0 && checkpoint.root() != EMPTY_ROOT {
        return Err(VerifyError::Mismatch(format!(
            "{what}: a tree of size 0 has root {}, not the empty root {}",
            checkpoint.root().to_base64(),
            EMPTY_ROOT.to_base64()
        )));
    }
    Ok(SignedCheckpoint {
        checkpoint,
        note,
        verified_by,
    })
}

/// Reads and opens a signed checkpoint file.
pub fn read_checkpoint(path: &Path, keys: &[Verifier]) -> Result<SignedCheckpoint, VerifyError> {
    let bytes = read(path)?;
    open_checkpoint(&bytes, keys, &format!("checkpoint {}", path.display()))
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, VerifyError> {
    std::fs::read(path).map_err(|source| VerifyError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Checks that `entry` is leaf `index` of the checkpoint's tree, by `proof`.
pub fn verify_inclusion(
    checkpoint: &Checkpoint,
    index: u64,
    entry: &[u8],
    proof: &InclusionProof,
) -> Result<(), VerifyError> {
    if proof.index != index {
        return Err(VerifyError::Mismatch(format!(
            "the proof is for leaf {}, not leaf {index}",
            proof.index
        )));
    }
    if proof.size != checkpoint.size() {
        return Err(VerifyError::Mismatch(format!(
            "the proof is for a tree of size {}, the checkpoint's tree has size {}",
            proof.size,
            checkpoint.size()
        )));
    }
    check_record(
        &proof.hashes,
        checkpoint.size(),
        &checkpoint.root(),
        index,
        &leaf_hash(entry),
    )
    .map_err(VerifyError::check("inclusion proof"))
}

/// Checks that the tree of `new` extends the tree of `old`, by `proof`: same origin, and
/// - equal sizes: equal roots (and an empty proof);
/// - `old` of size 0: an empty proof (every tree extends the empty one);
/// - otherwise the RFC 6962 consistency proof from `old.size()` to `new.size()`.
///
/// A newer tree smaller than the old one is a mismatch, not a proof failure: ask for the proof the
/// other way round.
pub fn verify_consistency(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &ConsistencyProof,
) -> Result<(), VerifyError> {
    if old.origin() != new.origin() {
        return Err(VerifyError::Mismatch(format!(
            "the checkpoints are of two logs: {:?} and {:?}",
            old.origin(),
            new.origin()
        )));
    }
    if new.size() < old.size() {
        return Err(VerifyError::Mismatch(format!(
            "the new checkpoint's tree (size {}) is smaller than the old one's (size {})",
            new.size(),
            old.size()
        )));
    }
    if (proof.from, proof.to) != (old.size(), new.size()) {
        return Err(VerifyError::Mismatch(format!(
            "the proof is from size {} to size {}, the checkpoints are of sizes {} and {}",
            proof.from,
            proof.to,
            old.size(),
            new.size()
        )));
    }
    if old.size() == 0 {
        if !proof.hashes.is_empty() {
            return Err(VerifyError::Mismatch(format!(
                "a proof from the empty tree has no hashes, this one has {}",
                proof.hashes.len()
            )));
        }
        return Ok(());
    }
    check_tree(
        &proof.hashes,
        new.size(),
        &new.root(),
        old.size(),
        &old.root(),
    )
    .map_err(VerifyError::check("consistency proof"))
}
