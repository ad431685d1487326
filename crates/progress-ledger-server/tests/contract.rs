//! The HTTP contract tells the truth: `/openapi.json` documents every status the router answers
//! for each operation, and each mismatch a schema-driven fuzzer (Schemathesis) found between the
//! description and the server stays fixed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{CHILDCARE_SEATS, TestServer, code, start, start_with};
use progress_ledger_server::credentials::{Role, TokenStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A valid progress update of the childcare seats.
fn seats_body() -> Value {
    json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 10})
}

/// Every operation of the document: (method, path template).
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut all = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for method in item.keys() {
                    all.push((method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    all
}

/// A concrete URL path for a template (the childcare seats for `{id}`, task 2 for `{n}`).
fn concrete(template: &str) -> String {
    template
        .replace("{id}", CHILDCARE_SEATS)
        .replace("{n}", "2")
}

/// Sends `method path` with an optional body and header, and returns the status.
async fn status_of(
    server: &TestServer,
    method: &str,
    path: &str,
    header: Option<(&str, &str)>,
) -> u16 {
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = server.client.request(method.clone(), server.url(path));
    if method == Method::POST {
        request = request.json(&seats_body());
    }
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    // The live feed answers its status at once, then streams: the status is all that is read.
    let response = request.send().await.expect("the server answers");
    response.status().as_u16()
}

/// The statuses each operation answered, by (method, template).
type Answered = BTreeMap<(String, String), BTreeSet<u16>>;

fn note(answered: &mut Answered, method: &str, template: &str, status: u16) {
    answered
        .entry((method.to_owned(), template.to_owned()))
        .or_default()
        .insert(status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_documents_every_status_the_router_answers() {
    let mut answered = Answered::new();
    let server = start_with(|config, _| config.max_live_feeds = 1).await;
    let (_, doc) = server.get("/openapi.json").await;
    let all = operations(&doc);
    assert!(all.len() >= 10, "{all:?}");
    for (method, template) in &all {
        let path = concrete(template);
        // As described: a plain request.
        let plain = status_of(&server, method, &path, None).await;
        note(&mut answered, method, template, plain);
        // A parameter no operation takes.
        let unknown = status_of(&server, method, &format!("{path}?zzz=1"), None).await;
        note(&mut answered, method, template, unknown);
        // An Authorization header that is not `Bearer <token>`.
        let malformed = status_of(&server, method, &path, Some(("authorization", "Basic x"))).await;
        note(&mut answered, method, template, malformed);
        // In open development mode, a Host that is not a loopback name.
        let elsewhere = status_of(&server, method, &path, Some(("host", "attacker.example"))).await;
        assert_eq!(elsewhere, 403, "{method} {template}");
        note(&mut answered, method, template, elsewhere);
    }
    // 404s: a plan, an indicator that does not exist.
    for (method, path, template) in [
        ("GET", "/v1/plan?plan=shanghai-2023", "/v1/plan"),
        ("GET", "/v1/progress?plan=shanghai-2023", "/v1/progress"),
        ("GET", "/v1/report?plan=shanghai-2023", "/v1/report"),
        ("GET", "/v1/events?indicator=t99-9-nothing", "/v1/events"),
        (
            "GET",
            "/v1/indicators/t99-9-nothing/history",
            "/v1/indicators/{id}/history",
        ),
        (
            "GET",
            "/v1/indicators/t99-9-nothing/explain",
            "/v1/indicators/{id}/explain",
        ),
        ("GET", "/v1/tasks/999/explain", "/v1/tasks/{n}/explain"),
        (
            "GET",
            "/v1/categories/999/explain",
            "/v1/categories/{n}/explain",
        ),
        (
            "GET",
            "/v1/plan/explain?plan=shanghai-2023",
            "/v1/plan/explain",
        ),
        (
            "GET",
            "/v1/restatements?from=2023-09-30&effective=2023-09-30&plan=shanghai-2023",
            "/v1/restatements",
        ),
    ] {
        let status = status_of(&server, method, path, None).await;
        note(&mut answered, method, template, status);
    }
    // 304: a progress answer the client holds.
    let response = server
        .client
        .get(server.url("/v1/progress?as_of=2023-09-30"))
        .send()
        .await
        .expect("answers");
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = status_of(
        &server,
        "GET",
        "/v1/progress?as_of=2023-09-30",
        Some(("if-none-match", &etag)),
    )
    .await;
    note(&mut answered, "GET", "/v1/progress", status);
    // 503: a second live feed while the one allowed is open (the feeds above have closed: each
    // follower notices its client went away within 200 ms).
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let first = server
        .client
        .get(server.url("/v1/events/live"))
        .send()
        .await
        .expect("the first feed opens");
    assert_eq!(first.status(), StatusCode::OK);
    let second = status_of(&server, "GET", "/v1/events/live", None).await;
    note(&mut answered, "GET", "/v1/events/live", second);
    drop(first);
    // The append's own answers.
    let post = |status: u16| ("POST".to_owned(), "/v1/events".to_owned(), status);
    let mut appends = Vec::new();
    let (status, _) = server
        .post_event(&json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 10, "id": "0190f4a2-6b1e-7c3d-9a00-000000000001"}))
        .await;
    appends.push(post(status.as_u16()));
    let (status, _) = server
        .post_event(&json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 10, "id": "0190f4a2-6b1e-7c3d-9a00-000000000001"}))
        .await;
    appends.push(post(status.as_u16()));
    let (status, _) = server
        .post_event(&json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 10, "expected_version": 99}))
        .await;
    appends.push(post(status.as_u16()));
    let (status, _) = server
        .post_event(&json!({"indicator": "t99-9-nothing", "type": "progress", "effective": "2023-09-30", "delta": 10}))
        .await;
    appends.push(post(status.as_u16()));
    let big = server
        .client
        .post(server.url("/v1/events"))
        .header("content-type", "application/json")
        .body("x".repeat(70 * 1024))
        .send()
        .await
        .expect("answers");
    appends.push(post(big.status().as_u16()));
    let text = server
        .client
        .post(server.url("/v1/events"))
        .header("content-type", "text/plain")
        .body(seats_body().to_string())
        .send()
        .await
        .expect("answers");
    appends.push(post(text.status().as_u16()));
    for (method, template, status) in appends {
        note(&mut answered, &method, &template, status);
    }
    // With tokens: no token, a token that may not write.
    let (auditor, _) = TokenStore::in_data_dir(server.dir.path())
        .add("市统计局", Role::Auditor)
        .expect("token");
    let (status, _) = server.post_event(&seats_body()).await;
    note(&mut answered, "POST", "/v1/events", status.as_u16());
    let (status, _) = server.post_event_as(&seats_body(), Some(&auditor)).await;
    note(&mut answered, "POST", "/v1/events", status.as_u16());
    // A token file that cannot be read: every operation that checks a credential answers 503.
    std::fs::write(server.dir.path().join("tokens.json"), "{ not json").expect("write");
    for (method, template) in &all {
        let status = status_of(&server, method, &concrete(template), None).await;
        note(&mut answered, method, template, status);
    }
    server.stop().await;

    // Reads that need a token, sent none.
    let reads = start_with(|config, data| {
        config.require_token_for_reads = true;
        TokenStore::in_data_dir(data)
            .add("市审计局", Role::Auditor)
            .expect("token");
    })
    .await;
    for (method, template) in &all {
        let status = status_of(&reads, method, &concrete(template), None).await;
        note(&mut answered, method, template, status);
    }
    reads.stop().await;

    let mut missing = Vec::new();
    for ((method, template), statuses) in &answered {
        let operation = &doc["paths"][template][method.to_lowercase()];
        for status in statuses {
            let documented = &operation["responses"][status.to_string()];
            if documented.is_null() {
                missing.push(format!("{method} {template} answers {status} undocumented"));
            } else if *status >= 400
                && documented["content"]["application/json"]["schema"]["$ref"]
                    != "#/components/schemas/ErrorBody"
            {
                missing.push(format!(
                    "{method} {template} {status} has no ErrorBody schema"
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    // What the brief asks of every operation, whether or not this test provoked it.
    let documented = |method: &str, template: &str| -> BTreeSet<u16> {
        doc["paths"][template][method.to_lowercase()]["responses"]
            .as_object()
            .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
            .unwrap_or_default()
    };
    for (method, template) in &all {
        let statuses = documented(method, template);
        let needed: &[u16] = if template == "/health" {
            &[200, 500]
        } else {
            &[400, 401, 500, 503]
        };
        for status in needed {
            assert!(
                statuses.contains(status),
                "{method} {template} lacks {status}"
            );
        }
    }
    let append = documented("POST", "/v1/events");
    for status in [201, 200, 403, 409, 413, 415, 422] {
        assert!(append.contains(&status), "POST /v1/events lacks {status}");
    }
    for template in [
        "/v1/plan",
        "/v1/progress",
        "/v1/report",
        "/v1/events",
        "/v1/indicators/{id}/history",
        "/v1/indicators/{id}/explain",
        "/v1/tasks/{n}/explain",
        "/v1/categories/{n}/explain",
        "/v1/plan/explain",
        "/v1/restatements",
    ] {
        assert!(
            documented("GET", template).contains(&404),
            "GET {template} lacks 404"
        );
    }
}

/// The description of query parameter `name` of `GET path`.
fn parameter_object<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["name"] == name))
        .unwrap_or(&Value::Null)
}

/// The schema of query parameter `name` of `GET path`.
fn parameter<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    &parameter_object(doc, path, name)["schema"]
}

