//! Filled progress sheets back into updates: a workbook (`.xlsx`) or CSV with the template's
//! header row, each filled row one update, every problem named by the sheet's own row number.
//!
//! Reading checks the sheet's form only: columns present, numbers where numbers belong, dates,
//! statuses, no formulas or merged cells, bounded size. Whether an update fits the plan and
//! whether the caller may write it is decided where updates are recorded, for the whole sheet at
//! once (see the server's batch append).

use std::collections::HashMap;
use std::io::Cursor;
use std::str::FromStr;

use calamine::{Data, Reader, Xlsx};
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::columns::{COLUMNS, Field, STATUSES, header, letter};
use crate::template::SHEET;
use crate::{Problem, Refused, SheetError};

/// The largest file read, in bytes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The largest uncompressed content of a workbook, in bytes (a zip bomb is refused unread).
pub const MAX_UNPACKED_BYTES: u128 = 128 * 1024 * 1024;
/// The most rows a sheet may have, header included.
pub const MAX_ROWS: usize = 50_001;

/// Namespace of the event ids derived from a row's content.
const ROW_NAMESPACE: Uuid = Uuid::from_u128(0x6c1d_2f0e_4b7a_4f52_9a35_0e7d_c3a1_b2f4);

/// One filled row of a progress sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetUpdate {
    /// The row's number in the sheet (the header is row 1).
    pub row: u32,
    /// The event id: the row's own, or one derived from its content, so that uploading the
    /// same sheet again records nothing twice.
    pub id: Uuid,
    /// Indicator id.
    pub indicator: String,
    /// Effective date.
    pub effective: Date,
    /// Amount added or value measured.
    pub amount: Option<Decimal>,
    /// District, if the figure is one district's.
    pub district: Option<String>,
    /// Deliverable completed.
    pub deliverable: Option<String>,
    /// Status reached, as the API names it (not_started, in_progress, done).
    pub status: Option<&'static str>,
    /// Note.
    pub note: Option<String>,
}

/// The form of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An Office Open XML workbook.
    Xlsx,
    /// Comma-separated values, UTF-8, with the template's header row.
    Csv,
}

impl FileKind {
    /// The kind of `bytes`: a workbook if they start as a zip archive does, CSV otherwise.
    pub fn sniff(bytes: &[u8]) -> FileKind {
        if bytes.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        }
    }
}

/// Reads the filled rows of a sheet. Rows whose filled columns are all empty (the template's
/// rows nobody filled) are skipped; a sheet with no filled row is refused.
pub fn read_sheet(bytes: &[u8], kind: FileKind) -> Result<Vec<SheetUpdate>, SheetError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge(format!(
            "{} bytes; at most {MAX_FILE_BYTES} are read",
            bytes.len()
        )));
    }
    let grid = match kind {
        FileKind::Xlsx => xlsx_grid(bytes)?,
        FileKind::Csv => csv_grid(bytes)?,
    };
    rows_of(grid)
}

/// A sheet's cells, row by row, the header first.
type Grid = Vec<Vec<Cell>>;

/// A cell as read, before its column gives it a meaning.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(f64),
}

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, SheetError> {
    let not_a_workbook = |e: &dyn std::fmt::Display| SheetError::NotAWorkbook(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_a_workbook(&e))?;
    // The sizes the central directory declares (the reader stops at them when it unpacks).
    let mut unpacked = 0u128;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| not_a_workbook(&e))?;
        unpacked += u128::from(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(SheetError::TooLarge(format!(
            "the workbook unpacks to {unpacked} bytes; at most {MAX_UNPACKED_BYTES} are read"
        )));
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| not_a_workbook(&e))?;
    let names = book.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == SHEET)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| SheetError::Empty("the workbook has no sheet".into()))?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| not_a_workbook(&e))?;
    if range.height() > MAX_ROWS {
        return Err(SheetError::TooLarge(format!(
            "{} rows; at most {MAX_ROWS} are read",
            range.height()
        )));
    }
    let mut problems = Vec::new();
    let formulas = book
        .worksheet_formula(&name)
        .map_err(|e| not_a_workbook(&e))?;
    for (row, col, formula) in formulas.used_cells() {
        if !formula.is_empty() {
            let (r, c) = absolute(formulas.start(), row, col);
            problems.push(problem(
                r,
                Some(c),
                "formula",
                format!("a formula (={formula}); write the value itself"),
            ));
        }
    }
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| not_a_workbook(&e))?;
    for region in merged {
        let (r, c) = (region.start.0 + 1, region.start.1 as usize);
        problems.push(problem(
            r,
            Some(c),
            "merged_cells",
            format!(
                "cells {}{}:{}{} are merged; each row must stand alone",
                letter(c),
                r,
                letter(region.end.1 as usize),
                region.end.0 + 1
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(SheetError::Refused(Refused { problems }));
    }
    // Rows and columns before the range's start are empty: pad so that positions are the
    // sheet's own.
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Grid = vec![Vec::new(); top as usize];
    for row in range.rows() {
        let mut cells = vec![Cell::Empty; left as usize];
        cells.extend(row.iter().map(cell_of));
        grid.push(cells);
    }
    Ok(grid)
}

/// A cell's 1-based row and 0-based column in the sheet, from its place in a range.
fn absolute(start: Option<(u32, u32)>, row: usize, col: usize) -> (u32, usize) {
    let (top, left) = start.unwrap_or((0, 0));
    (top + row as u32 + 1, left as usize + col)
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Cell::Text(s.trim().to_owned())
        }
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(d) => Cell::Date(d.as_f64()),
        Data::Error(e) => Cell::Text(format!("#{e}")),
    }
}

