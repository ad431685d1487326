//! `POST /v1/events` (append an update) and `GET /v1/events` (the log, by page).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use progress_ledger_core::StreamId;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::credentials::Refused;
use crate::dto::request::check_id;
use crate::dto::{AppendedDto, EventDto, LogPage, NewEventRequest};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{ApiQuery, indicator_schema, parse_count_or, parse_limit, seq_schema};
use crate::state::{AppState, blocking, refused};

/// Default page size of the log.
const DEFAULT_LIMIT: u64 = 100;
/// Largest page size of the log.
const MAX_LIMIT: u64 = 1000;

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is over the server's limit (64 KiB by default)",
        )
    } else {
        ApiError::bad_request("invalid_body", rejection.body_text())
    }
}

/// The answer to a request body that did not arrive within `deadline`.
pub(crate) fn body_timeout(deadline: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "body_timeout",
        format!(
            "the request body did not arrive within {} s",
            deadline.as_secs()
        ),
    )
}

pub(crate) fn check_json_content_type(headers: &HeaderMap) -> ApiResult<()> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ))
    }
}

/// Records an update. The actor is the unit of the caller's token (in open development mode:
/// `development`), never anything in the body. Who may write what (the server's README has the
/// table) is decided with the append, under the ledger's lock; a refusal is 403 `forbidden`
/// whose message opens with the rule and names the owner.
#[utoipa::path(post, path = "/v1/events", tag = "events",
    request_body = NewEventRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "recorded and durable", body = AppendedDto),
        (status = 200, description = "an idempotent retry: this id was already recorded with the same body; nothing was written", body = AppendedDto),
        (status = 400, description = "malformed or invalid body: `malformed_json`, `invalid_body` \
            (wrong types, `null`s, missing or unknown fields), `field_not_allowed`, \
            `missing_field`, `unknown_type`, `invalid_id`, `invalid_date`, `invalid_number`, \
            `invalid_status`, `string_too_long`, `invalid_text`, `invalid_parameter`", body = ErrorBody),
        Unauthorized,
        (status = 403, description = "the token may not make this write (`forbidden`; the \
            message opens with the rule: `read_only_role`, `admin_only`, \
            `not_a_unit_of_the_item`, `own_district_only`, `district_figures_only`, \
            `district_no_status`, `own_events_only`), or, in open development mode, the `Host` \
            is not a loopback name (`non_loopback_host`)", body = ErrorBody),
        (status = 408, description = "the body did not arrive within the server's body timeout (`body_timeout`)", body = ErrorBody),
        (status = 409, description = "`version_conflict`, or the id was used with another body (`id_conflict`)", body = ErrorBody),
        (status = 413, description = "body over the limit (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "body not sent as JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "the update does not fit the plan: `unknown_indicator`, \
            `retired_indicator`, `kind_mismatch`, `out_of_range`, `outside_period`, \
            `unknown_district`, `unknown_deliverable`, `unknown_event`, `already_corrected`, \
            `not_recordable`", body = ErrorBody),
        Unavailable,
        Failed,
    ))]
pub(crate) async fn append(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<(StatusCode, Json<AppendedDto>)> {
    let headers = request.headers().clone();
    let caller = state.write_access(&headers)?;
    let identity = caller.identity().ok_or_else(|| refused(Refused::Missing))?;
    check_json_content_type(&headers)?;
    let deadline = state.config().body_timeout;
    let body = tokio::time::timeout(deadline, Bytes::from_request(request, &state))
        .await
        .map_err(|_| body_timeout(deadline))?
        .map_err(body_error)?;
    let checked = NewEventRequest::from_json(&body)?.check(identity.unit())?;
    let tracker = state.tracker().clone();
    // The id is chosen here when the body has none, so that an answer of `outcome_unknown`
    // can name it for the retry.
    let id = checked.event.id.unwrap_or_else(uuid::Uuid::now_v7);
    let event = checked.event.with_id(id);
    let appended = blocking(move || {
        tracker
            .record_as(&identity, event)
            .map_err(|error| match error {
                error @ progress_ledger_core::Error::OutcomeUnknown { .. } => {
                    ApiError::from(error).with_ids([id])
                }
                other => ApiError::from(other),
            })
    })
    .await?;
    let status = if appended.already_recorded {
        StatusCode::OK
    } else {
        tracing::info!(
            seq = appended.event.seq,
            stream = %appended.event.stream,
            actor = %appended.event.actor,
            kind = appended.event.payload.kind_name(),
            "recorded"
        );
        StatusCode::CREATED
    };
    Ok((status, Json(AppendedDto::from(&appended))))
}

/// Where to start and how much.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageParams {
    /// Return events with sequence numbers above this (default 0: from the start).
    #[param(schema_with = seq_schema)]
    after: Option<String>,
    /// Most events to return (default 100).
    #[param(schema_with = limit_schema)]
    limit: Option<String>,
    /// Only the events of this indicator.
    #[param(schema_with = indicator_schema)]
    indicator: Option<String>,
}

fn limit_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::count("most events to return", 1).maximum(Some(MAX_LIMIT as usize))
}

/// The log, oldest first, one page at a time; follow `next` for the next page.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(PageParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "a page of the log", body = LogPage),
        (status = 404, description = "no such indicator is defined (`unknown_indicator`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<LogPage>> {
    state.read_access(&headers)?;
    let after = parse_count_or("after", params.after.as_deref(), 0)?;
    let limit = parse_limit(params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let stream = match &params.indicator {
        Some(id) => {
            check_id("indicator", id)?;
            state.require_indicator(id)?;
            Some(StreamId::indicator(id)?)
        }
        None => None,
    };
    let ledger = state.tracker().ledger().clone();
    blocking(move || {
        let head = ledger.len();
        let mut events = match &stream {
            None => ledger.read_forward(after, limit + 1)?,
            Some(stream) => ledger.read_stream_after(stream, after, limit + 1)?,
        };
        let more = events.len() > limit;
        events.truncate(limit);
        let next = if more {
            events.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(Json(LogPage {
            events: events.iter().map(EventDto::from).collect(),
            next,
            head,
        }))
    })
    .await
}
