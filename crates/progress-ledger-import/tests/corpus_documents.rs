//! The importer on real documents of the plan family it was not written for
//! (`tests/fixtures/plans/`), against expectations checked by hand: the tasks and their lead units
//! exactly, and the numeric targets (value, unit, direction) with precision and recall per document.

mod common;

use common::corpus::{TABLE_HEADER, documents, score};
use progress_ledger_import::import_document;

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
}
