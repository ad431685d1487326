//! `progress-ledger serve` mounts the pages beside the API; `--no-pages` leaves them out and the
//! API answers as it does without them; `--demo` serves simulated figures, labelled so, from a
//! temporary directory and never from `--data`. Loopback only.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A running `serve`; killed when dropped.
struct Served {
    child: Child,
    base: String,
    said: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, flags: &[&str]) -> Served {
    let child = Command::new(env!("CARGO_BIN_EXE_progress-ledger"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(flags)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Owned by `Served` from here on, so that a failed start kills it.
    let mut served = Served {
        child,
        base: String::new(),
        said: Vec::new(),
    };
    let stderr = served.child.stderr.take().expect("stderr is piped");
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    loop {
        let line = received
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!("serve did not start; it said:\n{}", served.said.join("\n"))
            });
        if let Some(address) = line.split("listening address=").nth(1) {
            let address = address.split_whitespace().next().unwrap_or("").to_owned();
            std::thread::spawn(move || while received.recv().is_ok() {});
            served.base = format!("http://{address}");
            return served;
        }
        served.said.push(line);
    }
}

/// SIGTERM (a graceful stop), and wait for the process.
fn stop(mut served: Served) {
    let _ = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status();
    for _ in 0..300 {
        if let Ok(Some(_)) = served.child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("serve did not stop on SIGTERM");
}

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn the_pages_are_served_beside_the_api_unless_turned_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let with = serve(&data, &[]);
    let (status, kind, page) = get(&format!("{}/", with.base)).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(
        page.contains("合肥市") && page.contains("总体完成率"),
        "the dashboard"
    );
    assert!(
        !page.contains("模拟数据"),
        "a real ledger is not labelled simulated"
    );
    let (status, _, _) = get(&format!("{}/assets/app.css", with.base)).await;
    assert_eq!(status, 200);
    let (_, _, api_with) = get(&format!("{}/v1/progress?effective=2023-06-30", with.base)).await;
    let (_, _, openapi_with) = get(&format!("{}/openapi.json", with.base)).await;
    drop(with);

    let without = serve(&data, &["--no-pages"]);
    for path in [
        "/",
        "/record",
        "/indicators/t02-1-childcare-seats",
        "/assets/app.css",
    ] {
        let (status, kind, body) = get(&format!("{}{path}", without.base)).await;
        assert_eq!(status, 404, "{path} without pages");
        assert!(
            kind.starts_with("application/json"),
            "the API's own 404: {kind}"
        );
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, _, api_without) = get(&format!(
        "{}/v1/progress?effective=2023-06-30",
        without.base
    ))
    .await;
    assert_eq!(status, 200);
    let strip = |text: &str| {
        let mut value: Value = serde_json::from_str(text).expect("JSON");
        value["as_of"] = Value::Null;
        value
    };
    assert_eq!(
        strip(&api_with),
        strip(&api_without),
        "the API is unchanged"
    );
    let (_, _, openapi_without) = get(&format!("{}/openapi.json", without.base)).await;
    assert_eq!(
        openapi_with, openapi_without,
        "the API's description is unchanged"
    );
}

#[tokio::test]
async fn the_demo_is_simulated_labelled_and_kept_out_of_the_data_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let demo = serve(&data, &["--demo"]);
    assert!(
        demo.said
            .iter()
            .any(|l| l.contains("demo token for 市卫健委")),
        "tokens to try the form are printed:\n{}",
        demo.said.join("\n")
    );
    for path in [
        "/",
        "/units",
        "/districts",
        "/indicators/t02-1-childcare-seats",
        "/record",
    ] {
        let (status, _, page) = get(&format!("{}{path}", demo.base)).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("模拟数据"), "{path} is labelled simulated");
    }
    let (_, _, progress) = get(&format!("{}/v1/progress", demo.base)).await;
    let progress: Value = serde_json::from_str(&progress).expect("JSON");
    assert!(progress["plan"]["completion"].as_f64().expect("completion") > 0.2);
    let folder = demo
        .said
        .iter()
        .find_map(|l| l.split("data=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .expect("the demo names its temporary directory");
    assert!(Path::new(&folder).exists(), "{folder}");
    stop(demo);
    assert!(
        !Path::new(&folder).exists(),
        "the temporary directory is removed at exit"
    );
    assert!(!data.exists(), "--data is not touched by the demo");
}
