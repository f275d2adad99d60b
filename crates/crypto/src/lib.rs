//! Publica's cryptography: Ed25519 signatures with one deterministic validity
//! rule for single and batched verification (ZIP-215, via `ed25519-zebra`),
//! SHA-256, transaction ids, and key files.
//!
//! Using ZIP-215 matters for consensus: a signature accepted by a batch must
//! be accepted alone and vice versa, or two nodes could disagree on a block.

pub mod hash;
pub mod key;
pub mod keyfile;
pub mod seal;
pub mod sign;

pub use hash::{hmac_sha256, sha256, tx_id};
pub use key::{is_public_key, is_weak_key};
pub use keyfile::{write_secret_new, KeyFile, KeyFileError};
pub use sign::{verify, verify_batch, Keypair, SignatureError};
