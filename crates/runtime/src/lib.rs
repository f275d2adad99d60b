//! Publica's runtime: checks each transaction's chain, expiry and nonce,
//! checks the authority its call needs, dispatches it to the module that owns
//! it, and records an outcome. Execution is a pure function of (state, block).
//!
//! A failed call changes no module state; its transaction is still recorded
//! with an error code. Only a failure *after* the nonce check consumes the
//! nonce (otherwise the same signed transaction could be replayed).

pub mod authz;
pub mod block;
pub mod context;
pub mod index;
pub mod kit;
pub mod module;
pub mod nonce;
pub mod overlay;
pub mod receipt;
pub mod routes;
pub mod runtime;
pub mod state_answer;
pub mod system;
pub mod testkit;

pub use block::{
    append_committed, assemble_block, assemble_header, block_hash, ledger_events_leaf, log_entry,
    outcome_leaf, tx_leaf, BlockEnv, CommittedBlockError,
};
pub use context::CallContext;
pub use index::{Field, Fields, IndexEntry, IndexFiler};
pub use kit::{Calls, Need, Rejections, TypedModule};
pub use module::{Authority, Module};
pub use overlay::StateRead;
pub use routes::{ReadError, ReadView, Reply, Route, RouteRequest};
pub use runtime::{BlockResult, ReplayError, Runtime};