// Findings: the proofs' and the restatements' required parameters were described as optional,
// and a tree size of 0 was valid by the schema and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_parameters_are_described_so_and_tree_sizes_start_at_one() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    for (path, name, required) in [
        ("/v1/proofs/inclusion", "seq", true),
        ("/v1/proofs/inclusion", "size", false),
        ("/v1/proofs/consistency", "from", true),
        ("/v1/proofs/consistency", "to", true),
        ("/v1/restatements", "from", true),
        ("/v1/restatements", "effective", true),
        ("/v1/restatements", "to", false),
        ("/v1/restatements", "plan", false),
    ] {
        let described = parameter_object(&doc, path, name);
        assert_eq!(
            described["required"].as_bool(),
            Some(required),
            "{path} {name}: {described}"
        );
        assert!(described["description"].is_string(), "{path} {name}");
    }
    for (path, name) in [
        ("/v1/proofs/inclusion", "seq"),
        ("/v1/proofs/inclusion", "size"),
        ("/v1/proofs/consistency", "from"),
        ("/v1/proofs/consistency", "to"),
    ] {
        assert_eq!(parameter(&doc, path, name)["minimum"].as_u64(), Some(1));
    }
    // Schemathesis's finding: sizes the schema allows answered 400. Sizes the log may hold later
    // are not found; sizes out of order, which no schema can say, are unprocessable.
    for (query, expected) in [
        (
            "/v1/proofs/inclusion?seq=1&size=0",
            (400, "invalid_parameter"),
        ),
        (
            "/v1/proofs/consistency?from=0&to=1",
            (400, "invalid_parameter"),
        ),
        ("/v1/proofs/consistency?from=2&to=1", (422, "not_in_tree")),
        ("/v1/proofs/inclusion?seq=2&size=1", (422, "not_in_tree")),
        ("/v1/proofs/inclusion", (400, "missing_parameter")),
        ("/v1/proofs/consistency?from=1", (400, "missing_parameter")),
        (
            "/v1/proofs/inclusion?seq=1&size=9223372036854775806",
            (404, "beyond_log"),
        ),
        (
            "/v1/proofs/consistency?from=1&to=9223372036854775806",
            (404, "beyond_log"),
        ),
    ] {
        let (status, body) = server.get(query).await;
        assert_eq!((status.as_u16(), code(&body)), expected, "{query}");
    }
    // Signing on demand is open in development mode, like appends.
    assert_eq!(
        doc["paths"]["/v1/checkpoint"]["post"]["security"],
        doc["paths"]["/v1/events"]["post"]["security"]
    );
    server.stop().await;
}

