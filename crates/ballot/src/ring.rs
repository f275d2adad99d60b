//! The anonymous census: a one-out-of-many proof (Groth and Kohlweiss,
//! "One-out-of-many proofs: or how to leak a secret and spend a coin",
//! EUROCRYPT 2015, in its binary form) that the voter knows the secret
//! `s` of one of a ring of registered commitments `P_i = s·G`, and that
//! the ballot's nullifier is `J = s·U` for the election's nullifier base
//! `U` — without saying which commitment (`docs/elections.md`, "The
//! anonymous census"; `docs/adr/0004-anonymous-census.md`).
//!
//! The proof treats each ring member as the pair `(P_i, J)` and proves
//! that one pair is `s·(G, U)`: the same secret makes the commitment and
//! the nullifier, so one registration gives one nullifier per election.
//! Its size grows with `log₂` of the ring, its check with the ring.

use crate::group::{random_scalar, small, Point, Scalar, Transcript, DOMAIN, G};
use curve25519_dalek_5::traits::{Identity, MultiscalarMul, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};
use std::sync::LazyLock;

/// The largest ring: 2^10 commitments.
pub const RING_BITS_MAX: usize = 10;

/// A one-out-of-many proof (`m` the ring's bits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingProof {
    /// `A`, `B`, `C`, `D`: commitments to the index's bits and masks.
    pub abcd: [Point; 4],
    /// `X_k = ρ_k·G + Σ_i p_{i,k}·P_i`, `k < m`.
    pub x: Vec<Point>,
    /// `Y_k = ρ_k·U`, `k < m`.
    pub y: Vec<Point>,
    /// `f_j = σ_j·x + a_j`, `j < m`.
    pub f: Vec<Scalar>,
    /// `z_A`, `z_C`, `z`.
    pub z: [Scalar; 3],
}

fn hash_to_point(parts: &[&[u8]]) -> Point {
    let mut h = Sha512::new();
    h.update(DOMAIN);
    for p in parts {
        h.update(p);
    }
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    Point::from_uniform_bytes(&wide)
}

/// `H_{j,i}`: the generator of bit `j`'s entry `i` (RFC 9496's one-way
/// map of SHA-512(domain ‖ `generator` ‖ u32(j) ‖ u32(i))), `j` below
/// [`RING_BITS_MAX`].
pub fn generator(j: usize, i: usize) -> Point {
    static ALL: LazyLock<Vec<[Point; 2]>> = LazyLock::new(|| {
        (0..RING_BITS_MAX as u32)
            .map(|j| {
                [0u32, 1]
                    .map(|i| hash_to_point(&[b"generator", &j.to_be_bytes(), &i.to_be_bytes()]))
            })
            .collect()
    });
    ALL[j][i]
}

/// A ring: its commitments and their encodings (hashed into every
/// challenge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    points: Vec<Point>,
    encodings: Vec<[u8; 32]>,
}

impl Ring {
    /// A ring of `points`.
    pub fn new(points: Vec<Point>) -> Ring {
        let encodings = points.iter().map(|p| *p.compress().as_bytes()).collect();
        Ring { points, encodings }
    }

    /// A ring from its encodings, or `None` if one is no point.
    pub fn decode(encodings: Vec<[u8; 32]>) -> Option<Ring> {
        let points = encodings
            .iter()
            .map(|e| curve25519_dalek_5::ristretto::CompressedRistretto(*e).decompress())
            .collect::<Option<_>>()?;
        Some(Ring { points, encodings })
    }

