//! An indicator's trail at a moment: the table of its events, and the data of its chart (one
//! point per event that counts, at its business date, with the indicator's value as effective
//! on that date; corrections and target revisions marked).
//!
//! The values come from the core's own fold ([`Projection::apply`] and [`evaluate`]) over the
//! events recorded by the moment's "as recorded at", so the last point is the figure the
//! progress view shows.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use progress_ledger_core::plan::ItemStatus;
use progress_ledger_core::projection::{Projection, evaluate};
use progress_ledger_core::{Event, Payload, StreamId, Tracker, plan_date};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::format::{grouped, number};
use crate::pages::PageError;
use crate::query::Moment;

/// One row of the trail table.
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) seq: u64,
    pub(crate) effective: Date,
    pub(crate) recorded_at: Timestamp,
    pub(crate) what: String,
    pub(crate) actor: String,
    pub(crate) note: String,
    /// `voided`, `correction`, `revision`, `later` (effective after the chosen date).
    pub(crate) class: Option<&'static str>,
    /// An update that a correction may void.
    pub(crate) correctable: bool,
}

/// The trail of one indicator at a moment.
pub(crate) struct Trail {
    pub(crate) rows: Vec<Row>,
    /// Points on the chart.
    pub(crate) points: usize,
    /// What `chart.js` draws.
    pub(crate) chart: Value,
}

fn float(value: Decimal) -> Value {
    number(value)
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn status_label(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::NotStarted => "未开始",
        ItemStatus::InProgress => "推进中",
        ItemStatus::Done => "已完成",
    }
}

/// What a payload says, in a few words.
fn describe(payload: &Payload, seqs: &HashMap<Uuid, u64>) -> String {
    let place = |district: &Option<String>| {
        district
            .as_deref()
            .map(|d| format!("（{d}）"))
            .unwrap_or_default()
    };
    match payload {
        Payload::ProgressReported { delta, district } => {
            format!("新增 {}{}", grouped(*delta), place(district))
        }
        Payload::MeasurementTaken { value, district } => {
            format!("测得 {}{}", grouped(*value), place(district))
        }
        Payload::MilestoneReached { deliverable } => format!("完成节点：{deliverable}"),
        Payload::StatusChanged { status } => format!("状态：{}", status_label(*status)),
        Payload::Corrected {
            corrects,
            reason,
            replacement,
        } => {
            let target = seqs
                .get(corrects)
                .map_or_else(|| corrects.to_string(), |s| format!("#{s}"));
            match replacement {
                Some(r) => format!("更正 {target}（{reason}），改为：{}", describe(r, seqs)),
                None => format!("更正 {target}（{reason}），作废"),
            }
        }
        Payload::TargetRevised { target, reason } => {
            format!("目标调整为 {}（{reason}）", grouped(*target))
        }
        Payload::IndicatorDefined { .. } => "定义指标".to_owned(),
        Payload::IndicatorRetired { reason } => format!("停用（{reason}）"),
        Payload::PlanDefined(_) => "定义方案".to_owned(),
    }
}

/// Whether an event adds an update that counts (a plain update, or a correction's replacement).
fn contributes(payload: &Payload) -> bool {
    match payload {
        Payload::ProgressReported { .. }
        | Payload::MeasurementTaken { .. }
        | Payload::MilestoneReached { .. }
        | Payload::StatusChanged { .. } => true,
        Payload::Corrected { replacement, .. } => replacement.is_some(),
        _ => false,
    }
}

