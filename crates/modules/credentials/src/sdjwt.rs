//! SD-JWT VC (IETF "Selective Disclosure for JWTs" and "SD-JWT-based
//! Verifiable Credentials"): a credential whose claims the holder reveals
//! one by one, bound to the holder's key.
//!
//! - Issued: `<JWS>~<disclosure>~…~`. The JWS (compact, `alg` `EdDSA`,
//!   `typ` `dc+sd-jwt`, `kid` the issuer's verification method) carries
//!   `iss`, `iat`, `vct`, `cnf.jwk` (the holder's Ed25519 key as an OKP JWK),
//!   `_sd_alg` `sha-256`, and in `_sd` (sorted) the base64url SHA-256 of each
//!   disclosure; a disclosure is the base64url of the JSON array `[salt,
//!   name, value]` with a 128-bit random salt.
//! - Presented: the JWS, the disclosures the holder chooses, and a key
//!   binding JWT (`typ` `kb+jwt`) signed by the holder's key over `iat`,
//!   `aud`, `nonce` and `sd_hash` (the base64url SHA-256 of everything
//!   before it, `~` included), so a presentation serves one verifier once.
//!
//! Only top-level claims are selectively disclosable here (no nested or
//! array-element disclosures); decoys are not added.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use publica_crypto::{sha256, Keypair};
use publica_types::{AccountId, SignatureBytes};
use serde_json::{json, Map, Value};

/// The JWS `typ` of an SD-JWT VC.
pub const TYP: &str = "dc+sd-jwt";
/// The `typ` of a key binding JWT.
pub const KB_TYP: &str = "kb+jwt";
/// Longest presentation read, in bytes.
pub const PRESENTATION_BYTES_MAX: usize = 64 * 1024;
/// Most disclosures in one SD-JWT.
pub const DISCLOSURES_MAX: usize = 64;
/// How old a key binding JWT may be, in seconds.
pub const KB_AGE_MAX_S: u64 = 600;
/// How far in the future its `iat` may be (clocks differ), in seconds.
pub const KB_SKEW_S: u64 = 300;
/// Claims that are never selectively disclosable.
const FIXED: &[&str] = &[
    "iss", "iat", "nbf", "exp", "vct", "cnf", "status", "_sd", "_sd_alg",
];

/// Why an SD-JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SdError {
    /// `credentials.<…>`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> SdError {
    SdError {
        code,
        message: message.into(),
    }
}

fn malformed(message: impl Into<String>) -> SdError {
    refuse("credentials.sd_malformed", message)
}

/// The holder's key as an OKP JWK.
#[must_use]
pub fn jwk(key: &AccountId) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": B64.encode(key.0)})
}

fn jwk_key(v: &Value) -> Option<AccountId> {
    if v["kty"] != "OKP" || v["crv"] != "Ed25519" {
        return None;
    }
    let x = B64.decode(v["x"].as_str()?).ok()?;
    Some(AccountId(x.try_into().ok()?))
}

fn b64_json(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).expect("JSON"))
}

/// A compact JWS of `header` and `payload` signed by `kp`.
fn jws(header: &Value, payload: &Value, kp: &Keypair) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(payload));
    let sig = kp.sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig.0))
}

/// A JWS checked: its header and payload, once `key_of` gave the key that
/// verifies it.
fn open_jws(
    text: &str,
    key_of: impl FnOnce(&Value, &Value) -> Result<AccountId, SdError>,
) -> Result<(Value, Value, AccountId), SdError> {
    let parts: Vec<&str> = text.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err(malformed(
            "a JWS is three base64url parts separated by dots",
        ));
    };
    let decode = |part: &str| -> Result<Value, SdError> {
        B64.decode(part)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| malformed("a JWS header or payload is not base64url JSON"))
    };
    let (header, payload) = (decode(h)?, decode(p)?);
    if header["alg"] != "EdDSA" {
        return Err(refuse(
            "credentials.wrong_cryptosuite",
            "the JWS must be signed with alg EdDSA (Ed25519)",
        ));
    }
    let key = key_of(&header, &payload)?;
    let sig: [u8; 64] = B64
        .decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("a JWS signature is 64 bytes of base64url"))?;
    publica_crypto::verify(&key, format!("{h}.{p}").as_bytes(), &SignatureBytes(sig))
        .map_err(|_| {
            refuse(
                "credentials.bad_signature",
                "the signature does not verify: the credential was changed, or another key signed it",
            )
        })?;
    Ok((header, payload, key))
}

/// A fresh 128-bit salt.
fn salt() -> String {
    B64.encode(&Keypair::generate().seed()[..16])
}

