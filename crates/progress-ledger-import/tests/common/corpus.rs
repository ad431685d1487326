//! The corpus of real plan documents (`tests/fixtures/plans/*.txt`) and their hand-checked
//! expectations (`*.expected.toml`, written by reading each text): reading them, and scoring a
//! draft against them.
//!
//! A target is found when a drafted indicator of the same task (or of the goals, for targets
//! outside any task) has the same value, unit and direction; each drafted indicator is matched at
//! most once. Precision is matched / drafted, recall matched / expected. Figures the source has
//! damaged (`[[noise]]`) are counted neither way.

use std::path::PathBuf;
use std::str::FromStr;

use progress_ledger_core::plan::{Direction, IndicatorKind};
use progress_ledger_import::{Candidate, Draft};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The expectations for one document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The document's file name, beside the expectation file.
    pub document: String,
    /// Every task of the text, in order.
    #[serde(default)]
    pub tasks: Vec<ExpectedTask>,
    /// Targets outside any task (a goals paragraph, the prose of a part).
    #[serde(default)]
    pub goals: Vec<ExpectedTarget>,
    /// Figures that frame a target in time and must not be drafted as targets.
    #[serde(default)]
    pub time_frames: Vec<TimeFrame>,
    /// Figures the source has damaged: drafted or not, they are not counted.
    #[serde(default)]
    pub noise: Vec<Noise>,
}

/// A task, its units and its targets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedTask {
    pub number: u32,
    pub lead: Vec<String>,
    /// Compared when given.
    pub cooperating: Option<Vec<String>>,
    #[serde(default)]
    pub targets: Vec<ExpectedTarget>,
}

/// A numeric target as a reader of the text records it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedTarget {
    pub value: String,
    pub unit: String,
    pub direction: Direction,
    pub kind: IndicatorKind,
    /// The phrase it is read from (for the reader of a failure).
    pub text: String,
}

/// A time frame: the value that must not appear as a target of the task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeFrame {
    pub task: u32,
    pub value: String,
    pub text: String,
}

/// A damaged figure of a task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    pub task: u32,
    pub value: String,
    pub why: String,
}

/// One corpus document: its file name, its text (without the first line, which names the
/// source) and its expectations.
pub struct Document {
    pub name: String,
    pub text: String,
    pub expected: Expected,
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans")
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Every document of the corpus that has an expectation file, in file-name order.
pub fn documents() -> Vec<Document> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder())
        .unwrap_or_else(|error| panic!("cannot list the corpus: {error}"))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(".expected.toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let expected: Expected = toml::from_str(&read(path))
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let file = read(&folder().join(&expected.document));
            assert!(
                file.starts_with("SOURCE: "),
                "{}: the first line names the source",
                expected.document
            );
            let text = file
                .split_once('\n')
                .map_or("", |(_, rest)| rest)
                .to_string();
            Document {
                name: expected.document.trim_end_matches(".txt").to_string(),
                text,
                expected,
            }
        })
        .collect()
}

/// How a draft compares with the expectations of its document.
#[derive(Debug, Default)]
pub struct Score {
    pub name: String,
    /// Task numbers, as expected and as drafted.
    pub tasks_expected: Vec<u32>,
    pub tasks_drafted: Vec<u32>,
    /// Tasks whose lead units are exactly the expected ones.
    pub leads_right: usize,
    /// Tasks with expected cooperating units, and those drafted exactly.
    pub cooperating_checked: usize,
    pub cooperating_right: usize,
    pub expected: usize,
    pub drafted: usize,
    pub matched: usize,
    /// Matched targets whose kind is also the expected one.
    pub kinds_right: usize,
    /// Time frames drafted as targets.
    pub time_frames_drafted: Vec<String>,
    /// What differs, for a failure message.
    pub differences: Vec<String>,
}

impl Score {
    /// matched / drafted (1 when nothing is drafted).
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.drafted)
    }

    /// matched / expected (1 when nothing is expected).
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.expected)
    }

    /// Whether the tasks and their lead units are exactly the expected ones.
    pub fn structure_exact(&self) -> bool {
        self.tasks_expected == self.tasks_drafted && self.leads_right == self.tasks_expected.len()
    }

    /// A row of the table in docs/importer.md.
    pub fn row(&self) -> String {
        format!(
            "| {} | {}/{} | {}/{} | {}/{} | {} | {} | {} | {:.0}% | {:.0}% | {}/{} | {} |",
            self.name,
            self.tasks_drafted.len(),
            self.tasks_expected.len(),
            self.leads_right,
            self.tasks_expected.len(),
            self.cooperating_right,
            self.cooperating_checked,
            self.expected,
            self.drafted,
            self.matched,
            self.precision() * 100.0,
            self.recall() * 100.0,
            self.kinds_right,
            self.matched,
            self.time_frames_drafted.len(),
        )
    }
}

/// The header of the table [`Score::row`] writes.
pub const TABLE_HEADER: &str = "| document | tasks | lead units | cooperating units | expected | \
     drafted | matched | precision | recall | kinds | time frames drafted |\n| --- | --- | --- | --- | \
     --- | --- | --- | --- | --- | --- | --- |";

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|error| panic!("bad decimal {text}: {error}"))
}

