//! Query parameters: an extractor (crate-private) that answers bad query strings in the API's error format,
//! and the parsers of the values (times, dates, counts), each with its own error code.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use jiff::Timestamp;
use jiff::civil::Date;
use progress_ledger_core::end_of_day;
use serde::de::DeserializeOwned;

use crate::dto::request::parse_date;
use crate::error::{ApiError, ApiResult};

/// Like axum's `Query`, but a query string that does not fit (an unknown parameter, a repeated
/// one) answers 400 with `{"error": …}`.
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let code = if text.contains("unknown field") {
                    "unknown_parameter"
                } else {
                    "invalid_parameter"
                };
                Err(ApiError::bad_request(code, text))
            }
        }
    }
}

/// A recorded-at cutoff: RFC 3339, or `YYYY-MM-DD` meaning the end of that day in
/// Asia/Shanghai.
pub fn parse_as_of(text: &str) -> ApiResult<Timestamp> {
    let text = text.trim();
    if text.len() == 10 {
        return parse_date("as_of", text)
            .map(end_of_day)
            .map_err(|_| invalid_as_of(text));
    }
    if text.len() > 40 {
        return Err(invalid_as_of(text));
    }
    text.parse::<Timestamp>().map_err(|_| invalid_as_of(text))
}

fn invalid_as_of(text: &str) -> ApiError {
    let shown: String = text.chars().take(40).collect();
    ApiError::bad_request(
        "invalid_as_of",
        format!(
            "as_of {shown:?} is neither an RFC 3339 time (2023-09-30T12:00:00+08:00) nor a date (2023-09-30)"
        ),
    )
}

/// A business-date cutoff, `YYYY-MM-DD`.
pub fn parse_effective(text: &str) -> ApiResult<Date> {
    parse_date("effective", text.trim())
        .map_err(|e| ApiError::bad_request("invalid_effective", e.message))
}

/// A non-negative integer parameter.
pub fn parse_count(name: &str, text: &str) -> ApiResult<u64> {
    text.trim().parse::<u64>().map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        ApiError::bad_request(
            "invalid_parameter",
            format!("{name} {shown:?} is not a non-negative integer"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_takes_times_and_dates_meaning_the_end_of_the_day_in_shanghai() {
        assert_eq!(
            parse_as_of("2023-09-30").map(|t| t.to_string()),
            Ok("2023-09-30T15:59:59.999999Z".to_owned())
        );
        assert_eq!(
            parse_as_of("2023-09-30T12:00:00+08:00").map(|t| t.to_string()),
            Ok("2023-09-30T04:00:00Z".to_owned())
        );
        for bad in ["yesterday", "2023-13-01", "2023-09-30T25:00:00Z", ""] {
            assert_eq!(
                parse_as_of(bad).err().map(|e| e.code),
                Some("invalid_as_of"),
                "{bad}"
            );
        }
    }
}
