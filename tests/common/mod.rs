//! Helpers shared by the integration tests.
#![allow(dead_code)]

use progress_ledger::{NewEvent, Payload, StreamId};
use rust_decimal::Decimal;

/// A stream name for test indicator `n`.
pub fn stream(n: usize) -> StreamId {
    StreamId::indicator(&format!("test-{n}")).expect("valid stream name")
}

/// A progress event of `delta` on test indicator `n`.
pub fn progress(n: usize, delta: i64) -> NewEvent {
    NewEvent::new(
        stream(n),
        jiff::civil::date(2023, 6, 30),
        "市卫健委",
        Payload::ProgressReported {
            delta: Decimal::from(delta),
            district: Some("蜀山区".into()),
        },
    )
}

/// The whole durable log of a ledger, in order.
pub fn whole_log(ledger: &progress_ledger::Ledger) -> Vec<progress_ledger::Event> {
    ledger
        .events_from(1)
        .collect::<Result<Vec<_>, _>>()
        .expect("log reads")
}
