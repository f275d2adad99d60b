//! Node settings, with their limits.

use std::path::PathBuf;

/// A node setting out of its range; the message says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `block_interval_ms` is not 1..=60000.
    #[error("block interval must be 1..=60000 ms")]
    BlockInterval,
    /// `block_txs_max` is not 1..=[`publica_types::limits::BLOCK_TXS_MAX`].
    #[error(
        "max block transactions must be 1..={}",
        publica_types::limits::BLOCK_TXS_MAX
    )]
    BlockTxs,
    /// `snapshot_interval_blocks` is 0.
    #[error("snapshot interval must be at least 1 block")]
    SnapshotInterval,
    /// `mempool_txs_max` is not 1..=10000000.
    #[error("mempool size must be 1..=10000000")]
    MempoolSize,
    /// The chain id is empty, too long or not printable ASCII.
    #[error("chain id must be 1..=64 printable ASCII characters")]
    ChainId,
}

/// How a node runs.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Where the block log and snapshots live.
    pub data_dir: PathBuf,
    /// The chain id.
    pub chain_id: String,
    /// Longest wait before a non-empty block is cut (dev sequencer).
    pub block_interval_ms: u64,
    /// Most transactions per block.
    pub block_txs_max: usize,
    /// A state snapshot is written every this many blocks.
    pub snapshot_interval_blocks: u64,
    /// Most transactions waiting in the mempool.
    pub mempool_txs_max: usize,
    /// The genesis for a new data directory (ignored, but checked, when the
    /// directory already has one). Its chain id must equal `chain_id`.
    pub genesis: Option<publica_identity::Genesis>,
    /// The transparency log's origin (checkpoint origin line and key name);
    /// `publica.local/<chain id>` when unset.
    pub log_origin: Option<String>,
    /// Start signing checkpoints with a new transparency-log key when
    /// `log-key.json` is missing from a data directory whose node signed
    /// with one (`log-key.pub` is there). Without it such a node refuses to
    /// start: a key silently replaced would sign checkpoints no verifier of
    /// the old key accepts.
    pub new_log_key: bool,
}

impl NodeConfig {
    /// Dev defaults for `data_dir`.
    pub fn dev(data_dir: PathBuf) -> Self {
        NodeConfig {
            data_dir,
            chain_id: "publica-dev".into(),
            block_interval_ms: 100,
            block_txs_max: 10_000,
            snapshot_interval_blocks: 1_000,
            mempool_txs_max: 200_000,
            log_origin: None,
            genesis: None,
            new_log_key: false,
        }
    }

    /// The log origin in force.
    pub fn log_origin(&self) -> String {
        self.log_origin
            .clone()
            .unwrap_or_else(|| format!("publica.local/{}", self.chain_id))
    }

    /// Checks the limits; the message says which setting is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=60_000).contains(&self.block_interval_ms) {
            return Err(ConfigError::BlockInterval);
        }
        if !(1..=publica_types::limits::BLOCK_TXS_MAX).contains(&self.block_txs_max) {
            return Err(ConfigError::BlockTxs);
        }
        if self.snapshot_interval_blocks == 0 {
            return Err(ConfigError::SnapshotInterval);
        }
        if !(1..=10_000_000).contains(&self.mempool_txs_max) {
            return Err(ConfigError::MempoolSize);
        }
        let probe = publica_types::TxBody {
            chain_id: self.chain_id.clone(),
            nonce: 1,
            expiry: publica_types::Expiry::Height(1),
            call: publica_types::Call {
                module: "system".into(),
                method: "register_account".into(),
                args: serde_json::json!({}),
            },
        };
        probe.validate_shape().map_err(|_| ConfigError::ChainId)
    }
}
