//! Projection snapshots as a chain of parts: each part holds only what came after the one
//! before it, a reopened tracker starts from the chain and equals a rebuild (corrections of
//! updates from earlier parts included), snapshots of an older format are replaced in place when
//! a tracker opens the ledger, snapshots of another history are never used, a damaged snapshot
//! file is neither used nor kept, snapshots past the end of a restored log are passed over, a
//! snapshot that cannot be stored fails no append and is reported, the snapshots an earlier
//! build kept in sled move to files, and closing stores a part at the head.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::update;
use jiff::civil::date;
use progress_ledger::projection::Projection;
use progress_ledger::projection::snapshot_base;
use progress_ledger::{Ledger, Payload, Tracker, TrackerConfig};
use rust_decimal::Decimal;

const DISTRICTS: [&str; 3] = ["瑶海区", "庐阳区", "蜀山区"];

fn open(path: &Path, snapshot_every: u64) -> Tracker {
    let mut config = TrackerConfig::new(path);
    config.snapshot_every = snapshot_every;
    open_with(config)
}

/// Opens like [`open`], and returns the calls of the rebuild progress callback as well.
fn open_reporting(path: &Path, snapshot_every: u64) -> (Tracker, Vec<(u64, u64)>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut config = TrackerConfig::new(path);
    config.snapshot_every = snapshot_every;
    let seen = Arc::clone(&calls);
    config.rebuild_progress = Some(Arc::new(move |done, total| {
        seen.lock().expect("calls").push((done, total));
    }));
    let tracker = open_with(config);
    let calls = calls.lock().expect("calls").clone();
    (tracker, calls)
}

