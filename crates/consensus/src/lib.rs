//! The `Consensus` boundary: whatever orders transactions into blocks — the
//! dev sequencer here, the BFT engine in `publica-bft` — is started by the
//! node with the same two interfaces, so the node, the runtime and the API
//! never change with it.
//!
//! - [`TxSource`]: where proposals come from (the node's mempool).
//! - [`BlockSink`]: where ordered batches go to be executed and made durable;
//!   the node publishes a block only once it is durable (dev) or final
//!   (network).
//! - [`NetworkStatus`]: what a validator network's consensus reports about
//!   itself (`GET /v1/network`), and [`FloorFile`], the floor it offers to
//!   validators that sync state.

mod boundary;
mod dev;
pub mod status;

pub use boundary::{
    BlockSink, CommitError, Consensus, ConsensusHandle, FinalCheckpointError, OrderedBatch, Relay,
    TakenBatch, TxSource, EXECUTED_HEADERS_KEPT,
};
pub use dev::DevSequencer;
pub use status::{
    ChainStats, EvidenceShown, FloorFile, NetworkStatus, PeerHeard, RelayCounts, SetChange,
    ValidatorAddress, ValidatorStatus,
};
