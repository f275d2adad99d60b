//! Read-only views of identity state for the API and CLI. They scan the
//! state, so each has a result limit; they are not on any hot path.

use crate::proposal::{Proposal, ProposalStatus};
use crate::state::Agency;
use publica_runtime::authz::Membership;
use publica_state::StateTree;
use publica_types::AccountId;
use serde_json::{json, Value};

/// Most items a list query returns.
pub const LIST_LIMIT_MAX: usize = 1_000;

/// Every agency.
pub fn agencies(state: &StateTree, limit: usize) -> Vec<Agency> {
    state
        .scan_prefix(b"identity/agency/", limit.min(LIST_LIMIT_MAX))
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}

/// The members of `agency` with their roles.
pub fn members(state: &StateTree, agency: &str, limit: usize) -> Vec<Value> {
    let prefix = format!("identity/member/{agency}/");
    state
        .scan_prefix(prefix.as_bytes(), limit.min(LIST_LIMIT_MAX))
        .into_iter()
        .filter_map(|(k, v)| {
            let account = std::str::from_utf8(&k)
                .ok()?
                .strip_prefix(&prefix)?
                .to_string();
            let m: Membership = serde_json::from_slice(&v).ok()?;
            Some(json!({ "account": account, "roles": m.roles, "since_height": m.since_height }))
        })
        .collect()
}

/// Proposals, optionally only those with `status` (`pending`, `executed`
/// or `expired`, the last judged at `height`).
pub fn proposals(state: &StateTree, status: Option<&str>, height: u64, limit: usize) -> Vec<Value> {
    state
        .scan_prefix(b"identity/proposal/", usize::MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<Proposal>(&v).ok())
        .map(|p| {
            let shown = match p.status {
                ProposalStatus::Executed => "executed",
                ProposalStatus::Pending if height > p.expires_height => "expired",
                ProposalStatus::Pending => "pending",
            };
            (shown, p)
        })
        .filter(|(shown, _)| status.is_none_or(|s| s == *shown))
        .take(limit.min(LIST_LIMIT_MAX))
        .map(|(shown, p)| {
            let mut v = serde_json::to_value(&p).expect("proposals serialise");
            v["status"] = json!(shown);
            v
        })
        .collect()
}

/// The event-index key (under `identity/`) of a member's role changes.
pub fn role_changes_key(agency: &str, account: &AccountId) -> String {
    format!("roles/{agency}/{}", account.to_hex())
}

/// For each role in `roles`, the height of its latest grant among a
/// member's indexed role changes (oldest first); `since` (the membership's
/// height) for a role granted before the index kept them.
pub fn granted_heights(
    roles: &[Value],
    changes: &[Value],
    since: u64,
) -> serde_json::Map<String, Value> {
    roles
        .iter()
        .filter_map(Value::as_str)
        .map(|role| {
            let height = changes
                .iter()
                .rev()
                .find(|c| c["role"] == role && c["change"] == "granted")
                .and_then(|c| c["height"].as_u64())
                .unwrap_or(since);
            (role.to_string(), json!(height))
        })
        .collect()
}
