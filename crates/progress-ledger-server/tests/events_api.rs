//! Appending over HTTP: a new event, an idempotent retry, a reused id, a version conflict, a
//! correction; and reading the log back by page.

mod common;

use common::{CHILDCARE_SEATS, MATERNAL_RATE, code, seats, start};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_answers_201_with_its_place_and_is_in_the_log() {
    let server = start().await;
    let before = server.log_len();
    let mut body = seats(1200, "2023-09-30");
    body["note"] = json!("九月新增托位");
    let (status, appended) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::CREATED, "{appended}");
    assert_eq!(appended["seq"], json!(before + 1));
    assert_eq!(appended["version"], json!(2)); // the definition is version 1
    assert_eq!(appended["hash"].as_str().map(str::len), Some(64));
    assert_eq!(appended["already_recorded"], json!(false));
    assert_eq!(server.log_len(), before + 1);

    let (status, page) = server
        .get(&format!("/v1/events?after={before}&limit=10"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let event = &page["events"][0];
    assert_eq!(event["id"], appended["id"]);
    assert_eq!(event["type"], json!("progress"));
    assert_eq!(event["delta"], json!(1200));
    assert_eq!(event["district"], json!("蜀山区"));
    assert_eq!(event["note"], json!("九月新增托位"));
    assert_eq!(event["effective"], json!("2023-09-30"));
    // Open development mode: the actor is "development", never taken from the body.
    assert_eq!(event["actor"], json!("development"));
    assert_eq!(page["next"], json!(null));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimals_arrive_exactly_from_numbers_and_strings() {
    let server = start().await;
    for value in [json!(91.7), json!("91.70"), json!(92)] {
        let body = json!({"indicator": MATERNAL_RATE, "type": "measurement", "effective": "2023-10-31", "value": value});
        let (status, answer) = server.post_event(&body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let history = server.tracker.history(MATERNAL_RATE).expect("history");
    let values: Vec<String> = history
        .iter()
        .filter_map(|s| match &s.event.payload {
            progress_ledger_core::Payload::MeasurementTaken { value, .. } => {
                Some(value.to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(values, ["91.7", "91.70", "92"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_id_and_body_answers_the_original() {
    let server = start().await;
    let mut body = seats(50, "2023-09-30");
    body["id"] = json!("0190f4a2-6b1e-7c3d-9a00-000000000001");
    let (first_status, first) = server.post_event(&body).await;
    assert_eq!(first_status, StatusCode::CREATED, "{first}");
    let len = server.log_len();

    let (status, retry) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::OK, "a retry answers 200: {retry}");
    for field in ["seq", "id", "version", "hash", "recorded_at"] {
        assert_eq!(retry[field], first[field], "{field}");
    }
    assert_eq!(retry["already_recorded"], json!(true));
    assert_eq!(server.log_len(), len, "a retry writes nothing");

    // The same id with another body is a conflict.
    body["delta"] = json!(51);
    let (status, conflict) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&conflict), "id_conflict");
    assert_eq!(server.log_len(), len);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_version_that_is_not_current_is_a_conflict() {
    let server = start().await;
    let mut body = seats(10, "2023-09-01");
    body["expected_version"] = json!(1); // the stream holds its definition only
    let (status, answer) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["version"], json!(2));

    let len = server.log_len();
    let (status, conflict) = server.post_event(&body).await; // still expects version 1
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&conflict), "version_conflict");
    let message = conflict["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("version 2"), "{message}");
    assert_eq!(server.log_len(), len);

    body["expected_version"] = json!(2);
    let (status, _) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::CREATED);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_voids_an_update_and_may_replace_it() {
    let server = start().await;
    let (_, wrong) = server.post_event(&seats(1000, "2023-09-30")).await;
    let body = json!({
        "indicator": CHILDCARE_SEATS,
        "type": "correction",
        "effective": "2023-09-30",
        "corrects": wrong["id"],
        "reason": "录入错误:应为100",
        "replacement": {"type": "progress", "delta": "100", "district": "蜀山区"},
    });
    let (status, answer) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (_, progress) = server.get("/v1/progress").await;
    let seats = progress["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == json!(CHILDCARE_SEATS)))
        .cloned()
        .unwrap_or_default();
    assert_eq!(seats["value"], json!(100));
    // Correcting it again is refused: it is already void.
    let (status, again) = server.post_event(&body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&again), "already_corrected");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_reads_by_page_and_by_indicator() {
    let server = start().await;
    for day in 1..=5 {
        let (status, _) = server
            .post_event(&seats(day, &format!("2023-09-{day:02}")))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let total = server.log_len();
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = server
            .get(&format!("/v1/events?after={after}&limit=97"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["head"], json!(total));
        let events = page["events"].as_array().cloned().unwrap_or_default();
        assert!(events.len() <= 97);
        seen.extend(events.iter().filter_map(|e| e["seq"].as_u64()));
        match page["next"].as_u64() {
            Some(next) => {
                assert_eq!(Some(next), seen.last().copied());
                after = next;
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "every event once, in order"
    );

    let (status, page) = server
        .get(&format!("/v1/events?indicator={CHILDCARE_SEATS}&limit=3"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = page["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["type"], json!("indicator_defined"));
    assert!(
        events
            .iter()
            .all(|e| e["indicator"] == json!(CHILDCARE_SEATS))
    );
    let next = page["next"].as_u64().unwrap_or(0);
    let (_, rest) = server
        .get(&format!(
            "/v1/events?indicator={CHILDCARE_SEATS}&after={next}"
        ))
        .await;
    assert_eq!(rest["events"].as_array().map(Vec::len), Some(3));
    assert_eq!(rest["next"], json!(null));
    server.stop().await;
}
