//! The `progress-ledger serve` process: a bounded load of concurrent appends, a SIGKILL in the
//! middle of it, and a restart: every acknowledged event is there, unchanged, and the chain
//! verifies. Then SIGTERM stops the restarted server gracefully with exit status 0.
//!
//! Loopback only (127.0.0.1), bounded in count (at most 2,400 appends; the kill comes once
//! 2,000 are acknowledged) and in time.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const CLIENTS: usize = 8;
const APPENDS_PER_CLIENT: usize = 300;
/// Acknowledged appends after which the server is killed.
const KILL_AFTER: usize = 2000;
const INDICATORS: [&str; 4] = [
    "t02-1-childcare-seats",
    "t02-1-county-public-childcare-centres",
    "t02-1-hospital-childcare-points",
    "t46-0-dust-control-tasks",
];

/// A running `serve` process and its address. Dropping it kills the process, so that a
/// failing test leaves no server behind.
struct Served {
    child: Option<Child>,
    base: String,
}

impl Served {
    /// SIGKILL, and reap.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Hands the process over (to signal and wait for it).
    fn take(&mut self) -> Child {
        self.child.take().expect("the process is still ours")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `progress-ledger serve` on a free loopback port and waits until it listens.
fn serve(data: &Path) -> Served {
    let child = Command::new(env!("CARGO_BIN_EXE_progress-ledger"))
        .args(["serve", "--open", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut served = Served {
        child: Some(child),
        base: String::new(),
    };
    let stderr = served
        .child
        .as_mut()
        .and_then(|c| c.stderr.take())
        .expect("stderr is piped");
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = received
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!(
                    "serve did not start listening; it said:\n{}",
                    seen.join("\n")
                )
            });
        if let Some(address) = line.split("listening address=").nth(1) {
            let address = address.split_whitespace().next().unwrap_or("").to_owned();
            // Keep draining stderr so that the server never blocks on a full pipe.
            std::thread::spawn(move || while received.recv().is_ok() {});
            served.base = format!("http://{address}");
            return served;
        }
        seen.push(line);
    }
}

async fn all_events(client: &Client, base: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = client
            .get(format!("{base}/v1/events?after={after}&limit=1000"))
            .send()
            .await
            .expect("log page")
            .json()
            .await
            .expect("log page is JSON");
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["next"].as_u64() {
            Some(next) => after = next,
            None => return events,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_a_sigkill_under_load_and_the_chain_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let client = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");

    let mut first = serve(&data);
    let base = first.base.clone();
    let acked = Arc::new(AtomicUsize::new(0));
    let load = async {
        let mut tasks = Vec::new();
        for worker in 0..CLIENTS {
            let client = client.clone();
            let base = base.clone();
            let acked = acked.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for n in 0..APPENDS_PER_CLIENT {
                    let id = uuid::Uuid::new_v4();
                    let body = json!({
                        "id": id,
                        "indicator": INDICATORS[(worker + n) % INDICATORS.len()],
                        "type": "progress",
                        "effective": "2023-09-30",
                        "delta": "1",
                        "note": format!("client {worker} update {n}"),
                    });
                    let Ok(response) = client
                        .post(format!("{base}/v1/events"))
                        .json(&body)
                        .send()
                        .await
                    else {
                        break; // the server is gone
                    };
                    if response.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(answer) = response.json::<Value>().await else {
                        break;
                    };
                    mine.push((id.to_string(), answer));
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                mine
            }));
        }
        tasks
    };
    let tasks = load.await;
    // Kill the server process once enough appends were acknowledged, while the rest are in
    // flight.
    let killer = async {
        while acked.load(Ordering::SeqCst) < KILL_AFTER {
            if tasks.iter().all(|t| t.is_finished()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        first.kill();
    };
    tokio::time::timeout(Duration::from_secs(180), killer)
        .await
        .expect("the load reaches the kill point in time");
    let mut acknowledged: Vec<(String, Value)> = Vec::new();
    for task in tasks {
        let mine = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("clients stop after the kill")
            .expect("client task");
        acknowledged.extend(mine);
    }
    assert!(
        acknowledged.len() >= KILL_AFTER,
        "{} appends acknowledged before the kill",
        acknowledged.len()
    );
    assert!(acknowledged.len() < CLIENTS * APPENDS_PER_CLIENT + 1);

    // Restart on the same data: every acknowledged event is there, with its seq and hash.
    let mut second = serve(&data);
    let base = second.base.clone();
    let verify: Value = client
        .get(format!("{base}/v1/verify"))
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("verify JSON");
    assert_eq!(verify["ok"], json!(true), "{verify}");
    let logged: HashMap<String, Value> = all_events(&client, &base)
        .await
        .into_iter()
        .filter_map(|e| Some((e["id"].as_str()?.to_owned(), e)))
        .collect();
    assert_eq!(verify["events"].as_u64(), Some(logged.len() as u64));
    let mut missing = Vec::new();
    for (id, answer) in &acknowledged {
        match logged.get(id) {
            Some(event) if event["seq"] == answer["seq"] && event["hash"] == answer["hash"] => {}
            other => missing.push(format!("{id}: acknowledged {answer}, logged {other:?}")),
        }
    }
    assert!(
        missing.is_empty(),
        "{} lost or changed:\n{}",
        missing.len(),
        missing.join("\n")
    );

    // The restarted server still appends, then stops gracefully on SIGTERM with status 0.
    let (status, _) = {
        let response = client
            .post(format!("{base}/v1/events"))
            .json(&json!({"indicator": INDICATORS[0], "type": "progress", "effective": "2023-10-01", "delta": 1}))
            .send()
            .await
            .expect("append after restart");
        (response.status(), ())
    };
    assert_eq!(status, StatusCode::CREATED);
    let mut process = second.take();
    let pid = process.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM runs");
    assert!(sent.success());
    let exited = tokio::task::spawn_blocking(move || process.wait())
        .await
        .expect("wait task")
        .expect("wait");
    assert!(exited.success(), "serve exits 0 after SIGTERM: {exited:?}");
}
