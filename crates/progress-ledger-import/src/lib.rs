//! Reads a plan document written in the official Chinese form (一、 (一) 1. (1) headings,
//! 〔牵头单位:…;配合单位:…〕 brackets, numeric targets) into a [`Draft`] for a person to review.
//!
//! ```
//! use progress_ledger_core::plan::Direction;
//! use progress_ledger_import::import_document;
//! use rust_decimal::Decimal;
//!
//! let text = "某市行动方案(2024)\n重点群体优服务\n(一)幼有所育\n1.托育服务\n\
//!             新增托位1.6万个。〔牵头单位:市卫健委;配合单位:各县(市)区、开发区〕\n";
//! let draft = import_document(text);
//! let item = &draft.parts[0].categories[0].tasks[0].items[0];
//! assert_eq!(item.lead_units, ["市卫健委"]);
//! assert_eq!(item.cooperating_units, ["各县(市)区、开发区"]);
//! let seats = &item.indicators[0];
//! assert_eq!((seats.target, seats.unit.as_str()), (Some(Decimal::from(16000)), "个"));
//! assert_eq!(seats.direction, Direction::AtLeast);
//! assert!(draft.unclassified.is_empty());
//!
//! // The plan model, to be curated and written out as a plan file.
//! let plan = draft.to_plan();
//! assert_eq!(plan.indicators().count(), 1);
//! ```
//!
//! The importer never fails and never panics: whatever it cannot place is listed in
//! [`Draft::unclassified`] with its line number and the reason. It reads text only: it knows
//! nothing of the ledger or its projections, and takes only the plan model's types from
//! `progress-ledger-core`. `docs/importer.md` states the rules (what is a part, what is a target
//! and what only describes scope).
//!
//! Every drafted indicator says which [`Rule`] drafted it and how sure it is ([`Certainty`]);
//! [`Draft::review_first`] lists the unsure ones, targets written outside any task are in
//! [`Draft::goals`], and [`Draft::report`] gives the counts that tell how far to trust a draft.
//!
//! Modules: `text` (normalised character views), `lines` (line shapes, dates), `structure`
//! (file lines → logical lines → front matter, parts, categories, tasks, items, goals),
//! `attribution` (the brackets), `district_set` (各县(市)区、开发区), `figures` (numbers, units,
//! direction words), `targets` (which figures are targets, their kinds, baselines, commitments,
//! rules and certainty), `draft` (what the reader returns) and `report` (its counts).

#![deny(missing_docs)]

mod attribution;
mod district_set;
mod draft;
mod figures;
mod lines;
mod report;
mod structure;
mod targets;
#[cfg(test)]
mod test_support;
mod text;

pub use report::DraftReport;

pub use draft::{
    Candidate, Certainty, Draft, DraftCategory, DraftGoal, DraftItem, DraftPart, DraftTask,
    FrontMatterLine, FrontMatterRole, JoinedLines, Noted, ReviewNote, Rule, Warning,
};

/// Reads a plan document into a draft. Never fails: see [`Draft::unclassified`] and
/// [`Draft::warnings`] for what needs a person's attention.
pub fn import_document(text: &str) -> Draft {
    structure::read_document(text)
}
