//! Many updates at once, as the units that report in spreadsheets and the systems that push
//! batches send them: 10,000 updates in one `POST /v1/events/batch` (a JSON array), and the same
//! number of filled rows in one `POST /v1/sheets` (a workbook), each appended to the ledger of a
//! real server on 127.0.0.1 with a recorder's token (every row checked against the plan, the
//! recorded state and the ownership rules, then one atomic, durable append). The time is the
//! request's, from the first byte sent to the answer read; the body is made beforehand, with
//! new event ids (the JSON batch) or new notes (the sheet, whose ids come from each row's
//! content), so that every request writes 10,000 events. `cargo bench --bench batch`.
//!
//! Goal: each under 2 s.

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use progress_ledger::Tracker;
use progress_ledger::plan::{IndicatorKind, Plan, hefei_2023};
use progress_ledger_server::credentials::{Role, TokenStore};
use progress_ledger_server::{Server, ServerConfig, run};
use serde_json::{Value, json};

/// Updates per request.
const BATCH: usize = 10_000;
/// The unit whose recorder sends them.
const UNIT: &str = "市卫健委";

/// What one row states: indicator, kind, district, and an amount to vary.
#[derive(Clone)]
struct Slot {
    indicator: String,
    kind: IndicatorKind,
    district: String,
}

/// The indicators `UNIT` writes whose updates are numbers, each with every district.
fn slots(plan: &Plan) -> Vec<Slot> {
    let mut slots = Vec::new();
    for (_, item, spec) in plan.indicators() {
        let numeric = matches!(
            spec.kind,
            IndicatorKind::Cumulative | IndicatorKind::Coverage | IndicatorKind::Level
        );
        if !numeric || !progress_ledger::policy::writes_to(plan, item, UNIT) {
            continue;
        }
        for district in &plan.districts {
            slots.push(Slot {
                indicator: spec.id.clone(),
                kind: spec.kind,
                district: district.name.clone(),
            });
        }
    }
    assert!(!slots.is_empty(), "{UNIT} writes numeric indicators");
    slots
}

/// Row `n` of request `round`: an update effective in the first half of 2023.
fn row(slots: &[Slot], round: u64, n: usize) -> (Slot, String, u32) {
    let slot = slots[n % slots.len()].clone();
    let month = 1 + (n / slots.len()) % 6;
    let day = [31, 28, 31, 30, 31, 30][month - 1];
    let effective = format!("2023-{month:02}-{day}");
    let amount = match slot.kind {
        IndicatorKind::Level => 90 + ((round as usize + n) % 10) as u32,
        _ => 1 + ((round as usize + n) % 9) as u32,
    };
    (slot, effective, amount)
}

/// A JSON batch: `BATCH` updates with new ids.
fn json_batch(slots: &[Slot], round: u64) -> Vec<u8> {
    let rows: Vec<Value> = (0..BATCH)
        .map(|n| {
            let (slot, effective, amount) = row(slots, round, n);
            let mut update = json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "indicator": slot.indicator,
                "effective": effective,
                "district": slot.district,
            });
            if slot.kind == IndicatorKind::Level {
                update["type"] = json!("measurement");
                update["value"] = json!(amount);
            } else {
                update["type"] = json!("progress");
                update["delta"] = json!(amount);
            }
            update
        })
        .collect();
    serde_json::to_vec(&rows).expect("json")
}

