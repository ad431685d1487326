//! Lines → front matter, parts, categories, tasks and items.
//!
//! Line shapes (after trimming and normalising full-width forms):
//! - `一、…`: a numbered paragraph — a notice point before the title line, a part after it;
//! - `(一)…`: a category; `1.…` / `1、…`: a task; `(1)…` / `①…`: a sub-item;
//! - any other line: a part heading when it is short, has no 。, the next line is a category and
//!   the body has no `一、` part headings; otherwise text of the open item, or unclassified.
//!
//! The title line is the last line before the first category that reads like a title (contains
//! 方案, 计划 …, no 。, not a heading); everything before it is front matter.

use jiff::civil::Date;

use super::attribution::{self, Attribution};
use super::lines::{Shape, date_line, first_sentence, page_marker, shape, years};
use super::targets;
use super::text::{char_len, trim, trim_punct};
use super::{
    Candidate, Draft, DraftCategory, DraftItem, DraftPart, DraftTask, FrontMatterLine,
    FrontMatterRole, Noted, Warning,
};
use progress_ledger_core::plan::{Direction, IndicatorKind};

/// Words that make a line read as a plan title.
const TITLE_WORDS: &[&str] = &[
    "方案", "计划", "规划", "意见", "要点", "清单", "措施", "办法", "纲要", "任务",
];

/// Placeholder date for fields the document does not give.
fn placeholder_date() -> Date {
    Date::new(1970, 1, 1).unwrap_or_default()
}

struct Line<'a> {
    no: usize,
    text: &'a str,
    shape: Shape,
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

struct Builder {
    draft: Draft,
    open: Option<OpenItem>,
    seen_heading: bool,
    expected_task: u32,
}

/// Reads the document. See the module docs for the rules.
pub(crate) fn build(text: &str) -> Draft {
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .filter_map(|(k, l)| {
            let t = trim(l);
            (!t.is_empty()).then(|| Line {
                no: k + 1,
                text: t,
                shape: shape(t),
            })
        })
        .collect();
    let is_category =
        |i: usize| matches!(lines.get(i).map(|l| l.shape), Some(Shape::Category { .. }));
    let heading_like = |i: usize| {
        lines.get(i).is_some_and(|l| {
            l.shape == Shape::Plain
                && !l.text.contains('。')
                && !l.text.contains('〔')
                && !attribution::has_label(l.text)
                && char_len(l.text) <= 40
                && !l.text.ends_with([':', '：'])
                && date_line(l.text).is_none()
                && !page_marker(l.text)
                && l.text
                    .chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count()
                    >= 2
        })
    };
    // Unnumbered part headings only count in documents whose parts are not numbered 一、 (so a
    // stray short line before a category cannot become a part there).
    let numbered_parts_after = |start: usize| {
        lines
            .iter()
            .skip(start)
            .any(|l| matches!(l.shape, Shape::Numbered { .. }))
    };
    let part_heading = |i: usize| heading_like(i) && is_category(i + 1);
    let title_like = |i: usize| {
        lines.get(i).is_some_and(|l| {
            l.shape == Shape::Plain
                && !l.text.contains('。')
                && char_len(l.text) <= 80
                && TITLE_WORDS.iter().any(|w| l.text.contains(w))
                && !attribution::has_label(l.text)
                && !is_category(i + 1)
        })
    };
    let first_struct = (0..lines.len()).find(|&i| is_category(i)).or_else(|| {
        (0..lines.len()).find(|&i| {
            matches!(lines.get(i).map(|l| l.shape), Some(Shape::Task { number, decimal, .. }) if !decimal || number == 1)
        })
    });
    let limit = first_struct.unwrap_or(lines.len());
    let title_idx = (0..limit).rev().find(|&i| title_like(i));
    let body_start = match (title_idx, first_struct) {
        (Some(t), _) => t + 1,
        (None, Some(f)) if f > 0 && is_category(f) => {
            let before = f - 1;
            let numbered = matches!(
                lines.get(before).map(|l| l.shape),
                Some(Shape::Numbered { .. })
            );
            if numbered || part_heading(before) {
                before
            } else {
                f
            }
        }
        (None, Some(f)) => f,
        (None, None) => 0,
    };

    let mut b = Builder {
        draft: Draft {
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
        },
        open: None,
        seen_heading: false,
        expected_task: 1,
    };
    b.front_matter(&lines, body_start, title_idx);
    let unnumbered_parts = !numbered_parts_after(body_start);
    for (i, line) in lines.iter().enumerate().skip(body_start) {
        match line.shape {
            Shape::Numbered { number, rest } => {
                b.part(Some(number), line.text.get(rest..).unwrap_or(""), line.no);
            }
            Shape::Plain if unnumbered_parts && part_heading(i) => b.part(None, line.text, line.no),
            Shape::Category { number, rest } => {
                b.category(number, line.text.get(rest..).unwrap_or(""), line.no);
            }
            Shape::Task {
                number,
                rest,
                decimal,
            } if !decimal || number == b.expected_task => {
                b.task(number, line.text.get(rest..).unwrap_or(""), line.no);
            }
            Shape::SubItem { number, rest } => {
                b.sub_item(number, line.text.get(rest..).unwrap_or(""), line.no);
            }
            _ => b.content(line.text, line.no),
        }
    }
    b.finish_item();
    b.finish();
    b.draft
}

