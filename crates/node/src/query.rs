//! Read-only questions to the node. Every answer reflects committed
//! (durable) blocks only.

use crate::node::Node;
use publica_log::TreeError;
use publica_runtime::routes::{ReadError, ReadView};
use publica_store::StoreError;
use publica_types::{AccountId, Block, BlockHeader, Envelope, Hash32, TxOutcome};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Why a read of the committed chain failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The block log could not be read, or a block in it not decoded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transparency log has no such size, or its hashes could not be
    /// read.
    #[error(transparent)]
    Log(#[from] TreeError),
    /// A consistency proof was asked from size 0.
    #[error("consistency from the empty log proves nothing; use a size of at least 1")]
    ConsistencyFromEmpty,
    /// The transaction index names a block the block log does not hold.
    #[error("indexed block {height} is missing")]
    IndexedBlockMissing {
        /// The block's height.
        height: u64,
    },
    /// A block the log's sizes place below the tip is not in the block log.
    #[error("block {height} missing")]
    BlockMissing {
        /// The block's height.
        height: u64,
    },
    /// An entry bundle's index is beyond any log.
    #[error("index too large")]
    BundleIndexTooLarge,
    /// A log entry does not fit an entry bundle's 16-bit length prefix.
    #[error("entry longer than 65535 bytes")]
    EntryTooLong,
}

/// The chain's head.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The chain id.
    pub chain_id: String,
    /// Height of the last committed block (0 before the first).
    pub height: u64,
    /// Its hash (zero before the first block).
    pub block_hash: Hash32,
    /// Its state root (the empty root before the first block).
    pub state_root: Hash32,
    /// Its time, ms since the Unix epoch.
    pub time_ms: u64,
    /// Transactions committed since genesis.
    pub log_size: u64,
    /// Transactions waiting in the mempool.
    pub mempool_txs: usize,
    /// Present while the node cannot write to its disk: why. It then
    /// refuses transactions (`node.read_only`) and serves reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<String>,
}

/// Proof that a transaction was committed, and with what result.
#[derive(Clone, Debug, Serialize)]
pub struct Receipt {
    /// The transaction's id.
    pub tx_id: Hash32,
    /// Always `committed`.
    pub status: &'static str,
    /// The block that holds it.
    pub block_height: u64,
    /// That block's hash.
    pub block_hash: Hash32,
    /// Its position in the block.
    pub index: u32,
    /// The signed transaction.
    pub transaction: Envelope,
    /// What happened.
    pub outcome: TxOutcome,
    /// The transaction's position in the transparency log.
    pub leaf_index: u64,
    /// The log size the proof and checkpoint are for.
    pub tree_size: u64,
    /// RFC 9162 inclusion proof of the leaf in the tree of `tree_size`.
    pub inclusion_proof: Vec<Hash32>,
    /// The C2SP checkpoint for `tree_size`: signed by the node, or in a
    /// validator network cosigned by a quorum of validators.
    pub checkpoint: String,
    /// In a validator network: the block whose checkpoint that is (the
    /// validator set of its epoch cosigned it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_height: Option<u64>,
}

/// Where a transaction is.
#[derive(Clone, Debug)]
pub enum TxLookup {
    /// In a durable block.
    Committed(Box<Receipt>),
    /// Admitted, waiting for a block.
    Pending,
    /// Never seen (or rejected at admission).
    Unknown,
}

pub use publica_runtime::routes::StateProofAnswer;

impl Node {
    /// The chain's head.
    pub fn status(&self) -> Status {
        let chain = self.inner.chain.read().expect("chain lock");
        let state_root = chain.state_root();
        let (height, time_ms, log_size) = chain
            .tip
            .as_ref()
            .map(|t| (t.height, t.time_ms, t.log_size))
            .unwrap_or((0, 0, 0));
        let block_hash = chain.tip_hash;
        drop(chain);
        Status {
            chain_id: self.inner.config.chain_id.clone(),
            height,
            block_hash,
            state_root,
            time_ms,
            log_size,
            mempool_txs: self.inner.mempool.len(),
            read_only: self.inner.write_fault(),
        }
    }

    /// Why the node cannot write to its disk now, if it cannot: it then
    /// refuses transactions and serves reads, and takes transactions again
    /// once a write succeeds.
    pub fn write_fault(&self) -> Option<String> {
        self.inner.write_fault()
    }

