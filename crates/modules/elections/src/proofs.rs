//! Exponential ElGamal and the zero-knowledge proofs over it: a Schnorr
//! proof of knowledge, the ranged disjunctive Chaum–Pedersen proof that a
//! ciphertext holds one of `0..=R` (ElectionGuard 2.0, §3.3.5), and the
//! Chaum–Pedersen proof that a partial decryption used the guardian's
//! share (§3.6.3). Each proof is made non-interactive by a
//! [`Transcript`] that starts with the caller's context (the election and
//! what the proof is about), so no proof is valid anywhere else.

use crate::group::{small, Point, Scalar, Transcript, G};
use curve25519_dalek_5::traits::{Identity, VartimeMultiscalarMul};
use std::ops::{Add, Sub};

/// An exponential ElGamal ciphertext `(A, B) = (G·r, G·m + K·r)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// `G·r`.
    pub a: Point,
    /// `G·m + K·r`.
    pub b: Point,
}

impl Ciphertext {
    /// The encryption of nothing, the sum's start.
    pub fn zero() -> Ciphertext {
        Ciphertext {
            a: Point::identity(),
            b: Point::identity(),
        }
    }

    /// Encrypts `m` under `key` with `nonce`.
    pub fn encrypt(key: &Point, m: u64, nonce: &Scalar) -> Ciphertext {
        Ciphertext {
            a: G * nonce,
            b: G * small(m) + key * nonce,
        }
    }

    fn absorb(&self, t: &mut Transcript) {
        t.point(&self.a).point(&self.b);
    }
}

impl Add for Ciphertext {
    type Output = Ciphertext;
    fn add(self, o: Ciphertext) -> Ciphertext {
        Ciphertext {
            a: self.a + o.a,
            b: self.b + o.b,
        }
    }
}

impl Sub for Ciphertext {
    type Output = Ciphertext;
    fn sub(self, o: Ciphertext) -> Ciphertext {
        Ciphertext {
            a: self.a - o.a,
            b: self.b - o.b,
        }
    }
}

/// A challenge and a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The challenge `c`.
    pub c: Scalar,
    /// The response `v`.
    pub v: Scalar,
}

/// Proves knowledge of `secret` with `G·secret = public`: `h = G·u`,
/// `c = H("pok", context, public, h)`, `v = u − c·secret`.
pub fn prove_knowledge(context: &[u8], secret: &Scalar, public: &Point) -> Proof {
    let u = crate::group::random_scalar();
    let c = pok_challenge(context, public, &(G * u));
    Proof {
        c,
        v: u - c * secret,
    }
}

/// Checks a proof of knowledge: `h = G·v + public·c` gives back `c`.
pub fn verify_knowledge(context: &[u8], public: &Point, proof: &Proof) -> bool {
    let h = Point::vartime_double_scalar_mul_basepoint(&proof.c, public, &proof.v);
    pok_challenge(context, public, &h) == proof.c
}

fn pok_challenge(context: &[u8], public: &Point, h: &Point) -> Scalar {
    Transcript::new("pok")
        .bytes(context)
        .point(public)
        .point(h)
        .challenge()
}

/// Proves that `ct` (encrypted under `key` with `nonce`) holds `value`,
/// one of `0..=max`, revealing nothing else: one branch per possible
/// value, all but the true one simulated; the challenges sum to the
/// transcript's. The proof is the `max + 1` pairs `(c_j, v_j)`.
pub fn prove_range(
    context: &[u8],
    key: &Point,
    ct: &Ciphertext,
    value: u64,
    nonce: &Scalar,
    max: u64,
) -> Vec<Proof> {
    assert!(value <= max, "the prover holds a value in range");
    let u = crate::group::random_scalar();
    let mut branches: Vec<Proof> = Vec::new();
    let mut commitments = Vec::new();
    let mut shifted = ct.b;
    for j in 0..=max {
        if j == value {
            branches.push(Proof {
                c: Scalar::ZERO,
                v: Scalar::ZERO,
            });
            commitments.push((G * u, key * u));
        } else {
            let p = Proof {
                c: crate::group::random_scalar(),
                v: crate::group::random_scalar(),
            };
            commitments.push(branch_commitments(key, ct, &shifted, &p));
            branches.push(p);
        }
        shifted -= G;
    }
    let c = range_challenge(context, key, ct, max, &commitments);
    let others = branches.iter().fold(Scalar::ZERO, |s, p| s + p.c);
    let i = usize::try_from(value).expect("small");
    branches[i].c = c - others;
    branches[i].v = u - branches[i].c * nonce;
    branches
}

