//! The authenticated key-value state: every module's state lives here under
//! its own key prefix, and one 32-byte root commits to all of it.
//!
//! The structure is a binary sparse Merkle tree over SHA-256(key) in which a
//! subtree holding a single entry is replaced by that entry's leaf, so its
//! depth grows with log2(entries) instead of 256 and its root depends only on
//! the set of entries, never on the order they were written in. In memory,
//! chains of single-child levels are held as one branch (path compression)
//! and leaves hold runs of hex digits packed; neither changes a hash. Proofs of a
//! value and proofs of absence are both a path of sibling hashes; see
//! [`proof`] for the exact verification rule.

mod pack;
pub mod proof;
pub mod tree;

pub use proof::{verify_proof, Proof, ProofError, Terminal};
pub use tree::StateTree;