/// Who issues an SD-JWT VC, of what type, when.
#[derive(Debug, Clone, Copy)]
pub struct Issuing<'a> {
    /// The issuer's verification method (`kid`).
    pub kid: &'a str,
    /// `iss`.
    pub iss: &'a str,
    /// `vct`.
    pub vct: &'a str,
    /// `iat`, unix seconds.
    pub iat: u64,
    /// `exp`, unix seconds, if the credential expires.
    pub exp: Option<u64>,
}

/// Issues an SD-JWT VC signed by `kp` as `by` says: `claims` (an object;
/// each one named in `disclosable` becomes a disclosure, the others stay
/// in the clear), bound to the holder's key.
///
/// # Errors
/// Claims that are not an object, or that set a fixed claim.
pub fn issue(
    kp: &Keypair,
    by: &Issuing<'_>,
    holder: &AccountId,
    claims: &Value,
    disclosable: &[&str],
) -> Result<String, SdError> {
    let Issuing {
        kid,
        iss,
        vct,
        iat,
        exp,
    } = *by;
    let claims = claims
        .as_object()
        .ok_or_else(|| malformed("the claims are a JSON object"))?;
    let mut payload = Map::new();
    payload.insert("iss".into(), json!(iss));
    payload.insert("iat".into(), json!(iat));
    if let Some(e) = exp {
        payload.insert("exp".into(), json!(e));
    }
    payload.insert("vct".into(), json!(vct));
    payload.insert("cnf".into(), json!({"jwk": jwk(holder)}));
    payload.insert("_sd_alg".into(), json!("sha-256"));
    let mut digests = vec![];
    let mut disclosures = vec![];
    for (name, value) in claims {
        if FIXED.contains(&name.as_str()) || name == "..." {
            return Err(malformed(format!("the claims must not set '{name}'")));
        }
        if disclosable.contains(&name.as_str()) {
            let d = b64_json(&json!([salt(), name, value]));
            digests.push(B64.encode(sha256(d.as_bytes()).0));
            disclosures.push(d);
        } else {
            payload.insert(name.clone(), value.clone());
        }
    }
    if disclosures.len() > DISCLOSURES_MAX {
        return Err(malformed(format!("at most {DISCLOSURES_MAX} disclosures")));
    }
    digests.sort();
    payload.insert("_sd".into(), json!(digests));
    let header = json!({"alg": "EdDSA", "typ": TYP, "kid": kid});
    let mut out = jws(&header, &Value::Object(payload), kp);
    for d in &disclosures {
        out.push('~');
        out.push_str(d);
    }
    out.push('~');
    Ok(out)
}

/// The claim name of a disclosure (to choose which to reveal).
#[must_use]
pub fn disclosure_name(d: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(&B64.decode(d).ok()?).ok()?;
    v.get(1)?.as_str().map(str::to_string)
}

/// A presentation of `issued` revealing the claims named in `reveal`,
/// bound to `aud` and `nonce` with the holder's key `kp` at `iat`.
///
/// # Errors
/// An SD-JWT that does not parse.
pub fn present(
    issued: &str,
    reveal: &[&str],
    kp: &Keypair,
    aud: &str,
    nonce: &str,
    iat: u64,
) -> Result<String, SdError> {
    let mut parts = issued.split('~');
    let jwt = parts
        .next()
        .filter(|j| j.split('.').count() == 3)
        .ok_or_else(|| malformed("not an SD-JWT"))?;
    let mut out = format!("{jwt}~");
    for d in parts.filter(|d| !d.is_empty()) {
        if disclosure_name(d).is_some_and(|n| reveal.contains(&n.as_str())) {
            out.push_str(d);
            out.push('~');
        }
    }
    let sd_hash = B64.encode(sha256(out.as_bytes()).0);
    let kb = jws(
        &json!({"alg": "EdDSA", "typ": KB_TYP}),
        &json!({"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash}),
        kp,
    );
    out.push_str(&kb);
    Ok(out)
}

/// A verified presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The issuer's `kid`.
    pub kid: String,
    /// The key that signed it.
    pub issuer_key: AccountId,
    /// Every claim the verifier may read: the clear ones and the disclosed
    /// ones (without `_sd`, `_sd_alg`, `cnf`).
    pub claims: Map<String, Value>,
    /// The names of the claims disclosed.
    pub disclosed: Vec<String>,
}

/// Verifies a presentation: the issuer's signature (`key_of` resolves
/// `kid`), every disclosure's digest, and the key binding JWT for `aud` and
/// `nonce` at `now` (unix seconds).
///
/// # Errors
/// `credentials.sd_malformed`, `credentials.wrong_cryptosuite`,
/// `credentials.unknown_key`, `credentials.bad_signature`,
/// `credentials.kb_invalid`, `credentials.expired`.
pub fn verify(
    presentation: &str,
    key_of: impl Fn(&str) -> Option<AccountId>,
    aud: &str,
    nonce: &str,
    now: u64,
) -> Result<Presented, SdError> {
    if presentation.len() > PRESENTATION_BYTES_MAX {
        return Err(malformed("the presentation is larger than 64 KiB"));
    }
    let parts: Vec<&str> = presentation.trim().split('~').collect();
    if parts.len() < 2 || parts.len() > DISCLOSURES_MAX + 2 {
        return Err(malformed(
            "an SD-JWT presentation is <JWS>~<disclosures>~<key binding JWT>",
        ));
    }
    let (jwt, discs, kb) = (parts[0], &parts[1..parts.len() - 1], parts[parts.len() - 1]);
    let mut kid = String::new();
    let (header, payload, issuer_key) = open_jws(jwt, |h, _| {
        kid = h["kid"].as_str().unwrap_or_default().to_string();
        key_of(&kid).ok_or_else(|| {
            refuse(
                "credentials.unknown_key",
                format!("kid '{kid}' is not a key this verifier can resolve"),
            )
        })
    })?;
    if header["typ"] != TYP && header["typ"] != "vc+sd-jwt" {
        return Err(malformed(format!("the JWS typ must be {TYP}")));
    }
    let Value::Object(mut claims) = payload else {
        return Err(malformed("the payload is a JSON object"));
    };
    if claims.get("_sd_alg").is_some_and(|a| a != "sha-256") {
        return Err(malformed("_sd_alg must be sha-256"));
    }
    let (revealed, disclosed) = open_disclosures(&claims, discs)?;
    if claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|e| e <= now)
    {
        return Err(refuse(
            "credentials.expired",
            "the credential's exp has passed",
        ));
    }
    check_key_binding(&claims, presentation.trim(), kb, aud, nonce, now)?;
    for k in ["_sd", "_sd_alg", "cnf"] {
        claims.remove(k);
    }
    claims.extend(revealed);
    Ok(Presented {
        kid,
        issuer_key,
        claims,
        disclosed,
    })
}

