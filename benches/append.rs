//! Measures durable appends: one event per append (the ledger beside a raw sled insert + flush
//! of the same bytes), 4, 16 and 64 threads each appending one event at a time (group commit),
//! batches of 1,000 (beside raw sled inserts of the same 1,000 values + one flush), and the
//! SQLite peer (WAL, synchronous=FULL) with 1 and 4 writers (and, for reference, 1 writer with
//! synchronous=NORMAL). `cargo bench --bench append`.

mod common;

use std::hint::black_box;
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

/// The key the ledger stores event `seq` under (`L` ‖ seq big-endian).
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

fn durable_single(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = common::open_ledger(dir.path());
    let mut next = 0usize;
    let mut last = 0u64;
    group.throughput(Throughput::Elements(1));
    group.bench_function("durable_single", |b| {
        b.iter(|| {
            let appended = ledger.append(events[next % POOL].clone()).expect("append");
            next += 1;
            assert!(appended.event.seq > last, "the seq advanced");
            last = appended.event.seq;
        })
    });

    // Baseline: the same stored bytes, one raw sled insert + flush per event.
    let raw_dir = tempfile::tempdir().expect("temp dir");
    let db = common::open_raw_sled(raw_dir.path());
    let tree = db.open_tree("ledger").expect("tree");
    let bytes = common::typical_stored_event();
    let mut seq = 0u64;
    group.bench_function("raw_sled_insert_flush", |b| {
        b.iter(|| {
            seq += 1;
            let old = tree.insert(log_key(seq), bytes.as_slice()).expect("insert");
            assert!(old.is_none(), "a new key");
            db.flush().expect("flush");
        })
    });
}

fn concurrent(
    group: &mut BenchmarkGroup<'_, WallTime>,
    events: &Arc<Vec<NewEvent>>,
    threads: usize,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = common::open_ledger(dir.path());
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("concurrent_{threads}"), |b| {
        b.iter_custom(|iters| {
            let ledger: Ledger = ledger.clone();
            let events = Arc::clone(events);
            timed_threads(threads, iters, move |t, count| {
                let mut last = 0u64;
                for i in 0..count as usize {
                    let appended = ledger
                        .append(events[(t * 97 + i) % POOL].clone())
                        .expect("append");
                    assert!(appended.event.seq > last, "the seq advanced");
                    last = appended.event.seq;
                }
            })
        })
    });
    let stats = ledger.stats();
    eprintln!(
        "append/concurrent_{threads}: {} events in {} flushes ({:.1} events per flush)",
        stats.events_written,
        stats.flushes,
        stats.events_written as f64 / stats.flushes.max(1) as f64
    );
}

fn batch(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = common::open_ledger(dir.path());
    let mut start = 0usize;
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("batch_{BATCH}"), |b| {
        b.iter(|| {
            let batch: Vec<NewEvent> = (start..start + BATCH)
                .map(|i| events[i % POOL].clone())
                .collect();
            start += BATCH;
            let before = ledger.len();
            let appended = ledger.append_batch(batch).expect("batch");
            assert_eq!(appended.len(), BATCH);
            assert_eq!(ledger.len(), before + BATCH as u64, "the seq advanced");
        })
    });

    // Baseline: the same stored bytes, 1,000 raw sled inserts + one flush.
    let raw_dir = tempfile::tempdir().expect("temp dir");
    let db = common::open_raw_sled(raw_dir.path());
    let tree = db.open_tree("ledger").expect("tree");
    let bytes = common::typical_stored_event();
    let mut seq = 0u64;
    group.bench_function(format!("raw_sled_batch_{BATCH}"), |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                seq += 1;
                let old = tree.insert(log_key(seq), bytes.as_slice()).expect("insert");
                assert!(old.is_none(), "a new key");
            }
            db.flush().expect("flush");
            assert!(tree.contains_key(log_key(seq)).expect("read"), "stored");
        })
    });
}

fn sqlite(group: &mut BenchmarkGroup<'_, WallTime>, events: &Arc<Vec<NewEvent>>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("events.db");
    let mut conn = common::open_sqlite(&path);
    let mut next = 0usize;
    let mut last = 0u64;
    group.throughput(Throughput::Elements(1));
    group.bench_function("sqlite_durable_single", |b| {
        b.iter(|| {
            let seq = common::sqlite_append(&mut conn, &events[next % POOL]);
            next += 1;
            assert!(seq > last, "the seq advanced");
            last = seq;
        })
    });
    drop(conn);

    // For reference only (not the peer): synchronous=NORMAL, no fsync per commit in WAL mode
    // (durable against a process crash, not a power loss). Bundled SQLite is built without
    // HAVE_FDATASYNC, so with FULL each commit is a whole fsync(); sled's flush on Linux is a
    // sync_file_range() of the written range, which sits between the two.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = common::open_sqlite_with(&dir.path().join("events.db"), "NORMAL");
    let mut last = 0u64;
    group.bench_function("sqlite_wal_normal_single", |b| {
        b.iter(|| {
            let seq = common::sqlite_append(&mut conn, &events[next % POOL]);
            next += 1;
            assert!(seq > last, "the seq advanced");
            last = seq;
        })
    });
    drop(conn);

    let dir = tempfile::tempdir().expect("temp dir");
    let path = Arc::new(dir.path().join("events.db"));
    drop(common::open_sqlite(&path));
    group.bench_function("sqlite_concurrent_4", |b| {
        b.iter_custom(|iters| {
            let path = Arc::clone(&path);
            let events = Arc::clone(events);
            timed_threads(4, iters, move |t, count| {
                // Opening is part of the measured time but is tiny beside fsyncs.
                let mut conn = common::open_sqlite(&path);
                let mut last = 0u64;
                for i in 0..count as usize {
                    let seq = common::sqlite_append(&mut conn, &events[(t * 97 + i) % POOL]);
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
