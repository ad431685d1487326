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
mod tlog;
mod verify;

use std::any::Any;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApiVersion;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The top of the OpenAPI description; the paths are added from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "progress-ledger",
        description = "An event-sourced progress ledger for government action plans. Every \
            update is an immutable, hash-chained event; projections fold them into completion \
            at every level of the plan. Errors answer `{\"error\": {\"code\", \"message\"}}`. \
            Writes need `Authorization: Bearer <token>` once a token exists (tokens are created \
            with `progress-ledger token add`); with none the server runs in open development mode."
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
    description = "no token where one is needed (`missing_token`: writes once a token exists, \
        reads with `--require-token-for-reads`), or an unknown or malformed one (`invalid_token`)"
)]
pub(crate) struct Unauthorized(
    #[expect(dead_code, reason = "only described, never built")] ErrorBody,
);

/// Answers 503: the service cannot answer now.
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "cannot answer now: the token file cannot be read (`credentials_unavailable`), \
        the ledger is damaged or refuses writes (`ledger_damaged`, `ledger_poisoned`), or, on the \
        live feed, too many feeds are open (`too_many_live_feeds`)"
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
    api
}

/// The OpenAPI description.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The whole router, with its state, limits, error fallbacks and tracing.
pub(crate) fn router(state: AppState) -> axum::Router {
    let body_limit = state.config().body_limit;
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
        .with_state(state)
        .layer(CatchPanicLayer::custom(panicked))
        .layer(TraceLayer::new_for_http())
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
