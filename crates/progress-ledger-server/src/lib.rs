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
//! host then ends live feeds with [`ServerConfig::stopping`] and closes the tracker itself, and
//! the connection limits of [`run`] (header-read, idle and send timeouts, most connections) are
//! the host's to set.
//!
//! Who may write what is decided by the core ([`progress_ledger_core::policy`]), in the append
//! itself; the server only turns a bearer token into an identity ([`credentials`]). With no
//! token created, the server refuses writes unless [`ServerConfig::open`] asks for open
//! development mode, which [`run`] allows only on a loopback address.
//!
//! The paths and fields are listed in the product brief's table and described by
//! `GET /openapi.json`, which is generated from the handlers so that it cannot drift.

#![deny(missing_docs)]

pub mod batch;
mod cache;
pub mod checkpoints;
mod connection;
pub mod credentials;
pub mod dto;
mod error;
mod follow;
pub mod params;
mod routes;
mod state;
pub mod workbooks;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use progress_ledger_core::Tracker;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use error::{ApiError, ApiResult, ErrorBody, ErrorDetail, RefusedRow};

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
    /// Open development mode: while no credentials were ever created beside the ledger, every
    /// request is allowed and writes are recorded as [`credentials::DEVELOPMENT_ACTOR`];
    /// requests whose `Host` is not a loopback name are refused, and [`run`] refuses to serve
    /// on an address that is not loopback. Off by default: with no token, writes are refused.
    pub open: bool,
    /// Whether reads need a token too (writes always do).
    pub require_token_for_reads: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive, from the moment the handler reads it
    /// (408 `body_timeout` after it).
    pub body_timeout: Duration,
    /// How long a read (GET) may take to be answered; the live feed's stream is not counted,
    /// only its opening (503 `timed_out` with `Retry-After` after it).
    pub request_timeout: Duration,
    /// How long the request head may take to arrive ([`run`] only; also the longest idle time
    /// between requests on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Longest time a connection may go without a byte moving either way ([`run`] only).
    pub idle_timeout: Duration,
    /// Longest time a write may wait for the client to read before the connection is closed
    /// ([`run`] only): a live-feed client that stops reading is dropped after it.
    pub send_timeout: Duration,
    /// Most connections served at once ([`run`] only); one over is closed when accepted.
    pub max_connections: usize,
    /// Most live feeds served at once (each is an async task holding at most
    /// [`ServerConfig::live_feed_page`] events); 503 `too_many_live_feeds` over it.
    pub max_live_feeds: usize,
    /// Events a live feed reads from the ledger at a time: its send buffer.
    pub live_feed_page: usize,
    /// Most costly answers computed at once (verifications, replays as of a time or effective
    /// on a date, reports, histories); 503 `busy` with `Retry-After` over it.
    pub max_costly: usize,
    /// How long a costly request waits for its turn (in order of arrival) before it is
    /// answered 503 `busy`.
    pub costly_wait: Duration,
    /// Interval of keep-alive comments on live feeds.
    pub keep_alive: Duration,
    /// How often a live feed opened with a token checks that the token is still valid.
    pub recheck_interval: Duration,
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
    /// `<data>/log-key`, its checkpoints in `<data>/checkpoints`), closed (not open development
    /// mode).
    pub fn new(data: impl AsRef<Path>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            tokens: data.as_ref().join(credentials::TOKENS_FILE),
            open: false,
            require_token_for_reads: false,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            send_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_live_feeds: 512,
            live_feed_page: 64,
            max_costly: (cores / 2).max(1),
            costly_wait: Duration::from_secs(2),
            keep_alive: Duration::from_secs(15),
            recheck_interval: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(20),
            stopping: Stopping::new(),
            checkpoints: checkpoints::CheckpointConfig::new(data.as_ref()),
        }
    }

    /// Refuses open development mode where it would be unsafe: on an address that is not
    /// loopback, or where credentials were created (beside [`ServerConfig::tokens`]).
    pub fn check_open(&self, address: SocketAddr) -> Result<(), String> {
        if !self.open {
            return Ok(());
        }
        if !address.ip().is_loopback() {
            return Err(format!(
                "open development mode serves only a loopback address (127.0.0.1, ::1), not {address}"
            ));
        }
        let store = credentials::TokenStore::at(self.tokens.clone());
        if store.credentials_created() {
            return Err(format!(
                "credentials were created here ({} or {} exists): open development mode is only for a data directory that never had any; serve without --open",
                store.path().display(),
                store.lock_path().display()
            ));
        }
        Ok(())
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

/// A server ready to run: the router, and what [`run`] needs to limit connections and stop
/// cleanly.
#[derive(Debug)]
pub struct Server {
    router: Router,
    tracker: Tracker,
    config: ServerConfig,
}

impl Server {
    /// A server of `tracker`.
    pub fn new(tracker: Tracker, config: ServerConfig) -> Self {
        Self {
            router: router(tracker.clone(), config.clone()),
            tracker,
            config,
        }
    }

    /// The router (for tests without a socket, or to mount).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves `routes` beside the API's (the CLI mounts the web pages so). Paths the API has
    /// stay the API's; a path neither has answers the API's 404.
    pub fn with_routes(mut self, routes: Router) -> Self {
        self.router = self.router.merge(routes);
        self
    }
}

/// Serves `server` on `listener` until `shutdown` resolves (or [`ServerConfig::stopping`] is
/// triggered), then shuts down gracefully: stops accepting connections, ends live feeds, lets
/// requests in flight finish (appends included, for up to [`ServerConfig::shutdown_grace`]),
/// and flushes the ledger. Each connection lives under the limits of the configuration (see
/// [`ServerConfig::header_read_timeout`] and the fields after it).
///
/// Refuses to start (`InvalidInput`) in open development mode on an address that is not
/// loopback or where credentials were created ([`ServerConfig::check_open`]).
pub async fn run(
    listener: TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Server {
        router,
        tracker,
        config,
    } = server;
    let address = listener.local_addr()?;
    config
        .check_open(address)
        .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?;
    tracing::info!(%address, "listening");
    let stopping = config.stopping.clone();
    let ending = stopping.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {},
            () = ending.stopped() => {},
        }
    };
    let connections = connection::accept_until(listener, router, &config, stop).await;
    tracing::info!("shutting down: refusing new connections, finishing requests in flight");
    stopping.stop();
    let grace = config.shutdown_grace;
    tokio::select! {
        () = connections.shutdown() => {},
        () = tokio::time::sleep(grace) => {
            tracing::warn!(seconds = grace.as_secs(), "requests still open after the grace period; closing them");
        }
    }
    let outcome = Ok(());
    let closing = tracker.clone();
    match tokio::task::spawn_blocking(move || closing.close()).await {
        Ok(Ok(())) => tracing::info!(events = tracker.ledger().len(), "ledger flushed; stopped"),
        Ok(Err(error)) => tracing::error!(%error, "flushing the ledger failed"),
        Err(error) => tracing::error!(%error, "flushing the ledger failed"),
    }
    outcome
}
