//! DID documents for accounts and agencies (`did:publica:<id>`), in the
//! W3C DID-resolution result shape.
//!
//! - An account's DID is `did:publica:<64 hex>`: its verification method is
//!   its current key as a Multikey (`z` + base58btc(0xed 0x01 || key)); the
//!   keys it had before are listed in `didDocumentMetadata.keyHistory`.
//! - An agency's DID is `did:publica:<agency id>`: its controllers are its
//!   administrators' DIDs and its verification methods their current keys.

use crate::state::{Agency, KeyRecord};
use publica_runtime::authz::{self, Membership, Role};
use publica_state::StateTree;
use publica_types::AccountId;
use serde_json::{json, Value};

/// Why a DID did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DidError {
    /// Not a `did:publica:` identifier.
    InvalidDid,
    /// No such account or agency.
    NotFound,
}

impl DidError {
    /// The DID-resolution error code.
    pub fn code(&self) -> &'static str {
        match self {
            DidError::InvalidDid => "invalidDid",
            DidError::NotFound => "notFound",
        }
    }
}

pub use publica_crypto::key::multikey;

fn read<T: serde::de::DeserializeOwned>(state: &StateTree, key: &[u8]) -> Option<T> {
    state.get(key).and_then(|b| serde_json::from_slice(&b).ok())
}

fn method(did: &str, fragment: &str, controller: &str, key: &AccountId) -> Value {
    json!({
        "id": format!("{did}#{fragment}"),
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey(key),
    })
}

fn result(doc: Value, metadata: Value) -> Value {
    json!({
        "@context": "https://w3id.org/did-resolution/v1",
        "didDocument": doc,
        "didResolutionMetadata": { "contentType": "application/did+ld+json" },
        "didDocumentMetadata": metadata,
    })
}

/// Agencies looked at for an account's membership (a ledger has tens).
const AGENCIES_SCANNED_MAX: usize = 10_000;

/// True when `account` holds a role in some agency: an official's DID
/// resolves whether or not the account registered, so that an agency's
/// controllers always resolve.
fn is_member(state: &StateTree, account: &AccountId) -> bool {
    state
        .scan_prefix(b"identity/agency/", AGENCIES_SCANNED_MAX)
        .iter()
        .filter_map(|(k, _)| {
            std::str::from_utf8(k)
                .ok()?
                .strip_prefix("identity/agency/")
        })
        .any(|agency| state.get(&authz::member_key(agency, account)).is_some())
}

/// Resolves `did` against the state.
pub fn resolve(state: &StateTree, did: &str) -> Result<Value, DidError> {
    let id = did
        .strip_prefix("did:publica:")
        .ok_or(DidError::InvalidDid)?;
    let context = json!([
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1"
    ]);
    if let Ok(account) = id.parse::<AccountId>() {
        let rec: Option<KeyRecord> = read(state, &authz::key_key(&account));
        let registered = state
            .get(&publica_runtime::system::account_key(&account))
            .is_some();
        if rec.is_none() && !registered && !is_member(state, &account) {
            return Err(DidError::NotFound);
        }
        let key = rec.as_ref().map(|r| r.key).unwrap_or(account);
        let vm = method(did, "key-1", did, &key);
        let doc = json!({
            "@context": context,
            "id": did,
            "verificationMethod": [vm],
            "authentication": [format!("{did}#key-1")],
            "assertionMethod": [format!("{did}#key-1")],
        });
        let history: Vec<Value> = rec
            .map(|r| r.history.iter().map(|p| json!({ "publicKeyMultibase": multikey(&p.key), "fromHeight": p.from_height, "untilHeight": p.until_height })).collect())
            .unwrap_or_default();
        return Ok(result(doc, json!({ "keyHistory": history })));
    }
    let agency: Agency = read(state, &authz::agency_key(id)).ok_or(DidError::NotFound)?;
    let prefix = format!("identity/member/{id}/");
    let mut controllers = Vec::new();
    let mut methods = Vec::new();
    for (k, v) in state.scan_prefix(prefix.as_bytes(), 10_000) {
        let Ok(m) = serde_json::from_slice::<Membership>(&v) else {
            continue;
        };
        if !m.roles.contains(&Role::Administrator) {
            continue;
        }
        let Some(account) = std::str::from_utf8(&k)
            .ok()
            .and_then(|k| k.strip_prefix(&prefix))
            .and_then(|h| h.parse::<AccountId>().ok())
        else {
            continue;
        };
        let admin_did = format!("did:publica:{account}");
        let key = authz::current_key(state, &account);
        methods.push(method(
            did,
            &format!("admin-{}", &account.to_hex()[..16]),
            &admin_did,
            &key,
        ));
        controllers.push(admin_did);
    }
    let refs: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
    let doc = json!({
        "@context": context,
        "id": did,
        "controller": controllers,
        "verificationMethod": methods,
        "assertionMethod": refs,
    });
    Ok(result(
        doc,
        json!({ "name": agency.name, "createdHeight": agency.created_height, "policyThreshold": agency.policy_threshold }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_known_values() {
        // The did:key spec's Ed25519 example prefix: multikeys start "z6Mk".
        assert!(multikey(&AccountId([7; 32])).starts_with("z6Mk"));
    }
}
