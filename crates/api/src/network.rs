//! What the API asks of a validator's consensus side: its status
//! (`GET /v1/network`), its metrics (appended to `GET /metrics`) and the
//! floor it offers to validators that sync state (`GET /v1/sync/floor`).
//! A dev node has none; `publica-validator` implements it for a validator.

use publica_consensus::{FloorFile, NetworkStatus};
use std::future::Future;
use std::pin::Pin;

/// A validator's consensus side, as the API shows it.
pub trait NetworkView: Send + Sync {
    /// Its status (`GET /v1/network`).
    fn status(&self) -> NetworkStatus;

    /// Its metrics, Prometheus text (appended to `GET /metrics`).
    fn metrics_text(&self) -> String;

    /// The newest floor it offers to validators that sync state, if it
    /// holds one.
    fn floor(&self) -> FloorFuture;
}

/// What looking for a floor answers.
pub type FloorFuture = Pin<Box<dyn Future<Output = Option<FloorFile>> + Send>>;

/// `value` as JSON whose objects list their keys in sorted order: the
/// order `GET /v1/network` and `GET /v1/sync/floor` have always given,
/// whatever order the types declare their fields in.
pub(crate) fn sorted_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| {
        tracing::error!("a network status does not serialize: {e}");
        serde_json::Value::Null
    })
}
