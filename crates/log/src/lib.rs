//! Publica's transparency log: an append-only RFC 6962 / RFC 9162 Merkle tree
//! (SHA-256, leaf prefix 0x00, node prefix 0x01) with inclusion and
//! consistency proofs, C2SP signed notes and checkpoints, and C2SP tiles.
//!
//! - [`hash`]: leaf, node and root hashing (also used for block roots);
//! - [`proof`]: verification of inclusion and consistency proofs;
//! - [`tree`]: the in-memory tree, proof generation and tiles;
//! - [`frontier`]: the tree's right edge, for block producers;
//! - [`note`]: C2SP signed notes with Ed25519 keys and verifier keys;
//! - [`checkpoint`]: C2SP `tlog-checkpoint` bodies;
//! - [`state_note`]: signed notes of a block's state root.

pub mod checkpoint;
pub mod cosign;
pub mod frontier;
pub mod hash;
pub mod note;
pub mod proof;
pub mod state_note;
pub mod tiles;
pub mod tree;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, StateLine};
pub use cosign::{
    open_cosigned, quorum, CosignError, Cosigner, CosignerKey, SetChange, ValidatorSet,
};
pub use frontier::{AppendLog, Frontier};
pub use hash::{leaf_hash, node_hash, root};
pub use note::{NoteError, NoteSigner, NoteVerifier};
pub use proof::{verify_consistency, verify_inclusion, ProofError};
pub use state_note::{StateNote, StateNoteError};
pub use tiles::{TilePath, TilePathError};
pub use tree::{LevelStore, MemoryLevels, MerkleLog, TreeError};
