//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys (type 0x01).
//!
//! A note is its text (ending in a newline), a blank line, and signature
//! lines `— <key name> base64(key ID || signature)`. The key ID is
//! `SHA-256(key name || 0x0A || 0x01 || public key)[:4]`. A verifier key is
//! published as `<key name>+<key ID hex>+base64(0x01 || public key)`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_crypto::hash::sha256_parts;
use publica_crypto::{verify, Keypair};
use publica_types::{AccountId, SignatureBytes};

/// Ed25519 signature type byte.
const ED25519: u8 = 0x01;
/// Largest note accepted, in bytes.
pub const NOTE_BYTES_MAX: usize = 64 * 1024;
/// Most signature lines read from one note.
pub const NOTE_SIGNATURES_MAX: usize = 100;

/// Why a note or key was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Not a well-formed note.
    #[error("malformed signed note: {0}")]
    Malformed(String),
    /// Not a well-formed verifier key.
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(String),
    /// No signature line from the expected key.
    #[error("the note has no signature from key {0}")]
    NoSignatureFromKey(String),
    /// A signature from the expected key does not verify.
    #[error("bad signature: the note's signature by {0} does not verify (the text was altered or signed by another key)")]
    BadSignature(String),
}

/// The 4-byte key ID of an Ed25519 key under `name`.
pub fn key_id(name: &str, public: &AccountId) -> [u8; 4] {
    typed_key_id(ED25519, name, public)
}

/// `SHA-256(name || 0x0A || type || public key)[:4]`.
pub(crate) fn typed_key_id(kind: u8, name: &str, public: &AccountId) -> [u8; 4] {
    let h = sha256_parts(&[name.as_bytes(), b"\n", &[kind], public.as_bytes()]);
    [h.0[0], h.0[1], h.0[2], h.0[3]]
}

pub(crate) fn check_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('+')
        && name.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

/// Signs notes with one Ed25519 key under one name.
pub struct NoteSigner {
    name: String,
    key: Keypair,
    id: [u8; 4],
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigner({})", self.name)
    }
}

impl NoteSigner {
    /// A signer named `name` (no spaces, no `+`).
    pub fn new(name: &str, key: Keypair) -> Result<Self, NoteError> {
        if !check_name(name) {
            return Err(NoteError::BadVerifierKey(format!(
                "key name '{name}' must be non-empty without spaces or '+'"
            )));
        }
        let id = key_id(name, &key.account());
        Ok(NoteSigner {
            name: name.to_string(),
            key,
            id,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key text others use to check this signer's notes.
    pub fn verifier_key(&self) -> String {
        let mut k = vec![ED25519];
        k.extend_from_slice(self.key.account().as_bytes());
        format!("{}+{}+{}", self.name, hex_lower(&self.id), B64.encode(k))
    }

    /// Signs `text` (which must end in a newline) and returns the full note.
    pub fn sign(&self, text: &str) -> String {
        assert!(text.ends_with('\n'), "note text ends in a newline");
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_vec();
        blob.extend_from_slice(&sig.0);
        format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

pub(crate) fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks notes against one trusted Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub id: [u8; 4],
    /// The public key.
    pub public: AccountId,
}

impl NoteVerifier {
    /// Parses a verifier key `<name>+<id hex>+<base64(0x01 || key)>`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let bad = |m: &str| NoteError::BadVerifierKey(m.to_string());
        let vkey = vkey.trim();
        // The name has no '+', but base64 may: split from the left.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected <name>+<key id>+<key>"));
        };
        if !check_name(name) {
            return Err(bad("invalid key name"));
        }
        let key = B64.decode(key_b64).map_err(|_| bad("key is not base64"))?;
        if key.len() != 33 || key[0] != ED25519 {
            return Err(bad("only Ed25519 keys (type 0x01, 32 bytes) are supported"));
        }
        let public = AccountId(key[1..].try_into().expect("32 bytes"));
        if !publica_crypto::is_public_key(public.0) {
            // A small-order key would accept a forged checkpoint signature.
            return Err(bad(
                "the key is of small order, not canonical or not a curve point",
            ));
        }
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("key id must be 8 hex characters"));
        }
        let id = key_id(name, &public);
        if hex_lower(&id) != id_hex.to_ascii_lowercase() {
            return Err(bad("key id does not match the name and key"));
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            id,
            public,
        })
    }

    /// Verifies `note` and returns its text.
    pub fn verify<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (text, lines) = split_note(note)?;
        let mut found = false;
        for (name, blob) in lines {
            if name != self.name || blob[..4] != self.id {
                continue; // Another key's signature: ignored, per the spec.
            }
            let sig: [u8; 64] = blob[4..]
                .try_into()
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            verify(&self.public, text.as_bytes(), &SignatureBytes(sig))
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            found = true;
        }
        if !found {
            return Err(NoteError::NoSignatureFromKey(self.name.clone()));
        }
        Ok(text)
    }
}

