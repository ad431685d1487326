//! The live feed: server-sent events that catch up from a position, then follow new appends;
//! and that end when the server shuts down.

mod common;

use std::time::Duration;

use common::{seats, start};
use reqwest::StatusCode;
use serde_json::Value;

/// Reads server-sent events from a response until `want` `event: event` messages arrived
/// (or the stream ended).
async fn next_events(
    response: &mut reqwest::Response,
    buffer: &mut String,
    want: usize,
) -> Vec<Value> {
    let mut events = Vec::new();
    while events.len() < want {
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let is_event = message.lines().any(|l| l == "event: event");
            let data: String = message
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            if is_event {
                events.push(serde_json::from_str(&data).expect("data is an event as JSON"));
            }
        }
        if events.len() >= want {
            break;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("the feed sends within 10 s")
            .expect("the feed reads");
        match chunk {
            Some(bytes) => buffer.push_str(&String::from_utf8_lossy(&bytes)),
            None => break,
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_feed_catches_up_then_receives_new_events() {
    let server = start().await;
    let (_, first) = server.post_event(&seats(10, "2023-09-01")).await;
    let head = server.log_len();
    let after = head - 3;
    let mut response = server
        .client
        .get(server.url(&format!("/v1/events/live?after={after}")))
        .send()
        .await
        .expect("the feed opens");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );

    let mut buffer = String::new();
    let caught_up = next_events(&mut response, &mut buffer, 3).await;
    let seqs: Vec<u64> = caught_up.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(seqs, [after + 1, after + 2, after + 3]);
    assert_eq!(caught_up[2]["id"], first["id"]);

    let (status, second) = server.post_event(&seats(20, "2023-09-02")).await;
    assert_eq!(status, StatusCode::CREATED);
    let followed = next_events(&mut response, &mut buffer, 1).await;
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0]["seq"], second["seq"]);
    assert_eq!(followed[0]["delta"], serde_json::json!(20));
    drop(response);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_live_feed_ends_when_the_server_shuts_down() {
    let server = start().await;
    let head = server.log_len();
    let mut response = server
        .client
        .get(server.url(&format!("/v1/events/live?after={head}")))
        .send()
        .await
        .expect("the feed opens");
    assert_eq!(response.status(), StatusCode::OK);
    let reader = tokio::spawn(async move {
        let mut buffer = String::new();
        // Nothing new is appended: this only returns when the stream ends.
        next_events(&mut response, &mut buffer, 1).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // `stop` asserts that the server stops within its grace period despite the open feed.
    server.stop().await;
    let events = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the feed ends after shutdown")
        .expect("reader task");
    assert!(events.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_feed_resumes_from_last_event_id() {
    let server = start().await;
    let head = server.log_len();
    let mut response = server
        .client
        .get(server.url("/v1/events/live"))
        .header("Last-Event-ID", (head - 1).to_string())
        .send()
        .await
        .expect("the feed opens");
    let mut buffer = String::new();
    let events = next_events(&mut response, &mut buffer, 1).await;
    assert_eq!(events[0]["seq"].as_u64(), Some(head));
    drop(response);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_feed_ends_when_its_client_disconnects() {
    let server = common::start_with(|config, _| config.max_live_feeds = 1).await;
    let head = server.log_len();
    let url = server.url(&format!("/v1/events/live?after={head}"));
    let first = server.client.get(&url).send().await.expect("opens");
    assert_eq!(first.status(), StatusCode::OK);
    let (status, refused) =
        common::status_and_json(server.client.get(&url).send().await.expect("answers")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(common::code(&refused), "too_many_live_feeds");

    // The client goes away: its feed ends and frees its place.
    drop(first);
    let mut reopened = None;
    for _ in 0..50 {
        let response = server.client.get(&url).send().await.expect("answers");
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        reopened.is_some(),
        "the feed of the gone client ended within 5 s"
    );
    drop(reopened);
    server.stop().await;
}

/// Reads the feed until it ends; returns the `data` of its last `event: error` item, if any.
async fn error_at_the_end(response: &mut reqwest::Response) -> Option<Value> {
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("the feed ends within 10 s of the revocation")
            .expect("the feed reads");
        match chunk {
            Some(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
            None => break,
        }
    }
    let last = text.rsplit("\n\n").find(|m| !m.trim().is_empty())?;
    if !last.lines().any(|l| l == "event: error") {
        return None;
    }
    let data: String = last
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    serde_json::from_str(&data).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_feed_ends_when_its_token_is_revoked_or_expires() {
    use progress_ledger_server::credentials::{Role, TokenStore};

    let server = common::start_with(|config, data| {
        config.require_token_for_reads = true;
        config.recheck_interval = Duration::from_millis(100);
        TokenStore::in_data_dir(data)
            .add("市审计局", Role::Auditor)
            .expect("token");
    })
    .await;
    let store = TokenStore::in_data_dir(server.dir.path());
    let (revoked, record) = store.add("市统计局", Role::Auditor).expect("token");
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_millis(800);
    let (expiring, _) = store
        .add_expiring("市统计局", Role::Auditor, Some(soon))
        .expect("token");
    let mut feeds = Vec::new();
    for token in [&revoked, &expiring] {
        let mut response = server.get_as("/v1/events/live", token).await;
        assert_eq!(response.status(), StatusCode::OK);
        let mut buffer = String::new();
        let caught_up = next_events(&mut response, &mut buffer, 1).await;
        assert_eq!(
            caught_up.len(),
            1,
            "the feed serves while the token is valid"
        );
        feeds.push(response);
    }
    store.revoke(&record.id).expect("revoke");
    let ended = error_at_the_end(&mut feeds[0]).await;
    assert_eq!(
        ended.as_ref().and_then(|e| e["code"].as_str()),
        Some("invalid_token"),
        "{ended:?}"
    );
    let ended = error_at_the_end(&mut feeds[1]).await;
    assert_eq!(
        ended.as_ref().and_then(|e| e["code"].as_str()),
        Some("expired_token"),
        "{ended:?}"
    );
    server.stop().await;
}
