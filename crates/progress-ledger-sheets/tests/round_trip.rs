//! A unit's template, filled programmatically, read back into exactly the updates filled in;
//! the same content as CSV gives the same updates and ids.

mod common;

use std::str::FromStr;

use common::{Put, hefei, read_back, text, workbook, writable_by};
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_sheets::{
    COLUMNS, Field, FileKind, INSTRUCTIONS, SHEET, read_sheet, unit_template,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn col(field: Field) -> usize {
    COLUMNS
        .iter()
        .position(|(f, _)| *f == field)
        .expect("a column")
}

/// The template's cells as `Put`s, so that a test can fill some and write it again.
fn template_cells(bytes: &[u8]) -> Vec<Vec<Option<Put>>> {
    let sheets = read_back(bytes);
    let (_, rows) = sheets
        .iter()
        .find(|(n, _)| n == SHEET)
        .expect("the progress sheet");
    rows.iter()
        .map(|row| {
            let mut cells: Vec<Option<Put>> = row
                .iter()
                .map(|c| match c {
                    calamine::Data::Empty => None,
                    calamine::Data::Float(f) => Some(Put::Number(*f)),
                    calamine::Data::Int(n) => Some(Put::Number(*n as f64)),
                    other => Some(Put::Text(text(other))),
                })
                .collect();
            cells.resize(COLUMNS.len(), None);
            cells
        })
        .collect()
}

#[test]
fn a_units_template_lists_what_it_may_write_and_its_filled_rows_come_back() {
    let (_dir, _tracker, plan, view) = hefei();
    let unit = "市卫健委";
    let writable = writable_by(&plan, unit);
    assert!(writable.len() > 5, "市卫健委 writes several indicators");
    let bytes = unit_template(&plan, &view, unit, &writable).expect("template");

    // Read with another library than the writer: the header, one row per writable indicator,
    // and the instructions.
    let sheets = read_back(&bytes);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, [SHEET, INSTRUCTIONS]);
    let mut cells = template_cells(&bytes);
    let headers: Vec<String> = sheets[0].1[0].iter().map(text).collect();
    let want: Vec<&str> = COLUMNS.iter().map(|(_, c)| c.header).collect();
    assert_eq!(headers, want);
    let ids: Vec<String> = sheets[0].1[1..].iter().map(|r| text(&r[0])).collect();
    assert_eq!(ids, writable);
    assert!(text(&sheets[1].1[0][0]).contains(unit));

    // Nothing filled in: nothing to record.
    assert!(matches!(
        read_sheet(&bytes, FileKind::Xlsx),
        Err(progress_ledger_sheets::SheetError::Empty(_))
    ));

    // Fill one row of each kind the unit has.
    let mut filled = Vec::new();
    for (r, row) in cells.iter_mut().enumerate().skip(1) {
        let Some(Put::Text(id)) = row[0].clone() else {
            continue;
        };
        let spec = plan
            .indicators()
            .find(|(_, _, s)| s.id == id)
            .expect("in the plan")
            .2;
        if filled.iter().any(|(_, k, _)| *k == spec.kind) {
            continue;
        }
        row[col(Field::Effective)] = Some(Put::Text("2024-03-31".into()));
        match spec.kind {
            IndicatorKind::Cumulative | IndicatorKind::Coverage => {
                row[col(Field::Amount)] = Some(Put::Number(12.5));
                row[col(Field::District)] = Some(Put::Text("蜀山区".into()));
            }
            IndicatorKind::Level => row[col(Field::Amount)] = Some(Put::Number(93.0)),
            IndicatorKind::Milestones => {
                row[col(Field::Deliverable)] = Some(Put::Text(spec.deliverables[0].clone()))
            }
            IndicatorKind::Status => row[col(Field::Status)] = Some(Put::Text("进行中".into())),
        }
        row[col(Field::Note)] = Some(Put::Text("一季度".into()));
        filled.push((r as u32 + 1, spec.kind, id));
    }
    assert!(filled.len() >= 2, "at least two kinds filled: {filled:?}");
    let sheet = workbook(SHEET, &cells);
    let updates = read_sheet(&sheet, FileKind::Xlsx).expect("the filled sheet reads");
    let got: Vec<(u32, String)> = updates
        .iter()
        .map(|u| (u.row, u.indicator.clone()))
        .collect();
    let want: Vec<(u32, String)> = filled.iter().map(|(r, _, id)| (*r, id.clone())).collect();
    assert_eq!(got, want);
    for (update, (_, kind, _)) in updates.iter().zip(&filled) {
        assert_eq!(update.effective.to_string(), "2024-03-31");
        assert_eq!(update.note.as_deref(), Some("一季度"));
        match kind {
            IndicatorKind::Cumulative | IndicatorKind::Coverage => {
                assert_eq!(
                    update.amount,
                    Some(Decimal::from_str("12.5").expect("decimal"))
                );
                assert_eq!(update.district.as_deref(), Some("蜀山区"));
            }
            IndicatorKind::Level => assert_eq!(update.amount, Some(Decimal::from(93))),
            IndicatorKind::Milestones => assert!(update.deliverable.is_some()),
            IndicatorKind::Status => assert_eq!(update.status, Some("in_progress")),
        }
    }

    // The same sheet read again gives the same ids; so does the same content as CSV.
    let again = read_sheet(&sheet, FileKind::Xlsx).expect("reads again");
    assert_eq!(again, updates);
    let csv = to_csv(&cells);
    let from_csv = read_sheet(csv.as_bytes(), FileKind::sniff(csv.as_bytes())).expect("CSV reads");
    assert_eq!(from_csv, updates);
}