fn csv_grid(bytes: &[u8]) -> Result<Grid, SheetError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| SheetError::NotAWorkbook(format!("neither a workbook nor UTF-8 CSV: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Grid::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::NotAWorkbook(format!("not CSV: {e}")))?;
        if grid.len() >= MAX_ROWS {
            return Err(SheetError::TooLarge(format!("more than {MAX_ROWS} rows")));
        }
        grid.push(
            record
                .iter()
                .map(|field| match field.trim() {
                    "" => Cell::Empty,
                    text => Cell::Text(text.to_owned()),
                })
                .collect(),
        );
    }
    Ok(grid)
}

fn problem(row: u32, column: Option<usize>, code: &'static str, message: String) -> Problem {
    Problem {
        row,
        column: column.map(|c| {
            COLUMNS
                .get(c)
                .map(|(_, col)| col.header.to_owned())
                .unwrap_or_else(|| letter(c))
        }),
        code,
        message,
    }
}

/// Where each field is in this sheet, from its header row.
fn header_positions(grid: &Grid) -> Result<HashMap<&'static str, usize>, SheetError> {
    let first = grid
        .iter()
        .position(|row| row.iter().any(|c| *c != Cell::Empty))
        .ok_or_else(|| SheetError::Empty("the sheet is empty".into()))?;
    if first != 0 {
        return Err(SheetError::Refused(Refused {
            problems: vec![problem(
                1,
                None,
                "missing_header",
                "row 1 must be the header row".into(),
            )],
        }));
    }
    let mut positions = HashMap::new();
    for (i, cell) in grid[0].iter().enumerate() {
        if let Cell::Text(text) = cell
            && let Some((_, column)) = COLUMNS.iter().find(|(_, c)| c.header == text)
            && positions.insert(column.header, i).is_some()
        {
            return Err(SheetError::Refused(Refused {
                problems: vec![problem(
                    1,
                    Some(i),
                    "duplicate_column",
                    format!("the column {text} appears twice"),
                )],
            }));
        }
    }
    let missing: Vec<Problem> = COLUMNS
        .iter()
        .filter(|(field, c)| *field != Field::EventId && !positions.contains_key(c.header))
        .map(|(_, c)| {
            problem(
                1,
                None,
                "missing_column",
                format!("the column {} is missing from the header row", c.header),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(SheetError::Refused(Refused { problems: missing }));
    }
    Ok(positions)
}

fn rows_of(grid: Grid) -> Result<Vec<SheetUpdate>, SheetError> {
    let positions = header_positions(&grid)?;
    let at = |row: &[Cell], field: Field| -> (usize, Cell) {
        let col = positions.get(header(field)).copied().unwrap_or(usize::MAX);
        (col, row.get(col).cloned().unwrap_or(Cell::Empty))
    };
    let filled = [
        Field::Effective,
        Field::Amount,
        Field::District,
        Field::Deliverable,
        Field::Status,
        Field::Note,
    ];
    let mut updates = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in grid.iter().enumerate().skip(1) {
        let number = i as u32 + 1;
        if filled.iter().all(|f| at(row, *f).1 == Cell::Empty) {
            continue;
        }
        match read_row(number, row, &at) {
            Ok(update) => updates.push(update),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if !problems.is_empty() {
        return Err(SheetError::Refused(Refused { problems }));
    }
    if updates.is_empty() {
        return Err(SheetError::Empty("no row is filled in".into()));
    }
    Ok(updates)
}

fn read_row(
    number: u32,
    row: &[Cell],
    at: &impl Fn(&[Cell], Field) -> (usize, Cell),
) -> Result<SheetUpdate, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut text = |field: Field| -> Option<String> {
        match at(row, field) {
            (_, Cell::Empty) => None,
            (_, Cell::Text(t)) => Some(t),
            (_, Cell::Number(n)) => Some(n.to_string()),
            (col, Cell::Date(_)) => {
                problems.push(problem(
                    number,
                    Some(col),
                    "not_text",
                    format!("{} must be text, not a date", header(field)),
                ));
                None
            }
        }
    };
    let indicator = text(Field::Indicator);
    let district = text(Field::District);
    let deliverable = text(Field::Deliverable);
    let status_text = text(Field::Status);
    let note = text(Field::Note);
    let id_text = text(Field::EventId);
    let indicator = indicator.unwrap_or_else(|| {
        problems.push(problem(
            number,
            None,
            "missing_indicator",
            format!("{} is empty", header(Field::Indicator)),
        ));
        String::new()
    });
    let (col, cell) = at(row, Field::Effective);
    let effective = match date_of(&cell) {
        Ok(date) => Some(date),
        Err(why) => {
            problems.push(problem(number, Some(col), "bad_date", why));
            None
        }
    };
    let (col, cell) = at(row, Field::Amount);
    let amount = match number_of(&cell) {
        Ok(amount) => amount,
        Err(why) => {
            problems.push(problem(number, Some(col), "not_a_number", why));
            None
        }
    };
    let status = match status_text.as_deref() {
        None => None,
        Some(s) => match STATUSES.iter().find(|(zh, en)| *zh == s || *en == s) {
            Some((_, en)) => Some(*en),
            None => {
                let col = at(row, Field::Status).0;
                problems.push(problem(
                    number,
                    Some(col),
                    "bad_status",
                    format!("{s:?} is not a status (未启动, 进行中, 已完成)"),
                ));
                None
            }
        },
    };
    let id = match id_text.as_deref().map(Uuid::from_str) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            let col = at(row, Field::EventId).0;
            problems.push(problem(
                number,
                Some(col),
                "bad_id",
                format!("{} must be a UUID or empty", header(Field::EventId)),
            ));
            None
        }
    };
    let (Some(effective), true) = (effective, problems.is_empty()) else {
        return Err(problems);
    };
    let mut update = SheetUpdate {
        row: number,
        id: Uuid::nil(),
        indicator,
        effective,
        amount,
        district,
        deliverable,
        status,
        note,
    };
    update.id = id.unwrap_or_else(|| derived_id(&update));
    Ok(update)
}

