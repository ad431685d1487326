//! Another axum service that mounts the ledger's HTTP API under `/ledger`, queried once over loopback: `cargo run --example embed_router`.
//!
//! The host opens the tracker itself, nests `progress_ledger_server::router` in its own router,
//! serves on 127.0.0.1 (port 0: any free port), sends one real HTTP request, then shuts down:
//! it stops accepting connections, ends the ledger's live feeds and flushes the ledger. The
//! ledger lives in a temporary directory; it holds the plan's definitions and no updates.

use std::error::Error;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use progress_ledger::Tracker;
use progress_ledger::plan::hefei_2023;
use progress_ledger_server::{ServerConfig, router};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn main() -> Result<(), Box<dyn Error>> {
    // Blocking set-up (opening the ledger, the plan load) happens before the async runtime starts.
    let dir = tempfile::tempdir()?;
    let tracker = Tracker::open(dir.path().join("ledger"))?;
    tracker.load_plan(&hefei_2023()?, "市政府办公室")?;
    // No token file exists in the temporary directory, so the API runs in open development
    // mode (its health answer says so); a real host creates tokens first.
    let config = ServerConfig::new(dir.path());
    let stopping = config.stopping.clone();

    let host = Router::new()
        .route("/", get(|| async { "the host service's own page\n" }))
        .nest("/ledger", router(tracker.clone(), config));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        println!("host service listening on http://{address}, ledger API mounted under /ledger");

        let (shutdown, on_shutdown) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, host)
                .with_graceful_shutdown(async {
                    let _ = on_shutdown.await;
                })
                .await
        });

        let url = format!("http://{address}/ledger/health");
        println!("GET {url}");
        let client = reqwest::Client::new();
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await?;
        drop(client);
        println!("answer: {status}");
        println!("{}", serde_json::to_string_pretty(&body)?);

        // Shut down: stop accepting, end live feeds (none are open here), wait for the server.
        let _ = shutdown.send(());
        stopping.stop();
        tokio::time::timeout(Duration::from_secs(5), server).await???;
        Ok::<(), Box<dyn Error>>(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));

    // The host owns the tracker: flush it before exiting.
    tracker.ledger().close()?;
    println!(
        "server stopped, ledger flushed ({} events)",
        tracker.ledger().len()
    );
    Ok(())
}
