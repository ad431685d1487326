//! Spreadsheets on the command line, run as a user would (the built binary on a temporary data
//! directory): `template`, `record --from` (all or nothing, row by row, once), and the report
//! as a workbook, read back with calamine (the workbooks are written with rust_xlsxwriter).

mod common;

use common::{ok, run, stderr, stdout};

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, DataType, Reader, Xlsx};
use progress_ledger_core::{Event, Ledger, Payload};
use rust_decimal::Decimal;
use serde_json::Value;

const SEATS: &str = "t02-1-childcare-seats";
const RATE: &str = "t01-1-maternal-management-rate";
const PM10: &str = "t46-0-pm10";

/// A data directory with the Hefei plan loaded.
fn loaded() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    assert!(ok(&data, &["plan", "load"]).contains("loaded plan hefei-2023"));
    (dir, data)
}

/// Every event of the ledger (opened after the command exited).
fn events(data: &Path) -> Vec<Event> {
    let ledger = Ledger::open_read_only(data.join("ledger")).expect("the ledger opens");
    ledger.read_forward(0, usize::MAX).expect("read")
}

fn text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// A sheet of a workbook as rows of text cells.
fn sheet_text(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a workbook");
    let range = book.worksheet_range(name).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// A workbook of `rows` on the progress sheet (numbers where a cell parses as one).
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(progress_ledger_sheets::SHEET).expect("name");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r as u32, c as u16, n).map(|_| ()),
                _ => sheet.write_string(r as u32, c as u16, cell).map(|_| ()),
            }
            .expect("write");
        }
    }
    book.save_to_buffer().expect("saves")
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn a_filled_template_is_recorded_once_and_a_dry_run_writes_nothing() {
    let (dir, data) = loaded();
    let template = dir.path().join("市卫健委.xlsx");
    let said = ok(
        &data,
        &["template", "--unit", "市卫健委", "--out", &text(&template)],
    );
    assert!(said.contains("wrote"), "{said}");
    let bytes = std::fs::read(&template).expect("the template was written");
    let mut rows = sheet_text(&bytes, progress_ledger_sheets::SHEET);
    let header = rows[0].clone();
    let (id, date, amount, district, note) = (
        column(&header, "指标编号"),
        column(&header, "生效日期"),
        column(&header, "数值或增量"),
        column(&header, "县(市)区"),
        column(&header, "备注"),
    );
    let listed: Vec<&str> = rows[1..].iter().map(|r| r[id].as_str()).collect();
    assert!(
        listed.contains(&SEATS) && listed.contains(&RATE),
        "{listed:?}"
    );
    assert!(
        !listed.contains(&PM10),
        "another unit's indicator is not offered"
    );
    // The same workbook as the server's GET /v1/templates/市卫健委.xlsx: the server's code,
    // called on the same ledger, draws the same cells.
    {
        let tracker = progress_ledger_core::Tracker::open(data.join("ledger")).expect("open");
        let served = progress_ledger_server::workbooks::unit_template(&tracker, "市卫健委")
            .expect("the server's template");
        for name in [
            progress_ledger_sheets::SHEET,
            progress_ledger_sheets::INSTRUCTIONS,
        ] {
            assert_eq!(
                sheet_text(&served, name),
                sheet_text(&bytes, name),
                "{name}"
            );
        }
    }

    let row_of = |rows: &[Vec<String>], wanted: &str| {
        rows.iter().position(|r| r[id] == wanted).expect("listed")
    };
    let (seats, rate) = (row_of(&rows, SEATS), row_of(&rows, RATE));
    for r in [seats, rate] {
        rows[r].resize(header.len(), String::new());
        rows[r][date] = "2023-03-31".into();
        rows[r][note] = "一季度(测试)".into();
    }
    rows[seats][amount] = "120".into();
    rows[seats][district] = "蜀山区".into();
    rows[rate][amount] = "93.5".into();
    let filled = dir.path().join("filled.xlsx");
    std::fs::write(&filled, workbook(&rows)).expect("write");
    let filled = text(&filled);
    let before = events(&data).len();

    // A dry run checks every row and writes nothing.
    let said = ok(
        &data,
        &[
            "record",
            "--from",
            &filled,
            "--actor",
            "市卫健委",
            "--dry-run",
        ],
    );
    assert!(
        said.contains("dry run") && said.contains("2 rows"),
        "{said}"
    );
    assert_eq!(events(&data).len(), before, "a dry run writes nothing");

    let said = ok(&data, &["record", "--from", &filled, "--actor", "市卫健委"]);
    assert!(said.starts_with("recorded 2 updates from"), "{said}");
    let all = events(&data);
    assert_eq!(all.len(), before + 2);
    // Exactly those updates: the sheet's order, each mapped by its indicator's kind.
    let written: Vec<(String, String, Option<Decimal>, Option<String>)> = all[before..]
        .iter()
        .map(|e| {
            assert_eq!(e.actor, "市卫健委");
            assert_eq!(e.effective.to_string(), "2023-03-31");
            assert_eq!(e.note.as_deref(), Some("一季度(测试)"));
            let (amount, district) = match &e.payload {
                Payload::ProgressReported { delta, district } => (Some(*delta), district.clone()),
                Payload::MeasurementTaken { value, district } => (Some(*value), district.clone()),
                other => panic!("unexpected {other:?}"),
            };
            (
                e.stream.as_str().to_owned(),
                e.payload.kind_name().to_owned(),
                amount,
                district,
            )
        })
        .collect();
    let mut expected = vec![
        (
            format!("indicator/{SEATS}"),
            "progress_reported".to_owned(),
            Some(Decimal::from(120)),
            Some("蜀山区".to_owned()),
        ),
        (
            format!("indicator/{RATE}"),
            "measurement_taken".to_owned(),
            Some(Decimal::new(935, 1)),
            None,
        ),
    ];
    if rate < seats {
        expected.reverse();
    }
    assert_eq!(written, expected);

    // The same file again writes nothing (each row's id comes from its content).
    let said = ok(&data, &["record", "--from", &filled, "--actor", "市卫健委"]);
    assert!(said.starts_with("nothing written"), "{said}");
    let answer: Value = serde_json::from_str(&ok(
        &data,
        &["record", "--from", &filled, "--actor", "市卫健委", "--json"],
    ))
    .expect("JSON");
    assert_eq!(
        (
            answer["written"].as_u64(),
            answer["already_recorded"].as_u64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(events(&data).len(), before + 2);

    // The same rows as CSV, with one changed: only that row is new.
    let mut csv = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut row = row.clone();
        if i == seats {
            row[amount] = "121".into();
        }
        let cells: Vec<String> = row.iter().map(|c| format!("\"{c}\"")).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let file = dir.path().join("filled.csv");
    std::fs::write(&file, csv).expect("write");
    let said = ok(
        &data,
        &["record", "--from", &text(&file), "--actor", "市卫健委"],
    );
    assert!(
        said.starts_with("recorded 1 update from") && said.contains("(1 row was recorded before)"),
        "{said}"
    );
    assert_eq!(events(&data).len(), before + 3);
}

#[test]
fn a_bad_sheet_is_refused_row_by_row_and_nothing_is_written() {
    let (dir, data) = loaded();
    let header: Vec<String> = progress_ledger_sheets::COLUMNS
        .iter()
        .map(|(_, c)| c.header.to_owned())
        .collect();
    let (id, date, amount, district) = (
        column(&header, "指标编号"),
        column(&header, "生效日期"),
        column(&header, "数值或增量"),
        column(&header, "县(市)区"),
    );
    let mut bad = vec![header.clone()];
    let mut add = |indicator: &str, day: &str, value: &str, place: &str| {
        let mut row = vec![String::new(); header.len()];
        row[id] = indicator.into();
        row[date] = day.into();
        row[amount] = value.into();
        row[district] = place.into();
        bad.push(row);
    };
    add(SEATS, "2023-04-30", "10", "蜀山区"); // row 2: fine
    add("t99-no-such", "2023-04-30", "10", ""); // row 3
    add(SEATS, "2024-04-30", "10", "蜀山区"); // row 4: outside the plan's period
    add(SEATS, "2023-04-30", "10", "火星区"); // row 5: no such district
    add(SEATS, "2023-04-30", "-10", "蜀山区"); // row 6: a negative delta
    let file = dir.path().join("bad.xlsx");
    std::fs::write(&file, workbook(&bad)).expect("write");
    let before = events(&data).len();

    for dry_run in [false, true] {
        let mut args = vec![
            "record",
            "--from",
            file.to_str().expect("path"),
            "--actor",
            "市卫健委",
        ];
        if dry_run {
            args.push("--dry-run");
        }
        let output = run(&data, &args);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let report = stdout(&output);
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 4, "{report}");
        for (line, (row, code)) in lines.iter().zip([
            (3, "unknown_indicator"),
            (4, "outside_period"),
            (5, "unknown_district"),
            (6, "out_of_range"),
        ]) {
            assert!(
                line.starts_with(&format!("row {row}:")) && line.ends_with(&format!("({code})")),
                "{line}"
            );
        }
        assert!(
            stderr(&output).contains("4 row(s) of") && stderr(&output).contains("nothing written"),
            "{}",
            stderr(&output)
        );
        assert_eq!(
            events(&data).len(),
            before,
            "a refused sheet writes nothing"
        );
    }

    // The sheet's own form first: a text for a number, named by its row and column, as JSON.
    add_text_row(&mut bad, id, date, amount);
    std::fs::write(&file, workbook(&bad)).expect("write");
    let output = run(
        &data,
        &[
            "record",
            "--from",
            &text(&file),
            "--actor",
            "市卫健委",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answer["error"]["code"], "batch_refused");
    let refused = answer["refused"].as_array().expect("rows");
    assert_eq!(refused.len(), 1, "{answer}");
    assert_eq!(
        (
            &refused[0]["row"],
            &refused[0]["column"],
            &refused[0]["code"]
        ),
        (
            &Value::from(7),
            &Value::from("数值或增量"),
            &Value::from("not_a_number")
        )
    );

    // A column missing; not a workbook; an empty sheet.
    let mut missing = bad.clone();
    missing[0][date] = "日期".into();
    std::fs::write(&file, workbook(&missing)).expect("write");
    let output = run(
        &data,
        &["record", "--from", &text(&file), "--actor", "市卫健委"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("(missing_column)"),
        "{}",
        stdout(&output)
    );
    std::fs::write(&file, b"PK\x03\x04 not really").expect("write");
    let output = run(
        &data,
        &["record", "--from", &text(&file), "--actor", "市卫健委"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not_a_workbook"),
        "{}",
        stderr(&output)
    );
    std::fs::write(&file, workbook(&bad[..1])).expect("write");
    let output = run(
        &data,
        &["record", "--from", &text(&file), "--actor", "市卫健委"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("empty_sheet"),
        "{}",
        stderr(&output)
    );
    assert_eq!(events(&data).len(), before);

    // --from takes no flag of a single update.
    let output = run(
        &data,
        &[
            "record",
            "--from",
            &text(&file),
            "--actor",
            "市卫健委",
            "--delta",
            "3",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// Adds row 7: a text where the amount's number belongs.
fn add_text_row(rows: &mut Vec<Vec<String>>, id: usize, date: usize, amount: usize) {
    let mut row = vec![String::new(); rows[0].len()];
    row[id] = SEATS.into();
    row[date] = "2023-04-30".into();
    row[amount] = "十".into();
    rows.push(row);
}

#[test]
fn the_report_as_a_workbook_with_its_restatements() {
    let (dir, data) = loaded();
    let record = |delta: &str| {
        ok(
            &data,
            &[
                "record",
                "--indicator",
                SEATS,
                "--type",
                "progress",
                "--effective",
                "2023-06-30",
                "--delta",
                delta,
                "--district",
                "蜀山区",
                "--actor",
                "市卫健委",
            ],
        );
    };
    record("1200");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let earlier = jiff::Timestamp::now().to_string();
    std::thread::sleep(std::time::Duration::from_millis(20));
    record("300"); // a late report about 30 June

    let json: Value = serde_json::from_str(&ok(
        &data,
        &["report", "--as-of", "2023-06-30", "--format", "json"],
    ))
    .expect("JSON");
    let file = dir.path().join("report.xlsx");
    ok(
        &data,
        &[
            "report",
            "--as-of",
            "2023-06-30",
            "--format",
            "xlsx",
            "--out",
            &text(&file),
        ],
    );
    let bytes = std::fs::read(&file).expect("written");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    assert_eq!(book.sheet_names(), progress_ledger_sheets::REPORT_SHEETS);
    let plan = book.worksheet_range("计划").expect("plan sheet");
    let completion = plan
        .rows()
        .find(|r| r[0] == Data::String("总体完成率".into()))
        .and_then(|r| r[1].as_f64())
        .expect("the plan's completion");
    let want = json["completion"].as_f64().expect("completion");
    assert!((completion - want).abs() < 1e-9, "{completion} != {want}");

    // Compared with the report of 30 June as computed before the late report.
    let since = [
        "report",
        "--as-of",
        "2023-06-30",
        "--since",
        "2023-06-30",
        "--since-as-of",
        &earlier,
    ];
    let json: Value =
        serde_json::from_str(&ok(&data, &[&since[..], &["--format", "json"]].concat()))
            .expect("JSON");
    let changes = json["restated"]["restatements"]["changes"]
        .as_array()
        .expect("changes")
        .clone();
    assert!(!changes.is_empty(), "{json}");
    ok(
        &data,
        &[&since[..], &["--format", "xlsx", "--out", &text(&file)]].concat(),
    );
    let bytes = std::fs::read(&file).expect("written");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let mut names = progress_ledger_sheets::REPORT_SHEETS
        .map(str::to_owned)
        .to_vec();
    names.push(progress_ledger_sheets::RESTATEMENTS_SHEET.to_owned());
    assert_eq!(book.sheet_names(), names);
    let restated = book
        .worksheet_range(progress_ledger_sheets::RESTATEMENTS_SHEET)
        .expect("the restatements sheet");
    assert_eq!(restated.height() - 1, changes.len(), "one row per change");
    let seats = restated
        .rows()
        .find(|r| r[0] == Data::String(format!("指标 {SEATS}")))
        .expect("the indicator's row");
    let change = changes
        .iter()
        .find(|c| c["subject"]["id"] == SEATS)
        .expect("the indicator's change");
    assert_eq!(seats[2].as_f64(), change["before"]["value"].as_f64());
    assert_eq!(seats[3].as_f64(), change["after"]["value"].as_f64());
    assert_eq!(
        (seats[2].as_f64(), seats[3].as_f64()),
        (Some(1200.0), Some(1500.0))
    );
    let causes = seats[10].to_string();
    assert!(causes.contains("补报 (late_report)"), "{causes}");

    // A workbook is not written to a terminal, and a file can take any format.
    let markdown = dir.path().join("report.md");
    ok(
        &data,
        &["report", "--as-of", "2023-06-30", "--out", &text(&markdown)],
    );
    assert!(
        std::fs::read_to_string(&markdown)
            .expect("written")
            .starts_with('#')
    );
}

#[test]
fn templates_are_for_units_of_the_plan_only() {
    let (dir, data) = loaded();
    let output = run(
        &data,
        &[
            "template",
            "--unit",
            "不存在的单位",
            "--out",
            &text(&dir.path().join("x.xlsx")),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown_unit"),
        "{}",
        stderr(&output)
    );
    // By default the file is named after the unit, in the current directory.
    let output = Command::new(env!("CARGO_BIN_EXE_progress-ledger"))
        .current_dir(dir.path())
        .args(["--data", &text(&data), "template", "--unit", "蜀山区"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = sheet_text(
        &std::fs::read(dir.path().join("蜀山区.xlsx")).expect("written"),
        progress_ledger_sheets::SHEET,
    );
    assert!(
        rows.len() > 5,
        "蜀山区 writes district figures of several items"
    );
}