/// A signature line: key name and decoded blob (at least 4 bytes).
pub(crate) type SignatureLine<'a> = (&'a str, Vec<u8>);

/// Splits a note into its text (ending in a newline) and its signature
/// lines, within the size and count limits.
pub(crate) fn split_note(note: &str) -> Result<(&str, Vec<SignatureLine<'_>>), NoteError> {
    let malformed = |m: &str| NoteError::Malformed(m.to_string());
    if note.len() > NOTE_BYTES_MAX {
        return Err(malformed("note too large"));
    }
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(malformed("control characters other than newline"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| malformed("no blank line before the signatures"))?;
    let text = &note[..split + 1];
    let sigs = &note[split + 2..];
    if !sigs.ends_with('\n') || sigs.len() < 2 {
        return Err(malformed("signature lines must end in a newline"));
    }
    let mut lines = Vec::new();
    for (i, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        if i >= NOTE_SIGNATURES_MAX {
            return Err(malformed("too many signatures"));
        }
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| malformed("signature line must start with an em dash and a space"))?;
        let (name, b64) = rest
            .rsplit_once(' ')
            .ok_or_else(|| malformed("signature line needs a name and a signature"))?;
        let blob = B64
            .decode(b64)
            .map_err(|_| malformed("signature is not base64"))?;
        if blob.len() < 4 {
            return Err(malformed("signature too short"));
        }
        lines.push((name, blob));
    }
    Ok((text, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_keys_with_plus_in_base64_parse() {
        let signer = (0u8..=255)
            .map(|i| NoteSigner::new("publica.local/x", Keypair::from_seed([i; 32])).unwrap())
            .find(|s| {
                s.verifier_key()
                    .splitn(3, '+')
                    .nth(2)
                    .unwrap()
                    .contains('+')
            })
            .expect("some key has a '+' in its base64");
        let v = NoteVerifier::parse(&signer.verifier_key()).unwrap();
        assert!(v.verify(&signer.sign("a\n")).is_ok());
    }

    #[test]
    fn sign_verify_and_reject_tampering() {
        let s = NoteSigner::new("publica.local/test", Keypair::from_seed([7; 32])).unwrap();
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        let note = s.sign("publica.local/test\n5\nAAAA\n");
        assert_eq!(v.verify(&note).unwrap(), "publica.local/test\n5\nAAAA\n");
        let altered = note.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            v.verify(&altered),
            Err(NoteError::BadSignature(_))
        ));
        let other = NoteSigner::new("publica.local/test", Keypair::from_seed([8; 32])).unwrap();
        assert!(matches!(
            v.verify(&other.sign("x\n")),
            Err(NoteError::NoSignatureFromKey(_))
        ));
        assert!(matches!(
            v.verify("no blank line\n"),
            Err(NoteError::Malformed(_))
        ));
        let mut bad_key = s.verifier_key();
        bad_key.replace_range(bad_key.len() - 3..bad_key.len() - 2, "A");
        assert!(NoteVerifier::parse(&bad_key).is_err());
    }
}