fn to_csv(cells: &[Vec<Option<Put>>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in cells {
        let fields: Vec<String> = row
            .iter()
            .map(|c| match c {
                None => String::new(),
                Some(Put::Text(t)) => t.clone(),
                Some(Put::Number(n)) => n.to_string(),
                Some(Put::Formula(f)) => format!("={f}"),
            })
            .collect();
        writer.write_record(&fields).expect("csv");
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
}

fn header_row() -> Vec<Option<Put>> {
    COLUMNS
        .iter()
        .map(|(_, c)| Some(Put::Text(c.header.to_owned())))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any rows of valid figures come back as written, with ids that depend on the content
    /// only: the rows in another order give the same ids.
    #[test]
    fn rows_come_back_as_written_and_ids_follow_the_content(
        rows in prop::collection::vec(
            (0u32..1000, 1u32..365, -1_000_000i64..1_000_000, 0u32..3, prop::option::of("[一-龥]{1,8}")),
            1..30,
        )
    ) {
        let start = jiff::civil::date(2023, 1, 1);
        let mut cells = vec![header_row()];
        for (n, day, cents, scale, note) in &rows {
            let mut row = vec![None; COLUMNS.len()];
            row[col(Field::Indicator)] = Some(Put::Text(format!("t{n:02}-indicator")));
            let date = start.checked_add(jiff::Span::new().days(i64::from(*day))).expect("date");
            row[col(Field::Effective)] = Some(Put::Text(date.to_string()));
            let amount = Decimal::new(*cents, *scale);
            row[col(Field::Amount)] = Some(Put::Text(amount.to_string()));
            row[col(Field::Note)] = note.clone().map(Put::Text);
            cells.push(row);
        }
        let updates = read_sheet(&workbook(SHEET, &cells), FileKind::Xlsx).expect("reads");
        prop_assert_eq!(updates.len(), rows.len());
        for (update, (n, _, cents, scale, note)) in updates.iter().zip(&rows) {
            prop_assert_eq!(&update.indicator, &format!("t{n:02}-indicator"));
            prop_assert_eq!(update.amount, Some(Decimal::new(*cents, *scale)));
            prop_assert_eq!(&update.note, note);
        }
        let mut reversed = vec![header_row()];
        reversed.extend(cells[1..].iter().rev().cloned());
        let again = read_sheet(&workbook(SHEET, &reversed), FileKind::Xlsx).expect("reads");
        let mut ids: Vec<_> = updates.iter().map(|u| u.id).collect();
        let mut ids_again: Vec<_> = again.iter().map(|u| u.id).collect();
        ids.sort();
        ids_again.sort();
        prop_assert_eq!(ids, ids_again);
    }
}
