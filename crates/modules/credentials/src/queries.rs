//! Reads of the credentials module's state.

use crate::model::{accreditation_key, list_key, pending_key, Accreditation, Pending, StatusList};
use crate::status;
use crate::verify::{STATUS_PATH, VC_V2};
use publica_state::StateTree;
use serde_json::{json, Value};

fn read<T: serde::de::DeserializeOwned>(state: &StateTree, key: &[u8]) -> Option<T> {
    state.get(key).and_then(|b| serde_json::from_slice(&b).ok())
}

/// An accreditation and the change waiting for it, if either exists.
#[must_use]
pub fn accreditation(state: &StateTree, accreditor: &str, institution: &str) -> Option<Value> {
    let acc: Option<Accreditation> = read(state, &accreditation_key(accreditor, institution));
    let pending: Option<Pending> = read(state, &pending_key(accreditor, institution));
    if acc.is_none() && pending.is_none() {
        return None;
    }
    Some(json!({"accreditation": acc, "pending": pending}))
}

/// A status list.
#[must_use]
pub fn list(state: &StateTree, institution: &str, id: &str) -> Option<StatusList> {
    read(state, &list_key(institution, id))
}

/// A status list as a W3C `BitstringStatusListCredential`, rebuilt from the
/// state (unsigned: its authority is the ledger's state at `height`).
#[must_use]
pub fn list_credential(state: &StateTree, l: &StatusList, height: u64) -> Value {
    let bits = status::bitstring(l, &|k| state.get(k).map(std::borrow::Cow::into_owned));
    let id = format!("{STATUS_PATH}{}/{}", l.institution, l.id);
    json!({
        "@context": [VC_V2],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": format!("did:publica:{}", l.institution),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": l.purpose.as_str(),
            "encodedList": status::encode(&bits),
            // W3C `ttl`: how long, in ms, a verifier may use it before
            // fetching it again (the HTTP answer's max-age).
            "ttl": u64::from(crate::routes::STATUS_LIST_MAX_AGE_S) * 1000,
        },
        "publica": {"height": height, "size": l.size, "set": l.set, "changed_height": l.changed_height},
    })
}

/// Most issuers a `did:web` document lists.
pub const DID_WEB_KEYS_MAX: usize = 256;

/// The `did:web` document of `domain` (W3C DID Core): the registered
/// institution's issuers, each by its current key as a Multikey
/// (`did:web:<domain>#<account hex>`), all for `assertionMethod`, and the
/// institution's `did:publica` as `alsoKnownAs`.
#[must_use]
pub fn did_web_document(state: &StateTree, domain: &str) -> Option<Value> {
    use publica_runtime::authz::{self, Role};
    let inst = crate::verify::domain_institution(state, domain)?;
    let did = format!("did:web:{domain}");
    let prefix = format!("identity/member/{inst}/");
    let mut methods = vec![];
    let mut ids = vec![];
    for (k, _) in state.scan_prefix(prefix.as_bytes(), usize::MAX) {
        let account = std::str::from_utf8(&k)
            .ok()
            .and_then(|k| k.strip_prefix(&prefix))
            .and_then(|h| h.parse::<publica_types::AccountId>().ok());
        let Some(account) = account else { continue };
        if !authz::has_role(state, &inst, &account, Role::Issuer) {
            continue;
        }
        let id = format!("{did}#{account}");
        let key = authz::current_key(state, &account);
        methods.push(json!({"id": id, "type": "Multikey", "controller": did,
                            "publicKeyMultibase": crate::di::multikey(&key)}));
        ids.push(id);
        if ids.len() == DID_WEB_KEYS_MAX {
            break;
        }
    }
    Some(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [format!("did:publica:{inst}")],
        "verificationMethod": methods,
        "assertionMethod": ids,
    }))
}
