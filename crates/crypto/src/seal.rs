//! Sealing for off-ledger records (`docs/health.md`): each record is
//! encrypted with its own random data key (ChaCha20-Poly1305), and the data
//! key is *wrapped* for a reader's X25519 public key.
//!
//! A wrapped key is `ephemeral public key (32) ‖ AEAD(data key) (48)`: the
//! sender makes a fresh X25519 key, agrees a secret with the recipient's
//! key, derives the wrapping key as SHA-256 of a domain tag, the shared
//! secret, the ephemeral key and the recipient's key, and encrypts the data
//! key under it (nonce zero: the wrapping key is used once), with the
//! recipient's key as associated data. A shared secret from a small-order
//! point (all zeros) is refused, so a malformed recipient key cannot force
//! a known wrapping key.
//!
//! An account's X25519 key is derived from its Ed25519 seed
//! ([`SealKey::from_signing_seed`]), so a reader needs no second key file;
//! the derivation is one-way, so a sealing key reveals nothing of the
//! signing key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

/// Length of a wrapped data key.
pub const WRAPPED_LEN: usize = 32 + 32 + 16;

/// Length of the nonce that heads a sealed record.
pub const NONCE_LEN: usize = 12;

/// Overhead of a sealed record over its plaintext (nonce and tag).
pub const RECORD_OVERHEAD: usize = NONCE_LEN + 16;

const WRAP_TAG: &[u8] = b"publica/records/wrap/v1";
const DERIVE_TAG: &[u8] = b"publica/records/x25519/v1";

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The wrapped key has the wrong length.
    #[error("a wrapped key is {WRAPPED_LEN} bytes")]
    WrappedLength,
    /// The recipient's (or sender's) key is a small-order point.
    #[error("the X25519 key is a small-order point; no secret can be agreed with it")]
    WeakKey,
    /// Authentication failed: wrong key, or the bytes were altered.
    #[error("authentication failed: the key does not open it, or it was altered")]
    Tampered,
}

/// A record's 256-bit data key, wiped from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl DataKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        DataKey(k)
    }

    /// Encrypts `plaintext`: `nonce (12) ‖ ciphertext ‖ tag (16)`, bound
    /// to `aad`.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("ChaCha20-Poly1305 encrypts any length a Vec holds");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`DataKey::encrypt`] made with the same `aad`.
    pub fn decrypt(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < RECORD_OVERHEAD {
            return Err(SealError::Tampered);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| SealError::Tampered)
    }

    /// Wraps this key for `recipient` (an X25519 public key).
    pub fn wrap_for(&self, recipient: &[u8; 32]) -> Result<[u8; WRAPPED_LEN], SealError> {
        let mut eph = [0u8; 32];
        OsRng.fill_bytes(&mut eph);
        let eph = StaticSecret::from(eph);
        let eph_pub = PublicKey::from(&eph);
        let shared = eph.diffie_hellman(&PublicKey::from(*recipient));
        if !shared.was_contributory() {
            return Err(SealError::WeakKey);
        }
        let k = wrapping_key(shared.as_bytes(), eph_pub.as_bytes(), recipient);
        let sealed = ChaCha20Poly1305::new(Key::from_slice(&k))
            .encrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload {
                    msg: &self.0,
                    aad: recipient,
                },
            )
            .expect("ChaCha20-Poly1305 encrypts 32 bytes");
        let mut out = [0u8; WRAPPED_LEN];
        out[..32].copy_from_slice(eph_pub.as_bytes());
        out[32..].copy_from_slice(&sealed);
        Ok(out)
    }
}

/// Whether data keys can be wrapped for `key`: false for the small-order
/// points, with which no secret can be agreed (the same answer for every
/// sender, as X25519 clears the cofactor).
pub fn usable_public(key: &[u8; 32]) -> bool {
    StaticSecret::from([1u8; 32])
        .diffie_hellman(&PublicKey::from(*key))
        .was_contributory()
}

fn wrapping_key(shared: &[u8; 32], eph: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(WRAP_TAG);
    h.update(shared);
    h.update(eph);
    h.update(recipient);
    h.finalize().into()
}

