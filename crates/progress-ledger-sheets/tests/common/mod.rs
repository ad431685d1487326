//! What the sheet tests share: the Hefei plan in a ledger, and workbooks written cell by cell.

#![allow(dead_code)]

use calamine::{Data, Reader, Xlsx};
use progress_ledger_core::plan::{Plan, hefei_2023};
use progress_ledger_core::projection::ProgressView;
use progress_ledger_core::{ProgressQuery, Tracker};
use rust_xlsxwriter::Workbook;

/// A ledger with the Hefei plan loaded, and its progress now.
pub fn hefei() -> (tempfile::TempDir, Tracker, Plan, ProgressView) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = Tracker::open(dir.path().join("ledger")).expect("opens");
    let plan = hefei_2023().expect("the embedded plan parses");
    tracker.load_plan(&plan, "test loader").expect("plan loads");
    let view = tracker
        .progress(&ProgressQuery::default())
        .expect("progress");
    (dir, tracker, plan, view)
}

/// The ids of the indicators of items `unit` leads or cooperates on.
pub fn writable_by<'p>(plan: &'p Plan, unit: &str) -> Vec<&'p str> {
    plan.indicators()
        .filter(|(_, item, _)| {
            item.lead_units.iter().any(|u| u == unit)
                || item.cooperating_units.iter().any(|u| u == unit)
        })
        .map(|(_, _, spec)| spec.id.as_str())
        .collect()
}

/// A cell to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Put {
    Text(String),
    Number(f64),
    Formula(String),
}

/// A workbook with one sheet named `name`, holding `rows` from A1.
pub fn workbook(name: &str, rows: &[Vec<Option<Put>>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name).expect("name");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                None => {}
                Some(Put::Text(t)) => {
                    sheet.write_string(r, c, t).expect("write");
                }
                Some(Put::Number(n)) => {
                    sheet.write_number(r, c, *n).expect("write");
                }
                Some(Put::Formula(f)) => {
                    sheet.write_formula(r, c, f.as_str()).expect("write");
                }
            }
        }
    }
    book.save_to_buffer().expect("saves")
}

/// Every sheet of a workbook as text, read with calamine.
pub fn read_back(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

/// A cell as text (numbers in their shortest form).
pub fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(n) => n.to_string(),
        other => other.to_string(),
    }
}
