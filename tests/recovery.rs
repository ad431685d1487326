//! Opening after trouble: a torn tail left by a crash is set aside and the ledger goes on; an
//! index that was removed is rebuilt from the log, one that is damaged, cut or stale is not
//! used; a ledger of storage layout 1 (events in a
//! sled tree) is migrated to the log file.

mod common;

use std::path::Path;

use progress_ledger::{Head, Ledger, Problem, ProblemKind};
use proptest::prelude::*;

/// A closed ledger with `n` events (single appends and one batch of three), and its head.
fn build(dir: &Path, n: u64) -> Head {
    let ledger = Ledger::open(dir).expect("open");
    for i in 0..n.saturating_sub(3) {
        ledger
            .append(common::progress((i % 3) as usize, 1))
            .expect("append");
    }
    let batch = (0..3).map(|i| common::progress(i, 2)).collect();
    ledger.append_batch(batch).expect("batch");
    let head = ledger.head().expect("head");
    ledger.close().expect("close");
    head
}

fn torn_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().contains("torn-tail"))
        .collect()
}

#[test]
fn a_torn_tail_is_set_aside_and_appends_go_on() {
    for torn in [
        // Half a frame header.
        vec![0x40, 0x01],
        // A whole header and part of its event.
        vec![0x40, 0x01, 0, 0, 1, 0xa1, 0xb2, 0xc3, 0xd4, 7, 7, 7],
        // A whole frame whose checksum does not match its bytes.
        {
            let mut frame = common::frame(&[9u8; 40], common::BATCH_END);
            frame[20] ^= 0x10;
            frame
        },
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let head = build(dir.path(), 10);
        let end = common::log_end(dir.path());
        let mut file = std::fs::read(dir.path().join("events.log")).expect("read");
        file[end..end + torn.len()].copy_from_slice(&torn);
        std::fs::write(dir.path().join("events.log"), &file).expect("write");

        let ledger = Ledger::open(dir.path()).expect("open after a crash");
        assert_eq!(ledger.head().expect("head"), head);
        let aside = ledger.torn_tail().expect("the tail was set aside");
        assert_eq!((aside.offset, aside.bytes), (end as u64, torn.len() as u64));
        let file = aside.file.as_ref().expect("moved to a file");
        assert_eq!(std::fs::read(file).expect("read the tail"), torn);
        assert_eq!(torn_files(dir.path()).len(), 1);
        assert!(ledger.verify().expect("verify").ok());
        let next = ledger.append(common::progress(0, 1)).expect("append");
        assert_eq!(next.event.seq, head.seq + 1);
        assert_eq!(next.event.prev_hash, head.hash);
        ledger.close().expect("close");
        drop(ledger);
        let reopened = Ledger::open(dir.path()).expect("reopen");
        assert!(reopened.torn_tail().is_none());
        assert!(reopened.verify().expect("verify").ok());
        assert_eq!(reopened.len(), head.seq + 1);
    }
}

#[test]
fn the_first_frames_of_an_unfinished_batch_are_not_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    build(dir.path(), 10);
    // Unset the batch-end flag of the last event (the last of a batch of three) and cut the log
    // there: the batch was not finished, so none of its three events may survive.
    let (frames, mut file) = common::log_frames(dir.path());
    let last = frames.last().expect("frames").0;
    let flags = common::flags_at(&file, last);
    common::set_flags(&mut file, last, flags & !common::BATCH_END);
    std::fs::write(dir.path().join("events.log"), &file).expect("write");
    // The saved index and the tree must not already know these events, as after a crash before
    // they were durable (both are written only once they are).
    std::fs::remove_file(dir.path().join("index.bin")).expect("remove the saved index");
    std::fs::remove_file(dir.path().join("tree.bin")).expect("remove the tree");

    let ledger = Ledger::open(dir.path()).expect("open");
    assert_eq!(ledger.len(), 7, "the unfinished batch of three is gone");
    assert!(ledger.torn_tail().is_some());
    assert!(ledger.verify().expect("verify").ok());
}

