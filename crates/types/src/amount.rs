//! Integer amounts in minor units, written as decimal strings in JSON so that
//! values above 2^53 survive JavaScript clients.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An amount of money in minor units (cents, for a currency with 2 decimals).
///
/// The value is private: amounts change only through the checked operations
/// below, so no code path can wrap money around silently, whatever the build
/// profile's overflow checks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u128);

impl Amount {
    /// No money.
    pub const ZERO: Amount = Amount(0);

    /// An amount of `minor` minor units.
    pub const fn new(minor: u128) -> Amount {
        Amount(minor)
    }
    /// The amount in minor units.
    pub const fn get(self) -> u128 {
        self.0
    }
    /// Whether this is no money.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Checked addition: `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }
    /// Checked subtraction: `None` when the result would be negative.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }
    /// Checked multiplication by a count: `None` on overflow.
    pub fn checked_mul(self, count: u128) -> Option<Amount> {
        self.0.checked_mul(count).map(Amount)
    }
    /// Checked sum of amounts: `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Option<Amount> {
        amounts
            .into_iter()
            .try_fold(Amount::ZERO, Amount::checked_add)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        // Only plain decimal digits: no sign, no exponent, no leading zeros.
        let ok = !s.is_empty()
            && s.len() <= 39
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s.len() == 1 || !s.starts_with('0'));
        if !ok {
            return Err(serde::de::Error::custom(
                "amount must be a decimal string of digits without leading zeros",
            ));
        }
        s.parse::<u128>()
            .map(Amount)
            .map_err(|_| serde::de::Error::custom("amount exceeds 2^128 - 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_decimal_strings() {
        let a = Amount(18_446_744_073_709_551_617);
        let s = serde_json::to_string(&a).unwrap();
        assert_eq!(s, "\"18446744073709551617\"");
        assert_eq!(serde_json::from_str::<Amount>(&s).unwrap(), a);
        for bad in ["\"\"", "\"-1\"", "\"01\"", "\"1e3\"", "12", "\"1.0\""] {
            assert!(serde_json::from_str::<Amount>(bad).is_err(), "{bad}");
        }
        assert_eq!(Amount(1).checked_sub(Amount(2)), None);
        assert_eq!(Amount(u128::MAX).checked_add(Amount(1)), None);
    }
}
