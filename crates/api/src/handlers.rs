//! Route handlers.

use crate::error::{ApiError, ErrorBody};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::Stream;
use publica_node::TxLookup;
use publica_types::tx::{batch_items, parse_envelope_raw, BatchError};
use publica_types::{codes, limits, AccountId, Envelope, Hash32, TxError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;
use utoipa::{IntoParams, ToSchema};

/// Longest a receipt request may wait for its block.
pub const RECEIPT_WAIT_MS_MAX: u64 = 30_000;

pub(crate) fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::REQUEST_TOO_LARGE,
                "request body exceeds this endpoint's limit",
            )
        } else {
            ApiError::new(e.status(), codes::REQUEST_MALFORMED_JSON, e.body_text())
        }
    })
}

pub(crate) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_MALFORMED_JSON,
            format!("body is not valid JSON: {e}"),
        )
    })
}

/// What a refusal while the node cannot write says in `Retry-After`.
const READ_ONLY_RETRY_S: u64 = 5;

/// Refuses transactions while the node cannot write to its disk; then
/// takes `n` transactions from the client's budget, before any of them is
/// parsed or its signature checked; refuses the request when the budget
/// has fewer left (`429`, with `Retry-After`), or when `n` is more than the
/// budget ever holds (`400 batch.invalid_size`).
pub(crate) fn charge_txs(state: &AppState, client: SocketAddr, n: usize) -> Result<(), ApiError> {
    if let Some(fault) = state.node.write_fault() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::NODE_READ_ONLY,
            format!(
                "the node cannot write to its disk ({fault}); it serves reads and takes \
                 transactions again when it can"
            ),
        )
        .retry_after(READ_ONLY_RETRY_S));
    }
    let limiter = &state.tx_limiter;
    let n = n as u64;
    if n > limiter.burst() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BATCH_INVALID_SIZE,
            format!(
                "this node takes at most {} transactions at once from one address, not {n}",
                limiter.burst()
            ),
        ));
    }
    if limiter.allow_n(client.ip(), n) {
        return Ok(());
    }
    publica_node::Metrics::add(&state.node.metrics().http_rate_limited_total, 1);
    let wait = limiter.retry_after_n_s(client.ip(), n);
    Err(ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        codes::REQUEST_RATE_LIMITED,
        format!(
            "this address has submitted more transactions than its budget allows; \
             {n} more are allowed in {wait} s"
        ),
    )
    .retry_after(wait))
}

pub(crate) async fn submit_blocking(
    state: &AppState,
    envs: Vec<Envelope>,
) -> Result<Vec<Result<Hash32, TxError>>, ApiError> {
    let node = state.node.clone();
    tokio::task::spawn_blocking(move || node.submit(envs))
        .await
        .map_err(ApiError::internal)
}

/// Accepted transaction.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    /// The transaction's id; poll `/v1/transactions/{tx_id}` for its receipt.
    pub tx_id: String,
}

/// Submit one signed transaction.
#[utoipa::path(post, path = "/v1/transactions", tag = "transactions",
    request_body(content = Object, description = "A signed envelope `{body, signer, signature}` (docs/transactions.md)"),
    responses(
        (status = 202, description = "Admitted to the mempool", body = Accepted),
        (status = 400, description = "Malformed, unknown field, bad signature, wrong chain, expired", body = ErrorBody),
        (status = 409, description = "Nonce replayed or skipped", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "Mempool full (`mempool.full`), or the node cannot write to its disk (`node.read_only`)", body = ErrorBody),
    ))]
pub async fn submit_tx(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(body)?;
    charge_txs(&state, client, 1)?;
    let env = parse_envelope_raw(parse_json(&bytes)?)?;
    let mut results = submit_blocking(&state, vec![env]).await?;
    let id = results.pop().expect("one result per transaction")?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { tx_id: id.to_hex() })).into_response())
}

/// A batch of signed transactions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 10,000 envelopes.
    #[schema(value_type = Vec<Object>)]
    pub transactions: Vec<Value>,
}

