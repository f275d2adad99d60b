//! The interface every public-service module implements.

use crate::context::CallContext;
use publica_types::TxError;
use serde_json::Value;

/// What a call requires of its signer; the runtime checks it before the
/// module runs. Later issues add agency roles and multi-signature policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// Any valid signature (e.g. registering one's own account).
    AnySigner,
    /// The signer must have registered its account with `system`.
    RegisteredAccount,
}

/// A module: a set of calls over state under its own key prefix
/// (`<name>/...`), with events.
pub trait Module: Send + Sync {
    /// The module's name, also its state key prefix.
    fn name(&self) -> &'static str;
    /// The authority `method` needs, or `None` if there is no such method.
    fn authority(&self, method: &str) -> Option<Authority>;
    /// Runs `method`. On `Err` every write made through `ctx` is discarded.
    fn execute(&self, ctx: &mut CallContext<'_>, method: &str, args: &Value)
        -> Result<(), TxError>;
}

/// Parses a call's arguments into a typed struct (unknown fields rejected).
pub fn parse_args<T: serde::de::DeserializeOwned>(args: &Value) -> Result<T, TxError> {
    T::deserialize(args).map_err(|e| {
        TxError::new(
            publica_types::codes::CALL_INVALID_ARGS,
            format!("invalid arguments: {e}"),
        )
    })
}