/// Whether a drafted indicator is a numeric target (not a status, not milestones: their target
/// is the count of the deliverables the text names).
fn is_numeric(candidate: &Candidate) -> bool {
    candidate.target.is_some()
        && !matches!(
            candidate.kind,
            IndicatorKind::Status | IndicatorKind::Milestones
        )
}

fn describe(candidate: &Candidate) -> String {
    format!(
        "{} {} {:?} {:?} ({})",
        candidate
            .target
            .map(|target| target.to_string())
            .unwrap_or_default(),
        candidate.unit,
        candidate.direction,
        candidate.kind,
        candidate.source
    )
}

/// Matches `expected` against `pool` (by value, unit, direction; each drafted indicator at most
/// once) and adds the result to `score`.
fn match_targets(
    place: &str,
    expected: &[ExpectedTarget],
    mut pool: Vec<&Candidate>,
    noise: &[Decimal],
    score: &mut Score,
) {
    score.expected += expected.len();
    for target in expected {
        let value = dec(&target.value);
        let hit = pool.iter().position(|candidate| {
            candidate.target == Some(value)
                && candidate.unit == target.unit
                && candidate.direction == target.direction
        });
        match hit {
            Some(index) => {
                let candidate = pool.remove(index);
                score.matched += 1;
                score.drafted += 1;
                if candidate.kind == target.kind {
                    score.kinds_right += 1;
                } else {
                    score.differences.push(format!(
                        "{place}: kind {:?} for {:?} ({})",
                        candidate.kind, target.kind, target.text
                    ));
                }
            }
            None => score.differences.push(format!(
                "{place}: missed {} {} {:?} ({})",
                target.value, target.unit, target.direction, target.text
            )),
        }
    }
    for candidate in pool {
        if candidate
            .target
            .is_some_and(|target| noise.contains(&target))
        {
            continue;
        }
        score.drafted += 1;
        score
            .differences
            .push(format!("{place}: not a target: {}", describe(candidate)));
    }
}

/// Compares a draft with the expectations of its document.
pub fn score(name: &str, draft: &Draft, expected: &Expected) -> Score {
    let mut score = Score {
        name: name.to_string(),
        tasks_expected: expected.tasks.iter().map(|task| task.number).collect(),
        tasks_drafted: draft.tasks().map(|task| task.number).collect(),
        ..Score::default()
    };
    for task in &expected.tasks {
        let items: Vec<_> = draft
            .tasks()
            .filter(|drafted| drafted.number == task.number)
            .flat_map(|drafted| &drafted.items)
            .collect();
        let mut lead: Vec<String> = Vec::new();
        let mut cooperating: Vec<String> = Vec::new();
        for item in &items {
            for unit in &item.lead_units {
                if !lead.contains(unit) {
                    lead.push(unit.clone());
                }
            }
            for unit in &item.cooperating_units {
                if !cooperating.contains(unit) {
                    cooperating.push(unit.clone());
                }
            }
        }
        if lead == task.lead {
            score.leads_right += 1;
        } else {
            score.differences.push(format!(
                "task {}: lead units {lead:?}, expected {:?}",
                task.number, task.lead
            ));
        }
        if let Some(expected_cooperating) = &task.cooperating {
            score.cooperating_checked += 1;
            if &cooperating == expected_cooperating {
                score.cooperating_right += 1;
            } else {
                score.differences.push(format!(
                    "task {}: cooperating units {cooperating:?}, expected {expected_cooperating:?}",
                    task.number
                ));
            }
        }
        let pool: Vec<&Candidate> = items
            .iter()
            .flat_map(|item| &item.indicators)
            .filter(|candidate| is_numeric(candidate))
            .collect();
        for frame in expected
            .time_frames
            .iter()
            .filter(|f| f.task == task.number)
        {
            let value = dec(&frame.value);
            for candidate in pool.iter().filter(|c| c.target == Some(value)) {
                score.time_frames_drafted.push(format!(
                    "task {}: {} drafted as {}",
                    task.number,
                    frame.text,
                    describe(candidate)
                ));
            }
        }
        let noise: Vec<Decimal> = expected
            .noise
            .iter()
            .filter(|noise| noise.task == task.number)
            .map(|noise| dec(&noise.value))
            .collect();
        match_targets(
            &format!("task {}", task.number),
            &task.targets,
            pool,
            &noise,
            &mut score,
        );
    }
    // Drafted tasks the text does not have: their targets count as drafted, unmatched.
    for task in draft.tasks() {
        if !score.tasks_expected.contains(&task.number) {
            let pool: Vec<&Candidate> = task
                .items
                .iter()
                .flat_map(|item| &item.indicators)
                .filter(|candidate| is_numeric(candidate))
                .collect();
            match_targets(&format!("task {}", task.number), &[], pool, &[], &mut score);
        }
    }
    match_targets("goals", &expected.goals, goal_pool(draft), &[], &mut score);
    score
}

/// The drafted targets outside any task.
fn goal_pool(draft: &Draft) -> Vec<&Candidate> {
    draft
        .goals
        .iter()
        .flat_map(|goal| &goal.indicators)
        .filter(|candidate| is_numeric(candidate))
        .collect()
}
