//! Explanations (where a figure comes from) and restatements (how the figures for a date
//! changed between two recorded times) as JSON. The core's types converted field by field;
//! numbers are JSON numbers, dates `YYYY-MM-DD`, times RFC 3339.

use progress_ledger_core::projection::{
    Cause, CauseKind, Contributed, Counted, CountedUpdate, Elapsed, EventRef, Explanation, Figure,
    IndicatorExplanation, LevelRule, Restatement, Restatements, Role, RollupExplanation, Step,
    Subject, TargetInForce, Term, VoidedUpdate,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{DirectionDto, HeadDto, ItemStatusDto, KindDto, Num, ScheduleDto, num};

/// Whose figure: the plan, a part, category, task, item or indicator.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SubjectDto {
    /// `plan`, `part`, `category`, `task`, `item` or `indicator`.
    pub level: String,
    /// Part, category or task number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// An item's task number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<u32>,
    /// An item's sub-item number (left out for a task without sub-items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    /// An indicator's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl From<&Subject> for SubjectDto {
    fn from(subject: &Subject) -> Self {
        let mut dto = Self {
            level: String::new(),
            number: None,
            task: None,
            item: None,
            id: None,
        };
        dto.level = match subject {
            Subject::Plan => "plan",
            Subject::Part { number } => {
                dto.number = Some(*number);
                "part"
            }
            Subject::Category { number } => {
                dto.number = Some(*number);
                "category"
            }
            Subject::Task { number } => {
                dto.number = Some(*number);
                "task"
            }
            Subject::Item { task, item } => {
                dto.task = Some(*task);
                dto.item = *item;
                "item"
            }
            Subject::Indicator { id } => {
                dto.id = Some(id.clone());
                "indicator"
            }
        }
        .to_owned();
        dto
    }
}

/// An event, as an explanation names it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct EventRefDto {
    /// Sequence number.
    pub seq: u64,
    /// Id.
    pub id: Uuid,
    /// Payload kind, e.g. `progress_reported`, `corrected`, `target_revised`.
    pub kind: String,
    /// Who recorded it.
    pub actor: String,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// The business date it is about.
    pub effective: String,
}

impl From<&EventRef> for EventRefDto {
    fn from(event: &EventRef) -> Self {
        Self {
            seq: event.seq,
            id: event.id,
            kind: event.kind.to_owned(),
            actor: event.actor.clone(),
            recorded_at: event.recorded_at.to_string(),
            effective: event.effective.to_string(),
        }
    }
}

/// What an update contributes; the fields it does not have are left out.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ContributedDto {
    /// Delta or measured value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Num>,
    /// District.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Deliverable reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliverable: Option<String>,
    /// Status reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatusDto>,
}

impl From<&Contributed> for ContributedDto {
    fn from(c: &Contributed) -> Self {
        Self {
            amount: num(c.amount),
            district: c.district.clone(),
            deliverable: c.deliverable.clone(),
            status: c.status.map(Into::into),
        }
    }
}

/// The snake_case name serde gives a unit variant of a core enum.
fn snake<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An update the fold used.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CountedUpdateDto {
    /// The event that made it (the update, or the correction whose replacement it is).
    pub event: EventRefDto,
    /// For a replacement: the id of the update its correction voided.
    pub replaces: Option<Uuid>,
    /// What it contributes.
    pub contribution: ContributedDto,
    /// What the fold did with it: `summed`, `latest`, `superseded`, `district_only`,
    /// `district_sum`, `reached`, `already_reached` or `unused` (see docs/explain.md).
    pub role: String,
    /// With `effective` asked for: recorded on a later day (Asia/Shanghai) than that date.
    pub arrived_after_effective: bool,
}

impl From<&CountedUpdate> for CountedUpdateDto {
    fn from(c: &CountedUpdate) -> Self {
        Self {
            event: (&c.event).into(),
            replaces: c.replaces,
            contribution: (&c.contribution).into(),
            role: snake::<Role>(&c.role),
            arrived_after_effective: c.arrived_after_effective,
        }
    }
}

