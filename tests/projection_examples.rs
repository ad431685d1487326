//! Completion math by example: hand-computed numbers for every indicator kind, a correction, a
//! target revision, rollups, and a late-recorded update seen differently by as-recorded and
//! as-effective replay.

mod common;

use common::{dec, update};
use jiff::civil::date;
use progress_ledger::plan::ItemStatus;
use progress_ledger::projection::{IndicatorView, ProgressView, Schedule};
use progress_ledger::{Payload, ProgressQuery, Tracker};
use rust_decimal::Decimal;

fn tracker() -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path()).expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load plan");
    (dir, tracker)
}

fn progress(
    id: &str,
    delta: &str,
    district: Option<&str>,
    day: jiff::civil::Date,
) -> progress_ledger::NewEvent {
    update(
        id,
        day,
        Payload::ProgressReported {
            delta: dec(delta),
            district: district.map(String::from),
        },
    )
}

fn measurement(id: &str, value: &str, day: jiff::civil::Date) -> progress_ledger::NewEvent {
    update(
        id,
        day,
        Payload::MeasurementTaken {
            value: dec(value),
            district: None,
        },
    )
}

fn indicator<'a>(view: &'a ProgressView, id: &str) -> &'a IndicatorView {
    view.indicators
        .iter()
        .find(|i| i.id == id)
        .expect("indicator in view")
}

fn at(day: jiff::civil::Date) -> ProgressQuery {
    ProgressQuery {
        effective: Some(day),
        ..ProgressQuery::default()
    }
}

#[test]
fn every_kind_with_hand_computed_numbers() {
    let (_dir, tracker) = tracker();
    let records = vec![
        progress("seats", "4000", Some("瑶海区"), date(2023, 3, 31)),
        progress("seats", "2000", None, date(2023, 6, 30)),
        progress("centres", "1", Some("瑶海区"), date(2023, 5, 1)),
        progress("centres", "2", Some("庐阳区"), date(2023, 5, 1)),
        progress("centres", "0.5", Some("蜀山区"), date(2023, 5, 1)),
        measurement("rate", "85", date(2023, 3, 31)),
        measurement("rate", "93", date(2023, 6, 30)),
        measurement("pm25", "40", date(2023, 6, 30)),
        measurement("wait", "25", date(2023, 6, 30)),
        update(
            "hospitals",
            date(2023, 6, 1),
            Payload::MilestoneReached {
                deliverable: "A".into(),
            },
        ),
        update(
            "hospitals",
            date(2023, 6, 2),
            Payload::MilestoneReached {
                deliverable: "C".into(),
            },
        ),
        update(
            "hospitals",
            date(2023, 6, 3),
            Payload::MilestoneReached {
                deliverable: "A".into(),
            },
        ),
        update(
            "policy",
            date(2023, 6, 3),
            Payload::StatusChanged {
                status: ItemStatus::InProgress,
            },
        ),
    ];
    for new in records {
        tracker.record(new).expect("record");
    }
    let view = tracker.progress(&at(date(2023, 6, 30))).expect("progress");
    // 2023-06-30 is day 181 of 365.
    assert_eq!(view.elapsed, dec("0.495890"));

    let seats = indicator(&view, "seats");
    assert_eq!(seats.value, Some(dec("6000")));
    assert_eq!(seats.completion.raw, dec("0.375"));
    assert_eq!(seats.status, Schedule::Behind);

    // Coverage: 瑶海区 (1) and 庐阳区 (2) meet 1; 蜀山区 (0.5) and 包河区 (none) do not: 2 / 4.
    let centres = indicator(&view, "centres");
    assert_eq!(
        (centres.value, centres.completion.raw),
        (Some(dec("2")), dec("0.5"))
    );
    assert_eq!(centres.status, Schedule::OnTrack);

    // Level, at least 92: the latest measurement (93) counts; raw 93/92, capped 1.
    let rate = indicator(&view, "rate");
    assert_eq!(rate.value, Some(dec("93")));
    assert_eq!(rate.completion.raw, dec("1.010870"));
    assert_eq!(rate.completion.capped, Decimal::ONE);
    assert_eq!(rate.status, Schedule::Met);
    // As effective on 2023-04-30 only the March measurement counts: 85/92.
    let april = tracker.progress(&at(date(2023, 4, 30))).expect("progress");
    assert_eq!(indicator(&april, "rate").completion.raw, dec("0.923913"));

    // Level, at most 32 without baseline: 40 measured → 32/40.
    assert_eq!(indicator(&view, "pm25").completion.raw, dec("0.8"));
    // Level, at most 20 from a baseline of 30: 25 is half-way.
    assert_eq!(indicator(&view, "wait").completion.raw, dec("0.5"));
    // Milestones: A and C of four (A twice counts once).
    assert_eq!(indicator(&view, "hospitals").completion.raw, dec("0.5"));
    // Status in progress counts half.
    assert_eq!(indicator(&view, "policy").completion.raw, dec("0.5"));

    // Rollups: task 1 item = mean(0.375, 0.5) = 0.4375; task 2 = mean(item 1 = 1,
    // item 2 = mean(0.8, 0.5) = 0.65) = 0.825; category 1 = mean(0.4375, 0.825) = 0.63125;
    // task 3 = mean(0.5, 0.5) = 0.5 = category 2; part = plan = mean(0.63125, 0.5) = 0.565625.
    let task = |n: u32| {
        view.tasks
            .iter()
            .find(|t| t.number == n)
            .expect("task")
            .completion
    };
    assert_eq!(
        (task(1), task(2), task(3)),
        (dec("0.4375"), dec("0.825"), dec("0.5"))
    );
    assert_eq!(view.categories[0].completion, dec("0.63125"));
    assert_eq!(view.completion, dec("0.565625"));

    // Per lead unit: 市卫健委 leads task 1, task 2 (1) and task 3 (through its alias).
    let unit = view
        .units
        .iter()
        .find(|u| u.unit == "市卫健委")
        .expect("unit");
    assert_eq!(unit.items, 3);
    assert_eq!(unit.completion, dec("0.645833"));
    // Per district: 瑶海区 has 4000 seats and one centre (met).
    let yaohai = view
        .districts
        .iter()
        .find(|d| d.district == "瑶海区")
        .expect("district");
    let value = |id: &str| {
        yaohai
            .indicators
            .iter()
            .find(|v| v.id == id)
            .map(|v| (v.value, v.met))
    };
    assert_eq!(value("seats"), Some((dec("4000"), None)));
    assert_eq!(value("centres"), Some((dec("1"), Some(true))));
}

