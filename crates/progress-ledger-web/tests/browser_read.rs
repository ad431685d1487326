//! The pages in a real browser: headless Chromium (Debian's `chromium`, driven by
//! `chromedriver` over WebDriver) against a real server on 127.0.0.1 with recorded events.
//!
//! - the dashboard's plan, task and indicator figures equal `/v1/progress` for the same query,
//!   at 1440 px and at 390 px, in Chinese, with the plan's names and statuses;
//! - either date picker replays the page to the as-of answers, and back;
//! - an indicator's chart has one point per event that counts and marks a correction;
//!
//! (The form's tests are in `browser_write.rs`.) Screenshots of the dashboard and an indicator
//! page at both widths go to `target/screenshots/` (`PROGRESS_LEDGER_SCREENSHOTS=docs`: `docs/screenshots/`).

#![allow(clippy::unwrap_used)]

mod common;

use common::{Browser, FIGURES, ONE_BROWSER, Served, assert_same_figures, float};
use progress_ledger_server::credentials::Role;
use serde_json::{Value, json};

const SEATS: &str = "t02-1-childcare-seats";
const WIDTHS: [u32; 2] = [1440, 390];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_apis_figures_in_chinese_at_laptop_and_phone_widths() {
    let _one = ONE_BROWSER.lock().await;
    let served = Served::start(true).await;
    let browser = Browser::start().await;
    let api = served.get("/v1/progress").await;
    for width in WIDTHS {
        browser.width(width).await;
        browser.goto(&format!("{}/", served.base)).await;
        browser
            .until("document.querySelector('#tree details.task')")
            .await;
        let text = browser.text().await;
        for words in [
            "合肥市",
            "总体完成率",
            "托育服务",
            "账本校验",
            "哈希链完整",
            "督查通报",
            "模拟数据",
        ] {
            assert!(
                text.contains(words),
                "{width}px: the dashboard says {words}"
            );
        }
        for status in ["滞后", "已完成", "未启动", "按进度"] {
            assert!(text.contains(status), "{width}px: a {status} status shows");
        }
        // Open every task, so that every indicator's figures are on the page and visible.
        browser
            .js("document.querySelector('button[data-toggle=open]').click();")
            .await;
        let page = browser.js(FIGURES).await;
        let compared = assert_same_figures(&page, &api, &format!("dashboard at {width}px"));
        assert_eq!(
            compared,
            api["indicators"].as_array().unwrap().len(),
            "every indicator shows"
        );
        // The rounded text beside each bar is the same figure.
        let plan = &page["plan"]["hefei-2023"];
        let shown = format!("{:.1}%", float(&plan["completion"]).unwrap() * 100.0);
        assert!(
            text.contains(&shown),
            "{width}px: the plan's completion reads {shown}"
        );
        // Statuses are coloured: a behind badge is red.
        let colour = browser
            .js("return getComputedStyle(document.querySelector('.badge.status-behind')).backgroundColor;")
            .await;
        assert_eq!(colour, json!("rgb(207, 34, 46)"));
        browser
            .assert_fits(&format!("dashboard at {width}px"))
            .await;
        // Screenshots with the tasks as a reader first sees them.
        browser.js("document.querySelector('button[data-toggle=close]').click(); window.scrollTo(0, 0);").await;
        browser.screenshot(&format!("dashboard-{width}")).await;
    }

    // Filtering and sorting: only behind indicators, lowest completion first.
    browser.width(1440).await;
    browser
        .goto(&format!("{}/?status=behind&sort=completion", served.base))
        .await;
    let statuses = browser
        .js("return Array.from(document.querySelectorAll('li.indicator')).map(e => e.dataset.status);")
        .await;
    let statuses = statuses.as_array().unwrap();
    assert!(!statuses.is_empty());
    assert!(
        statuses.iter().all(|s| s == "behind"),
        "only behind indicators: {statuses:?}"
    );
    let behind = api["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "behind")
        .count();
    assert_eq!(statuses.len(), behind);
    let parts = browser
        .js("return Array.from(document.querySelectorAll('details.part')).map(e => parseFloat(e.dataset.completion));")
        .await;
    let parts: Vec<f64> = parts
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        parts.windows(2).all(|w| w[0] <= w[1]),
        "parts lowest first: {parts:?}"
    );

    // The views per lead unit and per district, labelled simulated too.
    browser.goto(&format!("{}/units", served.base)).await;
    let text = browser.text().await;
    assert!(
        text.contains("市卫健委") && text.contains("模拟数据"),
        "units page"
    );
    let units = browser.js(FIGURES).await;
    for unit in api["units"].as_array().unwrap() {
        let shown = &units["unit"][unit["unit"].as_str().unwrap()];
        assert!(
            common::same(float(&shown["completion"]), float(&unit["completion"])),
            "unit {}",
            unit["unit"]
        );
    }
    browser
        .goto(&format!(
            "{}/units/{}",
            served.base, "%E5%B8%82%E5%8D%AB%E5%81%A5%E5%A7%94"
        ))
        .await;
    assert!(
        browser.text().await.contains("牵头事项"),
        "a unit's page lists its items"
    );
    browser.goto(&format!("{}/districts", served.base)).await;
    let text = browser.text().await;
    assert!(
        text.contains("蜀山区") && text.contains("模拟数据"),
        "districts page"
    );
    browser.close().await;
    served.stop().await;
}

