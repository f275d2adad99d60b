//! Dev-mode ordering: one local sequencer, no votes.

use crate::{BlockSink, Consensus, ConsensusHandle, OrderedBatch, TxSource};
use publica_types::limits::{BLOCK_TX_BYTES_MAX, TX_BYTES_MAX};
use publica_types::{now_ms, VerifiedTx};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// How many times faster than the wall clock the chain's clock runs
    /// (1: the wall clock). Above 1 only for demos and tests of what
    /// happens over time — a market day, monthly payouts — on a dev chain:
    /// block times run ahead of the real time.
    pub time_scale: u32,
}

/// The chain's clock of a [`DevSequencer`]: the wall clock, sped up from
/// the sequencer's start by its time scale.
struct Clock {
    started: Instant,
    wall_ms: u64,
    scale: u64,
}

impl Clock {
    fn now_ms(&self) -> u64 {
        if self.scale == 1 {
            return now_ms();
        }
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.wall_ms
            .saturating_add(elapsed.saturating_mul(self.scale))
    }
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
        let clock = Clock {
            started: Instant::now(),
            wall_ms: now_ms(),
            scale: u64::from(self.time_scale.max(1)),
        };
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
                        let now = clock.now_ms();
                        if !pending.is_empty() || (!stopping && sink.wants_block(now)) {
                            pending_bytes = 0;
                            let batch = OrderedBatch {
                                transactions: std::mem::take(&mut pending),
                                proposed_time_ms: now,
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
        ConsensusHandle::new(stop, Some(thread))
    }
}
