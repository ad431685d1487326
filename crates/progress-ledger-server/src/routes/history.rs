//! `GET /v1/indicators/{id}/history`: the trail of one indicator.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use progress_ledger_core::{Error as CoreError, RejectCode};

use crate::dto::{HistoryDto, IndicatorDto, TrailStepDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

/// Every event of one indicator (its definitions included), each with the value, target and
/// completion after it.
#[utoipa::path(get, path = "/v1/indicators/{id}/history", tag = "queries",
    params(("id" = String, Path, description = "indicator id")),
    responses(
        (status = 200, description = "the trail", body = HistoryDto),
        (status = 404, description = "unknown indicator", body = ErrorBody),
    ))]
pub(crate) async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<HistoryDto>> {
    state.read_access(&headers)?;
    let unknown = || {
        ApiError::not_found(
            "unknown_indicator",
            format!("no indicator {id:?} is defined"),
        )
    };
    let indicator = state
        .tracker()
        .with_live(|p| {
            let catalog = p.catalog();
            catalog
                .indicator(&id)
                .map(|def| IndicatorDto::new(def, catalog.item_of(def)))
        })
        .ok_or_else(unknown)?;
    let tracker = state.tracker().clone();
    let trail = blocking(move || match tracker.history(&id) {
        Ok(trail) => Ok(trail),
        Err(CoreError::Rejected {
            code: RejectCode::UnknownIndicator,
            message,
        }) => Err(ApiError::not_found("unknown_indicator", message)),
        Err(other) => Err(other.into()),
    })
    .await?;
    Ok(Json(HistoryDto {
        indicator,
        trail: trail.iter().map(TrailStepDto::from).collect(),
    }))
}
