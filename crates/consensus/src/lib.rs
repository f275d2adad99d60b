//! The `Consensus` boundary: whatever orders transactions into blocks — the
//! dev sequencer here, a BFT engine later — drives the node through the same
//! two interfaces, so the node, the runtime and the API never change with it.
//!
//! - [`TxSource`]: where proposals come from (the node's mempool).
//! - [`BlockSink`]: where ordered batches go to be executed and made durable;
//!   the node publishes a block only once it is durable (dev) or final
//!   (network).

use publica_types::limits::{BLOCK_TX_BYTES_MAX, TX_BYTES_MAX};
use publica_types::now_ms;
use publica_types::{BlockHeader, Hash32, VerifiedTx};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
}

/// Executes and persists ordered batches.
pub trait BlockSink: Send + Sync {
    /// Executes the batch as the next block and hands it to persistence;
    /// the node publishes it (receipts, state, events) only once it is
    /// durable (dev) or final (network). It may block while the previous
    /// block is still being persisted. An error is fatal: the node stops
    /// and recovers from its log on restart.
    fn commit(&self, batch: OrderedBatch) -> Result<(), String>;

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

    /// A value of the executed state (after the last executed block).
    fn executed_state_value(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
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
#[derive(Debug)]
pub struct ConsensusHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ConsensusHandle {
    /// A handle that raises `stop` and joins `thread` (if any).
    pub fn new(stop: Arc<AtomicBool>, thread: Option<JoinHandle<()>>) -> Self {
        ConsensusHandle { stop, thread }
    }

    /// Asks it to stop after the block in progress, and waits.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Dev-mode ordering: a single local sequencer that cuts a block every
/// `block_interval_ms`, or as soon as `block_txs_max` transactions wait.
/// Empty intervals produce no block, unless the ledger has scheduled work
/// due ([`BlockSink::wants_block`]).
#[derive(Debug, Clone)]
pub struct DevSequencer {
    /// Longest wait before a non-empty block is cut.
    pub block_interval_ms: u64,
    /// Most transactions per block.
    pub block_txs_max: usize,
}

impl Consensus for DevSequencer {
    fn start(
        self: Box<Self>,
        source: Arc<dyn TxSource>,
        sink: Arc<dyn BlockSink>,
    ) -> ConsensusHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let interval = Duration::from_millis(self.block_interval_ms.max(1));
        let thread = std::thread::Builder::new()
            .name("dev-sequencer".into())
            .spawn(move || {
                let mut pending: Vec<VerifiedTx> = Vec::new();
                let mut pending_bytes = 0usize;
                let mut cut_at = Instant::now() + interval;
                loop {
                    let stopping = stop_flag.load(Ordering::SeqCst);
                    if !stopping {
                        // Short waits keep shutdown prompt even with long intervals.
                        let wait_until = cut_at.min(Instant::now() + Duration::from_millis(200));
                        let room = self.block_txs_max - pending.len();
                        let room_bytes = BLOCK_TX_BYTES_MAX - pending_bytes;
                        let taken = source.take_batch(room, room_bytes, wait_until);
                        pending.extend(taken.transactions);
                        pending_bytes += taken.bytes;
                    }
                    // Full by count, or with less room than the largest
                    // transaction could need.
                    let full = pending.len() >= self.block_txs_max
                        || BLOCK_TX_BYTES_MAX - pending_bytes < TX_BYTES_MAX;
                    if stopping || full || Instant::now() >= cut_at {
                        // The next interval runs from this cut, not from the
                        // end of this block's commit: a block that takes
                        // longer than the interval to commit is followed by
                        // the next at once, so waiting transactions are not
                        // held for a commit and an interval in turn.
                        cut_at = Instant::now() + interval;
                        if !pending.is_empty() || (!stopping && sink.wants_block(now_ms())) {
                            pending_bytes = 0;
                            let batch = OrderedBatch {
                                transactions: std::mem::take(&mut pending),
                                proposed_time_ms: now_ms(),
                            };
                            if let Err(e) = sink.commit(batch) {
                                tracing::error!(error = %e, "committing a block failed; stopping the node");
                                std::process::abort();
                            }
                        }
                    }
                    if stopping {
                        break;
                    }
                }
            })
            .expect("spawning the sequencer thread");
        ConsensusHandle {
            stop,
            thread: Some(thread),
        }
    }
}
