//! A Publica node: the mempool (admission), the block pipeline (execute,
//! persist, index, notify), recovery from disk, and the wiring of storage,
//! runtime and consensus. The HTTP layer (`publica-api`) drives it through
//! [`Node`]'s methods only.

pub mod admission;
pub mod backup;
pub mod config;
mod event_index;
pub mod genesis;
mod log_levels;
pub mod logkey;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod pipeline;
pub mod query;
mod recent;
pub mod recovery;
mod set_changes;
mod txindex;

pub use config::{ConfigError, NodeConfig};
pub use metrics::Metrics;
pub use node::{FinalCheckpointError, Node, NodeError, Relay};
pub use query::{NodeReadView, QueryError, Receipt, StateProofAnswer, Status, TxLookup};
pub use recovery::{
    check_ledger, migrate, verify_chain, ChainVerification, LedgerCheck, Migration,
};
