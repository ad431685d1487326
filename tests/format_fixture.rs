//! Stored events are a compatibility boundary: a committed fixture of every released format
//! version must decode to the same event and keep its hash.
//!
//! `fixtures/format-v1-events.hex` holds stored events (one per line, hex) written by format
//! version 1. If this test fails after a change, the change broke old ledgers: add a new format
//! version instead (see `codec.rs`). Regenerate only for a new version, never to make it pass:
//! `PROGRESS_LEDGER_WRITE_FIXTURE=1 cargo test --test format_fixture`.

use progress_ledger::{Event, Hash, NewEvent, Payload, StreamId, codec};
use rust_decimal::Decimal;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/format-v1-events.hex"
);

/// The events the fixture was made from, with the fields the ledger assigns filled in.
fn expected() -> Vec<Event> {
    let stream = StreamId::indicator("t02-1-childcare-seats").expect("stream");
    let payloads = vec![
        Payload::ProgressReported {
            delta: Decimal::new(12005, 1),
            district: Some("蜀山区".into()),
        },
        Payload::MeasurementTaken {
            value: Decimal::new(925, 1),
            district: None,
        },
        Payload::StatusChanged {
            status: progress_ledger::plan::ItemStatus::InProgress,
        },
        Payload::Corrected {
            corrects: uuid::Uuid::from_u128(7),
            reason: "重复上报".into(),
            replacement: Some(Box::new(Payload::MilestoneReached {
                deliverable: "市空港医院".into(),
            })),
        },
    ];
    let mut prev = Hash::ZERO;
    payloads
        .into_iter()
        .enumerate()
        .map(|(i, payload)| {
            let new = NewEvent::new(
                stream.clone(),
                jiff::civil::date(2023, 10, 8),
                "市卫健委",
                payload,
            )
            .with_note("三季度");
            let mut event = Event {
                seq: i as u64 + 1,
                id: uuid::Uuid::from_u128(1000 + i as u128),
                stream: new.stream,
                version: i as u64 + 1,
                recorded_at: jiff::Timestamp::from_microsecond(1_700_000_000_000_000 + i as i64)
                    .expect("time"),
                effective: new.effective,
                actor: new.actor,
                note: new.note,
                payload: new.payload,
                prev_hash: prev,
                hash: Hash::ZERO,
            };
            codec::seal(&mut event).expect("seal");
            prev = event.hash;
            event
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn format_v1_fixture_decodes_to_the_same_events() {
    let expected = expected();
    if std::env::var_os("PROGRESS_LEDGER_WRITE_FIXTURE").is_some() {
        let lines: Vec<String> = expected
            .iter()
            .map(|e| {
                let mut e = e.clone();
                hex(&codec::seal(&mut e).expect("seal"))
            })
            .collect();
        std::fs::write(FIXTURE, lines.join("\n") + "\n").expect("write fixture");
    }
    let text = std::fs::read_to_string(FIXTURE).expect("fixture present");
    let stored: Vec<Vec<u8>> = text.lines().map(unhex).collect();
    assert_eq!(stored.len(), expected.len());
    for (bytes, want) in stored.iter().zip(&expected) {
        assert_eq!(bytes[0], 1, "format version byte");
        let event = codec::decode(bytes).expect("decodes");
        assert_eq!(&event, want);
        let (canonical, hash) = codec::split_stored(bytes).expect("split");
        assert_eq!(
            Hash::of(canonical),
            hash,
            "hash still covers the same bytes"
        );
    }
}
