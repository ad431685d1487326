//! `GET /v1/progress` answers from its cache of serialised answers: byte for byte what a fresh
//! computation gives, changed by every append, tagged with an `ETag`, and 304 when the client
//! already holds the answer; bad requests answer the same errors as ever.

mod common;

use common::{TestServer, code, seats, start};
use jiff::Timestamp;
use progress_ledger_core::ProgressQuery;
use progress_ledger_server::dto::ProgressDto;
use progress_ledger_server::params::{parse_as_of, parse_effective};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

/// The queries whose answers are compared with fresh computations.
/// Pairs differ in one parameter only, so a key that left one out would mix their answers.
const QUERIES: [&str; 8] = [
    "",
    "?plan=hefei-2023",
    "?effective=2023-09-30",
    "?effective=2023-12-31",
    "?as_of=2099-12-31",
    "?as_of=2099-12-30",
    "?as_of=2099-12-31T12:00:00%2B08:00&effective=2023-09-30",
    "?as_of=2099-12-31&effective=2023-12-31&plan=hefei-2023",
];

/// An answer: status, headers that matter here, body bytes.
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    cache_control: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

async fn get(server: &TestServer, path: &str, if_none_match: Option<&str>) -> Answer {
    let mut request = server.client.get(server.url(path));
    if let Some(tags) = if_none_match {
        request = request.header(IF_NONE_MATCH, tags);
    }
    let response = request.send().await.expect("GET answers");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: response.status(),
        etag: header(ETAG),
        cache_control: header(CACHE_CONTROL),
        content_type: header(CONTENT_TYPE),
        body: response.bytes().await.expect("body reads").to_vec(),
    }
}

