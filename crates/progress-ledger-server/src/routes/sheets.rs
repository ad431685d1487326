//! Many updates at once: `POST /v1/events/batch` (a JSON array of the updates
//! `POST /v1/events` takes), `POST /v1/sheets` (a filled progress sheet, `.xlsx` or CSV) and
//! `GET /v1/templates/{unit}.xlsx` (a unit's progress sheet to fill). A batch is all or
//! nothing: every row is checked, and if any is refused nothing is written and every refused
//! row is listed with its index (and, for a sheet, its row number), code and message.

use axum::Json;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::policy::{self, Identity};
use progress_ledger_core::{BatchOutcome, NewEvent, ProgressQuery};
use progress_ledger_sheets::{FileKind, SheetError, SheetUpdate, read_sheet, unit_template};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::credentials::Refused;
use crate::dto::AppendedDto;
use crate::dto::NewEventRequest;
use crate::dto::request::{PlainFields, Update, UpdateType};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail, RefusedRow};
use crate::params::{ApiQuery, NoParams};
use crate::state::{AppState, blocking, refused};

/// The most updates one batch or sheet may hold.
pub const MAX_BATCH: usize = 20_000;
/// The largest batch body, in bytes.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// The media type of a workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A batch recorded.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchRecorded {
    /// Events written now.
    written: usize,
    /// Rows that were retries of events already recorded (nothing written for them).
    already_recorded: usize,
    /// Every row's event, in the batch's order.
    events: Vec<AppendedDto>,
}

/// A batch checked and not written (`dry_run`): every row would be recorded.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchChecked {
    /// Rows checked.
    checked: usize,
}

/// Whether to write.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DryRun {
    /// `true`: check every row and write nothing (default `false`).
    #[param(schema_with = dry_run_schema)]
    dry_run: Option<String>,
}

fn dry_run_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::one_of_words("check only", &["true", "false"])
}

impl DryRun {
    fn wanted(&self) -> ApiResult<bool> {
        match self.dry_run.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => {
                let shown: String = other.chars().take(40).collect();
                Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("dry_run {shown:?} is neither true nor false"),
                ))
            }
        }
    }
}

/// The rows of a batch, each checked as an update or refused.
struct Rows {
    events: Vec<(usize, NewEvent)>,
    refused: Vec<RefusedRow>,
    /// Sheet row numbers, by index.
    sheet_rows: Vec<u32>,
}

impl Rows {
    fn new() -> Rows {
        Rows {
            events: Vec::new(),
            refused: Vec::new(),
            sheet_rows: Vec::new(),
        }
    }

