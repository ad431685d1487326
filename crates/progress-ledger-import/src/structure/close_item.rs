//! Closing an item: its text joined from its lines, its lead and cooperating units, and its
//! indicator candidates (the proposed targets, or a status indicator), each with its line.

use progress_ledger_core::plan::{Direction, IndicatorKind};

use super::Reader;
use crate::draft::{Candidate, Certainty, DraftItem, Noted, Rule};
use crate::targets;

impl Reader {
    /// Closes the open item: reads its figures and adds it to the current task.
    pub(super) fn close_item(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let Some(task_number) = self.current_task().map(|task| task.number) else {
            for (line, text) in open.pieces {
                self.unclassified(line, &text, "text outside any task".into());
            }
            return;
        };
        let label = match open.number {
            Some(number) => format!("task {task_number} sub-item ({number})"),
            None => format!("task {task_number}"),
        };
        // Join the pieces, remembering where each line starts.
        let mut text = String::new();
        let mut line_starts = Vec::new();
        for (line, piece) in &open.pieces {
            line_starts.push((text.len(), *line));
            text.push_str(piece);
        }
        let line_of = |at: usize| {
            let after = line_starts.partition_point(|&(start, _)| start <= at);
            after
                .checked_sub(1)
                .and_then(|index| line_starts.get(index))
                .map_or(open.first_line, |&(_, line)| line)
        };
        let (lead, cooperating, attribution_line) = match open.attribution {
            Some((line, attribution)) => {
                for note in attribution.notes {
                    self.warn(Some(line), format!("{label}: {note}"));
                }
                if attribution.lead.is_empty() {
                    self.warn(
                        Some(line),
                        format!("{label}: no lead unit in the attribution"),
                    );
                }
                (attribution.lead, attribution.cooperating, Some(line))
            }
            None => {
                self.warn(
                    Some(open.first_line),
                    format!("{label} has no attribution bracket: no lead or cooperating units"),
                );
                (Vec::new(), Vec::new(), None)
            }
        };
        for unit in lead.iter().chain(&cooperating) {
            if !self.draft.units.contains(unit) {
                self.draft.units.push(unit.clone());
            }
        }
        let extracted = targets::extract(&text);
        let item_number = open.number.unwrap_or(0);
        let id = |index: usize| format!("t{task_number:02}-{item_number}-{}", index + 1);
        let mut indicators: Vec<Candidate> = extracted
            .proposals
            .into_iter()
            .enumerate()
            .map(|(index, proposal)| Candidate {
                id: id(index),
                line: line_of(proposal.at),
                ..proposal.candidate
            })
            .collect();
        if indicators.is_empty() {
            indicators.push(Candidate {
                id: id(0),
                title: open.title.clone(),
                kind: IndicatorKind::Status,
                unit: String::new(),
                target: None,
                direction: Direction::AtLeast,
                baseline: None,
                source: String::new(),
                deliverables: Vec::new(),
                growth: false,
                line: open.first_line,
                rule: Rule::NoTarget,
                certainty: Certainty::Sure,
            });
        }
        let noted = |phrase: targets::NotedPhrase| Noted {
            line: line_of(phrase.at),
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
                Some(line_of(note.at)),
                format!("{label}: {}: {}", note.phrase, note.reason),
            );
        }
        let item = DraftItem {
            number: open.number,
            title: open.title,
            text,
            lead_units: lead,
            cooperating_units: cooperating,
            first_line: open.first_line,
            last_line: open.last_line,
            attribution_line,
            indicators,
        };
        if let Some(task) = self.current_task() {
            task.items.push(item);
        }
    }
}
