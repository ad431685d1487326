//! From the lines of the file to the lines the reader reads: page furniture set aside, lines
//! broken inside a bracket joined, and tasks run together on one line split apart.
//!
//! Text extracted from PDF pages breaks lines wherever the page did, and puts page numbers and
//! the running document number between them; text copied from web pages may run a whole list of
//! items into one line. The reader works on *logical lines*, each with the range of file lines it
//! comes from.

use crate::attribution;
use crate::lines::{Shape, page_marker, shape};
use crate::text::{View, is_closing_bracket, is_opening_bracket, trim};

/// How many lines after one with an unclosed bracket may close it. A bracket that stays open
/// longer is left as it is (a stray bracket, or a bracket the page cuts off).
const JOIN_LIMIT: usize = 4;

/// Longest line that can be a fragment of a document number (皖民生办〔).
const DOCUMENT_NUMBER_HEAD: usize = 12;

/// A line as the reader reads it.
#[derive(Debug)]
pub(super) struct Line {
    /// First file line (1-based).
    pub number: usize,
    /// Last file line: after `number` when the line was joined from several.
    pub last: usize,
    /// The text, trimmed (joined lines are concatenated without a separator).
    pub text: String,
    /// Its shape ([`Shape::Plain`] for page furniture).
    pub shape: Shape,
    /// A page number or a document number between the lines of the text.
    pub furniture: bool,
}

/// A piece of a file line: its number and text.
struct Physical<'a> {
    number: usize,
    text: &'a str,
}

/// Whether a file line is page furniture: a page number (3, - 3 -, 第3页) or a document number
/// standing alone (皖民生办〔2024〕1号), or the head of one that the page broke (皖民生办〔).
pub(super) fn is_furniture(text: &str) -> bool {
    if page_marker(text) {
        return true;
    }
    let view = View::new(text);
    let length = view.len();
    let Some(open_at) = (0..length).find(|&at| view.char_is(at, |c| c == '〔')) else {
        return false;
    };
    let head_is_name = open_at >= 2
        && (0..open_at).all(|at| view.char_is(at, |c| ('\u{4E00}'..='\u{9FFF}').contains(&c)));
    if !head_is_name || attribution::has_label(text) {
        return false;
    }
    if open_at + 1 == length {
        return length <= DOCUMENT_NUMBER_HEAD;
    }
    // 〔2024〕1号
    let year_end = view.end_of_run(open_at + 1, length, |c| c.is_ascii_digit());
    let number_end = view.end_of_run(year_end + 1, length, |c| c.is_ascii_digit());
    year_end == open_at + 5
        && view.char_is(year_end, |c| c == '〕')
        && number_end > year_end + 1
        && view.char_is(number_end, |c| c == '号')
        && number_end + 1 == length
}

/// The change in bracket depth over `text`, and whether it ends with a bracket open. A closing
/// bracket with nothing open (the 1) of a heading) is ignored.
fn open_brackets(text: &str, mut depth: usize) -> usize {
    for character in View::new(text).normalized(0, usize::MAX).chars() {
        if is_opening_bracket(character) {
            depth += 1;
        } else if is_closing_bracket(character) {
            depth = depth.saturating_sub(1);
        }
    }
    depth
}

/// Whether a line opens a heading (a part, category, task or sub-item), so that it cannot be the
/// rest of a bracket left open above it.
fn is_heading(text: &str) -> bool {
    !matches!(shape(text), Shape::Plain)
}

/// The logical lines of `text`.
pub(super) fn logical_lines(text: &str) -> Vec<Line> {
    let physical: Vec<Physical<'_>> = text
        .lines()
        .enumerate()
        .map(|(index, line)| Physical {
            number: index + 1,
            text: trim(line),
        })
        .filter(|line| !line.text.is_empty())
        .collect();
    let mut joined: Vec<(Vec<(usize, usize)>, String)> = Vec::new();
    let mut furniture = Vec::new();
    let mut index = 0;
    while let Some(line) = physical.get(index) {
        index += 1;
        if is_furniture(line.text) {
            furniture.push(line);
            continue;
        }
        let mut text = line.text.to_string();
        let mut starts = vec![(line.number, 0)];
        let depth = open_brackets(line.text, 0);
        if depth > 0 {
            // Look ahead for the line that closes the bracket, over furniture.
            let mut depth = depth;
            let mut taken = Vec::new();
            let mut ahead = index;
            let mut content_lines = 0;
            while let Some(next) = physical.get(ahead) {
                ahead += 1;
                if is_furniture(next.text) {
                    taken.push((next, true));
                    continue;
                }
                content_lines += 1;
                if content_lines > JOIN_LIMIT || is_heading(next.text) {
                    break;
                }
                taken.push((next, false));
                depth = open_brackets(next.text, depth);
                if depth == 0 {
                    for (next, is_furniture) in taken.drain(..) {
                        if is_furniture {
                            furniture.push(next);
                        } else {
                            starts.push((next.number, text.len()));
                            text.push_str(next.text);
                        }
                    }
                    index = ahead;
                    break;
                }
            }
        }
        joined.push((starts, text));
    }
    let mut lines = Vec::new();
    let mut last_task = 0;
    for (starts, text) in joined {
        for (start, end) in split_run_together(&text, &mut last_task) {
            let line_at = |offset: usize| {
                starts
                    .iter()
                    .rev()
                    .find(|&&(_, from)| from <= offset)
                    .map_or(0, |&(number, _)| number)
            };
            let piece = trim(text.get(start..end).unwrap_or(""));
            if piece.is_empty() {
                continue;
            }
            lines.push(Line {
                number: line_at(start),
                last: line_at(end.saturating_sub(1).max(start)),
                text: piece.to_string(),
                shape: shape(piece),
                furniture: false,
            });
        }
    }
    lines.extend(furniture.into_iter().map(|line| Line {
        number: line.number,
        last: line.number,
        text: line.text.to_string(),
        shape: Shape::Plain,
        furniture: true,
    }));
    lines.sort_by_key(|line| line.number);
    lines
}