/// An update a correction voided.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct VoidedUpdateDto {
    /// The event that made it.
    pub event: EventRefDto,
    /// What it contributed.
    pub contribution: ContributedDto,
    /// The correction.
    pub voided_by: EventRefDto,
    /// The correction's reason.
    pub reason: String,
    /// Whether the correction carries a replacement.
    pub replaced: bool,
}

impl From<&VoidedUpdate> for VoidedUpdateDto {
    fn from(v: &VoidedUpdate) -> Self {
        Self {
            event: (&v.event).into(),
            contribution: (&v.contribution).into(),
            voided_by: (&v.voided_by).into(),
            reason: v.reason.clone(),
            replaced: v.replaced,
        }
    }
}

/// The target in force and the event that set it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TargetInForceDto {
    /// The target (none: no numeric target).
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// The definition or the latest target revision.
    pub set_by: Option<EventRefDto>,
    /// The revision's reason.
    pub reason: Option<String>,
    /// Target revisions in force since the target was last defined.
    pub revisions: usize,
}

impl From<&TargetInForce> for TargetInForceDto {
    fn from(t: &TargetInForce) -> Self {
        Self {
            value: num(t.value),
            set_by: t.set_by.as_ref().map(Into::into),
            reason: t.reason.clone(),
            revisions: t.revisions,
        }
    }
}

/// One input of a weighted mean.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TermDto {
    /// Whose completion.
    pub subject: SubjectDto,
    /// Its capped completion.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Its weight.
    #[schema(value_type = f64)]
    pub weight: Num,
}

impl From<&Term> for TermDto {
    fn from(t: &Term) -> Self {
        Self {
            subject: (&t.subject).into(),
            completion: Num(t.completion),
            weight: Num(t.weight),
        }
    }
}

/// One step of the arithmetic. `op` names it; the other fields are those of the step (left out
/// when it has none): `sum` (terms, value), `latest` (effective, value), `district` (district,
/// terms, sum, needed, met), `count` (of, value), `status` (status, value), `ratio`
/// (numerator, denominator, result), `level` (rule, direction, value, target, baseline,
/// numerator, denominator, result), `no_completion`, `cap` (raw, capped), `mean` (terms,
/// weighted_sum, total_weight, value), `schedule` (capped, started, elapsed, status).
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct StepDto {
    /// The operation.
    pub op: String,
    /// `sum`, `district`: how many updates; `mean`: its inputs are in `inputs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<usize>,
    /// `mean`: each child's capped completion and weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<TermDto>>,
    /// The step's value (`sum`, `latest`, `count`, `status`, `level`: the value measured, `mean`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// `latest`: the effective date of the update taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// `district`: which.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// `district`: its sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub sum: Option<Num>,
    /// `district`: the per-district target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub needed: Option<Num>,
    /// `district`: whether sum ≥ needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    /// `count`: `districts_met` or `deliverables_reached`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// `status`: the status in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reported: Option<ItemStatusDto>,
    /// `ratio`, `level`: numerator.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub numerator: Option<Num>,
    /// `ratio`, `level`: denominator.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub denominator: Option<Num>,
    /// `ratio`, `level`: the quotient, rounded to 6 places (`ratio`: left out when the
    /// denominator is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub result: Option<Num>,
    /// `level`: which rule (`up_from_baseline`, `share_of_target`, `down_from_baseline`,
    /// `under_ceiling`, `ceiling_over_value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `level`: direction of the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<DirectionDto>,
    /// `level`: the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// `level`: the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<Num>,
    /// `cap`: the raw completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub raw: Option<Num>,
    /// `cap`, `schedule`: the capped completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub capped: Option<Num>,
    /// `mean`: Σ completion × weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub weighted_sum: Option<Num>,
    /// `mean`: Σ weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub total_weight: Option<Num>,
    /// `schedule`: whether any update counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    /// `schedule`: share of the plan period elapsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub elapsed: Option<Num>,
    /// `schedule`: the status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleDto>,
}

