//! The key ceremony (ElectionGuard 2.0, §3.2, Feldman verifiable secret
//! sharing) and threshold decryption.
//!
//! Guardian `i` (numbered `1..=n`) draws a polynomial `P_i` of degree
//! `t − 1`, publishes `K_{i,j} = G·a_{i,j}` for its coefficients with a
//! proof of knowledge of each, and sends guardian `ℓ` the share `P_i(ℓ)`,
//! sealed for `ℓ`'s key. `ℓ` checks `G·P_i(ℓ) = Σ_j K_{i,j}·ℓ^j`. The
//! election key is `K = Σ_i K_{i,0}`; guardian `ℓ` decrypts with
//! `z_ℓ = Σ_i P_i(ℓ)`, whose public key `Z_ℓ = G·z_ℓ` anyone computes from
//! the commitments. Any `t` partial decryptions `M_ℓ = A·z_ℓ` combine by
//! Lagrange interpolation at 0 into `A·s` for the election secret `s`,
//! which no one ever holds; fewer than `t` say nothing about it.

use crate::group::{random_scalar, small, Point, Scalar, G};
use curve25519_dalek_5::traits::{Identity, VartimeMultiscalarMul};

/// A guardian's secret polynomial.
pub struct Dealer {
    coefficients: Vec<Scalar>,
}

impl std::fmt::Debug for Dealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Dealer(degree {})",
            self.coefficients.len().saturating_sub(1)
        )
    }
}

impl Dealer {
    /// A fresh polynomial for threshold `t` (`t` coefficients).
    pub fn new(t: usize) -> Dealer {
        Dealer {
            coefficients: (0..t).map(|_| random_scalar()).collect(),
        }
    }

    /// From its coefficients (a guardian's saved secret).
    pub fn from_coefficients(coefficients: Vec<Scalar>) -> Dealer {
        Dealer { coefficients }
    }

    /// Its coefficients, to save.
    pub fn coefficients(&self) -> &[Scalar] {
        &self.coefficients
    }

    /// `K_j = G·a_j`.
    pub fn commitments(&self) -> Vec<Point> {
        self.coefficients.iter().map(|a| G * a).collect()
    }

    /// `P(ℓ)`.
    pub fn share_for(&self, guardian: u32) -> Scalar {
        let x = small(u64::from(guardian));
        self.coefficients
            .iter()
            .rev()
            .fold(Scalar::ZERO, |acc, a| acc * x + a)
    }
}

/// `Σ_j K_j·ℓ^j`: what `G·P(ℓ)` must be.
pub fn expected_share(commitments: &[Point], guardian: u32) -> Point {
    let x = small(u64::from(guardian));
    let mut power = Scalar::ONE;
    let mut scalars = Vec::with_capacity(commitments.len());
    for _ in commitments {
        scalars.push(power);
        power *= x;
    }
    Point::vartime_multiscalar_mul(scalars, commitments.iter().copied())
}

/// Whether `share` is dealer's `P(ℓ)` by its commitments.
pub fn share_checks(commitments: &[Point], guardian: u32, share: &Scalar) -> bool {
    G * share == expected_share(commitments, guardian)
}

/// The election key: the sum of the dealers' constant commitments.
pub fn joint_key(all: &[Vec<Point>]) -> Point {
    all.iter()
        .filter_map(|c| c.first())
        .fold(Point::identity(), |k, c| k + c)
}

/// Guardian `ℓ`'s public decryption key `Z_ℓ`.
pub fn guardian_key(all: &[Vec<Point>], guardian: u32) -> Point {
    all.iter()
        .map(|c| expected_share(c, guardian))
        .fold(Point::identity(), |k, c| k + c)
}

/// The Lagrange coefficient of `guardian` at 0 among `set` (distinct,
/// non-zero numbers).
pub fn lagrange(guardian: u32, set: &[u32]) -> Scalar {
    let x = small(u64::from(guardian));
    let (mut num, mut den) = (Scalar::ONE, Scalar::ONE);
    for &k in set.iter().filter(|&&k| k != guardian) {
        let xk = small(u64::from(k));
        num *= xk;
        den *= xk - x;
    }
    num * den.invert()
}

/// `Σ w_ℓ·M_ℓ` over the partial decryptions given (guardian, `M_ℓ`).
pub fn combine(partials: &[(u32, Point)]) -> Point {
    let set: Vec<u32> = partials.iter().map(|(g, _)| *g).collect();
    Point::vartime_multiscalar_mul(
        partials.iter().map(|(g, _)| lagrange(*g, &set)),
        partials.iter().map(|(_, m)| *m),
    )
}

/// The `m` in `0..=max` with `G·m = point`, by baby steps and giant
/// steps; none if there is no such `m`.
pub fn discrete_log(point: &Point, max: u64) -> Option<u64> {
    let step = (max + 1).isqrt() + 1;
    let mut baby = std::collections::HashMap::with_capacity(usize::try_from(step).ok()?);
    let mut p = Point::identity();
    for j in 0..step {
        baby.insert(p.compress().to_bytes(), j);
        p += G;
    }
    let giant = G * small(step);
    let mut q = *point;
    for i in 0..step {
        if let Some(j) = baby.get(q.compress().as_bytes()) {
            let m = i * step + j;
            return (m <= max).then_some(m);
        }
        q -= giant;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proofs::Ciphertext;

    fn ceremony(n: u32, t: usize) -> (Vec<Dealer>, Vec<Vec<Point>>) {
        let dealers: Vec<Dealer> = (0..n).map(|_| Dealer::new(t)).collect();
        let commitments = dealers.iter().map(Dealer::commitments).collect();
        (dealers, commitments)
    }

    fn secret_share(dealers: &[Dealer], guardian: u32) -> Scalar {
        dealers.iter().map(|d| d.share_for(guardian)).sum()
    }

    #[test]
    fn any_t_guardians_decrypt_and_fewer_cannot() {
        let (dealers, all) = ceremony(5, 3);
        for (d, c) in dealers.iter().zip(&all) {
            for g in 1..=5 {
                assert!(share_checks(c, g, &d.share_for(g)));
                assert!(!share_checks(c, g, &(d.share_for(g) + Scalar::ONE)));
            }
        }
        let key = joint_key(&all);
        for g in 1..=5 {
            assert_eq!(G * secret_share(&dealers, g), guardian_key(&all, g));
        }
        let ct = Ciphertext::encrypt(&key, 42, &random_scalar());
        let partial = |g: u32| (g, ct.a * secret_share(&dealers, g));
        for set in [[1, 2, 3], [2, 4, 5], [5, 1, 3]] {
            let m = ct.b - combine(&set.map(partial));
            assert_eq!(discrete_log(&m, 1000), Some(42), "{set:?}");
        }
        // Two of three: the interpolation misses the secret.
        let m = ct.b - combine(&[1, 2].map(partial));
        assert_eq!(discrete_log(&m, 100_000), None);
    }

    #[test]
    fn discrete_logs_up_to_the_bound() {
        for (m, max) in [(0, 0), (7, 7), (999, 1000), (1_000_000, 1_000_000)] {
            assert_eq!(discrete_log(&(G * small(m)), max), Some(m));
        }
        assert_eq!(discrete_log(&(G * small(11)), 10), None);
    }
}
