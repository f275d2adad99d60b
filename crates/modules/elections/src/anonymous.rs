//! The anonymous census on the ledger (`docs/elections.md`, "The
//! anonymous census"): a voter of the census registers a commitment
//! `P = s·G` with its account before the window opens, with a proof that
//! it knows `s`; a ballot then names the nullifier `J = s·U` as its voter
//! and proves, with [`crate::ring`], that its secret made one of a bucket
//! of registrations. The board shows which accounts registered, never
//! which ballot is whose; the last ballot per nullifier counts, and each
//! ballot names the one it replaces, so none can be held back and sent
//! after a later one.

use crate::codes::ElectionsRejection as R;
use crate::events::ElectionsEvent;
use crate::group::{point_from_hex, point_hex, scalar_from_hex, Point};
use crate::lifecycle::{check_census, read_election, CensusProof};
use crate::model::{
    commitment_taken_key, election_key, member_key, registered_key, Election, Membership, Phase,
    Registration, WireProof, WireRing,
};
use crate::ring::{self, Ring, RingProof, RING_BITS_MAX};
use curve25519_dalek_5::traits::Identity;
use publica_ballot::member;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// Arguments of `elections.register`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The election (with an anonymous census).
    pub election: String,
    /// `P = s·G` (hex).
    pub commitment: String,
    /// A proof of knowledge of `s` ([`registration_context`]): no one
    /// registers a commitment copied from another voter's transaction.
    pub proof: WireProof,
    /// The signer's place in the census.
    pub census: CensusProof,
}

pub use publica_ballot::member::{context, registration_context, wire};

/// Whether `proof` shows that `account` knows the secret of `commitment`.
pub fn registration_holds(
    manifest_hash: &[u8; 32],
    account: &AccountId,
    commitment: &Point,
    proof: &WireProof,
) -> bool {
    crate::ballot::parse_proof(proof, "registration").is_ok_and(|p| {
        crate::proofs::verify_knowledge(
            &registration_context(manifest_hash, account),
            commitment,
            &p,
        )
    })
}

/// `elections.register`: the signer, in the census, registers its
/// commitment once, before the window opens.
pub fn register(ctx: &mut CallContext<'_>, a: RegisterArgs) -> Result<(), TxError> {
    let mut e = read_election(ctx, &a.election)?;
    if e.census.ring.is_none() {
        return Err(R::CensusMode.err(format!(
            "'{}' has no anonymous census: its voters sign their ballots with their census proof",
            e.id
        )));
    }
    let now = ctx.env().time_ms;
    if matches!(e.phase, Phase::Failed | Phase::Tallied) || now >= e.opens_ms {
        return Err(R::RegistrationClosed.err(format!(
            "'{}' takes registrations until it opens at {} (ms); the block is at {now} and it is {:?}",
            e.id, e.opens_ms, e.phase
        )));
    }
    let signer = ctx.signer();
    check_census(&e, &signer, &a.census)?;
    let commitment = point_from_hex(&a.commitment)
        .filter(|p| *p != Point::identity())
        .ok_or_else(|| {
            R::InvalidField.err(
                "commitment: a ristretto255 point other than the identity (64 lowercase hex digits)",
            )
        })?;
    if !registration_holds(&manifest_hash(&e)?, &signer, &commitment, &a.proof) {
        return Err(R::BadMembership
            .err("the registration's proof of knowledge of the commitment's secret fails"));
    }
    if ctx.contains(&registered_key(&e.id, &signer)) {
        return Err(R::AlreadyRegistered.err(format!("{signer} registered in '{}' already", e.id)));
    }
    if ctx.contains(&commitment_taken_key(&e.id, &a.commitment)) {
        return Err(R::AlreadyRegistered.err(format!(
            "commitment {} is registered in '{}' already",
            a.commitment, e.id
        )));
    }
    let index = e.registered;
    let height = ctx.env().height;
    ctx.write(registered_key(&e.id, &signer), &index);
    ctx.write(commitment_taken_key(&e.id, &a.commitment), &index);
    ctx.write(
        member_key(&e.id, index),
        &Registration {
            account: signer,
            commitment: point_hex(&commitment),
            height,
        },
    );
    e.registered += 1;
    ctx.emit_event(&ElectionsEvent::Registered {
        election: e.id.clone(),
        account: signer,
        index,
        commitment: a.commitment,
        proof: a.proof,
        census: a.census,
    });
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// The voter a membership names: its nullifier's 32 bytes.
pub fn pseudonym(m: &Membership) -> Result<AccountId, TxError> {
    match point_from_hex(&m.nullifier) {
        Some(p) if p != Point::identity() => Ok(AccountId(*p.compress().as_bytes())),
        _ => Err(R::BadMembership.err(
            "nullifier: a ristretto255 point other than the identity (64 lowercase hex digits)",
        )),
    }
}

/// Rings decoded, by a digest of their encodings: decoding a thousand
/// points costs more than the proof's check, and a census is frozen once
/// the window opens.
static RINGS: LazyLock<Mutex<HashMap<[u8; 32], Arc<Ring>>>> = LazyLock::new(Mutex::default);

/// Most rings kept decoded.
const RINGS_KEPT: usize = 256;

/// The registrations a membership proof is checked against: their
/// number and a reader of each.
pub struct Registrations<'a> {
    /// How many.
    pub count: u64,
    /// The registration at an index.
    pub read: &'a dyn Fn(u64) -> Option<Registration>,
}