    /// The newest state snapshot at or below `height_max` (its height and
    /// file), for a validator that syncs from it.
    pub fn latest_snapshot(
        &self,
        height_max: u64,
    ) -> Result<Option<(u64, std::path::PathBuf)>, StoreError> {
        publica_store::latest_snapshot_file(self.inner.data_dir.path(), height_max)
    }

    /// The block at `height`, if committed.
    pub fn block(&self, height: u64) -> Result<Option<Arc<Block>>, QueryError> {
        if let Some(b) = self.inner.recent.lock().expect("recent lock").get(height) {
            return Ok(Some(b));
        }
        // Only the read holds the log's lock: the persister appends under
        // it, and decoding a large block takes milliseconds.
        let record = {
            let log = self.inner.log.lock().expect("log lock");
            log.read_record(height)?
        };
        let block = match record {
            Some(r) => Some(Arc::new(r.decode()?)),
            None => None,
        };
        if let Some(b) = &block {
            self.inner
                .recent
                .lock()
                .expect("recent lock")
                .remember_read(b.clone());
        }
        Ok(block)
    }

    /// The header of the block at `height`, if committed: from memory
    /// for recent blocks, otherwise the first bytes of its record (a page
    /// of block headers costs no decoding of their transactions).
    pub fn header(&self, height: u64) -> Result<Option<BlockHeader>, QueryError> {
        if let Some(b) = self.inner.recent.lock().expect("recent lock").get(height) {
            return Ok(Some(b.header.clone()));
        }
        let log = self.inner.log.lock().expect("log lock");
        Ok(log.read_header(height)?)
    }

    /// The header of the block at `height` and its transactions `from ..
    /// from + count`, if committed: a recent block from memory, an older
    /// one decoding only that range (a block page shows a hundred of ten
    /// thousand).
    pub fn block_page(
        &self,
        height: u64,
        from: usize,
        count: usize,
    ) -> Result<Option<publica_store::BlockPage>, QueryError> {
        if let Some(b) = self.inner.recent.lock().expect("recent lock").get(height) {
            let end = from.saturating_add(count).min(b.transactions.len());
            let start = from.min(end);
            return Ok(Some(publica_store::BlockPage {
                header: b.header.clone(),
                tx_total: b.transactions.len(),
                ledger_events: b.ledger_events.len(),
                transactions: b.transactions[start..end]
                    .iter()
                    .cloned()
                    .zip(b.outcomes[start..end].iter().cloned())
                    .collect(),
            }));
        }
        let record = {
            let log = self.inner.log.lock().expect("log lock");
            log.read_record(height)?
        };
        Ok(record.map(|r| r.decode_page(from, count)).transpose()?)
    }

    /// The committed block holding transaction `id`, and its place there.
    fn indexed_tx(&self, id: &Hash32) -> Result<Option<(Arc<Block>, u32)>, QueryError> {
        let candidates = self.inner.index.read().expect("index lock").get(id);
        for (height, index) in candidates {
            let block = self
                .block(height)?
                .ok_or(QueryError::IndexedBlockMissing { height })?;
            // Another id may share the indexed prefix (see `txindex`).
            if block.outcomes.get(index as usize).map(|o| o.tx_id) == Some(*id) {
                return Ok(Some((block, index)));
            }
        }
        Ok(None)
    }

    /// Where transaction `id` is.
    pub fn lookup_tx(&self, id: &Hash32) -> Result<TxLookup, QueryError> {
        let found = match self.indexed_tx(id)? {
            Some(f) => f,
            None if self.inner.mempool.contains(id) => return Ok(TxLookup::Pending),
            // A block may have committed it between the two looks: the
            // index takes a block's transactions before the mempool lets
            // them go, so a second look finds it (found by CI: a lookup at
            // the moment of commit answered "unknown").
            None => match self.indexed_tx(id)? {
                Some(f) => f,
                None => return Ok(TxLookup::Unknown),
            },
        };
        let (block, index) = found;
        let i = index as usize;
        let leaf_index = block.header.log_size - block.header.tx_count + u64::from(index);
        let final_checkpoint = {
            let finals = self.inner.finals.read().expect("finals lock");
            if finals.is_empty()
                && !self
                    .inner
                    .finals_required
                    .load(std::sync::atomic::Ordering::Relaxed)
            {
                None
            } else {
                // A validator network: only a quorum's checkpoint will do.
                match finals.range(leaf_index + 1..).next() {
                    Some((size, (height, note))) => Some((*size, Some(*height), note.clone())),
                    None => return Ok(TxLookup::Pending),
                }
            }
        };
        let (tree_size, inclusion_proof, checkpoint, checkpoint_height) = {
            let chain = self.inner.chain.read().expect("chain lock");
            let (size, height, note) = final_checkpoint
                .unwrap_or_else(|| (chain.tlog.len(), None, chain.checkpoint.clone()));
            let proof = chain.tlog.inclusion_proof(leaf_index, size)?;
            (size, proof, note, height)
        };
        Ok(TxLookup::Committed(Box::new(Receipt {
            leaf_index,
            tree_size,
            inclusion_proof,
            checkpoint,
            checkpoint_height,
            tx_id: *id,
            status: "committed",
            block_height: block.header.height,
            block_hash: publica_runtime::block_hash(&block.header),
            index,
            transaction: block.transactions[i].clone(),
            outcome: block.outcomes[i].clone(),
        })))
    }

