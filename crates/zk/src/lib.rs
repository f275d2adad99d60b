//! Commitments to private numbers and zero-knowledge proofs of thresholds
//! over them: what lets a ledger check "income below X" or "age at least
//! 65" without the number ever being written on it.
//!
//! - A [`Commitment`] is a Pedersen commitment `C = v·H + r·G` on
//!   ristretto255 to a value `v` (a `u64`) with a random blinding `r`
//!   ([`Opening`]). It hides `v` perfectly and binds its maker to it.
//! - A threshold proof ([`prove`], [`verify`]) is a Bulletproofs+ range
//!   proof (crate `tari_bulletproofs_plus`, audited, deterministic
//!   verification) of 64 bits:
//!   - [`Threshold::AtLeast`]`(t)`: `v − t ∈ [0, 2^64)`, on `C` with the
//!     minimum-value promise `t`;
//!   - [`Threshold::Below`]`(x)`: `x − 1 − v ∈ [0, 2^64)`, on
//!     `(x − 1)·H − C`, whose opening is `(x − 1 − v, −r)`.
//!
//!   Because `v` and the threshold are below `2^64` and scalars live modulo
//!   a prime near `2^252`, a false statement would need a value near `2^252`
//!   inside `[0, 2^64)`: no proof of it exists. [`Threshold::AtLeast`]`(0)`
//!   is the domain proof: the committed value is a `u64` at all.
//! - Every proof is bound to a caller's `context` (for the ledger: chain,
//!   program, subject, attribute, commitment) through the Merlin transcript,
//!   so it cannot be replayed for another subject, program or commitment.
//!
//! Nothing here is a new primitive: the curve, the commitment scheme and
//! the proof system are the crates'; this crate fixes the parameters, the
//! transcript and the encodings.

use curve25519_dalek_5::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek_5::scalar::Scalar;
use rand_core::RngCore;
use std::sync::OnceLock;
use tari_bulletproofs_plus::commitment_opening::CommitmentOpening;
use tari_bulletproofs_plus::generators::pedersen_gens::ExtensionDegree;
use tari_bulletproofs_plus::range_parameters::RangeParameters;
use tari_bulletproofs_plus::range_proof::{RangeProof, VerifyAction};
use tari_bulletproofs_plus::range_statement::RangeStatement;
use tari_bulletproofs_plus::range_witness::RangeWitness;
use tari_bulletproofs_plus::ristretto::create_pedersen_gens_with_extension_degree;
use tari_bulletproofs_plus::Transcript;

/// Bits of every range proof: values and thresholds are `u64`.
pub const BITS: usize = 64;
/// Bytes of a threshold proof (one 64-bit Bulletproofs+ range proof).
pub const PROOF_BYTES: usize = 577;
/// Longest context bound into a proof.
pub const CONTEXT_BYTES_MAX: usize = 4_096;

/// Why a proof could not be made, or an encoding was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZkError {
    /// The committed value does not meet the threshold: no proof exists.
    #[error("the committed value does not meet the threshold")]
    False,
    /// A commitment that is not a canonical, non-identity ristretto255 point.
    #[error("a commitment is 32 bytes (64 hex characters) of a ristretto255 point other than the identity")]
    BadCommitment,
    /// A blinding that is not a canonical scalar.
    #[error("a blinding is 32 bytes (64 hex characters) of a canonical scalar")]
    BadBlinding,
    /// `Below(0)`: nothing is below zero.
    #[error("a threshold 'below' must be at least 1")]
    BadThreshold,
    /// A context longer than [`CONTEXT_BYTES_MAX`].
    #[error("the proof's context is too long")]
    BadContext,
    /// The proof system refused (an internal limit).
    #[error("the proof system refused: {0}")]
    Proof(String),
}

/// A threshold a committed value is proven to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// `v ≥ t`.
    AtLeast(u64),
    /// `v < x` (`x ≥ 1`).
    Below(u64),
}

impl Threshold {
    /// Whether `v` meets it.
    #[must_use]
    pub fn holds(self, v: u64) -> bool {
        match self {
            Threshold::AtLeast(t) => v >= t,
            Threshold::Below(x) => v < x,
        }
    }

    /// Its bytes in the transcript: a tag and the bound, little-endian.
    fn encode(self) -> [u8; 9] {
        let (tag, n) = match self {
            Threshold::AtLeast(t) => (b'>', t),
            Threshold::Below(x) => (b'<', x),
        };
        let mut out = [0u8; 9];
        out[0] = tag;
        out[1..].copy_from_slice(&n.to_le_bytes());
        out
    }
}

/// A commitment: a compressed ristretto255 point, checked to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    bytes: [u8; 32],
    point: RistrettoPoint,
}

