//! The supervision report (督查通报) of the Hefei 2023 plan for 2023-12-31, in Markdown: `cargo run --example report`.
//!
//! A handful of updates are recorded first so that the report has met, behind and not-started
//! items; they are simulated, for illustration, and the report says so in its first line.
//! Everything happens in a temporary directory. The report covers all 109 items, a few hundred
//! lines; to read it as a document: `cargo run --example report > report.md`.

use std::error::Error;

use jiff::civil::{Date, date};
use progress_ledger::plan::{ItemStatus, hefei_2023};
use progress_ledger::{NewEvent, Payload, StreamId, Tracker};
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;

    let delta = |amount: u32| Payload::ProgressReported {
        delta: Decimal::from(amount),
        district: None,
    };
    let updates = [
        // 新增托位1.6万个: met.
        (
            "t02-1-childcare-seats",
            date(2023, 6, 30),
            "市卫健委",
            delta(9000),
        ),
        (
            "t02-1-childcare-seats",
            date(2023, 12, 31),
            "市卫健委",
            delta(7400),
        ),
        // 支持托育机构发展 (a status indicator): done.
        (
            "t02-2-status",
            date(2023, 12, 31),
            "市卫健委",
            Payload::StatusChanged {
                status: ItemStatus::Done,
            },
        ),
        // 新增学位2.6万个 (学前教育) and 4.5万个 (义务教育): behind.
        (
            "t03-0-kindergarten-places",
            date(2023, 12, 31),
            "市教育局",
            delta(21000),
        ),
        (
            "t04-0-school-places",
            date(2023, 12, 31),
            "市教育局",
            delta(38000),
        ),
        // Hospital projects: three of five completed.
        milestone(
            "t10-5-hospital-projects-completed",
            date(2023, 6, 30),
            "三院新区",
        ),
        milestone(
            "t10-5-hospital-projects-completed",
            date(2023, 9, 30),
            "市空港医院",
        ),
        milestone(
            "t10-5-hospital-projects-completed",
            date(2023, 12, 31),
            "中医院",
        ),
        // PM2.5 不高于32微克/立方米: met with 31.
        (
            "t47-0-pm25",
            date(2023, 12, 31),
            "市生态环境局",
            Payload::MeasurementTaken {
                value: Decimal::from(31),
                district: None,
            },
        ),
    ];
    let count = updates.len();
    for (indicator, day, actor, payload) in updates {
        tracker.record(NewEvent::new(
            StreamId::indicator(indicator)?,
            day,
            actor,
            payload,
        ))?;
    }

    let report = tracker.report(None, date(2023, 12, 31), None)?;
    println!(
        "> Simulated updates recorded by this example, for illustration: {} updates on top of the \
         plan's definitions. These are not real Hefei figures.\n",
        count
    );
    print!("{}", report.to_markdown());
    Ok(())
}

fn milestone(
    indicator: &'static str,
    day: Date,
    deliverable: &str,
) -> (&'static str, Date, &'static str, Payload) {
    (
        indicator,
        day,
        "市卫健委",
        Payload::MilestoneReached {
            deliverable: deliverable.to_owned(),
        },
    )
}
