//! Figures: a number with its scale (万, 亿), unit and the direction words around it.
//!
//! The scanner reads one clause at a time and returns every run of digits it meets, either as a
//! [`Figure`] or as something it deliberately does not read as a figure (a code such as PM2.5, a
//! date, a range, a number without a unit), so that nothing is dropped silently.
//!
//! Modules: `units` (the units and their conversions), `direction_words` (floors and ceilings)
//! and `quantities` (Chinese-numeral figures and the starting values of changes).

mod direction_words;
mod quantities;
mod units;

use std::str::FromStr;

use progress_ledger_core::plan::Direction;
use rust_decimal::Decimal;

use crate::text::View;
use direction_words::{WORDS_AFTER, WORDS_BEFORE};
pub(crate) use quantities::{quantity, scan_chinese};
pub(crate) use units::convert;
use units::unit_at;

/// How far back from a figure, in characters, the rules look for the words that qualify it: further
/// than any clause of real text reaches, and a bound on the work that a clause of thousands of
/// numbers costs (each figure looks back this far at most, so reading is linear in the text).
pub(crate) const LOOKBACK: usize = 80;

/// A number read with its scale, unit and direction words. Positions are characters of the view.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Figure {
    /// Start of the phrase: the direction word before the number, or the number.
    pub start: usize,
    /// Start of the digits.
    pub number_start: usize,
    /// End of the phrase: after the unit and any direction word after it.
    pub end: usize,
    /// Value after scaling (1.6万 → 16000), normalised.
    pub value: Decimal,
    /// Unit as read (万人 → 人).
    pub unit: String,
    /// The direction word before the number and the direction it gives.
    pub word_before: Option<(&'static str, Option<Direction>)>,
    /// The direction word after the unit and the direction it gives.
    pub word_after: Option<(&'static str, Option<Direction>)>,
    /// Written as an approximation (余, 多, 近, 约, 左右).
    pub approx: bool,
}

impl Figure {
    /// Where a look back from this figure stops: `floor`, or [`LOOKBACK`] characters before the
    /// figure when that is later.
    pub(crate) fn floor(&self, floor: usize) -> usize {
        floor.max(self.start.saturating_sub(LOOKBACK))
    }

    /// Where a look ahead from this figure stops: `limit`, or [`LOOKBACK`] characters after it.
    pub(crate) fn limit(&self, limit: usize) -> usize {
        limit.min(self.end.saturating_add(LOOKBACK))
    }
}

/// What the scanner made of a run of digits.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NumberReading {
    /// A figure.
    Figure(Figure),
    /// Digits deliberately not read as a figure (`reason` says why); `start..end` is the run.
    Ignored {
        /// Start of the run.
        start: usize,
        /// End of the run.
        end: usize,
        /// Why it is not a figure.
        reason: &'static str,
    },
    /// Digits that could not be interpreted.
    Odd {
        /// Start of the run.
        start: usize,
        /// End of the run.
        end: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

impl NumberReading {
    /// Where the digits start.
    pub(crate) fn number_start(&self) -> usize {
        match self {
            NumberReading::Figure(figure) => figure.number_start,
            NumberReading::Ignored { start, .. } | NumberReading::Odd { start, .. } => *start,
        }
    }
}

/// Reads digits (with an optional decimal part and 3-digit groups after commas) from `start`, not
/// past `limit`, returning the end and the normalised number text.
fn read_number(view: &View<'_>, start: usize, limit: usize) -> (usize, String) {
    let is_digit = |c: char| c.is_ascii_digit();
    let digit_at = |position: usize| position < limit && view.char_is(position, is_digit);
    let mut number_end = view.end_of_run(start, limit, is_digit);
    let mut text = view.normalized(start, number_end);
    // 10,000: a comma followed by exactly three digits and then no digit.
    while view.char_is(number_end, |c| c == ',')
        && (1..=3).all(|offset| digit_at(number_end + offset))
        && !digit_at(number_end + 4)
    {
        text.push_str(&view.normalized(number_end + 1, number_end + 4));
        number_end += 4;
    }
    if view.char_is(number_end, |c| c == '.') && digit_at(number_end + 1) {
        let fraction_end = view.end_of_run(number_end + 1, limit, is_digit);
        text.push('.');
        text.push_str(&view.normalized(number_end + 1, fraction_end));
        number_end = fraction_end;
    }
    (number_end, text)
}

/// Reads the scale characters (万, 亿, 千, 百万 …) at `start`, not past `limit`; returns the end
/// and the multiplier (`None` when it overflows).
fn read_scale(view: &View<'_>, start: usize, limit: usize) -> (usize, Option<Decimal>) {
    let mut multiplier = Some(Decimal::ONE);
    let mut position = start;
    let before_large_scale =
        |position: usize| view.char_is(position + 1, |c| c == '万' || c == '亿');
    while position < limit {
        let factor = match view.char_at(position) {
            Some('万') => 10_000i64,
            Some('亿') => 100_000_000,
            Some('千') if unit_at(view, position, limit).is_none() => 1_000,
            Some('百') if before_large_scale(position) => 100,
            Some('十') if before_large_scale(position) => 10,
            _ => break,
        };
        multiplier = multiplier.and_then(|value| value.checked_mul(Decimal::from(factor)));
        position += 1;
    }
    (position, multiplier)
}

/// The first position from `from` (not past `limit`) that is not a space.
fn skip_spaces(view: &View<'_>, from: usize, limit: usize) -> usize {
    view.end_of_run(from, limit, |c| c == ' ')
}

/// The end of a code-like run (letters, digits, dots) from `start`.
fn skip_code(view: &View<'_>, start: usize, limit: usize) -> usize {
    view.end_of_run(start, limit, |c| {
        c.is_ascii_alphanumeric() || c == '.' || c == '-'
    })
}

/// Whether `c` joins the numbers of a range (2-3岁, 10~15个, 3至5个).
fn is_range_mark(c: char) -> bool {
    matches!(c, '-' | '~' | '—' | '–' | '至' | '到')
}

/// Whether `c` is an arithmetic operator (7×24, 1+100+X, 1/3).
fn is_operator(c: char) -> bool {
    matches!(c, '×' | '*' | '+' | '/' | '÷')
}

/// Scans `start..end` of `view` and returns what it made of every run of digits, in order.
pub(crate) fn scan(view: &View<'_>, start: usize, end: usize) -> Vec<NumberReading> {
    let end = end.min(view.len());
    let mut readings = Vec::new();
    let mut position = start;
    while position < end {
        if !view.char_is(position, |c| c.is_ascii_digit()) {
            position += 1;
            continue;
        }
        let (reading, next) = read_at(view, start, position, end);
        readings.push(reading);
        position = next.max(position + 1);
    }
    readings
}

/// Reads what starts at the digit at `digits_start` (of the range `start..end`); returns it and
/// where to continue.
fn read_at(
    view: &View<'_>,
    start: usize,
    digits_start: usize,
    end: usize,
) -> (NumberReading, usize) {
    let ignored = |run_end: usize, reason| {
        let reading = NumberReading::Ignored {
            start: digits_start,
            end: run_end,
            reason,
        };
        (reading, run_end)
    };
    let odd = |run_end: usize, reason| {
        let reading = NumberReading::Odd {
            start: digits_start,
            end: run_end,
            reason,
        };
        (reading, run_end)
    };
    // Codes and names: PM2.5, P2P, 5G.
    if digits_start > start
        && view.char_is(digits_start - 1, |c| {
            c.is_ascii_alphabetic() || c == '.' || c == '_'
        })
    {
        let code_end = skip_code(view, digits_start, end);
        return ignored(code_end, "part of a code or name (PM2.5, P2P)");
    }
    let (number_end, number_text) = read_number(view, digits_start, end);
    if view.char_is(number_end, |c| c.is_ascii_alphabetic()) {
        let code_end = skip_code(view, digits_start, end);
        return ignored(code_end, "part of a code or name (5G, 3D)");
    }
    if view.char_is(number_end, is_range_mark)
        && view.char_is(number_end + 1, |c| c.is_ascii_digit())
    {
        let (second_end, _) = read_number(view, number_end + 1, end);
        let (scale_end, _) = read_scale(view, second_end, end);
        return match unit_at(view, scale_end, end) {
            Some((unit_length, "岁")) => ignored(
                scale_end + unit_length,
                "an age range (describes who, not how many)",
            ),
            Some((unit_length, "年"))
                if [(digits_start, number_end), (number_end + 1, second_end)]
                    .iter()
                    .all(|&(from, to)| is_year(&view.normalized(from, to))) =>
            {
                ignored(scale_end + unit_length, "a period of years (2023-2025年)")
            }
            Some((unit_length, _)) => odd(
                scale_end + unit_length,
                "a range of numbers (no single target)",
            ),
            None => odd(scale_end, "a range of numbers (no single target)"),
        };
    }
    if view.char_is(number_end, is_operator)
        && view.char_is(number_end + 1, |c| c.is_ascii_alphanumeric())
    {
        let expression_end = view.end_of_run(number_end, end, |c| {
            c.is_ascii_alphanumeric() || is_operator(c) || c == '.'
        });
        return odd(expression_end, "an arithmetic expression");
    }
    let Ok(base) = Decimal::from_str(&number_text) else {
        return odd(number_end, "a number too large to read exactly");
    };
    // Text extracted from PDF pages writes spaces around numbers (68 万人, 不少于 60 个).
    let (mut unit_start, multiplier) = read_scale(view, skip_spaces(view, number_end, end), end);
    unit_start = skip_spaces(view, unit_start, end);
    let Some(value) = multiplier.and_then(|multiplier| base.checked_mul(multiplier)) else {
        return odd(unit_start, "a number too large to read exactly");
    };
    let mut approx = false;
    if unit_start < end && view.char_is(unit_start, |c| c == '余' || c == '多') {
        approx = true;
        unit_start += 1;
    }
    let mut before = digits_start;
    while before > start && view.char_is(before - 1, |c| c == ' ') {
        before -= 1;
    }
    let word_before = view.longest_before(before, WORDS_BEFORE, start);
    let (unit_end, unit) = match unit_at(view, unit_start, end) {
        Some((unit_length, unit)) => {
            let unit_end = unit_start + unit_length;
            if is_date(view, start, digits_start, value, unit, approx) {
                return ignored(unit_end, "a date");
            }
            // A unit per something, written with a slash: 1500元/人.
            match view.char_is(unit_end, |c| c == '/') {
                true => match unit_at(view, unit_end + 1, end) {
                    Some((length, per)) => (unit_end + 1 + length, format!("{unit}/{per}")),
                    None => (unit_end, unit.to_string()),
                },
                false => (unit_end, unit.to_string()),
            }
        }
        // A number with a direction word and no unit (控制在103.5以内) is an index or a ratio.
        None if view
            .longest_at(unit_start, WORDS_AFTER)
            .is_some_and(|(&(_, direction), _)| direction.is_some())
            || word_before.is_some_and(|(&(_, direction), _)| direction.is_some()) =>
        {
            (unit_start, String::new())
        }
        None => return odd(unit_start, "a number without a recognised unit"),
    };
    let mut figure_end = unit_end;
    let word_after = view
        .longest_at(figure_end, WORDS_AFTER)
        .map(|(&word, length)| {
            figure_end += length;
            word
        });
    if word_after.is_some_and(|(word, _)| word == "左右") {
        approx = true;
    }
    let mut figure_start = digits_start;
    let word_before = word_before.map(|(&word, length)| {
        figure_start = before - length;
        word
    });
    if view.ends_with_at(before, "近", start) || view.ends_with_at(before, "约", start) {
        approx = true;
        // 约500户: the word belongs to the figure's phrase.
        if word_before.is_none() {
            figure_start = before - 1;
        }
    }
    let figure = Figure {
        start: figure_start,
        number_start: digits_start,
        end: figure_end,
        value: value.normalize(),
        unit,
        word_before,
        word_after,
        approx,
    };
    (NumberReading::Figure(figure), figure_end)
}

/// Whether `digits` is a year, 1900 to 2100.
fn is_year(digits: &str) -> bool {
    digits.len() == 4
        && digits
            .parse::<u32>()
            .is_ok_and(|year| (1900..=2100).contains(&year))
}

/// Whether a number with its unit is a date: a year (2023年), a month (8月: durations in months
/// are written 个月) or a day after a month (8月14日).
fn is_date(
    view: &View<'_>,
    start: usize,
    digits_start: usize,
    value: Decimal,
    unit: &str,
    approx: bool,
) -> bool {
    let year = unit == "年"
        && value.fract().is_zero()
        && value >= Decimal::from(1900)
        && value <= Decimal::from(2100)
        && !approx;
    let month = unit == "月";
    let day = unit == "日" && digits_start > start && view.char_is(digits_start - 1, |c| c == '月');
    year || month || day
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::dec;
    use proptest::prelude::*;

    /// The one reading of `text`.
    fn one(text: &str) -> NumberReading {
        let view = View::new(text);
        let mut all = scan(&view, 0, view.len());
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        all.remove(0)
    }

    /// The one figure of `text`: value, unit, direction and phrase.
    fn figure(text: &str) -> (Decimal, String, Option<Direction>, String) {
        let view = View::new(text);
        match one(text) {
            NumberReading::Figure(figure) => (
                figure.value,
                figure.unit.clone(),
                figure.explicit_direction(&view, 0),
                view.verbatim(figure.start, figure.end).to_string(),
            ),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn scaling_is_exact() {
        let cases = [
            ("新增托位1.6万个", "16000", "个"),
            ("发放贷款10亿元以上", "1000000000", "元"),
            ("新增学习人数12万人左右", "120000", "人"),
            ("支持1.8万名以上", "18000", "名"),
            ("解危2.4万平方米", "24000", "平方米"),
            ("再就业3.76万人以上", "37600", "人"),
            ("筹集1.18万套", "11800", "套"),
            ("投入3千万元", "30000000", "元"),
            ("图书10,000册", "10000", "册"),
            ("１．５万户", "15000", "户"),
            ("新增城镇就业 68 万人左右", "680000", "人"),
            ("培训 1.2 万人(次)", "12000", "人次"),
            ("按1500元/人标准发放", "1500", "元/人"),
            ("居民消费价格指数控制在103.5以内", "103.5", ""),
        ];
        for (text, value, unit) in cases {
            let (read, read_unit, _, _) = figure(text);
            assert_eq!((read, read_unit.as_str()), (dec(value), unit), "{text}");
            assert_eq!(read.to_string(), value, "{text} is normalised");
        }
    }

    #[test]
    fn units_longest_match() {
        let cases = [
            ("不高于63微克/立方米", "微克/立方米"),
            ("培训2400人次以上", "人次"),
            ("演出4场次以上", "场次"),
            ("2000批次", "批次"),
            ("3个工作日内办结", "工作日"),
            ("50所以上", "所"),
            ("20分钟以下", "分钟"),
            ("60分贝", "分贝"),
            ("达92%以上", "%"),
            ("达９２％以上", "%"),
            ("提高2个百分点", "个百分点"),
            ("改造10000户", "户"),
            ("建设5千米", "千米"),
        ];
        for (text, unit) in cases {
            assert_eq!(figure(text).1, unit, "{text}");
        }
    }

    #[test]
    fn direction_words() {
        use Direction::{AtLeast, AtMost};
        let cases = [
            ("管理率达92%以上", Some(AtLeast), "达92%以上"),
            ("不少于1800户", Some(AtLeast), "不少于1800户"),
            ("不得少于10个", Some(AtLeast), "不得少于10个"),
            ("不低于52%", Some(AtLeast), "不低于52%"),
            ("至少1支", Some(AtLeast), "至少1支"),
            ("达到85%", Some(AtLeast), "达到85%"),
            ("超过8200人", Some(AtLeast), "超过8200人"),
            ("不高于32微克/立方米", Some(AtMost), "不高于32微克/立方米"),
            ("不超过5天", Some(AtMost), "不超过5天"),
            ("控制在10%以内", Some(AtMost), "控制在10%以内"),
            ("缩短到20分钟以下", Some(AtMost), "缩短到20分钟以下"),
            ("缩短至30分钟", Some(AtMost), "缩短至30分钟"),
            ("次数至12次", Some(AtLeast), "至12次"),
            ("时间压缩到3天", Some(AtMost), "压缩到3天"),
            ("新增托位1.6万个", None, "1.6万个"),
            ("12万人左右", None, "12万人左右"),
            ("推进不少于 60 个", Some(AtLeast), "不少于 60 个"),
        ];
        for (text, direction, phrase) in cases {
            let (_, _, read_direction, read_phrase) = figure(text);
            assert_eq!(
                (read_direction, read_phrase.as_str()),
                (direction, phrase),
                "{text}"
            );
        }
        let view = View::new("由45分钟缩短到30分钟");
        assert_eq!(scan(&view, 0, view.len()).len(), 2);
    }

    #[test]
    fn not_figures() {
        let ignored = [
            "PM2.5平均浓度",
            "P2P网贷",
            "5G基站",
            "2023年",
            "8月14日",
            "2-3岁托班",
            "2023-2025年",
            "2023—2025年",
        ];
        for text in ignored {
            let view = View::new(text);
            for reading in scan(&view, 0, view.len()) {
                assert!(
                    matches!(reading, NumberReading::Ignored { .. }),
                    "{text}: {reading:?}"
                );
            }
        }
        let odd = [
            "12345热线",
            "7×24小时",
            "10-15个",
            "1+100+X",
            "99999999999999999999999999999万个",
        ];
        for text in odd {
            assert!(matches!(one(text), NumberReading::Odd { .. }), "{text}");
        }
        // 65岁以上 is a figure whose unit (岁) the target rules treat as scope.
        assert_eq!(figure("65岁以上").1, "岁");
    }

    #[test]
    fn approximations() {
        for text in ["4000余座", "100多个", "近2000户", "约30人", "12万人左右"] {
            assert!(
                matches!(
                    one(text),
                    NumberReading::Figure(Figure { approx: true, .. })
                ),
                "{text}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn scanning_never_panics_and_stays_in_range(text in "\\PC{0,60}") {
            let view = View::new(&text);
            for reading in scan(&view, 0, view.len()) {
                if let NumberReading::Figure(figure) = reading {
                    prop_assert!(
                        figure.start <= figure.number_start
                            && figure.number_start < figure.end
                            && figure.end <= view.len()
                    );
                }
            }
        }

        #[test]
        fn integers_with_scale_read_back(number in 0u32..1_000_000, scale in 0usize..3) {
            let (suffix, multiplier) = [("", 1i64), ("万", 10_000), ("亿", 100_000_000)][scale];
            let text = format!("新增{number}{suffix}个");
            let (value, unit, _, _) = figure(&text);
            prop_assert_eq!(value, Decimal::from(number) * Decimal::from(multiplier));
            prop_assert_eq!(unit, "个");
        }
    }
}
