//! Shared by the benches: the mode (quick or full), a seeded generator of realistic updates to the
//! Hefei 2023 plan, the big ledgers and their SQLite copies (built once, cached in
//! `target/bench-data`), the SQLite peer's schema, and a file the benches add extra figures to.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use progress_ledger::plan::{IndicatorKind, Plan};
use progress_ledger::{Event, Ledger, LedgerConfig, NewEvent, Payload, StreamId};
use progress_ledger::{Tracker, TrackerConfig};
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore, SeedableRng};
use rusqlite::Connection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// sled page cache of every ledger and raw sled database in the benches (set explicitly:
/// sled's default is 1 GiB). The ledger's own default.
pub const CACHE_CAPACITY: u64 = LedgerConfig::DEFAULT_CACHE_CAPACITY;

/// Seed of the update generator.
pub const SEED: u64 = 0x5EED_2023;

/// Events per `record_batch` while a big ledger is built.
const BUILD_BATCH: usize = 10_000;

/// Bump when the generated content changes, so that stale cached ledgers are not reused.
const GENERATOR_VERSION: u32 = 2;

/// The ledger's storage layout (2: a log file), part of the cache's name.
const STORAGE_LAYOUT: u32 = 2;

/// The tracker's snapshot format (`SNAPSHOT_FORMAT` in tracker.rs), part of the cache's name:
/// a ledger with older snapshots would rewrite them on its first open.
const SNAPSHOT_FORMAT: u32 = 6;

/// `PL_BENCH_QUICK=1`: 100k instead of 1M events and short measurement times.
pub fn quick() -> bool {
    std::env::var("PL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Size of the big ledger (as-of, verify, footprint): 1M, or 100k in quick mode.
pub fn big_size() -> u64 {
    if quick() { 100_000 } else { 1_000_000 }
}

/// Snapshot interval of a cached ledger of `size` events: a tenth of it (100k for 1M).
pub fn snapshot_every(size: u64) -> u64 {
    size / 10
}

/// A short label of a size: `100k`, `1m`.
pub fn label(size: u64) -> String {
    if size >= 1_000_000 && size % 1_000_000 == 0 {
        format!("{}m", size / 1_000_000)
    } else if size >= 1_000 && size % 1_000 == 0 {
        format!("{}k", size / 1_000)
    } else {
        size.to_string()
    }
}

/// Criterion settings for the mode: short in quick mode.
pub fn criterion() -> criterion::Criterion {
    let (warm_up, measure) = if quick() { (1, 3) } else { (3, 10) };
    criterion::Criterion::default()
        .warm_up_time(Duration::from_secs(warm_up))
        .measurement_time(Duration::from_secs(measure))
        .sample_size(10)
        .without_plots()
        .configure_from_args()
}

/// `target/bench-data` (or `$PL_BENCH_DATA`): found from the bench binary's place,
/// `target/release/deps/<bench>`.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PL_BENCH_DATA") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("path of the bench binary");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the bench binary lives in target/<profile>/deps");
    target.join("bench-data")
}

/// Adds a figure the script prints beside criterion's: to `$PL_BENCH_FIGURES` if set, and to
/// stderr.
pub fn figure(name: &str, value: f64, unit: &str, baseline: Option<f64>) {
    let ratio = baseline.filter(|b| *b != 0.0).map(|b| value / b);
    let show = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
    let line = format!(
        "bench={name} value={value:.3} unit={unit} baseline={} ratio={}",
        show(baseline),
        show(ratio)
    );
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("PL_BENCH_FIGURES") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("figures file opens");
        writeln!(file, "{line}").expect("figure written");
    }
}

/// A seeded generator: fixed seeds give the same content on every run.
pub struct Rng(StdRng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n)
    }
}

/// One indicator updates can go to.
struct Target {
    stream: StreamId,
    kind: IndicatorKind,
    percent_or_growth: bool,
    actor: String,
}

/// Seeded updates to the Hefei 2023 plan's cumulative, coverage and level indicators, of the
/// kinds and sizes recorders send: progress with a district, measurements.
pub struct Updates {
    rng: Rng,
    targets: Vec<Target>,
    districts: Vec<String>,
    start: Date,
    days: i64,
}

