//! Progress and the supervision report as JSON.

use progress_ledger_core::projection::{
    DistrictView, IndicatorView, ItemView, NodeView, ProgressView, Report, ReportItem,
    StatusCounts, UnitReport, UnitView,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{DirectionDto, HeadDto, KindDto, Num, RestatementsDto, ScheduleDto};

/// The plan's overall completion.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PlanProgressDto {
    /// Plan id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Mean capped completion of the parts (a fraction: 0.6875 means 68.75%).
    #[schema(value_type = f64)]
    pub completion: Num,
}

/// One indicator's value and completion.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IndicatorProgressDto {
    /// Indicator id.
    pub id: String,
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: KindDto,
    /// Unit.
    pub unit: String,
    /// Current value (sum, latest measurement, districts meeting, deliverables done, status).
    #[schema(value_type = Option<f64>)]
    pub value: Option<Num>,
    /// Target in force.
    #[schema(value_type = Option<f64>)]
    pub target: Option<Num>,
    /// Direction.
    pub direction: DirectionDto,
    /// Baseline.
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<Num>,
    /// Completion capped at 1.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Completion uncapped (can pass 1).
    #[schema(value_type = f64)]
    pub completion_raw: Num,
    /// Schedule status.
    pub status: ScheduleDto,
    /// Updates that count.
    pub updates: usize,
}

impl From<&IndicatorView> for IndicatorProgressDto {
    fn from(view: &IndicatorView) -> Self {
        Self {
            id: view.id.clone(),
            task: view.task,
            item: view.item,
            title: view.title.clone(),
            kind: view.kind.into(),
            unit: view.unit.clone(),
            value: view.value.map(Num),
            target: view.target.map(Num),
            direction: view.direction.into(),
            baseline: view.baseline.map(Num),
            completion: Num(view.completion.capped),
            completion_raw: Num(view.completion.raw),
            status: view.status.into(),
            updates: view.updates,
        }
    }
}

/// An item's rolled-up completion.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ItemProgressDto {
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Lead units.
    pub lead_units: Vec<String>,
    /// Cooperating units.
    pub cooperating_units: Vec<String>,
    /// Weighted mean capped completion of its indicators.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Schedule status.
    pub status: ScheduleDto,
    /// Its indicators' ids.
    pub indicators: Vec<String>,
}

impl From<&ItemView> for ItemProgressDto {
    fn from(view: &ItemView) -> Self {
        Self {
            task: view.task,
            item: view.item,
            title: view.title.clone(),
            lead_units: view.lead_units.clone(),
            cooperating_units: view.cooperating_units.clone(),
            completion: Num(view.completion),
            status: view.status.into(),
            indicators: view.indicators.clone(),
        }
    }
}

/// A task's rolled-up completion.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TaskProgressDto {
    /// Task number.
    pub task: u32,
    /// Title.
    pub title: String,
    /// Mean capped completion of its items.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Schedule status.
    pub status: ScheduleDto,
}

impl From<&NodeView> for TaskProgressDto {
    fn from(view: &NodeView) -> Self {
        Self {
            task: view.number,
            title: view.title.clone(),
            completion: Num(view.completion),
            status: view.status.into(),
        }
    }
}

/// A part's or category's rolled-up completion.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct NodeProgressDto {
    /// Number.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Mean capped completion of its children.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Schedule status.
    pub status: ScheduleDto,
}

impl From<&NodeView> for NodeProgressDto {
    fn from(view: &NodeView) -> Self {
        Self {
            number: view.number,
            title: view.title.clone(),
            completion: Num(view.completion),
            status: view.status.into(),
        }
    }
}

/// Items by schedule status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CountsDto {
    /// Met.
    pub met: usize,
    /// On track.
    pub on_track: usize,
    /// Behind.
    pub behind: usize,
    /// Not started.
    pub not_started: usize,
}

impl From<StatusCounts> for CountsDto {
    fn from(counts: StatusCounts) -> Self {
        Self {
            met: counts.met,
            on_track: counts.on_track,
            behind: counts.behind,
            not_started: counts.not_started,
        }
    }
}

/// A lead unit's items.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct UnitProgressDto {
    /// Canonical unit name.
    pub unit: String,
    /// Items it leads.
    pub items: usize,
    /// Mean capped completion of those items.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Its items by status.
    pub counts: CountsDto,
}

impl From<&UnitView> for UnitProgressDto {
    fn from(view: &UnitView) -> Self {
        Self {
            unit: view.unit.clone(),
            items: view.items,
            completion: Num(view.completion),
            counts: view.counts.into(),
        }
    }
}

/// One indicator's value in one district.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DistrictValueDto {
    /// Indicator id.
    pub id: String,
    /// Value there.
    #[schema(value_type = f64)]
    pub value: Num,
    /// For coverage: whether the district meets the per-district target.
    pub met: Option<bool>,
}

/// What was reported for one district.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DistrictViewDto {
    /// District.
    pub district: String,
    /// Its indicators.
    pub indicators: Vec<DistrictValueDto>,
}

impl From<&DistrictView> for DistrictViewDto {
    fn from(view: &DistrictView) -> Self {
        Self {
            district: view.district.clone(),
            indicators: view
                .indicators
                .iter()
                .map(|v| DistrictValueDto {
                    id: v.id.clone(),
                    value: Num(v.value),
                    met: v.met,
                })
                .collect(),
        }
    }
}

