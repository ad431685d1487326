//! Restatements by example: between the report on 30 September as computed on "10 October" (T1)
//! and the same date as known later (T2), one change of each cause — a late report, a correction
//! with a replacement, a correction without one, a target revision, an indicator retired and one
//! added — and an update about a later date that changes nothing for 30 September. The
//! restatements list exactly those changes, each with its one cause, in the JSON and in the
//! report's Markdown and CSV sections; and the explanation of an indicator names the same events.

mod common;

use common::{dec, update};
use jiff::civil::{Date, date};
use progress_ledger::plan::{Direction, IndicatorKind, ItemStatus, Plan};
use progress_ledger::projection::{CauseKind, Restatements, Scope, Subject};
use progress_ledger::{Payload, ProgressQuery, RestatementQuery, Since, Tracker, end_of_day};
use serde_json::Value;

const SEPTEMBER: Date = date(2023, 9, 30);

fn measurement(id: &str, value: &str, day: Date) -> progress_ledger::NewEvent {
    update(
        id,
        day,
        Payload::MeasurementTaken {
            value: dec(value),
            district: None,
        },
    )
}

fn seats(delta: &str, day: Date) -> progress_ledger::NewEvent {
    update(
        "seats",
        day,
        Payload::ProgressReported {
            delta: dec(delta),
            district: None,
        },
    )
}

/// The small plan without `policy` and with an `extra` indicator beside `hospitals`.
fn revised_plan() -> Plan {
    let mut plan = common::small_plan();
    for task in plan
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.categories)
        .flat_map(|c| &mut c.tasks)
    {
        for item in &mut task.items {
            item.indicators.retain(|i| i.id != "policy");
            if item.indicators.iter().any(|i| i.id == "hospitals") {
                let extra = common::spec(
                    "extra",
                    IndicatorKind::Cumulative,
                    "个",
                    Some(500),
                    Direction::AtLeast,
                );
                item.text.push_str(&format!("，{}", extra.source));
                item.indicators.push(extra);
            }
        }
    }
    plan
}

struct Scenario {
    _dir: tempfile::TempDir,
    tracker: Tracker,
    /// When the September report was computed.
    t1: jiff::Timestamp,
    /// Seq of the last event by then.
    seq1: u64,
    /// Event seqs of the six causes.
    late: u64,
    replaced: u64,
    voided: u64,
    revised: u64,
    retired: u64,
    added: u64,
    /// An update about 1 November, recorded after T1.
    november: u64,
    /// The updates the corrections voided.
    rate_85: u64,
    pm25_40: u64,
}

fn scenario() -> Scenario {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path()).expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    let record = |new| tracker.record(new).expect("recorded").event;
    record(seats("6000", date(2023, 9, 20)));
    let rate_85 = record(measurement("rate", "85", SEPTEMBER));
    let pm25_40 = record(measurement("pm25", "40", SEPTEMBER));
    record(measurement("wait", "25", SEPTEMBER));
    record(update(
        "policy",
        SEPTEMBER,
        Payload::StatusChanged {
            status: ItemStatus::InProgress,
        },
    ));
    let head = tracker.ledger().head().expect("head");
    let t1 = tracker
        .ledger()
        .get(head.seq)
        .expect("read")
        .expect("event")
        .recorded_at;

    // After the September report.
    let late = record(seats("1000", date(2023, 9, 15))).seq;
    let replaced = record(update(
        "rate",
        SEPTEMBER,
        Payload::Corrected {
            corrects: rate_85.id,
            reason: "统计口径更正".into(),
            replacement: Some(Box::new(Payload::MeasurementTaken {
                value: dec("88"),
                district: None,
            })),
        },
    ))
    .seq;
    let voided = record(update(
        "pm25",
        date(2023, 10, 20),
        Payload::Corrected {
            corrects: pm25_40.id,
            reason: "监测数据作废".into(),
            replacement: None,
        },
    ))
    .seq;
    let loaded = tracker
        .load_plan(&revised_plan(), "loader")
        .expect("reload");
    let seq_of = |kind: &str| {
        loaded
            .iter()
            .find(|a| a.event.payload.kind_name() == kind)
            .map(|a| a.event.seq)
            .expect("written")
    };
    let (retired, added) = (seq_of("indicator_retired"), seq_of("indicator_defined"));
    // A plan reload reverts revisions made before it: the revision comes after.
    let revised = record(update(
        "wait",
        date(2023, 10, 25),
        Payload::TargetRevised {
            target: dec("22"),
            reason: "动态调整".into(),
        },
    ))
    .seq;
    // About a later date: nothing changes for 30 September.
    let november = record(seats("500", date(2023, 11, 1))).seq;
    Scenario {
        november,
        _dir: dir,
        tracker,
        t1,
        seq1: head.seq,
        late,
        replaced,
        voided,
        revised,
        retired,
        added,
        rate_85: rate_85.seq,
        pm25_40: pm25_40.seq,
    }
}

