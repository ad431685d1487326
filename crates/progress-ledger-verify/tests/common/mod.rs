//! A test log (stored hashes in memory, a signing key), files written from it, and the binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use progress_ledger_tlog::tile::{bundles_for_size, encode_bundle, read_tile_data, tiles_for_size};
use progress_ledger_tlog::{
    Checkpoint, Hash, Signer, prove_record, prove_tree, stored_hashes, tree_hash,
};
use progress_ledger_verify::wire::{ConsistencyProof, InclusionProof};

pub const ORIGIN: &str = "example.com/progress-ledger";

pub struct TestLog {
    pub signer: Signer,
    pub entries: Vec<Vec<u8>>,
    pub stored: Vec<Hash>,
}

impl TestLog {
    /// A log of `n` entries named after `salt`, signed by the key made from `seed`.
    pub fn new(seed: u8, salt: &str, n: u64) -> TestLog {
        let signer = Signer::from_seed(ORIGIN, &[seed; 32]).expect("valid name");
        let mut log = TestLog {
            signer,
            entries: Vec::new(),
            stored: Vec::new(),
        };
        for i in 0..n {
            log.append(format!("{salt} event {i}").into_bytes());
        }
        log
    }

    pub fn append(&mut self, entry: Vec<u8>) {
        let n = self.entries.len() as u64;
        let new = stored_hashes(n, &entry, &self.stored).expect("in memory");
        self.stored.extend(new);
        self.entries.push(entry);
    }

    pub fn vkey(&self) -> String {
        self.signer.verifier().vkey()
    }

    pub fn root(&self, size: u64) -> Hash {
        tree_hash(size, &self.stored).expect("stored")
    }

    pub fn checkpoint(&self, size: u64) -> String {
        Checkpoint::new(ORIGIN, size, self.root(size))
            .expect("valid")
            .sign(&self.signer)
            .to_string()
    }

    pub fn inclusion_json(&self, index: u64, size: u64) -> String {
        let hashes = prove_record(size, index, &self.stored).expect("stored");
        serde_json::to_string(&InclusionProof {
            index,
            size,
            hashes,
        })
        .expect("serialises")
    }

    pub fn consistency_json(&self, from: u64, to: u64) -> String {
        let hashes = if from == 0 {
            Vec::new()
        } else {
            prove_tree(to, from, &self.stored).expect("stored")
        };
        serde_json::to_string(&ConsistencyProof { from, to, hashes }).expect("serialises")
    }

    /// Writes the hash tiles and entry bundles of the tree of `size` under `dir`.
    pub fn write_tiles(&self, dir: &Path, size: u64) {
        for tile in tiles_for_size(0, size) {
            let data = read_tile_data(&tile, &self.stored).expect("stored");
            write(&dir.join(tile.path()), &data);
        }
        for bundle in bundles_for_size(0, size) {
            let first = bundle.first_index() as usize;
            let entries = &self.entries[first..first + usize::from(bundle.width())];
            write(
                &dir.join(bundle.path()),
                &encode_bundle(entries).expect("small entries"),
            );
        }
    }
}

pub fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("temp dir");
    }
    std::fs::write(path, bytes).expect("temp dir");
}

/// Runs the binary.
pub fn verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_progress-ledger-verify"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure with `code` and a one-line reason containing `reason`.
pub fn assert_fails(o: &Output, code: i32, reason: &str) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{err}",
        stdout(o)
    );
    assert_eq!(err.lines().count(), 1, "one line of reason, got:\n{err}");
    assert!(err.starts_with("progress-ledger-verify: "), "{err}");
    assert!(err.contains(reason), "{err:?} does not say {reason:?}");
}

pub fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}
