//! The consistency rules every plan must meet, however it was made (from a file, an import, or
//! code): numbering, units, indicator ids and kinds, sources.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::event::StreamId;
use crate::plan::{Direction, IndicatorKind, IndicatorSpec, Item, Plan};

/// Checks a plan: numbering of parts, categories, tasks and sub-items; unit names; indicator ids,
/// kinds, targets, baselines, deliverables and sources. All problems are reported together in an
/// [`Error::Plan`] named after the plan id.
pub fn validate_plan(plan: &Plan) -> Result<()> {
    let problems = check_plan(plan);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Plan {
            path: format!("plan {:?}", plan.id),
            reason: super::file::summarise(&problems),
        })
    }
}

/// Whether `id` is a usable plan or indicator id: 1 to [`MAX_ID_LEN`](crate::limits::MAX_ID_LEN)
/// (100) bytes of lowercase ASCII letters, digits, `-`, `_` and `.`, starting with a letter or
/// digit.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= crate::limits::MAX_ID_LEN
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Every problem of `plan`, one sentence each, in document order.
pub(super) fn check_plan(plan: &Plan) -> Vec<String> {
    let mut p = Vec::new();
    if !is_valid_id(&plan.id) || StreamId::plan(&plan.id).is_err() {
        p.push(format!(
            "plan id {:?} must be 1-100 lowercase ASCII letters, digits, '-', '_' or '.'",
            plan.id
        ));
    }
    for (what, value) in [("title", &plan.title), ("issuer", &plan.issuer)] {
        if value.trim().is_empty() {
            p.push(format!("the plan's {what} is empty"));
        }
    }
    if plan.period_start > plan.period_end {
        p.push(format!(
            "the period starts ({}) after it ends ({})",
            plan.period_start, plan.period_end
        ));
    }
    let names = check_names(plan, &mut p);
    check_numbering(plan, &mut p);

    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (task, item) in plan.items() {
        let at = match item.number {
            Some(n) => format!("task {} item ({n})", task.number),
            None => format!("task {}", task.number),
        };
        check_item(item, &at, &names, &mut p);
        for spec in &item.indicators {
            if let Some(first) = ids.insert(&spec.id, at.clone()) {
                p.push(format!(
                    "{at}: indicator id {:?} is already used in {first}",
                    spec.id
                ));
            }
            check_indicator(spec, item, &at, &mut p);
        }
    }
    p
}

/// Checks districts and units; returns every name an item may use (units, aliases, districts).
fn check_names<'a>(plan: &'a Plan, p: &mut Vec<String>) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::new();
    for d in &plan.districts {
        if d.name.trim().is_empty() {
            p.push("a district has an empty name".into());
        } else if !names.insert(d.name.as_str()) {
            p.push(format!("district {:?} is listed twice", d.name));
        }
    }
    for u in &plan.units {
        for name in std::iter::once(&u.name).chain(&u.aliases) {
            if name.trim().is_empty() {
                p.push(format!("unit {:?} has an empty name or alias", u.name));
            } else if !names.insert(name.as_str()) {
                p.push(format!(
                    "unit name {name:?} is listed twice (as a unit, an alias or a district)"
                ));
            }
        }
    }
    names
}

fn check_numbering(plan: &Plan, p: &mut Vec<String>) {
    let contiguous = |what: &str, numbers: &[u32], p: &mut Vec<String>| {
        for (i, n) in numbers.iter().enumerate() {
            let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if *n != expected {
                p.push(format!(
                    "{what} are not numbered 1, 2, 3 … in order: found {n} where {expected} was expected"
                ));
                return;
            }
        }
    };
    if plan.parts.is_empty() {
        p.push("the plan has no parts".into());
    }
    let parts: Vec<u32> = plan.parts.iter().map(|x| x.number).collect();
    contiguous("parts", &parts, p);
    let categories: Vec<u32> = plan.categories().map(|(_, c)| c.number).collect();
    contiguous("categories (numbered across the plan)", &categories, p);
    let tasks: Vec<u32> = plan.tasks().map(|t| t.number).collect();
    contiguous("tasks (numbered across the plan)", &tasks, p);
    for part in &plan.parts {
        if part.categories.is_empty() {
            p.push(format!("part {} has no categories", part.number));
        }
        for category in &part.categories {
            if category.tasks.is_empty() {
                p.push(format!("category {} has no tasks", category.number));
            }
            for task in &category.tasks {
                match task.items.as_slice() {
                    [] => p.push(format!("task {} has no items", task.number)),
                    [single] if single.number.is_none() => {}
                    items => {
                        if items.iter().any(|i| i.number.is_none()) {
                            p.push(format!(
                                "task {} mixes numbered sub-items with an un-numbered item",
                                task.number
                            ));
                        } else {
                            let numbers: Vec<u32> = items.iter().filter_map(|i| i.number).collect();
                            contiguous(
                                &format!("the sub-items of task {}", task.number),
                                &numbers,
                                p,
                            );
                        }
                    }
                }
            }
        }
    }
}

