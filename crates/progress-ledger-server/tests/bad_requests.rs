//! Bad requests: each answers its 4xx status with `{"error": {"code", "message"}}`, and none of
//! them appends anything.

mod common;

use common::{CHILDCARE_PER_DISTRICT, CHILDCARE_SEATS, MATERNAL_RATE, SCREENING_STATUS, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const HOSPITALS: &str = "t10-5-hospital-projects-completed";

/// One bad request and the answer it must get.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

fn get(name: &'static str, path: &str, status: u16, code: &'static str) -> Case {
    Case {
        name,
        method: Method::GET,
        path: path.to_owned(),
        content_type: None,
        body: None,
        status,
        code,
    }
}

fn post_raw(name: &'static str, body: &str, status: u16, code: &'static str) -> Case {
    Case {
        name,
        method: Method::POST,
        path: "/v1/events".into(),
        content_type: Some("application/json"),
        body: Some(body.to_owned()),
        status,
        code,
    }
}

fn post(name: &'static str, body: Value, status: u16, code: &'static str) -> Case {
    post_raw(name, &body.to_string(), status, code)
}

/// A valid progress update of the childcare seats, with `changes` merged in (null removes).
fn seats_with(changes: Value) -> Value {
    let mut body = json!({
        "indicator": CHILDCARE_SEATS,
        "type": "progress",
        "effective": "2023-09-30",
        "delta": 10,
        "district": "蜀山区",
    });
    if let (Some(target), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                target.remove(key);
            } else {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    body
}

fn cases() -> Vec<Case> {
    let tomorrow = progress_ledger_core::today()
        .tomorrow()
        .map(|d| d.to_string())
        .unwrap_or_default();
    vec![
        // Malformed or wrongly typed JSON.
        post_raw("truncated json", "{\"indicator\":", 400, "malformed_json"),
        post_raw("empty body", "", 400, "malformed_json"),
        post_raw("not json at all", "delta=5", 400, "malformed_json"),
        post_raw("a json array", "[1, 2]", 400, "invalid_body"),
        post(
            "indicator is a number",
            seats_with(json!({"indicator": 5})),
            400,
            "invalid_body",
        ),
        post(
            "indicator missing",
            seats_with(json!({"indicator": null})),
            400,
            "invalid_body",
        ),
        post(
            "unknown field (actor comes from the token)",
            seats_with(json!({"actor": "市长"})),
            400,
            "invalid_body",
        ),
        post(
            "expected_version negative",
            seats_with(json!({"expected_version": -1})),
            400,
            "invalid_body",
        ),
        post(
            "unknown type",
            seats_with(json!({"type": "explosion"})),
            400,
            "unknown_type",
        ),
        // Dates.
        post(
            "impossible date",
            seats_with(json!({"effective": "2023-02-30"})),
            400,
            "invalid_date",
        ),
        post(
            "date in another form",
            seats_with(json!({"effective": "30/09/2023"})),
            400,
            "invalid_date",
        ),
        post(
            "date with a time",
            seats_with(json!({"effective": "2023-09-30T10:00:00Z"})),
            400,
            "invalid_date",
        ),
        // Numbers.
        post(
            "NaN",
            seats_with(json!({"delta": "NaN"})),
            400,
            "invalid_number",
        ),
        post(
            "Infinity",
            seats_with(json!({"delta": "Infinity"})),
            400,
            "invalid_number",
        ),
        post_raw(
            "number too large for a decimal",
            &seats_with(json!({}))
                .to_string()
                .replace("\"delta\":10", "\"delta\":1e400"),
            422,
            "out_of_range",
        ),
        post_raw(
            "a null for an optional field",
            r#"{"indicator":"t02-1-childcare-seats","type":"progress","effective":"2023-09-30","delta":10,"note":null}"#,
            400,
            "invalid_body",
        ),
        post(
            "boolean as a number",
            seats_with(json!({"delta": true})),
            400,
            "invalid_number",
        ),
        post(
            "number with letters",
            seats_with(json!({"delta": "12abc"})),
            400,
            "invalid_number",
        ),
        // Fields that do not fit the type.
        post(
            "progress without delta",
            seats_with(json!({"delta": null})),
            400,
            "missing_field",
        ),
        post(
            "progress with a value",
            seats_with(json!({"value": 3})),
            400,
            "field_not_allowed",
        ),
        post(
            "correction without reason",
            json!({"indicator": CHILDCARE_SEATS, "type": "correction", "effective": "2023-09-30", "corrects": "0190f4a2-6b1e-7c3d-9a00-000000000009"}),
            400,
            "missing_field",
        ),
        post(
            "replacement that is a correction",
            json!({"indicator": CHILDCARE_SEATS, "type": "correction", "effective": "2023-09-30", "corrects": "0190f4a2-6b1e-7c3d-9a00-000000000009", "reason": "x", "replacement": {"type": "correction"}}),
            400,
            "unknown_type",
        ),
        post(
            "status not in the list",
            json!({"indicator": SCREENING_STATUS, "type": "status", "effective": "2023-09-30", "status": "finished"}),
            400,
            "invalid_status",
        ),
        post(
            "id not a uuid",
            seats_with(json!({"id": "retry-1"})),
            400,
            "invalid_id",
        ),
        // Strings.
        post(
            "note over 2000 characters",
            seats_with(json!({"note": "注".repeat(2001)})),
            400,
            "string_too_long",
        ),
        post(
            "indicator over 190 bytes",
            seats_with(json!({"indicator": "x".repeat(300)})),
            400,
            "string_too_long",
        ),
        post(
            "district with a control character",
            seats_with(json!({"district": "蜀山\u{0}区"})),
            400,
            "invalid_text",
        ),
        // Transport.
        post_raw(
            "body over 64 KiB",
            &seats_with(json!({"note": "x".repeat(70 * 1024)})).to_string(),
            413,
            "body_too_large",
        ),
        Case {
            content_type: Some("text/plain"),
            ..post(
                "not sent as JSON",
                seats_with(json!({})),
                415,
                "unsupported_media_type",
            )
        },
        // Parses, but does not fit the plan.
        post(
            "unknown indicator",
            seats_with(json!({"indicator": "t99-9-nothing"})),
            422,
            "unknown_indicator",
        ),
        post(
            "measurement on a cumulative indicator",
            seats_with(json!({"type": "measurement", "delta": null, "value": 5})),
            422,
            "kind_mismatch",
        ),
        post(
            "negative delta",
            seats_with(json!({"delta": -5})),
            422,
            "out_of_range",
        ),
        post(
            "percentage over 100",
            json!({"indicator": MATERNAL_RATE, "type": "measurement", "effective": "2023-09-30", "value": "120"}),
            422,
            "out_of_range",
        ),
        post(
            "effective after the plan period",
            seats_with(json!({"effective": "2024-01-05"})),
            422,
            "outside_period",
        ),
        post(
            "effective before the plan period",
            seats_with(json!({"effective": "2022-12-31"})),
            422,
            "outside_period",
        ),
        post(
            "effective in the future",
            seats_with(json!({"effective": tomorrow})),
            422,
            "outside_period",
        ),
        post(
            "unknown district",
            seats_with(json!({"district": "浦东新区"})),
            422,
            "unknown_district",
        ),
        post(
            "coverage without a district",
            json!({"indicator": CHILDCARE_PER_DISTRICT, "type": "progress", "effective": "2023-09-30", "delta": 1}),
            422,
            "unknown_district",
        ),
        post(
            "unknown deliverable",
            json!({"indicator": HOSPITALS, "type": "milestone", "effective": "2023-09-30", "deliverable": "市第九医院"}),
            422,
            "unknown_deliverable",
        ),
        post(
            "correction of an unknown update",
            json!({"indicator": CHILDCARE_SEATS, "type": "correction", "effective": "2023-09-30", "corrects": "0190f4a2-6b1e-7c3d-9a00-000000000009", "reason": "x"}),
            422,
            "unknown_event",
        ),
        // Conflicts.
        post(
            "expected version not current",
            seats_with(json!({"expected_version": 7})),
            409,
            "version_conflict",
        ),
        // Query parameters.
        get(
            "as_of not a time",
            "/v1/progress?as_of=yesterday",
            400,
            "invalid_as_of",
        ),
        get(
            "effective not a date",
            "/v1/progress?effective=2023-02-30",
            400,
            "invalid_effective",
        ),
        get(
            "unknown query parameter",
            "/v1/progress?asof=2023-09-30",
            400,
            "unknown_parameter",
        ),
        get(
            "report in an unknown format",
            "/v1/report?format=pdf",
            400,
            "invalid_format",
        ),
        get(
            "report as_of with a time",
            "/v1/report?as_of=2023-10-01T00:00:00Z",
            400,
            "invalid_as_of",
        ),
        get(
            "page limit zero",
            "/v1/events?limit=0",
            400,
            "invalid_parameter",
        ),
        get(
            "page limit too large",
            "/v1/events?limit=100000",
            400,
            "invalid_parameter",
        ),
        get(
            "negative cursor",
            "/v1/events?after=-1",
            400,
            "invalid_parameter",
        ),
        get(
            "log of an unknown indicator",
            "/v1/events?indicator=t99-9-nothing",
            404,
            "unknown_indicator",
        ),
        get(
            "live feed with a bad cursor",
            "/v1/events/live?after=soon",
            400,
            "invalid_parameter",
        ),
        get(
            "verify with seq only",
            "/v1/verify?seq=1",
            400,
            "invalid_parameter",
        ),
        get(
            "verify with a bad hash",
            "/v1/verify?seq=1&hash=zz",
            400,
            "invalid_hash",
        ),
        get(
            "history of an unknown indicator",
            "/v1/indicators/t99-9-nothing/history",
            404,
            "unknown_indicator",
        ),
        get(
            "unknown plan",
            "/v1/plan?plan=shanghai-2023",
            404,
            "no_plan",
        ),
        get("unknown path", "/v1/nothing", 404, "not_found"),
        Case {
            method: Method::DELETE,
            ..get("delete the log", "/v1/events", 405, "method_not_allowed")
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_gets_its_status_and_code_and_appends_nothing() {
    let server = start().await;
    let before = server.log_len();
    let head = server.tracker.ledger().head().expect("head");
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let mut request = server
            .client
            .request(case.method.clone(), server.url(&case.path));
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(body) = &case.body {
            request = request.body(body.clone());
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("(none)");
        let message = body["error"]["message"].as_str().unwrap_or("");
        if status != StatusCode::from_u16(case.status).unwrap_or(StatusCode::IM_A_TEAPOT)
            || code != case.code
            || message.is_empty()
        {
            failures.push(format!(
                "{}: expected {} {}, got {} {} ({:.200})",
                case.name,
                case.status,
                case.code,
                status.as_u16(),
                code,
                text
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(server.log_len(), before, "no bad request appended anything");
    assert_eq!(server.tracker.ledger().head().expect("head"), head);
    let (status, _) = server.post_event(&seats_with(json!({}))).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the valid request the cases derive from"
    );
    server.stop().await;
}
