//! Credentials over HTTP: a recorder writes only to the items its unit leads or supports, an
//! auditor only reads, an admin may revise targets, an unknown token is refused; the actor is
//! the token's unit; tokens added while the server runs are picked up; reads can be closed.

mod common;

use common::{MATERNAL_RATE, PM10, code, start};
use progress_ledger_server::credentials::{Role, TokenStore};
use reqwest::StatusCode;
use serde_json::json;

fn rate(value: f64) -> serde_json::Value {
    json!({"indicator": MATERNAL_RATE, "type": "measurement", "effective": "2023-09-30", "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorders_write_to_their_items_auditors_only_read_wrong_tokens_are_refused() {
    let server = start().await;
    let store = TokenStore::in_data_dir(server.dir.path());
    let (health_recorder, _) = store.add("市卫健委", Role::Recorder).expect("token");
    let (auditor, _) = store.add("市审计局", Role::Auditor).expect("token");
    let (admin, _) = store.add("市政务服务局", Role::Admin).expect("token");

    let (_, health) = server.get("/health").await;
    assert_eq!(
        health["mode"],
        json!("tokens"),
        "tokens added while running are seen"
    );
    assert_eq!(health["warning"], json!(null));
    let before = server.log_len();

    // A recorder of 市卫健委 writes to a task-1 indicator (its unit leads item 1(1)) …
    let (status, appended) = server
        .post_event_as(&rate(91.0), Some(&health_recorder))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appended}");
    let (_, page) = server.get(&format!("/v1/events?after={before}")).await;
    assert_eq!(
        page["events"][0]["actor"],
        json!("市卫健委"),
        "the actor is the token's unit"
    );

    // … but not to a task-46 indicator (市生态环境局 and others lead it).
    let pm10 =
        json!({"indicator": PM10, "type": "measurement", "effective": "2023-09-30", "value": 60});
    let (status, refused) = server.post_event_as(&pm10, Some(&health_recorder)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&refused), "forbidden");

    // A recorder may not revise a target; an admin may.
    let revision = json!({"indicator": MATERNAL_RATE, "type": "target_revised", "effective": "2023-09-30", "target": 93, "reason": "动态调整"});
    let (status, _) = server
        .post_event_as(&revision, Some(&health_recorder))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, revised) = server.post_event_as(&revision, Some(&admin)).await;
    assert_eq!(status, StatusCode::CREATED, "{revised}");
    let (status, _) = server.post_event_as(&pm10, Some(&admin)).await;
    assert_eq!(status, StatusCode::CREATED, "an admin writes anywhere");

    // An auditor cannot write at all, but reads.
    let (status, refused) = server.post_event_as(&rate(91.5), Some(&auditor)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&refused), "forbidden");
    let response = server.get_as("/v1/progress", &auditor).await;
    assert_eq!(response.status(), StatusCode::OK);

    // A wrong token, or none, gets 401.
    let (status, refused) = server.post_event_as(&rate(91.5), Some("plt_0000")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&refused), "invalid_token");
    let (status, refused) = server.post_event(&rate(91.5)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&refused), "missing_token");
    let response = server
        .client
        .post(server.url("/v1/events"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&rate(91.5))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        server.log_len(),
        before + 3,
        "only the three allowed writes"
    );
    // The token file holds hashes, never the tokens.
    let file = std::fs::read_to_string(store.path()).expect("token file");
    for token in [&health_recorder, &auditor, &admin] {
        assert!(!file.contains(token.as_str()));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unit_aliases_and_district_recorders_follow_the_plan() {
    let server = start().await;
    let store = TokenStore::in_data_dir(server.dir.path());
    // 市医疗保障局 is another spelling of 市医保局 in the plan.
    let (medical_insurance, _) = store.add("市医疗保障局", Role::Recorder).expect("token");
    let (shushan, _) = store.add("蜀山区", Role::Recorder).expect("token");

    let indicators = server.get("/v1/indicators").await.1;
    let led_by = |unit: &str| {
        indicators
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| {
                i["kind"] == json!("status")
                    && i["lead_units"]
                        .as_array()
                        .is_some_and(|u| u.iter().any(|u| u == unit))
            })
            .and_then(|i| i["id"].as_str())
            .unwrap_or("")
            .to_owned()
    };
    let insurance_item = led_by("市医保局");
    assert!(
        !insurance_item.is_empty(),
        "the plan has an item led by 市医保局"
    );
    let status = |id: &str| json!({"indicator": id, "type": "status", "effective": "2023-09-30", "status": "in_progress"});
    let (code_status, body) = server
        .post_event_as(&status(&insurance_item), Some(&medical_insurance))
        .await;
    assert_eq!(code_status, StatusCode::CREATED, "{body}");

    // A district supports items that name 各县(市)区、开发区, for its own district only.
    let seats = |district: &str| json!({"indicator": common::CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 5, "district": district});
    let (own, body) = server.post_event_as(&seats("蜀山区"), Some(&shushan)).await;
    assert_eq!(own, StatusCode::CREATED, "{body}");
    let (other, _) = server.post_event_as(&seats("包河区"), Some(&shushan)).await;
    assert_eq!(other, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_can_require_a_token() {
    let (server, auditor) = common::start_requiring_read_tokens().await;
    let (status, refused) = server.get("/v1/progress").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&refused), "missing_token");
    let response = server.get_as("/v1/indicators", &auditor).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, health) = server.get("/health").await;
    assert_eq!(status, StatusCode::OK, "liveness stays open");
    assert_eq!(health["reads_require_token"], json!(true));
    server.stop().await;
}
