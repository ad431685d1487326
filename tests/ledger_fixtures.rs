//! Ledgers written by earlier builds stay readable: a committed ledger directory of every storage
//! layout is copied to a temporary directory, opened, verified, and asked for progress.
//!
//! `fixtures/ledger-layout-<n>/` holds a data directory written by the build that used layout
//! `n` (1: events in sled; 2: the log file `events.log`; 3: its frames with checksums), with the
//! history of
//! [`record_history`]; `HEAD` beside it holds the seq and hash of its last event. If this test
//! fails after a change, the change broke old ledgers: add a migration, never regenerate a
//! fixture to make it pass. A new layout gets a new fixture, written by the build that
//! introduces it with `cargo test --test ledger_fixtures -- --ignored write_fixture`.

use std::path::{Path, PathBuf};

use progress_ledger::plan::ItemStatus;
use progress_ledger::{Hash, Head, NewEvent, Payload, ProgressQuery, StreamId, Tracker};
use rust_decimal::Decimal;
use uuid::Uuid;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixture(layout: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("ledger-layout-{layout}"))
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0xF1C5_0000 + n)
}

fn update(indicator: &str, month: i8, day: i8, actor: &str, payload: Payload) -> NewEvent {
    let stream = StreamId::indicator(indicator).unwrap_or_else(|e| panic!("{e}"));
    NewEvent::new(stream, jiff::civil::date(2023, month, day), actor, payload)
}

fn delta(amount: i64, district: &str) -> Payload {
    Payload::ProgressReported {
        delta: Decimal::from(amount),
        district: Some(district.into()),
    }
}

/// The history every fixture holds: the Hefei plan, then one event of every kind an update can
/// be (progress, measurement, milestone, status, a correction with a replacement, one without,
/// a target revision, a retirement). Simulated figures, not real reports.
fn history() -> Vec<NewEvent> {
    let seats = "t02-1-childcare-seats";
    vec![
        update(seats, 3, 31, "市卫健委", delta(1200, "蜀山区")).with_id(id(1)),
        update(seats, 6, 30, "市卫健委", delta(800, "瑶海区")).with_id(id(2)),
        update(seats, 6, 30, "市卫健委", delta(500, "包河区")).with_id(id(3)),
        update(
            "t01-1-maternal-management-rate",
            6,
            30,
            "市卫健委",
            Payload::MeasurementTaken {
                value: Decimal::new(935, 1),
                district: None,
            },
        )
        .with_id(id(4))
        .with_note("模拟数据"),
        update(
            "t10-5-hospital-projects-completed",
            9,
            30,
            "市卫健委",
            Payload::MilestoneReached {
                deliverable: "三院新区".into(),
            },
        )
        .with_id(id(5)),
        update(
            "t01-3-status",
            9,
            30,
            "市卫健委",
            Payload::StatusChanged {
                status: ItemStatus::InProgress,
            },
        )
        .with_id(id(6)),
        update(
            seats,
            9,
            30,
            "市卫健委",
            Payload::Corrected {
                corrects: id(2),
                reason: "重复上报".into(),
                replacement: Some(Box::new(delta(600, "瑶海区"))),
            },
        )
        .with_id(id(7)),
        update(
            seats,
            9,
            30,
            "市卫健委",
            Payload::Corrected {
                corrects: id(3),
                reason: "统计口径有误".into(),
                replacement: None,
            },
        )
        .with_id(id(8)),
        update(
            seats,
            10,
            8,
            "市政府办公室",
            Payload::TargetRevised {
                target: Decimal::from(18000),
                reason: "动态调整".into(),
            },
        )
        .with_id(id(9)),
        update(
            "t79-0-theme-maps-online",
            10,
            8,
            "市政府办公室",
            Payload::IndicatorRetired {
                reason: "并入其他任务".into(),
            },
        )
        .with_id(id(10)),
    ]
}

/// Copies a fixture directory into `to`, so that opening it (which may migrate, save an index
/// or write snapshots) leaves the committed files alone.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The head written beside a fixture when it was made: `<seq> <hash hex>`.
fn recorded_head(layout: u32) -> Result<Head, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(fixture(layout).join("HEAD"))?;
    let (seq, hash) = text
        .trim()
        .split_once(' ')
        .ok_or("HEAD is `<seq> <hash>`")?;
    Ok(Head {
        seq: seq.parse()?,
        hash: Hash::from_hex(hash)?,
    })
}

