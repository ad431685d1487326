//! `GET /v1/verify`: recompute the hash chain, optionally against a head published earlier.
//!
//! A verification reads the whole log, so it is a costly request (see
//! [`crate::ServerConfig::max_costly`]), and its report is kept per head: asking again while the
//! log has not grown costs nothing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use progress_ledger_core::{Hash, Head, Problem, VerifyOptions, VerifyReport};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
use utoipa::openapi::{Required, Schema};
use utoipa::{IntoParams, ToSchema};

use super::{BadParameter, Failed, Unauthorized, Unavailable};
use crate::dto::HeadDto;
use crate::error::{ApiError, ApiResult};
use crate::params::{ApiQuery, parse_count, seq_schema};
use crate::state::{AppState, blocking};

/// A published head to check the log against (both or neither).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyParams {
    /// Sequence number of the published head.
    seq: Option<String>,
    /// Hash of the published head, 64 hex digits.
    hash: Option<String>,
}

impl IntoParams for VerifyParams {
    /// One object parameter, `published`, written as `seq=…&hash=…`: the schema says the two go
    /// together.
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let head = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "seq",
                seq_schema().description(Some("sequence number of the published head")),
            )
            .required("seq")
            .property(
                "hash",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9a-fA-F]{64}$"))
                    .description(Some("its SHA-256, 64 hex digits")),
            )
            .required("hash")
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        vec![
            ParameterBuilder::new()
                .name("published")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .style(Some(ParameterStyle::Form))
                .explode(Some(true))
                .description(Some(
                    "a head published earlier, as `seq=…&hash=…` (both or neither): the log \
                     must pass through it",
                ))
                .schema(Some(head))
                .build(),
        ]
    }
}

/// Where the chain is broken.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    /// Sequence number of the problem.
    pub seq: u64,
    /// What kind: missing, truncated, bad_frame, undecodable, hash_mismatch, wrong_seq,
    /// broken_link, stream_version_gap, clock_went_back, head_mismatch, published_head_mismatch,
    /// lost_events.
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
    /// Bytes set aside when the ledger was opened (an append a crash cut short), if any.
    pub torn_tail: Option<crate::routes::health::TornTailDto>,
    /// Why the ledger takes no appends, if it does not.
    pub refusing_writes: Option<String>,
    /// Run files (by number) that did not hold exactly the log's events of their run: set
    /// aside (`runs/<k>.run.damaged`) and written again; streams are read from the log meanwhile.
    pub damaged_runs: Vec<u64>,
}

impl From<&Problem> for ProblemDto {
    fn from(problem: &Problem) -> Self {
        Self {
            seq: problem.seq,
            kind: problem.kind.code().to_owned(),
            message: problem.to_string(),
        }
    }
}

/// Reports kept: per number of durable events and published head.
const KEPT: usize = 8;

/// What a verification report is kept for: the number of durable events when it ran, and the
/// published head it was checked against.
type VerifyKey = (u64, Option<Head>);

/// Verification reports kept per [`VerifyKey`].
#[derive(Default)]
pub(crate) struct VerifyCache {
    kept: Mutex<VecDeque<(VerifyKey, Arc<VerifyReport>)>>,
}

impl VerifyCache {
    fn get(&self, key: &VerifyKey) -> Option<Arc<VerifyReport>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter()
            .find(|(k, _)| k == key)
            .map(|(_, report)| Arc::clone(report))
    }

    fn insert(&self, key: VerifyKey, report: Arc<VerifyReport>) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(k, _)| k != &key);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((key, report));
    }
}

