//! The boundary itself: what consensus pulls proposals from, where it
//! pushes ordered batches, and how it is started and stopped.

use publica_types::{BlockHeader, Envelope, Hash32, VerifiedTx};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// An ordered batch of transactions that consensus decided on.
#[derive(Debug)]
pub struct OrderedBatch {
    /// The transactions, in execution order.
    pub transactions: Vec<VerifiedTx>,
    /// The proposer's time for the block, ms since the Unix epoch (the node
    /// keeps block time monotonic).
    pub proposed_time_ms: u64,
}

/// Transactions taken for a block, and their size in bytes (signing bytes).
#[derive(Debug, Default)]
pub struct TakenBatch {
    /// The transactions, in order.
    pub transactions: Vec<VerifiedTx>,
    /// Sum of their signing bytes.
    pub bytes: usize,
}

/// Source of transactions to propose.
pub trait TxSource: Send + Sync {
    /// Waits until `max` transactions, or `max_bytes` of them, are
    /// available or `deadline` passes, then takes up to `max` of them in
    /// order, stopping before the first that would pass `max_bytes`
    /// (possibly none).
    fn take_batch(&self, max: usize, max_bytes: usize, deadline: Instant) -> TakenBatch;

    /// Up to `max` pending transactions, oldest first, without taking them:
    /// a BFT proposal may never be finalized, so they stay pending until
    /// committed. `skip` leaves out ids (those in unfinalized ancestors).
    fn peek_batch(&self, max: usize, skip: &dyn Fn(&Hash32) -> bool) -> Vec<VerifiedTx>;

    /// The height up to which committed blocks have left the pool: their
    /// transactions are no longer offered by [`TxSource::peek_batch`]. It
    /// can trail the executed height (blocks on their way to disk), so a
    /// proposer skips the transactions of every ancestor above it.
    fn settled_height(&self) -> u64 {
        0
    }

    /// For each (id, signature): whether this pool admitted exactly that
    /// transaction with exactly that signature (its signature was verified
    /// then), so a vote need not verify it again.
    fn admitted(&self, txs: &[(Hash32, publica_types::SignatureBytes)]) -> Vec<bool> {
        vec![false; txs.len()]
    }

    /// The key `account` signs with since a rotation, as of the settled
    /// height; `None` if it never rotated.
    fn current_key(&self, _account: &publica_types::AccountId) -> Option<publica_types::AccountId> {
        None
    }

    /// Admits transactions another validator admitted and relayed (the
    /// same checks as a client's submission, without relaying them
    /// again); returns how many it admitted.
    fn admit_relayed(&self, _txs: Vec<Envelope>) -> usize {
        0
    }

    /// From now on, hands every batch of transactions a client submitted
    /// and this pool admitted to `relay` (a validator network's gossip, so
    /// that every leader has them).
    fn set_relay(&self, _relay: Relay) {}
}

/// Why a [`BlockSink`] could not take an ordered batch: fatal, the node
/// stops and recovers from its log on restart.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The thread that makes executed blocks durable has ended.
    #[error("the persister stopped")]
    PersisterStopped,
}

/// Why a [`BlockSink`] refused a final checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum FinalCheckpointError {
    /// The sink keeps no final checkpoints (a single node).
    #[error("this node keeps no final checkpoints")]
    NotKept,
    /// The note has no blank line between its text and its signatures.
    #[error("not a signed note")]
    NotSignedNote,
    /// The note's text is not a checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] publica_log::CheckpointError),
    /// The checkpoint is of another log.
    #[error("checkpoint of another log ('{origin}')")]
    OtherLog {
        /// The checkpoint's origin.
        origin: String,
    },
    /// The node's log has another root at the checkpoint's size.
    #[error("checkpoint of size {size} is not one of this log")]
    NotThisLog {
        /// The checkpoint's log size.
        size: u64,
    },
}

/// Receives the transactions a validator admitted, to pass them on.
pub type Relay = Arc<dyn Fn(Vec<Envelope>) + Send + Sync>;

/// Executes and persists ordered batches.
pub trait BlockSink: Send + Sync {
    /// Executes the batch as the next block and hands it to persistence;
    /// the node publishes it (receipts, state, events) only once it is
    /// durable (dev) or final (network). It may block while the previous
    /// block is still being persisted. An error is fatal: the node stops
    /// and recovers from its log on restart.
    fn commit(&self, batch: OrderedBatch) -> Result<(), CommitError>;

    /// True when the ledger has work due at `now_ms` (scheduled payouts),
    /// so a block should be cut even with no transaction waiting.
    fn wants_block(&self, _now_ms: u64) -> bool {
        false
    }

    /// The header of the last executed block (it may still be on its way
    /// to disk), if any.
    fn executed_tip(&self) -> Option<BlockHeader>;

    /// The hash of the executed header at `height`, for the last
    /// [`EXECUTED_HEADERS_KEPT`] heights (zero for height 0).
    fn executed_header_hash(&self, height: u64) -> Option<Hash32>;

    /// The ledger format block `height` is executed by
    /// (`publica_types::format`).
    fn ledger_format(&self, _height: u64) -> u32 {
        publica_types::format::LEDGER_FORMAT
    }

    /// A value of the executed state (after the last executed block).
    fn executed_state_value(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }

    /// Receipts carry only checkpoints a validator quorum cosigned
    /// ([`BlockSink::add_final_checkpoint`]): until one covers a
    /// transaction, it is pending. A consensus whose blocks are final only
    /// with a quorum's cosignatures calls this before its first block.
    fn require_final_checkpoints(&self) {}

    /// Records a checkpoint of the node's log that a quorum of validators
    /// cosigned (checked by the caller) as the final checkpoint of block
    /// `height`; refused unless it is one of this log.
    fn add_final_checkpoint(&self, _height: u64, _note: &str) -> Result<(), FinalCheckpointError> {
        Err(FinalCheckpointError::NotKept)
    }
}

/// Executed header hashes a [`BlockSink`] answers for.
pub const EXECUTED_HEADERS_KEPT: usize = 4096;

/// A running consensus instance.
pub trait Consensus: Send {
    /// Starts ordering: pulls from `source`, pushes to `sink`.
    fn start(
        self: Box<Self>,
        source: Arc<dyn TxSource>,
        sink: Arc<dyn BlockSink>,
    ) -> ConsensusHandle;
}

/// Stops a running consensus instance.
pub struct ConsensusHandle {
    stop: Arc<AtomicBool>,
    /// Wakes a consensus that waits on something other than `stop` (an
    /// engine's async runtime).
    wake: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ConsensusHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsensusHandle")
            .field("stop", &self.stop)
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

impl ConsensusHandle {
    /// A handle that raises `stop` and joins `thread` (if any).
    pub fn new(stop: Arc<AtomicBool>, thread: Option<JoinHandle<()>>) -> Self {
        ConsensusHandle {
            stop,
            wake: None,
            thread,
        }
    }

    /// Also calls `wake` when asked to stop, before joining the thread.
    pub fn with_wake(mut self, wake: Box<dyn FnOnce() + Send>) -> Self {
        self.wake = Some(wake);
        self
    }

    /// Asks it to stop after the block in progress, and waits.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(wake) = self.wake.take() {
            wake();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
