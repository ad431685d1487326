//! Goals paragraphs: targets written outside any task, in an introduction that names its goals
//! (主要预期目标是:…, 实现…三大目标), in the text under a part or category heading before its
//! first task (一、主要目标 …), or after the first sentence of such a heading.

use progress_ledger_core::plan::IndicatorKind;

use super::Reader;
use crate::draft::{Candidate, DraftGoal, Noted};
use crate::targets;

/// The word an introduction must name to be read for targets.
const GOAL_WORD: &str = "目标";

impl Reader {
    /// Reads an introduction paragraph for targets when it names its goals; says whether it
    /// drafted any.
    pub(super) fn introduction_goal(&mut self, text: &str, line: usize) -> bool {
        text.contains(GOAL_WORD) && self.goal(text, line)
    }

    /// Reads text outside any task for targets and drafts them as goals when there are any
    /// numeric ones; says whether it did. Figures that are not targets are listed as for items.
    pub(super) fn goal(&mut self, text: &str, line: usize) -> bool {
        let extracted = targets::extract(text);
        let numeric = extracted.proposals.iter().any(|proposal| {
            matches!(
                proposal.candidate.kind,
                IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage
            )
        });
        if !numeric {
            return false;
        }
        let number = self.draft.goals.len() + 1;
        let indicators: Vec<Candidate> = extracted
            .proposals
            .into_iter()
            .enumerate()
            .map(|(index, proposal)| Candidate {
                id: format!("g{number:02}-{}", index + 1),
                line,
                // Outside any task, with no units: less sure than the same figure in an item.
                certainty: proposal.candidate.certainty.lowered(),
                ..proposal.candidate
            })
            .collect();
        let noted = |phrase: targets::NotedPhrase| Noted {
            line,
            text: phrase.phrase,
            reason: phrase.reason,
        };
        self.draft
            .skipped
            .extend(extracted.skipped.into_iter().map(noted));
        self.draft
            .unclassified
            .extend(extracted.odd.into_iter().map(noted));
        for note in extracted.notes {
            self.warn(
                Some(line),
                format!("goals: {}: {}", note.phrase, note.reason),
            );
        }
        self.draft.goals.push(DraftGoal {
            line,
            last_line: self.line_end.max(line),
            part: self.draft.parts.last().map(|part| part.number),
            text: text.to_string(),
            indicators,
        });
        true
    }
}
