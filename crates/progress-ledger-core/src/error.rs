//! The one error type of the core crate.

use uuid::Uuid;

use crate::event::StreamId;
use crate::limits::{FieldProblem, TextField};
use crate::verify::ProblemKind;

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
    /// The event is not acceptable (bad stream name, does not continue the chain …).
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// A text field of the event is outside its limits (see [`crate::limits`]).
    #[error("{field} {problem}")]
    InvalidField {
        /// The field.
        field: TextField,
        /// What is wrong with it.
        problem: FieldProblem,
    },
    /// An update does not fit the plan (unknown indicator, wrong kind, out of range …).
    #[error("{message}")]
    Rejected {
        /// What kind of problem, for programs.
        code: RejectCode,
        /// What is wrong, for people.
        message: String,
    },
    /// The caller's identity may not make this write (see [`crate::policy`]).
    #[error("{message}")]
    Forbidden {
        /// The rule the write breaks.
        rule: crate::policy::Rule,
        /// What is refused and whose it is, opening with the rule's code.
        message: String,
    },
    /// A text did not hold a 64-digit hex hash.
    #[error("invalid hash {0:?}: expected 64 hex digits")]
    InvalidHash(String),
    /// A stored event could not be read.
    #[error("cannot read seq {seq}: {kind}; run verify to locate the damage")]
    Corrupt {
        /// Sequence number of the event.
        seq: u64,
        /// What is wrong where it is stored.
        kind: ProblemKind,
    },
    /// A write or sync of the log failed while this append waited for it: it may be in the log
    /// or not. The ledger refuses appends until it is reopened; then a retry with the same
    /// event ids is safe (an event that was written is recognised, not written twice).
    #[error(
        "the outcome of this append is unknown: {reason}; the ledger accepts no more appends until it is reopened, and a retry with the same event ids after that is safe"
    )]
    OutcomeUnknown {
        /// What failed.
        reason: String,
    },
    /// The ledger refuses appends since a write or sync of its log failed; nothing of this
    /// append was written. Reopen the ledger.
    #[error(
        "the ledger refuses appends since a write to its log failed ({reason}); nothing of this append was written; reopen the ledger"
    )]
    Poisoned {
        /// What failed.
        reason: String,
    },
    /// The ledger was opened read-only.
    #[error("the ledger was opened read-only; nothing was written")]
    ReadOnly,
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
    /// The ledger is open in another process (or in a handle of this one that is not closed):
    /// the lock on its sled database is held.
    #[error("the ledger in {} is open in another process", path.display())]
    Locked {
        /// Directory of the ledger.
        path: std::path::PathBuf,
    },
    /// The Merkle tree cannot be read now: the log is damaged, or `tree.bin` failed or was found
    /// damaged since the ledger was opened (it is rebuilt at the next opening).
    #[error("the Merkle tree of the log is unavailable: {0}")]
    TreeUnavailable(String),
    /// A proof or tile was asked that no tree holds: an event outside the tree, sizes out of
    /// order.
    #[error("{0}")]
    NotInTree(String),
    /// A root, proof, tile or entry bundle was asked of a tree larger than the durable log: the
    /// log may hold it later.
    #[error("{0}")]
    BeyondLog(String),
    /// A Merkle tree computation failed.
    #[error("merkle tree: {0}")]
    Tree(#[from] progress_ledger_tlog::Error),
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(#[from] sled::Error),
    /// Reading or writing a file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Whether this error refuses one update for what it is (its fields, the plan, the caller's
    /// rights, a version or id conflict) rather than for the state of the ledger: the errors a
    /// batch lists row by row.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::VersionConflict { .. }
                | Error::IdConflict { .. }
                | Error::InvalidEvent(_)
                | Error::InvalidField { .. }
                | Error::Rejected { .. }
                | Error::Forbidden { .. }
        )
    }
}

/// Result with the core crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an update was rejected, for programs (the server maps these to error codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectCode {
    /// No indicator with that id is defined.
    UnknownIndicator,
    /// The indicator was retired.
    RetiredIndicator,
    /// The update's type does not fit the indicator's kind.
    KindMismatch,
    /// A number is out of range (negative delta, percentage over 100 …).
    OutOfRange,
    /// The effective date is outside the plan period or in the future.
    OutsidePeriod,
    /// The district is not in the plan's district set.
    UnknownDistrict,
    /// The deliverable is not in the indicator's list.
    UnknownDeliverable,
    /// A correction names an event this indicator does not have.
    UnknownEvent,
    /// A correction names an event that is already voided.
    AlreadyCorrected,
    /// The event cannot be recorded this way (wrong stream, definition through `record` …).
    NotRecordable,
}

impl RejectCode {
    /// snake_case name, as used in API error codes.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::UnknownIndicator => "unknown_indicator",
            RejectCode::RetiredIndicator => "retired_indicator",
            RejectCode::KindMismatch => "kind_mismatch",
            RejectCode::OutOfRange => "out_of_range",
            RejectCode::OutsidePeriod => "outside_period",
            RejectCode::UnknownDistrict => "unknown_district",
            RejectCode::UnknownDeliverable => "unknown_deliverable",
            RejectCode::UnknownEvent => "unknown_event",
            RejectCode::AlreadyCorrected => "already_corrected",
            RejectCode::NotRecordable => "not_recordable",
        }
    }
}
