//! `GET /v1/plan`: the plan tree.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::PlanDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{ApiQuery, parse_plan, plan_schema};
use crate::state::AppState;

/// Which plan.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PlanParams {
    /// Plan id (default: the only plan loaded, or the first by id).
    #[param(schema_with = plan_schema)]
    plan: Option<String>,
}

/// The plan tree: parts, categories, tasks, items and their indicators (targets in force).
#[utoipa::path(get, path = "/v1/plan", tag = "plan", params(PlanParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the plan", body = PlanDto),
        (status = 404, description = "no such plan is loaded (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<PlanParams>,
) -> ApiResult<Json<PlanDto>> {
    state.read_access(&headers)?;
    let wanted = parse_plan(params.plan)?;
    state
        .tracker()
        .with_live(|projection| {
            let catalog = projection.catalog();
            let plan = match &wanted {
                Some(id) => catalog.plan(id),
                None => catalog.plans().next(),
            };
            plan.map(|plan| PlanDto::new(plan, catalog))
        })
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no_plan", "no such plan is loaded in this ledger"))
}
