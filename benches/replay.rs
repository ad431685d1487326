//! Measures reading the log back: rebuilding every projection from the log (`Tracker::rebuild`)
//! and replaying its events (`Ledger::events_from`) beside a raw sled scan + `codec::decode` of
//! the same stored events (a plain sled tree, key = seq) and the SQLite peer's replay of the same events (read every row, decode its
//! JSON); as-of projections at three depths of the big ledger (1M events,
//! a snapshot every 100k; 100k events in quick mode); and verifying the hash chain beside the
//! raw scan + decode; and the audit queries (an indicator's explanation, the plan-wide
//! restatements between the middle of the log and now). `cargo bench --bench replay` (`PL_BENCH_QUICK=1` for the quick sizes).

mod common;

use std::hint::black_box;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use progress_ledger::codec;

/// The raw-store baseline: scan a plain sled tree holding the same stored events under their
/// seq, and decode every event.
fn raw_scan_decode(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, size: u64) {
    let db = common::open_raw_sled(&common::cached_raw_sled(size));
    let tree = db.open_tree("log").expect("tree");
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut count = 0u64;
            for entry in tree.iter() {
                let (_, stored) = entry.expect("entry");
                let event = codec::decode(&stored).expect("decodes");
                count += 1;
                black_box(event);
            }
            assert_eq!(count, size, "the whole log was read");
        })
    });
}

fn rebuild(group: &mut BenchmarkGroup<'_, WallTime>, size: u64) {
    let label = common::label(size);
    let path = common::cached_ledger(size);
    let sqlite_path = common::cached_sqlite(size);
    group.throughput(Throughput::Elements(size));
    {
        let tracker = common::open_tracker(&path, size);
        group.bench_function(label.as_str(), |b| {
            b.iter(|| {
                let projection = tracker.rebuild().expect("rebuild");
                assert_eq!(projection.seq(), size, "every event was folded");
                black_box(projection);
            })
        });
        // The ledger's own replay API without folding: what the SQLite peer's replay does.
        group.bench_function(format!("events_{label}"), |b| {
            b.iter(|| {
                let mut last = 0u64;
                for event in tracker.ledger().events_from(1) {
                    let event = event.expect("event");
                    assert!(event.seq > last, "events come in order");
                    last = event.seq;
                    black_box(event);
                }
                assert_eq!(last, size, "the whole log was read");
            })
        });
    }
    raw_scan_decode(group, &format!("raw_sled_{label}"), size);

    let conn = common::open_sqlite(&sqlite_path);
    group.bench_function(format!("sqlite_{label}"), |b| {
        b.iter(|| {
            let mut count = 0u64;
            let mut last = 0u64;
            common::sqlite_replay(&conn, |row| {
                assert!(row.seq > last, "rows come in order");
                last = row.seq;
                count += 1;
                black_box(row);
            });
            assert_eq!(count, size, "every row was read");
        })
    });
}

fn as_of_and_verify(c: &mut Criterion) {
    let size = common::big_size();
    let label = common::label(size);
    let every = common::snapshot_every(size);
    let path = common::cached_ledger(size);
    let tracker = common::open_tracker(&path, size);

    let mut group = c.benchmark_group("as_of");
    group.sampling_mode(SamplingMode::Flat);
    let depths = [
        ("early", size / 8 + 1),
        ("middle", size / 2 + size / 20 - 1),
        ("late", size - 1),
    ];
    for (name, seq) in depths {
        let (_, folded) = tracker.projection_at(seq).expect("as-of");
        common::figure(
            &format!("as_of/{name}_folded"),
            folded as f64,
            "events",
            Some(every as f64),
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let (projection, folded) = tracker.projection_at(seq).expect("as-of");
                assert_eq!(projection.seq(), seq);
                assert!(folded <= every, "folded {folded} > one snapshot interval");
                black_box(projection);
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(size));
    {
        let ledger = tracker.ledger().clone();
        drop(tracker);
        group.bench_function(label.as_str(), |b| {
            b.iter(|| {
                let report = ledger.verify().expect("verify");
                assert!(report.ok(), "the chain verifies: {:?}", report.problem);
                assert_eq!(report.events, size);
            })
        });
    }
    raw_scan_decode(&mut group, &format!("raw_sled_{label}"), size);
    group.finish();
}

/// Audit queries on the big Hefei ledger: an indicator's explanation now (goal: under 50 ms)
/// and the plan-wide restatements of the figures for a date between the log as recorded at
/// its middle and now (goal: under 500 ms).
fn audit(c: &mut Criterion) {
    let size = common::big_size();
    let path = common::cached_ledger(size);
    let tracker = common::open_tracker(&path, size);
    let ledger = tracker.ledger().clone();
    let middle = ledger
        .get(size / 2)
        .expect("read")
        .expect("the middle event")
        .recorded_at;
    let effective = jiff::civil::date(2023, 9, 30);
    let mut group = c.benchmark_group("audit");
    group.sampling_mode(SamplingMode::Flat);
    let query = progress_ledger::ProgressQuery::default();
    let scope = progress_ledger::projection::Scope::Indicator("t02-1-childcare-seats".into());
    group.bench_function("explain_indicator", |b| {
        b.iter(|| {
            let explained = tracker.explain(&query, &scope).expect("explain");
            black_box(explained.expect("the indicator is in the plan"));
        })
    });
    let restatements = progress_ledger::RestatementQuery {
        plan: None,
        from: middle,
        to: None,
        effective,
    };
    group.bench_function("restatements_plan", |b| {
        b.iter(|| black_box(tracker.restatements(&restatements).expect("restatements")))
    });
    group.finish();
}

fn main() {
    let mut c = common::criterion();
    let mut group = c.benchmark_group("rebuild");
    group.sampling_mode(SamplingMode::Flat);
    let sizes: &[u64] = if common::quick() {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &size in sizes {
        rebuild(&mut group, size);
    }
    group.finish();
    as_of_and_verify(&mut c);
    audit(&mut c);
    c.final_summary();
}