fn open_with(config: TrackerConfig) -> Tracker {
    // A just-closed handle may hold the file lock for a moment.
    let started = Instant::now();
    loop {
        match Tracker::open_with(config.clone()) {
            Ok(tracker) => return tracker,
            Err(e) if started.elapsed() > Duration::from_secs(10) => panic!("open: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Records `n` updates of seats, by district; every seventh is a correction of an update a
/// third of the way back (often one from a part before the last), half of them with a
/// replacement.
fn record(tracker: &Tracker, n: usize) {
    // Updates not corrected yet.
    let mut correctable = Vec::new();
    for i in 0..n {
        let day = date(2023, 3, 1 + (i % 28) as i8);
        let payload = if i % 7 == 6 {
            Payload::Corrected {
                corrects: correctable.remove(correctable.len() / 3),
                reason: "typo".into(),
                replacement: (i % 2 == 0).then(|| {
                    Box::new(Payload::ProgressReported {
                        delta: Decimal::new(i as i64, 1),
                        district: None,
                    })
                }),
            }
        } else {
            Payload::ProgressReported {
                delta: Decimal::new(i as i64 * 7, 2),
                district: (i % 4 != 0).then(|| DISTRICTS[i % 3].to_owned()),
            }
        };
        let appended = tracker
            .record(update("seats", day, payload))
            .expect("record");
        // A correction without a replacement leaves no update to correct.
        if i % 7 != 6 || i % 2 == 0 {
            correctable.push(appended.event.id);
        }
    }
}

fn stored_parts(ledger: &Ledger) -> Vec<(u64, Vec<u8>)> {
    ledger
        .snapshot_seqs()
        .expect("seqs")
        .into_iter()
        .map(|seq| {
            let (found, bytes) = ledger
                .snapshot_at_or_before(seq)
                .expect("read")
                .expect("stored");
            assert_eq!(found, seq);
            (seq, bytes)
        })
        .collect()
}

/// A tracker at `path` (a snapshot every 10 events) with the small plan and `n` updates.
fn with_updates(path: &Path, n: usize) -> Tracker {
    let tracker = open(path, 10);
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    record(&tracker, n);
    tracker
}

/// Every event of `ledger` folded into a projection that keeps its own index of update ids:
/// the reference the tracker's projection (without ids, finding a correction's update through
/// the ledger) must equal.
fn folded_with_ids(ledger: &Ledger) -> Projection {
    let mut projection = Projection::default();
    for event in ledger.events_from(1) {
        projection.apply(&event.expect("read"));
    }
    assert!(projection.keeps_ids());
    projection
}

#[test]
fn each_part_is_based_on_the_one_before_and_a_reopened_tracker_equals_a_rebuild() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = with_updates(dir.path(), 95);
    let live = tracker.live_projection();
    assert!(!live.keeps_ids());
    assert_eq!(live, tracker.rebuild().expect("rebuild"));
    assert_eq!(live, folded_with_ids(tracker.ledger()));

    let parts = stored_parts(tracker.ledger());
    assert!(parts.len() >= 9, "{} parts", parts.len());
    let mut previous = 0;
    for (seq, bytes) in &parts {
        assert_eq!(snapshot_base(&bytes[1..]), Some(previous), "part at {seq}");
        previous = *seq;
    }
    // A part holds the updates of its interval only: the last is no bigger than the first
    // (which holds the plan's definitions and the first updates) by more than its catalog.
    let sizes: Vec<usize> = parts.iter().map(|(_, b)| b.len()).collect();
    assert!(
        sizes.iter().all(|&s| s < sizes[0] + 600),
        "part sizes {sizes:?}"
    );

    tracker.ledger().close().expect("close");
    drop(tracker);
    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    assert!(
        rebuilt.is_empty(),
        "no rebuild from a snapshot: {rebuilt:?}"
    );
    assert_eq!(reopened.live_projection(), live);
    let (at_head, folded) = reopened
        .projection_at(reopened.ledger().len())
        .expect("replay");
    assert_eq!(at_head, live);
    assert!(folded < 10, "folded {folded}");

    // Corrections of updates from the first parts, folded onto the projection the chain gave:
    // each finds its update by the version of the event it names.
    let stream = progress_ledger::StreamId::indicator("seats").expect("stream");
    let early = reopened.ledger().read_stream(&stream, 0, 30).expect("read");
    let mut voided = 0;
    for event in early
        .iter()
        .filter(|e| matches!(e.payload, Payload::ProgressReported { .. }))
    {
        let correction = Payload::Corrected {
            corrects: event.id,
            reason: "recounted".into(),
            replacement: None,
        };
        match reopened.record(update("seats", date(2023, 3, 2), correction)) {
            Ok(_) => voided += 1,
            Err(error) => assert!(error.to_string().contains("already corrected"), "{error}"),
        }
    }
    assert!(voided >= 5, "{voided} corrections recorded");
    let live = reopened.live_projection();
    assert_eq!(live, folded_with_ids(reopened.ledger()));
    assert_eq!(live, reopened.rebuild().expect("rebuild"));
}

#[test]
fn snapshots_of_an_older_format_are_replaced_in_place_on_opening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = with_updates(dir.path(), 60);
    let live = tracker.live_projection();
    let seqs = tracker.ledger().snapshot_seqs().expect("seqs");
    // What an older version left: snapshots of format 2, unreadable now.
    for &seq in &seqs {
        tracker
            .ledger()
            .put_snapshot(seq, &[2, 0, 1, 2, 3])
            .expect("put");
    }
    assert_eq!(tracker.projection_at(seqs[2]).expect("replay").1, seqs[2]);
    tracker.ledger().close().expect("close");
    drop(tracker);

    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    let head = reopened.ledger().len();
    assert_eq!(rebuilt, vec![(head, head)], "the rebuild reports its end");
    assert_eq!(reopened.live_projection(), live);
    assert_eq!(
        reopened.live_projection(),
        reopened.rebuild().expect("rebuild")
    );
    let parts = stored_parts(reopened.ledger());
    assert_eq!(
        parts.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        seqs,
        "the same starting points"
    );
    for (seq, bytes) in parts {
        assert_ne!(bytes.first(), Some(&2), "part at {seq} rewritten");
        let (at, folded) = reopened.projection_at(seq).expect("replay");
        assert_eq!(folded, 0, "replay to {seq} starts at its part");
        assert_eq!(at.seq(), seq);
    }
}

#[test]
fn snapshots_of_another_history_are_not_used() {
    // Two ledgers of the same length whose histories differ from the first update on.
    let (ours, theirs) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    for (dir, shift) in [(&ours, 0), (&theirs, 3)] {
        let tracker = open(dir.path(), 10);
        tracker
            .load_plan(&common::small_plan(), "loader")
            .expect("load");
        for i in 0..40 {
            let payload = Payload::ProgressReported {
                delta: Decimal::from(i + shift),
                district: None,
            };
            tracker
                .record(update("seats", date(2023, 3, 1), payload))
                .expect("record");
        }
        tracker.ledger().close().expect("close");
    }
    // Their snapshots (and tally checkpoints) put beside our log, as a restore from mixed
    // backups would.
    for name in ["snapshot-parts", "snapshots"] {
        std::fs::remove_dir_all(ours.path().join(name)).expect("remove");
        std::fs::rename(theirs.path().join(name), ours.path().join(name)).expect("move");
    }

    let tracker = open(ours.path(), 10);
    assert_eq!(
        tracker.live_projection(),
        tracker.rebuild().expect("rebuild"),
        "the live projection is our log's, not their snapshots'"
    );
    let (at, folded) = tracker.projection_at(30).expect("replay");
    assert_eq!(at.seq(), 30);
    assert_eq!(
        at.head(),
        tracker
            .ledger()
            .get(30)
            .expect("read")
            .expect("event")
            .head()
    );
    assert_eq!(
        folded, 0,
        "their parts were rewritten from our log on opening"
    );
}

/// The snapshot files of the ledger at `path`, oldest first.
fn part_files(path: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(path.join("snapshot-parts"))
        .expect("snapshot files")
        .map(|entry| entry.expect("entry").path())
        .filter(|file| file.extension().is_some_and(|e| e == "part"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_damaged_snapshot_file_is_not_used_and_is_written_again_and_a_partial_one_is_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = with_updates(dir.path(), 60);
    let live = tracker.live_projection();
    let seqs = tracker.ledger().snapshot_seqs().expect("seqs");
    tracker.ledger().close().expect("close");
    drop(tracker);

    let files = part_files(dir.path());
    assert_eq!(files.len(), seqs.len());
    // One byte flipped in the updates of one part, another part cut short.
    let flipped = &files[files.len() / 2];
    let mut bytes = std::fs::read(flipped).expect("read");
    let at = bytes.len() - 10;
    bytes[at] ^= 0x20;
    std::fs::write(flipped, &bytes).expect("write");
    let cut = files.last().expect("a part");
    let bytes = std::fs::read(cut).expect("read");
    std::fs::write(cut, &bytes[..bytes.len() - 3]).expect("write");
    // What a crash while writing one leaves.
    let partial = cut.with_extension("partial");
    std::fs::write(&partial, &bytes[..100]).expect("write");

    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    let head = reopened.ledger().len();
    assert_eq!(rebuilt, vec![(head, head)], "rebuilt from the log");
    assert!(!partial.exists(), "a partly written file is removed");
    assert_eq!(reopened.live_projection(), live);
    // Both were written again from the log, each where it was.
    let parts = stored_parts(reopened.ledger());
    assert_eq!(parts.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), seqs);
    for (seq, bytes) in parts {
        assert!(!bytes.is_empty(), "part at {seq} readable");
        assert_eq!(reopened.projection_at(seq).expect("replay").1, 0);
    }
}

#[test]
fn snapshots_an_earlier_build_kept_in_sled_move_to_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = with_updates(dir.path(), 60);
    let live = tracker.live_projection();
    let parts = stored_parts(tracker.ledger());
    tracker.ledger().close().expect("close");
    drop(tracker);

    // As an earlier build left them: values of the sled tree `snapshots`, no files.
    std::fs::remove_dir_all(dir.path().join("snapshot-parts")).expect("remove");
    {
        let db = sled::open(dir.path().join("snapshots")).expect("sled");
        let tree = db.open_tree("snapshots").expect("tree");
        for (seq, bytes) in &parts {
            tree.insert(seq.to_be_bytes(), bytes.as_slice())
                .expect("insert");
        }
        db.flush().expect("flush");
    }

    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    assert!(
        rebuilt.is_empty(),
        "opened from the moved parts: {rebuilt:?}"
    );
    assert_eq!(reopened.live_projection(), live);
    assert_eq!(part_files(dir.path()).len(), parts.len());
    assert_eq!(stored_parts(reopened.ledger()), parts);
    reopened.ledger().close().expect("close");
    drop(reopened);
    let db = sled::open(dir.path().join("snapshots")).expect("sled");
    assert!(
        !db.tree_names()
            .iter()
            .any(|name| name == b"snapshots".as_slice()),
        "the sled tree is dropped"
    );
}

#[test]
fn snapshots_past_the_end_of_a_restored_log_are_passed_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = with_updates(dir.path(), 40);
    let then = tracker.live_projection();
    tracker.ledger().close().expect("close");
    drop(tracker);
    let log = dir.path().join("events.log");
    let backup = dir.path().join("events.log.backup");
    std::fs::copy(&log, &backup).expect("back up");

    let tracker = open(dir.path(), 10);
    record(&tracker, 30);
    tracker.ledger().close().expect("close");
    drop(tracker);
    let newest = part_files(dir.path()).pop().expect("a part");

    // The log restored from its backup; the files derived from it go with the restore, the
    // snapshots, newer than the restored log, stay.
    std::fs::copy(&backup, &log).expect("restore");
    for name in ["index.bin", "tree.bin"] {
        std::fs::remove_file(dir.path().join(name)).expect("remove");
    }
    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    assert!(
        rebuilt.is_empty(),
        "started from a snapshot within the restored log: {rebuilt:?}"
    );
    assert_eq!(reopened.live_projection(), then);
    assert!(newest.exists(), "the newer parts are kept, not used");
}

#[test]
fn a_snapshot_that_cannot_be_stored_fails_no_append_and_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracker = open(dir.path(), 10);
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    // The snapshots' directory replaced by a file: no snapshot can be written or listed.
    let parts = dir.path().join("snapshot-parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::write(&parts, b"not a directory").expect("write");

    record(&tracker, 40);
    let problem = tracker.derived_problem().expect("the failure is reported");
    assert!(problem.contains("storing a snapshot"), "{problem}");
    let live = tracker.live_projection();
    assert_eq!(live, tracker.rebuild().expect("rebuild"));
    tracker.ledger().close().expect("close");
    drop(tracker);

    // Reopened as it is: the ledger opens, replays its log, and says why.
    let (reopened, rebuilt) = open_reporting(dir.path(), 10);
    let head = reopened.ledger().len();
    assert_eq!(rebuilt, vec![(head, head)], "replayed from the log");
    assert_eq!(reopened.live_projection(), live);
    assert!(reopened.derived_problem().is_some());

    // With the directory back, the next part is stored and the problem is gone.
    std::fs::remove_file(&parts).expect("remove");
    record(&reopened, 20);
    assert_eq!(reopened.derived_problem(), None);
    assert!(!part_files(dir.path()).is_empty(), "snapshots stored again");
    assert_eq!(
        reopened.live_projection(),
        reopened.rebuild().expect("rebuild")
    );
}

#[test]
fn closing_stores_a_part_at_the_head_and_the_next_opening_starts_from_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Parts are due only every 1,000 events: without the close, the last is the plan's.
    let tracker = open(dir.path(), 1_000);
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    record(&tracker, 40);
    let head = tracker.ledger().len();
    let before = tracker.ledger().snapshot_seqs().expect("seqs");
    assert!(before.last().is_none_or(|&last| last < head), "{before:?}");
    let live = tracker.live_projection();

    tracker.close().expect("close");
    let parts = tracker.ledger().snapshot_seqs().expect("seqs");
    assert_eq!(parts.last(), Some(&head), "a part at the head: {parts:?}");
    assert_eq!(tracker.derived_problem(), None);
    // Nothing folded since: a second close stores no part.
    tracker.close().expect("close again");
    assert_eq!(tracker.ledger().snapshot_seqs().expect("seqs"), parts);
    drop(tracker);

    let reopened = open(dir.path(), 1_000);
    assert_eq!(reopened.live_projection(), live);
    assert_eq!(
        reopened.live_projection(),
        folded_with_ids(reopened.ledger())
    );
    // Appends and corrections after the reopening fold as a rebuild does.
    record(&reopened, 14);
    assert_eq!(
        reopened.live_projection(),
        folded_with_ids(reopened.ledger())
    );
}
