//! `GET /v1/indicators/{id}/history`: the trail of one indicator.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use progress_ledger_core::{Error as CoreError, RejectCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::{HistoryDto, IndicatorDto, TrailStepDto, TreeHeadDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{ApiQuery, indicator_schema, parse_count_or, parse_limit, seq_schema};
use crate::state::{AppState, blocking, unknown_indicator};

/// Default number of steps in a page of a trail.
const DEFAULT_STEPS: u64 = 1000;
/// Most steps in a page of a trail.
const MAX_STEPS: u64 = 10_000;

/// Which indicator.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct HistoryPath {
    /// Indicator id.
    #[param(schema_with = indicator_schema)]
    id: String,
}

/// Which page of the trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrailParams {
    /// Return the steps of events with sequence numbers above this (default 0: from the
    /// start).
    #[param(schema_with = seq_schema)]
    after: Option<String>,
    /// Most steps to return (default 1000).
    #[param(schema_with = steps_schema)]
    limit: Option<String>,
}

fn steps_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::count("most steps to return", 1).maximum(Some(MAX_STEPS as usize))
}

/// The events of one indicator (its definitions included), oldest first, a page at a time,
/// each with the value, target and completion after it; follow `next` for the next page. A
/// page costs what it returns, wherever in the trail it starts. A costly request: 503 `busy`
/// with `Retry-After` while the server computes as many as it allows.
#[utoipa::path(get, path = "/v1/indicators/{id}/history", tag = "queries",
    params(HistoryPath, TrailParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the trail", body = HistoryDto),
        (status = 404, description = "no such indicator is defined (`unknown_indicator`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(HistoryPath { id }): Path<HistoryPath>,
    ApiQuery(params): ApiQuery<TrailParams>,
) -> ApiResult<Json<HistoryDto>> {
    state.read_access(&headers)?;
    let after = parse_count_or("after", params.after.as_deref(), 0)?;
    let limit = parse_limit(params.limit.as_deref(), DEFAULT_STEPS, MAX_STEPS)?;
    let indicator = state
        .tracker()
        .with_live(|p| {
            let catalog = p.catalog();
            catalog
                .indicator(&id)
                .map(|def| IndicatorDto::new(def, catalog.item_of(def)))
        })
        .ok_or_else(|| unknown_indicator(&id))?;
    let tracker = state.tracker().clone();
    // The tree the trail is read from: the log as durable now. Events that become durable while
    // the trail is read are left out, so that the trail is the one of this tree.
    let size = tracker.ledger().len();
    let permit = state.costly().await?;
    let page = blocking(move || {
        let _permit = permit;
        tracker
            .history_page(&id, after, limit, size)
            .map_err(|error| match error {
                CoreError::Rejected {
                    code: RejectCode::UnknownIndicator,
                    message,
                } => ApiError::not_found("unknown_indicator", message),
                other => other.into(),
            })
    })
    .await?;
    let ledger = state.tracker().ledger().clone();
    let checkpoint = blocking(move || Ok(TreeHeadDto::of(&ledger, size))).await?;
    Ok(Json(HistoryDto {
        indicator,
        trail: page.steps.iter().map(TrailStepDto::from).collect(),
        next: page.next,
        checkpoint,
    }))
}
