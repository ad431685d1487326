//! Loading the Hefei 2023 plan into a real ledger: idempotent, one revision per changed target,
//! the same after reopening, and readable by a tracker.

use progress_ledger::plan::{IndicatorSpec, ItemStatus, Plan, hefei_2023, load_events, load_plan};
use progress_ledger::{Error, Ledger, NewEvent, Payload, ProgressQuery, StreamId, Tracker};

use super::{TestResult, dec, indicators, items};

#[test]
fn loading_twice_writes_nothing_the_second_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ledger = Ledger::open(dir.path())?;
    let plan = hefei_2023()?;
    let count = indicators(&plan).len();

    let first = load_plan(&ledger, &plan, "市政务服务局", None)?;
    assert_eq!(first.plan_defined, 1);
    assert_eq!(first.indicators_defined, count);
    assert_eq!((first.targets_revised, first.indicators_retired), (0, 0));
    assert_eq!(ledger.len(), 1 + count as u64);
    // The outline carries no indicators; each indicator is its own stream.
    let outline = ledger.read_stream(&StreamId::plan("hefei-2023")?, 0, 10)?;
    match &outline[0].payload {
        Payload::PlanDefined(p) => {
            assert!(items(p).iter().all(|(_, i, _)| i.indicators.is_empty()));
            assert_eq!(items(p).len(), 109);
        }
        other => panic!("expected plan_defined, got {other:?}"),
    }
    assert_eq!(outline[0].effective, plan.issued);
    assert_eq!(outline[0].actor, "市政务服务局");
    let seats = ledger.read_stream(&StreamId::indicator("t02-1-childcare-seats")?, 0, 10)?;
    assert!(matches!(&seats[0].payload,
        Payload::IndicatorDefined { plan, task: 2, item: Some(1), spec }
            if plan == "hefei-2023" && spec.target == Some(dec("16000"))));

    let second = load_plan(&ledger, &plan, "市政务服务局", None)?;
    assert!(second.is_empty(), "{second:?}");
    assert_eq!(ledger.len(), 1 + count as u64);
    assert!(ledger.verify()?.ok());
    Ok(())
}

#[test]
fn changes_become_revisions_redefinitions_and_retirements() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_path_buf();
    let plan = hefei_2023()?;
    let effective = jiff::civil::date(2023, 10, 1);
    {
        let ledger = Ledger::open(&path)?;
        load_plan(&ledger, &plan, "admin", None)?;
        let before = ledger.len();

        // One target changed: exactly one TargetRevised, on that indicator's stream.
        let mut revised = plan.clone();
        set_spec(&mut revised, "t02-1-childcare-seats", |s| {
            s.target = Some(dec("18000"))
        });
        assert_eq!(
            load_events(&ledger, &revised, "admin", Some(effective))?.len(),
            1
        );
        let summary = load_plan(&ledger, &revised, "admin", Some(effective))?;
        assert_eq!(summary.written(), 1);
        assert_eq!(summary.targets_revised, 1);
        let event = &summary.appended[0].event;
        assert_eq!(event.stream, StreamId::indicator("t02-1-childcare-seats")?);
        assert_eq!(event.effective, effective);
        assert!(matches!(&event.payload,
            Payload::TargetRevised { target, reason } if *target == dec("18000") && !reason.is_empty()));
        assert_eq!(ledger.len(), before + 1);
        assert!(load_plan(&ledger, &revised, "admin", None)?.is_empty());
    }
    // Reopened: the ledger still matches the revised plan, so nothing is written.
    let ledger = Ledger::open(&path)?;
    let mut revised = plan.clone();
    set_spec(&mut revised, "t02-1-childcare-seats", |s| {
        s.target = Some(dec("18000"))
    });
    let before = ledger.len();
    assert!(load_plan(&ledger, &revised, "admin", None)?.is_empty());
    assert_eq!(ledger.len(), before);

    // Back to the original target: one more revision.
    assert_eq!(load_plan(&ledger, &plan, "admin", None)?.targets_revised, 1);

    // An outline change: one PlanDefined and nothing else.
    let mut renamed = plan.clone();
    renamed.parts[0].categories[0].tasks[0].title = "优孕优生(修订)".into();
    let summary = load_plan(&ledger, &renamed, "admin", None)?;
    assert_eq!((summary.plan_defined, summary.written()), (1, 1));

    // Another change to a spec: one IndicatorDefined.
    let mut retitled = renamed.clone();
    set_spec(&mut retitled, "t47-0-pm25", |s| {
        s.title = "PM2.5年平均浓度".into()
    });
    let summary = load_plan(&ledger, &retitled, "admin", None)?;
    assert_eq!((summary.indicators_defined, summary.written()), (1, 1));

    // An indicator removed from the plan: retired.
    let mut fewer = retitled.clone();
    for task in fewer
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.categories)
        .flat_map(|c| &mut c.tasks)
    {
        for item in &mut task.items {
            item.indicators
                .retain(|s| s.id != "t46-0-dust-control-tasks");
        }
    }
    let summary = load_plan(&ledger, &fewer, "admin", None)?;
    assert_eq!((summary.indicators_retired, summary.written()), (1, 1));
    assert!(load_plan(&ledger, &fewer, "admin", None)?.is_empty());
    assert!(ledger.verify()?.ok());
    Ok(())
}

