//! What every handler shares: the tracker, the credentials, the configuration; and the two
//! helpers every handler uses (access checks, running blocking core calls off the executor).

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use progress_ledger_core::Tracker;
use tokio::sync::Semaphore;

use crate::ServerConfig;
use crate::cache::ProgressCache;
use crate::checkpoints::{Publisher, sign_after_appends};
use crate::credentials::{Caller, Credentials, Refused, TokenStore};
use crate::error::{ApiError, ApiResult};

/// Shared state of the handlers. Cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    tracker: Tracker,
    credentials: Credentials,
    config: ServerConfig,
    live_feeds: Arc<Semaphore>,
    progress_cache: ProgressCache,
    /// The checkpoint signer: none without a key; why not, if the key cannot be used.
    publisher: Result<Option<Arc<Publisher>>, String>,
}

impl AppState {
    pub(crate) fn new(tracker: Tracker, config: ServerConfig) -> Self {
        let credentials = Credentials::new(TokenStore::at(config.tokens.clone()));
        // Reads the token file once now, so that open development mode is announced at startup.
        let _ = credentials.mode();
        let publisher = start_publisher(&tracker, &config);
        Self {
            inner: Arc::new(Inner {
                publisher,
                tracker,
                credentials,
                live_feeds: Arc::new(Semaphore::new(config.max_live_feeds)),
                progress_cache: ProgressCache::default(),
                config,
            }),
        }
    }

    pub(crate) fn tracker(&self) -> &Tracker {
        &self.inner.tracker
    }

    pub(crate) fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    pub(crate) fn live_feeds(&self) -> &Arc<Semaphore> {
        &self.inner.live_feeds
    }

    pub(crate) fn progress_cache(&self) -> &ProgressCache {
        &self.inner.progress_cache
    }

    /// The checkpoint signer: `None` if the log has no key; why not if its key cannot be used.
    pub(crate) fn publisher(&self) -> Result<Option<Arc<Publisher>>, String> {
        self.inner.publisher.clone()
    }

    /// Checks the credential of a read.
    pub(crate) fn read_access(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        self.access(headers, self.inner.config.require_token_for_reads)
    }

    /// Checks the credential of a write (who may write what is checked by the handler).
    pub(crate) fn write_access(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        self.access(headers, true)
    }

    /// 404 `unknown_indicator` unless the live catalog defines the indicator `id`.
    pub(crate) fn require_indicator(&self, id: &str) -> ApiResult<()> {
        let known = self
            .tracker()
            .with_live(|p| p.catalog().indicator(id).is_some());
        if known {
            Ok(())
        } else {
            Err(unknown_indicator(id))
        }
    }

    fn access(&self, headers: &HeaderMap, required: bool) -> ApiResult<Caller> {
        let bearer = bearer(headers)?;
        self.inner
            .credentials
            .authenticate(bearer, required)
            .map_err(|refused| match refused {
                Refused::Missing => ApiError::unauthorized(
                    "missing_token",
                    "this request needs a token: send the header Authorization: Bearer <token>",
                ),
                Refused::Unknown => ApiError::unauthorized(
                    "invalid_token",
                    "the token is not known (or was revoked)",
                ),
                Refused::Unavailable(_) => ApiError::unavailable(
                    "credentials_unavailable",
                    "the token file cannot be read; requests that need a credential are refused",
                ),
            })
    }
}

/// The checkpoint signer of the ledger, if its key exists, signing after appends until the
/// server stops.
fn start_publisher(
    tracker: &Tracker,
    config: &ServerConfig,
) -> Result<Option<Arc<Publisher>>, String> {
    if !config.checkpoints.key.exists() {
        tracing::info!(
            key = %config.checkpoints.key.display(),
            "no log key: no checkpoints are signed (`progress-ledger key init` makes one)"
        );
        return Ok(None);
    }
    match Publisher::open(tracker.ledger().clone(), config.checkpoints.clone()) {
        Ok(publisher) => {
            let publisher = Arc::new(publisher);
            tracing::info!(origin = publisher.origin(), vkey = %publisher.verifier(), "signing checkpoints");
            let stopping = config.stopping.clone();
            sign_after_appends(&publisher, move || stopping.is_stopping());
            Ok(Some(publisher))
        }
        Err(error) => {
            tracing::error!(%error, "the log's key cannot be used: no checkpoints are signed");
            Err(error.to_string())
        }
    }
}

/// 404 `unknown_indicator`.
pub(crate) fn unknown_indicator(id: &str) -> ApiError {
    let shown: String = id.chars().take(100).collect();
    ApiError::not_found(
        "unknown_indicator",
        format!("no indicator {shown:?} is defined"),
    )
}

/// The bearer token of a request, if it sends one.
fn bearer(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be `Bearer <token>`",
        )
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = text.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed());
    }
    Ok(Some(token.trim()))
}

/// Runs a blocking core call (appends wait for a flush; replays read many events) on the
/// blocking pool, off the executor threads.
pub(crate) async fn blocking<T, F>(work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> ApiResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("a blocking task failed: {e}")))?
}
