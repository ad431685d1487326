//! Line shapes, date lines, years and first sentences: the pieces of a document the structure
//! reader recognises line by line. All scanning is over normalised characters ([`View`]), so
//! full-width and ASCII forms read the same.

use jiff::civil::Date;

use crate::text::{
    View, is_chinese_numeral, is_closing_bracket, is_opening_bracket, normalize_char,
    parse_chinese_numeral, trim,
};

/// The shape of a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Shape {
    /// 一、… (byte offset of the rest).
    Numbered { number: u32, rest: usize },
    /// (一)…
    Category { number: u32, rest: usize },
    /// 1.… / 1、… / 1)…; `ambiguous` when it could be text rather than a heading (a decimal
    /// number such as 1.6万…, or the half bracket of 1)…): such a line is a task heading only when
    /// it carries the number expected next.
    Task {
        number: u32,
        rest: usize,
        ambiguous: bool,
    },
    /// (1)… / ①…
    SubItem { number: u32, rest: usize },
    /// Anything else.
    Plain,
}

/// The shape of a (trimmed) line.
pub(crate) fn shape(text: &str) -> Shape {
    let view = View::new(text);
    let is_digit = |c: char| c.is_ascii_digit();
    let has_rest = |from: usize| !trim(view.verbatim(from, view.len())).is_empty();
    if view.char_is(0, |c| c == '(') {
        return bracketed_shape(&view);
    }
    if let Some(circled) = view
        .char_at(0)
        .filter(|c| ('\u{2460}'..='\u{2473}').contains(c))
    {
        return Shape::SubItem {
            number: circled as u32 - 0x2460 + 1,
            rest: view.byte_offset(1),
        };
    }
    let digits_end = view.end_of_run(0, 4, is_digit);
    if digits_end > 0
        && view.char_is(digits_end, |c| matches!(c, '.' | '、' | ')'))
        && has_rest(digits_end + 1)
    {
        if let Ok(number) = view.normalized(0, digits_end).parse::<u32>() {
            let decimal =
                view.char_is(digits_end, |c| c == '.') && view.char_is(digits_end + 1, is_digit);
            let half_bracket = view.char_is(digits_end, |c| c == ')');
            return Shape::Task {
                number,
                rest: view.byte_offset(digits_end + 1),
                ambiguous: decimal || half_bracket,
            };
        }
    }
    let numeral_end = view.end_of_run(0, 5, is_chinese_numeral);
    if numeral_end > 0 && view.char_is(numeral_end, |c| c == '、') && has_rest(numeral_end + 1) {
        if let Some(number) = parse_chinese_numeral(&view.normalized(0, numeral_end)) {
            return Shape::Numbered {
                number,
                rest: view.byte_offset(numeral_end + 1),
            };
        }
    }
    Shape::Plain
}

/// The shape of a line that opens with `(`: a category (一), a sub-item (1), or plain text.
fn bracketed_shape(view: &View<'_>) -> Shape {
    let closes_at = |position: usize| position > 1 && view.char_is(position, |c| c == ')');
    let numeral_end = view.end_of_run(1, view.len(), is_chinese_numeral);
    if closes_at(numeral_end) {
        if let Some(number) = parse_chinese_numeral(&view.normalized(1, numeral_end)) {
            return Shape::Category {
                number,
                rest: view.byte_offset(numeral_end + 1),
            };
        }
    }
    let digits_end = view.end_of_run(1, 5, |c| c.is_ascii_digit());
    if closes_at(digits_end) {
        if let Ok(number) = view.normalized(1, digits_end).parse::<u32>() {
            return Shape::SubItem {
                number,
                rest: view.byte_offset(digits_end + 1),
            };
        }
    }
    Shape::Plain
}

