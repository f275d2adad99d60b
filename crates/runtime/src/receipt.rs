//! Offline verification of a receipt: with nothing but the log's verifier
//! key (a single node) or the validator set's cosigner keys (a network, where
//! the checkpoint must carry cosignatures from a quorum), check that a
//! transaction and its result are an entry of the log whose checkpoint the
//! receipt carries.
//!
//! Checked: the checkpoint's signature (or quorum of cosignatures) and origin; that the proof is for the
//! checkpoint's size; the transaction's own signature; that the receipt's
//! ids belong to the transaction; and the inclusion proof of the log entry
//! `JCS(transaction) || SHA-256(JCS(outcome))`. The block height, block hash
//! and in-block index are informational: they are checked against the block
//! header (`GET /v1/blocks/{height}`), not by this function.

use crate::block::log_entry;
use publica_log::proof::ProofError;
use publica_log::{
    verify_inclusion, Checkpoint, CheckpointError, CosignError, NoteVerifier, ValidatorSet,
};
use publica_types::{tx::parse_envelope, Hash32, TxOutcome, TxStatus};
use serde_json::Value;

/// Why a receipt was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// A field is missing or malformed.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// The checkpoint did not verify (bad signature, unknown key, wrong origin).
    #[error("checkpoint rejected: {0}")]
    Checkpoint(CheckpointError),
    /// The checkpoint lacks a quorum of valid validator cosignatures.
    #[error("checkpoint not final: {0}")]
    NotFinal(CosignError),
    /// The proof's tree size is not the checkpoint's.
    #[error("tree size mismatch: the proof is for size {proof} but the checkpoint is for size {checkpoint}")]
    TreeSizeMismatch {
        /// Size the proof claims.
        proof: u64,
        /// Size the checkpoint signs.
        checkpoint: u64,
    },
    /// The transaction's own signature fails.
    #[error("bad signature: the transaction's own signature does not verify")]
    BadTransactionSignature,
    /// The receipt's ids do not belong to its transaction.
    #[error("wrong leaf: the receipt's tx_id or outcome do not belong to this transaction (its id is {0})")]
    WrongLeaf(Hash32),
    /// The entry is not at that index of the checkpointed tree.
    #[error("proof mismatch: {0}")]
    ProofMismatch(String),
}

// Not `#[from]`: that would make the inner error a `source` too, and its
// message would be printed twice after the one that already includes it.
impl From<CheckpointError> for ReceiptError {
    fn from(e: CheckpointError) -> Self {
        ReceiptError::Checkpoint(e)
    }
}

impl From<CosignError> for ReceiptError {
    fn from(e: CosignError) -> Self {
        // Not a `source`: the message already includes it.
        ReceiptError::NotFinal(e)
    }
}

/// What a verified receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The log.
    pub origin: String,
    /// The transaction.
    pub tx_id: Hash32,
    /// Its result.
    pub status: TxStatus,
    /// Its position in the log.
    pub leaf_index: u64,
    /// The checkpointed size.
    pub tree_size: u64,
}

fn field<'a>(r: &'a Value, name: &str) -> Result<&'a Value, ReceiptError> {
    r.get(name)
        .ok_or_else(|| ReceiptError::Malformed(format!("missing {name}")))
}

/// Whom a checkpoint must come from.
#[derive(Debug, Clone, Copy)]
pub enum Trust<'a> {
    /// The single node's log key (dev mode).
    LogKey(&'a NoteVerifier),
    /// A quorum of a network's validators (their cosignatures).
    Validators(&'a ValidatorSet),
}

impl Trust<'_> {
    /// Opens a checkpoint note; `origin` defaults to the key's name or the
    /// set's origin. A network's checkpoint of the block at `height` must
    /// carry a quorum of that block's validator set (the latest set when
    /// the height is unknown).
    pub fn open(
        &self,
        note: &str,
        origin: Option<&str>,
        height: Option<u64>,
    ) -> Result<Checkpoint, ReceiptError> {
        match self {
            Trust::LogKey(key) => Ok(Checkpoint::open(note, key, origin.unwrap_or(&key.name))?),
            Trust::Validators(set) => {
                let cp = set.open_at(note, height.unwrap_or(u64::MAX))?;
                match origin {
                    Some(o) if o != cp.origin => Err(CheckpointError::WrongOrigin {
                        got: cp.origin,
                        want: o.into(),
                    }
                    .into()),
                    _ => Ok(cp),
                }
            }
        }
    }
}

