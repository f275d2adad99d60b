//! The signed transaction: `{body, signer, signature}`.
//!
//! Signing bytes are `"publica/tx/v1\n" || chain_id || "\n" || JCS(body)`;
//! see `docs/transactions.md`.

use crate::canonical::{self, CanonicalError, MAX_SAFE_INTEGER};
use crate::codes;
use crate::error::TxError;
use crate::ids::{AccountId, SignatureBytes};
use crate::limits;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The first line of the domain tag prefixed to every signed body.
pub const TX_DOMAIN_TAG: &[u8] = b"publica/tx/v1\n";

/// When a transaction stops being valid. It is rejected at admission, and
/// fails in a block, once the chain has passed that point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Expiry {
    /// Valid in blocks with height <= this.
    Height(u64),
    /// Valid in blocks whose time (ms since the Unix epoch) is <= this.
    UnixMs(u64),
}

impl Expiry {
    /// True when a block at `height` and `time_ms` may no longer include it.
    pub fn has_passed(&self, height: u64, time_ms: u64) -> bool {
        match *self {
            Expiry::Height(h) => height > h,
            Expiry::UnixMs(t) => time_ms > t,
        }
    }
}

/// One module call: which module, which method, and its arguments.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Arguments; each method documents its own schema.
    pub args: Value,
    /// Method name, e.g. `set_note`.
    pub method: String,
    /// Module name, e.g. `system`.
    pub module: String,
}

/// What the signer signs.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxBody {
    /// The module call.
    pub call: Call,
    /// The chain this transaction is for; guards against cross-chain replay.
    pub chain_id: String,
    /// When the transaction expires.
    pub expiry: Expiry,
    /// The signer's nonce: the first is 1, each next one exactly one more.
    pub nonce: u64,
}

/// A signed transaction as submitted, stored in blocks and served back.
///
/// Fields are declared in canonical (JCS) order, so canonical JSON is
/// written without reordering them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// What was signed.
    pub body: TxBody,
    /// Ed25519 signature over [`TxBody::signing_bytes`].
    pub signature: SignatureBytes,
    /// The signer's account (its Ed25519 public key).
    pub signer: AccountId,
}

impl Envelope {
    /// The envelope's canonical JSON, from `signing_bytes`, its body's
    /// [`TxBody::signing_bytes`]: the body's canonical JSON is their tail,
    /// and the envelope's members in canonical order are `body`,
    /// `signature`, `signer`. Same bytes as canonicalizing the envelope,
    /// without walking the body again.
    pub fn canonical_from_signing_bytes(&self, signing_bytes: &[u8]) -> Vec<u8> {
        let body = &signing_bytes[TX_DOMAIN_TAG.len() + self.body.chain_id.len() + 1..];
        let signature =
            canonical::canonicalize(&self.signature).expect("a signature is a hex string");
        let signer = canonical::canonicalize(&self.signer).expect("an account is a hex string");
        let mut out = Vec::with_capacity(body.len() + signature.len() + signer.len() + 35);
        out.extend_from_slice(b"{\"body\":");
        out.extend_from_slice(body);
        out.extend_from_slice(b",\"signature\":");
        out.extend_from_slice(&signature);
        out.extend_from_slice(b",\"signer\":");
        out.extend_from_slice(&signer);
        out.push(b'}');
        debug_assert_eq!(
            Ok(&out),
            canonical::canonicalize(self).as_ref(),
            "signing bytes of another body"
        );
        out
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= limits::CALL_NAME_BYTES_MAX
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl TxBody {
    /// A body calling `module.method(args)`.
    pub fn new(
        chain_id: impl Into<String>,
        nonce: u64,
        expiry: Expiry,
        module: &str,
        method: &str,
        args: Value,
    ) -> TxBody {
        TxBody {
            chain_id: chain_id.into(),
            nonce,
            expiry,
            call: Call {
                module: module.into(),
                method: method.into(),
                args,
            },
        }
    }

    /// Checks the limits that do not depend on the chain's state.
    pub fn validate_shape(&self) -> Result<(), TxError> {
        let id = &self.chain_id;
        if id.is_empty()
            || id.len() > limits::CHAIN_ID_BYTES_MAX
            || !id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(TxError::new(
                codes::TX_FIELD_INVALID,
                format!(
                    "chain_id must be 1..={} printable ASCII characters",
                    limits::CHAIN_ID_BYTES_MAX
                ),
            ));
        }
        let bound = match self.expiry {
            Expiry::Height(v) | Expiry::UnixMs(v) => v,
        };
        if self.nonce > MAX_SAFE_INTEGER || bound > MAX_SAFE_INTEGER {
            return Err(not_canonical());
        }
        if self.nonce == 0 {
            return Err(nonce_out_of_range());
        }
        if !is_name(&self.call.module) || !is_name(&self.call.method) {
            return Err(TxError::new(
                codes::TX_FIELD_INVALID,
                format!(
                    "call.module and call.method must be 1..={} characters of [a-z0-9_]",
                    limits::CALL_NAME_BYTES_MAX
                ),
            ));
        }
        Ok(())
    }

    /// The bytes the signer signs: domain tag, chain id, newline, JCS(body).
    pub fn signing_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        let jcs = canonical::canonicalize(self)?;
        let mut out = Vec::with_capacity(TX_DOMAIN_TAG.len() + self.chain_id.len() + 1 + jcs.len());
        out.extend_from_slice(TX_DOMAIN_TAG);
        out.extend_from_slice(self.chain_id.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&jcs);
        Ok(out)
    }
}

