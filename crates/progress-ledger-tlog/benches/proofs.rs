//! Measures an inclusion proof and a consistency proof in a tree of 1,000,000 leaves, produced
//! from an in-memory stored-hash reader (`Vec<Hash>`, the layout a ledger keeps on disk), and
//! their verification; with the root of that tree from the same reader beside them. The goal for
//! the ledger is under 1 ms per proof. `cargo bench -p progress-ledger-tlog --bench proofs`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use progress_ledger_tlog::{
    Hash, check_record, check_tree, leaf_hash, prove_record, prove_tree,
    stored_hashes_for_leaf_hash, tree_hash,
};

const LEAVES: u64 = 1_000_000;
/// Fixed positions, away from powers of two: the leaf proved, and the older tree size.
const INDEX: u64 = 765_432;
const OLD_SIZE: u64 = 654_321;

/// The entry of leaf `n`: 200 bytes, about an event's canonical size, derived from `n`.
fn entry(n: u64) -> Vec<u8> {
    let mut e = vec![1u8];
    while e.len() < 200 {
        e.extend_from_slice(&n.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    }
    e
}

fn stored_tree() -> Vec<Hash> {
    let mut stored = Vec::with_capacity(2 * LEAVES as usize);
    for n in 0..LEAVES {
        let new = stored_hashes_for_leaf_hash(n, leaf_hash(&entry(n)), &stored)
            .expect("in-memory reader");
        stored.extend(new);
    }
    stored
}

fn proofs(c: &mut Criterion) {
    let stored = stored_tree();
    let root = tree_hash(LEAVES, &stored).expect("stored");
    let old_root = tree_hash(OLD_SIZE, &stored).expect("stored");
    let leaf = leaf_hash(&entry(INDEX));

    // The measured results are right before they are timed.
    let inclusion = prove_record(LEAVES, INDEX, &stored).expect("stored");
    check_record(&inclusion, LEAVES, &root, INDEX, &leaf).expect("inclusion proof verifies");
    let consistency = prove_tree(LEAVES, OLD_SIZE, &stored).expect("stored");
    check_tree(&consistency, LEAVES, &root, OLD_SIZE, &old_root)
        .expect("consistency proof verifies");

    let mut g = c.benchmark_group("proofs_1m");
    g.bench_function("tree_hash", |b| {
        b.iter(|| tree_hash(black_box(LEAVES), &stored).expect("stored"))
    });
    g.bench_function("prove_record", |b| {
        b.iter(|| prove_record(black_box(LEAVES), black_box(INDEX), &stored).expect("stored"))
    });
    g.bench_function("check_record", |b| {
        b.iter(|| {
            check_record(black_box(&inclusion), LEAVES, &root, INDEX, &leaf).expect("verifies")
        })
    });
    g.bench_function("prove_tree", |b| {
        b.iter(|| prove_tree(black_box(LEAVES), black_box(OLD_SIZE), &stored).expect("stored"))
    });
    g.bench_function("check_tree", |b| {
        b.iter(|| {
            check_tree(black_box(&consistency), LEAVES, &root, OLD_SIZE, &old_root)
                .expect("verifies")
        })
    });
    g.finish();
}

criterion_group!(benches, proofs);
criterion_main!(benches);
