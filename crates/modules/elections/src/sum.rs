//! An election's encrypted running sum while ballots arrive.
//!
//! The state stores the sum as text (per contest, per selection, the two
//! points of its ciphertext in hex), and encoding a point costs an inverse
//! square root: thirty points re-encoded for every ballot were a tenth of
//! the execution thread's time. The module therefore writes the sum as a
//! typed record of points ([`Sum`]): a key the block writes often is
//! encoded once, from its last value, when the block ends
//! (`publica_runtime::overlay`), and the next ballot of the block reads
//! the points back without decoding. The bytes stored are exactly the
//! text written before, so the state and its roots do not change.

use crate::group::{point_from_hex, point_hex};
use crate::proofs::Ciphertext;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// The sum as the state stores it.
pub type Text = Vec<Vec<[String; 2]>>;

/// The sum's points, per contest, per selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sum(pub Vec<Vec<Ciphertext>>);

/// Sums encoded or decoded lately, by their text: the first ballot of a
/// block finds the points of the sum the block before stored here
/// instead of decoding them. A pure cache of the encoding (it answers only
/// for the same text), so a rolled-back transaction or block cannot make
/// it wrong.
static DECODED: LazyLock<Mutex<HashMap<Text, Sum>>> = LazyLock::new(Mutex::default);

/// Most sums kept decoded.
const DECODED_KEPT: usize = 64;

fn remember(text: &Text, sum: &Sum) {
    let mut cache = DECODED.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= DECODED_KEPT && !cache.contains_key(text) {
        cache.clear();
    }
    cache.insert(text.clone(), sum.clone());
}

impl Sum {
    /// This sum less `remove` (the ballot a re-vote replaces), plus `add`.
    #[must_use]
    pub fn after(mut self, remove: Option<&[Vec<Ciphertext>]>, add: &[Vec<Ciphertext>]) -> Sum {
        for (row, ct_row) in self.0.iter_mut().zip(remove.unwrap_or_default()) {
            for (cell, ct) in row.iter_mut().zip(ct_row) {
                *cell = *cell - *ct;
            }
        }
        for (row, ct_row) in self.0.iter_mut().zip(add) {
            for (cell, ct) in row.iter_mut().zip(ct_row) {
                *cell = *cell + *ct;
            }
        }
        self
    }

    /// The text the state stores.
    #[must_use]
    pub fn text(&self) -> Text {
        self.0
            .iter()
            .map(|row| {
                row.iter()
                    .map(|ct| [point_hex(&ct.a), point_hex(&ct.b)])
                    .collect()
            })
            .collect()
    }

    /// The sum a stored text holds, or `None` if a point does not decode.
    #[must_use]
    pub fn from_text(text: &Text) -> Option<Sum> {
        if let Some(sum) = DECODED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(text)
        {
            return Some(sum.clone());
        }
        let sum = Sum(decode(text)?);
        remember(text, &sum);
        Some(sum)
    }
}

/// The ciphertexts a text of ciphertexts (a sum's, or a stored ballot's)
/// holds, or `None` if a point does not decode.
#[must_use]
pub fn decode(text: &Text) -> Option<Vec<Vec<Ciphertext>>> {
    text.iter()
        .map(|row| {
            row.iter()
                .map(|[a, b]| {
                    Some(Ciphertext {
                        a: point_from_hex(a)?,
                        b: point_from_hex(b)?,
                    })
                })
                .collect()
        })
        .collect()
}

impl Serialize for Sum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.text();
        remember(&text, self);
        text.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Sum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        Sum::from_text(&text)
            .ok_or_else(|| serde::de::Error::custom("a point of the sum does not decode"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Point;
    use curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_POINT as G;
    use curve25519_dalek_5::Scalar;

    fn ct(m: u64, r: u64) -> Ciphertext {
        let g: Point = G;
        Ciphertext {
            a: g * Scalar::from(r),
            b: g * Scalar::from(m + 7 * r),
        }
    }

    #[test]
    fn the_stored_text_is_the_points_in_hex_and_reads_back() {
        let sum = Sum(vec![vec![ct(1, 2), ct(0, 3)], vec![ct(4, 5)]]);
        let bytes = serde_json::to_vec(&sum).unwrap();
        let text: Text = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(text[0][1][0], point_hex(&(G * Scalar::from(3u64))));
        assert_eq!(text, sum.text());
        DECODED.lock().unwrap().clear();
        let back: Sum = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, sum);
    }

    #[test]
    fn a_revote_removes_the_replaced_ballot_and_adds_the_new_one() {
        let zero = Sum(vec![vec![Ciphertext::zero(); 2]]);
        let first = vec![vec![ct(1, 2), ct(0, 3)]];
        let second = vec![vec![ct(0, 4), ct(1, 5)]];
        let once = zero.clone().after(None, &first);
        let again = once.after(Some(&first), &second);
        assert_eq!(again, zero.after(None, &second));
    }

    #[test]
    fn a_text_whose_point_does_not_decode_is_refused() {
        let bad = serde_json::json!([[["ff".repeat(32), "00".repeat(32)]]]);
        assert!(serde_json::from_value::<Sum>(bad).is_err());
    }
}
