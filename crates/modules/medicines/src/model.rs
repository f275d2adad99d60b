//! The medicines module's state: parties and their licences.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// What a party does in the supply chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Makes (and commissions) packs.
    Manufacturer,
    /// Buys, stores and ships.
    Wholesaler,
    /// Dispenses to patients.
    Pharmacy,
    /// Dispenses and administers.
    Hospital,
}

/// A licence's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// Trading.
    Active,
    /// Not trading until reinstated.
    Suspended,
    /// For good.
    Revoked,
}

/// A time the licence was in force, `until_ms` open while it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// From (block time, ms).
    pub from_ms: u64,
    /// Until, if it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
}

/// A registered party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does.
    pub kind: Kind,
    /// The regulator agency that registered it.
    pub regulator: String,
    /// Its GS1 company prefixes (the numbers of its products).
    pub company_prefixes: Vec<String>,
    /// Its locations (GLNs).
    pub glns: Vec<String>,
    /// The accounts that capture events for it.
    pub accounts: Vec<AccountId>,
    /// Its licence now.
    pub licence: LicenceStatus,
    /// The times its licence was in force (at most [`INTERVALS_MAX`]).
    pub intervals: Vec<Interval>,
    /// Height of registration.
    pub height: u64,
}

impl Party {
    /// Licensed at `at_ms`.
    #[must_use]
    pub fn licensed_at(&self, at_ms: u64) -> bool {
        self.intervals
            .iter()
            .any(|i| i.from_ms <= at_ms && i.until_ms.is_none_or(|u| at_ms < u))
    }
}

/// Most prefixes, locations or accounts of a party.
pub const LIST_MAX: usize = 64;
/// Most licence intervals kept.
pub const INTERVALS_MAX: usize = 64;
/// Longest name or reason, in bytes.
pub const TEXT_BYTES_MAX: usize = 200;

/// State key of a party.
#[must_use]
pub fn party_key(id: &str) -> Vec<u8> {
    format!("medicines/party/{id}").into_bytes()
}

/// State key of the party holding a company prefix.
#[must_use]
pub fn prefix_key(prefix: &str) -> Vec<u8> {
    format!("medicines/prefix/{prefix}").into_bytes()
}

/// State key of the party holding a GLN.
#[must_use]
pub fn gln_key(gln: &str) -> Vec<u8> {
    format!("medicines/gln/{gln}").into_bytes()
}

/// State key of the party an account captures for.
#[must_use]
pub fn account_key(account: &AccountId) -> Vec<u8> {
    format!("medicines/account/{}", account.to_hex()).into_bytes()
}

/// A party id: 1..=64 of `[a-z0-9_-]`.
#[must_use]
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
