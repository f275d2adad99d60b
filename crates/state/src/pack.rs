//! How a leaf stores its key and value: runs of lowercase hex digits (ids,
//! public keys, hashes: much of a ledger's keys and values) packed two
//! digits to a byte. A money account's record carries its owner's 64-digit
//! key, a nonce's key its signer's: packed, both fit an allocation one size
//! class smaller. Only memory changes: keys, values, hashes and proofs are
//! those of the plain bytes.
//!
//! Format: plain bytes as they are, except `0xFF` (which UTF-8 text never
//! contains): `0xFF 0x00` is a literal `0xFF`, and `0xFF n` (n >= 1) is
//! followed by `n` bytes, `2n` hex digits.

use std::borrow::Cow;

const ESC: u8 = 0xFF;
/// Shorter runs stay as they are (amounts, heights, short ids).
const RUN_MIN: usize = 32;
/// Longest run one escape holds (255 bytes).
const RUN_MAX: usize = 510;
const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Each byte's hex value, or `NOT_HEX`.
const NOT_HEX: u8 = 0xFF;
const HEX_VALUE: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        t[DIGITS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Appends `plain`, packed, to `out`.
pub(crate) fn pack(plain: &[u8], out: &mut Vec<u8>) {
    out.reserve(plain.len());
    let mut i = 0;
    while i < plain.len() {
        // Bytes that are neither hex digits nor the escape go as they are.
        let copy = plain[i..]
            .iter()
            .take_while(|&&c| HEX_VALUE[usize::from(c)] == NOT_HEX && c != ESC)
            .count();
        out.extend_from_slice(&plain[i..i + copy]);
        i += copy;
        let Some(&b) = plain.get(i) else {
            break;
        };
        if b == ESC {
            out.extend_from_slice(&[ESC, 0]);
            i += 1;
            continue;
        }
        let run = plain[i..]
            .iter()
            .take(RUN_MAX)
            .take_while(|&&c| HEX_VALUE[usize::from(c)] != NOT_HEX)
            .count();
        if run < RUN_MIN {
            // Not a long run: copy it as it is.
            out.extend_from_slice(&plain[i..i + run]);
            i += run;
            continue;
        }
        let n = run / 2;
        out.push(ESC);
        out.push(n as u8);
        out.extend(
            plain[i..i + 2 * n]
                .chunks_exact(2)
                .map(|pair| HEX_VALUE[usize::from(pair[0])] << 4 | HEX_VALUE[usize::from(pair[1])]),
        );
        i += 2 * n;
    }
}

/// Appends the plain bytes of `packed` to `out`.
fn unpack_into(packed: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < packed.len() {
        let plain = packed[i..]
            .iter()
            .position(|&b| b == ESC)
            .unwrap_or(packed.len() - i);
        out.extend_from_slice(&packed[i..i + plain]);
        i += plain;
        if i == packed.len() {
            break;
        }
        let n = packed[i + 1] as usize;
        if n == 0 {
            out.push(ESC);
        } else {
            for &p in &packed[i + 2..i + 2 + n] {
                out.extend_from_slice(&[DIGITS[(p >> 4) as usize], DIGITS[(p & 15) as usize]]);
            }
        }
        i += 2 + n;
    }
}

/// The plain bytes of `packed`, borrowed when nothing was packed.
pub(crate) fn unpack(packed: &[u8]) -> Cow<'_, [u8]> {
    if !packed.contains(&ESC) {
        return Cow::Borrowed(packed);
    }
    let mut out = Vec::with_capacity(packed.len() * 2);
    unpack_into(packed, &mut out);
    Cow::Owned(out)
}

/// Whether `packed` holds exactly `plain` (without unpacking it).
pub(crate) fn holds(packed: &[u8], plain: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < packed.len() {
        let b = packed[i];
        if b != ESC {
            if plain.get(j) != Some(&b) {
                return false;
            }
            i += 1;
            j += 1;
            continue;
        }
        let n = packed[i + 1] as usize;
        if n == 0 {
            if plain.get(j) != Some(&ESC) {
                return false;
            }
            j += 1;
        } else {
            let Some(digits) = plain.get(j..j + 2 * n) else {
                return false;
            };
            for (&p, pair) in packed[i + 2..i + 2 + n].iter().zip(digits.chunks_exact(2)) {
                if pair[0] != DIGITS[(p >> 4) as usize] || pair[1] != DIGITS[(p & 15) as usize] {
                    return false;
                }
            }
            j += 2 * n;
        }
        i += 2 + n;
    }
    j == plain.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packed(plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        pack(plain, &mut out);
        out
    }

    #[test]
    fn ids_and_keys_take_half_the_bytes() {
        let key = format!("runtime/nonce/{}", "ab".repeat(32));
        let p = packed(key.as_bytes());
        assert_eq!(p.len(), "runtime/nonce/".len() + 2 + 32);
        assert_eq!(unpack(&p), key.as_bytes());
        // Short runs, upper-case hex and text stay as they are.
        for plain in [
            &b"balance 1000000000"[..],
            b"ABCDEF0123456789ABCDEF0123456789AB",
        ] {
            assert_eq!(packed(plain), plain);
            assert!(matches!(unpack(&packed(plain)), Cow::Borrowed(_)));
        }
    }

    proptest! {
        #[test]
        fn packing_round_trips_and_compares_like_the_plain_bytes(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..8),
                    "[0-9a-f]{0,600}".prop_map(String::into_bytes),
                    Just(vec![0xFF]),
                ],
                0..6,
            ),
            other in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let plain: Vec<u8> = parts.concat();
            let p = packed(&plain);
            prop_assert!(p.len() <= plain.len() * 2);
            let back = unpack(&p);
            prop_assert_eq!(back.as_ref(), plain.as_slice());
            prop_assert!(holds(&p, &plain));
            prop_assert_eq!(holds(&p, &other), other == plain);
            // Any other bytes that share a prefix or differ in one place.
            if !plain.is_empty() {
                let mut changed = plain.clone();
                let i = other.len() % plain.len();
                changed[i] = changed[i].wrapping_add(1);
                prop_assert!(!holds(&p, &changed));
                prop_assert!(!holds(&p, &plain[..plain.len() - 1]));
            }
            let mut longer = plain.clone();
            longer.push(b'0');
            prop_assert!(!holds(&p, &longer));
            // Packing is a function of the plain bytes: equal keys, equal
            // packed forms.
            prop_assert_eq!(packed(&plain), p);
        }
    }
}
