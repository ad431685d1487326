//! Model-based property test of the ledger: random appends, batches, idempotent retries,
//! conflicting retries, version conflicts and reopens, checked against a plain in-memory model.

mod common;

use std::collections::HashMap;

use progress_ledger::{Error, Event, Ledger, NewEvent};
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Clone, Debug)]
enum Op {
    /// Append to stream `stream`, with a fresh client id if `with_id`, expecting the right
    /// version if `expect_right`.
    Append {
        stream: usize,
        delta: i64,
        with_id: bool,
        expect_right: bool,
    },
    /// Append expecting a wrong version: must be refused.
    AppendWrongVersion { stream: usize, off_by: u64 },
    /// Append several events atomically; `poison` makes the last one a version conflict.
    Batch {
        events: Vec<(usize, i64)>,
        poison: bool,
    },
    /// Retry the `pick`-th client-id append made so far, with the same content.
    Retry { pick: usize },
    /// Reuse the `pick`-th client id with different content: must be a conflict.
    ConflictingRetry { pick: usize },
    /// Close and reopen the database.
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, 1..1000i64, any::<bool>(), any::<bool>())
            .prop_map(|(stream, delta, with_id, expect_right)| Op::Append { stream, delta, with_id, expect_right }),
        1 => (0..4usize, 1..3u64).prop_map(|(stream, off_by)| Op::AppendWrongVersion { stream, off_by }),
        2 => (prop::collection::vec((0..4usize, 1..1000i64), 1..6), prop::bool::weighted(0.2))
            .prop_map(|(events, poison)| Op::Batch { events, poison }),
        2 => any::<usize>().prop_map(|pick| Op::Retry { pick }),
        1 => any::<usize>().prop_map(|pick| Op::ConflictingRetry { pick }),
        1 => Just(Op::Reopen),
    ]
}

/// What the model expects the log to hold.
#[derive(Default)]
struct Model {
    /// (stream, delta) of each event in log order.
    log: Vec<(usize, i64)>,
    versions: HashMap<usize, u64>,
    /// Client-supplied ids with their event (stream, delta) and seq.
    client_ids: Vec<(Uuid, usize, i64, u64)>,
}

fn delta_of(event: &Event) -> i64 {
    match &event.payload {
        progress_ledger::Payload::ProgressReported { delta, .. } => {
            i64::try_from(*delta).expect("test deltas are integers")
        }
        other => panic!("unexpected payload {other:?}"),
    }
}

fn check_against_model(ledger: &Ledger, model: &Model) {
    let log = common::whole_log(ledger);
    assert_eq!(log.len(), model.log.len(), "log length");
    let mut versions: HashMap<String, u64> = HashMap::new();
    for (index, (event, (stream, delta))) in log.iter().zip(&model.log).enumerate() {
        assert_eq!(event.seq, index as u64 + 1, "gapless sequence");
        assert_eq!(event.stream, common::stream(*stream));
        assert_eq!(delta_of(event), *delta);
        let version = versions.entry(event.stream.to_string()).or_insert(0);
        *version += 1;
        assert_eq!(event.version, *version, "contiguous stream versions");
    }
    for (stream, version) in &model.versions {
        assert_eq!(ledger.stream_version(&common::stream(*stream)), *version);
    }
    let report = ledger.verify().expect("verify runs");
    assert!(report.ok(), "verify: {:?}", report.problem);
    assert_eq!(report.events, model.log.len() as u64);
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ledger = Ledger::open(dir.path()).expect("open");
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Append {
                stream,
                delta,
                with_id,
                expect_right,
            } => {
                let mut new = common::progress(stream, delta);
                let id = with_id.then(Uuid::new_v4);
                if let Some(id) = id {
                    new = new.with_id(id);
                }
                let current = model.versions.get(&stream).copied().unwrap_or(0);
                if expect_right {
                    new = new.expecting_version(current);
                }
                let appended = ledger.append(new).expect("append");
                assert!(!appended.already_recorded);
                model.log.push((stream, delta));
                model.versions.insert(stream, current + 1);
                assert_eq!(appended.event.seq, model.log.len() as u64);
                assert_eq!(appended.event.version, current + 1);
                if let Some(id) = id {
                    assert_eq!(appended.event.id, id);
                    model
                        .client_ids
                        .push((id, stream, delta, appended.event.seq));
                }
            }
            Op::AppendWrongVersion { stream, off_by } => {
                let current = model.versions.get(&stream).copied().unwrap_or(0);
                let new = common::progress(stream, 1).expecting_version(current + off_by);
                match ledger.append(new) {
                    Err(Error::VersionConflict {
                        expected, actual, ..
                    }) => {
                        assert_eq!(expected, current + off_by);
                        assert_eq!(actual, current);
                    }
                    other => panic!("expected a version conflict, got {other:?}"),
                }
            }
            Op::Batch { events, poison } => {
                let mut batch: Vec<NewEvent> = events
                    .iter()
                    .map(|(s, d)| common::progress(*s, *d))
                    .collect();
                if poison {
                    if let Some(last) = batch.last_mut() {
                        last.expected_version = Some(u64::MAX);
                    }
                    assert!(matches!(
                        ledger.append_batch(batch),
                        Err(Error::VersionConflict { .. })
                    ));
                    continue;
                }
                let appended = ledger.append_batch(batch).expect("batch");
                assert_eq!(appended.len(), events.len());
                for (a, (stream, delta)) in appended.iter().zip(events) {
                    model.log.push((stream, delta));
                    *model.versions.entry(stream).or_insert(0) += 1;
                    assert_eq!(a.event.seq, model.log.len() as u64);
                }
            }
            Op::Retry { pick } => {
                if model.client_ids.is_empty() {
                    continue;
                }
                let (id, stream, delta, seq) = model.client_ids[pick % model.client_ids.len()];
                let before = ledger.stats().events_written;
                let appended = ledger
                    .append(common::progress(stream, delta).with_id(id))
                    .expect("retry");
                assert!(appended.already_recorded);
                assert_eq!(appended.event.seq, seq);
                assert_eq!(
                    ledger.stats().events_written,
                    before,
                    "a retry writes nothing"
                );
            }
            Op::ConflictingRetry { pick } => {
                if model.client_ids.is_empty() {
                    continue;
                }
                let (id, stream, delta, seq) = model.client_ids[pick % model.client_ids.len()];
                match ledger.append(common::progress(stream, delta + 1).with_id(id)) {
                    Err(Error::IdConflict { id: found, seq: at }) => {
                        assert_eq!(found, id);
                        assert_eq!(at, seq);
                    }
                    other => panic!("expected an id conflict, got {other:?}"),
                }
            }
            Op::Reopen => {
                let before = common::whole_log(&ledger);
                drop(ledger);
                ledger = Ledger::open(dir.path()).expect("reopen");
                assert_eq!(
                    common::whole_log(&ledger),
                    before,
                    "reopen yields the same log"
                );
            }
        }
        check_against_model(&ledger, &model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ledger_matches_model(ops in prop::collection::vec(op(), 1..40)) {
        run(ops);
    }
}

#[test]
fn batch_with_a_duplicate_id_inside_is_idempotent_within_the_batch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    let id = Uuid::new_v4();
    let first = common::progress(0, 5).with_id(id);
    let appended = ledger
        .append_batch(vec![first.clone(), first])
        .expect("batch");
    assert!(!appended[0].already_recorded);
    assert!(appended[1].already_recorded);
    assert_eq!(appended[0].event, appended[1].event);
    assert_eq!(ledger.len(), 1);
}
