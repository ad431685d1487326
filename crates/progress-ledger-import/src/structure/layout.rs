//! Where the plan body starts: the first structural line, the title line and unnumbered part
//! headings; and the roles of the front-matter lines before the body.

use super::logical::{Line, logical_lines};
use super::{Reader, placeholder_date};
use crate::attribution;
use crate::draft::{FrontMatterLine, FrontMatterRole};
use crate::lines::{Shape, date_line, page_marker};
use crate::text::char_len;

/// Words that make a line read as a plan title.
const TITLE_WORDS: &[&str] = &[
    "方案", "计划", "规划", "意见", "要点", "清单", "措施", "办法", "纲要", "任务", "分解", "分工",
];

/// The lines of a document as the reader reads them ([`logical_lines`]), with the questions the
/// layout asks of them (by index into `lines`; false past the end).
pub(super) struct Document {
    pub lines: Vec<Line>,
}

/// Where the title line is and where the body starts (indices into [`Document::lines`]).
pub(super) struct Layout {
    pub title: Option<usize>,
    pub body_start: usize,
}

impl Document {
    pub(super) fn new(text: &str) -> Document {
        Document {
            lines: logical_lines(text),
        }
    }

    fn shape(&self, index: usize) -> Option<Shape> {
        self.lines.get(index).map(|line| line.shape)
    }

    fn is_category(&self, index: usize) -> bool {
        matches!(self.shape(index), Some(Shape::Category { .. }))
    }

    /// A short plain line that could head a part: no sentence, bracket, label, colon, date or
    /// page marker, and at least two CJK characters.
    fn is_heading_like(&self, index: usize) -> bool {
        self.lines.get(index).is_some_and(|line| {
            let text = line.text.as_str();
            line.shape == Shape::Plain
                && !line.furniture
                && !text.contains('。')
                && !text.contains('〔')
                && !attribution::has_label(text)
                && char_len(text) <= 40
                && !text.ends_with([':', '：'])
                && date_line(text).is_none()
                && !page_marker(text)
                && text
                    .chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count()
                    >= 2
        })
    }

    /// An unnumbered part heading: a heading-like line followed by a category.
    pub(super) fn is_part_heading(&self, index: usize) -> bool {
        self.is_heading_like(index) && self.is_category(index + 1)
    }

    /// Whether any line from `start` on is a `一、` numbered paragraph. Unnumbered part headings
    /// only count in documents whose parts are not numbered 一、 (so a stray short line before a
    /// category cannot become a part there).
    pub(super) fn has_numbered_parts_from(&self, start: usize) -> bool {
        self.lines
            .iter()
            .skip(start)
            .any(|line| matches!(line.shape, Shape::Numbered { .. }))
    }

    /// A plain line that could be a title: no sentence or clause punctuation, at most 80
    /// characters, no attribution label, not page furniture, not directly above a category.
    fn is_title_shaped(&self, index: usize) -> bool {
        self.lines.get(index).is_some_and(|line| {
            let text = line.text.as_str();
            line.shape == Shape::Plain
                && !line.furniture
                && !text.contains(['。', ',', '，', ';', '；'])
                && !text.ends_with([':', '：'])
                && char_len(text) <= 80
                && !attribution::has_label(text)
                && !self.is_category(index + 1)
        })
    }

    /// A title-shaped line that names a plan (方案, 计划, 分解 …).
    fn is_title_like(&self, index: usize) -> bool {
        self.is_title_shaped(index)
            && self
                .lines
                .get(index)
                .is_some_and(|line| TITLE_WORDS.iter().any(|word| line.text.contains(word)))
    }

    /// A title-shaped line that names a notice (关于…的通知): the title of a document whose
    /// notice is the plan itself (a list of 民生实事 sent out as a notice).
    fn is_notice_title(&self, index: usize) -> bool {
        self.is_title_shaped(index)
            && self.lines.get(index).is_some_and(|line| {
                line.text.contains("关于") && line.text.trim_end().ends_with("通知")
            })
    }

    /// The first category or, when there is none, the first task heading (a decimal-looking one
    /// only when numbered 1).
    fn first_structural_line(&self) -> Option<usize> {
        let count = self.lines.len();
        (0..count)
            .find(|&index| self.is_category(index))
            .or_else(|| {
                (0..count).find(|&index| {
                    matches!(
                        self.shape(index),
                        Some(Shape::Task { number, ambiguous, .. }) if !ambiguous || number == 1
                    )
                })
            })
    }

    /// The title line (the last title-like line before the first structural line or, when
    /// there is none, the last notice title) and the start of the body: the line after the title
    /// or, without a title, the first structural line (or the numbered paragraph or part heading
    /// right before it).
    pub(super) fn layout(&self) -> Layout {
        let first_structural = self.first_structural_line();
        let limit = first_structural.unwrap_or(self.lines.len());
        let title = (0..limit)
            .rev()
            .find(|&index| self.is_title_like(index))
            .or_else(|| (0..limit).rev().find(|&index| self.is_notice_title(index)));
        let body_start = match (title, first_structural) {
            (Some(title), _) => title + 1,
            (None, Some(first)) if first > 0 => {
                let before = first - 1;
                let numbered = matches!(self.shape(before), Some(Shape::Numbered { .. }));
                let part = self.is_category(first) && self.is_part_heading(before);
                if numbered || part { before } else { first }
            }
            (None, Some(first)) => first,
            (None, None) => 0,
        };
        Layout { title, body_start }
    }
}

impl Reader {
    /// Lists the lines before the body as front matter, with their roles; takes the title, the
    /// issuer and the issue date from them.
    pub(super) fn front_matter(
        &mut self,
        document: &Document,
        body_start: usize,
        title: Option<usize>,
    ) {
        for (index, line) in document.lines.iter().enumerate().take(body_start) {
            let next_is_date = document
                .lines
                .get(index + 1)
                .is_some_and(|next| date_line(&next.text).is_some());
            let role = if Some(index) == title {
                self.draft.title = line.text.to_string();
                FrontMatterRole::Title
            } else if let Some(date) = date_line(&line.text) {
                if self.draft.issued == placeholder_date() {
                    self.draft.issued = date;
                }
                FrontMatterRole::Date
            } else if next_is_date
                && char_len(&line.text) <= 30
                && !line.text.contains(['。', ',', '，', '、'])
            {
                if self.draft.issuer.is_empty() {
                    self.draft.issuer = line.text.to_string();
                }
                FrontMatterRole::Issuer
            } else if line.text.ends_with([':', '：']) {
                FrontMatterRole::Addressee
            } else {
                FrontMatterRole::Notice
            };
            self.draft.front_matter.push(FrontMatterLine {
                line: line.number,
                role,
                text: line.text.to_string(),
            });
        }
    }
}
