//! The 督查通报 as a workbook, read back with calamine (not the library that wrote it): its
//! figures equal the report's and the view's.

mod common;

use calamine::Data;
use common::{hefei, read_back, text};
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::{NewEvent, Payload, ProgressQuery, StreamId};
use progress_ledger_sheets::{REPORT_SHEETS, report_workbook};
use rust_decimal::Decimal;

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(n) => *n as f64,
        other => panic!("{other:?} is not a number"),
    }
}

fn close(a: f64, b: Decimal) -> bool {
    (a - f64::try_from(b).expect("f64")).abs() < 1e-9
}

#[test]
fn the_report_workbook_holds_the_reports_figures() {
    let (_dir, tracker, plan, _) = hefei();
    // Some progress on the cumulative indicators (simulated figures, for the test only).
    let day = jiff::civil::date(2023, 9, 30);
    let mut amount = 1;
    for (_, _, spec) in plan
        .indicators()
        .filter(|(_, _, s)| s.kind == IndicatorKind::Cumulative)
    {
        let target = spec.target.unwrap_or(Decimal::ONE);
        let delta = (target * Decimal::new(amount, 1))
            .round_dp(0)
            .max(Decimal::ONE);
        amount = amount % 9 + 2;
        let event = NewEvent::new(
            StreamId::indicator(&spec.id).expect("stream"),
            day,
            "测试(模拟数据)",
            Payload::ProgressReported {
                delta,
                district: None,
            },
        );
        tracker.record(event).expect("recorded");
    }
    let report = tracker.report(None, day, None).expect("report");
    let view = tracker
        .progress(&ProgressQuery {
            effective: Some(day),
            ..ProgressQuery::default()
        })
        .expect("progress");
    let bytes = report_workbook(&report, &view).expect("workbook");
    let sheets = read_back(&bytes);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, REPORT_SHEETS);

    // Plan: the completion and the counts.
    let plan_rows = &sheets[0].1;
    let value = |label: &str| {
        plan_rows
            .iter()
            .find(|r| text(&r[0]) == label)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert!(close(number(&value("总体完成率")), report.completion));
    assert_eq!(
        text(&value("依据账本位置(事件序号)")),
        report.seq.to_string()
    );
    assert_eq!(number(&value("事项:滞后")) as usize, report.counts.behind);
    assert_eq!(number(&value("事项:已完成")) as usize, report.counts.met);

    // Units: every item of every unit's section, in order, with its completion and status.
    let unit_rows = &sheets[2].1[1..];
    let items: Vec<_> = report
        .units
        .iter()
        .flat_map(|u| u.items.iter().map(move |i| (u, i)))
        .collect();
    assert_eq!(unit_rows.len(), items.len());
    for (row, (unit, item)) in unit_rows.iter().zip(&items) {
        assert_eq!(text(&row[0]), unit.unit);
        assert_eq!(number(&row[1]) as u32, item.task);
        assert!(close(number(&row[4]), item.completion), "{}", item.title);
        assert_eq!(text(&row[5]), item.status.label_zh());
    }

    // Indicators: values, targets and completions as numbers.
    let indicator_rows = &sheets[4].1[1..];
    assert_eq!(indicator_rows.len(), view.indicators.len());
    let mut with_value = 0;
    for (row, ind) in indicator_rows.iter().zip(&view.indicators) {
        assert_eq!(text(&row[0]), ind.id);
        if let Some(v) = ind.value {
            assert!(close(number(&row[6]), v), "{}", ind.id);
            with_value += 1;
        }
        assert!(close(number(&row[7]), ind.completion.capped), "{}", ind.id);
    }
    assert!(with_value > 10, "the recorded progress shows");

    // Tasks.
    for (row, task) in sheets[1].1[1..].iter().zip(&view.tasks) {
        assert_eq!(number(&row[0]) as u32, task.number);
        assert!(close(number(&row[2]), task.completion));
    }
}
