//! Progress as recorded at a time, answered from a tally checkpoint and the events after it,
//! equals the projection the log held then: across a checkpoint a later-recorded measurement
//! of the same day still wins, a correction still takes out an update from before the
//! checkpoint, and a checkpoint that is unreadable or of another history is not used.
//! (`tests/aggregate_props.rs` checks the same on random histories.)

mod common;

use common::{dec, update};
use jiff::Timestamp;
use progress_ledger::projection::{ProgressView, progress_view};
use progress_ledger::{Appended, Payload, ProgressQuery, Tracker, TrackerConfig};

const PLAN: &str = "test-2023";

fn open(dir: &std::path::Path, tallies_every: u64) -> Tracker {
    let mut config = TrackerConfig::new(dir);
    config.tallies_every = tallies_every;
    Tracker::open_with(config).expect("open")
}

fn loaded(dir: &std::path::Path, tallies_every: u64) -> Tracker {
    let tracker = open(dir, tallies_every);
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    tracker
}

fn day(d: i8) -> jiff::civil::Date {
    jiff::civil::date(2023, 3, d)
}

fn record(tracker: &Tracker, indicator: &str, d: i8, payload: Payload) -> Appended {
    tracker
        .record(update(indicator, day(d), payload))
        .expect("record")
}

fn seats(delta: &str) -> Payload {
    Payload::ProgressReported {
        delta: dec(delta),
        district: None,
    }
}

fn pm25(value: &str) -> Payload {
    Payload::MeasurementTaken {
        value: dec(value),
        district: None,
    }
}

/// Progress as recorded at `time`, as the tracker answers it.
fn recorded_at(tracker: &Tracker, time: Timestamp) -> ProgressView {
    tracker
        .progress(&ProgressQuery {
            plan: Some(PLAN.into()),
            as_of: Some(time),
            effective: None,
        })
        .expect("as recorded")
}

/// Progress as recorded at `time` folded from the first event, with no checkpoint.
fn folded_at(tracker: &Tracker, time: Timestamp) -> ProgressView {
    let seq = tracker.ledger().seq_recorded_by(time).expect("seq");
    let (projection, _) = tracker.projection_at(seq).expect("projection");
    let plan = projection.catalog().plan(PLAN).expect("plan").clone();
    progress_view(&projection, &plan, None, progress_ledger::plan_date(time))
}

fn value(view: &ProgressView, indicator: &str) -> Option<String> {
    let found = view.indicators.iter().find(|i| i.id == indicator);
    found.and_then(|i| i.value).map(|v| v.to_string())
}

#[test]
fn a_later_measurement_of_the_same_day_wins_across_a_checkpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = loaded(dir.path(), 1_000);
    record(&tracker, "pm25", 5, pm25("40"));
    // Reopened with a checkpoint every event, then with few: the next measurement is folded
    // onto the checkpoint that holds the first.
    drop(tracker);
    drop(open(dir.path(), 1));
    let tracker = open(dir.path(), 1_000);
    let later = record(&tracker, "pm25", 5, pm25("35"));
    let view = recorded_at(&tracker, later.event.recorded_at);
    assert_eq!(value(&view, "pm25").as_deref(), Some("35"));
    assert_eq!(view, folded_at(&tracker, later.event.recorded_at));
}

#[test]
fn a_correction_after_a_checkpoint_takes_out_an_update_from_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = loaded(dir.path(), 4);
    let first = record(&tracker, "seats", 1, seats("100"));
    for d in 2..=9 {
        record(&tracker, "seats", d, seats("10"));
    }
    let corrected = record(
        &tracker,
        "seats",
        10,
        Payload::Corrected {
            corrects: first.event.id,
            reason: "typo".into(),
            replacement: Some(Box::new(seats("1.5"))),
        },
    );
    let view = recorded_at(&tracker, corrected.event.recorded_at);
    assert_eq!(value(&view, "seats").as_deref(), Some("81.5"));
    assert_eq!(view, folded_at(&tracker, corrected.event.recorded_at));
    // Before the correction, the first update still counts.
    let before = recorded_at(&tracker, first.event.recorded_at);
    assert_eq!(value(&before, "seats").as_deref(), Some("100"));
}

#[test]
fn a_checkpoint_unreadable_or_of_another_history_is_not_used() {
    let (one, other) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let tracker = loaded(one.path(), 1_000);
    let elsewhere = loaded(other.path(), 1_000);
    let mut last = None;
    for d in 1..=6 {
        last = Some(record(&tracker, "seats", d, seats("10")));
        record(&elsewhere, "seats", d, seats("7"));
    }
    let last = last.expect("recorded");
    let seq = last.event.seq;
    // The other ledger's checkpoint at the same seq, and bytes that are no checkpoint.
    drop(elsewhere);
    let elsewhere = open(other.path(), 1);
    let (at, foreign) = elsewhere
        .ledger()
        .tallies_at_or_before(seq)
        .expect("read")
        .expect("a checkpoint");
    assert_eq!(at, seq, "reopening stored the checkpoints missing");
    tracker.ledger().put_tallies(seq, &foreign).expect("put");
    tracker
        .ledger()
        .put_tallies(seq - 1, b"\x01not a checkpoint")
        .expect("put");
    let view = recorded_at(&tracker, last.event.recorded_at);
    assert_eq!(value(&view, "seats").as_deref(), Some("60"));
    assert_eq!(view, folded_at(&tracker, last.event.recorded_at));
}

#[test]
fn opening_removes_an_unusable_checkpoint_and_keeps_the_ones_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = loaded(dir.path(), 3);
    for d in 1..=9 {
        record(&tracker, "seats", d, seats("10"));
    }
    let head = tracker.ledger().len();
    let before: Vec<u64> = tracker.ledger().tallies_seqs().expect("seqs");
    assert!(before.len() > 2, "checkpoints were stored: {before:?}");
    tracker
        .ledger()
        .put_tallies(head, b"\x01not a checkpoint")
        .expect("put");
    drop(tracker);
    let tracker = open(dir.path(), 1_000);
    let after = tracker.ledger().tallies_seqs().expect("seqs");
    let kept: Vec<u64> = before.into_iter().filter(|&seq| seq < head).collect();
    assert_eq!(after, kept);
}