/// Byte ranges of the pieces of a line that runs several tasks together:
/// `…(牵头单位:省商务厅)4.农村低保…`, `一、促进就业(3项)1.促进…`. A piece starts at a task number
/// written right after a closing bracket, when it is the number after `last_task` (which it
/// updates, also for a line that is a task heading itself).
fn split_run_together(text: &str, last_task: &mut u32) -> Vec<(usize, usize)> {
    if let Shape::Task {
        number, ambiguous, ..
    } = shape(text)
    {
        if !ambiguous || number == last_task.saturating_add(1) {
            *last_task = number;
        }
    }
    let view = View::new(text);
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    for position in 1..view.len() {
        if !view.char_is(position, |c| c.is_ascii_digit())
            || view.char_is(position - 1, |c| c.is_ascii_digit())
        {
            continue;
        }
        let mut before = position;
        while before > 0 && view.char_is(before - 1, |c| c == ' ') {
            before -= 1;
        }
        if before == 0 || !view.char_is(before - 1, is_closing_bracket) {
            continue;
        }
        let digits_end = view.end_of_run(position, view.len(), |c| c.is_ascii_digit());
        let marked = view.char_is(digits_end, |c| matches!(c, '.' | '、' | ')'));
        let words_follow = view.char_is(digits_end + 1, |c| {
            !c.is_ascii_digit() && !c.is_whitespace()
        });
        let number = view.normalized(position, digits_end).parse::<u32>().ok();
        if marked && words_follow && number == Some(last_task.saturating_add(1)) {
            pieces.push((view.byte_offset(piece_start), view.byte_offset(position)));
            piece_start = position;
            *last_task = last_task.saturating_add(1);
        }
    }
    pieces.push((view.byte_offset(piece_start), text.len()));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(usize, usize, String, bool)> {
        logical_lines(text)
            .into_iter()
            .map(|line| (line.number, line.last, line.text, line.furniture))
            .collect()
    }

    #[test]
    fn furniture() {
        for line in [
            "3",
            "- 3 -",
            "第3页",
            "20241",
            "皖民生办〔",
            "皖民生办〔2024〕1号",
        ] {
            assert!(is_furniture(line), "{line}");
        }
        for line in [
            "皖民生办〔2024〕1号文件要求",
            "(牵头单位:",
            "新增托位1.6万个",
            "〔牵头单位:",
        ] {
            assert!(!is_furniture(line), "{line}");
        }
    }

    #[test]
    fn brackets_broken_over_lines_are_joined_over_furniture() {
        let text = "2)支持毕业生求职创业。(牵头单位:省人力资源社会\n皖民生办〔\n20241\n2\n保障厅)\n3)实施放心家政行动";
        assert_eq!(
            texts(text),
            [
                (
                    1,
                    5,
                    "2)支持毕业生求职创业。(牵头单位:省人力资源社会保障厅)".to_string(),
                    false
                ),
                (2, 2, "皖民生办〔".to_string(), true),
                (3, 3, "20241".to_string(), true),
                (4, 4, "2".to_string(), true),
                (6, 6, "3)实施放心家政行动".to_string(), false),
            ]
        );
        // A heading is never the rest of an open bracket, and a bracket that stays open is left.
        let text = "一、促进就业(\n3 项)\n1)促进(牵头单位:\n2)支持";
        let read = texts(text);
        assert_eq!(read[0], (1, 2, "一、促进就业(3 项)".to_string(), false));
        assert_eq!(read[1].2, "1)促进(牵头单位:");
    }

    #[test]
    fn tasks_run_together_are_split() {
        let text = "一、促进就业(3项)1.促进就业。(牵头单位:甲)2.支持创业(牵头单位:乙)3.培训。(牵头单位:丙)\n二、社保(2项)4.低保。(牵头单位:丁)";
        let read: Vec<String> = texts(text).into_iter().map(|line| line.2).collect();
        assert_eq!(
            read,
            [
                "一、促进就业(3项)",
                "1.促进就业。(牵头单位:甲)",
                "2.支持创业(牵头单位:乙)",
                "3.培训。(牵头单位:丙)",
                "二、社保(2项)",
                "4.低保。(牵头单位:丁)"
            ]
        );
        // Not a task: a decimal, or a number out of sequence.
        let read: Vec<String> = texts("1.甲(2023年)1.5万人(注)7.乙")
            .into_iter()
            .map(|line| line.2)
            .collect();
        assert_eq!(read, ["1.甲(2023年)1.5万人(注)7.乙"]);
    }
}
