//! The figures of a ledger at scale (10M events by default; `PL_BENCH_SCALE_SIZE` sets
//! another size): open time and resident memory of a fresh process (and memory's growth per
//! event from a ledger a tenth the size), progress now, as effective on a date, as recorded
//! at mid-log, one indicator's history and explanation, each beside its goal; then verify
//! throughput in a process of its own, as an auditor runs it; then opening again after a child
//! appending to the ledger was killed with SIGKILL.
//! Not a criterion bench: each answer is timed a few times and its median and worst printed.
//! `scripts/bench.sh --scale` runs it; it is not part of the other modes (building the
//! 10M-event ledger takes minutes, and it is cached in `target/bench-data` like the others).
//! Each run appends some 0.13M events to the cached ledger; once it has grown by a twentieth,
//! the next run builds it afresh.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use progress_ledger::projection::{self, Scope};
use progress_ledger::{Ledger, ProgressQuery, Tracker};

/// The indicator whose history and explanation are asked for: 新增托位, cumulative, with
/// district updates.
const INDICATOR: &str = "t02-1-childcare-seats";

/// The size measured unless `PL_BENCH_SCALE_SIZE` says otherwise.
const DEFAULT_SIZE: u64 = 10_000_000;

fn size() -> u64 {
    std::env::var("PL_BENCH_SCALE_SIZE")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_SIZE)
}

/// Runs `f` once to warm up, then `runs` times; returns (median, worst) in milliseconds.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    std::hint::black_box(f());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}

/// Prints a timed answer's median and worst, and whether the worst meets `goal_ms`.
fn answer(name: &str, label: &str, (median, worst): (f64, f64), goal_ms: f64) {
    common::figure(&format!("scale/{name}_{label}"), median, "ms", None);
    common::figure(&format!("scale/{name}_worst_{label}"), worst, "ms", None);
    goal(
        &format!("{name} < {goal_ms} ms"),
        worst < goal_ms,
        format!("{worst:.1} ms worst, {median:.1} ms median"),
    );
}

fn goal(what: &str, met: bool, detail: String) {
    let verdict = if met { "met" } else { "missed" };
    eprintln!("goal: {what}: {verdict} ({detail})");
}

/// This bench run again as a child: `mode` with the ledger at `path` of `size` events.
fn run_again(mode: &str, path: &Path, size: u64) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("this binary"));
    command.arg(mode).arg(path).arg(size.to_string());
    command
}

/// Events and resident memory (bytes) of a ledger one tenth the size, measured in a fresh
/// process after opening: the baseline from which memory's growth per event is computed.
#[derive(Clone, Copy)]
struct Baseline {
    events: u64,
    rss: u64,
}

/// Opens the tracker at `path` in a child process; its events and resident memory after.
fn baseline(path: &Path, size: u64) -> Baseline {
    let output = run_again("--open-only", path, size)
        .output()
        .expect("the opening child runs");
    assert!(output.status.success(), "the opening child failed");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut numbers = text
        .split_whitespace()
        .map(|n| n.parse().expect("a number"));
    Baseline {
        events: numbers.next().expect("events"),
        rss: numbers.next().expect("resident bytes"),
    }
}

