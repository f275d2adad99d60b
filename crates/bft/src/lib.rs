//! Publica's chain ordered by an existing BFT engine: commonware's simplex
//! consensus with its marshal (ordered delivery of finalized blocks, block
//! broadcast, backfill). See `docs/adr/0001-bft-engine.md`.
//!
//! - [`BftBlock`]: what the engine orders (signed transactions, time, and
//!   the proposer's hash of the parent's Publica header).
//! - [`Ledger`]: one validator's execution of finalized blocks with the
//!   Publica runtime.
//! - [`PublicaApp`]: the engine's application (propose, verify, execute).
//! - [`BftConsensus`]: the engine as a node's `Consensus`, started by
//!   `Node::start` with the node's mempool and block pipeline.
//! - [`Evidence`]: proven equivocations, recorded from the engine.
//! - [`Epochs`]: the validator set of each engine epoch, as the ledger's
//!   state records it (identity governance changes it).
//! - [`Finality`]: cosigned checkpoints (C2SP `cosignature/v1`) from a
//!   quorum of validators, the finality evidence receipts carry.
//! - [`sim`]: a deterministic, seed-replayable N-validator simulation with
//!   partitions, slow links and faulty validators.

pub mod app;
pub mod block;
pub mod consensus;
pub mod engine;
pub mod epochs;
pub mod evidence;
pub mod executor;
pub mod finality;
pub mod ledger;
pub mod network;
mod orchestrator;
pub mod sim;
pub mod sync;

pub use app::{ChainStats, Fault, PublicaApp};
pub use block::BftBlock;
/// A validator's consensus (and p2p) public key.
pub use commonware_cryptography::ed25519::PublicKey as ConsensusKey;
pub use consensus::{BftConsensus, BftSettings, Engine, EngineStarting, StartError};
pub use epochs::Epochs;
pub use evidence::{Evidence, EvidenceError};
pub use executor::{Executor, NodeExecutor};
pub use finality::{FinalHook, Finality, Gossip};
pub use ledger::{Invalid, Ledger};
pub use sync::{Floor, FloorError, FloorFile, Floors};
