//! progress-ledger: an event-sourced progress ledger for government action plans.
//!
//! This facade re-exports the core crate, so that integrators depend on one package. See
//! [`progress_ledger_core`] for the API and a runnable example.

#![deny(missing_docs)]

pub use progress_ledger_core::*;