/// An id from the row's content (not its position: sorting the sheet changes nothing).
fn derived_id(u: &SheetUpdate) -> Uuid {
    let content = [
        u.indicator.clone(),
        u.effective.to_string(),
        u.amount
            .map(|a| a.normalize().to_string())
            .unwrap_or_default(),
        u.district.clone().unwrap_or_default(),
        u.deliverable.clone().unwrap_or_default(),
        u.status.unwrap_or_default().to_owned(),
        u.note.clone().unwrap_or_default(),
    ]
    .join("\u{1f}");
    Uuid::new_v5(&ROW_NAMESPACE, content.as_bytes())
}

fn date_of(cell: &Cell) -> Result<Date, String> {
    match cell {
        Cell::Empty => Err("the effective date is empty".into()),
        Cell::Date(serial) => excel_date(*serial),
        Cell::Number(n) => Err(format!("{n} is a number, not a date (write YYYY-MM-DD)")),
        Cell::Text(t) => {
            let day = t.get(..10).unwrap_or(t);
            let day = if t.len() > 10 && t.as_bytes().get(10) == Some(&b'T') {
                day
            } else {
                t.as_str()
            };
            Date::from_str(&day.replace('/', "-"))
                .map_err(|_| format!("{t:?} is not a date (write YYYY-MM-DD)"))
        }
    }
}

/// A date from an Excel serial (the 1900 date system: day 1 is 1900-01-01, day 61 1900-03-01).
fn excel_date(serial: f64) -> Result<Date, String> {
    if !(61.0..2_958_466.0).contains(&serial) || serial.fract() != 0.0 {
        return Err(format!(
            "{serial} is not a whole date in the 1900 date system"
        ));
    }
    let epoch = jiff::civil::date(1899, 12, 30);
    epoch
        .checked_add(jiff::Span::new().days(serial as i64))
        .map_err(|e| format!("{serial} is not a date: {e}"))
}

fn number_of(cell: &Cell) -> Result<Option<Decimal>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(_) => Err("a date where a number belongs".into()),
        Cell::Number(n) => Decimal::from_str(&n.to_string())
            .map(Some)
            .map_err(|_| format!("{n} is out of range")),
        Cell::Text(t) => Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map(Some)
            .map_err(|_| format!("{t:?} is text where a number belongs")),
    }
}