    fn take(&mut self, index: usize, checked: ApiResult<NewEvent>) {
        match checked {
            Ok(event) => {
                // The id is chosen here when the row has none, so that a retry can name it.
                let id = event.id.unwrap_or_else(uuid::Uuid::now_v7);
                self.events.push((index, event.with_id(id)));
            }
            Err(error) => self.refuse(index, None, &error),
        }
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

fn refused_answer(mut refused: Vec<RefusedRow>) -> Response {
    refused.sort_by_key(|r| r.index);
    let message = format!(
        "{} row(s) refused, nothing written; the first: {}",
        refused.len(),
        refused
            .first()
            .map(|r| r.message.as_str())
            .unwrap_or_default()
    );
    let body = ErrorBody {
        error: ErrorDetail {
            code: "batch_refused".into(),
            message,
            ids: None,
        },
        refused: Some(refused),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Checks every row with the core (ownership and plan), then writes all or nothing.
async fn record(
    state: &AppState,
    identity: Identity,
    mut rows: Rows,
    dry_run: bool,
) -> ApiResult<Response> {
    let tracker = state.tracker().clone();
    let indexes: Vec<usize> = rows.events.iter().map(|(i, _)| *i).collect();
    let events: Vec<NewEvent> = rows.events.drain(..).map(|(_, e)| e).collect();
    let write = rows.refused.is_empty() && !dry_run;
    let ids: Vec<uuid::Uuid> = events.iter().filter_map(|e| e.id).collect();
    let outcome = blocking(move || {
        let outcome = if write {
            tracker.record_batch_listing_refusals_as(&identity, events)
        } else {
            tracker.check_batch_as(&identity, events)
        };
        outcome.map_err(|error| match error {
            error @ progress_ledger_core::Error::OutcomeUnknown { .. } => {
                ApiError::from(error).with_ids(ids)
            }
            other => ApiError::from(other),
        })
    })
    .await?;
    match outcome {
        BatchOutcome::Refused(refusals) => {
            for refusal in refusals {
                let index = indexes.get(refusal.index).copied().unwrap_or(refusal.index);
                rows.refuse(index, None, &ApiError::from(refusal.error));
            }
            Ok(refused_answer(rows.refused))
        }
        _ if !rows.refused.is_empty() => Ok(refused_answer(rows.refused)),
        BatchOutcome::Checked => Ok(Json(BatchChecked {
            checked: indexes.len(),
        })
        .into_response()),
        BatchOutcome::Recorded(appended) => {
            let already = appended.iter().filter(|a| a.already_recorded).count();
            let written = appended.len() - already;
            tracing::info!(written, already_recorded = already, "batch recorded");
            let status = if written == 0 {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let events = appended.iter().map(AppendedDto::from).collect();
            Ok((
                status,
                Json(BatchRecorded {
                    written,
                    already_recorded: already,
                    events,
                }),
            )
                .into_response())
        }
    }
}

async fn body_of(state: &AppState, request: Request) -> ApiResult<Bytes> {
    let deadline = state.config().body_timeout;
    tokio::time::timeout(deadline, to_bytes(request.into_body(), MAX_BATCH_BYTES))
        .await
        .map_err(|_| super::events::body_timeout(deadline))?
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a batch body holds at most {MAX_BATCH_BYTES} bytes"),
            )
        })
}

fn too_many(n: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        format!("{n} rows; a batch holds at most {MAX_BATCH}"),
    )
}

/// The body of `POST /v1/events/batch`: from one to `MAX_BATCH` updates (the limit is checked
/// against `MAX_BATCH` by a test).
#[derive(ToSchema)]
#[schema(min_items = 1, max_items = 20000)]
#[expect(dead_code, reason = "only described: the rows are read one by one")]
pub(crate) struct UpdateBatch(Vec<NewEventRequest>);

/// Records many updates at once, all or nothing: a JSON array of the update objects
/// `POST /v1/events` takes. Every row is checked (fields, the plan, who may write what); if
/// any is refused, nothing is written and every refused row is listed. A retry with the same
/// ids writes nothing twice (rows without an id get one here: give ids to retry safely).
#[utoipa::path(post, path = "/v1/events/batch", tag = "events", params(DryRun),
    request_body(content = UpdateBatch, description = "the updates, as for `POST /v1/events`"),
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "recorded and durable", body = BatchRecorded),
        (status = 200, description = "every row was a retry of a recorded event (nothing written), or `dry_run` and every row would be recorded", body = BatchChecked),
        (status = 400, description = "not a JSON array (`malformed_json`, `invalid_body`), or an empty one (`empty_batch`)", body = ErrorBody),
        Unauthorized,
        (status = 408, description = "the body did not arrive in time (`body_timeout`)", body = ErrorBody),
        (status = 413, description = "`body_too_large`, or more rows than a batch holds (`batch_too_large`)", body = ErrorBody),
        (status = 415, description = "body not sent as JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "rows refused, nothing written (`batch_refused`)", body = ErrorBody),
        Unavailable, Failed,
    ))]
