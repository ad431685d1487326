//! Token commands as real processes: concurrent `token add` and `token revoke` lose and bring
//! back nothing (each holds the store's file lock from its read to its write); the file is
//! private; `serve --open` refuses an address that is not loopback and a data directory where
//! credentials were created.

mod common;

use common::{run, stderr};

use std::collections::BTreeSet;
use std::path::Path;

/// `token add`: the new token's id (from the message on stderr: "token <id> for …").
fn add(data: &Path, unit: &str, extra: &[&str]) -> String {
    let mut args = vec!["token", "add", "--unit", unit, "--role", "recorder"];
    args.extend_from_slice(extra);
    let output = run(data, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    said.split_whitespace()
        .nth(1)
        .filter(|id| said.starts_with("token ") && id.len() == 12)
        .unwrap_or_else(|| panic!("no id in {said:?}"))
        .to_owned()
}

/// `token list --json`: id → expires.
fn listed(data: &Path) -> Vec<serde_json::Value> {
    let output = run(data, &["token", "list", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("a JSON list")
}

#[test]
fn concurrent_token_commands_lose_and_resurrect_nothing() {
    const WORKERS: usize = 4;
    const ROUNDS: usize = 10;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    // Each worker adds a token per round and revokes every other one it added, while the
    // others do the same: a lost update would drop someone's new token or bring back a revoked
    // one.
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let data = data.clone();
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut revoked = Vec::new();
                for round in 0..ROUNDS {
                    let id = add(&data, &format!("单位{worker}-{round}"), &[]);
                    if round % 2 == 1 {
                        let output = run(&data, &["token", "revoke", &id]);
                        assert!(output.status.success(), "{}", stderr(&output));
                        revoked.push(id);
                    } else {
                        kept.push(id);
                    }
                }
                (kept, revoked)
            })
        })
        .collect();
    let mut kept = BTreeSet::new();
    let mut revoked = BTreeSet::new();
    for worker in workers {
        let (k, r) = worker.join().expect("a worker");
        kept.extend(k);
        revoked.extend(r);
    }
    let listed: BTreeSet<String> = listed(&data)
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, kept, "every kept token is listed, and nothing else");
    assert!(listed.is_disjoint(&revoked));
    assert_eq!(kept.len(), WORKERS * ROUNDS / 2);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for name in ["tokens.json", "tokens.json.lock"] {
            let mode = std::fs::metadata(data.join(name))
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
}

#[test]
fn tokens_may_expire_and_are_listed_with_their_expiry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let id = add(dir.path(), "市卫健委", &["--expires", "90d"]);
    let forever = add(dir.path(), "市教育局", &[]);
    let list = listed(dir.path());
    let find = |id: &str| {
        list.iter()
            .find(|t| t["id"] == id)
            .cloned()
            .expect("listed")
    };
    let expiring = find(&id);
    assert!(expiring["expires"].is_string(), "{expiring}");
    assert_eq!(expiring["expired"], false);
    assert!(find(&forever)["expires"].is_null());
    let refused = run(
        dir.path(),
        &[
            "token",
            "add",
            "--unit",
            "x",
            "--role",
            "admin",
            "--expires",
            "soon",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--expires"),
        "{}",
        stderr(&refused)
    );
    let unknown = run(dir.path(), &["token", "revoke", "000000000000"]);
    assert!(!unknown.status.success());
    assert_eq!(
        listed(dir.path()).len(),
        2,
        "a failed revoke changes nothing"
    );
}

#[test]
fn serve_open_refuses_an_address_that_is_not_loopback_and_a_directory_with_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let output = run(dir.path(), &["serve", "--open", "--addr", addr]);
        assert!(
            !output.status.success(),
            "serve --open --addr {addr} started"
        );
        assert!(stderr(&output).contains("loopback"), "{}", stderr(&output));
    }
    assert!(
        !dir.path().join("ledger").exists(),
        "refused before the ledger was opened"
    );
    add(dir.path(), "市卫健委", &[]);
    let output = run(dir.path(), &["serve", "--open", "--addr", "127.0.0.1:0"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("credentials were created"),
        "{}",
        stderr(&output)
    );
}