fn indicator<'a>(
    restated: &'a Restatements,
    id: &str,
) -> &'a progress_ledger::projection::Restatement {
    restated
        .changes
        .iter()
        .find(|c| c.subject == Subject::Indicator { id: id.into() })
        .unwrap_or_else(|| panic!("{id} is restated"))
}

#[test]
fn one_change_of_each_cause_each_with_its_one_cause() {
    let s = scenario();
    let restated = s
        .tracker
        .restatements(&RestatementQuery {
            plan: None,
            from: s.t1,
            to: None,
            effective: SEPTEMBER,
        })
        .expect("restatements");
    assert_eq!(restated.from.seq, s.seq1);
    assert_eq!(restated.to.seq, s.tracker.ledger().len());
    let expected = [
        ("seats", CauseKind::LateReport, s.late),
        ("rate", CauseKind::Correction, s.replaced),
        ("pm25", CauseKind::Correction, s.voided),
        ("wait", CauseKind::TargetRevised, s.revised),
        ("policy", CauseKind::IndicatorRetired, s.retired),
        ("extra", CauseKind::IndicatorAdded, s.added),
    ];
    let listed: Vec<String> = restated
        .indicators()
        .map(|c| c.subject.to_string())
        .collect();
    assert_eq!(
        listed.len(),
        expected.len(),
        "exactly these indicators: {listed:?}"
    );
    for (id, kind, seq) in expected {
        let change = indicator(&restated, id);
        assert_eq!(change.causes.len(), 1, "{id}: {:?}", change.causes);
        assert_eq!(
            (change.causes[0].kind, change.causes[0].event.seq),
            (kind, seq),
            "{id}"
        );
    }
    // What each cause says.
    let seats = indicator(&restated, "seats");
    assert_eq!(
        seats.before.as_ref().and_then(|f| f.value),
        Some(dec("6000"))
    );
    assert_eq!(
        seats.after.as_ref().and_then(|f| f.value),
        Some(dec("7000"))
    );
    assert_eq!(
        seats.causes[0].contribution.as_ref().and_then(|c| c.amount),
        Some(dec("1000"))
    );
    let rate = &indicator(&restated, "rate").causes[0];
    assert_eq!(rate.voids.as_ref().map(|v| v.event.seq), Some(s.rate_85));
    assert_eq!(
        rate.contribution.as_ref().and_then(|c| c.amount),
        Some(dec("88"))
    );
    assert_eq!(rate.reason.as_deref(), Some("统计口径更正"));
    let pm25 = indicator(&restated, "pm25");
    assert_eq!(
        pm25.causes[0].voids.as_ref().map(|v| v.event.seq),
        Some(s.pm25_40)
    );
    assert_eq!(pm25.causes[0].contribution, None);
    assert_eq!(pm25.after.as_ref().and_then(|f| f.value), None);
    let wait = &indicator(&restated, "wait").causes[0];
    let target = wait.target.as_ref().expect("a target change");
    assert_eq!(
        (target.before, target.after),
        (Some(dec("20")), Some(dec("22")))
    );
    assert!(indicator(&restated, "policy").after.is_none());
    assert!(indicator(&restated, "extra").before.is_none());
    // Rollups name the restated indicators under them.
    let plan = restated
        .changes
        .iter()
        .find(|c| c.subject == Subject::Plan)
        .expect("the plan's figure changed");
    assert_eq!(plan.indicators.len(), 6, "{:?}", plan.indicators);
    let task1 = restated
        .changes
        .iter()
        .find(|c| c.subject == Subject::Task { number: 1 })
        .expect("task 1 changed");
    assert_eq!(task1.indicators, ["seats"]);

    // The JSON says the same.
    let json = serde_json::to_value(&restated).expect("JSON");
    let changes = json["changes"].as_array().expect("changes");
    for (id, kind, seq) in [
        ("seats", "late_report", s.late),
        ("rate", "correction", s.replaced),
        ("pm25", "correction", s.voided),
        ("wait", "target_revised", s.revised),
        ("policy", "indicator_retired", s.retired),
        ("extra", "indicator_added", s.added),
    ] {
        let change = changes
            .iter()
            .find(|c| c["subject"]["level"] == "indicator" && c["subject"]["id"] == id)
            .expect("listed");
        let causes = change["causes"].as_array().expect("causes");
        assert_eq!(causes.len(), 1, "{id}");
        assert_eq!(causes[0]["kind"], kind, "{id}");
        assert_eq!(causes[0]["event"]["seq"], seq, "{id}");
    }
}

