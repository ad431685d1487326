//! What every handler shares: the tracker, the credentials, the configuration, the bounds on
//! live feeds and costly requests; and the helpers every handler uses (access checks, running
//! blocking core calls off the executor).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use progress_ledger_core::Tracker;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ServerConfig;
use crate::cache::ProgressCache;
use crate::checkpoints::{Publisher, sign_after_appends};
use crate::credentials::{Caller, Credentials, Refused, TokenStore};
use crate::error::{ApiError, ApiResult};
use crate::follow::{Frames, Heads};
use crate::routes::VerifyCache;

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
    costly: Arc<Semaphore>,
    feed_reads: Arc<Semaphore>,
    frames: Frames,
    progress_cache: ProgressCache,
    verified: VerifyCache,
    heads: Arc<Heads>,
    /// The checkpoint signer: none without a key; why not, if the key cannot be used.
    publisher: Result<Option<Arc<Publisher>>, String>,
}

impl AppState {
    pub(crate) fn new(tracker: Tracker, config: ServerConfig) -> Self {
        let store = TokenStore::at(config.tokens.clone());
        let credentials = if config.open {
            Credentials::open_development(store)
        } else {
            Credentials::new(store)
        };
        // Reads the token file once now, so that the mode is announced at startup.
        let _ = credentials.mode();
        let publisher = start_publisher(&tracker, &config);
        Self {
            inner: Arc::new(Inner {
                heads: Heads::new(tracker.ledger().clone(), config.stopping.clone()),
                publisher,
                tracker,
                credentials,
                live_feeds: Arc::new(Semaphore::new(config.max_live_feeds)),
                costly: Arc::new(Semaphore::new(config.max_costly.max(1))),
                feed_reads: Arc::new(Semaphore::new(config.max_costly.max(1))),
                frames: Frames::default(),
                progress_cache: ProgressCache::default(),
                verified: VerifyCache::default(),
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

    pub(crate) fn verified(&self) -> &VerifyCache {
        &self.inner.verified
    }

    pub(crate) fn heads(&self) -> &Arc<Heads> {
        &self.inner.heads
    }

    /// The live feeds' turns to read and encode a page of events that no feed encoded yet: as
    /// many at once as [`ServerConfig::max_costly`], waited for (a feed is never refused for
    /// it).
    pub(crate) fn feed_reads(&self) -> &Arc<Semaphore> {
        &self.inner.feed_reads
    }

    /// The JSON of the most recent events, shared by the live feeds.
    pub(crate) fn frames(&self) -> &Frames {
        &self.inner.frames
    }

    /// A permit to compute a costly answer (a verification, a replay as of a time, a report, a
    /// history), held until the work ends and then for as long again (see [`CostlyPermit`]);
    /// waited for in turn for up to [`ServerConfig::costly_wait`], then 503 `busy` with
    /// `Retry-After`.
    pub(crate) async fn costly(&self) -> ApiResult<CostlyPermit> {
        let wait = self.inner.config.costly_wait;
        let acquired = tokio::time::timeout(wait, Arc::clone(&self.inner.costly).acquire_owned());
        acquired
            .await
            .ok()
            .and_then(Result::ok)
            .map(|permit| CostlyPermit {
                permit: Some(permit),
                started: Instant::now(),
            })
            .ok_or_else(|| {
                ApiError::unavailable(
                    "busy",
                    "the server computes as many costly answers (verifications, replays as of a \
                     time, reports, histories) as it allows at once; retry after a second",
                )
                .with_retry_after(1)
            })
    }

    /// The checkpoint signer: `None` if the log has no key; why not if its key cannot be used.
    pub(crate) fn publisher(&self) -> Result<Option<Arc<Publisher>>, String> {
        self.inner.publisher.clone()
    }

    /// Checks the credential of a read.
    pub(crate) fn read_access(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        self.access(headers, self.inner.config.require_token_for_reads)
    }

    /// Checks the credential of a write (who may write what is decided by the core, in the
    /// append: [`progress_ledger_core::Tracker::record_as`]).
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
            .map_err(refused)
    }
}

/// Longest rest of a costly permit after its work.
const MOST_REST: Duration = Duration::from_secs(5);

/// A place among the costly answers computed at once. When dropped (its work done), it is kept
/// for as long again as the work took (at most [`MOST_REST`]) before another request may take
/// it: costly work takes at most half of [`ServerConfig::max_costly`] cores however fast
/// clients ask, and the rest is left to appends and plain reads.
pub(crate) struct CostlyPermit {
    permit: Option<OwnedSemaphorePermit>,
    started: Instant,
}

impl Drop for CostlyPermit {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let rest = self.started.elapsed().min(MOST_REST);
        // Dropped on the runtime's threads (the blocking pool included); elsewhere the permit
        // is released at once.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                tokio::time::sleep(rest).await;
                drop(permit);
            });
        }
    }
}

/// The answer to a refused credential.
pub(crate) fn refused(refused: Refused) -> ApiError {
    match refused {
        Refused::Missing => ApiError::unauthorized(
            "missing_token",
            "this request needs a token: send the header Authorization: Bearer <token>",
        ),
        Refused::NoTokens => ApiError::unauthorized(
            "missing_token",
            "no token exists yet, so this server takes no writes: create one with \
             `progress-ledger token add --unit <unit> --role <role>` (the running server picks \
             it up) and send it as Authorization: Bearer <token>; or, for local development \
             only, restart with `progress-ledger serve --open` on a loopback address",
        ),
        Refused::Unknown => {
            ApiError::unauthorized("invalid_token", "the token is not known (or was revoked)")
        }
        Refused::Expired => ApiError::unauthorized("expired_token", "the token has expired"),
        Refused::Unavailable(_) => ApiError::unavailable(
            "credentials_unavailable",
            "the token file cannot be read (or is gone); requests that need a credential are \
             refused",
        ),
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