impl From<&Step> for StepDto {
    fn from(step: &Step) -> Self {
        let op = |name: &str| StepDto {
            op: name.to_owned(),
            ..StepDto::default()
        };
        match step {
            Step::Sum { terms, value } => StepDto {
                terms: Some(*terms),
                value: Some(Num(*value)),
                ..op("sum")
            },
            Step::Latest { effective, value } => StepDto {
                effective: effective.map(|d| d.to_string()),
                value: num(*value),
                ..op("latest")
            },
            Step::District {
                district,
                terms,
                sum,
                needed,
                met,
            } => StepDto {
                district: Some(district.clone()),
                terms: Some(*terms),
                sum: Some(Num(*sum)),
                needed: Some(Num(*needed)),
                met: Some(*met),
                ..op("district")
            },
            Step::Count { of, value } => StepDto {
                of: Some(snake::<Counted>(of)),
                value: Some(Num(*value)),
                ..op("count")
            },
            Step::Status { status, value } => StepDto {
                status_reported: Some((*status).into()),
                value: Some(Num(*value)),
                ..op("status")
            },
            Step::Ratio {
                numerator,
                denominator,
                result,
            } => StepDto {
                numerator: Some(Num(*numerator)),
                denominator: Some(Num(*denominator)),
                result: num(*result),
                ..op("ratio")
            },
            Step::Level {
                rule,
                direction,
                value,
                target,
                baseline,
                numerator,
                denominator,
                result,
            } => StepDto {
                rule: Some(snake::<LevelRule>(rule)),
                direction: Some((*direction).into()),
                value: Some(Num(*value)),
                target: Some(Num(*target)),
                baseline: num(*baseline),
                numerator: Some(Num(*numerator)),
                denominator: Some(Num(*denominator)),
                result: Some(Num(*result)),
                ..op("level")
            },
            Step::NoCompletion => op("no_completion"),
            Step::Cap { raw, capped } => StepDto {
                raw: Some(Num(*raw)),
                capped: Some(Num(*capped)),
                ..op("cap")
            },
            Step::Mean {
                terms,
                weighted_sum,
                total_weight,
                value,
            } => StepDto {
                inputs: Some(terms.iter().map(Into::into).collect()),
                weighted_sum: Some(Num(*weighted_sum)),
                total_weight: Some(Num(*total_weight)),
                value: Some(Num(*value)),
                ..op("mean")
            },
            Step::Schedule {
                capped,
                started,
                elapsed,
                status,
            } => StepDto {
                capped: Some(Num(*capped)),
                started: Some(*started),
                elapsed: Some(Num(*elapsed)),
                schedule: Some((*status).into()),
                ..op("schedule")
            },
        }
    }
}

/// Where one indicator's figures come from.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IndicatorExplanationDto {
    /// Indicator id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Kind.
    pub kind: KindDto,
    /// Unit.
    pub unit: String,
    /// Direction of the target.
    pub direction: DirectionDto,
    /// Baseline.
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<Num>,
    /// Weight in its item's mean.
    #[schema(value_type = f64)]
    pub weight: Num,
    /// The target in force.
    pub target: TargetInForceDto,
    /// The retirement, if retired: a retired indicator is in no rollup.
    pub retired: Option<EventRefDto>,
    /// Every update the fold used, in log order.
    pub counted: Vec<CountedUpdateDto>,
    /// Updates voided by a correction, in log order.
    pub voided: Vec<VoidedUpdateDto>,
    /// Updates recorded by then about a later date than `effective`: not counted.
    pub effective_later: usize,
    /// The arithmetic, in order.
    pub steps: Vec<StepDto>,
    /// The value.
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// Completion capped at 1.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Completion uncapped.
    #[schema(value_type = f64)]
    pub completion_raw: Num,
    /// Schedule status.
    pub status: ScheduleDto,
}