/// The disclosures' claims, checked against the payload's `_sd` digests,
/// and their names.
fn open_disclosures(
    claims: &Map<String, Value>,
    discs: &[&str],
) -> Result<(Map<String, Value>, Vec<String>), SdError> {
    let digests: Vec<&str> = claims
        .get("_sd")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut disclosed = vec![];
    let mut revealed = Map::new();
    let mut seen = std::collections::BTreeSet::new();
    for d in discs {
        let digest = B64.encode(sha256(d.as_bytes()).0);
        if !digests.contains(&digest.as_str()) || !seen.insert(digest) {
            return Err(malformed(
                "a disclosure is not one the issuer signed (or appears twice)",
            ));
        }
        let arr: Vec<Value> = B64
            .decode(d)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| malformed("a disclosure is not base64url of a JSON array"))?;
        let [salt, name, value] = &arr[..] else {
            return Err(malformed("a disclosure is [salt, name, value]"));
        };
        let name = name
            .as_str()
            .filter(|n| salt.is_string() && !FIXED.contains(n) && *n != "...")
            .ok_or_else(|| malformed("a disclosure names a claim with a string salt"))?;
        if claims.contains_key(name) || revealed.contains_key(name) {
            return Err(malformed(format!(
                "claim '{name}' is disclosed over another"
            )));
        }
        revealed.insert(name.to_string(), value.clone());
        disclosed.push(name.to_string());
    }
    Ok((revealed, disclosed))
}

