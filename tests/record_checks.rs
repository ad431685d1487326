//! A batch is checked against the recorded state and its own earlier updates: an update cannot
//! be corrected twice, in one batch or across batches, and a retired indicator takes nothing
//! more. A refused batch writes nothing.

mod common;

use common::update;
use jiff::civil::date;
use progress_ledger::{Error, Payload, RejectCode, Tracker};
use rust_decimal::Decimal;
use uuid::Uuid;

fn seats(delta: i64) -> Payload {
    Payload::ProgressReported {
        delta: Decimal::from(delta),
        district: None,
    }
}

fn correction(of: Uuid) -> Payload {
    Payload::Corrected {
        corrects: of,
        reason: "重复上报".into(),
        replacement: Some(Box::new(seats(1))),
    }
}

fn open() -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path()).expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    (dir, tracker)
}

fn refused_as(result: Result<impl std::fmt::Debug, Error>, code: RejectCode) {
    match result {
        Err(Error::Rejected { code: found, .. }) => assert_eq!(found, code),
        other => panic!("expected a rejection {code:?}, got {other:?}"),
    }
}

#[test]
fn an_update_is_corrected_at_most_once_even_within_one_batch() {
    let (_dir, tracker) = open();
    let day = date(2023, 3, 1);
    let first = tracker
        .record(update("seats", day, seats(10)))
        .expect("record");
    let before = tracker.ledger().len();
    let twice = vec![
        update("seats", day, correction(first.event.id)),
        update("seats", day, correction(first.event.id)),
    ];
    refused_as(tracker.record_batch(twice), RejectCode::AlreadyCorrected);
    assert_eq!(tracker.ledger().len(), before, "nothing written");

    tracker
        .record(update("seats", day, correction(first.event.id)))
        .expect("one correction");
    refused_as(
        tracker.record(update("seats", day, correction(first.event.id))),
        RejectCode::AlreadyCorrected,
    );
}

#[test]
fn a_batch_may_correct_an_update_it_records_itself() {
    let (_dir, tracker) = open();
    let day = date(2023, 3, 1);
    let id = Uuid::new_v4();
    let batch = vec![
        update("seats", day, seats(10)).with_id(id),
        update("seats", day, correction(id)),
    ];
    tracker.record_batch(batch).expect("recorded");
    let value = tracker
        .progress(&Default::default())
        .expect("progress")
        .indicators
        .into_iter()
        .find(|i| i.id == "seats")
        .and_then(|i| i.value);
    assert_eq!(value, Some(Decimal::ONE), "10 voided, replaced by 1");
}

#[test]
fn a_batch_that_retires_an_indicator_takes_no_update_of_it_after() {
    let (_dir, tracker) = open();
    let day = date(2023, 3, 1);
    let before = tracker.ledger().len();
    let batch = vec![
        update(
            "seats",
            day,
            Payload::IndicatorRetired {
                reason: "并入其他任务".into(),
            },
        ),
        update("seats", day, seats(5)),
    ];
    refused_as(tracker.record_batch(batch), RejectCode::RetiredIndicator);
    assert_eq!(tracker.ledger().len(), before, "nothing written");
}
