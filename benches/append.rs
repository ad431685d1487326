//! Measures durable appends: one event per append (the ledger, which `fdatasync`s its log file,
//! beside a raw sled insert + flush of the same bytes, and the same + an `fsync` of sled's file,
//! since sled's flush on Linux is only a `sync_file_range`), 4, 16 and 64
//! threads each appending one event at a time (group commit), batches of 1,000 (beside raw sled
//! inserts of the same 1,000 values + one flush, without and with the fsync), and the
//! SQLite peer (WAL, synchronous=FULL) with 1 and 4 writers (and, for reference, 1 writer with
//! synchronous=NORMAL). `cargo bench --bench append`.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{SEED, Updates};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use progress_ledger::{Ledger, NewEvent};

/// Distinct events cycled through by the append benches.
const POOL: usize = 4_096;

/// Events per batch in `append/batch_1000`.
const BATCH: usize = 1_000;

/// A fixed pool of seeded updates to the Hefei plan.
fn pool() -> Arc<Vec<NewEvent>> {
    let (_, mut updates) = Updates::hefei(SEED);
    Arc::new((0..POOL).map(|_| updates.next_event()).collect())
}

/// The key the raw baselines store event `seq` under (`L` ‖ seq big-endian).
fn log_key(seq: u64) -> [u8; 9] {
    let mut key = [b'L'; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// Runs `per_thread(thread, count)` on `threads` threads started together, `iters` calls in
/// all, and returns the time from the start to the last one's end, scaled to `iters`.
fn timed_threads(
    threads: usize,
    iters: u64,
    per_thread: impl Fn(usize, u64) + Send + Sync + 'static,
) -> Duration {
    let per = iters.div_ceil(threads as u64).max(1);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let work = Arc::new(per_thread);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            std::thread::spawn(move || {
                barrier.wait();
                work(t, per);
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    for handle in handles {
        handle.join().expect("appender thread");
    }
    let elapsed = started.elapsed();
    elapsed.mul_f64(iters as f64 / (per * threads as u64) as f64)
}

/// Events a store may hold before it is replaced by an empty one, outside the timed part: every
/// case appends into a store of 0 to 100k events, however fast it is (a store that grew larger
/// than sled's page cache during a longer measurement would be slower for that alone).
const CAP: u64 = 100_000;

/// A store in a temp dir, replaced by a fresh one once `CAP` events were added to it.
struct Fresh<T> {
    open: fn(&Path) -> T,
    store: Option<(T, tempfile::TempDir)>,
    added: u64,
}

impl<T> Fresh<T> {
    fn new(open: fn(&Path) -> T) -> Self {
        Self {
            open,
            store: None,
            added: 0,
        }
    }

    /// The store, for adding `events` more (a fresh one if it would exceed `CAP`), and how many
    /// events it will hold once they are added.
    fn get(&mut self, events: u64) -> (&T, u64) {
        if self.store.is_none() || self.added + events > CAP {
            self.store = None; // closes the old one before its directory is removed
            let dir = tempfile::tempdir().expect("temp dir");
            self.store = Some(((self.open)(dir.path()), dir));
            self.added = 0;
        }
        self.added += events;
        (&self.store.as_ref().expect("store").0, self.added)
    }
}

/// A raw sled database, with its data file open for `fsync`.
#[derive(Clone)]
struct Raw {
    db: sled::Db,
    tree: sled::Tree,
    file: Arc<std::fs::File>,
}

impl Raw {
    fn open(path: &Path) -> Raw {
        let db = common::open_raw_sled(path);
        let tree = db.open_tree("ledger").expect("tree");
        let file = Arc::new(std::fs::File::open(path.join("db")).expect("sled's db file"));
        Raw { db, tree, file }
    }

    /// sled's flush, and an `fsync` of its data file if `fsync` (sled's flush on Linux is only a
    /// `sync_file_range`, which does not survive a power loss).
    fn flush(&self, fsync: bool) {
        self.db.flush().expect("flush");
        if fsync {
            self.file.sync_all().expect("fsync");
        }
    }
}

/// Baseline of `durable_single`: the same stored bytes, one raw sled insert + flush per event
/// (+ an `fsync` of sled's data file with `fsync`).
fn raw_single(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, fsync: bool) {
    let mut raws = Fresh::new(Raw::open);
    let bytes = common::typical_stored_event();
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            timed_each(
                iters,
                || {
                    let (raw, added) = raws.get(1);
                    (raw.clone(), added)
                },
                |(raw, seq): (Raw, u64)| {
                    let old = raw
                        .tree
                        .insert(log_key(seq), bytes.as_slice())
                        .expect("insert");
                    assert!(old.is_none(), "a new key");
                    raw.flush(fsync);
                },
            )
        })
    });
}

/// Baseline of `batch_1000`: the same stored bytes, 1,000 raw sled inserts + one flush (+ an
/// `fsync` with `fsync`).
fn raw_batch(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, fsync: bool) {
    let mut raws = Fresh::new(Raw::open);
    let bytes = common::typical_stored_event();
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            timed_each(
                iters,
                || {
                    let (raw, added) = raws.get(BATCH as u64);
                    (raw.clone(), added - BATCH as u64)
                },
                |(raw, first): (Raw, u64)| {
                    for seq in first + 1..=first + BATCH as u64 {
                        let old = raw
                            .tree
                            .insert(log_key(seq), bytes.as_slice())
                            .expect("insert");
                        assert!(old.is_none(), "a new key");
                    }
                    raw.flush(fsync);
                },
            )
        })
    });
}

fn open_sqlite_file(path: &Path) -> PathBuf {
    let file = path.join("events.db");
    drop(common::open_sqlite(&file));
    file
}