/// The result of one item of a batch.
#[derive(Serialize, ToSchema)]
pub struct BatchItem {
    /// The id, when admitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// Why it was rejected, otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// Per-item results of a batch.
#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    /// Items admitted.
    pub accepted: usize,
    /// Items rejected.
    pub rejected: usize,
    /// One result per submitted item, in order.
    pub results: Vec<BatchItem>,
}

/// Submit up to 10,000 signed transactions at once.
#[utoipa::path(post, path = "/v1/transactions/batch", tag = "transactions",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-item results", body = BatchResponse),
        (status = 400, description = "Malformed body or batch size out of range", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many requests or transactions from this address; `Retry-After` says when to retry", body = ErrorBody),
        (status = 503, description = "The node cannot write to its disk (`node.read_only`)", body = ErrorBody),
    ))]
pub async fn submit_batch(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BatchResponse>, ApiError> {
    let bytes = body_bytes(body)?;
    let items = batch_items(&bytes).map_err(|e| match e {
        BatchError::NotJson(why) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_MALFORMED_JSON,
            format!("body is not valid JSON: {why}"),
        ),
        BatchError::NotABatch(why) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::TX_MALFORMED,
            format!("expected {{\"transactions\": [...]}}: {why}"),
        ),
        BatchError::Size(n) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BATCH_INVALID_SIZE,
            format!(
                "a batch holds 1..={} transactions, not {n}",
                limits::BATCH_TXS_MAX
            ),
        ),
    })?;
    let n = items.len();
    charge_txs(&state, client, n)?;
    let mut good = Vec::with_capacity(n);
    let parsed: Vec<Result<(), TxError>> = items
        .into_iter()
        .map(|raw| parse_envelope_raw(raw).map(|e| good.push(e)))
        .collect();
    let mut admitted = submit_blocking(&state, good).await?.into_iter();
    let results: Vec<BatchItem> = parsed
        .into_iter()
        .map(|r| {
            let r = r.and_then(|()| admitted.next().expect("one result per admitted envelope"));
            match r {
                Ok(id) => BatchItem {
                    tx_id: Some(id.to_hex()),
                    error: None,
                },
                Err(e) => BatchItem {
                    tx_id: None,
                    error: Some(ErrorBody {
                        code: e.code,
                        message: e.message,
                    }),
                },
            }
        })
        .collect();
    let accepted = results.iter().filter(|r| r.tx_id.is_some()).count();
    Ok(Json(BatchResponse {
        accepted,
        rejected: n - accepted,
        results,
    }))
}

/// How long to wait for a pending transaction.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitQuery {
    /// Wait up to this many ms (max 30000) for a pending transaction's block.
    pub wait_ms: Option<u64>,
    /// `true`: the receipt's proof goes to the latest checkpoint the
    /// node's witnesses cosigned, which carries their lines (a receipt to
    /// hold to a witness policy; docs/witnesses.md).
    pub witnessed: Option<bool>,
}

fn parse_hash(s: &str, what: &str) -> Result<Hash32, ApiError> {
    s.parse().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            format!("{what}: {e}"),
        )
    })
}

/// A transaction's receipt (committed), or its pending status.
#[utoipa::path(get, path = "/v1/transactions/{tx_id}", tag = "transactions",
    params(("tx_id" = String, Path, description = "Transaction id, 64 hex characters"), WaitQuery),
    responses(
        (status = 200, description = "Committed: the receipt `{tx_id, status, block_height, block_hash, index, transaction, outcome}`", body = Object),
        (status = 202, description = "Pending in the mempool; with `witnessed=true`, committed but not yet under a checkpoint the witnesses cosigned", body = Object),
        (status = 404, description = "Unknown; `log.no_witnesses` with `witnessed=true` on a node without witnesses", body = ErrorBody),
    ))]
