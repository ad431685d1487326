//! A flipped byte anywhere in the middle of the log is never silent: one byte of a frame's
//! length, flags, checksum, event body or event hash is changed, with the saved index covering
//! the whole log (after a clean close), covering part of it (after a stop before it was saved
//! again, as after a SIGKILL), or removed. Opening then either opens read-only with the damage
//! named at that seq, or opens as it was (the index vouches for the region, which opening does
//! not reread) — never setting sound events aside; and `progress-ledger verify` exits 3 naming
//! the seq. A run file rewritten with sound checksums fails `verify` too, and is left in place.

use std::path::Path;
use std::process::Command;

use progress_ledger_core::{Ledger, NewEvent, Payload, StreamId};

/// Events in the ledger: the saved index covers the first `SAVED` after a first close.
const EVENTS: u64 = 30;
const SAVED: u64 = 20;
/// Bytes of the log's magic, and of a frame header (`len` ‖ `flags` ‖ CRC32C).
const LOG_START: usize = 8;
const FRAME_HEADER: usize = 9;

/// Which part of a frame is changed.
#[derive(Clone, Copy, Debug)]
enum Part {
    Length,
    Flags,
    Checksum,
    Body,
    Hash,
}

/// What the saved index covers when the byte is changed.
#[derive(Clone, Copy, Debug)]
enum Index {
    Whole,
    Partial,
    Removed,
}

fn update(n: u64) -> NewEvent {
    let stream = StreamId::indicator(&format!("test-{}", n % 3)).expect("stream");
    let payload = Payload::ProgressReported {
        delta: n.into(),
        district: None,
    };
    NewEvent::new(stream, jiff::civil::date(2023, 6, 30), "市卫健委", payload)
}

/// A ledger of `EVENTS` single appends in `dir`, closed once after `SAVED` (the index saved
/// then is returned) and once at the end.
fn build(dir: &Path) -> Vec<u8> {
    let ledger = Ledger::open(dir).expect("open");
    for n in 0..SAVED {
        ledger.append(update(n)).expect("append");
    }
    ledger.close().expect("close");
    drop(ledger);
    let partial = std::fs::read(dir.join("index.bin")).expect("the saved index");
    let ledger = Ledger::open(dir).expect("reopen");
    for n in SAVED..EVENTS {
        ledger.append(update(n)).expect("append");
    }
    ledger.close().expect("close");
    partial
}

/// Offsets of every frame of the log, and the file.
fn frames(dir: &Path) -> (Vec<(usize, usize)>, Vec<u8>) {
    let file = std::fs::read(dir.join("events.log")).expect("read the log");
    let mut out = Vec::new();
    let mut at = LOG_START;
    loop {
        let len = u32::from_le_bytes(file[at..at + 4].try_into().expect("4 bytes")) as usize;
        if len == 0 {
            return (out, file);
        }
        out.push((at, len));
        at += FRAME_HEADER + len;
    }
}

/// A small deterministic generator (xorshift) for positions.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn a_flipped_byte_in_the_middle_of_the_log_is_named_never_set_aside() {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let parts = [
        Part::Length,
        Part::Flags,
        Part::Checksum,
        Part::Body,
        Part::Hash,
    ];
    let indexes = [Index::Whole, Index::Partial, Index::Removed];
    for part in parts {
        for index in indexes {
            for _ in 0..3 {
                let seq = 2 + next(&mut rng) % (EVENTS - 2);
                let mask = 1 + (next(&mut rng) % 255) as u8;
                check(part, index, seq, mask, next(&mut rng));
            }
        }
    }
}

