//! The reading pages: the dashboard (the plan tree), the lead units, the districts, and one
//! indicator with its trail.
//!
//! Every figure comes from [`progress_ledger_core::Tracker::progress`] for the page's moment,
//! the same query `/v1/progress` answers, and carries its exact value in a `data-` attribute
//! beside the rounded text (the browser tests compare the two).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;
use progress_ledger_core::plan::Plan;
use progress_ledger_core::projection::{ProgressView, Schedule};
use progress_ledger_core::{Error as CoreError, Head};
use rust_decimal::Decimal;

use crate::Pages;
use crate::format::{self};
use crate::layout::{self};
use crate::query::{Moment, PageParams};

/// A page that could not be made: its status and what to tell the reader.
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl From<CoreError> for PageError {
    fn from(error: CoreError) -> Self {
        match &error {
            CoreError::Plan { .. } => Self::not_found(format!("账本中还没有这份方案：{error}")),
            CoreError::Rejected { .. } => Self::not_found(error.to_string()),
            _ => {
                tracing::error!(%error, "a page failed");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("页面生成失败 (the page failed): {error}"),
                }
            }
        }
    }
}

/// The outcome of the last verification of the chain.
#[derive(Clone, Debug)]
pub(crate) struct Verified {
    ok: bool,
    events: u64,
    head: Head,
    problem: Option<String>,
}

/// Runs `make` on the blocking pool (replays and verification read the log) and answers HTML.
pub(crate) async fn render(
    pages: Pages,
    make: impl FnOnce(&Pages) -> Result<Markup, PageError> + Send + 'static,
) -> Response {
    let simulated = pages.config.simulated;
    let outcome = tokio::task::spawn_blocking(move || {
        let made = make(&pages);
        (made, plan_title(&pages))
    })
    .await;
    match outcome {
        Ok((Ok(markup), _)) => Html(markup.into_string()).into_response(),
        Ok((Err(error), plan)) => (
            error.status,
            Html(layout::error_page(&plan, simulated, &error.message).into_string()),
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page failed").into_response(),
    }
}

fn plan_title(pages: &Pages) -> String {
    pages.tracker.with_live(|p| {
        p.catalog()
            .plans()
            .next()
            .map_or_else(|| "progress-ledger".to_owned(), |plan| plan.title.clone())
    })
}

/// The progress view and the plan (the live plan's structure) for a moment.
fn view_of(pages: &Pages, moment: &Moment) -> Result<(ProgressView, Plan), PageError> {
    let view = pages.tracker.progress(&moment.query())?;
    let plan = pages
        .tracker
        .with_live(|p| p.catalog().plan(&view.plan).cloned())
        .ok_or_else(|| PageError::not_found("账本中还没有这份方案 (no plan is loaded)"))?;
    Ok((view, plan))
}

fn moment_of(params: &PageParams) -> Result<Moment, PageError> {
    Moment::of(params).map_err(PageError::bad_request)
}

/// The verification of the whole chain, kept until the head moves.
fn verification(pages: &Pages) -> Verified {
    let ledger = pages.tracker.ledger();
    let seq = ledger.len();
    {
        let kept = pages.verified.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, verified)) = kept.as_ref()
            && *at == seq
        {
            return verified.clone();
        }
    }
    let verified = match ledger.verify() {
        Ok(report) => Verified {
            ok: report.ok(),
            events: report.events,
            head: report.head,
            problem: report.problem.map(|p| p.to_string()),
        },
        Err(error) => Verified {
            ok: false,
            events: 0,
            head: Head::EMPTY,
            problem: Some(error.to_string()),
        },
    };
    *pages.verified.lock().unwrap_or_else(|p| p.into_inner()) = Some((seq, verified.clone()));
    verified
}

fn status_of(text: Option<&str>) -> Option<Schedule> {
    format::STATUSES
        .into_iter()
        .find(|s| Some(s.as_str()) == text)
}

/// Orders `rows` by completion when the query asks for it (stable: ties keep the plan order).
fn sort_by<T>(rows: &mut [T], sort: Option<&str>, completion: impl Fn(&T) -> Decimal) {
    match sort {
        Some("completion") => rows.sort_by_key(|row| completion(row)),
        Some("-completion") => rows.sort_by_key(|row| std::cmp::Reverse(completion(row))),
        _ => {}
    }
}

const SORTS: [(&str, &str); 3] = [
    ("plan", "方案顺序"),
    ("completion", "完成率从低到高"),
    ("-completion", "完成率从高到低"),
];

mod dashboard;
mod indicator;
mod units;

pub(crate) use dashboard::dashboard;
pub(crate) use indicator::indicator;
pub(crate) use units::{districts, unit, units};
