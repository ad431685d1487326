//! The thin HTTP/JSON server of progress-ledger: the events and projections of a
//! [`Tracker`] over axum, with credentials.
//!
//! ```no_run
//! use progress_ledger_core::Tracker;
//! use progress_ledger_server::{Server, ServerConfig, run};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let tracker = Tracker::open("./data/ledger")?;
//! let server = Server::new(tracker, ServerConfig::new("./data"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! run(listener, server, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Another service can mount the API instead: [`router`] returns a plain [`axum::Router`]; the
//! host then ends live feeds with [`ServerConfig::stopping`] and closes the tracker itself.
//!
//! The paths and fields are listed in the product brief's table and described by
//! `GET /openapi.json`, which is generated from the handlers so that it cannot drift.

#![deny(missing_docs)]

mod cache;
pub mod checkpoints;
pub mod credentials;
pub mod dto;
mod error;
pub mod params;
mod routes;
mod state;

use std::future::{Future, IntoFuture};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use progress_ledger_core::Tracker;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use error::{ApiError, ApiResult, ErrorBody, ErrorDetail};

/// A handle that tells long-lived responses (the live feed) to end. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Stopping {
    signal: Arc<watch::Sender<bool>>,
}

impl Default for Stopping {
    fn default() -> Self {
        Self::new()
    }
}

impl Stopping {
    /// A handle that is not stopping.
    pub fn new() -> Self {
        Self {
            signal: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Tells every live feed to end.
    pub fn stop(&self) {
        self.signal.send_replace(true);
    }

    /// Whether [`Stopping::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        *self.signal.borrow()
    }

    /// Resolves once [`Stopping::stop`] is called.
    pub async fn stopped(&self) {
        let mut receiver = self.signal.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The token file (see [`credentials`]); normally `<data>/tokens.json`.
    pub tokens: PathBuf,
    /// Whether reads need a token too (writes always do, once a token exists).
    pub require_token_for_reads: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Most live feeds served at once (each holds a thread following the ledger).
    pub max_live_feeds: usize,
    /// Interval of keep-alive comments on live feeds.
    pub keep_alive: Duration,
    /// How long [`run`] waits for requests in flight after the shutdown signal.
    pub shutdown_grace: Duration,
    /// Ends live feeds; [`run`] triggers it on shutdown, a host that mounts the router does.
    pub stopping: Stopping,
    /// The log's signing key and the file of the checkpoints signed with it (see
    /// [`checkpoints`]); signing is on if the key file exists when the router is made.
    pub checkpoints: checkpoints::CheckpointConfig,
}

impl ServerConfig {
    /// Default body limit: 64 KiB.
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

    /// Defaults for the data directory `data` (tokens in `<data>/tokens.json`, the log's key in
    /// `<data>/log-key`, its checkpoints in `<data>/checkpoints`).
    pub fn new(data: impl AsRef<Path>) -> Self {
        Self {
            tokens: data.as_ref().join(credentials::TOKENS_FILE),
            require_token_for_reads: false,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            max_live_feeds: 64,
            keep_alive: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(20),
            stopping: Stopping::new(),
            checkpoints: checkpoints::CheckpointConfig::new(data.as_ref()),
        }
    }
}

/// The API's router over `tracker`, ready to serve or to mount in another service.
pub fn router(tracker: Tracker, config: ServerConfig) -> Router {
    routes::router(state::AppState::new(tracker, config))
}

/// The OpenAPI description of the API (what `GET /openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::openapi()
}

/// A server ready to run: the router, and what [`run`] needs to stop it cleanly.
#[derive(Debug)]
pub struct Server {
    router: Router,
    tracker: Tracker,
    stopping: Stopping,
    grace: Duration,
}

impl Server {
    /// A server of `tracker`.
    pub fn new(tracker: Tracker, config: ServerConfig) -> Self {
        let stopping = config.stopping.clone();
        let grace = config.shutdown_grace;
        Self {
            router: router(tracker.clone(), config),
            tracker,
            stopping,
            grace,
        }
    }

    /// The router (for tests without a socket, or to mount).
    pub fn router(&self) -> Router {
        self.router.clone()
    }
}

/// Serves `server` on `listener` until `shutdown` resolves, then shuts down gracefully: stops
/// accepting connections, ends live feeds, lets requests in flight finish (appends included,
/// for up to [`ServerConfig::shutdown_grace`]), and flushes the ledger.
pub async fn run(
    listener: TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Server {
        router,
        tracker,
        stopping,
        grace,
    } = server;
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening");
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let ending = stopping.clone();
    let serve = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown => {},
                () = ending.stopped() => {},
            }
            tracing::info!("shutting down: refusing new connections, finishing requests in flight");
            ending.stop();
            let _ = signalled.send(());
        })
        .into_future();
    let overdue = async move {
        match on_signal.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending().await,
        }
    };
    let outcome = tokio::select! {
        outcome = serve => outcome,
        () = overdue => {
            tracing::warn!(seconds = grace.as_secs(), "requests still open after the grace period; closing them");
            Ok(())
        }
    };
    stopping.stop();
    let ledger = tracker.ledger().clone();
    match tokio::task::spawn_blocking(move || ledger.close()).await {
        Ok(Ok(())) => tracing::info!(events = tracker.ledger().len(), "ledger flushed; stopped"),
        Ok(Err(error)) => tracing::error!(%error, "flushing the ledger failed"),
        Err(error) => tracing::error!(%error, "flushing the ledger failed"),
    }
    outcome
}