#[test]
fn a_removed_index_is_rebuilt_from_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let head = build(dir.path(), 30);
    let before = {
        let ledger = Ledger::open(dir.path()).expect("open");
        let events = common::whole_log(&ledger);
        let streams = ledger.streams();
        ledger.close().expect("close");
        (events, streams)
    };
    std::fs::remove_file(dir.path().join("index.bin")).expect("remove the saved index");

    let ledger = Ledger::open(dir.path()).expect("open");
    assert_eq!(ledger.head().expect("head"), head);
    assert_eq!(common::whole_log(&ledger), before.0);
    assert_eq!(ledger.streams(), before.1);
    for event in &before.0 {
        assert_eq!(
            ledger.get_by_id(event.id).expect("by id").as_ref(),
            Some(event)
        );
    }
    let stream = common::stream(1);
    let by_stream = ledger.read_stream(&stream, 0, 100).expect("stream");
    assert_eq!(
        by_stream.len() as u64,
        ledger.stream_version(&stream),
        "every event of the stream is indexed"
    );
    assert!(ledger.verify().expect("verify").ok());
    assert!(ledger.torn_tail().is_none());
}

/// A closed ledger of `n` single appends with its saved index removed, so that `tree.bin` is
/// the only file beside the log that knows how many events were made durable.
fn single_appends_without_index(dir: &Path, n: u64) {
    let ledger = Ledger::open(dir).expect("open");
    for i in 0..n {
        ledger
            .append(common::progress((i % 3) as usize, 1))
            .expect("append");
    }
    ledger.close().expect("close");
    drop(ledger);
    std::fs::remove_file(dir.join("index.bin")).expect("remove the saved index");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The log cut after any of its events, or removed, while `tree.bin` holds the leaves of
    /// all of them (it is written only once they are durable): the ledger opens damaged at the
    /// first missing event, naming the loss, refuses appends, and leaves `tree.bin` and what
    /// is left of the log as they were, on every opening.
    #[test]
    fn a_log_that_lost_events_the_tree_holds_opens_damaged(
        n in 1u64..40,
        cut in 0u64..40,
        removed in any::<bool>(),
    ) {
        // Removed: nothing of the log is left.
        let cut = if removed { 0 } else { cut % n };
        let dir = tempfile::tempdir().expect("temp dir");
        single_appends_without_index(dir.path(), n);
        let tree = std::fs::read(dir.path().join("tree.bin")).expect("tree.bin");
        let log_path = dir.path().join("events.log");
        if removed {
            std::fs::remove_file(&log_path).expect("remove the log");
            // Read-only (as `progress-ledger verify` opens it): refused, saying what is missing,
            // and nothing is created.
            match Ledger::open_read_only(dir.path()) {
                Err(e) => prop_assert!(e.to_string().contains("has no events.log"), "{}", e),
                Ok(_) => prop_assert!(false, "a ledger without its log opened read-only"),
            }
            prop_assert!(!log_path.exists());
        } else {
            let (frames, file) = common::log_frames(dir.path());
            std::fs::write(&log_path, &file[..frames[cut as usize].0]).expect("cut the log");
        }
        let lost = Problem {
            seq: cut + 1,
            kind: ProblemKind::LostEvents { leaves: n },
        };
        for _ in 0..2 {
            let log = std::fs::read(&log_path).ok();
            let ledger = Ledger::open(dir.path()).expect("opens, damaged");
            prop_assert_eq!(ledger.len(), cut);
            prop_assert_eq!(ledger.verify().expect("verify").problem, Some(lost.clone()));
            let refusal = ledger.refusal().unwrap_or_default();
            prop_assert!(refusal.contains(&format!("Merkle leaves of {n} events")), "{}", refusal);
            prop_assert!(ledger.append(common::progress(0, 1)).is_err());
            ledger.close().expect("close");
            drop(ledger);
            prop_assert_eq!(&std::fs::read(dir.path().join("tree.bin")).expect("tree.bin"), &tree);
            if let Some(log) = log {
                prop_assert_eq!(std::fs::read(&log_path).expect("the log"), log);
            }
        }
    }
}

