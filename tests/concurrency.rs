//! Concurrent appenders: no sequence lost or duplicated, and appenders waiting together share
//! one flush.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use progress_ledger::Ledger;

const THREADS: usize = 8;
const PER_THREAD: usize = 150;

#[test]
fn concurrent_appends_are_gapless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let ledger = ledger.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                (0..PER_THREAD)
                    .map(|i| {
                        let appended = ledger
                            .append(common::progress(thread, i as i64 + 1))
                            .expect("append");
                        // Acknowledged means durable and readable.
                        assert!(ledger.len() >= appended.event.seq);
                        (appended.event.seq, appended.event.version)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seqs = HashSet::new();
    for handle in handles {
        let acked = handle.join().expect("thread");
        // Each thread writes its own stream: its versions are 1..=PER_THREAD in order.
        let versions: Vec<u64> = acked.iter().map(|(_, v)| *v).collect();
        assert_eq!(versions, (1..=PER_THREAD as u64).collect::<Vec<_>>());
        for (seq, _) in acked {
            assert!(seqs.insert(seq), "seq {seq} handed out twice");
        }
    }
    let total = (THREADS * PER_THREAD) as u64;
    assert_eq!(seqs.len() as u64, total);
    assert_eq!(
        seqs.iter().copied().max(),
        Some(total),
        "no gaps: the highest seq is the count"
    );
    let log = common::whole_log(&ledger);
    assert_eq!(log.len() as u64, total);
    assert!(ledger.verify().expect("verify").ok());

    assert_eq!(ledger.stats().events_written, total);
}

/// Appenders that wait for durability together share one flush: in each round every thread
/// writes its batch, then all wait, so the first waiter's flush covers everyone's. The count
/// does not depend on how the threads are scheduled.
#[test]
fn appenders_waiting_together_share_one_flush() {
    const ROUNDS: u64 = 20;
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    let written = Arc::new(Barrier::new(THREADS));
    let acknowledged = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let ledger = ledger.clone();
            let (written, acknowledged) = (Arc::clone(&written), Arc::clone(&acknowledged));
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    let batch = vec![common::progress(thread, round as i64 + 1)];
                    let pending = ledger.write_batch(batch).expect("write");
                    written.wait();
                    pending.wait().expect("durable");
                    acknowledged.wait();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("thread");
    }
    let stats = ledger.stats();
    assert_eq!(stats.events_written, ROUNDS * THREADS as u64);
    assert_eq!(
        stats.flushes, ROUNDS,
        "one flush per round of {THREADS} appenders"
    );
}
