//! Export to JSON Lines and import: identical logs, and broken files refused with nothing written.

mod common;

use std::path::{Path, PathBuf};

use progress_ledger::{Error, Ledger, NewEvent, Payload, StreamId};
use rust_decimal::Decimal;

/// A ledger with a varied history: several payload kinds, a correction, notes, ids.
fn varied(dir: &Path) -> Ledger {
    let ledger = Ledger::open(dir).expect("open");
    let date = jiff::civil::date(2023, 9, 1);
    let rate = StreamId::indicator("t01-1-maternal-management-rate").expect("stream");
    ledger
        .append(NewEvent::new(
            rate.clone(),
            date,
            "市卫健委",
            Payload::MeasurementTaken {
                value: Decimal::new(9215, 2),
                district: None,
            },
        ))
        .expect("append");
    let first = ledger
        .append(common::progress(1, 3000).with_note("三季度"))
        .expect("append");
    ledger
        .append(NewEvent::new(
            common::stream(1),
            date,
            "市卫健委",
            Payload::Corrected {
                corrects: first.event.id,
                reason: "重复上报".into(),
                replacement: Some(Box::new(Payload::ProgressReported {
                    delta: Decimal::from(2500),
                    district: Some("包河区".into()),
                })),
            },
        ))
        .expect("append");
    ledger
        .append_batch((0..50).map(|n| common::progress(n % 4, n as i64)).collect())
        .expect("batch");
    ledger
}

fn export(ledger: &Ledger, path: &Path) {
    let mut file = std::fs::File::create(path).expect("create");
    ledger.export_jsonl(&mut file, &mut |_| {}).expect("export");
}

#[test]
fn export_then_import_gives_an_identical_log_and_head() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let target_dir = tempfile::tempdir().expect("temp dir");
    let file = source_dir.path().join("export.jsonl");
    let source = varied(&source_dir.path().join("db"));
    export(&source, &file);

    let target = Ledger::open(target_dir.path()).expect("open");
    let head = target.import_jsonl(&file, &mut |_| {}).expect("import");
    assert_eq!(head, source.head().expect("head"));
    assert_eq!(target.head().expect("head"), head);
    assert_eq!(common::whole_log(&target), common::whole_log(&source));
    assert!(target.verify().expect("verify").ok());

    // The imported ledger goes on: versions and the chain continue where the source stopped.
    let next = target.append(common::progress(1, 1)).expect("append");
    assert_eq!(next.event.seq, head.seq + 1);
    assert_eq!(next.event.prev_hash, head.hash);
    assert_eq!(
        next.event.version,
        source.stream_version(&common::stream(1)) + 1
    );
    assert!(
        next.event.recorded_at
            > source
                .get(head.seq)
                .expect("read")
                .expect("event")
                .recorded_at
    );
}

/// Each alteration of an exported file, and the line where import must refuse it.
fn alterations(lines: &[String]) -> Vec<(&'static str, Vec<String>, u64)> {
    let mut swapped = lines.to_vec();
    swapped.swap(4, 5);
    let mut dropped = lines.to_vec();
    dropped.remove(6);
    let mut edited = lines.to_vec();
    edited[7] = edited[7].replace("市卫健委", "市教育局");
    let mut garbage = lines.to_vec();
    garbage[2] = "{not json".into();
    let mut rehashed = lines.to_vec();
    let mut event: serde_json::Value = serde_json::from_str(&rehashed[9]).expect("json");
    event["hash"] = serde_json::Value::String("0".repeat(64));
    rehashed[9] = event.to_string();
    vec![
        ("two lines swapped", swapped, 5),
        ("a line removed", dropped, 7),
        ("an actor edited", edited, 8),
        ("a line that is not json", garbage, 3),
        ("a hash replaced", rehashed, 10),
    ]
}

/// A temp dir with a varied ledger in `db/` and its export in `export.jsonl`.
fn exported() -> (tempfile::TempDir, Ledger, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("export.jsonl");
    let source = varied(&dir.path().join("db"));
    export(&source, &file);
    (dir, source, file)
}