#[test]
fn a_damaged_last_flush_that_tree_bin_holds_is_set_aside_and_named_as_lost() {
    // The last flush's bytes damaged after it was durable (a bad sector, not a crash): nothing
    // in the log says they were durable, so they are set aside as a torn tail; but tree.bin
    // holds their leaves, so the opening also says that durable events were lost.
    let dir = tempfile::tempdir().expect("temp dir");
    single_appends_without_index(dir.path(), 12);
    let (frames, mut file) = common::log_frames(dir.path());
    let (last, _) = *frames.last().expect("frames");
    file[last + common::FRAME_HEADER + 3] ^= 0x40;
    std::fs::write(dir.path().join("events.log"), &file).expect("damage the last frame");

    let ledger = Ledger::open(dir.path()).expect("opens, damaged");
    assert_eq!(ledger.len(), 11);
    assert!(
        ledger.torn_tail().is_some(),
        "the damaged frame is set aside"
    );
    assert_eq!(
        ledger.verify().expect("verify").problem,
        Some(Problem {
            seq: 12,
            kind: ProblemKind::LostEvents { leaves: 12 },
        })
    );
    assert!(ledger.append(common::progress(0, 1)).is_err());
}

/// What a ledger answers through its index: every event, by seq and by id, and every stream's
/// version and events, whole and from the middle.
fn answers(ledger: &Ledger) -> Vec<String> {
    let events = common::whole_log(ledger);
    let mut out = vec![format!("{:?}", ledger.streams())];
    for event in &events {
        let by_id = ledger.get_by_id(event.id).expect("by id");
        out.push(format!("{:?} {:?}", event.seq, by_id.map(|e| e.seq)));
    }
    for (stream, version) in ledger.streams() {
        let whole = ledger.read_stream(&stream, 0, usize::MAX).expect("stream");
        let half = ledger.read_stream(&stream, version / 2, 7).expect("stream");
        let after = ledger
            .read_stream_after(&stream, events.len() as u64 / 2, 5)
            .expect("stream after");
        let seqs = |events: Vec<progress_ledger::Event>| -> Vec<u64> {
            events.iter().map(|e| e.seq).collect()
        };
        out.push(format!(
            "{stream:?} {version} {:?} {:?} {:?}",
            seqs(whole),
            seqs(half),
            seqs(after)
        ));
    }
    out
}

#[test]
fn a_damaged_cut_or_stale_index_is_not_used_and_the_answers_stay_right() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index.bin");
    // Enough events for several blocks of each section of the saved index.
    let append = |n: usize| {
        let ledger = Ledger::open(dir.path()).expect("open");
        for chunk in 0..n / 100 {
            let batch = (0..100)
                .map(|i| common::progress((chunk + i) % 3, 1))
                .collect();
            ledger.append_batch(batch).expect("batch");
        }
        ledger.close().expect("close");
    };
    append(300);
    let stale = std::fs::read(&path).expect("the saved index");
    append(500);
    let saved = std::fs::read(&path).expect("the saved index");
    let expected = {
        let ledger = Ledger::open(dir.path()).expect("open");
        answers(&ledger)
    };
    assert_eq!(
        std::fs::read(&path).expect("index"),
        saved,
        "not saved again"
    );

    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    // A flipped byte in every block, in the header and in the footer.
    let mut at = 9;
    while at < saved.len() {
        let mut damaged = saved.clone();
        damaged[at] ^= 0x10;
        cases.push((format!("byte {at} flipped"), damaged));
        at += 4096;
    }
    for from_end in [1, 10, 15, 25, 200] {
        let mut damaged = saved.clone();
        let at = saved.len() - from_end;
        damaged[at] ^= 0x01;
        cases.push((format!("byte {at} flipped"), damaged));
    }
    for len in [0, 100, 4096, saved.len() / 2, saved.len() - 1] {
        cases.push((format!("cut to {len} bytes"), saved[..len].to_vec()));
    }
    cases.push(("the index of 300 events".into(), stale));
    for (case, bytes) in cases {
        std::fs::write(&path, &bytes).expect("write the index");
        let ledger = Ledger::open(dir.path()).expect("open");
        assert!(!ledger.refuses_writes(), "{case}: opens writable");
        assert_eq!(answers(&ledger), expected, "{case}: the same answers");
        ledger.close().expect("close");
    }
}

