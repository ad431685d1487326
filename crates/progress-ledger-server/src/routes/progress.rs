//! `GET /v1/progress`: progress now, as recorded at a time, as effective on a date, or both.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use jiff::Timestamp;
use progress_ledger_core::ProgressQuery;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dto::ProgressDto;
use crate::error::{ApiResult, ErrorBody};
use crate::params::{ApiQuery, parse_as_of, parse_effective};
use crate::state::{AppState, blocking};

/// Which state of the log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProgressParams {
    /// As recorded at this time: RFC 3339, or `YYYY-MM-DD` meaning the end of that day in
    /// Asia/Shanghai (default: now).
    as_of: Option<String>,
    /// As effective on this date, `YYYY-MM-DD`: only updates about that day or earlier count.
    effective: Option<String>,
    /// Plan id (default: the only plan).
    plan: Option<String>,
}

/// Progress of the plan: every indicator, item, task, category and part, per lead unit and per
/// district, with completion and schedule status.
#[utoipa::path(get, path = "/v1/progress", tag = "queries", params(ProgressParams),
    responses(
        (status = 200, description = "the progress view", body = ProgressDto),
        (status = 400, description = "bad as_of or effective", body = ErrorBody),
        (status = 404, description = "no plan was loaded at that time", body = ErrorBody),
    ))]
pub(crate) async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ProgressParams>,
) -> ApiResult<Json<ProgressDto>> {
    state.read_access(&headers)?;
    let as_of = params.as_of.as_deref().map(parse_as_of).transpose()?;
    let effective = params
        .effective
        .as_deref()
        .map(parse_effective)
        .transpose()?;
    let query = ProgressQuery {
        plan: params.plan,
        as_of,
        effective,
    };
    let tracker = state.tracker().clone();
    blocking(move || {
        let cutoff = as_of.unwrap_or_else(Timestamp::now);
        let view = tracker.progress(&query)?;
        Ok(Json(ProgressDto::new(&view, cutoff)))
    })
    .await
}
