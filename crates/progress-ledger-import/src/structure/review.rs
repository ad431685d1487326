//! The finished draft: unique indicator ids, the plan-level fields the document gives or leaves
//! as placeholders (period, title, date, issuer), and warnings for empty parts, categories and
//! tasks.

use std::collections::BTreeSet;

use jiff::civil::Date;

use super::{Reader, placeholder_date};
use crate::draft::{Certainty, ReviewNote};
use crate::lines::years;

impl Reader {
    /// Plan-level placeholders and checks of the finished tree.
    pub(super) fn review(&mut self) {
        self.make_ids_unique();
        self.list_unsure();
        self.warn(
            None,
            "the document gives no plan id: \"draft\" is a placeholder".into(),
        );
        self.period_from_title();
        if self.draft.title.is_empty() {
            self.warn(
                None,
                "no title line found (a line naming 方案, 计划 … before the first category)".into(),
            );
        }
        if self.draft.issued == placeholder_date() {
            self.warn(
                None,
                "no date line (2023年8月14日): the issue date 1970-01-01 is a placeholder".into(),
            );
        }
        if self.draft.issuer.is_empty() {
            self.warn(
                None,
                "no issuer line (the line before the date) found".into(),
            );
        }
        if self.draft.units.iter().any(|unit| unit.contains("开发区")) {
            self.warn(
                None,
                "the district set (各县(市)区、开发区) is named: list its members in the plan's districts".into(),
            );
        }
        self.warn_of_empty_headings();
        if self.draft.tasks().next().is_none() {
            self.warn(
                None,
                "no task found (no 1. or 1、 or 1) heading): the text is not a plan of this form, \
                 or its tasks are written in a way the importer does not read"
                    .into(),
            );
        }
        let goals: usize = self
            .draft
            .goals
            .iter()
            .map(|goal| goal.indicators.len())
            .sum();
        if goals > 0 {
            self.warn(
                None,
                format!(
                    "{goals} targets are written outside any task (goals): place them in the plan"
                ),
            );
        }
    }

    /// Lists the unsure indicators of the items and goals, in document order, for the reviewer
    /// to check first.
    fn list_unsure(&mut self) {
        let items = self
            .draft
            .items()
            .flat_map(|(_, item)| &item.indicators)
            .collect::<Vec<_>>();
        let goals = self.draft.goals.iter().flat_map(|goal| &goal.indicators);
        let mut unsure: Vec<ReviewNote> = items
            .into_iter()
            .chain(goals)
            .filter(|candidate| candidate.certainty == Certainty::Unsure)
            .map(|candidate| ReviewNote {
                id: candidate.id.clone(),
                line: candidate.line,
                rule: candidate.rule,
                source: candidate.source.clone(),
            })
            .collect();
        unsure.sort_by_key(|note| note.line);
        self.draft.review_first = unsure;
    }

    /// Repeated task or sub-item numbers would repeat ids: the later ones get a suffix.
    fn make_ids_unique(&mut self) {
        let mut seen = BTreeSet::new();
        let mut renamed = Vec::new();
        for candidate in self.draft.candidates_mut() {
            if !seen.contains(&candidate.id) {
                seen.insert(candidate.id.clone());
                continue;
            }
            let mut suffix = 2;
            while seen.contains(&format!("{}-{suffix}", candidate.id)) {
                suffix += 1;
            }
            let id = format!("{}-{suffix}", candidate.id);
            renamed.push((
                candidate.line,
                format!(
                    "id {} is used twice (repeated numbering): renamed {id}",
                    candidate.id
                ),
            ));
            seen.insert(id.clone());
            candidate.id = id;
        }
        for (line, message) in renamed {
            self.warn(Some(line), message);
        }
    }

    /// The period: from 1 January of the first year in the title to 31 December of the last.
    fn period_from_title(&mut self) {
        let years = years(&self.draft.title);
        match (years.iter().min(), years.iter().max()) {
            (Some(&first), Some(&last)) => {
                self.draft.period_start =
                    Date::new(first, 1, 1).unwrap_or_else(|_| placeholder_date());
                self.draft.period_end =
                    Date::new(last, 12, 31).unwrap_or_else(|_| placeholder_date());
                self.warn(
                    None,
                    format!("period taken from the year(s) in the title: {first}-01-01 to {last}-12-31; check it"),
                );
            }
            _ => self.warn(
                None,
                "no year in the title: the period 1970-01-01 to 1970-12-31 is a placeholder".into(),
            ),
        }
    }

    /// A part without categories, a category without tasks, a task without items.
    fn warn_of_empty_headings(&mut self) {
        let mut empty = Vec::new();
        for part in &self.draft.parts {
            if part.categories.is_empty() {
                empty.push((part.line, format!("part {} has no categories", part.number)));
            }
            for category in &part.categories {
                if category.tasks.is_empty() {
                    empty.push((
                        category.line,
                        format!("category {} has no tasks", category.number),
                    ));
                }
                for task in &category.tasks {
                    if task.items.is_empty() {
                        empty.push((task.line, format!("task {} has no items", task.number)));
                    }
                }
            }
        }
        for (line, message) in empty {
            self.warn(line, message);
        }
    }
}
