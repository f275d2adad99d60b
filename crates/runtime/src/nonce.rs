//! Per-account nonces, kept in the authenticated state under
//! `runtime/nonce/<account hex>` so that the state root covers them.

use publica_state::StateTree;
use publica_types::AccountId;

/// The state key holding `account`'s last used nonce.
pub fn nonce_key(account: &AccountId) -> Vec<u8> {
    format!("runtime/nonce/{}", account.to_hex()).into_bytes()
}

/// The last nonce `account` used in a committed block (0 if none).
pub fn committed_nonce(state: &StateTree, account: &AccountId) -> u64 {
    state
        .get(&nonce_key(account))
        .and_then(|b| std::str::from_utf8(&b).ok()?.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn set_nonce(state: &mut StateTree, account: &AccountId, nonce: u64) {
    state.insert(&nonce_key(account), nonce.to_string().as_bytes());
}
