//! A target revised mid-year (动态调整) and what replays show before and after it: `cargo run --example target_revision`.
//!
//! The plan allows its content to be adjusted during the year (动态调整方案内容). A revision is an
//! event like any other: it applies from the moment it is recorded, and a replay as recorded
//! before it still shows the target that was in force then. The revision and the updates here
//! are simulated, for illustration: the real target was not revised. Everything happens in a
//! temporary directory.

use std::error::Error;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use progress_ledger::plan::hefei_2023;
use progress_ledger::{NewEvent, Payload, ProgressQuery, StreamId, Tracker};
use rust_decimal::Decimal;

/// 新增托位1.6万个 (task 2, item 1).
const SEATS: &str = "t02-1-childcare-seats";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;
    println!("Hefei 2023 plan loaded; {SEATS} (新增托位) has the plan's target 16000");
    println!("simulated updates and revision, for illustration (not real figures):");

    // January to June: 1,400 places a month.
    for month in 1..=6 {
        tracker.record(seats(month_end(month)?, 1400)?)?;
    }
    println!("  recorded +1400 at the end of each month from January to June");
    let before_revision = tracker.ledger().head()?;
    let recorded_before = tracker
        .ledger()
        .get(before_revision.seq)?
        .ok_or("the head event is missing")?
        .recorded_at;

    // July: the target is revised to 18,000 (an admin's act, recorded like any update).
    let revision = tracker.record(NewEvent::new(
        StreamId::indicator(SEATS)?,
        date(2023, 7, 15),
        "市政府办公室",
        Payload::TargetRevised {
            target: Decimal::from(18000),
            reason: "动态调整:年中评估后新增托位目标由1.6万个调整为1.8万个(示例)".to_owned(),
        },
    ))?;
    println!(
        "  recorded a target revision to 18000 (seq {}, effective 2023-07-15)",
        revision.event.seq
    );

    // July to December: 1,500 places a month.
    for month in 7..=12 {
        tracker.record(seats(month_end(month)?, 1500)?)?;
    }
    println!("  recorded +1500 at the end of each month from July to December");

    println!("\nreplays of {SEATS}:");
    show(
        &tracker,
        "as recorded before the revision, effective 2023-06-30",
        ProgressQuery {
            as_of: Some(recorded_before),
            effective: Some(date(2023, 6, 30)),
            ..ProgressQuery::default()
        },
    )?;
    show(
        &tracker,
        "as recorded now, effective 2023-06-30",
        ProgressQuery {
            effective: Some(date(2023, 6, 30)),
            ..ProgressQuery::default()
        },
    )?;
    show(
        &tracker,
        "as recorded now, effective 2023-12-31",
        ProgressQuery {
            effective: Some(date(2023, 12, 31)),
            ..ProgressQuery::default()
        },
    )?;
    println!(
        "  (the same June figures were on track against 16000 and are behind against 18000: \
         a revision applies from when it is recorded, whatever date a replay looks at; to see \
         what the ledger said under the old target, replay as recorded before the revision)"
    );

    println!("\ntrail of {SEATS} (target in force after each event):");
    for step in tracker.history(SEATS)? {
        let event = &step.event;
        let what = match &event.payload {
            Payload::IndicatorDefined { .. } => "indicator defined".to_owned(),
            Payload::ProgressReported { delta, .. } => format!("+{delta}"),
            Payload::TargetRevised { target, reason } => format!("target -> {target}: {reason}"),
            other => other.kind_name().to_owned(),
        };
        println!(
            "  seq {:>3}  effective {}  value {:>5}  target {:>5}  {:>7}  {what}",
            event.seq,
            event.effective,
            step.value.map_or("-".to_owned(), |v| v.to_string()),
            step.target.map_or("-".to_owned(), |v| v.to_string()),
            percent(step.completion.raw),
        );
    }
    Ok(())
}

fn seats(day: Date, count: u32) -> Result<NewEvent, Box<dyn Error>> {
    Ok(NewEvent::new(
        StreamId::indicator(SEATS)?,
        day,
        "市卫健委",
        Payload::ProgressReported {
            delta: Decimal::from(count),
            district: None,
        },
    ))
}

/// The last day of a month of 2023.
fn month_end(month: i8) -> Result<Date, Box<dyn Error>> {
    Ok(date(2023, month, 1).checked_add(1.month())?.yesterday()?)
}

fn show(tracker: &Tracker, label: &str, query: ProgressQuery) -> Result<(), Box<dyn Error>> {
    let view = tracker.progress(&query)?;
    let seats = view
        .indicators
        .iter()
        .find(|i| i.id == SEATS)
        .ok_or("the plan has no 新增托位 indicator")?;
    println!(
        "  {label:<54} {} of {} = {:>7}  {} (period elapsed {})",
        seats.value.map_or("-".to_owned(), |v| v.to_string()),
        seats.target.map_or("-".to_owned(), |v| v.to_string()),
        percent(seats.completion.raw),
        seats.status.as_str(),
        percent(view.elapsed)
    );
    Ok(())
}

/// A fraction as a percentage, to two decimals.
fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(2))
}