pub(crate) async fn batch(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DryRun>,
    request: Request,
) -> ApiResult<Response> {
    let headers = request.headers().clone();
    let caller = state.write_access(&headers)?;
    let identity = caller.identity().ok_or_else(|| refused(Refused::Missing))?;
    super::events::check_json_content_type(&headers)?;
    let body = body_of(&state, request).await?;
    let raw: Vec<&RawValue> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("the body must be a JSON array of updates: {e}"),
        )
    })?;
    if raw.is_empty() {
        return Err(ApiError::bad_request(
            "empty_batch",
            "the batch holds no update",
        ));
    }
    if raw.len() > MAX_BATCH {
        return Err(too_many(raw.len()));
    }
    let mut rows = Rows::new();
    for (index, value) in raw.iter().enumerate() {
        let checked = NewEventRequest::from_json(value.get().as_bytes())
            .and_then(|request| request.check(identity.unit()))
            .map(|checked| checked.event);
        rows.take(index, checked);
    }
    record(&state, identity, rows, params.wanted()?).await
}

/// The update a sheet's row states, for an indicator of `kind` (`None`: not defined; the
/// ledger's check then refuses it as `unknown_indicator`).
fn update_of(row: &SheetUpdate, kind: Option<IndicatorKind>) -> Update {
    let (update_type, fields) = match kind {
        Some(IndicatorKind::Level) => (
            UpdateType::Measurement,
            PlainFields {
                value: row.amount.map(|a| a.to_string()),
                district: row.district.clone(),
                ..PlainFields::default()
            },
        ),
        Some(IndicatorKind::Milestones) => (
            UpdateType::Milestone,
            PlainFields {
                deliverable: row.deliverable.clone(),
                ..PlainFields::default()
            },
        ),
        Some(IndicatorKind::Status) => (
            UpdateType::Status,
            PlainFields {
                status: row.status.map(str::to_owned),
                ..PlainFields::default()
            },
        ),
        Some(IndicatorKind::Cumulative | IndicatorKind::Coverage) | None => (
            UpdateType::Progress,
            PlainFields {
                delta: row.amount.map(|a| a.to_string()),
                district: row.district.clone(),
                ..PlainFields::default()
            },
        ),
    };
    let mut update = Update::new(
        update_type,
        row.indicator.clone(),
        row.effective.to_string(),
    );
    update.id = Some(row.id.to_string());
    update.note = row.note.clone();
    update.fields = fields;
    update
}

fn sheet_error(error: SheetError) -> ApiResult<Response> {
    let status = match &error {
        SheetError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        SheetError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        SheetError::Write(_) => StatusCode::INTERNAL_SERVER_ERROR,
        SheetError::NotAWorkbook(_) | SheetError::Empty(_) => StatusCode::BAD_REQUEST,
    };
    match error {
        SheetError::Refused(refused) => Ok(refused_answer(
            refused
                .problems
                .into_iter()
                .map(|p| RefusedRow {
                    index: 0,
                    row: Some(p.row),
                    column: p.column,
                    status: 422,
                    code: p.code.to_owned(),
                    message: p.message,
                })
                .collect(),
        )),
        other => Err(ApiError::new(status, other.code(), other.to_string())),
    }
}

