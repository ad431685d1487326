//! `watch` against a tiny HTTP server on 127.0.0.1 that serves a log as the server will
//! (`GET /v1/checkpoint`, `GET /v1/proofs/consistency?from=M&to=N`): first honestly as it grows,
//! then a fork.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{TestLog, assert_fails, assert_ok, stdout, verify};

/// What the server serves: a log at a size (proofs up to it), a checkpoint of that size or, when
/// a stale cache answers, an older one.
struct Serving {
    log: TestLog,
    size: u64,
    checkpoint_size: u64,
    checkpoint_path: &'static str,
}

/// A one-thread HTTP/1.1 server on a loopback port; stops when dropped, and after 200 requests.
struct TestServer {
    addr: SocketAddr,
    serving: Arc<Mutex<Serving>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    fn start(log: TestLog, size: u64) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("bound");
        let serving = Arc::new(Mutex::new(Serving {
            log,
            size,
            checkpoint_size: size,
            checkpoint_path: "/v1/checkpoint",
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (serving, stop) = (serving.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming().take(200) {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        answer(stream, &serving);
                    }
                }
            })
        };
        TestServer {
            addr,
            serving,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&self, log: TestLog, size: u64) {
        if let Ok(mut s) = self.serving.lock() {
            s.log = log;
            s.size = size;
            s.checkpoint_size = size;
        }
    }

    fn grow_to(&self, size: u64) {
        if let Ok(mut s) = self.serving.lock() {
            s.size = size;
            s.checkpoint_size = size;
        }
    }

