//! Tampering with stored bytes is detected by `verify` at the right position, every time.
//!
//! These tests change the log file `events.log` directly, as an attacker with file access
//! would (frames of `len` u32 LE ‖ `flags` u8 ‖ CRC32C ‖ stored event, checksums recomputed;
//! see docs/format.md), and, where an attacker would have to, remove the saved index
//! `index.bin`.

mod common;

use std::path::Path;

use progress_ledger::{Head, Ledger, NewEvent, Problem, ProblemKind};
use proptest::prelude::*;

const EVENTS: u64 = 24;

/// A closed ledger with `EVENTS` events over three streams, and its head.
fn build(dir: &Path) -> Head {
    let ledger = Ledger::open(dir).expect("open");
    for n in 0..EVENTS {
        ledger
            .append(common::progress((n % 3) as usize, n as i64 + 1))
            .expect("append");
    }
    let head = ledger.head().expect("head");
    ledger.close().expect("close");
    head
}

/// Rewrites the log with the stored events `events` (each a whole batch, with a matching
/// checksum), keeping the file's magic and length.
fn rewrite(dir: &Path, events: &[Vec<u8>]) {
    let (_, file) = common::log_frames(dir);
    let mut bytes = file[..common::LOG_START].to_vec();
    for stored in events {
        bytes.extend(common::frame(
            stored,
            common::BATCH_END | common::DURABLE_BEFORE,
        ));
    }
    bytes.resize(file.len().max(bytes.len()), 0);
    std::fs::write(dir.join("events.log"), bytes).expect("write the log");
}

/// The stored events of the log, in order.
fn stored_events(dir: &Path) -> Vec<Vec<u8>> {
    common::log_frames(dir)
        .0
        .into_iter()
        .map(|(_, stored)| stored)
        .collect()
}

fn problem_seq(dir: &Path) -> Option<u64> {
    let ledger = Ledger::open(dir).expect("a damaged ledger still opens for verification");
    let report = ledger.verify().expect("verify runs");
    report.problem.map(|p| p.seq)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn flipping_any_byte_of_an_event_is_found_at_that_event(
        seq in 1..=EVENTS, position in any::<prop::sample::Index>(), mask in 1..=255u8,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let mut events = stored_events(dir.path());
        let bytes = &mut events[seq as usize - 1];
        let at = position.index(bytes.len());
        bytes[at] ^= mask;
        rewrite(dir.path(), &events);
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }

    #[test]
    fn removing_an_event_is_found_at_its_position(seq in 1..=EVENTS) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let mut events = stored_events(dir.path());
        events.remove(seq as usize - 1);
        rewrite(dir.path(), &events);
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }

    #[test]
    fn swapping_two_events_is_found_at_the_first(a in 1..=EVENTS, b in 1..=EVENTS) {
        prop_assume!(a != b);
        let (first, second) = (a.min(b), a.max(b));
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let mut events = stored_events(dir.path());
        events.swap(first as usize - 1, second as usize - 1);
        rewrite(dir.path(), &events);
        prop_assert_eq!(problem_seq(dir.path()), Some(first));
    }

    #[test]
    fn changing_a_frame_length_is_found_at_that_event(seq in 1..=EVENTS, delta in 1..=64u32, up in any::<bool>()) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let (frames, mut file) = common::log_frames(dir.path());
        let (at, stored) = &frames[seq as usize - 1];
        let len = stored.len() as u32;
        let changed = if up { len + delta } else { len.saturating_sub(delta).max(1) };
        prop_assume!(changed != len);
        file[*at..*at + 4].copy_from_slice(&changed.to_le_bytes());
        std::fs::write(dir.path().join("events.log"), file).expect("write the log");
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }

    #[test]
    fn changing_a_stored_hash_is_found_at_that_event(seq in 1..=EVENTS, fill in any::<[u8; 32]>()) {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let mut events = stored_events(dir.path());
        let bytes = &mut events[seq as usize - 1];
        let start = bytes.len() - 32;
        prop_assume!(bytes[start..] != fill);
        bytes[start..].copy_from_slice(&fill);
        rewrite(dir.path(), &events);
        prop_assert_eq!(problem_seq(dir.path()), Some(seq));
    }
}

