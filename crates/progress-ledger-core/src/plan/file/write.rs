//! Writing a plan in the plan-file format.

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::{
    DEFAULT_DISTRICT_SET, FileCategory, FileIndicator, FileItem, FilePart, FileTask, Number,
    PlanFile, default_district_set,
};
use crate::error::{Error, Result};
use crate::plan::{Direction, IndicatorKind, IndicatorSpec, Plan, Task};

/// Writes a plan in the plan-file format (tasks without sub-items keep their items' fields on
/// the task). The result reads back to an equal plan with [`parse_plan`](super::parse_plan).
pub fn plan_to_toml(plan: &Plan) -> Result<String> {
    let file = PlanFile::from_plan(plan)?;
    toml::to_string(&file).map_err(|e| Error::Plan {
        path: plan.id.clone(),
        reason: format!("cannot be written as TOML: {e}"),
    })
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0.normalize();
        if d.scale() == 0 {
            if let Ok(i) = i64::try_from(d) {
                return serializer.serialize_i64(i);
            }
        }
        // A float only when it reads back to the same decimal; otherwise a string.
        let text = d.to_string();
        match text.parse::<f64>() {
            Ok(f) if f.to_string() == text => serializer.serialize_f64(f),
            _ => serializer.serialize_str(&text),
        }
    }
}

fn from_date(date: jiff::civil::Date, what: &str) -> Result<toml::value::Date> {
    match (u16::try_from(date.year()), u8::try_from(date.month())) {
        (Ok(year), Ok(month)) if year <= 9999 => Ok(toml::value::Date {
            year,
            month,
            day: u8::try_from(date.day()).unwrap_or(1),
        }),
        _ => Err(Error::Plan {
            path: what.to_owned(),
            reason: format!("{date} cannot be written as a TOML date"),
        }),
    }
}

impl PlanFile {
    fn from_plan(plan: &Plan) -> Result<PlanFile> {
        let mut parts = Vec::new();
        let mut categories = Vec::new();
        let mut tasks = Vec::new();
        for part in &plan.parts {
            parts.push(FilePart {
                number: part.number,
                title: part.title.clone(),
            });
            for category in &part.categories {
                categories.push(FileCategory {
                    number: category.number,
                    part: part.number,
                    title: category.title.clone(),
                });
                for task in &category.tasks {
                    tasks.push(FileTask::from_task(task, category.number));
                }
            }
        }
        let district_set = plan
            .units
            .iter()
            .find(|u| {
                u.name == DEFAULT_DISTRICT_SET
                    || u.aliases.iter().any(|a| a == DEFAULT_DISTRICT_SET)
            })
            .map_or_else(default_district_set, |u| u.name.clone());
        Ok(PlanFile {
            id: plan.id.clone(),
            title: plan.title.clone(),
            issuer: plan.issuer.clone(),
            issued: from_date(plan.issued, "issued")?,
            period_start: from_date(plan.period_start, "period_start")?,
            period_end: from_date(plan.period_end, "period_end")?,
            district_set,
            districts: plan.districts.clone(),
            units: plan.units.clone(),
            parts,
            categories,
            tasks,
        })
    }
}

impl FileTask {
    fn from_task(task: &Task, category: u32) -> FileTask {
        let mut file = FileTask {
            number: task.number,
            category,
            title: task.title.clone(),
            text: None,
            lead: None,
            cooperating: None,
            indicators: Vec::new(),
            items: Vec::new(),
        };
        match task.items.as_slice() {
            [item] if item.number.is_none() => {
                file.text = Some(item.text.clone());
                file.lead = Some(item.lead_units.clone());
                file.cooperating = Some(item.cooperating_units.clone());
                file.indicators = item
                    .indicators
                    .iter()
                    .map(FileIndicator::from_spec)
                    .collect();
            }
            items => {
                file.items = items
                    .iter()
                    .map(|i| FileItem {
                        number: i.number.unwrap_or(0),
                        title: i.title.clone(),
                        text: i.text.clone(),
                        lead: i.lead_units.clone(),
                        cooperating: i.cooperating_units.clone(),
                        indicators: i.indicators.iter().map(FileIndicator::from_spec).collect(),
                    })
                    .collect();
            }
        }
        file
    }
}

impl FileIndicator {
    fn from_spec(spec: &IndicatorSpec) -> FileIndicator {
        let numeric = !matches!(spec.kind, IndicatorKind::Milestones | IndicatorKind::Status);
        FileIndicator {
            id: spec.id.clone(),
            title: spec.title.clone(),
            kind: spec.kind,
            unit: spec.unit.clone(),
            target: spec.target.map(Number),
            baseline: spec.baseline.map(Number),
            direction: (numeric || spec.direction != Direction::AtLeast).then_some(spec.direction),
            source: spec.source.clone(),
            deliverables: spec.deliverables.clone(),
            weight: (spec.weight != Decimal::ONE).then_some(Number(spec.weight)),
            growth: spec.growth,
        }
    }
}
