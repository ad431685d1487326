//! Tampering with stored bytes is detected by `verify` at the right position, every time.
//!
//! These tests open the sled database directly, as an attacker with file access would, and
//! alter the log's entries (tree `ledger`, keys `L` ‖ seq as u64 big-endian; see the on-disk
//! format in docs/format.md).

mod common;

use std::path::Path;

use progress_ledger::{Head, Ledger, ProblemKind};
use proptest::prelude::*;

const EVENTS: u64 = 24;

fn log_key(seq: u64) -> Vec<u8> {
    let mut key = vec![b'L'];
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// A closed ledger with `EVENTS` events over three streams, and its head.
fn build(dir: &Path) -> Head {
    let ledger = Ledger::open(dir).expect("open");
    for n in 0..EVENTS {
        ledger
            .append(common::progress((n % 3) as usize, n as i64 + 1))
            .expect("append");
    }
    ledger.head().expect("head")
}

/// Runs `alter` on the raw tree of a closed ledger.
fn tamper(dir: &Path, alter: impl FnOnce(&sled::Tree)) {
    // sled releases its file lock from a background thread shortly after the last handle drops.
    let mut db = sled::Config::new().path(dir).open();
    for _ in 0..500 {
        if db.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        db = sled::Config::new().path(dir).open();
    }
    let db = db.expect("open sled");
    let tree = db.open_tree("ledger").expect("tree");
    alter(&tree);
    db.flush().expect("flush");
}

fn problem_seq(dir: &Path) -> Option<u64> {
    let ledger = Ledger::open(dir).expect("a damaged ledger still opens for verification");
    let report = ledger.verify().expect("verify runs");
    report.problem.map(|p| p.seq)
}

fn get(tree: &sled::Tree, seq: u64) -> Vec<u8> {
    tree.get(log_key(seq))
        .expect("read")
        .expect("event present")
        .to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn flipping_any_byte_of_an_event_is_found_at_that_event(
        seq in 1..=EVENTS, position in any::<prop::sample::Index>(), mask in 1..=255u8,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        tamper(dir.path(), |tree| {
            let mut bytes = get(tree, seq);
            let at = position.index(bytes.len());
            bytes[at] ^= mask;
            tree.insert(log_key(seq), bytes).expect("write");
        });
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }

    #[test]
    fn removing_an_event_is_found_at_its_position(seq in 1..=EVENTS) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        tamper(dir.path(), |tree| {
            tree.remove(log_key(seq)).expect("remove");
        });
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }

    #[test]
    fn swapping_two_events_is_found_at_the_first(a in 1..=EVENTS, b in 1..=EVENTS) {
        prop_assume!(a != b);
        let (first, second) = (a.min(b), a.max(b));
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        tamper(dir.path(), |tree| {
            let (x, y) = (get(tree, first), get(tree, second));
            tree.insert(log_key(first), y).expect("write");
            tree.insert(log_key(second), x).expect("write");
        });
        prop_assert_eq!(problem_seq(dir.path()), Some(first));
    }

    #[test]
    fn changing_a_stored_hash_is_found_at_that_event(seq in 1..=EVENTS, fill in any::<[u8; 32]>()) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let mut changed = false;
        tamper(dir.path(), |tree| {
            let mut bytes = get(tree, seq);
            let start = bytes.len() - 32;
            changed = bytes[start..] != fill;
            bytes[start..].copy_from_slice(&fill);
            tree.insert(log_key(seq), bytes).expect("write");
        });
        prop_assume!(changed);
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }
}

#[test]
fn an_untouched_ledger_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let head = build(dir.path());
    let ledger = Ledger::open(dir.path()).expect("open");
    let report = ledger.verify().expect("verify");
    assert!(report.ok(), "{:?}", report.problem);
    assert_eq!(report.head, head);
    assert!(ledger.verify_against(head).expect("verify").ok());
}

#[test]
fn a_rewritten_tail_is_caught_by_the_published_head() {
    // An attacker who rewrites the last event and recomputes every hash, including the recorded
    // head, produces a self-consistent log; only a head published earlier exposes it.
    let dir = tempfile::tempdir().expect("temp dir");
    let published = build(dir.path());
    let forged = {
        let ledger = Ledger::open(dir.path()).expect("open");
        let mut last = ledger.get(EVENTS).expect("read").expect("present");
        last.actor = "someone else".into();
        let bytes = progress_ledger::codec::seal(&mut last).expect("seal");
        (bytes, last.head())
    };
    tamper(dir.path(), |tree| {
        tree.insert(log_key(EVENTS), forged.0.clone())
            .expect("write");
        let mut head = EVENTS.to_be_bytes().to_vec();
        head.extend_from_slice(&forged.1.hash.0);
        tree.insert(b"H", head).expect("write");
    });
    let ledger = Ledger::open(dir.path()).expect("open");
    assert!(
        ledger.verify().expect("verify").ok(),
        "the forgery is self-consistent"
    );
    let report = ledger.verify_against(published).expect("verify");
    let problem = report.problem.expect("the published head exposes it");
    assert_eq!(problem.seq, EVENTS);
    assert!(matches!(
        problem.kind,
        ProblemKind::PublishedHeadMismatch { .. }
    ));
}

#[test]
fn a_damaged_ledger_refuses_appends() {
    let dir = tempfile::tempdir().expect("temp dir");
    build(dir.path());
    tamper(dir.path(), |tree| {
        tree.remove(log_key(EVENTS)).expect("remove");
    });
    let ledger = Ledger::open(dir.path()).expect("open");
    let outcome = ledger.append(common::progress(0, 1));
    assert!(
        matches!(outcome, Err(progress_ledger::Error::Damaged(_))),
        "{outcome:?}"
    );
}