/// A number the canonical form cannot hold.
fn not_canonical() -> TxError {
    TxError::new(
        codes::TX_NOT_CANONICAL,
        "numbers are integers of magnitude at most 2^53-1 (amounts are decimal strings)",
    )
}

fn nonce_out_of_range() -> TxError {
    TxError::new(
        codes::TX_FIELD_INVALID,
        "nonce must be between 1 and 2^53-1",
    )
}

/// The one rule for numbers in an envelope: a number JSON's canonical form
/// cannot hold (a fraction, an exponent, or an integer beyond ±(2^53−1))
/// is `tx.not_canonical` wherever it is; an integer outside a field's
/// range (a nonce of 0 or −1) is that field's `tx.field_invalid`. Checked
/// when a typed parse has failed, to name the failure by this rule.
fn number_rule(value: &Value) -> Option<TxError> {
    fn canonical(v: &Value) -> bool {
        match v {
            Value::Number(n) => n
                .as_i64()
                .map(i64::unsigned_abs)
                .or_else(|| n.as_u64())
                .is_some_and(|m| m <= MAX_SAFE_INTEGER),
            Value::Array(items) => items.iter().all(canonical),
            Value::Object(members) => members.values().all(canonical),
            _ => true,
        }
    }
    if !canonical(value) {
        return Some(not_canonical());
    }
    value["body"]["nonce"]
        .as_i64()
        .filter(|n| *n < 1)
        .map(|_| nonce_out_of_range())
}

/// Parses an envelope from JSON, telling apart malformed JSON, unknown fields,
/// numbers without a canonical form and other shape errors, each with its
/// own code.
pub fn parse_envelope(value: Value) -> Result<Envelope, TxError> {
    if let Some(e) = number_rule(&value) {
        return Err(e);
    }
    serde_json::from_value::<Envelope>(value).map_err(classify_serde_error)
}

/// Parses an envelope from its JSON text, with the codes of
/// [`parse_envelope`].
pub fn parse_envelope_text(text: &str) -> Result<Envelope, TxError> {
    serde_json::from_str::<Envelope>(text).map_err(|e| {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| number_rule(&v))
            .unwrap_or_else(|| classify_serde_error(e))
    })
}

