//! SHA-256 and the transaction id.

use publica_types::{AccountId, Hash32};
use sha2::{Digest, Sha256};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash32 {
    Hash32(Sha256::digest(data).into())
}

/// SHA-256 over several parts, as if concatenated.
pub fn sha256_parts(parts: &[&[u8]]) -> Hash32 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    Hash32(h.finalize().into())
}

/// A transaction's id: SHA-256(signer public key || signing bytes).
///
/// The signature is left out so that the id is known before signing and does
/// not depend on how the signature is encoded; the signer is in so that two
/// accounts signing the same body get different ids.
pub fn tx_id(signer: &AccountId, signing_bytes: &[u8]) -> Hash32 {
    sha256_parts(&[signer.as_bytes(), signing_bytes])
}
