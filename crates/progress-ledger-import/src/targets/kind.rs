//! The kind a figure suggests: coverage (per district), level (a rate, a standard, a ceiling) or
//! cumulative (an amount to add up).

use progress_ledger_core::plan::{Direction, IndicatorKind};

use crate::district_set::names_district_set;
use crate::figures::Figure;
use crate::text::View;

/// Words that make a figure a level (a rate, a share, a concentration).
const LEVEL_WORDS: &[&str] = &["率", "占比", "比例", "比重", "浓度", "平均", "均值", "指数"];

/// Units of levels.
const LEVEL_UNITS: &[&str] = &[
    "%",
    "‰",
    "个百分点",
    "微克/立方米",
    "毫克/立方米",
    "分贝",
    "分",
    "倍",
    "秒",
    "分钟",
    "小时",
    "天",
    "日",
    "工作日",
    "周",
    "个月",
];

/// Whether the figure is a standard to meet: 标准 follows it (不低于350平方米标准, 5万元的标准).
fn is_standard(view: &View<'_>, figure: &Figure) -> bool {
    view.starts_with_at(figure.end, "标准") || view.starts_with_at(figure.end, "的标准")
}

/// Whether `unit` is a share: %, ‰ or 个百分点.
pub(super) fn is_percent(unit: &str) -> bool {
    matches!(unit, "%" | "‰" | "个百分点")
}

/// The kind `figure` suggests, given its clause and segment starts, its direction and whether
/// it counts per something (a denominator, or a 每 before it in its segment).
pub(super) fn kind_of(
    view: &View<'_>,
    clause_start: usize,
    segment_start: usize,
    figure: &Figure,
    direction: Direction,
    per_unit: bool,
) -> IndicatorKind {
    if names_district_set(view, clause_start, figure.start) {
        return IndicatorKind::Coverage;
    }
    let level = LEVEL_UNITS.contains(&figure.unit.as_str())
        || figure.unit.is_empty()
        || direction == Direction::AtMost
        || view.contains_any(segment_start, figure.start, LEVEL_WORDS)
        || per_unit
        || view.contains(segment_start, figure.start, "每")
        || is_standard(view, figure);
    if level {
        IndicatorKind::Level
    } else {
        IndicatorKind::Cumulative
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{proposals_of, summary};
    use progress_ledger_core::plan::{
        Direction::AtLeast,
        IndicatorKind::{Coverage, Level},
    };

    #[test]
    fn coverage_and_levels() {
        let cases = [
            (
                "各县(市)区、开发区不少于10%的幼儿园开设2-3岁托班。",
                vec![summary("10", "%", AtLeast, Coverage)],
            ),
            (
                "每所中小学至少配备1名专(兼)职心理健康教师",
                vec![summary("1", "名/所", AtLeast, Level)],
            ),
            (
                "新建小区按每百户不低于30平方米、单体面积不低于350平方米标准配套建设",
                vec![
                    summary("30", "平方米/百户", AtLeast, Level),
                    summary("350", "平方米", AtLeast, Level),
                ],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(proposals_of(text), expected, "{text}");
        }
    }
}