/// What the server would answer for `query` if it serialised afresh now, at the `as_of` the
/// answer carries (the moment of the request, for an answer now).
fn fresh(server: &TestServer, query: &str, answer: &[u8]) -> Vec<u8> {
    let mut asked = ProgressQuery::default();
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').expect("name=value");
        let value = value.replace("%2B", "+");
        match name {
            "plan" => asked.plan = Some(value),
            "as_of" => asked.as_of = Some(parse_as_of(&value).expect("a valid as_of")),
            "effective" => asked.effective = Some(parse_effective(&value).expect("a valid date")),
            other => panic!("unexpected parameter {other}"),
        }
    }
    let body: serde_json::Value = serde_json::from_slice(answer).expect("JSON");
    let cutoff: Timestamp = body["as_of"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("as_of is a time");
    if let Some(asked) = asked.as_of {
        assert_eq!(cutoff, asked, "{query}: as_of is the cutoff asked for");
    }
    let view = server.tracker.progress(&asked).expect("progress");
    serde_json::to_vec(&ProgressDto::new(&view, cutoff).with_tree(server.tracker.ledger()))
        .expect("serialises")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(300).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_answers_are_byte_identical_to_fresh_ones_across_appends() {
    let server = start().await;
    let mut earlier = Vec::new();
    for round in 0..3 {
        let mut answers = Vec::new();
        for query in QUERIES {
            let path = format!("/v1/progress{query}");
            // The first request of a round computes and keeps the answer; the second is
            // served from the cache.
            for _ in 0..2 {
                let answer = get(&server, &path, None).await;
                assert_eq!(
                    answer.status,
                    StatusCode::OK,
                    "{path}: {}",
                    text(&answer.body)
                );
                assert_eq!(answer.content_type.as_deref(), Some("application/json"));
                assert_eq!(answer.cache_control.as_deref(), Some("no-cache"));
                let expected = fresh(&server, query, &answer.body);
                assert!(
                    answer.body == expected,
                    "round {round}, {path}: the answer differs from a fresh computation\n{}\n{}",
                    text(&answer.body),
                    text(&expected)
                );
                answers.push((path.clone(), answer));
            }
        }
        for (path, answer) in &answers {
            let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
            assert_eq!(body["seq"], serde_json::json!(server.log_len()), "{path}");
        }
        // Every append changes every one of these answers, and their tags.
        for (path, before) in &earlier {
            let Some((_, now)) = answers.iter().find(|(p, _)| p == path) else {
                continue;
            };
            let (before, now): (&Answer, &Answer) = (before, now);
            assert_ne!(before.etag, now.etag, "round {round}, {path}");
            assert_ne!(before.body, now.body, "round {round}, {path}");
        }
        earlier = answers;
        let (status, _) = server.post_event(&seats(100 + round, "2023-09-30")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_now_differs_only_in_its_as_of_and_keeps_its_weak_tag() {
    let server = start().await;
    let first = get(&server, "/v1/progress", None).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = get(&server, "/v1/progress", None).await;
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&first.body).expect("JSON"),
        serde_json::from_slice(&second.body).expect("JSON"),
    );
    assert_ne!(
        a["as_of"], b["as_of"],
        "as_of is the moment of each request"
    );
    let without_as_of = |mut v: serde_json::Value| {
        v["as_of"] = serde_json::Value::Null;
        v
    };
    assert_eq!(without_as_of(a), without_as_of(b));
    let tag = first.etag.clone().unwrap_or_default();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(first.etag, second.etag);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_if_none_match_answers_304_without_a_body() {
    let server = start().await;
    for path in [
        "/v1/progress",
        "/v1/progress?effective=2023-09-30",
        "/v1/progress?as_of=2099-12-31",
    ] {
        let first = get(&server, path, None).await;
        assert_eq!(first.status, StatusCode::OK);
        let tag = first.etag.clone().expect("an ETag");
        let strong = tag.trim_start_matches("W/").to_owned();
        let weak = format!("W/{strong}");
        for sent in [
            tag.clone(),
            strong.clone(),
            weak,
            format!("\"other\", {tag}"),
            "*".to_owned(),
        ] {
            let again = get(&server, path, Some(&sent)).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path} with {sent}");
            assert!(again.body.is_empty(), "{path}: a 304 has no body");
            assert_eq!(again.etag.as_deref(), Some(tag.as_str()), "{path}");
            assert_eq!(again.cache_control.as_deref(), Some("no-cache"));
        }
        let other = get(&server, path, Some("\"something else\"")).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert!(!other.body.is_empty());
    }
    // An explicit as_of has a strong tag; an answer now a weak one.
    let explicit = get(&server, "/v1/progress?as_of=2099-12-31", None).await;
    assert!(explicit.etag.unwrap_or_default().starts_with('"'));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_etag_gets_the_new_answer_with_a_new_tag() {
    let server = start().await;
    let past = Timestamp::now().to_string();
    let before = get(&server, "/v1/progress", None).await;
    let old_tag = before.etag.clone().expect("an ETag");
    let before_past = get(&server, &format!("/v1/progress?as_of={past}"), None).await;
    assert_eq!(before_past.status, StatusCode::OK);

    let (status, _) = server.post_event(&seats(1200, "2023-09-30")).await;
    assert_eq!(status, StatusCode::CREATED);

    let after = get(&server, "/v1/progress", Some(&old_tag)).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "the tag is stale after an append"
    );
    let new_tag = after.etag.clone().expect("an ETag");
    assert_ne!(new_tag, old_tag);
    let body: serde_json::Value = serde_json::from_slice(&after.body).expect("JSON");
    let seats_now = body["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == common::CHILDCARE_SEATS))
        .map(|i| i["value"].clone());
    assert_eq!(seats_now, Some(serde_json::json!(1200)));
    assert_eq!(
        get(&server, "/v1/progress", Some(&new_tag)).await.status,
        StatusCode::NOT_MODIFIED
    );

    // An answer as recorded before the append is the same answer, so it keeps its tag.
    let past_again = get(
        &server,
        &format!("/v1/progress?as_of={past}"),
        before_past.etag.as_deref(),
    )
    .await;
    assert_eq!(past_again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(past_again.etag, before_past.etag);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_answer_the_same_errors_with_or_without_if_none_match() {
    let server = start().await;
    let good = get(&server, "/v1/progress", None).await;
    let tag = good.etag.expect("an ETag");
    let cases = [
        ("/v1/progress?as_of=yesterday", 400, "invalid_as_of"),
        ("/v1/progress?as_of=2023-13-01", 400, "invalid_as_of"),
        (
            "/v1/progress?effective=2023-02-30",
            400,
            "invalid_effective",
        ),
        ("/v1/progress?asof=2023-09-30", 400, "unknown_parameter"),
        ("/v1/progress?as_of=a&as_of=b", 400, "repeated_parameter"),
        ("/v1/progress?plan=nope", 404, "no_plan"),
        // Before the plan was loaded.
        ("/v1/progress?as_of=2000-01-01", 404, "no_plan"),
    ];
    for (path, status, expected) in cases {
        let mut bodies = Vec::new();
        for sent in [None, Some("*"), Some(tag.as_str()), None] {
            let answer = get(&server, path, sent).await;
            assert_eq!(answer.status.as_u16(), status, "{path} with {sent:?}");
            assert_eq!(answer.etag, None, "{path}: errors carry no tag");
            let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
            assert_eq!(code(&body), expected, "{path} with {sent:?}");
            bodies.push(answer.body);
        }
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{path}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_answer_still_needs_the_token_reads_require() {
    let (server, auditor) = common::start_requiring_read_tokens().await;
    let allowed = server.get_as("/v1/progress", &auditor).await;
    assert_eq!(allowed.status(), StatusCode::OK);
    let tag = allowed
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("an ETag");
    for sent in [None, Some(tag.as_str()), Some("*")] {
        let refused = get(&server, "/v1/progress", sent).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{sent:?}");
        assert_eq!(refused.etag, None);
    }
    server.stop().await;
}

#[test]
fn the_openapi_document_describes_the_tag_and_the_304() {
    let document = serde_json::to_value(progress_ledger_server::openapi()).expect("serialises");
    let get = &document["paths"]["/v1/progress"]["get"];
    let responses = &get["responses"];
    for header in ["ETag", "Cache-Control"] {
        assert!(
            responses["200"]["headers"].get(header).is_some(),
            "200 has {header}: {}",
            responses["200"]
        );
        assert!(
            responses["304"]["headers"].get(header).is_some(),
            "304 has {header}"
        );
    }
    let parameters = get["parameters"].as_array().cloned().unwrap_or_default();
    assert!(
        parameters
            .iter()
            .any(|p| p["name"] == "If-None-Match" && p["in"] == "header"),
        "{parameters:?}"
    );
}