/// Imports the file `lines` into an empty ledger, which must refuse it and stay empty; returns
/// the line and the reason of the refusal.
fn refusal(lines: &[String]) -> (u64, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("broken.jsonl");
    std::fs::write(&file, lines.join("\n")).expect("write");
    let target = Ledger::open(dir.path().join("db")).expect("open");
    let refused = match target.import_jsonl(&file, &mut |_| {}) {
        Err(Error::ImportRefused { line, reason }) => (line, reason),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(target.len(), 0, "nothing written");
    assert_eq!(common::whole_log(&target).len(), 0, "nothing written");
    refused
}

#[test]
fn import_refuses_a_broken_file_and_writes_nothing() {
    let (_dir, _source, file) = exported();
    let text = std::fs::read_to_string(&file).expect("read");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (what, altered, line) in alterations(&lines) {
        assert_eq!(refusal(&altered).0, line, "{what}");
    }
}

#[test]
fn import_refuses_an_event_that_breaks_any_rule_of_the_chain() {
    let (_dir, source, _file) = exported();
    let events = common::whole_log(&source);
    for rule in common::Rule::ALL {
        let lines: Vec<String> = rule
            .break_at(&events, 7)
            .iter()
            .map(|e| serde_json::to_string(e).expect("json"))
            .collect();
        let (line, reason) = refusal(&lines);
        assert_eq!(line, 8, "{rule:?}");
        assert!(reason.contains(rule.words()), "{rule:?}: {reason}");
    }
}

#[test]
fn import_needs_an_empty_ledger() {
    let (_dir, source, file) = exported();
    assert!(matches!(
        source.import_jsonl(&file, &mut |_| {}),
        Err(Error::NotEmpty { .. })
    ));
}

#[test]
fn an_import_checked_against_the_plan_refuses_an_update_record_would_refuse_and_names_the_actors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("export.jsonl");
    {
        let tracker = progress_ledger::Tracker::open(dir.path().join("db")).expect("open");
        tracker
            .load_plan(
                &progress_ledger::plan::hefei_2023().expect("plan"),
                "loader",
            )
            .expect("load");
        let seats = StreamId::indicator("t02-1-childcare-seats").expect("stream");
        let day = jiff::civil::date(2023, 9, 1);
        let progress = |district: &str| Payload::ProgressReported {
            delta: Decimal::from(10),
            district: Some(district.into()),
        };
        tracker
            .record(NewEvent::new(
                seats.clone(),
                day,
                "蜀山区",
                progress("蜀山区"),
            ))
            .expect("a checked update");
        // Written past the tracker's checks: a district the plan does not have.
        tracker
            .ledger()
            .append(NewEvent::new(seats, day, "市卫健委", progress("火星区")))
            .expect("an unchecked append");
        export(tracker.ledger(), &file);
    }
    let checked = progress_ledger::ImportOptions {
        check_updates: true,
    };
    let target = Ledger::open(dir.path().join("checked")).expect("open");
    match target.import_jsonl_with(&file, checked, &mut |_| {}) {
        Err(Error::ImportRefused { line, reason }) => {
            let lines = std::fs::read_to_string(&file)
                .expect("read")
                .lines()
                .count();
            assert_eq!(line, lines as u64, "the last line: {reason}");
            assert!(reason.contains("火星区"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(target.len(), 0, "nothing written");

    // Unchecked (the ledger's own import), it goes in, and the actors are listed.
    let plain = Ledger::open(dir.path().join("plain")).expect("open");
    let imported = plain
        .import_jsonl_with(&file, Default::default(), &mut |_| {})
        .expect("import");
    let actors: Vec<&str> = imported.actors.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actors, ["loader", "市卫健委", "蜀山区"]);
    assert_eq!(imported.actors[1].1, 1);
}

#[test]
fn each_line_carries_its_canonical_bytes_and_import_checks_them() {
    let (_dir, source, file) = exported();
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Each line's canonical bytes (base64) are the event's: SHA-256 of them is its hash.
    for (line, event) in lines.iter().zip(common::whole_log(&source)) {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        let canonical = value["canonical"].as_str().expect("a canonical field");
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, canonical)
            .expect("base64");
        assert_eq!(progress_ledger::Hash::of(&bytes), event.hash);
    }
    // Another event's canonical bytes on line 3: refused there.
    let mut third: serde_json::Value = serde_json::from_str(&lines[2]).expect("json");
    let fourth: serde_json::Value = serde_json::from_str(&lines[3]).expect("json");
    third["canonical"] = fourth["canonical"].clone();
    lines[2] = third.to_string();
    let (line, reason) = refusal(&lines);
    assert_eq!(line, 3);
    assert!(reason.contains("canonical"), "{reason}");
    // Not base64: refused too.
    third["canonical"] = serde_json::json!("not base64!");
    lines[2] = third.to_string();
    assert_eq!(refusal(&lines).0, 3);
    // Without the field (an export of an earlier version): accepted.
    third
        .as_object_mut()
        .expect("an object")
        .remove("canonical");
    lines[2] = third.to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let older = dir.path().join("older.jsonl");
    std::fs::write(&older, lines.join("\n")).expect("write");
    let target = Ledger::open(dir.path().join("db")).expect("open");
    assert_eq!(
        target.import_jsonl(&older, &mut |_| {}).expect("imports"),
        source.head().expect("head")
    );
}