impl Updates {
    pub fn new(plan: &Plan, seed: u64) -> Self {
        let updatable = [
            IndicatorKind::Cumulative,
            IndicatorKind::Coverage,
            IndicatorKind::Level,
        ];
        let targets: Vec<Target> = plan
            .indicators()
            .filter(|(_, _, spec)| updatable.contains(&spec.kind))
            .map(|(_, item, spec)| Target {
                stream: StreamId::indicator(&spec.id).expect("stream"),
                kind: spec.kind,
                percent_or_growth: spec.unit == "%" || spec.growth,
                actor: item
                    .lead_units
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "市政府".into()),
            })
            .collect();
        assert!(!targets.is_empty(), "the plan has updatable indicators");
        let days = (plan.period_end - plan.period_start).get_days() as i64;
        Self {
            rng: Rng::new(seed),
            targets,
            districts: plan.districts.iter().map(|d| d.name.clone()).collect(),
            start: plan.period_start,
            days: days.max(1),
        }
    }

    /// The Hefei 2023 plan and its updates.
    pub fn hefei(seed: u64) -> (Plan, Self) {
        let plan = progress_ledger::plan::hefei_2023().expect("the Hefei plan parses");
        let updates = Self::new(&plan, seed);
        (plan, updates)
    }

    pub fn next_event(&mut self) -> NewEvent {
        let index = self.rng.below(self.targets.len() as u64) as usize;
        let district_index = self.rng.below(self.districts.len() as u64) as usize;
        let day = self.rng.below(self.days as u64) as i64;
        let amount = Decimal::from(1 + self.rng.below(99));
        let tenths = Decimal::new(1 + self.rng.below(999) as i64, 1);
        let target = &self.targets[index];
        let district = self.districts[district_index].clone();
        let effective = self
            .start
            .checked_add(jiff::Span::new().days(day))
            .expect("date in the plan period");
        let payload = match target.kind {
            IndicatorKind::Coverage => Payload::ProgressReported {
                delta: Decimal::ONE,
                district: Some(district),
            },
            IndicatorKind::Cumulative => Payload::ProgressReported {
                delta: amount,
                district: (district_index % 2 == 0).then_some(district),
            },
            _ => Payload::MeasurementTaken {
                value: if target.percent_or_growth {
                    tenths
                } else {
                    amount
                },
                district: None,
            },
        };
        NewEvent::new(
            target.stream.clone(),
            effective,
            target.actor.clone(),
            payload,
        )
    }
}

/// Opens a raw sled database the way the ledger does (same cache, no background flusher),
/// waiting while a just-dropped handle still holds the file lock.
pub fn open_raw_sled(path: &Path) -> sled::Db {
    let started = Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY)
            .flush_every_ms(None)
            .open();
        match opened {
            Ok(db) => return db,
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("cannot open sled at {}: {e}", path.display()),
        }
    }
}

/// The benches' ledger configuration: their cache size.
fn ledger_config(path: &Path) -> LedgerConfig {
    let mut config = LedgerConfig::new(path);
    config.cache_capacity = CACHE_CAPACITY;
    config
}

/// Opens a ledger with the benches' cache size.
pub fn open_ledger(path: &Path) -> Ledger {
    Ledger::open_with(ledger_config(path)).expect("ledger opens")
}

/// Opens a tracker on a cached ledger of `size` events.
pub fn open_tracker(path: &Path, size: u64) -> Tracker {
    Tracker::open_with(TrackerConfig {
        ledger: ledger_config(path),
        snapshot_every: snapshot_every(size),
        tallies_every: TrackerConfig::DEFAULT_TALLIES_EVERY,
        rebuild_progress: None,
    })
    .expect("tracker opens")
}

/// The stored bytes of a typical update (as the ledger stores it), for the raw-sled baselines.
pub fn typical_stored_event() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = open_ledger(dir.path());
    let (_, mut updates) = Updates::hefei(SEED);
    let appended = ledger.append(updates.next_event()).expect("append");
    let mut event = appended.event;
    progress_ledger::codec::seal(&mut event).expect("seal")
}

/// The directory `name` in the bench-data folder, built now by `build` if it is not there yet
/// (in a folder `building-<what>-<size>` beside it, renamed into place once complete).
fn cached_dir(name: String, what: &str, size: u64, build: impl FnOnce(&Path)) -> PathBuf {
    let dir = data_dir();
    let path = dir.join(name);
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let building = dir.join(format!("building-{what}-{}", label(size)));
    if building.exists() {
        std::fs::remove_dir_all(&building).expect("remove a half-built copy");
    }
    build(&building);
    std::fs::rename(&building, &path).expect("rename the built copy");
    path
}

