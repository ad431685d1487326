//! `GET /v1/verify`: recompute the hash chain, optionally against a head published earlier.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use progress_ledger_core::{Hash, Head, VerifyOptions, VerifyReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::HeadDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{ApiQuery, parse_count};
use crate::state::{AppState, blocking};

/// A published head to check the log against (both or neither).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct VerifyParams {
    /// Sequence number of the published head.
    #[param(value_type = Option<u64>)]
    seq: Option<String>,
    /// Hash of the published head, 64 hex digits.
    hash: Option<String>,
}

/// Where the chain is broken.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    /// Sequence number of the problem.
    pub seq: u64,
    /// What kind: missing, truncated, bad_frame, undecodable, hash_mismatch, wrong_seq,
    /// broken_link, stream_version_gap, clock_went_back, head_mismatch, published_head_mismatch.
    pub kind: String,
    /// What is wrong, for people.
    pub message: String,
}

/// What verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyDto {
    /// True if the whole chain verified (and passes through the published head, if given).
    pub ok: bool,
    /// Events checked and found sound.
    pub events: u64,
    /// The last sound event.
    pub head: HeadDto,
    /// The first problem, if any.
    pub problem: Option<ProblemDto>,
    /// The published head checked against, if one was given.
    pub published: Option<HeadDto>,
}

fn problem_kind(report: &VerifyReport) -> Option<ProblemDto> {
    let problem = report.problem.as_ref()?;
    let kind = serde_json::to_value(&problem.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    Some(ProblemDto {
        seq: problem.seq,
        kind,
        message: problem.to_string(),
    })
}

/// Recomputes every event's hash and link from the first one; with `seq` and `hash`, also
/// checks that the log passes through that published head. Answers 200 with `ok: false` when a
/// problem is found.
#[utoipa::path(get, path = "/v1/verify", tag = "audit", params(VerifyParams),
    responses(
        (status = 200, description = "what verification found", body = VerifyDto),
        (status = 400, description = "bad seq or hash", body = ErrorBody),
    ))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<VerifyParams>,
) -> ApiResult<Json<VerifyDto>> {
    state.read_access(&headers)?;
    let published = match (params.seq.as_deref(), params.hash.as_deref()) {
        (None, None) => None,
        (Some(seq), Some(hash)) => Some(Head {
            seq: parse_count("seq", seq)?,
            hash: Hash::from_hex(hash.trim())
                .map_err(|e| ApiError::bad_request("invalid_hash", e.to_string()))?,
        }),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                "give both seq and hash of the published head, or neither",
            ));
        }
    };
    let ledger = state.tracker().ledger().clone();
    let report = blocking(move || {
        Ok(ledger.verify_with(VerifyOptions {
            published,
            ..VerifyOptions::default()
        })?)
    })
    .await?;
    if let Some(problem) = &report.problem {
        tracing::warn!(%problem, "verification found a problem");
    }
    Ok(Json(VerifyDto {
        ok: report.ok(),
        events: report.events,
        head: report.head.into(),
        problem: problem_kind(&report),
        published: published.map(Into::into),
    }))
}