/// A filled progress sheet: the template's header, `BATCH` rows, each with a note that names
/// the round (so that its content-derived id is new).
fn sheet(slots: &[Slot], round: u64) -> Vec<u8> {
    use progress_ledger_sheets::{COLUMNS, Field, SHEET};
    let col = |field: Field| {
        COLUMNS
            .iter()
            .position(|(f, _)| *f == field)
            .expect("a column") as u16
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(SHEET).expect("name");
    for (i, (_, column)) in COLUMNS.iter().enumerate() {
        ws.write_string(0, i as u16, column.header).expect("header");
    }
    for n in 0..BATCH {
        let (slot, effective, amount) = row(slots, round, n);
        let r = n as u32 + 1;
        ws.write_string(r, col(Field::Indicator), &slot.indicator)
            .expect("write");
        ws.write_string(r, col(Field::Effective), &effective)
            .expect("write");
        ws.write_number(r, col(Field::Amount), f64::from(amount))
            .expect("write");
        ws.write_string(r, col(Field::District), &slot.district)
            .expect("write");
        ws.write_string(r, col(Field::Note), format!("第 {round} 轮 {n}"))
            .expect("write");
    }
    book.save_to_buffer().expect("saves")
}

/// A server on 127.0.0.1 with the Hefei plan and a recorder's token for `UNIT`.
struct Served {
    base: String,
    token: String,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> (Served, Vec<Slot>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let tracker = Tracker::open(dir.path().join("ledger")).expect("ledger opens");
        let plan = hefei_2023().expect("plan");
        tracker.load_plan(&plan, "bench").expect("plan loads");
        let (token, _) = TokenStore::in_data_dir(dir.path())
            .add(UNIT, Role::Recorder)
            .expect("token");
        let config = ServerConfig::new(dir.path());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (base, handle) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("binds a loopback port");
            let base = format!("http://{}", listener.local_addr().expect("address"));
            let server = Server::new(tracker, config);
            let handle = tokio::spawn(run(listener, server, async {
                let _ = stopped.await;
            }));
            (base, handle)
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        let served = Served {
            base,
            token,
            client,
            runtime,
            stop: Some(stop),
            handle: Some(handle),
            _dir: dir,
        };
        served.runtime.block_on(async {
            for _ in 0..500 {
                if served
                    .client
                    .get(format!("{}/health", served.base))
                    .send()
                    .await
                    .is_ok()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the server did not start");
        });
        (served, slots(&plan))
    }

    /// POSTs `body` to `path`; returns the time to the answer read, its status and JSON.
    fn post(&self, path: &str, body: Vec<u8>, kind: &str) -> (Duration, u16, Value) {
        self.runtime.block_on(async {
            let started = Instant::now();
            let response = self
                .client
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .header("content-type", kind)
                .body(body)
                .send()
                .await
                .expect("the server answers");
            let status = response.status().as_u16();
            let bytes = response.bytes().await.expect("the answer");
            let elapsed = started.elapsed();
            let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (elapsed, status, json)
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = self.runtime.block_on(handle);
        }
    }
}

const JSON: &str = "application/json";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Times `iters` requests, each a new body from `make`, each of which must write `BATCH`
/// events.
fn timed(
    served: &Served,
    path: &str,
    kind: &str,
    round: &mut u64,
    iters: u64,
    make: impl Fn(u64) -> Vec<u8>,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        *round += 1;
        let body = make(*round);
        let (elapsed, status, answer) = served.post(path, body, kind);
        assert_eq!(status, 201, "{path}: {answer:.400}");
        assert_eq!(answer["written"], BATCH, "{path}: every row is a new event");
        total += elapsed;
    }
    total
}

fn benches(c: &mut Criterion) {
    let (served, slots) = Served::start();
    // The rows are all accepted (a dry run first, so that a bad generator fails loudly).
    let (_, status, answer) =
        served.post("/v1/events/batch?dry_run=true", json_batch(&slots, 0), JSON);
    assert_eq!(status, 200, "{answer:.600}");
    let (_, status, answer) = served.post("/v1/sheets?dry_run=true", sheet(&slots, 0), XLSX);
    assert_eq!(status, 200, "{answer:.600}");

    let mut group = c.benchmark_group("batch");
    // Each request takes about a second: one request per sample, ten samples.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if common::quick() { 10 } else { 20 }));
    group.warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut round = 0u64;
    group.bench_function(format!("http_{BATCH}"), |b| {
        b.iter_custom(|iters| {
            timed(&served, "/v1/events/batch", JSON, &mut round, iters, |r| {
                json_batch(&slots, r)
            })
        })
    });
    group.bench_function(format!("sheet_{BATCH}"), |b| {
        b.iter_custom(|iters| {
            timed(&served, "/v1/sheets", XLSX, &mut round, iters, |r| {
                sheet(&slots, r)
            })
        })
    });
    group.finish();
}

fn main() {
    let mut c = common::criterion();
    benches(&mut c);
    c.final_summary();
}
