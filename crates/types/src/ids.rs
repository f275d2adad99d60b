//! Fixed-size identifiers, written as lowercase hex in JSON.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Why a hex identifier could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected {expected_bytes} bytes as {} lowercase hex characters", expected_bytes * 2)]
pub struct HexError {
    /// How many bytes the identifier has.
    pub expected_bytes: usize,
}

/// Each byte's value as a lowercase hex digit, or `NOT_HEX`.
const NOT_HEX: u8 = 0xFF;
const LOWER_HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let digits = b"0123456789abcdef";
    let mut i = 0;
    while i < 16 {
        t[digits[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let err = HexError { expected_bytes: N };
    if s.len() != N * 2 {
        return Err(err);
    }
    let mut out = [0u8; N];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        let (hi, lo) = (
            LOWER_HEX[usize::from(pair[0])],
            LOWER_HEX[usize::from(pair[1])],
        );
        // NOT_HEX has its high bit set; digits never do.
        bad |= hi | lo;
        *o = hi << 4 | lo;
    }
    if bad & 0x80 != 0 {
        return Err(err);
    }
    Ok(out)
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
            /// Lowercase hex, the form used in JSON and URLs.
            pub fn to_hex(&self) -> String {
                self.with_hex(str::to_owned)
            }

            /// Runs `f` on the lowercase hex, written on the stack (ids
            /// are encoded for every transaction, event and receipt).
            fn with_hex<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                let mut buf = [0u8; 2 * $len];
                hex::encode_to_slice(self.0, &mut buf).expect("the buffer is twice the length");
                f(std::str::from_utf8(&buf).expect("hex digits are ASCII"))
            }
        }

        impl FromStr for $name {
            type Err = HexError;
            fn from_str(s: &str) -> Result<Self, HexError> {
                parse_hex::<$len>(s).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.with_hex(|h| f.write_str(h))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.with_hex(|h| s.serialize_str(h))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// A SHA-256 digest: block hashes, transaction ids, Merkle roots.
    Hash32,
    32
);
hex_id!(
    /// An account: the 32-byte Ed25519 public key that signs for it.
    AccountId,
    32
);
hex_id!(
    /// An Ed25519 signature (R || S).
    SignatureBytes,
    64
);

impl Hash32 {
    /// The all-zero digest, used as the parent of the first block.
    pub const ZERO: Hash32 = Hash32([0u8; 32]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejects_uppercase_and_wrong_length() {
        let h = Hash32([0xab; 32]);
        let s = h.to_hex();
        assert_eq!(s.parse::<Hash32>().unwrap(), h);
        assert!(s.to_uppercase().parse::<Hash32>().is_err());
        assert!(s[2..].parse::<Hash32>().is_err());
        assert!("zz".repeat(32).parse::<Hash32>().is_err());
    }

    proptest::proptest! {
        /// The table decoder takes exactly the lowercase hex that the
        /// `hex` crate decodes, to the same bytes.
        #[test]
        fn parses_exactly_lowercase_hex(
            s in "[0-9a-fA-Fgz\\u{e9}\\u{ff10}]{0,6}",
        ) {
            let lower = s.bytes().all(|b| !b.is_ascii_uppercase());
            let expected = hex::decode(&s)
                .ok()
                .filter(|b| lower && b.len() == 2)
                .map(|b| [b[0], b[1]]);
            proptest::prop_assert_eq!(parse_hex::<2>(&s).ok(), expected);
        }
    }
}
