//! `GET /v1/events/live`: server-sent events. Catches up from `after`, then follows new
//! appends as they become durable, with keep-alive comments between them.
//!
//! Each feed is an async task, not a thread: it reads [`crate::ServerConfig::live_feed_page`]
//! events at a time (on the blocking pool) and hands them to the response one by one, and waits
//! for more on the shared head watch ([`crate::follow`]). The response is pulled by the
//! connection, so a client that does not read holds at most one page and the connection's
//! buffers, and is dropped after [`crate::ServerConfig::send_timeout`]. A feed opened with a
//! token checks it again every [`crate::ServerConfig::recheck_interval`] and ends with an
//! `error` item when it was revoked or has expired. A feed ends when the client goes away, the
//! server stops, or a read fails.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use progress_ledger_core::Event;
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::Instant;
use utoipa::IntoParams;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr, Required};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::credentials::Caller;
use crate::dto::EventDto;
use crate::dto::schema::one_of_words;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::params::{ApiQuery, parse_count, seq_schema};
use crate::state::{AppState, refused};

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
    let caller = state.read_access(&headers)?;
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
            .with_retry_after(5)
        })?;
    let heads = state.heads().subscribe().map_err(|e| {
        ApiError::unavailable(
            "too_many_live_feeds",
            format!("cannot follow the ledger: {e}"),
        )
    })?;
    tracing::debug!(after, "live feed opened");
    let keep_alive = KeepAlive::new()
        .interval(state.config().keep_alive)
        .text("keep-alive");
    let feed = Feed {
        next_check: Instant::now() + state.config().recheck_interval,
        state,
        caller,
        position: after,
        pending: VecDeque::new(),
        heads,
        ended: false,
        _permit: permit,
    };
    Ok(Sse::new(feed.into_stream()).keep_alive(keep_alive))
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

/// Each event's sequence number and JSON (as in `GET /v1/events`).
fn encode(events: &[Event]) -> Vec<(u64, Arc<str>)> {
    events
        .iter()
        .map(|event| {
            let data = serde_json::to_string(&EventDto::from(event)).unwrap_or_default();
            (event.seq, Arc::from(data))
        })
        .collect()
}

/// One feed: where it is, the page it holds, and what it waits on.
struct Feed {
    state: AppState,
    caller: Caller,
    /// Sequence number of the last event read from the ledger.
    position: u64,
    /// Events read and not sent yet (at most one page): sequence number and JSON.
    pending: VecDeque<(u64, Arc<str>)>,
    heads: watch::Receiver<u64>,
    next_check: Instant,
    /// Whether the last item (an error) was sent.
    ended: bool,
    /// The feed's place among [`crate::ServerConfig::max_live_feeds`].
    _permit: OwnedSemaphorePermit,
}

impl Feed {
    fn into_stream(self) -> impl Stream<Item = Result<SseEvent, Infallible>> {
        futures_util::stream::unfold(self, |mut feed| async move {
            let item = feed.next().await?;
            Some((Ok(item), feed))
        })
    }

    /// The next item: an event, or a last `error` item; `None` when the feed ends.
    async fn next(&mut self) -> Option<SseEvent> {
        if self.ended {
            return None;
        }
        let config = self.state.config().clone();
        loop {
            if Instant::now() >= self.next_check {
                self.next_check = Instant::now() + config.recheck_interval;
                let checked = self
                    .state
                    .credentials()
                    .recheck(&self.caller, config.require_token_for_reads);
                if let Err(refusal) = checked {
                    return Some(self.fail(refused(refusal)));
                }
            }
            if let Some((seq, data)) = self.pending.pop_front() {
                return Some(
                    SseEvent::default()
                        .id(seq.to_string())
                        .event("event")
                        .data(&*data),
                );
            }
            let durable = *self.heads.borrow_and_update();
            let page = config.live_feed_page.max(1);
            if durable > self.position {
                let kept = self.state.frames().after(self.position, page);
                if let Some((last, _)) = kept.last() {
                    self.position = *last;
                    self.pending.extend(kept);
                    continue;
                }
                // Pages are read and encoded a few at a time across all feeds (see
                // `AppState::feed_reads`): feeds that catch up, or reconnect again and again,
                // wait their turn instead of filling the blocking pool ahead of appends.
                let permit = tokio::select! {
                    permit = self.state.feed_reads().clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => return None,
                    },
                    () = config.stopping.stopped() => return None,
                };
                // Another feed may have encoded the page while this one waited.
                let kept = self.state.frames().after(self.position, page);
                if let Some((last, _)) = kept.last() {
                    self.position = *last;
                    self.pending.extend(kept);
                    continue;
                }
                let ledger = self.state.tracker().ledger().clone();
                let after = self.position;
                let read = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    ledger
                        .read_forward(after, page)
                        .map(|events| encode(&events))
                });
                match read.await {
                    Ok(Ok(events)) if !events.is_empty() => {
                        self.state.frames().keep(&events);
                        self.position = events.last().map_or(after, |(seq, _)| *seq);
                        self.pending.extend(events);
                        continue;
                    }
                    // The head moved but nothing is readable past the position yet: wait.
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return Some(self.fail(ApiError::from(error))),
                    Err(error) => {
                        return Some(self.fail(ApiError::internal(format!(
                            "a live feed's read failed: {error}"
                        ))));
                    }
                }
            }
            tokio::select! {
                changed = self.heads.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                () = config.stopping.stopped() => return None,
                () = tokio::time::sleep_until(self.next_check) => {}
            }
        }
    }

    /// The last item: `error` with `error`'s code and message.
    fn fail(&mut self, error: ApiError) -> SseEvent {
        self.ended = true;
        let body = ErrorDetail {
            code: error.code.to_owned(),
            message: error.message,
            ids: None,
        };
        let data = serde_json::to_string(&body).unwrap_or_default();
        SseEvent::default().event("error").data(data)
    }
}