    /// Like [`Node::lookup_tx`], but while the transaction is pending waits
    /// up to `wait` for its block.
    pub async fn wait_for_tx(&self, id: &Hash32, wait: Duration) -> Result<TxLookup, QueryError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut heights = self.watch_height();
        loop {
            heights.borrow_and_update();
            let found = self.lookup_tx(id)?;
            if !matches!(found, TxLookup::Pending) {
                return Ok(found);
            }
            match tokio::time::timeout_at(deadline, heights.changed()).await {
                Ok(Ok(())) => continue,
                _ => return self.lookup_tx(id),
            }
        }
    }

    /// The value under `key` with a proof against the last block's root.
    pub fn state_proof(&self, key: &[u8]) -> StateProofAnswer {
        let chain = self.inner.chain.read().expect("chain lock");
        self.state_proof_locked(&chain, key)
    }

    fn state_proof_locked(&self, chain: &crate::node::Chain, key: &[u8]) -> StateProofAnswer {
        let state_root = chain.state_root();
        let proof = chain
            .state
            .prove_hashed(key)
            .expect("committed state is always hashed");
        let value = chain.state.get(key).map(std::borrow::Cow::into_owned);
        let height = chain.tip.as_ref().map(|t| t.height).unwrap_or(0);
        StateProofAnswer {
            height,
            state_root,
            value,
            proof,
        }
    }

    /// Like [`Node::state_proof`], with the checkpoint that commits to the
    /// answer's height and state root (ledger format 6 on,
    /// `docs/state-proofs.md`): the node's signed checkpoint of that block,
    /// or in a validator network the quorum's, waited for up to `wait`.
    /// `None` when there is none (an older format, or not final in time).
    pub async fn state_proof_checkpointed(
        &self,
        key: &[u8],
        wait: Duration,
    ) -> (StateProofAnswer, Option<String>) {
        let (answer, own) = {
            let chain = self.inner.chain.read().expect("chain lock");
            (
                self.state_proof_locked(&chain, key),
                chain.checkpoint.clone(),
            )
        };
        let network = self
            .inner
            .finals_required
            .load(std::sync::atomic::Ordering::Relaxed);
        let commits = |note: &str| {
            checkpoint_commits_to(note, answer.height, &answer.state_root).then(|| note.to_string())
        };
        if !network {
            let own = commits(&own);
            return (answer, own);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let found = self
                .inner
                .state_finals
                .lock()
                .expect("state finals lock")
                .get(&answer.height)
                .and_then(|n| commits(n));
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return (answer, found);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `account`'s last committed nonce and the next nonce it may submit.
    pub fn nonces(&self, account: &AccountId) -> (u64, u64) {
        let pool = self.inner.mempool.pool.lock().expect("mempool lock");
        let committed = pool.committed_nonce(account);
        (committed, pool.expected_nonce(account))
    }

    /// Metrics in the Prometheus text format.
    pub fn metrics_text(&self) -> String {
        use crate::metrics::gauge;
        let (height, entries) = {
            let chain = self.inner.chain.read().expect("chain lock");
            (
                chain.tip.as_ref().map(|t| t.height).unwrap_or(0),
                chain.state.len(),
            )
        };
        let mut text = self
            .inner
            .metrics
            .render(height, self.inner.mempool.len(), entries);
        let status = self.status();
        gauge(
            &mut text,
            "publica_node_read_only",
            "1 while the node cannot write to its disk and refuses transactions.",
            u8::from(self.inner.write_fault().is_some()),
        );
        gauge(
            &mut text,
            "publica_block_time_seconds",
            "Time of the last committed block, Unix seconds (0 before the first).",
            format_args!("{:.3}", status.time_ms as f64 / 1000.0),
        );
        gauge(
            &mut text,
            "publica_log_size",
            "Transactions in the transparency log: the size of its latest signed checkpoint.",
            status.log_size,
        );
        gauge(
            &mut text,
            "publica_mempool_capacity",
            "Transactions the mempool holds at most; admission refuses more.",
            self.inner.mempool.capacity,
        );
        if let Ok(fs) = rustix::fs::statvfs(self.inner.data_dir.path()) {
            gauge(
                &mut text,
                "publica_data_dir_free_bytes",
                "Bytes free for the node on the data directory's file system.",
                fs.f_bavail.saturating_mul(fs.f_frsize),
            );
            gauge(
                &mut text,
                "publica_data_dir_size_bytes",
                "Size of the data directory's file system, bytes.",
                fs.f_blocks.saturating_mul(fs.f_frsize),
            );
        }
        text
    }

    /// The signed checkpoint of the last block.
    pub fn checkpoint(&self) -> String {
        self.inner
            .chain
            .read()
            .expect("chain lock")
            .checkpoint
            .clone()
    }

    /// In a validator network: the latest checkpoint a quorum cosigned.
    pub fn latest_final_checkpoint(&self) -> Option<String> {
        self.inner
            .finals
            .read()
            .expect("finals lock")
            .last_key_value()
            .map(|(_, (_, note))| note.clone())
    }

    /// The log's verifier key, in the C2SP verifier-key text form.
    pub fn verifier_key(&self) -> String {
        self.inner.signer.verifier_key()
    }

    /// The log's origin.
    pub fn log_origin(&self) -> String {
        self.inner.signer.name().to_string()
    }

    /// The RFC 9162 inclusion proof of entry `leaf` in the log of `size`
    /// entries (`leaf < size <= now`).
    pub fn inclusion_proof(&self, leaf: u64, size: u64) -> Result<Vec<Hash32>, QueryError> {
        let chain = self.inner.chain.read().expect("chain lock");
        Ok(chain.tlog.inclusion_proof(leaf, size)?)
    }

    /// The consistency proof between two log sizes (0 < from <= to <= now).
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash32>, QueryError> {
        let chain = self.inner.chain.read().expect("chain lock");
        if from == 0 {
            return Err(QueryError::ConsistencyFromEmpty);
        }
        Ok(chain.tlog.consistency_proof(from, to)?)
    }

    /// A C2SP hash tile, if the log has grown that far.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Result<Option<Vec<u8>>, QueryError> {
        Ok(self
            .inner
            .chain
            .read()
            .expect("chain lock")
            .tlog
            .tile(level, index, width)?)
    }

    /// A C2SP entry bundle: entries `index*256 .. index*256+width`, each with
    /// a big-endian u16 length prefix; `None` if the log is not that long.
    pub fn entry_bundle(&self, index: u64, width: u64) -> Result<Option<Vec<u8>>, QueryError> {
        if width == 0 || width > publica_log::tree::TILE_WIDTH {
            return Ok(None);
        }
        let start = index
            .checked_mul(publica_log::tree::TILE_WIDTH)
            .ok_or(QueryError::BundleIndexTooLarge)?;
        let end = start + width;
        let sizes = {
            let chain = self.inner.chain.read().expect("chain lock");
            if end > chain.tlog.len() {
                return Ok(None);
            }
            chain.log_sizes.clone()
        };
        let mut out = Vec::new();
        // The first block whose log size exceeds `start` holds entry `start`.
        let mut height = sizes.partition_point(|s| *s <= start) as u64 + 1;
        let mut leaf = start;
        while leaf < end {
            let block = self
                .block(height)?
                .ok_or(QueryError::BlockMissing { height })?;
            let first = block.header.log_size - block.header.tx_count;
            for i in (leaf - first)..block.header.tx_count {
                if leaf >= end {
                    break;
                }
                let entry = publica_runtime::log_entry(
                    &block.transactions[i as usize],
                    &block.outcomes[i as usize],
                );
                let len = u16::try_from(entry.len()).map_err(|_| QueryError::EntryTooLong)?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&entry);
                leaf += 1;
            }
            height += 1;
        }
        Ok(Some(out))
    }

    /// Runs a read-only query over the state after the last block; `f` gets
    /// the state and that block's height.
    pub fn with_state<R>(&self, f: impl FnOnce(&publica_state::StateTree, u64) -> R) -> R {
        let chain = self.inner.chain.read().expect("chain lock");
        let height = chain.tip.as_ref().map(|t| t.height).unwrap_or(0);
        f(&chain.state, height)
    }

    /// Entries `from .. from + limit` that modules filed under `key` in
    /// the event index (e.g. `money/account/<id>`: an account's history),
    /// oldest first, and how many the key has. Reads from disk after
    /// releasing the index's lock, so the block being committed waits for
    /// no reader; a blocking call.
    pub fn indexed(
        &self,
        key: &str,
        from: u64,
        limit: usize,
    ) -> Result<(u64, Vec<serde_json::Value>), ReadError> {
        let at = self
            .inner
            .events
            .read()
            .expect("event index lock")
            .page_at(key, from, limit);
        let entries = at
            .read()
            .map_err(|e| ReadError::internal(format!("reading the event index: {e}")))?;
        Ok((at.count, entries))
    }

    /// The committed state as it is now, for a module's routes: a
    /// copy-on-write snapshot, so a long read holds up no block.
    pub fn read_view(&self) -> NodeReadView {
        let chain = self.inner.chain.read().expect("chain lock");
        NodeReadView {
            state: chain.state.clone(),
            height: chain.tip.as_ref().map_or(0, |t| t.height),
            state_root: chain.state_root(),
            node: self.clone(),
        }
    }

    /// The chain's genesis.
    pub fn genesis(&self) -> Option<publica_identity::Genesis> {
        crate::genesis::read_genesis(self.inner.data_dir.path())
            .ok()
            .flatten()
    }
}

