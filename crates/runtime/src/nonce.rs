//! Per-account nonces, kept in the authenticated state under
//! `runtime/nonce/<account hex>` so that the state root covers them.

use crate::overlay::{BlockState, Slot, StateRead};
use publica_types::AccountId;

/// The state key holding `account`'s last used nonce.
pub fn nonce_key(account: &AccountId) -> Vec<u8> {
    format!("runtime/nonce/{}", account.to_hex()).into_bytes()
}

/// The last nonce `account` used in a committed block (0 if none).
pub fn committed_nonce(state: &(impl StateRead + ?Sized), account: &AccountId) -> u64 {
    state
        .value(&nonce_key(account))
        .and_then(|b| std::str::from_utf8(&b).ok()?.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn set_nonce(state: &mut BlockState, account: &AccountId, nonce: u64) {
    state.set(
        nonce_key(account),
        Slot::Bytes(nonce.to_string().into_bytes()),
    );
}
