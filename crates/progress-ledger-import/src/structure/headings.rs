//! Headings: parts, categories, tasks and sub-items, with warnings for numbering gaps and for
//! the parts and categories the reader has to supply.

use super::{OpenItem, Reader};
use crate::attribution;
use crate::draft::{DraftCategory, DraftPart, DraftTask};
use crate::lines::first_sentence;
use crate::text::trim;

impl Reader {
    /// The title of a heading: its first sentence. Text after it is listed as unclassified.
    fn heading_title(&mut self, rest: &str, line: usize) -> String {
        let (title, after) = first_sentence(rest);
        let tail = trim(rest.get(after..).unwrap_or(""));
        if !tail.is_empty() {
            self.unclassified(
                line,
                tail,
                "text after the first sentence of a heading".into(),
            );
        }
        title.to_string()
    }

    /// A part heading, numbered as written (`None` for an unnumbered one).
    pub(super) fn part(&mut self, written: Option<u32>, rest: &str, line: usize) {
        self.close_item();
        self.seen_heading = true;
        let number = self.draft.parts.len() as u32 + 1;
        if let Some(written) = written.filter(|&written| written != number) {
            self.warn(
                Some(line),
                format!("part numbered {written} is part {number} of the document"),
            );
        }
        let title = self.heading_title(rest, line);
        self.draft.parts.push(DraftPart {
            number,
            title,
            line: Some(line),
            categories: Vec::new(),
        });
    }

    /// A category heading.
    pub(super) fn category(&mut self, number: u32, rest: &str, line: usize) {
        self.close_item();
        self.seen_heading = true;
        if self.supply_missing_part() {
            self.warn(
                Some(line),
                "category before any part heading: part 1 supplied".into(),
            );
        }
        let expected = self.draft.category_count() as u32 + 1;
        if number != expected {
            self.warn(
                Some(line),
                format!("category numbered {number}, expected {expected}"),
            );
        }
        let title = self.heading_title(rest, line);
        if let Some(part) = self.draft.parts.last_mut() {
            part.categories.push(DraftCategory {
                number,
                title,
                line: Some(line),
                tasks: Vec::new(),
            });
        }
    }

    /// A task heading; the line may carry the task's body (5.普高教育。实施…〔…〕).
    pub(super) fn task(&mut self, number: u32, rest: &str, line: usize) {
        self.close_item();
        self.seen_heading = true;
        if self.current_category().is_none() {
            let supplied = self.draft.category_count() as u32 + 1;
            self.warn(
                Some(line),
                format!("task before any category heading: category {supplied} supplied"),
            );
            self.supply_missing_part();
            if let Some(part) = self.draft.parts.last_mut() {
                part.categories.push(DraftCategory {
                    number: supplied,
                    title: String::new(),
                    line: None,
                    tasks: Vec::new(),
                });
            }
        }
        if number != self.expected_task {
            let expected = self.expected_task;
            self.warn(
                Some(line),
                format!("task numbered {number}, expected {expected}"),
            );
        }
        self.expected_task = number.saturating_add(1);
        let bracket_start = attribution::find(rest).map(|span| span.start);
        let (sentence, after) = first_sentence(rest);
        let (title, body) = match bracket_start {
            // A bracket inside the first sentence: the title stops before it.
            Some(bracket_start) if bracket_start < after => (
                trim(rest.get(..bracket_start).unwrap_or("")),
                rest.get(bracket_start..).unwrap_or(""),
            ),
            _ => (sentence, rest.get(after..).unwrap_or("")),
        };
        let title = title.to_string();
        if let Some(category) = self.current_category() {
            category.tasks.push(DraftTask {
                number,
                title: title.clone(),
                line: Some(line),
                items: Vec::new(),
            });
        }
        if !trim(body).is_empty() {
            self.open = Some(OpenItem::new(None, title, line));
            self.add_piece(body, line);
        }
    }

    /// A sub-item heading (1) or ①: opens a numbered item of the current task.
    pub(super) fn sub_item(&mut self, number: u32, rest: &str, line: usize) {
        let Some(task_number) = self.current_task().map(|task| task.number) else {
            self.unclassified(line, rest, "a numbered sub-item outside any task".into());
            return;
        };
        // Un-numbered text with no bracket before the first sub-item introduces the task.
        if let Some(introduction) = self
            .open
            .take_if(|open| open.number.is_none() && open.attribution.is_none())
        {
            for (piece_line, text) in introduction.pieces {
                self.unclassified(
                    piece_line,
                    &text,
                    format!(
                        "text of task {task_number} before its sub-items: an introduction, not an item"
                    ),
                );
            }
        }
        self.close_item();
        let (numbered, unnumbered) = self.current_task().map_or((0, 0), |task| {
            let numbered = task
                .items
                .iter()
                .filter(|item| item.number.is_some())
                .count();
            (numbered, task.items.len() - numbered)
        });
        if unnumbered > 0 && numbered == 0 {
            self.warn(
                Some(line),
                format!("task {task_number} has an un-numbered item and numbered sub-items"),
            );
        }
        if number as usize != numbered + 1 {
            self.warn(
                Some(line),
                format!(
                    "sub-item ({number}) of task {task_number}, expected ({})",
                    numbered + 1
                ),
            );
        }
        let without_attribution = match attribution::find(rest) {
            Some(span) => rest.get(..span.start).unwrap_or(""),
            None => rest,
        };
        let title = first_sentence(without_attribution).0.to_string();
        self.open = Some(OpenItem::new(Some(number), title, line));
        self.add_piece(rest, line);
    }
}
