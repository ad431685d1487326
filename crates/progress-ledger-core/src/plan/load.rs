//! Loading a plan into a ledger as definition events: idempotent, and atomic (one batch).
//!
//! The ledger's current definitions of the plan are read back from its streams (`plan/<id>` and
//! `indicator/<id>`) and compared with the plan:
//!
//! - a new or changed outline (the plan without indicators) → `PlanDefined`;
//! - a new indicator, or one changed in anything but its target → `IndicatorDefined`;
//! - an indicator whose target alone changed → `TargetRevised` (reason [`PLAN_FILE_CHANGED`]);
//! - an indicator of this plan that the plan no longer has → `IndicatorRetired`
//!   (reason [`REMOVED_FROM_PLAN`]);
//! - nothing, when everything matches: loading the same plan twice writes nothing.
//!
//! ```
//! use progress_ledger_core::Ledger;
//! use progress_ledger_core::plan::{hefei_2023, load_plan};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let ledger = Ledger::open(dir.path())?;
//! let plan = hefei_2023()?;
//! let first = load_plan(&ledger, &plan, "市政务服务局", None)?;
//! assert_eq!(first.plan_defined, 1);
//! assert!(load_plan(&ledger, &plan, "市政务服务局", None)?.is_empty());
//! # Ok(())
//! # }
//! ```

use jiff::civil::Date;

use super::check::validate_plan;
#[cfg(doc)]
use super::definitions::PLAN_FILE_CHANGED;
#[cfg(doc)]
use super::definitions::REMOVED_FROM_PLAN;
use super::definitions::definition_events;
use crate::error::Result;
use crate::event::{NewEvent, Payload, StreamId};
use crate::plan::Plan;
use crate::projection::{Catalog, indicator_id};
use crate::store::{Appended, Ledger};

/// What loading a plan wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadSummary {
    /// `PlanDefined` events written (0 or 1).
    pub plan_defined: usize,
    /// `IndicatorDefined` events written (new or changed indicators).
    pub indicators_defined: usize,
    /// `TargetRevised` events written (indicators whose target alone changed).
    pub targets_revised: usize,
    /// `IndicatorRetired` events written (indicators the plan no longer has).
    pub indicators_retired: usize,
    /// The events as recorded, in order (empty when nothing changed).
    pub appended: Vec<Appended>,
}

impl LoadSummary {
    /// Number of events written.
    pub fn written(&self) -> usize {
        self.plan_defined + self.indicators_defined + self.targets_revised + self.indicators_retired
    }

    /// Whether nothing was written (the ledger already matched the plan).
    pub fn is_empty(&self) -> bool {
        self.written() == 0
    }
}

/// Loads `plan` into `ledger`: writes, in one atomic batch, the events that make the ledger's
/// definitions match the plan (see the module docs), and nothing if they already do.
///
/// `actor` records who loaded it; `effective` is the business date of the events (default: the
/// plan's issue date). The plan is checked first ([`validate_plan`]). Every event expects its
/// stream to be at the version that was read, so a concurrent change to the same streams makes
/// the load fail with [`crate::Error::VersionConflict`] (nothing written) rather than write on
/// stale information; load again to retry.
pub fn load_plan(
    ledger: &Ledger,
    plan: &Plan,
    actor: &str,
    effective: Option<Date>,
) -> Result<LoadSummary> {
    let events = load_events(ledger, plan, actor, effective)?;
    let mut summary = LoadSummary::default();
    for event in &events {
        match event.payload {
            Payload::PlanDefined(_) => summary.plan_defined += 1,
            Payload::IndicatorDefined { .. } => summary.indicators_defined += 1,
            Payload::TargetRevised { .. } => summary.targets_revised += 1,
            Payload::IndicatorRetired { .. } => summary.indicators_retired += 1,
            _ => {}
        }
    }
    if !events.is_empty() {
        summary.appended = ledger.append_batch(events)?;
    }
    Ok(summary)
}

/// The events [`load_plan`] would write, without writing them (a dry run).
pub fn load_events(
    ledger: &Ledger,
    plan: &Plan,
    actor: &str,
    effective: Option<Date>,
) -> Result<Vec<NewEvent>> {
    validate_plan(plan)?;
    let effective = effective.unwrap_or(plan.issued);

    // The ledger's definitions of this plan, folded from its streams, and the version each
    // stream was read at.
    let mut catalog = Catalog::default();
    let mut read = std::collections::BTreeMap::new();
    let mut fold = |stream: StreamId| -> Result<()> {
        let events = ledger.read_stream(&stream, 0, usize::MAX)?;
        for event in &events {
            catalog.apply(event);
        }
        read.insert(stream, events.last().map_or(0, |e| e.version));
        Ok(())
    };
    fold(StreamId::plan(&plan.id)?)?;
    let ids: std::collections::BTreeSet<&str> = plan
        .indicators()
        .map(|(_, _, spec)| spec.id.as_str())
        .collect();
    for id in &ids {
        fold(StreamId::indicator(id)?)?;
    }
    // Indicators the ledger has that the plan does not: any of this plan's must be retired.
    // Only streams first defined for this plan are read in full.
    for (stream, _) in ledger.streams() {
        if indicator_id(stream.as_str()).is_none_or(|id| ids.contains(id)) {
            continue;
        }
        let first = ledger.read_stream(&stream, 0, 1)?;
        let ours = first.first().is_some_and(
            |e| matches!(&e.payload, Payload::IndicatorDefined { plan: p, .. } if *p == plan.id),
        );
        if ours {
            fold(stream)?;
        }
    }

    let mut events = definition_events(&catalog, plan, actor)?;
    for event in &mut events {
        event.effective = effective;
        event.expected_version = Some(read.get(&event.stream).copied().unwrap_or(0));
    }
    Ok(events)
}
