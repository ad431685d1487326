//! The ownership rules, applied by `Tracker::record_as` under the tracker's lock: a unit
//! corrects only its own events (found in the ledger once durable, in the batch before), a
//! district records only its own district's figures, a refused batch writes nothing, and the
//! actor is the identity's unit whatever the event says.

use jiff::civil::date;
use progress_ledger::plan::{ItemStatus, hefei_2023};
use progress_ledger::policy::Rule;
use progress_ledger::{Error, Identity, NewEvent, Payload, StreamId, Tracker};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Level, lead 市卫健委, cooperating 市妇联 and the district set.
const RATE: &str = "t01-1-maternal-management-rate";
/// Status of an item led by 市卫健委 and 市妇联, the district set cooperating.
const SCREENING: &str = "t01-3-status";

fn open() -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path()).expect("open");
    tracker
        .load_plan(&hefei_2023().expect("plan"), "loader")
        .expect("load");
    (dir, tracker)
}

fn event(indicator: &str, payload: Payload) -> NewEvent {
    NewEvent::new(
        StreamId::indicator(indicator).expect("stream"),
        date(2023, 9, 30),
        "whoever the body says",
        payload,
    )
}

fn rate(value: i64, district: Option<&str>) -> Payload {
    Payload::MeasurementTaken {
        value: Decimal::from(value),
        district: district.map(str::to_owned),
    }
}

fn void(of: Uuid, replacement: Option<Payload>) -> Payload {
    Payload::Corrected {
        corrects: of,
        reason: "录入错误".into(),
        replacement: replacement.map(Box::new),
    }
}

fn refused_by(result: Result<impl std::fmt::Debug, Error>, rule: Rule) -> String {
    match result {
        Err(Error::Forbidden {
            rule: found,
            message,
        }) => {
            assert_eq!(found, rule, "{message}");
            assert!(message.starts_with(rule.code()), "{message}");
            message
        }
        other => panic!("expected a refusal by {rule:?}, got {other:?}"),
    }
}

#[test]
fn a_cooperating_unit_cannot_void_or_replace_the_lead_units_figures() {
    let (_dir, tracker) = open();
    let lead = Identity::recorder("市卫健委");
    let cooperating = Identity::recorder("市妇联");
    let recorded = tracker
        .record_as(&lead, event(RATE, rate(91, None)))
        .expect("the lead unit records");
    assert_eq!(
        recorded.event.actor, "市卫健委",
        "the actor is the identity's"
    );
    let before = tracker.ledger().len();
    let message = refused_by(
        tracker.record_as(&cooperating, event(RATE, void(recorded.event.id, None))),
        Rule::OwnEventsOnly,
    );
    assert!(
        message.contains("市卫健委"),
        "the owner is named: {message}"
    );
    refused_by(
        tracker.record_as(
            &cooperating,
            event(RATE, void(recorded.event.id, Some(rate(50, None)))),
        ),
        Rule::OwnEventsOnly,
    );
    assert_eq!(tracker.ledger().len(), before, "nothing written");
    tracker
        .record_as(
            &lead,
            event(RATE, void(recorded.event.id, Some(rate(92, None)))),
        )
        .expect("the recorder corrects its own event");
    tracker
        .record_as(
            &Identity::admin("市政府办公室"),
            event(RATE, void(Uuid::nil(), None)),
        )
        .expect_err("an admin may correct anything, but only what exists");
}

#[test]
fn a_correction_in_the_same_batch_finds_its_recorder_before_it_is_durable() {
    let (_dir, tracker) = open();
    let cooperating = Identity::recorder("市妇联");
    let id = Uuid::now_v7();
    let own = vec![
        event(RATE, rate(80, None)).with_id(id),
        event(RATE, void(id, Some(rate(81, None)))),
    ];
    tracker
        .record_batch_as(&cooperating, own)
        .expect("its own event, corrected in the same batch");

    // An event of 市卫健委 recorded by a trusted writer, then a batch of 市妇联 correcting it.
    let theirs = tracker
        .record(NewEvent::new(
            StreamId::indicator(RATE).expect("stream"),
            date(2023, 9, 30),
            "市卫健委",
            rate(90, None),
        ))
        .expect("trusted record");
    let before = tracker.ledger().len();
    let batch = vec![
        event(RATE, rate(70, None)),
        event(RATE, void(theirs.event.id, None)),
    ];
    refused_by(
        tracker.record_batch_as(&cooperating, batch),
        Rule::OwnEventsOnly,
    );
    assert_eq!(
        tracker.ledger().len(),
        before,
        "a refused batch writes nothing"
    );
}

#[test]
fn a_district_records_only_its_own_districts_figures() {
    let (_dir, tracker) = open();
    let shushan = Identity::recorder("蜀山区");
    let own = tracker
        .record_as(&shushan, event(RATE, rate(90, Some("蜀山区"))))
        .expect("its own district");
    refused_by(
        tracker.record_as(&shushan, event(RATE, rate(90, Some("包河区")))),
        Rule::OwnDistrictOnly,
    );
    refused_by(
        tracker.record_as(&shushan, event(RATE, rate(99, None))),
        Rule::DistrictFiguresOnly,
    );
    let done = Payload::StatusChanged {
        status: ItemStatus::Done,
    };
    refused_by(
        tracker.record_as(&shushan, event(SCREENING, done)),
        Rule::DistrictNoStatus,
    );
    // Another district's event cannot be voided, even without a replacement.
    let baohe = tracker
        .record_as(
            &Identity::recorder("包河区"),
            event(RATE, rate(88, Some("包河区"))),
        )
        .expect("包河区 records its own");
    refused_by(
        tracker.record_as(&shushan, event(RATE, void(baohe.event.id, None))),
        Rule::OwnEventsOnly,
    );
    // Its own event, moved to a city-level figure by the replacement, is refused too.
    refused_by(
        tracker.record_as(
            &shushan,
            event(RATE, void(own.event.id, Some(rate(1, None)))),
        ),
        Rule::DistrictFiguresOnly,
    );
}

#[test]
fn only_an_admin_revises_targets_and_loads_plans_and_an_auditor_writes_nothing() {
    let (_dir, tracker) = open();
    let revise = Payload::TargetRevised {
        target: Decimal::from(93),
        reason: "动态调整".into(),
    };
    refused_by(
        tracker.record_as(&Identity::recorder("市卫健委"), event(RATE, revise.clone())),
        Rule::AdminOnly,
    );
    refused_by(
        tracker.record_as(&Identity::auditor("市审计局"), event(RATE, rate(90, None))),
        Rule::ReadOnlyRole,
    );
    tracker
        .record_as(&Identity::admin("市政府办公室"), event(RATE, revise))
        .expect("an admin revises");
    let plan = hefei_2023().expect("plan");
    refused_by(
        tracker.load_plan_as(&Identity::recorder("市卫健委"), &plan),
        Rule::AdminOnly,
    );
    tracker
        .load_plan_as(&Identity::admin("市政府办公室"), &plan)
        .expect("an admin loads plans");
}
