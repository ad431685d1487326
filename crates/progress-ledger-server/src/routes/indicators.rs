//! `GET /v1/indicators`: every indicator with its target in force and its item's units.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dto::IndicatorDto;
use crate::error::{ApiResult, ErrorBody};
use crate::params::ApiQuery;
use crate::state::AppState;

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct IndicatorParams {
    /// Only this plan's indicators.
    plan: Option<String>,
}

/// The list of indicators, in plan order.
#[utoipa::path(get, path = "/v1/indicators", tag = "plan", params(IndicatorParams),
    responses(
        (status = 200, description = "the indicators", body = Vec<IndicatorDto>),
        (status = 400, description = "bad parameter", body = ErrorBody),
    ))]
pub(crate) async fn indicators(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<IndicatorParams>,
) -> ApiResult<Json<Vec<IndicatorDto>>> {
    state.read_access(&headers)?;
    Ok(Json(state.tracker().with_live(|projection| {
        IndicatorDto::all(projection.catalog(), params.plan.as_deref())
    })))
}
