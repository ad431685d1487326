//! An as-of query on a 1,000,000-event ledger starts from a snapshot, not from event 1: shown
//! by counting the events folded, not by timing.

mod common;

use common::update;
use progress_ledger::{Payload, ProgressQuery, Tracker, TrackerConfig};
use rust_decimal::Decimal;

const EVENTS: u64 = 1_000_000;
const SNAPSHOT_EVERY: u64 = 100_000;
const BATCH: u64 = 10_000;

#[test]
fn as_of_on_a_million_events_folds_at_most_one_snapshot_interval() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = TrackerConfig::new(dir.path());
    config.snapshot_every = SNAPSHOT_EVERY;
    let tracker = Tracker::open_with(config.clone()).expect("open");
    let plan_events = tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load")
        .len() as u64;
    let date = jiff::civil::date(2023, 6, 30);
    while tracker.ledger().len() < EVENTS {
        let n = BATCH.min(EVENTS - tracker.ledger().len());
        let batch = (0..n)
            .map(|_| {
                update(
                    "seats",
                    date,
                    Payload::ProgressReported {
                        delta: Decimal::ONE,
                        district: None,
                    },
                )
            })
            .collect();
        tracker.record_batch(batch).expect("batch");
    }
    let snapshots = tracker.ledger().snapshot_seqs().expect("snapshots");
    assert!(snapshots.len() >= 9, "snapshots at {snapshots:?}");

    for target in [1_234, 499_999, 500_001, 777_777, EVENTS] {
        let (projection, folded) = tracker.projection_at(target).expect("replay");
        assert_eq!(projection.seq(), target);
        assert!(
            folded < SNAPSHOT_EVERY + BATCH,
            "as-of seq {target} folded {folded} events"
        );
        if target > SNAPSHOT_EVERY + BATCH {
            assert!(folded < target, "as-of seq {target} started from event 1");
        }
    }

    // The query API goes the same way: as recorded at the time of event 777,777.
    let time = tracker
        .ledger()
        .get(777_777)
        .expect("read")
        .expect("event")
        .recorded_at;
    let view = tracker
        .progress(&ProgressQuery {
            as_of: Some(time),
            ..ProgressQuery::default()
        })
        .expect("progress");
    assert_eq!(view.seq, 777_777);
    let seats = view
        .indicators
        .iter()
        .find(|i| i.id == "seats")
        .expect("seats");
    let seats = seats
        .value
        .and_then(|v| u64::try_from(v).ok())
        .expect("integer value");
    assert_eq!(
        seats,
        777_777 - plan_events,
        "every event after the plan's adds one seat"
    );

    // Reopening starts from the newest snapshot too.
    drop(tracker);
    let reopened = Tracker::open_with(config).expect("reopen");
    assert_eq!(reopened.live_projection().seq(), EVENTS);
}
