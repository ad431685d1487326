//! The core of progress-ledger: an event-sourced, hash-chained progress ledger for government
//! action plans, stored in an append-only log file (see `docs/format.md`).
//!
//! ```
//! use progress_ledger_core::{Ledger, NewEvent, Payload, StreamId};
//! use rust_decimal::Decimal;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let ledger = Ledger::open(dir.path())?;
//! let stream = StreamId::indicator("t02-1-childcare-seats")?;
//! let seats = Payload::ProgressReported { delta: Decimal::from(1200), district: Some("蜀山区".into()) };
//! let date = jiff::civil::date(2023, 9, 30);
//! let recorded = ledger.append(NewEvent::new(stream, date, "市卫健委", seats))?;
//! assert_eq!(recorded.event.seq, 1);
//! assert!(ledger.verify()?.ok());
//! # Ok(())
//! # }
//! ```
//!
//! The guarantees: events are never updated or deleted; an append is atomic and durable before it
//! returns; every event's SHA-256 covers the previous one's, so [`Ledger::verify`] finds any
//! alteration of stored bytes. See `ARCHITECTURE.md` for the map of the crate.

#![deny(missing_docs)]

mod chain;
mod clock;
pub mod codec;
mod error;
mod event;
mod exchange;
mod hash;
pub mod limits;
pub mod plan;
pub mod policy;
pub mod projection;
mod store;
mod tracker;
mod verify;

/// Events between two calls of a progress callback (export, import, verify, a projection
/// rebuilt at open).
const PROGRESS_EVERY: u64 = 10_000;

pub use error::{Error, RejectCode, Result};
pub use event::{Event, Head, NewEvent, Payload, StreamId};
pub use exchange::{ImportOptions, Imported, check_jsonl, check_jsonl_with};
pub use hash::Hash;
pub use policy::{Identity, Role};
/// The transparency-log formats the ledger's Merkle tree is served in (RFC 6962 hashes and
/// proofs, C2SP checkpoints, signed notes and tiles), re-exported so that callers use the same
/// version as the core.
pub use progress_ledger_tlog as tlog;
pub use store::{Appended, Ledger, LedgerConfig, Pending, SetAside, Stats, Subscription, io};
pub use tracker::{
    BatchOutcome, PLAN_OFFSET, ProgressQuery, RefusedUpdate, RestatementQuery, Since, Tracker,
    TrackerConfig, TrailPage, TrailStep, end_of_day, plan_date, today,
};
pub use verify::{Problem, ProblemKind, VerifyOptions, VerifyReport};

/// A hash map for the lookups made for every event folded or verified (by stream, indicator or
/// event id): hashed with foldhash, randomly seeded and several times faster than SipHash on
/// short keys.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
