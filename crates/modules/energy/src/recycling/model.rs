//! What the `recycling` module keeps: each agency's scheme (currency,
//! fund, volunteer rate and cap, running totals), its versioned rate
//! tables, licensed collection points, service providers with their mass
//! balance and service levels, pickup requests, volunteer organisations,
//! and what each person was paid in a month.

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The money program whose account funds an agency's credits
/// (`civic-credits:<agency>`, run by the agency).
pub fn fund_program(agency: &str) -> String {
    format!("civic-credits:{agency}")
}

/// Most grams in one deposit or report: 1,000 tonnes (a report of a
/// whole plant's month fits; a household deposit is far below).
pub const GRAMS_MAX: u64 = 1_000_000_000_000;
/// Most grams in one citizen's deposit: 1 tonne.
pub const DEPOSIT_GRAMS_MAX: u64 = 1_000_000;
/// Most materials a table prices or a point accepts.
pub const MATERIALS_MAX: usize = 32;
/// Most pickup requests open at once per agency (the summary reads them).
pub const OPEN_REQUESTS_MAX: usize = 256;
/// Most minutes of volunteering in one attestation: a day.
pub const MINUTES_MAX: u64 = 1_440;

/// An agency's recycling and volunteering scheme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// The agency (the city).
    pub agency: String,
    /// The local coin credits are paid in.
    pub currency: String,
    /// The money account of program `civic-credits:<agency>` paying them.
    pub fund_account: String,
    /// The rate table in force (0: none approved yet).
    pub rates_in_force: u64,
    /// Rate tables proposed so far.
    pub rates_proposed: u64,
    /// Deposits attested.
    pub deposits: u64,
    /// Grams deposited, per material.
    pub deposited_g: BTreeMap<String, u64>,
    /// Credits paid for deposits.
    pub deposit_credits: Amount,
    /// Minutes of volunteering attested.
    pub volunteer_minutes: u64,
    /// Volunteer rewards paid.
    pub volunteer_paid: Amount,
    /// Pickup requests made so far (the next one's id is this + 1).
    pub requests: u64,
    /// Ids of the pickup requests still open.
    pub open_requests: Vec<u64>,
}

/// A versioned table of credits per deposit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTable {
    /// Its version (1, 2, …).
    pub version: u64,
    /// The materials it prices.
    pub materials: Vec<String>,
    /// The rule: a CEL `int` over `attr.material`, `attr.grams` and
    /// `params.<name>`, the credit in minor units.
    pub rule: String,
    /// The rule's parameters.
    pub params: BTreeMap<String, i64>,
    /// The most one deposit earns, whatever the rule says.
    pub max_credit: Amount,
    /// Volunteer reward per hour (minor units).
    pub volunteer_rate_per_hour: Amount,
    /// Most volunteer rewards one person receives in a calendar month.
    pub volunteer_cap_per_month: Amount,
    /// Who proposed it.
    pub proposed_by: AccountId,
    /// The hash administrators approve (of everything above).
    pub hash: String,
    /// The administrators who approved it so far.
    pub approvals: Vec<AccountId>,
    /// When it came into force, and by whose approval (the one that
    /// reached the agency's policy threshold).
    pub approved: Option<Approval>,
}

/// An administrator's approval of a rate table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The administrator.
    pub by: AccountId,
    /// When (the block's time, ms).
    pub at_ms: u64,
}

/// A collection point licensed by the agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// Its id.
    pub id: String,
    /// The key that signs its attestations.
    pub key: AccountId,
    /// Where (a reference).
    pub location: String,
    /// Materials it takes.
    pub materials: Vec<String>,
    /// Whether its licence stands.
    pub licensed: bool,
    /// Grams collected from citizens, per material.
    pub collected_g: BTreeMap<String, u64>,
    /// Grams picked up by haulers, per material.
    pub picked_up_g: BTreeMap<String, u64>,
    /// Deposits attested.
    pub deposits: u64,
    /// Credits paid for them.
    pub credited: Amount,
    /// The most its deposits may earn in a UTC day (by block time), and
    /// what they earned on the last day it attested; none: no daily cap
    /// (points licensed without one, as before caps existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<DailyCredit>,
}

/// A point's daily cap on credits and its count for one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCredit {
    /// The most its deposits earn in a UTC day.
    pub cap: Amount,
    /// The day counted (days since 1970-01-01, UTC).
    pub day: u64,
    /// Credits paid for its deposits that day.
    pub credited: Amount,
}

/// What a service provider does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Picks up at collection points and delivers to recyclers.
    Hauler,
    /// Receives deliveries and processes them.
    Recycler,
}

