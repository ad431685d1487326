//! Reads by sequence (both directions, by page), by stream and by id, and live subscriptions.

mod common;

use std::time::Duration;

use progress_ledger::Ledger;

fn ledger_with(events: usize) -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    for n in 0..events {
        ledger
            .append(common::progress(n % 3, n as i64 + 1))
            .expect("append");
    }
    (dir, ledger)
}

#[test]
fn pages_forwards_and_backwards_cover_the_log_once() {
    let (_dir, ledger) = ledger_with(25);
    let mut forwards = Vec::new();
    let mut after = 0;
    loop {
        let page = ledger.read_forward(after, 7).expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        after = page.last().map_or(after, |e| e.seq);
        forwards.extend(page.into_iter().map(|e| e.seq));
    }
    assert_eq!(forwards, (1..=25).collect::<Vec<_>>());

    let mut backwards = Vec::new();
    let mut before = u64::MAX;
    loop {
        let page = ledger.read_backward(before, 4).expect("page");
        if page.is_empty() {
            break;
        }
        before = page.last().map_or(before, |e| e.seq);
        backwards.extend(page.into_iter().map(|e| e.seq));
    }
    assert_eq!(backwards, (1..=25).rev().collect::<Vec<_>>());
}

#[test]
fn reads_by_stream_and_by_id() {
    let (_dir, ledger) = ledger_with(30);
    let stream = ledger
        .read_stream(&common::stream(1), 0, 100)
        .expect("stream");
    assert_eq!(stream.len(), 10);
    assert!(stream.iter().all(|e| e.stream == common::stream(1)));
    assert_eq!(
        stream.iter().map(|e| e.version).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    let tail = ledger
        .read_stream(&common::stream(1), 8, 100)
        .expect("stream");
    assert_eq!(
        tail.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![9, 10]
    );

    let event = ledger.get(17).expect("get").expect("present");
    assert_eq!(ledger.get_by_id(event.id).expect("by id"), Some(event));
    assert_eq!(ledger.get(31).expect("get"), None);
    assert_eq!(ledger.get_by_id(uuid::Uuid::new_v4()).expect("by id"), None);
}

/// A stream long enough that its events are read on two threads, half each.
const LONG_STREAM: usize = 3_000;

/// A ledger of two streams of `LONG_STREAM` events each, interleaved.
fn long_streams() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    for chunk in (0..2 * LONG_STREAM).collect::<Vec<_>>().chunks(500) {
        let batch = chunk.iter().map(|&n| common::progress(n % 2, n as i64 + 1));
        ledger.append_batch(batch.collect()).expect("append");
    }
    (dir, ledger)
}

#[test]
fn a_long_stream_reads_whole_in_order_and_damage_in_either_half_is_an_error() {
    let (dir, ledger) = long_streams();
    let stream = ledger
        .read_stream(&common::stream(0), 0, usize::MAX)
        .expect("stream");
    assert_eq!(
        stream
            .iter()
            .map(|e| (e.seq, e.version))
            .collect::<Vec<_>>(),
        (1..=LONG_STREAM as u64)
            .map(|version| (2 * version - 1, version))
            .collect::<Vec<_>>()
    );
    ledger.close().expect("close");
    drop(ledger);

    let (frames, file) = common::log_frames(dir.path());
    // The stream's 10th event (first half) and its 2,990th (second half).
    for version in [10u64, 2_990] {
        let seq = 2 * version - 1;
        let (at, _) = frames[seq as usize - 1];
        let mut damaged = file.clone();
        damaged[at + common::FRAME_HEADER + 3] ^= 0x40;
        std::fs::write(dir.path().join("events.log"), &damaged).expect("damage");
        let ledger = Ledger::open(dir.path()).expect("a damaged ledger still opens");
        let read = ledger.read_stream(&common::stream(0), 0, usize::MAX);
        assert!(
            matches!(read, Err(progress_ledger::Error::Corrupt { seq: at, .. }) if at == seq),
            "version {version}: {read:?}"
        );
        drop(ledger);
        std::fs::write(dir.path().join("events.log"), &file).expect("restore");
    }
}

#[test]
fn a_long_stream_is_handed_over_in_order_up_to_a_head_and_stops_at_the_first_error() {
    let (_dir, ledger) = long_streams();
    let stream = common::stream(1);
    // Up to a head past the part this thread reads: every event of the stream through it.
    let head = 2 * (LONG_STREAM as u64 - 100);
    let mut seen = Vec::new();
    ledger
        .for_each_in_stream(&stream, head, |event| {
            seen.push(event.seq);
            Ok(())
        })
        .expect("read");
    assert_eq!(seen, (1..=head / 2).map(|v| 2 * v).collect::<Vec<_>>());
    let all = ledger.read_stream(&stream, 0, usize::MAX).expect("stream");
    assert_eq!(
        all.iter()
            .map(|e| e.seq)
            .filter(|&seq| seq <= head)
            .collect::<Vec<_>>(),
        seen
    );

    // An error from the caller stops the reading and is returned, whichever part it is in.
    for stop_at in [5usize, LONG_STREAM - 5] {
        let mut handed = 0;
        let read = ledger.for_each_in_stream(&stream, u64::MAX, |_| {
            handed += 1;
            if handed == stop_at {
                return Err(progress_ledger::Error::InvalidEvent("enough".into()));
            }
            Ok(())
        });
        assert!(
            matches!(read, Err(progress_ledger::Error::InvalidEvent(_))),
            "{read:?}"
        );
        assert_eq!(handed, stop_at);
    }
}

#[test]
fn recorded_at_strictly_increases() {
    let (_dir, ledger) = ledger_with(50);
    let log = common::whole_log(&ledger);
    assert!(log.windows(2).all(|w| w[0].recorded_at < w[1].recorded_at));
}

#[test]
fn a_subscription_catches_up_then_follows_without_gaps_or_duplicates() {
    let (_dir, ledger) = ledger_with(10);
    let mut subscription = ledger.subscribe(3);
    let caught_up: Vec<u64> = (0..7)
        .map(|_| {
            subscription
                .next_timeout(Duration::from_secs(5))
                .expect("next")
                .expect("event")
                .seq
        })
        .collect();
    assert_eq!(caught_up, (4..=10).collect::<Vec<_>>());
    assert_eq!(
        subscription
            .next_timeout(Duration::from_millis(20))
            .expect("next"),
        None
    );

    let writer = {
        let ledger = ledger.clone();
        std::thread::spawn(move || {
            for n in 0..40 {
                ledger.append(common::progress(n % 2, 1)).expect("append");
            }
        })
    };
    let followed: Vec<u64> = (0..40)
        .map(|_| {
            subscription
                .next_timeout(Duration::from_secs(10))
                .expect("next")
                .expect("event")
                .seq
        })
        .collect();
    writer.join().expect("writer");
    assert_eq!(followed, (11..=50).collect::<Vec<_>>());
    assert_eq!(subscription.position(), 50);
}
