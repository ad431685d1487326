//! `GET /v1/indicators/{id}/explain`, `/v1/tasks/{n}/explain`, `/v1/categories/{n}/explain`
//! and `/v1/plan/explain`: where a figure comes from, with the query parameters of
//! `/v1/progress`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use jiff::Timestamp;
use progress_ledger_core::ProgressQuery;
use progress_ledger_core::projection::Scope;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::ExplanationDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{
    ApiQuery, as_of_schema, date_schema, indicator_schema, parse_as_of, parse_effective,
    parse_plan, plan_schema,
};
use crate::state::{AppState, blocking, unknown_indicator};

/// Which state of the log (as for `/v1/progress`).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExplainParams {
    /// As recorded at this time: RFC 3339, or `YYYY-MM-DD` meaning the end of that day in
    /// Asia/Shanghai (default: now).
    #[param(schema_with = as_of_schema)]
    as_of: Option<String>,
    /// As effective on this date, `YYYY-MM-DD`: only updates about that day or earlier count.
    #[param(schema_with = date_schema)]
    effective: Option<String>,
    /// Plan id (default: the indicator's own plan, or the only plan).
    #[param(schema_with = plan_schema)]
    plan: Option<String>,
}

/// Which indicator.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct IndicatorPath {
    /// Indicator id.
    #[param(schema_with = indicator_schema)]
    id: String,
}

/// Which task or category, by its number across the plan.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct NumberPath {
    /// The number, e.g. 2.
    #[param(value_type = u32, minimum = 0)]
    n: String,
}

/// Explains `scope` as `params` ask; `missing` is the error when the scope is not in the plan.
async fn explain(
    state: AppState,
    headers: HeaderMap,
    params: ExplainParams,
    scope: Scope,
    missing: ApiError,
) -> ApiResult<Json<ExplanationDto>> {
    state.read_access(&headers)?;
    let as_of = params.as_of.as_deref().map(parse_as_of).transpose()?;
    let effective = params
        .effective
        .as_deref()
        .map(parse_effective)
        .transpose()?;
    let plan = parse_plan(params.plan)?;
    let query = ProgressQuery {
        plan,
        as_of,
        effective,
    };
    let cutoff = as_of.unwrap_or_else(Timestamp::now);
    let tracker = state.tracker().clone();
    let permit = state.costly().await?;
    let explanation = blocking(move || {
        let _permit = permit;
        Ok(tracker.explain(&query, &scope)?)
    })
    .await?;
    let explanation = explanation.ok_or(missing)?;
    Ok(Json(ExplanationDto::new(&explanation, cutoff)))
}

/// A task or category number from its path segment.
fn number(text: &str) -> ApiResult<u32> {
    text.parse().map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        ApiError::bad_request(
            "invalid_parameter",
            format!("{shown:?} is not a task or category number"),
        )
    })
}

/// Where an indicator's value, completion and status come from: the target in force and the
/// event that set it, every update counted (with its event and what the fold did with it),
/// the updates voided and their corrections, the arithmetic step by step, the rollups from its
/// item up to the plan (weights included), and the head the figures were computed from.
#[utoipa::path(get, path = "/v1/indicators/{id}/explain", tag = "queries",
    params(IndicatorPath, ExplainParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the explanation", body = ExplanationDto),
        (status = 404, description = "no such indicator in the plan at that time \
            (`unknown_indicator`), or no such plan (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn indicator(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(IndicatorPath { id }): Path<IndicatorPath>,
    ApiQuery(params): ApiQuery<ExplainParams>,
) -> ApiResult<Json<ExplanationDto>> {
    let missing = unknown_indicator(&id);
    explain(state, headers, params, Scope::Indicator(id), missing).await
}

/// Where a task's completion comes from: every indicator in it explained, its items' and its
/// own weighted means, and the rollups above it up to the plan.
#[utoipa::path(get, path = "/v1/tasks/{n}/explain", tag = "queries",
    params(NumberPath, ExplainParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the explanation", body = ExplanationDto),
        (status = 404, description = "the plan has no such task (`unknown_task`), or no such \
            plan (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn task(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(NumberPath { n }): Path<NumberPath>,
    ApiQuery(params): ApiQuery<ExplainParams>,
) -> ApiResult<Json<ExplanationDto>> {
    let n = number(&n)?;
    let missing = ApiError::not_found("unknown_task", format!("the plan has no task {n}"));
    explain(state, headers, params, Scope::Task(n), missing).await
}

/// Where a category's completion comes from: every task and indicator in it explained.
#[utoipa::path(get, path = "/v1/categories/{n}/explain", tag = "queries",
    params(NumberPath, ExplainParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the explanation", body = ExplanationDto),
        (status = 404, description = "the plan has no such category (`unknown_category`), or \
            no such plan (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn category(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(NumberPath { n }): Path<NumberPath>,
    ApiQuery(params): ApiQuery<ExplainParams>,
) -> ApiResult<Json<ExplanationDto>> {
    let n = number(&n)?;
    let missing = ApiError::not_found("unknown_category", format!("the plan has no category {n}"));
    explain(state, headers, params, Scope::Category(n), missing).await
}

/// Where the plan's completion comes from: every indicator explained and every rollup. Large
/// (it lists every counted event); prefer a task's or an indicator's explanation.
#[utoipa::path(get, path = "/v1/plan/explain", tag = "queries",
    params(ExplainParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the explanation", body = ExplanationDto),
        (status = 404, description = "no such plan is loaded (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ExplainParams>,
) -> ApiResult<Json<ExplanationDto>> {
    let missing = ApiError::not_found("no_plan", "no such plan is loaded in this ledger");
    explain(state, headers, params, Scope::Plan, missing).await
}
