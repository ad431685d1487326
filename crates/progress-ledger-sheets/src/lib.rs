//! Spreadsheets for progress-ledger, the way figures travel in the offices that run the plans.
//!
//! - [`unit_template`]: a unit's progress sheet (进度表), listing the indicators it may write
//!   with the columns to fill, drop-down lists and instructions in Chinese.
//! - [`read_sheet`]: a filled sheet (`.xlsx` or CSV) back into [`SheetUpdate`]s, each with the
//!   sheet's own row number and an event id derived from its content, or every problem found,
//!   row by row.
//! - [`report_workbook`]: the 督查通报 as a workbook, with a sheet of restatements when the
//!   report is compared with an earlier one.
//!
//! Workbooks are written with `rust_xlsxwriter` and read with `calamine`; CSV with `csv`. This
//! crate knows the plan and the progress view, not the ledger: recording the updates read from
//! a sheet (all or nothing, with the caller's permissions) is the caller's job.

mod columns;
mod read;
mod report;
mod template;

pub use columns::{COLUMNS, Column, Field, STATUSES};
pub use read::{FileKind, MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES, SheetUpdate, read_sheet};
pub use report::{REPORT_SHEETS, RESTATEMENTS_SHEET, report_workbook};
pub use template::{FILL_ROWS, INSTRUCTIONS, SHEET, kind_label, unit_template};

/// One problem of a sheet, where the sheet shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The row, as the spreadsheet numbers it (the header is row 1).
    pub row: u32,
    /// The column's header, if the problem is in one cell.
    pub column: Option<String>,
    /// A stable code: `missing_column`, `not_a_number`, `bad_date`, `formula` …
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

/// A sheet refused: every problem found, in row order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The problems.
    pub problems: Vec<Problem>,
}

/// Why a sheet could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file is neither a workbook nor CSV.
    #[error("not a workbook: {0}")]
    NotAWorkbook(String),
    /// The file is larger than is read.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Nothing to read.
    #[error("empty: {0}")]
    Empty(String),
    /// Rows or columns that are not as the template has them.
    #[error("{} problem(s) in the sheet, the first in row {}: {}", .0.problems.len(),
        .0.problems.first().map(|p| p.row).unwrap_or_default(),
        .0.problems.first().map(|p| p.message.as_str()).unwrap_or_default())]
    Refused(Refused),
    /// The workbook could not be written.
    #[error("the workbook could not be written: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
}

impl SheetError {
    /// A stable code for the error, as the API names it.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::NotAWorkbook(_) => "not_a_workbook",
            SheetError::TooLarge(_) => "sheet_too_large",
            SheetError::Empty(_) => "empty_sheet",
            SheetError::Refused(_) => "sheet_refused",
            SheetError::Write(_) => "sheet_not_written",
        }
    }
}
