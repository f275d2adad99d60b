//! The node: state, storage, mempool and consensus, wired together.

use crate::config::NodeConfig;
use crate::mempool::Mempool;
use crate::metrics::Metrics;
use publica_consensus::{Consensus, ConsensusHandle, DevSequencer};
use publica_log::{MerkleLog, NoteSigner};
use publica_runtime::Runtime;
use publica_state::StateTree;
use publica_store::{BlockLog, DataDir, StoreError};
use publica_types::{Block, BlockHeader, Envelope, Hash32, TxError};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, watch};

/// Committed blocks buffered for slow event-stream subscribers (who are
/// told how many they missed beyond it): a bound on the memory one slow
/// subscriber can pin.
const BLOCK_EVENTS_BUFFER: usize = 64;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The settings are invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A setting is out of its range.
    #[error("invalid configuration: {0}")]
    Settings(#[from] crate::config::ConfigError),
    /// Storage failed or is damaged.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored chain does not replay to the roots it records.
    #[error("the block log does not replay: {0}. Refusing to start")]
    Replay(String),
}

/// The chain's head: the state after the last committed block.
pub(crate) struct Chain {
    pub(crate) state: StateTree,
    pub(crate) tip: Option<BlockHeader>,
    pub(crate) tip_hash: Hash32,
    /// The transparency log of every committed transaction (its lower
    /// levels in files, see `log_levels`).
    pub(crate) tlog: MerkleLog<crate::log_levels::DiskLevels>,
    /// Log size after each block (index = height - 1).
    pub(crate) log_sizes: Vec<u64>,
    /// The signed checkpoint of the last block.
    pub(crate) checkpoint: String,
}

pub(crate) struct Inner {
    pub(crate) config: NodeConfig,
    /// Signs checkpoints with the node's log key.
    pub(crate) signer: NoteSigner,
    pub(crate) runtime: Runtime,
    pub(crate) chain: RwLock<Chain>,
    pub(crate) log: Mutex<BlockLog>,
    pub(crate) data_dir: DataDir,
    /// tx id -> (height, index in block), for every committed transaction.
    pub(crate) index: RwLock<crate::txindex::TxIndex>,
    pub(crate) recent: Mutex<crate::recent::RecentBlocks>,
    /// What modules filed for committed events (account histories).
    pub(crate) events: RwLock<crate::event_index::EventIndex>,
    /// In a validator network: checkpoints cosigned by a quorum, by log
    /// size; receipts carry them instead of the node's own signature.
    pub(crate) finals: RwLock<std::collections::BTreeMap<u64, (u64, String)>>,
    /// Final checkpoints beyond this node's durable log, by size, with
    /// their root: checked when the log reaches them.
    pub(crate) early_finals: Mutex<std::collections::BTreeMap<u64, (Hash32, u64, String)>>,
    /// The last final checkpoints that name their block's state root, by
    /// height: what a state answer carries in a network.
    pub(crate) state_finals: Mutex<std::collections::BTreeMap<u64, String>>,
    /// Validator-set changes, each with its proof and final checkpoint.
    pub(crate) set_changes: Mutex<crate::set_changes::SetChanges>,
    /// In a validator network: where transactions admitted here go so
    /// that the other validators (and so every leader) have them too.
    pub(crate) relay: RwLock<Option<Relay>>,
    /// In a validator network: receipts wait for a quorum's checkpoint
    /// even before the first one arrived (after a restart, say).
    pub(crate) finals_required: std::sync::atomic::AtomicBool,
    pub(crate) mempool: Mempool,
    /// Why the node cannot write to its disk now, while it cannot: it then
    /// refuses transactions and serves reads.
    pub(crate) write_fault: Mutex<Option<String>>,
    /// True once the node is stopping.
    pub(crate) stopping: std::sync::atomic::AtomicBool,
    pub(crate) metrics: Metrics,
    pub(crate) height_tx: watch::Sender<u64>,
    pub(crate) blocks_tx: broadcast::Sender<Arc<Block>>,
}

impl Chain {
    /// The state root of the last block (or of genesis), without rehashing.
    pub(crate) fn state_root(&self) -> Hash32 {
        match &self.tip {
            Some(t) => t.state_root,
            None => self.state.hashed_root(),
        }
    }
}

impl Inner {
    pub(crate) fn tip_height(&self) -> u64 {
        *self.height_tx.borrow()
    }

    /// Records why the disk cannot be written (`None`: it can again);
    /// true when that changes whether the node is read-only.
    pub(crate) fn set_write_fault(&self, fault: Option<String>) -> bool {
        let mut now = self.write_fault.lock().expect("write fault lock");
        let changed = now.is_some() != fault.is_some();
        *now = fault;
        changed
    }

