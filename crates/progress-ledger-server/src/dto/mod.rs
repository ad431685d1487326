//! The JSON shapes of the API. They live only in the server crate and are converted to and from
//! core types explicitly; the core knows nothing of them.
//!
//! Conventions: snake_case field names; dates `YYYY-MM-DD`; times RFC 3339 (UTC); completions
//! are fractions (0.6875 means 68.75%); values, targets and deltas are JSON numbers (the nearest
//! double to the exact decimal the ledger keeps).

mod event;
mod explain;
mod plan;
mod progress;
pub mod request;
pub(crate) mod schema;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

pub use event::{
    AppendedDto, DefinitionDto, EventDto, HistoryDto, LogPage, ReplacementDto, TrailStepDto,
    UpdateFieldsDto, update_type,
};
pub use explain::{
    CauseDto, ContributedDto, CountedUpdateDto, ElapsedDto, EventRefDto, ExplanationDto, FigureDto,
    IndicatorExplanationDto, RestatementDto, RestatementsDto, RollupExplanationDto, StepDto,
    SubjectDto, TargetChangeDto, TargetInForceDto, TermDto, VoidedDto, VoidedUpdateDto,
};
pub use plan::{
    CategoryDto, DistrictDto, IndicatorDto, ItemDto, PartDto, PlanDto, TaskDto, UnitDto,
};
pub use progress::{
    CountsDto, DistrictValueDto, DistrictViewDto, IndicatorProgressDto, ItemProgressDto,
    NodeProgressDto, PlanProgressDto, ProgressDto, ReportDto, ReportItemDto, RestatedDto,
    TaskProgressDto, UnitProgressDto, UnitReportDto,
};
pub use request::{
    CheckedRequest, NewEventRequest, PlainFields, Replacement, ReplacementRequest, Update,
    UpdateType,
};

/// An exact decimal, written to JSON as the nearest number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Num(pub Decimal);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Through the decimal text, so that the double is the one nearest to the exact value
        // (and serde_json prints it back as that text when it has few enough digits).
        let exact = self.0.normalize();
        if exact.scale() == 0
            && let Ok(whole) = i64::try_from(exact)
        {
            return serializer.serialize_i64(whole);
        }
        let text = exact.to_string();
        match text.parse::<f64>() {
            Ok(number) => serializer.serialize_f64(number),
            Err(_) => serializer.serialize_str(&text),
        }
    }
}

/// An optional [`Num`].
pub fn num(value: Option<Decimal>) -> Option<Num> {
    value.map(Num)
}

/// The kind of an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindDto {
    /// Events add deltas; value = sum; completion = value / target.
    Cumulative,
    /// Events are measurements; value = the latest by effective date.
    Level,
    /// Per-district deltas; completion = districts meeting the target / districts.
    Coverage,
    /// Named deliverables; completion = done / total.
    Milestones,
    /// Not started / in progress / done.
    Status,
}

impl From<progress_ledger_core::plan::IndicatorKind> for KindDto {
    fn from(kind: progress_ledger_core::plan::IndicatorKind) -> Self {
        use progress_ledger_core::plan::IndicatorKind as K;
        match kind {
            K::Cumulative => Self::Cumulative,
            K::Level => Self::Level,
            K::Coverage => Self::Coverage,
            K::Milestones => Self::Milestones,
            K::Status => Self::Status,
        }
    }
}

/// Whether the target is a floor or a ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionDto {
    /// The value must reach the target or more.
    AtLeast,
    /// The value must stay at or below the target.
    AtMost,
}

impl From<progress_ledger_core::plan::Direction> for DirectionDto {
    fn from(direction: progress_ledger_core::plan::Direction) -> Self {
        match direction {
            progress_ledger_core::plan::Direction::AtLeast => Self::AtLeast,
            progress_ledger_core::plan::Direction::AtMost => Self::AtMost,
        }
    }
}

/// Schedule status against the share of the plan period elapsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleDto {
    /// Target met.
    Met,
    /// Completion at or above the share of the period elapsed.
    OnTrack,
    /// Completion below it.
    Behind,
    /// Nothing reported yet.
    NotStarted,
}

impl From<progress_ledger_core::projection::Schedule> for ScheduleDto {
    fn from(schedule: progress_ledger_core::projection::Schedule) -> Self {
        use progress_ledger_core::projection::Schedule as S;
        match schedule {
            S::Met => Self::Met,
            S::OnTrack => Self::OnTrack,
            S::Behind => Self::Behind,
            S::NotStarted => Self::NotStarted,
        }
    }
}

/// The status of a status indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatusDto {
    /// Not started.
    NotStarted,
    /// In progress.
    InProgress,
    /// Done.
    Done,
}

impl From<progress_ledger_core::plan::ItemStatus> for ItemStatusDto {
    fn from(status: progress_ledger_core::plan::ItemStatus) -> Self {
        use progress_ledger_core::plan::ItemStatus as S;
        match status {
            S::NotStarted => Self::NotStarted,
            S::InProgress => Self::InProgress,
            S::Done => Self::Done,
        }
    }
}

/// The Merkle tree an answer was computed from: the tree of the first `size` events of the log
/// (for a projection at seq N, the tree of size N). A signed checkpoint of that size has this
/// root; `GET /v1/proofs/consistency` links it to any later checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TreeHeadDto {
    /// Number of events in the tree.
    pub size: u64,
    /// Its RFC 6962 root hash, standard base64 (as in a checkpoint).
    pub root: String,
}

impl TreeHeadDto {
    /// The tree of the first `size` events of `ledger`; `None` if the tree cannot be read now
    /// (see [`progress_ledger_core::Ledger::tree_problem`]).
    pub fn of(ledger: &progress_ledger_core::Ledger, size: u64) -> Option<Self> {
        match ledger.tree_root(size) {
            Ok(root) => Some(Self {
                size,
                root: root.to_base64(),
            }),
            Err(error) => {
                tracing::warn!(%error, size, "no tree root for an answer");
                None
            }
        }
    }
}

/// A chain position: sequence number and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct HeadDto {
    /// Sequence number of the last event covered (0: empty).
    pub seq: u64,
    /// Its SHA-256, 64 hex digits.
    pub hash: String,
}

impl From<progress_ledger_core::Head> for HeadDto {
    fn from(head: progress_ledger_core::Head) -> Self {
        Self {
            seq: head.seq,
            hash: head.hash.to_hex(),
        }
    }
}
