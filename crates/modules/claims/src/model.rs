//! The claims module's state.
//!
//! - `claims/plan/<agency>/<id>` = [`Plan`];
//! - `claims/policy/<agency>/<plan>/<member hex>` = [`Policy`];
//! - `claims/claim/<provider>/<id>` = [`Claim`];
//! - `claims/service/<provider>/<member hex>/<date>/<code>` = the claim
//!   id that claimed that service (duplicates);
//! - `claims/used/<agency>/<plan>/<member hex>/<year>` = [`Amount`] paid;
//! - `claims/stats/<agency>/<plan>/<YYYY-MM>` = [`Stats`] of the month
//!   claims were submitted in.

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Codes a plan's tariff lists at most.
pub const TARIFF_MAX: usize = 512;
/// Items a claim has at most.
pub const ITEMS_MAX: usize = 32;
/// Evidence records a claim names at most.
pub const EVIDENCE_MAX: usize = 8;

/// State key of plan `id` of `agency`.
pub fn plan_key(agency: &str, id: &str) -> Vec<u8> {
    format!("claims/plan/{agency}/{id}").into_bytes()
}

/// State key of `member`'s policy of a plan.
pub fn policy_key(agency: &str, plan: &str, member: &AccountId) -> Vec<u8> {
    format!("claims/policy/{agency}/{plan}/{}", member.to_hex()).into_bytes()
}

/// State key of a provider's claim.
pub fn claim_key(provider: &str, id: &str) -> Vec<u8> {
    format!("claims/claim/{provider}/{id}").into_bytes()
}

/// State key of a service claimed (for duplicates).
pub fn service_key(provider: &str, member: &AccountId, date: &str, code: &str) -> Vec<u8> {
    format!(
        "claims/service/{provider}/{}/{date}/{code}",
        member.to_hex()
    )
    .into_bytes()
}

/// State key of what a member was paid under a plan in a year.
pub fn used_key(agency: &str, plan: &str, member: &AccountId, year: &str) -> Vec<u8> {
    format!("claims/used/{agency}/{plan}/{}/{year}", member.to_hex()).into_bytes()
}

/// State key of a plan's figures for a month.
pub fn stats_key(agency: &str, plan: &str, month: &str) -> Vec<u8> {
    format!("claims/stats/{agency}/{plan}/{month}").into_bytes()
}

/// An id: 1..=64 of `[a-z0-9_-]`.
pub fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A procedure code: 1..=16 of `[A-Za-z0-9.-]`.
pub fn valid_code(s: &str) -> bool {
    (1..=16).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// An ICD-10 code: a letter, two digits, then optionally a dot and one to
/// four letters or digits (`I10`, `E11.9`, `S72.001A`).
pub fn valid_icd10(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 3
        || !b[0].is_ascii_uppercase()
        || !b[1].is_ascii_digit()
        || !b[2].is_ascii_alphanumeric()
    {
        return false;
    }
    match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphanumeric)
        }
        _ => false,
    }
}

/// A calendar date `YYYY-MM-DD` (digits only, a real day from 1900), as
/// days since the epoch.
pub fn date_days(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Digits only: `parse` would take `+1`, and one day would have four
    // spellings (and four keys against duplicate claims).
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !(digits(0..4) && digits(5..7) && digits(8..10))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if y < 1900 || d < 1 || d > publica_types::calendar::days_in_month(y, m)? {
        return None;
    }
    Some(publica_types::calendar::days_from_civil(y, m, d))
}

/// An insurance plan (a product of an insurer agency).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The insurer.
    pub agency: String,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The currency it pays in.
    pub currency: String,
    /// The money account it pays from (owned by the plan).
    pub account: String,
    /// CEL, `bool`: whether an item is covered — over `attr.code`,
    /// `attr.amount` (the allowed amount), `attr.diagnosis`,
    /// `attr.provider`.
    pub cover: String,
    /// CEL, `bool`: whether a claim goes to a human adjudicator — over
    /// `attr.total` (the covered amount), `attr.items`, `attr.diagnosis`,
    /// `attr.provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refer: Option<String>,
    /// The most paid per procedure code: a code not listed is unknown.
    pub tariff: BTreeMap<String, Amount>,
    /// The most paid per member per calendar year.
    pub annual_limit: Amount,
    /// The member's share of each covered amount, percent.
    pub copay_pct: u8,
    /// Height it was defined at.
    pub height: u64,
}

/// A member's policy of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// First day covered (`YYYY-MM-DD`).
    pub from: String,
    /// Last day covered.
    pub until: String,
}

/// Where a claim stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Paid (in part when the yearly limit was reached).
    Approved,
    /// Denied, with its reason.
    Denied,
    /// Waiting for an adjudicator.
    Referred,
    /// Denied, and appealed: waiting for another adjudicator.
    Appealed,
}

/// One line of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The procedure code.
    pub code: String,
    /// What the provider claimed.
    pub amount: Amount,
    /// What the tariff allows of it.
    pub allowed: Amount,
    /// Whether the cover rule covers it.
    pub covered: bool,
}

/// An appeal of a denied claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    /// Who appealed (the member, or the provider's officer).
    pub by: AccountId,
    /// On what ground (a reference).
    pub ground: String,
    /// When (ms).
    pub at_ms: u64,
    /// The adjudicator who decided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<AccountId>,
    /// Whether the denial was upheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upheld: Option<bool>,
}

/// A claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The provider agency.
    pub provider: String,
    /// Its id (unique per provider).
    pub id: String,
    /// The insurer.
    pub agency: String,
    /// The plan.
    pub plan: String,
    /// The member (the patient's account).
    pub member: AccountId,
    /// The service date.
    pub service_date: String,
    /// The ICD-10 diagnosis.
    pub diagnosis: String,
    /// The lines.
    pub items: Vec<Item>,
    /// Records (their commitments) the insurer may read under the
    /// member's consent.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The provider's money account paid.
    pub payee: String,
    /// Where it stands.
    pub status: Status,
    /// Why denied, referred or paid in part (a code or a reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Paid to the provider.
    pub paid: Amount,
    /// The member's co-payment on what was paid for.
    pub copay: Amount,
    /// Block time of submission (ms).
    pub submitted_ms: u64,
    /// The adjudicator who decided it (a referral).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<AccountId>,
    /// Its appeal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<Appeal>,
}

/// A plan's figures for a month of submissions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Claims submitted.
    pub submitted: u64,
    /// Approved by the rules.
    pub approved: u64,
    /// Denied by the rules.
    pub denied: u64,
    /// Referred to an adjudicator.
    pub referred: u64,
    /// Decided by an adjudicator (referrals).
    pub decided: u64,
    /// Appealed.
    pub appealed: u64,
    /// Appeals that overturned a denial.
    pub overturned: u64,
    /// Paid in all.
    pub paid: Amount,
    /// Denials by reason.
    #[serde(default)]
    pub denied_by: BTreeMap<String, u64>,
}