// Finding: `GET /v1/events?limit=0` was valid by the schema and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_limit_is_described_as_the_server_takes_it() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    let limit = parameter(&doc, "/v1/events", "limit");
    assert_eq!(
        (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
        (Some(1), Some(1000))
    );
    for (query, status) in [
        ("limit=1", 200),
        ("limit=1000", 200),
        ("limit=0", 400),
        ("limit=1001", 400),
    ] {
        let (answered, _) = server.get(&format!("/v1/events?{query}")).await;
        assert_eq!(answered.as_u16(), status, "{query}");
    }
    server.stop().await;
}

// Finding: an append with an empty `indicator` (and `null`s) was valid by the schema and
// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_append_body_is_described_type_by_type_and_nulls_are_refused() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    let request = &doc["components"]["schemas"]["NewEventRequest"];
    let variants = request["oneOf"].as_array().cloned().unwrap_or_default();
    assert_eq!(variants.len(), 7);
    for variant in &variants {
        let indicator = &variant["properties"]["indicator"];
        assert_eq!(indicator["minLength"], 1);
        assert_eq!(indicator["maxLength"], 100);
        assert_eq!(variant["additionalProperties"], false);
        assert!(variant["properties"].get("actor").is_none());
    }
    let progress = variants
        .iter()
        .find(|v| v["title"] == "progress")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        progress["required"],
        json!(["indicator", "type", "effective", "delta"])
    );
    assert_eq!(progress["properties"]["note"]["maxLength"], 2000);
    for body in [
        json!({"indicator": "", "type": "progress", "effective": "2023-09-30", "delta": 1}),
        json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 1, "note": null}),
        json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 1, "value": null}),
    ] {
        let (status, answer) = server.post_event(&body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    // An integer written with a zero fraction is an integer, as JSON Schema reads it.
    let (status, answer) = server
        .post_event(&json!({"indicator": CHILDCARE_SEATS, "type": "progress", "effective": "2023-09-30", "delta": 1, "expected_version": 1.0}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    server.stop().await;
}

// Finding: `GET /v1/verify?seq=0` (no hash) was valid by the schema and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seq_and_hash_of_a_published_head_are_described_together() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    let published = &doc["paths"]["/v1/verify"]["get"]["parameters"][0];
    assert_eq!(published["name"], "published");
    assert_eq!(
        (published["style"].as_str(), published["explode"].as_bool()),
        (Some("form"), Some(true))
    );
    assert_eq!(published["schema"]["required"], json!(["seq", "hash"]));
    let (status, body) = server.get("/v1/verify?seq=0").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_parameter")
    );
    let head = server.tracker.ledger().head().expect("head");
    let (status, body) = server
        .get(&format!(
            "/v1/verify?seq={}&hash={}",
            head.seq,
            head.hash.to_hex()
        ))
        .await;
    assert_eq!((status, body["ok"].as_bool()), (StatusCode::OK, Some(true)));
    server.stop().await;
}

// Findings: empty `as_of` and `effective` on `/v1/progress`, empty `as_of` and `format` on
// `/v1/report`, were valid by the schema and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_dates_and_formats_are_described_with_their_formats() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    let as_of = parameter(&doc, "/v1/progress", "as_of");
    let formats: Vec<&str> = as_of["anyOf"]
        .as_array()
        .map(|all| all.iter().filter_map(|s| s["format"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(formats, ["date-time", "date"]);
    assert_eq!(
        parameter(&doc, "/v1/progress", "effective")["format"],
        "date"
    );
    assert_eq!(parameter(&doc, "/v1/report", "as_of")["format"], "date");
    assert_eq!(
        parameter(&doc, "/v1/report", "format")["enum"],
        json!(["json", "markdown", "md", "csv", "xlsx"])
    );
    for (path, status) in [
        ("/v1/progress?as_of=", 400),
        ("/v1/progress?effective=", 400),
        ("/v1/report?as_of=", 400),
        ("/v1/report?format=", 400),
        ("/v1/progress?as_of=2999-09-30t12:00:00.1234567891z", 200),
        ("/v1/progress?as_of=9999-12-31T23:59:59-23:59", 200),
        ("/v1/report?as_of=2023-09-30&format=md", 200),
    ] {
        let response = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status().as_u16(), status, "{path}");
    }
    server.stop().await;
}

// Finding: `GET /v1/events/live?after=9223372036854775808` was outside the schema (int64) and
// accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_beyond_int64_are_refused() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    let after = parameter(&doc, "/v1/events/live", "after");
    assert_eq!(after["maximum"].as_u64(), Some(i64::MAX as u64));
    for path in [
        "/v1/events/live?after=9223372036854775808",
        "/v1/events?after=9223372036854775808",
        "/v1/events/live?after=-1e-84",
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_parameter"),
            "{path}"
        );
    }
    let response = server
        .client
        .get(server.url("/v1/events/live?after=9223372036854775807"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    server.stop().await;
}

// Finding: `GET /v1/plan` with an unknown query parameter answered an undocumented 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_repeated_parameters_answer_a_documented_400() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    assert!(doc["paths"]["/v1/plan"]["get"]["responses"]["400"].is_object());
    for (path, expected) in [
        ("/v1/plan?zzz=1", "unknown_parameter"),
        (
            "/v1/plan?plan=hefei-2023&plan=hefei-2023",
            "repeated_parameter",
        ),
        (
            "/v1/indicators/t02-1-childcare-seats/history?x=1",
            "unknown_parameter",
        ),
        ("/v1/plan?plan=Hefei", "invalid_id"),
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, expected),
            "{path}"
        );
    }
    server.stop().await;
}

