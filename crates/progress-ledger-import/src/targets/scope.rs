//! Figures that are not targets: ages, time frames (3年内, 连续2年, 每2年), starting values,
//! ordinals, service radii (15分钟生活圈), sizes (…的), what a scope verb acts on (监测, 覆盖 …)
//! and existing stocks (已…, 现有…).

use super::Span;
use super::change::CHANGE_FROM;
use super::commitments::has_commitment_word;
use super::kind::is_percent;
use crate::figures::Figure;
use crate::text::{View, char_len};

/// Units of the time a plan gives the work. A figure in them is a time frame (3年内, 连续2年, 用3个月
///时间) unless a direction word makes it a level (平均受教育年限达到11年, 不超过3个月).
const TIME_FRAME_UNITS: &[&str] = &["年", "个月"];

/// How far after a time the 圈 of a service radius may be written (15分钟便民生活圈).
const CIRCLE_REACH: usize = 6;

/// Whether `unit` is a unit of time or distance (the radius of a 15分钟生活圈, a 1公里服务圈).
fn is_distance_or_time(unit: &str) -> bool {
    matches!(unit, "分钟" | "小时" | "公里" | "米" | "天" | "日")
}

/// Verbs after which a count describes what is acted on, not how much is to be done.
const SCOPE_VERBS: &[&str] = &[
    "监测", "覆盖", "加强", "依托", "针对", "涉及", "面向", "围绕", "聚焦", "包括", "包含", "惠及",
    "受益",
];

/// Verbs of doing: a later one of these cancels an earlier scope verb in the same clause.
pub(super) const ACTION_VERBS: &[&str] = &[
    "新增", "新建", "建成", "建设", "完成", "改造", "改建", "扩建", "实施", "开展", "培训", "培育",
    "打造", "举办", "发放", "支持", "治理", "整治", "消除", "开通", "开工", "筹集", "更新", "提供",
    "引进", "扶持", "解危", "发展", "动员", "推动", "推进", "启动", "形成", "配备", "达到", "实现",
    "设立", "创建", "解决", "增加", "打通", "优化", "抽查", "成立", "开设", "派遣", "输送", "招聘",
    "组织", "救助", "投放", "盘活", "升级", "提升", "规划", "投资", "投入", "资助", "帮扶", "服务",
    "接待", "安置", "吸纳", "招收", "招募", "其中",
];

/// The reason a target-looking figure of the clause starting at `clause_start` only describes
/// scope, if it does.
pub(super) fn scope_reason(view: &View<'_>, clause: Span, figure: &Figure) -> Option<String> {
    let clause_start = figure.floor(clause.start);
    let near_clause = Span {
        start: clause_start,
        end: figure.limit(clause.end),
    };
    let leveled = figure
        .word_before
        .is_some_and(|(_, direction)| direction.is_some());
    // 65岁以上老年人 describes who is served; 人均预期寿命达到79岁 is a level to reach.
    if figure.unit == "岁" && !leveled {
        return Some("an age: describes who is served".into());
    }
    if view.ends_with_at(figure.number_start, "每", clause_start) {
        return Some("follows 每: the period of a frequency (每2年), not a target".into());
    }
    if TIME_FRAME_UNITS.contains(&figure.unit.as_str()) && !leveled {
        return Some("a time frame: the period of the work (3年内, 连续2年), not a target".into());
    }
    if CHANGE_FROM
        .iter()
        .any(|word| view.ends_with_at(figure.number_start, word, clause_start))
    {
        return Some("follows 由/从: a starting value, not a target".into());
    }
    let near = figure.number_start.saturating_sub(4).max(clause_start);
    if view.contains(near, figure.number_start, "第") {
        return Some("follows 第: an ordinal or batch number".into());
    }
    // A percentage is always a share to reach; a figure with a direction word (不少于, 以上 …)
    // is a standard to meet, whatever it is about.
    if is_percent(&figure.unit) || figure.explicit_direction(view, clause_start).is_some() {
        return None;
    }
    // 15分钟便民生活圈: a time that names a service radius.
    let circle_at = view.find(figure.end, figure.limit(clause.end), "圈");
    if is_distance_or_time(&figure.unit)
        && circle_at.is_some_and(|at| at <= figure.end + CIRCLE_REACH)
    {
        return Some("names a service radius (15分钟生活圈), not a target".into());
    }
    if view.char_is(figure.end, |c| c == '的') && !view.starts_with_at(figure.end + 1, "标准") {
        return Some("followed by 的: describes the size of what follows".into());
    }
    let last_written = |words: &[&'static str]| {
        words
            .iter()
            .filter_map(|word| {
                view.rfind(clause_start, figure.start, word)
                    .map(|position| (position, *word))
            })
            // 针对性 is an adjective, not the verb 针对.
            .filter(|&(position, word)| !view.char_is(position + char_len(word), |c| c == '性'))
            .max_by_key(|&(position, _)| position)
    };
    if let Some((scope_at, verb)) = last_written(SCOPE_VERBS) {
        if last_written(ACTION_VERBS).is_none_or(|(action_at, _)| action_at < scope_at) {
            return Some(format!("follows {verb}: describes what is acted on"));
        }
    }
    // 已建成的4000余座…全部投入运行: the count of a set to reach in full is a target.
    if view.contains_any(clause_start, figure.start, &["已", "现有"])
        && !has_commitment_word(view, near_clause)
    {
        return Some("an existing stock (已…, 现有…)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use super::super::tests::{proposals_of, summary};
    use progress_ledger_core::plan::{Direction, IndicatorKind};

    #[test]
    fn scope_figures_are_skipped() {
        for text in [
            "持续监测全市137座桥梁、7316公里管线。",
            "开展第五批37所新优质学校评估。",
            "加强107所农村小规模学校和68所乡镇寄宿制学校管理。",
            "常态化开展65岁以上常住老年人免费常规体检。",
            "已建成的4000余座居民小区生活垃圾分类集中投放点。",
            "建强用好30万人的“合肥义警”等群防群治力量。",
            "启动改造老旧小区项目119个,覆盖131万平方米、742栋楼房。",
            "持续举办“合肥请您来,20万个岗位供您选”活动。",
            "3年内完成全部改造。",
            "连续2年开展评估。",
            "力争用3个月时间完成整治。",
            "工作满5年以上的社工。",
            "改造老旧小区120个,惠及居民2.5万户。",
            "打造15分钟便民生活圈。",
        ] {
            let extracted = extract(text);
            let proposed: Vec<String> = extracted
                .proposals
                .iter()
                .map(|proposal| {
                    let target = proposal.candidate.target;
                    target.map(|value| value.to_string()).unwrap_or_default()
                })
                .collect();
            let allowed: &[&str] = if text.contains("119个") {
                &["119"]
            } else if text.contains("120个") {
                &["120"]
            } else {
                &[]
            };
            assert_eq!(proposed, allowed, "{text}");
            assert!(!extracted.skipped.is_empty(), "{text}");
        }
        assert_eq!(
            proposals_of("人均预期寿命达到79岁"),
            [summary(
                "79",
                "岁",
                Direction::AtLeast,
                IndicatorKind::Level
            )]
        );
        assert_eq!(
            proposals_of("平均受教育年限达到11年"),
            [summary(
                "11",
                "年",
                Direction::AtLeast,
                IndicatorKind::Level
            )]
        );
        assert_eq!(
            proposals_of("覆盖60%以上大型商业综合体"),
            [summary("60", "%", Direction::AtLeast, IndicatorKind::Level)]
        );
    }
}