#[test]
fn an_invalid_plan_is_refused_before_anything_is_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ledger = Ledger::open(dir.path())?;
    let mut plan = hefei_2023()?;
    set_spec(&mut plan, "t47-0-pm25", |s| s.id = "t46-0-pm10".into());
    assert!(matches!(
        load_plan(&ledger, &plan, "admin", None),
        Err(Error::Plan { .. })
    ));
    assert!(ledger.is_empty());
    Ok(())
}

#[test]
fn a_tracker_reads_the_loaded_plan_and_takes_updates_of_every_kind() -> TestResult {
    let dir = tempfile::tempdir()?;
    let plan = hefei_2023()?;
    {
        let ledger = Ledger::open(dir.path())?;
        load_plan(&ledger, &plan, "admin", None)?;
    }
    let tracker = Tracker::open(dir.path())?;
    // The tracker's own loader agrees that the ledger matches the plan.
    assert!(tracker.load_plan(&plan, "admin")?.is_empty());
    let date = jiff::civil::date(2023, 9, 30);
    let update = |id: &str, payload: Payload| -> Result<(), Error> {
        tracker.record(NewEvent::new(
            StreamId::indicator(id)?,
            date,
            "市卫健委",
            payload,
        ))?;
        Ok(())
    };
    update(
        "t02-1-childcare-seats",
        Payload::ProgressReported {
            delta: dec("1200"),
            district: Some("蜀山区".into()),
        },
    )?;
    update(
        "t47-0-pm25",
        Payload::MeasurementTaken {
            value: dec("31.5"),
            district: None,
        },
    )?;
    update(
        "t02-1-inclusive-childcare-per-district",
        Payload::ProgressReported {
            delta: dec("1"),
            district: Some("合肥高新区".into()),
        },
    )?;
    update(
        "t10-5-hospital-projects-completed",
        Payload::MilestoneReached {
            deliverable: "市空港医院".into(),
        },
    )?;
    update(
        "t01-3-status",
        Payload::StatusChanged {
            status: ItemStatus::InProgress,
        },
    )?;
    assert!(matches!(
        update(
            "t02-1-inclusive-childcare-per-district",
            Payload::ProgressReported {
                delta: dec("1"),
                district: Some("不存在区".into())
            },
        ),
        Err(Error::Rejected { .. })
    ));
    Ok(())
}

/// The indicators added to the plan file so that every commitment without a figure has one
/// (docs/plan-data.md, "Commitments without a figure").
const ADDED: &[&str] = &[
    "t03-0-extended-care-coverage",
    "t10-2-emergency-station-coverage",
    "t10-4-psychotherapy-clinics",
    "t10-4-public-hospital-psychiatry",
    "t27-1-zero-employment-families-cleared",
    "t30-0-hotline-hours",
    "t33-0-petitions-on-platform",
    "t36-0-fitness-facility-coverage",
    "t44-0-national-sections-compliance",
    "t44-0-inflow-sections-above-class-five",
    "t50-0-village-delivery-station-coverage",
    "t56-0-collection-points-in-operation",
    "t71-0-township-legality-review-coverage",
    "t77-0-services-in-centre",
    "t77-0-life-cycle-services-claimed",
];

