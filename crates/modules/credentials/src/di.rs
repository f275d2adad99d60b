//! W3C Data Integrity proofs with the EdDSA cryptosuites (W3C "Data
//! Integrity EdDSA Cryptosuites v1.0"):
//!
//! - `eddsa-jcs-2022` (§3.3): the document and the proof options are
//!   canonicalised with JCS (RFC 8785);
//! - `eddsa-rdfc-2022` (§3.2): they are read as JSON-LD against the
//!   contexts this verifier holds ([`crate::jsonld`], [`crate::contexts`])
//!   and canonicalised with RDF Dataset Canonicalization (RDFC-1.0).
//!
//! Each canonical form is hashed with SHA-256, and the proof-options hash
//! followed by the document hash is signed with Ed25519; `proofValue` is
//! the signature in multibase base58btc (`z…`). Keys are Multikeys (`z` +
//! base58btc(0xed 0x01 ‖ key)), as in `did:key` and `did:publica`
//! documents.
//!
//! Checked against the W3C `vc-di-eddsa` test vectors (reproduced byte for
//! byte) in `tests/credentials/vectors.rs`.

use crate::jsonld::{self, Loader};
use publica_crypto::{sha256, Keypair};
use publica_types::canonical::to_canonical_bytes;
use publica_types::{AccountId, SignatureBytes};
use serde_json::{json, Map, Value};

/// The JCS cryptosuite, the default.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The RDF canonicalization cryptosuite.
pub const RDFC: &str = "eddsa-rdfc-2022";

/// A cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// `eddsa-jcs-2022`.
    Jcs,
    /// `eddsa-rdfc-2022`.
    Rdfc,
}

impl Suite {
    /// Its name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Jcs => CRYPTOSUITE,
            Suite::Rdfc => RDFC,
        }
    }

    /// By name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Suite::Jcs, Suite::Rdfc]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

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

/// The bytes signed: SHA-256(canonical proof options) ‖
/// SHA-256(canonical document).
fn hash_data(
    suite: Suite,
    options: &Value,
    document: &Value,
    load: Loader<'_>,
) -> Result<Vec<u8>, ProofError> {
    let canon = |v: &Value| match suite {
        Suite::Jcs => to_canonical_bytes(v).map_err(|e| {
            refuse(
                "credentials.malformed",
                format!("not canonicalisable (RFC 8785): {e}"),
            )
        }),
        Suite::Rdfc => jsonld::canonicalize(v, load)
            .map(String::into_bytes)
            .map_err(|e| refuse(e.code, e.message)),
    };
    let mut out = sha256(&canon(options)?).0.to_vec();
    out.extend_from_slice(&sha256(&canon(document)?).0);
    Ok(out)
}

/// The contexts this verifier holds.
pub fn held(url: &str) -> Option<&'static Value> {
    crate::contexts::get(url)
}

/// Signs `document` (a JSON object without `proof`) with `eddsa-jcs-2022`:
/// the document with its `proof`. `verification_method` names `kp`'s key;
/// `created` is an XML date-time (`2027-06-30T12:00:00Z`).
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
    sign_with(
        Suite::Jcs,
        document,
        kp,
        verification_method,
        created,
        &held,
    )
}

/// Signs `document` with `suite`, reading contexts with `load` (for
/// `eddsa-rdfc-2022`).
///
/// # Errors
/// As [`sign`]; for `eddsa-rdfc-2022` also `credentials.unknown_context`
/// and `credentials.unsupported_jsonld`.
pub fn sign_with(
    suite: Suite,
    document: &Value,
    kp: &Keypair,
    verification_method: &str,
    created: &str,
    load: Loader<'_>,
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
        "cryptosuite": suite.as_str(),
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    });
    if let Some(ctx) = obj.get("@context") {
        options["@context"] = ctx.clone();
    }
    let data = hash_data(suite, &options, document, load)?;
    let sig = kp.sign(&data);
    options["proofValue"] = json!(format!("z{}", bs58::encode(sig.0).into_string()));
    if suite == Suite::Rdfc {
        // The contexts were the document's: the proof it carries leaves
        // them out (as the W3C vectors do).
        if let Some(o) = options.as_object_mut() {
            o.remove("@context");
        }
    }
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

/// Verifies the `eddsa-jcs-2022` or `eddsa-rdfc-2022` proof of `secured`,
/// with `key_of` resolving a verification method to its key (and refusing
/// those it does not know), reading contexts this verifier holds.
///
/// # Errors
/// `credentials.malformed` (no proof, or not one proof object),
/// `credentials.wrong_cryptosuite`, `credentials.unknown_key`,
/// `credentials.context_mismatch`, `credentials.bad_signature`; for
/// `eddsa-rdfc-2022` also `credentials.unknown_context` and
/// `credentials.unsupported_jsonld`.
pub fn verify(
    secured: &Value,
    key_of: impl Fn(&str) -> Option<AccountId>,
) -> Result<Verified, ProofError> {
    verify_loading(secured, key_of, &held)
}

/// [`verify`], reading contexts with `load`.
///
/// # Errors
/// As [`verify`].
pub fn verify_loading(
    secured: &Value,
    key_of: impl Fn(&str) -> Option<AccountId>,
    load: Loader<'_>,
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
    let suite = proof
        .get("cryptosuite")
        .and_then(Value::as_str)
        .and_then(Suite::parse)
        .filter(|_| proof.get("type") == Some(&json!("DataIntegrityProof")));
    let Some(suite) = suite else {
        return Err(refuse(
            "credentials.wrong_cryptosuite",
            format!(
                "the proof must be a DataIntegrityProof with cryptosuite {CRYPTOSUITE} or {RDFC}"
            ),
        ));
    };
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
    if suite == Suite::Rdfc && !options.contains_key("@context") {
        // The proof configuration is read with the document's contexts.
        if let Some(c) = document.get("@context") {
            options.insert("@context".into(), c.clone());
        }
    }
    let data = hash_data(
        suite,
        &Value::Object(options),
        &Value::Object(document),
        load,
    )?;
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
