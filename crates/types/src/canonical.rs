//! RFC 8785 JSON Canonicalization Scheme (JCS), restricted to the JSON that
//! Publica signs.
//!
//! Publica never signs floating-point numbers: every number in a signed body
//! must be an integer with magnitude at most 2^53 - 1, for which the
//! ECMAScript number serialisation that JCS prescribes is the plain decimal
//! form. Larger values (amounts) travel as decimal strings. A non-integer or
//! out-of-range number is an error here instead of a silent re-encoding.

use serde::Serialize;
use serde_json::Value;

/// The largest integer that JSON numbers carry exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value has no canonical form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number that is not an integer within +/- (2^53 - 1).
    #[error(
        "number {0} is not an integer within +/-(2^53-1); send large amounts as decimal strings"
    )]
    UnsafeNumber(String),
    /// The value could not be turned into JSON at all.
    #[error("value is not representable as JSON: {0}")]
    NotJson(String),
}

/// Canonical JSON bytes of a JSON value.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Canonical JSON bytes of any serialisable value.
pub fn canonicalize<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let v = serde_json::to_value(value).map_err(|e| CanonicalError::NotJson(e.to_string()))?;
    to_canonical_bytes(&v)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::UnsafeNumber(n.to_string()));
                }
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::UnsafeNumber(n.to_string()));
                }
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(CanonicalError::UnsafeNumber(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // JCS orders members by the UTF-16 code units of their names.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_value(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_canonical_bytes(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorts_members_by_utf16_code_units() {
        // RFC 8785 section 3.2.3 sorting example (keys only).
        let v = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{0080}": "Control",
            "\u{00f6}": "Latin Small Letter O With Diaeresis"
        });
        let keys_in_order: Vec<&str> = vec![
            "\r",
            "1",
            "\u{0080}",
            "\u{00f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let s = canon(v);
        let mut last = 0;
        for k in keys_in_order {
            let needle = String::from_utf8(to_canonical_bytes(&json!(k)).unwrap()).unwrap();
            let pos = s.find(&format!("{needle}:")).unwrap();
            assert!(pos >= last, "{k:?} out of order in {s}");
            last = pos;
        }
    }

    #[test]
    fn escapes_like_ecmascript() {
        assert_eq!(
            canon(json!("a\"b\\c\u{1}\u{1f}\n\u{7f}é")),
            "\"a\\\"b\\\\c\\u0001\\u001f\\n\u{7f}é\""
        );
        assert_eq!(
            canon(json!({"b": [1, -2, true, null], "a": {}})),
            "{\"a\":{},\"b\":[1,-2,true,null]}"
        );
    }

    #[test]
    fn rejects_floats_and_unsafe_integers() {
        assert!(to_canonical_bytes(&json!(1.5)).is_err());
        assert!(to_canonical_bytes(&json!(MAX_SAFE_INTEGER + 1)).is_err());
        assert!(to_canonical_bytes(&json!(-(MAX_SAFE_INTEGER as i64) - 1)).is_err());
        assert_eq!(canon(json!(MAX_SAFE_INTEGER)), "9007199254740991");
    }
}
