//! School places (新增学位) in tasks 3 and 4, and the correction of a double-counted report: `cargo run --example school_places`.
//!
//! Nothing is ever changed or deleted in the ledger: a wrong report is voided by a correction
//! event, which may carry what should have been recorded instead. The updates are simulated, for
//! illustration: they are not real Hefei figures. Everything happens in a temporary directory.

use std::error::Error;

use jiff::civil::{Date, date};
use progress_ledger::plan::hefei_2023;
use progress_ledger::{NewEvent, Payload, ProgressQuery, StreamId, Tracker};
use rust_decimal::Decimal;

/// Task 3 (学前教育): 新增学位2.6万个.
const KINDERGARTEN: &str = "t03-0-kindergarten-places";
/// Task 4 (义务教育): 新增学位4.5万个.
const SCHOOL: &str = "t04-0-school-places";

fn places(
    indicator: &str,
    day: Date,
    district: &str,
    count: u32,
) -> Result<NewEvent, Box<dyn Error>> {
    Ok(NewEvent::new(
        StreamId::indicator(indicator)?,
        day,
        "市教育局",
        Payload::ProgressReported {
            delta: Decimal::from(count),
            district: Some(district.to_owned()),
        },
    ))
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;
    println!("Hefei 2023 plan loaded into a ledger in a temporary directory");
    println!("recording simulated 新增学位 reports (for illustration, not real figures):");

    let reports = [
        (KINDERGARTEN, date(2023, 6, 30), "包河区", 2400),
        (KINDERGARTEN, date(2023, 8, 31), "蜀山区", 1800),
        (SCHOOL, date(2023, 8, 31), "包河区", 5400),
        (SCHOOL, date(2023, 8, 31), "瑶海区", 3200),
        (SCHOOL, date(2023, 9, 30), "庐阳区", 2700),
    ];
    for (indicator, day, district, count) in reports {
        let recorded = tracker.record(places(indicator, day, district, count)?)?;
        println!(
            "  seq {}  {indicator}  effective {day}  {district}  +{count}",
            recorded.event.seq
        );
    }
    // 蜀山区's September report counts again the 1,800 kindergarten places it already reported
    // in August: 3,000 reported, of which only 1,200 are new.
    let double_counted = tracker.record(
        places(KINDERGARTEN, date(2023, 9, 30), "蜀山区", 3000)?
            .with_note("九月新增学位(含八月已报1800个)"),
    )?;
    println!(
        "  seq {}  {KINDERGARTEN}  effective 2023-09-30  蜀山区  +3000   <- counts August's 1,800 again",
        double_counted.event.seq
    );

    let before = places_on(&tracker, date(2023, 9, 30))?;
    print_places("before the correction", &before);

    // The correction names the wrong event by id, says why, and carries the right figure.
    let correction = NewEvent::new(
        StreamId::indicator(KINDERGARTEN)?,
        date(2023, 9, 30),
        "市教育局",
        Payload::Corrected {
            corrects: double_counted.event.id,
            reason: "重复统计:其中1800个学位已在八月上报".to_owned(),
            replacement: Some(Box::new(Payload::ProgressReported {
                delta: Decimal::from(1200),
                district: Some("蜀山区".to_owned()),
            })),
        },
    );
    let corrected = tracker.record(correction)?;
    println!(
        "\nrecorded correction seq {}: voids seq {} (event {}), replacement +1200",
        corrected.event.seq, double_counted.event.seq, double_counted.event.id
    );

    let after = places_on(&tracker, date(2023, 9, 30))?;
    print_places("after the correction", &after);

    println!("\ntrail of {KINDERGARTEN} (nothing was deleted; the voided report is still there):");
    for step in tracker.history(KINDERGARTEN)? {
        let event = &step.event;
        let what = match &event.payload {
            Payload::IndicatorDefined { .. } => "indicator defined".to_owned(),
            Payload::ProgressReported { delta, district } => {
                format!("+{delta} {}", district.as_deref().unwrap_or(""))
            }
            Payload::Corrected {
                corrects, reason, ..
            } => format!("correction of {corrects}: {reason}"),
            other => other.kind_name().to_owned(),
        };
        println!(
            "  seq {:>3}  v{}  effective {}  {what}  -> value {}",
            event.seq,
            event.version,
            event.effective,
            step.value.map_or("-".to_owned(), |v| v.to_string())
        );
    }

    let combined_before = before.iter().map(|p| p.value).sum::<Decimal>();
    let combined_after = after.iter().map(|p| p.value).sum::<Decimal>();
    let combined_target = after.iter().map(|p| p.target).sum::<Decimal>();
    println!(
        "\n新增学位 across tasks 3 and 4: {combined_after} of {combined_target} \
         ({combined_before} before the correction)"
    );
    Ok(())
}

/// One 新增学位 indicator in a progress view.
struct Places {
    task: u32,
    id: String,
    value: Decimal,
    target: Decimal,
    completion: Decimal,
    task_completion: Decimal,
}

/// The two 新增学位 indicators as effective on `day`, with their tasks' completion.
fn places_on(tracker: &Tracker, day: Date) -> Result<Vec<Places>, Box<dyn Error>> {
    let view = tracker.progress(&ProgressQuery {
        effective: Some(day),
        ..ProgressQuery::default()
    })?;
    let mut out = Vec::new();
    for id in [KINDERGARTEN, SCHOOL] {
        let indicator = view
            .indicators
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| format!("the plan has no indicator {id}"))?;
        let task = view
            .tasks
            .iter()
            .find(|t| t.number == indicator.task)
            .ok_or_else(|| format!("the plan has no task {}", indicator.task))?;
        out.push(Places {
            task: indicator.task,
            id: id.to_owned(),
            value: indicator.value.unwrap_or_default(),
            target: indicator.target.unwrap_or_default(),
            completion: indicator.completion.raw,
            task_completion: task.completion,
        });
    }
    Ok(out)
}

fn print_places(when: &str, all: &[Places]) {
    println!("\n新增学位 as effective on 2023-09-30, {when}:");
    for p in all {
        println!(
            "  task {}  {}: {} of {} = {}  (task {} completion {})",
            p.task,
            p.id,
            p.value,
            p.target,
            percent(p.completion),
            p.task,
            percent(p.task_completion)
        );
    }
}

/// A fraction as a percentage, to two decimals.
fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(2))
}
