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
        },
        "publica": {"height": height, "size": l.size, "set": l.set, "changed_height": l.changed_height},
    })
}
