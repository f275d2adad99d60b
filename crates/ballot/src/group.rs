//! The group (ristretto255, RFC 9496, from curve25519-dalek), its
//! encodings, the transcript hash that makes every proof non-interactive,
//! and fresh secrets. `docs/elections.md`, "The group", is the
//! specification an independent verifier follows.

use curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek_5::ristretto::CompressedRistretto;
pub use curve25519_dalek_5::{RistrettoPoint as Point, Scalar};
use sha2::{Digest, Sha512};

/// The generator `G`.
pub const G: Point = RISTRETTO_BASEPOINT_POINT;

/// The domain of every transcript: `publica/elections/v1` and a NUL.
pub const DOMAIN: &[u8] = b"publica/elections/v1\0";

/// A point from its 64 hex digits (the canonical 32-byte encoding).
pub fn point_from_hex(text: &str) -> Option<Point> {
    let bytes = decode32(text)?;
    CompressedRistretto(bytes).decompress()
}

/// A point's 64 hex digits.
pub fn point_hex(p: &Point) -> String {
    hex::encode(p.compress().as_bytes())
}

/// A scalar from its 64 hex digits (canonical, little-endian, below the
/// group order).
pub fn scalar_from_hex(text: &str) -> Option<Scalar> {
    Option::from(Scalar::from_canonical_bytes(decode32(text)?))
}

/// A scalar's 64 hex digits.
pub fn scalar_hex(s: &Scalar) -> String {
    hex::encode(s.as_bytes())
}

/// 32 bytes from their 64 lowercase hex digits (a hash, an encoding).
pub fn decode32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(text).ok()?.try_into().ok()
}

/// A fresh secret scalar, uniform (64 random bytes reduced).
pub fn random_scalar() -> Scalar {
    let mut wide = [0u8; 64];
    crate::entropy::fill(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// The small integer `n` as a scalar.
pub fn small(n: u64) -> Scalar {
    Scalar::from(n)
}

/// A Fiat–Shamir transcript: SHA-512 over the domain, a tag and each part
/// as a 4-byte big-endian length and its bytes; the challenge is the
/// digest reduced modulo the group order.
#[derive(Clone)]
pub struct Transcript(Sha512);

impl Transcript {
    /// A transcript for `tag` (e.g. `range`).
    pub fn new(tag: &str) -> Transcript {
        let mut t = Transcript(Sha512::new());
        t.0.update(DOMAIN);
        t.bytes(tag.as_bytes());
        t
    }

    /// Appends bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u32::try_from(bytes.len()).expect("transcript parts are small");
        self.0.update(len.to_be_bytes());
        self.0.update(bytes);
        self
    }

    /// Appends a point (its encoding).
    pub fn point(&mut self, p: &Point) -> &mut Self {
        self.bytes(p.compress().as_bytes())
    }

    /// Appends a number (8 bytes, big-endian).
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.bytes(&n.to_be_bytes())
    }

    /// The challenge.
    pub fn challenge(&self) -> Scalar {
        let digest = self.0.clone().finalize();
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&digest);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_canonical() {
        let s = random_scalar();
        assert_eq!(scalar_from_hex(&scalar_hex(&s)), Some(s));
        let p = G * s;
        assert_eq!(point_from_hex(&point_hex(&p)), Some(p));
        // The group order itself is not a canonical scalar.
        let l = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
        assert_eq!(scalar_from_hex(l), None);
        assert_eq!(scalar_from_hex(&scalar_hex(&s).to_uppercase()), None);
        assert_eq!(point_from_hex(&"ff".repeat(32)), None);
        assert_eq!(point_from_hex("00"), None);
    }

    #[test]
    fn transcripts_separate_their_parts() {
        let a = Transcript::new("t").bytes(b"ab").bytes(b"c").challenge();
        let b = Transcript::new("t").bytes(b"a").bytes(b"bc").challenge();
        let c = Transcript::new("u").bytes(b"ab").bytes(b"c").challenge();
        assert!(a != b && a != c);
    }
}