/// The path of the cached ledger of `size` events, built now if it is not there yet: the Hefei
/// plan, then seeded updates recorded through a tracker in batches of 10,000, with a snapshot
/// every tenth of the size.
pub fn cached_ledger(size: u64) -> PathBuf {
    let name = format!(
        "ledger-{}-f{}-g{GENERATOR_VERSION}-s{STORAGE_LAYOUT}-p{SNAPSHOT_FORMAT}",
        label(size),
        progress_ledger::codec::FORMAT_VERSION
    );
    let path = cached_dir(name, "ledger", size, |building| {
        let started = Instant::now();
        eprintln!("building a {size}-event ledger in {} …", building.display());
        let tracker = open_tracker(building, size);
        let (plan, mut updates) = Updates::hefei(SEED);
        tracker
            .load_plan(&plan, "bench loader")
            .expect("plan loads");
        while tracker.ledger().len() < size {
            let n = (size - tracker.ledger().len()).min(BUILD_BATCH as u64);
            let batch = (0..n).map(|_| updates.next_event()).collect();
            tracker.record_batch(batch).expect("batch recorded");
        }
        assert_eq!(tracker.ledger().len(), size);
        tracker.ledger().close().expect("close");
        drop(tracker);
        eprintln!(
            "built {size} events in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
    write_runs(&path);
    path
}

/// [`cached_ledger`] of `size` events, built afresh if the runs of a bench that appends to it
/// have grown it past `size` by more than a twentieth: figures "at `size` events" stay at
/// about that size.
pub fn cached_ledger_near(size: u64) -> PathBuf {
    let path = cached_ledger(size);
    let len = open_ledger(&path).len();
    if len <= size + size / 20 {
        return path;
    }
    eprintln!("the cached ledger has grown to {len} events: building it afresh at {size}");
    std::fs::remove_dir_all(&path).expect("remove the grown ledger");
    cached_ledger(size)
}

/// Opens the ledger at `path` and waits until every run file is written (see
/// `LedgerConfig::events_per_run`), so that what is measured reads streams through them and
/// no run is written in the background while it is measured.
fn write_runs(path: &Path) {
    let started = Instant::now();
    let ledger = open_ledger(path);
    let runs = ledger.len() / LedgerConfig::DEFAULT_EVENTS_PER_RUN;
    let before = ledger.stats().runs;
    while ledger.stats().runs < runs {
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "run files are written within half an hour"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    if before < runs {
        eprintln!(
            "wrote {} run files in {:.1} s",
            runs - before,
            started.elapsed().as_secs_f64()
        );
    }
}

/// The raw-store baseline of a cached ledger of `size` events: a plain sled database whose tree
/// `log` holds each stored event under its seq (big-endian), built once from the ledger's events.
pub fn cached_raw_sled(size: u64) -> PathBuf {
    let ledger_path = cached_ledger(size);
    let name = format!(
        "raw-sled-{}-f{}-g{GENERATOR_VERSION}",
        label(size),
        progress_ledger::codec::FORMAT_VERSION
    );
    cached_dir(name, "raw-sled", size, |building| {
        let ledger = open_ledger(&ledger_path);
        let db = open_raw_sled(building);
        let tree = db.open_tree("log").expect("tree");
        let mut batch = sled::Batch::default();
        for event in ledger.events_from(1) {
            let mut event = event.expect("event");
            let stored = progress_ledger::codec::seal(&mut event).expect("seal");
            batch.insert(&event.seq.to_be_bytes(), stored);
            if event.seq % BUILD_BATCH as u64 == 0 {
                tree.apply_batch(std::mem::take(&mut batch)).expect("batch");
            }
        }
        tree.apply_batch(batch).expect("batch");
        assert_eq!(tree.len() as u64, size);
        db.flush().expect("flush");
    })
}

/// The SQLite peer's schema: one table, unique (stream, version), unique event id (the ledger
/// has an id index for idempotent retries too), and a JSON body.
pub const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY,
    id          BLOB    NOT NULL UNIQUE,
    stream      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    UNIQUE (stream, version)
);";

/// The JSON body of a row: what a team would serialise with serde_json.
#[derive(Serialize, Deserialize)]
pub struct Body {
    pub effective: Date,
    pub actor: String,
    pub note: Option<String>,
    pub payload: Payload,
}

/// A row as read back.
pub struct Row {
    pub seq: u64,
    pub id: Uuid,
    pub stream: StreamId,
    pub version: u64,
    pub recorded_at: jiff::Timestamp,
    pub body: Body,
}

/// Opens a SQLite database in WAL mode with synchronous=FULL (every commit fsynced), and the
/// schema.
pub fn open_sqlite(path: &Path) -> Connection {
    open_sqlite_with(path, "FULL")
}

/// Opens a SQLite database in WAL mode with the given `synchronous` setting, and the schema.
pub fn open_sqlite_with(path: &Path, synchronous: &str) -> Connection {
    let conn = Connection::open(path).expect("sqlite opens");
    conn.busy_timeout(Duration::from_secs(30))
        .expect("busy timeout");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.pragma_update(None, "synchronous", synchronous)
        .expect("synchronous");
    conn.execute_batch(SQLITE_SCHEMA).expect("schema");
    conn
}

/// Appends one event durably, the way a team would: in one immediate transaction, the next
/// version of the stream, then the row. Returns the row's seq.
pub fn sqlite_append(conn: &Connection, new: &NewEvent) -> u64 {
    let body = serde_json::to_string(&Body {
        effective: new.effective,
        actor: new.actor.clone(),
        note: new.note.clone(),
        payload: new.payload.clone(),
    })
    .expect("json");
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    let version: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(version), 0) + 1 FROM events WHERE stream = ?1")
        .expect("prepare")
        .query_row([new.stream.as_str()], |row| row.get(0))
        .expect("version");
    tx.prepare_cached(
        "INSERT INTO events (id, stream, version, recorded_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .expect("prepare")
    .execute(rusqlite::params![
        Uuid::now_v7().as_bytes().as_slice(),
        new.stream.as_str(),
        version,
        jiff::Timestamp::now().as_microsecond(),
        body
    ])
    .expect("insert");
    let seq = tx.last_insert_rowid() as u64;
    tx.commit().expect("commit");
    seq
}

/// Reads every row in order and decodes its JSON body; returns the rows (for a check).
pub fn sqlite_replay(conn: &Connection, mut each: impl FnMut(Row)) {
    let mut statement = conn
        .prepare_cached(
            "SELECT seq, id, stream, version, recorded_at, body FROM events ORDER BY seq",
        )
        .expect("prepare");
    let mut rows = statement.query([]).expect("query");
    while let Some(row) = rows.next().expect("row") {
        let id: [u8; 16] = row.get(1).expect("id");
        let stream: String = row.get(2).expect("stream");
        let body: String = row.get(5).expect("body");
        each(Row {
            seq: row.get::<_, i64>(0).expect("seq") as u64,
            id: Uuid::from_bytes(id),
            stream: StreamId::new(stream).expect("stream"),
            version: row.get::<_, i64>(3).expect("version") as u64,
            recorded_at: jiff::Timestamp::from_microsecond(row.get(4).expect("recorded_at"))
                .expect("timestamp"),
            body: serde_json::from_str(&body).expect("body decodes"),
        });
    }
}

/// The cached SQLite copy of the cached ledger of `size` events (the same events, as rows).
pub fn cached_sqlite(size: u64) -> PathBuf {
    let ledger_path = cached_ledger(size);
    let dir = data_dir();
    let path = dir.join(format!("sqlite-{}-g{GENERATOR_VERSION}.db", label(size)));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("building-sqlite-{}.db", label(size)));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    eprintln!("building the SQLite copy of the {size}-event ledger …");
    {
        let ledger = open_ledger(&ledger_path);
        let mut conn = open_sqlite(&building);
        let tx = conn.transaction().expect("begin");
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO events (seq, id, stream, version, recorded_at, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .expect("prepare");
            for event in ledger.events_from(1) {
                let event: Event = event.expect("event");
                let body = serde_json::to_string(&Body {
                    effective: event.effective,
                    actor: event.actor,
                    note: event.note,
                    payload: event.payload,
                })
                .expect("json");
                insert
                    .execute(rusqlite::params![
                        event.seq as i64,
                        event.id.as_bytes().as_slice(),
                        event.stream.as_str(),
                        event.version as i64,
                        event.recorded_at.as_microsecond(),
                        body
                    ])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    std::fs::rename(&building, &path).expect("rename the built SQLite file");
    path
}

/// A field of /proc/self/status in KiB, e.g. `VmRSS`.
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}