/// Verifies a receipt as served by `GET /v1/transactions/{id}` against the
/// log's key. `origin` defaults to the key's name.
pub fn verify_receipt(
    r: &Value,
    key: &NoteVerifier,
    origin: Option<&str>,
) -> Result<VerifiedReceipt, ReceiptError> {
    verify_receipt_with(r, Trust::LogKey(key), origin)
}

/// Verifies a receipt whose checkpoint must satisfy `trust`.
pub fn verify_receipt_with(
    r: &Value,
    trust: Trust<'_>,
    origin: Option<&str>,
) -> Result<VerifiedReceipt, ReceiptError> {
    let bad = |m: &str| ReceiptError::Malformed(m.to_string());
    let note = field(r, "checkpoint")?
        .as_str()
        .ok_or_else(|| bad("checkpoint must be a string"))?;
    // The checkpoint's block picks the validator set; it is at or after
    // the transaction's block.
    let block_height = r.get("block_height").and_then(Value::as_u64);
    let height = match r.get("checkpoint_height") {
        None | Some(Value::Null) => block_height,
        Some(h) => Some(
            h.as_u64()
                .filter(|h| block_height.is_none_or(|b| *h >= b))
                .ok_or_else(|| {
                    bad("checkpoint_height must be an integer at or after block_height")
                })?,
        ),
    };
    let cp = trust.open(note, origin, height)?;
    let tree_size = field(r, "tree_size")?
        .as_u64()
        .ok_or_else(|| bad("tree_size must be an integer"))?;
    if tree_size != cp.size {
        return Err(ReceiptError::TreeSizeMismatch {
            proof: tree_size,
            checkpoint: cp.size,
        });
    }
    let leaf_index = field(r, "leaf_index")?
        .as_u64()
        .ok_or_else(|| bad("leaf_index must be an integer"))?;
    let proof: Vec<Hash32> = serde_json::from_value(field(r, "inclusion_proof")?.clone())
        .map_err(|e| bad(&format!("inclusion_proof: {e}")))?;
    let envelope = parse_envelope(field(r, "transaction")?.clone())
        .map_err(|e| bad(&format!("transaction: {}", e.message)))?;
    let outcome: TxOutcome = serde_json::from_value(field(r, "outcome")?.clone())
        .map_err(|e| bad(&format!("outcome: {e}")))?;
    let claimed: Hash32 = field(r, "tx_id")?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("tx_id must be a hex hash"))?;
    let bytes = envelope
        .body
        .signing_bytes()
        .map_err(|e| bad(&format!("transaction: {e}")))?;
    publica_crypto::verify(&envelope.signer, &bytes, &envelope.signature)
        .map_err(|_| ReceiptError::BadTransactionSignature)?;
    let id = publica_crypto::tx_id(&envelope.signer, &bytes);
    if outcome.tx_id != id || claimed != id {
        return Err(ReceiptError::WrongLeaf(id));
    }
    let leaf = publica_log::leaf_hash(&log_entry(&envelope, &outcome));
    verify_inclusion(leaf_index, tree_size, &leaf, &proof, &cp.root).map_err(|e| {
        ReceiptError::ProofMismatch(match e {
            ProofError::RootMismatch { .. } => format!(
                "this transaction and result are not entry {leaf_index} of the log at size {tree_size}"
            ),
            other => other.to_string(),
        })
    })?;
    Ok(VerifiedReceipt {
        origin: cp.origin,
        tx_id: id,
        status: outcome.status,
        leaf_index,
        tree_size,
    })
}
