//! The one error type of the core crate.

use uuid::Uuid;

use crate::event::StreamId;

/// Everything that can go wrong at the core crate's boundary.
///
/// Expected outcomes a caller may want to handle (a version conflict, an id reused) are variants
/// to match on; messages say what went wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stream is not at the version the append expected.
    #[error(
        "stream {stream} is at version {actual}, but the append expected version {expected}; re-read the stream and retry"
    )]
    VersionConflict {
        /// The stream.
        stream: StreamId,
        /// Version the caller expected.
        expected: u64,
        /// Version the stream is at.
        actual: u64,
    },
    /// An event id was reused with different content.
    #[error(
        "event id {id} is already recorded at seq {seq} with different content; use a new id for a new event"
    )]
    IdConflict {
        /// The reused id.
        id: Uuid,
        /// Where the original event is.
        seq: u64,
    },
    /// The event is not acceptable (bad stream name, bad field, does not fit its indicator …).
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// A text did not hold a 64-digit hex hash.
    #[error("invalid hash {0:?}: expected 64 hex digits")]
    InvalidHash(String),
    /// A stored event could not be decoded.
    #[error("event at seq {seq} cannot be decoded ({reason}); run verify to locate damage")]
    Corrupt {
        /// Sequence number (key) of the damaged event.
        seq: u64,
        /// What the decoder said.
        reason: String,
    },
    /// An earlier write failed half-way; the ledger refuses further writes until reopened.
    #[error(
        "the ledger stopped accepting writes after a storage failure; reopen it (nothing acknowledged was lost)"
    )]
    Poisoned,
    /// The ledger was found damaged when opened; it can be read, verified and exported, but not
    /// appended to.
    #[error("the ledger is damaged ({0}); run verify, and restore from an export or a backup")]
    Damaged(String),
    /// An import file was refused; nothing was written.
    #[error("import refused at line {line}: {reason}; nothing was written")]
    ImportRefused {
        /// 1-based line of the file where the problem is.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Import needs an empty ledger.
    #[error("import needs an empty ledger, but this one holds {events} events")]
    NotEmpty {
        /// Events already in the ledger.
        events: u64,
    },
    /// A plan file could not be read or is inconsistent.
    #[error("plan {path}: {reason}")]
    Plan {
        /// File or plan the problem is in.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(#[from] sled::Error),
    /// Reading or writing a file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result with the core crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
