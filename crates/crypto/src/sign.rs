//! Ed25519 signing and verification.

use ed25519_zebra::{batch, Signature, SigningKey, VerificationKey, VerificationKeyBytes};
use publica_types::{AccountId, SignatureBytes};
use rand_core::OsRng;

/// Why a signature was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// The public key is not a valid curve point.
    #[error("the signer is not a valid Ed25519 public key")]
    BadPublicKey,
    /// The signature does not verify.
    #[error("the signature does not verify for this signer and message")]
    Invalid,
}

/// An Ed25519 key pair. The secret is wiped from memory on drop.
pub struct Keypair {
    signing: SigningKey,
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "Keypair({})", self.account())
    }
}

impl Keypair {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Self {
        Keypair {
            signing: SigningKey::new(OsRng),
        }
    }

    /// The key whose RFC 8032 seed is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Keypair {
            signing: SigningKey::from(seed),
        }
    }

    /// The 32-byte seed; handle with care.
    pub fn seed(&self) -> [u8; 32] {
        self.signing.into()
    }

    /// The account this key signs for (its public key).
    pub fn account(&self) -> AccountId {
        let vk = VerificationKey::from(&self.signing);
        AccountId(vk.into())
    }

    /// Signs `body` for `signer` (the key's own account, or an account
    /// whose key was rotated to this one). Fails only for a body that has
    /// no canonical form (e.g. a float in its arguments).
    pub fn sign_tx(
        &self,
        signer: publica_types::AccountId,
        body: publica_types::TxBody,
    ) -> Result<publica_types::Envelope, publica_types::canonical::CanonicalError> {
        let signature = self.sign(&body.signing_bytes()?);
        Ok(publica_types::Envelope {
            body,
            signer,
            signature,
        })
    }

    /// Signs `msg`.
    pub fn sign(&self, msg: &[u8]) -> SignatureBytes {
        SignatureBytes(self.signing.sign(msg).to_bytes())
    }
}

/// Verifies one signature under the ZIP-215 rule.
pub fn verify(signer: &AccountId, msg: &[u8], sig: &SignatureBytes) -> Result<(), SignatureError> {
    let vk = VerificationKey::try_from(signer.0).map_err(|_| SignatureError::BadPublicKey)?;
    vk.verify(&Signature::from_bytes(&sig.0), msg)
        .map_err(|_| SignatureError::Invalid)
}

/// Verifies many signatures at once; returns one verdict per item, in order.
///
/// A batch is much cheaper than one check per signature. When the batch
/// fails, each item is checked alone to find the bad ones; both paths apply
/// the same ZIP-215 rule, so the verdicts equal those of [`verify`].
pub fn verify_batch(
    items: &[(AccountId, &[u8], SignatureBytes)],
) -> Vec<Result<(), SignatureError>> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut verifier = batch::Verifier::new();
    for (signer, msg, sig) in items {
        let vkb = VerificationKeyBytes::from(signer.0);
        verifier.queue((vkb, Signature::from_bytes(&sig.0), msg));
    }
    if verifier.verify(OsRng).is_ok() {
        return items.iter().map(|_| Ok(())).collect();
    }
    items
        .iter()
        .map(|(signer, msg, sig)| verify(signer, msg, sig))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let kp = Keypair::from_seed(seed);
        assert_eq!(
            kp.account().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = kp.sign(b"");
        assert_eq!(
            sig.to_hex(),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(verify(&kp.account(), b"", &sig).is_ok());
    }

    proptest! {
        #[test]
        fn batch_agrees_with_single(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..8), bad in any::<prop::sample::Index>()) {
            let kp = Keypair::generate();
            let mut items: Vec<(AccountId, Vec<u8>, SignatureBytes)> =
                msgs.iter().map(|m| (kp.account(), m.clone(), kp.sign(m))).collect();
            let i = bad.index(items.len());
            items[i].2 .0[5] ^= 1;
            let refs: Vec<(AccountId, &[u8], SignatureBytes)> =
                items.iter().map(|(a, m, s)| (*a, m.as_slice(), *s)).collect();
            let verdicts = verify_batch(&refs);
            for (j, v) in verdicts.iter().enumerate() {
                prop_assert_eq!(v.is_ok(), verify(&refs[j].0, refs[j].1, &refs[j].2).is_ok());
                prop_assert_eq!(v.is_ok(), j != i);
            }
        }
    }
}
