//! Helpers shared by the importer's integration tests: the two documents, look-ups in a draft,
//! and the invariants every draft keeps.
#![allow(dead_code)]

pub mod corpus;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::str::FromStr;

use progress_ledger_import::{Candidate, Draft, DraftItem};
use rust_decimal::Decimal;

/// The seed's folder: `plans/hefei-2023` of the workspace, two levels above this crate.
pub fn seed_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../plans/hefei-2023")
}

/// The official text of the seed, without the `# ` lines that head the file (title, issuer,
/// date) and the blank line after them, so that line numbers are those of the document.
pub fn seed_text() -> String {
    let path = seed_folder().join("source.txt");
    let file = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let body = file
        .lines()
        .skip_while(|line| line.starts_with("# "))
        .skip(1);
    body.map(|line| format!("{line}\n")).collect()
}

/// The second document, hand-written in the same form with another structure.
pub fn fixture_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/second-plan.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The exact decimal written `text`.
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|error| panic!("bad decimal {text}: {error}"))
}

/// The item of task `task` with sub-item number `number` (`None`: the task's single item).
pub fn item(draft: &Draft, task: u32, number: Option<u32>) -> &DraftItem {
    draft
        .items()
        .find(|(task_number, item)| *task_number == task && item.number == number)
        .map(|(_, item)| item)
        .unwrap_or_else(|| panic!("task {task} item {number:?} not found"))
}

/// The candidate of an item with the given target value.
pub fn candidate<'a>(
    draft: &'a Draft,
    task: u32,
    number: Option<u32>,
    value: &str,
) -> &'a Candidate {
    let found = item(draft, task, number);
    found
        .indicators
        .iter()
        .find(|candidate| candidate.target == Some(dec(value)))
        .unwrap_or_else(|| {
            let proposed: Vec<String> = found
                .indicators
                .iter()
                .map(|candidate| format!("{:?} {}", candidate.target, candidate.unit))
                .collect();
            panic!(
                "task {task} item {number:?}: no candidate with target {value}; found {proposed:?}"
            )
        })
}

/// Every non-empty line of the input is a front-matter line, a heading, part of an item or
/// listed as unclassified.
pub fn assert_every_line_accounted_for(text: &str, draft: &Draft) {
    let mut covered = BTreeSet::new();
    covered.extend(draft.front_matter.iter().map(|line| line.line));
    covered.extend(draft.unclassified.iter().map(|noted| noted.line));
    for joined in &draft.joined_lines {
        covered.extend(joined.first..=joined.last);
    }
    for goal in &draft.goals {
        covered.extend(goal.line..=goal.last_line);
    }
    for part in &draft.parts {
        covered.extend(part.line);
        for category in &part.categories {
            covered.extend(category.line);
            for task in &category.tasks {
                covered.extend(task.line);
                for item in &task.items {
                    assert!(item.first_line <= item.last_line, "{item:?}");
                    covered.extend(item.first_line..=item.last_line);
                    for candidate in &item.indicators {
                        assert!(
                            (item.first_line..=item.last_line).contains(&candidate.line),
                            "candidate {} on line {} outside its item",
                            candidate.id,
                            candidate.line
                        );
                    }
                }
            }
        }
    }
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if !trimmed.is_empty() {
            assert!(
                covered.contains(&(index + 1)),
                "line {} ({trimmed:?}) is neither classified nor listed as unclassified",
                index + 1
            );
        }
    }
}

/// Invariants of any draft: ids unique, every item tracked, JSON round trip.
pub fn assert_draft_invariants(draft: &Draft) {
    let mut ids = BTreeSet::new();
    for (_, item) in draft.items() {
        assert!(
            !item.indicators.is_empty(),
            "item without indicators: {item:?}"
        );
        for candidate in &item.indicators {
            assert!(
                ids.insert(candidate.id.clone()),
                "duplicate id {}",
                candidate.id
            );
        }
    }
    for candidate in draft.goals.iter().flat_map(|goal| &goal.indicators) {
        assert!(
            ids.insert(candidate.id.clone()),
            "duplicate id {}",
            candidate.id
        );
    }
    let json = serde_json::to_string(draft).expect("a draft serialises to JSON");
    let back: Draft = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(&back, draft);
    let plan = draft.to_plan();
    assert_eq!(plan.parts.len(), draft.parts.len());
}
