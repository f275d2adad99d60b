//! The error a transaction or a request fails with: a stable code and a
//! sentence for people.

use serde::{Deserialize, Serialize};

/// A machine-readable code (see [`crate::codes`]) and a human sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(deny_unknown_fields)]
#[error("{code}: {message}")]
pub struct TxError {
    /// Stable code, e.g. `tx.nonce_replayed`.
    pub code: String,
    /// What went wrong and, where possible, what to do about it.
    pub message: String,
}

impl TxError {
    /// Builds an error from a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        TxError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}
