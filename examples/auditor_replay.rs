//! An auditor's replay: a year of history, read as recorded and as effective, one indicator's trail, verify, export, import and verify again: `cargo run --example auditor_replay`.
//!
//! The year of history is simulated, for illustration (not real Hefei figures), and recorded in
//! a few milliseconds when the example runs. Everything happens in temporary directories.

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;

use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use progress_ledger::plan::hefei_2023;
use progress_ledger::projection::ProgressView;
use progress_ledger::{Ledger, NewEvent, Payload, ProgressQuery, StreamId, Tracker};
use rust_decimal::Decimal;

/// 新增托位1.6万个: cumulative, reported per district.
const SEATS: &str = "t02-1-childcare-seats";
/// 新增学位4.5万个 (义务教育): cumulative.
const SCHOOL: &str = "t04-0-school-places";
/// PM2.5平均浓度不高于32微克/立方米: a level, measured.
const PM25: &str = "t47-0-pm25";
/// 完成市空港医院、三院新区、中医院、妇幼保健院和口腔医院滨湖分院等项目建设: milestones.
const HOSPITALS: &str = "t10-5-hospital-projects-completed";

const DISTRICTS: [&str; 3] = ["蜀山区", "包河区", "肥西县"];

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;

    // A year of monthly reports, one atomic batch per month.
    println!("recording a year of simulated monthly updates (for illustration, not real figures):");
    let mut after_september: Option<Timestamp> = None;
    let mut august_shushan = None;
    for month in 1..=12i8 {
        let day = last_day(month)?;
        let mut batch = Vec::new();
        for (n, district) in (0i64..).zip(DISTRICTS) {
            let seats = seats_reported(month, n);
            batch.push(update(
                SEATS,
                day,
                "市卫健委",
                Payload::ProgressReported {
                    delta: Decimal::from(seats),
                    district: Some(district.to_owned()),
                },
            )?);
        }
        batch.push(update(
            SCHOOL,
            day,
            "市教育局",
            Payload::ProgressReported {
                delta: Decimal::from(2500 + 150 * i64::from(month)),
                district: None,
            },
        )?);
        batch.push(update(
            PM25,
            day,
            "市生态环境局",
            Payload::MeasurementTaken {
                value: Decimal::from(40 - i64::from(month) / 2),
                district: None,
            },
        )?);
        let milestone = match month {
            5 => Some("三院新区"),
            9 => Some("市空港医院"),
            12 => Some("中医院"),
            _ => None,
        };
        if let Some(deliverable) = milestone {
            batch.push(update(
                HOSPITALS,
                day,
                "市卫健委",
                Payload::MilestoneReached {
                    deliverable: deliverable.to_owned(),
                },
            )?);
        }
        if month == 11 {
            // In November, 蜀山区 finds that its August figure counted 200 places twice.
            let id = august_shushan.ok_or("no August report of 蜀山区")?;
            batch.push(update(
                SEATS,
                last_day(8)?,
                "市卫健委",
                Payload::Corrected {
                    corrects: id,
                    reason: "八月重复统计200个托位".to_owned(),
                    replacement: Some(Box::new(Payload::ProgressReported {
                        delta: Decimal::from(seats_reported(8, 0) - 200),
                        district: Some("蜀山区".to_owned()),
                    })),
                },
            )?);
        }
        let recorded = tracker.record_batch(batch)?;
        let (first, last) = match (recorded.first(), recorded.last()) {
            (Some(first), Some(last)) => (&first.event, &last.event),
            _ => return Err("a batch recorded nothing".into()),
        };
        println!(
            "  {}: seq {:>3}-{:>3}, recorded at {}{}",
            &day.to_string()[..7],
            first.seq,
            last.seq,
            last.recorded_at,
            if month == 11 {
                "  (includes a correction of August)"
            } else {
                ""
            }
        );
        if month == 8 {
            // The first event of each batch is 蜀山区's 托位 report.
            august_shushan = Some(first.id);
        }
        if month == 9 {
            after_september = Some(last.recorded_at);
        }
    }
    let after_september = after_september.ok_or("September was not recorded")?;
    let deliverables = tracker.with_live(|p| {
        p.catalog()
            .indicator(HOSPITALS)
            .map_or(0, |d| d.spec.deliverables.len())
    });

    // Replay 1: what the ledger said right after September's reports were recorded.
    println!(
        "\nreplay as recorded at {after_september}, right after the September batch was recorded."
    );
    println!(
        "  (these events were recorded just now, not in 2023, so \"as recorded at 2023-10-01\" in \
         wall-clock time would see an empty ledger; the moment after the September batch plays \
         that role here. The schedule is judged on 2023-09-30.)"
    );
    let then = tracker.progress(&ProgressQuery {
        as_of: Some(after_september),
        effective: Some(date(2023, 9, 30)),
        ..ProgressQuery::default()
    })?;
    print_view(&then, deliverables);

    // Replay 2: the same business date with everything known now (November's correction too).
    println!("\nreplay as effective on 2023-09-30, with everything recorded since:");
    print_view(
        &tracker.progress(&effective(date(2023, 9, 30)))?,
        deliverables,
    );

    // Replay 3: the year end.
    println!("\nreplay as effective on 2023-12-31:");
    let year_end = tracker.progress(&effective(date(2023, 12, 31)))?;
    print_view(&year_end, deliverables);

    println!("\ntrail of {SEATS} (value after each event, in the order recorded):");
    for step in tracker.history(SEATS)? {
        let event = &step.event;
        let what = match &event.payload {
            Payload::IndicatorDefined { .. } => "indicator defined".to_owned(),
            Payload::ProgressReported { delta, district } => {
                format!("+{delta} {}", district.as_deref().unwrap_or("(city)"))
            }
            Payload::Corrected {
                corrects,
                reason,
                replacement,
            } => {
                let replacement = match replacement.as_deref() {
                    Some(Payload::ProgressReported { delta, .. }) => {
                        format!(", replaced by +{delta}")
                    }
                    _ => String::new(),
                };
                let voided = tracker
                    .ledger()
                    .get_by_id(*corrects)?
                    .map_or("an unknown event".to_owned(), |e| format!("seq {}", e.seq));
                format!("voids {voided}{replacement} ({reason})")
            }
            other => other.kind_name().to_owned(),
        };
        println!(
            "  seq {:>3}  v{:<2}  effective {}  -> {:>5}  {what}",
            event.seq,
            event.version,
            event.effective,
            step.value.map_or("-".to_owned(), |v| v.to_string())
        );
    }

    // Verification, and the head a supervisor would publish (in a report, on a website).
    let verified = tracker.ledger().verify()?;
    println!(
        "\nverify: {} ({} events, chain recomputed from the first)",
        if verified.ok() { "ok" } else { "PROBLEM" },
        verified.events
    );
    if let Some(problem) = &verified.problem {
        return Err(format!("the ledger does not verify: {problem}").into());
    }
    let published = tracker.ledger().head()?;
    println!(
        "published head: seq {} hash {}",
        published.seq, published.hash
    );

    // Take the ledger offline: export, import elsewhere, verify against the published head.
    let export_path = dir.path().join("ledger.jsonl");
    let mut out = BufWriter::new(File::create(&export_path)?);
    let exported = tracker.ledger().export_jsonl(&mut out, &mut |_| {})?;
    drop(out);
    println!(
        "exported {} events to a JSON Lines file ({} bytes)",
        exported.seq,
        std::fs::metadata(&export_path)?.len()
    );
    let elsewhere = tempfile::tempdir()?;
    let copy_path = elsewhere.path().join("copy");
    {
        let copy = Ledger::open(&copy_path)?;
        let imported = copy.import_jsonl(&export_path, &mut |_| {})?;
        let check = copy.verify_against(published)?;
        println!(
            "imported into a second ledger: head seq {}; verify against the published head: {}",
            imported.seq,
            if check.ok() { "ok" } else { "PROBLEM" }
        );
        if let Some(problem) = &check.problem {
            return Err(format!("the copy does not verify: {problem}").into());
        }
        copy.close()?;
    }
    let copy = Tracker::open(&copy_path)?;
    let replayed = copy.progress(&effective(date(2023, 12, 31)))?;
    println!(
        "the copy replays 2023-12-31 to plan completion {} (the original: {}): {}",
        percent(replayed.completion),
        percent(year_end.completion),
        if replayed == year_end {
            "identical"
        } else {
            "DIFFERENT"
        }
    );
    if replayed != year_end {
        return Err("the imported copy replays differently".into());
    }
    Ok(())
}

