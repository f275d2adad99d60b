//! Authorisation data the runtime checks before any module runs: agency
//! roles and accounts' current keys. The `identity` module writes these
//! entries (under its own prefix, in the layout fixed here); the runtime
//! only reads them, so every module's calls are checked the same way.
//!
//! - `identity/member/<agency>/<account hex>` = `{"roles": ["treasurer", ...], ...}`
//! - `identity/key/<account hex>` = `{"key": "<current public key hex>", ...}`,
//!   present only once an account's key was rotated or recovered (until
//!   then its key is its id).

use crate::overlay::StateRead;
use publica_types::{AccountId, Event};
use serde::{Deserialize, Serialize};

/// The event kind `identity` emits when an account's key changes; the node
/// uses it to refresh the keys admission checks signatures against.
pub const KEY_CHANGED_EVENT: &str = "key_changed";

/// A role an official holds within one agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the agency: members, roles, policies.
    Administrator,
    /// Manages the agency's money.
    Treasurer,
    /// Runs programs.
    ProgramOfficer,
    /// Issues credentials.
    Issuer,
    /// Attests facts (school attendance, age).
    Attester,
    /// Reads and audits.
    Auditor,
    /// Accepts earmarked payments.
    Merchant,
    /// Publishes outside data (price indexes).
    Oracle,
    /// Licenses parties of a regulated trade (a medicines agency).
    Regulator,
    /// Registers the agency's patient records (a hospital's records office
    /// or its record system's account).
    Custodian,
    /// Treats patients: reads records under consent given to the agency,
    /// and may break the glass in an emergency.
    Clinician,
    /// Reviews the agency's emergency accesses and places legal holds.
    PrivacyOfficer,
    /// Decides insurance claims referred to a human, and appeals.
    Adjudicator,
    /// Runs the agency's elections: publishes them (manifest, guardians,
    /// census, window).
    ElectionOfficer,
    /// Operates the electricity grid: registers meters and their keys,
    /// flags faulty ones, runs the agency's certificate registry.
    GridOperator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 15] = [
        Role::Administrator,
        Role::Treasurer,
        Role::ProgramOfficer,
        Role::Issuer,
        Role::Attester,
        Role::Auditor,
        Role::Merchant,
        Role::Oracle,
        Role::Regulator,
        Role::Custodian,
        Role::Clinician,
        Role::PrivacyOfficer,
        Role::Adjudicator,
        Role::ElectionOfficer,
        Role::GridOperator,
    ];
}

/// State key of `account`'s membership in `agency`.
pub fn member_key(agency: &str, account: &AccountId) -> Vec<u8> {
    format!("identity/member/{agency}/{}", account.to_hex()).into_bytes()
}

/// State key of an agency.
pub fn agency_key(agency: &str) -> Vec<u8> {
    format!("identity/agency/{agency}").into_bytes()
}

/// State key of `account`'s current key (after a rotation).
pub fn key_key(account: &AccountId) -> Vec<u8> {
    format!("identity/key/{}", account.to_hex()).into_bytes()
}

/// A membership record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// Roles held, sorted.
    pub roles: Vec<Role>,
    /// Height at which the account joined.
    pub since_height: u64,
}

/// True when `account` holds `role` in `agency`.
pub fn has_role(
    state: &(impl StateRead + ?Sized),
    agency: &str,
    account: &AccountId,
    role: Role,
) -> bool {
    state
        .value(&member_key(agency, account))
        .and_then(|b| serde_json::from_slice::<Membership>(&b).ok())
        .is_some_and(|m| m.roles.contains(&role))
}

/// The key that currently signs for `account`.
pub fn current_key(state: &(impl StateRead + ?Sized), account: &AccountId) -> AccountId {
    state
        .value(&key_key(account))
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["key"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(*account)
}

/// Accounts whose key changed in a block, from its events.
pub fn changed_keys<'a>(events: impl Iterator<Item = &'a Event>) -> Vec<AccountId> {
    events
        .filter(|e| e.module == "identity" && e.kind == KEY_CHANGED_EVENT)
        .filter_map(|e| e.data["account"].as_str().and_then(|s| s.parse().ok()))
        .collect()
}
