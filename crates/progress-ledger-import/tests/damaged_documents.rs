//! The importer on real documents damaged the ways extracted text is damaged: cut anywhere, lines
//! broken anywhere, characters switched to their traditional forms, lines dropped. Every draft
//! keeps its invariants (every line accounted for, unique ids, a JSON round trip) and its size
//! stays in proportion to the text.

mod common;

use common::corpus::documents;
use common::{assert_draft_invariants, assert_every_line_accounted_for, seed_text};
use progress_ledger_import::{Draft, import_document};
use proptest::prelude::*;

/// Simplified characters of the plan vocabulary and their traditional forms.
const TRADITIONAL: &[(char, char)] = &[
    ('单', '單'),
    ('位', '位'),
    ('牵', '牽'),
    ('头', '頭'),
    ('责', '責'),
    ('县', '縣'),
    ('区', '區'),
    ('万', '萬'),
    ('个', '個'),
    ('项', '項'),
    ('达', '達'),
    ('实', '實'),
    ('发', '發'),
    ('开', '開'),
    ('务', '務'),
    ('协', '協'),
    ('办', '辦'),
    ('岁', '歲'),
    ('亿', '億'),
    ('门', '門'),
    ('场', '場'),
    ('处', '處'),
    ('镇', '鎮'),
    ('卫', '衛'),
    ('健', '健'),
    ('残', '殘'),
    ('联', '聯'),
];

/// The documents the damage is done to: the seed and the corpus.
fn sources() -> Vec<String> {
    let mut texts = vec![seed_text()];
    texts.extend(documents().into_iter().map(|document| document.text));
    texts
}

/// The draft's size: every indicator, noted figure, warning and front-matter line.
fn work(draft: &Draft) -> usize {
    let indicators: usize = draft.items().map(|(_, item)| item.indicators.len()).sum();
    let goals: usize = draft.goals.iter().map(|goal| goal.indicators.len()).sum();
    indicators
        + goals
        + draft.skipped.len()
        + draft.unclassified.len()
        + draft.warnings.len()
        + draft.front_matter.len()
}

/// Imports `text` and checks what every draft must keep.
fn check(text: &str) -> Result<(), TestCaseError> {
    let draft = import_document(text);
    assert_every_line_accounted_for(text, &draft);
    assert_draft_invariants(&draft);
    // A few entries per line at most: nothing is read twice or multiplied.
    let lines = text.lines().count().max(1);
    prop_assert!(
        work(&draft) <= 16 * lines + 8 * text.chars().count() / 10 + 16,
        "{} entries for {lines} lines",
        work(&draft)
    );
    Ok(())
}

/// A damage to apply to a text.
#[derive(Clone, Debug)]
enum Damage {
    /// Cut the text at this fraction of its characters.
    Cut(f64),
    /// Break the line at every n-th character.
    Break(usize),
    /// Switch every n-th character of the vocabulary to its traditional form.
    Traditional(usize),
    /// Drop every n-th line.
    Drop(usize),
    /// Join every line with the next.
    Join,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Cut),
        (2usize..40).prop_map(Damage::Break),
        (1usize..4).prop_map(Damage::Traditional),
        (2usize..6).prop_map(Damage::Drop),
        Just(Damage::Join),
    ]
}

fn apply(text: &str, damage: &Damage) -> String {
    match *damage {
        Damage::Cut(fraction) => {
            let keep = (text.chars().count() as f64 * fraction) as usize;
            text.chars().take(keep).collect()
        }
        Damage::Break(every) => text
            .chars()
            .enumerate()
            .flat_map(|(index, c)| {
                let broken = index % every == every - 1 && c != '\n';
                std::iter::once(c).chain(broken.then_some('\n'))
            })
            .collect(),
        Damage::Traditional(every) => text
            .chars()
            .enumerate()
            .map(
                |(index, c)| match TRADITIONAL.iter().find(|(s, _)| *s == c) {
                    Some(&(_, traditional)) if index % every == 0 => traditional,
                    _ => c,
                },
            )
            .collect(),
        Damage::Drop(every) => text
            .lines()
            .enumerate()
            .filter(|(index, _)| index % every != 0)
            .map(|(_, line)| format!("{line}\n"))
            .collect(),
        Damage::Join => text.lines().collect::<Vec<_>>().join(""),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn damaged_documents_draft_without_panicking(
        which in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let texts = sources();
        let mut text = which.get(&texts).clone();
        for damage in &damages {
            text = apply(&text, damage);
        }
        check(&text)?;
    }
}

#[test]
fn every_document_in_traditional_characters_keeps_its_tasks() {
    for document in documents() {
        let traditional = apply(&document.text, &Damage::Traditional(1));
        let simplified = import_document(&document.text);
        let draft = import_document(&traditional);
        let numbers = |draft: &Draft| draft.tasks().map(|task| task.number).collect::<Vec<_>>();
        assert_eq!(numbers(&draft), numbers(&simplified), "{}", document.name);
        let leads = |draft: &Draft| {
            draft
                .items()
                .filter(|(_, item)| !item.lead_units.is_empty())
                .count()
        };
        assert_eq!(leads(&draft), leads(&simplified), "{}", document.name);
        assert_every_line_accounted_for(&traditional, &draft);
    }
}
