//! Auditors check the ledger without trusting its server: signed checkpoints, proofs and tiles
//! served here are checked by the stand-alone verifier (`progress-ledger-verify`, as a library:
//! the same code as its binary), and a server whose files were rewritten is caught.

mod common;

use std::path::{Path, PathBuf};

use common::{CHILDCARE_SEATS, TestServer, code, serve, start_with};
use progress_ledger_core::tlog::tile::{Bundle, Tile, bundles_for_size, tiles_for_size};
use progress_ledger_core::tlog::{Checkpoint, Verifier};
use progress_ledger_core::{Ledger, NewEvent, Payload, StreamId, Tracker};
use progress_ledger_server::ServerConfig;
use progress_ledger_server::checkpoints::{CHECKPOINTS_FILE, KEY_FILE, init_key};
use progress_ledger_verify::checks::{open_checkpoint, verify_consistency, verify_inclusion};
use progress_ledger_verify::export::verify_export;
use progress_ledger_verify::tiles::verify_tiles_dir;
use progress_ledger_verify::watch::{WatchConfig, watch_once};
use progress_ledger_verify::wire::{ConsistencyProof, InclusionProof};
use progress_ledger_verify::{Cli, VerifyError};
use rust_decimal::Decimal;

const ORIGIN: &str = "progress-ledger/hefei-2023";

/// `count` progress updates of the childcare seats, recorded through the tracker.
fn record(tracker: &Tracker, count: usize) {
    let batch = (0..count)
        .map(|i| {
            NewEvent::new(
                StreamId::indicator(CHILDCARE_SEATS).expect("stream"),
                jiff::civil::date(2023, 9, 30),
                "市卫健委",
                Payload::ProgressReported {
                    delta: Decimal::from(1 + i as i64),
                    district: Some("蜀山区".into()),
                },
            )
        })
        .collect();
    tracker.record_batch(batch).expect("recorded");
}

/// A server of a ledger with a key (made before it starts), and the verifier key.
async fn start_signing() -> (TestServer, Verifier) {
    let mut vkey = None;
    let server = start_with(|_, data| {
        vkey = Some(init_key(&data.join(KEY_FILE), ORIGIN).expect("key made"));
    })
    .await;
    (server, vkey.expect("a key"))
}

async fn text(server: &TestServer, method: reqwest::Method, path: &str) -> (u16, Vec<u8>) {
    let response = server
        .client
        .request(method, server.url(path))
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Signs a checkpoint now and returns the note.
async fn sign_now(server: &TestServer) -> Vec<u8> {
    let (status, note) = text(server, reqwest::Method::POST, "/v1/checkpoint").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&note));
    note
}

