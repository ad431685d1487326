//! `GET /health`: liveness, and the credential mode (loudly, in open development mode).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::Failed;
use crate::credentials::Mode;
use crate::state::AppState;

/// Liveness and mode.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `open_development` (no token exists: anyone may write), `tokens`, or
    /// `credentials_unavailable` (the token file cannot be read: writes are refused).
    pub mode: String,
    /// A warning for people, present in open development mode.
    pub warning: Option<String>,
    /// Whether reads need a token.
    pub reads_require_token: bool,
    /// Durable events in the ledger.
    pub events: u64,
    /// Plans loaded.
    pub plans: Vec<String>,
    /// Version of the server.
    pub version: String,
}

/// Liveness and the credential mode.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "the server is up", body = Health), Failed))]
pub(crate) async fn health(State(state): State<AppState>) -> Json<Health> {
    let mode = state.credentials().mode();
    let (mode, warning) = match mode {
        Mode::OpenDevelopment => (
            "open_development",
            Some(
                "OPEN DEVELOPMENT MODE: no token exists, so anyone may write, recorded as \"development\"; create one with `progress-ledger token add`"
                    .to_owned(),
            ),
        ),
        Mode::Tokens { .. } => ("tokens", None),
        Mode::Unavailable => (
            "credentials_unavailable",
            Some("the token file cannot be read: requests that need a credential are refused".to_owned()),
        ),
    };
    let plans = state
        .tracker()
        .with_live(|p| p.catalog().plans().map(|p| p.id.clone()).collect());
    Json(Health {
        status: "ok".into(),
        mode: mode.into(),
        warning,
        reads_require_token: state.config().require_token_for_reads,
        events: state.tracker().ledger().len(),
        plans,
        version: env!("CARGO_PKG_VERSION").into(),
    })
}