/// In a fresh process: open the tracker, note the time and resident memory (and its growth
/// per event from `baseline`), then time the answers.
fn measure(path: &Path, size: u64, baseline: Baseline) {
    let label = common::label(size);
    let started = Instant::now();
    let tracker: Tracker = common::open_tracker(path, size);
    let open = started.elapsed().as_secs_f64();
    let rss = common::status_kib("VmRSS") as f64 / 1024.0;
    let hwm = common::status_kib("VmHWM") as f64 / 1024.0;
    // At least `size`: the HTTP figure adds a few events each run.
    assert!(
        tracker.with_live(|p| p.seq()) >= size,
        "the live projection is current"
    );
    common::figure(&format!("scale/open_{label}"), open, "s", None);
    goal(
        "open after a clean close < 2 s",
        open < 2.0,
        format!("{open:.2} s"),
    );
    common::figure(&format!("scale/rss_{label}"), rss, "MiB", None);
    common::figure(&format!("scale/peak_rss_{label}"), hwm, "MiB", None);
    common::figure(
        &format!("scale/rss_per_event_{label}"),
        rss * 1024.0 * 1024.0 / size as f64,
        "bytes",
        None,
    );
    goal(
        "resident memory after opening < 400 MB",
        rss * 1.048_576 < 400.0,
        format!("{:.0} MB", rss * 1.048_576),
    );
    let events = tracker.ledger().len();
    let growth = (rss * 1024.0 * 1024.0 - baseline.rss as f64)
        / ((events - baseline.events) as f64 / 1e6)
        / 1e6;
    common::figure(
        &format!("scale/rss_growth_{label}"),
        growth,
        "MB per million events",
        None,
    );
    goal(
        "resident memory growing < 10 MB per million events",
        growth < 10.0,
        format!(
            "{growth:.1} MB per million: {:.0} MB at {events} events, {:.0} MB at {}",
            rss * 1.048_576,
            baseline.rss as f64 / 1e6,
            baseline.events
        ),
    );

    let plan = progress_ledger::plan::hefei_2023().expect("the Hefei plan parses");
    let today = progress_ledger::today();
    // The first answer after opening also folds the aggregates of every update once.
    let started = Instant::now();
    tracker.with_live(|p| std::hint::black_box(projection::progress_view(p, &plan, None, today)));
    let first = started.elapsed().as_secs_f64() * 1e3;
    common::figure(&format!("scale/first_progress_{label}"), first, "ms", None);
    let rss_after = common::status_kib("VmRSS") as f64 / 1024.0;
    common::figure(
        &format!("scale/rss_after_first_answer_{label}"),
        rss_after,
        "MiB",
        None,
    );
    // Progress now as an append leaves it: computed from the live projection, not the kept
    // answer (which an append makes stale).
    let now = time(10, || {
        tracker.with_live(|p| projection::progress_view(p, &plan, None, today))
    });
    answer("progress_now", &label, now, 10.0);

    let june = jiff::civil::date(2023, 6, 30);
    let effective = time(10, || {
        tracker
            .progress(&ProgressQuery {
                effective: Some(june),
                ..ProgressQuery::default()
            })
            .expect("as effective")
    });
    answer("as_effective_june_30", &label, effective, 20.0);

    let middle = tracker
        .ledger()
        .get(size / 2)
        .expect("read")
        .expect("the middle event")
        .recorded_at;
    let recorded = time(3, || {
        tracker
            .progress(&ProgressQuery {
                as_of: Some(middle),
                ..ProgressQuery::default()
            })
            .expect("as recorded")
    });
    answer("as_recorded_mid_log", &label, recorded, 200.0);

    // As recorded at twenty times spread over the log, each asked once: the worst is the
    // answer that folds the most events after its tally checkpoint.
    let times: Vec<_> = (0..20u64)
        .map(|i| {
            let seq = (size * (2 * i + 1) / 40).max(1) + i * 1_601;
            tracker
                .ledger()
                .get(seq.min(size))
                .expect("read")
                .expect("an event")
                .recorded_at
        })
        .collect();
    let mut at = times.iter().cycle();
    let spread = time(times.len() - 1, || {
        let time = at.next().copied();
        tracker
            .progress(&ProgressQuery {
                as_of: time,
                ..ProgressQuery::default()
            })
            .expect("as recorded")
    });
    answer("as_recorded_spread", &label, spread, 200.0);

    let whole = tracker.history(INDICATOR).expect("history");
    eprintln!("{INDICATOR}: {} events in its history", whole.len());
    let history = time(3, || tracker.history(INDICATOR).expect("history"));
    answer("history_indicator", &label, history, 50.0);
    // A page of the trail (as the server answers it): 1,000 steps from the middle, and the
    // last 1,000.
    for (name, at) in [
        ("history_page_mid", whole.len() / 2),
        ("history_page_end", whole.len().saturating_sub(1_001)),
    ] {
        let after = whole.get(at).map_or(0, |step| step.event.seq);
        let page = time(3, || {
            tracker
                .history_page(INDICATOR, after, 1_000, u64::MAX)
                .expect("history page")
        });
        answer(name, &label, page, 50.0);
    }
    drop(whole);

    let scope = Scope::Indicator(INDICATOR.into());
    let explain = time(3, || {
        tracker
            .explain(&ProgressQuery::default(), &scope)
            .expect("explain")
            .expect("the indicator is in the plan")
    });
    answer("explain_indicator", &label, explain, 50.0);

    // What a tally checkpoint costs the fold that takes one (every 32,768 events), beside
    // bringing the aggregates up to date: encoding it.
    let encoded = tracker.with_live(|p| p.encode_tallies().expect("encodes").len());
    let encode = time(10, || {
        tracker.with_live(|p| p.encode_tallies().expect("encodes"))
    });
    common::figure(
        &format!("scale/tally_checkpoint_encode_{label}"),
        encode.0,
        "ms",
        None,
    );
    common::figure(
        &format!("scale/tally_checkpoint_bytes_{label}"),
        encoded as f64,
        "bytes",
        None,
    );

    // What a projection snapshot part costs the fold that takes one (every `snapshot_every`
    // events, 10,000 by default): encoding the part of the last 10,000 events from the
    // updates and voids listed since the part before it; and encoding it since a mark the
    // listing does not cover (one event earlier), which walks every update, as a part after
    // more than 65,536 updates and voids does.
    let head = tracker.ledger().len();
    let (mut projection, _) = tracker.projection_at(head - 10_001).expect("a projection");
    let mut events = tracker.ledger().events_from(head - 10_000);
    let uncovered = projection.snapshot_mark();
    if let Some(event) = events.next() {
        projection.apply(&event.expect("an event"));
    }
    let mark = projection.snapshot_mark();
    projection.snapshot_taken();
    for event in events {
        projection.apply(&event.expect("an event"));
    }
    let listed = time(10, || projection.encode_snapshot(&mark).expect("encodes"));
    common::figure(
        &format!("scale/snapshot_part_encode_{label}"),
        listed.0,
        "ms",
        None,
    );
    let bytes = projection.encode_snapshot(&mark).expect("encodes").len();
    common::figure(
        &format!("scale/snapshot_part_bytes_{label}"),
        bytes as f64,
        "bytes",
        None,
    );
    let walked = time(3, || {
        projection.encode_snapshot(&uncovered).expect("encodes")
    });
    common::figure(
        &format!("scale/snapshot_part_encode_walking_{label}"),
        walked.0,
        "ms",
        None,
    );
    drop(projection);

    // An append while a reader holds the live projection (an explanation being computed, a
    // page being drawn): the fold copies the projection first, sharing what it does not change.
    let (_, mut updates) = common::Updates::hefei(jiff::Timestamp::now().as_nanosecond() as u64);
    let held = time(5, || {
        let reader = tracker.shared_live();
        tracker.record(updates.next_event()).expect("recorded");
        reader
    });
    common::figure(
        &format!("scale/append_while_read_{label}"),
        held.0,
        "ms",
        None,
    );
    common::figure(
        &format!("scale/append_while_read_worst_{label}"),
        held.1,
        "ms",
        None,
    );

    let over_http = progress_over_http(&tracker);
    answer("http_progress_after_append", &label, over_http, 20.0);

    // Batches of 1,000 appended through the interval at which the index is saved (100,000
    // events): the save runs on a thread of its own, so the worst batch should not carry it
    // (a whole index.bin, 3.2 s at 10M, when the flush wrote it). After the answers timed
    // above, which a save under way slows (it writes and syncs the whole file); dropping the
    // tracker at the end (the ledger's last handle) waits for it.
    let batches: Vec<Duration> = (0..100)
        .map(|_| {
            let batch = (0..1_000).map(|_| updates.next_event()).collect();
            let started = Instant::now();
            tracker.record_batch(batch).expect("recorded");
            started.elapsed()
        })
        .collect();
    let worst = batches.iter().max().copied().unwrap_or_default();
    let mut sorted = batches.clone();
    sorted.sort_unstable();
    common::figure(
        &format!("scale/batch_across_index_save_{label}"),
        sorted[sorted.len() / 2].as_secs_f64() * 1e3,
        "ms",
        None,
    );
    common::figure(
        &format!("scale/batch_across_index_save_worst_{label}"),
        worst.as_secs_f64() * 1e3,
        "ms",
        None,
    );

    // Closed as a server closes when it stops (a snapshot part at the head, the index saved):
    // the next child verifies it.
    tracker.close().expect("closes");
}