/// Times `op` once per iteration, after `prepare` (not timed) gives it its store.
fn timed_each<T>(iters: u64, mut prepare: impl FnMut() -> T, mut op: impl FnMut(T)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let input = prepare();
        let started = Instant::now();
        op(input);
        total += started.elapsed();
    }
    total
}

fn durable_single(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    let mut ledgers = Fresh::new(common::open_ledger);
    let mut next = 0usize;
    group.throughput(Throughput::Elements(1));
    group.bench_function("durable_single", |b| {
        b.iter_custom(|iters| {
            timed_each(
                iters,
                || {
                    next += 1;
                    let ledger = ledgers.get(1).0.clone();
                    (ledger.len(), ledger, events[next % POOL].clone())
                },
                |(before, ledger, event): (u64, Ledger, NewEvent)| {
                    let appended = ledger.append(event).expect("append");
                    assert_eq!(appended.event.seq, before + 1, "the seq advanced");
                },
            )
        })
    });

    raw_single(group, "raw_sled_insert_flush", false);
    raw_single(group, "raw_sled_insert_flush_fsync", true);
}

fn concurrent(
    group: &mut BenchmarkGroup<'_, WallTime>,
    events: &Arc<Vec<NewEvent>>,
    threads: usize,
) {
    let mut ledgers = Fresh::new(common::open_ledger);
    let (mut written, mut flushes) = (0u64, 0u64);
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("concurrent_{threads}"), |b| {
        b.iter_custom(|iters| {
            let total = iters.div_ceil(threads as u64) * threads as u64;
            let ledger: Ledger = ledgers.get(total).0.clone();
            let before = ledger.stats();
            let events = Arc::clone(events);
            let appender = ledger.clone();
            let elapsed = timed_threads(threads, iters, move |t, count| {
                let mut last = 0u64;
                for i in 0..count as usize {
                    let appended = appender
                        .append(events[(t * 97 + i) % POOL].clone())
                        .expect("append");
                    assert!(appended.event.seq > last, "the seq advanced");
                    last = appended.event.seq;
                }
            });
            let after = ledger.stats();
            written += after.events_written - before.events_written;
            flushes += after.flushes - before.flushes;
            elapsed
        })
    });
    eprintln!(
        "append/concurrent_{threads}: {written} events in {flushes} flushes ({:.1} events per flush)",
        written as f64 / flushes.max(1) as f64
    );
}

fn batch(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    let mut ledgers = Fresh::new(common::open_ledger);
    let mut start = 0usize;
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("batch_{BATCH}"), |b| {
        b.iter_custom(|iters| {
            timed_each(
                iters,
                || {
                    let batch: Vec<NewEvent> = (start..start + BATCH)
                        .map(|i| events[i % POOL].clone())
                        .collect();
                    start += BATCH;
                    (ledgers.get(BATCH as u64).0.clone(), batch)
                },
                |(ledger, batch): (Ledger, Vec<NewEvent>)| {
                    let before = ledger.len();
                    let appended = ledger.append_batch(batch).expect("batch");
                    assert_eq!(appended.len(), BATCH);
                    assert_eq!(ledger.len(), before + BATCH as u64, "the seq advanced");
                },
            )
        })
    });

    raw_batch(group, &format!("raw_sled_batch_{BATCH}"), false);
    raw_batch(group, &format!("raw_sled_batch_{BATCH}_fsync"), true);
}

fn sqlite(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    fn single(
        group: &mut BenchmarkGroup<'_, WallTime>,
        events: &Arc<Vec<NewEvent>>,
        name: &str,
        open: fn(&Path) -> rusqlite::Connection,
    ) {
        let mut conns = Fresh::new(open);
        let mut next = 0usize;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    next += 1;
                    let (conn, expected) = conns.get(1);
                    let started = Instant::now();
                    let seq = common::sqlite_append(conn, &events[next % POOL]);
                    total += started.elapsed();
                    assert_eq!(seq, expected, "the seq advanced");
                }
                total
            })
        });
    }
    group.throughput(Throughput::Elements(1));
    single(group, events, "sqlite_durable_single", |dir| {
        common::open_sqlite(&dir.join("events.db"))
    });
    // For reference only (not the peer): synchronous=NORMAL, no fsync per commit in WAL mode
    // (durable against a process crash, not a power loss). With FULL each commit is an fsync();
    // sled's flush on Linux is a sync_file_range() of the written range (no device cache flush,
    // no metadata), which sits between the two.
    single(group, events, "sqlite_wal_normal_single", |dir| {
        common::open_sqlite_with(&dir.join("events.db"), "NORMAL")
    });

    let mut files = Fresh::new(open_sqlite_file);
    group.bench_function("sqlite_concurrent_4", |b| {
        b.iter_custom(|iters| {
            let total = iters.div_ceil(4) * 4;
            let path = Arc::new(files.get(total).0.clone());
            let events = Arc::clone(events);
            timed_threads(4, iters, move |t, count| {
                // Opening is part of the measured time but is tiny beside the fsyncs.
                let conn = common::open_sqlite(&path);
                let mut last = 0u64;
                for i in 0..count as usize {
                    let seq = common::sqlite_append(&conn, &events[(t * 97 + i) % POOL]);
                    assert!(seq > last, "the seq advanced");
                    last = black_box(seq);
                }
            })
        })
    });
}

fn benches(c: &mut Criterion) {
    let events = pool();
    let mut group = c.benchmark_group("append");
    durable_single(&mut group, &events);
    for threads in [4, 16, 64] {
        concurrent(&mut group, &events, threads);
    }
    batch(&mut group, &events);
    sqlite(&mut group, &events);
    group.finish();
}

fn main() {
    let mut c = common::criterion();
    benches(&mut c);
    c.final_summary();
}
