//! What can go wrong when checking, as one enum: malformed files, failed checks, unreachable
//! servers, and — its own variant, with the evidence — a fork.

use std::io;
use std::path::PathBuf;

/// Everything the verifier can report as a failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A check of the transparency log failed, or its input is malformed.
    #[error("{what}: {source}")]
    Check {
        /// What was being checked ("checkpoint old.txt", "inclusion proof", …).
        what: String,
        /// The finding.
        source: progress_ledger_tlog::Error,
    },
    /// A proof file or response is not in the documented JSON form.
    #[error("{source_name} is not a valid proof: {reason}")]
    Proof {
        /// The file or URL.
        source_name: String,
        /// Why.
        reason: String,
    },
    /// Two inputs that must agree do not (a proof for another size, another origin, …).
    #[error("{0}")]
    Mismatch(String),
    /// An HTTP request failed.
    #[error("fetching {url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The log served two trees that cannot both be honest.
    #[error("fork detected: {}", .0.reason)]
    Fork(Box<ForkEvidence>),
    /// Writing the report failed.
    #[error("writing output: {0}")]
    Output(#[from] io::Error),
}

/// Two signed checkpoints of one log that no consistency proof can join: the evidence of a fork,
/// to hand to whoever holds the log to account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// Why they are inconsistent.
    pub reason: String,
    /// The checkpoint stored before, as signed.
    pub stored: String,
    /// The checkpoint served now, as signed.
    pub served: String,
}

impl VerifyError {
    pub(crate) fn check(
        what: impl Into<String>,
    ) -> impl FnOnce(progress_ledger_tlog::Error) -> VerifyError {
        let what = what.into();
        move |source| VerifyError::Check { what, source }
    }

    /// The process exit status for this failure: 3 for a fork, 1 for anything else (2 is
    /// clap's, for a wrong command line).
    pub fn exit_code(&self) -> u8 {
        match self {
            VerifyError::Fork(_) => 3,
            _ => 1,
        }
    }
}
