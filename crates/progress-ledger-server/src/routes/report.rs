//! `GET /v1/report`: the supervision report (督查通报) as JSON, Markdown or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dto::ReportDto;
use crate::dto::request::parse_date;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::ApiQuery;
use crate::state::{AppState, blocking};

/// Date and format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportParams {
    /// The date reported on, `YYYY-MM-DD` (default: today in Asia/Shanghai): updates effective
    /// on or before it, as recorded now.
    as_of: Option<String>,
    /// `json` (default), `markdown` or `csv`.
    format: Option<String>,
    /// Plan id (default: the only plan).
    plan: Option<String>,
}

enum Format {
    Json,
    Markdown,
    Csv,
}

/// Per lead unit, its items behind, not started, on track and met.
#[utoipa::path(get, path = "/v1/report", tag = "queries", params(ReportParams),
    responses(
        (status = 200, description = "the report", content(
            (ReportDto = "application/json"),
            (String = "text/markdown"),
            (String = "text/csv"),
        )),
        (status = 400, description = "bad as_of or format", body = ErrorBody),
        (status = 404, description = "no plan is loaded", body = ErrorBody),
    ))]
pub(crate) async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let date = match params.as_of.as_deref() {
        Some(text) => parse_date("as_of", text.trim())
            .map_err(|e| ApiError::bad_request("invalid_as_of", e.message))?,
        None => progress_ledger_core::today(),
    };
    let format = match params.format.as_deref().unwrap_or("json") {
        "json" => Format::Json,
        "markdown" | "md" => Format::Markdown,
        "csv" => Format::Csv,
        other => {
            let shown: String = other.chars().take(40).collect();
            return Err(ApiError::bad_request(
                "invalid_format",
                format!("format {shown:?} is not one of json, markdown, csv"),
            ));
        }
    };
    let tracker = state.tracker().clone();
    let plan = params.plan;
    let report = blocking(move || Ok(tracker.report(plan.as_deref(), date, None)?)).await?;
    Ok(match format {
        Format::Json => Json(ReportDto::from(&report)).into_response(),
        Format::Markdown => (
            [(CONTENT_TYPE, "text/markdown; charset=utf-8")],
            report.to_markdown(),
        )
            .into_response(),
        Format::Csv => {
            ([(CONTENT_TYPE, "text/csv; charset=utf-8")], report.to_csv()).into_response()
        }
    })
}
