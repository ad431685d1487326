//! `GET /v1/progress`: progress now, as recorded at a time, as effective on a date, or both.
//!
//! Answers are kept serialised (see [`crate::cache`]) and carry an entity tag; a client that
//! sends it back in `If-None-Match` gets `304 Not Modified` while the answer is unchanged.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use progress_ledger_core::{ProgressQuery, plan_date};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::cache::{Entry, Key, not_modified};
use crate::dto::ProgressDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{
    ApiQuery, as_of_schema, date_schema, parse_as_of, parse_effective, parse_plan, plan_schema,
};
use crate::state::{AppState, blocking};

/// Which state of the log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProgressParams {
    /// As recorded at this time: RFC 3339, or `YYYY-MM-DD` meaning the end of that day in
    /// Asia/Shanghai (default: now).
    #[param(schema_with = as_of_schema)]
    as_of: Option<String>,
    /// As effective on this date, `YYYY-MM-DD`: only updates about that day or earlier count.
    #[param(schema_with = date_schema)]
    effective: Option<String>,
    /// Plan id (default: the only plan).
    #[param(schema_with = plan_schema)]
    plan: Option<String>,
}

/// Progress of the plan: every indicator, item, task, category and part, per lead unit and per
/// district, with completion and schedule status.
///
/// Every answer carries an `ETag` and `Cache-Control: no-cache`: clients may keep it but must
/// revalidate, sending the tag back in `If-None-Match`. The tag of an answer for an explicit
/// `as_of` is strong; the tag of an answer "now" is weak (`W/"…"`), since its `as_of` field
/// is the moment of each request while the rest stays the same until the next append (or, with
/// no `effective`, the next day in Asia/Shanghai).
#[utoipa::path(get, path = "/v1/progress", tag = "queries",
    security((), ("bearer" = [])),
    params(
        ProgressParams,
        ("If-None-Match" = Option<String>, Header,
            description = "entity tags of answers the client holds; a match (weak comparison, \
                or `*`) answers 304 with no body"),
    ),
    responses(
        (status = 200, description = "the progress view", body = ProgressDto,
            headers(
                ("ETag" = String, description = "entity tag of this answer: strong for an \
                    explicit `as_of`, weak for an answer now"),
                ("Cache-Control" = String, description = "`no-cache`: revalidate before reuse"),
            )),
        (status = 304, description = "not modified: `If-None-Match` matched the current answer",
            headers(
                ("ETag" = String, description = "entity tag of the current answer"),
                ("Cache-Control" = String, description = "`no-cache`"),
            )),
        (status = 404, description = "no such plan was loaded at that time (`no_plan`)", body = ErrorBody),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ProgressParams>,
) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let as_of = params.as_of.as_deref().map(parse_as_of).transpose()?;
    let effective = params
        .effective
        .as_deref()
        .map(parse_effective)
        .transpose()?;
    let plan = parse_plan(params.plan)?;
    let now = Timestamp::now();
    let plain = as_of.is_none() && effective.is_none();
    let key = Key {
        plan,
        as_of,
        effective,
        today: plain.then(|| plan_date(now)),
        // The durable head: an answer kept for it is the log as a reader may see it.
        seq: state.tracker().ledger().len(),
    };
    let cutoff = as_of.unwrap_or(now);
    if let Some(entry) = state.progress_cache().get(&key) {
        return Ok(answer(&headers, &entry, cutoff));
    }
    // A replay as of a time, or a view effective on a date, is a costly request; the view now
    // is kept by the tracker until the next append.
    let permit = if plain {
        None
    } else {
        Some(state.costly().await?)
    };
    let state = state.clone();
    let fresh = blocking(move || {
        let _permit = permit;
        compute(&state, key, cutoff)
    })
    .await?;
    Ok(match fresh {
        Fresh::Kept(entry) => answer(&headers, &entry, cutoff),
        Fresh::Unkept(body) => json(body),
    })
}

/// Initial capacity of a serialised answer.
const BODY_CAPACITY: usize = 128 * 1024;

/// A freshly computed answer.
enum Fresh {
    /// Kept in the cache (or keepable), with its tag.
    Kept(Entry),
    /// A body that could not be kept; answered without a tag.
    Unkept(Vec<u8>),
}

/// Computes the answer for `key` at `cutoff` and keeps it under the key it was computed for.
fn compute(state: &AppState, key: Key, cutoff: Timestamp) -> ApiResult<Fresh> {
    let query = ProgressQuery {
        plan: key.plan.clone(),
        as_of: key.as_of,
        effective: key.effective,
    };
    let view = state.tracker().progress(&query)?;
    // Sized for the Hefei plan's ~100 KB at once, instead of growing from 128 bytes by doubling.
    let mut body = Vec::with_capacity(BODY_CAPACITY);
    let dto = ProgressDto::new(&view, cutoff).with_tree(state.tracker().ledger());
    serde_json::to_writer(&mut body, &dto)
        .map_err(|e| ApiError::internal(format!("the progress answer cannot be encoded: {e}")))?;
    let Some(entry) = Entry::new(&body, key.as_of.is_some()) else {
        tracing::error!("the progress answer does not open with as_of; it is not cached");
        return Ok(Fresh::Unkept(body));
    };
    let computed_for = if key.as_of.is_none() {
        // Now: the live projection, whose head may have moved since the key was made.
        Some(Key {
            today: key.today.map(|_| view.schedule_date),
            seq: view.seq,
            ..key
        })
    } else if view.seq <= key.seq {
        // As recorded at a time: the log up to `key.seq` gives this view, since every event
        // after the view's own head was recorded after the cutoff (recorded-at never goes
        // backwards). An event written since the key was made and recorded before the cutoff
        // (a cutoff in the future) would make the view's head pass `key.seq`.
        Some(key)
    } else {
        None
    };
    if let Some(key) = computed_for {
        state.progress_cache().insert(key, entry.clone());
    }
    Ok(Fresh::Kept(entry))
}

/// 304 if the client holds the answer, else 200 with it; both with its tag.
fn answer(headers: &HeaderMap, entry: &Entry, cutoff: Timestamp) -> Response {
    let mut response = if not_modified(headers, entry.etag()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        json(entry.body(cutoff))
    };
    let headers = response.headers_mut();
    headers.insert(ETAG, entry.etag().clone());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// 200 with a serialised JSON body.
fn json(body: impl Into<axum::body::Body>) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.into(),
    )
        .into_response()
}
