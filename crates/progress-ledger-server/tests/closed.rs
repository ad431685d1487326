//! Closed by default, and it never falls open: once credentials exist, whatever happens to the
//! token file (deleted, emptied, corrupted, made unreadable, every token revoked), every write
//! is refused, with or without a token; putting the file back restores exactly the tokens it
//! holds. Open development mode is for a data directory that never had credentials, and ends
//! for good with the first token.

mod common;

use common::{TestServer, code, seats, start_with};
use progress_ledger_server::credentials::{Role, TokenStore};
use progress_ledger_server::{Server, ServerConfig, run};
use reqwest::StatusCode;
use serde_json::json;

/// Posts a valid update with each of `tokens` and none; every one must be refused and
/// nothing written. Returns the codes answered.
async fn every_write_refused(server: &TestServer, tokens: &[&str], when: &str) -> Vec<String> {
    let before = server.log_len();
    let mut codes = Vec::new();
    let attempts = tokens
        .iter()
        .map(|t| Some(*t))
        .chain([None, Some("plt_not-a-token")]);
    for token in attempts {
        let (status, body) = server.post_event_as(&seats(1, "2023-09-30"), token).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::SERVICE_UNAVAILABLE,
            "{when}: a write with {token:?} answered {status}: {body}"
        );
        codes.push(code(&body).to_owned());
    }
    assert_eq!(server.log_len(), before, "{when}: nothing was written");
    let (_, health) = server.get("/health").await;
    assert_ne!(
        health["mode"],
        json!("open_development"),
        "{when}: {health}"
    );
    codes
}

/// A write with `token` is accepted (so that each refusal above is the file's doing).
async fn write_accepted(server: &TestServer, token: &str, when: &str) {
    let (status, body) = server
        .post_event_as(&seats(1, "2023-09-30"), Some(token))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{when}: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatever_happens_to_the_token_file_every_write_is_refused() {
    let server = start_with(|_, data| {
        TokenStore::in_data_dir(data)
            .add("市卫健委", Role::Admin)
            .expect("token");
    })
    .await;
    let store = TokenStore::in_data_dir(server.dir.path());
    let (admin, _) = store.add("市政府办公室", Role::Admin).expect("token");
    let (recorder, _) = store.add("市卫健委", Role::Recorder).expect("token");
    let tokens = [admin.as_str(), recorder.as_str()];
    write_accepted(&server, &admin, "with the file as created").await;
    let saved = std::fs::read(store.path()).expect("token file");
    let restore = || {
        std::fs::write(store.path(), &saved).expect("restore");
        set_mode(store.path(), 0o600);
    };

    std::fs::remove_file(store.path()).expect("delete");
    let codes = every_write_refused(&server, &tokens, "deleted").await;
    assert!(
        codes.iter().all(|c| c == "credentials_unavailable"),
        "{codes:?}"
    );
    restore();
    write_accepted(&server, &admin, "restored after the delete").await;

    std::fs::write(store.path(), "").expect("empty");
    every_write_refused(&server, &tokens, "emptied").await;
    restore();
    write_accepted(&server, &recorder, "restored after emptying").await;

    std::fs::write(store.path(), "{\"version\": 2, \"tokens\": [").expect("corrupt");
    every_write_refused(&server, &tokens, "corrupted").await;
    restore();
    write_accepted(&server, &admin, "restored after the corruption").await;

    set_mode(store.path(), 0o000);
    every_write_refused(&server, &tokens, "chmod 000").await;
    set_mode(store.path(), 0o600);
    write_accepted(&server, &admin, "chmod 600 again").await;

    std::fs::write(store.path(), "{\"version\": 2, \"tokens\": []}").expect("an empty list");
    let codes = every_write_refused(&server, &tokens, "a deploy wrote an empty list").await;
    assert!(
        codes.iter().all(|c| c != "credentials_unavailable"),
        "{codes:?}"
    );
    restore();

    for record in store.read().expect("read").tokens {
        store.revoke(&record.id).expect("revoke");
    }
    let codes = every_write_refused(&server, &tokens, "every token revoked").await;
    assert_eq!(codes[0], "invalid_token", "{codes:?}");
    let (_, health) = server.get("/health").await;
    assert_eq!(health["mode"], json!("tokens"), "{health}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_development_mode_ends_for_good_with_the_first_token() {
    // `start` serves open development mode (loopback, no credentials ever created).
    let server = common::start().await;
    let (status, body) = server.post_event(&seats(1, "2023-09-30")).await;
    assert_eq!(status, StatusCode::CREATED, "open: {body}");
    let store = TokenStore::in_data_dir(server.dir.path());
    let (admin, record) = store.add("市政府办公室", Role::Admin).expect("token");
    every_write_refused(&server, &[], "a token was created").await;
    write_accepted(&server, &admin, "with the token").await;
    store.revoke(&record.id).expect("revoke");
    every_write_refused(&server, &[&admin], "the only token revoked").await;
    std::fs::remove_file(store.path()).expect("delete");
    std::fs::remove_file(store.lock_path()).expect("delete the lock file too");
    every_write_refused(&server, &[&admin], "both files deleted while running").await;
    server.stop().await;

    // Open development mode where credentials were created is refused at start.
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    std::fs::write(dir.join("tokens.json"), "{\"version\": 2, \"tokens\": []}").expect("write");
    let tracker = progress_ledger_core::Tracker::open(dir.join("ledger")).expect("open");
    let mut config = ServerConfig::new(dir);
    config.open = true;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let refused = run(listener, Server::new(tracker, config), async {}).await;
    let error = refused.expect_err("open development mode is refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("credentials were created"),
        "{error}"
    );
}

#[test]
fn open_development_mode_is_refused_on_an_address_that_is_not_loopback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::new(dir.path());
    assert_eq!(
        config.check_open("0.0.0.0:8080".parse().expect("addr")),
        Ok(())
    );
    config.open = true;
    for address in ["0.0.0.0:8080", "[::]:8080", "192.0.2.7:80"] {
        let refused = config.check_open(address.parse().expect("addr"));
        assert!(
            refused.as_ref().is_err_and(|r| r.contains("loopback")),
            "{address}: {refused:?}"
        );
    }
    for address in ["127.0.0.1:8080", "[::1]:8080"] {
        assert_eq!(config.check_open(address.parse().expect("addr")), Ok(()));
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}