#[test]
fn a_correction_voids_the_double_counted_report_and_applies_its_replacement() {
    let (_dir, tracker) = tracker();
    tracker
        .record(progress("seats", "2000", None, date(2023, 3, 31)))
        .expect("record");
    let double = tracker
        .record(progress("seats", "3000", None, date(2023, 4, 30)))
        .expect("record");
    let before = tracker.progress(&at(date(2023, 12, 31))).expect("progress");
    assert_eq!(indicator(&before, "seats").value, Some(dec("5000")));

    tracker
        .record(update(
            "seats",
            date(2023, 4, 30),
            Payload::Corrected {
                corrects: double.event.id,
                reason: "重复上报".into(),
                replacement: Some(Box::new(Payload::ProgressReported {
                    delta: dec("1500"),
                    district: None,
                })),
            },
        ))
        .expect("correction");
    let after = tracker.progress(&at(date(2023, 12, 31))).expect("progress");
    let seats = indicator(&after, "seats");
    assert_eq!(seats.value, Some(dec("3500")));
    assert_eq!(seats.completion.raw, dec("0.21875"));

    // The same event cannot be corrected twice.
    let again = tracker.record(update(
        "seats",
        date(2023, 4, 30),
        Payload::Corrected {
            corrects: double.event.id,
            reason: "again".into(),
            replacement: None,
        },
    ));
    assert!(matches!(
        again,
        Err(progress_ledger::Error::Rejected {
            code: progress_ledger::RejectCode::AlreadyCorrected,
            ..
        })
    ));
}

#[test]
fn a_target_revision_applies_from_the_moment_it_is_recorded() {
    let (_dir, tracker) = tracker();
    tracker
        .record(progress("seats", "6000", None, date(2023, 6, 30)))
        .expect("record");
    let before_revision = tracker.ledger().head().expect("head");
    let recorded_before = tracker
        .ledger()
        .get(before_revision.seq)
        .expect("read")
        .expect("event")
        .recorded_at;
    let revision = tracker
        .record(update(
            "seats",
            date(2023, 9, 1),
            Payload::TargetRevised {
                target: dec("20000"),
                reason: "动态调整".into(),
            },
        ))
        .expect("revise");

    let now = tracker
        .progress(&ProgressQuery::default())
        .expect("progress");
    assert_eq!(indicator(&now, "seats").target, Some(dec("20000")));
    assert_eq!(indicator(&now, "seats").completion.raw, dec("0.3"));

    // As recorded just before the revision, the old target (16000) was in force.
    let then = tracker
        .progress(&ProgressQuery {
            as_of: Some(recorded_before),
            ..ProgressQuery::default()
        })
        .expect("progress");
    assert_eq!(indicator(&then, "seats").target, Some(dec("16000")));
    assert_eq!(indicator(&then, "seats").completion.raw, dec("0.375"));
    assert!(then.seq < revision.event.seq);

    // The history shows the running value and the target in force after each event.
    let trail = tracker.history("seats").expect("history");
    let steps: Vec<_> = trail
        .iter()
        .map(|s| (s.event.payload.kind_name(), s.value, s.target))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("indicator_defined", Some(dec("0")), Some(dec("16000"))),
            ("progress_reported", Some(dec("6000")), Some(dec("16000"))),
            ("target_revised", Some(dec("6000")), Some(dec("20000"))),
        ]
    );
}

