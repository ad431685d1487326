//! The importer on real documents of the plan family it was not written for
//! (`tests/fixtures/plans/`), against expectations checked by hand: the tasks and their lead units
//! exactly, the numeric targets (value, unit, direction) with precision and recall of at least 95%
//! per document, and no time frame drafted as a target. `cargo test -p progress-ledger-import
//! --test corpus_documents -- --nocapture` prints the table that docs/importer.md quotes.

mod common;

use common::corpus::{TABLE_HEADER, documents, score};
use progress_ledger_import::import_document;

/// The share of numeric targets (value, unit, direction) each document must get right, both ways.
const MIN_SHARE: f64 = 0.95;

#[test]
fn corpus_documents_agree_with_their_expectations() {
    let mut rows = vec![TABLE_HEADER.to_string()];
    let mut report = Vec::new();
    for document in documents() {
        let draft = import_document(&document.text);
        let score = score(&document.name, &draft, &document.expected);
        rows.push(score.row());
        report.push((score, document.name));
    }
    println!("{}", rows.join("\n"));
    for (score, name) in &report {
        for difference in &score.differences {
            println!("  {name}: {difference}");
        }
        for frame in &score.time_frames_drafted {
            println!("  {name}: time frame {frame}");
        }
    }
    for (score, name) in &report {
        assert!(
            score.structure_exact(),
            "{name}: tasks {:?} (expected {:?}), lead units right for {} tasks: {:#?}",
            score.tasks_drafted,
            score.tasks_expected,
            score.leads_right,
            score.differences
        );
        assert!(
            score.precision() >= MIN_SHARE && score.recall() >= MIN_SHARE,
            "{name}: precision {:.2}, recall {:.2}: {:#?}",
            score.precision(),
            score.recall(),
            score.differences
        );
        assert_eq!(
            score.cooperating_right, score.cooperating_checked,
            "{name}: {:#?}",
            score.differences
        );
        assert!(
            score.time_frames_drafted.is_empty(),
            "{name}: {:#?}",
            score.time_frames_drafted
        );
    }
}
