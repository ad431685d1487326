//! The transparency log: the signed checkpoint (`/v1/checkpoint`, and `/v1/tlog/checkpoint`
//! beside the tiles), inclusion and consistency proofs (`/v1/proofs/…`, the JSON that
//! `progress-ledger-verify` reads), and the C2SP tlog-tiles of the tree under `/v1/tlog/tile/`
//! (hash tiles and entry bundles, immutable, so that a mirror can copy and check the whole log
//! with plain GETs).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use progress_ledger_core::tlog::tile::{TilePath, parse_tile_path};
use progress_ledger_core::{Error as CoreError, Ledger};
use serde::{Deserialize, Serialize};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::{BadParameter, Failed, Unauthorized};
use crate::checkpoints::{CheckpointError, Published, Publisher};
use crate::dto::schema;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::params::{ApiQuery, NoParams, parse_positive, query_parameter, tree_size_schema};
use crate::state::{AppState, blocking};

impl From<CheckpointError> for ApiError {
    fn from(error: CheckpointError) -> Self {
        match error {
            CheckpointError::NoKey { .. } => ApiError::not_found(
                "no_checkpoint",
                "this log signs no checkpoints: it has no key (`progress-ledger key init` makes one)",
            ),
            CheckpointError::Forked(reason) => ApiError::unavailable("log_forked", reason),
            CheckpointError::Ledger(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

fn publisher(state: &AppState) -> ApiResult<std::sync::Arc<Publisher>> {
    match state.publisher() {
        Ok(Some(publisher)) => Ok(publisher),
        Ok(None) => Err(CheckpointError::NoKey {
            path: state.config().checkpoints.key.clone(),
        }
        .into()),
        Err(reason) => Err(ApiError::unavailable(
            "checkpoint_unavailable",
            format!("the log's key cannot be used: {reason}"),
        )),
    }
}

fn note(published: &Published) -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        published.note.clone(),
    )
        .into_response()
}

/// The latest signed checkpoint of the log: a C2SP tlog-checkpoint (origin, tree size, base64
/// root) signed as a C2SP signed note with the log's Ed25519 key. A new one is signed at most
/// every second after appends; the first is signed on the first request.
#[utoipa::path(get, path = "/v1/checkpoint", tag = "audit",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the signed checkpoint", content_type = "text/plain", body = String,
            headers(("Cache-Control" = String, description = "`no-cache`"))),
        (status = 404, description = "the log has no signing key (`no_checkpoint`)", body = ErrorBody),
        BadParameter, Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn checkpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Response> {
    latest(state, headers).await
}

/// The latest signed checkpoint, at the path tlog-tiles clients expect beside the tiles.
#[utoipa::path(get, path = "/v1/tlog/checkpoint", tag = "audit",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the signed checkpoint", content_type = "text/plain", body = String,
            headers(("Cache-Control" = String, description = "`no-cache`"))),
        (status = 404, description = "the log has no signing key (`no_checkpoint`)", body = ErrorBody),
        BadParameter, Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn tlog_checkpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Response> {
    latest(state, headers).await
}

async fn latest(state: AppState, headers: HeaderMap) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let publisher = publisher(&state)?;
    let published = blocking(move || match publisher.latest()? {
        Some(published) => Ok(published),
        None => Ok(publisher.publish()?),
    })
    .await?;
    Ok(note(&published))
}

/// Signs a checkpoint of every durable event now (or answers the latest, if the tree has not
/// grown since), and answers it.
#[utoipa::path(post, path = "/v1/checkpoint", tag = "audit",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the signed checkpoint", content_type = "text/plain", body = String,
            headers(("Cache-Control" = String, description = "`no-cache`"))),
        (status = 404, description = "the log has no signing key (`no_checkpoint`)", body = ErrorBody),
        BadParameter, Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn sign(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Response> {
    state.write_access(&headers)?;
    let publisher = publisher(&state)?;
    let published = blocking(move || Ok(publisher.publish()?)).await?;
    Ok(note(&published))
}

/// Answers 503 on the transparency log's paths.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 503,
    description = "cannot answer now: the token file cannot be read (`credentials_unavailable`), \
        the Merkle tree cannot be read (`tree_unavailable`: rebuilt when the server restarts), the \
        key cannot be used (`checkpoint_unavailable`), or the log does not extend a checkpoint it \
        published, so nothing is signed (`log_forked`)"
)]
pub(crate) struct CheckpointUnavailable(
    #[expect(dead_code, reason = "only described, never built")] ErrorBody,
);

/// Which event, in which tree.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InclusionParams {
    seq: Option<String>,
    size: Option<String>,
}

impl IntoParams for InclusionParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_parameter(
                "seq",
                true,
                "Sequence number of the event (its leaf index is `seq - 1`).",
                schema::count("a sequence number", 1),
            ),
            query_parameter(
                "size",
                false,
                "Size of the tree (a checkpoint's size); default: the latest checkpoint's, or \
                 every durable event if the log signs none.",
                tree_size_schema(),
            ),
        ]
    }
}

