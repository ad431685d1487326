//! The catalog: plans and indicators as defined and revised by events.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::event::{Event, Payload};
use crate::plan::{IndicatorSpec, Item, Plan};

/// An indicator as the log defines it, with its target history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorDef {
    /// Plan the indicator belongs to.
    pub plan: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number, if the task has sub-items.
    pub item: Option<u32>,
    /// The indicator as last defined.
    pub spec: IndicatorSpec,
    /// Target changes after the definition, oldest first.
    pub revisions: Vec<TargetRevision>,
    /// Whether the indicator was retired.
    pub retired: bool,
}

/// A target revision (动态调整), in force from the moment it was recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetRevision {
    /// Sequence number of the revising event.
    pub seq: u64,
    /// When it was recorded.
    #[serde(with = "crate::codec::timestamp")]
    pub recorded_at: Timestamp,
    /// The new target.
    pub target: Decimal,
    /// Why.
    pub reason: String,
}

impl IndicatorDef {
    /// The target in force after every event folded so far.
    pub fn target(&self) -> Option<Decimal> {
        self.revisions.last().map(|r| r.target).or(self.spec.target)
    }
}

/// Plans and indicators, folded from definition events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    plans: BTreeMap<String, Plan>,
    indicators: BTreeMap<String, IndicatorDef>,
}

impl Catalog {
    /// Folds one event (events that define nothing are ignored). Returns whether it is a
    /// definition (a plan, an indicator, a target revision, a retirement): only those can
    /// change the catalog.
    pub fn apply(&mut self, event: &Event) -> bool {
        match &event.payload {
            Payload::PlanDefined(plan) => {
                self.plans.insert(plan.id.clone(), plan.as_ref().clone());
            }
            Payload::IndicatorDefined {
                plan,
                task,
                item,
                spec,
            } => {
                let revisions = self
                    .indicators
                    .remove(&spec.id)
                    .filter(|old| old.spec.target == spec.target)
                    .map(|old| old.revisions)
                    .unwrap_or_default();
                self.indicators.insert(
                    spec.id.clone(),
                    IndicatorDef {
                        plan: plan.clone(),
                        task: *task,
                        item: *item,
                        spec: spec.as_ref().clone(),
                        revisions,
                        retired: false,
                    },
                );
            }
            Payload::TargetRevised { target, reason } => {
                if let Some(def) = self.indicator_of_stream_mut(event) {
                    def.revisions.push(TargetRevision {
                        seq: event.seq,
                        recorded_at: event.recorded_at,
                        target: *target,
                        reason: reason.clone(),
                    });
                }
            }
            Payload::IndicatorRetired { .. } => {
                if let Some(def) = self.indicator_of_stream_mut(event) {
                    def.retired = true;
                }
            }
            _ => return false,
        }
        true
    }

    fn indicator_of_stream_mut(&mut self, event: &Event) -> Option<&mut IndicatorDef> {
        let id = indicator_id(event.stream.as_str())?;
        self.indicators.get_mut(id)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorDef> {
        self.indicators.get(id)
    }

    /// Every indicator, by id.
    pub fn indicators(&self) -> impl Iterator<Item = &IndicatorDef> {
        self.indicators.values()
    }

    /// The plan with this id.
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.get(id)
    }

    /// Every plan, by id.
    pub fn plans(&self) -> impl Iterator<Item = &Plan> {
        self.plans.values()
    }

    /// The plan with this id as it stands: its outline with the indicators in force (retired
    /// ones left out), each as last defined with its target in force, in id order within each
    /// item. (The plan a `PlanDefined` event holds carries its outline; its indicators are
    /// defined by events of their own.)
    pub fn plan_in_force(&self, id: &str) -> Option<Plan> {
        let mut plan = self.plans.get(id)?.clone();
        for task in plan.tasks_mut() {
            for item in &mut task.items {
                item.indicators = self
                    .indicators
                    .values()
                    .filter(|d| {
                        d.plan == id && !d.retired && d.task == task.number && d.item == item.number
                    })
                    .map(|d| IndicatorSpec {
                        target: d.target(),
                        ..d.spec.clone()
                    })
                    .collect();
            }
        }
        Some(plan)
    }

    /// The item an indicator belongs to, in its plan's outline.
    pub fn item_of(&self, def: &IndicatorDef) -> Option<&Item> {
        let plan = self.plans.get(&def.plan)?;
        plan.tasks()
            .find(|t| t.number == def.task)?
            .items
            .iter()
            .find(|i| i.number == def.item)
    }
}

/// The indicator id of a stream named `indicator/<id>`.
pub fn indicator_id(stream: &str) -> Option<&str> {
    stream.strip_prefix("indicator/")
}
