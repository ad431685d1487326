//! progress-ledger: an event-sourced progress ledger for government action plans.
//!
//! This facade re-exports the core crate, so that integrators depend on one package. Open a
//! ledger, load a plan, record an update and read progress:
//!
//! ```
//! use progress_ledger::{NewEvent, Payload, ProgressQuery, StreamId, Tracker};
//! use rust_decimal::Decimal;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let tracker = Tracker::open(dir.path())?;
//! tracker.load_plan(&progress_ledger::plan::hefei_2023()?, "loader")?;
//!
//! // 1,200 new childcare places (新增托位) in 蜀山区 — an illustrative figure, not a real report.
//! let stream = StreamId::indicator("t02-1-childcare-seats")?;
//! let seats = Payload::ProgressReported { delta: Decimal::from(1200), district: Some("蜀山区".into()) };
//! tracker.record(NewEvent::new(stream, jiff::civil::date(2023, 9, 30), "市卫健委", seats))?;
//!
//! let on_day = ProgressQuery { effective: Some(jiff::civil::date(2023, 9, 30)), ..Default::default() };
//! let view = tracker.progress(&on_day)?;
//! let seats = view.indicators.iter().find(|i| i.id == "t02-1-childcare-seats").ok_or("no indicator")?;
//! assert_eq!(seats.completion.raw, Decimal::new(75, 3)); // 1200 / 16000
//! assert!(tracker.ledger().verify()?.ok());
//! # Ok(())
//! # }
//! ```
//!
//! See [`progress_ledger_core`] for the whole API, and `ARCHITECTURE.md` for the map.

#![deny(missing_docs)]

pub use progress_ledger_core::*;
