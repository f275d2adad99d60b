//! Offline verification of a state answer (`GET /v1/state?key=`) from its
//! checkpoint alone: the checkpoint's signature (a single node's log key)
//! or quorum of cosignatures (a network's validator set), its
//! `publica-state` line naming the answer's block and state root (ledger
//! format 6 on), then the state proof against that root
//! (`docs/state-proofs.md`). Nothing of the node's word is trusted.

use crate::receipt::{ReceiptError, Trust};
use publica_state::{verify_proof, Proof, ProofError};
use publica_types::Hash32;
use serde_json::Value;

/// Why a state answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateAnswerError {
    /// A field is missing or malformed.
    #[error("malformed state answer: {0}")]
    Malformed(String),
    /// The answer has no checkpoint to check it against.
    #[error("no checkpoint: the answer carries none (a ledger before format 6, or a network's block not yet cosigned by a quorum: ask again)")]
    NoCheckpoint,
    /// The checkpoint did not verify.
    #[error(transparent)]
    Checkpoint(#[from] ReceiptError),
    /// The checkpoint names no state root.
    #[error(
        "no state line: the checkpoint names no state root (it was signed before ledger format 6)"
    )]
    NoStateLine,
    /// The checkpoint is of another block.
    #[error(
        "wrong block: the checkpoint names block {checkpoint}, the answer is for block {answer}"
    )]
    WrongBlock {
        /// The checkpoint's block.
        checkpoint: u64,
        /// The answer's.
        answer: u64,
    },
    /// The answer's root is not the checkpoint's.
    #[error(
        "state root mismatch: the answer says {answer}, the checkpoint commits to {checkpoint}"
    )]
    RootMismatch {
        /// The checkpoint's root.
        checkpoint: Hash32,
        /// The answer's.
        answer: Hash32,
    },
    /// The proof does not show the value (or absence) under that root.
    #[error("proof mismatch: {0}")]
    Proof(ProofError),
}

/// What a verified state answer proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedState {
    /// The log whose checkpoint it is.
    pub origin: String,
    /// The block after which the state is.
    pub height: u64,
    /// The state root the checkpoint commits to.
    pub state_root: Hash32,
    /// The key.
    pub key: String,
    /// Its value, `None` when the proof shows it absent.
    pub value: Option<Vec<u8>>,
}

/// The answer of `GET /v1/state?key=` (docs/state-proofs.md) for `key`,
/// from the node's proof and the checkpoint naming its block.
pub fn answer_json(
    key: &str,
    ans: &crate::routes::StateProofAnswer,
    checkpoint: Option<String>,
) -> Value {
    let value_json = ans
        .value
        .as_ref()
        .and_then(|v| serde_json::from_slice::<Value>(v).ok());
    serde_json::json!({
        "key": key,
        "height": ans.height,
        "state_root": ans.state_root,
        "value_hex": ans.value.as_ref().map(hex::encode),
        "value": value_json,
        "proof": ans.proof,
        "checkpoint": checkpoint,
    })
}

fn text<'a>(a: &'a Value, name: &str) -> Result<&'a str, StateAnswerError> {
    a.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| StateAnswerError::Malformed(format!("{name} must be a string")))
}

/// Verifies a state answer whose checkpoint must satisfy `trust`; `origin`
/// defaults to the key's name or the set's origin. A network's checkpoint
/// must carry a quorum of the validator set of the answer's block.
pub fn verify_state_answer(
    answer: &Value,
    trust: Trust<'_>,
    origin: Option<&str>,
) -> Result<VerifiedState, StateAnswerError> {
    let bad = |m: &str| StateAnswerError::Malformed(m.to_string());
    let key = text(answer, "key")?;
    let height = answer
        .get("height")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("height must be a number"))?;
    let claimed: Hash32 = text(answer, "state_root")?
        .parse()
        .map_err(|_| bad("state_root must be 64 hex digits"))?;
    let value = match answer.get("value_hex") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) => Some(hex::decode(h).map_err(|_| bad("value_hex is not hex"))?),
        Some(_) => return Err(bad("value_hex must be a string or null")),
    };
    let proof: Proof = serde_json::from_value(answer.get("proof").cloned().unwrap_or(Value::Null))
        .map_err(|e| StateAnswerError::Malformed(format!("proof: {e}")))?;
    let note = match answer.get("checkpoint") {
        None | Some(Value::Null) => return Err(StateAnswerError::NoCheckpoint),
        Some(Value::String(n)) => n,
        Some(_) => return Err(bad("checkpoint must be a string")),
    };
    let cp = trust.open(note, origin, Some(height))?;
    let line = cp.state.ok_or(StateAnswerError::NoStateLine)?;
    if line.height != height {
        return Err(StateAnswerError::WrongBlock {
            checkpoint: line.height,
            answer: height,
        });
    }
    if line.state_root != claimed {
        return Err(StateAnswerError::RootMismatch {
            checkpoint: line.state_root,
            answer: claimed,
        });
    }
    verify_proof(&line.state_root, key.as_bytes(), value.as_deref(), &proof)
        .map_err(StateAnswerError::Proof)?;
    Ok(VerifiedState {
        origin: cp.origin,
        height,
        state_root: line.state_root,
        key: key.to_string(),
        value,
    })
}