/// An inclusion proof, in the JSON `progress-ledger-verify inclusion --proof-file` reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofDto {
    /// The leaf index: `seq - 1`.
    pub index: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The audit path, 64 hex digits each, the leaf's sibling first (RFC 6962 / RFC 9162).
    pub hashes: Vec<String>,
    /// The event's sequence number.
    pub seq: u64,
    /// The leaf's entry: the event's hash, 64 hex digits (leaf hash = SHA-256(0x00 ‖ it)).
    pub event_hash: String,
}

/// The proof that event `seq` is leaf `seq - 1` of the tree of `size` events.
#[utoipa::path(get, path = "/v1/proofs/inclusion", tag = "audit", params(InclusionParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the inclusion proof", body = InclusionProofDto),
        (status = 400, description = "a parameter is missing, unknown, repeated or outside its \
            schema (`missing_parameter`, `unknown_parameter`, `invalid_parameter` …)", body = ErrorBody),
        (status = 404, description = "the size is beyond the durable log (`beyond_log`)", body = ErrorBody),
        (status = 422, description = "the event is not in the tree of that size: `seq` > `size` \
            (`not_in_tree`)", body = ErrorBody),
        Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn inclusion(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<InclusionParams>,
) -> ApiResult<Json<InclusionProofDto>> {
    state.read_access(&headers)?;
    let seq = match params.seq.as_deref() {
        Some(text) => parse_positive("seq", text)?,
        None => {
            return Err(ApiError::bad_request(
                "missing_parameter",
                "give seq, the event's sequence number",
            ));
        }
    };
    let size = params
        .size
        .as_deref()
        .map(|text| parse_positive("size", text))
        .transpose()?;
    let ledger = state.tracker().ledger().clone();
    let publisher = state.publisher().ok().flatten();
    let proof = blocking(move || {
        let size = match size {
            Some(size) => size,
            None => default_size(&ledger, publisher.as_deref()),
        };
        let hashes = ledger.prove_inclusion(seq, size)?;
        let event = ledger.get(seq)?.ok_or_else(|| {
            ApiError::not_found("beyond_log", format!("event {seq} is not durable"))
        })?;
        Ok(InclusionProofDto {
            index: seq - 1,
            size,
            hashes: hashes.iter().map(|h| h.to_hex()).collect(),
            seq,
            event_hash: event.hash.to_hex(),
        })
    })
    .await?;
    Ok(Json(proof))
}

/// The latest published checkpoint's size, or every durable event.
fn default_size(ledger: &Ledger, publisher: Option<&Publisher>) -> u64 {
    publisher
        .and_then(|p| p.latest().ok().flatten())
        .map(|p| p.checkpoint.size())
        .filter(|&size| size <= ledger.len())
        .unwrap_or_else(|| ledger.len())
}

/// Two tree sizes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyParams {
    from: Option<String>,
    to: Option<String>,
}

impl IntoParams for ConsistencyParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_parameter("from", true, "The older tree size.", tree_size_schema()),
            query_parameter(
                "to",
                true,
                "The newer tree size, at least `from`, at most the log's durable events.",
                tree_size_schema(),
            ),
        ]
    }
}

/// A consistency proof, in the JSON `progress-ledger-verify consistency` and `watch` read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofDto {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
    /// RFC 6962 §2.1.2 `PROOF(from, D[to])`, 64 hex digits each; empty when `from = to`.
    pub hashes: Vec<String>,
}

/// The proof that the tree of `to` events extends the tree of `from` events.
#[utoipa::path(get, path = "/v1/proofs/consistency", tag = "audit", params(ConsistencyParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the consistency proof", body = ConsistencyProofDto),
        (status = 400, description = "a parameter is missing, unknown, repeated or outside its \
            schema (`missing_parameter`, `unknown_parameter`, `invalid_parameter` …)", body = ErrorBody),
        (status = 404, description = "`to` is beyond the durable log (`beyond_log`)", body = ErrorBody),
        (status = 422, description = "the sizes are out of order: `from` > `to` (`not_in_tree`)", body = ErrorBody),
        Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn consistency(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ConsistencyParams>,
) -> ApiResult<Json<ConsistencyProofDto>> {
    state.read_access(&headers)?;
    let (Some(from), Some(to)) = (params.from.as_deref(), params.to.as_deref()) else {
        return Err(ApiError::bad_request(
            "missing_parameter",
            "give from and to, the two tree sizes",
        ));
    };
    let (from, to) = (parse_positive("from", from)?, parse_positive("to", to)?);
    let ledger = state.tracker().ledger().clone();
    let hashes = blocking(move || Ok(ledger.prove_consistency(from, to)?)).await?;
    Ok(Json(ConsistencyProofDto {
        from,
        to,
        hashes: hashes.iter().map(|h| h.to_hex()).collect(),
    }))
}

