//! What the browser tests share: a real server on 127.0.0.1 (the API with the pages mounted, as
//! `progress-ledger serve` runs it), and headless Chromium from Debian's packages driven over
//! WebDriver by chromedriver.
//!
//! The browser is required: a missing `chromium` or `chromedriver` fails the test with the
//! command that installs them (`.ci/run` installs them).

#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use progress_ledger_core::Tracker;
use progress_ledger_core::plan::hefei_2023;
use progress_ledger_server::credentials::{Role, TokenStore};
use progress_ledger_server::{Server, ServerConfig, run};
use progress_ledger_web::{PagesConfig, router as pages};
use serde_json::{Value, json};

/// One browser at a time: the machine has two cores.
pub static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server on a loopback port, with its data directory; stopped when dropped.
pub struct Served {
    pub base: String,
    pub tracker: Tracker,
    pub data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Served {
    /// Starts a server over a fresh ledger with the Hefei 2023 plan; `simulated`: with the
    /// demo's simulated year recorded and the pages saying so.
    pub async fn start(simulated: bool) -> Served {
        let data = tempfile::tempdir().unwrap();
        let tracker = Tracker::open(data.path().join("ledger")).unwrap();
        tracker.load_plan(&hefei_2023().unwrap(), "loader").unwrap();
        if simulated {
            let written = progress_ledger_web::demo::seed(&tracker).unwrap();
            assert!(
                written > 500,
                "the demo records a year of figures ({written})"
            );
        }
        let mut config = PagesConfig::new(data.path());
        config.simulated = simulated;
        let server = Server::new(tracker.clone(), ServerConfig::new(data.path()))
            .with_routes(pages(tracker.clone(), config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            run(listener, server, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Served {
            base,
            tracker,
            data,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A token for `unit` with `role`.
    pub fn token(&self, unit: &str, role: Role) -> String {
        TokenStore::in_data_dir(self.data.path())
            .add(unit, role)
            .unwrap()
            .0
    }

    /// Events in the ledger.
    pub fn events(&self) -> u64 {
        self.tracker.ledger().len()
    }

    /// `GET path` of the API, as JSON.
    pub async fn get(&self, path: &str) -> Value {
        let response = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// `POST /v1/events` with `token`; the status and the answer.
    pub async fn record(&self, token: &str, body: Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/events", self.base))
            .header("authorization", format!("Bearer {token}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }
}

fn find_program(env: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    for name in names {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "{} not found (set {env} or put it on PATH). The browser tests need Debian's headless \
         Chromium and its driver: sudo apt-get install -y chromium chromium-driver fonts-noto-cjk \
         (.ci/run installs them)",
        names.join(" or ")
    );
}

/// chromedriver on a loopback port and a session of headless Chromium; both end when dropped
/// (call [`Browser::close`] to end the session cleanly first).
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
        let port = {
            let probe = StdListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session with {}: {e}", chromium.display()),
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Sets the viewport's width (and a height fit for a screenshot).
    pub async fn width(&self, width: u32) {
        let height = if width < 600 { 844 } else { 1000 };
        self.client.set_window_size(width, height).await.unwrap();
        // The window's outer size may differ from the viewport's: correct by the difference.
        let inner = self
            .js("return [window.innerWidth, window.innerHeight];")
            .await;
        let (iw, ih) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
        let (w, h) = (u64::from(width), u64::from(height));
        if iw != w || ih != h {
            let ow = u32::try_from(w + w.saturating_sub(iw)).unwrap();
            let oh = u32::try_from(h + h.saturating_sub(ih)).unwrap();
            self.client.set_window_size(ow, oh).await.unwrap();
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Runs `script` (a function body) in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script` with arguments.
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `condition` (a JS expression) is true, for up to 15 s.
    pub async fn until(&self, condition: &str) {
        let started = Instant::now();
        loop {
            let value = self.js(&format!("return !!({condition});")).await;
            if value == Value::Bool(true) {
                return;
            }
            if started.elapsed() > Duration::from_secs(15) {
                let text = self
                    .js("return document.body ? document.body.innerText.slice(0, 2000) : '';")
                    .await;
                panic!("waited 15 s for {condition}; the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.js("return document.body.innerText;")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Writes a screenshot of the viewport to `<name>.png` in [`screenshots`].
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// No horizontal scrolling: the page fits the viewport's width.
    pub async fn assert_fits(&self, what: &str) {
        let sizes = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
        assert!(
            scroll <= inner + 1,
            "{what}: the page is {scroll}px wide in a {inner}px viewport"
        );
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where the tests write screenshots: the target directory's `screenshots/`, so that a test
/// run changes nothing in the repository; with `PROGRESS_LEDGER_SCREENSHOTS=docs`, the
/// repository's `docs/screenshots/` (to refresh the README's pictures).
pub fn screenshots() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if std::env::var("PROGRESS_LEDGER_SCREENSHOTS").is_ok_and(|v| v == "docs") {
        return root.join("docs/screenshots");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("screenshots")
}

/// A JSON number as f64 (a string holding one too: the pages' data attributes).
pub fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.is_empty() => s.parse().ok(),
        _ => None,
    }
}

/// Whether two figures are the same number (the API sends floats, the pages decimals).
pub fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// The figures a page shows in its `data-` attributes: kind → id → (completion, value, status).
pub const FIGURES: &str = r#"
    const out = {};
    document.querySelectorAll('[data-kind][data-completion]').forEach(function (e) {
        const kind = e.dataset.kind;
        out[kind] = out[kind] || {};
        out[kind][e.dataset.id] = {
            completion: e.dataset.completion,
            value: e.dataset.value === undefined ? null : e.dataset.value,
            status: e.dataset.status || null,
            text: (e.querySelector('.pct') || e).textContent.trim(),
        };
    });
    return out;
"#;

/// Checks that the figures a page shows equal those of `/v1/progress` for the same query:
/// the plan, every task shown and every indicator shown. Returns how many indicators it compared.
pub fn assert_same_figures(page: &Value, api: &Value, what: &str) -> usize {
    let plan = &page["plan"][api["plan"]["id"].as_str().unwrap()];
    assert!(
        same(
            float(&plan["completion"]),
            float(&api["plan"]["completion"])
        ),
        "{what}: plan completion {plan} vs {}",
        api["plan"]["completion"]
    );
    let mut tasks = 0;
    for task in api["tasks"].as_array().unwrap() {
        let shown = &page["task"][task["task"].to_string()];
        if shown.is_null() {
            continue;
        }
        tasks += 1;
        assert!(
            same(float(&shown["completion"]), float(&task["completion"])),
            "{what}: task {} completion {shown} vs {}",
            task["task"],
            task["completion"]
        );
        assert_eq!(
            shown["status"], task["status"],
            "{what}: task {}",
            task["task"]
        );
    }
    assert!(tasks > 0, "{what}: no task shown");
    let mut indicators = 0;
    for indicator in api["indicators"].as_array().unwrap() {
        let shown = &page["indicator"][indicator["id"].as_str().unwrap()];
        if shown.is_null() {
            continue;
        }
        indicators += 1;
        assert!(
            same(float(&shown["completion"]), float(&indicator["completion"])),
            "{what}: {} completion {shown} vs {}",
            indicator["id"],
            indicator["completion"]
        );
        assert!(
            same(float(&shown["value"]), float(&indicator["value"])),
            "{what}: {} value {shown} vs {}",
            indicator["id"],
            indicator["value"]
        );
        assert_eq!(
            shown["status"], indicator["status"],
            "{what}: {}",
            indicator["id"]
        );
    }
    indicators
}