fn check(part: Part, index: Index, seq: u64, mask: u8, pick: u64) {
    let case = format!("{part:?} of seq {seq} (mask {mask:#04x}), index {index:?}");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let ledger_dir = data.join("ledger");
    let partial = build(&ledger_dir);
    match index {
        Index::Whole => {}
        Index::Partial => std::fs::write(ledger_dir.join("index.bin"), partial).expect("write"),
        Index::Removed => std::fs::remove_file(ledger_dir.join("index.bin")).expect("remove"),
    }
    let (frames, mut file) = frames(&ledger_dir);
    let (at, len) = frames[seq as usize - 1];
    let range = match part {
        Part::Length => at..at + 4,
        Part::Flags => at + 4..at + 5,
        Part::Checksum => at + 5..at + FRAME_HEADER,
        Part::Body => at + FRAME_HEADER..at + FRAME_HEADER + len - 32,
        Part::Hash => at + FRAME_HEADER + len - 32..at + FRAME_HEADER + len,
    };
    let byte = range.start + (pick as usize) % range.len();
    file[byte] ^= mask;
    std::fs::write(ledger_dir.join("events.log"), &file).expect("write the log");

    {
        let ledger = Ledger::open(&ledger_dir).expect("a damaged ledger opens");
        assert!(
            ledger.torn_tail().is_none(),
            "{case}: sound events set aside"
        );
        let report = ledger.verify().expect("verify runs");
        let problem = report.problem.expect("verify names the damage");
        assert_eq!(problem.seq, seq, "{case}: {problem}");
        if ledger.refusal().is_none() {
            // Opened as it was: the damage is in the region the saved index vouches for, and
            // every event is still in the log.
            assert!(
                !matches!(index, Index::Removed),
                "{case}: with no index, opening reads the whole log and must find the damage"
            );
            assert_eq!(ledger.len(), EVENTS, "{case}");
        }
    }

    let output = Command::new(env!("CARGO_BIN_EXE_progress-ledger"))
        .arg("--data")
        .arg(data)
        .arg("verify")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{case}: {stdout}");
    assert!(
        stdout.contains(&format!("at seq {seq}:")),
        "{case}: {stdout}"
    );
}

#[test]
fn a_run_file_rewritten_with_sound_checksums_fails_verify_and_is_left_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let ledger_dir = data.join("ledger");
    let ledger = Ledger::open(&ledger_dir).expect("open");
    // One run of the default size (65,536 events) and a few events past it.
    for batch in 0..132 {
        let events = (0..500).map(|n| update(batch * 500 + n)).collect();
        ledger.append_batch(events).expect("append");
    }
    let started = std::time::Instant::now();
    while ledger.stats().runs < 1 {
        assert!(started.elapsed().as_secs() < 60, "the run file is written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    ledger.close().expect("close");
    drop(ledger);

    // In the run's first frame, the actor 市卫健委 becomes 市教育局 (as many bytes), and the
    // frame's checksum is made to match.
    let path = ledger_dir.join("runs").join("0000000000.run");
    let mut run = std::fs::read(&path).expect("the run file");
    let len = u32::from_le_bytes(run[..4].try_into().expect("4 bytes")) as usize;
    let (was, now) = ("市卫健委".as_bytes(), "市教育局".as_bytes());
    let stored = &mut run[FRAME_HEADER..FRAME_HEADER + len];
    let at = stored
        .windows(was.len())
        .position(|w| w == was)
        .expect("the actor in the first frame");
    stored[at..at + now.len()].copy_from_slice(now);
    let crc = crc32c::crc32c_append(
        crc32c::crc32c(&run[..5]),
        &run[FRAME_HEADER..FRAME_HEADER + len],
    );
    run[5..FRAME_HEADER].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&path, &run).expect("forge");

    let verify = |json: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_progress-ledger"));
        command.arg("--data").arg(data).arg("verify");
        if json {
            command.arg("--json");
        }
        command.output().expect("the binary runs")
    };
    let output = verify(false);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("ok: 66000 events verified"), "{stdout}");
    assert!(
        stdout.contains("DAMAGED run file runs/0000000000.run"),
        "{stdout}"
    );
    let output = verify(true);
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(body["ok"], true, "the log itself is sound");
    assert_eq!(body["damaged_run_files"], serde_json::json!([0]));
    assert_eq!(std::fs::read(&path).expect("left in place"), run);
}
