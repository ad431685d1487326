//! The one error type of the server: every failure becomes a status and a JSON body
//! `{"error": {"code", "message"}}`, in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use progress_ledger_core::Error as CoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer: an HTTP status, a stable snake_case code for programs and a message for
/// people. Messages say what is wrong without leaking internals (storage errors are logged and
/// answered with a generic message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `invalid_date`.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
    /// The ids of the events concerned, when the caller needs them: after `outcome_unknown`,
    /// the ids to retry with once the ledger is reopened.
    pub ids: Vec<String>,
    /// Seconds after which a retry may succeed, sent as `Retry-After` (503 answers of a full
    /// server).
    pub retry_after: Option<u32>,
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
    /// With `batch_refused` (a batch or a sheet): every refused row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<Vec<RefusedRow>>,
}

/// One refused row of a batch or sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedRow {
    /// Position in the batch (from 0; for a sheet, among its filled rows).
    pub index: usize,
    /// For a sheet: the row's number in the sheet (the header is row 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// For a sheet: the column's header, when the problem is in one cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The status this row alone would have been answered with.
    pub status: u16,
    /// Stable code, as for a single append (`unknown_indicator`, `forbidden`, `invalid_date` …).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// Code and message of an error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `invalid_date`, `version_conflict`, `kind_mismatch`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// With `outcome_unknown`: the ids of the events whose outcome is unknown, to retry with
    /// (the same body and id) once the ledger is reopened; a retry never records twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            ids: Vec::new(),
            retry_after: None,
        }
    }

    /// The same error with another code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// The same error, telling the client to retry after `seconds` (`Retry-After`).
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The same error, naming the events concerned (see [`ApiError::ids`]).
    pub fn with_ids(mut self, ids: impl IntoIterator<Item = uuid::Uuid>) -> Self {
        self.ids = ids.into_iter().map(|id| id.to_string()).collect();
        self
    }

    /// 400: the request is malformed or a value is invalid.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404: the thing named does not exist.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 401: no credential, or one that is not known.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: the credential does not allow this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 503: the service cannot do this now.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// 500, with a generic message; the details go to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to complete the request; the error was logged",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(
                status = self.status.as_u16(),
                code = self.code,
                "{}",
                self.message
            );
        } else {
            tracing::debug!(
                status = self.status.as_u16(),
                code = self.code,
                "{}",
                self.message
            );
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                ids: (!self.ids.is_empty()).then_some(self.ids),
            },
            refused: None,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> Self {
        match error {
            CoreError::VersionConflict { .. } => {
                Self::new(StatusCode::CONFLICT, "version_conflict", error.to_string())
            }
            CoreError::IdConflict { .. } => {
                Self::new(StatusCode::CONFLICT, "id_conflict", error.to_string())
            }
            CoreError::Forbidden { message, .. } => Self::forbidden(message),
            CoreError::Rejected { code, message } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code.as_str(), message)
            }
            CoreError::InvalidEvent(_) => Self::bad_request("invalid_event", error.to_string()),
            CoreError::InvalidField { problem, .. } => {
                Self::bad_request(problem.as_str(), error.to_string())
            }
            CoreError::InvalidHash(_) => Self::bad_request("invalid_hash", error.to_string()),
            CoreError::Plan { .. } => Self::not_found("no_plan", error.to_string()),
            CoreError::Poisoned { .. } => Self::unavailable("ledger_poisoned", error.to_string()),
            CoreError::OutcomeUnknown { .. } => {
                Self::unavailable("outcome_unknown", error.to_string())
            }
            CoreError::ReadOnly => Self::unavailable("ledger_read_only", error.to_string()),
            CoreError::Damaged(_) => Self::unavailable("ledger_damaged", error.to_string()),
            CoreError::Corrupt { .. } => Self::unavailable("ledger_damaged", error.to_string()),
            CoreError::TreeUnavailable(_) => {
                Self::unavailable("tree_unavailable", error.to_string())
            }
            CoreError::NotInTree(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_in_tree",
                error.to_string(),
            ),
            CoreError::BeyondLog(_) => Self::not_found("beyond_log", error.to_string()),
            other => Self::internal(other),
        }
    }
}

/// Result with [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use progress_ledger_core::RejectCode;
    use progress_ledger_core::limits::{FieldProblem, TextField};

    #[test]
    fn core_errors_map_to_their_statuses() {
        let rejected = CoreError::Rejected {
            code: RejectCode::OutsidePeriod,
            message: "effective date 2024-01-01 is outside the plan period".into(),
        };
        let api = ApiError::from(rejected);
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(api.code, "outside_period");
        assert_eq!(
            ApiError::from(CoreError::Poisoned {
                reason: "disk full".into()
            })
            .status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(CoreError::Damaged("x".into())).code,
            "ledger_damaged"
        );
        assert_eq!(
            ApiError::from(CoreError::InvalidEvent("x".into())).status,
            StatusCode::BAD_REQUEST
        );
        let long_note = CoreError::InvalidField {
            field: TextField::Note,
            problem: FieldProblem::TooLong {
                chars: 2001,
                max: 2000,
            },
        };
        let api = ApiError::from(long_note);
        assert_eq!(
            (api.status, api.code),
            (StatusCode::BAD_REQUEST, "string_too_long")
        );
        assert_eq!(api.message, "note is 2001 characters; the limit is 2000");
        let io = CoreError::Io(std::io::Error::other("disk on fire at /secret/path"));
        let api = ApiError::from(io);
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message.contains("/secret/path"));
    }
}
