//! The block pipeline, in two stages so that persisting block N overlaps
//! executing block N + 1:
//!
//! 1. **Execute** (the consensus thread, [`Pipeline::commit`]): run the
//!    batch on the executor's own state, compute the state and log roots,
//!    assemble the block, and hand it — with an O(1) snapshot of the state —
//!    to the persister. At most one block waits between the stages.
//! 2. **Persist and publish** (the persister thread): append the block and
//!    `fdatasync`, and only then make it visible: readers' state and log,
//!    checkpoint, index, receipts, events, snapshots.
//!
//! Nothing is visible before the block is on disk.

use crate::node::Inner;
use publica_consensus::{
    BlockSink, CommitError, FinalCheckpointError, OrderedBatch, EXECUTED_HEADERS_KEPT,
};
use publica_log::{AppendLog, Checkpoint, Frontier, LevelStore, MerkleLog, NoteSigner, StateLine};
use publica_runtime::authz::{changed_keys, current_key};
use publica_runtime::{assemble_block, block_hash, BlockEnv};
use publica_state::StateTree;
use publica_types::{AccountId, Block, BlockHeader, Hash32, TxStatus};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the executor keeps: the state and log as of the last executed block.
pub(crate) struct ExecState {
    pub(crate) state: StateTree,
    /// The log's right edge: the readers' copy holds the whole tree.
    pub(crate) tlog: Frontier,
    pub(crate) tip: Option<BlockHeader>,
    /// Hashes of the last executed headers (height, hash), oldest first.
    pub(crate) hashes: std::collections::VecDeque<(u64, Hash32)>,
}

/// The executor's log while it assembles a block: the edge, and the
/// block's leaves for the readers' copy.
struct Recording<'a> {
    edge: &'a mut Frontier,
    leaves: Vec<Hash32>,
}

impl AppendLog for Recording<'_> {
    fn append_leaf(&mut self, leaf: Hash32) {
        self.edge.append(leaf);
        self.leaves.push(leaf);
    }

    fn size(&self) -> u64 {
        self.edge.len()
    }

    fn current_root(&self) -> Hash32 {
        self.edge.root()
    }
}

/// An executed block on its way to disk.
pub(crate) struct Executed {
    block: Block,
    /// The state after the block (shares nodes with the executor's).
    state: StateTree,
    /// The block's log leaves, for the readers' copy of the log.
    leaves: Vec<Hash32>,
    keys: Vec<(AccountId, AccountId)>,
    started: Instant,
    executed: Instant,
}

pub(crate) struct Pipeline {
    pub(crate) inner: Arc<Inner>,
    pub(crate) exec: Mutex<ExecState>,
    pub(crate) to_persister: SyncSender<Executed>,
}

impl BlockSink for Pipeline {
    fn ledger_format(&self, height: u64) -> u32 {
        self.inner.runtime.formats().at(height)
    }

    fn require_final_checkpoints(&self) {
        self.inner.require_final_checkpoints();
    }

    fn add_final_checkpoint(&self, height: u64, note: &str) -> Result<(), FinalCheckpointError> {
        self.inner.add_final_checkpoint(height, note)
    }

    fn commit(&self, batch: OrderedBatch) -> Result<(), CommitError> {
        let inner = &self.inner;
        let started = Instant::now();
        let mut ex = self.exec.lock().expect("exec lock");
        let ex = &mut *ex;
        let parent = ex.tip.clone();
        let env = BlockEnv {
            chain_id: inner.config.chain_id.clone(),
            height: parent.as_ref().map(|p| p.height).unwrap_or(0) + 1,
            // Block time never goes backwards, even if the clock does.
            time_ms: batch
                .proposed_time_ms
                .max(parent.as_ref().map(|p| p.time_ms).unwrap_or(0)),
        };
        let result = inner
            .runtime
            .execute_block(&mut ex.state, &env, &batch.transactions);
        let outcomes = result.outcomes;
        let keys: Vec<(AccountId, AccountId)> =
            changed_keys(outcomes.iter().flat_map(|o| o.events.iter()))
                .into_iter()
                .map(|a| (a, current_key(&ex.state, &a)))
                .collect();
        let executed = Instant::now();
        let state_root = ex.state.root();
        let mut log = Recording {
            edge: &mut ex.tlog,
            leaves: Vec::new(),
        };
        let block = assemble_block(
            &env,
            parent.as_ref(),
            batch.transactions,
            outcomes,
            result.ledger_events,
            state_root,
            &mut log,
        );
        let leaves = log.leaves;
        ex.tip = Some(block.header.clone());
        ex.hashes
            .push_back((block.header.height, block_hash(&block.header)));
        if ex.hashes.len() > EXECUTED_HEADERS_KEPT {
            ex.hashes.pop_front();
        }
        let job = Executed {
            block,
            state: ex.state.clone(),
            leaves,
            keys,
            started,
            executed,
        };
        // Blocks while the previous block is still being persisted: at most
        // one executed block waits.
        self.to_persister
            .send(job)
            .map_err(|_| CommitError::PersisterStopped)
    }