fn check_item(item: &Item, at: &str, names: &BTreeSet<&str>, p: &mut Vec<String>) {
    if item.title.trim().is_empty() {
        p.push(format!("{at}: the title is empty"));
    }
    if item.text.trim().is_empty() {
        p.push(format!("{at}: the text is empty"));
    }
    if item.lead_units.is_empty() {
        p.push(format!("{at}: no lead unit (牵头单位)"));
    }
    for (role, list) in [
        ("lead", &item.lead_units),
        ("cooperating", &item.cooperating_units),
    ] {
        let mut seen = BTreeSet::new();
        for name in list {
            if !names.contains(name.as_str()) {
                p.push(format!(
                    "{at}: {role} unit {name:?} is not in the units list, its aliases or the districts"
                ));
            }
            if !seen.insert(name) {
                p.push(format!("{at}: {role} unit {name:?} is named twice"));
            }
        }
    }
    if item.indicators.is_empty() {
        p.push(format!(
            "{at}: no indicator (an item without a target needs a status indicator)"
        ));
    }
}

fn check_indicator(spec: &IndicatorSpec, item: &Item, at: &str, p: &mut Vec<String>) {
    let at = format!("{at}, indicator {:?}", spec.id);
    if !is_valid_id(&spec.id) || StreamId::indicator(&spec.id).is_err() {
        p.push(format!(
            "{at}: the id must be 1-100 lowercase ASCII letters, digits, '-', '_' or '.'"
        ));
    }
    if spec.title.trim().is_empty() {
        p.push(format!("{at}: the title is empty"));
    }
    if spec.weight <= Decimal::ZERO {
        p.push(format!("{at}: the weight must be above 0"));
    }
    if spec.kind != IndicatorKind::Status {
        if spec.source.trim().is_empty() {
            p.push(format!("{at}: no source phrase"));
        } else if !item.text.contains(&spec.source) {
            p.push(format!(
                "{at}: the source {:?} is not a verbatim phrase of the item's text",
                spec.source
            ));
        }
    }
    match spec.kind {
        IndicatorKind::Cumulative | IndicatorKind::Coverage | IndicatorKind::Level => {
            if spec.unit.trim().is_empty() {
                p.push(format!("{at}: a {:?} indicator needs a unit", spec.kind));
            }
            match spec.target {
                None => p.push(format!("{at}: a {:?} indicator needs a target", spec.kind)),
                Some(t) if t < Decimal::ZERO => p.push(format!("{at}: the target is negative")),
                Some(t) if t.is_zero() && spec.kind != IndicatorKind::Level => p.push(format!(
                    "{at}: the target of a {:?} indicator must be above 0",
                    spec.kind
                )),
                Some(_) => {}
            }
            check_baseline(spec, &at, p);
        }
        IndicatorKind::Milestones => {
            if spec.deliverables.is_empty() {
                p.push(format!("{at}: a milestones indicator needs deliverables"));
            }
            let mut seen = BTreeSet::new();
            for d in &spec.deliverables {
                if d.trim().is_empty() || !seen.insert(d) {
                    p.push(format!("{at}: deliverable {d:?} is empty or listed twice"));
                }
            }
            if spec.target.is_some() || spec.baseline.is_some() {
                p.push(format!(
                    "{at}: a milestones indicator has no target or baseline (its deliverables are the target)"
                ));
            }
        }
        IndicatorKind::Status => {
            if spec.target.is_some() || spec.baseline.is_some() || !spec.deliverables.is_empty() {
                p.push(format!(
                    "{at}: a status indicator has no target, baseline or deliverables"
                ));
            }
        }
    }
}

