//! Measures the Merkle tree of a ledger of 1M events through the ledger (stored hashes read
//! from `tree.bin`): an inclusion proof, a consistency proof, a root and a level-0 tile, each
//! checked with the tlog crate. The ledger is built once per run in a temporary directory (1M
//! small updates appended in batches). `cargo bench --bench proofs`.

mod common;

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use progress_ledger::Ledger;
use progress_ledger::tlog::{self, leaf_hash, tile::Tile};

/// Events in the ledger.
const SIZE: u64 = 1_000_000;

fn build(dir: &std::path::Path) -> Ledger {
    let started = Instant::now();
    let ledger = common::open_ledger(dir);
    let (_, mut updates) = common::Updates::hefei(common::SEED);
    while ledger.len() < SIZE {
        let n = (SIZE - ledger.len()).min(10_000);
        let batch = (0..n).map(|_| updates.next_event()).collect();
        ledger.append_batch(batch).expect("batch");
    }
    eprintln!(
        "built {SIZE} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ledger
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = build(dir.path());
    let root = ledger.tree_root(SIZE).expect("root");
    let mut c: Criterion = common::criterion();
    let mut group = c.benchmark_group("proofs");
    let mut rng = common::Rng::new(common::SEED);
    // Hashes of a few events to prove, read outside the timed part.
    let seqs: Vec<u64> = (0..64).map(|_| 1 + rng.below(SIZE)).collect();
    let leaves: Vec<_> = seqs
        .iter()
        .map(|&seq| leaf_hash(&ledger.get(seq).expect("reads").expect("exists").hash.0))
        .collect();
    group.bench_function("inclusion_1m", |b| {
        let mut i = 0;
        b.iter(|| {
            let (seq, leaf) = (seqs[i % seqs.len()], leaves[i % seqs.len()]);
            i += 1;
            let proof = ledger.prove_inclusion(seq, SIZE).expect("proof");
            tlog::check_record(&proof, SIZE, &root, seq - 1, &leaf).expect("verifies");
            black_box(proof)
        })
    });
    let olds: Vec<(u64, tlog::Hash)> = seqs
        .iter()
        .map(|&from| (from, ledger.tree_root(from).expect("root")))
        .collect();
    group.bench_function("consistency_1m", |b| {
        let mut i = 0;
        b.iter(|| {
            let (from, old) = olds[i % olds.len()];
            i += 1;
            let proof = ledger.prove_consistency(from, SIZE).expect("proof");
            tlog::check_tree(&proof, SIZE, &root, from, &old).expect("verifies");
            black_box(proof)
        })
    });
    group.bench_function("root_1m", |b| {
        let mut i = 0u64;
        b.iter(|| {
            // A size other than the last one asked for (the last root is kept).
            i += 1;
            black_box(ledger.tree_root(SIZE - (i % 2)).expect("root"))
        })
    });
    group.bench_function("tile_1m", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n = (n + 7) % (SIZE / 256);
            let tile = Tile::new(0, n, 256).expect("tile");
            let data = ledger.tile(&tile).expect("tile");
            assert_eq!(data.len(), 256 * 32);
            black_box(data)
        })
    });
    group.finish();
    c.final_summary();
}