/// The trail of `indicator` as recorded at the moment's `as_of`, with the chart's points up to
/// its `effective` date.
pub(crate) fn trail(
    tracker: &Tracker,
    indicator: &str,
    moment: &Moment,
) -> Result<Trail, PageError> {
    let recorded = |e: &Event| moment.as_of.is_none_or(|t| e.recorded_at <= t);
    let steps = tracker.history(indicator)?;
    let events: Vec<Event> = steps
        .into_iter()
        .map(|s| s.event)
        .filter(|e| recorded(e))
        .collect();
    let plan_id = tracker
        .with_live(|p| p.catalog().indicator(indicator).map(|d| d.plan.clone()))
        .ok_or_else(|| PageError::not_found(format!("没有编号为 {indicator} 的指标")))?;
    let plan_stream = StreamId::plan(&plan_id).map_err(PageError::from)?;
    let mut all: Vec<Event> = tracker
        .ledger()
        .read_stream(&plan_stream, 0, usize::MAX)
        .map_err(PageError::from)?
        .into_iter()
        .filter(|e| recorded(e))
        .collect();
    all.extend(events.iter().cloned());
    all.sort_by_key(|e| e.seq);
    let mut projection = Projection::default();
    for event in &all {
        projection.apply(event);
    }
    let def = projection.catalog().indicator(indicator).cloned();
    let plan = projection.catalog().plan(&plan_id).cloned();
    let districts = plan.as_ref().map_or(0, |p| p.districts.len());
    let empty = Default::default();
    let state = projection.state(indicator).unwrap_or(&empty);
    let value_at = |date: Date| {
        def.as_ref()
            .and_then(|d| evaluate(&d.spec, d.target(), state, Some(date), districts).value)
    };

    let seqs: HashMap<Uuid, u64> = events.iter().map(|e| (e.id, e.seq)).collect();
    let dates: HashMap<Uuid, Date> = events.iter().map(|e| (e.id, e.effective)).collect();
    let voided: HashSet<Uuid> = events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::Corrected { corrects, .. } => Some(*corrects),
            _ => None,
        })
        .collect();
    let counts = |e: &Event| moment.effective.is_none_or(|d| e.effective <= d);

    let mut points = Vec::new();
    let mut corrections = Vec::new();
    let mut revisions = Vec::new();
    let mut rows = Vec::new();
    for event in &events {
        let is_void = voided.contains(&event.id);
        if contributes(&event.payload) && !is_void && counts(event) {
            points.push((
                event.effective,
                event.seq,
                json!({
                    "x": event.effective.to_string(),
                    "y": value_at(event.effective).map_or(Value::Null, float),
                    "id": event.id.to_string(),
                    "seq": event.seq,
                    "label": describe(&event.payload, &seqs),
                    "actor": event.actor,
                }),
            ));
        }
        match &event.payload {
            Payload::Corrected {
                corrects, reason, ..
            } if counts(event) => {
                let date = dates.get(corrects).copied().unwrap_or(event.effective);
                corrections.push(json!({
                    "x": date.to_string(),
                    "y": value_at(date).map_or(Value::Null, float),
                    "id": event.id.to_string(),
                    "seq": event.seq,
                    "label": format!("更正 #{}：{reason}", seqs.get(corrects).copied().unwrap_or_default()),
                }));
            }
            Payload::TargetRevised { target, reason } => {
                revisions.push(json!({
                    "x": plan_date(event.recorded_at).to_string(),
                    "y": float(*target),
                    "id": event.id.to_string(),
                    "seq": event.seq,
                    "label": format!("目标调整为 {}：{reason}", grouped(*target)),
                }));
            }
            _ => {}
        }
        let class = if is_void {
            Some("voided")
        } else if !counts(event) {
            Some("later")
        } else {
            match event.payload {
                Payload::Corrected { .. } => Some("correction"),
                Payload::TargetRevised { .. } => Some("revision"),
                _ => None,
            }
        };
        rows.push(Row {
            id: event.id,
            seq: event.seq,
            effective: event.effective,
            recorded_at: event.recorded_at,
            what: describe(&event.payload, &seqs),
            actor: event.actor.clone(),
            note: event.note.clone().unwrap_or_default(),
            class,
            correctable: !is_void
                && matches!(
                    event.payload,
                    Payload::ProgressReported { .. }
                        | Payload::MeasurementTaken { .. }
                        | Payload::MilestoneReached { .. }
                        | Payload::StatusChanged { .. }
                ),
        });
    }
    points.sort_by_key(|(date, seq, _)| (*date, *seq));
    let count = points.len();
    let spec = def.as_ref().map(|d| &d.spec);
    let chart = json!({
        "title": spec.map(|s| s.title.clone()),
        "unit": spec.map(|s| s.unit.clone()),
        "period": plan.as_ref().map(|p| [p.period_start.to_string(), p.period_end.to_string()]),
        "points": points.into_iter().map(|(_, _, p)| p).collect::<Vec<_>>(),
        "target": def.as_ref().and_then(|d| d.target()).map_or(Value::Null, float),
        "original_target": def.as_ref().filter(|d| !d.revisions.is_empty()).and_then(|d| d.spec.target).map_or(Value::Null, float),
        "corrections": corrections,
        "revisions": revisions,
    });
    Ok(Trail {
        rows,
        points: count,
        chart,
    })
}
