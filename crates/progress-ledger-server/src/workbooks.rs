//! The workbooks the server answers and the command line writes, from the same code: a unit's
//! progress sheet to fill (`GET /v1/templates/{unit}.xlsx`, `progress-ledger template`) and the
//! report (`GET /v1/report?format=xlsx`, `progress-ledger report --format xlsx`). The sheets
//! themselves are drawn by [`progress_ledger_sheets`]; this module finds what they show in the
//! ledger.

use axum::http::StatusCode;
use jiff::civil::Date;
use progress_ledger_core::projection::Report;
use progress_ledger_core::{ProgressQuery, Tracker, policy};
use progress_ledger_sheets::SheetError;

use crate::error::{ApiError, ApiResult};

/// The media type of a workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn not_written(error: SheetError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        error.code(),
        error.to_string(),
    )
}

/// The progress sheet (进度表) of `unit` (a unit of the plan in force, by its name or an alias,
/// or one of its districts): the indicators it may write, with their target and value now.
/// 404 `no_plan` without a plan, `unknown_unit` for a name the plan does not know.
pub fn unit_template(tracker: &Tracker, unit: &str) -> ApiResult<Vec<u8>> {
    let plan = tracker
        .with_live(|projection| {
            let catalog = projection.catalog();
            let id = catalog.plans().next().map(|p| p.id.clone())?;
            catalog.plan_in_force(&id)
        })
        .ok_or_else(|| ApiError::not_found("no_plan", "no plan is loaded in this ledger"))?;
    let known = plan
        .units
        .iter()
        .any(|u| u.name == unit || u.aliases.iter().any(|a| a == unit))
        || plan.districts.iter().any(|d| d.name == unit);
    if !known {
        let shown: String = unit.chars().take(40).collect();
        return Err(ApiError::not_found(
            "unknown_unit",
            format!("no unit or district of the plan is named {shown:?}"),
        ));
    }
    let writable: Vec<&str> = plan
        .indicators()
        .filter(|(_, item, _)| policy::writes_to(&plan, item, unit))
        .map(|(_, _, spec)| spec.id.as_str())
        .collect();
    let view = tracker.progress(&ProgressQuery::default())?;
    progress_ledger_sheets::unit_template(&plan, &view, unit, &writable).map_err(not_written)
}

/// `report` as a workbook, one sheet per view (and one for its restatements when it has them),
/// with the progress view it was computed from (computed again if an append came between the
/// two). `plan` and `date` are the report's.
pub fn report_workbook(
    tracker: &Tracker,
    plan: Option<&str>,
    date: Date,
    report: &Report,
) -> ApiResult<Vec<u8>> {
    let query = ProgressQuery {
        plan: plan.map(str::to_owned),
        as_of: None,
        effective: Some(date),
    };
    let mut view = tracker.progress(&query)?;
    if view.seq != report.seq {
        view = tracker.progress(&query)?;
    }
    progress_ledger_sheets::report_workbook(report, &view).map_err(not_written)
}
