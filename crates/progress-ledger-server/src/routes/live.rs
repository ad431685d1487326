//! `GET /v1/events/live`: server-sent events. Catches up from `after`, then follows new
//! appends as they become durable, with keep-alive comments between them.
//!
//! The core's subscription blocks, so each feed has a thread that follows the ledger and hands
//! events to the response through a bounded channel. The thread ends when the client goes
//! away (the channel closes), when the server stops, or on a read error.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use progress_ledger_core::Event;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr, Required};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::Stopping;
use crate::dto::EventDto;
use crate::dto::schema::one_of_words;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::params::{ApiQuery, parse_count, seq_schema};
use crate::state::AppState;

/// How long the follower thread waits for a new event before it checks whether to stop.
const POLL: Duration = Duration::from_millis(200);
/// Events buffered between the follower thread and the response.
const BUFFER: usize = 256;

/// Where to start.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LiveParams {
    /// Send events with sequence numbers above this, then follow (default: the
    /// `Last-Event-ID` header, else 0: the whole log).
    #[param(schema_with = seq_schema)]
    after: Option<String>,
}

/// The live feed, as `text/event-stream`: one `event: event` per ledger event, with `id:` its
/// sequence number and `data:` the event as JSON (the same shape as in `GET /v1/events`).
///
/// If reading the ledger fails, the feed sends one `event: error` whose `data` is
/// `{"code", "message"}`, and ends.
#[utoipa::path(get, path = "/v1/events/live", tag = "events",
    params(LiveParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "server-sent events, one per ledger event (see `itemSchema`), \
            with keep-alive comments between them", content_type = "text/event-stream"),
        BadParameter, Unauthorized, Unavailable, Failed,
    ))]
pub(crate) async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<LiveParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    state.read_access(&headers)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_count("Last-Event-ID", v))
        .transpose()?;
    let after = match params.after.as_deref() {
        Some(after) => parse_count("after", after)?,
        None => resume.unwrap_or(0),
    };
    let permit = state
        .live_feeds()
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::unavailable(
                "too_many_live_feeds",
                "the server is serving as many live feeds as it allows; retry later",
            )
        })?;
    let (sender, receiver) = mpsc::channel::<Result<Event, ApiError>>(BUFFER);
    let ledger = state.tracker().ledger().clone();
    let stopping = state.config().stopping.clone();
    let follower_stopping = stopping.clone();
    std::thread::Builder::new()
        .name("live-feed".into())
        .spawn(move || {
            let _permit = permit;
            let mut subscription = ledger.subscribe(after);
            while !follower_stopping.is_stopping() && !sender.is_closed() {
                match subscription.next_timeout(POLL) {
                    Ok(Some(event)) => {
                        if sender.blocking_send(Ok(event)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => {}
                    Err(error) => {
                        let _ = sender.blocking_send(Err(ApiError::from(error)));
                        break;
                    }
                }
            }
        })
        .map_err(|e| {
            ApiError::unavailable(
                "too_many_live_feeds",
                format!("cannot start a live feed: {e}"),
            )
        })?;
    tracing::debug!(after, "live feed opened");
    let keep_alive = KeepAlive::new()
        .interval(state.config().keep_alive)
        .text("keep-alive");
    Ok(Sse::new(feed(receiver, stopping)).keep_alive(keep_alive))
}

/// What the path macro cannot state of the feed: its `Last-Event-ID` header (a count up to
/// `int64`'s largest), and the items of its `text/event-stream` answer (OpenAPI 3.2
/// `itemSchema`): an `event` item with the event as JSON, or a last `error` item.
pub(crate) fn describe(openapi: &mut OpenApi) {
    let json = |schema: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/json")
            .content_schema(Some(Ref::from_schema_name(schema)))
    };
    let event = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some("event"))
        .property("event", one_of_words("the item's type", &["event"]))
        .required("event")
        .property(
            "id",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]+$"))
                .description(Some("the event's sequence number")),
        )
        .required("id")
        .property(
            "data",
            json("EventDto").description(Some("the event, as in GET /v1/events")),
        )
        .required("data");
    let error = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some("error"))
        .property("event", one_of_words("the item's type", &["error"]))
        .required("event")
        .property(
            "data",
            json("ErrorDetail").description(Some("what failed; the feed ends")),
        )
        .required("data");
    let items = OneOfBuilder::new().item(event).item(error);
    let Some(operation) = openapi
        .paths
        .paths
        .get_mut("/v1/events/live")
        .and_then(|item| item.get.as_mut())
    else {
        return;
    };
    let resume = ParameterBuilder::new()
        .name("Last-Event-ID")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "the `id` of the last event received, to resume after it (`after` wins)",
        ))
        .schema(Some(seq_schema()))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(resume));
    let stream = operation
        .responses
        .responses
        .get_mut("200")
        .and_then(|response| match response {
            RefOr::T(response) => response.content.get_mut("text/event-stream"),
            RefOr::Ref(_) => None,
        });
    if let Some(RefOr::T(stream)) = stream {
        stream.item_schema = Some(items.into());
    }
}

/// The response stream: events from the follower until it ends or the server stops.
fn feed(
    receiver: mpsc::Receiver<Result<Event, ApiError>>,
    stopping: Stopping,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold(
        (receiver, stopping, false),
        |(mut receiver, stopping, failed)| async move {
            if failed {
                return None;
            }
            let next = tokio::select! {
                next = receiver.recv() => next,
                () = stopping.stopped() => None,
            };
            let (item, failed) = match next? {
                Ok(event) => {
                    let data = serde_json::to_string(&EventDto::from(&event)).unwrap_or_default();
                    let sse = SseEvent::default()
                        .id(event.seq.to_string())
                        .event("event")
                        .data(data);
                    (sse, false)
                }
                Err(error) => {
                    let body = ErrorDetail {
                        code: error.code.to_owned(),
                        message: error.message,
                        ids: None,
                    };
                    let data = serde_json::to_string(&body).unwrap_or_default();
                    (SseEvent::default().event("error").data(data), true)
                }
            };
            Some((Ok(item), (receiver, stopping, failed)))
        },
    )
}