/// One material's figures at a provider (grams).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassBalance {
    /// Taken in: picked up (a hauler) or received (a recycler).
    pub collected_g: u64,
    /// Passed on: delivered (a hauler) or processed (a recycler).
    pub processed_g: u64,
    /// Stock on hand, as last declared.
    pub stock_g: u64,
}

impl MassBalance {
    /// Whether the figures add up: collected ≥ processed + stock.
    pub fn adds_up(&self) -> bool {
        u128::from(self.collected_g) >= u128::from(self.processed_g) + u128::from(self.stock_g)
    }
}

/// A service provider (a hauler or a recycler) registered by the agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// Its id.
    pub id: String,
    /// The key that signs its reports.
    pub key: AccountId,
    /// Hauler or recycler.
    pub kind: ProviderKind,
    /// Whether its licence stands.
    pub licensed: bool,
    /// Its mass balance per material.
    pub balance: BTreeMap<String, MassBalance>,
    /// Why its figures were found not to add up (cleared by the
    /// regulator once they do).
    pub flagged: Option<String>,
    /// Months (`YYYY-MM`) it served pickup requests in.
    pub months: Vec<String>,
}

/// A provider's service levels in one month (pickup requests served).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sli {
    /// Requests served.
    pub served: u64,
    /// Served by their due time.
    pub on_time: u64,
    /// Sum of the time from request to pickup (ms).
    pub response_ms: u64,
    /// Sum of lateness over the late ones (ms).
    pub late_ms: u64,
}

/// A collection point's request for a pickup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Its id in the agency.
    pub id: u64,
    /// The point.
    pub point: String,
    /// The material.
    pub material: String,
    /// When it was made (ms).
    pub requested_ms: u64,
    /// When the pickup is due (ms).
    pub due_ms: u64,
    /// Who served it, once served.
    pub served: Option<Served>,
}

/// The pickup that served a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    /// The hauler.
    pub provider: String,
    /// When (the block's time, ms).
    pub at_ms: u64,
    /// Grams picked up.
    pub grams: u64,
}

/// A registered volunteer organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Its id.
    pub id: String,
    /// The key that signs its attestations.
    pub key: AccountId,
    /// Whether it may attest.
    pub active: bool,
    /// Its budget of rewards.
    pub budget: Amount,
    /// Rewards paid so far.
    pub spent: Amount,
    /// Minutes attested.
    pub minutes: u64,
}

/// State key of `agency`'s scheme.
pub fn scheme_key(agency: &str) -> Vec<u8> {
    format!("recycling/scheme/{agency}").into_bytes()
}

/// State key of rate table `version`.
pub fn rates_key(agency: &str, version: u64) -> Vec<u8> {
    format!("recycling/rates/{agency}/{version}").into_bytes()
}

/// State key of a collection point.
pub fn point_key(agency: &str, id: &str) -> Vec<u8> {
    format!("recycling/point/{agency}/{id}").into_bytes()
}

/// State key of a provider.
pub fn provider_key(agency: &str, id: &str) -> Vec<u8> {
    format!("recycling/provider/{agency}/{id}").into_bytes()
}

/// State key of a provider's service levels in `month`.
pub fn sli_key(agency: &str, provider: &str, month: &str) -> Vec<u8> {
    format!("recycling/sli/{agency}/{provider}/{month}").into_bytes()
}

/// State key of a pickup request.
pub fn request_key(agency: &str, id: u64) -> Vec<u8> {
    format!("recycling/request/{agency}/{id}").into_bytes()
}

/// State key of an organisation.
pub fn org_key(agency: &str, id: &str) -> Vec<u8> {
    format!("recycling/org/{agency}/{id}").into_bytes()
}

/// State key marking that a key signs for a point, provider or
/// organisation of `agency` already (one role per key).
pub fn signer_key(agency: &str, key: &AccountId) -> Vec<u8> {
    format!("recycling/signer/{agency}/{}", key.to_hex()).into_bytes()
}

/// State key of a used attestation reference (`who` is `point:<id>`,
/// `provider:<id>` or `org:<id>`).
pub fn reference_key(agency: &str, who: &str, reference: &str) -> Vec<u8> {
    format!("recycling/ref/{agency}/{who}/{reference}").into_bytes()
}

/// State key of what `person` was paid in volunteer rewards in `month`.
pub fn month_key(agency: &str, person: &AccountId, month: &str) -> Vec<u8> {
    format!("recycling/month/{agency}/{}/{month}", person.to_hex()).into_bytes()
}

/// Whether `s` is a material name: 1..=32 of `[a-z0-9_-]`.
pub fn valid_material(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