impl Commitment {
    /// Reads a commitment from its 32 bytes.
    ///
    /// # Errors
    /// [`ZkError::BadCommitment`] for a non-canonical encoding or the identity.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, ZkError> {
        let point = CompressedRistretto(bytes)
            .decompress()
            .ok_or(ZkError::BadCommitment)?;
        if point == RistrettoPoint::default() {
            return Err(ZkError::BadCommitment);
        }
        Ok(Commitment { bytes, point })
    }

    /// Reads a commitment from 64 hex characters.
    ///
    /// # Errors
    /// [`ZkError::BadCommitment`].
    pub fn from_hex(text: &str) -> Result<Self, ZkError> {
        let bytes = hex::decode(text)
            .ok()
            .filter(|_| text.bytes().all(|b| !b.is_ascii_uppercase()))
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or(ZkError::BadCommitment)?;
        Self::from_bytes(bytes)
    }

    /// Its 32 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes
    }

    /// Its 64 lowercase hex characters.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }
}

/// What opens a commitment: the value and the blinding. Whoever holds it
/// can make proofs about the value; it never goes on a ledger.
#[derive(Clone, PartialEq, Eq)]
pub struct Opening {
    /// The committed value.
    pub value: u64,
    blinding: Scalar,
}

impl std::fmt::Debug for Opening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opening { .. }")
    }
}

impl Opening {
    /// A fresh opening of `value` with a uniformly random blinding from the
    /// operating system's generator.
    #[must_use]
    pub fn new(value: u64) -> Self {
        let mut wide = [0u8; 64];
        rand_core::OsRng.fill_bytes(&mut wide);
        Opening {
            value,
            blinding: Scalar::from_bytes_mod_order_wide(&wide),
        }
    }

    /// An opening from its parts (as stored by its holder).
    ///
    /// # Errors
    /// [`ZkError::BadBlinding`] for a non-canonical scalar.
    pub fn from_parts(value: u64, blinding: [u8; 32]) -> Result<Self, ZkError> {
        let blinding = Option::<Scalar>::from(Scalar::from_canonical_bytes(blinding))
            .ok_or(ZkError::BadBlinding)?;
        Ok(Opening { value, blinding })
    }

    /// The blinding's 32 bytes.
    #[must_use]
    pub fn blinding(&self) -> [u8; 32] {
        self.blinding.to_bytes()
    }

    /// The commitment it opens.
    #[must_use]
    pub fn commitment(&self) -> Commitment {
        let point = params()
            .pc_gens()
            .commit(&Scalar::from(self.value), &[self.blinding])
            .expect("one blinding for the default Pedersen generators");
        Commitment {
            bytes: point.compress().to_bytes(),
            point,
        }
    }
}

/// The 64-bit, single-commitment parameters, built once.
fn params() -> &'static RangeParameters<RistrettoPoint> {
    static PARAMS: OnceLock<RangeParameters<RistrettoPoint>> = OnceLock::new();
    PARAMS.get_or_init(|| {
        let gens = create_pedersen_gens_with_extension_degree(ExtensionDegree::DefaultPedersen);
        RangeParameters::init(BITS, 1, gens).expect("64 bits, one commitment")
    })
}

/// The transcript both sides build: our label, the context, the threshold.
fn transcript(context: &[u8], t: Threshold) -> Transcript {
    let mut tr = Transcript::new(b"publica/threshold/v1");
    tr.append_message(b"context", context);
    tr.append_message(b"threshold", &t.encode());
    tr
}

/// The statement's point and minimum promise for `c` and `t`.
fn statement(c: &Commitment, t: Threshold) -> Result<RangeStatement<RistrettoPoint>, ZkError> {
    let (point, promise) = match t {
        Threshold::AtLeast(min) => (c.point, Some(min)),
        Threshold::Below(0) => return Err(ZkError::BadThreshold),
        Threshold::Below(x) => (Scalar::from(x - 1) * params().h_base() - c.point, None),
    };
    RangeStatement::init(params().clone(), vec![point], vec![promise], None)
        .map_err(|e| ZkError::Proof(e.to_string()))
}

/// Proves that `opening`'s value meets `t`, bound to `context`.
///
/// # Errors
/// [`ZkError::False`] when it does not (no proof exists), or a refused
/// threshold or context.
pub fn prove(opening: &Opening, t: Threshold, context: &[u8]) -> Result<Vec<u8>, ZkError> {
    if context.len() > CONTEXT_BYTES_MAX {
        return Err(ZkError::BadContext);
    }
    if !t.holds(opening.value) {
        return Err(ZkError::False);
    }
    let st = statement(&opening.commitment(), t)?;
    let open = match t {
        Threshold::AtLeast(_) => CommitmentOpening::new(opening.value, vec![opening.blinding]),
        Threshold::Below(x) => {
            CommitmentOpening::new(x - 1 - opening.value, vec![-opening.blinding])
        }
    };
    let witness = RangeWitness::init(vec![open]).map_err(|e| ZkError::Proof(e.to_string()))?;
    let proof = RangeProof::prove(&mut transcript(context, t), &st, &witness)
        .map_err(|e| ZkError::Proof(e.to_string()))?;
    Ok(proof.to_bytes())
}

