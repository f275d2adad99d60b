//! The router, its limits and the server loop with graceful shutdown.

use crate::error::ApiError;
use crate::network::NetworkView;
use crate::ratelimit::RateLimiter;
use crate::{handlers, log_routes, module_routes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use publica_node::Node;
use publica_types::{codes, limits};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// Largest body of the single-transaction endpoint, in bytes.
const SINGLE_BODY_BYTES_MAX: usize = limits::TX_BYTES_MAX + 1024;

/// HTTP settings.
#[derive(Clone)]
pub struct ApiConfig {
    /// Requests per second each client IP may sustain.
    pub rate_limit_per_s: u32,
    /// Requests a client may send in a burst.
    pub rate_limit_burst: u32,
    /// Transactions (signature checks) per second each client IP may
    /// submit, whether one by one or in batches.
    pub tx_rate_per_s: u32,
    /// Transactions a client may submit at once; no batch may be larger.
    pub tx_burst: u32,
    /// In a validator network: the consensus side's status and metrics.
    pub network: Option<Arc<dyn NetworkView>>,
    /// The portal merges payment cells with fewer recipients than this.
    pub min_cell_recipients: u64,
    /// Header-read timeout and connection caps.
    pub connections: crate::ConnectionLimits,
    /// Where the record store keeps ciphertexts, when not in the data
    /// directory.
    pub records_s3: Option<crate::object_store::S3Config>,
    /// Witnesses the node submits its checkpoints to (docs/witnesses.md).
    pub witnesses: Vec<crate::witnessing::WitnessTarget>,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("rate_limit_per_s", &self.rate_limit_per_s)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field("tx_rate_per_s", &self.tx_rate_per_s)
            .field("tx_burst", &self.tx_burst)
            .field("network", &self.network.is_some())
            .field("min_cell_recipients", &self.min_cell_recipients)
            .field("connections", &self.connections)
            .field("records_s3", &self.records_s3)
            .field("witnesses", &self.witnesses)
            .finish()
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            rate_limit_per_s: 2_000,
            rate_limit_burst: 4_000,
            tx_rate_per_s: TX_RATE_PER_S_DEFAULT,
            tx_burst: TX_BURST_DEFAULT,
            network: None,
            min_cell_recipients: publica_portal::MIN_CELL_RECIPIENTS_DEFAULT,
            connections: crate::ConnectionLimits::default(),
            records_s3: None,
            witnesses: Vec::new(),
        }
    }
}

/// Transactions per second a client IP may submit by default: about an
/// eighth of what one core verifies (80,000-90,000 a second in batches), so
/// that no one client takes more of a node's CPU with signatures, good or
/// bad.
pub const TX_RATE_PER_S_DEFAULT: u32 = 10_000;

/// Transactions a client may submit at once by default: two full batches.
pub const TX_BURST_DEFAULT: u32 = 20_000;

/// Shared by all handlers.
#[derive(Clone)]
pub struct AppState {
    /// The node.
    pub node: Node,
    /// Per-client limiter of requests.
    pub limiter: Arc<RateLimiter>,
    /// Per-client limiter of transactions submitted.
    pub tx_limiter: Arc<RateLimiter>,
    /// Turns true once shutdown begins: readiness fails, event streams end.
    pub shutting_down: Arc<watch::Sender<bool>>,
    /// The consensus side, in a validator network.
    pub network: Option<Arc<dyn NetworkView>>,
    /// Permits for expensive queries (program dry runs) running at once.
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// The public portal's settings.
    pub portal: publica_portal::PortalConfig,
    /// The store of records kept off the ledger.
    pub records: Arc<crate::records::RecordStore>,
    /// The store of published city data batches.
    pub citydata: Arc<crate::citydata::DataStore>,
    /// The witnesses the node submits its checkpoints to, if any.
    pub witnessing: Option<Arc<crate::witnessing::Witnessing>>,
}

/// Expensive queries (program dry runs) a node runs at once; more are
/// answered `429 request.rate_limited`.
pub const HEAVY_QUERIES_AT_ONCE: usize = 2;

async fn rate_limit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    // Probes and metrics are outside the clients' budget: an operator's
    // monitoring keeps working while a client is being refused.
    let probe = matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics");
    if !probe && !state.limiter.allow(addr.ip()) {
        publica_node::Metrics::add(&state.node.metrics().http_rate_limited_total, 1);
        let retry = state.limiter.retry_after_s(addr.ip());
        let mut refused = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::REQUEST_RATE_LIMITED,
            "too many requests from this address; slow down",
        )
        .into_response();
        refused
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, retry.into());
        return refused;
    }
    next.run(req).await
}

