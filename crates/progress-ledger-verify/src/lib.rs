//! A stand-alone verifier of progress-ledger's transparency log, for auditors who do not trust
//! its server: signed checkpoints, inclusion and consistency proofs, mirrored tiles, and a
//! watcher that keeps the last checkpoint it saw and catches a fork. The binary
//! `progress-ledger-verify` is a thin command line over this library.
//!
//! ```
//! use progress_ledger_tlog::{Checkpoint, Signer, prove_tree, stored_hashes, tree_hash};
//! use progress_ledger_verify::{checks, wire::ConsistencyProof};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A log of 10 entries signs checkpoints at sizes 6 and 10 …
//! let log = Signer::from_seed("example.com/ledger", &[1; 32])?;
//! let mut stored = Vec::new();
//! for n in 0..10u64 {
//!     let new = stored_hashes(n, &n.to_be_bytes(), &stored)?;
//!     stored.extend(new);
//! }
//! let old = Checkpoint::new("example.com/ledger", 6, tree_hash(6, &stored)?)?.sign(&log).to_bytes();
//! let new = Checkpoint::new("example.com/ledger", 10, tree_hash(10, &stored)?)?.sign(&log).to_bytes();
//! // … and serves a consistency proof as JSON.
//! let json = serde_json::to_vec(&ConsistencyProof { from: 6, to: 10, hashes: prove_tree(10, 6, &stored)? })?;
//!
//! // The auditor has only the log's verifier key, the two signed checkpoints and the JSON.
//! let vkey = log.verifier().vkey();
//! let keys = [vkey.parse()?];
//! let old = checks::open_checkpoint(&old, &keys, "old checkpoint")?;
//! let new = checks::open_checkpoint(&new, &keys, "new checkpoint")?;
//! let proof = ConsistencyProof::from_json(&json, "proof")?;
//! checks::verify_consistency(&old.checkpoint, &new.checkpoint, &proof)?;
//! # Ok(())
//! # }
//! ```
//!
//! The HTTP contract `watch` expects of the server, the JSON proof formats and the exit statuses
//! are in the crate README; [`wire`] and [`watch`] hold them in code.

#![deny(missing_docs)]

pub mod checks;
pub mod cli;
mod error;
pub mod export;
pub mod tiles;
pub mod watch;
pub mod wire;

pub use cli::{Cli, run};
pub use error::{ForkEvidence, VerifyError};
