//! Read-only views for the API and CLI.

use crate::model::{
    account_key, currency_key, Account, Appropriation, Currency, MerchantAccreditation,
};
use publica_state::StateTree;

/// Most history entries per page.
pub const HISTORY_PAGE_MAX: usize = 500;

fn read<T: serde::de::DeserializeOwned>(state: &StateTree, key: &[u8]) -> Option<T> {
    state.get(key).and_then(|b| serde_json::from_slice(&b).ok())
}

/// An account.
pub fn account(state: &StateTree, id: &str) -> Option<Account> {
    read(state, &account_key(id))
}

/// Most appropriations or merchants a currency query lists.
pub const CURRENCY_LIST_MAX: usize = 10_000;

/// A currency, its appropriations and its merchants' accreditations.
pub fn currency(
    state: &StateTree,
    code: &str,
) -> Option<(Currency, Vec<Appropriation>, Vec<MerchantAccreditation>)> {
    let c: Currency = read(state, &currency_key(code))?;
    Some((
        c,
        all(state, "appropriation", code),
        all(state, "merchant", code),
    ))
}

/// Every record under `money/<what>/<code>/`, up to [`CURRENCY_LIST_MAX`].
fn all<T: serde::de::DeserializeOwned>(state: &StateTree, what: &str, code: &str) -> Vec<T> {
    let prefix = format!("money/{what}/{code}/");
    state
        .scan_prefix(prefix.as_bytes(), CURRENCY_LIST_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}