    /// Why the node takes no transactions now, if it does not.
    pub(crate) fn write_fault(&self) -> Option<String> {
        self.write_fault.lock().expect("write fault lock").clone()
    }

    /// True once the node is stopping.
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// See [`Node::require_final_checkpoints`].
    pub(crate) fn require_final_checkpoints(&self) {
        self.finals_required
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Checks the early final checkpoints the durable log now reaches.
    pub(crate) fn settle_early_finals(&self) {
        let mut early = self.early_finals.lock().expect("early finals lock");
        if early.is_empty() {
            return;
        }
        let chain = self.chain.read().expect("chain lock");
        let len = chain.tlog.len();
        let due: Vec<u64> = early.range(..=len).map(|(size, _)| *size).collect();
        let mut finals = self.finals.write().expect("finals lock");
        for size in due {
            let (root, height, note) = early.remove(&size).expect("listed");
            if chain.tlog.root_at(size).ok() == Some(root) {
                finals.entry(size).or_insert((height, note));
            } else {
                tracing::error!(size, "a final checkpoint is not one of this log");
            }
        }
    }

    /// Records the validator-set change of block `height`, if it made
    /// one, under its final checkpoint `note`.
    pub(crate) fn record_set_change(&self, height: u64, note: &str) {
        let mut changes = self.set_changes.lock().expect("set changes lock");
        if let Err(e) = changes.final_checkpoint(height, note) {
            tracing::warn!(error = %e, height, "recording a validator-set change failed");
        }
    }

    /// See [`Node::add_final_checkpoint`].
    pub(crate) fn add_final_checkpoint(
        &self,
        height: u64,
        note: &str,
    ) -> Result<(), FinalCheckpointError> {
        let text = note
            .find("\n\n")
            .map(|i| &note[..i + 1])
            .ok_or(FinalCheckpointError::NotSignedNote)?;
        let cp = publica_log::Checkpoint::parse(text)?;
        if cp.origin != self.config.log_origin() {
            return Err(FinalCheckpointError::OtherLog { origin: cp.origin });
        }
        if cp.state.is_some_and(|s| s.height == height) {
            // Served with a state answer only if its root is this node's
            // root at that height (`Node::state_proof_checkpointed`).
            let mut by_height = self.state_finals.lock().expect("state finals lock");
            by_height.insert(height, note.to_string());
            while by_height.len() > STATE_FINALS_KEPT {
                by_height.pop_first();
            }
            drop(by_height);
            self.record_set_change(height, note);
        }
        let chain = self.chain.read().expect("chain lock");
        if cp.size > chain.tlog.len() {
            // A quorum can be faster than this node's own disk: checked
            // once the block that reaches this size is durable here (by the
            // next block's settling at the latest).
            drop(chain);
            let mut early = self.early_finals.lock().expect("early finals lock");
            if early.len() < EARLY_FINALS_MAX {
                early
                    .entry(cp.size)
                    .or_insert((cp.root, height, note.to_string()));
            }
            return Ok(());
        }
        if chain.tlog.root_at(cp.size).ok() != Some(cp.root) {
            return Err(FinalCheckpointError::NotThisLog { size: cp.size });
        }
        drop(chain);
        self.finals
            .write()
            .expect("finals lock")
            .entry(cp.size)
            .or_insert((height, note.to_string()));
        Ok(())
    }
}

/// The signed checkpoint of the recovered log: of its last block, or of
/// the genesis state before the first.
fn recovered_checkpoint(
    signer: &NoteSigner,
    runtime: &Runtime,
    recovered: &crate::recovery::Recovered,
) -> String {
    crate::pipeline::sign_checkpoint(
        signer,
        &recovered.tlog,
        match &recovered.tip {
            Some(t) => crate::pipeline::state_line(runtime.formats(), t),
            None => publica_log::StateLine::for_block(
                runtime.formats().at(0),
                0,
                recovered.state.clone().root(),
            ),
        },
    )
}

/// Final checkpoints held until this node's log reaches them.
const EARLY_FINALS_MAX: usize = 4096;
/// Final checkpoints kept by height for state answers.
const STATE_FINALS_KEPT: usize = 256;

pub use publica_consensus::{FinalCheckpointError, Relay};

/// A running node. Cheap to clone; all clones share one node.
#[derive(Clone)]
pub struct Node {
    pub(crate) inner: Arc<Inner>,
    consensus: Arc<Mutex<Option<ConsensusHandle>>>,
    persister: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Node({}, height {})",
            self.inner.config.chain_id,
            self.inner.tip_height()
        )
    }
}

impl Node {
    /// Opens the data directory, recovers (snapshot + replay of the block
    /// log) and starts the dev sequencer.
    pub fn start_dev(config: NodeConfig) -> Result<Node, NodeError> {
        Self::start_dev_scaled(config, 1)
    }