/// A snapshot of the committed state at one height, with the node's
/// event index: what a module's routes read ([`Node::read_view`]).
pub struct NodeReadView {
    state: publica_state::StateTree,
    height: u64,
    state_root: Hash32,
    node: Node,
}

impl ReadView for NodeReadView {
    fn state(&self) -> &publica_state::StateTree {
        &self.state
    }

    fn height(&self) -> u64 {
        self.height
    }

    fn prove(&self, key: &[u8]) -> StateProofAnswer {
        StateProofAnswer {
            height: self.height,
            state_root: self.state_root,
            value: self.state.get(key).map(std::borrow::Cow::into_owned),
            proof: self
                .state
                .prove_hashed(key)
                .expect("committed state is always hashed"),
        }
    }

    fn indexed(
        &self,
        key: &str,
        from: u64,
        limit: usize,
    ) -> Result<(u64, Vec<serde_json::Value>), ReadError> {
        self.node.indexed(key, from, limit)
    }

    fn now_ms(&self) -> u64 {
        publica_types::now_ms()
    }

    fn block_time_ms(&self, height: u64) -> Option<u64> {
        if height == 0 || height > self.height {
            return None;
        }
        self.node.header(height).ok().flatten().map(|h| h.time_ms)
    }

    fn state_note(&self) -> Option<String> {
        let time_ms = match self.height {
            0 => 0,
            h => self.node.header(h).ok().flatten()?.time_ms,
        };
        let signer = &self.node.inner.signer;
        let note = publica_log::StateNote {
            origin: signer.name().to_string(),
            height: self.height,
            state_root: self.state_root,
            time_ms,
        };
        Some(note.sign(signer))
    }
}

/// How long a network's state answer waits for the quorum's checkpoint of
/// its block (about one round of cosignatures).
pub const STATE_FINAL_WAIT: Duration = Duration::from_secs(3);

/// Whether the signed checkpoint `note` names block `height` with
/// `state_root` (its `publica-state` line).
pub(crate) fn checkpoint_commits_to(note: &str, height: u64, state_root: &Hash32) -> bool {
    let Some(body) = note.find("\n\n").map(|i| &note[..=i]) else {
        return false;
    };
    publica_log::Checkpoint::parse(body).is_ok_and(|cp| {
        cp.state
            == Some(publica_log::StateLine {
                height,
                state_root: *state_root,
            })
    })
}