/// An X25519 secret key that opens wrapped data keys.
pub struct SealKey(StaticSecret);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({})", hex::encode(self.public()))
    }
}

impl SealKey {
    /// A fresh key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Self::from_bytes(k)
    }

    /// The key with these secret bytes (clamped by X25519 itself).
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = SealKey(StaticSecret::from(bytes));
        bytes.zeroize();
        key
    }

    /// The secret bytes; handle with care (key files).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The sealing key of the account whose Ed25519 seed is `seed`.
    pub fn from_signing_seed(seed: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(DERIVE_TAG);
        h.update(seed);
        Self::from_bytes(h.finalize().into())
    }

    /// The public key others wrap data keys for.
    pub fn public(&self) -> [u8; 32] {
        PublicKey::from(&self.0).to_bytes()
    }

    /// Opens a data key wrapped for this key.
    pub fn unwrap_key(&self, wrapped: &[u8]) -> Result<DataKey, SealError> {
        let wrapped: &[u8; WRAPPED_LEN] =
            wrapped.try_into().map_err(|_| SealError::WrappedLength)?;
        let mut eph = [0u8; 32];
        eph.copy_from_slice(&wrapped[..32]);
        let shared = self.0.diffie_hellman(&PublicKey::from(eph));
        if !shared.was_contributory() {
            return Err(SealError::WeakKey);
        }
        let me = self.public();
        let k = wrapping_key(shared.as_bytes(), &eph, &me);
        let mut plain = ChaCha20Poly1305::new(Key::from_slice(&k))
            .decrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload {
                    msg: &wrapped[32..],
                    aad: &me,
                },
            )
            .map_err(|_| SealError::Tampered)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&plain);
        plain.zeroize();
        Ok(DataKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_small_order_recipient_is_refused() {
        let dk = DataKey::generate();
        assert_eq!(dk.wrap_for(&[0u8; 32]), Err(SealError::WeakKey));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(dk.wrap_for(&one), Err(SealError::WeakKey));
        assert!(!usable_public(&one) && !usable_public(&[0u8; 32]));
        assert!(usable_public(&SealKey::generate().public()));
    }

    #[test]
    fn the_derived_key_is_stable_and_one_way() {
        let a = SealKey::from_signing_seed(&[7u8; 32]);
        let b = SealKey::from_signing_seed(&[7u8; 32]);
        assert_eq!(a.public(), b.public());
        assert_ne!(a.public(), SealKey::from_signing_seed(&[8u8; 32]).public());
        assert_ne!(a.to_bytes(), [7u8; 32]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn wrap_then_unwrap_gives_the_key_and_only_to_its_recipient(flip in 0usize..WRAPPED_LEN, bit in 0u8..8) {
            let reader = SealKey::generate();
            let other = SealKey::generate();
            let dk = DataKey::generate();
            let wrapped = dk.wrap_for(&reader.public()).unwrap();
            prop_assert_eq!(reader.unwrap_key(&wrapped).unwrap(), dk.clone());
            prop_assert!(other.unwrap_key(&wrapped).is_err());
            let mut bad = wrapped;
            bad[flip] ^= 1 << bit;
            prop_assert!(reader.unwrap_key(&bad).is_err());
            prop_assert_eq!(reader.unwrap_key(&wrapped[..40]), Err(SealError::WrappedLength));
        }

        #[test]
        fn records_round_trip_and_any_change_is_caught(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            flip in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let dk = DataKey::generate();
            let sealed = dk.encrypt(&body, b"Observation");
            prop_assert_eq!(sealed.len(), body.len() + RECORD_OVERHEAD);
            prop_assert_eq!(dk.decrypt(&sealed, b"Observation").unwrap(), body);
            prop_assert_eq!(dk.decrypt(&sealed, b"Patient"), Err(SealError::Tampered));
            let mut bad = sealed.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 1 << bit;
            prop_assert_eq!(dk.decrypt(&bad, b"Observation"), Err(SealError::Tampered));
            prop_assert_eq!(DataKey::generate().decrypt(&sealed, b"Observation"), Err(SealError::Tampered));
        }
    }
}
