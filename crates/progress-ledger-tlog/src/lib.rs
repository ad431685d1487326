//! The transparency log under progress-ledger: RFC 6962 Merkle trees, inclusion and consistency
//! proofs, C2SP checkpoints and signed notes (Ed25519), and C2SP tiles — the formats of
//! Certificate Transparency, Go's checksum database and the C2SP specifications, so that an
//! auditor can check the ledger with tools this project did not write.
//!
//! ```
//! use progress_ledger_tlog::{
//!     Checkpoint, Signer, check_record, check_tree, leaf_hash, prove_record, prove_tree,
//!     stored_hashes, tree_hash,
//! };
//!
//! # fn main() -> Result<(), progress_ledger_tlog::Error> {
//! // The log keeps every stored hash (here in memory; a ledger keeps them on disk).
//! let entries: Vec<Vec<u8>> = (0..10u8).map(|i| vec![1, i]).collect();
//! let mut stored = Vec::new();
//! for (n, entry) in entries.iter().enumerate() {
//!     let new = stored_hashes(n as u64, entry, &stored)?;
//!     stored.extend(new);
//! }
//!
//! // It signs a checkpoint of its tree.
//! let signer = Signer::from_seed("example.com/ledger", &[42; 32])?;
//! let checkpoint = Checkpoint::new("example.com/ledger", 10, tree_hash(10, &stored)?)?;
//! let signed = checkpoint.sign(&signer).to_bytes();
//!
//! // An auditor who trusts only the verifier key checks the checkpoint, then that entry 3 is
//! // in the tree, and that the tree of 10 entries extends the tree of 7 they saw before.
//! let (seen, _note) = Checkpoint::open(&signed, &[signer.verifier()])?;
//! let proof = prove_record(seen.size(), 3, &stored)?;
//! check_record(&proof, seen.size(), &seen.root(), 3, &leaf_hash(&entries[3]))?;
//! let older = tree_hash(7, &stored)?;
//! let proof = prove_tree(seen.size(), 7, &stored)?;
//! check_tree(&proof, seen.size(), &seen.root(), 7, &older)?;
//! # Ok(())
//! # }
//! ```
//!
//! # What a leaf is
//!
//! A leaf's entry is **the event's 32-byte hash** in `progress-ledger-core`: the SHA-256 of its
//! canonical bytes (the format-version byte followed by the encoded body, the previous hash
//! included; see `codec.rs` there). So the leaf hash is `SHA-256(0x00 ‖ event hash)`, a node
//! hash `SHA-256(0x01 ‖ left ‖ right)` (RFC 6962 §2.1), and an entry bundle carries the event
//! hashes. (tlog-tiles bundles hold at most 65,535 bytes per entry; events up to 4 MiB.) This
//! crate itself treats entries as opaque bytes and knows nothing of events.
//!
//! # Map
//!
//! - [`hash`]: [`leaf_hash`], [`node_hash`], [`EMPTY_ROOT`], the [`Hash`](struct@Hash) type.
//! - [`tree`]: the stored-hash layout of Go's `sumdb/tlog` ([`stored_hash_index`],
//!   [`stored_hashes`]), the [`HashReader`] trait, [`tree_hash`], and [`TreeBuilder`] for a root
//!   in one pass.
//! - [`proof`]: [`prove_record`] / [`check_record`] (inclusion), [`prove_tree`] /
//!   [`check_tree`] (consistency).
//! - [`note`]: C2SP signed notes; [`Signer`], [`Verifier`], [`Note`].
//! - [`checkpoint`]: C2SP checkpoints; [`Checkpoint`].
//! - [`tile`]: C2SP tiles and entry bundles; [`TileHashReader`] reads a mirror's tiles and
//!   checks them against a checkpoint.
//!
//! No I/O happens here beyond what a caller passes in (a [`HashReader`], a tile fetcher).

#![deny(missing_docs)]

pub mod checkpoint;
pub mod hash;
pub mod note;
pub mod proof;
pub mod tile;
pub mod tree;

pub use checkpoint::Checkpoint;
pub use hash::{EMPTY_ROOT, HASH_SIZE, Hash, leaf_hash, node_hash};
pub use note::{Note, NoteSignature, Signer, Verifier};
pub use proof::{check_record, check_tree, prove_record, prove_tree};
pub use tile::{Bundle, Tile, TileHashReader, TilePath};
pub use tree::{
    HashReader, HashReaderFn, MAX_TREE_SIZE, TreeBuilder, root_from_leaf_hashes,
    split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes,
    stored_hashes_for_leaf_hash, tree_hash,
};

