//! Headings: parts, categories, tasks and sub-items, with warnings for numbering gaps and for
//! the parts and categories the reader has to supply.

use super::{OpenItem, Reader};
use crate::attribution;
use crate::draft::{DraftCategory, DraftPart, DraftTask};
use crate::lines::first_sentence;
use crate::text::{char_len, trim};

impl Reader {
    /// The title of a heading (its first sentence) and the text after it.
    fn heading_title(rest: &str) -> (String, String) {
        let (title, after) = first_sentence(rest);
        let tail = trim(rest.get(after..).unwrap_or(""));
        (title.to_string(), tail.to_string())
    }

    /// Text after the first sentence of a heading: a goals paragraph when it states targets
    /// (（一）总体目标。到2025年,…达到90%), otherwise unclassified.
    fn heading_tail(&mut self, tail: &str, line: usize) {
        if !tail.is_empty() && !self.goal(tail, line) {
            self.unclassified(
                line,
                tail,
                "text after the first sentence of a heading".into(),
            );
        }
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
        let (title, tail) = Self::heading_title(rest);
        self.draft.parts.push(DraftPart {
            number,
            title,
            line: Some(line),
            categories: Vec::new(),
        });
        self.heading_tail(&tail, line);
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
        let (title, tail) = Self::heading_title(rest);
        if let Some(part) = self.draft.parts.last_mut() {
            part.categories.push(DraftCategory {
                number,
                title,
                line: Some(line),
                tasks: Vec::new(),
            });
        }
        self.heading_tail(&tail, line);
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
        let (title, body) = split_task_line(rest);
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

/// Longest first sentence that reads as a task's title when more text follows it on the line.
const MAX_TITLE_SENTENCE: usize = 20;

/// Longest title of a task written on one line, in characters.
const MAX_TITLE: usize = 40;

/// Words that end the first clause of a one-line task: its title.
const CLAUSE_ENDS: &[char] = &['。', ',', '，', ';', '；', ':', '：'];

/// The title of a task heading and the body that follows it on the line.
///
/// - `1.优孕优生`: a title alone; the body follows on the next lines.
/// - `5.普高教育。实施…〔…〕`: a short first sentence without clause punctuation or digits is the
///   title; the rest of the line is the body.
/// - `1.促进重点群体稳定就业,新增城镇就业4.3万人…(牵头单位:…)` or `116.强化船舶污染防治。(牵头单位:
///   …)`: a task written on one line. The title is its first clause, and the body is the whole
///   line (the title clause included, so that its figures are read).
fn split_task_line(rest: &str) -> (String, &str) {
    let bracket = attribution::find(rest).map(|span| span.start);
    let head = rest.get(..bracket.unwrap_or(rest.len())).unwrap_or(rest);
    let (sentence, after) = first_sentence(head);
    let more_follows = !trim(head.get(after..).unwrap_or("")).is_empty();
    let short_heading = !sentence.contains(CLAUSE_ENDS)
        && char_len(sentence) <= MAX_TITLE_SENTENCE
        && !sentence
            .chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    if more_follows && short_heading {
        return (sentence.to_string(), rest.get(after..).unwrap_or(""));
    }
    let clause_end = head.find(CLAUSE_ENDS).unwrap_or(head.len());
    let clause: String = trim(head.get(..clause_end).unwrap_or(head))
        .chars()
        .take(MAX_TITLE)
        .collect();
    if !more_follows && bracket.is_none() && !sentence.contains(CLAUSE_ENDS) {
        return (clause, "");
    }
    (clause, rest)
}

#[cfg(test)]
mod tests {
    use super::split_task_line;

    #[test]
    fn task_titles() {
        assert_eq!(
            split_task_line("普高教育。实施高中建设〔牵头单位:市教育局〕"),
            ("普高教育".to_string(), "实施高中建设〔牵头单位:市教育局〕")
        );
        assert_eq!(split_task_line("优孕优生"), ("优孕优生".to_string(), ""));
        let line = "促进重点群体稳定就业,新增城镇就业4.3万人(牵头单位:市人社局)";
        assert_eq!(
            split_task_line(line),
            ("促进重点群体稳定就业".to_string(), line)
        );
        let line = "开展困难职工帮扶不少于5300人次。基本实现应保尽保。(牵头单位:省总工会)";
        assert_eq!(
            split_task_line(line),
            ("开展困难职工帮扶不少于5300人次".to_string(), line)
        );
        assert_eq!(
            split_task_line("加快汉江南岸综合整治。(牵头单位:市水务局)"),
            (
                "加快汉江南岸综合整治".to_string(),
                "加快汉江南岸综合整治。(牵头单位:市水务局)"
            )
        );
    }
}