    /// Its commitments.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// `U`: the election's nullifier base, from its manifest hash.
pub fn nullifier_base(manifest_hash: &[u8; 32]) -> Point {
    hash_to_point(&[b"nullifier", manifest_hash])
}

/// The census secret a wallet derives for an election: SHA-512 over the
/// domain, `census-secret`, the wallet's seed and the manifest hash,
/// reduced. The same wallet finds the same secret again.
pub fn census_secret(seed: &[u8; 32], manifest_hash: &[u8; 32]) -> Scalar {
    let mut h = Sha512::new();
    h.update(DOMAIN);
    h.update(b"census-secret");
    h.update(seed);
    h.update(manifest_hash);
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    Scalar::from_bytes_mod_order_wide(&wide)
}

fn bits_of(n: usize) -> Option<usize> {
    (n.is_power_of_two() && n >= 2 && n.trailing_zeros() as usize <= RING_BITS_MAX)
        .then(|| n.trailing_zeros() as usize)
}

fn challenge(context: &[u8], u: &Point, ring: &Ring, j: &Point, p: &RingProof) -> Scalar {
    let mut t = Transcript::new("ring");
    t.bytes(context).point(u).number(ring.len() as u64);
    for member in &ring.encodings {
        t.bytes(member);
    }
    t.point(j);
    for q in p.abcd.iter().chain(&p.x).chain(&p.y) {
        t.point(q);
    }
    t.challenge()
}

/// Multiplies the polynomial `poly` (coefficients, lowest first) by
/// `(s·x + a)`.
fn times_linear(poly: &[Scalar], s: Scalar, a: Scalar) -> Vec<Scalar> {
    let mut out = vec![Scalar::ZERO; poly.len() + 1];
    for (k, c) in poly.iter().enumerate() {
        out[k] += c * a;
        out[k + 1] += c * s;
    }
    out
}

/// Proves that the signer of `context` holds `s` with `ring[l] = s·G`;
/// returns the nullifier `J = s·U` and the proof. `None` unless the
/// ring's size is a power of two from 2 to 2^10 and `ring[l] = s·G`.
pub fn prove(
    context: &[u8],
    u: &Point,
    ring: &Ring,
    l: usize,
    s: &Scalar,
) -> Option<(Point, RingProof)> {
    let m = bits_of(ring.len())?;
    if ring.points.get(l) != Some(&(G * s)) {
        return None;
    }
    let j_point = u * s;
    let sigma: Vec<[Scalar; 2]> = (0..m)
        .map(|j| {
            let bit = (l >> j) & 1;
            [small(u64::from(bit == 0)), small(u64::from(bit == 1))]
        })
        .collect();
    let a1: Vec<Scalar> = (0..m).map(|_| random_scalar()).collect();
    let a: Vec<[Scalar; 2]> = a1.iter().map(|a| [-a, *a]).collect();
    let r: [Scalar; 4] = [
        random_scalar(),
        random_scalar(),
        random_scalar(),
        random_scalar(),
    ];
    let commit = |blind: Scalar, value: &dyn Fn(usize, usize) -> Scalar| {
        let mut sum = G * blind;
        for j in 0..m {
            for i in 0..2 {
                sum += generator(j, i) * value(j, i);
            }
        }
        sum
    };
    let one = Scalar::ONE;
    let abcd = [
        commit(r[0], &|j, i| a[j][i]),
        commit(r[1], &|j, i| sigma[j][i]),
        commit(r[2], &|j, i| a[j][i] * (one - small(2) * sigma[j][i])),
        commit(r[3], &|j, i| -(a[j][i] * a[j][i])),
    ];
    // p_i(x) = Π_j (σ_{j,i_j}·x + a_{j,i_j}): degree m, x^m only for i = l.
    let coefficients: Vec<Vec<Scalar>> = (0..ring.len())
        .map(|i| {
            (0..m).fold(vec![one], |poly, j| {
                let b = (i >> j) & 1;
                times_linear(&poly, sigma[j][b], a[j][b])
            })
        })
        .collect();
    let rho: Vec<Scalar> = (0..m).map(|_| random_scalar()).collect();
    let x_points: Vec<Point> = (0..m)
        .map(|k| {
            // Constant time: the coefficients depend on the secret index.
            G * rho[k]
                + Point::multiscalar_mul(coefficients.iter().map(|c| c[k]), ring.points.iter())
        })
        .collect();
    let y_points: Vec<Point> = rho.iter().map(|r| u * r).collect();
    let mut proof = RingProof {
        abcd,
        x: x_points,
        y: y_points,
        f: Vec::new(),
        z: [Scalar::ZERO; 3],
    };
    let x = challenge(context, u, ring, &j_point, &proof);
    proof.f = (0..m).map(|j| sigma[j][1] * x + a[j][1]).collect();
    let mut x_pow = one;
    let mut z = Scalar::ZERO;
    for r_k in &rho {
        z -= r_k * x_pow;
        x_pow *= x;
    }
    z += s * x_pow;
    proof.z = [r[1] * x + r[0], r[2] * x + r[3], z];
    Some((j_point, proof))
}

fn weight(seed: &[u8; 64], n: u64) -> Scalar {
    let mut h = Sha512::new();
    h.update(DOMAIN);
    h.update(b"ring-batch");
    h.update(seed);
    h.update(n.to_be_bytes());
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// Whether `proof` shows that the holder of `J`'s secret holds one of
/// `ring`'s, for `context`. The four equations are checked at once, with
/// weights drawn from a hash of the challenge and the proof's scalars.
pub fn verify(context: &[u8], u: &Point, ring: &Ring, j_point: &Point, p: &RingProof) -> bool {
    let Some(m) = bits_of(ring.len()) else {
        return false;
    };
    if p.x.len() != m || p.y.len() != m || p.f.len() != m || *j_point == Point::identity() {
        return false;
    }
    let x = challenge(context, u, ring, j_point, p);
    let f: Vec<[Scalar; 2]> = p.f.iter().map(|f1| [x - f1, *f1]).collect();
    // p_i = Π_j f_{j,i_j}, built bit by bit.
    let mut products = vec![Scalar::ONE];
    for fj in &f {
        let mut next = Vec::with_capacity(products.len() * 2);
        next.extend(products.iter().map(|q| q * fj[0]));
        next.extend(products.iter().map(|q| q * fj[1]));
        products = next;
    }
    let mut seed_hash = Sha512::new();
    seed_hash.update(x.as_bytes());
    for s in p.f.iter().chain(&p.z) {
        seed_hash.update(s.as_bytes());
    }
    let mut seed = [0u8; 64];
    seed.copy_from_slice(&seed_hash.finalize());
    let (w1, w2, w3) = (weight(&seed, 0), weight(&seed, 1), weight(&seed, 2));
    let [a, b, c, d] = p.abcd;
    let [z_a, z_c, z] = p.z;
    let mut scalars = vec![x, Scalar::ONE, w1 * x, w1, -(z_a + w1 * z_c + w2 * z)];
    let mut points = vec![b, a, c, d, G];
    for (jj, fj) in f.iter().enumerate() {
        for (i, fji) in fj.iter().enumerate() {
            scalars.push(-(fji + w1 * fji * (x - fji)));
            points.push(generator(jj, i));
        }
    }
    let mut x_pow = Scalar::ONE;
    for (xk, yk) in p.x.iter().zip(&p.y) {
        scalars.push(-(w2 * x_pow));
        points.push(*xk);
        scalars.push(-(w3 * x_pow));
        points.push(*yk);
        x_pow *= x;
    }
    scalars.push(w3 * x_pow);
    points.push(*j_point);
    scalars.push(-(w3 * z));
    points.push(*u);
    scalars.extend(products.iter().map(|q| w2 * q));
    points.extend_from_slice(&ring.points);
    Point::vartime_multiscalar_mul(scalars, points) == Point::identity()
}

/// The first registration of group `b` of `g` among `n`: `⌊b·n/g⌋`.
fn group_start(n: u64, g: u64, b: u64) -> u64 {
    u64::try_from(u128::from(b) * u128::from(n) / u128::from(g)).expect("at most n")
}

/// The ring of bucket `bucket` among `n` registered commitments, for
/// rings of `size` (a power of two from 2 to 2^10): the indices of its
/// members, or `None` if there is no such bucket.
///
/// The registrations are split into `g = ⌈n/size⌉` groups of nearly
/// equal size (group `b` is `⌊b·n/g⌋ .. ⌊(b+1)·n/g⌋`, between `size/2`
/// and `size` voters), and group `b`'s ring is the `size` registrations
/// from `min(⌊b·n/g⌋, n − size)`: every ring is full and every voter
/// shares its bucket with at least `size/2` others ([`bucket_of`]).
/// Fewer registrations than `size` make one bucket of the next power of
/// two, the registrations repeated in order.
pub fn bucket_members(n: u64, size: u64, bucket: u64) -> Option<Vec<u64>> {
    if n == 0 || bits_of(usize::try_from(size).ok()?).is_none() {
        return None;
    }
    if n < size {
        let width = n.next_power_of_two().max(2);
        return (bucket == 0).then(|| (0..width).map(|k| k % n).collect());
    }
    let g = n.div_ceil(size);
    if bucket >= g {
        return None;
    }
    let start = group_start(n, g, bucket).min(n - size);
    Some((start..start + size).collect())
}

/// The bucket the voter registered at `index` (of `n`) proves from: its
/// group ([`bucket_members`]).
pub fn bucket_of(n: u64, size: u64, index: u64) -> u64 {
    if n < size {
        return 0;
    }
    let g = n.div_ceil(size);
    let mut b = u64::try_from(u128::from(index) * u128::from(g) / u128::from(n)).expect("below g");
    while b + 1 < g && group_start(n, g, b + 1) <= index {
        b += 1;
    }
    while b > 0 && group_start(n, g, b) > index {
        b -= 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_with(n: usize, l: usize, s: &Scalar) -> Ring {
        Ring::new(
            (0..n)
                .map(|i| if i == l { G * s } else { G * random_scalar() })
                .collect(),
        )
    }

    #[test]
    fn a_member_proves_and_nothing_else_verifies() {
        let u = nullifier_base(&[7; 32]);
        for (n, l) in [(2, 1), (8, 5), (16, 0)] {
            let s = random_scalar();
            let ring = ring_with(n, l, &s);
            let (j, p) = prove(b"ctx", &u, &ring, l, &s).unwrap();
            assert_eq!(j, u * s);
            assert!(verify(b"ctx", &u, &ring, &j, &p));
            assert!(!verify(b"other", &u, &ring, &j, &p), "bound to its context");
            assert!(
                !verify(b"ctx", &u, &ring, &(u * random_scalar()), &p),
                "its nullifier"
            );
            let mut points = ring.points().to_vec();
            points[l] = G * random_scalar();
            let other = Ring::new(points);
            assert!(!verify(b"ctx", &u, &other, &j, &p), "its ring");
            let mut bent = p.clone();
            bent.f[0] += Scalar::ONE;
            assert!(!verify(b"ctx", &u, &ring, &j, &bent));
            let mut bent = p.clone();
            bent.z[2] += Scalar::ONE;
            assert!(!verify(b"ctx", &u, &ring, &j, &bent));
            let mut bent = p.clone();
            bent.y[0] += G;
            assert!(!verify(b"ctx", &u, &ring, &j, &bent));
        }
    }

    #[test]
    fn a_stranger_cannot_prove_and_the_nullifier_is_one_per_secret() {
        let u = nullifier_base(&[1; 32]);
        let s = random_scalar();
        let ring = ring_with(4, 2, &s);
        assert!(prove(b"c", &u, &ring, 1, &s).is_none());
        assert!(prove(b"c", &u, &Ring::new(ring.points()[..3].to_vec()), 2, &s).is_none());
        let (j1, _) = prove(b"c", &u, &ring, 2, &s).unwrap();
        let (j2, _) = prove(b"d", &u, &ring, 2, &s).unwrap();
        assert_eq!(j1, j2, "one nullifier per secret and election");
        let (j3, _) = prove(b"c", &nullifier_base(&[2; 32]), &ring, 2, &s).unwrap();
        assert_ne!(j1, j3, "another election, another nullifier");
    }

    #[test]
    fn buckets_cover_every_registration_with_a_full_ring_and_half_a_ring_of_peers() {
        for n in 1..80u64 {
            for size in [2u64, 4, 8, 16] {
                let mut peers = std::collections::BTreeMap::new();
                for index in 0..n {
                    let b = bucket_of(n, size, index);
                    let members = bucket_members(n, size, b).unwrap();
                    assert!(members.contains(&index));
                    assert!(members.len().is_power_of_two() && members.len() >= 2);
                    assert!(members.len() as u64 <= size.max(2));
                    assert!(members.iter().all(|&i| i < n));
                    *peers.entry(b).or_insert(0u64) += 1;
                }
                // Every bucket in use holds at least half a ring of
                // voters (all of them when fewer than a ring registered).
                let least = if n < size { n } else { size / 2 };
                assert!(
                    peers.values().all(|&p| p >= least),
                    "n {n} size {size}: {peers:?}"
                );
                assert!(bucket_members(n, size, n.div_ceil(size)).is_none());
            }
        }
        assert!(bucket_members(0, 4, 0).is_none());
        assert!(bucket_members(10, 3, 0).is_none());
        assert!(bucket_members(10, 2048, 0).is_none());
        // 1,025 registrations in rings of 1,024: two groups of 512 or 513.
        assert_eq!(bucket_of(1025, 1024, 1024), 1);
        assert_eq!(bucket_of(1025, 1024, 511), 0);
        assert_eq!(bucket_of(1025, 1024, 512), 1);
    }
}