/// Sets a picker in the page's form and submits it, as a reader does.
async fn pick(browser: &Browser, as_of: &str, effective: &str) {
    browser
        .js_with(
            "document.getElementById('as_of').value = arguments[0];
             document.getElementById('effective').value = arguments[1];
             document.getElementById('moment').submit();",
            vec![json!(as_of), json!(effective)],
        )
        .await;
    browser
        .until("document.readyState === 'complete' && document.getElementById('shown-moment')")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn either_date_replays_the_page_and_back() {
    let _one = ONE_BROWSER.lock().await;
    let served = Served::start(false).await;
    let token = served.token("市卫健委", Role::Recorder);
    let first = json!({"indicator": SEATS, "type": "progress", "effective": "2023-03-31", "delta": "1000", "district": "蜀山区"});
    assert_eq!(served.record(&token, first).await.0, 201);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // A moment between the two appends, to the second, in Beijing time (what the picker sends).
    let between = jiff::Timestamp::now();
    let picker = progress_ledger_core::PLAN_OFFSET
        .to_datetime(between)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let rfc = jiff::Timestamp::from_second(between.as_second())
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let second = json!({"indicator": SEATS, "type": "progress", "effective": "2023-09-30", "delta": "500", "district": "包河区"});
    assert_eq!(served.record(&token, second).await.0, 201);

    let browser = Browser::start().await;
    browser.width(1440).await;
    let seats = |page: &Value| float(&page["indicator"][SEATS]["value"]);
    browser.goto(&format!("{}/?q=托位", served.base)).await;
    let now = browser.js(FIGURES).await;
    assert_eq!(seats(&now), Some(1500.0));
    assert_same_figures(&now, &served.get("/v1/progress").await, "now");

    pick(&browser, &picker, "").await;
    let recorded = browser.js(FIGURES).await;
    assert_eq!(
        seats(&recorded),
        Some(1000.0),
        "as recorded between the appends"
    );
    assert_same_figures(
        &recorded,
        &served.get(&format!("/v1/progress?as_of={rfc}")).await,
        "as recorded at",
    );
    assert!(
        browser.text().await.contains("回看"),
        "the page says it looks back"
    );
    assert_eq!(
        browser
            .js("return new URLSearchParams(location.search).get('q');")
            .await,
        json!("托位"),
        "the filter is kept"
    );

    pick(&browser, "", "2023-06-30").await;
    let effective = browser.js(FIGURES).await;
    assert_eq!(
        seats(&effective),
        Some(1000.0),
        "as effective on 2023-06-30"
    );
    assert_same_figures(
        &effective,
        &served.get("/v1/progress?effective=2023-06-30").await,
        "as effective on",
    );

    pick(&browser, &picker, "2023-02-28").await;
    let both = browser.js(FIGURES).await;
    assert_eq!(
        seats(&both),
        Some(0.0),
        "both: before the first update's date"
    );
    assert_same_figures(
        &both,
        &served
            .get(&format!("/v1/progress?as_of={rfc}&effective=2023-02-28"))
            .await,
        "both dates",
    );

    // The indicator page replays too: its chart has the points of that moment.
    browser
        .goto(&format!(
            "{}/indicators/{SEATS}?as_of={}",
            served.base,
            common_encode(&picker)
        ))
        .await;
    browser
        .until("document.getElementById('chart').dataset.rendered === 'true'")
        .await;
    let points = browser.js("return echarts.getInstanceByDom(document.getElementById('chart')).getOption().series[0].data.length;").await;
    assert_eq!(
        points,
        json!(1),
        "as recorded between the appends, one point"
    );

    // And back to now.
    browser
        .goto(&format!(
            "{}/?as_of={}&effective=2023-06-30",
            served.base,
            common_encode(&picker)
        ))
        .await;
    browser
        .js("document.getElementById('back-to-now').click();")
        .await;
    browser.until("document.getElementById('shown-moment') && document.getElementById('shown-moment').dataset.asOf === '' && document.getElementById('shown-moment').dataset.effective === ''").await;
    let back = browser.js(FIGURES).await;
    assert_eq!(seats(&back), Some(1500.0), "back to now");
    assert_same_figures(&back, &served.get("/v1/progress").await, "back to now");
    browser.close().await;
    served.stop().await;
}

fn common_encode(text: &str) -> String {
    text.replace(':', "%3A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_has_a_point_per_counting_event_and_marks_the_correction() {
    let _one = ONE_BROWSER.lock().await;
    let served = Served::start(false).await;
    let token = served.token("市卫健委", Role::Recorder);
    let mut ids = Vec::new();
    for (date, delta, district) in [
        ("2023-03-31", "1000", "蜀山区"),
        ("2023-06-30", "900", "包河区"),
        ("2023-09-30", "700", "瑶海区"),
    ] {
        let (status, answer) = served
            .record(&token, json!({"indicator": SEATS, "type": "progress", "effective": date, "delta": delta, "district": district}))
            .await;
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    // The June report counted twice: voided and replaced.
    let (status, answer) = served
        .record(&token, json!({"indicator": SEATS, "type": "correction", "effective": "2023-06-30",
            "corrects": ids[1], "reason": "重复报送", "replacement": {"type": "progress", "delta": "300", "district": "包河区"}}))
        .await;
    assert_eq!(status, 201, "{answer}");
    let correction = answer["id"].as_str().unwrap().to_owned();

    let browser = Browser::start().await;
    for width in WIDTHS {
        browser.width(width).await;
        browser
            .goto(&format!("{}/indicators/{SEATS}", served.base))
            .await;
        browser
            .until("document.getElementById('chart').dataset.rendered === 'true'")
            .await;
        let chart = browser
            .js("const c = echarts.getInstanceByDom(document.getElementById('chart')).getOption().series[0];
                 return { points: c.data.map(d => ({ id: d.id, y: d.value[1] })),
                          marks: c.markPoint.data.map(m => ({ name: m.name, id: m.id })),
                          target: c.markLine.data.map(l => l.yAxis),
                          svg: document.querySelectorAll('#chart svg path').length };")
            .await;
        let points = chart["points"].as_array().unwrap();
        assert_eq!(
            points.len(),
            3,
            "three events count (the voided one does not): {chart}"
        );
        let point_ids: Vec<&str> = points.iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(
            point_ids,
            [ids[0].as_str(), correction.as_str(), ids[2].as_str()],
            "by business date"
        );
        let values: Vec<f64> = points.iter().map(|p| p["y"].as_f64().unwrap()).collect();
        assert_eq!(
            values,
            [1000.0, 1300.0, 2000.0],
            "the value as effective on each date"
        );
        assert_eq!(
            chart["marks"],
            json!([{ "name": "更正", "id": correction }]),
            "the correction is marked"
        );
        assert_eq!(chart["target"], json!([16000]), "the target line");
        assert!(chart["svg"].as_u64().unwrap() > 3, "drawn as SVG");
        // Each point is an event of the table; clicking goes there.
        for id in &point_ids {
            let row = browser
                .js_with(
                    "return !!document.getElementById('e-' + arguments[0]);",
                    vec![json!(id)],
                )
                .await;
            assert_eq!(row, json!(true), "event {id} is in the table");
        }
        let voided = browser
            .js_with(
                "return document.getElementById('e-' + arguments[0]).className;",
                vec![json!(ids[1])],
            )
            .await;
        assert_eq!(voided, json!("voided"));
        // The figures equal the API's for this indicator.
        let figures = browser
            .js("return document.getElementById('figures').dataset;")
            .await;
        let api = served.get("/v1/progress").await;
        let seats = api["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == SEATS)
            .unwrap()
            .clone();
        assert!(common::same(
            float(&figures["value"]),
            float(&seats["value"])
        ));
        assert!(common::same(
            float(&figures["completion"]),
            float(&seats["completion"])
        ));
        browser
            .assert_fits(&format!("indicator page at {width}px"))
            .await;
        browser.screenshot(&format!("indicator-{width}")).await;
    }
    browser.close().await;
    served.stop().await;
}