#[test]
fn a_whole_frame_after_the_saved_index_that_breaks_the_chain_is_damage() {
    for rule in common::Rule::ALL {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path(), 10);
        // The saved index covers 10 events; three more are appended after it, as if the
        // process had stopped before saving it again.
        let saved = std::fs::read(dir.path().join("index.bin")).expect("read the index");
        let events = {
            let ledger = Ledger::open(dir.path()).expect("open");
            for n in 0..3 {
                ledger.append(common::progress(n, 5)).expect("append");
            }
            let events = common::whole_log(&ledger);
            ledger.close().expect("close");
            events
        };
        std::fs::write(dir.path().join("index.bin"), saved).expect("restore the index");
        // The first event after the saved index breaks the rule: its stream version is checked
        // against the index, its recorded-at against the event the index ends with.
        let broken = rule.break_at(&events, 10);
        let (frames, mut file) = common::log_frames(dir.path());
        let (at, _) = frames[10];
        file.truncate(at);
        for event in &broken[10..] {
            file.extend(common::frame(&common::stored(event), common::BATCH_END));
        }
        std::fs::write(dir.path().join("events.log"), file).expect("write the log");

        // The frame is whole (its checksum matches): no crash cut it short, so it is damage.
        let ledger = Ledger::open(dir.path()).expect("open");
        assert_eq!(ledger.len(), 10, "{rule:?}: the event is not indexed");
        assert!(
            ledger.torn_tail().is_none(),
            "{rule:?}: nothing is set aside"
        );
        let problem = ledger.verify().expect("verify").problem.expect("a problem");
        assert_eq!(problem.seq, 11, "{rule:?}");
        assert!(rule.reported_as(&problem.kind), "{rule:?}: {problem}");
        let refused = ledger.append(common::progress(0, 1));
        assert!(
            matches!(refused, Err(progress_ledger::Error::Damaged(_))),
            "{rule:?}: {refused:?}"
        );
    }
}

/// Writes a layout-1 ledger (sled tree `ledger`, keys `L` ‖ seq, in the directory itself) with
/// the stored events `events`.
fn write_layout_1(dir: &Path, events: &[Vec<u8>]) {
    let db = sled::Config::new().path(dir).open().expect("open sled");
    let tree = db.open_tree("ledger").expect("tree");
    for (i, stored) in events.iter().enumerate() {
        let mut key = vec![b'L'];
        key.extend_from_slice(&(i as u64 + 1).to_be_bytes());
        tree.insert(key, stored.clone()).expect("insert");
    }
    db.flush().expect("flush");
}

/// The stored bytes of every event of a closed ledger.
fn stored_events(dir: &Path) -> Vec<Vec<u8>> {
    common::log_frames(dir)
        .0
        .into_iter()
        .map(|(_, stored)| stored)
        .collect()
}

#[test]
fn a_layout_1_ledger_is_migrated() {
    let source = tempfile::tempdir().expect("temp dir");
    let head = build(source.path(), 12);
    let events = stored_events(source.path());
    let expected = {
        let ledger = Ledger::open(source.path()).expect("open");
        common::whole_log(&ledger)
    };

    let old = tempfile::tempdir().expect("temp dir");
    write_layout_1(old.path(), &events);
    let ledger = Ledger::open(old.path()).expect("migrate and open");
    assert_eq!(ledger.head().expect("head"), head);
    assert_eq!(common::whole_log(&ledger), expected);
    assert!(ledger.verify().expect("verify").ok());
    assert!(old.path().join("layout-1").join("db").is_file());
    ledger.append(common::progress(0, 1)).expect("append");
}

#[test]
fn a_layout_1_ledger_that_breaks_the_chain_is_not_migrated() {
    let source = tempfile::tempdir().expect("temp dir");
    build(source.path(), 12);
    let events = {
        let ledger = Ledger::open(source.path()).expect("open");
        common::whole_log(&ledger)
    };
    for rule in common::Rule::ALL {
        let broken = rule.break_at(&events, 4);
        let old = tempfile::tempdir().expect("temp dir");
        write_layout_1(
            old.path(),
            &broken.iter().map(common::stored).collect::<Vec<_>>(),
        );
        let error = Ledger::open(old.path()).expect_err("a broken chain is refused");
        let message = error.to_string();
        assert!(message.contains("at seq 5"), "{rule:?}: {message}");
        assert!(message.contains(rule.words()), "{rule:?}: {message}");
        assert!(!old.path().join("events.log").exists());
        assert!(!old.path().join("events.log.migrating").exists());
    }
}