    /// [`Self::start_dev`] with the chain's clock running `time_scale`
    /// times faster than the wall clock (demos and tests of what happens
    /// over time; block times run ahead of the real time).
    pub fn start_dev_scaled(config: NodeConfig, time_scale: u32) -> Result<Node, NodeError> {
        let seq = DevSequencer {
            block_interval_ms: config.block_interval_ms,
            block_txs_max: config.block_txs_max,
            time_scale,
        };
        Self::start(config, Box::new(seq))
    }

    /// Opens, recovers and starts ordering with `consensus`.
    pub fn start(config: NodeConfig, consensus: Box<dyn Consensus>) -> Result<Node, NodeError> {
        config.validate()?;
        let data_dir = DataDir::open(&config.data_dir, &config.chain_id)?;
        let genesis = crate::genesis::settle_genesis(data_dir.path(), config.genesis.as_ref())?;
        if genesis.chain_id != config.chain_id {
            return Err(NodeError::Config(format!(
                "the genesis is for chain '{}', not '{}'",
                genesis.chain_id, config.chain_id
            )));
        }
        let runtime = crate::genesis::runtime_for(&data_dir);
        let recovered = crate::recovery::recover(&data_dir, &runtime, &genesis)?;
        let height = recovered.tip.as_ref().map(|t| t.height).unwrap_or(0);
        let signer =
            crate::logkey::load_or_create(&data_dir, &config.log_origin(), config.new_log_key)?;
        let checkpoint = recovered_checkpoint(&signer, &runtime, &recovered);
        let recovered_hashes = recovered.hashes;
        let set_changes = crate::set_changes::SetChanges::open(data_dir.path(), &recovered.state)
            .map_err(|e| {
            NodeError::Config(format!("reading the validator-set changes: {e}"))
        })?;
        let (height_tx, _) = watch::channel(height);
        let (blocks_tx, _) = broadcast::channel(BLOCK_EVENTS_BUFFER);
        let inner = Arc::new(Inner {
            signer,
            mempool: Mempool::new(
                config.mempool_txs_max,
                recovered.state.clone(),
                recovered.keys,
                height,
            ),
            write_fault: Mutex::new(None),
            stopping: std::sync::atomic::AtomicBool::new(false),
            config,
            runtime,
            chain: RwLock::new(Chain {
                checkpoint,
                tlog: recovered.tlog,
                log_sizes: recovered.log_sizes,
                // Hashed once here; after that the pipeline rehashes every
                // block before readers see it, so they only need a read lock.
                state: {
                    let mut s = recovered.state;
                    s.root();
                    s
                },
                tip_hash: recovered
                    .tip
                    .as_ref()
                    .map(publica_runtime::block_hash)
                    .unwrap_or(Hash32::ZERO),
                tip: recovered.tip,
            }),
            log: Mutex::new(recovered.log),
            data_dir,
            index: RwLock::new(recovered.index),
            recent: Mutex::new(recovered.recent),
            events: RwLock::new(recovered.events),
            finals: RwLock::default(),
            early_finals: Mutex::default(),
            state_finals: Mutex::default(),
            set_changes: Mutex::new(set_changes),
            relay: RwLock::default(),
            finals_required: Default::default(),
            metrics: Metrics::default(),
            height_tx,
            blocks_tx,
        });
        let exec = {
            let chain = inner.chain.read().expect("chain lock");
            crate::pipeline::ExecState {
                state: chain.state.clone(),
                tlog: chain.tlog.frontier().clone(),
                tip: chain.tip.clone(),
                hashes: recovered_hashes,
            }
        };
        let (to_persister, jobs) = std::sync::mpsc::sync_channel(1);
        let persister = {
            let inner = inner.clone();
            std::thread::Builder::new()
                .name("persister".into())
                .spawn(move || crate::pipeline::persist_loop(inner, jobs))
                .expect("spawning the persister thread")
        };
        let sink = Arc::new(crate::pipeline::Pipeline {
            inner: inner.clone(),
            exec: Mutex::new(exec),
            to_persister,
        });
        let handle = consensus.start(Arc::new(MempoolSource(inner.clone())), sink);
        Ok(Node {
            inner,
            consensus: Arc::new(Mutex::new(Some(handle))),
            persister: Arc::new(Mutex::new(Some(persister))),
        })
    }