/// The commitments of `bucket` among `r`, decoded.
pub fn ring_of(e: &Election, bucket: u64, r: &Registrations<'_>) -> Result<Arc<Ring>, TxError> {
    let size = e.census.ring.unwrap_or(0);
    let indices = ring::bucket_members(r.count, size, bucket).ok_or_else(|| {
        R::BadMembership.err(format!(
            "'{}' has no bucket {bucket} among {} registrations in rings of {size}",
            e.id, r.count
        ))
    })?;
    let bytes = indices
        .iter()
        .map(|&i| {
            let c = (r.read)(i)
                .map(|r| r.commitment)
                .ok_or_else(|| R::BadMembership.err(format!("registration {i} is missing")))?;
            let mut b = [0u8; 32];
            hex::decode_to_slice(&c, &mut b)
                .map(|()| b)
                .map_err(|_| R::BadMembership.err(format!("commitment {c} is no point")))
        })
        .collect::<Result<Vec<[u8; 32]>, _>>()?;
    let mut h = Sha256::new();
    for b in &bytes {
        h.update(b);
    }
    let digest: [u8; 32] = h.finalize().into();
    if let Some(ring) = RINGS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&digest)
    {
        return Ok(ring.clone());
    }
    let ring = Arc::new(
        Ring::decode(bytes)
            .ok_or_else(|| R::BadMembership.err("a commitment of the ring is no point"))?,
    );
    let mut kept = RINGS.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= RINGS_KEPT {
        kept.clear();
    }
    kept.insert(digest, ring.clone());
    Ok(ring)
}

/// A proof from the wire, or why not.
pub fn parse(w: &WireRing) -> Result<RingProof, TxError> {
    let bad = |what: &str| R::BadMembership.err(format!("proof: {what}"));
    let point = |s: &String| point_from_hex(s).ok_or_else(|| bad("points are 64 hex digits"));
    let scalar =
        |s: &String| scalar_from_hex(s).ok_or_else(|| bad("scalars are canonical, 64 hex digits"));
    if w.x.len() > RING_BITS_MAX || w.y.len() > RING_BITS_MAX || w.f.len() > RING_BITS_MAX {
        return Err(bad("at most 10 of x, y and f"));
    }
    Ok(RingProof {
        abcd: [point(&w.a)?, point(&w.b)?, point(&w.c)?, point(&w.d)?],
        x: w.x.iter().map(point).collect::<Result<_, _>>()?,
        y: w.y.iter().map(point).collect::<Result<_, _>>()?,
        f: w.f.iter().map(scalar).collect::<Result<_, _>>()?,
        z: [scalar(&w.z_a)?, scalar(&w.z_c)?, scalar(&w.z)?],
    })
}

