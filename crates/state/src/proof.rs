//! Proofs of a value, or of its absence, against a state root — and the
//! hashing rules, which an independent verifier (see `docs/state-proofs.md`)
//! re-implements in a few lines:
//!
//! - `key_hash   = SHA-256(key)`; its bits, most significant first, choose
//!   the path (0 = left, 1 = right);
//! - `leaf       = SHA-256(0x00 || key_hash || SHA-256(value))`;
//! - `branch     = SHA-256(0x01 || left || right)`;
//! - an empty subtree hashes to 32 zero bytes.
//!
//! A proof lists the sibling hashes from the root down and ends at a
//! terminal: the leaf found on the path, or an empty subtree.

use publica_crypto::hash::sha256_parts;
use publica_crypto::sha256;
use publica_types::Hash32;
use serde::{Deserialize, Serialize};

/// Hash of an empty subtree.
pub const EMPTY_HASH: Hash32 = Hash32([0u8; 32]);

/// Deepest possible proof.
pub const PROOF_DEPTH_MAX: usize = 256;

/// SHA-256 of a key: its position in the tree.
pub fn key_hash(key: &[u8]) -> Hash32 {
    sha256(key)
}

/// Hash of a leaf.
pub fn leaf_hash(key_hash: &Hash32, value_hash: &Hash32) -> Hash32 {
    sha256_parts(&[&[0x00], key_hash.as_bytes(), value_hash.as_bytes()])
}

/// Hash of a branch.
pub fn branch_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    sha256_parts(&[&[0x01], left.as_bytes(), right.as_bytes()])
}

/// Where a proof's path ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Terminal {
    /// An empty subtree: the key is absent.
    Empty,
    /// A leaf: the key itself (membership) or another key alone in the
    /// subtree where the key would be (absence).
    Leaf {
        /// The leaf's key hash.
        key_hash: Hash32,
        /// SHA-256 of the leaf's value.
        value_hash: Hash32,
    },
}

/// Sibling hashes from the root down, and the terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// Sibling hashes, root level first.
    pub siblings: Vec<Hash32>,
    /// Where the path ends.
    pub terminal: Terminal,
}

/// Why a proof was rejected.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// More siblings than a 256-bit key has bits.
    #[error("proof is deeper than 256 levels")]
    TooDeep,
    /// The terminal does not agree with the claimed value or absence.
    #[error("proof terminal does not match the claimed {0}")]
    TerminalMismatch(&'static str),
    /// The terminal leaf is not on the key's path.
    #[error("terminal leaf is not on the key's path")]
    OffPath,
    /// Recomputed root differs.
    #[error("proof does not lead to the state root")]
    RootMismatch,
}

fn bit(h: &Hash32, depth: usize) -> bool {
    (h.0[depth / 8] >> (7 - (depth % 8))) & 1 == 1
}

/// Checks that `proof` shows `key` holding `value` (or, for `None`, holding
/// nothing) in the state whose root is `root`.
pub fn verify_proof(
    root: &Hash32,
    key: &[u8],
    value: Option<&[u8]>,
    proof: &Proof,
) -> Result<(), ProofError> {
    let depth = proof.siblings.len();
    if depth > PROOF_DEPTH_MAX {
        return Err(ProofError::TooDeep);
    }
    let kh = key_hash(key);
    let mut acc = match (&proof.terminal, value) {
        (Terminal::Empty, None) => EMPTY_HASH,
        (Terminal::Empty, Some(_)) => return Err(ProofError::TerminalMismatch("value")),
        (
            Terminal::Leaf {
                key_hash,
                value_hash,
            },
            v,
        ) => {
            // The leaf must sit on this key's path.
            if (0..depth).any(|d| bit(key_hash, d) != bit(&kh, d)) {
                return Err(ProofError::OffPath);
            }
            match v {
                Some(v) if *key_hash != kh || *value_hash != sha256(v) => {
                    return Err(ProofError::TerminalMismatch("value"))
                }
                None if *key_hash == kh => return Err(ProofError::TerminalMismatch("absence")),
                _ => {}
            }
            leaf_hash(key_hash, value_hash)
        }
    };
    for d in (0..depth).rev() {
        let sib = &proof.siblings[d];
        acc = if bit(&kh, d) {
            branch_hash(sib, &acc)
        } else {
            branch_hash(&acc, sib)
        };
    }
    if acc == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}
