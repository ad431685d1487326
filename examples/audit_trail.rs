//! Where a figure comes from, and what changed between two month-end reports: `cargo run --example audit_trail`.
//!
//! The Hefei 2023 plan, with simulated updates (for illustration, not real figures): 新增托位
//! reported for September, the September report computed; then a district's September figure
//! arrives late and a double-counted report is corrected. The example explains the figure of
//! 新增托位 as effective on 30 September (every event counted, the arithmetic, the rollups, the
//! head), then prints the restatements of the September figures between the September report
//! and the October one. Everything happens in a temporary directory.

use std::error::Error;

use jiff::civil::date;
use progress_ledger::plan::hefei_2023;
use progress_ledger::projection::{Scope, Step};
use progress_ledger::{NewEvent, Payload, ProgressQuery, RestatementQuery, StreamId, Tracker};
use rust_decimal::Decimal;

const SEATS: &str = "t02-1-childcare-seats";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;
    println!("simulated updates (for illustration, not real figures)");

    let seats = |amount: u32, district: &str, day| -> Result<_, Box<dyn Error>> {
        let payload = Payload::ProgressReported {
            delta: Decimal::from(amount),
            district: Some(district.to_owned()),
        };
        Ok(tracker
            .record(NewEvent::new(
                StreamId::indicator(SEATS)?,
                day,
                "市卫健委",
                payload,
            ))?
            .event)
    };
    let september = date(2023, 9, 30);
    seats(1200, "蜀山区", september)?;
    let doubled = seats(800, "包河区", september)?;
    seats(800, "包河区", date(2023, 9, 29))?;
    // The September report is computed now.
    let september_report = tracker.ledger().head()?;
    let t1 = tracker
        .ledger()
        .get(september_report.seq)?
        .map(|e| e.recorded_at)
        .ok_or("no event")?;
    println!(
        "September report computed at head seq {}",
        september_report.seq
    );

    // In October: 肥西县's September figure arrives late; the doubled 包河区 report is voided.
    seats(500, "肥西县", date(2023, 9, 28))?;
    let correction = Payload::Corrected {
        corrects: doubled.id,
        reason: "包河区九月数据重复填报".into(),
        replacement: None,
    };
    tracker.record(NewEvent::new(
        StreamId::indicator(SEATS)?,
        date(2023, 10, 12),
        "市卫健委",
        correction,
    ))?;
    seats(900, "蜀山区", date(2023, 10, 31))?;

    let query = ProgressQuery {
        effective: Some(september),
        ..ProgressQuery::default()
    };
    let explained = tracker
        .explain(&query, &Scope::Indicator(SEATS.into()))?
        .ok_or("the indicator is in the plan")?;
    let indicator = explained.indicators.first().ok_or("explained")?;
    println!(
        "\n{} {} as effective on {september}, from head seq {}:",
        indicator.id, indicator.title, explained.head.seq
    );
    println!(
        "  target {} (set by seq {})",
        indicator.target.value.unwrap_or_default(),
        indicator.target.set_by.as_ref().map_or(0, |e| e.seq)
    );
    for counted in &indicator.counted {
        println!(
            "  counted seq {}  effective {}  {} +{}",
            counted.event.seq,
            counted.event.effective,
            counted.contribution.district.as_deref().unwrap_or("-"),
            counted.contribution.amount.unwrap_or_default()
        );
    }
    for voided in &indicator.voided {
        println!(
            "  voided  seq {} by seq {}: {}",
            voided.event.seq, voided.voided_by.seq, voided.reason
        );
    }
    println!(
        "  {} update(s) about a later date not counted",
        indicator.effective_later
    );
    for step in &indicator.steps {
        match step {
            Step::Sum { terms, value } => println!("  sum of {terms} updates = {value}"),
            Step::Ratio {
                numerator,
                denominator,
                result,
            } => println!(
                "  {numerator} / {denominator} = {}",
                result.unwrap_or_default()
            ),
            Step::Schedule {
                capped,
                elapsed,
                status,
                ..
            } => println!("  completion {capped} against elapsed {elapsed}: {status:?}"),
            _ => {}
        }
    }
    for rollup in &explained.rollups {
        if let Some(Step::Mean { terms, value, .. }) = rollup.steps.first() {
            println!(
                "  {} = mean of {} term(s) = {value}",
                rollup.subject,
                terms.len()
            );
        }
    }

    // The October report: what changed in the September figures since the September report.
    let restated = tracker.restatements(&RestatementQuery {
        plan: None,
        from: t1,
        to: None,
        effective: september,
    })?;
    println!(
        "\nrestatements of the figures for {september}: head seq {} → {}",
        restated.from.seq, restated.to.seq
    );
    for change in restated.indicators() {
        let value = |f: &Option<progress_ledger::projection::Figure>| {
            f.as_ref().and_then(|f| f.value).unwrap_or_default()
        };
        println!(
            "  {}: {} → {}",
            change.subject,
            value(&change.before),
            value(&change.after)
        );
        for cause in &change.causes {
            println!("    {:?} seq {}", cause.kind, cause.event.seq);
        }
    }
    println!(
        "  {} rollup figure(s) restated with it",
        restated.changes.len() - restated.indicators().count()
    );
    Ok(())
}