/// Events of the long ledger: more than two of the runs `verify` hashes together (8,192, half
/// on each of two threads).
const MANY: u64 = 20_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Whichever run, half of a run or thread two flipped bytes fall in, the first is found.
    #[test]
    fn of_two_flipped_events_in_a_long_log_the_first_is_found(
        a in 1..=MANY, b in 1..=MANY, mask in 1..=255u8,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = Ledger::open(dir.path()).expect("open");
        for batch in 0..MANY / 1000 {
            let events = (0..1000).map(|n| common::progress(n % 3, (batch * 1000 + n as u64) as i64 + 1));
            ledger.append_batch(events.collect()).expect("append");
        }
        ledger.close().expect("close");
        drop(ledger);
        prop_assert_eq!(problem_seq(dir.path()), None, "untouched, it verifies");
        let mut events = stored_events(dir.path());
        for seq in [a, b] {
            let bytes = &mut events[seq as usize - 1];
            let middle = bytes.len() / 2;
            bytes[middle] ^= mask;
        }
        rewrite(dir.path(), &events);
        prop_assert_eq!(problem_seq(dir.path()), Some(a.min(b)));
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
fn each_broken_rule_of_the_chain_is_found_by_verify() {
    for rule in common::Rule::ALL {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path());
        let events = {
            let ledger = Ledger::open(dir.path()).expect("open");
            common::whole_log(&ledger)
        };
        let broken = rule.break_at(&events, 9);
        rewrite(
            dir.path(),
            &broken.iter().map(common::stored).collect::<Vec<_>>(),
        );
        let ledger = Ledger::open(dir.path()).expect("a damaged ledger opens");
        let problem = ledger.verify().expect("verify").problem.expect("a problem");
        assert_eq!(problem.seq, 10, "{rule:?}");
        assert!(rule.reported_as(&problem.kind), "{rule:?}: {problem}");
    }
}

/// The problem verify finds after `damage` changed the log file, given its frames.
fn problem_after(damage: impl FnOnce(&mut Vec<u8>, &[(usize, Vec<u8>)])) -> Problem {
    let dir = tempfile::tempdir().expect("temp dir");
    build(dir.path());
    let (frames, mut file) = common::log_frames(dir.path());
    damage(&mut file, &frames);
    std::fs::write(dir.path().join("events.log"), file).expect("write the log");
    let ledger = Ledger::open(dir.path()).expect("a damaged ledger opens");
    let report = ledger.verify().expect("verify");
    report.problem.expect("a problem")
}

#[test]
fn a_cut_log_a_bad_frame_header_and_an_early_end_are_told_apart() {
    let cut = problem_after(|file, frames| file.truncate(frames[23].0 + 10));
    assert_eq!(cut.seq, 24);
    assert!(matches!(cut.kind, ProblemKind::Truncated), "{cut}");

    let flags = problem_after(|file, frames| file[frames[9].0 + 4] = 0x80);
    assert_eq!(flags.seq, 10);
    assert!(
        matches!(flags.kind, ProblemKind::BadFrame { .. }),
        "{flags}"
    );

    let ended = problem_after(|file, frames| file[frames[19].0..].fill(0));
    assert_eq!(ended.seq, 20);
    assert!(matches!(ended.kind, ProblemKind::Missing), "{ended}");
}

#[test]
fn a_rewritten_tail_is_caught_by_the_published_head() {
    // An attacker who rewrites the last event and recomputes its hash, and removes the saved
    // index, produces a self-consistent log; only a head published earlier exposes it.
    let dir = tempfile::tempdir().expect("temp dir");
    let published = build(dir.path());
    let forged = {
        let ledger = Ledger::open(dir.path()).expect("open");
        let mut last = ledger.get(EVENTS).expect("read").expect("present");
        last.actor = "someone else".into();
        let bytes = progress_ledger::codec::seal(&mut last).expect("seal");
        (bytes, last.head())
    };
    let mut events = stored_events(dir.path());
    events[EVENTS as usize - 1] = forged.0.clone();
    rewrite(dir.path(), &events);
    // The saved index would betray the change; it is derived data, so the attacker removes it.
    std::fs::remove_file(dir.path().join("index.bin")).expect("remove the saved index");
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
    let mut events = stored_events(dir.path());
    events.pop();
    rewrite(dir.path(), &events);
    let ledger = Ledger::open(dir.path()).expect("open");
    let outcome = ledger.append(common::progress(0, 1));
    assert!(
        matches!(outcome, Err(progress_ledger::Error::Damaged(_))),
        "{outcome:?}"
    );
}