pub async fn get_tx(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<WaitQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let id = parse_hash(&id, "tx_id")?;
    let q = crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let wait = q.wait_ms.unwrap_or(0);
    if wait > RECEIPT_WAIT_MS_MAX {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            format!("wait_ms is at most {RECEIPT_WAIT_MS_MAX}"),
        ));
    }
    let witnessing = match (q.witnessed, &state.witnessing) {
        (Some(true), None) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                codes::LOG_NO_WITNESSES,
                "this node submits its checkpoints to no witness",
            ))
        }
        (Some(true), Some(w)) => Some(w.clone()),
        _ => None,
    };
    let found = state
        .node
        .wait_for_tx(&id, Duration::from_millis(wait))
        .await
        .map_err(ApiError::internal)?;
    Ok(match found {
        TxLookup::Committed(mut r) => match witnessing {
            None => (StatusCode::OK, Json(json!(r))).into_response(),
            Some(w) => match w.latest() {
                Some((size, note)) if size > r.leaf_index => {
                    r.inclusion_proof = state
                        .node
                        .inclusion_proof(r.leaf_index, size)
                        .map_err(ApiError::internal)?;
                    r.tree_size = size;
                    r.checkpoint = note;
                    r.checkpoint_height = None;
                    (StatusCode::OK, Json(json!(r))).into_response()
                }
                _ => (
                    StatusCode::ACCEPTED,
                    Json(json!({"tx_id": id, "status": "awaiting_witnesses"})),
                )
                    .into_response(),
            },
        },
        TxLookup::Pending => (
            StatusCode::ACCEPTED,
            Json(json!({"tx_id": id, "status": "pending"})),
        )
            .into_response(),
        TxLookup::Unknown => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                codes::TX_NOT_FOUND,
                "no committed or pending transaction has this id",
            ))
        }
    })
}

/// A block: `{hash, header, transactions, outcomes}`.
#[utoipa::path(get, path = "/v1/blocks/{height}", tag = "blocks",
    params(("height" = u64, Path, description = "Block height, from 1")),
    responses((status = 200, description = "The block", body = Object), (status = 404, description = "Not committed", body = ErrorBody)))]
pub async fn get_block(
    State(state): State<AppState>,
    Path(height): Path<String>,
) -> Result<Response, ApiError> {
    let height: u64 = height.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            "height must be a non-negative integer",
        )
    })?;
    let block = state.node.block(height).map_err(ApiError::internal)?;
    let block = block.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::BLOCK_NOT_FOUND,
            format!("no block at height {height} yet"),
        )
    })?;
    let hash = publica_runtime::block_hash(&block.header);
    let mut v = json!(block.as_ref());
    v["hash"] = json!(hash);
    Ok(Json(v).into_response())
}

/// The chain's head.
#[utoipa::path(get, path = "/v1/status", tag = "chain",
    responses((status = 200, description = "`{chain_id, height, block_hash, state_root, time_ms, log_size, mempool_txs}`", body = Object)))]
pub async fn get_status(State(state): State<AppState>) -> Json<publica_node::Status> {
    Json(state.node.status())
}

/// Which state key to read.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StateQuery {
    /// The key, e.g. `system/note/<account hex>`.
    pub key: String,
}

/// A state value with its proof against the last block's state root.
#[utoipa::path(get, path = "/v1/state", tag = "state",
    params(StateQuery),
    responses(
        (status = 200, description = "`{key, height, state_root, value_hex, value, proof, checkpoint}`; value_hex is null when absent and the proof then shows absence; checkpoint is the signed (in a network: quorum-cosigned) checkpoint naming this height and state root, or null (docs/state-proofs.md)", body = Object),
        (status = 400, description = "Invalid key", body = ErrorBody)))]
