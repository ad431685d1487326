//! The kind a figure suggests: coverage (per district), level (a rate, a standard, a ceiling) or
//! cumulative (an amount to add up).

use progress_ledger_core::plan::{Direction, IndicatorKind};

use crate::district_set::names_district_set;
use crate::figures::Figure;
use crate::text::View;

/// Words that make a figure a level (a rate, a share, a concentration).
const LEVEL_WORDS: &[&str] = &["率", "占比", "比例", "比重", "浓度", "平均", "均值", "指数"];

/// Words before a count that name the value to reach rather than an amount to add (持证社工超过
/// 8200人, 提取次数增加至12次): the count is then a level (a stock or an allowance), unless an
/// additive verb comes before it.
const REACH_WORDS: &[&str] = &[
    "达到",
    "达",
    "超过",
    "提高到",
    "提高至",
    "提升到",
    "提升至",
    "增加到",
    "增加至",
    "增至",
    "增长到",
    "增长至",
    "扩大到",
    "扩大至",
    "到",
    "至",
];

/// Verbs that make a count an amount of work to add up (新增…达到68万人).
const ADDITIVE_VERBS: &[&str] = &[
    "新增",
    "新建",
    "新开",
    "新改扩建",
    "培训",
    "完成",
    "建成",
    "改造",
    "开展",
    "发放",
    "扶持",
    "招聘",
    "引进",
    "吸纳",
    "帮扶",
    "救助",
    "资助",
    "提供",
    "举办",
    "建设",
    "筹集",
    "解决",
    "实施",
    "创建",
    "打造",
    "培育",
    "派遣",
    "输送",
    "组织",
    "动员",
    "投放",
    "开通",
    "开设",
    "设立",
    "配备",
    "治理",
    "整治",
    "开工",
    "更新",
    "成立",
    "抽查",
    "解危",
    "服务",
    "接待",
    "安置",
];

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
    "年",
    "岁",
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
    let (clause_start, segment_start) = (figure.floor(clause_start), figure.floor(segment_start));
    if names_district_set(view, clause_start, figure.start) {
        return IndicatorKind::Coverage;
    }
    let level = LEVEL_UNITS.contains(&figure.unit.as_str())
        || figure.unit.is_empty()
        || direction == Direction::AtMost
        || view.contains_any(segment_start, figure.start, LEVEL_WORDS)
        || per_unit
        || view.contains(segment_start, figure.start, "每")
        || is_standard(view, figure)
        || (figure
            .word_before
            .is_some_and(|(word, _)| REACH_WORDS.contains(&word))
            && !view.contains_any(segment_start, figure.start, ADDITIVE_VERBS));
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
        IndicatorKind::{Coverage, Cumulative, Level},
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

    #[test]
    fn direction_words_apart_from_the_figure() {
        use progress_ledger_core::plan::Direction::AtMost;
        assert_eq!(
            proposals_of("特困人员基本生活标准不低于当地最低生活保障标准的1.3倍"),
            [summary("1.3", "倍", AtLeast, Level)]
        );
        assert_eq!(
            proposals_of("单位能耗不高于全省平均水平的0.8倍"),
            [summary("0.8", "倍", AtMost, Level)]
        );
        // A count after 超过 with no additive verb is a stock to reach; with one, an amount.
        assert_eq!(
            proposals_of("力争全市持证社工超过8200人"),
            [summary("8200", "人", AtLeast, Level)]
        );
        assert_eq!(
            proposals_of("派遣超过100名专家名医下沉基层"),
            [summary("100", "名", AtLeast, Cumulative)]
        );
    }
}
