//! Publica's shared vocabulary: identifiers, amounts, the signed transaction
//! envelope, blocks and receipts, RFC 8785 canonical JSON and stable error codes.
//!
//! This crate does no I/O and knows no cryptographic back-end: hashing and
//! signatures live in `publica-crypto`.

pub mod amount;
pub mod block;
pub mod calendar;
pub mod canonical;
pub mod codes;
pub mod csv;
pub mod error;
pub mod format;
pub mod ids;
pub mod limits;
pub mod tx;
pub mod uri;

pub use amount::Amount;
pub use block::{Block, BlockHeader, Event, TxOutcome, TxStatus};
pub use error::TxError;
pub use ids::{AccountId, Hash32, SignatureBytes};
pub use tx::{Call, Envelope, Expiry, TxBody, VerifiedTx};

/// The wall clock in ms since the Unix epoch (0 if the clock is before it).
/// Block times come from it; execution itself only ever reads block time.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
