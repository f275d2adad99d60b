//! Publica's cryptography: Ed25519 signatures with one deterministic validity
//! rule for single and batched verification (ZIP-215, via `ed25519-zebra`),
//! SHA-256, transaction ids, and key files.
//!
//! Using ZIP-215 matters for consensus: a signature accepted by a batch must
//! be accepted alone and vice versa, or two nodes could disagree on a block.

pub mod hash;
pub mod keyfile;
pub mod sign;

pub use hash::{sha256, tx_id};
pub use keyfile::{KeyFile, KeyFileError};
pub use sign::{is_public_key, verify, verify_batch, Keypair, SignatureError};