impl From<&IndicatorExplanation> for IndicatorExplanationDto {
    fn from(i: &IndicatorExplanation) -> Self {
        Self {
            id: i.id.clone(),
            title: i.title.clone(),
            task: i.task,
            item: i.item,
            kind: i.kind.into(),
            unit: i.unit.clone(),
            direction: i.direction.into(),
            baseline: num(i.baseline),
            weight: Num(i.weight),
            target: (&i.target).into(),
            retired: i.retired.as_ref().map(Into::into),
            counted: i.counted.iter().map(Into::into).collect(),
            voided: i.voided.iter().map(Into::into).collect(),
            effective_later: i.effective_later,
            steps: i.steps.iter().map(Into::into).collect(),
            value: num(i.value),
            completion: Num(i.completion.capped),
            completion_raw: Num(i.completion.raw),
            status: i.status.into(),
        }
    }
}

/// How a rollup's figure comes from its children.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RollupExplanationDto {
    /// The item, task, category, part or plan.
    pub subject: SubjectDto,
    /// Its title.
    pub title: String,
    /// The mean of its children, then its schedule status (the plan has none).
    pub steps: Vec<StepDto>,
    /// Its completion.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Its schedule status.
    pub status: Option<ScheduleDto>,
}

impl From<&RollupExplanation> for RollupExplanationDto {
    fn from(r: &RollupExplanation) -> Self {
        Self {
            subject: (&r.subject).into(),
            title: r.title.clone(),
            steps: r.steps.iter().map(Into::into).collect(),
            completion: Num(r.completion),
            status: r.status.map(Into::into),
        }
    }
}

/// The share of the plan period elapsed on the day the schedule is judged on.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ElapsedDto {
    /// First day of the period.
    pub start: String,
    /// Last day of the period.
    pub end: String,
    /// The day judged on.
    pub day: String,
    /// Days of the period up to and including that day.
    pub days_elapsed: i64,
    /// Days of the period.
    pub days: i64,
    /// days_elapsed / days, rounded to 6 places.
    #[schema(value_type = f64)]
    pub share: Num,
}

impl From<&Elapsed> for ElapsedDto {
    fn from(e: &Elapsed) -> Self {
        Self {
            start: e.start.to_string(),
            end: e.end.to_string(),
            day: e.day.to_string(),
            days_elapsed: e.days_elapsed,
            days: e.days,
            share: Num(e.share),
        }
    }
}

/// Where a figure comes from: the events, the arithmetic, the rollups and the head.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ExplanationDto {
    /// The recorded-at cutoff asked for (RFC 3339), or now.
    pub as_of: String,
    /// The business-date cutoff, if one was asked for.
    pub effective: Option<String>,
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// What is explained.
    pub scope: SubjectDto,
    /// The head the figures were computed from: the last event folded.
    pub head: HeadDto,
    /// Recorded-at of that event.
    pub recorded_through: Option<String>,
    /// The schedule, as judged.
    pub elapsed: ElapsedDto,
    /// The indicators in scope, in plan order (retired ones last).
    pub indicators: Vec<IndicatorExplanationDto>,
    /// The rollups in scope and above it, from the items up to the plan.
    pub rollups: Vec<RollupExplanationDto>,
}

impl ExplanationDto {
    /// The explanation as JSON; `as_of` is the recorded-at cutoff it was computed for.
    pub fn new(e: &Explanation, as_of: jiff::Timestamp) -> Self {
        Self {
            as_of: as_of.to_string(),
            effective: e.effective.map(|d| d.to_string()),
            plan: e.plan.clone(),
            title: e.title.clone(),
            scope: (&e.scope).into(),
            head: e.head.into(),
            recorded_through: e.recorded_through.map(|t| t.to_string()),
            elapsed: (&e.elapsed).into(),
            indicators: e.indicators.iter().map(Into::into).collect(),
            rollups: e.rollups.iter().map(Into::into).collect(),
        }
    }
}

/// A subject's figures at one time.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FigureDto {
    /// The value (indicators only).
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// The target in force (indicators only).
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// Capped completion.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Schedule status (none for the plan).
    pub status: Option<ScheduleDto>,
}

