//! The events that make a ledger's plan definitions match a plan file.

use jiff::civil::Date;

use crate::error::Result;
use crate::event::{NewEvent, Payload, StreamId};
use crate::plan::Plan;
use crate::projection::Catalog;

/// Reason given on target revisions that come from a changed plan file.
pub const PLAN_FILE_CHANGED: &str = "plan file changed (动态调整方案内容)";

/// Reason given when an indicator is retired because the plan no longer has it.
pub const REMOVED_FROM_PLAN: &str = "removed from the plan file";

/// The plan's outline as stored in `PlanDefined`: the tree without indicators (each indicator
/// is defined by its own event).
pub fn outline(plan: &Plan) -> Plan {
    let mut outline = plan.clone();
    for item in outline.tasks_mut().flat_map(|task| &mut task.items) {
        item.indicators.clear();
    }
    outline
}

/// The events that bring `catalog` in line with `plan`: a `PlanDefined` if the outline is new
/// or changed; per indicator an `IndicatorDefined` if it is new or changed in anything but its
/// target, or a `TargetRevised` if only its target changed; an `IndicatorRetired` for each of
/// the plan's indicators in the catalog that the plan no longer has. Nothing if all match.
/// Effective date: the plan's issue date.
pub fn definition_events(catalog: &Catalog, plan: &Plan, actor: &str) -> Result<Vec<NewEvent>> {
    let effective: Date = plan.issued;
    let mut events = Vec::new();
    let outline = outline(plan);
    if catalog.plan(&plan.id) != Some(&outline) {
        events.push(NewEvent::new(
            StreamId::plan(&plan.id)?,
            effective,
            actor,
            Payload::PlanDefined(Box::new(outline)),
        ));
    }
    for (task, item, spec) in plan.indicators() {
        let stream = StreamId::indicator(&spec.id)?;
        let existing = catalog.indicator(&spec.id);
        let same_place = existing.is_some_and(|d| {
            d.plan == plan.id && d.task == task.number && d.item == item.number && !d.retired
        });
        let mut as_defined = spec.clone();
        if let Some(def) = existing {
            as_defined.target = def.spec.target;
        }
        match existing {
            Some(def) if same_place && def.spec == as_defined => {
                if let (Some(target), true) = (spec.target, def.target() != spec.target) {
                    events.push(NewEvent::new(
                        stream,
                        effective,
                        actor,
                        Payload::TargetRevised {
                            target,
                            reason: PLAN_FILE_CHANGED.into(),
                        },
                    ));
                }
            }
            _ => events.push(NewEvent::new(
                stream,
                effective,
                actor,
                Payload::IndicatorDefined {
                    plan: plan.id.clone(),
                    task: task.number,
                    item: item.number,
                    spec: Box::new(spec.clone()),
                },
            )),
        }
    }
    let ids: std::collections::BTreeSet<&str> = plan
        .indicators()
        .map(|(_, _, spec)| spec.id.as_str())
        .collect();
    for def in catalog.indicators() {
        if def.plan == plan.id && !def.retired && !ids.contains(def.spec.id.as_str()) {
            events.push(NewEvent::new(
                StreamId::indicator(&def.spec.id)?,
                effective,
                actor,
                Payload::IndicatorRetired {
                    reason: REMOVED_FROM_PLAN.into(),
                },
            ));
        }
    }
    Ok(events)
}
