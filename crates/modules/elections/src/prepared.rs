//! Ballot proofs checked ahead, on the node's admission workers
//! ([`publica_runtime::Module::prepare`]): the checks are the costliest
//! part of a cast (about 1.5 ms for 3 contests × 5 selections) and are
//! pure, so the workers run them on every core before the ballot is
//! queued, and execution, on the ledger's one thread, takes the result
//! instead of checking again. A result is kept under a digest of all it
//! depends on — the transaction (which fixes the voter and the ballot),
//! the election's key, its base hash and its contests — so execution
//! reuses it only for exactly those inputs; a ballot not checked ahead (a
//! validator that received it from a peer, a full cache) is checked in
//! execution as before. The outcome is the same either way.

use crate::ballot;
use crate::lifecycle::CensusProof;
use crate::model::{election_key, member_key, Election, Membership, Phase, WireBallot};
use crate::proofs::Ciphertext;
use publica_runtime::StateRead;
use publica_types::{AccountId, Hash32, TxError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// Ballots checked ahead and not yet executed, by [`digest`]; cleared
/// when full (a result not found is computed again).
static CHECKED: LazyLock<Mutex<HashMap<[u8; 32], Ciphertexts>>> = LazyLock::new(Mutex::default);

/// A ballot's ciphertexts, per contest and selection.
type Ciphertexts = Vec<Vec<Ciphertext>>;

/// Most results kept (each about a kilobyte for 15 selections).
const KEPT: usize = 16_384;

/// What a check of transaction `tx`'s ballot depends on, besides the
/// transaction itself: the election's key, base hash and contests.
pub(crate) fn digest(tx: &Hash32, e: &Election) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(tx.as_bytes());
    for part in [
        e.key.as_deref().unwrap_or_default(),
        e.base_hash.as_deref().unwrap_or_default(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(serde_json::to_vec(&e.contests).unwrap_or_default());
    // An anonymous census is frozen once ballots are taken; its size
    // fixes every ring.
    h.update(e.registered.to_le_bytes());
    h.finalize().into()
}

/// The ciphertexts checked ahead for `digest`, taken out of the cache.
pub(crate) fn take(digest: &[u8; 32]) -> Option<Ciphertexts> {
    CHECKED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(digest)
}

/// Checks transaction `tx`'s ballot for `election` against the committed
/// `state` and keeps the ciphertexts if it passes. A ballot that fails for
/// good is refused here, at admission, with the reason execution would
/// give: a voter outside the census (fixed at creation); and, once the
/// ledger has taken a ballot (its window open: complaints, which may make
/// the key again, and registrations end at the opening), a proof that
/// fails against the election's key, base hash and contests, a tracking
/// code already on the board, or a membership proof that fails. Anything
/// else is left to execution.
pub(crate) fn prepare(
    state: &dyn StateRead,
    (tx, voter): (&Hash32, &AccountId),
    (election, (census, member)): (&str, (Option<&CensusProof>, Option<&Membership>)),
    b: &WireBallot,
) -> Result<(), TxError> {
    let Some(e) = state
        .value(&election_key(election))
        .and_then(|v| serde_json::from_slice::<Election>(&v).ok())
    else {
        return Ok(());
    };
    if e.phase != Phase::Ready {
        return Ok(());
    }
    // Only a voter of the census costs a check (15 hashes before 1.5 ms).
    let voter = &crate::lifecycle::voter_of(&e, voter, census, member)?;
    let (Some(key), Some(base)) = (
        e.key.as_deref().and_then(crate::group::point_from_hex),
        e.base_hash.as_deref().and_then(hex_32),
    ) else {
        return Ok(());
    };
    // The key, base hash and rings are final once the ledger has taken a
    // ballot; before, a failing proof is left to execution.
    let frozen = e.cast + e.challenged > 0;
    let decide = |refusal: TxError| if frozen { Err(refusal) } else { Ok(()) };
    // An anonymous ballot's membership first: it costs a fraction of the
    // range proofs, so a forged ballot is dropped early.
    if let Some(m) = member {
        let tracking = ballot::tracking_code(&base, voter, b);
        let read = |i| {
            state
                .value(&member_key(&e.id, i))
                .and_then(|v| serde_json::from_slice(&v).ok())
        };
        if let Err(refusal) = crate::anonymous::check_on_ledger((&e, &base), m, &tracking, &read) {
            return decide(refusal);
        }
    }
    let cts = match ballot::verify(&base, &key, &e.contests, voter, b) {
        Ok(cts) => cts,
        Err(refusal) => return decide(crate::lifecycle::ballot_err(refusal)),
    };
    let d = digest(tx, &e);
    let mut kept = CHECKED.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= KEPT {
        kept.clear();
    }
    kept.insert(d, cts);
    Ok(())
}

fn hex_32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}
