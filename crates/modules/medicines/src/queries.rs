//! Reads of the medicines module's state, which its routes answer with.

use crate::gs1;
use crate::model::{party_key, prefix_key, Party};
use publica_runtime::overlay::StateRead;

/// The party `id`.
#[must_use]
pub fn read_party(state: &dyn StateRead, id: &str) -> Option<Party> {
    state
        .value(&party_key(id))
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The party with the longest registered company prefix `id` begins with.
#[must_use]
pub fn owner_of(state: &dyn StateRead, id: &gs1::Id) -> Option<Party> {
    let n = id.prefixed_number();
    (6..=12.min(n.len())).rev().find_map(|len| {
        let holder: String = state
            .value(&prefix_key(&n[..len]))
            .and_then(|b| serde_json::from_slice(&b).ok())?;
        read_party(state, &holder)
    })
}

/// Registered parties, by id (at most `limit`).
#[must_use]
pub fn parties(state: &publica_state::StateTree, limit: usize) -> Vec<Party> {
    state
        .scan_prefix(b"medicines/party/", limit)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}