/// Verified as an auditor would, in a process of its own (as `progress-ledger verify` runs) on
/// a ledger at rest: the measuring child's writes (its appends, the index it saved on closing,
/// some 500 MB) are first written back (`sync`, not timed), so that the disk is not still
/// taking them while verify reads; then the ledger is opened read-only (not timed) and every
/// event checked.
fn verify(path: &Path, size: u64) {
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    if !synced {
        eprintln!("`sync` did not run: verify may share the disk with earlier writes");
    }
    let ledger = Ledger::open_read_only(path).expect("opens read-only");
    let started = Instant::now();
    let report = ledger.verify().expect("verify");
    let seconds = started.elapsed().as_secs_f64();
    assert!(report.ok(), "the chain verifies: {:?}", report.problem);
    let rate = report.events as f64 / seconds;
    let label = common::label(size);
    common::figure(&format!("scale/verify_{label}"), rate, "events/s", None);
    goal(
        "verify ≥ 1M events/s",
        rate >= 1e6,
        format!("{:.2}M events/s, {seconds:.1} s", rate / 1e6),
    );
}

/// Progress now over HTTP right after an append: a server on 127.0.0.1 serving `tracker`, a
/// recorder of the indicator's lead unit appends one update of it, then the progress is asked
/// for (the kept answer is stale, so it is computed afresh). Each of ten rounds times the
/// `GET` only; returns (median, worst) in milliseconds. Each run adds ten events to the cached
/// ledger.
fn progress_over_http(tracker: &Tracker) -> (f64, f64) {
    use progress_ledger_server::credentials::{Role, TokenStore};
    use progress_ledger_server::{Server, ServerConfig, run};

    let plan = progress_ledger::plan::hefei_2023().expect("the Hefei plan parses");
    let unit = plan
        .indicators()
        .find(|(_, _, spec)| spec.id == INDICATOR)
        .and_then(|(_, item, _)| item.lead_units.first().cloned())
        .expect("the indicator has a lead unit");
    let dir = tempfile::tempdir().expect("temp dir");
    let (token, _) = TokenStore::in_data_dir(dir.path())
        .add(&unit, Role::Recorder)
        .expect("token");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = Server::new(tracker.clone(), ServerConfig::new(dir.path()));
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(run(listener, server, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let mut times = Vec::new();
        for round in 0..11 {
            let body = serde_json::json!({
                "indicator": INDICATOR, "type": "progress", "effective": "2023-06-30",
                "delta": 1, "district": "蜀山区", "note": format!("scale bench round {round}"),
            });
            let appended = client
                .post(format!("{base}/v1/events"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("the server answers");
            assert!(
                appended.status().is_success(),
                "append: {}",
                appended.status()
            );
            let started = Instant::now();
            let progress = client
                .get(format!("{base}/v1/progress"))
                .send()
                .await
                .expect("the server answers");
            assert!(
                progress.status().is_success(),
                "progress: {}",
                progress.status()
            );
            progress.bytes().await.expect("the answer");
            // The first round warms up.
            if round > 0 {
                times.push(started.elapsed());
            }
        }
        let _ = stop.send(());
        let _ = served.await;
        times.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        (ms(times[times.len() / 2]), ms(times[times.len() - 1]))
    })
}

/// In a child killed with SIGKILL: opens the tracker and appends batches of seeded updates
/// until killed, saying on stdout once the first batch is in.
fn append_until_killed(path: &Path, size: u64) {
    let tracker = common::open_tracker(path, size);
    let seed = jiff::Timestamp::now().as_nanosecond() as u64;
    let (_, mut updates) = common::Updates::hefei(seed);
    let mut said = false;
    loop {
        let batch = (0..1_000).map(|_| updates.next_event()).collect();
        tracker.record_batch(batch).expect("batch recorded");
        if !said {
            println!("appending");
            said = true;
        }
    }
}

/// Kills a child appending to the ledger with SIGKILL half a second into its appends (each
/// run adds some 0.1M events to the cached ledger), then times opening in a fresh process.
fn open_after_sigkill(path: &Path, size: u64) {
    use std::io::BufRead;
    let mut child = run_again("--append-until-killed", path, size)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the appending child runs");
    let stdout = child.stdout.take().expect("its stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the child says it appends");
    assert_eq!(line.trim(), "appending", "the child appends");
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL");
    child.wait().expect("the child ends");
    let status = run_again("--reopen", path, size)
        .status()
        .expect("the reopening child runs");
    assert!(status.success(), "the reopening child failed");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let child_args = |at: usize| {
        (
            Path::new(&args[at + 1]),
            args[at + 2].parse().expect("size"),
        )
    };
    if let Some(at) = args.iter().position(|a| a == "--measure") {
        let (path, size) = child_args(at);
        let baseline = Baseline {
            events: args[at + 3].parse().expect("baseline events"),
            rss: args[at + 4].parse().expect("baseline bytes"),
        };
        measure(path, size, baseline);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--open-only") {
        let (path, size) = child_args(at);
        let tracker = common::open_tracker(path, size);
        let rss = common::status_kib("VmRSS") * 1024;
        println!("{} {rss}", tracker.ledger().len());
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--verify") {
        let (path, size) = child_args(at);
        verify(path, size);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--append-until-killed") {
        let (path, size) = child_args(at);
        append_until_killed(path, size);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--reopen") {
        let (path, size) = child_args(at);
        let started = Instant::now();
        let tracker: Tracker = common::open_tracker(path, size);
        let open = started.elapsed().as_secs_f64();
        let label = common::label(size);
        common::figure(
            &format!("scale/open_after_sigkill_{label}"),
            open,
            "s",
            None,
        );
        goal(
            "open after a SIGKILL < 30 s",
            open < 30.0,
            format!("{open:.2} s, {} events", tracker.ledger().len()),
        );
        // Closed cleanly, so that the next run opens after a clean close.
        tracker.close().expect("closes");
        return;
    }
    let size = size();
    let small = size / 10;
    let baseline = baseline(&common::cached_ledger(small), small);
    let path = common::cached_ledger_near(size);
    // A fresh process, so that its resident memory is what opening takes.
    let status = run_again("--measure", &path, size)
        .arg(baseline.events.to_string())
        .arg(baseline.rss.to_string())
        .status()
        .expect("the measuring child runs");
    assert!(status.success(), "the measuring child failed");
    let status = run_again("--verify", &path, size)
        .status()
        .expect("the verifying child runs");
    assert!(status.success(), "the verifying child failed");
    open_after_sigkill(&path, size);
}
