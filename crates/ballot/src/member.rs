//! A voter of an anonymous census (`docs/elections.md`, "The anonymous
//! census"): the commitment it registers with its proof of knowledge, its
//! pseudonym (the nullifier) and the membership proof a ballot carries.
//! Everything here is computed on the voter's device from its census
//! secret ([`crate::ring::census_secret`]).

use crate::group::{point_from_hex, point_hex, scalar_hex, Scalar, G};
use crate::proofs::prove_knowledge;
use crate::ring::{self, Ring, RingProof};
use crate::wire::{Membership, WireRing};
use publica_types::AccountId;
use sha2::{Digest, Sha256};

/// An anonymous census as the voter's device sees it: the election's
/// manifest hash `H_M`, its ring size and how many voters registered.
#[derive(Clone, Copy, Debug)]
pub struct Anonymous {
    /// `H_M`.
    pub manifest_hash: [u8; 32],
    /// The ring size (a power of two, 2..=1024).
    pub ring: u64,
    /// How many registrations the election counts.
    pub registered: u64,
}

/// The census seed of a wallet whose key cannot be read out (the
/// portal's): SHA-256 over `publica/elections/v1/browser-census-seed`, NUL
/// and the wallet's Ed25519 signature of [`seed_message`]. Ed25519
/// signatures are deterministic (RFC 8032), so the same wallet finds the
/// same seed again, and only its key can make it.
pub fn browser_seed(signature: &[u8; 64]) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"publica/elections/v1/browser-census-seed\0")
        .chain_update(signature)
        .finalize()
        .into()
}

/// What a browser's wallet signs to find its census seed for an election:
/// `publica/elections/v1/census-seed`, NUL, `H_M`. No transaction's
/// signing bytes begin so.
pub fn seed_message(manifest_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"publica/elections/v1/census-seed\0".to_vec();
    m.extend_from_slice(manifest_hash);
    m
}

/// The commitment `P = s·G` a voter registers (hex).
pub fn commitment(secret: &Scalar) -> String {
    point_hex(&(G * secret))
}

/// The context of a registration's proof of knowledge: `H_M`,
/// `register`, the account's 32 bytes.
pub fn registration_context(manifest_hash: &[u8; 32], account: &AccountId) -> Vec<u8> {
    let mut c = manifest_hash.to_vec();
    c.extend_from_slice(b"register");
    c.extend_from_slice(account.as_bytes());
    c
}

/// The arguments of `elections.register` for `account` in `election`,
/// with its census proof `census`: the commitment and its proof of
/// knowledge.
pub fn registration(
    secret: &Scalar,
    (election, manifest_hash): (&str, &[u8; 32]),
    account: &AccountId,
    census: serde_json::Value,
) -> serde_json::Value {
    let p = prove_knowledge(
        &registration_context(manifest_hash, account),
        secret,
        &(G * secret),
    );
    serde_json::json!({"election": election, "commitment": commitment(secret),
        "proof": {"c": scalar_hex(&p.c), "v": scalar_hex(&p.v)}, "census": census})
}

/// The voter's pseudonym in the election: its nullifier `J = s·U`.
pub fn pseudonym(secret: &Scalar, manifest_hash: &[u8; 32]) -> AccountId {
    let j = ring::nullifier_base(manifest_hash) * secret;
    AccountId(*j.compress().as_bytes())
}

/// The context a membership proof is bound to: `H_E`, `census`, the
/// bucket, the ballot's tracking code (so the proof holds for that ballot
/// only) and the tracking code of the ballot it replaces, if any (so a
/// ballot held back and sent after a later one is refused).
pub fn context(base: &[u8; 32], bucket: u64, tracking: &str, replaces: Option<&str>) -> Vec<u8> {
    let mut c = base.to_vec();
    c.extend_from_slice(b"census");
    c.extend_from_slice(&bucket.to_be_bytes());
    c.extend_from_slice(tracking.as_bytes());
    c.extend_from_slice(replaces.unwrap_or_default().as_bytes());
    c
}

/// A proof for the wire.
pub fn wire(p: &RingProof) -> WireRing {
    WireRing {
        a: point_hex(&p.abcd[0]),
        b: point_hex(&p.abcd[1]),
        c: point_hex(&p.abcd[2]),
        d: point_hex(&p.abcd[3]),
        x: p.x.iter().map(point_hex).collect(),
        y: p.y.iter().map(point_hex).collect(),
        f: p.f.iter().map(scalar_hex).collect(),
        z_a: scalar_hex(&p.z[0]),
        z_c: scalar_hex(&p.z[1]),
        z: scalar_hex(&p.z[2]),
    }
}

/// Where a voter's commitment is among the registrations `commitments`
/// (all, in order), if it registered.
pub fn index_of(secret: &Scalar, commitments: &[String]) -> Option<u64> {
    let mine = commitment(secret);
    commitments
        .iter()
        .position(|c| *c == mine)
        .map(|i| i as u64)
}

/// The membership proof of the voter with `secret`, registered at
/// `index`, for the ballot with `tracking` replacing the nullifier's
/// ballot `replaces` (none for its first), over the registrations
/// `commitments` (all of them, in order; as many as `census` counts).
/// `None` if they do not make a ring holding the voter.
pub fn prove(
    (secret, index): (&Scalar, u64),
    census: &Anonymous,
    base: &[u8; 32],
    commitments: &[String],
    (tracking, replaces): (&str, Option<&str>),
) -> Option<Membership> {
    let n = commitments.len() as u64;
    if n != census.registered {
        return None;
    }
    let bucket = ring::bucket_of(n, census.ring, index);
    let indices = ring::bucket_members(n, census.ring, bucket)?;
    let l = indices.iter().position(|&i| i == index)?;
    let members = Ring::new(
        indices
            .iter()
            .map(|&i| point_from_hex(commitments.get(usize::try_from(i).ok()?)?))
            .collect::<Option<_>>()?,
    );
    let u = ring::nullifier_base(&census.manifest_hash);
    let context = context(base, bucket, tracking, replaces);
    let (j, proof) = ring::prove(&context, &u, &members, l, secret)?;
    Some(Membership {
        bucket,
        nullifier: point_hex(&j),
        replaces: replaces.map(str::to_owned),
        proof: wire(&proof),
    })
}
