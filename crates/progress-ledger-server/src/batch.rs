//! Many updates recorded all or nothing, every refused row listed: the one path that the batch
//! append (`POST /v1/events/batch`), a filled sheet's upload (`POST /v1/sheets`) and the command
//! line's `record --from FILE` all take, from rows to the core's batch and back to rows.
//!
//! Each row is first checked as an update ([`crate::dto::Update::check`]); the rows that pass go
//! to the core together ([`Tracker::record_batch_listing_refusals_as`], or its trusted form for
//! the command line), which checks each against the plan, the recorded state, the batch's
//! earlier rows and, for an identity, the ownership rules. If any row is refused, nothing is
//! written and every refusal is listed with its row's index and, for a sheet, its row number.

use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::policy::Identity;
use progress_ledger_core::{Appended, BatchOutcome, NewEvent, Tracker};
use progress_ledger_sheets::{Problem, SheetUpdate};

use crate::dto::Update;
use crate::error::{ApiError, ApiResult, RefusedRow};

/// The most updates one batch or sheet may hold.
pub const MAX_BATCH: usize = 20_000;

/// The rows of a batch, each checked as an update or refused.
#[derive(Debug, Default)]
pub struct Rows {
    /// The rows that passed the update's own checks, by index.
    events: Vec<(usize, NewEvent)>,
    /// The rows refused so far.
    refused: Vec<RefusedRow>,
    /// Sheet row numbers, by index (empty for a JSON batch).
    sheet_rows: Vec<u32>,
}

impl Rows {
    /// No rows yet.
    pub fn new() -> Rows {
        Rows::default()
    }

    /// The rows of a filled sheet, each mapped to an update ([`Update::from_sheet_row`], by
    /// the kind of its indicator in the ledger's catalog) and checked as recorded by `actor`.
    /// `progress` is told how many rows are done.
    pub fn of_sheet(
        tracker: &Tracker,
        sheet: &[SheetUpdate],
        actor: &str,
        mut progress: impl FnMut(usize),
    ) -> Rows {
        let kinds: Vec<Option<IndicatorKind>> = tracker.with_live(|projection| {
            let catalog = projection.catalog();
            sheet
                .iter()
                .map(|row| catalog.indicator(&row.indicator).map(|d| d.spec.kind))
                .collect()
        });
        let mut rows = Rows {
            sheet_rows: sheet.iter().map(|r| r.row).collect(),
            ..Rows::new()
        };
        rows.events.reserve(sheet.len());
        for (index, (row, kind)) in sheet.iter().zip(kinds).enumerate() {
            let checked = Update::from_sheet_row(row, kind)
                .check(actor)
                .map(|c| c.event);
            rows.take(index, checked);
            if index % 256 == 255 {
                progress(index + 1);
            }
        }
        progress(sheet.len());
        rows
    }

    /// Takes row `index`: its event, or why it was refused. A row without an event id gets one
    /// here, so that a retry can name it.
    pub fn take(&mut self, index: usize, checked: ApiResult<NewEvent>) {
        match checked {
            Ok(event) => {
                let id = event.id.unwrap_or_else(uuid::Uuid::now_v7);
                self.events.push((index, event.with_id(id)));
            }
            Err(error) => self.refuse(index, None, &error),
        }
    }

    /// Rows taken.
    pub fn len(&self) -> usize {
        self.events.len() + self.refused.len()
    }

    /// Whether no row was taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn refuse(&mut self, index: usize, column: Option<String>, error: &ApiError) {
        self.refused.push(RefusedRow {
            index,
            row: self.sheet_rows.get(index).copied(),
            column,
            status: error.status.as_u16(),
            code: error.code.to_owned(),
            message: error.message.clone(),
        });
    }
}

/// What became of a batch's rows.
#[derive(Debug)]
pub enum RowsOutcome {
    /// Every row was recorded (or was a retry of an event recorded before) and is durable: the
    /// appended events, in the rows' order.
    Recorded(Vec<Appended>),
    /// Every row would be recorded (a dry run): how many rows were checked. Nothing written.
    Checked(usize),
    /// Rows refused, in row order. Nothing written.
    Refused(Vec<RefusedRow>),
}

/// Checks every row with the core, then writes all or nothing; `dry_run` checks only. With an
/// `identity`, its unit is every event's actor and its ownership rules apply (the server's
/// credentials); without one, the events are recorded as the actor they were checked for, as a
/// trusted writer (the command line, as its `record` does). Blocks until durable.
pub fn record_rows(
    tracker: &Tracker,
    identity: Option<&Identity>,
    mut rows: Rows,
    dry_run: bool,
) -> ApiResult<RowsOutcome> {
    let indexes: Vec<usize> = rows.events.iter().map(|(i, _)| *i).collect();
    let events: Vec<NewEvent> = rows.events.drain(..).map(|(_, e)| e).collect();
    // Rows refused by their own checks: the others are still checked, to list every refusal.
    let write = rows.refused.is_empty() && !dry_run;
    let ids: Vec<uuid::Uuid> = events.iter().filter_map(|e| e.id).collect();
    let outcome = match (identity, write) {
        (Some(identity), true) => tracker.record_batch_listing_refusals_as(identity, events),
        (Some(identity), false) => tracker.check_batch_as(identity, events),
        (None, true) => tracker.record_batch_listing_refusals(events),
        (None, false) => tracker.check_batch(events),
    }
    .map_err(|error| match error {
        error @ progress_ledger_core::Error::OutcomeUnknown { .. } => {
            ApiError::from(error).with_ids(ids)
        }
        other => ApiError::from(other),
    })?;
    Ok(match outcome {
        BatchOutcome::Refused(refusals) => {
            for refusal in refusals {
                let index = indexes.get(refusal.index).copied().unwrap_or(refusal.index);
                rows.refuse(index, None, &ApiError::from(refusal.error));
            }
            RowsOutcome::Refused(sorted(rows.refused))
        }
        _ if !rows.refused.is_empty() => RowsOutcome::Refused(sorted(rows.refused)),
        BatchOutcome::Checked => RowsOutcome::Checked(indexes.len()),
        BatchOutcome::Recorded(appended) => RowsOutcome::Recorded(appended),
    })
}

fn sorted(mut refused: Vec<RefusedRow>) -> Vec<RefusedRow> {
    refused.sort_by_key(|r| (r.index, r.row));
    refused
}

impl RefusedRow {
    /// A problem of a sheet's form (a column missing, a text where a number belongs …), found
    /// before any row became an update.
    pub fn of_problem(problem: Problem) -> RefusedRow {
        RefusedRow {
            index: 0,
            row: Some(problem.row),
            column: problem.column,
            status: 422,
            code: problem.code.to_owned(),
            message: problem.message,
        }
    }
}
