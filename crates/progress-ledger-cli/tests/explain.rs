//! `explain`, `restatements` and `report --since`, run as a user would: the built binary on a
//! temporary data directory with a late report and a correction recorded after an earlier
//! report.

mod common;

use common::{json, ok, run};

use std::path::Path;

use serde_json::Value;

const SEATS: &str = "t02-1-childcare-seats";

fn seats(data: &Path, delta: &str, effective: &str) -> Value {
    json(
        data,
        &[
            "record",
            "--indicator",
            SEATS,
            "--type",
            "progress",
            "--effective",
            effective,
            "--delta",
            delta,
            "--district",
            "蜀山区",
            "--actor",
            "市卫健委",
            "--json",
        ],
    )
}

#[test]
fn explain_restatements_and_the_report_since_an_earlier_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&data, &["plan", "load"]);
    let first = seats(&data, "1200", "2023-09-30");
    let t1 = first["recorded_at"]
        .as_str()
        .expect("recorded_at")
        .to_owned();
    let first_id = first["id"].as_str().expect("id").to_owned();
    seats(&data, "300", "2023-09-20");
    ok(
        &data,
        &[
            "record",
            "--indicator",
            SEATS,
            "--type",
            "correction",
            "--effective",
            "2023-09-30",
            "--corrects",
            &first_id,
            "--reason",
            "重复填报",
            "--actor",
            "市卫健委",
        ],
    );

    let text = ok(&data, &["explain", SEATS, "--effective", "2023-09-30"]);
    for words in [
        "computed from the ledger head seq",
        "counted (1):",
        "voided: seq",
        "重复填报",
        "sum of 1 update(s) = 300",
        "300 / 16000 = 0.01875",
        "rollups",
        "mean of [",
    ] {
        assert!(text.contains(words), "{words:?} in:\n{text}");
    }
    let task = json(&data, &["explain", "--task", "2", "--json"]);
    assert_eq!(task["scope"]["level"], "task");
    assert!(
        task["indicators"]
            .as_array()
            .is_some_and(|all| all.len() > 1)
    );

    let restated = ok(
        &data,
        &["restatements", "--from", &t1, "--effective", "2023-09-30"],
    );
    assert!(restated.contains("LateReport seq"), "{restated}");
    assert!(restated.contains("Correction seq"), "{restated}");
    let restated = json(
        &data,
        &[
            "restatements",
            "--from",
            &t1,
            "--effective",
            "2023-09-30",
            "--json",
        ],
    );
    assert!(
        restated["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    let markdown = ok(
        &data,
        &[
            "report",
            "--as-of",
            "2023-10-31",
            "--since",
            "2023-09-30",
            "--since-as-of",
            &t1,
        ],
    );
    assert!(markdown.contains("## 重述"), "{markdown}");
    assert!(markdown.contains("补报 (late_report)"), "{markdown}");

    let nothing = run(&data, &["explain"]);
    assert_eq!(nothing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("name one thing to explain"));
    let unknown = run(&data, &["explain", "t99-9-nothing"]);
    assert_eq!(unknown.status.code(), Some(1));
    let backwards = run(
        &data,
        &[
            "restatements",
            "--from",
            "2023-12-31",
            "--to",
            "2023-10-01",
            "--effective",
            "2023-09-30",
        ],
    );
    assert_eq!(backwards.status.code(), Some(1));
}
