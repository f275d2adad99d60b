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
        licensed(&self.intervals, at_ms)
    }
}

fn licensed(intervals: &[Interval], at_ms: u64) -> bool {
    intervals
        .iter()
        .any(|i| i.from_ms <= at_ms && i.until_ms.is_none_or(|u| at_ms < u))
}

/// What capture reads of a party: its record without the capturing
/// accounts (up to 64 keys, decoded for nothing on every event).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Licensee {
    /// Its id.
    pub id: String,
    /// What it does.
    pub kind: Kind,
    /// Its GS1 company prefixes.
    pub company_prefixes: Vec<String>,
    /// Its locations.
    pub glns: Vec<String>,
    /// Its licence now.
    pub licence: LicenceStatus,
    /// The times its licence was in force.
    pub intervals: Vec<Interval>,
}

impl Licensee {
    /// Licensed now and at `at_ms`.
    #[must_use]
    pub fn licensed_now_and_at(&self, at_ms: u64) -> bool {
        self.licence == LicenceStatus::Active && licensed(&self.intervals, at_ms)
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

/// Where a tracked object stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Status {
    /// Held by its custodian.
    Held,
    /// Shipped, not yet received; `to` is the destination party when the
    /// shipment named a registered one.
    InTransit {
        /// The destination party.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// Dispensed to a patient: its life on the ledger is over.
    Dispensed,
    /// Taken out of the supply chain (damaged, sample, returned stock).
    Decommissioned,
    /// Destroyed.
    Destroyed,
    /// Consumed by a transformation (repackaged).
    Transformed,
}

impl Status {
    /// Its name, as answers give it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::InTransit { .. } => "in_transit",
            Status::Dispensed => "dispensed",
            Status::Decommissioned => "decommissioned",
            Status::Destroyed => "destroyed",
            Status::Transformed => "transformed",
        }
    }

    /// Over: no event may touch the object again.
    #[must_use]
    pub fn is_final(&self) -> bool {
        !matches!(self, Status::Held | Status::InTransit { .. })
    }
}

/// One custodian in an object's chain of custody.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// The party.
    pub party: String,
    /// Since (event time, ms).
    pub since_ms: u64,
    /// The event that made it custodian (its hash).
    pub event: String,
}

/// A tracked object: a pack (SGTIN) or a container (an SSCC, or a case
/// with an SGTIN) that packs or other containers are aggregated into.
/// While in a container, an object's custodian, status and chain are its
/// outermost container's: an event on a pallet applies to what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The party that commissioned it (or first packed, for an SSCC).
    pub commissioned_by: String,
    /// When (event time, ms).
    pub commissioned_ms: u64,
    /// The commissioning event (its hash).
    pub commissioning_event: String,
    /// The custodians, in order (at most [`HOPS_MAX`]); the last is the
    /// custodian while the object is not in a container.
    pub hops: Vec<Hop>,
    /// Where it stands (while not in a container).
    pub status: Status,
    /// The container it is in (its key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// When it was packed into `parent` (event time, ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_ms: Option<u64>,
    /// What it holds, for a container (keys; at most [`CHILDREN_MAX`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    /// Its lot, from the commissioning event's `ilmd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Its expiry date (`YYYY-MM-DD`), likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Why its chain left the licensed parties, if it did: a shipment to
    /// a location or party that was not licensed at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diverted: Option<String>,
    /// Time of the latest event on it (ms): events before it are out of
    /// order.
    pub last_ms: u64,
    /// Events on it.
    pub events: u32,
}

/// A recall of a product (a GTIN) or of one lot of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recall {
    /// Its id.
    pub id: String,
    /// The product.
    pub gtin: String,
    /// The lot, or every lot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Why.
    pub reason: String,
    /// Who: a regulator agency, or the manufacturer party.
    pub by: String,
    /// When (block time, ms).
    pub at_ms: u64,
    /// Height.
    pub height: u64,
}

/// A captured event, as the ledger holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Its EPCIS 2.0 event hash (`ni:///sha-256;…?ver=CBV2.0`).
    pub hash: String,
    /// The capturing party.
    pub party: String,
    /// The transaction that captured it (its receipt proves it).
    pub tx_id: Option<publica_types::Hash32>,
    /// Height.
    pub height: u64,
    /// Record time (block time, ms).
    pub record_ms: u64,
    /// The event, as captured.
    pub event: serde_json::Value,
}

/// Most custodians kept per object.
pub const HOPS_MAX: usize = 64;
/// Most objects one container holds.
pub const CHILDREN_MAX: usize = 1_000;
/// How far ahead of the block time an event's time may be (clock skew).
pub const FUTURE_SKEW_MS: u64 = 5 * 60 * 1_000;

/// State key of a tracked object (`key`: its Digital Link path).
#[must_use]
pub fn item_key(key: &str) -> Vec<u8> {
    format!("medicines/item/{key}").into_bytes()
}

/// State key of an event `party` captured, by the hex of its hash.
/// Events are unique per capturing party, so that no party can block
/// another's event by capturing a copy of it (or its `eventID`) first.
#[must_use]
pub fn event_key(party: &str, hash_hex: &str) -> Vec<u8> {
    format!("medicines/event/{party}/{hash_hex}").into_bytes()
}

/// State key marking an `eventID` as taken by `party` (by the ID's
/// SHA-256, hex).
#[must_use]
pub fn event_id_key(party: &str, id_hash_hex: &str) -> Vec<u8> {
    format!("medicines/event-id/{party}/{id_hash_hex}").into_bytes()
}

/// State key of a recall of `gtin`'s `lot`, or of every lot (`None`).
#[must_use]
pub fn recall_key(gtin: &str, lot: Option<&str>) -> Vec<u8> {
    match lot {
        Some(l) => format!("medicines/recall/{gtin}/10/{l}").into_bytes(),
        None => format!("medicines/recall/{gtin}").into_bytes(),
    }
}

/// State key of a recall by its id.
#[must_use]
pub fn recall_id_key(id: &str) -> Vec<u8> {
    format!("medicines/recall-id/{id}").into_bytes()
}
