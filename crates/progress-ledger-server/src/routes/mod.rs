//! The routes: one module per resource, collected with their OpenAPI descriptions.

mod events;
mod explain;
mod health;
mod history;
mod indicators;
mod live;
mod plan;
mod progress;
mod report;
mod restatements;
mod sheets;
mod tlog;
mod verify;

use std::any::Any;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::HOST;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApiVersion;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::credentials::Mode;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub(crate) use verify::VerifyCache;

/// The top of the OpenAPI description; the paths are added from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "progress-ledger",
        description = "An event-sourced progress ledger for government action plans. Every \
            update is an immutable, hash-chained event; projections fold them into completion \
            at every level of the plan. Errors answer `{\"error\": {\"code\", \"message\"}}`. \
            Writes need `Authorization: Bearer <token>` (tokens are created with \
            `progress-ledger token add`); who may write what is in the server's README. Costly \
            requests (verification, replays as of a time, reports, histories) answer 503 `busy` \
            with `Retry-After` when the server computes as many as it allows. In open \
            development mode (`serve --open`, loopback only, while no token was ever created) \
            every request is allowed, and requests whose `Host` is not a loopback name answer \
            403 `non_loopback_host`."
    ),
    modifiers(&BearerAuth, &Version32),
    components(schemas(ErrorBody)),
    tags(
        (name = "health", description = "liveness and mode"),
        (name = "plan", description = "the plan and its indicators"),
        (name = "events", description = "the log: append, read by page, follow live"),
        (name = "queries", description = "progress, history, the supervision report"),
        (name = "audit", description = "verification of the hash chain; the transparency log: \
            signed checkpoints, inclusion and consistency proofs, C2SP tlog-tiles"),
    )
)]
struct ApiDoc;

/// The tile route, described apart because axum routes it with a wildcard.
#[derive(OpenApi)]
#[openapi(paths(tlog::tile))]
struct TileDoc;

/// Answers 400: a query parameter the operation does not take, one given twice, or a value
/// outside its schema.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "a parameter is unknown (`unknown_parameter`), repeated (`repeated_parameter`) or \
        outside its schema (`invalid_parameter`, `invalid_id`, `invalid_as_of` …)"
)]
pub(crate) struct BadParameter(
    #[expect(dead_code, reason = "only described, never built")] ErrorBody,
);

/// Answers 401: a credential is needed and none was sent, or an unknown one, or the
/// `Authorization` header is not `Bearer <token>`.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "no token where one is needed (`missing_token`: writes, and reads with \
        `--require-token-for-reads`), an unknown, revoked or malformed one (`invalid_token`), or \
        an expired one (`expired_token`)"
)]
pub(crate) struct Unauthorized(
    #[expect(dead_code, reason = "only described, never built")] ErrorBody,
);

/// Answers 503: the service cannot answer now.
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "cannot answer now: the token file cannot be read or is gone \
        (`credentials_unavailable`), the ledger is damaged or refuses writes (`ledger_damaged`, \
        `ledger_poisoned`), the server computes as many costly answers as it allows (`busy`, \
        with `Retry-After`), a read took longer than the server allows (`timed_out`), or, on \
        the live feed, too many feeds are open (`too_many_live_feeds`)"
)]
pub(crate) struct Unavailable(
    #[expect(dead_code, reason = "only described, never built")] ErrorBody,
);

/// Answers 500: the server failed; the details are in its log only.
#[derive(IntoResponses)]
#[response(
    status = 500,
    description = "the server failed; the error was logged (`internal`)"
)]
pub(crate) struct Failed(#[expect(dead_code, reason = "only described, never built")] ErrorBody);

struct Version32;

impl Modify for Version32 {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // OpenAPI 3.2 describes each item of a server-sent event stream (`itemSchema`).
        openapi.openapi = OpenApiVersion::Version32;
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(plan::plan))
        .routes(routes!(indicators::indicators))
        .routes(routes!(events::append, events::page))
        .routes(routes!(sheets::batch))
        .routes(routes!(sheets::upload))
        .routes(routes!(sheets::template))
        .routes(routes!(live::live))
        .routes(routes!(progress::progress))
        .routes(routes!(history::history))
        .routes(routes!(explain::indicator))
        .routes(routes!(explain::task))
        .routes(routes!(explain::category))
        .routes(routes!(explain::plan))
        .routes(routes!(restatements::restatements))
        .routes(routes!(report::report))
        .routes(routes!(verify::verify))
        .routes(routes!(tlog::checkpoint, tlog::sign))
        .routes(routes!(tlog::tlog_checkpoint))
        .routes(routes!(tlog::inclusion))
        .routes(routes!(tlog::consistency));
    live::describe(api.get_openapi_mut());
    // The tile path spans several segments: routed by hand (see `router`), described here.
    api.get_openapi_mut().merge(TileDoc::openapi());
    describe_host_guard(api.get_openapi_mut());
    api
}

/// Every operation may answer 403 `non_loopback_host` in open development mode (see
/// [`guard`]): an operation that documents no 403 of its own gets this one.
fn describe_host_guard(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    let response = ResponseBuilder::new()
        .description(
            "open development mode only: the `Host` is not a loopback name (`non_loopback_host`)",
        )
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build();
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("403".to_owned())
                .or_insert_with(|| response.clone().into());
        }
    }
}

/// The OpenAPI description.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The whole router, with its state, limits, error fallbacks and tracing.
pub(crate) fn router(state: AppState) -> axum::Router {
    let body_limit = state.config().body_limit;
    let guards = state.clone();
    let (router, openapi) = api().split_for_parts();
    let document = std::sync::Arc::new(openapi);
    router
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .route("/v1/tlog/tile/{*path}", get(tlog::tile))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(guards, guard))
        .with_state(state)
        .layer(CatchPanicLayer::custom(panicked))
        .layer(TraceLayer::new_for_http())
}

/// What every request passes first: in open development mode, a `Host` that is a loopback
/// name (403 `non_loopback_host` otherwise: a page elsewhere must not reach a developer's open
/// server through DNS rebinding); and a read must be answered within
/// [`crate::ServerConfig::request_timeout`] (503 `timed_out`). Appends are not cut short: their
/// body has its own deadline, and an append in progress ends with its outcome.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.credentials().mode() == Mode::OpenDevelopment {
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
        if !host.is_some_and(is_loopback_host) {
            return ApiError::forbidden("open development mode answers only requests to a loopback name (localhost, 127.0.0.1, [::1])")
                .with_code("non_loopback_host")
                .into_response();
        }
    }
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let limit = state.config().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(
            "timed_out",
            format!(
                "the answer took longer than the server allows ({} s); retry later",
                limit.as_secs()
            ),
        )
        .with_retry_after(1)
        .into_response(),
    }
}

/// Whether a `Host` header names the local machine: `localhost` (or a name under it), or a
/// loopback address, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => host,
        },
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such path; GET /openapi.json lists them")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not accept that method; GET /openapi.json lists them",
    )
}

fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed to complete the request; the error was logged",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_hosts_are_told_from_others() {
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.",
            "api.localhost:80",
            "127.0.0.1",
            "127.0.0.1:18931",
            "127.1.2.3",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "attacker.example:8080",
            "localhost.attacker.example",
            "10.0.0.1:8080",
            "0.0.0.0",
            "[::]:8080",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
