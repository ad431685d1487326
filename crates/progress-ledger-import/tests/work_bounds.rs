//! The importer's work grows in proportion to the text, whatever the text: thousands of numbers
//! in one clause, brackets that never close, labels, quotation marks, commitment words, lines that
//! all continue a bracket. Each adversarial document of 64 KB drafts within a generous time
//! (seconds, where a quadratic reading would take minutes), and its draft has a bounded number of
//! entries per KB.

mod common;

use std::time::{Duration, Instant};

use common::{assert_draft_invariants, assert_every_line_accounted_for};
use progress_ledger_import::{Draft, import_document};

/// Size of each adversarial document, in bytes (about).
const SIZE: usize = 64 * 1024;

/// Generous: an unoptimised build on a busy machine reads these in about a second.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// `unit` repeated to about [`SIZE`] bytes, after `head` and before `tail`.
fn repeated(head: &str, unit: &str, tail: &str) -> String {
    let count = SIZE / unit.len().max(1);
    format!("{head}{}{tail}", unit.repeat(count))
}

fn adversarial() -> Vec<(&'static str, String)> {
    vec![
        (
            "numbers in one clause",
            repeated("1.托育\n", "新增1个托位、", "。(牵头单位:甲)\n"),
        ),
        (
            "numbers with no punctuation",
            repeated("1.托育\n", "新增1个托位", "\n"),
        ),
        (
            "chinese numerals after 每",
            repeated("1.托育\n每", "一次", "\n"),
        ),
        (
            "per-unit words",
            repeated("1.托育\n", "每年每院每人", "1次\n"),
        ),
        ("open brackets", repeated("", "(", "\n")),
        ("labels", repeated("", "牵头单位", "\n")),
        ("quotation marks", repeated("1.托育\n", "“", "1个\n")),
        (
            "commitment words",
            repeated("1.托育\n新增1个,", "全覆盖、", "\n"),
        ),
        (
            "lines that continue a bracket",
            repeated("", "1)任务(牵头单位:\n", ""),
        ),
        (
            "tasks run together",
            (1..=SIZE / 24)
                .map(|number| format!("{number}.乙(牵头单位:丙)"))
                .collect::<Vec<_>>()
                .concat(),
        ),
        (
            "many short items",
            (1..=SIZE / 64)
                .map(|number| {
                    format!("{number}.任务。新增{number}个,达到{number}%。(牵头单位:甲)\n")
                })
                .collect(),
        ),
        ("digits", repeated("1.托育\n", "1234567890", "\n")),
        ("direction words", repeated("1.托育\n", "不少于", "1个\n")),
    ]
}

/// Every entry of the draft: indicators, noted figures, warnings, front-matter lines.
fn entries(draft: &Draft) -> usize {
    let indicators: usize = draft.items().map(|(_, item)| item.indicators.len()).sum();
    let goals: usize = draft.goals.iter().map(|goal| goal.indicators.len()).sum();
    indicators
        + goals
        + draft.skipped.len()
        + draft.unclassified.len()
        + draft.warnings.len()
        + draft.front_matter.len()
}

#[test]
fn adversarial_documents_draft_in_bounded_time_and_size() {
    for (name, text) in adversarial() {
        let started = Instant::now();
        let draft = import_document(&text);
        let elapsed = started.elapsed();
        assert!(
            elapsed < TIME_LIMIT,
            "{name}: {elapsed:?} for {} bytes",
            text.len()
        );
        // No entry is shorter than a few bytes of text.
        let kilobytes = text.len() / 1024 + 1;
        assert!(
            entries(&draft) <= 400 * kilobytes,
            "{name}: {} entries for {kilobytes} KB",
            entries(&draft)
        );
        let json = serde_json::to_string(&draft).unwrap_or_default();
        assert!(
            json.len() <= 100 * text.len() + 4096,
            "{name}: {} bytes of draft for {} bytes of text",
            json.len(),
            text.len()
        );
        assert_every_line_accounted_for(&text, &draft);
        assert_draft_invariants(&draft);
    }
}