/// Parses a date line such as 2023年8月14日 (digits or Chinese numerals).
pub(crate) fn date_line(text: &str) -> Option<Date> {
    let view = View::new(trim(text));
    let mut fields = Vec::new();
    let mut position = 0;
    for mark in ['年', '月', '日'] {
        let start = position;
        position = view.end_of_run(position, view.len(), |c| c != mark);
        if !view.char_is(position, |c| c == mark) || position == start {
            return None;
        }
        fields.push(view.normalized(start, position));
        position += 1;
    }
    if position != view.len() {
        return None;
    }
    let (year, month, day) = match fields.as_slice() {
        [year, month, day] => (date_number(year)?, date_number(month)?, date_number(day)?),
        _ => return None,
    };
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// A year, month or day of a date line: up to four digits, four Chinese digits read one by one
/// (二〇二三), or a Chinese numeral (十四).
fn date_number(field: &str) -> Option<i64> {
    if field.chars().all(|c| c.is_ascii_digit()) && field.len() <= 4 {
        return field.parse().ok();
    }
    if field.chars().count() == 4 {
        return field.chars().try_fold(0i64, |value, c| {
            parse_chinese_numeral(&c.to_string()).map(|digit| value * 10 + i64::from(digit))
        });
    }
    parse_chinese_numeral(field).map(i64::from)
}

/// A page marker: 第3页, 第 3 页 共 10 页, - 3 -.
pub(crate) fn page_marker(text: &str) -> bool {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(normalize_char)
        .collect();
    let inner = compact.trim_matches(|c: char| matches!(c, '-' | '—' | '–'));
    inner.chars().all(|c| c.is_ascii_digit())
        || (compact.starts_with('第') && compact.ends_with('页'))
}

/// Four-digit years (1900–2100) written in `text`.
pub(crate) fn years(text: &str) -> Vec<i16> {
    let view = View::new(text);
    let mut found = Vec::new();
    let mut position = 0;
    while position < view.len() {
        let end = view.end_of_run(position, view.len(), |c| c.is_ascii_digit());
        if end == position {
            position += 1;
            continue;
        }
        if end - position == 4 {
            if let Ok(year) = view.normalized(position, end).parse::<i16>() {
                if (1900..=2100).contains(&year) {
                    found.push(year);
                }
            }
        }
        position = end;
    }
    found
}

/// The first sentence of `text` (up to the first 。 outside brackets), and the byte offset where
/// the rest starts; the whole text when there is no 。.
pub(crate) fn first_sentence(text: &str) -> (&str, usize) {
    let view = View::new(text);
    let mut depth = 0u32;
    for position in 0..view.len() {
        match view.char_at(position) {
            Some(character) if is_opening_bracket(character) => depth += 1,
            Some(character) if is_closing_bracket(character) => depth = depth.saturating_sub(1),
            Some('。') if depth == 0 => {
                return (
                    trim(view.verbatim(0, position)),
                    view.byte_offset(position + 1),
                );
            }
            _ => {}
        }
    }
    (trim(text), text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(matches!(
            shape("(十七)强化数字赋能"),
            Shape::Category { number: 17, .. }
        ));
        assert!(matches!(
            shape("（三）病有所医"),
            Shape::Category { number: 3, .. }
        ));
        assert!(matches!(
            shape("(12)残疾人"),
            Shape::SubItem { number: 12, .. }
        ));
        assert!(matches!(
            shape("（2）残疾人"),
            Shape::SubItem { number: 2, .. }
        ));
        assert!(matches!(shape("③残疾人"), Shape::SubItem { number: 3, .. }));
        assert!(matches!(
            shape("30.12345热线"),
            Shape::Task {
                number: 30,
                ambiguous: true,
                ..
            }
        ));
        assert!(matches!(
            shape("7、老年教育"),
            Shape::Task {
                number: 7,
                ambiguous: false,
                ..
            }
        ));
        assert!(matches!(
            shape("８．老年教育"),
            Shape::Task {
                number: 8,
                ambiguous: false,
                ..
            }
        ));
        assert!(matches!(
            shape("1)促进重点群体稳定就业"),
            Shape::Task {
                number: 1,
                ambiguous: true,
                ..
            }
        ));
        assert!(matches!(
            shape("１）促进重点群体稳定就业"),
            Shape::Task { number: 1, .. }
        ));
        assert!(matches!(
            shape("十二、保障"),
            Shape::Numbered { number: 12, .. }
        ));
        assert_eq!(shape("(牵头单位:市卫健委)"), Shape::Plain);
        assert_eq!(shape("1."), Shape::Plain);
        assert_eq!(shape("重点群体优服务"), Shape::Plain);
    }

    #[test]
    fn dates_and_years() {
        assert_eq!(date_line("2023年8月14日"), Date::new(2023, 8, 14).ok());
        assert_eq!(date_line("二〇二四年三月一日"), Date::new(2024, 3, 1).ok());
        assert_eq!(date_line("2023年13月1日"), None);
        assert_eq!(date_line("2023年8月14日印发"), None);
        assert_eq!(years("合肥市“为民优服务”行动方案(2023)"), [2023]);
        assert_eq!(years("规划(2021—2025年)12345"), [2021, 2025]);
    }
}
