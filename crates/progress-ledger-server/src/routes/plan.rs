//! `GET /v1/plan`: the plan tree.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dto::PlanDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::ApiQuery;
use crate::state::AppState;

/// Which plan.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PlanParams {
    /// Plan id (default: the only plan loaded, or the first by id).
    plan: Option<String>,
}

/// The plan tree: parts, categories, tasks, items and their indicators (targets in force).
#[utoipa::path(get, path = "/v1/plan", tag = "plan", params(PlanParams),
    responses(
        (status = 200, description = "the plan", body = PlanDto),
        (status = 404, description = "no plan is loaded", body = ErrorBody),
    ))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<PlanParams>,
) -> ApiResult<Json<PlanDto>> {
    state.read_access(&headers)?;
    state
        .tracker()
        .with_live(|projection| {
            let catalog = projection.catalog();
            let plan = match &params.plan {
                Some(id) => catalog.plan(id),
                None => catalog.plans().next(),
            };
            plan.map(|plan| PlanDto::new(plan, catalog))
        })
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no_plan", "no such plan is loaded in this ledger"))
}
