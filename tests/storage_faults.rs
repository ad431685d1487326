//! Whatever the disk does, no acknowledged event is lost, no refused event comes back, and no
//! event is written twice: random schedules of appends, batches, retries, appends refused by a
//! check, injected faults (a write, a sync, the log's growth or a saved index failing with EIO
//! or ENOSPC), power losses, SIGKILL-like stops and clean reopenings, each checked against a
//! model of what the ledger promised.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use progress_ledger::io::faults::{Failure, FaultyFiles, Op};
use progress_ledger::{Error, Hash, Ledger, LedgerConfig, NewEvent};
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Clone, Debug)]
enum Step {
    Append {
        stream: usize,
    },
    Batch {
        size: usize,
    },
    /// A batch written but never waited for (never acknowledged).
    Unwaited {
        size: usize,
    },
    /// Retries an earlier event with its id: one whose outcome is unknown, or an acknowledged one.
    Retry {
        pick: usize,
    },
    /// An append the ledger refuses by a check (a version conflict): nothing is written.
    Refused,
    Fault {
        op: Op,
        after: u64,
        failure: Failure,
    },
    PowerLoss {
        seed: u64,
    },
    Kill,
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let op = prop_oneof![
        Just(Op::Write),
        Just(Op::Sync),
        Just(Op::Grow),
        Just(Op::Replace)
    ];
    let failure = prop_oneof![Just(Failure::Io), Just(Failure::NoSpace)];
    prop_oneof![
        6 => (0..3usize).prop_map(|stream| Step::Append { stream }),
        3 => (1..6usize).prop_map(|size| Step::Batch { size }),
        1 => (1..4usize).prop_map(|size| Step::Unwaited { size }),
        2 => any::<usize>().prop_map(|pick| Step::Retry { pick }),
        1 => Just(Step::Refused),
        3 => (op, 0..3u64, failure).prop_map(|(op, after, failure)| Step::Fault { op, after, failure }),
        1 => any::<u64>().prop_map(|seed| Step::PowerLoss { seed }),
        1 => Just(Step::Kill),
        1 => Just(Step::Reopen),
    ]
}

/// What the ledger promised so far.
#[derive(Default)]
struct Model {
    /// Acknowledged events: seq → (id, hash).
    acked: HashMap<u64, (Uuid, Hash)>,
    /// Every event appended, by id, to retry it.
    sent: HashMap<Uuid, NewEvent>,
    /// Events whose outcome was reported unknown and not settled since.
    unknown: Vec<Uuid>,
    /// Events refused with nothing written.
    refused: HashSet<Uuid>,
    /// Counter for unique notes (so that no two events have the same content).
    next: u64,
}

impl Model {
    fn event(&mut self, stream: usize) -> NewEvent {
        self.next += 1;
        let new = common::progress(stream, 1)
            .with_id(Uuid::new_v4())
            .with_note(format!("{}", self.next));
        self.sent.insert(new.id.unwrap_or_default(), new.clone());
        new
    }