impl From<&Figure> for FigureDto {
    fn from(f: &Figure) -> Self {
        Self {
            value: num(f.value),
            target: num(f.target),
            completion: Num(f.completion),
            status: f.status.map(Into::into),
        }
    }
}

/// An update a correction took out, which counted at the earlier time.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct VoidedDto {
    /// The event that made it.
    pub event: EventRefDto,
    /// What it contributed.
    pub contribution: ContributedDto,
}

/// A target before and after.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TargetChangeDto {
    /// Before.
    #[schema(value_type = Option<f64>)]
    pub before: Option<Num>,
    /// After.
    #[schema(value_type = Option<f64>)]
    pub after: Option<Num>,
}

/// One cause of a change: an event recorded between the two times.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CauseDto {
    /// `late_report`, `correction`, `target_revised`, `indicator_added`,
    /// `indicator_retired`, `redefined` or `plan_redefined`.
    pub kind: String,
    /// The event.
    pub event: EventRefDto,
    /// What it adds: a late report's update, or a correction's replacement when it counts.
    pub contribution: Option<ContributedDto>,
    /// A correction's voided update, which counted at the earlier time.
    pub voids: Option<VoidedDto>,
    /// A target revision's (or redefinition's) target change.
    pub target: Option<TargetChangeDto>,
    /// The event's reason.
    pub reason: Option<String>,
}

impl From<&Cause> for CauseDto {
    fn from(c: &Cause) -> Self {
        Self {
            kind: snake::<CauseKind>(&c.kind),
            event: (&c.event).into(),
            contribution: c.contribution.as_ref().map(Into::into),
            voids: c.voids.as_ref().map(|v| VoidedDto {
                event: (&v.event).into(),
                contribution: (&v.contribution).into(),
            }),
            target: c.target.as_ref().map(|t| TargetChangeDto {
                before: num(t.before),
                after: num(t.after),
            }),
            reason: c.reason.clone(),
        }
    }
}

/// One figure that changed.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RestatementDto {
    /// Whose figure.
    pub subject: SubjectDto,
    /// Its title.
    pub title: String,
    /// At the earlier time (none: not in the view then).
    pub before: Option<FigureDto>,
    /// At the later time (none: no longer in the view).
    pub after: Option<FigureDto>,
    /// The events that caused it (an indicator's; a rollup's only when no restated indicator
    /// lies under it).
    pub causes: Vec<CauseDto>,
    /// For a rollup: the restated indicators under it.
    pub indicators: Vec<String>,
}

impl From<&Restatement> for RestatementDto {
    fn from(r: &Restatement) -> Self {
        Self {
            subject: (&r.subject).into(),
            title: r.title.clone(),
            before: r.before.as_ref().map(Into::into),
            after: r.after.as_ref().map(Into::into),
            causes: r.causes.iter().map(Into::into).collect(),
            indicators: r.indicators.clone(),
        }
    }
}

/// How the figures for one effective date changed between two recorded times.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RestatementsDto {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// The date whose figures are compared (also the day the schedule is judged on).
    pub effective: String,
    /// The head of the earlier figures.
    pub from: HeadDto,
    /// Recorded-at of its last event.
    pub from_recorded_through: Option<String>,
    /// The head of the later figures.
    pub to: HeadDto,
    /// Recorded-at of its last event.
    pub to_recorded_through: Option<String>,
    /// Every figure that changed: rollups, then indicators.
    pub changes: Vec<RestatementDto>,
}

impl From<&Restatements> for RestatementsDto {
    fn from(r: &Restatements) -> Self {
        Self {
            plan: r.plan.clone(),
            title: r.title.clone(),
            effective: r.effective.to_string(),
            from: r.from.into(),
            from_recorded_through: r.from_recorded_through.map(|t| t.to_string()),
            to: r.to.into(),
            to_recorded_through: r.to_recorded_through.map(|t| t.to_string()),
            changes: r.changes.iter().map(Into::into).collect(),
        }
    }
}
