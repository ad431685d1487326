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

/// Whether `id` is a usable plan or indicator id: 1–100 bytes of lowercase ASCII letters, digits,
/// `-`, `_` and `.`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
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
    for part in &plan.parts {
        for task in part.categories.iter().flat_map(|c| &c.tasks) {
            for item in &task.items {
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
    let categories: Vec<u32> = plan
        .parts
        .iter()
        .flat_map(|x| &x.categories)
        .map(|c| c.number)
        .collect();
    contiguous("categories (numbered across the plan)", &categories, p);
    let tasks: Vec<u32> = plan
        .parts
        .iter()
        .flat_map(|x| &x.categories)
        .flat_map(|c| &c.tasks)
        .map(|t| t.number)
        .collect();
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
