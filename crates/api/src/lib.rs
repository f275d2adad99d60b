//! Publica's HTTP API (axum): transactions, receipts, blocks, state proofs,
//! server-sent events, health, Prometheus metrics, the modules' read APIs
//! (declared by each module, mounted from the registry) and an OpenAPI 3.1
//! document generated from the handlers and the modules' routes.
//!
//! Every error is JSON `{code, message}` with a fitting HTTP status; every
//! request body has a size limit; every client IP has a request-rate limit
//! and a connection cap; a request header must arrive within a timeout.

pub mod citydata;
pub mod connections;
pub mod error;
pub mod handlers;
pub mod keeper;
pub mod log_routes;
pub mod module_routes;
pub mod network;
pub mod object_store;
pub mod openapi;
pub mod ratelimit;
pub mod records;
pub mod server;
pub mod sync_routes;
pub mod witness;
pub mod witnessing;

pub use connections::ConnectionLimits;
pub use error::ApiError;
pub use network::{FloorFuture, NetworkView};
pub use server::{router, serve, serve_only, ApiConfig, TX_BURST_DEFAULT, TX_RATE_PER_S_DEFAULT};
