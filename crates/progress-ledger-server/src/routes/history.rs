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
use crate::params::{ApiQuery, NoParams, indicator_schema};
use crate::state::{AppState, blocking, unknown_indicator};

/// Which indicator.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct HistoryPath {
    /// Indicator id.
    #[param(schema_with = indicator_schema)]
    id: String,
}

/// Every event of one indicator (its definitions included), each with the value, target and
/// completion after it. A costly request: 503 `busy` with `Retry-After` while the server
/// computes as many as it allows.
#[utoipa::path(get, path = "/v1/indicators/{id}/history", tag = "queries",
    params(HistoryPath),
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
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Json<HistoryDto>> {
    state.read_access(&headers)?;
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
    let trail = blocking(move || {
        let _permit = permit;
        match tracker.history(&id) {
            Ok(mut trail) => {
                trail.retain(|step| step.event.seq <= size);
                Ok(trail)
            }
            Err(CoreError::Rejected {
                code: RejectCode::UnknownIndicator,
                message,
            }) => Err(ApiError::not_found("unknown_indicator", message)),
            Err(other) => Err(other.into()),
        }
    })
    .await?;
    let ledger = state.tracker().ledger().clone();
    let checkpoint = blocking(move || Ok(TreeHeadDto::of(&ledger, size))).await?;
    Ok(Json(HistoryDto {
        indicator,
        trail: trail.iter().map(TrailStepDto::from).collect(),
        checkpoint,
    }))
}
