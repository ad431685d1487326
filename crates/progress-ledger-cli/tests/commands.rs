//! The commands other than `serve`, run as a user would: the built binary on a temporary data
//! directory.

mod common;

use common::{json, ok, run, stderr, stdout};

use std::process::{Command, Stdio};

#[test]
fn record_query_report_verify_export_and_import_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");

    let missing = run(&data, &["progress"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("error: there is no ledger"),
        "{}",
        stderr(&missing)
    );

    assert!(ok(&data, &["plan", "load"]).contains("loaded plan hefei-2023"));
    assert!(ok(&data, &["plan", "load"]).contains("unchanged"));

    let recorded = ok(
        &data,
        &[
            "record",
            "--indicator",
            "t02-1-childcare-seats",
            "--type",
            "progress",
            "--effective",
            "2023-09-30",
            "--delta",
            "1200",
            "--district",
            "蜀山区",
            "--actor",
            "市卫健委",
            "--note",
            "九月",
        ],
    );
    assert!(recorded.starts_with("recorded: seq "), "{recorded}");

    let bad = run(
        &data,
        &[
            "record",
            "--indicator",
            "t02-1-childcare-seats",
            "--type",
            "progress",
            "--effective",
            "2023-09-30",
            "--delta",
            "NaN",
            "--actor",
            "市卫健委",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("invalid_number"), "{}", stderr(&bad));
    let negative = run(
        &data,
        &[
            "record",
            "--indicator",
            "t02-1-childcare-seats",
            "--type",
            "progress",
            "--effective",
            "2023-09-30",
            "--delta",
            "-3",
            "--actor",
            "市卫健委",
        ],
    );
    assert_eq!(negative.status.code(), Some(1));
    assert!(
        stderr(&negative).contains("negative"),
        "{}",
        stderr(&negative)
    );

    let table = ok(&data, &["progress", "--indicators"]);
    assert!(table.contains("托育服务"), "{table:.500}");
    let seats_line = table
        .lines()
        .find(|l| l.contains("t02-1-childcare-seats"))
        .unwrap_or_default();
    assert!(
        seats_line.contains("1200") && seats_line.contains("16000"),
        "{seats_line}"
    );
    let view = json(&data, &["progress", "--json", "--effective", "2023-10-01"]);
    let seats = view["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == "t02-1-childcare-seats"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(seats["value"], 1200);
    let before = json(&data, &["progress", "--json", "--effective", "2023-09-29"]);
    let seats_before = before["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == "t02-1-childcare-seats"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(seats_before["value"], 0);

    let history = json(&data, &["history", "t02-1-childcare-seats", "--json"]);
    assert_eq!(history["trail"].as_array().map(Vec::len), Some(2));
    assert_eq!(history["trail"][1]["event"]["actor"], "市卫健委");
    assert!(ok(&data, &["history", "t02-1-childcare-seats"]).contains("delta=1200"));
    // A page at a time, as the server answers it.
    let first = json(
        &data,
        &["history", "t02-1-childcare-seats", "--limit", "1", "--json"],
    );
    assert_eq!(first["trail"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["trail"][0], history["trail"][0]);
    let next = first["next"].as_u64().expect("a next page");
    assert_eq!(Some(next), history["trail"][0]["event"]["seq"].as_u64());
    let after = next.to_string();
    let second = json(
        &data,
        &[
            "history",
            "t02-1-childcare-seats",
            "--after",
            &after,
            "--json",
        ],
    );
    assert_eq!(second["trail"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["trail"][0], history["trail"][1]);
    assert!(second["next"].is_null());
    assert!(
        ok(&data, &["history", "t02-1-childcare-seats", "--limit", "1"])
            .contains(&format!("more: --after {next}"))
    );

    assert!(ok(&data, &["report", "--as-of", "2023-10-01"]).contains("## 市卫健委"));
    assert!(
        ok(
            &data,
            &["report", "--as-of", "2023-10-01", "--format", "csv"]
        )
        .starts_with("unit,task,item,title,completion,status")
    );
    assert_eq!(
        json(
            &data,
            &["report", "--as-of", "2023-10-01", "--format", "json"]
        )["as_of"],
        "2023-10-01"
    );

    let verified = json(&data, &["verify", "--json"]);
    assert_eq!(verified["ok"], true);
    let head_seq = verified["head"]["seq"].as_u64().unwrap_or(0).to_string();
    let head_hash = verified["head"]["hash"].as_str().unwrap_or("").to_owned();
    assert!(ok(&data, &["verify", "--seq", &head_seq, "--hash", &head_hash]).starts_with("ok:"));
    let zero = "0".repeat(64);
    let problem = run(&data, &["verify", "--seq", &head_seq, "--hash", &zero]);
    assert_eq!(problem.status.code(), Some(3), "a problem found exits 3");
    assert!(stdout(&problem).contains("PROBLEM"));

    let export = dir.path().join("ledger.jsonl");
    let export_arg = export.to_string_lossy().into_owned();
    assert!(ok(&data, &["export", &export_arg]).contains(&head_hash));
    let copy = dir.path().join("copy");
    assert!(ok(&copy, &["import", &export_arg]).contains(&head_hash));
    assert_eq!(
        json(&copy, &["verify", "--json"])["head"]["hash"],
        head_hash.as_str()
    );
    let again = run(&copy, &["import", &export_arg]);
    assert_eq!(again.status.code(), Some(1), "import needs an empty ledger");
}

#[test]
fn tokens_are_printed_once_and_stored_as_hashes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let token = ok(
        &data,
        &["token", "add", "--unit", "市卫健委", "--role", "recorder"],
    );
    let token = token.trim();
    assert!(token.starts_with("plt_") && token.len() > 60, "{token}");
    let listed = ok(&data, &["token", "list"]);
    assert!(
        listed.contains("市卫健委") && listed.contains("recorder"),
        "{listed}"
    );
    assert!(!listed.contains(token));
    let file = std::fs::read_to_string(data.join("tokens.json")).expect("token file");
    assert!(!file.contains(token));
    let bad_role = run(
        &data,
        &["token", "add", "--unit", "市卫健委", "--role", "mayor"],
    );
    assert_eq!(bad_role.status.code(), Some(2), "a usage error exits 2");
}

#[test]
fn plan_show_and_plan_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&data, &["plan", "load"]);
    let shown = json(&data, &["plan", "show", "--json"]);
    assert_eq!(shown["plan"]["id"], "hefei-2023");
    let first = &shown["indicators"][0];
    for field in [
        "id",
        "task",
        "item",
        "title",
        "kind",
        "unit",
        "target",
        "direction",
        "baseline",
        "lead_units",
        "cooperating_units",
        "source",
    ] {
        assert!(first.get(field).is_some(), "field {field}");
    }
    let text = ok(&data, &["plan", "show"]);
    assert!(text.contains("82 tasks"), "{text:.400}");

    let document = dir.path().join("plan.txt");
    std::fs::write(
        &document,
        "某市行动方案(2024)\n重点群体优服务\n(一)幼有所育\n1.托育服务\n新增托位1.6万个。〔牵头单位:市卫健委;配合单位:各县(市)区、开发区〕\n",
    )
    .expect("write");
    let draft = json(&data, &["plan", "import", &document.to_string_lossy()]);
    assert_eq!(draft["parts"].as_array().map(Vec::len), Some(1));
    let report = ok(
        &data,
        &["plan", "import", "--report", &document.to_string_lossy()],
    );
    let count = |fact: &str| {
        report
            .lines()
            .find(|line| line.starts_with(fact))
            .and_then(|line| line.split_whitespace().last())
            .map(str::to_string)
    };
    assert_eq!(count("tasks").as_deref(), Some("1"), "{report}");
    assert_eq!(count("items with a bracket").as_deref(), Some("1"));
    assert_eq!(count("targets in items").as_deref(), Some("1"));
    assert_eq!(count("targets unsure").as_deref(), Some("0"));
    assert_eq!(count("lines not used").as_deref(), Some("0"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&data, &["plan", "load"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_progress-ledger"))
        .arg("--data")
        .arg(&data)
        .args(["progress", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take()); // the reader goes away before the output is written
    let output = child.wait_with_output().expect("waits");
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        stderr(&output)
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn long_work_draws_no_progress_when_stderr_is_not_a_terminal() {
    use progress_ledger_core::{NewEvent, Payload, StreamId, Tracker};

    let dir = tempfile::tempdir().expect("temp dir");
    // More than 10,000 events, so that every progress callback is called. The plan comes
    // first: import checks every update against the plan as recorded before it.
    let file = dir.path().join("export.jsonl");
    {
        let tracker = Tracker::open(dir.path().join("source")).expect("open");
        let plan = progress_ledger_core::plan::hefei_2023().expect("plan");
        tracker.load_plan(&plan, "test").expect("plan loads");
        let source = tracker.ledger();
        let stream = StreamId::indicator("t02-1-childcare-seats").expect("stream");
        for _ in 0..11 {
            let batch = (0..1000)
                .map(|_| {
                    NewEvent::new(
                        stream.clone(),
                        jiff::civil::date(2023, 9, 30),
                        "市卫健委",
                        Payload::ProgressReported {
                            delta: 1.into(),
                            district: None,
                        },
                    )
                })
                .collect();
            source.append_batch(batch).expect("append");
        }
        let mut out = std::fs::File::create(&file).expect("create");
        source.export_jsonl(&mut out, &mut |_| {}).expect("export");
    }
    let data = dir.path().join("data");
    let file = file.to_string_lossy().into_owned();
    let again = dir
        .path()
        .join("again.jsonl")
        .to_string_lossy()
        .into_owned();
    let document = dir.path().join("plan.txt");
    std::fs::write(&document, "某市行动方案(2024)\n(一)幼有所育\n1.托育服务\n").expect("write");
    let document = document.to_string_lossy().into_owned();
    for args in [
        vec!["import", &file],
        vec!["verify"],
        vec!["export", &again],
        // The imported ledger has no snapshot: opening the tracker rebuilds the projection.
        vec!["plan", "load"],
        vec!["verify", "--json"],
    ] {
        let output = run(&data, &args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).is_empty(), "{args:?}: {}", stderr(&output));
    }
    let imported = run(&data, &["plan", "import", &document]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let said = stderr(&imported);
    assert_eq!(said.lines().count(), 1, "only the summary: {said}");
}
