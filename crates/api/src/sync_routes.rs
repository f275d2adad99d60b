//! What a validator serves to validators that sync state from it: a floor
//! (a finalized engine block with its certificate), pages of committed
//! blocks, and its newest state snapshot. All of it is public ledger data;
//! the joiner checks every byte against the floor before using it.

use crate::error::{ApiError, ErrorBody};
use crate::server::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_types::codes;
use serde::Deserialize;
use utoipa::IntoParams;

/// Most blocks in one page.
pub const PAGE_BLOCKS_MAX: u64 = 1_000;
/// A page stops growing once it holds this many bytes of blocks.
const PAGE_BYTES: usize = 16 << 20;
/// Snapshots sent at once; more requests get `sync.busy`.
static SNAPSHOT_SENDS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Bytes read from a snapshot file per chunk sent.
const CHUNK_BYTES: usize = 1 << 20;

/// The floor a syncing validator starts from.
#[utoipa::path(get, path = "/v1/sync/floor", tag = "operations",
    responses(
        (status = 200, description = "`{height, epoch, block, finalization, participants}` (hex of the engine's encodings)", body = Object),
        (status = 404, description = "Not a validator network", body = ErrorBody),
        (status = 503, description = "No floor held yet", body = ErrorBody)))]
pub async fn floor(State(state): State<AppState>) -> Result<Response, ApiError> {
    let net = state.network.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::SYNC_NO_FLOOR,
            "this node runs alone (dev mode): it has no finalization certificates to sync from",
        )
    })?;
    match net.floor().await {
        Some(f) => Ok(Json(crate::network::sorted_json(&f)).into_response()),
        None => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SYNC_NO_FLOOR,
            "no finalized block with its own certificate among the recent ones yet; try again shortly",
        )),
    }
}

/// Which blocks.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BlocksQuery {
    /// The first height (at least 1).
    pub from: u64,
    /// How many (1..=1000; fewer when the page reaches 16 MiB or the tip).
    pub limit: Option<u64>,
}

/// Committed blocks in height order, as stored.
#[utoipa::path(get, path = "/v1/sync/blocks", tag = "chain",
    params(BlocksQuery),
    responses(
        (status = 200, description = "A JSON list of blocks (empty beyond the tip)", body = Object),
        (status = 400, description = "Heights out of range", body = ErrorBody)))]
pub async fn blocks(
    State(state): State<AppState>,
    q: Result<Query<BlocksQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let limit = q.limit.unwrap_or(256);
    if q.from == 0 || !(1..=PAGE_BLOCKS_MAX).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            format!("from must be at least 1 and limit 1..={PAGE_BLOCKS_MAX}"),
        ));
    }
    let node = state.node.clone();
    let page = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mut out = b"[".to_vec();
        for h in q.from..q.from.saturating_add(limit) {
            let Some(block) = node.block(h).map_err(|e| e.to_string())? else {
                break;
            };
            if h > q.from {
                if out.len() > PAGE_BYTES {
                    break;
                }
                out.push(b',');
            }
            serde_json::to_writer(&mut out, block.as_ref()).map_err(|e| e.to_string())?;
        }
        out.push(b']');
        Ok(out)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], page).into_response())
}

/// Which snapshot.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SnapshotQuery {
    /// The newest snapshot at or below this height (default: any).
    pub max_height: Option<u64>,
}

/// The node's newest state snapshot file (`PSNAP001`, checksummed; its
/// height in `x-publica-snapshot-height`).
#[utoipa::path(get, path = "/v1/sync/snapshot", tag = "chain",
    params(SnapshotQuery),
    responses(
        (status = 200, description = "The snapshot file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No snapshot at or below that height", body = ErrorBody),
        (status = 503, description = "Already sending snapshots to two validators", body = ErrorBody)))]
pub async fn snapshot(
    State(state): State<AppState>,
    q: Result<Query<SnapshotQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let max = q.max_height.unwrap_or(u64::MAX);
    let found = state
        .node
        .latest_snapshot(max)
        .map_err(ApiError::internal)?;
    let Some((height, path)) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::SYNC_NO_SNAPSHOT,
            format!("this node holds no state snapshot at or below height {max}"),
        ));
    };
    // A snapshot can be large: at most two are sent at once, each
    // streamed from the file in chunks (the file, opened first, stays
    // readable even if a newer snapshot prunes it meanwhile).
    let permit = SNAPSHOT_SENDS.try_acquire().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SYNC_BUSY,
            "this node is already sending its snapshot to other validators; try again shortly",
        )
    })?;
    let file = std::fs::File::open(&path).map_err(ApiError::internal)?;
    let len = file.metadata().map_err(ApiError::internal)?.len();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let _permit = permit;
        let mut file = file;
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = axum::body::Bytes::copy_from_slice(&buf[..n]);
                    if tx.blocking_send(Ok(chunk)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let body = axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut resp = ([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(
        "x-publica-snapshot-height",
        HeaderValue::from_str(&height.to_string()).expect("digits"),
    );
    Ok(resp)
}
