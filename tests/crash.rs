//! Crash safety: a child process appends in a loop and reports each acknowledged event; it is
//! killed with SIGKILL at random moments. After every kill the reopened ledger holds every
//! acknowledged event, no batch is half-written, and verify passes.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use progress_ledger::{Ledger, NewEvent};
use uuid::Uuid;

const CHILD_ENV: &str = "PROGRESS_LEDGER_CRASH_CHILD_DIR";
const ROUNDS: u64 = 20;

/// The child's side, run when the test binary is started by the test itself with [`CHILD_ENV`]
/// set: appends forever from two threads (single events and batches of 1–5), and prints
/// `ack <seq> <id>` for each acknowledged event, until it is killed.
fn append_until_killed(dir: &str) {
    let ledger = Ledger::open(dir).expect("child opens the ledger");
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let threads: Vec<_> = (0..2usize)
        .map(|thread| {
            let ledger = ledger.clone();
            let stdout = stdout.clone();
            std::thread::spawn(move || {
                for round in 0u64.. {
                    let size = if round % 2 == 0 {
                        1
                    } else {
                        (round % 5 + 1) as usize
                    };
                    let batch: Vec<NewEvent> = (0..size)
                        .map(|i| {
                            common::progress(thread, 1)
                                .with_id(Uuid::new_v4())
                                .with_note(format!("{}/{size}", i + 1))
                        })
                        .collect();
                    let appended = ledger.append_batch(batch).expect("append");
                    let mut out = stdout.lock().expect("stdout");
                    for a in appended {
                        writeln!(out, "ack {} {}", a.event.seq, a.event.id).expect("write");
                    }
                    out.flush().expect("flush");
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
}

/// A small deterministic generator for kill delays.
fn next_delay(state: &mut u64) -> Duration {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    Duration::from_millis(5 + *state % 250)
}

#[test]
fn sigkill_never_loses_an_acknowledged_event() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        append_until_killed(&dir);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let mut acked: HashMap<u64, Uuid> = HashMap::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "sigkill_never_loses_an_acknowledged_event",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let (lines_tx, lines_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first acknowledgement (the child is up; the test harness prints its own
        // lines first), then kill at a random moment.
        let first = loop {
            let line = lines_rx
                .recv_timeout(Duration::from_secs(60))
                .expect("child acknowledges");
            if line.starts_with("ack ") {
                break line;
            }
        };
        let delay = next_delay(&mut rng);
        let started = Instant::now();
        while started.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        let before = acked.len();
        for line in std::iter::once(first).chain(lines_rx.try_iter()) {
            let mut parts = line.split_whitespace();
            if parts.next() != Some("ack") {
                continue;
            }
            let seq: u64 = parts.next().and_then(|s| s.parse().ok()).expect("seq");
            let id: Uuid = parts.next().and_then(|s| s.parse().ok()).expect("id");
            assert_eq!(
                acked.insert(seq, id).unwrap_or(id),
                id,
                "seq {seq} acknowledged twice"
            );
        }
        assert!(
            acked.len() > before,
            "round {round}: the child acknowledged nothing"
        );

        let ledger = Ledger::open(dir.path()).expect("reopen after SIGKILL");
        let report = ledger.verify().expect("verify runs");
        assert!(report.ok(), "round {round}: {:?}", report.problem);
        let log = common::whole_log(&ledger);
        for (seq, id) in &acked {
            let event = log.get(*seq as usize - 1).unwrap_or_else(|| {
                panic!(
                    "round {round}: acknowledged seq {seq} lost (log has {})",
                    log.len()
                )
            });
            assert_eq!(
                event.id, *id,
                "round {round}: seq {seq} holds another event"
            );
        }
        assert_whole_batches(&log);
    }
}

/// Every batch (notes `1/n` … `n/n` from one thread) is complete in the log.
fn assert_whole_batches(log: &[progress_ledger::Event]) {
    let mut open: HashMap<String, (u32, u32)> = HashMap::new();
    for event in log {
        let note = event.note.as_deref().expect("child events carry a note");
        let (i, n) = note.split_once('/').expect("i/n");
        let (i, n): (u32, u32) = (i.parse().expect("i"), n.parse().expect("n"));
        let stream = event.stream.to_string();
        let expected = open.get(&stream).map_or(1, |(last, _)| last + 1);
        assert_eq!(
            i, expected,
            "seq {}: batch part {i}/{n} out of order",
            event.seq
        );
        if i == n {
            open.remove(&stream);
        } else {
            open.insert(stream, (i, n));
        }
    }
    assert!(
        open.is_empty(),
        "half-written batches at the end of the log: {open:?}"
    );
}
