//! What executes a validator's finalized blocks: the in-memory [`Ledger`]
//! (the simulation and tests) or a node's own block pipeline
//! ([`NodeExecutor`]: durable block log, receipts, API), behind one trait.

use crate::block::BftBlock;
use crate::ledger::{Invalid, Ledger};
use publica_consensus::{BlockSink, OrderedBatch, TxSource};
use publica_identity::validators::{ValidatorHistory, VALIDATORS_KEY};
use publica_types::{AccountId, BlockHeader, Envelope, Hash32, SignatureBytes, VerifiedTx};
use std::collections::HashSet;
use std::sync::Arc;

/// Executes finalized blocks in height order and offers pending
/// transactions for proposals.
pub trait Executor: Send + 'static {
    /// Height of the last executed block (0 at genesis).
    fn height(&self) -> u64;
    /// Hash of the executed header at `height` (zero for 0), while kept.
    fn header_hash(&self, height: u64) -> Option<[u8; 32]>;
    /// Up to `max` pending transactions, oldest first, not committed and
    /// whose ids are not in `skip`; they stay pending until committed.
    fn pending(&self, max: usize, skip: &HashSet<Hash32>) -> Vec<Envelope>;
    /// The height up to which [`Executor::pending`] already leaves out
    /// committed transactions (at most [`Executor::height`]).
    fn settled_height(&self) -> u64 {
        self.height()
    }
    /// For each (id, signature): whether this validator admitted exactly
    /// that transaction and signature (verified then).
    fn admitted(&self, txs: &[(Hash32, SignatureBytes)]) -> Vec<bool> {
        vec![false; txs.len()]
    }
    /// The key `account` signs with since a rotation, as of the settled
    /// height ([`Executor::settled_height`]); `None` if it never rotated.
    fn current_key(&self, _account: &AccountId) -> Option<AccountId> {
        None
    }
    /// The validator sets as the executed state records them (`None` when
    /// it records none).
    fn validators(&self) -> Option<ValidatorHistory> {
        None
    }
    /// Whether a time-based rule of the executed state is due at
    /// `now_ms` (a schedule, an expiry): a leader then proposes a block
    /// without waiting for transactions.
    fn due(&self, _now_ms: u64) -> bool {
        false
    }
    /// The ledger format block `height` is executed by: from format 6 its
    /// checkpoint names the block's state root.
    fn ledger_format(&self, height: u64) -> u32;
    /// Executes the block's checked transactions as the next height and
    /// returns its header.
    fn execute(&mut self, block: &BftBlock, txs: Vec<VerifiedTx>) -> Result<BlockHeader, Invalid>;
}

/// The history in a state value, if it is one.
fn history(bytes: Option<&[u8]>) -> Option<ValidatorHistory> {
    let bytes = bytes?;
    match ValidatorHistory::parse(bytes) {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::error!("the state's validator sets do not parse: {e}");
            None
        }
    }
}

impl Executor for Ledger {
    fn height(&self) -> u64 {
        Ledger::height(self)
    }

    fn header_hash(&self, height: u64) -> Option<[u8; 32]> {
        Ledger::header_hash(self, height)
    }

    fn pending(&self, max: usize, skip: &HashSet<Hash32>) -> Vec<Envelope> {
        Ledger::pending(self, max, skip)
    }

    fn validators(&self) -> Option<ValidatorHistory> {
        history(self.state().get(VALIDATORS_KEY).as_deref())
    }

    fn ledger_format(&self, height: u64) -> u32 {
        self.formats().at(height)
    }

    fn execute(&mut self, block: &BftBlock, txs: Vec<VerifiedTx>) -> Result<BlockHeader, Invalid> {
        Ledger::execute(self, block, txs)
    }
}

/// A node's pipeline and mempool as a validator's executor: finalized
/// blocks go through the same execution, durable block log, receipts and
/// events as in dev mode.
pub struct NodeExecutor {
    source: Arc<dyn TxSource>,
    sink: Arc<dyn BlockSink>,
}

impl NodeExecutor {
    /// The node's mempool (`source`) and block pipeline (`sink`), as
    /// [`crate::BftConsensus`]'s `Consensus::start` receives them.
    pub fn new(source: Arc<dyn TxSource>, sink: Arc<dyn BlockSink>) -> Self {
        NodeExecutor { source, sink }
    }
}

impl Executor for NodeExecutor {
    fn height(&self) -> u64 {
        self.sink.executed_tip().map_or(0, |t| t.height)
    }

    fn header_hash(&self, height: u64) -> Option<[u8; 32]> {
        self.sink.executed_header_hash(height).map(|h| h.0)
    }

    fn settled_height(&self) -> u64 {
        self.source.settled_height().min(self.height())
    }

    fn admitted(&self, txs: &[(Hash32, SignatureBytes)]) -> Vec<bool> {
        self.source.admitted(txs)
    }

    fn current_key(&self, account: &AccountId) -> Option<AccountId> {
        self.source.current_key(account)
    }

    fn validators(&self) -> Option<ValidatorHistory> {
        history(self.sink.executed_state_value(VALIDATORS_KEY).as_deref())
    }

    fn due(&self, now_ms: u64) -> bool {
        self.sink.wants_block(now_ms)
    }

    fn ledger_format(&self, height: u64) -> u32 {
        self.sink.ledger_format(height)
    }

    fn pending(&self, max: usize, skip: &HashSet<Hash32>) -> Vec<Envelope> {
        self.source
            .peek_batch(max, &|id| skip.contains(id))
            .into_iter()
            .map(|t| t.envelope)
            .collect()
    }

    fn execute(&mut self, block: &BftBlock, txs: Vec<VerifiedTx>) -> Result<BlockHeader, Invalid> {
        let height = block.height.get();
        if height != self.height() + 1 {
            return Err(Invalid(format!(
                "block {height} delivered at height {}",
                self.height()
            )));
        }
        self.sink
            .commit(OrderedBatch {
                transactions: txs,
                proposed_time_ms: block.time_ms,
            })
            .map_err(|e| Invalid(e.to_string()))?;
        self.sink
            .executed_tip()
            .filter(|t| t.height == height)
            .ok_or_else(|| Invalid(format!("block {height} was not executed")))
    }
}
