//! Ballots: encrypting a voter's choices with their proofs, checking a
//! ballot against an election, opening a challenged one by its nonces,
//! tracking codes, and the hashes every proof is bound to
//! ([`publica_ballot::ballot`], which builds for the voter's device too),
//! with the manifest hash, which needs the whole election.

pub use publica_ballot::ballot::*;

use crate::model::Election;
use sha2::{Digest, Sha256};

/// `H_M`: SHA-256 over `publica/elections/v1/manifest`, NUL, and the
/// canonical JSON of the chain id, the election's id, agency, contests,
/// guardians, threshold, window and census.
pub fn manifest_hash(e: &Election) -> [u8; 32] {
    let mut manifest = serde_json::json!({
        "chain_id": e.chain_id, "id": e.id, "agency": e.agency, "contests": e.contests,
        "guardians": e.guardians, "threshold": e.threshold, "opens_ms": e.opens_ms,
        "closes_ms": e.closes_ms, "census": e.census,
    });
    if let Some(d) = &e.delegation {
        manifest["delegation"] = serde_json::json!(d);
    }
    let bytes = publica_types::canonical::to_canonical_bytes(&manifest)
        .expect("small integers and strings");
    Sha256::new()
        .chain_update(b"publica/elections/v1/manifest\0")
        .chain_update(bytes)
        .finalize()
        .into()
}
