//! The `signature` of a G2P Connect message (served by `publica g2p
//! serve`, docs/g2p.md): Publica's profile of the
//! standard's `MsgSignature` ("signature of {header}+{message} verified using
//! the sender's signing public key", Ed25519).
//!
//! ```text
//! Signature: namespace="g2p", kidId="<sender_id>|<key_id>|ed25519", algorithm="ed25519",
//!   created="<unix seconds>", expires="<unix seconds>",
//!   headers="(created) (expires) digest", signature="<base64 Ed25519 signature>"
//! ```
//!
//! The signed string is three lines, as in the HTTP-signature drafts the
//! standard's example follows:
//!
//! ```text
//! (created): <created>
//! (expires): <expires>
//! digest: SHA-256=<base64 of SHA-256(JCS(header) ‖ JCS(message))>
//! ```
//!
//! JCS is RFC 8785. A signature is valid for at most [`VALIDITY_MAX_S`]
//! seconds and may be created up to [`SKEW_S`] seconds in the future.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_crypto::{sha256, Keypair};
use publica_types::canonical::to_canonical_bytes;
use publica_types::{AccountId, SignatureBytes};
use serde_json::Value;

/// Longest a signature may be valid: one hour.
pub const VALIDITY_MAX_S: u64 = 3_600;
/// How far in the future `created` may be: clocks differ.
pub const SKEW_S: u64 = 300;
/// Longest `signature` member read.
const SIGNATURE_CHARS_MAX: usize = 2_048;
/// The only `headers` signed.
const HEADERS: &str = "(created) (expires) digest";

/// Why a message's signature is refused: the standard's error code and a
/// sentence.
pub type Refused = (&'static str, String);

/// A sender id that can stand in a signature's `kidId`: 1..=99 of
/// letters, digits and `._:@-` (no quote, comma or `|`, which would let an
/// id read as another parameter).
#[must_use]
pub fn valid_sender_id(id: &str) -> bool {
    (1..=99).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:@-".contains(&b))
}

/// The string signed for a message with this header and body.
fn signing_string(header: &Value, message: &Value, created: u64, expires: u64) -> Option<String> {
    let mut body = to_canonical_bytes(header).ok()?;
    body.extend(to_canonical_bytes(message).ok()?);
    let digest = B64.encode(sha256(&body).0);
    Some(format!(
        "(created): {created}\n(expires): {expires}\ndigest: SHA-256={digest}"
    ))
}

/// The `signature` member for `header` + `message`, signed by `kp` as
/// `sender_id`, valid from `created` for `valid_s` seconds.
#[must_use]
pub fn sign(
    kp: &Keypair,
    sender_id: &str,
    header: &Value,
    message: &Value,
    created: u64,
    valid_s: u64,
) -> String {
    let expires = created + valid_s;
    let text = signing_string(header, message, created, expires).unwrap_or_default();
    let sig = B64.encode(kp.sign(text.as_bytes()).0);
    format!(
        "Signature: namespace=\"g2p\", kidId=\"{sender_id}|{}|ed25519\", algorithm=\"ed25519\", \
         created=\"{created}\", expires=\"{expires}\", headers=\"{HEADERS}\", signature=\"{sig}\"",
        kp.account()
    )
}

/// The `name="value"` pairs of a signature member, in order.
fn pairs(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut rest = text.trim();
    rest = rest.strip_prefix("Signature:").unwrap_or(rest).trim_start();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"")?;
        let (value, after) = after.split_once('"')?;
        out.push((name.trim(), value));
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some(out)
}