    /// Admits transactions into the mempool; one result (the tx id, or why
    /// it was rejected) per input, in order. Blocking: call it from a
    /// blocking-task thread.
    pub fn submit(&self, envelopes: Vec<Envelope>) -> Vec<Result<Hash32, TxError>> {
        let relay = self.inner.relay.read().expect("relay lock").clone();
        let Some(relay) = relay else {
            return crate::admission::admit(&self.inner, envelopes);
        };
        let copies = envelopes.clone();
        let results = crate::admission::admit(&self.inner, envelopes);
        let admitted: Vec<Envelope> = copies
            .into_iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(e, _)| e)
            .collect();
        if !admitted.is_empty() {
            relay(admitted);
        }
        results
    }

    /// Admits transactions another validator admitted and relayed: the
    /// same checks as [`Node::submit`], without relaying them again.
    pub fn submit_relayed(&self, envelopes: Vec<Envelope>) -> Vec<Result<Hash32, TxError>> {
        crate::admission::admit(&self.inner, envelopes)
    }

    /// Receipts carry only checkpoints a validator quorum cosigned
    /// ([`Node::add_final_checkpoint`]): until one covers a transaction,
    /// it is pending. A validator network's nodes call this at start.
    pub fn require_final_checkpoints(&self) {
        self.inner.require_final_checkpoints();
    }

    /// From now on, hands every batch of transactions admitted through
    /// [`Node::submit`] to `relay` (a validator network's gossip).
    pub fn set_relay(&self, relay: Relay) {
        *self.inner.relay.write().expect("relay lock") = Some(relay);
    }

    /// Records a final checkpoint (cosigned by a quorum of validators,
    /// checked by the caller) for this node's log: from then on receipts
    /// carry the smallest final checkpoint covering their entry, and are
    /// pending until one does. Refused unless it is a checkpoint of this
    /// log's origin, size and root; one beyond the durable log (a quorum
    /// can be faster than this node's disk) is held and checked when the
    /// log reaches its size, and dropped with an error log if it does not
    /// match then. `height` is the block whose checkpoint it is (a
    /// verifier picks the validator set by it); of the blocks of one log
    /// size, the first final one is kept.
    pub fn add_final_checkpoint(
        &self,
        height: u64,
        note: &str,
    ) -> Result<(), FinalCheckpointError> {
        self.inner.add_final_checkpoint(height, note)
    }

    /// Every validator-set change this node recorded, oldest first: each
    /// a state answer of `identity/validators` at the changing block,
    /// with that block's final checkpoint (`docs/light-client.md`).
    pub fn set_changes(&self) -> Vec<serde_json::Value> {
        self.inner
            .set_changes
            .lock()
            .expect("set changes lock")
            .recorded()
            .to_vec()
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.inner.config
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Follows the committed height.
    pub fn watch_height(&self) -> watch::Receiver<u64> {
        self.inner.height_tx.subscribe()
    }

    /// Follows committed blocks.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<Block>> {
        self.inner.blocks_tx.subscribe()
    }

    /// Stops block production after the block in progress. Everything that
    /// was committed is durable; pending transactions are dropped.
    pub fn shutdown(&self) {
        // A persister waiting for disk space gives up its block (never
        // committed) rather than hold the stop up.
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let handle = self.consensus.lock().expect("consensus lock").take();
        if let Some(h) = handle {
            // Stopping consensus drops the pipeline and its sender, so the
            // persister finishes the blocks already executed and ends.
            h.stop();
        }
        let persister = self.persister.lock().expect("persister lock").take();
        if let Some(p) = persister {
            let _ = p.join();
        }
    }
}

/// The mempool as consensus sees it.
struct MempoolSource(Arc<Inner>);

impl publica_consensus::TxSource for MempoolSource {
    fn take_batch(
        &self,
        max: usize,
        max_bytes: usize,
        deadline: std::time::Instant,
    ) -> publica_consensus::TakenBatch {
        self.0.mempool.take_batch(max, max_bytes, deadline)
    }

    fn peek_batch(
        &self,
        max: usize,
        skip: &dyn Fn(&Hash32) -> bool,
    ) -> Vec<publica_types::VerifiedTx> {
        self.0.mempool.peek_batch(max, skip)
    }

    fn settled_height(&self) -> u64 {
        self.0.mempool.settled_height()
    }

    fn admitted(&self, txs: &[(Hash32, publica_types::SignatureBytes)]) -> Vec<bool> {
        self.0.mempool.admitted(txs)
    }

    fn current_key(&self, account: &publica_types::AccountId) -> Option<publica_types::AccountId> {
        self.0
            .mempool
            .keys
            .read()
            .expect("keys lock")
            .get(account)
            .copied()
    }

    fn admit_relayed(&self, txs: Vec<Envelope>) -> usize {
        crate::admission::admit(&self.0, txs)
            .iter()
            .filter(|r| r.is_ok())
            .count()
    }

    fn set_relay(&self, relay: Relay) {
        *self.0.relay.write().expect("relay lock") = Some(relay);
    }
}
