//! Read-only views for the API and CLI.

use crate::model::*;
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

/// A currency and its appropriations.
pub fn currency(state: &StateTree, code: &str) -> Option<(Currency, Vec<Appropriation>)> {
    let c: Currency = read(state, &currency_key(code))?;
    let prefix = format!("money/appropriation/{code}/");
    let apprs = state
        .scan_prefix(prefix.as_bytes(), 10_000)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    Some((c, apprs))
}
