//! Many updates at once: `POST /v1/events/batch` (a JSON array of the updates
//! `POST /v1/events` takes), `POST /v1/sheets` (a filled progress sheet, `.xlsx` or CSV) and
//! `GET /v1/templates/{unit}.xlsx` (a unit's progress sheet to fill). A batch is all or
//! nothing: every row is checked, and if any is refused nothing is written and every refused
//! row is listed with its index (and, for a sheet, its row number), code and message. The rows'
//! way to the ledger is [`crate::batch`] and the template is drawn by [`crate::workbooks`],
//! both shared with the command line's `record --from` and `template`.

use axum::Json;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use progress_ledger_core::policy::Identity;
use progress_ledger_sheets::{FileKind, SheetError, read_sheet};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::batch::{MAX_BATCH, Rows, RowsOutcome, record_rows};
use crate::credentials::Refused;
use crate::dto::AppendedDto;
use crate::dto::NewEventRequest;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail, RefusedRow};
use crate::params::{ApiQuery, NoParams};
use crate::state::{AppState, blocking, refused};
use crate::workbooks::unit_template;

/// The largest batch body, in bytes.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
pub(crate) use crate::workbooks::XLSX;

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
    rows: Rows,
    dry_run: bool,
) -> ApiResult<Response> {
    let tracker = state.tracker().clone();
    let outcome = blocking(move || record_rows(&tracker, Some(&identity), rows, dry_run)).await?;
    match outcome {
        RowsOutcome::Refused(refused) => Ok(refused_answer(refused)),
        RowsOutcome::Checked(checked) => Ok(Json(BatchChecked { checked }).into_response()),
        RowsOutcome::Recorded(appended) => {
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
                .map(RefusedRow::of_problem)
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
    let tracker = state.tracker().clone();
    let unit = identity.unit().to_owned();
    let rows = blocking(move || Ok(Rows::of_sheet(&tracker, &sheet, &unit, |_| {}))).await?;
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
    let (unit, bytes) = blocking(move || {
        let _permit = permit;
        let bytes = unit_template(&tracker, &unit)?;
        Ok((unit, bytes))
    })
    .await?;
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
