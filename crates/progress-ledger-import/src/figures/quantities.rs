//! Quantities the digit scanner does not read: figures written in Chinese numerals (一次, 两场)
//! for per-unit standards, and the starting value of a change (由半小时缩短到…).

use std::str::FromStr;

use rust_decimal::Decimal;

use super::units::unit_at;
use super::{Figure, read_number, read_scale};
use crate::text::{View, is_chinese_numeral, parse_chinese_numeral};

/// Count units a Chinese-numeral figure may carry (一次, 一所); class and grade words (级, 类, 期)
/// are left out on purpose: 二级以上 and 一类公厕 qualify, they do not count.
const CHINESE_COUNT_UNITS: &[&str] = &[
    "次", "所", "个", "名", "家", "场", "人", "户", "支", "处", "座", "项", "条", "套",
];

/// Figures written in Chinese numerals (一次, 一所, 两场) in `start..end`, for per-unit
/// standards. A numeral right after 每 or 第 (每千人口, 第五批) or inside a longer run of CJK
/// numerals is not a figure, nor is 一次性 (one-off).
pub(crate) fn scan_chinese(view: &View<'_>, start: usize, end: usize) -> Vec<Figure> {
    let end = end.min(view.len());
    let mut figures = Vec::new();
    let mut position = start;
    while position < end {
        if !view.char_is(position, is_chinese_numeral) {
            position += 1;
            continue;
        }
        let numeral_end = view.end_of_run(position, end, is_chinese_numeral);
        let after_marker =
            position > start && view.char_is(position - 1, |c| c == '每' || c == '第');
        let unit = view.longest_at(numeral_end, CHINESE_COUNT_UNITS);
        let value = parse_chinese_numeral(&view.normalized(position, numeral_end));
        if let (false, Some((&unit, unit_length)), Some(value)) = (after_marker, unit, value) {
            let figure_end = numeral_end + unit_length;
            if figure_end <= end && !view.char_is(figure_end, |c| c == '性') {
                figures.push(Figure {
                    start: position,
                    number_start: position,
                    end: figure_end,
                    value: Decimal::from(value),
                    unit: unit.to_string(),
                    word_before: None,
                    word_after: None,
                    approx: false,
                });
            }
        }
        position = numeral_end;
    }
    figures
}

/// Reads a quantity written before a change verb, for baselines: digits or a Chinese numeral
/// (半 = 0.5, 一个半 = 1.5) filling `start..end`, followed by a unit. Returns the value and the
/// unit.
pub(crate) fn quantity(
    view: &View<'_>,
    start: usize,
    end: usize,
) -> Option<(Decimal, &'static str)> {
    let (start, end) = view.trim_range(start, end);
    if view.char_is(start, |c| c.is_ascii_digit()) {
        let (number_end, number_text) = read_number(view, start, end);
        let base = Decimal::from_str(&number_text).ok()?;
        let (unit_start, multiplier) = read_scale(view, number_end, end);
        let value = base.checked_mul(multiplier?)?;
        let (unit_length, unit) = unit_at(view, unit_start, end)?;
        return (unit_start + unit_length == end).then_some((value.normalize(), unit));
    }
    let only_half = view.char_is(start, |c| c == '半');
    let numeral_end = if only_half {
        start + 1
    } else {
        view.end_of_run(start, end, is_chinese_numeral)
    };
    let and_a_half =
        view.char_is(numeral_end, |c| c == '个') && view.char_is(numeral_end + 1, |c| c == '半');
    let half = Decimal::new(5, 1);
    let value = if only_half {
        half
    } else {
        let whole = Decimal::from(parse_chinese_numeral(&view.normalized(start, numeral_end))?);
        if and_a_half { whole + half } else { whole }
    };
    let unit_start = if and_a_half {
        numeral_end + 2
    } else {
        numeral_end
    };
    let (unit_length, unit) = unit_at(view, unit_start, end)?;
    (unit_start + unit_length == end).then_some((value.normalize(), unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::dec;

    #[test]
    fn chinese_numeral_figures() {
        let read = |text: &str| {
            let view = View::new(text);
            scan_chinese(&view, 0, view.len())
                .into_iter()
                .map(|figure| (figure.value.to_string(), figure.unit))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            read("每学期至少开展一次培训"),
            [("1".to_string(), "次".to_string())]
        );
        assert_eq!(
            read("推动每个县(市)打造一所职教中心"),
            [("1".to_string(), "所".to_string())]
        );
        assert_eq!(
            read("每月开展两场活动"),
            [("2".to_string(), "场".to_string())]
        );
        for none in [
            "每千人口",
            "第五批",
            "二级以上",
            "一类公厕",
            "一次性用品",
            "三级一体化",
        ] {
            assert_eq!(read(none), [], "{none}");
        }
    }

    #[test]
    fn baseline_quantities() {
        let read = |text: &str| {
            let view = View::new(text);
            quantity(&view, 0, view.len())
        };
        assert_eq!(read("半小时"), Some((dec("0.5"), "小时")));
        assert_eq!(read("45分钟"), Some((dec("45"), "分钟")));
        assert_eq!(read("一个半小时"), Some((dec("1.5"), "小时")));
        assert_eq!(read("三天"), Some((dec("3"), "天")));
        assert_eq!(read("1.2万人"), Some((dec("12000"), "人")));
        assert_eq!(read("很久"), None);
    }
}