#[test]
fn the_report_lists_the_restatements_since_an_earlier_report_and_states_its_head() {
    let s = scenario();
    let since = Since {
        date: SEPTEMBER,
        as_of: Some(s.t1),
    };
    let report = s
        .tracker
        .report_since(None, date(2023, 10, 31), None, since)
        .expect("report");
    let head = s.tracker.ledger().head().expect("head");
    assert_eq!(report.head, head);
    let restated = report.restated.as_ref().expect("a restatements section");
    assert_eq!(restated.restatements.effective, SEPTEMBER);
    assert_eq!(restated.restatements.from.seq, s.seq1);
    assert_eq!(restated.restatements.indicators().count(), 6);

    let markdown = report.to_markdown();
    assert!(
        markdown.contains(&format!("head seq {}", head.seq)),
        "{markdown}"
    );
    assert!(markdown.contains(&head.hash.to_hex()), "{markdown}");
    let section = markdown
        .split_once("## 重述")
        .map(|(_, rest)| rest)
        .expect("the section");
    for (id, label) in [
        ("seats", "补报 (late_report)"),
        ("rate", "更正 (correction)"),
        ("pm25", "更正 (correction)"),
        ("wait", "目标调整 (target_revised)"),
        ("policy", "指标退出 (indicator_retired)"),
        ("extra", "新增指标 (indicator_added)"),
    ] {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| 指标 {id} |")))
            .unwrap_or_else(|| panic!("a row for {id}:\n{section}"));
        assert!(row.contains(label), "{row}");
        let labels = ["补报", "更正", "目标调整", "新增指标", "指标退出"];
        assert_eq!(
            labels.iter().filter(|l| row.contains(*l)).count(),
            1,
            "one cause: {row}"
        );
    }
    assert!(
        !section.contains(&format!("seq {}（", s.november)),
        "{section}"
    );

    let csv = report.to_csv();
    assert!(csv.contains(&format!(
        "head_seq,head_hash\n{},{}",
        head.seq,
        head.hash.to_hex()
    )));
    let rows: Vec<&str> = csv
        .lines()
        .skip_while(|l| !l.starts_with("restated_date,"))
        .skip(1)
        .collect();
    assert_eq!(
        rows.iter().filter(|r| r.contains(",indicator ")).count(),
        6,
        "{csv}"
    );

    // The default cutoff of an earlier report: the end of its date.
    let by_date = s
        .tracker
        .report_since(
            None,
            date(2023, 10, 31),
            None,
            Since {
                date: SEPTEMBER,
                as_of: None,
            },
        )
        .expect("report");
    let from = by_date.restated.expect("section").as_of;
    assert_eq!(from, end_of_day(SEPTEMBER));
}

#[test]
fn an_explanation_names_the_correction_and_the_late_report() {
    let s = scenario();
    let query = ProgressQuery {
        plan: None,
        as_of: None,
        effective: Some(SEPTEMBER),
    };
    let rate = s
        .tracker
        .explain(&query, &Scope::Indicator("rate".into()))
        .expect("explain")
        .expect("defined");
    let rate = &rate.indicators[0];
    assert_eq!(rate.counted.len(), 1);
    assert_eq!(rate.counted[0].event.seq, s.replaced);
    assert_eq!(rate.voided.len(), 1);
    assert_eq!(rate.voided[0].event.seq, s.rate_85);
    assert_eq!(rate.voided[0].voided_by.seq, s.replaced);
    assert!(rate.voided[0].replaced);
    assert_eq!(rate.value, Some(dec("88")));
    let seats = s
        .tracker
        .explain(&query, &Scope::Indicator("seats".into()))
        .expect("explain")
        .expect("defined");
    let seats = &seats.indicators[0];
    assert_eq!(seats.counted.len(), 2);
    assert_eq!(
        seats.effective_later, 1,
        "the November update does not count"
    );
    assert!(seats.counted.iter().all(|c| c.arrived_after_effective));
    let wait = s
        .tracker
        .explain(&query, &Scope::Indicator("wait".into()))
        .expect("explain")
        .expect("defined");
    let target = &wait.indicators[0].target;
    assert_eq!(target.value, Some(dec("22")));
    assert_eq!(target.set_by.as_ref().map(|e| e.seq), Some(s.revised));
    assert_eq!(target.reason.as_deref(), Some("动态调整"));
    // A retired indicator is explained, and is in no rollup.
    let policy = s
        .tracker
        .explain(&query, &Scope::Task(3))
        .expect("explain")
        .expect("task 3");
    let retired = policy
        .indicators
        .iter()
        .find(|i| i.id == "policy")
        .expect("listed");
    assert_eq!(retired.retired.as_ref().map(|e| e.seq), Some(s.retired));
    let item = policy
        .rollups
        .iter()
        .find(|r| matches!(r.subject, Subject::Item { task: 3, .. }))
        .expect("its item");
    let text = serde_json::to_value(&item.steps).expect("JSON").to_string();
    assert!(!text.contains("\"policy\""), "{text}");
    assert!(text.contains("\"extra\""), "{text}");
    let _: Value = serde_json::to_value(&policy).expect("an explanation is JSON");
}
