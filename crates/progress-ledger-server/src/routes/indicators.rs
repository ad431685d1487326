//! `GET /v1/indicators`: every indicator with its target in force and its item's units.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::IndicatorDto;
use crate::error::ApiResult;
use crate::params::{ApiQuery, parse_plan, plan_schema};
use crate::state::AppState;

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct IndicatorParams {
    /// Only this plan's indicators (none, for a plan that is not loaded).
    #[param(schema_with = plan_schema)]
    plan: Option<String>,
}

/// The list of indicators, in plan order.
#[utoipa::path(get, path = "/v1/indicators", tag = "plan", params(IndicatorParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the indicators", body = Vec<IndicatorDto>),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn indicators(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<IndicatorParams>,
) -> ApiResult<Json<Vec<IndicatorDto>>> {
    state.read_access(&headers)?;
    let plan = parse_plan(params.plan)?;
    Ok(Json(state.tracker().with_live(|projection| {
        IndicatorDto::all(projection.catalog(), plan.as_deref())
    })))
}
