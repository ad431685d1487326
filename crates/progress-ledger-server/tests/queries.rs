//! The read side over HTTP: health, plan, indicators, progress now and as of a date, history,
//! the report in three formats, verify, and the OpenAPI description.

mod common;

use common::{CHILDCARE_SEATS, MATERNAL_RATE, code, seats, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn indicator<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == json!(id)))
        .unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_plan_and_indicators_describe_the_loaded_plan() {
    let server = start().await;
    let (status, health) = server.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], json!("ok"));
    assert_eq!(health["mode"], json!("open_development"));
    assert!(
        health["warning"]
            .as_str()
            .unwrap_or("")
            .contains("OPEN DEVELOPMENT MODE")
    );
    assert_eq!(health["plans"], json!(["hefei-2023"]));

    let (status, plan) = server.get("/v1/plan").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plan["id"], json!("hefei-2023"));
    assert_eq!(plan["parts"].as_array().map(Vec::len), Some(3));
    let tasks: Vec<&Value> = plan["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["categories"].as_array().into_iter().flatten())
        .flat_map(|c| c["tasks"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(tasks.len(), 82);
    assert_eq!(plan["districts"].as_array().map(Vec::len), Some(13));

    let (status, indicators) = server.get("/v1/indicators").await;
    assert_eq!(status, StatusCode::OK);
    let all = indicators.as_array().cloned().unwrap_or_default();
    assert!(all.len() > 200, "{} indicators", all.len());
    let seats = all
        .iter()
        .find(|i| i["id"] == json!(CHILDCARE_SEATS))
        .cloned()
        .unwrap_or_default();
    for field in [
        "id",
        "task",
        "item",
        "title",
        "kind",
        "unit",
        "target",
        "direction",
        "baseline",
        "lead_units",
        "cooperating_units",
        "source",
    ] {
        assert!(seats.get(field).is_some(), "field {field} in {seats}");
    }
    assert_eq!(seats["task"], json!(2));
    assert_eq!(seats["item"], json!(1));
    assert_eq!(seats["kind"], json!("cumulative"));
    assert_eq!(seats["target"], json!(16000));
    assert_eq!(seats["unit"], json!("个"));
    assert_eq!(seats["direction"], json!("at_least"));
    assert_eq!(seats["lead_units"], json!(["市卫健委", "市教育局"]));
    assert!(seats["source"].as_str().unwrap_or("").contains("1.6万"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_now_as_recorded_at_a_time_and_as_effective_on_a_date() {
    // The day (Asia/Shanghai) before anything is recorded: a run across midnight still asks
    // about a day before the plan was loaded.
    let first_day = progress_ledger_core::today();
    let server = start().await;
    let (_, first) = server.post_event(&seats(4000, "2023-06-30")).await;
    let between = first["recorded_at"].as_str().unwrap_or("").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, _) = server.post_event(&seats(4000, "2023-09-30")).await;
    assert_eq!(status, StatusCode::CREATED);
    let rate = json!({"indicator": MATERNAL_RATE, "type": "measurement", "effective": "2023-09-30", "value": 92.5});
    assert_eq!(server.post_event(&rate).await.0, StatusCode::CREATED);

    let (status, now) = server.get("/v1/progress").await;
    assert_eq!(status, StatusCode::OK);
    assert!(now["as_of"].as_str().is_some());
    assert!(now["plan"]["completion"].as_f64().unwrap_or(0.0) > 0.0);
    let seats_now = indicator(&now, CHILDCARE_SEATS);
    assert_eq!(seats_now["value"], json!(8000));
    assert_eq!(seats_now["target"], json!(16000));
    assert_eq!(seats_now["completion"], json!(0.5));
    assert!(seats_now["status"].is_string());
    assert_eq!(indicator(&now, MATERNAL_RATE)["completion"], json!(1));
    assert_eq!(indicator(&now, MATERNAL_RATE)["status"], json!("met"));
    let task2 = now["tasks"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["task"] == json!(2)))
        .cloned()
        .unwrap_or_default();
    assert!(task2["completion"].as_f64().unwrap_or(0.0) > 0.0);

    // As effective on a date: only the June update counts.
    let (_, june) = server.get("/v1/progress?effective=2023-07-01").await;
    assert_eq!(indicator(&june, CHILDCARE_SEATS)["value"], json!(4000));
    assert_eq!(june["effective"], json!("2023-07-01"));

    // As recorded at a time: right after the first append, only it was recorded.
    let (status, then) = server
        .get(&format!(
            "/v1/progress?as_of={}",
            between.replace('+', "%2B")
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{then}");
    assert_eq!(indicator(&then, CHILDCARE_SEATS)["value"], json!(4000));
    assert_eq!(then["as_of"], json!(between));

    // A date as_of means the end of that day in Asia/Shanghai: the plan was loaded on or after
    // `first_day`, so the day before it the ledger held no plan, and by the end of today (taken
    // after the last append) everything was recorded.
    let yesterday = first_day
        .yesterday()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (status, before) = server.get(&format!("/v1/progress?as_of={yesterday}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{before}");
    assert_eq!(code(&before), "no_plan");
    let today = progress_ledger_core::today().to_string();
    let (status, today_view) = server.get(&format!("/v1/progress?as_of={today}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        indicator(&today_view, CHILDCARE_SEATS)["value"],
        json!(8000)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_lists_the_trail_of_an_indicator() {
    let server = start().await;
    server.post_event(&seats(100, "2023-08-01")).await;
    server.post_event(&seats(300, "2023-09-01")).await;
    let (status, history) = server
        .get(&format!("/v1/indicators/{CHILDCARE_SEATS}/history"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["indicator"]["id"], json!(CHILDCARE_SEATS));
    let trail = history["trail"].as_array().cloned().unwrap_or_default();
    assert_eq!(trail.len(), 3);
    assert_eq!(trail[0]["event"]["type"], json!("indicator_defined"));
    assert_eq!(trail[1]["value"], json!(100));
    assert_eq!(trail[2]["value"], json!(400));
    assert_eq!(trail[2]["target"], json!(16000));
    assert_eq!(trail[2]["completion"], json!(0.025));
    assert_eq!(history["next"], json!(null));

    // A page at a time: following `next` gives the same steps.
    let mut paged = Vec::new();
    let mut after = 0;
    for _ in 0..trail.len() + 1 {
        let (status, page) = server
            .get(&format!(
                "/v1/indicators/{CHILDCARE_SEATS}/history?after={after}&limit=2"
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        let steps = page["trail"].as_array().cloned().unwrap_or_default();
        assert!(steps.len() <= 2);
        paged.extend(steps);
        match page["next"].as_u64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(paged, trail);
    // Past the head: an empty last page.
    let (status, past) = server
        .get(&format!(
            "/v1/indicators/{CHILDCARE_SEATS}/history?after=9223372036854775807&limit=10000"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(past["trail"], json!([]));
    assert_eq!(past["next"], json!(null));
    for bad in ["limit=0", "limit=10001", "after=-1", "limit=two"] {
        let (status, body) = server
            .get(&format!("/v1/indicators/{CHILDCARE_SEATS}/history?{bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(code(&body), "invalid_parameter", "{bad}");
    }

    let (status, missing) = server.get("/v1/indicators/no-such-indicator/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&missing), "unknown_indicator");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_comes_as_json_markdown_and_csv() {
    let server = start().await;
    server.post_event(&seats(8000, "2023-09-30")).await;

    let (status, report) = server.get("/v1/report?as_of=2023-10-01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["as_of"], json!("2023-10-01"));
    assert_eq!(report["plan"], json!("hefei-2023"));
    let units = report["units"].as_array().cloned().unwrap_or_default();
    let health = units
        .iter()
        .find(|u| u["unit"] == json!("市卫健委"))
        .cloned()
        .unwrap_or_default();
    assert!(
        health["counts"]["behind"].as_u64().unwrap_or(0) >= 1,
        "{health}"
    );

    for (format, content_type, needle) in [
        ("markdown", "text/markdown", "## 市卫健委"),
        ("csv", "text/csv", "unit,task,item,title,completion,status"),
    ] {
        let response = server
            .client
            .get(server.url(&format!("/v1/report?as_of=2023-10-01&format={format}")))
            .send()
            .await
            .expect("report");
        assert_eq!(response.status(), StatusCode::OK);
        let header = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(header.starts_with(content_type), "{header}");
        assert!(header.contains("charset=utf-8"), "{header}");
        let text = response.text().await.expect("text");
        assert!(text.contains(needle), "{format}: {text:.300}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_checks_the_chain_and_a_published_head() {
    let server = start().await;
    server.post_event(&seats(1, "2023-09-30")).await;
    let (status, verified) = server.get("/v1/verify").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verified["ok"], json!(true));
    assert_eq!(verified["events"], json!(server.log_len()));
    assert_eq!(verified["problem"], json!(null));
    let seq = verified["head"]["seq"].as_u64().unwrap_or(0);
    let hash = verified["head"]["hash"].as_str().unwrap_or("").to_owned();
    assert_eq!(hash.len(), 64);

    server.post_event(&seats(2, "2023-09-30")).await;
    let (_, against) = server
        .get(&format!("/v1/verify?seq={seq}&hash={hash}"))
        .await;
    assert_eq!(against["ok"], json!(true), "{against}");
    assert_eq!(against["published"]["seq"], json!(seq));

    let forged = format!("{}0", &hash[..63]);
    let forged = if forged == hash {
        format!("{}1", &hash[..63])
    } else {
        forged
    };
    let (status, mismatch) = server
        .get(&format!("/v1/verify?seq={seq}&hash={forged}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mismatch["ok"], json!(false));
    assert_eq!(
        mismatch["problem"]["kind"],
        json!("published_head_mismatch")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_json_describes_every_path() {
    let server = start().await;
    let (status, document) = server.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap_or("").starts_with("3."));
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for path in [
        "/health",
        "/v1/plan",
        "/v1/indicators",
        "/v1/events",
        "/v1/events/live",
        "/v1/progress",
        "/v1/indicators/{id}/history",
        "/v1/report",
        "/v1/verify",
    ] {
        assert!(paths.contains_key(path), "{path} is described");
    }
    assert!(paths["/v1/events"].get("post").is_some());
    let schemas = document["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for schema in [
        "NewEventRequest",
        "AppendedDto",
        "ProgressDto",
        "ErrorBody",
        "IndicatorDto",
    ] {
        assert!(schemas.contains_key(schema), "schema {schema}");
    }
    // The document the server serves is the one the library builds.
    let built = serde_json::to_value(progress_ledger_server::openapi()).expect("serialises");
    assert_eq!(document, built);
    server.stop().await;
}
