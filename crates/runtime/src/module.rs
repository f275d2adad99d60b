//! The interface every public-service module implements.

use crate::authz::Role;
use crate::context::CallContext;
use crate::index::IndexFiler;
use publica_types::TxError;
use serde_json::Value;

/// What a call requires of its signer; the runtime checks it before the
/// module runs. Acts that need several officials go through `identity`
/// proposals, which run the act once enough approvals are in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authority {
    /// Any valid signature (e.g. registering one's own account).
    AnySigner,
    /// The signer must have registered its account with `system`.
    RegisteredAccount,
    /// The signer must hold `role` in `agency`.
    AgencyRole {
        /// The agency id.
        agency: String,
        /// The role.
        role: Role,
    },
}

/// A module: a set of calls over state under its own key prefix
/// (`<name>/...`), with events.
pub trait Module: Send + Sync {
    /// The module's name, also its state key prefix.
    fn name(&self) -> &'static str;
    /// The authority `method` with `args` needs. An unknown method is
    /// `call.unknown_method`; arguments that name no agency where one is
    /// needed are `call.invalid_args`.
    fn authority(&self, method: &str, args: &Value) -> Result<Authority, TxError>;
    /// Runs `method`. On `Err` every write made through `ctx` is discarded.
    fn execute(&self, ctx: &mut CallContext<'_>, method: &str, args: &Value)
        -> Result<(), TxError>;

    /// The module's own work at the start of every block, before any
    /// transaction (scheduled payouts): it runs as the ledger
    /// ([`CallContext::tx_id`] is `None`), must be deterministic and
    /// bounded, and its events are the block's `ledger_events`. Failures
    /// are the module's to record; nothing here can fail the block.
    fn begin_block(&self, _ctx: &mut CallContext<'_>) {}

    /// Moves the module's state to ledger `format` at the first block
    /// executed by it, before that block's start-of-block work: run as
    /// [`Self::begin_block`] is (no signer, deterministic, bounded, its
    /// events among the block's `ledger_events`), once, when a data
    /// directory migrated to `format` reaches the height it starts at. A
    /// migration over several formats calls it for each in turn.
    fn upgrade(&self, _ctx: &mut CallContext<'_>, _format: u32) {}

    /// The earliest block time (ms) at which [`Self::begin_block`] has work
    /// to do, so the sequencer cuts a block then even if no transaction
    /// waits. `None`: nothing scheduled.
    fn next_due_ms(&self, _state: &publica_state::StateTree) -> Option<u64> {
        None
    }

    /// Whether [`Self::prepare`] does anything: the node runs it only for
    /// modules that say so.
    fn prepares(&self) -> bool {
        false
    }

    /// Work a transaction's execution will need, done ahead on the node's
    /// admission workers (in parallel, before the transaction is queued):
    /// pure checks whose results execution may reuse, keyed by everything
    /// they depend on (an election's ballot proofs). It reads the
    /// committed `state` and writes nothing; execution gives the same
    /// outcome whether it ran, failed or was skipped (a validator that
    /// received the transaction from a peer may not have run it), only
    /// faster.
    ///
    /// `Err` refuses the transaction at admission, so it never reaches a
    /// block: only for a refusal execution would certainly make too,
    /// whatever is committed before it (a proof that fails against inputs
    /// the ledger can no longer change). Anything that may still change
    /// (a window, a count, a phase not reached) is left to execution.
    fn prepare(
        &self,
        _state: &dyn crate::StateRead,
        _tx: (&publica_types::Hash32, &publica_types::AccountId),
        _method: &str,
        _args: &Value,
    ) -> Result<(), TxError> {
        Ok(())
    }

    /// Files what one of this module's committed events puts in the
    /// node's event index, through `filer`: e.g. a transfer files one
    /// entry under each account it touched. The index lives beside the
    /// state, not in it: it is derived from committed blocks (rebuilt from
    /// them at start-up), costs no state and is under no root, while each
    /// entry names the transaction whose receipt proves it. Keys are the
    /// module's own; the filer prefixes them with its name.
    fn index_event(&self, _kind: &str, _data: &Value, _filer: &mut IndexFiler<'_>) {}

    /// The module's rejection codes: code, HTTP status, meaning (modules on
    /// the kit list their [`crate::kit::Rejections`]).
    fn rejections(&self) -> Vec<(&'static str, u16, &'static str)> {
        Vec::new()
    }

    /// The routes the node serves for this module (its read API).
    fn routes(&self) -> &'static [crate::routes::Route] {
        &[]
    }
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

/// The error for a method a module does not have.
pub fn unknown_method(module: &str, method: &str) -> TxError {
    TxError::new(
        publica_types::codes::CALL_UNKNOWN_METHOD,
        format!("module '{module}' has no method '{method}'"),
    )
}

/// The agency id a call names in `field` (the agency the signer acts for),
/// or `call.invalid_args`. Modules use it to declare `Authority::AgencyRole`.
pub fn agency_arg(args: &Value, field: &str) -> Result<String, TxError> {
    args.get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            TxError::new(
                publica_types::codes::CALL_INVALID_ARGS,
                format!("missing '{field}' (the agency the signer acts for)"),
            )
        })
}
