//! The pages of progress-ledger, for the people who read and write the figures: a dashboard
//! (the plan tree with completion bars and schedule colours, views per lead unit and per
//! district, an indicator page with its trail as a chart, replays "as recorded at" and "as
//! effective on", the verification status, the 督查通报 in each format) and a recording form
//! for a unit's clerk.
//!
//! The pages are HTML rendered on the server from the core's queries (the same ones
//! `/v1/progress` answers from), with a little plain JavaScript for the chart and the form; every
//! asset is compiled into the binary ([`assets`]), so nothing is fetched from elsewhere. The
//! form writes through the API (`POST /v1/events`) with the clerk's token and shows the server's
//! own messages.
//!
//! ```no_run
//! use progress_ledger_core::Tracker;
//! use progress_ledger_server::{Server, ServerConfig, run};
//! use progress_ledger_web::{PagesConfig, router as pages};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let tracker = Tracker::open("./data/ledger")?;
//! let server = Server::new(tracker.clone(), ServerConfig::new("./data"))
//!     .with_routes(pages(tracker, PagesConfig::new("./data")));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! run(listener, server, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A system that mounts only the API's router gets no pages.

#![deny(missing_docs)]

pub mod assets;
mod chart;
pub mod demo;
mod format;
mod layout;
mod pages;
mod query;
mod record;
mod report;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use progress_ledger_core::Tracker;
use progress_ledger_server::credentials::{Credentials, TokenStore};

/// How the pages behave.
#[derive(Clone, Debug)]
pub struct PagesConfig {
    /// The token file the recording form checks tokens against (normally `<data>/tokens.json`,
    /// the server's own).
    pub tokens: PathBuf,
    /// The ledger holds simulated figures (`serve --demo`): every page says so (模拟数据).
    pub simulated: bool,
    /// The server runs in open development mode (`serve --open`): the form writes without a
    /// token while no token exists, as the API does.
    pub open: bool,
}

impl PagesConfig {
    /// Defaults for the data directory `data`: the server's token file, real figures.
    pub fn new(data: impl AsRef<Path>) -> Self {
        Self {
            tokens: data
                .as_ref()
                .join(progress_ledger_server::credentials::TOKENS_FILE),
            simulated: false,
            open: false,
        }
    }
}

/// What every page handler shares.
#[derive(Clone)]
pub(crate) struct Pages {
    pub(crate) tracker: Tracker,
    pub(crate) config: PagesConfig,
    pub(crate) credentials: Arc<Credentials>,
    /// The last verification: (head seq it covered, its outcome). Verified again only when the
    /// head moved.
    pub(crate) verified: Arc<Mutex<Option<(u64, pages::Verified)>>>,
}

/// The pages' router: `/` (dashboard), `/units`, `/units/{unit}`, `/districts`,
/// `/indicators/{id}`, `/record`, `/record/options`, `/report` and `/assets/…`. Merge it beside the API's
/// router (see [`progress_ledger_server::Server::with_routes`]).
pub fn router(tracker: Tracker, config: PagesConfig) -> Router {
    let store = TokenStore::at(config.tokens.clone());
    let credentials = Arc::new(if config.open {
        Credentials::open_development(store)
    } else {
        Credentials::new(store)
    });
    let state = Pages {
        tracker,
        config,
        credentials,
        verified: Arc::new(Mutex::new(None)),
    };
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/units", get(pages::units))
        .route("/units/{unit}", get(pages::unit))
        .route("/districts", get(pages::districts))
        .route("/indicators/{id}", get(pages::indicator))
        .route("/record", get(record::page))
        .route("/record/options", get(record::options))
        .route("/report", get(report::download))
        .route("/assets/{file}", get(assets::serve))
        .with_state(state)
}
