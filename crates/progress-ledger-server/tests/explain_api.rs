//! Explanations and restatements over HTTP: an indicator's and a task's explanation recompute
//! the figures `/v1/progress` answers; restatements between two recorded times list the late
//! report and the correction recorded in between; the report with `since` carries the same
//! section and states its head; bad parameters answer 400, unknown subjects 404.

mod common;

use common::{CHILDCARE_SEATS, code, seats, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn find<'a>(all: &'a Value, key: &str, value: &Value) -> &'a Value {
    all.as_array()
        .and_then(|all| all.iter().find(|i| &i[key] == value))
        .unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indicator_and_a_task_are_explained_with_the_figures_of_progress() {
    let server = start().await;
    for (delta, effective) in [(1200, "2023-09-30"), (800, "2023-10-31")] {
        let (status, _) = server.post_event(&seats(delta, effective)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let query = "effective=2023-09-30";
    let (status, explained) = server
        .get(&format!("/v1/indicators/{CHILDCARE_SEATS}/explain?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{explained}");
    let (_, progress) = server.get(&format!("/v1/progress?{query}")).await;
    let figures = find(&progress["indicators"], "id", &json!(CHILDCARE_SEATS));
    let indicator = &explained["indicators"][0];
    assert_eq!(indicator["id"], json!(CHILDCARE_SEATS));
    assert_eq!(indicator["value"], figures["value"]);
    assert_eq!(indicator["completion"], figures["completion"]);
    assert_eq!(indicator["status"], figures["status"]);
    let counted = indicator["counted"].as_array().cloned().unwrap_or_default();
    assert_eq!(counted.len(), 1, "only the September update counts");
    assert_eq!(counted[0]["contribution"]["amount"], json!(1200));
    assert_eq!(counted[0]["role"], json!("summed"));
    assert_eq!(indicator["effective_later"], json!(1));
    let ops: Vec<&str> = indicator["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["op"].as_str())
        .collect();
    assert_eq!(ops, ["sum", "ratio", "cap", "schedule"]);
    assert_eq!(indicator["steps"][0]["value"], json!(1200));
    assert_eq!(explained["head"]["seq"], json!(server.log_len()));
    let levels: Vec<&str> = explained["rollups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["subject"]["level"].as_str())
        .collect();
    assert_eq!(levels, ["item", "task", "category", "part", "plan"]);
    let plan = find(&explained["rollups"], "title", &progress["plan"]["title"]);
    assert_eq!(plan["completion"], progress["plan"]["completion"]);

    let (status, task) = server.get(&format!("/v1/tasks/2/explain?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    let figure = find(&progress["tasks"], "task", &json!(2));
    let rollup = task["rollups"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|r| r["subject"] == json!({"level": "task", "number": 2}))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(rollup["completion"], figure["completion"]);
    assert_eq!(rollup["steps"][0]["op"], json!("mean"));
    assert!(
        task["indicators"]
            .as_array()
            .is_some_and(|all| all.iter().all(|i| i["task"] == json!(2)) && all.len() > 1)
    );
    let (status, category) = server.get("/v1/categories/1/explain").await;
    assert_eq!(status, StatusCode::OK, "{category}");

    for (path, status, expected) in [
        (
            "/v1/indicators/t99-9-nothing/explain",
            404,
            "unknown_indicator",
        ),
        ("/v1/tasks/999/explain", 404, "unknown_task"),
        ("/v1/categories/999/explain", 404, "unknown_category"),
        ("/v1/tasks/two/explain", 400, "invalid_parameter"),
        (
            "/v1/tasks/2/explain?effective=30-09-2023",
            400,
            "invalid_effective",
        ),
        ("/v1/tasks/2/explain?zzz=1", 400, "unknown_parameter"),
        ("/v1/plan/explain?plan=shanghai-2023", 404, "no_plan"),
    ] {
        let (answered, body) = server.get(path).await;
        assert_eq!(
            (answered.as_u16(), code(&body)),
            (status, expected),
            "{path}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restatements_and_the_report_since_an_earlier_date_name_their_causes() {
    let server = start().await;
    let (_, first) = server.post_event(&seats(1200, "2023-09-30")).await;
    let t1 = server
        .tracker
        .ledger()
        .get(server.log_len())
        .ok()
        .flatten()
        .map(|e| e.recorded_at.to_string())
        .unwrap_or_default();
    let (status, _) = server.post_event(&seats(300, "2023-09-20")).await;
    assert_eq!(status, StatusCode::CREATED);
    let correction = json!({"indicator": CHILDCARE_SEATS, "type": "correction",
        "effective": "2023-09-30", "corrects": first["id"], "reason": "重复填报"});
    let (status, body) = server.post_event(&correction).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let from = t1.replace('+', "%2B");
    let (status, restated) = server
        .get(&format!(
            "/v1/restatements?from={from}&effective=2023-09-30"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{restated}");
    let change = restated["changes"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| c["subject"] == json!({"level": "indicator", "id": CHILDCARE_SEATS}))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(change["before"]["value"], json!(1200));
    assert_eq!(change["after"]["value"], json!(300));
    let kinds: Vec<&str> = change["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["late_report", "correction"]);
    assert_eq!(change["causes"][1]["voids"]["event"]["id"], first["id"]);

    let (status, report) = server
        .get(&format!(
            "/v1/report?as_of=2023-10-31&since=2023-09-30&since_as_of={from}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["head"]["seq"], json!(server.log_len()));
    assert_eq!(
        report["restated"]["restatements"]["changes"]
            .as_array()
            .map(Vec::len),
        restated["changes"].as_array().map(Vec::len)
    );
    let markdown = server
        .client
        .get(server.url(&format!(
            "/v1/report?as_of=2023-10-31&since=2023-09-30&since_as_of={from}&format=md"
        )))
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    assert!(markdown.contains("## 重述"), "{markdown}");
    assert!(markdown.contains("补报 (late_report)"), "{markdown}");

    // Without `since`, the earlier report is the same date's, as computed then.
    let (status, alone) = server
        .get(&format!("/v1/report?as_of=2023-09-30&since_as_of={from}"))
        .await;
    let (_, paired) = server
        .get(&format!(
            "/v1/report?as_of=2023-09-30&since=2023-09-30&since_as_of={from}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{alone}");
    assert_eq!(alone["restated"], paired["restated"]);
    assert_ne!(alone["restated"]["restatements"]["changes"], json!([]));

    let bad = StatusCode::BAD_REQUEST;
    for (path, expected) in [
        (
            "/v1/restatements?effective=2023-09-30",
            (bad, "missing_parameter"),
        ),
        (
            "/v1/restatements?from=2023-09-30",
            (bad, "missing_parameter"),
        ),
        (
            "/v1/restatements?from=2023-10-31&to=2023-09-30&effective=2023-09-30",
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_range"),
        ),
        (
            "/v1/restatements?from=later&effective=2023-09-30",
            (bad, "invalid_as_of"),
        ),
        ("/v1/report?since=September", (bad, "invalid_since")),
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!((status, code(&body)), expected, "{path}");
    }
    server.stop().await;
}
