//! The web pages `serve` mounts beside the API (`--no-pages` leaves them out), and the
//! simulated ledger of `serve --demo`.

use std::path::{Path, PathBuf};

use progress_ledger_core::Tracker;
use progress_ledger_server::Server;
use progress_ledger_server::credentials::{Role, TokenStore};
use progress_ledger_web::PagesConfig;

use crate::cli::ServeArgs;
use crate::failure::{Failure, Outcome};

/// Mounts the pages on `server` unless `--no-pages` (or reads need a token: a browser's page
/// cannot send one, so the pages, which read the ledger directly, are left out then).
pub fn mount(server: Server, tracker: Tracker, data: &Path, args: &ServeArgs) -> Server {
    if args.no_pages {
        tracing::info!("pages off (--no-pages): only the API is served");
        return server;
    }
    if args.require_token_for_reads {
        tracing::warn!(
            "pages off: reads need a token (--require-token-for-reads), which pages opened in a browser cannot send"
        );
        return server;
    }
    let mut config = PagesConfig::new(data);
    config.simulated = args.demo;
    config.open = args.open;
    tracing::info!(
        "pages on: dashboard at /, recording form at /record (--no-pages turns them off)"
    );
    server.with_routes(progress_ledger_web::router(tracker, config))
}

/// The data directory of `serve --demo`: a fresh temporary directory, removed when the server
/// stops. Simulated figures are never written into a real ledger.
pub struct Demo {
    path: PathBuf,
}

impl Demo {
    /// Creates the directory.
    pub fn create() -> Outcome<Demo> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "progress-ledger-demo-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).map_err(|e| {
            Failure::from(e).with_message(format!("cannot create {}", path.display()))
        })?;
        tracing::warn!(
            data = %path.display(),
            "DEMO: simulated figures (模拟数据) in a temporary directory, removed at exit; --data is not used"
        );
        Ok(Demo { path })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the simulated year and creates tokens to try the form with (printed once).
    pub fn seed(&self, tracker: &Tracker) -> Outcome<()> {
        let written = progress_ledger_web::demo::seed(tracker)
            .map_err(|e| Failure::from(e).with_message("cannot record the simulated figures"))?;
        tracing::info!(
            events = written,
            "DEMO: recorded simulated figures (模拟数据)"
        );
        let store = TokenStore::in_data_dir(&self.path);
        for (unit, role) in [
            ("市卫健委", Role::Recorder),
            ("蜀山区", Role::Recorder),
            ("市政府办公室", Role::Admin),
        ] {
            let (token, _) = store
                .add(unit, role)
                .map_err(|e| Failure::from(e).with_message("cannot create the demo tokens"))?;
            eprintln!("demo token for {unit} ({role}): {token}");
        }
        Ok(())
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
