//! Runs every example of `examples/` and checks its exit status and key lines of its output, so
//! that the examples cannot rot.
//!
//! The example binaries are run from the target directory, next to this test's executable
//! (`<target>/<profile>/examples/NAME`). `cargo test` builds them before running any test, but
//! `cargo test --test examples` does not, so the first test to need them runs
//! `cargo build --examples` once for the same profile and target directory (a no-op when they
//! are fresh). This does not deadlock: cargo releases its build-directory lock before it runs
//! the test binaries; if another cargo command holds the lock, the build waits for it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Every example, by name. `every_example_is_listed_and_documented` checks this against the
/// files in `examples/`.
const EXAMPLES: [&str; 7] = [
    "quickstart",
    "school_places",
    "auditor_replay",
    "target_revision",
    "embed_router",
    "report",
    "audit_trail",
];

/// Longest an example may run (they take well under a second; this is for slow CI machines).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The profile directory this test runs from: `<target>/<profile>/deps/examples-<hash>` →
/// `<target>/<profile>`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test executable is in <target>/<profile>/deps")
        .to_path_buf()
}

/// Builds the examples once for this test run; returns the directory of their binaries.
fn examples_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let profile_dir = profile_dir();
        let target_dir = profile_dir.parent().expect("a target directory");
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--examples", "--quiet", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir);
        match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some("release") => {
                build.arg("--release");
            }
            Some(profile) => {
                build.args(["--profile", profile]);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build --examples failed: {status}");
        profile_dir.join("examples")
    })
}

/// What an example printed.
struct Output {
    stdout: String,
    stderr: String,
}

impl Output {
    /// Asserts that stdout contains `text`.
    fn has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "expected {text:?} in the output:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs an example binary (no arguments) within the time limit; asserts it exits with 0.
fn run(name: &str) -> Output {
    let path = examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        stdout_pipe.read_to_string(&mut text).map(|_| text)
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        stderr_pipe.read_to_string(&mut text).map(|_| text)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("example {name} ran longer than {TIME_LIMIT:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        stdout: stdout
            .join()
            .expect("stdout reader")
            .expect("stdout is UTF-8"),
        stderr: stderr
            .join()
            .expect("stderr reader")
            .expect("stderr is UTF-8"),
    };
    assert!(
        status.success(),
        "example {name} failed ({status}):\n{}\n--- stderr:\n{}",
        output.stdout,
        output.stderr
    );
    output
}

#[test]
fn every_example_is_listed_and_documented() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("a UTF-8 file name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("the example is readable");
            let first = text.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("//! ")
                    && first.contains(&format!("`cargo run --example {name}`")),
                "examples/{name}.rs must start with a `//!` line saying what it shows and \
                 `cargo run --example {name}`; it starts with {first:?}"
            );
            for banned in [".unwrap()", ".expect("] {
                assert!(
                    !text.contains(banned),
                    "examples/{name}.rs uses {banned}: examples handle errors with `?`"
                );
            }
            assert!(
                text.contains("tempfile::tempdir()"),
                "examples/{name}.rs must work in a temporary directory"
            );
            found.push(name);
        }
    }
    found.sort();
    let mut listed = EXAMPLES.map(str::to_owned).to_vec();
    listed.sort();
    assert_eq!(
        found, listed,
        "every example in examples/ is run by this test"
    );
}

#[test]
fn quickstart() {
    run("quickstart")
        .has("plan loaded: 合肥市“为民优服务”行动方案(2023)")
        .has("simulated updates (for illustration, not real figures)")
        .has("seq 250  effective 2023-09-30  肥西县  +210 托位")
        .has("indicator t02-1-childcare-seats 新增托位: 3320 of 16000 个 = 20.75% (behind)")
        .has("蜀山区: 1570 个")
        .has("task 2 托育服务: 1.73% (behind)")
        .has("plan 合肥市“为民优服务”行动方案(2023): 0.04%");
}

#[test]
fn school_places() {
    run("school_places")
        .has("for illustration, not real figures")
        .has("t03-0-kindergarten-places: 7200 of 26000 = 27.69%")
        .has("voids seq 247")
        .has("t03-0-kindergarten-places: 5400 of 26000 = 20.77%")
        .has("t04-0-school-places: 11300 of 45000 = 25.11%")
        .has("新增学位 across tasks 3 and 4: 16700 of 71000 (18500 before the correction)");
}

#[test]
fn auditor_replay() {
    let output = run("auditor_replay");
    output
        .has("for illustration, not real figures")
        .has("would see an empty ledger")
        .has("events folded: 288")
        // As recorded after September: the August figure before November's correction.
        .has("t02-1-childcare-seats               10125 of  16000    63.28%  behind")
        // As effective on 2023-09-30 now: the correction applies.
        .has("t02-1-childcare-seats                9925 of  16000    62.03%  behind")
        .has("t02-1-childcare-seats               14110 of  16000    88.19%  behind")
        .has("voids seq 278, replaced by +170")
        .has("verify: ok (305 events")
        .has("verify against the published head: ok")
        .has(": identical");
    let head = output
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("published head: seq 305 hash "))
        .expect("a published head line");
    assert!(
        head.len() == 64 && head.chars().all(|c| c.is_ascii_hexdigit()),
        "the published hash is 64 hex digits: {head:?}"
    );
}

#[test]
fn target_revision() {
    run("target_revision")
        .has("for illustration (not real figures)")
        .has("8400 of 16000 =  52.50%  on_track")
        .has("8400 of 18000 =  46.67%  behind")
        .has("17400 of 18000 =  96.67%  behind")
        .has("target 18000   46.67%  target -> 18000");
}

#[test]
fn embed_router() {
    run("embed_router")
        .has("ledger API mounted under /ledger")
        .has("/ledger/health")
        .has("answer: 200 OK")
        .has("\"status\": \"ok\"")
        .has("\"hefei-2023\"")
        .has("server stopped, ledger flushed (241 events)");
}

#[test]
fn report() {
    let output = run("report");
    output
        .has("> Simulated updates recorded by this example, for illustration")
        .has("# 合肥市“为民优服务”行动方案(2023) 督查通报")
        .has("截至 2023-12-31（计划期已过 100%）")
        .has("共 109 项")
        .has("## 市教育局")
        .has("| 2(2) | 支持托育机构发展 | 100% | 已完成 |")
        .has("| 10(5) | 加大医疗设施建设 | 30.0% | 滞后 |");
    assert!(
        output.stdout.starts_with("> Simulated updates"),
        "the report says first that its data is simulated"
    );
}

#[test]
fn audit_trail() {
    run("audit_trail")
        .has("simulated updates (for illustration, not real figures)")
        .has("  voided  seq 243 by seq 246: 包河区九月数据重复填报")
        .has("  sum of 3 updates = 2500")
        .has("  2500 / 16000 = 0.15625")
        .has("  1 update(s) about a later date not counted")
        .has("  indicator t02-1-childcare-seats: 2800 → 2500")
        .has("    LateReport seq 245")
        .has("    Correction seq 246");
}
