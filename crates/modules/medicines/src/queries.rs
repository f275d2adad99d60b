//! Reads of the medicines module's state, which its routes answer with.

use crate::gs1;
use crate::model::{
    item_key, party_key, prefix_key, recall_id_key, recall_key, Item, Party, Recall,
};
use publica_runtime::overlay::StateRead;
use serde::Serialize;

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
    owner_with(|k| state.value(k).map(std::borrow::Cow::into_owned), id)
}

/// [`owner_of`] over any reader of state bytes (a call's context).
pub fn owner_with(get: impl Fn(&[u8]) -> Option<Vec<u8>>, id: &gs1::Id) -> Option<Party> {
    let n = id.prefixed_number();
    (6..=12.min(n.len())).rev().find_map(|len| {
        let holder: String =
            get(&prefix_key(&n[..len])).and_then(|b| serde_json::from_slice(&b).ok())?;
        get(&party_key(&holder)).and_then(|b| serde_json::from_slice(&b).ok())
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

/// One custodian in a verified chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainHop {
    /// The party.
    pub party: String,
    /// Since (event time, ms).
    pub since_ms: u64,
    /// The event that made it custodian (its hash).
    pub event: String,
    /// It was licensed then.
    pub licensed: bool,
}

/// Why a pack does not verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `not_commissioned`, `dispensed`, `decommissioned`, `destroyed`,
    /// `transformed`, `recalled`, `expired`, `diverted` or
    /// `unlicensed_custodian`.
    pub code: &'static str,
    /// A sentence for the pharmacist.
    pub message: String,
}

/// The answer to "verify this pack".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The pack's key (Digital Link path).
    pub key: String,
    /// Its Digital Link.
    pub digital_link: String,
    /// True when no problem was found.
    pub authentic: bool,
    /// What is wrong, if anything.
    pub problems: Vec<Problem>,
    /// The party that commissioned it.
    pub commissioned_by: Option<String>,
    /// When (ms).
    pub commissioned_ms: Option<u64>,
    /// The party whose company prefix the number begins with (for a
    /// number never commissioned: whose number it claims to be).
    pub prefix_owner: Option<String>,
    /// Its custodian now (its outermost container's).
    pub custodian: Option<String>,
    /// `held`, `in_transit`, `dispensed`, … (its outermost container's
    /// while packed).
    pub status: Option<&'static str>,
    /// The containers it is in, innermost first (keys).
    pub containers: Vec<String>,
    /// Its lot.
    pub lot: Option<String>,
    /// Its expiry date.
    pub expiry: Option<String>,
    /// The recall that covers it.
    pub recall: Option<Recall>,
    /// The chain of custody, commissioning first.
    pub chain: Vec<ChainHop>,
}

/// The object `key` and its containers, innermost first (at most 8 deep).
#[must_use]
pub fn item_and_containers(state: &dyn StateRead, key: &str) -> Option<Vec<(String, Item)>> {
    let read = |k: &str| -> Option<Item> {
        state
            .value(&item_key(k))
            .and_then(|b| serde_json::from_slice(&b).ok())
    };
    let mut out = vec![(key.to_string(), read(key)?)];
    while out.len() < 8 {
        let Some(parent) = out.last().and_then(|(_, i)| i.parent.clone()) else {
            break;
        };
        let item = read(&parent)?;
        out.push((parent, item));
    }
    Some(out)
}

/// The recall covering a pack of `gtin` in `lot`, if any.
#[must_use]
pub fn recall_of(state: &dyn StateRead, gtin: &str, lot: Option<&str>) -> Option<Recall> {
    let id: String = lot
        .and_then(|l| state.value(&recall_key(gtin, Some(l))))
        .or_else(|| state.value(&recall_key(gtin, None)))
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    read_recall(state, &id)
}