// Finding: the live feed's events were not described as items of the event stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_feed_describes_its_items() {
    let server = start().await;
    let (_, doc) = server.get("/openapi.json").await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.2"))
    );
    let stream =
        &doc["paths"]["/v1/events/live"]["get"]["responses"]["200"]["content"]["text/event-stream"];
    let event = &stream["itemSchema"]["oneOf"][0];
    assert_eq!(event["required"], json!(["event", "id", "data"]));
    assert_eq!(
        event["properties"]["data"]["contentSchema"]["$ref"],
        "#/components/schemas/EventDto"
    );
    // The first item of the feed, read as the schema says.
    let mut response = server
        .client
        .get(server.url("/v1/events/live"))
        .send()
        .await
        .expect("the feed opens");
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = response.chunk().await.expect("reads").expect("a chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let item: BTreeMap<&str, &str> = text
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once(": "))
        .collect();
    assert_eq!(item.get("event"), Some(&"event"));
    assert_eq!(item.get("id"), Some(&"1"));
    let data: Value =
        serde_json::from_str(item.get("data").copied().unwrap_or("null")).expect("JSON");
    // EventDto is an object with the update's fields flattened in: `allOf` parts.
    let schema = &doc["components"]["schemas"]["EventDto"];
    let parts = schema["allOf"].as_array().cloned().unwrap_or_default();
    let required: Vec<Value> = std::iter::once(schema)
        .chain(parts.iter())
        .filter_map(|part| part["required"].as_array())
        .flatten()
        .cloned()
        .collect();
    assert!(required.len() >= 10, "{required:?}");
    for field in required {
        let field = field.as_str().unwrap_or_default();
        assert!(data.get(field).is_some(), "the event lacks {field}: {data}");
    }
    drop(response);
    server.stop().await;
}
