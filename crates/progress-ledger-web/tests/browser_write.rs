//! The recording form in a real browser: headless Chromium (Debian's `chromium`, driven by
//! `chromedriver` over WebDriver) against a real server on 127.0.0.1.
//!
//! - the form records exactly one event (also after a lost answer and a double submit), the
//!   figures follow, a correction of one's own event is made from its trail, and a refused
//!   input shows the server's message and writes nothing;
//! - a clerk is offered only the unit's indicators and cannot record another unit's.
//!
//! Screenshots of the form at 1440 px and 390 px go to `target/screenshots/` (`PROGRESS_LEDGER_SCREENSHOTS=docs`: `docs/screenshots/`).

#![allow(clippy::unwrap_used)]

mod common;

use common::{Browser, FIGURES, ONE_BROWSER, Served, float};
use progress_ledger_server::credentials::Role;
use serde_json::{Value, json};

const SEATS: &str = "t02-1-childcare-seats";
const WIDTHS: [u32; 2] = [1440, 390];

/// Opens the form with `token` and waits until it offers indicators.
async fn open_form(browser: &Browser, base: &str, token: &str) {
    browser.goto(&format!("{base}/record")).await;
    browser
        .js_with("document.getElementById('token').value = arguments[0]; document.getElementById('use-token').click();", vec![json!(token)])
        .await;
    browser.until("!document.getElementById('record').hidden || !document.getElementById('refusal').hidden").await;
}

