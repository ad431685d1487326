//! Stored events are a compatibility boundary: a committed fixture of every released format
//! version must decode to the same event and keep its hash.
//!
//! `fixtures/format-v1-events.hex` holds stored events (one per line, hex) written by format
//! version 1, at least one of every payload variant (plan and indicator definitions included). If this test fails after a change, the change broke old ledgers: add a new format
//! version instead (see `codec.rs`). Regenerate only for a new version, never to make it pass:
//! `PROGRESS_LEDGER_WRITE_FIXTURE=1 cargo test --test format_fixture`.

use progress_ledger::plan::{
    Category, Direction, District, DistrictKind, IndicatorKind, IndicatorSpec, Item, Part, Plan,
    Task, Unit,
};
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
        // Appended after the four above: the lines they wrote are unchanged.
        Payload::PlanDefined(Box::new(small_plan())),
        Payload::IndicatorDefined {
            plan: "fixture-2023".into(),
            task: 1,
            item: Some(2),
            spec: Box::new(
                small_plan().parts[0].categories[0].tasks[0].items[0].indicators[0].clone(),
            ),
        },
        Payload::TargetRevised {
            target: Decimal::new(18000, 0),
            reason: "动态调整".into(),
        },
        Payload::ProgressReported {
            delta: Decimal::new(3, 0),
            district: None,
        },
        Payload::MilestoneReached {
            deliverable: "三院新区".into(),
        },
        Payload::Corrected {
            corrects: uuid::Uuid::from_u128(8),
            reason: "统计口径有误".into(),
            replacement: None,
        },
        Payload::IndicatorRetired {
            reason: "并入其他任务".into(),
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

/// A plan with one of everything a plan holds: a district of each kind, a unit with an alias,
/// and an indicator with every field set.
fn small_plan() -> Plan {
    let spec = IndicatorSpec {
        id: "t01-2-screening-rate".into(),
        title: "孕妇产前筛查率".into(),
        kind: IndicatorKind::Level,
        unit: "%".into(),
        target: Some(Decimal::new(70, 0)),
        direction: Direction::AtLeast,
        baseline: Some(Decimal::new(655, 1)),
        source: "孕妇产前筛查率达70%以上".into(),
        deliverables: vec!["筛查中心".into()],
        weight: Decimal::new(15, 1),
        growth: true,
    };
    Plan {
        id: "fixture-2023".into(),
        title: "格式样例方案".into(),
        issuer: "合肥市人民政府".into(),
        issued: jiff::civil::date(2023, 8, 14),
        period_start: jiff::civil::date(2023, 1, 1),
        period_end: jiff::civil::date(2023, 12, 31),
        districts: vec![
            District {
                name: "蜀山区".into(),
                kind: DistrictKind::County,
            },
            District {
                name: "合肥高新区".into(),
                kind: DistrictKind::DevelopmentZone,
            },
        ],
        units: vec![Unit {
            name: "市政务服务局".into(),
            aliases: vec!["市政务服务管理局".into()],
        }],
        parts: vec![Part {
            number: 1,
            title: "重点群体优服务".into(),
            categories: vec![Category {
                number: 1,
                title: "幼有所育".into(),
                tasks: vec![Task {
                    number: 1,
                    title: "优孕优生".into(),
                    items: vec![Item {
                        number: Some(2),
                        title: "出生缺陷综合防治".into(),
                        text: "孕妇产前筛查率达70%以上。".into(),
                        lead_units: vec!["市卫健委".into()],
                        cooperating_units: vec!["市妇联".into()],
                        indicators: vec![spec],
                    }],
                }],
            }],
        }],
    }
}

/// Every payload variant, by name: a new variant fails to compile here until the fixture holds
/// an event of it (and a new format version, if it changes the stored form).
fn variant_name(payload: &Payload) -> &'static str {
    match payload {
        Payload::PlanDefined(_) => "plan_defined",
        Payload::IndicatorDefined { .. } => "indicator_defined",
        Payload::TargetRevised { .. } => "target_revised",
        Payload::ProgressReported { .. } => "progress_reported",
        Payload::MeasurementTaken { .. } => "measurement_taken",
        Payload::MilestoneReached { .. } => "milestone_reached",
        Payload::StatusChanged { .. } => "status_changed",
        Payload::Corrected { .. } => "corrected",
        Payload::IndicatorRetired { .. } => "indicator_retired",
    }
}

#[test]
fn the_fixture_holds_every_payload_variant() {
    let found: std::collections::BTreeSet<&str> = expected()
        .iter()
        .map(|e| variant_name(&e.payload))
        .collect();
    assert_eq!(found.len(), 9, "variants in the fixture: {found:?}");
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
