//! Transparency-log routes: the C2SP checkpoint and tiles, the log's key,
//! and consistency proofs.

use crate::error::{ApiError, ErrorBody};
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_log::TilePath;
use publica_types::codes;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

/// Immutable resources (full tiles) may be cached for a year.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The checkpoint changes every block.
const CACHE_CHECKPOINT: &str = "public, max-age=1";

/// The latest signed checkpoint (C2SP tlog-checkpoint in a signed note).
#[utoipa::path(get, path = "/checkpoint", tag = "log",
    responses((status = 200, description = "Signed checkpoint note", content_type = "text/plain", body = String)))]
pub async fn checkpoint(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_CHECKPOINT),
        ],
        state.node.checkpoint(),
    )
        .into_response()
}

/// A C2SP hash tile or entry bundle.
#[utoipa::path(get, path = "/tile/{path}", tag = "log",
    params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` per c2sp.org/tlog-tiles")),
    responses(
        (status = 200, description = "Tile bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "Malformed tile path", body = ErrorBody),
        (status = 404, description = "The log has not grown that far", body = ErrorBody)))]
pub async fn tile(
    State(state): State<AppState>,
    Path(rest): Path<String>,
) -> Result<Response, ApiError> {
    let t = TilePath::parse(&rest).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            format!("tile path: {e}"),
        )
    })?;
    let node = state.node.clone();
    let bytes = tokio::task::spawn_blocking(move || match t.level {
        Some(level) => node.tile(level, t.index, t.width()),
        None => node.entry_bundle(t.index, t.width()),
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let bytes = bytes.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::TILE_NOT_FOUND,
            "the log has not grown that far",
        )
    })?;
    // Full tiles never change; partial ones are superseded, not changed,
    // but clients should not keep them long.
    let cache = if t.partial_width.is_none() {
        CACHE_IMMUTABLE
    } else {
        "public, max-age=60"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

/// The log's identity: origin, verifier key, latest checkpoint.
#[utoipa::path(get, path = "/v1/log", tag = "log",
    responses((status = 200, description = "`{origin, verifier_key, checkpoint}`", body = Object)))]
pub async fn log_info(State(state): State<AppState>) -> Response {
    Json(json!({
        "origin": state.node.log_origin(),
        "verifier_key": state.node.verifier_key(),
        "checkpoint": state.node.checkpoint(),
    }))
    .into_response()
}

/// The latest checkpoint with the cosignatures of the witnesses the node
/// submits to, and each witness's state (docs/witnesses.md).
#[utoipa::path(get, path = "/v1/log/witnessed", tag = "log",
    responses(
        (status = 200, description = "`{checkpoint, size, witnesses: [{name, key, url, cosigned_size, error}]}`; checkpoint is null until a witness cosigned one", body = Object),
        (status = 404, description = "`log.no_witnesses`: the node submits to no witness", body = ErrorBody)))]
pub async fn witnessed(State(state): State<AppState>) -> Response {
    match &state.witnessing {
        Some(w) => Json(w.answer()).into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            codes::LOG_NO_WITNESSES,
            "this node submits its checkpoints to no witness",
        )
        .into_response(),
    }
}

/// Sizes for a consistency proof.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older size (at least 1).
    pub from: u64,
    /// The newer size (at most the current size).
    pub to: u64,
}

/// A consistency proof between two log sizes.
#[utoipa::path(get, path = "/v1/log/consistency", tag = "log",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "`{from, to, proof: [hex]}`", body = Object),
        (status = 400, description = "Sizes out of range", body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    q: Result<Query<ConsistencyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let proof = state.node.consistency_proof(q.from, q.to).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::LOG_INVALID_SIZES,
            e.to_string(),
        )
    })?;
    Ok(Json(json!({ "from": q.from, "to": q.to, "proof": proof })).into_response())
}