/// Whether `proof` shows that the value committed in `c` meets `t`, bound
/// to `context`. Deterministic: every verifier gets the same answer.
#[must_use]
pub fn verify(c: &Commitment, t: Threshold, context: &[u8], proof: &[u8]) -> bool {
    if proof.len() != PROOF_BYTES || context.len() > CONTEXT_BYTES_MAX {
        return false;
    }
    let Ok(p) = RangeProof::<RistrettoPoint>::from_bytes(proof) else {
        return false;
    };
    let Ok(st) = statement(c, t) else {
        return false;
    };
    RangeProof::verify_batch(
        &mut [transcript(context, t)],
        &[st],
        &[p],
        VerifyAction::VerifyOnly,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn true_thresholds_verify_and_nothing_else_does() {
        let o = Opening::new(42_000);
        let c = o.commitment();
        let ctx = b"chain|program|subject|income";
        let below = prove(&o, Threshold::Below(50_000), ctx).unwrap();
        assert_eq!(below.len(), PROOF_BYTES);
        assert!(verify(&c, Threshold::Below(50_000), ctx, &below));
        // Another threshold, context or commitment: refused.
        assert!(!verify(&c, Threshold::Below(42_000), ctx, &below));
        assert!(!verify(&c, Threshold::Below(60_000), ctx, &below));
        assert!(!verify(&c, Threshold::AtLeast(0), ctx, &below));
        assert!(!verify(&c, Threshold::Below(50_000), b"other", &below));
        let other = Opening::new(42_000).commitment();
        assert!(!verify(&other, Threshold::Below(50_000), ctx, &below));
        // A flipped byte, a short proof.
        let mut bad = below.clone();
        bad[100] ^= 1;
        assert!(!verify(&c, Threshold::Below(50_000), ctx, &bad));
        assert!(!verify(&c, Threshold::Below(50_000), ctx, &below[..500]));

        let at_least = prove(&o, Threshold::AtLeast(42_000), ctx).unwrap();
        assert!(verify(&c, Threshold::AtLeast(42_000), ctx, &at_least));
        assert!(!verify(&c, Threshold::AtLeast(42_001), ctx, &at_least));
        // False statements have no proof.
        assert_eq!(
            prove(&o, Threshold::AtLeast(42_001), ctx),
            Err(ZkError::False)
        );
        assert_eq!(
            prove(&o, Threshold::Below(42_000), ctx),
            Err(ZkError::False)
        );
        assert_eq!(prove(&o, Threshold::Below(0), ctx), Err(ZkError::False));
    }

    #[test]
    fn the_extremes_of_the_domain_prove() {
        for (v, t) in [
            (0, Threshold::AtLeast(0)),
            (u64::MAX, Threshold::AtLeast(0)),
            (u64::MAX, Threshold::AtLeast(u64::MAX)),
            (0, Threshold::Below(1)),
            (u64::MAX - 1, Threshold::Below(u64::MAX)),
        ] {
            let o = Opening::new(v);
            let p = prove(&o, t, b"").unwrap();
            assert!(verify(&o.commitment(), t, b"", &p), "{v} {t:?}");
        }
    }

    #[test]
    fn encodings_round_trip_and_bad_ones_are_refused() {
        let o = Opening::new(7);
        let c = o.commitment();
        assert_eq!(Commitment::from_hex(&c.to_hex()).unwrap(), c);
        let again = Opening::from_parts(7, o.blinding()).unwrap();
        assert_eq!(again.commitment(), c);
        assert_eq!(Commitment::from_bytes([0; 32]), Err(ZkError::BadCommitment));
        assert_eq!(
            Commitment::from_bytes([0xff; 32]),
            Err(ZkError::BadCommitment)
        );
        assert!(Commitment::from_hex(&c.to_hex().to_uppercase()).is_err());
        assert!(Commitment::from_hex("zz").is_err());
        assert_eq!(
            Opening::from_parts(7, [0xff; 32]),
            Err(ZkError::BadBlinding)
        );
        assert!(format!("{o:?}").contains(".."));
        assert!(prove(&o, Threshold::AtLeast(0), &[0; CONTEXT_BYTES_MAX + 1]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// A proof verifies exactly when the statement is true of the value.
        #[test]
        fn proofs_follow_the_truth(v in 0u64..1_000_000, t in 1u64..1_000_000, below in any::<bool>()) {
            let th = if below { Threshold::Below(t) } else { Threshold::AtLeast(t) };
            let o = Opening::new(v);
            match prove(&o, th, b"ctx") {
                Ok(p) => {
                    prop_assert!(th.holds(v));
                    prop_assert!(verify(&o.commitment(), th, b"ctx", &p));
                }
                Err(e) => {
                    prop_assert_eq!(e, ZkError::False);
                    prop_assert!(!th.holds(v));
                }
            }
        }
    }
}