    fn serve_stale_checkpoint(&self, size: u64) {
        if let Ok(mut s) = self.serving.lock() {
            s.checkpoint_size = size;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(mut stream: TcpStream, serving: &Mutex<Serving>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let target = request.split(' ').nth(1).unwrap_or("/").to_owned();
    let (status, content_type, body) = match serving.lock() {
        Ok(s) => route(&s, &target),
        Err(_) => (
            "500 Internal Server Error",
            "text/plain",
            "poisoned".to_owned(),
        ),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn route(s: &Serving, target: &str) -> (&'static str, &'static str, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == s.checkpoint_path {
        return (
            "200 OK",
            "text/plain; charset=utf-8",
            s.log.checkpoint(s.checkpoint_size),
        );
    }
    if path == "/v1/proofs/consistency" {
        let param = |name: &str| {
            query.split('&').find_map(|kv| {
                kv.strip_prefix(name)?
                    .strip_prefix('=')?
                    .parse::<u64>()
                    .ok()
            })
        };
        return match (param("from"), param("to")) {
            (Some(from), Some(to)) if 0 < from && from <= to && to <= s.size => (
                "200 OK",
                "application/json",
                s.log.consistency_json(from, to),
            ),
            _ => ("400 Bad Request", "text/plain", "bad sizes".to_owned()),
        };
    }
    ("404 Not Found", "text/plain", "not found".to_owned())
}

fn watch(server: &TestServer, state: &Path, key: &str) -> std::process::Output {
    verify(&[
        "watch",
        &server.url(),
        "--key",
        key,
        "--state",
        state.to_str().expect("UTF-8"),
        "--timeout",
        "10",
    ])
}

/// The log the server holds honestly, and a fork of it: the same key, the same first 8 entries,
/// then others.
fn logs() -> (TestLog, TestLog) {
    let honest = TestLog::new(1, "a", 20);
    let mut fork = TestLog::new(1, "a", 8);
    for i in 8..20 {
        fork.append(format!("rewritten {i}").into_bytes());
    }
    (honest, fork)
}

#[test]
fn watch_follows_a_growing_log_and_catches_a_fork() {
    let state = tempfile::tempdir().expect("temp dir");
    let (honest, fork) = logs();
    let key = honest.vkey();
    let server = TestServer::start(logs().0, 5);

    let o = watch(&server, state.path(), &key);
    assert_ok(&o);
    assert!(
        stdout(&o)
            .starts_with("stored the first checkpoint: origin example.com/progress-ledger, size 5"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(state.path().join("checkpoint")).ok(),
        Some(honest.checkpoint(5))
    );

    server.grow_to(12);
    let o = watch(&server, state.path(), &key);
    assert_ok(&o);
    assert!(
        stdout(&o).starts_with("extended: size 5 → 12"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(state.path().join("checkpoint")).ok(),
        Some(honest.checkpoint(12))
    );

    let o = watch(&server, state.path(), &key);
    assert_ok(&o);
    assert!(stdout(&o).starts_with("unchanged: "), "{}", stdout(&o));

    // An older checkpoint from a stale cache: consistent, so no fork, and the stored one stays.
    server.serve_stale_checkpoint(9);
    let o = watch(&server, state.path(), &key);
    assert_ok(&o);
    assert!(stdout(&o).starts_with("older: "), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(state.path().join("checkpoint")).ok(),
        Some(honest.checkpoint(12))
    );
    // A log that went back to size 9 cannot prove that 12 extends 9: a failure, not a fork.
    server.grow_to(9);
    let o = watch(&server, state.path(), &key);
    assert_fails(
        &o,
        1,
        "the server's tree (size 9) is older than the stored one (size 12) and cannot be checked against it: fetching",
    );

    // Two roots for size 12.
    server.serve(logs().1, 12);
    let o = watch(&server, state.path(), &key);
    assert_fails(&o, 3, "fork detected: two roots for tree size 12");
    let out = stdout(&o);
    assert!(
        out.contains(&honest.checkpoint(12)),
        "the stored note is in the evidence:\n{out}"
    );
    assert!(
        out.contains(&fork.checkpoint(12)),
        "the served note is in the evidence:\n{out}"
    );
    assert_eq!(
        std::fs::read_to_string(state.path().join("fork-evidence.txt")).ok(),
        Some(out)
    );
    assert_eq!(
        std::fs::read_to_string(state.path().join("checkpoint")).ok(),
        Some(honest.checkpoint(12))
    );

    // A larger tree that does not extend the stored one: its own proof cannot show it does.
    server.serve(logs().1, 20);
    let o = watch(&server, state.path(), &key);
    assert_fails(
        &o,
        3,
        "fork detected: the tree of size 20 does not extend the tree of size 12",
    );
    assert!(stdout(&o).contains(&fork.checkpoint(20)));

    // Back to the honest log: it extends what was stored.
    server.serve(logs().0, 20);
    let o = watch(&server, state.path(), &key);
    assert_ok(&o);
    assert!(
        stdout(&o).starts_with("extended: size 12 → 20"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn watch_refuses_what_it_cannot_check() {
    let state = tempfile::tempdir().expect("temp dir");
    let (honest, _) = logs();
    let server = TestServer::start(logs().0, 5);

    // Another key than the log's: nothing verifies, nothing is stored.
    let stranger = TestLog::new(9, "a", 1).vkey();
    assert_fails(
        &watch(&server, state.path(), &stranger),
        1,
        "no signature by a known key",
    );
    assert!(!state.path().join("checkpoint").exists());

    // A wrong path and a closed port.
    let o = verify(&[
        "watch",
        &server.url(),
        "--key",
        &honest.vkey(),
        "--state",
        state.path().to_str().expect("UTF-8"),
        "--checkpoint-path",
        "/checkpoint",
    ]);
    assert_fails(&o, 1, "404");
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a loopback port");
    let o = verify(&[
        "watch",
        &format!("http://{closed}"),
        "--key",
        &honest.vkey(),
        "--state",
        state.path().to_str().expect("UTF-8"),
        "--timeout",
        "5",
    ]);
    assert_fails(&o, 1, "fetching http://127.0.0.1");

    // The tlog-tiles path, configured.
    if let Ok(mut s) = server.serving.lock() {
        s.checkpoint_path = "/checkpoint";
    }
    let o = verify(&[
        "watch",
        &server.url(),
        "--key",
        &honest.vkey(),
        "--state",
        state.path().to_str().expect("UTF-8"),
        "--checkpoint-path",
        "/checkpoint",
    ]);
    assert_ok(&o);
}
