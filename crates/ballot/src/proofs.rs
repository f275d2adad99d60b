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

/// A point with its encoding, so that transcripts never encode it again
/// (an encoding costs about a tenth of a scalar multiplication).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enc {
    /// The point.
    pub p: Point,
    /// Its canonical encoding.
    pub bytes: [u8; 32],
}

impl Enc {
    /// `p` and its encoding.
    pub fn new(p: Point) -> Enc {
        Enc {
            p,
            bytes: p.compress().to_bytes(),
        }
    }

    /// From a canonical encoding.
    pub fn from_bytes(bytes: [u8; 32]) -> Option<Enc> {
        curve25519_dalek_5::ristretto::CompressedRistretto(bytes)
            .decompress()
            .map(|p| Enc { p, bytes })
    }
}

/// One branch of a range proof: its commitments `(a_j, b_j)`, its
/// challenge and its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Branch {
    /// `a_j = v_j·G + c_j·A`.
    pub a: Enc,
    /// `b_j = v_j·K + c_j·(B − j·G)`.
    pub b: Enc,
    /// `c_j`.
    pub c: Scalar,
    /// `v_j`.
    pub v: Scalar,
}

/// Proves that `ct` (encrypted under `key` with `nonce`) holds `value`,
/// one of `0..=max`, revealing nothing else: one branch per possible
/// value, all but the true one simulated; the challenges sum to the
/// transcript's (Helios' form: each branch carries its commitments, so a
/// verifier can check many proofs in one multiplication).
pub fn prove_range(
    context: &[u8],
    key: &Enc,
    ct: &Ciphertext,
    value: u64,
    nonce: &Scalar,
    max: u64,
) -> Vec<Branch> {
    assert!(value <= max, "the prover holds a value in range");
    let u = crate::group::random_scalar();
    let mut branches = Vec::new();
    let mut shifted = ct.b;
    for j in 0..=max {
        if j == value {
            branches.push(Branch {
                a: Enc::new(G * u),
                b: Enc::new(key.p * u),
                c: Scalar::ZERO,
                v: Scalar::ZERO,
            });
        } else {
            let (c, v) = (crate::group::random_scalar(), crate::group::random_scalar());
            branches.push(Branch {
                a: Enc::new(Point::vartime_double_scalar_mul_basepoint(&c, &ct.a, &v)),
                b: Enc::new(Point::vartime_multiscalar_mul([v, c], [key.p, shifted])),
                c,
                v,
            });
        }
        shifted -= G;
    }
    let (a, b) = (Enc::new(ct.a), Enc::new(ct.b));
    let c = range_challenge(context, key, &a, &b, max, &branches);
    let others = branches.iter().fold(Scalar::ZERO, |s, p| s + p.c);
    let i = usize::try_from(value).expect("small");
    branches[i].c = c - others;
    branches[i].v = u - branches[i].c * nonce;
    branches
}

fn range_challenge(
    context: &[u8],
    key: &Enc,
    a: &Enc,
    b: &Enc,
    max: u64,
    branches: &[Branch],
) -> Scalar {
    let mut t = Transcript::new("range");
    t.bytes(context)
        .bytes(&key.bytes)
        .number(max)
        .bytes(&a.bytes)
        .bytes(&b.bytes);
    for br in branches {
        t.bytes(&br.a.bytes).bytes(&br.b.bytes);
    }
    t.challenge()
}

/// Equations to check together: `Σ weight·(equation) = 0` in one
/// multiscalar multiplication, with weights drawn from a seed that binds
/// every proof checked (128-bit weights: a false equation passes with
/// probability about 2^-128).
pub struct Batch {
    seed: [u8; 64],
    drawn: u64,
    g: Scalar,
    k: Scalar,
    terms: Vec<(Scalar, Point)>,
}

impl Batch {
    /// A batch whose weights derive from `seed` (a hash of everything
    /// checked in it).
    pub fn new(seed: [u8; 64]) -> Batch {
        Batch {
            seed,
            drawn: 0,
            g: Scalar::ZERO,
            k: Scalar::ZERO,
            terms: Vec::new(),
        }
    }