    /// Takes in the outcome of appending `batch`.
    fn outcome(
        &mut self,
        batch: &[NewEvent],
        result: Result<Vec<progress_ledger::Appended>, Error>,
    ) {
        let ids = batch.iter().filter_map(|e| e.id);
        match result {
            Ok(appended) => {
                for a in appended {
                    let known = self.acked.insert(a.event.seq, (a.event.id, a.event.hash));
                    assert!(
                        known.is_none_or(|k| k == (a.event.id, a.event.hash)),
                        "seq {} acknowledged for two events",
                        a.event.seq
                    );
                    self.unknown.retain(|id| *id != a.event.id);
                }
            }
            Err(Error::OutcomeUnknown { .. } | Error::Io(_)) => self.unknown.extend(ids),
            Err(Error::Poisoned { .. } | Error::VersionConflict { .. }) => {
                // Refused, nothing written: unless it was sent before and may be there already.
                for id in ids {
                    if !self.unknown.contains(&id)
                        && !self.acked.values().any(|(acked, _)| *acked == id)
                    {
                        self.refused.insert(id);
                    }
                }
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
}

fn open(dir: &Path, files: &FaultyFiles) -> Ledger {
    let mut config = LedgerConfig::new(dir);
    config.files = Arc::new(files.clone());
    match Ledger::open_with(config) {
        Ok(ledger) => ledger,
        Err(e) => panic!("the ledger opens after any fault: {e}"),
    }
}

/// Reopens after a stop and checks every promise against the log.
fn reopen_and_check(dir: &Path, files: &FaultyFiles, model: &Model) -> Ledger {
    files.restart();
    let ledger = open(dir, files);
    assert_eq!(ledger.refusal(), None, "a crash alone never makes damage");
    let report = ledger.verify().expect("verify runs");
    assert!(report.ok(), "verify after reopening: {:?}", report.problem);
    let log = common::whole_log(&ledger);
    let mut ids = HashSet::new();
    for event in &log {
        assert!(
            ids.insert(event.id),
            "event {} is in the log twice",
            event.id
        );
        assert!(
            !model.refused.contains(&event.id),
            "seq {}: an event that was refused came back",
            event.seq
        );
    }
    for (seq, (id, hash)) in &model.acked {
        let event = log
            .get(*seq as usize - 1)
            .unwrap_or_else(|| panic!("acknowledged seq {seq} lost (log has {})", log.len()));
        assert_eq!((event.id, event.hash), (*id, *hash), "seq {seq} changed");
    }
    ledger
}

fn run(steps: Vec<Step>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = FaultyFiles::new();
    let mut model = Model::default();
    let mut ledger = Some(open(dir.path(), &files));
    for step in steps {
        let Some(current) = ledger.as_ref() else {
            unreachable!("a ledger is always open between steps")
        };
        match step {
            Step::Append { stream } => {
                let new = model.event(stream);
                let result = current.append(new.clone()).map(|a| vec![a]);
                model.outcome(&[new], result);
            }
            Step::Batch { size } => {
                let batch: Vec<NewEvent> = (0..size).map(|i| model.event(i % 3)).collect();
                let result = current.append_batch(batch.clone());
                model.outcome(&batch, result);
            }
            Step::Unwaited { size } => {
                let batch: Vec<NewEvent> = (0..size).map(|i| model.event(i % 3)).collect();
                match current.write_batch(batch.clone()) {
                    Ok(pending) => {
                        drop(pending);
                        model.unknown.extend(batch.iter().filter_map(|e| e.id));
                    }
                    Err(error) => model.outcome(&batch, Err(error)),
                }
            }
            Step::Retry { pick } => {
                let candidates: Vec<Uuid> = model
                    .unknown
                    .iter()
                    .copied()
                    .chain(model.acked.values().map(|(id, _)| *id))
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let id = candidates[pick % candidates.len()];
                let new = model.sent[&id].clone();
                let was_acked = model.acked.values().any(|(acked, _)| *acked == id);
                let result = current.append(new.clone());
                if let (Ok(retried), true) = (&result, was_acked) {
                    assert!(retried.already_recorded, "a retry of an acknowledged event");
                }
                model.outcome(&[new], result.map(|a| vec![a]));
            }
            Step::Refused => {
                let new = model.event(0).expecting_version(1_000_000);
                let result = current.append(new.clone()).map(|a| vec![a]);
                assert!(result.is_err(), "a version conflict is refused");
                model.outcome(&[new], result);
            }
            Step::Fault { op, after, failure } => files.fail(op, after, failure),
            Step::PowerLoss { seed } => {
                files.power_loss(seed).expect("the files are rewritten");
                drop(ledger.take());
                ledger = Some(reopen_and_check(dir.path(), &files, &model));
            }
            Step::Kill => {
                files.kill();
                drop(ledger.take());
                ledger = Some(reopen_and_check(dir.path(), &files, &model));
            }
            Step::Reopen => {
                // A clean close may fail if a fault is planned; reopening checks the outcome.
                let _ = current.close();
                drop(ledger.take());
                ledger = Some(reopen_and_check(dir.path(), &files, &model));
            }
        }
    }
    files.kill();
    drop(ledger);
    reopen_and_check(dir.path(), &files, &model);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_acknowledged_event_is_lost_and_no_refused_one_comes_back(
        steps in prop::collection::vec(step(), 1..40)
    ) {
        run(steps);
    }
}

#[test]
fn a_failed_sync_is_final_and_not_retried() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = FaultyFiles::new();
    let ledger = open(dir.path(), &files);
    let first = ledger.append(common::progress(0, 1)).expect("append");
    files.fail(Op::Sync, 0, Failure::Io);
    let unknown = common::progress(0, 2).with_id(Uuid::new_v4());
    assert!(
        matches!(
            ledger.append(unknown.clone()),
            Err(Error::OutcomeUnknown { .. })
        ),
        "the append whose sync failed"
    );
    // No sync after the failed one: the next append is refused with nothing written.
    let refused = common::progress(0, 3).with_id(Uuid::new_v4());
    assert!(matches!(
        ledger.append(refused.clone()),
        Err(Error::Poisoned { .. })
    ));
    assert_eq!(files.fired(), vec![(Op::Sync, Failure::Io)]);
    assert!(ledger.refusal().is_some_and(|r| r.contains("sync")));
    assert_eq!(
        ledger.len(),
        first.event.seq,
        "readers see only durable events"
    );
    drop(ledger);

    // Reopened: the unknown one is there or not; a retry settles it, once.
    let model = Model::default();
    let reopened = reopen_and_check(dir.path(), &files, &model);
    assert!(
        !reopened
            .contains_id(refused.id.unwrap_or_default())
            .expect("lookup")
    );
    let retried = reopened.append(unknown.clone()).expect("retry");
    let again = reopened.append(unknown).expect("retry again");
    assert!(again.already_recorded);
    assert_eq!(again.event.seq, retried.event.seq);
}

#[test]
fn a_write_that_fails_leaves_nothing_a_later_flush_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = FaultyFiles::new();
    let ledger = open(dir.path(), &files);
    ledger.append(common::progress(0, 1)).expect("append");
    files.fail(Op::Write, 0, Failure::NoSpace);
    let failed = common::progress(1, 7).with_id(Uuid::new_v4());
    assert!(matches!(
        ledger.append(failed.clone()),
        Err(Error::OutcomeUnknown { .. })
    ));
    // The frames of the failed write are gone from the buffer: closing writes nothing.
    let _ = ledger.close();
    drop(ledger);
    let reopened = reopen_and_check(dir.path(), &files, &Model::default());
    assert_eq!(reopened.len(), 1);
    assert!(
        !reopened
            .contains_id(failed.id.unwrap_or_default())
            .expect("lookup")
    );
}

/// Waits up to ten seconds for `files` to hold `count` index saves.
fn wait_for_held_saves(files: &FaultyFiles, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while files.replaces_waiting() != count {
        assert!(
            std::time::Instant::now() < deadline,
            "{} index saves held, expected {count}",
            files.replaces_waiting()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Releases the held index saves from another thread after a moment; `released` is set just
/// before.
fn release_later(files: &FaultyFiles) -> (std::thread::JoinHandle<()>, Arc<AtomicBool>) {
    let released = Arc::new(AtomicBool::new(false));
    let releaser = std::thread::spawn({
        let (files, released) = (files.clone(), Arc::clone(&released));
        move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            released.store(true, Ordering::SeqCst);
            files.release_replaces();
        }
    });
    (releaser, released)
}

#[test]
fn appends_go_on_while_the_index_is_saved_and_closing_or_dropping_waits_for_the_save() {
    for close in [true, false] {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = FaultyFiles::new();
        let mut config = LedgerConfig::new(dir.path());
        config.files = Arc::new(files.clone());
        config.save_index_every = 10;
        let ledger = Ledger::open_with(config).expect("open");
        files.hold_replaces();
        // Appended on a thread, so that appends waiting for the save fail the test rather
        // than hang it. The tenth event's flush starts a save of the index, which is held.
        let (done, appended) = std::sync::mpsc::channel();
        let appender = std::thread::spawn({
            let ledger = ledger.clone();
            move || {
                for delta in 1..=40 {
                    ledger.append(common::progress(0, delta)).expect("append");
                }
                let _ = done.send(());
            }
        });
        appended
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the appends do not wait for the held save of the index");
        appender.join().expect("appender");
        wait_for_held_saves(&files, 1);
        assert_eq!(ledger.len(), 40);

        let (releaser, released) = release_later(&files);
        if close {
            ledger.close().expect("close");
        } else {
            drop(ledger.clone());
        }
        let closed_or_dropped = released.load(Ordering::SeqCst);
        drop(ledger);
        assert!(!close || closed_or_dropped, "closing waits for the save");
        assert!(
            released.load(Ordering::SeqCst),
            "dropping the last handle waits for the save"
        );
        releaser.join().expect("releaser");

        let reopened = Ledger::open(dir.path()).expect("reopen");
        assert_eq!(reopened.len(), 40);
        assert!(reopened.verify().expect("verify").ok());
        drop(reopened);
    }
}