/// Checks that `m` proves membership of `e`'s anonymous census for the
/// ballot with `tracking`, `h_m` the manifest hash and `base` `H_E`.
pub fn check(
    (e, h_m, base): (&Election, &[u8; 32], &[u8; 32]),
    m: &Membership,
    tracking: &str,
    registrations: &Registrations<'_>,
) -> Result<(), TxError> {
    let nullifier =
        point_from_hex(&m.nullifier).ok_or_else(|| R::BadMembership.err("nullifier"))?;
    let proof = parse(&m.proof)?;
    let ring = ring_of(e, m.bucket, registrations)?;
    let u = ring::nullifier_base(h_m);
    let context = context(base, m.bucket, tracking, m.replaces.as_deref());
    if ring::verify(&context, &u, &ring, &nullifier, &proof) {
        Ok(())
    } else {
        Err(R::BadMembership.err(format!(
            "the membership proof fails for bucket {} of '{}'",
            m.bucket, e.id
        )))
    }
}

/// [`check`] against the ledger's registrations of `e`, read through
/// `read` (the state at an index).
pub fn check_on_ledger(
    (e, base): (&Election, &[u8; 32]),
    m: &Membership,
    tracking: &str,
    read: &dyn Fn(u64) -> Option<Registration>,
) -> Result<(), TxError> {
    let h_m = manifest_hash(e)?;
    let registrations = Registrations {
        count: e.registered,
        read,
    };
    check((e, &h_m, base), m, tracking, &registrations)
}

/// `e`'s manifest hash, as it holds it.
pub fn manifest_hash(e: &Election) -> Result<[u8; 32], TxError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(&e.manifest_hash, &mut out)
        .map_err(|_| R::InvalidField.err("the election's manifest hash is not 64 hex digits"))?;
    Ok(out)
}

/// What a voter needs to prove membership: the secret its wallet derives
/// and where its commitment is among the registrations.
pub struct Member {
    /// `s`.
    pub secret: crate::group::Scalar,
    /// Its registration's index.
    pub index: u64,
}

impl Member {
    /// The voter's secret for `e`, from its wallet's seed.
    pub fn secret_for(seed: &[u8; 32], e: &Election) -> crate::group::Scalar {
        ring::census_secret(seed, &manifest_hash(e).unwrap_or_default())
    }

    /// The commitment to register.
    pub fn commitment(secret: &crate::group::Scalar) -> String {
        member::commitment(secret)
    }

    /// The arguments of `elections.register` for `account`, with its
    /// census proof `census`: the commitment and its proof of knowledge.
    pub fn registration(
        secret: &crate::group::Scalar,
        e: &Election,
        account: &AccountId,
        census: serde_json::Value,
    ) -> serde_json::Value {
        let h_m = manifest_hash(e).unwrap_or_default();
        member::registration(secret, (&e.id, &h_m), account, census)
    }

    /// The voter's pseudonym (nullifier) in `e`.
    pub fn pseudonym(&self, e: &Election) -> AccountId {
        member::pseudonym(&self.secret, &manifest_hash(e).unwrap_or_default())
    }

    /// The membership proof for the ballot with `tracking`, replacing the
    /// nullifier's ballot with `replaces` (none for its first), over the
    /// registrations `commitments` (all of them, in order; as many as the
    /// election counts).
    pub fn prove(
        &self,
        e: &Election,
        base: &[u8; 32],
        commitments: &[String],
        binding: (&str, Option<&str>),
    ) -> Option<Membership> {
        let census = member::Anonymous {
            manifest_hash: manifest_hash(e).ok()?,
            ring: e.census.ring?,
            registered: e.registered,
        };
        member::prove(
            (&self.secret, self.index),
            &census,
            base,
            commitments,
            binding,
        )
    }
}