impl Builder {
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

    fn front_matter(&mut self, lines: &[Line<'_>], body_start: usize, title_idx: Option<usize>) {
        for (i, line) in lines.iter().enumerate().take(body_start) {
            let next_is_date = lines
                .get(i + 1)
                .is_some_and(|l| date_line(l.text).is_some());
            let role = if Some(i) == title_idx {
                self.draft.title = line.text.to_string();
                FrontMatterRole::Title
            } else if let Some(d) = date_line(line.text) {
                if self.draft.issued == placeholder_date() {
                    self.draft.issued = d;
                }
                FrontMatterRole::Date
            } else if next_is_date
                && char_len(line.text) <= 30
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
                line: line.no,
                role,
                text: line.text.to_string(),
            });
        }
    }

    /// Text after the first sentence of a heading is listed as unclassified.
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

    fn part(&mut self, number: Option<u32>, rest: &str, line: usize) {
        self.finish_item();
        self.seen_heading = true;
        let n = self.draft.parts.len() as u32 + 1;
        if let Some(written) = number.filter(|&w| w != n) {
            self.warn(
                Some(line),
                format!("part numbered {written} is part {n} of the document"),
            );
        }
        let title = self.heading_title(rest, line);
        self.draft.parts.push(DraftPart {
            number: n,
            title,
            line: Some(line),
            categories: Vec::new(),
        });
    }

    fn category(&mut self, number: u32, rest: &str, line: usize) {
        self.finish_item();
        self.seen_heading = true;
        if self.draft.parts.is_empty() {
            self.warn(
                Some(line),
                "category before any part heading: part 1 supplied".into(),
            );
            self.draft.parts.push(DraftPart {
                number: 1,
                title: String::new(),
                line: None,
                categories: Vec::new(),
            });
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

    fn current_task(&mut self) -> Option<&mut DraftTask> {
        self.draft
            .parts
            .last_mut()
            .and_then(|p| p.categories.last_mut())
            .and_then(|c| c.tasks.last_mut())
    }

    fn task(&mut self, number: u32, rest: &str, line: usize) {
        self.finish_item();
        self.seen_heading = true;
        if self
            .draft
            .parts
            .last()
            .is_none_or(|p| p.categories.is_empty())
        {
            let n = self.draft.category_count() as u32 + 1;
            self.warn(
                Some(line),
                format!("task before any category heading: category {n} supplied"),
            );
            if self.draft.parts.is_empty() {
                self.draft.parts.push(DraftPart {
                    number: 1,
                    title: String::new(),
                    line: None,
                    categories: Vec::new(),
                });
            }
            if let Some(part) = self.draft.parts.last_mut() {
                part.categories.push(DraftCategory {
                    number: n,
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
        // A task line may carry its body: 5.普高教育。实施…〔…〕
        let bracket = attribution::find(rest).map(|f| f.start);
        let (sentence, after) = first_sentence(rest);
        let (title, body) = match bracket {
            Some(bs) if bs < after => (
                trim(rest.get(..bs).unwrap_or("")),
                rest.get(bs..).unwrap_or(""),
            ),
            _ => (sentence, rest.get(after..).unwrap_or("")),
        };
        let title = title.to_string();
        if let Some(cat) = self
            .draft
            .parts
            .last_mut()
            .and_then(|p| p.categories.last_mut())
        {
            cat.tasks.push(DraftTask {
                number,
                title: title.clone(),
                line: Some(line),
                items: Vec::new(),
            });
        }
        if !trim(body).is_empty() {
            self.open = Some(OpenItem {
                number: None,
                title,
                pieces: Vec::new(),
                first_line: line,
                last_line: line,
                attribution: None,
            });
            self.add_piece(body, line);
        }
    }

    fn sub_item(&mut self, number: u32, rest: &str, line: usize) {
        let Some(task_number) = self.current_task().map(|t| t.number) else {
            self.unclassified(line, rest, "a numbered sub-item outside any task".into());
            return;
        };
        // Un-numbered text with no bracket before the first sub-item introduces the task.
        if let Some(open) = self
            .open
            .take_if(|o| o.number.is_none() && o.attribution.is_none())
        {
            for (l, text) in open.pieces {
                self.unclassified(
                    l,
                    &text,
                    format!("text of task {task_number} before its sub-items: an introduction, not an item"),
                );
            }
        }
        self.finish_item();
        let (numbered, unnumbered) = self.current_task().map_or((0, 0), |t| {
            let numbered = t.items.iter().filter(|i| i.number.is_some()).count();
            (numbered, t.items.len() - numbered)
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
        let without = match attribution::find(rest) {
            Some(f) => rest.get(..f.start).unwrap_or(""),
            None => rest,
        };
        let title = first_sentence(without).0.to_string();
        self.open = Some(OpenItem {
            number: Some(number),
            title,
            pieces: Vec::new(),
            first_line: line,
            last_line: line,
            attribution: None,
        });
        self.add_piece(rest, line);
    }

    /// Adds a line of text to the open item, taking its attribution bracket out.
    fn add_piece(&mut self, text: &str, line: usize) {
        let found = attribution::find(text);
        let mut tail_warning = None;
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.last_line = line;
        let piece = match found {
            Some(f) => {
                let before = text.get(..f.start).unwrap_or("");
                let after = text.get(f.end..).unwrap_or("");
                if !trim_punct(after).is_empty() {
                    tail_warning = Some(format!(
                        "text after the attribution bracket kept in the item: {}",
                        trim(after)
                    ));
                }
                open.attribution = Some((line, f.attribution));
                format!("{}{}", trim(before), trim(after))
            }
            None => trim(text).to_string(),
        };
        if !piece.is_empty() {
            open.pieces.push((line, piece));
        }
        if let Some(w) = tail_warning {
            self.warn(Some(line), w);
        }
    }

    fn content(&mut self, text: &str, line: usize) {
        if !self.seen_heading {
            self.draft.front_matter.push(FrontMatterLine {
                line,
                role: FrontMatterRole::Introduction,
                text: text.to_string(),
            });
            return;
        }
        match &self.open {
            Some(open) if open.attribution.is_none() => self.add_piece(text, line),
            Some(open) => {
                let which = match open.number {
                    Some(n) => format!("sub-item ({n})"),
                    None => "the item".to_string(),
                };
                let task = self.current_task().map_or(0, |t| t.number);
                self.unclassified(
                    line,
                    text,
                    format!("text after the attribution bracket of {which} of task {task}"),
                );
            }
            None => match self
                .current_task()
                .map(|t| (t.number, t.title.clone(), t.items.is_empty()))
            {
                Some((_, title, true)) => {
                    self.open = Some(OpenItem {
                        number: None,
                        title,
                        pieces: Vec::new(),
                        first_line: line,
                        last_line: line,
                        attribution: None,
                    });
                    self.add_piece(text, line);
                }
                Some((n, _, false)) => {
                    self.unclassified(line, text, format!("text after the last item of task {n}"));
                }
                None => self.unclassified(line, text, "text outside any task".into()),
            },
        }
    }

    /// Closes the open item: reads its figures and adds it to the current task.
    fn finish_item(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let Some(task_number) = self.current_task().map(|t| t.number) else {
            for (l, text) in open.pieces {
                self.unclassified(l, &text, "text outside any task".into());
            }
            return;
        };
        let label = match open.number {
            Some(n) => format!("task {task_number} sub-item ({n})"),
            None => format!("task {task_number}"),
        };
        // Join the pieces, remembering where each line starts.
        let mut text = String::new();
        let mut starts = Vec::new();
        for (l, piece) in &open.pieces {
            starts.push((text.len(), *l));
            text.push_str(piece);
        }
        let line_of = |at: usize| {
            starts
                .iter()
                .rev()
                .find(|&&(s, _)| s <= at)
                .map_or(open.first_line, |&(_, l)| l)
        };
        let (lead, cooperating, attribution_line) = match open.attribution {
            Some((l, a)) => {
                for note in a.notes {
                    self.warn(Some(l), format!("{label}: {note}"));
                }
                if a.lead.is_empty() {
                    self.warn(Some(l), format!("{label}: no lead unit in the attribution"));
                }
                (a.lead, a.cooperating, Some(l))
            }
            None => {
                self.warn(
                    Some(open.first_line),
                    format!("{label} has no attribution bracket: no lead or cooperating units"),
                );
                (Vec::new(), Vec::new(), None)
            }
        };
        for u in lead.iter().chain(&cooperating) {
            if !self.draft.units.contains(u) {
                self.draft.units.push(u.clone());
            }
        }
        let found = targets::extract(&text);
        let item_no = open.number.unwrap_or(0);
        let mut indicators: Vec<Candidate> = found
            .proposed
            .into_iter()
            .enumerate()
            .map(|(k, p)| Candidate {
                id: format!("t{task_number:02}-{item_no}-{}", k + 1),
                title: p.title,
                kind: p.kind,
                unit: p.unit,
                target: p.target,
                direction: p.direction,
                baseline: p.baseline,
                source: p.source,
                deliverables: p.deliverables,
                line: line_of(p.at),
            })
            .collect();
        if indicators.is_empty() {
            indicators.push(Candidate {
                id: format!("t{task_number:02}-{item_no}-1"),
                title: open.title.clone(),
                kind: IndicatorKind::Status,
                unit: String::new(),
                target: None,
                direction: Direction::AtLeast,
                baseline: None,
                source: String::new(),
                deliverables: Vec::new(),
                line: open.first_line,
            });
        }
        for s in found.skipped {
            self.draft.skipped.push(Noted {
                line: line_of(s.at),
                text: s.phrase,
                reason: s.reason,
            });
        }
        for s in found.odd {
            self.draft.unclassified.push(Noted {
                line: line_of(s.at),
                text: s.phrase,
                reason: s.reason,
            });
        }
        for s in found.notes {
            self.warn(
                Some(line_of(s.at)),
                format!("{label}: {}: {}", s.phrase, s.reason),
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

    /// Plan-level placeholders and checks of the finished tree.
    fn finish(&mut self) {
        // Repeated task or sub-item numbers would repeat ids: the later ones get a suffix.
        let mut seen = std::collections::BTreeSet::new();
        let mut renamed = Vec::new();
        let candidates = self
            .draft
            .parts
            .iter_mut()
            .flat_map(|p| &mut p.categories)
            .flat_map(|c| &mut c.tasks)
            .flat_map(|t| &mut t.items)
            .flat_map(|i| &mut i.indicators);
        for c in candidates {
            if !seen.contains(&c.id) {
                seen.insert(c.id.clone());
                continue;
            }
            let mut k = 2;
            while seen.contains(&format!("{}-{k}", c.id)) {
                k += 1;
            }
            let id = format!("{}-{k}", c.id);
            renamed.push((
                c.line,
                format!(
                    "id {} is used twice (repeated numbering): renamed {id}",
                    c.id
                ),
            ));
            seen.insert(id.clone());
            c.id = id;
        }
        for (line, message) in renamed {
            self.warn(Some(line), message);
        }
        self.warn(
            None,
            "the document gives no plan id: \"draft\" is a placeholder".into(),
        );
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
        if self.draft.units.iter().any(|u| u.contains("开发区")) {
            self.warn(
                None,
                "the district set (各县(市)区、开发区) is named: list its members in the plan's districts".into(),
            );
        }
        let mut empty = Vec::new();
        for p in &self.draft.parts {
            if p.categories.is_empty() {
                empty.push((p.line, format!("part {} has no categories", p.number)));
            }
            for c in &p.categories {
                if c.tasks.is_empty() {
                    empty.push((c.line, format!("category {} has no tasks", c.number)));
                }
                for t in &c.tasks {
                    if t.items.is_empty() {
                        empty.push((t.line, format!("task {} has no items", t.number)));
                    }
                }
            }
        }
        for (line, message) in empty {
            self.warn(line, message);
        }
    }
}
