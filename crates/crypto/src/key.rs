//! Which 32-byte strings Publica accepts as Ed25519 public keys.
//!
//! Signatures are checked under ZIP-215, which accepts any encoding of any
//! curve point as a key, so that single and batched verification agree.
//! Two kinds of key are nonetheless unfit to stand for an account:
//! - a key of small order (one of the eight points of order dividing 8):
//!   under ZIP-215 the signature `R = identity, S = 0` verifies for every
//!   message, so anyone can sign for it;
//! - a non-canonical encoding (a `y` coordinate of `p` or more, or the
//!   "negative zero" `x`): it names the same point as a canonical key under
//!   another account id, so one key would own two accounts.
//!
//! [`is_weak_key`] finds both with byte comparisons only: it runs on every
//! transaction at admission. [`is_public_key`] also requires a point on the
//! curve, which a key can only fail by being unusable, and runs wherever a
//! key enters the ledger other than as a signer (members, guardians,
//! rotations, owners, validators, cosigners, genesis).

use ed25519_zebra::VerificationKey;

/// The canonical encodings of the eight points of small order (the
/// torsion subgroup): identity, the point of order 2, two of order 4 and
/// four of order 8. A unit test recomputes them from the curve.
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = [
    // identity (0, 1)
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    // order 2: (0, -1)
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    // order 4: (±sqrt(-1), 0)
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    // order 8
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
];

/// 2^255 - 19, little-endian: the field's modulus.
const P: [u8; 32] = hex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    assert!(b.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}

/// True when the 255-bit `y` (the encoding without its sign bit) is `p`
/// or more: a non-canonical field element.
fn y_not_reduced(bytes: &[u8; 32]) -> bool {
    // Compare from the most significant byte down.
    for i in (0..32).rev() {
        let y = if i == 31 { bytes[i] & 0x7f } else { bytes[i] };
        if y != P[i] {
            return y > P[i];
        }
    }
    true // y == p
}

/// True when `bytes` may not stand for an account even though ZIP-215
/// would verify signatures under it: a small-order point (anyone can sign
/// for it, the all-zero key the ledger reserves for its own work among
/// them) or a non-canonical encoding (an alias of another key).
///
/// Byte comparisons only; a key that is not on the curve at all passes
/// this check and fails every signature instead.
pub fn is_weak_key(bytes: &[u8; 32]) -> bool {
    if y_not_reduced(bytes) {
        return true;
    }
    // x = 0 only for y = ±1; its sign bit must then be clear. Both points
    // have small order, so the sign-bit variants are weak either way.
    let mut canonical = *bytes;
    let sign = canonical[31] & 0x80 != 0;
    canonical[31] &= 0x7f;
    let y_is_one = canonical == SMALL_ORDER_ENCODINGS[0];
    let y_is_minus_one = canonical == SMALL_ORDER_ENCODINGS[1];
    if sign && (y_is_one || y_is_minus_one) {
        return true;
    }
    SMALL_ORDER_ENCODINGS.contains(bytes)
}

/// True when `bytes` is a usable Ed25519 public key: a point on the curve,
/// canonically encoded and not of small order. The all-zero key, which the
/// ledger reserves for its own work, is of small order.
pub fn is_public_key(bytes: [u8; 32]) -> bool {
    !is_weak_key(&bytes) && VerificationKey::try_from(bytes).is_ok()
}

/// Why a key was refused, in words a client can act on.
pub const WEAK_KEY_MESSAGE: &str =
    "is not a usable Ed25519 public key (it must be a canonically encoded curve point not of small order)";

/// `#[serde(deserialize_with = "publica_crypto::key::one")]` on an
/// [`AccountId`](publica_types::AccountId) field of a call's arguments:
/// refuses a key [`is_public_key`] refuses, with the field named in the
/// message.
pub fn one<'de, D: serde::Deserializer<'de>>(d: D) -> Result<publica_types::AccountId, D::Error> {
    let key = <publica_types::AccountId as serde::Deserialize>::deserialize(d)?;
    if !is_public_key(key.0) {
        return Err(serde::de::Error::custom(format!(
            "key {key} {WEAK_KEY_MESSAGE}"
        )));
    }
    Ok(key)
}