/// One envelope's JSON text, syntax already checked (an item of a batch),
/// parsed with the codes of [`parse_envelope`]. The size limit applies to
/// its compact form, whatever spaces it was sent with; the text is only
/// re-encoded when it is over the limit.
pub fn parse_envelope_raw(raw: &serde_json::value::RawValue) -> Result<Envelope, TxError> {
    let text = raw.get();
    let too_large = text.len() > crate::limits::TX_BYTES_MAX
        && serde_json::from_str::<Value>(text)
            .and_then(|v| serde_json::to_vec(&v))
            .map_or(true, |compact| compact.len() > crate::limits::TX_BYTES_MAX);
    if too_large {
        return Err(TxError::new(
            codes::TX_TOO_LARGE,
            format!(
                "a transaction is at most {} bytes",
                crate::limits::TX_BYTES_MAX
            ),
        ));
    }
    parse_envelope_text(text)
}

/// Why a batch body was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// The body is not JSON at all.
    NotJson(String),
    /// It is JSON, but not `{"transactions": [...]}`.
    NotABatch(String),
    /// It holds no transaction, or more than [`crate::limits::BATCH_TXS_MAX`].
    Size(usize),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch<'a> {
    #[serde(borrow)]
    transactions: Vec<&'a serde_json::value::RawValue>,
}

/// The items of a batch body `{"transactions": [...]}`, each kept as its
/// text, syntax checked, for [`parse_envelope_raw`]: a bad item is that
/// item's error, not the batch's.
pub fn batch_items(bytes: &[u8]) -> Result<Vec<&serde_json::value::RawValue>, BatchError> {
    let batch: RawBatch = match serde_json::from_slice(bytes) {
        Ok(batch) => batch,
        Err(e) => {
            // A body that is not JSON at all is told so first.
            if let Err(not_json) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                return Err(BatchError::NotJson(not_json.to_string()));
            }
            return Err(BatchError::NotABatch(e.to_string()));
        }
    };
    let n = batch.transactions.len();
    if n == 0 || n > crate::limits::BATCH_TXS_MAX {
        return Err(BatchError::Size(n));
    }
    Ok(batch.transactions)
}

