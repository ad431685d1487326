//! Per-unit standards and frequencies: the denominator of a figure (`个/千人`, `次/半年`), from a
//! 每 before it, a period opening its segment, or the figure before it in a list.

use super::Span;
use crate::figures::Figure;
use crate::text::{View, char_len};

/// Periods a per-unit standard may be counted over (每半年, 每学期 …).
const PERIODS: &[&str] = &[
    "半年", "季度", "学期", "学年", "半月", "年", "月", "周", "天", "日",
];

/// Administrative units a per-unit standard may be counted per (每个县(市)).
const ADMIN_UNITS: &[&str] = &["县(市)", "县(区)", "县", "区", "乡镇", "街道", "村", "社区"];

/// Things a standard may be counted per when written right after 每 (每院, 每人, 每户).
const COUNTED: &[&str] = &[
    "院", "人", "户", "村", "校", "家", "床", "镇", "乡", "园", "站", "班", "所",
];

/// The denominator written after the 每 at `every_at`: 每半年 → 半年, 每2年 → 2年,
/// 每千人口 → 千人, 每百户 → 百户, 每所(学校) → 所, 每院 → 院, 每个县(市) → 县(市). `None` for
/// 每个 + an ordinary noun (每个阅读空间), whose figure keeps its plain unit.
fn denominator(view: &View<'_>, every_at: usize) -> Option<String> {
    let after = every_at + 1;
    if let Some((period, _)) = view.longest_at(after, PERIODS) {
        return Some(period.to_string());
    }
    let digits_end = view.end_of_run(after, view.len(), |c| c.is_ascii_digit());
    if digits_end > after {
        let period = view
            .longest_at(digits_end, PERIODS)
            .map(|(period, _)| *period)
            .or_else(|| view.starts_with_at(digits_end, "个月").then_some("个月"))?;
        return Some(format!("{}{period}", view.normalized(after, digits_end)));
    }
    if view.char_is(after, |c| c == '个') {
        let (admin_unit, _) = view.longest_at(after + 1, ADMIN_UNITS)?;
        return Some(admin_unit.to_string());
    }
    let count_end = view.end_of_run(after, view.len(), |c| {
        matches!(c, '十' | '百' | '千' | '万')
    });
    if count_end > after {
        let count = view.normalized(after, count_end);
        return match view.char_at(count_end) {
            Some('人') => Some(format!("{count}人")),
            Some(counted @ ('户' | '名')) => Some(format!("{count}{counted}")),
            _ => None,
        };
    }
    view.longest_at(after, COUNTED)
        .map(|(counted, _)| counted.to_string())
}

/// Whether the denominator after the 每 at `every_at` is a period (每年, 每学期, 每2年).
fn is_period(view: &View<'_>, every_at: usize) -> bool {
    denominator(view, every_at).is_some_and(|denominator| {
        let period = denominator.trim_start_matches(|c: char| c.is_ascii_digit());
        PERIODS.contains(&period) || period == "个月"
    })
}

/// Whether `figure`, a frequency after 每 + a period in `segment`, is offered with an alternative
/// (每年调整一次或适时调整: once a year, or when it suits): then it binds nothing. 或以上 (or more)
/// is a floor, not an alternative.
pub(super) fn is_optional_frequency(view: &View<'_>, segment: Span, figure: &Figure) -> bool {
    let alternative = view.char_is(figure.end, |c| c == '或')
        && !["以上", "以下", "更"]
            .iter()
            .any(|word| view.starts_with_at(figure.end + 1, word));
    alternative
        && view
            .rfind(figure.floor(segment.start), figure.start, "每")
            .is_some_and(|every_at| is_period(view, every_at))
}

/// Per-unit standards: the denominator of `figure` in `segment`, if it has one.
///
/// - 每 + denominator before the figure in its own segment (每半年至少开展1次);
/// - a segment that opens with a period, in a clause that has a 每 before it
///   (每个阅读空间…、月更新不少于500册 → 册/月);
/// - a bare figure continuing a list takes the previous figure's denominator
///   (每千人口…不得少于10个托位、8个托位).
pub(super) fn per_unit(
    view: &View<'_>,
    clause_start: usize,
    segment: Span,
    figure: &Figure,
    previous: Option<&String>,
) -> Option<String> {
    if let Some(every_at) = view.rfind(figure.floor(segment.start), figure.start, "每") {
        return denominator(view, every_at);
    }
    let (text_start, _) = view.trim_range(segment.start, segment.end);
    if view.contains(figure.floor(clause_start), segment.start, "每") {
        if let Some((period, length)) = view.longest_at(text_start, PERIODS) {
            let qualified = view.char_is(text_start + length, |c| {
                matches!(c, '底' | '内' | '度' | '末' | '初' | '份' | '前' | '中')
            });
            if !qualified && text_start + length < figure.start {
                return Some(period.to_string());
            }
        }
    }
    if text_start == figure.start {
        return previous.cloned();
    }
    None
}