/// `(G·v + A·c, K·v + (B − G·j)·c)`: a branch's commitments recomputed.
fn branch_commitments(key: &Point, ct: &Ciphertext, shifted: &Point, p: &Proof) -> (Point, Point) {
    (
        Point::vartime_double_scalar_mul_basepoint(&p.c, &ct.a, &p.v),
        Point::vartime_multiscalar_mul([p.v, p.c], [*key, *shifted]),
    )
}

fn range_challenge(
    context: &[u8],
    key: &Point,
    ct: &Ciphertext,
    max: u64,
    commitments: &[(Point, Point)],
) -> Scalar {
    let mut t = Transcript::new("range");
    t.bytes(context).point(key).number(max);
    ct.absorb(&mut t);
    for (a, b) in commitments {
        t.point(a).point(b);
    }
    t.challenge()
}

/// Checks a range proof: `max + 1` branches whose recomputed commitments
/// hash to the sum of their challenges.
pub fn verify_range(
    context: &[u8],
    key: &Point,
    ct: &Ciphertext,
    max: u64,
    proof: &[Proof],
) -> bool {
    if u64::try_from(proof.len()).ok() != max.checked_add(1) {
        return false;
    }
    let mut shifted = ct.b;
    let mut commitments = Vec::with_capacity(proof.len());
    for p in proof {
        commitments.push(branch_commitments(key, ct, &shifted, p));
        shifted -= G;
    }
    let sum = proof.iter().fold(Scalar::ZERO, |s, p| s + p.c);
    range_challenge(context, key, ct, max, &commitments) == sum
}

/// Proves that `share = A·z` for the `z` with `G·z = public` (a
/// guardian's partial decryption of `a`): `(G·u, A·u)`, `c = H("share",
/// context, public, A, share, G·u, A·u)`, `v = u − c·z`.
pub fn prove_share(context: &[u8], a: &Point, z: &Scalar, public: &Point, share: &Point) -> Proof {
    let u = crate::group::random_scalar();
    let c = share_challenge(context, public, a, share, &(G * u), &(a * u));
    Proof { c, v: u - c * z }
}

/// Checks a partial decryption's proof.
pub fn verify_share(
    context: &[u8],
    a: &Point,
    public: &Point,
    share: &Point,
    proof: &Proof,
) -> bool {
    let h1 = Point::vartime_double_scalar_mul_basepoint(&proof.c, public, &proof.v);
    let h2 = Point::vartime_multiscalar_mul([proof.v, proof.c], [*a, *share]);
    share_challenge(context, public, a, share, &h1, &h2) == proof.c
}

fn share_challenge(
    context: &[u8],
    public: &Point,
    a: &Point,
    share: &Point,
    h1: &Point,
    h2: &Point,
) -> Scalar {
    Transcript::new("share")
        .bytes(context)
        .point(public)
        .point(a)
        .point(share)
        .point(h1)
        .point(h2)
        .challenge()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::random_scalar;

    #[test]
    fn range_proofs_hold_for_every_value_and_nothing_else() {
        let s = random_scalar();
        let key = G * s;
        for max in [1u64, 3] {
            for value in 0..=max {
                let r = random_scalar();
                let ct = Ciphertext::encrypt(&key, value, &r);
                let proof = prove_range(b"ctx", &key, &ct, value, &r, max);
                assert!(verify_range(b"ctx", &key, &ct, max, &proof));
                assert!(!verify_range(b"other", &key, &ct, max, &proof));
                assert!(!verify_range(b"ctx", &key, &ct, max + 1, &proof));
                let mut bent = proof.clone();
                bent[0].v += Scalar::ONE;
                assert!(!verify_range(b"ctx", &key, &ct, max, &bent));
                // Another ciphertext (the same value, a new nonce).
                let other = Ciphertext::encrypt(&key, value, &random_scalar());
                assert!(!verify_range(b"ctx", &key, &other, max, &proof));
            }
        }
        // A prover lying about the value cannot make a proof that holds.
        let r = random_scalar();
        let two = Ciphertext::encrypt(&key, 2, &r);
        let forged = prove_range(b"ctx", &key, &two, 1, &r, 1);
        assert!(!verify_range(b"ctx", &key, &two, 1, &forged));
    }

    #[test]
    fn knowledge_and_share_proofs() {
        let z = random_scalar();
        let public = G * z;
        let p = prove_knowledge(b"g1", &z, &public);
        assert!(verify_knowledge(b"g1", &public, &p));
        assert!(!verify_knowledge(b"g2", &public, &p));
        assert!(!verify_knowledge(b"g1", &(public + G), &p));
        let a = G * random_scalar();
        let share = a * z;
        let p = prove_share(b"t", &a, &z, &public, &share);
        assert!(verify_share(b"t", &a, &public, &share, &p));
        assert!(!verify_share(b"t", &a, &public, &(share + G), &p));
    }
}
