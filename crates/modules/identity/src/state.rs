//! The identity module's records and how they are stored.
//!
//! | key | record |
//! |---|---|
//! | `identity/agency/<id>` | [`Agency`] |
//! | `identity/member/<agency>/<account>` | `publica_runtime::authz::Membership` |
//! | `identity/governance` | [`Governance`] |
//! | `identity/key/<account>` | [`KeyRecord`] (only after a rotation) |
//! | `identity/proposal/<id>` | [`crate::proposal::Proposal`] |
//! | `identity/guardians/<account>` | [`Guardians`] |
//! | `identity/recovery/<account>` | [`crate::recovery::Recovery`] |

use publica_runtime::authz::{self, Membership, Role};
use publica_runtime::CallContext;
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};

/// Longest agency id.
pub const AGENCY_ID_BYTES_MAX: usize = 32;
/// Longest agency name.
pub const AGENCY_NAME_BYTES_MAX: usize = 128;

/// An agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Short id (`[a-z0-9-]`), e.g. `city-welfare`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Height it was created at (0: genesis).
    pub created_height: u64,
    /// Approvals of its administrators needed for its sensitive acts.
    pub policy_threshold: u32,
    /// Number of its administrators.
    pub administrators: u32,
}

/// Chain-wide governance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// Agencies that must approve (through an administrator each) the
    /// creation of a new agency or a change of governance.
    pub create_agency_threshold: u32,
    /// Number of agencies.
    pub agencies: u32,
}

/// One key an account has used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPeriod {
    /// The key.
    pub key: AccountId,
    /// First height it signed at (0: since the account began).
    pub from_height: u64,
    /// Height from which it no longer signs; `None` for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_height: Option<u64>,
}

/// An account's current key and the keys before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    /// The current key (read by the runtime).
    pub key: AccountId,
    /// Every key, oldest first.
    pub history: Vec<KeyPeriod>,
}

/// An account's guardians.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardians {
    /// Guardian accounts (people, or agencies' officials), sorted.
    pub guardians: Vec<AccountId>,
    /// How many must approve a recovery.
    pub threshold: u32,
    /// Blocks between the threshold being reached and the key changing,
    /// during which the owner can veto.
    pub delay_blocks: u64,
}

/// The event-index key listing the agencies created after genesis, in
/// creation order (`{id}` entries; genesis agencies are in the genesis).
pub const AGENCIES_DIRECTORY_KEY: &str = "directory/agencies";

/// State key of the governance record.
pub fn governance_key() -> Vec<u8> {
    b"identity/governance".to_vec()
}

/// State key of an account's guardians.
pub fn guardians_key(account: &AccountId) -> Vec<u8> {
    format!("identity/guardians/{}", account.to_hex()).into_bytes()
}

/// Checks an agency id: 1..=32 of `[a-z0-9-]`.
pub fn check_agency_id(id: &str) -> Result<(), TxError> {
    if id.is_empty()
        || id.len() > AGENCY_ID_BYTES_MAX
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(TxError::new(
            crate::codes::INVALID_AGENCY,
            format!("an agency id is 1..={AGENCY_ID_BYTES_MAX} characters of [a-z0-9-]"),
        ));
    }
    Ok(())
}

/// The agency, or `auth.unknown_agency`.
pub fn agency(ctx: &CallContext<'_>, id: &str) -> Result<Agency, TxError> {
    ctx.read(&authz::agency_key(id)).ok_or_else(|| {
        TxError::new(
            publica_types::codes::AUTH_UNKNOWN_AGENCY,
            format!("there is no agency '{id}'"),
        )
    })
}

/// The membership of `account` in `agency`, if any.
pub fn membership(ctx: &CallContext<'_>, agency: &str, account: &AccountId) -> Option<Membership> {
    ctx.read(&authz::member_key(agency, account))
}

/// True when `account` is an administrator of `agency`.
pub fn is_admin(ctx: &CallContext<'_>, agency: &str, account: &AccountId) -> bool {
    membership(ctx, agency, account).is_some_and(|m| m.roles.contains(&Role::Administrator))
}

/// Gives `account` the `role` in `agency` (creating the membership);
/// keeps the agency's administrator count right.
pub fn grant(
    ctx: &mut CallContext<'_>,
    agency_id: &str,
    account: &AccountId,
    role: Role,
) -> Result<(), TxError> {
    let height = ctx.env().height;
    let mut m = membership(ctx, agency_id, account).unwrap_or(Membership {
        roles: Vec::new(),
        since_height: height,
    });
    if m.roles.contains(&role) {
        return Ok(());
    }
    m.roles.push(role);
    m.roles.sort();
    ctx.write(authz::member_key(agency_id, account), &m);
    if role == Role::Administrator {
        let mut a = agency(ctx, agency_id)?;
        a.administrators += 1;
        ctx.write(authz::agency_key(agency_id), &a);
    }
    Ok(())
}

/// Takes `role` in `agency` from `account`; an agency keeps at least one
/// administrator, and its threshold never exceeds its administrators.
pub fn revoke(
    ctx: &mut CallContext<'_>,
    agency_id: &str,
    account: &AccountId,
    role: Role,
) -> Result<(), TxError> {
    let mut m = membership(ctx, agency_id, account).ok_or_else(|| {
        TxError::new(
            crate::codes::NOT_MEMBER,
            "the account is not a member of this agency",
        )
    })?;
    if !m.roles.contains(&role) {
        return Err(TxError::new(
            crate::codes::ROLE_NOT_HELD,
            format!("the account does not hold {role:?}"),
        ));
    }
    if role == Role::Administrator {
        let mut a = agency(ctx, agency_id)?;
        if a.administrators <= 1 {
            return Err(TxError::new(
                crate::codes::LAST_ADMINISTRATOR,
                "an agency keeps at least one administrator",
            ));
        }
        a.administrators -= 1;
        a.policy_threshold = a.policy_threshold.min(a.administrators);
        ctx.write(authz::agency_key(agency_id), &a);
    }
    m.roles.retain(|r| *r != role);
    if m.roles.is_empty() {
        ctx.delete(authz::member_key(agency_id, account));
    } else {
        ctx.write(authz::member_key(agency_id, account), &m);
    }
    Ok(())
}
