//! Recorded events as JSON: the log, the live feed, the append answer and the trail.

use progress_ledger_core::plan::IndicatorSpec;
use progress_ledger_core::projection::indicator_id;
use progress_ledger_core::{Appended, Event, Payload, TrailStep};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::plan::IndicatorDto;
use super::{DirectionDto, ItemStatusDto, KindDto, Num};

/// The answer to an append: where the event is in the log.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AppendedDto {
    /// Global sequence number.
    pub seq: u64,
    /// Event id.
    pub id: Uuid,
    /// Version within the indicator's stream.
    pub version: u64,
    /// SHA-256 of the event (covers the previous hash), 64 hex digits.
    pub hash: String,
    /// When the ledger recorded it (RFC 3339, UTC).
    pub recorded_at: String,
    /// True if this id was already recorded with the same body (an idempotent retry: nothing
    /// was written, the answer is the original's and the status 200 instead of 201).
    pub already_recorded: bool,
}

impl From<&Appended> for AppendedDto {
    fn from(appended: &Appended) -> Self {
        let event = &appended.event;
        Self {
            seq: event.seq,
            id: event.id,
            version: event.version,
            hash: event.hash.to_hex(),
            recorded_at: event.recorded_at.to_string(),
            already_recorded: appended.already_recorded,
        }
    }
}

/// The fields of a plain update (progress, measurement, milestone, status), flat, as in the
/// append request; those the update does not have are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct UpdateFieldsDto {
    /// progress: amount added.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub delta: Option<Num>,
    /// measurement: value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// progress, measurement: district.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// milestone: deliverable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliverable: Option<String>,
    /// status: the new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatusDto>,
}

impl From<&Payload> for UpdateFieldsDto {
    fn from(payload: &Payload) -> Self {
        let mut dto = Self::default();
        match payload {
            Payload::ProgressReported { delta, district } => {
                dto.delta = Some(Num(*delta));
                dto.district = district.clone();
            }
            Payload::MeasurementTaken { value, district } => {
                dto.value = Some(Num(*value));
                dto.district = district.clone();
            }
            Payload::MilestoneReached { deliverable } => {
                dto.deliverable = Some(deliverable.clone())
            }
            Payload::StatusChanged { status } => dto.status = Some((*status).into()),
            _ => {}
        }
        dto
    }
}

/// The update a correction put in place of the voided one.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReplacementDto {
    /// progress, measurement, milestone or status.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its fields.
    #[serde(flatten)]
    pub fields: UpdateFieldsDto,
}

impl From<&Payload> for ReplacementDto {
    fn from(payload: &Payload) -> Self {
        Self {
            kind: update_type(payload).to_owned(),
            fields: payload.into(),
        }
    }
}

/// An indicator as a definition event states it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DefinitionDto {
    /// Plan id.
    pub plan: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Indicator title.
    pub title: String,
    /// Kind.
    pub kind: KindDto,
    /// Unit.
    pub unit: String,
    /// Target: as defined, in a definition event; in force (after any revision), in an
    /// indicator listing.
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// Direction.
    pub direction: DirectionDto,
    /// Baseline.
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<Num>,
    /// Source phrase.
    pub source: String,
    /// Deliverables of a milestones indicator.
    pub deliverables: Vec<String>,
}

impl DefinitionDto {
    /// The definition of `spec`, an indicator of item `item` of task `task` of plan `plan`.
    pub fn new(plan: &str, task: u32, item: Option<u32>, spec: &IndicatorSpec) -> Self {
        Self {
            plan: plan.to_owned(),
            task,
            item,
            title: spec.title.clone(),
            kind: spec.kind.into(),
            unit: spec.unit.clone(),
            target: spec.target.map(Num),
            direction: spec.direction.into(),
            baseline: spec.baseline.map(Num),
            source: spec.source.clone(),
            deliverables: spec.deliverables.clone(),
        }
    }
}

/// One recorded event. `type` names the payload; the fields of that payload follow, flat, as
/// in the append request.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct EventDto {
    /// Global sequence number, gapless from 1.
    pub seq: u64,
    /// Event id.
    pub id: Uuid,
    /// Stream: `indicator/<id>` or `plan/<id>`.
    pub stream: String,
    /// The indicator, for an indicator stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// Version within the stream.
    pub version: u64,
    /// When the ledger recorded it (RFC 3339, UTC).
    pub recorded_at: String,
    /// Business date it is about (`YYYY-MM-DD`, Asia/Shanghai).
    pub effective: String,
    /// Unit that recorded it (from its credential).
    pub actor: String,
    /// Free text.
    pub note: Option<String>,
    /// progress, measurement, milestone, status, correction, target_revised, plan_defined,
    /// indicator_defined or indicator_retired.
    #[serde(rename = "type")]
    pub kind: String,
    /// progress, measurement, milestone, status: the update's fields.
    #[serde(flatten)]
    pub fields: UpdateFieldsDto,
    /// correction: id of the voided update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Uuid>,
    /// correction, target_revised, indicator_retired: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// correction: the replacement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<ReplacementDto>,
    /// target_revised: the new target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// plan_defined: the plan's id and title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// plan_defined: the plan's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// indicator_defined: the definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<DefinitionDto>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// SHA-256 of this event.
    pub hash: String,
}