/// The recall `id`.
#[must_use]
pub fn read_recall(state: &dyn StateRead, id: &str) -> Option<Recall> {
    state
        .value(&recall_id_key(id))
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The chain of custody of the first of `items` (an object and its
/// containers, innermost first): its own custodians, then each
/// container's after it was packed.
fn chain_of(items: &[(String, Item)]) -> Vec<crate::model::Hop> {
    let mut chain = items[0].1.hops.clone();
    for w in items.windows(2) {
        let packed = w[0].1.packed_ms.unwrap_or(0);
        for hop in w[1].1.hops.iter().filter(|h| h.since_ms > packed) {
            if chain.last().map(|l| &l.party) != Some(&hop.party) {
                chain.push(hop.clone());
            }
        }
    }
    chain
}

/// The custodian now of the first of `items` (an object and its
/// containers): the last party of its chain.
#[must_use]
pub fn custodian(items: &[(String, Item)]) -> String {
    chain_of(items)
        .last()
        .map(|h| h.party.clone())
        .unwrap_or_default()
}

/// Verifies the pack (or container) `id` at `now_ms`.
#[must_use]
pub fn verify(state: &dyn StateRead, id: &gs1::Id, now_ms: u64) -> Verdict {
    let mut v = Verdict {
        key: id.key(),
        digital_link: id.digital_link(),
        authentic: false,
        problems: Vec::new(),
        commissioned_by: None,
        commissioned_ms: None,
        prefix_owner: owner_of(state, id).map(|p| p.id),
        custodian: None,
        status: None,
        containers: Vec::new(),
        lot: None,
        expiry: None,
        recall: None,
        chain: Vec::new(),
    };
    let Some(items) = item_and_containers(state, &v.key) else {
        v.problems.push(Problem {
            code: "not_commissioned",
            message: "this number was never commissioned: the pack may be counterfeit".into(),
        });
        return v;
    };
    let (item, top) = (&items[0].1, &items[items.len() - 1].1);
    v.commissioned_by = Some(item.commissioned_by.clone());
    v.commissioned_ms = Some(item.commissioned_ms);
    v.containers = items[1..].iter().map(|(k, _)| k.clone()).collect();
    v.lot.clone_from(&item.lot);
    v.expiry.clone_from(&item.expiry);
    let status = if item.status.is_final() {
        &item.status
    } else {
        &top.status
    };
    v.status = Some(status.name());
    let chain = chain_of(&items);
    v.custodian = chain.last().map(|h| h.party.clone());
    if status.is_final() {
        v.problems.push(Problem {
            code: status.name(),
            message: format!("this pack was {} already", status.name()),
        });
    }
    if let Some(why) = items.iter().find_map(|(_, i)| i.diverted.clone()) {
        v.problems.push(Problem {
            code: "diverted",
            message: format!("the pack left the licensed supply chain: {why}"),
        });
    }
    for hop in &chain {
        let licensed = read_party(state, &hop.party).is_some_and(|p| p.licensed_at(hop.since_ms));
        if !licensed {
            v.problems.push(Problem {
                code: "unlicensed_custodian",
                message: format!(
                    "party '{}' was not licensed when it took the pack",
                    hop.party
                ),
            });
        }
        v.chain.push(ChainHop {
            party: hop.party.clone(),
            since_ms: hop.since_ms,
            event: hop.event.clone(),
            licensed,
        });
    }
    if let gs1::Id::Sgtin { gtin, .. } = id {
        v.recall = recall_of(state, gtin, item.lot.as_deref());
        if let Some(r) = &v.recall {
            v.problems.push(Problem {
                code: "recalled",
                message: format!("recalled ({}): {}", r.id, r.reason),
            });
        }
    }
    let today = i64::try_from(now_ms / 86_400_000).unwrap_or(i64::MAX);
    if let Some(day) = item.expiry.as_deref().and_then(crate::epcis::parse_date) {
        if day < today {
            v.problems.push(Problem {
                code: "expired",
                message: format!("expired on {}", item.expiry.as_deref().unwrap_or_default()),
            });
        }
    }
    v.authentic = v.problems.is_empty();
    v
}
