//! The 督查通报 of the page's moment, to download: `GET /report?format=markdown|csv` with the
//! page's `as_of` and `effective`. The report is the core's ([`progress_ledger_core::Tracker::report`]),
//! the text `/v1/report` answers, but also as recorded at a time, which the API's report does not
//! take.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use progress_ledger_core::{plan_date, today};

use crate::Pages;
use crate::query::{Moment, PageParams};

/// The date a moment's report is about: the "as effective on" date, else the day of the "as
/// recorded at" time, else today (Asia/Shanghai).
pub(crate) fn report_date(moment: &Moment) -> jiff::civil::Date {
    moment
        .effective
        .or_else(|| moment.as_of.map(plan_date))
        .unwrap_or_else(today)
}

/// `GET /report`.
pub(crate) async fn download(
    State(pages): State<Pages>,
    Query(params): Query<PageParams>,
) -> Response {
    let moment = match Moment::of(&params) {
        Ok(moment) => moment,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let format = params.format.clone().unwrap_or_else(|| "markdown".into());
    let (kind, extension) = match format.as_str() {
        "markdown" | "md" => ("text/markdown; charset=utf-8", "md"),
        "csv" => ("text/csv; charset=utf-8", "csv"),
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("格式 {other:?} 不可用：markdown 或 csv (format must be markdown or csv)"),
            )
                .into_response();
        }
    };
    let date = report_date(&moment);
    let tracker = pages.tracker.clone();
    let made = tokio::task::spawn_blocking(move || tracker.report(None, date, moment.as_of)).await;
    match made {
        Ok(Ok(report)) => {
            let text = if extension == "md" {
                report.to_markdown()
            } else {
                report.to_csv()
            };
            let disposition = format!("attachment; filename=\"report-{date}.{extension}\"");
            (
                [
                    (CONTENT_TYPE, kind.to_owned()),
                    (CONTENT_DISPOSITION, disposition),
                ],
                text,
            )
                .into_response()
        }
        Ok(Err(error)) => (
            StatusCode::NOT_FOUND,
            format!("无法生成通报 (no report): {error}"),
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the report failed").into_response(),
    }
}
