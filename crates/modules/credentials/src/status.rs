//! Bitstring Status List v1.0 (W3C): a list's bits are kept in pages of
//! [`PAGE_BITS`] bits (an absent page is all zero), so one status change
//! rewrites 512 bytes, not the list; the served list is the pages put
//! together, GZIP-compressed and encoded as multibase base64url (`u…`), as
//! `encodedList` says. Bit `i` is the `i`-th from the left: byte `i / 8`,
//! most significant bit first.

use crate::model::{page_key, StatusList, PAGE_BITS};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::io::Write;

/// Bytes per page.
pub const PAGE_BYTES: usize = (PAGE_BITS / 8) as usize;

/// The page holding bit `index`, and the bit's byte and mask in it.
#[must_use]
pub fn locate(index: u64) -> (u64, usize, u8) {
    let page = index / PAGE_BITS;
    let bit = index % PAGE_BITS;
    (page, (bit / 8) as usize, 0x80 >> (bit % 8))
}

/// A page's bytes from its stored hex (all zero when absent or damaged).
#[must_use]
pub fn page_bytes(stored: Option<&[u8]>) -> Vec<u8> {
    stored
        .and_then(|b| serde_json::from_slice::<String>(b).ok())
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() == PAGE_BYTES)
        .unwrap_or_else(|| vec![0; PAGE_BYTES])
}

/// Whether bit `index` of `list` is set, reading pages with `get`.
pub fn bit(list: &StatusList, index: u64, get: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> bool {
    let (page, byte, mask) = locate(index);
    let bytes = page_bytes(get(&page_key(&list.institution, &list.id, page)).as_deref());
    bytes[byte] & mask != 0
}

/// The whole bitstring of `list`.
pub fn bitstring(list: &StatusList, get: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let pages = list.size / PAGE_BITS;
    let mut out = Vec::with_capacity((list.size / 8) as usize);
    for p in 0..pages {
        out.extend(page_bytes(
            get(&page_key(&list.institution, &list.id, p)).as_deref(),
        ));
    }
    out
}

/// `encodedList`: multibase base64url (no padding) of the GZIP of `bits`.
#[must_use]
pub fn encode(bits: &[u8]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bits).expect("writing to memory");
    let zipped = gz.finish().expect("writing to memory");
    format!("u{}", URL_SAFE_NO_PAD.encode(zipped))
}

/// The bitstring of an `encodedList`, at most `max_bytes` long.
#[must_use]
pub fn decode(encoded: &str, max_bytes: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    let zipped = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= max_bytes).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_numbered_from_the_left_and_lists_round_trip() {
        assert_eq!(locate(0), (0, 0, 0x80));
        assert_eq!(locate(7), (0, 0, 0x01));
        assert_eq!(locate(8), (0, 1, 0x80));
        assert_eq!(locate(4_096), (1, 0, 0x80));
        let mut bits = vec![0u8; 16_384];
        bits[0] = 0x80;
        bits[16_383] = 0x01;
        let e = encode(&bits);
        assert!(
            e.starts_with('u') && e.len() < 200,
            "{} characters",
            e.len()
        );
        assert_eq!(decode(&e, 16_384).unwrap(), bits);
        assert_eq!(decode(&e, 16_383), None, "a list over the bound is refused");
        assert_eq!(decode("zabc", 10), None);
        assert_eq!(decode("u!!", 10), None);
    }
}
