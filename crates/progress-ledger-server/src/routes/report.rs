//! `GET /v1/report`: the supervision report (督查通报) as JSON, Markdown or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use progress_ledger_core::Since;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::schema::ObjectBuilder;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::schema::one_of_words;
use crate::dto::{ReportDto, TreeHeadDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{
    ApiQuery, as_of_schema, date_schema, parse_as_of, parse_date_param, parse_plan, plan_schema,
};
use crate::state::{AppState, blocking};

/// Date and format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportParams {
    /// The date reported on, `YYYY-MM-DD` (default: today in Asia/Shanghai): updates effective
    /// on or before it, as recorded now.
    #[param(schema_with = date_schema)]
    as_of: Option<String>,
    /// `json` (default), `markdown` (or `md`), `csv` or `xlsx` (a workbook: one sheet per view).
    #[param(schema_with = format_schema)]
    format: Option<String>,
    /// Plan id (default: the only plan).
    #[param(schema_with = plan_schema)]
    plan: Option<String>,
    /// The date of an earlier report, `YYYY-MM-DD`: the report then lists what changed in that
    /// report's figures (restatements), each change with its causes.
    #[param(schema_with = date_schema)]
    since: Option<String>,
    /// When that earlier report was computed: RFC 3339, or `YYYY-MM-DD` meaning the end of that
    /// day in Asia/Shanghai (default: the end of the `since` date). Without `since`, the earlier
    /// report is this date's report as it was computed then.
    #[param(schema_with = as_of_schema)]
    since_as_of: Option<String>,
}

/// The formats, by the names `format` takes.
const FORMATS: [(&str, Format); 5] = [
    ("json", Format::Json),
    ("markdown", Format::Markdown),
    ("md", Format::Markdown),
    ("csv", Format::Csv),
    ("xlsx", Format::Xlsx),
];

fn format_schema() -> ObjectBuilder {
    let names: Vec<&str> = FORMATS.iter().map(|(name, _)| *name).collect();
    one_of_words("format of the report", &names)
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Markdown,
    Csv,
    Xlsx,
}

/// Per lead unit, its items behind, not started, on track and met, and the head the report was
/// computed from; with `since`, what changed in an earlier report's figures and why. A costly
/// request: 503 `busy` with `Retry-After` while the server computes as many as it allows.
#[utoipa::path(get, path = "/v1/report", tag = "queries", params(ReportParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the report", content(
            (ReportDto = "application/json"),
            (String = "text/markdown"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ), headers(
            ("Tree-Size" = u64, description = "size of the Merkle tree the report was computed from (its `seq`)"),
            ("Tree-Root" = String, description = "that tree's root, standard base64"),
        )),
        (status = 404, description = "no such plan is loaded (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let date = match params.as_of.as_deref() {
        Some(text) => parse_date_param("as_of", "invalid_as_of", text)?,
        None => progress_ledger_core::today(),
    };
    let wanted = params.format.as_deref().unwrap_or("json");
    let format = FORMATS
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, format)| *format)
        .ok_or_else(|| {
            let shown: String = wanted.chars().take(40).collect();
            ApiError::bad_request(
                "invalid_format",
                format!("format {shown:?} is not one of json, markdown, md, csv, xlsx"),
            )
        })?;
    let plan = parse_plan(params.plan)?;
    let since_as_of = params.since_as_of.as_deref().map(parse_as_of).transpose()?;
    let since = match params.since.as_deref() {
        Some(text) => Some(Since {
            date: parse_date_param("since", "invalid_since", text)?,
            as_of: since_as_of,
        }),
        // The same date's report, as it was computed then.
        None => since_as_of.map(|as_of| Since {
            date,
            as_of: Some(as_of),
        }),
    };
    let tracker = state.tracker().clone();
    let permit = state.costly().await?;
    let (report, checkpoint, workbook) = blocking(move || {
        let _permit = permit;
        let report = match since {
            Some(since) => tracker.report_since(plan.as_deref(), date, None, since)?,
            None => tracker.report(plan.as_deref(), date, None)?,
        };
        let checkpoint = TreeHeadDto::of(tracker.ledger(), report.seq);
        let workbook = match format {
            Format::Xlsx => Some(workbook(&tracker, plan.as_deref(), date, &report)?),
            _ => None,
        };
        Ok((report, checkpoint, workbook))
    })
    .await?;
    let tree_headers = tree_headers(checkpoint.as_ref());
    Ok(match format {
        Format::Json => (
            tree_headers,
            Json(ReportDto {
                checkpoint,
                ..ReportDto::from(&report)
            }),
        )
            .into_response(),
        Format::Markdown => (
            tree_headers,
            [(CONTENT_TYPE, "text/markdown; charset=utf-8")],
            report.to_markdown(),
        )
            .into_response(),
        Format::Csv => (
            tree_headers,
            [(CONTENT_TYPE, "text/csv; charset=utf-8")],
            report.to_csv(),
        )
            .into_response(),
        Format::Xlsx => (
            tree_headers,
            [(CONTENT_TYPE, super::sheets::XLSX)],
            workbook.unwrap_or_default(),
        )
            .into_response(),
    })
}

/// The report as a workbook, with the progress view it was computed from (computed again if an
/// append came between the two).
fn workbook(
    tracker: &progress_ledger_core::Tracker,
    plan: Option<&str>,
    date: jiff::civil::Date,
    report: &progress_ledger_core::projection::Report,
) -> ApiResult<Vec<u8>> {
    let query = progress_ledger_core::ProgressQuery {
        plan: plan.map(str::to_owned),
        as_of: None,
        effective: Some(date),
    };
    let mut view = tracker.progress(&query)?;
    if view.seq != report.seq {
        view = tracker.progress(&query)?;
    }
    progress_ledger_sheets::report_workbook(report, &view).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            e.code(),
            e.to_string(),
        )
    })
}

/// `Tree-Size` and `Tree-Root` headers naming the Merkle tree a report was computed from (the
/// Markdown and CSV forms have no field for it).
fn tree_headers(tree: Option<&TreeHeadDto>) -> axum::http::HeaderMap {
    let mut headers = axum::http::HeaderMap::new();
    if let Some(tree) = tree {
        headers.insert("tree-size", axum::http::HeaderValue::from(tree.size));
        if let Ok(root) = axum::http::HeaderValue::from_str(&tree.root) {
            headers.insert("tree-root", root);
        }
    }
    headers
}
