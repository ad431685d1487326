//! The real server on a free loopback port, over a real sled ledger in a temporary directory
//! with the Hefei 2023 plan loaded; and small helpers for requests.
#![allow(dead_code)]

use std::time::Duration;

use progress_ledger_core::plan::hefei_2023;
use progress_ledger_core::{Tracker, TrackerConfig};
use progress_ledger_server::credentials::{Role, TokenStore};
use progress_ledger_server::{Server, ServerConfig, run};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An indicator of task 1 (lead: 市卫健委), level, at least 92 %.
pub const MATERNAL_RATE: &str = "t01-1-maternal-management-rate";
/// An indicator of task 2 (1) (lead: 市卫健委, 市教育局), cumulative, 16000 个.
pub const CHILDCARE_SEATS: &str = "t02-1-childcare-seats";
/// A coverage indicator of task 2 (1): one per district.
pub const CHILDCARE_PER_DISTRICT: &str = "t02-1-inclusive-childcare-per-district";
/// An indicator of task 46 (lead: 市生态环境局 and others, not 市卫健委), level, at most 63.
pub const PM10: &str = "t46-0-pm10";
/// A status indicator of task 1 (3).
pub const SCREENING_STATUS: &str = "t01-3-status";

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client.
    pub client: Client,
    /// The tracker the server serves (to check the ledger directly).
    pub tracker: Tracker,
    /// The data directory (tokens.json lives here).
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts a server with the default configuration.
pub async fn start() -> TestServer {
    start_with(|_, _| {}).await
}

/// A server whose reads need a token (with one for 市审计局 created before it starts), and an
/// auditor's token (for 市统计局) added while it runs.
pub async fn start_requiring_read_tokens() -> (TestServer, String) {
    let server = start_with(|config, data| {
        config.require_token_for_reads = true;
        TokenStore::in_data_dir(data)
            .add("市审计局", Role::Auditor)
            .expect("token");
    })
    .await;
    let (auditor, _) = TokenStore::in_data_dir(server.dir.path())
        .add("市统计局", Role::Auditor)
        .expect("token");
    (server, auditor)
}

/// Starts a server after `configure` adjusts its configuration (tokens are in the temp dir).
pub async fn start_with(configure: impl FnOnce(&mut ServerConfig, &std::path::Path)) -> TestServer {
    start_on(|_| {}, configure).await
}

/// Starts a server whose ledger reads and writes its files through `files` (see
/// `progress_ledger_core::io::faults`).
pub async fn start_with_files(
    files: std::sync::Arc<dyn progress_ledger_core::io::Files>,
) -> TestServer {
    start_on(move |tracker| tracker.ledger.files = files, |_, _| {}).await
}

/// Starts a server after `open` adjusts how its tracker is opened.
pub async fn start_opening_with(open: impl FnOnce(&mut TrackerConfig)) -> TestServer {
    start_on(open, |_, _| {}).await
}

/// Starts a server after `open` adjusts how its tracker is opened and `configure` its
/// configuration.
async fn start_on(
    open: impl FnOnce(&mut TrackerConfig),
    configure: impl FnOnce(&mut ServerConfig, &std::path::Path),
) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tracker_config = TrackerConfig::new(dir.path().join("ledger"));
    open(&mut tracker_config);
    let tracker = Tracker::open_with(tracker_config).expect("ledger opens");
    let plan = hefei_2023().expect("the embedded plan parses");
    tracker.load_plan(&plan, "test loader").expect("plan loads");
    let mut config = ServerConfig::new(dir.path());
    // Open development mode until a test creates a token (loopback only).
    config.open = true;
    config.keep_alive = Duration::from_millis(500);
    config.shutdown_grace = Duration::from_secs(5);
    configure(&mut config, dir.path());
    if TokenStore::in_data_dir(dir.path()).credentials_created() {
        // `run` refuses open development mode where credentials were created.
        config.open = false;
    }
    serve(dir, tracker, config).await
}

/// Starts a server of `tracker`, whose data directory is `dir`.
pub async fn serve(dir: tempfile::TempDir, tracker: Tracker, config: ServerConfig) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = Server::new(tracker.clone(), config);
    let handle = tokio::spawn(run(listener, server, async {
        let _ = stopped.await;
    }));
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    // Wait until `run` has made its checks and serves: a test that creates a token right
    // after starting must not race the check that refuses open development mode where
    // credentials exist.
    let health = format!("{base}/health");
    let mut ready = false;
    for _ in 0..200 {
        assert!(!handle.is_finished(), "the server stopped while starting");
        if client.get(&health).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ready, "the server answers within two seconds");
    TestServer {
        base,
        client,
        tracker,
        dir,
        stop: Some(stop),
        handle: Some(handle),
    }
}

impl TestServer {
    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET, as JSON.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("GET answers");
        status_and_json(response).await
    }

    /// POST a JSON body to /v1/events.
    /// GETs `path` with a bearer token and returns the raw response.
    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("read")
    }

    pub async fn post_event(&self, body: &Value) -> (StatusCode, Value) {
        self.post_event_as(body, None).await
    }

    /// POST a JSON body to /v1/events with a bearer token.
    pub async fn post_event_as(&self, body: &Value, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url("/v1/events")).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        status_and_json(request.send().await.expect("POST answers")).await
    }

    /// Events in the ledger.
    pub fn log_len(&self) -> u64 {
        self.tracker.ledger().len()
    }

    /// Stops the server gracefully and waits for `run` to return.
    pub async fn stop(self) {
        drop(self.stop_keeping_data().await);
    }

    /// Stops the server like [`TestServer::stop`], closes its ledger, and gives back its data
    /// directory, still on disk.
    pub async fn stop_keeping_data(self) -> tempfile::TempDir {
        let TestServer {
            dir,
            tracker,
            mut stop,
            mut handle,
            ..
        } = self;
        if let Some(stop) = stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = handle.take() {
            let result = tokio::time::timeout(Duration::from_secs(15), handle)
                .await
                .expect("the server stops within the grace period")
                .expect("the server task did not panic");
            assert!(result.is_ok(), "run returned {result:?}");
        }
        // The ledger is closed by the last handle; closing it here saves its index now.
        let _ = tracker.ledger().close();
        drop(tracker);
        dir
    }
}

/// The status and JSON body of a response.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body reads");
    let value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"));
    (status, value)
}

/// A progress update of the childcare seats.
pub fn seats(delta: i64, effective: &str) -> Value {
    json!({
        "indicator": CHILDCARE_SEATS,
        "type": "progress",
        "effective": effective,
        "delta": delta,
        "district": "蜀山区",
    })
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(no error code)")
}