fn check_baseline(spec: &IndicatorSpec, at: &str, p: &mut Vec<String>) {
    let Some(baseline) = spec.baseline else {
        return;
    };
    if spec.kind != IndicatorKind::Level {
        p.push(format!("{at}: only level indicators have a baseline"));
        return;
    }
    if let Some(target) = spec.target {
        let wrong_side = match spec.direction {
            Direction::AtLeast => baseline >= target,
            Direction::AtMost => baseline <= target,
        };
        if wrong_side {
            p.push(format!(
                "{at}: the baseline {baseline} is already at or past the target {target} ({:?})",
                spec.direction
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::is_valid_id;
    use crate::error::Error;
    use crate::plan::{IndicatorKind, Plan, parse_plan, plan_to_toml};

    const MINI: &str = r#"
id = "mini"
title = "某市行动方案(2024)"
issuer = "某市人民政府"
issued = 2024-03-01
period_start = 2024-01-01
period_end = 2024-12-31
districts = [{ name = "甲区", kind = "county" }, { name = "乙开发区", kind = "development_zone" }]
units = [
    { name = "各县(市)区、开发区", aliases = ["各县(市)区,开发区"] },
    { name = "市卫健委", aliases = ["市卫生健康委"] },
]

[[part]]
number = 1
title = "重点群体"

[[category]]
number = 1
part = 1
title = "幼有所育"

[[task]]
number = 1
category = 1
title = "托育服务"
text = "新增托位1.6万个,PM2.5平均浓度不高于32.5微克/立方米,时间由半小时缩短到20分钟以下。"
lead = ["市卫生健康委"]
cooperating = ["甲区", "各县(市)区,开发区"]

[[task.indicator]]
id = "t01-0-seats"
title = "新增托位"
kind = "cumulative"
unit = "个"
target = 16000
source = "新增托位1.6万个"

[[task.indicator]]
id = "t01-0-pm25"
title = "PM2.5"
kind = "level"
unit = "微克/立方米"
target = 32.5
direction = "at_most"
source = "PM2.5平均浓度不高于32.5微克/立方米"

[[task.indicator]]
id = "t01-0-minutes"
title = "时间"
kind = "level"
unit = "分钟"
target = "20"
baseline = 30
direction = "at_most"
source = "时间由半小时缩短到20分钟以下"
weight = 2

[[task]]
number = 2
category = 1
title = "优孕优生"

[[task.item]]
number = 1
title = "筛查"
text = "筛查。完成甲、乙等项目建设。"
lead = ["市卫健委"]

[[task.item.indicator]]
id = "t02-1-projects"
title = "项目"
kind = "milestones"
source = "完成甲、乙等项目建设"
deliverables = ["甲", "乙"]

[[task.item]]
number = 2
title = "服务"
text = "服务。规范服务。"
lead = ["市卫健委"]

[[task.item.indicator]]
id = "t02-2-status"
title = "服务"
kind = "status"
"#;

    fn problems(text: &str) -> String {
        match parse_plan(text, "mini.toml") {
            Err(Error::Plan { reason, .. }) => reason,
            Err(other) => panic!("expected a plan error, got {other}"),
            Ok(_) => panic!("expected a plan error for:\n{text}"),
        }
    }

    fn mini() -> Plan {
        match parse_plan(MINI, "mini.toml") {
            Ok(plan) => plan,
            Err(e) => panic!("the mini plan should load: {e}"),
        }
    }

    #[test]
    fn reads_numbers_dates_aliases_and_both_task_forms() {
        let plan = mini();
        assert_eq!(plan.issued, jiff::civil::date(2024, 3, 1));
        let tasks = &plan.parts[0].categories[0].tasks;
        let specs = &tasks[0].items[0].indicators;
        assert_eq!(tasks[0].items[0].number, None);
        assert_eq!(tasks[0].items[0].title, "托育服务");
        assert_eq!(specs[0].target, Some(Decimal::from(16000)));
        assert_eq!(
            specs[1].target,
            Some(Decimal::new(325, 1)),
            "a TOML float, exactly"
        );
        assert_eq!(
            specs[2].target,
            Some(Decimal::from(20)),
            "a decimal in a string"
        );
        assert_eq!(specs[2].baseline, Some(Decimal::from(30)));
        assert_eq!(specs[2].weight, Decimal::from(2));
        assert_eq!(specs[0].weight, Decimal::ONE);
        assert_eq!(tasks[1].items.len(), 2);
        assert_eq!(
            tasks[1].items[0].indicators[0].kind,
            IndicatorKind::Milestones
        );
        assert!(tasks[1].items[1].cooperating_units.is_empty());
        let written = plan_to_toml(&plan).unwrap_or_default();
        assert_eq!(parse_plan(&written, "written").ok(), Some(plan));
    }

    #[test]
    fn file_layout_problems() {
        let both = MINI.replacen(
            "[[task.item]]\nnumber = 1",
            "text = \"x\"\n\n[[task.item]]\nnumber = 1",
            1,
        );
        assert!(problems(&both).contains("both sub-items and its own text"));
        let typo = MINI.replacen("[[task.item]]\nnumber = 2", "[[task.itemx]]\nnumber = 2", 1);
        assert!(problems(&typo).contains("unknown field"));
        let neither = format!("{MINI}\n[[task]]\nnumber = 3\ncategory = 1\ntitle = \"空\"\n");
        assert!(problems(&neither).contains("task 3 has neither sub-items"));
        let no_part = MINI.replacen("part = 1", "part = 2", 1);
        assert!(problems(&no_part).contains("names part 2, which does not exist"));
        let no_set = MINI.replacen(
            "{ name = \"各县(市)区、开发区\", aliases = [\"各县(市)区,开发区\"] },",
            "",
            1,
        );
        let reason = problems(&no_set);
        assert!(reason.contains("district set"), "{reason}");
        assert!(
            reason.contains("\"各县(市)区,开发区\" is not in the units list"),
            "{reason}"
        );
        let bad_date = MINI.replacen("issued = 2024-03-01", "issued = \"2024-03-01\"", 1);
        assert!(!problems(&bad_date).is_empty());
        let bad_number = MINI.replacen("target = \"20\"", "target = \"二十\"", 1);
        assert!(problems(&bad_number).contains("not a decimal number"));
    }

    #[test]
    fn numbering_problems() {
        let gap = MINI.replacen("number = 2\ncategory = 1", "number = 3\ncategory = 1", 1);
        assert!(problems(&gap).contains("found 3 where 2 was expected"));
        let sub = MINI.replacen(
            "number = 2\ntitle = \"服务\"",
            "number = 3\ntitle = \"服务\"",
            1,
        );
        assert!(problems(&sub).contains("the sub-items of task 2"));
    }

    #[test]
    fn indicator_problems() {
        let cases = [
            (
                "id = \"t01-0-seats\"",
                "id = \"T01 seats\"",
                "the id must be",
            ),
            ("target = 16000", "target = 0", "must be above 0"),
            ("unit = \"个\"", "unit = \"\"", "needs a unit"),
            (
                "baseline = 30",
                "baseline = 10",
                "already at or past the target",
            ),
            (
                "deliverables = [\"甲\", \"乙\"]",
                "deliverables = [\"甲\", \"甲\"]",
                "listed twice",
            ),
            (
                "deliverables = [\"甲\", \"乙\"]",
                "deliverables = []",
                "needs deliverables",
            ),
            (
                "kind = \"status\"",
                "kind = \"status\"\ntarget = 1",
                "a status indicator has no target",
            ),
            ("weight = 2", "weight = 0", "weight must be above 0"),
            (
                "source = \"新增托位1.6万个\"",
                "source = \"\"",
                "no source phrase",
            ),
            (
                "id = \"t01-0-pm25\"",
                "id = \"t01-0-seats\"",
                "already used",
            ),
            ("lead = [\"市卫健委\"]", "lead = []", "no lead unit"),
            (
                "lead = [\"市卫健委\"]",
                "lead = [\"市卫健委\", \"市卫健委\"]",
                "named twice",
            ),
        ];
        for (from, to, expected) in cases {
            let text = MINI.replacen(from, to, 1);
            assert_ne!(text, MINI, "{from} is not in the fixture");
            let reason = problems(&text);
            assert!(reason.contains(expected), "{to}: {reason}");
        }
        let no_indicator = MINI.replacen(
            "[[task.item.indicator]]\nid = \"t02-2-status\"\ntitle = \"服务\"\nkind = \"status\"\n",
            "",
            1,
        );
        assert!(problems(&no_indicator).contains("no indicator"));
    }

    #[test]
    fn many_problems_are_summarised() {
        let mut text = MINI.to_owned();
        for _ in 0..40 {
            text.push_str("\n[[task]]\nnumber = 99\ncategory = 1\ntitle = \"x\"\n");
        }
        let reason = problems(&text);
        assert!(reason.contains("… and"), "{reason}");
        assert!(reason.lines().count() <= 32);
    }

    #[test]
    fn ids() {
        for ok in ["hefei-2023", "t02-1-childcare-seats", "a.b_c", "9"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "-x", "Hefei", "t 1", "合肥", &"x".repeat(101)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }
}