/// Records a filled progress sheet (the body: the `.xlsx` of `GET /v1/templates/{unit}.xlsx`,
/// filled in, or the same columns as UTF-8 CSV), as `POST /v1/events/batch` records a batch:
/// all or nothing, every refused row listed with its row number in the sheet. Each row's id is
/// its own (column 记录编号) or derived from its content, so the same sheet uploaded again
/// writes nothing.
#[utoipa::path(post, path = "/v1/sheets", tag = "events", params(DryRun),
    request_body(content = Vec<u8>, description = "the filled sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "recorded and durable", body = BatchRecorded),
        (status = 200, description = "every row was recorded before (nothing written), or `dry_run` and every row would be recorded", body = BatchChecked),
        (status = 400, description = "not a workbook or CSV (`not_a_workbook`), or nothing filled in (`empty_sheet`)", body = ErrorBody),
        Unauthorized,
        (status = 408, description = "the body did not arrive in time (`body_timeout`)", body = ErrorBody),
        (status = 413, description = "`body_too_large`, `sheet_too_large` or `batch_too_large`", body = ErrorBody),
        (status = 422, description = "rows refused, nothing written (`batch_refused`)", body = ErrorBody),
        Unavailable, Failed,
    ))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DryRun>,
    request: Request,
) -> ApiResult<Response> {
    let headers = request.headers().clone();
    let caller = state.write_access(&headers)?;
    let identity = caller.identity().ok_or_else(|| refused(Refused::Missing))?;
    let body = body_of(&state, request).await?;
    let sheet = match blocking(move || Ok(read_sheet(&body, FileKind::sniff(&body)))).await? {
        Ok(sheet) => sheet,
        Err(error) => return sheet_error(error),
    };
    if sheet.len() > MAX_BATCH {
        return Err(too_many(sheet.len()));
    }
    let kinds: Vec<Option<IndicatorKind>> = state.tracker().with_live(|projection| {
        let catalog = projection.catalog();
        sheet
            .iter()
            .map(|row| catalog.indicator(&row.indicator).map(|d| d.spec.kind))
            .collect()
    });
    let mut rows = Rows::new();
    rows.sheet_rows = sheet.iter().map(|r| r.row).collect();
    for (index, (row, kind)) in sheet.iter().zip(kinds).enumerate() {
        let checked = update_of(row, kind).check(identity.unit()).map(|c| c.event);
        rows.take(index, checked);
    }
    record(&state, identity, rows, params.wanted()?).await
}

/// A unit's progress sheet (进度表) to fill: the indicators of the items it leads or
/// cooperates on (or, for a district, the items that name it or the district set), with their
/// target and value now, the columns to fill, drop-down lists and the instructions in Chinese.
#[utoipa::path(get, path = "/v1/templates/{file}", tag = "plan",
    params(("file" = String, Path, description = "the unit's name (as the plan spells it, or an alias) followed by `.xlsx`, e.g. `市卫健委.xlsx`")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, description = "no unit or district of the plan has that name (`unknown_unit`), or no plan is loaded (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn template(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let unit = file
        .strip_suffix(".xlsx")
        .ok_or_else(|| ApiError::not_found("unknown_unit", "ask for <unit>.xlsx"))?
        .to_owned();
    let tracker = state.tracker().clone();
    let permit = state.costly().await?;
    let bytes = blocking(move || {
        let _permit = permit;
        let plan = tracker
            .with_live(|projection| {
                let catalog = projection.catalog();
                let id = catalog.plans().next().map(|p| p.id.clone())?;
                catalog.plan_in_force(&id)
            })
            .ok_or_else(|| ApiError::not_found("no_plan", "no plan is loaded in this ledger"))?;
        let known = plan
            .units
            .iter()
            .any(|u| u.name == unit || u.aliases.contains(&unit))
            || plan.districts.iter().any(|d| d.name == unit);
        if !known {
            let shown: String = unit.chars().take(40).collect();
            return Err(ApiError::not_found(
                "unknown_unit",
                format!("no unit or district of the plan is named {shown:?}"),
            ));
        }
        let writable: Vec<&str> = plan
            .indicators()
            .filter(|(_, item, _)| policy::writes_to(&plan, item, &unit))
            .map(|(_, _, spec)| spec.id.as_str())
            .collect();
        let view = tracker.progress(&ProgressQuery::default())?;
        let bytes = unit_template(&plan, &view, &unit, &writable).map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string())
        })?;
        Ok((unit, bytes))
    })
    .await?;
    let (unit, bytes) = bytes;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent(&format!("{unit}.xlsx"))
    );
    Ok((
        [
            (CONTENT_TYPE, XLSX.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// RFC 5987 percent-encoding of a file name.
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn the_batch_body_is_described_with_the_limits_the_route_applies() {
        let schema = serde_json::to_value(UpdateBatch::schema()).expect("serialises");
        assert_eq!(schema["minItems"].as_u64(), Some(1), "{schema}");
        assert_eq!(
            schema["maxItems"].as_u64(),
            u64::try_from(MAX_BATCH).ok(),
            "{schema}"
        );
    }
}