/// Checks the `signature` of `body` (`{signature, header, message}`):
/// made by `sender_id`'s registered key (`key_of`), over this header and
/// message, and valid at `now` (unix seconds).
///
/// # Errors
/// `err.signature.missing` or `err.signature.invalid`, with a sentence.
pub fn verify(
    body: &Value,
    sender_id: &str,
    key_of: impl Fn(&str) -> Option<AccountId>,
    now: u64,
) -> Result<(), Refused> {
    let bad = |why: &str| ("err.signature.invalid", why.to_string());
    if !valid_sender_id(sender_id) {
        return Err((
            "err.sender_id.invalid",
            "header.sender_id is 1..=99 of letters, digits and ._:@-".to_string(),
        ));
    }
    let text = body["signature"].as_str().ok_or((
        "err.signature.missing",
        "the message must carry a signature (docs/g2p.md, \"Signatures\")".to_string(),
    ))?;
    if text.len() > SIGNATURE_CHARS_MAX {
        return Err(bad("the signature is too long"));
    }
    let pairs = pairs(text).ok_or_else(|| bad("the signature is not name=\"value\" pairs"))?;
    let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    if get("namespace").is_some_and(|n| n != "g2p") {
        return Err(bad("the signature's namespace must be g2p"));
    }
    if get("algorithm") != Some("ed25519") || get("headers") != Some(HEADERS) {
        return Err(bad(
            "the signature must be algorithm=\"ed25519\" over headers=\"(created) (expires) digest\"",
        ));
    }
    let kid: Vec<&str> = get("kidId").unwrap_or_default().split('|').collect();
    if kid.len() != 3 || kid[0] != sender_id || kid[2] != "ed25519" {
        return Err(bad(
            "the signature's kidId must be \"<header.sender_id>|<key id>|ed25519\"",
        ));
    }
    let key = key_of(sender_id).ok_or((
        "err.sender_id.invalid",
        format!("sender '{sender_id}' is not registered with this gateway"),
    ))?;
    let time = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    let (Some(created), Some(expires)) = (time("created"), time("expires")) else {
        return Err(bad(
            "the signature's created and expires must be unix seconds",
        ));
    };
    if created > now + SKEW_S || expires <= now {
        return Err(bad("the signature is not valid now (created/expires)"));
    }
    if expires < created || expires - created > VALIDITY_MAX_S {
        return Err(bad("a signature may be valid for at most one hour"));
    }
    let sig: [u8; 64] = get("signature")
        .and_then(|s| B64.decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("the signature is not 64 bytes of base64"))?;
    let text = signing_string(&body["header"], &body["message"], created, expires)
        .ok_or_else(|| bad("the header or message cannot be canonicalised (RFC 8785)"))?;
    publica_crypto::verify(&key, text.as_bytes(), &SignatureBytes(sig))
        .map_err(|_| bad("the signature does not verify with the sender's key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(kp: &Keypair, sender: &str, created: u64, valid: u64) -> Value {
        let header = json!({"message_id": "m1", "action": "disburse", "sender_id": sender});
        let message = json!({"transaction_id": "T-1", "note": "é ünïcode"});
        let signature = sign(kp, sender, &header, &message, created, valid);
        json!({"signature": signature, "header": header, "message": message})
    }

    #[test]
    fn a_signature_verifies_only_for_its_sender_message_and_time() {
        let kp = Keypair::from_seed([7; 32]);
        let key = kp.account();
        let keys = |s: &str| (s == "registry").then_some(key);
        let b = body(&kp, "registry", 1_000, 600);
        assert_eq!(verify(&b, "registry", keys, 1_100), Ok(()));
        // Expired, not yet valid, valid too long.
        assert_eq!(
            verify(&b, "registry", keys, 1_600).unwrap_err().0,
            "err.signature.invalid"
        );
        assert!(verify(&body(&kp, "registry", 2_000, 600), "registry", keys, 1_000).is_err());
        assert!(verify(
            &body(&kp, "registry", 1_000, 7_200),
            "registry",
            keys,
            1_100
        )
        .is_err());
        // Another message, another sender, another key.
        let mut t = b.clone();
        t["message"]["transaction_id"] = json!("T-2");
        assert!(verify(&t, "registry", keys, 1_100).is_err());
        assert_eq!(
            verify(&b, "other", |_| Some(key), 1_100).unwrap_err().0,
            "err.signature.invalid"
        );
        let other = body(&Keypair::from_seed([8; 32]), "registry", 1_000, 600);
        assert!(verify(&other, "registry", keys, 1_100).is_err());
        // An unregistered sender; no signature at all.
        let stranger = body(&kp, "stranger", 1_000, 600);
        assert_eq!(
            verify(&stranger, "stranger", keys, 1_100).unwrap_err().0,
            "err.sender_id.invalid"
        );
        let mut none = b;
        none.as_object_mut().unwrap().remove("signature");
        assert_eq!(
            verify(&none, "registry", keys, 1_100).unwrap_err().0,
            "err.signature.missing"
        );
    }

    #[test]
    fn malformed_signatures_are_refused_with_a_reason() {
        let keys = |_: &str| Some(Keypair::from_seed([7; 32]).account());
        for text in [
            "garbage",
            "Signature: algorithm=\"rsa\"",
            "kidId=\"registry|k|ed25519\", algorithm=\"ed25519\", headers=\"(created) (expires) digest\", created=\"x\", expires=\"1\", signature=\"\"",
        ] {
            let b = json!({"signature": text, "header": {}, "message": {}});
            let (code, why) = verify(&b, "registry", keys, 10).unwrap_err();
            assert_eq!(code, "err.signature.invalid");
            assert!(!why.is_empty());
        }
        let long = json!({"signature": "a".repeat(5_000), "header": {}, "message": {}});
        assert!(verify(&long, "registry", keys, 10).is_err());
        // A sender id that would read as more parameters (found by the fuzzer).
        let kp = Keypair::from_seed([7; 32]);
        let sneaky = "reg\", kidId=\"other";
        let b = body(&kp, sneaky, 1_000, 600);
        assert_eq!(
            verify(&b, sneaky, keys, 1_100).unwrap_err().0,
            "err.sender_id.invalid"
        );
        assert!(valid_sender_id("spmis.city") && !valid_sender_id("a|b") && !valid_sender_id(""));
    }
}