pub async fn get_state(
    State(state): State<AppState>,
    q: Result<Query<StateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = crate::error::query_params(q, codes::STATE_INVALID_KEY)?;
    let key = q.key;
    if key.is_empty()
        || key.len() > limits::STATE_KEY_BYTES_MAX
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::STATE_INVALID_KEY,
            format!(
                "a state key is 1..={} printable ASCII characters",
                limits::STATE_KEY_BYTES_MAX
            ),
        ));
    }
    let (ans, checkpoint) = state
        .node
        .state_proof_checkpointed(key.as_bytes(), publica_node::query::STATE_FINAL_WAIT)
        .await;
    // The same checkpoint with the witnesses' lines, when they cosigned
    // this block's (the chain idle since their last round).
    let checkpoint = match (&state.witnessing, checkpoint) {
        (Some(w), Some(own)) => Some(
            w.latest()
                .map(|(_, note)| note)
                .filter(|note| note.starts_with(&own))
                .unwrap_or(own),
        ),
        (_, own) => own,
    };
    Ok(Json(publica_runtime::state_answer::answer_json(
        &key, &ans, checkpoint,
    ))
    .into_response())
}

/// An account's nonces.
#[utoipa::path(get, path = "/v1/accounts/{account}/nonce", tag = "accounts",
    params(("account" = String, Path, description = "Account (public key), 64 hex characters")),
    responses((status = 200, description = "`{account, committed_nonce, next_nonce}`", body = Object), (status = 400, description = "Bad account", body = ErrorBody)))]
pub async fn get_nonce(
    State(state): State<AppState>,
    Path(account): Path<String>,
) -> Result<Response, ApiError> {
    let account: AccountId = account.parse().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            format!("account: {e}"),
        )
    })?;
    let (committed, next) = state.node.nonces(&account);
    Ok(
        Json(json!({"account": account, "committed_nonce": committed, "next_nonce": next}))
            .into_response(),
    )
}

/// The data of a `block` event, written straight from the block.
#[derive(Serialize)]
struct BlockEventData<'a> {
    hash: Hash32,
    height: u64,
    log_size: u64,
    outcomes: Outcomes<'a>,
    state_root: Hash32,
    tx_count: u64,
}

/// What each outcome in a `block` event carries.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeDetail {
    /// The whole outcome, with its events.
    #[default]
    Full,
    /// `tx_id`, `status` and, for a failure, `error`: enough to follow
    /// receipts, in a fraction of the bytes.
    Brief,
    /// No outcomes (`[]`): the block's height, hash, root and count alone,
    /// for a page that shows the chain's head.
    None,
}

/// How to stream block events.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// `full` (default), `brief` or `none` outcomes.
    pub outcomes: Option<OutcomeDetail>,
}

/// A block's outcomes in the detail asked for.
#[derive(Clone, Copy)]
struct Outcomes<'a>(&'a [publica_types::TxOutcome], OutcomeDetail);

/// The brief form of one outcome.
#[derive(Serialize)]
struct BriefOutcome<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a publica_types::TxError>,
    status: publica_types::TxStatus,
    tx_id: Hash32,
}

impl Serialize for Outcomes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            OutcomeDetail::Full => self.0.serialize(serializer),
            OutcomeDetail::Brief => serializer.collect_seq(self.0.iter().map(|o| BriefOutcome {
                error: o.error.as_ref(),
                status: o.status,
                tx_id: o.tx_id,
            })),
            OutcomeDetail::None => serializer.collect_seq(std::iter::empty::<()>()),
        }
    }
}

/// Server-sent events: one `block` event per committed block.
#[utoipa::path(get, path = "/v1/events", tag = "chain",
    params(EventsQuery),
    responses(
        (status = 200, description = "text/event-stream of `block` events `{height, hash, log_size, state_root, tx_count, outcomes}`; with `outcomes=brief` each outcome is `{tx_id, status, error?}`, with `outcomes=none` there are none", content_type = "text/event-stream", body = String),
        (status = 400, description = "An unknown parameter or detail", body = ErrorBody),
    ))]