    fn wants_block(&self, now_ms: u64) -> bool {
        let ex = self.exec.lock().expect("exec lock");
        self.inner
            .runtime
            .next_due_ms(&ex.state)
            .is_some_and(|due| due <= now_ms)
    }

    fn executed_tip(&self) -> Option<BlockHeader> {
        self.exec.lock().expect("exec lock").tip.clone()
    }

    fn executed_state_value(&self, key: &[u8]) -> Option<Vec<u8>> {
        let ex = self.exec.lock().expect("exec lock");
        ex.state.get(key).map(std::borrow::Cow::into_owned)
    }

    fn executed_header_hash(&self, height: u64) -> Option<Hash32> {
        if height == 0 {
            return Some(Hash32::ZERO);
        }
        let ex = self.exec.lock().expect("exec lock");
        let first = ex.hashes.front()?.0;
        let i = height.checked_sub(first)? as usize;
        ex.hashes.get(i).map(|(_, h)| *h)
    }
}

/// How long the persister waits before trying a failed write again.
const WRITE_RETRY: std::time::Duration = std::time::Duration::from_millis(250);

/// The persister thread's loop: ends when the pipeline is dropped, or when
/// the node stops while a block cannot be written.
pub(crate) fn persist_loop(inner: Arc<Inner>, jobs: Receiver<Executed>) {
    for job in jobs {
        if persist(&inner, job).is_none() {
            tracing::warn!(
                "stopping with a block that could not be written; it was never committed"
            );
            return;
        }
    }
}

/// Runs `write` until it succeeds. While it fails (a full disk, an I/O
/// error) the node is read-only: it refuses transactions with the reason
/// and serves reads; the first success makes it writable again. `None`
/// when the node stops meanwhile. `write` must be all or nothing.
fn until_written<T>(
    inner: &Inner,
    what: &str,
    mut write: impl FnMut() -> Result<T, String>,
) -> Option<T> {
    loop {
        match write() {
            Ok(v) => {
                if inner.set_write_fault(None) {
                    tracing::info!("the disk takes writes again: taking transactions again");
                }
                return Some(v);
            }
            Err(e) => {
                let reason = format!("{what}: {e}");
                if inner.set_write_fault(Some(reason.clone())) {
                    tracing::error!(
                        error = %reason,
                        "cannot write to the disk: refusing transactions, serving reads, \
                         retrying until it can"
                    );
                }
                if inner.stopping() {
                    return None;
                }
                std::thread::sleep(WRITE_RETRY);
            }
        }
    }
}

