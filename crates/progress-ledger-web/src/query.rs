//! The query of every page: which moment of the log and of the calendar it shows ("as recorded
//! at", "as effective on"), and the dashboard's filter and order.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use progress_ledger_core::{PLAN_OFFSET, ProgressQuery, end_of_day};
use serde::Deserialize;

/// The query string of a page, as sent. Every field is optional; unknown ones are ignored.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct PageParams {
    /// As recorded at: RFC 3339, `YYYY-MM-DDTHH:MM[:SS]` (Asia/Shanghai, what a date-time
    /// picker sends), or `YYYY-MM-DD` (the end of that day in Asia/Shanghai).
    pub(crate) as_of: Option<String>,
    /// As effective on: `YYYY-MM-DD`.
    pub(crate) effective: Option<String>,
    /// Dashboard: words the titles must contain.
    pub(crate) q: Option<String>,
    /// Dashboard and units: only this schedule status (`behind`, `on_track`, `met`,
    /// `not_started`).
    pub(crate) status: Option<String>,
    /// Dashboard and units: `plan` (the plan's order, default), `completion` (lowest first),
    /// `-completion` (highest first).
    pub(crate) sort: Option<String>,
    /// Report: `markdown` (default) or `csv`.
    pub(crate) format: Option<String>,
}

/// The moment a page shows, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Moment {
    /// As recorded at (None: now).
    pub(crate) as_of: Option<Timestamp>,
    /// The text given for it, trimmed (kept for links and the picker).
    pub(crate) as_of_text: Option<String>,
    /// As effective on.
    pub(crate) effective: Option<Date>,
}

impl Moment {
    /// Reads the moment of `params`; `Err` says what is wrong, in Chinese and English.
    pub(crate) fn of(params: &PageParams) -> Result<Moment, String> {
        let as_of_text = params
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let as_of = as_of_text.map(parse_as_of).transpose()?;
        let effective = params
            .effective
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<Date>().map_err(|_| {
                    format!("业务日期 {t:?} 不是 YYYY-MM-DD 格式的日期 (effective must be a date)")
                })
            })
            .transpose()?;
        Ok(Moment {
            as_of,
            as_of_text: as_of_text.map(str::to_owned),
            effective,
        })
    }

    /// The core query for this moment.
    pub(crate) fn query(&self) -> ProgressQuery {
        ProgressQuery {
            plan: None,
            as_of: self.as_of,
            effective: self.effective,
        }
    }

    /// Whether the page shows the log now with every update (no date chosen).
    pub(crate) fn is_now(&self) -> bool {
        self.as_of.is_none() && self.effective.is_none()
    }

    /// `as_of=…&effective=…` for links that keep the moment (empty when it is now).
    pub(crate) fn link_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(text) = &self.as_of_text {
            parts.push(format!("as_of={}", encode(text)));
        }
        if let Some(date) = self.effective {
            parts.push(format!("effective={date}"));
        }
        parts.join("&")
    }

    /// `path` with the moment's query appended.
    pub(crate) fn link(&self, path: &str) -> String {
        let query = self.link_query();
        if query.is_empty() {
            path.to_owned()
        } else if path.contains('?') {
            format!("{path}&{query}")
        } else {
            format!("{path}?{query}")
        }
    }

    /// The value of the "as recorded at" picker (`YYYY-MM-DDTHH:MM:SS` in Asia/Shanghai).
    pub(crate) fn as_of_picker(&self) -> String {
        self.as_of
            .map(|t| PLAN_OFFSET.to_datetime(t))
            .map(|dt| dt.strftime("%Y-%m-%dT%H:%M:%S").to_string())
            .unwrap_or_default()
    }
}

/// Parses an "as recorded at" value (see [`PageParams::as_of`]).
pub(crate) fn parse_as_of(text: &str) -> Result<Timestamp, String> {
    if let Ok(time) = text.parse::<Timestamp>() {
        return Ok(time);
    }
    let date_only = !text.contains(['T', 't', ' ']);
    if date_only {
        if let Ok(date) = text.parse::<Date>() {
            return Ok(end_of_day(date));
        }
    } else if let Ok(civil) = text.parse::<DateTime>()
        && let Ok(time) = PLAN_OFFSET.to_timestamp(civil)
    {
        return Ok(time);
    }
    Err(format!(
        "录入时间 {text:?} 无法识别：请用 YYYY-MM-DD、YYYY-MM-DDTHH:MM:SS（北京时间）或 RFC 3339 (as_of is not a time)"
    ))
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_spellings_of_a_moment() {
        let rfc = parse_as_of("2023-09-30T02:00:00Z").expect("rfc 3339");
        let picker = parse_as_of("2023-09-30T10:00:00").expect("picker");
        assert_eq!(rfc, picker, "a picker's time is Beijing time");
        let day = parse_as_of("2023-09-30").expect("date");
        assert_eq!(day, end_of_day(jiff::civil::date(2023, 9, 30)));
        assert!(parse_as_of("yesterday").is_err());
        let moment = Moment::of(&PageParams {
            as_of: Some("2023-09-30T10:00:00".into()),
            effective: Some("2023-06-30".into()),
            ..PageParams::default()
        })
        .expect("moment");
        assert_eq!(moment.as_of_picker(), "2023-09-30T10:00:00");
        assert_eq!(
            moment.link("/units"),
            "/units?as_of=2023-09-30T10%3A00%3A00&effective=2023-06-30"
        );
    }
}
