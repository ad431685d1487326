//! Run files (`runs/`): a stream reads the same from them as from the log, on one thread or
//! two; a run file that is damaged, foreign or cut short is never believed, and its events come
//! from the log.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use progress_ledger::projection::Scope;
use progress_ledger::{
    Event, Ledger, LedgerConfig, Payload, ProgressQuery, StreamId, Tracker, TrackerConfig,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Opens the ledger in `dir` with runs of `events_per_run` events.
fn open(dir: &Path, events_per_run: u64) -> Ledger {
    let mut config = LedgerConfig::new(dir);
    config.events_per_run = events_per_run;
    Ledger::open_with(config).expect("open")
}

/// Waits (at most 20 s) until `runs` run files are in use.
fn wait_for_runs(ledger: &Ledger, runs: u64) {
    let started = Instant::now();
    while ledger.stats().runs != runs {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} runs in use, not {runs}",
            ledger.stats().runs
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `streams` streams of `per_stream` events each, interleaved, appended in batches of 500.
fn interleaved(ledger: &Ledger, streams: usize, per_stream: usize) {
    for chunk in (0..streams * per_stream).collect::<Vec<_>>().chunks(500) {
        let batch = chunk
            .iter()
            .map(|&n| common::progress(n % streams, n as i64 + 1));
        ledger.append_batch(batch.collect()).expect("append");
    }
}

/// The seqs of `stream`'s events up to `head`, as the log holds them.
fn expected(log: &[Event], stream: &StreamId, head: u64) -> Vec<u64> {
    log.iter()
        .filter(|e| e.stream == *stream && e.seq <= head)
        .map(|e| e.seq)
        .collect()
}

/// The events of `stream` up to `head`, as [`Ledger::for_each_in_stream`] hands them over.
fn visited(ledger: &Ledger, stream: &StreamId, head: u64) -> Vec<Event> {
    let mut events = Vec::new();
    ledger
        .for_each_in_stream(stream, head, |event| {
            events.push(event);
            Ok(())
        })
        .expect("read");
    events
}

/// Asserts that `stream` up to `head` reads as the log holds it: its events, whole, in order.
fn assert_reads_as_logged(ledger: &Ledger, log: &[Event], stream: &StreamId, head: u64) {
    let read = visited(ledger, stream, head);
    assert_eq!(
        read.iter().map(|e| e.seq).collect::<Vec<_>>(),
        expected(log, stream, head)
    );
    assert!(read.iter().all(|e| log[e.seq as usize - 1] == *e));
}

/// The path of run file `number` of the ledger in `dir`.
fn run_file(dir: &Path, number: u64) -> std::path::PathBuf {
    dir.join("runs").join(format!("{number:010}.run"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever the run size, the streams and the head, a stream read through its runs is the
    /// log's events of that stream, whole and in order; pages of it too.
    #[test]
    fn a_stream_read_through_its_runs_is_the_logs(
        streams in prop::collection::vec(0usize..4, 1..120),
        events_per_run in 1u64..20,
        head_back in 0u64..30,
        after in 0u64..10,
        limit in 1usize..20,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let ledger = open(dir.path(), events_per_run);
        for n in &streams {
            ledger.append(common::progress(*n, 1)).expect("append");
        }
        let events = streams.len() as u64;
        wait_for_runs(&ledger, events / events_per_run);
        let log = common::whole_log(&ledger);
        let head = events.saturating_sub(head_back);
        for n in 0..4 {
            let stream = common::stream(n);
            let seqs = expected(&log, &stream, head);
            let read = visited(&ledger, &stream, head);
            prop_assert_eq!(read.iter().map(|e| e.seq).collect::<Vec<_>>(), seqs.clone());
            prop_assert!(read.iter().all(|e| log[e.seq as usize - 1] == *e));
            let page = ledger.read_stream(&stream, after, limit).expect("page");
            let all = expected(&log, &stream, events);
            let versions: Vec<u64> = (after + 1..=all.len() as u64).take(limit).collect();
            prop_assert_eq!(page.iter().map(|e| e.version).collect::<Vec<_>>(), versions);
            let after_seq = seqs.get(after as usize).copied().unwrap_or(0);
            let page = ledger.read_stream_after(&stream, after_seq, limit).expect("page");
            let seqs_after: Vec<u64> = all.iter().copied().filter(|&s| s > after_seq).take(limit).collect();
            prop_assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), seqs_after);
        }
        prop_assert_eq!(ledger.stats().runs_set_aside, 0);
    }
}

/// Two streams of 3,000 events, interleaved, with runs of 500 events: 12 runs.
fn long_streams_in_runs() -> (tempfile::TempDir, Vec<Event>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = open(dir.path(), 500);
    interleaved(&ledger, 2, 3_000);
    wait_for_runs(&ledger, 12);
    let log = common::whole_log(&ledger);
    drop(ledger);
    (dir, log)
}

#[test]
fn a_long_stream_reads_from_runs_on_two_threads_in_order_up_to_any_head() {
    let (dir, log) = long_streams_in_runs();
    let ledger = open(dir.path(), 500);
    assert_eq!(
        ledger.stats().runs,
        12,
        "the runs written are used after a reopen"
    );
    for n in 0..2 {
        let stream = common::stream(n);
        for head in [6_000, 5_999, 4_321, 2_500] {
            assert_reads_as_logged(&ledger, &log, &stream, head);
        }
    }
    assert_eq!(ledger.stats().runs_set_aside, 0);
}

#[test]
fn a_damaged_run_is_set_aside_its_events_come_from_the_log_and_it_is_written_again() {
    let (dir, log) = long_streams_in_runs();
    let path = run_file(dir.path(), 3);
    let sound = std::fs::read(&path).expect("run file");
    let mut damaged = sound.clone();
    // A byte of an event in the first stream's frames.
    damaged[100] ^= 0x01;
    std::fs::write(&path, &damaged).expect("damage");

    let ledger = open(dir.path(), 500);
    assert_eq!(
        ledger.stats().runs,
        12,
        "damage inside a frame is found when it is read"
    );
    for n in 0..2 {
        assert_reads_as_logged(&ledger, &log, &common::stream(n), u64::MAX);
    }
    assert_eq!(ledger.stats().runs_set_aside, 1);
    let mut aside = path.clone().into_os_string();
    aside.push(".damaged");
    assert_eq!(std::fs::read(&aside).expect("kept aside"), damaged);
    wait_for_runs(&ledger, 12);
    assert_eq!(std::fs::read(&path).expect("written again"), sound);
}

/// Rewrites run file `path` as a forger with the format in hand would: in its first frame,
/// the district 蜀山区 becomes 包河区 (as many bytes) and the frame's checksum is made to
/// match. Returns the forged bytes.
fn forge(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("run file");
    let len = u32::from_le_bytes(bytes[..4].try_into().expect("length")) as usize;
    let (was, now) = ("蜀山区".as_bytes(), "包河区".as_bytes());
    let stored = &mut bytes[9..9 + len];
    let at = stored
        .windows(was.len())
        .position(|w| w == was)
        .expect("the district in the first frame");
    stored[at..at + now.len()].copy_from_slice(now);
    let crc = crc32c::crc32c_append(crc32c::crc32c(&bytes[..5]), &bytes[9..9 + len]);
    bytes[5..9].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(path, &bytes).expect("forge");
    bytes
}

/// Whether the two streams read, up to the end, as the log holds them.
fn both_read_as_logged(ledger: &Ledger, log: &[Event]) -> bool {
    (0..2).all(|n| {
        let stream = common::stream(n);
        let read = visited(ledger, &stream, u64::MAX);
        read.iter()
            .map(|e| e.seq)
            .eq(expected(log, &stream, u64::MAX))
            && read.iter().all(|e| log[e.seq as usize - 1] == *e)
    })
}

#[test]
fn a_run_file_forged_with_sound_checksums_is_found_by_verify_and_never_read_again() {
    let (dir, log) = long_streams_in_runs();
    let path = run_file(dir.path(), 3);
    let sound = std::fs::read(&path).expect("run file");
    let forged = forge(&path);

    // Read-only: the forgery's checksums are sound, so reads believe it until a verify
    // compares the run with the log; then it is reported, no longer read, and left in place.
    let mut config = LedgerConfig::new(dir.path());
    config.events_per_run = 500;
    config.read_only = true;
    let read_only = Ledger::open_with(config).expect("open read-only");
    assert!(
        !both_read_as_logged(&read_only, &log),
        "the forgery is read"
    );
    let report = read_only.verify().expect("verify");
    assert!(report.ok(), "the log itself is sound: {:?}", report.problem);
    assert_eq!(report.damaged_runs, vec![3]);
    assert!(both_read_as_logged(&read_only, &log));
    assert_eq!(read_only.stats().runs, 11);
    assert_eq!(std::fs::read(&path).expect("left in place"), forged);
    drop(read_only);

    // Opened for writing: the verify sets it aside, bytes kept, and it is written again.
    let ledger = open(dir.path(), 500);
    assert!(!both_read_as_logged(&ledger, &log), "kept again at opening");
    assert_eq!(ledger.verify().expect("verify").damaged_runs, vec![3]);
    assert!(both_read_as_logged(&ledger, &log));
    let mut aside = path.clone().into_os_string();
    aside.push(".damaged");
    assert_eq!(std::fs::read(&aside).expect("kept aside"), forged);
    wait_for_runs(&ledger, 12);
    assert_eq!(std::fs::read(&path).expect("written again"), sound);
    let again = ledger.verify().expect("verify");
    assert!(again.ok() && again.damaged_runs.is_empty());
}

/// The districts named by the updates in an indicator's history.
fn districts_in_history(tracker: &Tracker, indicator: &str) -> Vec<String> {
    let history = tracker.history(indicator).expect("history");
    let districts = history
        .into_iter()
        .filter_map(|step| match step.event.payload {
            Payload::ProgressReported { district, .. } => district,
            _ => None,
        });
    districts.collect()
}

#[test]
fn an_explanation_refuses_a_forged_run_file_that_a_history_read_believes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ledger = LedgerConfig::new(dir.path());
    ledger.events_per_run = 500;
    let tracker = Tracker::open_with(TrackerConfig {
        ledger,
        snapshot_every: 10_000,
        tallies_every: TrackerConfig::DEFAULT_TALLIES_EVERY,
        rebuild_progress: None,
    })
    .expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("plan");
    let seats = |n: i64| {
        common::update(
            "seats",
            jiff::civil::date(2023, 6, 30),
            Payload::ProgressReported {
                delta: Decimal::from(n),
                district: Some("蜀山区".into()),
            },
        )
    };
    for chunk in 0..3 {
        let batch = (0..400).map(|n| seats(chunk * 400 + n + 1)).collect();
        tracker.record_batch(batch).expect("recorded");
    }
    wait_for_runs(tracker.ledger(), 2);
    let scope = Scope::Indicator("seats".into());
    let explained = |tracker: &Tracker| tracker.explain(&ProgressQuery::default(), &scope);
    let sound = explained(&tracker).expect("explains").expect("in the plan");
    assert!(!districts_in_history(&tracker, "seats").contains(&"包河区".to_owned()));

    // Run 1 (events 501 to 1,000) holds only updates of `seats`: its first now names 包河区,
    // checksums made to match.
    forge(&run_file(dir.path(), 1));
    assert!(
        districts_in_history(&tracker, "seats").contains(&"包河区".to_owned()),
        "a history read believes a run file whose checksums hold"
    );
    match explained(&tracker) {
        Err(progress_ledger::Error::Damaged(why)) => assert!(why.contains("seats"), "{why}"),
        Err(other) => panic!("not refused as damaged: {other}"),
        Ok(_) => panic!("the forged update was explained"),
    }

    // Verify finds the forgery and sets it aside: both read the log's events again.
    assert_eq!(
        tracker.ledger().verify().expect("verify").damaged_runs,
        vec![1]
    );
    assert!(!districts_in_history(&tracker, "seats").contains(&"包河区".to_owned()));
    assert_eq!(explained(&tracker).expect("explains"), Some(sound));
}

#[test]
fn a_run_file_with_two_frames_of_a_stream_swapped_is_found_by_verify() {
    let (dir, _) = long_streams_in_runs();
    let path = run_file(dir.path(), 3);
    let mut bytes = std::fs::read(&path).expect("run file");
    // The first two frames (of the first stream), each whole with its checksum, exchanged: the
    // stream's frames still fill the place the header gives them.
    let frame_len =
        |at: usize| 9 + u32::from_le_bytes(bytes[at..at + 4].try_into().expect("length")) as usize;
    let first = frame_len(0);
    let both = first + frame_len(first);
    bytes[..both].rotate_left(first);
    std::fs::write(&path, &bytes).expect("swap");

    let mut config = LedgerConfig::new(dir.path());
    config.events_per_run = 500;
    config.read_only = true;
    let ledger = Ledger::open_with(config).expect("open read-only");
    let report = ledger.verify().expect("verify");
    assert!(report.ok(), "the log itself is sound: {:?}", report.problem);
    assert_eq!(report.damaged_runs, vec![3]);
}

#[test]
fn a_run_file_cut_short_or_from_another_ledger_is_not_used() {
    let (dir, log) = long_streams_in_runs();
    let (other, _) = long_streams_in_runs();
    // Run 2 cut short, run 5 another ledger's (its events were recorded at other times).
    let cut = std::fs::read(run_file(dir.path(), 2)).expect("run file");
    std::fs::write(run_file(dir.path(), 2), &cut[..cut.len() - 7]).expect("cut");
    std::fs::copy(run_file(other.path(), 5), run_file(dir.path(), 5)).expect("copy");
    let mut config = LedgerConfig::new(dir.path());
    config.events_per_run = 500;
    config.read_only = true;
    let read_only = Ledger::open_with(config).expect("open read-only");
    assert_eq!(read_only.stats().runs, 10);
    let stream = common::stream(1);
    assert_reads_as_logged(&read_only, &log, &stream, u64::MAX);
    let read = visited(&read_only, &stream, u64::MAX);
    drop(read_only);

    // Opened for writing, the two are written again from this ledger's log.
    let ledger = open(dir.path(), 500);
    wait_for_runs(&ledger, 12);
    assert_eq!(visited(&ledger, &stream, u64::MAX), read);
    assert_eq!(ledger.stats().runs_set_aside, 0);
}

#[test]
fn runs_of_another_size_are_not_used_and_none_are_kept_at_zero() {
    let (dir, log) = long_streams_in_runs();
    let ledger = open(dir.path(), 0);
    assert_eq!(ledger.stats().runs, 0);
    let stream = common::stream(0);
    assert_reads_as_logged(&ledger, &log, &stream, u64::MAX);
    drop(ledger);
    let ledger = open(dir.path(), 1_000);
    wait_for_runs(&ledger, 6);
    assert_eq!(visited(&ledger, &stream, u64::MAX).len(), 3_000);
}