/// The API's routes, limits and middleware.
pub fn router(state: AppState) -> Router {
    let doc = crate::openapi::document();
    let router = Router::new()
        .route(
            "/v1/transactions",
            post(handlers::submit_tx).layer(DefaultBodyLimit::max(SINGLE_BODY_BYTES_MAX)),
        )
        .route(
            "/v1/transactions/batch",
            post(handlers::submit_batch).layer(DefaultBodyLimit::max(limits::BATCH_BODY_BYTES_MAX)),
        )
        .route("/v1/transactions/{tx_id}", get(handlers::get_tx))
        .route(
            "/v1/records/store",
            get(crate::records::store_key)
                .post(crate::records::upload)
                .layer(DefaultBodyLimit::max(crate::records::UPLOAD_BODY_BYTES_MAX)),
        )
        .route(
            "/v1/records/release",
            post(crate::records::release_key).layer(DefaultBodyLimit::max(
                publica_runtime::routes::ROUTE_BODY_BYTES_MAX,
            )),
        )
        .route(
            "/v1/records/copy",
            post(crate::records::copy)
                .layer(DefaultBodyLimit::max(crate::records::UPLOAD_BODY_BYTES_MAX)),
        )
        .route(
            "/v1/data-store",
            post(crate::citydata::upload).layer(DefaultBodyLimit::max(
                crate::citydata::UPLOAD_BODY_BYTES_MAX,
            )),
        )
        .route(
            "/v1/data-store/{agency}/{dataset}/{seq}",
            get(crate::citydata::open_content).post(crate::citydata::restricted_content),
        )
        .route("/v1/blocks/{height}", get(handlers::get_block))
        .route("/v1/status", get(handlers::get_status))
        .route("/v1/network", get(handlers::network))
        .route("/v1/network/set-changes", get(handlers::set_changes))
        .route("/v1/sync/floor", get(crate::sync_routes::floor))
        .route("/v1/sync/blocks", get(crate::sync_routes::blocks))
        .route("/v1/sync/snapshot", get(crate::sync_routes::snapshot))
        .route("/v1/state", get(handlers::get_state))
        .route("/v1/accounts/{account}/nonce", get(handlers::get_nonce))
        .route("/v1/events", get(handlers::events))
        .route("/checkpoint", get(log_routes::checkpoint))
        .route("/tile/{*path}", get(log_routes::tile))
        .route("/v1/log", get(log_routes::log_info))
        .route("/v1/log/witnessed", get(log_routes::witnessed))
        .route("/v1/log/consistency", get(log_routes::consistency))
        .route("/v1/genesis", get(handlers::genesis))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .route("/openapi.json", get(move || async move { Json(doc) }));
    let portal = publica_portal::Portal::new(state.node.clone(), state.portal.clone());
    module_routes::mount(router)
        .merge(publica_portal::router(portal))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves, then stops
/// taking requests, lets in-flight ones finish and stops the node.
pub async fn serve(
    node: Node,
    listener: tokio::net::TcpListener,
    config: ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_only(node.clone(), listener, config, shutdown).await?;
    tokio::task::spawn_blocking(move || node.shutdown())
        .await
        .map_err(std::io::Error::other)?;
    Ok(())
}

/// Serves the API like [`serve`] but leaves the node running: a validator
/// stops its engine (which holds the node's pipeline) before the node.
pub async fn serve_only(
    node: Node,
    listener: tokio::net::TcpListener,
    config: ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shutting_down = Arc::new(watch::Sender::new(false));
    let (dir, s3) = (node.config().data_dir.clone(), config.records_s3.clone());
    let records =
        tokio::task::spawn_blocking(move || crate::records::RecordStore::open(&dir, s3.as_ref()))
            .await
            .map_err(std::io::Error::other)??;
    let records = Arc::new(records);
    crate::records::spawn_keeper(records.clone(), node.clone(), shutting_down.subscribe());
    let dir = node.config().data_dir.clone();
    let citydata = tokio::task::spawn_blocking(move || crate::citydata::DataStore::open(&dir))
        .await
        .map_err(std::io::Error::other)??;
    let citydata = Arc::new(citydata);
    crate::citydata::spawn_keeper(citydata.clone(), node.clone(), shutting_down.subscribe());
    let witnessing = (!config.witnesses.is_empty()).then(|| {
        let w = crate::witnessing::Witnessing::new(config.witnesses.clone());
        let network = config.network.is_some();
        crate::witnessing::spawn(
            w.clone(),
            node.clone(),
            move |n: &Node| {
                if network {
                    n.latest_final_checkpoint()
                } else {
                    Some(n.checkpoint())
                }
            },
            shutting_down.subscribe(),
        );
        w
    });
    let state = AppState {
        records,
        citydata,
        witnessing,
        node: node.clone(),
        limiter: Arc::new(RateLimiter::new(
            config.rate_limit_per_s,
            config.rate_limit_burst,
        )),
        tx_limiter: Arc::new(RateLimiter::new(config.tx_rate_per_s, config.tx_burst)),
        shutting_down: shutting_down.clone(),
        network: config.network.clone(),
        heavy: Arc::new(tokio::sync::Semaphore::new(HEAVY_QUERIES_AT_ONCE)),
        portal: publica_portal::PortalConfig {
            min_cell_recipients: config.min_cell_recipients,
            network: config.network.clone().map(|n| {
                let status: Arc<dyn Fn() -> publica_consensus::NetworkStatus + Send + Sync> =
                    Arc::new(move || n.status());
                status
            }),
        },
    };
    let app = router(state);
    let flag = shutting_down.clone();
    let refused =
        move || publica_node::Metrics::add(&node.metrics().http_connections_refused_total, 1);
    crate::connections::serve(listener, app, config.connections, refused, async move {
        shutdown.await;
        flag.send_replace(true);
        tracing::info!("shutting down: finishing in-flight requests");
    })
    .await
}