/// Progress of the plan at one point of the log and the calendar.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ProgressDto {
    /// The recorded-at cutoff of the view (RFC 3339): the `as_of` asked for, or now.
    pub as_of: String,
    /// The business-date cutoff (`YYYY-MM-DD`), if the view is "as effective on".
    pub effective: Option<String>,
    /// The day the schedule is judged on.
    pub schedule_date: String,
    /// Share of the plan period elapsed on that day.
    #[schema(value_type = f64)]
    pub elapsed: Num,
    /// Events folded: the log up to this sequence number.
    pub seq: u64,
    /// The plan and its completion.
    pub plan: PlanProgressDto,
    /// Every indicator.
    pub indicators: Vec<IndicatorProgressDto>,
    /// Every item.
    pub items: Vec<ItemProgressDto>,
    /// Every task.
    pub tasks: Vec<TaskProgressDto>,
    /// Every category.
    pub categories: Vec<NodeProgressDto>,
    /// Every part.
    pub parts: Vec<NodeProgressDto>,
    /// Per lead unit.
    pub units: Vec<UnitProgressDto>,
    /// Per district.
    pub districts: Vec<DistrictViewDto>,
    /// The Merkle tree of the events folded (size `seq`); null if it cannot be read now.
    pub checkpoint: Option<super::TreeHeadDto>,
}

impl ProgressDto {
    /// The view as JSON; `as_of` is the recorded-at cutoff it was built for.
    pub fn new(view: &ProgressView, as_of: jiff::Timestamp) -> Self {
        Self {
            as_of: as_of.to_string(),
            effective: view.effective.map(|d| d.to_string()),
            schedule_date: view.schedule_date.to_string(),
            elapsed: Num(view.elapsed),
            seq: view.seq,
            plan: PlanProgressDto {
                id: view.plan.clone(),
                title: view.title.clone(),
                completion: Num(view.completion),
            },
            indicators: view.indicators.iter().map(Into::into).collect(),
            items: view.items.iter().map(Into::into).collect(),
            tasks: view.tasks.iter().map(Into::into).collect(),
            categories: view.categories.iter().map(Into::into).collect(),
            parts: view.parts.iter().map(Into::into).collect(),
            units: view.units.iter().map(Into::into).collect(),
            districts: view.districts.iter().map(Into::into).collect(),
            checkpoint: None,
        }
    }

    /// The same answer, naming the Merkle tree of `ledger` it was computed from (size `seq`).
    pub fn with_tree(mut self, ledger: &progress_ledger_core::Ledger) -> Self {
        self.checkpoint = super::TreeHeadDto::of(ledger, self.seq);
        self
    }
}

/// One item of a unit's report section.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReportItemDto {
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Completion.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Schedule status.
    pub status: ScheduleDto,
}

impl From<&ReportItem> for ReportItemDto {
    fn from(item: &ReportItem) -> Self {
        Self {
            task: item.task,
            item: item.item,
            title: item.title.clone(),
            completion: Num(item.completion),
            status: item.status.into(),
        }
    }
}

/// One lead unit's section of the report.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct UnitReportDto {
    /// Canonical unit name.
    pub unit: String,
    /// Mean completion of its items.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Its items by status.
    pub counts: CountsDto,
    /// Its items, behind first.
    pub items: Vec<ReportItemDto>,
}

impl From<&UnitReport> for UnitReportDto {
    fn from(unit: &UnitReport) -> Self {
        Self {
            unit: unit.unit.clone(),
            completion: Num(unit.completion),
            counts: unit.counts.into(),
            items: unit.items.iter().map(Into::into).collect(),
        }
    }
}

/// The supervision report (督查通报) for one date.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReportDto {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// The date reported on.
    pub as_of: String,
    /// Events folded.
    pub seq: u64,
    /// The head the report was computed from (the last event folded), so that two reports can
    /// be compared later.
    pub head: HeadDto,
    /// With `since`: what changed in the earlier report's figures.
    pub restated: Option<RestatedDto>,
    /// Share of the period elapsed on that date.
    #[schema(value_type = f64)]
    pub elapsed: Num,
    /// Plan completion.
    #[schema(value_type = f64)]
    pub completion: Num,
    /// Items by status over the whole plan.
    pub counts: CountsDto,
    /// One section per lead unit, most items behind first.
    pub units: Vec<UnitReportDto>,
    /// The Merkle tree of the events folded (size `seq`); null if it cannot be read now.
    pub checkpoint: Option<super::TreeHeadDto>,
}

impl ReportDto {
    /// The same report, naming the Merkle tree of `ledger` it was computed from (size `seq`).
    pub fn with_tree(mut self, ledger: &progress_ledger_core::Ledger) -> Self {
        self.checkpoint = super::TreeHeadDto::of(ledger, self.seq);
        self
    }
}

impl From<&Report> for ReportDto {
    fn from(report: &Report) -> Self {
        Self {
            plan: report.plan.clone(),
            title: report.title.clone(),
            as_of: report.date.to_string(),
            seq: report.seq,
            head: report.head.into(),
            restated: report.restated.as_ref().map(|r| RestatedDto {
                as_of: r.as_of.to_string(),
                restatements: (&r.restatements).into(),
            }),
            elapsed: Num(report.elapsed),
            completion: Num(report.completion),
            counts: report.counts.into(),
            units: report.units.iter().map(Into::into).collect(),
            checkpoint: None,
        }
    }
}

/// The restatements section of a report: the earlier report's figures for its date, as
/// recorded when it was computed, against the same date as this report was computed.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RestatedDto {
    /// When the earlier report was computed (its recorded-at cutoff, RFC 3339).
    pub as_of: String,
    /// The changes.
    pub restatements: RestatementsDto,
}