/// The canonical tile paths after `tile/` whose number fits in six groups (below 10^18, far
/// beyond any tree this log holds): a level from 0 to 63 or `entries`, the number in
/// three-digit groups without leading zero groups, and an optional partial width from 1 to 255.
pub(crate) const TILE_PATH_PATTERN: &str = "^(?:[0-9]|[1-5][0-9]|6[0-3]|entries)/\
    (?:[0-9]{3}|x(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})/(?:x[0-9]{3}/){0,4}[0-9]{3})\
    (?:\\.p/(?:[1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$";

/// A tile path: the rest of it after `tile/`, read from the wildcard.
pub(crate) struct TileParams;

impl IntoParams for TileParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(TILE_PATH_PATTERN));
        vec![
            ParameterBuilder::new()
                .name("path")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(
                    "The rest of the tile's path after `tile/`, slashes unescaped: `<L>/<N>[.p/<W>]` \
                     for a hash tile, `entries/<N>[.p/<W>]` for an entry bundle, `N` in \
                     three-digit groups (`x001/x234/067`), as C2SP tlog-tiles writes it.",
                ))
                .schema(Some(schema))
                .build(),
        ]
    }
}

/// A C2SP tlog-tiles hash tile (`<L>/<N>[.p/<W>]`: 32-byte hashes, concatenated) or entry
/// bundle (`entries/<N>[.p/<W>]`: each entry a big-endian u16 length, then the entry: the
/// event's 32-byte hash). Immutable: a path's bytes never change. A tile the durable tree does
/// not hold yet answers 404.
#[utoipa::path(get, path = "/v1/tlog/tile/{path}", tag = "audit", params(TileParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the tile or bundle", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"))),
        (status = 400, description = "not a tile path in the canonical form of C2SP \
            tlog-tiles (`invalid_tile_path`), or a query parameter (`unknown_parameter`)", body = ErrorBody),
        (status = 404, description = "the tree does not hold this tile yet (`no_tile`)", body = ErrorBody),
        Unauthorized, CheckpointUnavailable, Failed,
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(rest): Path<String>,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> ApiResult<Response> {
    state.read_access(&headers)?;
    let path = format!("tile/{rest}");
    let parsed = parse_tile_path(&path).map_err(|e| {
        let shown: String = e.to_string().chars().take(200).collect();
        ApiError::bad_request("invalid_tile_path", shown)
    })?;
    let ledger = state.tracker().ledger().clone();
    let bytes = blocking(move || {
        let read = match parsed {
            TilePath::Hashes(tile) => ledger.tile(&tile),
            TilePath::Entries(bundle) => ledger.entry_bundle(&bundle),
        };
        read.map_err(|e| match e {
            CoreError::NotInTree(message) | CoreError::BeyondLog(message) => {
                ApiError::not_found("no_tile", message)
            }
            other => other.into(),
        })
    })
    .await?;
    Ok((
        StatusCode::OK,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use progress_ledger_core::tlog::tile::{Bundle, Tile};
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    fn pattern() -> Regex {
        Regex::new(TILE_PATH_PATTERN).expect("the pattern compiles")
    }

    proptest! {
        /// Every tile the log can serve has a path the pattern describes.
        #[test]
        fn every_canonical_tile_path_fits_the_pattern(
            level in 0u8..=63,
            n in prop_oneof![0u64..2_000, 0u64..1_000_000_000_000_000_000],
            width in 1u16..=256,
            entries: bool,
        ) {
            let path = if entries {
                Bundle::new(n, width).map(|b| b.path())
            } else {
                Tile::new(level, n, width).map(|t| t.path())
            };
            let path = path.expect("a valid tile");
            let rest = path.strip_prefix("tile/").expect("tile/");
            prop_assert!(pattern().is_match(rest), "{rest}");
        }

        /// What the pattern describes, the server parses: a schema-valid path is never refused.
        #[test]
        fn every_path_the_pattern_allows_parses(
            rest in "(?:[0-9]|[1-5][0-9]|6[0-3]|entries)/(?:[0-9]{3}|x(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})/(?:x[0-9]{3}/){0,4}[0-9]{3})(?:\\.p/(?:[1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?",
        ) {
            prop_assert!(pattern().is_match(&rest), "{rest}");
            let parsed = parse_tile_path(&format!("tile/{rest}"));
            prop_assert!(parsed.is_ok(), "{rest}: {parsed:?}");
        }
    }

    #[test]
    fn paths_out_of_canonical_form_do_not_fit_the_pattern() {
        for rest in [
            "64/000",
            "01/000",
            "0/x000/001",
            "0/1",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/007",
            "entries/x001/x002/x003/x004/x005/x006/007",
            "0/000/",
            "tile/0/000",
        ] {
            assert!(!pattern().is_match(rest), "{rest}");
        }
    }
}