/// A segment without a figure that ends with 每 + a denominator (村(社区)每天、…每半月排查1次)
/// shares the next frequency: its denominator.
pub(super) fn trailing_denominator(view: &View<'_>, segment: Span) -> Option<String> {
    let (start, end) = view.trim_range(segment.start, segment.end);
    let every_at = view.rfind(start, end, "每")?;
    let denominator = denominator(view, every_at)?;
    (every_at + 1 + char_len(&denominator) == end).then_some(denominator)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{proposals_of, summary};
    use progress_ledger_core::plan::{
        Direction::AtLeast,
        IndicatorKind::{Cumulative, Level},
    };

    #[test]
    fn per_unit_standards_and_frequencies() {
        let cases = [
            (
                "每千人口规划建设分别不得少于10个托位、8个托位",
                vec![
                    summary("10", "个/千人", AtLeast, Level),
                    summary("8", "个/千人", AtLeast, Level),
                ],
            ),
            (
                "每半年至少开展1次应急知识宣传和1次应急演练",
                vec![
                    summary("1", "次/半年", AtLeast, Level),
                    summary("1", "次/半年", AtLeast, Level),
                ],
            ),
            (
                "学校每学期至少开展一次防校园欺凌专项教育培训",
                vec![summary("1", "次/学期", AtLeast, Level)],
            ),
            (
                "推动每个县(市)集中力量打造一所多功能、现代化的职教中心",
                vec![summary("1", "所/县(市)", AtLeast, Level)],
            ),
            (
                "每个阅读空间配备公共图书不少于10000册、月更新不少于500册、年举办公益性活动不少于100场",
                vec![
                    summary("10000", "册", AtLeast, Level),
                    summary("500", "册/月", AtLeast, Level),
                    summary("100", "场/年", AtLeast, Level),
                ],
            ),
            (
                "村(社区)每天、乡镇(街道)每周、县级层面每半月排查1次矛盾纠纷和信访隐患",
                vec![
                    summary("1", "次/天", AtLeast, Level),
                    summary("1", "次/周", AtLeast, Level),
                    summary("1", "次/半月", AtLeast, Level),
                ],
            ),
            (
                "对公建公营敬老院按照平均每年每院5万元的标准给予补助",
                vec![summary("50000", "元/院", AtLeast, Level)],
            ),
            (
                "每2年开展1次健康体检",
                vec![summary("1", "次/2年", AtLeast, Level)],
            ),
            (
                "村(社区)每天、乡镇(街道)每周、县级层面每半月排查1次矛盾纠纷",
                vec![
                    summary("1", "次/天", AtLeast, Level),
                    summary("1", "次/周", AtLeast, Level),
                    summary("1", "次/半月", AtLeast, Level),
                ],
            ),
            (
                "县级层面每月开展一次大接访",
                vec![summary("1", "次/月", AtLeast, Level)],
            ),
            // A frequency offered with an alternative binds nothing.
            ("设区的市人民政府每年调整一次或适时调整", vec![]),
            // A list after a 每-segment: only the segment with 每 is per unit.
            (
                "每个社区配备1名社工、培训500名志愿者",
                vec![
                    summary("1", "名/社区", AtLeast, Level),
                    summary("500", "名", AtLeast, Cumulative),
                ],
            ),
            // No 每: Chinese numerals are not figures, except a count after a verb that builds
            // things; 年度 is not a period of a standard.
            ("完成严重精神障碍患者住院一次救助", vec![]),
            (
                "新建两所公办幼儿园,开展一次大排查,推进一网通办",
                vec![summary("2", "所", AtLeast, Cumulative)],
            ),
            (
                "年度扶持残疾人创业100名以上",
                vec![summary("100", "名", AtLeast, Cumulative)],
            ),
            // A count that full coverage must reach is a target.
            (
                "全市1194个行政村输送文艺演出全覆盖",
                vec![summary("1194", "个", AtLeast, Cumulative)],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(proposals_of(text), expected, "{text}");
        }
    }
}