/// Checks the key binding JWT `kb` of `presentation` for `aud` and `nonce`
/// at `now`, against the holder's key in `claims`.
fn check_key_binding(
    claims: &Map<String, Value>,
    presentation: &str,
    kb: &str,
    aud: &str,
    nonce: &str,
    now: u64,
) -> Result<(), SdError> {
    let holder = claims
        .get("cnf")
        .and_then(|c| jwk_key(&c["jwk"]))
        .ok_or_else(|| malformed("cnf.jwk must be the holder's Ed25519 key (OKP)"))?;
    let kb_bad = |m: &str| refuse("credentials.kb_invalid", m.to_string());
    if kb.is_empty() {
        return Err(kb_bad("the presentation has no key binding JWT"));
    }
    let (kb_header, kb_payload, _) = open_jws(kb, |_, _| Ok(holder))
        .map_err(|e| kb_bad(&format!("key binding JWT: {}", e.message)))?;
    if kb_header["typ"] != KB_TYP {
        return Err(kb_bad("the key binding JWT's typ must be kb+jwt"));
    }
    if kb_payload["aud"] != aud || kb_payload["nonce"] != nonce {
        return Err(kb_bad(
            "the key binding JWT is for another audience or nonce",
        ));
    }
    let iat = kb_payload["iat"].as_u64().unwrap_or(0);
    if iat > now + KB_SKEW_S || iat + KB_AGE_MAX_S < now {
        return Err(kb_bad("the key binding JWT is too old or from the future"));
    }
    let before_kb = &presentation[..presentation.len() - kb.len()];
    if kb_payload["sd_hash"] != B64.encode(sha256(before_kb.as_bytes()).0) {
        return Err(kb_bad(
            "the key binding JWT's sd_hash is not this presentation's",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Keypair, Keypair, String) {
        let issuer = Keypair::from_seed([1; 32]);
        let holder = Keypair::from_seed([2; 32]);
        let claims = json!({"given_name": "Ana", "enrolled_at": "university", "year": 2027, "age_over_18": true});
        let by = Issuing {
            kid: "did:publica:issuer#key-1",
            iss: "did:publica:university",
            vct: "urn:publica:vct:enrolment",
            iat: 1_000,
            exp: None,
        };
        let sd = issue(
            &issuer,
            &by,
            &holder.account(),
            &claims,
            &["given_name", "enrolled_at", "year", "age_over_18"],
        )
        .unwrap();
        (issuer, holder, sd)
    }

    #[test]
    fn a_holder_reveals_only_what_it_chooses_and_only_to_its_verifier() {
        let (issuer, holder, sd) = setup();
        let key = issuer.account();
        let keys = |k: &str| (k == "did:publica:issuer#key-1").then_some(key);
        let p = present(
            &sd,
            &["enrolled_at", "age_over_18"],
            &holder,
            "employer",
            "n-1",
            1_100,
        )
        .unwrap();
        let v = verify(&p, keys, "employer", "n-1", 1_200).unwrap();
        assert_eq!(v.claims["enrolled_at"], "university");
        assert_eq!(v.claims["age_over_18"], true);
        assert!(!v.claims.contains_key("given_name") && !v.claims.contains_key("year"));
        assert!(
            !p.contains("Ana"),
            "an undisclosed claim is nowhere in the presentation"
        );
        // Another audience or nonce, late, unknown key.
        let code = |r: Result<Presented, SdError>| r.unwrap_err().code;
        assert_eq!(
            code(verify(&p, keys, "other", "n-1", 1_200)),
            "credentials.kb_invalid"
        );
        assert_eq!(
            code(verify(&p, keys, "employer", "n-2", 1_200)),
            "credentials.kb_invalid"
        );
        assert_eq!(
            code(verify(
                &p,
                keys,
                "employer",
                "n-1",
                1_100 + KB_AGE_MAX_S + 1
            )),
            "credentials.kb_invalid"
        );
        assert_eq!(
            code(verify(&p, |_| None, "employer", "n-1", 1_200)),
            "credentials.unknown_key"
        );
        // A disclosure added after the key binding, or dropped, breaks sd_hash.
        let parts: Vec<&str> = p.split('~').collect();
        let dropped = format!("{}~{}~{}", parts[0], parts[1], parts[3]);
        assert_eq!(
            code(verify(&dropped, keys, "employer", "n-1", 1_200)),
            "credentials.kb_invalid"
        );
        // A forged disclosure, a changed payload, no key binding.
        let forged = b64_json(&json!(["salt", "year", 1999]));
        let with_forged = format!("{}~{forged}~{}~{}", parts[0], parts[1], parts[3]);
        assert_eq!(
            code(verify(&with_forged, keys, "employer", "n-1", 1_200)),
            "credentials.sd_malformed"
        );
        let jwt: Vec<&str> = parts[0].split('.').collect();
        let changed = format!(
            "{}.{}.{}",
            jwt[0],
            b64_json(&json!({"iss": "did:publica:evil"})),
            jwt[2]
        );
        let changed = p.replacen(parts[0], &changed, 1);
        assert_eq!(
            code(verify(&changed, keys, "employer", "n-1", 1_200)),
            "credentials.bad_signature"
        );
        let unbound = format!("{}~{}~", parts[0], parts[1]);
        assert_eq!(
            code(verify(&unbound, keys, "employer", "n-1", 1_200)),
            "credentials.kb_invalid"
        );
        // Another holder's key cannot bind it.
        let thief = Keypair::from_seed([3; 32]);
        let stolen = present(&sd, &["enrolled_at"], &thief, "employer", "n-1", 1_100).unwrap();
        assert_eq!(
            code(verify(&stolen, keys, "employer", "n-1", 1_200)),
            "credentials.kb_invalid"
        );
        assert_eq!(
            code(verify("garbage", keys, "a", "b", 1)),
            "credentials.sd_malformed"
        );
    }

    #[test]
    fn fixed_claims_cannot_be_disclosures() {
        let issuer = Keypair::from_seed([1; 32]);
        let by = Issuing {
            kid: "k",
            iss: "i",
            vct: "v",
            iat: 1,
            exp: None,
        };
        let r = issue(&issuer, &by, &issuer.account(), &json!({"iss": "x"}), &[]);
        assert_eq!(r.unwrap_err().code, "credentials.sd_malformed");
    }
}
