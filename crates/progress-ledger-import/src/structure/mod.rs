//! Lines → front matter, parts, categories, tasks and items.
//!
//! Line shapes (after trimming and normalising full-width forms):
//! - `一、…`: a numbered paragraph — a notice point before the title line, a part after it;
//! - `(一)…`: a category; `1.…` / `1、…` / `1)…`: a task; `(1)…` / `①…`: a sub-item;
//! - any other line: a part heading when it is short, has no 。, the next line is a category and
//!   the body has no `一、` part headings; otherwise text of the open item, or unclassified.
//!
//! The title line is the last line before the first category that reads like a title (contains
//! 方案, 计划 …, no 。, not a heading; or, when none does, a notice title 关于…的通知); everything
//! before it is front matter.
//!
//! Modules: `logical` (file lines → the lines the reader reads: page furniture, joined brackets,
//! split run-together tasks), `layout` (where the body starts, the title line, part headings,
//! front-matter roles), `headings` (parts, categories, tasks, sub-items), `body` (the text of
//! items), `close_item` (an item's units and indicator candidates), `goals` (targets outside any
//! task) and `review` (ids, placeholders and checks of the finished draft).

mod body;
mod close_item;
mod goals;
mod headings;
mod layout;
mod logical;
mod review;

use jiff::civil::Date;

use crate::attribution::Attribution;
use crate::draft::{Draft, DraftCategory, DraftPart, DraftTask, JoinedLines, Noted, Warning};
use crate::lines::Shape;
use layout::{Document, Layout};

/// Placeholder date for fields the document does not give.
fn placeholder_date() -> Date {
    Date::new(1970, 1, 1).unwrap_or_default()
}

/// An item being read: its pieces of text (line, text) and its attribution once seen.
struct OpenItem {
    number: Option<u32>,
    title: String,
    pieces: Vec<(usize, String)>,
    first_line: usize,
    last_line: usize,
    attribution: Option<(usize, Attribution)>,
}

impl OpenItem {
    /// An item that starts at `line`, with no text yet.
    fn new(number: Option<u32>, title: String, line: usize) -> OpenItem {
        OpenItem {
            number,
            title,
            pieces: Vec::new(),
            first_line: line,
            last_line: line,
            attribution: None,
        }
    }
}

/// The draft being read, and where the reading is: the open item, whether a heading has been
/// seen, and the task number expected next.
struct Reader {
    draft: Draft,
    open: Option<OpenItem>,
    seen_heading: bool,
    expected_task: u32,
    /// The last file line of the line being read (after its number when it was joined).
    line_end: usize,
}

/// Reads the document. See the module docs for the rules.
pub(crate) fn read_document(text: &str) -> Draft {
    let document = Document::new(text);
    let Layout { title, body_start } = document.layout();
    let mut reader = Reader {
        draft: Draft {
            review_first: Vec::new(),
            id: "draft".to_string(),
            title: String::new(),
            issuer: String::new(),
            issued: placeholder_date(),
            period_start: placeholder_date(),
            period_end: Date::new(1970, 12, 31).unwrap_or_default(),
            parts: Vec::new(),
            units: Vec::new(),
            front_matter: Vec::new(),
            skipped: Vec::new(),
            unclassified: Vec::new(),
            warnings: Vec::new(),
            joined_lines: Vec::new(),
            goals: Vec::new(),
        },
        open: None,
        seen_heading: false,
        expected_task: 1,
        line_end: 0,
    };
    reader.draft.joined_lines = document
        .lines
        .iter()
        .filter(|line| line.last > line.number)
        .map(|line| JoinedLines {
            first: line.number,
            last: line.last,
        })
        .collect();
    reader.front_matter(&document, body_start, title);
    let unnumbered_parts = !document.has_numbered_parts_from(body_start);
    for (index, line) in document.lines.iter().enumerate().skip(body_start) {
        let rest_from = |rest: usize| line.text.get(rest..).unwrap_or("");
        reader.line_end = line.last;
        match line.shape {
            _ if line.furniture => reader.unclassified(
                line.number,
                &line.text,
                "page furniture (a page number or a document number between the lines)".into(),
            ),
            Shape::Numbered { number, rest } => {
                reader.part(Some(number), rest_from(rest), line.number);
            }
            Shape::Plain if unnumbered_parts && document.is_part_heading(index) => {
                reader.part(None, &line.text, line.number);
            }
            Shape::Category { number, rest } => {
                reader.category(number, rest_from(rest), line.number);
            }
            Shape::Task {
                number,
                rest,
                ambiguous,
            } if !ambiguous || number == reader.expected_task => {
                reader.task(number, rest_from(rest), line.number);
            }
            Shape::SubItem { number, rest } => {
                reader.sub_item(number, rest_from(rest), line.number);
            }
            _ => reader.content(&line.text, line.number),
        }
    }
    reader.close_item();
    reader.review();
    reader.draft
}

impl Reader {
    fn warn(&mut self, line: Option<usize>, message: String) {
        self.draft.warnings.push(Warning { line, message });
    }

    fn unclassified(&mut self, line: usize, text: &str, reason: String) {
        self.draft.unclassified.push(Noted {
            line,
            text: text.to_string(),
            reason,
        });
    }

    /// Supplies part 1 (no title, no line) when there is no part yet; says whether it did.
    fn supply_missing_part(&mut self) -> bool {
        if !self.draft.parts.is_empty() {
            return false;
        }
        self.draft.parts.push(DraftPart {
            number: 1,
            title: String::new(),
            line: None,
            categories: Vec::new(),
        });
        true
    }

    fn current_category(&mut self) -> Option<&mut DraftCategory> {
        self.draft
            .parts
            .last_mut()
            .and_then(|part| part.categories.last_mut())
    }

    fn current_task(&mut self) -> Option<&mut DraftTask> {
        self.current_category()
            .and_then(|category| category.tasks.last_mut())
    }
}