/// Verification reads, checks and follows the log in batches of thousands of events, the
/// three stages overlapping: a problem in any batch is still found at its seq, with every
/// event before it counted and reported as progress, and nothing after it.
#[test]
fn a_problem_in_any_batch_of_a_long_log_is_found_where_it_is() {
    const LONG: u64 = 30_000;
    let dir = tempfile::tempdir().expect("temp dir");
    append_in_batches(dir.path(), LONG, |event| event);
    // The first event, either side of the first two batch boundaries, one in the third
    // batch, the last.
    each_changed_hash_is_found(dir.path(), LONG, &[1, 8_192, 8_193, 16_385, 20_000, LONG]);
}

/// A batch also ends once its events hold 8 MiB, so that a log of large events is checked in
/// bounded memory: problems either side of those boundaries are found where they are too.
#[test]
fn a_problem_in_a_log_of_long_notes_is_found_where_it_is() {
    const NOTED: u64 = 4_000;
    let dir = tempfile::tempdir().expect("temp dir");
    // About 6 KB an event: some 1,400 events a batch.
    let note = "注".repeat(progress_ledger::limits::MAX_NOTE_CHARS);
    append_in_batches(dir.path(), NOTED, |event| event.with_note(note.clone()));
    each_changed_hash_is_found(dir.path(), NOTED, &[1, 1_300, 1_400, 1_500, 2_800, NOTED]);
}

/// `events` progress events, of three streams, in batches of 1,000, each made by `make`.
fn append_in_batches(dir: &Path, events: u64, make: impl Fn(NewEvent) -> NewEvent) {
    let ledger = Ledger::open(dir).expect("open");
    for batch in 0..events / 1_000 {
        let events = (0..1_000)
            .map(|n| {
                make(common::progress(
                    (n % 3) as usize,
                    (batch * 1_000 + n + 1) as i64,
                ))
            })
            .collect();
        ledger.append_batch(events).expect("append");
    }
    ledger.close().expect("close");
}

/// For each of `seqs`, in the log of `events` events in `dir`: a byte of the stored event's
/// hash changed (the frame's checksum kept true) is found by verify at that seq, with every
/// event before it counted and reported as progress.
fn each_changed_hash_is_found(dir: &Path, events: u64, seqs: &[u64]) {
    let (frames, pristine) = common::log_frames(dir);
    assert_eq!(frames.len() as u64, events);
    for &seq in seqs {
        let mut file = pristine.clone();
        let (at, stored) = &frames[seq as usize - 1];
        // A byte of the stored event's hash (its last 32 bytes), the frame's checksum kept
        // true to the changed bytes: only the chain can tell.
        let mut changed = stored.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        let frame = common::frame(&changed, pristine[at + 4]);
        file[*at..*at + frame.len()].copy_from_slice(&frame);
        std::fs::write(dir.join("events.log"), &file).expect("write the log");

        let ledger = Ledger::open(dir).expect("a damaged ledger opens");
        let mut told = Vec::new();
        let mut progress = |n: u64| told.push(n);
        let report = ledger
            .verify_with(progress_ledger::VerifyOptions {
                progress: Some(&mut progress),
                ..Default::default()
            })
            .expect("verify");
        drop(ledger);
        let problem = report.problem.expect("a problem");
        assert_eq!(problem.seq, seq, "{problem}");
        assert!(
            matches!(problem.kind, ProblemKind::HashMismatch { .. }),
            "{problem}"
        );
        assert_eq!(report.events, seq - 1);
        let expected: Vec<u64> = (1..seq).filter(|n| n % 10_000 == 0).collect();
        assert_eq!(told, expected, "progress before the problem at {seq}");
    }
}
