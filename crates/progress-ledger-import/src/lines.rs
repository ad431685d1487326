//! Line shapes, date lines, years and first sentences: the pieces of a document the structure
//! builder recognises line by line. All scanning is over normalised characters ([`View`]), so
//! full-width and ASCII forms read the same.

use jiff::civil::Date;

use super::text::{View, is_cn_numeral, parse_cn_numeral, trim};

/// The shape of a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Shape {
    /// 一、… (byte offset of the rest).
    Numbered { number: u32, rest: usize },
    /// (一)…
    Category { number: u32, rest: usize },
    /// 1.… / 1、…; `decimal` when it could be a decimal number (1.6万…).
    Task {
        number: u32,
        rest: usize,
        decimal: bool,
    },
    /// (1)… / ①…
    SubItem { number: u32, rest: usize },
    /// Anything else.
    Plain,
}

pub(crate) fn shape(text: &str) -> Shape {
    let v = View::new(text);
    let digits = |from: usize| {
        let mut k = from;
        while k < from + 4 && v.is(k, |c| c.is_ascii_digit()) {
            k += 1;
        }
        k
    };
    let number = |a: usize, b: usize| v.norm(a, b).parse::<u32>().ok();
    let has_rest = |k: usize| !trim(v.slice(k, v.len())).is_empty();
    if v.is(0, |c| c == '(') {
        let mut k = 1;
        while v.is(k, is_cn_numeral) {
            k += 1;
        }
        if k > 1 && v.is(k, |c| c == ')') {
            if let Some(number) = parse_cn_numeral(&v.norm(1, k)) {
                return Shape::Category {
                    number,
                    rest: v.byte(k + 1),
                };
            }
        }
        let k = digits(1);
        if k > 1 && v.is(k, |c| c == ')') {
            if let Some(number) = number(1, k) {
                return Shape::SubItem {
                    number,
                    rest: v.byte(k + 1),
                };
            }
        }
        return Shape::Plain;
    }
    if let Some(c) = v.c(0).filter(|c| ('\u{2460}'..='\u{2473}').contains(c)) {
        return Shape::SubItem {
            number: c as u32 - 0x2460 + 1,
            rest: v.byte(1),
        };
    }
    let k = digits(0);
    if k > 0 && v.is(k, |c| c == '.' || c == '、') && has_rest(k + 1) {
        if let Some(number) = number(0, k) {
            let decimal = v.is(k, |c| c == '.') && v.is(k + 1, |c| c.is_ascii_digit());
            return Shape::Task {
                number,
                rest: v.byte(k + 1),
                decimal,
            };
        }
    }
    let mut k = 0;
    while k < 5 && v.is(k, is_cn_numeral) {
        k += 1;
    }
    if k > 0 && v.is(k, |c| c == '、') && has_rest(k + 1) {
        if let Some(number) = parse_cn_numeral(&v.norm(0, k)) {
            return Shape::Numbered {
                number,
                rest: v.byte(k + 1),
            };
        }
    }
    Shape::Plain
}

/// Parses a date line such as 2023年8月14日 (digits or Chinese numerals).
pub(crate) fn date_line(text: &str) -> Option<Date> {
    let v = View::new(trim(text));
    let parts: Vec<String> = {
        let mut out = Vec::new();
        let mut k = 0;
        for mark in ['年', '月', '日'] {
            let start = k;
            while k < v.len() && !v.is(k, |c| c == mark) {
                k += 1;
            }
            if !v.is(k, |c| c == mark) || k == start {
                return None;
            }
            out.push(v.norm(start, k));
            k += 1;
        }
        if k != v.len() {
            return None;
        }
        out
    };
    let num = |s: &str| -> Option<i64> {
        if s.chars().all(|c| c.is_ascii_digit()) && s.len() <= 4 {
            return s.parse().ok();
        }
        if s.chars().count() == 4 {
            // 二〇二三: digit by digit.
            return s.chars().try_fold(0i64, |acc, c| {
                parse_cn_numeral(&c.to_string()).map(|d| acc * 10 + i64::from(d))
            });
        }
        parse_cn_numeral(s).map(i64::from)
    };
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (num(y)?, num(m)?, num(d)?),
        _ => return None,
    };
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// A page marker: 第3页, 第 3 页 共 10 页, - 3 -.
pub(crate) fn page_marker(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(super::text::normalize_char)
        .collect();
    let inner = t.trim_matches(|c: char| matches!(c, '-' | '—' | '–'));
    inner.chars().all(|c| c.is_ascii_digit()) || (t.starts_with('第') && t.ends_with('页'))
}

/// Four-digit years (1900–2100) written in `text`.
pub(crate) fn years(text: &str) -> Vec<i16> {
    let v = View::new(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut k = i;
        while v.is(k, |c| c.is_ascii_digit()) {
            k += 1;
        }
        if k == i {
            i += 1;
            continue;
        }
        if k - i == 4 {
            if let Ok(y) = v.norm(i, k).parse::<i16>() {
                if (1900..=2100).contains(&y) {
                    out.push(y);
                }
            }
        }
        i = k;
    }
    out
}

/// The first sentence of `text` (up to the first 。 outside brackets), and the byte offset where
/// the rest starts; the whole text when there is no 。.
pub(crate) fn first_sentence(text: &str) -> (&str, usize) {
    let v = View::new(text);
    let mut depth = 0u32;
    for i in 0..v.len() {
        match v.c(i) {
            Some('(' | '〔' | '[' | '【') => depth += 1,
            Some(')' | '〕' | ']' | '】') => depth = depth.saturating_sub(1),
            Some('。') if depth == 0 => return (trim(v.slice(0, i)), v.byte(i + 1)),
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
                decimal: true,
                ..
            }
        ));
        assert!(matches!(
            shape("7、老年教育"),
            Shape::Task {
                number: 7,
                decimal: false,
                ..
            }
        ));
        assert!(matches!(
            shape("８．老年教育"),
            Shape::Task {
                number: 8,
                decimal: false,
                ..
            }
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