fn opens_verifies_and_answers(layout: u32) -> TestResult {
    let dir = tempfile::tempdir()?;
    copy_dir(&fixture(layout).join("data"), dir.path())?;
    let published = recorded_head(layout)?;
    let tracker = Tracker::open(dir.path())?;
    let ledger = tracker.ledger();

    // The plan's definition events come first: as many as the plan had when the fixture was
    // written.
    let definitions = published.seq - history().len() as u64;
    assert_eq!(ledger.len(), published.seq);
    assert_eq!(ledger.head()?, published);
    assert!(ledger.torn_tail().is_none());
    let report = ledger.verify_against(published)?;
    assert!(report.ok(), "layout {layout}: {:?}", report.problem);

    let view = tracker.progress(&ProgressQuery {
        effective: Some(jiff::civil::date(2023, 12, 31)),
        ..Default::default()
    })?;
    let indicator = |id: &str| {
        view.indicators
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("layout {layout}: no indicator {id}"))
    };
    // 1200 + 600 (the replacement of 800); 500 voided. Target revised to 18000.
    let seats = indicator("t02-1-childcare-seats");
    assert_eq!(seats.value, Some(Decimal::from(1800)));
    assert_eq!(seats.target, Some(Decimal::from(18000)));
    assert_eq!(
        seats.completion.raw,
        Decimal::from(1800) / Decimal::from(18000)
    );
    assert_eq!(
        indicator("t01-1-maternal-management-rate").value,
        Some(Decimal::new(935, 1))
    );
    assert_eq!(
        indicator("t10-5-hospital-projects-completed")
            .completion
            .raw,
        Decimal::new(2, 1)
    );
    let retired = tracker.with_live(|projection| {
        projection
            .catalog()
            .indicator("t79-0-theme-maps-online")
            .map(|def| def.retired)
    });
    assert_eq!(retired, Some(true), "layout {layout}: retirement folded");

    // As recorded before the correction: the voided figures still count.
    let before_correction = ledger
        .get(definitions + 6)?
        .ok_or("event 6 of the history")?;
    let then = tracker.progress(&ProgressQuery {
        as_of: Some(before_correction.recorded_at),
        ..Default::default()
    })?;
    let seats_then = then
        .indicators
        .iter()
        .find(|i| i.id == "t02-1-childcare-seats")
        .ok_or("seats as of then")?;
    assert_eq!(seats_then.value, Some(Decimal::from(2500)));

    // The opened ledger takes new events, and reopens sound.
    tracker.record(
        update(
            "t02-1-childcare-seats",
            11,
            30,
            "市卫健委",
            delta(100, "庐阳区"),
        )
        .with_id(id(99)),
    )?;
    drop(tracker);
    let reopened = Tracker::open(dir.path())?;
    assert!(reopened.ledger().verify_against(published)?.ok());
    Ok(())
}

#[test]
fn a_layout_1_ledger_opens_verifies_and_answers() -> TestResult {
    opens_verifies_and_answers(1)
}

#[test]
fn a_layout_2_ledger_opens_verifies_and_answers() -> TestResult {
    opens_verifies_and_answers(2)
}

#[test]
fn a_layout_3_ledger_opens_verifies_and_answers() -> TestResult {
    opens_verifies_and_answers(3)
}

/// Writes the fixture of the layout this build writes into `tests/fixtures/ledger-layout-<n>`,
/// with `n` from `PROGRESS_LEDGER_FIXTURE_LAYOUT`.
#[test]
#[ignore = "writes a fixture: run once, with the build that introduces a storage layout"]
fn write_fixture() -> TestResult {
    let layout: u32 = std::env::var("PROGRESS_LEDGER_FIXTURE_LAYOUT")?.parse()?;
    let out = fixture(layout);
    if out.exists() {
        return Err(format!("{} exists: a fixture is never rewritten", out.display()).into());
    }
    let data = out.join("data");
    {
        let tracker = Tracker::open(&data)?;
        tracker.load_plan(&progress_ledger::plan::hefei_2023()?, "fixture")?;
        for new in history() {
            tracker.record(new)?;
        }
        tracker.ledger().close()?;
        let head = tracker.ledger().head()?;
        std::fs::write(
            out.join("HEAD"),
            format!("{} {}\n", head.seq, head.hash.to_hex()),
        )?;
    }
    Ok(())
}
