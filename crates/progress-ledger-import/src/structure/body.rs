//! The text under the headings: lines added to the open item (its attribution bracket taken
//! out), introductions before the first heading, and text that belongs to no item.

use super::{OpenItem, Reader};
use crate::attribution;
use crate::draft::{FrontMatterLine, FrontMatterRole};
use crate::text::{trim, trim_punct};

impl Reader {
    /// Adds a line of text to the open item, taking its attribution bracket out.
    pub(super) fn add_piece(&mut self, text: &str, line: usize) {
        let found = attribution::find(text);
        let mut tail_warning = None;
        let mut page_number = None;
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.last_line = open.last_line.max(line).max(self.line_end);
        let piece = match found {
            Some(span) => {
                let before = text.get(..span.start).unwrap_or("");
                let mut after = text.get(span.end..).unwrap_or("");
                if is_page_number(after) {
                    page_number = Some(trim(after).to_string());
                    after = "";
                }
                if !trim_punct(after).is_empty() {
                    tail_warning = Some(format!(
                        "text after the attribution bracket kept in the item: {}",
                        trim(after)
                    ));
                }
                open.attribution = Some((line, span.attribution));
                format!("{}{}", trim(before), trim(after))
            }
            None => trim(text).to_string(),
        };
        if !piece.is_empty() {
            open.pieces.push((line, piece));
        }
        if let Some(warning) = tail_warning {
            self.warn(Some(line), warning);
        }
        if let Some(number) = page_number {
            self.unclassified(
                line,
                &number,
                "page furniture (a page number after the attribution bracket)".into(),
            );
        }
    }

    /// A line that is not a heading: an introduction before the first heading, text of the open
    /// item, the body of a task without sub-items, or unclassified.
    pub(super) fn content(&mut self, text: &str, line: usize) {
        if !self.seen_heading {
            self.draft.front_matter.push(FrontMatterLine {
                line,
                role: FrontMatterRole::Introduction,
                text: text.to_string(),
            });
            self.introduction_goal(text, line);
            return;
        }
        match &self.open {
            Some(open) if open.attribution.is_none() => self.add_piece(text, line),
            Some(open) => {
                let which = match open.number {
                    Some(number) => format!("sub-item ({number})"),
                    None => "the item".to_string(),
                };
                let task = self.current_task().map_or(0, |task| task.number);
                self.unclassified(
                    line,
                    text,
                    format!("text after the attribution bracket of {which} of task {task}"),
                );
            }
            None => match self
                .current_task()
                .map(|task| (task.number, task.title.clone(), task.items.is_empty()))
            {
                Some((_, title, true)) => {
                    self.open = Some(OpenItem::new(None, title, line));
                    self.add_piece(text, line);
                }
                Some((task, _, false)) => {
                    self.unclassified(
                        line,
                        text,
                        format!("text after the last item of task {task}"),
                    );
                }
                None => {
                    if !self.goal(text, line) {
                        self.unclassified(line, text, "text outside any task".into());
                    }
                }
            },
        }
    }
}

/// Whether the text after an attribution bracket is a page number the extraction ran into the
/// line (…(牵头单位:省残联)3).
fn is_page_number(after: &str) -> bool {
    let after = trim(after);
    !after.is_empty() && after.len() <= 3 && after.chars().all(|c| c.is_ascii_digit())
}