/// 托位 reported by the `n`th district at the end of `month` (simulated).
fn seats_reported(month: i8, n: i64) -> i64 {
    250 + 15 * i64::from(month) + 50 * n
}

fn update(
    indicator: &str,
    day: Date,
    actor: &str,
    payload: Payload,
) -> Result<NewEvent, Box<dyn Error>> {
    Ok(NewEvent::new(
        StreamId::indicator(indicator)?,
        day,
        actor,
        payload,
    ))
}

/// The last day of a month of 2023.
fn last_day(month: i8) -> Result<Date, Box<dyn Error>> {
    Ok(date(2023, month, 1).checked_add(1.month())?.yesterday()?)
}

fn effective(day: Date) -> ProgressQuery {
    ProgressQuery {
        effective: Some(day),
        ..ProgressQuery::default()
    }
}

/// Prints the four indicators of this example and the plan completion. A milestones indicator
/// has no numeric target: `deliverables` is its number of named deliverables.
fn print_view(view: &ProgressView, deliverables: usize) {
    println!(
        "  events folded: {}; plan period elapsed on {}: {}",
        view.seq,
        view.schedule_date,
        percent(view.elapsed)
    );
    for id in [SEATS, SCHOOL, PM25, HOSPITALS] {
        if let Some(i) = view.indicators.iter().find(|i| i.id == id) {
            println!(
                "  {:<34} {:>6} of {:>6}  {:>8}  {:<9}  {}",
                i.id,
                i.value.map_or("-".to_owned(), |v| v.to_string()),
                i.target.map_or(deliverables.to_string(), |v| v.to_string()),
                percent(i.completion.raw),
                i.status.as_str(),
                i.title
            );
        }
    }
    println!("  plan completion {}", percent(view.completion));
}

/// A fraction as a percentage, to two decimals.
fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(2))
}
