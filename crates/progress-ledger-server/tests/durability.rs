//! Readers see only durable events: between an append and the sync that makes it durable,
//! `/v1/progress` and the tracker's views do not include it; after a failed sync the ledger
//! refuses appends and `/health` answers 503 with the reason; a snapshot that cannot be stored
//! fails no append, and `/health` says why.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{CHILDCARE_SEATS, TestServer};
use progress_ledger_core::io::faults::{Failure, FaultyFiles, Op};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn seats_value(progress: &Value) -> Option<f64> {
    progress["indicators"]
        .as_array()?
        .iter()
        .find(|i| i["id"] == CHILDCARE_SEATS)?["value"]
        .as_f64()
}

fn seats(delta: u32) -> Value {
    json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-06-30",
           "delta": delta, "district": "蜀山区"})
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_seen_only_once_it_is_durable() {
    let files = FaultyFiles::new();
    let server = common::start_with_files(Arc::new(files.clone())).await;
    let (status, before) = server.get("/v1/progress").await;
    assert_eq!(status, StatusCode::OK);
    let durable_before = server.tracker.ledger().len();

    files.hold_syncs();
    let client = server.client.clone();
    let url = server.url("/v1/events");
    let append = tokio::spawn(async move { client.post(url).json(&seats(1200)).send().await });
    wait_for("the append's sync to wait", || files.syncs_waiting() > 0).await;

    // Written, not durable: no reader sees it.
    let (_, during) = server.get("/v1/progress").await;
    assert_eq!(seats_value(&during), seats_value(&before));
    assert_eq!(server.tracker.ledger().len(), durable_before);
    let live = server
        .tracker
        .progress(&Default::default())
        .expect("progress");
    assert_eq!(
        live.seq, durable_before,
        "the tracker's view is the durable one"
    );
    let (_, page) = server.get("/v1/events?limit=1000").await;
    assert!(page["events"].as_array().is_some_and(|events| {
        events
            .iter()
            .all(|e| e["seq"].as_u64() <= Some(durable_before))
    }));

    files.release_syncs();
    let answer = append.await.expect("joins").expect("answers");
    assert_eq!(answer.status(), StatusCode::CREATED);
    let (_, after) = server.get("/v1/progress").await;
    assert_eq!(
        seats_value(&after),
        Some(seats_value(&before).unwrap_or(0.0) + 1200.0)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_sync_writes_are_refused_and_health_says_why() {
    let files = FaultyFiles::new();
    let server: TestServer = common::start_with_files(Arc::new(files.clone())).await;
    let (status, _) = server.get("/health").await;
    assert_eq!(status, StatusCode::OK);

    files.fail(Op::Sync, 0, Failure::Io);
    let (status, body) = server.post_event(&seats(5)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "outcome_unknown");
    assert_eq!(
        body["error"]["ids"].as_array().map(Vec::len),
        Some(1),
        "the id to retry with"
    );

    let (status, health) = server.get("/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "refusing_writes");
    assert!(
        health["refusing_writes"]
            .as_str()
            .is_some_and(|why| why.contains("sync")),
        "{health}"
    );
    let (status, body) = server.post_event(&seats(6)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "ledger_poisoned");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_that_cannot_be_stored_fails_no_append_and_health_says_why() {
    let server = common::start_opening_with(|tracker| tracker.snapshot_every = 3).await;
    let (_, health) = server.get("/health").await;
    assert_eq!(health["derived_data_problem"], Value::Null, "{health}");

    // The snapshots' directory replaced by a file, as a disk that takes no more files would.
    let parts = server.dir.path().join("ledger").join("snapshot-parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::write(&parts, b"not a directory").expect("write");
    let before = server.log_len();
    for delta in 1..=4 {
        let (status, body) = server.post_event(&seats(delta)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(server.log_len(), before + 4);

    let (status, health) = server.get("/health").await;
    assert_eq!(status, StatusCode::OK, "appends go on: {health}");
    assert_eq!(health["status"], "ok");
    assert!(
        health["derived_data_problem"]
            .as_str()
            .is_some_and(|why| why.contains("snapshot")),
        "{health}"
    );
    server.stop().await;
}

/// A run file damaged on disk: the indicator's history over HTTP is the same as before, read
/// from the log, and `/health` says a run file was set aside (the server stays up and takes
/// appends: run files are derived data).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_run_file_is_set_aside_and_health_says_so() {
    let server = common::start_opening_with(|config| config.ledger.events_per_run = 128).await;
    let batch: Vec<Value> = (1..=400).map(seats).collect();
    let response = server
        .client
        .post(server.url("/v1/events/batch"))
        .json(&batch)
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), StatusCode::CREATED);
    let runs = server.tracker.ledger().len() / 128;
    let mut health = Value::Null;
    let deadline = Instant::now() + Duration::from_secs(30);
    while health["run_files"].as_u64() != Some(runs) {
        assert!(Instant::now() < deadline, "run files written: {health}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        health = server.get("/health").await.1;
    }
    assert_eq!(health["run_files_set_aside"], json!(0), "{health}");
    let history = format!("/v1/indicators/{CHILDCARE_SEATS}/history?limit=1000");
    let (status, before) = server.get(&history).await;
    assert_eq!(status, StatusCode::OK);

    // The last whole run holds only 新增托位's updates: a byte of its first frame flipped.
    let path = server
        .dir
        .path()
        .join("ledger/runs")
        .join(format!("{:010}.run", runs - 1));
    let mut bytes = std::fs::read(&path).expect("run file");
    bytes[100] ^= 0x01;
    std::fs::write(&path, &bytes).expect("damage");

    let (status, after) = server.get(&history).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after, before, "the history read from the log instead");
    let (status, health) = server.get("/health").await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["run_files_set_aside"], json!(1), "{health}");
    let mut aside = path.into_os_string();
    aside.push(".damaged");
    assert_eq!(std::fs::read(&aside).expect("kept aside"), bytes);
    server.stop().await;
}