/// The API's name of a payload kind (the `type` of the append request).
pub fn update_type(payload: &Payload) -> &'static str {
    match payload {
        Payload::ProgressReported { .. } => "progress",
        Payload::MeasurementTaken { .. } => "measurement",
        Payload::MilestoneReached { .. } => "milestone",
        Payload::StatusChanged { .. } => "status",
        Payload::Corrected { .. } => "correction",
        Payload::TargetRevised { .. } => "target_revised",
        Payload::PlanDefined(_) => "plan_defined",
        Payload::IndicatorDefined { .. } => "indicator_defined",
        Payload::IndicatorRetired { .. } => "indicator_retired",
    }
}

impl From<&Event> for EventDto {
    fn from(event: &Event) -> Self {
        let mut dto = EventDto {
            seq: event.seq,
            id: event.id,
            stream: event.stream.to_string(),
            indicator: indicator_id(event.stream.as_str()).map(str::to_owned),
            version: event.version,
            recorded_at: event.recorded_at.to_string(),
            effective: event.effective.to_string(),
            actor: event.actor.clone(),
            note: event.note.clone(),
            kind: update_type(&event.payload).to_owned(),
            fields: (&event.payload).into(),
            corrects: None,
            reason: None,
            replacement: None,
            target: None,
            plan: None,
            title: None,
            definition: None,
            prev_hash: event.prev_hash.to_hex(),
            hash: event.hash.to_hex(),
        };
        match &event.payload {
            Payload::ProgressReported { .. }
            | Payload::MeasurementTaken { .. }
            | Payload::MilestoneReached { .. }
            | Payload::StatusChanged { .. } => {}
            Payload::Corrected {
                corrects,
                reason,
                replacement: instead,
            } => {
                dto.corrects = Some(*corrects);
                dto.reason = Some(reason.clone());
                dto.replacement = instead.as_deref().map(ReplacementDto::from);
            }
            Payload::TargetRevised { target, reason } => {
                dto.target = Some(Num(*target));
                dto.reason = Some(reason.clone());
            }
            Payload::IndicatorRetired { reason } => dto.reason = Some(reason.clone()),
            Payload::PlanDefined(plan) => {
                dto.plan = Some(plan.id.clone());
                dto.title = Some(plan.title.clone());
            }
            Payload::IndicatorDefined {
                plan,
                task,
                item,
                spec,
            } => {
                dto.definition = Some(DefinitionDto::new(plan, *task, *item, spec));
            }
        }
        dto
    }
}

/// A page of the log.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LogPage {
    /// Events, oldest first.
    pub events: Vec<EventDto>,
    /// The `after` to ask for the next page; null when this page reaches the end of the log.
    pub next: Option<u64>,
    /// Sequence number of the last durable event of the whole log.
    pub head: u64,
}

/// One step of an indicator's trail.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TrailStepDto {
    /// The event.
    pub event: EventDto,
    /// The indicator's value after it.
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// Target in force after it.
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// Completion after it (capped at 1).
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Completion after it, uncapped.
    #[schema(value_type = f64)]
    pub completion_raw: Num,
}

impl From<&TrailStep> for TrailStepDto {
    fn from(step: &TrailStep) -> Self {
        Self {
            event: EventDto::from(&step.event),
            value: step.value.map(Num),
            target: step.target.map(Num),
            completion: Num(step.completion.capped),
            completion_raw: Num(step.completion.raw),
        }
    }
}

/// The trail of one indicator.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct HistoryDto {
    /// The indicator as now defined.
    pub indicator: IndicatorDto,
    /// Its events (definitions included), oldest first, each with what the indicator stood at
    /// after it: the page asked for.
    pub trail: Vec<TrailStepDto>,
    /// Ask for the steps after this sequence number (`after`) for the next page; null if this
    /// page ends the trail.
    pub next: Option<u64>,
    /// The Merkle tree of the log the trail was read from: every event of the trail is in it;
    /// null if it cannot be read now.
    pub checkpoint: Option<super::TreeHeadDto>,
}
