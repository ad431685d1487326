//! Quickstart: open a ledger, load the Hefei 2023 plan, record 新增托位 in three districts over three months, and read the progress of task 2 and of the plan. Run it with `cargo run --example quickstart`.
//!
//! Everything happens in a temporary directory that is deleted at the end. The updates are
//! simulated, for illustration: they are not real Hefei figures.

use std::error::Error;

use jiff::civil::date;
use progress_ledger::plan::hefei_2023;
use progress_ledger::{NewEvent, Payload, ProgressQuery, StreamId, Tracker};
use rust_decimal::Decimal;

/// 新增托位1.6万个 (task 2, item 1): a cumulative indicator; each report adds a delta.
const CHILDCARE_SEATS: &str = "t02-1-childcare-seats";

fn main() -> Result<(), Box<dyn Error>> {
    // 1. Open (create) a ledger and load the plan: the plan becomes definition events.
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    let plan = hefei_2023()?;
    let defined = tracker.load_plan(&plan, "市政府办公室")?;
    println!("ledger opened in a temporary directory");
    println!(
        "plan loaded: {} ({} definition events)",
        plan.title,
        defined.len()
    );

    // 2. Record progress: three districts report the 托位 they added, at the end of each month.
    println!("\nrecording simulated updates (for illustration, not real figures):");
    let reports = [
        (date(2023, 7, 31), "蜀山区", 450),
        (date(2023, 7, 31), "包河区", 380),
        (date(2023, 7, 31), "肥西县", 120),
        (date(2023, 8, 31), "蜀山区", 520),
        (date(2023, 8, 31), "包河区", 410),
        (date(2023, 8, 31), "肥西县", 160),
        (date(2023, 9, 30), "蜀山区", 600),
        (date(2023, 9, 30), "包河区", 470),
        (date(2023, 9, 30), "肥西县", 210),
    ];
    for (day, district, seats) in reports {
        let update = NewEvent::new(
            StreamId::indicator(CHILDCARE_SEATS)?,
            day,
            "市卫健委",
            Payload::ProgressReported {
                delta: Decimal::from(seats),
                district: Some(district.to_owned()),
            },
        )
        .with_note(format!("{}月新增托位", day.month()));
        let recorded = tracker.record(update)?;
        println!(
            "  seq {}  effective {}  {}  +{} 托位",
            recorded.event.seq, day, district, seats
        );
    }

    // 3. Read progress as effective on the last day reported; the schedule (on track or behind)
    //    is judged against the share of 2023 elapsed on that day.
    let day = date(2023, 9, 30);
    let view = tracker.progress(&ProgressQuery {
        effective: Some(day),
        ..ProgressQuery::default()
    })?;
    println!(
        "\nprogress as effective on {day} ({} of the plan period elapsed):",
        percent(view.elapsed)
    );
    let seats = view
        .indicators
        .iter()
        .find(|i| i.id == CHILDCARE_SEATS)
        .ok_or("the plan has no 新增托位 indicator")?;
    println!(
        "  indicator {} {}: {} of {} {} = {} ({})",
        seats.id,
        seats.title,
        show(seats.value),
        show(seats.target),
        seats.unit,
        percent(seats.completion.raw),
        seats.status.as_str()
    );
    for district in &view.districts {
        for value in district
            .indicators
            .iter()
            .filter(|v| v.id == CHILDCARE_SEATS)
        {
            println!("    {}: {} 个", district.district, value.value);
        }
    }
    for item in view.items.iter().filter(|i| i.task == 2) {
        let indicators = match item.indicators.len() {
            1 => "1 indicator".to_owned(),
            n => format!("{n} indicators"),
        };
        println!(
            "  task 2 item {} {}: {} over {indicators} ({})",
            item.item.map_or("-".to_owned(), |n| n.to_string()),
            item.title,
            percent(item.completion),
            item.status.as_str()
        );
    }
    let task = view
        .tasks
        .iter()
        .find(|t| t.number == 2)
        .ok_or("the plan has no task 2")?;
    println!(
        "  task 2 {}: {} ({})",
        task.title,
        percent(task.completion),
        task.status.as_str()
    );
    println!(
        "  plan {}: {} over {} indicators",
        view.title,
        percent(view.completion),
        view.indicators.len()
    );
    println!(
        "\n(completions are fractions of the target; an item is the equal-weight mean of its \
         indicators, a task of its items, the plan of its parts)"
    );
    Ok(())
}

/// A fraction as a percentage, to two decimals.
fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(2))
}

/// An optional number, or a dash.
fn show(value: Option<Decimal>) -> String {
    value.map_or("-".to_owned(), |v| v.to_string())
}
