//! Spreadsheets on the command line: `template` (a unit's progress sheet to fill) and
//! `record --from FILE` (a filled sheet recorded all or nothing). Both take the server's own
//! paths: [`progress_ledger_server::workbooks`] draws the workbook `GET /v1/templates/{unit}.xlsx`
//! answers, and [`progress_ledger_server::batch`] maps and records the rows as
//! `POST /v1/sheets` does, here as the trusted local writer `record` is (the actor is
//! `--actor`, and the ownership rules of the server's tokens do not apply).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use progress_ledger_server::batch::{MAX_BATCH, Rows, RowsOutcome, record_rows};
use progress_ledger_server::dto::AppendedDto;
use progress_ledger_server::{ErrorBody, ErrorDetail, RefusedRow};
use progress_ledger_sheets::{FileKind, SheetError, read_sheet};
use serde_json::json;

use crate::cli::{RecordArgs, TemplateArgs};
use crate::data::open_existing;
use crate::failure::{Failure, Outcome};
use crate::progress;

/// `template --unit UNIT [--out FILE]`.
pub fn template(data: &Path, args: TemplateArgs, out: &mut dyn Write) -> Outcome {
    let tracker = open_existing(data)?;
    let bytes = progress_ledger_server::workbooks::unit_template(&tracker, &args.unit)
        .map_err(|e| Failure::msg(format!("{} ({})", e.message, e.code)))?;
    let file = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.xlsx", args.unit)));
    write_file(&file, &bytes)?;
    writeln!(
        out,
        "wrote {}: the progress sheet (进度表) of {}; fill it, then `progress-ledger record --from {} --actor {}`",
        file.display(),
        args.unit,
        file.display(),
        args.unit
    )?;
    Ok(())
}

/// Writes `bytes` to `file`, replacing it.
pub fn write_file(file: &Path, bytes: &[u8]) -> Outcome {
    std::fs::write(file, bytes)
        .map_err(|e| Failure::from(e).with_message(format!("cannot write {}", file.display())))
}

/// Writes a workbook to `file`, or to `out` if no file is given and stdout is not a terminal.
pub fn write_workbook(file: Option<&Path>, bytes: &[u8], out: &mut dyn Write) -> Outcome {
    match file {
        Some(file) => write_file(file, bytes),
        None if std::io::stdout().is_terminal() => Err(Failure::msg(
            "a workbook is not text: give --out FILE (or redirect stdout to a file)",
        )),
        None => Ok(out.write_all(bytes)?),
    }
}

/// `record --from FILE [--dry-run] --actor UNIT`.
pub fn record_from(data: &Path, file: &Path, args: &RecordArgs, out: &mut dyn Write) -> Outcome {
    let name = file.display().to_string();
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::from(e).with_message(format!("cannot read {name}")))?;
    let reading = progress::working(format!("reading {name}"));
    let sheet = read_sheet(&bytes, FileKind::sniff(&bytes));
    reading.finish_and_clear();
    drop(bytes);
    let sheet = match sheet {
        Ok(sheet) => sheet,
        Err(SheetError::Refused(refused)) => {
            let rows = refused
                .problems
                .into_iter()
                .map(RefusedRow::of_problem)
                .collect();
            return refused_report(&name, rows, args.json, out);
        }
        Err(error) => {
            return Err(Failure::msg(format!("{name}: {error} ({})", error.code())));
        }
    };
    if sheet.len() > MAX_BATCH {
        return Err(Failure::msg(format!(
            "{name}: {} rows; a sheet holds at most {MAX_BATCH} (batch_too_large)",
            sheet.len()
        )));
    }
    let tracker = open_existing(data)?;
    let total = sheet.len();
    let checking = progress::rows("checking", total as u64);
    let rows = Rows::of_sheet(&tracker, &sheet, &args.actor, |done| {
        checking.set_position(done as u64)
    });
    checking.finish_and_clear();
    drop(sheet);
    let what = if args.dry_run {
        format!("checking {total} rows against the ledger")
    } else {
        format!("checking and recording {total} rows")
    };
    let working = progress::working(what);
    let outcome = record_rows(&tracker, None, rows, args.dry_run);
    working.finish_and_clear();
    let outcome = outcome.map_err(|e| {
        let ids = if e.ids.is_empty() {
            String::new()
        } else {
            format!(
                "; the outcome of {} events is unknown: record the same file again once the ledger opens (nothing is recorded twice)",
                e.ids.len()
            )
        };
        Failure::msg(format!(
            "{name} was not recorded: {} ({}){ids}",
            e.message, e.code
        ))
    })?;
    match outcome {
        RowsOutcome::Refused(refused) => refused_report(&name, refused, args.json, out),
        RowsOutcome::Checked(checked) => {
            if args.json {
                serde_json::to_writer_pretty(&mut *out, &json!({ "checked": checked }))?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "dry run: every row of {name} would be recorded ({}); nothing written",
                    plural(checked, "row")
                )?;
            }
            Ok(())
        }
        RowsOutcome::Recorded(appended) => {
            let events: Vec<AppendedDto> = appended.iter().map(AppendedDto::from).collect();
            let already = events.iter().filter(|e| e.already_recorded).count();
            let written = events.len() - already;
            if args.json {
                let body = json!({
                    "written": written,
                    "already_recorded": already,
                    "events": events,
                });
                serde_json::to_writer_pretty(&mut *out, &body)?;
                writeln!(out)?;
                return Ok(());
            }
            if written == 0 {
                writeln!(
                    out,
                    "nothing written: every row of {name} was recorded before ({})",
                    plural(events.len(), "row")
                )?;
                return Ok(());
            }
            let new: Vec<&AppendedDto> = events.iter().filter(|e| !e.already_recorded).collect();
            let first = new.iter().map(|e| e.seq).min().unwrap_or_default();
            let last = new.iter().max_by_key(|e| e.seq);
            let seqs = match last.map(|e| e.seq) {
                Some(last) if last != first => format!("seq {first} to {last}"),
                _ => format!("seq {first}"),
            };
            let before = match already {
                0 => String::new(),
                1 => " (1 row was recorded before)".to_owned(),
                n => format!(" ({n} rows were recorded before)"),
            };
            writeln!(
                out,
                "recorded {} from {name}: {seqs}{before}",
                plural(written, "update")
            )?;
            if let Some(last) = last {
                writeln!(out, "hash {}", last.hash)?;
            }
            Ok(())
        }
    }
}

/// `n` things, e.g. "1 row", "2 rows".
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Lists every refused row (by its row number in the sheet) and fails: nothing was written.
fn refused_report(
    name: &str,
    refused: Vec<RefusedRow>,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let message = format!(
        "{} row(s) of {name} refused; nothing written",
        refused.len()
    );
    if json {
        let body = ErrorBody {
            error: ErrorDetail {
                code: "batch_refused".into(),
                message: message.clone(),
                ids: None,
            },
            refused: Some(refused),
        };
        serde_json::to_writer_pretty(&mut *out, &body)?;
        writeln!(out)?;
    } else {
        for row in &refused {
            let place = match (row.row, &row.column) {
                (Some(n), Some(column)) => format!("row {n}, {column}"),
                (Some(n), None) => format!("row {n}"),
                (None, Some(column)) => format!("row #{}, {column}", row.index + 1),
                (None, None) => format!("row #{}", row.index + 1),
            };
            writeln!(out, "{place}: {} ({})", row.message, row.code)?;
        }
    }
    Err(Failure::msg(message))
}