/// Maps a serde error on an envelope to a stable code.
pub fn classify_serde_error(e: serde_json::Error) -> TxError {
    let msg = e.to_string();
    if msg.contains("unknown field") || msg.contains("unknown variant") {
        TxError::new(codes::TX_UNKNOWN_FIELD, msg)
    } else {
        TxError::new(codes::TX_MALFORMED, msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_one_rule() {
        let text = |nonce: &str| {
            format!(
                "{{\"body\":{{\"call\":{{\"args\":{{}},\"method\":\"m\",\"module\":\"system\"}},\"chain_id\":\"c\",\"expiry\":{{\"height\":100}},\"nonce\":{nonce}}},\"signer\":\"{}\",\"signature\":\"{}\"}}",
                "11".repeat(32),
                "22".repeat(64)
            )
        };
        let code = |nonce: &str| {
            parse_envelope_text(&text(nonce))
                .and_then(|e| e.body.validate_shape().map(|()| e))
                .err()
                .map(|e| e.code)
        };
        // Out of the field's range: the field's code.
        assert_eq!(code("-1").as_deref(), Some(codes::TX_FIELD_INVALID));
        assert_eq!(code("0").as_deref(), Some(codes::TX_FIELD_INVALID));
        // No canonical form: not_canonical, however it fails to parse.
        for n in [
            "9007199254740992",
            "18446744073709551617",
            "1.5",
            "1e3",
            "-9007199254740993",
        ] {
            assert_eq!(code(n).as_deref(), Some(codes::TX_NOT_CANONICAL), "{n}");
        }
        assert_eq!(code("9007199254740991"), None);
        // The same from a parsed value (receipts, the CLI).
        let v: Value = serde_json::from_str(&text("1.5")).unwrap();
        assert_eq!(parse_envelope(v).unwrap_err().code, codes::TX_NOT_CANONICAL);
        // Elsewhere in the body too.
        let big = text("1").replace("\"args\":{}", "\"args\":{\"n\":[1, 2.5]}");
        assert_eq!(
            parse_envelope_text(&big).map(|_| ()).err().map(|e| e.code),
            None,
            "args are checked when signed"
        );
    }

    fn body() -> Value {
        json!({
            "chain_id": "publica-dev",
            "nonce": 1,
            "expiry": {"height": 100},
            "call": {"module": "system", "method": "set_note", "args": {"note": "hi"}}
        })
    }

    fn envelope(body: Value) -> Value {
        json!({"body": body, "signer": "00".repeat(32), "signature": "11".repeat(64)})
    }

    #[test]
    fn parses_and_classifies_errors() {
        let env = parse_envelope(envelope(body())).unwrap();
        assert_eq!(env.body.expiry, Expiry::Height(100));
        assert_eq!(
            parse_envelope_text(&envelope(body()).to_string()).unwrap(),
            env
        );
        let with_body = |field: &str, v: Value| {
            let mut b = body();
            b[field] = v;
            envelope(b)
        };
        let mut bad_signer = envelope(body());
        bad_signer["signer"] = json!("abc");
        for (what, e, code) in [
            (
                "an unknown field",
                with_body("extra", json!(1)),
                codes::TX_UNKNOWN_FIELD,
            ),
            (
                "a nonce as a string",
                with_body("nonce", json!("1")),
                codes::TX_MALFORMED,
            ),
            (
                "a float nonce (no canonical form)",
                with_body("nonce", json!(1.5)),
                codes::TX_NOT_CANONICAL,
            ),
            ("a signer that is not hex", bad_signer, codes::TX_MALFORMED),
        ] {
            // From a value and from text, the same verdict and code.
            let text = e.to_string();
            assert_eq!(parse_envelope(e).unwrap_err().code, code, "{what}");
            assert_eq!(parse_envelope_text(&text).unwrap_err().code, code, "{what}");
        }
    }

    #[test]
    fn canonical_from_signing_bytes_is_the_envelopes_canonical_json() {
        for args in [
            json!({"note": "hi"}),
            json!({"z": [1, {"b": "é\u{1}", "a": null}], "a": "x"}),
            json!({}),
        ] {
            let mut v = envelope(body());
            v["body"]["call"]["args"] = args;
            v["body"]["chain_id"] = json!("chain-ü");
            let env = parse_envelope(v).unwrap();
            let bytes = env.body.signing_bytes().unwrap();
            assert_eq!(
                env.canonical_from_signing_bytes(&bytes),
                canonical::canonicalize(&env).unwrap()
            );
        }
    }

    #[test]
    fn signing_bytes_are_tag_chain_and_jcs() {
        let env = parse_envelope(envelope(body())).unwrap();
        let bytes = env.body.signing_bytes().unwrap();
        let expected = "publica/tx/v1\npublica-dev\n{\"call\":{\"args\":{\"note\":\"hi\"},\"method\":\"set_note\",\"module\":\"system\"},\"chain_id\":\"publica-dev\",\"expiry\":{\"height\":100},\"nonce\":1}";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn shape_limits() {
        let mut env = parse_envelope(envelope(body())).unwrap();
        assert!(env.body.validate_shape().is_ok());
        env.body.call.module = "System".into();
        assert!(env.body.validate_shape().is_err());
        let mut env = parse_envelope(envelope(body())).unwrap();
        env.body.nonce = 0;
        assert!(env.body.validate_shape().is_err());
        env.body.nonce = 1;
        env.body.chain_id = "x".repeat(65);
        assert!(env.body.validate_shape().is_err());
    }
}

/// A transaction that passed admission: its signature verified and its id
/// computed. Only admission constructs these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    /// The signed transaction.
    pub envelope: Envelope,
    /// Its id (see `publica_crypto::tx_id`).
    pub id: crate::Hash32,
    /// Its body's [`TxBody::signing_bytes`], as verified; block assembly
    /// builds the envelope's canonical JSON from them.
    pub signing_bytes: Vec<u8>,
}
