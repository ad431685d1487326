//! `GET /health`: liveness, whether the ledger takes appends (503 with the reason when it does
//! not), what opening set aside, derived data that could not be stored, run files found
//! damaged, and the credential mode (loudly, in open development mode).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::Failed;
use crate::credentials::Mode;
use crate::state::AppState;

/// Bytes that opening the ledger moved out of its log: the last flush before a crash, which
/// may never have completed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TornTailDto {
    /// Offset in the log where they started.
    pub offset: u64,
    /// How many bytes.
    pub bytes: u64,
    /// The file beside the log they were moved to.
    pub file: Option<String>,
}

impl From<&progress_ledger_core::SetAside> for TornTailDto {
    fn from(set_aside: &progress_ledger_core::SetAside) -> Self {
        Self {
            offset: set_aside.offset,
            bytes: set_aside.bytes,
            file: set_aside
                .file
                .as_ref()
                .map(|file| file.display().to_string()),
        }
    }
}

/// Liveness and mode.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `refusing_writes` (answered with 503) when the ledger takes no appends.
    pub status: String,
    /// Why the ledger takes no appends (damage found at open, or a failed write or sync since:
    /// restart the server once the disk is sound), if it does not.
    pub refusing_writes: Option<String>,
    /// Bytes set aside when the ledger was opened, if any.
    pub torn_tail: Option<TornTailDto>,
    /// Why the last projection snapshot or tally checkpoint could not be read or stored (a
    /// full disk, a directory that cannot be written), if so. They are derived data: appends
    /// and answers go on, but restarting and answers as recorded at a time take longer.
    pub derived_data_problem: Option<String>,
    /// Run files in use: copies of the log's events regrouped by stream, which reads of one
    /// indicator's events take their events from (derived data, written in the background).
    pub run_files: u64,
    /// Run files found damaged when read since the server started: each was renamed
    /// `<k>.run.damaged` and kept, its events were read from the log instead, and the run is
    /// written again. Not zero: look at the disk.
    pub run_files_set_aside: u64,
    /// `open_development` (started with `--open` and no credentials were ever created: anyone
    /// may write), `no_tokens` (no credentials were ever created: writes are refused), `tokens`,
    /// or `credentials_unavailable` (credentials were created but the token file is missing or
    /// cannot be read: everything that needs a credential is refused).
    pub mode: String,
    /// A warning or a hint for people, in every mode but `tokens`.
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

/// Liveness, whether the ledger takes appends, and the credential mode.
#[utoipa::path(get, path = "/health", tag = "health",
    responses(
        (status = 200, description = "the server is up and the ledger takes appends", body = Health),
        (status = 503, description = "the server is up but the ledger refuses appends (`refusing_writes` says why)", body = Health),
        Failed,
    ))]
pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let mode = state.credentials().mode();
    let (mode, warning) = match mode {
        Mode::OpenDevelopment => (
            "open_development",
            Some(
                "OPEN DEVELOPMENT MODE: no token exists, so anyone on this machine may write, recorded as \"development\"; the first `progress-ledger token add` ends it"
                    .to_owned(),
            ),
        ),
        Mode::NoTokens => (
            "no_tokens",
            Some(
                "no token exists yet, so writes are refused: create one with `progress-ledger token add --unit <unit> --role <role>`, or restart with `serve --open` for local development"
                    .to_owned(),
            ),
        ),
        Mode::Tokens { .. } => ("tokens", None),
        Mode::Unavailable => (
            "credentials_unavailable",
            Some("the token file is missing or cannot be read, though credentials were created: requests that need a credential are refused".to_owned()),
        ),
    };
    let plans = state
        .tracker()
        .with_live(|p| p.catalog().plans().map(|p| p.id.clone()).collect());
    let ledger = state.tracker().ledger();
    let stats = ledger.stats();
    let refusing_writes = ledger.refusal();
    let status = if refusing_writes.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let health = Health {
        status: if refusing_writes.is_some() {
            "refusing_writes"
        } else {
            "ok"
        }
        .into(),
        refusing_writes,
        torn_tail: ledger.torn_tail().map(TornTailDto::from),
        derived_data_problem: state.tracker().derived_problem(),
        run_files: stats.runs,
        run_files_set_aside: stats.runs_set_aside,
        mode: mode.into(),
        warning,
        reads_require_token: state.config().require_token_for_reads,
        events: state.tracker().ledger().len(),
        plans,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    (status, Json(health))
}