/// Fills the form for 新增托位 and submits it; waits for the answer.
async fn submit(browser: &Browser, delta: &str, district: &str, effective: &str) {
    browser
        .js_with(
            "const $ = id => document.getElementById(id);
             $('outcome').hidden = true; $('refusal').hidden = true;
             $('indicator').value = arguments[0]; $('indicator').dispatchEvent(new Event('change'));
             $('delta').value = arguments[1]; $('district').value = arguments[2];
             $('effective').value = arguments[3]; $('note').value = '表单填报';
             $('submit').click();",
            vec![
                json!(SEATS),
                json!(delta),
                json!(district),
                json!(effective),
            ],
        )
        .await;
    browser.until("!document.getElementById('outcome').hidden || !document.getElementById('refusal').hidden").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_records_once_and_shows_the_servers_refusals() {
    let _one = ONE_BROWSER.lock().await;
    let served = Served::start(false).await;
    let token = served.token("市卫健委", Role::Recorder);
    let browser = Browser::start().await;
    browser.width(1440).await;
    open_form(&browser, &served.base, &token).await;
    assert!(browser.text().await.contains("市卫健委（填报员）"));

    // One figure, one event; the figures follow.
    let before = served.events();
    submit(&browser, "120", "蜀山区", "2023-10-31").await;
    assert_eq!(
        browser
            .js("return document.getElementById('outcome').dataset.already;")
            .await,
        json!("false")
    );
    assert_eq!(served.events(), before + 1, "exactly one event");
    let value = |api: &Value| {
        api["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == SEATS)
            .and_then(|i| float(&i["value"]))
    };
    assert_eq!(value(&served.get("/v1/progress").await), Some(120.0));
    let last = served
        .get(&format!("/v1/events?indicator={SEATS}&limit=1000"))
        .await;
    let last = last["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "市卫健委", "the actor is the token's unit");
    assert_eq!(last["note"], "表单填报");

    // The answer is lost on the way back: the clerk submits again, and the same event id makes
    // the retry a no-op.
    browser
        .js("const real = window.fetch; let lose = true;
             window.fetch = async function (url, options) {
                 const answer = await real(url, options);
                 if (lose && String(url).includes('/v1/events')) { lose = false; throw new TypeError('simulated network failure'); }
                 return answer;
             };")
        .await;
    let before = served.events();
    submit(&browser, "80", "包河区", "2023-10-31").await;
    assert!(
        browser.text().await.contains("网络中断"),
        "the failure is shown"
    );
    let id = browser.js("return window.ledgerForm.pendingId();").await;
    assert!(id.is_string(), "the id is kept for the retry");
    assert_eq!(
        served.events(),
        before + 1,
        "the lost answer's event was recorded"
    );
    browser
        .js("document.getElementById('submit').click();")
        .await;
    browser
        .until("!document.getElementById('outcome').hidden")
        .await;
    assert_eq!(
        browser
            .js("return document.getElementById('outcome').dataset.already;")
            .await,
        json!("true")
    );
    assert!(browser.text().await.contains("此前已记录"));
    assert_eq!(served.events(), before + 1, "the retry wrote nothing");

    // A double click: one event.
    let before = served.events();
    browser
        .js("const $ = id => document.getElementById(id);
             $('outcome').hidden = true; $('delta').value = '40'; $('district').value = '瑶海区';
             $('record').requestSubmit(); $('record').requestSubmit();")
        .await;
    browser
        .until("!document.getElementById('outcome').hidden")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(served.events(), before + 1, "a double submit records once");
    assert_eq!(value(&served.get("/v1/progress").await), Some(240.0));

    // The dashboard shows the new figure.
    browser.goto(&format!("{}/?q=托位", served.base)).await;
    let page = browser.js(FIGURES).await;
    assert_eq!(float(&page["indicator"][SEATS]["value"]), Some(240.0));

    // A correction of one's own event, from its row in the indicator's trail.
    browser
        .goto(&format!("{}/indicators/{SEATS}", served.base))
        .await;
    let first = last["id"].as_str().unwrap().to_owned();
    browser
        .js_with(
            "document.querySelector('#e-' + arguments[0] + ' a.correct').click();",
            vec![json!(first)],
        )
        .await;
    browser
        .js_with("const t = document.getElementById('token'); t.value = arguments[0]; document.getElementById('use-token').click();", vec![json!(token)])
        .await;
    browser.until("!document.getElementById('record').hidden && !document.getElementById('correction').hidden").await;
    let before = served.events();
    browser
        .js("const $ = id => document.getElementById(id);
             $('reason').value = '数字有误'; $('delta').value = '100'; $('district').value = '蜀山区';
             $('effective').value = '2023-10-31'; $('submit').click();")
        .await;
    browser.until("!document.getElementById('outcome').hidden || !document.getElementById('refusal').hidden").await;
    assert_eq!(
        browser
            .js("return document.getElementById('refusal').hidden;")
            .await,
        json!(true),
        "{}",
        browser.text().await
    );
    assert_eq!(served.events(), before + 1, "one correction");
    assert_eq!(
        value(&served.get("/v1/progress").await),
        Some(220.0),
        "120 became 100"
    );
    browser
        .goto(&format!("{}/indicators/{SEATS}", served.base))
        .await;
    browser
        .until("document.getElementById('chart').dataset.rendered === 'true'")
        .await;
    let marks = browser.js("return echarts.getInstanceByDom(document.getElementById('chart')).getOption().series[0].markPoint.data.length;").await;
    assert_eq!(marks, json!(1), "the correction is marked on the chart");

    // Refused inputs: the server's own message, nothing written.
    open_form(&browser, &served.base, &token).await;
    for (delta, effective, message) in [
        (
            "-5",
            "2023-10-31",
            "delta -5 is negative; to take back an update, record a correction",
        ),
        ("10", "2031-01-01", ""),
    ] {
        let before = served.events();
        let (status, answer) = served
            .record(&token, json!({"indicator": SEATS, "type": "progress", "effective": effective, "delta": delta, "district": "蜀山区"}))
            .await;
        assert!(status >= 400, "the API refuses it too: {answer}");
        let expected = answer["error"]["message"].as_str().unwrap().to_owned();
        if !message.is_empty() {
            assert_eq!(expected, message);
        }
        submit(&browser, delta, "蜀山区", effective).await;
        let shown = browser.js("return [document.getElementById('refusal').innerText, document.getElementById('refusal').dataset.code];").await;
        assert!(
            shown[0].as_str().unwrap().contains(&expected),
            "the page shows {expected:?}: {shown}"
        );
        assert_eq!(shown[1], answer["error"]["code"]);
        assert_eq!(served.events(), before, "a refused input writes nothing");
    }
    for width in WIDTHS {
        browser.width(width).await;
        browser.assert_fits(&format!("form at {width}px")).await;
        // At a phone's width the server's message is at the bottom: show it.
        let shown = if width < 600 {
            "document.getElementById('refusal').scrollIntoView({ block: 'end' });"
        } else {
            "window.scrollTo(0, 0);"
        };
        browser.js(shown).await;
        browser.screenshot(&format!("form-{width}")).await;
    }
    browser.close().await;
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_is_offered_and_may_record_only_the_units_indicators() {
    let _one = ONE_BROWSER.lock().await;
    let served = Served::start(false).await;
    let health = served.token("市卫健委", Role::Recorder);
    let shushan = served.token("蜀山区", Role::Recorder);
    let browser = Browser::start().await;
    browser.width(390).await;

    open_form(&browser, &served.base, &health).await;
    let offered = browser
        .js("return Array.from(document.querySelectorAll('#indicator option')).map(o => o.value);")
        .await;
    let offered: Vec<&str> = offered
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(offered.contains(&SEATS), "市卫健委 leads 新增托位");
    assert!(
        !offered.contains(&"t46-0-pm10"),
        "not the environment bureau's PM10"
    );
    let plan_indicators = served.get("/v1/indicators").await;
    assert!(offered.len() < plan_indicators.as_array().unwrap().len());

    // Another unit's indicator, sent from the page with the clerk's token: refused, not written.
    let before = served.events();
    let answer = browser
        .js("return fetch('/v1/events', { method: 'POST',
                 headers: { 'content-type': 'application/json', Authorization: 'Bearer ' + document.getElementById('token').value },
                 body: JSON.stringify({ indicator: 't46-0-pm10', type: 'measurement', effective: '2023-10-31', value: '58' }) })
             .then(r => r.json().then(b => [r.status, b]));")
        .await;
    assert_eq!(answer[0], json!(403), "{answer}");
    assert_eq!(served.events(), before);

    // A district's clerk: 新增托位 for its own district only, no city-wide figure.
    open_form(&browser, &served.base, &shushan).await;
    browser.js_with("const s = document.getElementById('indicator'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));", vec![json!(SEATS)]).await;
    let districts = browser
        .js("return Array.from(document.querySelectorAll('#district option')).map(o => o.value);")
        .await;
    assert_eq!(districts, json!(["蜀山区"]));
    submit(&browser, "50", "蜀山区", "2023-10-31").await;
    assert_eq!(
        browser
            .js("return document.getElementById('outcome').hidden;")
            .await,
        json!(false)
    );
    // Forcing another district into the form: the server's refusal is shown.
    let before = served.events();
    let body = json!({"indicator": SEATS, "type": "progress", "effective": "2023-10-31", "delta": "50", "district": "包河区"});
    let (status, answer) = served.record(&shushan, body).await;
    assert_eq!(status, 403, "{answer}");
    browser
        .js("const $ = id => document.getElementById(id);
             $('outcome').hidden = true; $('refusal').hidden = true;
             const o = document.createElement('option'); o.value = '包河区'; o.textContent = '包河区';
             $('district').appendChild(o); $('district').value = '包河区';
             $('delta').value = '50'; $('effective').value = '2023-10-31'; $('submit').click();")
        .await;
    browser.until("!document.getElementById('outcome').hidden || !document.getElementById('refusal').hidden").await;
    let refusal = browser
        .js("return document.getElementById('refusal').innerText;")
        .await;
    let expected = answer["error"]["message"].as_str().unwrap();
    assert!(
        refusal.as_str().unwrap().contains(expected),
        "{refusal} shows {expected}"
    );
    assert_eq!(served.events(), before);

    // A token the server does not know.
    open_form(&browser, &served.base, "plt_not_a_token").await;
    assert_eq!(
        browser
            .js("return document.getElementById('record').hidden;")
            .await,
        json!(true)
    );
    assert!(browser.text().await.contains("令牌"));
    browser.close().await;
    served.stop().await;
}
