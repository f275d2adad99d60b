//! Blocks, their headers and the recorded outcome of each transaction.

use crate::error::TxError;
use crate::ids::Hash32;
use crate::tx::Envelope;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a block commits to. Its hash is SHA-256 of the header's JCS form.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockHeader {
    /// The chain the block belongs to.
    pub chain_id: String,
    /// 1 for the first block, then one more each block.
    pub height: u64,
    /// Root of the transparency log (RFC 6962) at `log_size`.
    pub log_root: Hash32,
    /// Transactions committed since genesis, this block's included: the size
    /// of the transparency log after this block.
    pub log_size: u64,
    /// Hash of the previous block's header; zero for the first block.
    pub parent_hash: Hash32,
    /// RFC 6962 Merkle root over the hashes of the outcomes' JCS form.
    pub results_root: Hash32,
    /// Root of the authenticated state after the block.
    pub state_root: Hash32,
    /// Block time in ms since the Unix epoch; never decreases.
    pub time_ms: u64,
    /// Number of transactions in the block.
    pub tx_count: u64,
    /// RFC 6962 Merkle root over the transaction ids, in block order.
    pub tx_root: Hash32,
}

/// Whether a transaction's call took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// The call ran and its changes are in the state.
    Ok,
    /// The call failed; only the nonce advanced.
    Failed,
}

/// Something a module reports happened, for subscribers and auditors.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Details, module-defined.
    pub data: Value,
    /// What happened, e.g. `note_set`.
    pub kind: String,
    /// The module that emitted it.
    pub module: String,
}

/// The recorded result of one transaction in a block.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxOutcome {
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TxError>,
    /// Events emitted by a successful call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Ok or failed.
    pub status: TxStatus,
    /// The transaction's id.
    pub tx_id: Hash32,
}

/// A block: header, transactions and their outcomes, in the same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The signed transactions, in execution order.
    pub transactions: Vec<Envelope>,
    /// One outcome per transaction.
    pub outcomes: Vec<TxOutcome>,
    /// Events the ledger itself emitted at the start of the block, before
    /// any transaction (scheduled work such as monthly payouts). Committed
    /// by the last leaf of `results_root` when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ledger_events: Vec<Event>,
}
