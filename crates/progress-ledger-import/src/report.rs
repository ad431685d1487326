//! The facts of a draft that tell how far to trust it: what was found, how sure each target is,
//! and what was left unread (`progress-ledger plan import --report`).

use std::collections::BTreeSet;

use progress_ledger_core::plan::IndicatorKind;
use serde::{Deserialize, Serialize};

use crate::draft::{Candidate, Certainty, Draft};

/// Counts over a draft.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftReport {
    /// Parts.
    pub parts: usize,
    /// Categories.
    pub categories: usize,
    /// Tasks.
    pub tasks: usize,
    /// Items (sub-items, or a task's single item).
    pub items: usize,
    /// Items with an attribution bracket.
    pub brackets: usize,
    /// Items whose bracket names no lead unit, or that have no bracket.
    pub items_without_lead: usize,
    /// Numeric targets drafted in items (cumulative, level, coverage).
    pub targets: usize,
    /// Numeric targets drafted outside any task (goals).
    pub goal_targets: usize,
    /// Numeric targets (items and goals) by certainty.
    pub sure: usize,
    /// Likely targets.
    pub likely: usize,
    /// Unsure targets: [`Draft::review_first`] lists them.
    pub unsure: usize,
    /// Milestones indicators.
    pub milestones: usize,
    /// Items with no numeric target (a status indicator).
    pub statuses: usize,
    /// Figures read and not drafted (scope, dates, time frames, codes, quoted names).
    pub skipped: usize,
    /// Lines (or numbers in them) that match no known shape: not used by the draft.
    pub lines_not_used: usize,
    /// Groups of file lines read as one (a bracket or heading broken over lines).
    pub joined_lines: usize,
    /// Warnings.
    pub warnings: usize,
}

/// Whether a candidate is a numeric target.
fn is_target(candidate: &Candidate) -> bool {
    candidate.target.is_some()
        && matches!(
            candidate.kind,
            IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage
        )
}

impl Draft {
    /// The counts that tell how far to trust this draft.
    pub fn report(&self) -> DraftReport {
        let items: Vec<_> = self.items().map(|(_, item)| item).collect();
        let in_items = items.iter().flat_map(|item| &item.indicators);
        let in_goals = self.goals.iter().flat_map(|goal| &goal.indicators);
        let mut report = DraftReport {
            parts: self.parts.len(),
            categories: self.category_count(),
            tasks: self.tasks().count(),
            items: items.len(),
            brackets: items
                .iter()
                .filter(|item| item.attribution_line.is_some())
                .count(),
            items_without_lead: items
                .iter()
                .filter(|item| item.lead_units.is_empty())
                .count(),
            statuses: items
                .iter()
                .filter(|item| !item.indicators.iter().any(is_target))
                .count(),
            skipped: self.skipped.len(),
            lines_not_used: self
                .unclassified
                .iter()
                .map(|noted| noted.line)
                .collect::<BTreeSet<_>>()
                .len(),
            joined_lines: self.joined_lines.len(),
            warnings: self.warnings.len(),
            ..DraftReport::default()
        };
        for candidate in in_items.clone().chain(in_goals.clone()) {
            if candidate.kind == IndicatorKind::Milestones {
                report.milestones += 1;
            }
            if !is_target(candidate) {
                continue;
            }
            match candidate.certainty {
                Certainty::Sure => report.sure += 1,
                Certainty::Likely => report.likely += 1,
                Certainty::Unsure => report.unsure += 1,
            }
        }
        report.targets = in_items.filter(|candidate| is_target(candidate)).count();
        report.goal_targets = in_goals.filter(|candidate| is_target(candidate)).count();
        report
    }
}

#[cfg(test)]
mod tests {
    use crate::import_document;

    #[test]
    fn counts_of_a_small_document() {
        let text = "某市行动方案(2024)\n一、总体目标\n到2025年,新增托位5000个以上。\n二、任务\n\
                    1.托育。新增托位1.6万个,在全市120家机构设立托育点。(牵头单位:市卫健委)\n\
                    2.养老。完善养老服务。\n3\n";
        let report = import_document(text).report();
        assert_eq!((report.parts, report.tasks, report.items), (2, 2, 2));
        assert_eq!((report.brackets, report.items_without_lead), (1, 1));
        assert_eq!((report.targets, report.goal_targets), (2, 1));
        // A goal is one step less sure than the same figure in an item.
        assert_eq!((report.sure, report.likely, report.unsure), (0, 2, 1));
        assert_eq!((report.statuses, report.lines_not_used), (1, 1));
    }
}