/// The plan as it was before [`ADDED`].
fn plan_before_added() -> Result<Plan, Error> {
    let mut before = hefei_2023()?;
    for task in before.tasks_mut() {
        for item in &mut task.items {
            item.indicators.retain(|s| !ADDED.contains(&s.id.as_str()));
        }
    }
    Ok(before)
}

fn sorted_ids<'a>(events: impl IntoIterator<Item = &'a Payload>) -> Vec<String> {
    let mut ids: Vec<String> = events
        .into_iter()
        .map(|payload| match payload {
            Payload::IndicatorDefined { spec, .. } => spec.id.clone(),
            other => panic!("expected indicator_defined, got {other:?}"),
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn indicators_added_to_a_loaded_plan_are_defined_by_reloading_it() -> TestResult {
    let plan = hefei_2023()?;
    let before = plan_before_added()?;
    assert_eq!(
        indicators(&before).len() + ADDED.len(),
        indicators(&plan).len(),
        "every added indicator is in the plan"
    );
    let mut expected: Vec<String> = ADDED.iter().map(|id| (*id).to_owned()).collect();
    expected.sort();

    // Through `load_plan`: one IndicatorDefined per added indicator and nothing else (the outline
    // and the other indicators are unchanged).
    let dir = tempfile::tempdir()?;
    {
        let ledger = Ledger::open(dir.path())?;
        load_plan(&ledger, &before, "admin", None)?;
        let summary = load_plan(&ledger, &plan, "admin", None)?;
        assert_eq!(
            (
                summary.plan_defined,
                summary.indicators_defined,
                summary.targets_revised,
                summary.indicators_retired
            ),
            (0, ADDED.len(), 0, 0)
        );
        assert_eq!(
            sorted_ids(summary.appended.iter().map(|a| &a.event.payload)),
            expected
        );
        assert!(load_plan(&ledger, &plan, "admin", None)?.is_empty());
        assert!(ledger.verify()?.ok());
    }

    // Through a tracker (`definition_events` on its live projection), with progress already
    // recorded under the old plan: the same events, and the progress still counts.
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path())?;
    tracker.load_plan(&before, "admin")?;
    let date = jiff::civil::date(2023, 9, 30);
    tracker.record(NewEvent::new(
        StreamId::indicator("t02-1-childcare-seats")?,
        date,
        "市卫健委",
        Payload::ProgressReported {
            delta: dec("1200"),
            district: Some("蜀山区".into()),
        },
    ))?;
    let hotline = NewEvent::new(
        StreamId::indicator("t30-0-hotline-hours")?,
        date,
        "市政务服务局",
        Payload::MeasurementTaken {
            value: dec("24"),
            district: None,
        },
    );
    assert!(
        matches!(tracker.record(hotline.clone()), Err(Error::Rejected { .. })),
        "not defined before the reload"
    );
    let appended = tracker.load_plan(&plan, "admin")?;
    assert_eq!(
        sorted_ids(appended.iter().map(|a| &a.event.payload)),
        expected
    );
    assert!(tracker.load_plan(&plan, "admin")?.is_empty());
    tracker.record(hotline)?;
    let view = tracker.progress(&ProgressQuery {
        effective: Some(date),
        ..Default::default()
    })?;
    let completion = |id: &str| {
        view.indicators
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.completion.raw)
            .unwrap_or_else(|| panic!("{id} is not in the view"))
    };
    assert_eq!(completion("t02-1-childcare-seats"), dec("0.075"));
    assert_eq!(completion("t30-0-hotline-hours"), dec("1"));
    assert_eq!(completion("t03-0-extended-care-coverage"), dec("0"));
    Ok(())
}

fn set_spec(plan: &mut Plan, id: &str, change: impl Fn(&mut IndicatorSpec)) {
    let mut found = false;
    for part in &mut plan.parts {
        for task in part.categories.iter_mut().flat_map(|c| &mut c.tasks) {
            for spec in task.items.iter_mut().flat_map(|i| &mut i.indicators) {
                if spec.id == id {
                    change(spec);
                    found = true;
                }
            }
        }
    }
    assert!(found, "{id} is missing");
}
