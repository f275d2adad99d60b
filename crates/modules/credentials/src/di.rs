//! W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite
//! (W3C "Data Integrity EdDSA Cryptosuites v1.0", §3.3): the document and
//! the proof options are canonicalised with JCS (RFC 8785), each hashed with
//! SHA-256, and the proof-options hash followed by the document hash is
//! signed with Ed25519; `proofValue` is the signature in multibase
//! base58btc (`z…`). Keys are Multikeys (`z` + base58btc(0xed 0x01 ‖ key)),
//! as in `did:key` and `did:publica` documents.
//!
//! Checked against the W3C `vc-di-eddsa` test vectors (reproduced byte for
//! byte) in `tests/credentials/vectors.rs`.

use publica_crypto::{sha256, Keypair};
use publica_types::canonical::to_canonical_bytes;
use publica_types::{AccountId, SignatureBytes};
use serde_json::{json, Map, Value};

/// The cryptosuite.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Why a proof was refused: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ProofError {
    /// `credentials.<…>` code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> ProofError {
    ProofError {
        code,
        message: message.into(),
    }
}

pub use publica_crypto::key::{from_multikey, multikey};

/// The key of a `did:key` verification method (`did:key:z6Mk…#z6Mk…`).
#[must_use]
pub fn did_key(method: &str) -> Option<AccountId> {
    let (did, fragment) = method.split_once('#')?;
    let mk = did.strip_prefix("did:key:")?;
    (fragment == mk).then(|| from_multikey(mk)).flatten()
}

/// The `did:key` of an Ed25519 key and its verification method.
#[must_use]
pub fn did_key_of(key: &AccountId) -> (String, String) {
    let mk = multikey(key);
    (format!("did:key:{mk}"), format!("did:key:{mk}#{mk}"))
}

/// The bytes signed: SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document)).
fn hash_data(options: &Value, document: &Value) -> Result<Vec<u8>, ProofError> {
    let canon = |v: &Value| {
        to_canonical_bytes(v).map_err(|e| {
            refuse(
                "credentials.malformed",
                format!("not canonicalisable (RFC 8785): {e}"),
            )
        })
    };
    let mut out = sha256(&canon(options)?).0.to_vec();
    out.extend_from_slice(&sha256(&canon(document)?).0);
    Ok(out)
}

/// Signs `document` (a JSON object without `proof`): the document with its
/// `proof`. `verification_method` names `kp`'s key; `created` is an XML
/// date-time (`2027-06-30T12:00:00Z`).
///
/// # Errors
/// A document that is not an object, has a proof already, or cannot be
/// canonicalised.
pub fn sign(
    document: &Value,
    kp: &Keypair,
    verification_method: &str,
    created: &str,
) -> Result<Value, ProofError> {
    let Some(obj) = document.as_object() else {
        return Err(refuse(
            "credentials.malformed",
            "a credential is a JSON object",
        ));
    };
    if obj.contains_key("proof") {
        return Err(refuse(
            "credentials.malformed",
            "the document is signed already",
        ));
    }
    let mut options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    });
    if let Some(ctx) = obj.get("@context") {
        options["@context"] = ctx.clone();
    }
    let data = hash_data(&options, document)?;
    let sig = kp.sign(&data);
    options["proofValue"] = json!(format!("z{}", bs58::encode(sig.0).into_string()));
    let mut signed = obj.clone();
    signed.insert("proof".into(), options);
    Ok(Value::Object(signed))
}

/// A proof that verified: who signed, when it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The verification method.
    pub verification_method: String,
    /// The key that signed.
    pub key: AccountId,
    /// `created`, as written.
    pub created: Option<String>,
}

/// Verifies the `eddsa-jcs-2022` proof of `secured`, with `key_of`
/// resolving a verification method to its key (and refusing those it does
/// not know).
///
/// # Errors
/// `credentials.malformed` (no proof, or not one proof object),
/// `credentials.wrong_cryptosuite`, `credentials.unknown_key`,
/// `credentials.context_mismatch`, `credentials.bad_signature`.
pub fn verify(
    secured: &Value,
    key_of: impl Fn(&str) -> Option<AccountId>,
) -> Result<Verified, ProofError> {
    let Some(obj) = secured.as_object() else {
        return Err(refuse(
            "credentials.malformed",
            "a credential is a JSON object",
        ));
    };
    let Some(Value::Object(proof)) = obj.get("proof") else {
        return Err(refuse(
            "credentials.malformed",
            "the credential has no proof (or a set of proofs, which this verifier does not take)",
        ));
    };
    if proof.get("type") != Some(&json!("DataIntegrityProof"))
        || proof.get("cryptosuite") != Some(&json!(CRYPTOSUITE))
    {
        return Err(refuse(
            "credentials.wrong_cryptosuite",
            format!("the proof must be a DataIntegrityProof with cryptosuite {CRYPTOSUITE}"),
        ));
    }
    if proof.get("proofPurpose") != Some(&json!("assertionMethod")) {
        return Err(refuse(
            "credentials.malformed",
            "the proof's proofPurpose must be assertionMethod",
        ));
    }
    let method = proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            refuse(
                "credentials.malformed",
                "the proof has no verificationMethod",
            )
        })?;
    let key = key_of(method).ok_or_else(|| {
        refuse(
            "credentials.unknown_key",
            format!("verification method '{method}' is not a key this verifier can resolve"),
        )
    })?;
    let mut document: Map<String, Value> = obj.clone();
    document.remove("proof");
    let mut options = proof.clone();
    let value = options
        .remove("proofValue")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| refuse("credentials.malformed", "the proof has no proofValue"))?;
    // The proof's @context, if any, must begin the document's.
    if let Some(pc) = options.get("@context") {
        let prefix = pc.as_array().cloned().unwrap_or_else(|| vec![pc.clone()]);
        let dc = document.get("@context").cloned().unwrap_or(Value::Null);
        let doc = dc.as_array().cloned().unwrap_or_else(|| vec![dc.clone()]);
        if doc.len() < prefix.len() || doc[..prefix.len()] != prefix[..] {
            return Err(refuse(
                "credentials.context_mismatch",
                "the proof's @context does not begin the credential's @context",
            ));
        }
    }
    let sig: [u8; 64] = value
        .strip_prefix('z')
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            refuse(
                "credentials.bad_signature",
                "proofValue is not a base58btc Ed25519 signature",
            )
        })?;
    let data = hash_data(&Value::Object(options), &Value::Object(document))?;
    publica_crypto::verify(&key, &data, &SignatureBytes(sig)).map_err(|_| {
        refuse(
            "credentials.bad_signature",
            "the signature does not verify: the credential was changed, or another key signed it",
        )
    })?;
    Ok(Verified {
        verification_method: method.to_string(),
        key,
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}