/// Recomputes every event's hash and link from the first one; with `seq` and `hash`, also
/// checks that the log passes through that published head. Answers 200 with `ok: false` when a
/// problem is found. The report is kept until the log grows: asking again before then reads
/// nothing.
#[utoipa::path(get, path = "/v1/verify", tag = "audit", params(VerifyParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "what verification found", body = VerifyDto),
        BadParameter, Unauthorized, Unavailable, Failed,
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
            hash: Hash::from_hex(hash)?,
        }),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                "give both seq and hash of the published head, or neither",
            ));
        }
    };
    let ledger = state.tracker().ledger().clone();
    let key = (ledger.len(), published);
    let report = match state.verified().get(&key) {
        Some(report) => report,
        None => {
            let permit = state.costly().await?;
            let report = blocking(move || {
                let _permit = permit;
                Ok(ledger.verify_with(VerifyOptions {
                    published,
                    ..VerifyOptions::default()
                })?)
            })
            .await?;
            let report = Arc::new(report);
            state.verified().insert(key, Arc::clone(&report));
            report
        }
    };
    if let Some(problem) = &report.problem {
        tracing::warn!(%problem, "verification found a problem");
    }
    if !report.damaged_runs.is_empty() {
        tracing::warn!(runs = ?report.damaged_runs, "run files did not hold the log's events: set aside");
    }
    Ok(Json(VerifyDto {
        ok: report.ok(),
        events: report.events,
        head: report.head.into(),
        problem: report.problem.as_ref().map(ProblemDto::from),
        published: published.map(Into::into),
        torn_tail: state
            .tracker()
            .ledger()
            .torn_tail()
            .map(crate::routes::health::TornTailDto::from),
        refusing_writes: state.tracker().ledger().refusal(),
        damaged_runs: report.damaged_runs.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse as _;
    use progress_ledger_core::{NewEvent, Payload, ProblemKind, StreamId, Tracker};

    use super::*;

    async fn ask(state: &AppState) -> ApiResult<Json<VerifyDto>> {
        let params = VerifyParams {
            seq: None,
            hash: None,
        };
        verify(State(state.clone()), HeaderMap::new(), ApiQuery(params)).await
    }

    #[tokio::test]
    async fn a_report_is_kept_per_head_and_costly_work_beyond_the_bound_answers_busy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tracker = Tracker::open(dir.path().join("ledger")).expect("open");
        let plan = progress_ledger_core::plan::hefei_2023().expect("plan");
        tracker.load_plan(&plan, "test").expect("plan loads");
        let mut config = crate::ServerConfig::new(dir.path());
        config.max_costly = 1;
        config.costly_wait = std::time::Duration::from_millis(300);
        let state = AppState::new(tracker.clone(), config);
        let first = ask(&state).await.expect("verifies");
        assert!(first.ok);

        // Every costly permit is taken: a repeat for the same head is answered from the kept
        // report, without computing.
        // The first verification's permit rests for as long as it worked; then it is taken.
        let held = state
            .costly()
            .await
            .expect("the one permit, once it has rested");
        let again = ask(&state).await.expect("kept");
        assert_eq!(again.events, first.events);

        // The head moves: the answer must be computed, and no permit is free.
        tracker
            .record(NewEvent::new(
                StreamId::indicator("t02-1-childcare-seats").expect("stream"),
                jiff::civil::date(2023, 9, 1),
                "市卫健委",
                Payload::ProgressReported {
                    delta: 1.into(),
                    district: None,
                },
            ))
            .expect("recorded");
        let busy = ask(&state).await.expect_err("busy");
        assert_eq!(busy.code, "busy");
        let response = busy.into_response();
        assert_eq!(
            response.status(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            response.headers().get("retry-after").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        drop(held);
        // The permit rests for as long as it was held (a wait above included), then a request
        // takes it.
        let mut fresh = ask(&state).await;
        for _ in 0..5 {
            if fresh.is_ok() {
                break;
            }
            fresh = ask(&state).await;
        }
        let fresh = fresh.expect("computed once the permit is free");
        assert_eq!(fresh.events, first.events + 1);
    }

    #[test]
    fn each_problem_code_is_the_tag_of_its_serialised_form() {
        let head = Head {
            seq: 3,
            hash: Hash::ZERO,
        };
        let time = jiff::Timestamp::UNIX_EPOCH;
        let kinds = [
            ProblemKind::Missing,
            ProblemKind::Truncated,
            ProblemKind::BadFrame { reason: "x".into() },
            ProblemKind::DamagedFrame {
                offset: 8,
                reason: "x".into(),
                durable_after: 400,
            },
            ProblemKind::Undecodable { reason: "x".into() },
            ProblemKind::HashMismatch {
                stored: Hash::ZERO,
                computed: Hash::ZERO,
            },
            ProblemKind::WrongSeq { stored: 2 },
            ProblemKind::BrokenLink,
            ProblemKind::StreamVersionGap {
                stream: StreamId::indicator("a").expect("a stream name"),
                expected: 1,
                found: 3,
            },
            ProblemKind::ClockWentBack {
                previous: time,
                found: time,
            },
            ProblemKind::HeadMismatch { recorded: head },
            ProblemKind::PublishedHeadMismatch { published: head },
            ProblemKind::LostEvents { leaves: 3 },
        ];
        for kind in kinds {
            let tagged = serde_json::to_value(&kind).expect("serialises");
            assert_eq!(tagged["kind"].as_str(), Some(kind.code()), "{kind:?}");
        }
    }
}
