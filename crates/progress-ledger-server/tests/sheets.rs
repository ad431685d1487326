//! Many updates at once over HTTP: the batch append, a unit's template filled and uploaded,
//! and the refusals, all or nothing, row by row.

mod common;

use calamine::{Data, DataType, Reader, Xlsx};
use common::{CHILDCARE_SEATS, MATERNAL_RATE, PM10, TestServer, code, seats, start_with};
use progress_ledger_server::credentials::{Role, TokenStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A server with a recorder's token for 市卫健委.
async fn start() -> (TestServer, String) {
    let server = start_with(|_, _| {}).await;
    let (token, _) = TokenStore::in_data_dir(server.dir.path())
        .add("市卫健委", Role::Recorder)
        .expect("token");
    (server, token)
}

async fn post(
    server: &TestServer,
    path: &str,
    token: &str,
    body: Vec<u8>,
    kind: &str,
) -> (StatusCode, Value) {
    let response = server
        .client
        .post(server.url(path))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .expect("POST answers");
    common::status_and_json(response).await
}

/// The refused rows of an answer: (index, row, code).
fn refused(body: &Value) -> Vec<(u64, Option<u64>, String)> {
    body["refused"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["index"].as_u64().unwrap_or(u64::MAX),
                        r["row"].as_u64(),
                        r["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_batch_is_recorded_whole_or_refused_with_every_bad_row() {
    let (server, token) = start().await;
    let before = server.log_len();
    let mut bad = vec![seats(5, "2023-01-31"); 5];
    bad[1] =
        json!({"indicator": PM10, "type": "measurement", "effective": "2023-01-31", "value": 40});
    bad[3] = json!({"indicator": "no-such-indicator", "type": "progress", "effective": "2023-01-31", "delta": 1});
    bad[4]["effective"] = json!("2031-01-01");
    let body = serde_json::to_vec(&bad).expect("json");
    let (status, answer) = post(
        &server,
        "/v1/events/batch",
        &token,
        body,
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "batch_refused");
    let codes: Vec<(u64, String)> = refused(&answer)
        .into_iter()
        .map(|(i, _, c)| (i, c))
        .collect();
    assert_eq!(
        codes,
        [
            (1, "forbidden".to_owned()),
            (3, "unknown_indicator".to_owned()),
            (4, "outside_period".to_owned())
        ]
    );
    assert_eq!(server.log_len(), before, "a refused batch writes nothing");

    // A dry run of a good batch writes nothing either.
    let good: Vec<Value> = (0..50)
        .map(|n| {
            let mut update = seats(1 + n, "2023-02-28");
            update["id"] = json!(uuid::Uuid::now_v7().to_string());
            update
        })
        .collect();
    let body = serde_json::to_vec(&good).expect("json");
    let (status, answer) = post(
        &server,
        "/v1/events/batch?dry_run=true",
        &token,
        body.clone(),
        "application/json",
    )
    .await;
    assert_eq!(
        (status, answer["checked"].as_u64()),
        (StatusCode::OK, Some(50))
    );
    assert_eq!(server.log_len(), before);

    let (status, answer) = post(
        &server,
        "/v1/events/batch",
        &token,
        body.clone(),
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["written"], 50);
    assert_eq!(server.log_len(), before + 50);
    // The same batch again: nothing written twice.
    let (status, answer) = post(
        &server,
        "/v1/events/batch",
        &token,
        body,
        "application/json",
    )
    .await;
    assert_eq!(
        (
            status,
            answer["written"].as_u64(),
            answer["already_recorded"].as_u64()
        ),
        (StatusCode::OK, Some(0), Some(50))
    );
    assert_eq!(server.log_len(), before + 50);
    server.stop().await;
}

/// The unit's template, read with calamine, as rows of text cells.
async fn template(server: &TestServer, token: &str, unit: &str) -> Vec<Vec<String>> {
    let response = server
        .client
        .get(server.url(&format!("/v1/templates/{unit}.xlsx")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let range = book
        .worksheet_range(progress_ledger_sheets::SHEET)
        .expect("the progress sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// A workbook of `rows` (numbers where a cell parses as one).
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(progress_ledger_sheets::SHEET).expect("name");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r as u32, c as u16, n).map(|_| ()),
                _ => sheet.write_string(r as u32, c as u16, cell).map(|_| ()),
            }
            .expect("write");
        }
    }
    book.save_to_buffer().expect("saves")
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[tokio::test]
async fn a_filled_template_round_trips_and_bad_rows_are_named_by_their_row() {
    let (server, token) = start().await;
    let mut rows = template(&server, &token, "市卫健委").await;
    let header = rows[0].clone();
    let (id, date, amount, district, note) = (
        column(&header, "指标编号"),
        column(&header, "生效日期"),
        column(&header, "数值或增量"),
        column(&header, "县(市)区"),
        column(&header, "备注"),
    );
    let listed: Vec<&str> = rows[1..].iter().map(|r| r[id].as_str()).collect();
    assert!(
        listed.contains(&CHILDCARE_SEATS) && listed.contains(&MATERNAL_RATE),
        "{listed:?} {header:?}"
    );
    assert!(
        !listed.contains(&PM10),
        "another unit's indicator is not offered"
    );
    let row_of = |rows: &[Vec<String>], wanted: &str| {
        rows.iter().position(|r| r[id] == wanted).expect("listed")
    };
    let seats_row = row_of(&rows, CHILDCARE_SEATS);
    let rate_row = row_of(&rows, MATERNAL_RATE);
    for r in [seats_row, rate_row] {
        rows[r].resize(header.len(), String::new());
        rows[r][date] = "2023-03-31".into();
        rows[r][note] = "一季度(测试)".into();
    }
    rows[seats_row][amount] = "120".into();
    rows[seats_row][district] = "蜀山区".into();
    rows[rate_row][amount] = "93.5".into();

    let before = server.log_len();
    let filled = workbook(&rows);
    let (status, answer) = post(&server, "/v1/sheets", &token, filled.clone(), XLSX).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["written"], 2);
    assert_eq!(server.log_len(), before + 2);
    let events = server
        .tracker
        .ledger()
        .read_forward(before, 10)
        .expect("read");
    let kinds: Vec<&str> = events.iter().map(|e| e.payload.kind_name()).collect();
    assert_eq!(kinds, ["measurement_taken", "progress_reported"]);
    assert!(events.iter().all(|e| e.actor == "市卫健委"));
    // The same file again writes nothing.
    let (status, answer) = post(&server, "/v1/sheets", &token, filled, XLSX).await;
    assert_eq!(
        (status, answer["written"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{answer}"
    );
    assert_eq!(server.log_len(), before + 2);

    // Rows the plan or the rules refuse: each named by its row in the sheet, nothing written.
    let mut bad = vec![header.clone()];
    let mut add = |indicator: &str, day: &str, value: &str, place: &str| {
        let mut row = vec![String::new(); header.len()];
        row[id] = indicator.into();
        row[date] = day.into();
        row[amount] = value.into();
        row[district] = place.into();
        bad.push(row);
    };
    add(CHILDCARE_SEATS, "2023-04-30", "10", "蜀山区"); // row 2: fine
    add("t99-no-such", "2023-04-30", "10", ""); // row 3
    add(PM10, "2023-04-30", "40", ""); // row 4: another unit's
    add(CHILDCARE_SEATS, "2024-04-30", "10", "蜀山区"); // row 5: outside the period
    add(CHILDCARE_SEATS, "2023-04-30", "10", "火星区"); // row 6: no such district
    add(CHILDCARE_SEATS, "2023-04-30", "十", "蜀山区"); // row 7: text for a number
    let (status, answer) = post(&server, "/v1/sheets", &token, workbook(&bad), XLSX).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let rows: Vec<(Option<u64>, String)> = refused(&answer)
        .into_iter()
        .map(|(_, r, c)| (r, c))
        .collect();
    // The sheet's own checks come first: a text for a number refuses the sheet before the plan's.
    assert_eq!(rows, [(Some(7), "not_a_number".to_owned())]);
    bad.pop();
    let (status, answer) = post(&server, "/v1/sheets", &token, workbook(&bad), XLSX).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let rows: Vec<(Option<u64>, String)> = refused(&answer)
        .into_iter()
        .map(|(_, r, c)| (r, c))
        .collect();
    assert_eq!(
        rows,
        [
            (Some(3), "unknown_indicator".to_owned()),
            (Some(4), "forbidden".to_owned()),
            (Some(5), "outside_period".to_owned()),
            (Some(6), "unknown_district".to_owned()),
        ]
    );
    assert_eq!(
        server.log_len(),
        before + 2,
        "a refused sheet writes nothing"
    );

    // Not a workbook; a workbook with a column missing.
    let (status, answer) = post(
        &server,
        "/v1/sheets",
        &token,
        b"PK\x03\x04 not really".to_vec(),
        XLSX,
    )
    .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "not_a_workbook")
    );
    let mut missing = bad.clone();
    missing[0][date] = "日期".into();
    let (status, answer) = post(&server, "/v1/sheets", &token, workbook(&missing), XLSX).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(&answer)[0].2, "missing_column");
    assert_eq!(server.log_len(), before + 2);
    server.stop().await;
}

#[tokio::test]
async fn templates_are_for_units_of_the_plan_only() {
    let (server, token) = start().await;
    let response = server
        .client
        .get(server.url("/v1/templates/不存在的单位.xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET answers");
    let (status, body) = common::status_and_json(response).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "unknown_unit")
    );
    // A district's template lists the items that name the district set.
    let rows = template(&server, &token, "蜀山区").await;
    assert!(
        rows.len() > 5,
        "蜀山区 writes district figures of several items"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_report_as_a_workbook_holds_the_json_reports_figures() {
    let (server, token) = start().await;
    let batch: Vec<Value> = (1..=12).map(|n| seats(100 * n, "2023-06-30")).collect();
    let body = serde_json::to_vec(&batch).expect("json");
    let (status, _) = post(
        &server,
        "/v1/events/batch",
        &token,
        body,
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, json) = server.get("/v1/report?as_of=2023-06-30").await;
    assert_eq!(status, StatusCode::OK);
    let response = server
        .client
        .get(server.url("/v1/report?as_of=2023-06-30&format=xlsx"))
        .send()
        .await
        .expect("GET answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    assert_eq!(book.sheet_names(), progress_ledger_sheets::REPORT_SHEETS);
    let plan = book.worksheet_range("计划").expect("plan sheet");
    let completion = plan
        .rows()
        .find(|r| r[0] == Data::String("总体完成率".into()))
        .and_then(|r| r[1].as_f64())
        .expect("the plan's completion");
    let want = json["completion"]
        .as_f64()
        .expect("the JSON report's completion");
    assert!((completion - want).abs() < 1e-9, "{completion} != {want}");
    let units = book.worksheet_range("单位").expect("units sheet");
    let items: usize = json["units"]
        .as_array()
        .map(|u| {
            u.iter()
                .map(|u| u["items"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(
        units.height() - 1,
        items,
        "every item of every unit's section"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_report_compared_with_an_earlier_one_has_a_sheet_of_restatements() {
    let (server, token) = start().await;
    let body = |delta: i64| serde_json::to_vec(&[seats(delta, "2023-06-30")]).expect("json");
    let batch = "/v1/events/batch";
    let (status, _) = post(&server, batch, &token, body(1200), "application/json").await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let earlier = jiff::Timestamp::now().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // A late report about 30 June.
    let (status, _) = post(&server, batch, &token, body(300), "application/json").await;
    assert_eq!(status, StatusCode::CREATED);

    let query = format!("/v1/report?as_of=2023-06-30&since=2023-06-30&since_as_of={earlier}");
    let (status, json) = server.get(&query).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let changes = json["restated"]["restatements"]["changes"]
        .as_array()
        .expect("changes")
        .clone();
    assert!(!changes.is_empty(), "{json}");
    let response = server
        .client
        .get(server.url(&format!("{query}&format=xlsx")))
        .send()
        .await
        .expect("GET answers");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let mut names = progress_ledger_sheets::REPORT_SHEETS
        .map(str::to_owned)
        .to_vec();
    names.push(progress_ledger_sheets::RESTATEMENTS_SHEET.to_owned());
    assert_eq!(book.sheet_names(), names);
    let sheet = book
        .worksheet_range(progress_ledger_sheets::RESTATEMENTS_SHEET)
        .expect("the restatements sheet");
    assert_eq!(sheet.height() - 1, changes.len(), "one row per change");
    // Every change's figures, before and after, as numbers (completion as a fraction).
    for (row, change) in sheet.rows().skip(1).zip(&changes) {
        assert_eq!(
            row[1],
            Data::String(change["title"].as_str().unwrap_or("").to_owned())
        );
        for (col, side, field) in [
            (2, "before", "value"),
            (3, "after", "value"),
            (4, "before", "target"),
            (5, "after", "target"),
            (6, "before", "completion"),
            (7, "after", "completion"),
        ] {
            let want = change[side][field].as_f64();
            let got = row[col].as_f64();
            match (got, want) {
                (Some(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{got} != {want}"),
                (got, want) => assert_eq!(got, want, "{side} {field} of {change}"),
            }
        }
    }
    let seats_row = sheet
        .rows()
        .find(|r| r[0] == Data::String(format!("指标 {CHILDCARE_SEATS}")))
        .expect("the indicator's row");
    assert_eq!(
        (seats_row[2].as_f64(), seats_row[3].as_f64()),
        (Some(1200.0), Some(1500.0))
    );
    assert!(
        seats_row[10].to_string().contains("补报 (late_report)"),
        "{:?}",
        seats_row[10]
    );
    // The plan sheet says which report it is compared with.
    let plan = book.worksheet_range("计划").expect("plan sheet");
    let compared = plan
        .rows()
        .find(|r| r[0] == Data::String("对比通报日期".into()))
        .map(|r| r[1].to_string());
    assert_eq!(compared.as_deref(), Some("2023-06-30"));
    server.stop().await;
}