    fn weight(&mut self) -> Scalar {
        use sha2::{Digest, Sha512};
        self.drawn += 1;
        let digest = Sha512::new()
            .chain_update(b"publica/elections/v1/batch\0")
            .chain_update(self.seed)
            .chain_update(self.drawn.to_be_bytes())
            .finalize();
        // 128 bits: a false equation passes with probability 2^-128, and
        // a multiplication by a short weight costs half a full one.
        let mut short = [0u8; 32];
        short[..16].copy_from_slice(&digest[..16]);
        Scalar::from_bytes_mod_order(short)
    }

    /// Whether every equation added holds, for the election key `key`.
    pub fn holds(self, key: &Point) -> bool {
        let Batch { g, k, terms, .. } = self;
        let scalars = terms.iter().map(|(s, _)| *s).chain([g, k]);
        let points = terms.iter().map(|(_, p)| *p).chain([G, *key]);
        Point::vartime_multiscalar_mul(scalars, points) == Point::identity()
    }
}

/// Checks a range proof's shape and challenge now, and adds its
/// equations `a_j = v_j·G + c_j·A`, `b_j = v_j·K + c_j·(B − j·G)` to
/// `batch` (checked by [`Batch::holds`]).
pub fn check_range(
    context: &[u8],
    key: &Enc,
    a: &Enc,
    b: &Enc,
    max: u64,
    proof: &[Branch],
    batch: &mut Batch,
) -> bool {
    if u64::try_from(proof.len()).ok() != max.checked_add(1) {
        return false;
    }
    let sum = proof.iter().fold(Scalar::ZERO, |s, p| s + p.c);
    if range_challenge(context, key, a, b, max, proof) != sum {
        return false;
    }
    let (mut on_a, mut on_b) = (Scalar::ZERO, Scalar::ZERO);
    for (j, br) in (0u64..).zip(proof) {
        let (rho, sigma) = (batch.weight(), batch.weight());
        batch.g += rho * br.v - sigma * br.c * crate::group::small(j);
        batch.k += sigma * br.v;
        on_a += rho * br.c;
        on_b += sigma * br.c;
        batch.terms.push((-rho, br.a.p));
        batch.terms.push((-sigma, br.b.p));
    }
    batch.terms.push((on_a, a.p));
    batch.terms.push((on_b, b.p));
    true
}

/// Checks one range proof on its own.
pub fn verify_range(
    context: &[u8],
    key: &Point,
    ct: &Ciphertext,
    max: u64,
    proof: &[Branch],
) -> bool {
    use sha2::{Digest, Sha512};
    let mut h = Sha512::new();
    h.update(context);
    for br in proof {
        h.update(br.a.bytes);
        h.update(br.b.bytes);
        h.update(br.c.as_bytes());
        h.update(br.v.as_bytes());
    }
    let mut seed = [0u8; 64];
    seed.copy_from_slice(&h.finalize());
    let mut batch = Batch::new(seed);
    let key_enc = Enc::new(*key);
    check_range(
        context,
        &key_enc,
        &Enc::new(ct.a),
        &Enc::new(ct.b),
        max,
        proof,
        &mut batch,
    ) && batch.holds(key)
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
                let proof = prove_range(b"ctx", &Enc::new(key), &ct, value, &r, max);
                assert!(verify_range(b"ctx", &key, &ct, max, &proof));
                assert!(!verify_range(b"other", &key, &ct, max, &proof));
                assert!(!verify_range(b"ctx", &key, &ct, max + 1, &proof));
                // A response changed: the challenge still sums, the
                // batched equations catch it.
                let mut bent = proof.clone();
                bent[0].v += Scalar::ONE;
                assert!(!verify_range(b"ctx", &key, &ct, max, &bent));
                // Two challenges moved between branches: the sum holds,
                // the equations do not.
                let mut bent = proof.clone();
                bent[0].c += Scalar::ONE;
                bent[1].c -= Scalar::ONE;
                assert!(!verify_range(b"ctx", &key, &ct, max, &bent));
                let mut bent = proof.clone();
                bent[1].a = Enc::new(bent[1].a.p + G);
                assert!(!verify_range(b"ctx", &key, &ct, max, &bent));
                // Another ciphertext (the same value, a new nonce).
                let other = Ciphertext::encrypt(&key, value, &random_scalar());
                assert!(!verify_range(b"ctx", &key, &other, max, &proof));
            }
        }
        // A prover lying about the value cannot make a proof that holds.
        let r = random_scalar();
        let two = Ciphertext::encrypt(&key, 2, &r);
        let forged = prove_range(b"ctx", &Enc::new(key), &two, 1, &r, 1);
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
