//! `serve`: open the data directory, load a plan if needed, serve until Ctrl-C or SIGTERM.

use std::path::Path;
use std::time::Duration;

use progress_ledger_server::{Server, ServerConfig, run};

use crate::cli::ServeArgs;
use crate::data::{default_plan, open_tracker, read_plan_file};
use crate::failure::{Failure, Outcome};

/// Actor of the events that load a plan.
const LOADER: &str = "progress-ledger serve";

/// Most threads of the blocking pool (appends waiting for their flush, replays, reads of live
/// feeds): a bound on the server's threads whatever the load.
const MAX_BLOCKING_THREADS: usize = 64;

pub fn serve(data: &Path, args: ServeArgs) -> Outcome {
    let mut config = ServerConfig::new(data);
    config.require_token_for_reads = args.require_token_for_reads;
    config.open = args.open;
    config.header_read_timeout = Duration::from_secs(args.header_timeout);
    config.body_timeout = Duration::from_secs(args.body_timeout);
    config.send_timeout = Duration::from_secs(args.send_timeout);
    if let Some(max) = args.max_costly {
        config.max_costly = max.max(1);
    }
    // Before the ledger is opened: an unsafe --open is refused before anything changes.
    config
        .check_open(args.addr)
        .map_err(|reason| Failure::msg(format!("cannot serve with --open: {reason}")))?;
    let tracker = open_tracker(data)?;
    let events = tracker.ledger().len();
    let loaded = tracker.with_live(|p| {
        p.catalog()
            .plans()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    });
    tracing::info!(data = %data.display(), events, plans = ?loaded, "opened the ledger");
    if let Some(tail) = tracker.ledger().torn_tail() {
        tracing::warn!(
            offset = tail.offset,
            bytes = tail.bytes,
            file = ?tail.file,
            "an append a crash cut short was set aside (it was never acknowledged, or it is the \
             last flush before the crash, damaged: see docs/format.md)"
        );
    }
    if let Some(reason) = tracker.ledger().refusal() {
        tracing::error!(%reason, "the ledger refuses appends: it serves reads and verification only");
    }
    let plan = match &args.plan {
        Some(file) => Some(read_plan_file(file)?),
        None if loaded.is_empty() => Some(default_plan()?),
        None => None,
    };
    if let Some(plan) = plan.filter(|_| !tracker.ledger().refuses_writes()) {
        let written = tracker
            .load_plan(&plan, LOADER)
            .map_err(|e| Failure::from(e).with_message(format!("cannot load plan {}", plan.id)))?;
        let indicators = tracker.with_live(|p| {
            p.catalog()
                .indicators()
                .filter(|d| d.plan == plan.id)
                .count()
        });
        if written.is_empty() {
            tracing::info!(plan = %plan.id, indicators, "the plan is loaded and unchanged");
        } else {
            tracing::info!(plan = %plan.id, indicators, events = written.len(), "loaded the plan: its definitions are recorded as events");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("progress-ledger")
        .build()
        .map_err(|e| Failure::from(e).with_message("cannot start the async runtime"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| {
                Failure::from(e).with_message(format!("cannot listen on {}", args.addr))
            })?;
        if let Ok(address) = listener.local_addr() {
            tracing::info!("serving http://{address} (GET /health, /openapi.json)");
        }
        run(listener, Server::new(tracker, config), shutdown_signal())
            .await
            .map_err(|e| Failure::from(e).with_message("the server failed"))
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted (Ctrl-C)"),
        () = terminate => tracing::info!("terminated (SIGTERM)"),
    }
}
