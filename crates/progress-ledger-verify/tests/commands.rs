//! The `checkpoint`, `inclusion`, `consistency` and `tiles` commands, run as an auditor would:
//! the binary, files on disk, the log's verifier key.

mod common;

use std::path::Path;

use common::{TestLog, assert_fails, assert_ok, stdout, verify, write};

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn checkpoint_prints_origin_size_and_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = TestLog::new(1, "a", 42);
    let file = dir.path().join("checkpoint");
    write(&file, log.checkpoint(42).as_bytes());
    let o = verify(&["checkpoint", s(&file), "--key", &log.vkey()]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(
        out.contains("origin     example.com/progress-ledger\n"),
        "{out}"
    );
    assert!(out.contains("size       42\n"), "{out}");
    assert!(
        out.contains(&format!("root       {}\n", log.root(42).to_base64())),
        "{out}"
    );
    let signer = format!("{}+{:08x}", common::ORIGIN, log.signer.key_id());
    assert!(out.contains(&format!("signed by  {signer}\n")), "{out}");

    // Another key too: still fine. Only another key: refused.
    let other = TestLog::new(2, "a", 1);
    assert_ok(&verify(&[
        "checkpoint",
        s(&file),
        "--key",
        &other.vkey(),
        "--key",
        &log.vkey(),
    ]));
    assert_fails(
        &verify(&["checkpoint", s(&file), "--key", &other.vkey()]),
        1,
        "no signature by a known key",
    );

    // A changed size: the signature no longer verifies.
    write(
        &file,
        log.checkpoint(42)
            .replacen("\n42\n", "\n43\n", 1)
            .as_bytes(),
    );
    assert_fails(
        &verify(&["checkpoint", s(&file), "--key", &log.vkey()]),
        1,
        "invalid signature",
    );
    assert_fails(
        &verify(&[
            "checkpoint",
            s(&dir.path().join("none")),
            "--key",
            &log.vkey(),
        ]),
        1,
        "reading",
    );
    // A malformed key is a command-line error.
    assert_eq!(
        verify(&["checkpoint", s(&file), "--key", "nonsense"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn inclusion_of_an_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = TestLog::new(1, "a", 300);
    let (checkpoint, entry, proof) = (
        dir.path().join("cp"),
        dir.path().join("entry"),
        dir.path().join("proof.json"),
    );
    write(&checkpoint, log.checkpoint(300).as_bytes());
    write(&entry, &log.entries[137]);
    write(&proof, log.inclusion_json(137, 300).as_bytes());
    let args = |index: &str| {
        vec![
            "inclusion".to_owned(),
            "--checkpoint".into(),
            s(&checkpoint).into(),
            "--key".into(),
            log.vkey(),
            "--index".into(),
            index.into(),
            "--entry-file".into(),
            s(&entry).into(),
            "--proof-file".into(),
            s(&proof).into(),
        ]
    };
    let run = |index: &str| verify(&args(index).iter().map(String::as_str).collect::<Vec<_>>());
    let o = run("137");
    assert_ok(&o);
    assert!(stdout(&o).starts_with("ok: "), "{}", stdout(&o));

    assert_fails(&run("138"), 1, "the proof is for leaf 137, not leaf 138");
    write(&entry, &log.entries[138]);
    assert_fails(
        &run("137"),
        1,
        "inclusion proof of leaf 137 in the tree of size 300 fails",
    );
    write(&entry, &log.entries[137]);
    write(&proof, log.inclusion_json(137, 299).as_bytes());
    assert_fails(&run("137"), 1, "the proof is for a tree of size 299");
    write(
        &proof,
        b"{\"index\": 137, \"size\": 300, \"hashes\": [\"zz\"]}",
    );
    assert_fails(&run("137"), 1, "is not a valid proof");
    // One hex digit of the first proof hash changed.
    let good = log.inclusion_json(137, 300);
    let at = good.find("\"hashes\":[\"").map(|i| i + 11).unwrap_or(0);
    let mut bad = good.into_bytes();
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    write(&proof, &bad);
    assert_fails(&run("137"), 1, "fails");
}

#[test]
fn consistency_between_two_checkpoints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = TestLog::new(1, "a", 500);
    let (old, new, proof) = (
        dir.path().join("old"),
        dir.path().join("new"),
        dir.path().join("proof.json"),
    );
    let run = || {
        verify(&[
            "consistency",
            "--old",
            s(&old),
            "--new",
            s(&new),
            "--key",
            &log.vkey(),
            "--proof-file",
            s(&proof),
        ])
    };
    for (m, n) in [(0, 500), (1, 500), (257, 500), (500, 500), (0, 0)] {
        write(&old, log.checkpoint(m).as_bytes());
        write(&new, log.checkpoint(n).as_bytes());
        write(&proof, log.consistency_json(m, n).as_bytes());
        assert_ok(&run());
    }
    // Swapped: the new one is smaller.
    write(&old, log.checkpoint(500).as_bytes());
    write(&new, log.checkpoint(257).as_bytes());
    assert_fails(&run(), 1, "smaller than the old one's");

    // A fork: another log under the same key, same first 257 entries, then different ones.
    let mut fork = TestLog::new(1, "a", 257);
    for i in 257..500 {
        fork.append(format!("rewritten event {i}").into_bytes());
    }
    write(&old, log.checkpoint(300).as_bytes());
    write(&new, fork.checkpoint(500).as_bytes());
    write(&proof, fork.consistency_json(300, 500).as_bytes());
    assert_fails(
        &run(),
        1,
        "consistency proof from size 300 to size 500 fails",
    );
    write(&proof, log.consistency_json(300, 500).as_bytes());
    assert_fails(
        &run(),
        1,
        "consistency proof from size 300 to size 500 fails",
    );
    // A proof for other sizes.
    write(&new, log.checkpoint(500).as_bytes());
    write(&proof, log.consistency_json(299, 500).as_bytes());
    assert_fails(&run(), 1, "the proof is from size 299 to size 500");
}

#[test]
fn tiles_directory_checked_completely() {
    for size in [0, 1, 255, 256, 257, 700, 65_536 + 300] {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = TestLog::new(1, "a", size);
        log.write_tiles(dir.path(), size);
        let cp = dir.path().join("checkpoint");
        write(&cp, log.checkpoint(size).as_bytes());
        let o = verify(&[
            "tiles",
            s(dir.path()),
            "--checkpoint",
            s(&cp),
            "--key",
            &log.vkey(),
        ]);
        assert_ok(&o);
        assert!(
            stdout(&o).starts_with(&format!("ok: {size} entries")),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn tiles_directory_that_lies_is_caught() {
    let size = 700; // bundles 0 and 1 full, bundle 2 partial (188); tile/1/000.p/2
    let log = TestLog::new(1, "a", size);
    let fresh = || {
        let dir = tempfile::tempdir().expect("temp dir");
        log.write_tiles(dir.path(), size);
        let cp = dir.path().join("checkpoint");
        write(&cp, log.checkpoint(size).as_bytes());
        (dir, cp)
    };
    let run = |dir: &Path, cp: &Path| {
        verify(&["tiles", s(dir), "--checkpoint", s(cp), "--key", &log.vkey()])
    };
    let flip = |path: &Path, at: usize| {
        let mut b = std::fs::read(path).expect("written");
        b[at] ^= 1;
        write(path, &b);
    };

    let (dir, cp) = fresh();
    flip(&dir.path().join("tile/entries/001"), 40);
    assert_fails(
        &run(dir.path(), &cp),
        1,
        "tile/entries/001 does not match the tree",
    );

    let (dir, cp) = fresh();
    flip(&dir.path().join("tile/0/002.p/188"), 32 * 100);
    assert_fails(
        &run(dir.path(), &cp),
        1,
        "tile/entries/002.p/188 does not match the tree",
    );

    // Tile and bundle changed together: the root gives them away.
    let (dir, cp) = fresh();
    let mut other = TestLog::new(1, "a", size);
    other.entries[5] = b"forged".to_vec();
    let mut forged = TestLog::new(1, "x", 0);
    for e in &other.entries {
        forged.append(e.clone());
    }
    forged.write_tiles(dir.path(), size);
    assert_fails(&run(dir.path(), &cp), 1, "the 700 entries give root");

    let (dir, cp) = fresh();
    flip(&dir.path().join("tile/1/000.p/2"), 33);
    assert_fails(
        &run(dir.path(), &cp),
        1,
        "tile/1/000.p/2: hash 1 is not the root of the tile below it (tile/0/001)",
    );

    let (dir, cp) = fresh();
    std::fs::remove_file(dir.path().join("tile/1/000.p/2")).expect("written");
    assert_fails(&run(dir.path(), &cp), 1, "reading");

    let (dir, cp) = fresh();
    std::fs::remove_file(dir.path().join("tile/entries/000")).expect("written");
    assert_fails(&run(dir.path(), &cp), 1, "reading");

    // A checkpoint of another log (another key) is refused before any tile is read.
    let (dir, _) = fresh();
    let stranger = TestLog::new(3, "a", size);
    let cp = dir.path().join("stranger");
    write(&cp, stranger.checkpoint(size).as_bytes());
    assert_fails(&run(dir.path(), &cp), 1, "no signature by a known key");
}

#[test]
fn tiles_of_a_grown_mirror_check_an_older_checkpoint() {
    // The mirror has the tiles of a 1,024-entry tree: the partial tiles of size 700 are gone,
    // the full ones stand in for them.
    let dir = tempfile::tempdir().expect("temp dir");
    let log = TestLog::new(1, "a", 1024);
    log.write_tiles(dir.path(), 1024);
    assert!(!dir.path().join("tile/0/002.p/188").exists());
    let cp = dir.path().join("checkpoint");
    write(&cp, log.checkpoint(700).as_bytes());
    let o = verify(&[
        "tiles",
        s(dir.path()),
        "--checkpoint",
        s(&cp),
        "--key",
        &log.vkey(),
    ]);
    assert_ok(&o);
    assert!(stdout(&o).starts_with("ok: 700 entries"), "{}", stdout(&o));
}