#[test]
fn a_late_recorded_update_differs_between_as_recorded_and_as_effective() {
    let (_dir, tracker) = tracker();
    tracker
        .record(measurement("rate", "80", date(2023, 3, 31)))
        .expect("record");
    let t0 = tracker
        .ledger()
        .get(tracker.ledger().len())
        .expect("read")
        .expect("event")
        .recorded_at;
    // Recorded after t0, but about 2023-06-30.
    tracker
        .record(measurement("rate", "92", date(2023, 6, 30)))
        .expect("record");

    let recorded_at_t0 = tracker
        .progress(&ProgressQuery {
            as_of: Some(t0),
            effective: Some(date(2023, 6, 30)),
            ..ProgressQuery::default()
        })
        .expect("progress");
    assert_eq!(indicator(&recorded_at_t0, "rate").value, Some(dec("80")));

    let effective_june = tracker.progress(&at(date(2023, 6, 30))).expect("progress");
    assert_eq!(indicator(&effective_june, "rate").value, Some(dec("92")));
    assert_eq!(indicator(&effective_june, "rate").status, Schedule::Met);

    let effective_may = tracker.progress(&at(date(2023, 5, 31))).expect("progress");
    assert_eq!(indicator(&effective_may, "rate").value, Some(dec("80")));
}

#[test]
fn loading_the_same_plan_twice_writes_nothing() {
    let (_dir, tracker) = tracker();
    let before = tracker.ledger().len();
    assert!(
        tracker
            .load_plan(&common::small_plan(), "loader")
            .expect("load")
            .is_empty()
    );
    assert_eq!(tracker.ledger().len(), before);
    let mut changed = common::small_plan();
    changed.parts[0].categories[0].tasks[0].items[0].indicators[0].target = Some(dec("18000"));
    let written = tracker.load_plan(&changed, "loader").expect("load");
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].event.payload.kind_name(), "target_revised");
}

#[test]
fn the_report_groups_items_by_lead_unit_behind_first() {
    let (_dir, tracker) = tracker();
    tracker
        .record(progress("seats", "1000", None, date(2023, 3, 31)))
        .expect("record");
    tracker
        .record(measurement("rate", "95", date(2023, 6, 30)))
        .expect("record");
    let report = tracker
        .report(None, date(2023, 12, 31), None)
        .expect("report");
    assert_eq!(report.units.len(), 2);
    let health = report
        .units
        .iter()
        .find(|u| u.unit == "市卫健委")
        .expect("unit");
    let statuses: Vec<Schedule> = health.items.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        vec![Schedule::Behind, Schedule::NotStarted, Schedule::Met]
    );
    let markdown = report.to_markdown();
    assert!(markdown.contains("## 市卫健委"), "{markdown}");
    assert!(
        markdown.contains("| 1 | item None | 3.1% | 滞后 |"),
        "{markdown}"
    );
    let csv = report.to_csv();
    assert!(csv.starts_with("unit,task,item,title,completion,status\n"));
    assert!(csv.contains("市卫健委,2,1,item Some(1),1,met"), "{csv}");
}

#[test]
fn growth_rates_may_decline_but_shares_stay_within_zero_and_one_hundred() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path()).expect("open");
    let plan = progress_ledger::plan::hefei_2023().expect("plan");
    tracker.load_plan(&plan, "loader").expect("load");
    let day = date(2023, 6, 30);
    tracker
        .record(measurement("t39-0-rural-visitor-growth", "-5", day))
        .expect("a decline is recorded");
    tracker
        .record(measurement("t39-0-rural-visitor-growth", "130", day))
        .expect("growth over 100%");
    let share = plan
        .parts
        .iter()
        .flat_map(|p| &p.categories)
        .flat_map(|c| &c.tasks)
        .flat_map(|t| &t.items)
        .flat_map(|i| &i.indicators)
        .find(|s| {
            s.unit == "%" && !s.growth && s.kind == progress_ledger::plan::IndicatorKind::Level
        })
        .expect("a share indicator");
    for bad in ["-1", "100.5"] {
        let outcome = tracker.record(measurement(&share.id, bad, day));
        assert!(
            matches!(
                outcome,
                Err(progress_ledger::Error::Rejected {
                    code: progress_ledger::RejectCode::OutOfRange,
                    ..
                })
            ),
            "{bad}: {outcome:?}"
        );
    }
}
