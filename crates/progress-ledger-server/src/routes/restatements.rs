//! `GET /v1/restatements`: how the figures for one effective date changed between two recorded
//! times, each change with its causes.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use progress_ledger_core::RestatementQuery;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::RestatementsDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{
    ApiQuery, as_of_schema, date_schema, parse_as_of, parse_effective, parse_plan, plan_schema,
    query_parameter,
};
use crate::state::{AppState, blocking};

/// The two recorded times and the date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestatementParams {
    from: Option<String>,
    to: Option<String>,
    effective: Option<String>,
    plan: Option<String>,
}

impl IntoParams for RestatementParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_parameter(
                "from",
                true,
                "The earlier recorded-at time (e.g. when the earlier report was computed): RFC \
                 3339, or `YYYY-MM-DD` meaning the end of that day in Asia/Shanghai.",
                as_of_schema(),
            ),
            query_parameter(
                "to",
                false,
                "The later recorded-at time, as `from` (default: now). Not before `from`.",
                as_of_schema(),
            ),
            query_parameter(
                "effective",
                true,
                "The effective date whose figures are compared, `YYYY-MM-DD`.",
                date_schema(),
            ),
            query_parameter(
                "plan",
                false,
                "Plan id (default: the only plan).",
                plan_schema(),
            ),
        ]
    }
}

fn required(name: &str, value: Option<String>) -> ApiResult<String> {
    value.ok_or_else(|| {
        ApiError::bad_request(
            "missing_parameter",
            format!("the parameter {name} is required"),
        )
    })
}

/// Every indicator, item, task, category, part and plan figure for `effective` that differs
/// between the log as recorded at `from` and at `to`, before and after, each indicator's change
/// with its causes: a late report, a correction (voiding or replacing), a target revision, an
/// indicator added or retired, a redefinition. A rollup names the restated indicators under it.
#[utoipa::path(get, path = "/v1/restatements", tag = "queries",
    params(RestatementParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the restatements", body = RestatementsDto),
        (status = 404, description = "no such plan is loaded at either time (`no_plan`)", body = ErrorBody),
        (status = 422, description = "`to` is before `from` (`invalid_range`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn restatements(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<RestatementParams>,
) -> ApiResult<Json<RestatementsDto>> {
    state.read_access(&headers)?;
    let from = parse_as_of(&required("from", params.from)?)?;
    let to = params.to.as_deref().map(parse_as_of).transpose()?;
    let effective = parse_effective(&required("effective", params.effective)?)?;
    let plan = parse_plan(params.plan)?;
    if to.is_some_and(|to| to < from) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "`to` is before `from`: restatements run from an earlier time to a later one",
        ));
    }
    let query = RestatementQuery {
        plan,
        from,
        to,
        effective,
    };
    let tracker = state.tracker().clone();
    let permit = state.costly().await?;
    let restated = blocking(move || {
        let _permit = permit;
        Ok(tracker.restatements(&query)?)
    })
    .await?;
    Ok(Json(RestatementsDto::from(&restated)))
}
