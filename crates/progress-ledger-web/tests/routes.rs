//! The pages' routes without a browser: what an embedding system that mounts only the API gets
//! (no pages), the assets (built in, the vendored ECharts unchanged), refused queries, and the
//! form's list of what a token may write.

#![allow(clippy::unwrap_used)]

mod common;

use common::Served;
use progress_ledger_server::credentials::Role;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn the_api_router_alone_serves_no_pages() {
    let data = tempfile::tempdir().unwrap();
    let tracker = progress_ledger_core::Tracker::open(data.path().join("ledger")).unwrap();
    let api = progress_ledger_server::router(
        tracker,
        progress_ledger_server::ServerConfig::new(data.path()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, api).await });
    for path in ["/", "/record", "/assets/app.css"] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    server.abort();
}

#[tokio::test]
async fn assets_are_built_in_and_revalidated() {
    let served = Served::start(false).await;
    let echarts = progress_ledger_web::assets::find(progress_ledger_web::assets::ECHARTS).unwrap();
    let digest: String = Sha256::digest(echarts.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        progress_ledger_web::assets::ECHARTS_SHA256,
        "the vendored file is unchanged"
    );
    let client = reqwest::Client::new();
    let response = client
        .get(format!(
            "{}/assets/{}",
            served.base,
            progress_ledger_web::assets::ECHARTS
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.bytes().await.unwrap().len(), echarts.bytes.len());
    let again = client
        .get(format!(
            "{}/assets/{}",
            served.base,
            progress_ledger_web::assets::ECHARTS
        ))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    for asset in progress_ledger_web::assets::ASSETS {
        let response = reqwest::get(format!("{}/assets/{}", served.base, asset.name))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", asset.name);
    }
    let missing = reqwest::get(format!("{}/assets/nothing.js", served.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    served.stop().await;
}

#[tokio::test]
async fn pages_refuse_what_they_cannot_show_in_plain_words() {
    let served = Served::start(false).await;
    for (path, status, words) in [
        ("/?as_of=yesterday", 400, "录入时间"),
        ("/?effective=2023-13-01", 400, "业务日期"),
        ("/indicators/no-such-indicator", 404, "no-such-indicator"),
        ("/units/%E4%B8%8D%E5%AD%98%E5%9C%A8", 404, "不存在"),
    ] {
        let response = reqwest::get(format!("{}{path}", served.base))
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains(words), "{path}: {page}");
    }
    for path in [
        "/",
        "/units",
        "/districts",
        "/indicators/t02-1-childcare-seats",
        "/record",
        "/?as_of=2099-01-01&effective=2023-06-30&status=behind&sort=-completion&q=%E6%89%98",
    ] {
        let response = reqwest::get(format!("{}{path}", served.base))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(
            !page.contains("模拟数据"),
            "{path}: real figures are not labelled simulated"
        );
    }
    served.stop().await;
}

#[tokio::test]
async fn the_form_offers_what_the_token_may_write() {
    let served = Served::start(false).await;
    let health = served.token("市卫健委", Role::Recorder);
    let auditor = served.token("市审计局", Role::Auditor);
    let client = reqwest::Client::new();
    let options = |token: Option<&str>| {
        let mut request = client.get(format!("{}/record/options", served.base));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.send()
    };
    assert_eq!(options(None).await.unwrap().status(), 401);
    assert_eq!(options(Some("plt_unknown")).await.unwrap().status(), 401);
    let answer: Value = options(Some(&health)).await.unwrap().json().await.unwrap();
    assert_eq!(answer["unit"], "市卫健委");
    assert_eq!(answer["role"], "recorder");
    let ids: Vec<&str> = answer["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"t02-1-childcare-seats"));
    assert!(!ids.contains(&"t46-0-pm10"));
    let audit: Value = options(Some(&auditor)).await.unwrap().json().await.unwrap();
    assert_eq!(
        audit["indicators"],
        Value::Array(Vec::new()),
        "an auditor writes nothing"
    );
    served.stop().await;
}

#[tokio::test]
async fn the_report_downloads_are_the_apis_text_and_replay_as_recorded() {
    let served = Served::start(false).await;
    let token = served.token("市卫健委", Role::Recorder);
    let body = serde_json::json!({"indicator": "t02-1-childcare-seats", "type": "progress",
        "effective": "2023-09-30", "delta": "1200", "district": "蜀山区"});
    let before = jiff::Timestamp::now();
    assert_eq!(served.record(&token, body).await.0, 201);
    let text = |path: String| async move {
        let response = reqwest::get(path).await.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    };
    for format in ["markdown", "csv"] {
        let page = text(format!(
            "{}/report?effective=2023-12-31&format={format}",
            served.base
        ))
        .await;
        let api = text(format!(
            "{}/v1/report?as_of=2023-12-31&format={format}",
            served.base
        ))
        .await;
        assert_eq!(page, api, "{format}: the API's report");
    }
    // As recorded before the update: the report does not have it.
    let now = text(format!(
        "{}/report?effective=2023-12-31&format=csv",
        served.base
    ))
    .await;
    let earlier = text(format!(
        "{}/report?effective=2023-12-31&as_of={before}&format=csv",
        served.base
    ))
    .await;
    assert_ne!(now, earlier, "the report replays as recorded at a time");
    let refused = reqwest::get(format!("{}/report?format=pdf", served.base))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    served.stop().await;
}