/// Runs the verifier's command line (as its binary does) and returns its exit status and output.
fn verify_cli(args: &[&str]) -> (u8, String) {
    let cli = <Cli as clap::Parser>::try_parse_from(
        std::iter::once("progress-ledger-verify").chain(args.iter().copied()),
    )
    .expect("a valid command line");
    let mut out = Vec::new();
    let status = match progress_ledger_verify::run(cli, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            out.extend_from_slice(format!("error: {e}\n").as_bytes());
            e.exit_code()
        }
    };
    (status, String::from_utf8_lossy(&out).into_owned())
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).expect("write");
    path.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_and_proofs_verify_with_the_stand_alone_verifier() {
    let (server, vkey) = start_signing().await;
    let keys = [vkey.clone()];
    let work = tempfile::tempdir().expect("temp dir");
    record(&server.tracker, 5);
    let old_note = sign_now(&server).await;
    let old = open_checkpoint(&old_note, &keys, "old").expect("signed by the log's key");
    assert_eq!(old.checkpoint.origin(), ORIGIN);
    assert_eq!(old.checkpoint.size(), server.log_len());
    // GET answers the same note, as text.
    let response = server
        .client
        .get(server.url("/v1/checkpoint"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.bytes().await.expect("body").to_vec(), old_note);
    let (status, tlog_note) = text(&server, reqwest::Method::GET, "/v1/tlog/checkpoint").await;
    assert_eq!((status, tlog_note), (200, old_note.clone()));

    record(&server.tracker, 40);
    let new_note = sign_now(&server).await;
    let new = open_checkpoint(&new_note, &keys, "new").expect("signed");
    let (from, to) = (old.checkpoint.size(), new.checkpoint.size());
    assert!(to > from);

    // Consistency, as JSON the verifier reads.
    let (status, body) = text(
        &server,
        reqwest::Method::GET,
        &format!("/v1/proofs/consistency?from={from}&to={to}"),
    )
    .await;
    assert_eq!(status, 200);
    let proof = ConsistencyProof::from_json(&body, "consistency").expect("the verifier's JSON");
    verify_consistency(&old.checkpoint, &new.checkpoint, &proof).expect("consistent");
    // Inclusion of the first update, in the new tree: the entry is the event's hash.
    let seq = from + 1;
    let (status, body) = text(
        &server,
        reqwest::Method::GET,
        &format!("/v1/proofs/inclusion?seq={seq}&size={to}"),
    )
    .await;
    assert_eq!(status, 200);
    let proof = InclusionProof::from_json(&body, "inclusion").expect("the verifier's JSON");
    let event = server
        .tracker
        .ledger()
        .get(seq)
        .expect("reads")
        .expect("exists");
    verify_inclusion(&new.checkpoint, seq - 1, &event.hash.0, &proof).expect("included");
    // The same through the verifier's command line, with the files an auditor keeps.
    let checkpoint_file = write(&work.path().join("new.txt"), &new_note);
    let proof_file = write(&work.path().join("inclusion.json"), &body);
    let (status, out) = verify_cli(&[
        "inclusion",
        "--checkpoint",
        checkpoint_file.to_str().expect("utf-8"),
        "--key",
        &vkey.vkey(),
        "--index",
        &(seq - 1).to_string(),
        "--event-hash",
        &event.hash.to_hex(),
        "--proof-file",
        proof_file.to_str().expect("utf-8"),
    ]);
    assert_eq!(status, 0, "{out}");
    // Without a size: the latest checkpoint's.
    let (status, body) = server.get(&format!("/v1/proofs/inclusion?seq={seq}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["size"], to);
    assert_eq!(body["event_hash"], event.hash.to_hex());

    // Answers name the tree they were computed from.
    let (_, progress) = server.get("/v1/progress").await;
    let size = progress["seq"].as_u64().expect("seq");
    let root = server.tracker.ledger().tree_root(size).expect("root");
    assert_eq!(progress["checkpoint"]["size"], size);
    assert_eq!(progress["checkpoint"]["root"], root.to_base64());
    let (_, report) = server.get("/v1/report?as_of=2023-09-30").await;
    assert_eq!(report["checkpoint"]["size"], report["seq"]);
    let (_, history) = server
        .get(&format!("/v1/indicators/{CHILDCARE_SEATS}/history"))
        .await;
    assert_eq!(history["checkpoint"]["size"], server.log_len());

    // What is not in the tree: 400 or 422 (proofs), 404 beyond the durable log (proofs and tiles),
    // never a panic.
    let beyond = to + 1;
    for (path, status) in [
        ("/v1/proofs/consistency?from=0&to=3".to_owned(), 400),
        ("/v1/proofs/consistency?from=4&to=3".to_owned(), 422),
        (format!("/v1/proofs/consistency?from=1&to={beyond}"), 404),
        ("/v1/proofs/consistency?from=1".to_owned(), 400),
        ("/v1/proofs/inclusion?seq=0&size=3".to_owned(), 400),
        (
            format!("/v1/proofs/inclusion?seq={beyond}&size={beyond}"),
            404,
        ),
        (format!("/v1/proofs/inclusion?seq={beyond}&size={to}"), 422),
        ("/v1/proofs/inclusion?size=3".to_owned(), 400),
        ("/v1/proofs/inclusion?seq=x".to_owned(), 400),
    ] {
        let (answered, body) = server.get(&path).await;
        assert_eq!(answered.as_u16(), status, "{path}: {body}");
    }
    let (n, width) = (to / 256, (to % 256) as u16);
    let tile = |level, n, width| Tile::new(level, n, width).expect("a tile").path();
    let bundle = |n, width| Bundle::new(n, width).expect("a bundle").path();
    for (path, want) in [
        (tile(0, n + 1, 256), 404),
        (tile(0, n, width + 1), 404),
        (bundle(n + 1, 3), 404),
        (tile(2, 0, 1), 404),
        (tile(0, n, width), 200),
        (bundle(n, width), 200),
        ("tile/0/1".to_owned(), 400),
        ("tile/x/000".to_owned(), 400),
        ("tile/0/000.p/0".to_owned(), 400),
    ] {
        let (status, _) = text(&server, reqwest::Method::GET, &format!("/v1/tlog/{path}")).await;
        assert_eq!(status, want, "{path}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_copies_the_tiles_with_plain_gets_and_recomputes_the_root() {
    let (server, vkey) = start_signing().await;
    // Past one full tile of entries, and a level-1 tile.
    record(&server.tracker, 600);
    let note = sign_now(&server).await;
    let checkpoint = Checkpoint::open(&note, std::slice::from_ref(&vkey))
        .expect("signed")
        .0;
    let size = checkpoint.size();
    let mirror = tempfile::tempdir().expect("temp dir");
    let paths: Vec<String> = tiles_for_size(0, size)
        .iter()
        .map(|t| t.path())
        .chain(bundles_for_size(0, size).iter().map(|b| b.path()))
        .collect();
    assert!(paths.iter().any(|p| p.starts_with("tile/1/")), "{paths:?}");
    for path in &paths {
        let response = server
            .client
            .get(server.url(&format!("/v1/tlog/{path}")))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let file = mirror.path().join(path);
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("mkdir");
        std::fs::write(&file, response.bytes().await.expect("body")).expect("write");
    }
    let report = verify_tiles_dir(mirror.path(), &checkpoint).expect("the mirror verifies");
    assert_eq!(report.entries, size);
    let checkpoint_file = write(&mirror.path().join("checkpoint"), &note);
    let (status, out) = verify_cli(&[
        "tiles",
        mirror.path().to_str().expect("utf-8"),
        "--checkpoint",
        checkpoint_file.to_str().expect("utf-8"),
        "--key",
        &vkey.vkey(),
    ]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains(&checkpoint.root().to_base64()), "{out}");
    server.stop().await;
}

/// The events of `ledger` with one update changed, written as a new ledger in `dir` through the
/// core: a history that chains, with its own tree, as whoever controls the files could make it.
fn rewrite(ledger: &Ledger, dir: &Path) {
    let events: Vec<_> = ledger
        .events_from(1)
        .collect::<Result<_, _>>()
        .expect("reads");
    let last_update = events
        .iter()
        .rposition(|e| matches!(e.payload, Payload::ProgressReported { .. }))
        .expect("an update");
    let forged = Ledger::open(dir).expect("a new ledger");
    for (i, event) in events.into_iter().enumerate() {
        let mut payload = event.payload;
        if i == last_update {
            payload = Payload::ProgressReported {
                delta: Decimal::from(9999),
                district: Some("蜀山区".into()),
            };
        }
        let mut new =
            NewEvent::new(event.stream, event.effective, event.actor, payload).with_id(event.id);
        new.note = event.note;
        forged.append(new).expect("forged");
    }
    forged.close().expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_files_were_rewritten_is_caught() {
    let (server, vkey) = start_signing().await;
    record(&server.tracker, 30);
    let old_note = sign_now(&server).await;
    let old = Checkpoint::open(&old_note, std::slice::from_ref(&vkey))
        .expect("signed")
        .0;
    let work = tempfile::tempdir().expect("temp dir");
    let state = work.path().join("watch-state");
    // The auditor's watcher stores the checkpoint; an export of the honest log checks.
    let cfg = WatchConfig::new(server.base.clone(), vec![vkey.clone()], &state);
    let first = tokio::task::spawn_blocking(move || watch_once(&cfg, &mut Vec::new()))
        .await
        .expect("joins");
    assert!(matches!(
        first,
        Ok(progress_ledger_verify::watch::WatchOutcome::First(_))
    ));
    let honest = work.path().join("honest.jsonl");
    let mut file = std::fs::File::create(&honest).expect("create");
    server
        .tracker
        .ledger()
        .export_jsonl(&mut file, &mut |_| {})
        .expect("export");
    verify_export(&honest, &old).expect("the honest export matches its checkpoint");

    // Stop the server; rewrite one update, the chain and the tree; delete the index.
    let forged_dir = work.path().join("forged");
    rewrite(server.tracker.ledger(), &forged_dir);
    let dir = server.stop_keeping_data().await;
    let data = dir.path().to_owned();
    let ledger_dir = data.join("ledger");
    for name in ["events.log", "tree.bin"] {
        std::fs::copy(forged_dir.join(name), ledger_dir.join(name)).expect("copy");
    }
    let _ = std::fs::remove_file(ledger_dir.join("index.bin"));
    for name in ["snapshots", "snapshot-parts"] {
        let _ = std::fs::remove_dir_all(ledger_dir.join(name));
    }

    // Restarted on the rewritten files, the server itself sees that its log no longer extends
    // the checkpoint it published, and signs nothing.
    let restarted = restart(dir).await;
    let (status, body) = restarted.get("/v1/checkpoint").await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (503, "log_forked"),
        "{body}"
    );
    let dir = restarted.stop_keeping_data().await;

    // A liar also deletes what it published; the watcher still has the checkpoint it stored.
    std::fs::remove_file(data.join(CHECKPOINTS_FILE)).expect("delete");
    let liar = restart(dir).await;
    let _ = sign_now(&liar).await;
    let (status, out) = tokio::task::spawn_blocking({
        let base = liar.base.clone();
        let state = state.clone();
        let vkey = vkey.vkey();
        move || {
            verify_cli(&[
                "watch",
                &base,
                "--key",
                &vkey,
                "--state",
                state.to_str().expect("utf-8"),
            ])
        }
    })
    .await
    .expect("joins");
    assert_eq!(status, 3, "watch reports the fork: {out}");
    assert!(out.contains("fork"), "{out}");
    assert!(state.join("fork-evidence.txt").exists());
    // An export of the rewritten log fails against the old checkpoint.
    let forged_export = work.path().join("forged.jsonl");
    let mut file = std::fs::File::create(&forged_export).expect("create");
    liar.tracker
        .ledger()
        .export_jsonl(&mut file, &mut |_| {})
        .expect("export");
    let found = verify_export(&forged_export, &old);
    assert!(
        matches!(&found, Err(VerifyError::Mismatch(m)) if m.contains("not the log")),
        "{found:?}"
    );
    liar.stop().await;
}

/// Starts a server on the data directory `dir` again (a new port, the same files).
async fn restart(dir: tempfile::TempDir) -> TestServer {
    let tracker = Tracker::open(dir.path().join("ledger")).expect("reopens");
    let mut config = ServerConfig::new(dir.path());
    // As `start` served it: open development mode (no token was created).
    config.open = true;
    serve(dir, tracker, config).await
}