/// [`one`] for a list of keys.
pub fn many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<publica_types::AccountId>, D::Error> {
    let keys = <Vec<publica_types::AccountId> as serde::Deserialize>::deserialize(d)?;
    if let Some(key) = keys.iter().find(|k| !is_public_key(k.0)) {
        return Err(serde::de::Error::custom(format!(
            "key {key} {WEAK_KEY_MESSAGE}"
        )));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Keypair;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use proptest::prelude::*;

    #[test]
    fn the_table_is_the_torsion_subgroup() {
        let mut computed: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|p| p.compress().0).collect();
        computed.sort();
        let mut table = SMALL_ORDER_ENCODINGS.to_vec();
        table.sort();
        assert_eq!(computed, table);
    }

    #[test]
    fn the_keys_an_outside_test_signed_for_are_weak() {
        for hex_key in [
            "0100000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000080",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let k: [u8; 32] = hex::decode(hex_key).unwrap().try_into().unwrap();
            assert!(is_weak_key(&k), "{hex_key}");
            assert!(!is_public_key(k), "{hex_key}");
        }
    }

    #[test]
    fn every_small_order_point_signs_anything_under_zip215_and_is_weak() {
        // R = identity, S = 0: the signature anyone can make for a
        // small-order key.
        let mut sig = [0u8; 64];
        sig[0] = 1;
        for p in &EIGHT_TORSION {
            let k = p.compress().0;
            assert!(is_weak_key(&k));
            let vk = VerificationKey::try_from(k).unwrap();
            let forged = ed25519_zebra::Signature::from_bytes(&sig);
            assert!(vk.verify(&forged, b"any message").is_ok());
        }
    }

    #[test]
    fn non_canonical_aliases_of_real_points_are_weak() {
        // y + p for the few y below 19 that are on the curve.
        for y in 0u8..19 {
            let mut k = P;
            k[0] = k[0].wrapping_add(y); // p + y, with no carry since 0xed + 18 < 256
            assert!(is_weak_key(&k), "p + {y}");
            assert!(!is_public_key(k), "p + {y}");
        }
    }

    proptest! {
        #[test]
        fn generated_keys_are_public_keys(seed in any::<[u8; 32]>()) {
            let k = Keypair::from_seed(seed).account().0;
            prop_assert!(!is_weak_key(&k));
            prop_assert!(is_public_key(k));
        }

        #[test]
        fn the_byte_check_agrees_with_the_curve(bytes in any::<[u8; 32]>()) {
            if let Some(p) = CompressedEdwardsY(bytes).decompress() {
                let weak = p.is_small_order() || p.compress().0 != bytes;
                prop_assert_eq!(is_weak_key(&bytes), weak);
                prop_assert_eq!(is_public_key(bytes), !weak);
            } else {
                prop_assert!(!is_public_key(bytes));
            }
        }
    }
}

/// An Ed25519 public key as a Multikey `publicKeyMultibase` (`did:key`,
/// `did:publica` documents, Data Integrity proofs): `z` + base58btc of the
/// multicodec `ed25519-pub` (0xed 0x01) and the key.
#[must_use]
pub fn multikey(key: &publica_types::AccountId) -> String {
    let mut b = vec![0xed, 0x01];
    b.extend_from_slice(&key.0);
    format!("z{}", bs58::encode(b).into_string())
}

/// The Ed25519 public key of a Multikey, if it is one.
#[must_use]
pub fn from_multikey(text: &str) -> Option<publica_types::AccountId> {
    let b = bs58::decode(text.strip_prefix('z')?).into_vec().ok()?;
    let key: [u8; 32] = b.strip_prefix(&[0xed, 0x01])?.try_into().ok()?;
    Some(publica_types::AccountId(key))
}

#[cfg(test)]
mod multikey_tests {
    use super::*;
    use publica_types::AccountId;

    #[test]
    fn multikeys_round_trip_and_known_values_hold() {
        assert_eq!(
            bs58::encode(b"hello world").into_string(),
            "StV1DL6CwTryKyV"
        );
        let k = AccountId([7; 32]);
        let m = multikey(&k);
        assert!(m.starts_with("z6Mk"), "{m}");
        assert_eq!(from_multikey(&m), Some(k));
        assert_eq!(from_multikey("z6Mk"), None);
        assert_eq!(from_multikey(&m[1..]), None, "multibase prefix required");
    }
}
