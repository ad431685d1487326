//! Measures the footprint of a 1M-event ledger (in quick mode too): bytes on disk of the ledger
//! directory beside the sum of the encoded events, and of its parts (the log, the saved index,
//! the snapshot database, the snapshot values alone), and the resident memory of a fresh process that has just opened a
//! Tracker on it (VmRSS from /proc/self/status), and of one that opened only the Ledger. Not a
//! criterion bench: it counts once. `cargo bench --bench footprint`.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

const MIB: f64 = 1024.0 * 1024.0;

/// Bytes allocated on disk under `dir` (blocks × 512, so sparse files count what they use).
fn disk_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("dir entry");
        let meta = entry.metadata().expect("metadata");
        if meta.is_dir() {
            total += disk_bytes(&entry.path());
        } else {
            total += meta.blocks() * 512;
        }
    }
    total
}

/// Bytes allocated on disk for one file (0 if it is not there).
fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |meta| meta.blocks() * 512)
}

/// In the child: open a Tracker (or only its Ledger) and report resident memory.
fn measure_memory(path: &Path, size: u64, what: &str) {
    if what == "ledger" {
        let ledger = common::open_ledger(path);
        assert_eq!(ledger.len(), size, "every event is there");
        print_memory();
    } else {
        let tracker = common::open_tracker(path, size);
        let seq = tracker.with_live(|p| p.seq());
        assert_eq!(seq, size, "the live projection is current");
        print_memory();
    }
}

fn print_memory() {
    println!(
        "rss_kib={} hwm_kib={}",
        common::status_kib("VmRSS"),
        common::status_kib("VmHWM")
    );
}

/// Runs this binary as a fresh child that opens `what` and returns (VmRSS, VmHWM) in MiB.
fn child_memory(path: &Path, size: u64, what: &str) -> (f64, f64) {
    let exe = std::env::current_exe().expect("this binary");
    let output = Command::new(exe)
        .arg("--measure-memory")
        .arg(path)
        .arg(size.to_string())
        .arg(what)
        .output()
        .expect("the memory child runs");
    assert!(
        output.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> f64 {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name} in {text:?}"))
    };
    (field("rss_kib") / 1024.0, field("hwm_kib") / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--measure-memory") {
        let path = Path::new(&args[at + 1]);
        let size: u64 = args[at + 2].parse().expect("size");
        measure_memory(path, size, &args[at + 3]);
        return;
    }

    // The goals are stated for 1M events: measured at 1M in quick mode too (the ledger is
    // built once, in about 40 s, and cached).
    let size = 1_000_000;
    let label = common::label(size);
    let path = common::cached_ledger(size);

    // Resident memory, in fresh processes that did nothing but open the tracker (or only the
    // ledger under it, to show what the live projection takes).
    let (rss, hwm) = child_memory(&path, size, "tracker");
    let (ledger_rss, _) = child_memory(&path, size, "ledger");
    common::figure(&format!("memory/rss_{label}"), rss, "MiB", None);
    common::figure(&format!("memory/peak_rss_{label}"), hwm, "MiB", None);
    common::figure(
        &format!("memory/rss_ledger_only_{label}"),
        ledger_rss,
        "MiB",
        None,
    );

    // Disk: the directory beside the encoded events, and the share of each part of it.
    let on_disk = disk_bytes(&path) as f64;
    let (encoded, events) = {
        let ledger = common::open_ledger(&path);
        let mut bytes = 0u64;
        let mut count = 0u64;
        for event in ledger.events_from(1) {
            let mut event = event.expect("event");
            bytes += progress_ledger::codec::seal(&mut event)
                .expect("seal")
                .len() as u64;
            count += 1;
        }
        (bytes, count)
    };
    assert_eq!(events, size, "every event counted");
    let (snapshots, snapshot_count) = std::fs::read_dir(path.join("snapshot-parts"))
        .expect("snapshot files")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|file| file.extension().is_some_and(|e| e == "part"))
        .fold((0u64, 0u64), |(bytes, count), file| {
            (bytes + file_bytes(&file), count + 1)
        });
    let encoded = encoded as f64;
    for (part, bytes) in [
        ("log", file_bytes(&path.join("events.log"))),
        ("index", file_bytes(&path.join("index.bin"))),
        ("snapshot_files", disk_bytes(&path.join("snapshot-parts"))),
        ("checkpoint_db", disk_bytes(&path.join("snapshots"))),
        ("runs", disk_bytes(&path.join("runs"))),
    ] {
        common::figure(
            &format!("disk/{part}_{label}"),
            bytes as f64 / MIB,
            "MiB",
            Some(encoded / MIB),
        );
    }
    common::figure(
        &format!("disk/ledger_{label}"),
        on_disk / MIB,
        "MiB",
        Some(encoded / MIB),
    );
    common::figure(
        &format!("disk/snapshots_{label}"),
        snapshots as f64 / MIB,
        "MiB",
        Some(encoded / MIB),
    );
    common::figure(
        &format!("disk/encoded_event_{label}"),
        encoded / events as f64,
        "bytes",
        None,
    );
    eprintln!("{snapshot_count} snapshots; {events} events");
}