pub async fn events(
    State(state): State<AppState>,
    q: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, std::convert::Infallible>>>, ApiError> {
    let detail = crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)?
        .outcomes
        .unwrap_or_default();
    let stream = BroadcastStream::new(state.node.subscribe_blocks()).map(move |item| {
        Ok(match item {
            Ok(block) => SseEvent::default()
                .event("block")
                .json_data(BlockEventData {
                    hash: publica_runtime::block_hash(&block.header),
                    height: block.header.height,
                    log_size: block.header.log_size,
                    outcomes: Outcomes(&block.outcomes, detail),
                    state_root: block.header.state_root,
                    tx_count: block.header.tx_count,
                })
                .unwrap_or_else(|_| SseEvent::default().event("error")),
            Err(BroadcastStreamRecvError::Lagged(n)) => SseEvent::default()
                .event("lagged")
                .data(format!("{{\"missed_blocks\":{n}}}")),
        })
    });
    // End the stream when shutdown begins, or graceful shutdown would wait
    // for subscribers forever.
    let mut shutting_down = state.shutting_down.subscribe();
    let stream = futures_util::StreamExt::take_until(stream, async move {
        let _ = shutting_down.wait_for(|down| *down).await;
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: recovered and producing blocks.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "Ready"), (status = 503, description = "Shutting down (`node.unavailable`), or read-only because the disk cannot be written (`node.read_only`)", body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if *state.shutting_down.borrow() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::NODE_UNAVAILABLE,
            "the node is shutting down",
        ));
    }
    if let Some(fault) = state.node.write_fault() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::NODE_READ_ONLY,
            format!("the node cannot write to its disk ({fault}); it serves reads only"),
        ));
    }
    Ok("ready\n")
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.node.metrics_text();
    if let Some(net) = &state.network {
        text.push_str(&net.metrics_text());
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The validator network as this node sees it: `mode` is `single-node`
/// (dev) or `validator`, then its name, peers, executed and final heights,
/// finality latency, relayed transactions and recorded evidence.
#[utoipa::path(get, path = "/v1/network", tag = "operations", responses((status = 200, description = "Consensus status", body = Object)))]
pub async fn network(State(state): State<AppState>) -> Json<Value> {
    let status = match &state.network {
        Some(net) => net.status(),
        None => publica_consensus::NetworkStatus::SingleNode {
            height: state.node.status().height,
        },
    };
    Json(crate::network::sorted_json(&status))
}

/// Every validator-set change the node recorded, each a state answer of
/// `identity/validators` at the block that changed it, with the quorum's
/// checkpoint of that block: a light client that trusts the genesis set
/// follows every set after it (`docs/light-client.md`).
#[utoipa::path(get, path = "/v1/network/set-changes", tag = "operations", responses((status = 200, description = "Validator-set changes with their proofs", body = Object)))]
pub async fn set_changes(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::json!({"changes": state.node.set_changes()}))
}

/// A known path with a method it does not serve.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::REQUEST_METHOD_NOT_ALLOWED,
        "this route does not serve that method; see /openapi.json",
    )
}

/// Any other path: for a browser outside the API, the portal's page
/// saying so; otherwise the API's error.
pub async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let path = uri.path();
    let api = ["/v1/", "/tile/", "/checkpoint"]
        .iter()
        .any(|p| path.starts_with(p));
    let mut r = if !api && publica_portal::wants_html(&headers) {
        publica_portal::not_found(&headers, path)
    } else {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::REQUEST_NOT_FOUND,
            "no such route; see /openapi.json",
        )
        .into_response()
    };
    // The answer depends on what the client accepts: caches must know.
    r.headers_mut()
        .insert(header::VARY, axum::http::HeaderValue::from_static("Accept"));
    r
}

/// The chain's genesis file.
#[utoipa::path(get, path = "/v1/genesis", tag = "chain", responses((status = 200, description = "The genesis (docs/genesis.md)", body = Object)))]
pub async fn genesis(State(state): State<AppState>) -> Result<Response, ApiError> {
    let g = state
        .node
        .genesis()
        .ok_or_else(|| ApiError::internal("the data directory has no readable genesis"))?;
    Ok(Json(g).into_response())
}