fn persist(inner: &Inner, job: Executed) -> Option<()> {
    let Executed {
        block,
        state,
        leaves,
        keys,
        started,
        executed,
    } = job;
    let height = block.header.height;
    let encoded = until_written(inner, &format!("appending block {height}"), || {
        let mut log = inner.log.lock().expect("log lock");
        log.append(&block).map_err(|e| e.to_string())?;
        Ok(log.record_len(height).expect("just appended"))
    })?;
    let persisted = Instant::now();
    // Written now, made visible with the block below: a history shows no
    // entry of a block whose receipts are not served yet, and the other
    // way round.
    let filed = inner.runtime.index_block(&block);
    until_written(inner, "writing the event index", || {
        let mut events = inner.events.write().expect("event index lock");
        events.add(&filed).map_err(|e| e.to_string())
    })?;
    {
        let mut chain = inner.chain.write().expect("chain lock");
        for l in leaves {
            chain.tlog.append(l);
        }
        // The hashes not written stay in memory, readable, and go to the
        // files with the next block's: the files are derived and rebuilt
        // from the block log at every start.
        if let Err(e) = chain.tlog.store_mut().flush() {
            tracing::warn!(error = %e, height, "writing the log's hashes failed; kept in memory");
        }
        assert_eq!(
            chain.tlog.root(),
            block.header.log_root,
            "readers' log matches the executed block"
        );
        chain.state = state.clone();
        chain.tip_hash = block_hash(&block.header);
        chain.tip = Some(block.header.clone());
        chain.log_sizes.push(block.header.log_size);
        chain.checkpoint = sign_checkpoint(
            &inner.signer,
            &chain.tlog,
            state_line(inner.runtime.formats(), &block.header),
        );
        inner
            .index
            .write()
            .expect("index lock")
            .add_block(height, &block.outcomes);
        inner.events.write().expect("event index lock").publish();
    }
    let block = Arc::new(block);
    {
        let mut recent = inner.recent.lock().expect("recent lock");
        recent.push(block.clone(), encoded);
    }
    inner
        .set_changes
        .lock()
        .expect("set changes lock")
        .after_block(height, &state, block.header.state_root);
    // The quorum's checkpoint of this block may have come first.
    let early = inner
        .state_finals
        .lock()
        .expect("state finals lock")
        .get(&height)
        .cloned();
    if let Some(note) = early {
        inner.record_set_change(height, &note);
    }
    inner.mempool.on_committed(&block, state, &keys);
    inner.settle_early_finals();
    let failed = block
        .outcomes
        .iter()
        .filter(|o| o.status == TxStatus::Failed)
        .count();
    let m = &inner.metrics;
    crate::Metrics::add(&m.blocks_committed_total, 1);
    crate::Metrics::add(&m.txs_committed_total, block.outcomes.len() as u64);
    crate::Metrics::add(&m.txs_failed_total, failed as u64);
    crate::Metrics::add(
        &m.block_commit_us_total,
        persisted.duration_since(started).as_micros() as u64,
    );
    crate::Metrics::add(
        &m.block_execute_us_total,
        executed.duration_since(started).as_micros() as u64,
    );
    crate::Metrics::add(
        &m.block_hash_persist_us_total,
        persisted.duration_since(executed).as_micros() as u64,
    );
    inner.height_tx.send_replace(height);
    // No subscribers is fine.
    let _ = inner.blocks_tx.send(block);
    if height.is_multiple_of(inner.config.snapshot_interval_blocks) {
        // Written from the block's own state snapshot, off the executor's
        // path; the block log alone can rebuild the state if this fails.
        let mut snap = inner.chain.read().expect("chain lock").state.clone();
        if let Err(e) = publica_store::write_snapshot(inner.data_dir.path(), height, &mut snap) {
            tracing::warn!(error = %e, height, "writing a state snapshot failed");
        }
    }
    Some(())
}

/// The signed C2SP checkpoint of the log at its current size. Ed25519 is
/// deterministic, so the same size always yields the same bytes, before and
/// after a restart.
pub(crate) fn sign_checkpoint<S: LevelStore>(
    signer: &NoteSigner,
    tlog: &MerkleLog<S>,
    state: Option<StateLine>,
) -> String {
    let cp = Checkpoint {
        origin: signer.name().to_string(),
        size: tlog.len(),
        root: tlog.root(),
        state,
    };
    signer.sign(&cp.to_text())
}

/// The `publica-state` line of the checkpoint after block `header`: from
/// ledger format 6, the block's height and state root.
pub fn state_line(
    formats: &publica_types::format::LedgerFormats,
    header: &BlockHeader,
) -> Option<StateLine> {
    StateLine::for_block(formats.at(header.height), header.height, header.state_root)
}