/// An error from a reader or a tile fetcher supplied by the caller.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong here: malformed input, failed checks, failed reads.
///
/// Failed checks (a proof that does not verify, a bad signature, a tile that does not match
/// the checkpoint) are variants of their own, so that a verifier can tell a finding from a
/// malformed file or an unreachable server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hash in text form is not 32 bytes of hex or base64.
    #[error("malformed hash: {0}")]
    MalformedHash(String),
    /// An inclusion proof was asked for or checked with an index outside the tree.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof needs 0 < old size ≤ new size.
    #[error("no consistency proof from size {old} to size {new}: it needs 0 < old ≤ new")]
    InvalidSizes {
        /// The older (smaller) tree size.
        old: u64,
        /// The newer tree size.
        new: u64,
    },
    /// A tree size beyond what stored hash indexes can address.
    #[error(
        "tree size {size} is beyond the {} leaves the stored-hash layout addresses",
        tree::MAX_TREE_SIZE
    )]
    TreeTooLarge {
        /// The size asked for.
        size: u64,
    },
    /// A [`HashReader`] over a slice was asked for a hash it does not have.
    #[error("stored hash {index} is not there: {stored} hashes are stored")]
    HashNotStored {
        /// The stored hash index asked for.
        index: u64,
        /// How many hashes are stored.
        stored: u64,
    },
    /// A [`HashReader`] answered with the wrong number of hashes.
    #[error("the hash reader returned {got} hashes for {asked} indexes")]
    ReaderMiscounted {
        /// Indexes asked for.
        asked: usize,
        /// Hashes returned.
        got: usize,
    },
    /// A [`HashReader`] failed.
    #[error("reading stored hashes: {0}")]
    Read(#[source] BoxError),
    /// An inclusion proof does not verify.
    #[error("inclusion proof of leaf {index} in the tree of size {size} fails: {reason}")]
    InclusionProofFailed {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// What went wrong.
        reason: String,
    },
    /// A consistency proof does not verify.
    #[error("consistency proof from size {old} to size {new} fails: {reason}")]
    ConsistencyProofFailed {
        /// The older tree size.
        old: u64,
        /// The newer tree size.
        new: u64,
        /// What went wrong.
        reason: String,
    },
    /// A note does not have the syntax of a signed note.
    #[error("malformed note: {0}")]
    MalformedNote(String),
    /// A signer or verifier key does not have the syntax of one, or its key ID is wrong.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// A signature by a known key does not verify.
    #[error("invalid signature by known key {name}+{key_id:08x}")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature of the note is by a known key.
    #[error("no signature by a known key (signed by: {signed_by})")]
    UnverifiedNote {
        /// Who did sign it, as `name+keyid`, comma-separated.
        signed_by: String,
    },
    /// Two known keys share a name and key ID but not their public key.
    #[error("ambiguous key {name}+{key_id:08x}: two known keys have that name and ID")]
    AmbiguousKey {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// The operating system's randomness failed.
    #[error("no randomness for a new key: {0}")]
    Randomness(String),
    /// A checkpoint's note text does not have the syntax of a checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// A tile path does not have the syntax of one.
    #[error("malformed tile path {path:?}: {reason}")]
    MalformedTilePath {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Tile coordinates out of range, or a hash asked of the wrong tile.
    #[error("invalid tile: {0}")]
    InvalidTile(String),
    /// Tile or bundle contents that do not match the trusted tree.
    #[error("{path} does not match the tree: {reason}")]
    InconsistentTile {
        /// The tile or bundle path (several, comma-separated, when the root does not match).
        path: String,
        /// What does not match.
        reason: String,
    },
    /// An entry too large for an entry bundle.
    #[error("an entry of {len} bytes does not fit in an entry bundle (at most 65535)")]
    EntryTooLarge {
        /// The entry's length.
        len: usize,
    },
    /// Entry bundle bytes that do not decode.
    #[error("malformed entry bundle: {0}")]
    MalformedBundle(String),
    /// A tile fetcher failed.
    #[error("fetching {path}: {source}")]
    Fetch {
        /// The tile path.
        path: String,
        /// The fetcher's error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// Wraps a [`HashReader`]'s own error.
    pub fn read(e: impl Into<BoxError>) -> Error {
        Error::Read(e.into())
    }
}
