//! Secret ballots with public delegation (`docs/elections.md`, "Secret
//! votes with public delegation"): an election may name a community's
//! topic (`governance`); its voters are the community's members, their
//! ballots are secret as in any election, and at the close each member
//! who did not vote lends their weight along their public chain of
//! delegations on that topic to the first member on it who did. The
//! ledger takes the delegations as they stand in the first block at or
//! after the close, publishes them with each voter's extra weight, and
//! guardians decrypt `Σ weight_v · ballot_v` — each ballot scaled by a
//! public number, so the sum stays encrypted and the ballots secret.

use crate::codes::ElectionsRejection as R;
use crate::events::ElectionsEvent;
use crate::group::{point_from_hex, point_hex, small};
use crate::model::{aggregate_key, ballot_key, election_key, Election, Phase, StoredBallot};
use crate::proofs::Ciphertext;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where an election's delegations come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// The community's agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The topic whose delegations count.
    pub topic: String,
}

/// A member's delegation, as it stood at the close.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    /// The member (who did not vote).
    pub from: AccountId,
    /// Their delegate.
    pub to: AccountId,
}

/// A voter's weight beyond their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lent {
    /// The voter.
    pub voter: AccountId,
    /// How many members' weight reached them.
    pub delegated: u64,
}

/// The weights taken at the close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weighting {
    /// The block they were taken in.
    pub height: u64,
    /// The delegations of members who did not vote, in member order.
    pub delegations: Vec<Edge>,
    /// Voters with weight lent to them.
    pub lent: Vec<Lent>,
    /// Every ballot's weight together: the counts' bound.
    pub total: u64,
    /// Voters on a chain who had left the community by the close: their
    /// ballot counts, but no weight reaches them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<AccountId>,
}

/// The elections with delegation awaiting their close: id → `closes_ms`.
pub const DUE_KEY: &[u8] = b"elections/due";

/// State key of an election's weighting.
pub fn weighting_key(id: &str) -> Vec<u8> {
    format!("elections/weighting/{id}").into_bytes()
}

/// State key of the weighted encrypted tally guardians decrypt.
pub fn weighted_key(id: &str) -> Vec<u8> {
    format!("elections/weighted/{id}").into_bytes()
}

/// Each voter's lent weight: every `from` of `delegations` follows its
/// chain (the edges) to the first account in `voted`, which gains one;
/// a chain that ends elsewhere or loops lends nothing. Each account's
/// chain is walked once (the ends are remembered), so the cost is linear
/// in the edges.
pub fn lent(voted: &dyn Fn(&AccountId) -> bool, delegations: &[Edge]) -> BTreeMap<AccountId, u64> {
    let next: HashMap<AccountId, AccountId> = delegations.iter().map(|e| (e.from, e.to)).collect();
    let mut end: HashMap<AccountId, Option<AccountId>> = HashMap::new();
    let mut out = BTreeMap::new();
    for e in delegations {
        let mut seen = BTreeSet::from([e.from]);
        let mut path = Vec::new();
        let mut cur = e.to;
        let reached = loop {
            if let Some(known) = end.get(&cur) {
                break *known;
            }
            if voted(&cur) {
                break Some(cur);
            }
            match next.get(&cur) {
                Some(to) if seen.insert(cur) => {
                    path.push(cur);
                    cur = *to;
                }
                _ => break None,
            }
        };
        for p in path {
            end.insert(p, reached);
        }
        if let Some(v) = reached {
            *out.entry(v).or_insert(0) += 1;
        }
    }
    out
}

/// Checks `d` at publication: the community and topic exist, and the
/// census is of accounts.
pub fn check(ctx: &CallContext<'_>, e: &Election, d: &Delegation) -> Result<(), TxError> {
    if e.census.ring.is_some() {
        return Err(R::InvalidField.err(
            "delegation: delegates are public, so an election with delegation has a census of accounts, not an anonymous one",
        ));
    }
    let c = crate::governance::community::load(ctx, &d.agency, &d.community)?;
    crate::governance::community::topic(&c, &d.topic)
}

/// Refuses a ballot from someone who is not a member of the community.
pub fn voter_is_member(
    ctx: &CallContext<'_>,
    d: &Delegation,
    voter: &AccountId,
) -> Result<(), TxError> {
    let c = crate::governance::community::load(ctx, &d.agency, &d.community)?;
    if crate::governance::community::is_member(ctx, &c, voter) {
        Ok(())
    } else {
        Err(R::NotInCensus.err(format!(
            "{voter} is not a member of '{}': an election with delegation takes its members' ballots",
            c.id
        )))
    }
}

/// Marks `e` to be weighed at its close.
pub fn schedule(ctx: &mut CallContext<'_>, e: &Election) {
    let mut due: BTreeMap<String, u64> = ctx.read(DUE_KEY).unwrap_or_default();
    due.insert(e.id.clone(), e.closes_ms);
    ctx.write(DUE_KEY.to_vec(), &due);
}

/// Weighs every election whose close the block has reached.
pub fn begin_block(ctx: &mut CallContext<'_>) {
    let now = ctx.env().time_ms;
    let mut due: BTreeMap<String, u64> = ctx.read(DUE_KEY).unwrap_or_default();
    let ready: Vec<String> = due
        .iter()
        .filter(|(_, t)| **t <= now)
        .map(|(id, _)| id.clone())
        .collect();
    if ready.is_empty() {
        return;
    }
    for id in ready {
        due.remove(&id);
        weigh(ctx, &id);
    }
    ctx.write(DUE_KEY.to_vec(), &due);
}

/// The earliest close awaiting its weighing.
pub fn next_due_ms(state: &publica_state::StateTree) -> Option<u64> {
    let due: BTreeMap<String, u64> = state
        .get(DUE_KEY)
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    due.values().min().copied()
}

fn weigh(ctx: &mut CallContext<'_>, id: &str) {
    let Some(e) = ctx.read::<Election>(&election_key(id)) else {
        return;
    };
    let (Some(d), Phase::Ready) = (e.delegation.clone(), e.phase) else {
        return;
    };
    let mut delegations = Vec::new();
    let community = crate::governance::community::load(ctx, &d.agency, &d.community).ok();
    if let Some(c) = &community {
        for n in 0..c.members {
            let key = crate::governance::model::member_at_key(&c.agency, &c.id, n);
            let Some(m) = ctx.read::<AccountId>(&key) else {
                continue;
            };
            if !crate::governance::community::is_member(ctx, c, &m)
                || ctx.contains(&ballot_key(id, &m))
            {
                continue;
            }
            if let Some(to) = crate::governance::community::delegation_of(ctx, c, &d.topic, &m) {
                delegations.push(Edge { from: m, to: to.to });
            }
        }
    }
    // Weight reaches only voters still members.
    let member = |a: &AccountId| {
        community
            .as_ref()
            .is_some_and(|c| crate::governance::community::is_member(ctx, c, a))
    };
    let mut left: Vec<AccountId> = delegations
        .iter()
        .map(|e| e.to)
        .filter(|to| ctx.contains(&ballot_key(id, to)) && !member(to))
        .collect();
    left.sort_unstable();
    left.dedup();
    let voted = |a: &AccountId| ctx.contains(&ballot_key(id, a)) && member(a);
    let lent_to = lent(&voted, &delegations);
    let mut aggregate: Vec<Vec<[String; 2]>> = ctx
        .read(&aggregate_key(id))
        .expect("created with the election");
    for (voter, extra) in &lent_to {
        let b: StoredBallot = ctx.read(&ballot_key(id, voter)).expect("a voter's ballot");
        for (row, cts) in aggregate.iter_mut().zip(b.ciphertexts()) {
            for (cell, add) in row.iter_mut().zip(cts) {
                let now = Ciphertext {
                    a: point_from_hex(&cell[0]).expect("points the module wrote"),
                    b: point_from_hex(&cell[1]).expect("points the module wrote"),
                };
                let w = small(*extra);
                let next = Ciphertext {
                    a: now.a + add.a * w,
                    b: now.b + add.b * w,
                };
                *cell = [point_hex(&next.a), point_hex(&next.b)];
            }
        }
    }
    let total = e.counted + lent_to.values().sum::<u64>();
    let weighting = Weighting {
        height: ctx.env().height,
        delegations,
        lent: lent_to
            .iter()
            .map(|(voter, delegated)| Lent {
                voter: *voter,
                delegated: *delegated,
            })
            .collect(),
        total,
        left,
    };
    ctx.emit_event(&ElectionsEvent::Weighed {
        election: id.to_string(),
        total,
        delegated: total - e.counted,
    });
    ctx.write(weighted_key(id), &aggregate);
    ctx.write(weighting_key(id), &weighting);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: u8) -> AccountId {
        AccountId([n; 32])
    }

    #[test]
    fn weight_follows_each_chain_to_its_first_voter() {
        // 1 → 2 → 3 (voted); 4 → 2 → 3; 5 → 6 (no vote, no delegation);
        // 7 → 8 → 7 (a loop); 9 → 3.
        let edges = [(1, 2), (2, 3), (4, 2), (5, 6), (7, 8), (8, 7), (9, 3)].map(|(f, t)| Edge {
            from: a(f),
            to: a(t),
        });
        let voted = |x: &AccountId| *x == a(3) || *x == a(10);
        let w = lent(&voted, &edges);
        assert_eq!(w, BTreeMap::from([(a(3), 4)]));
        // 2 votes now: 1 and 4 stop at 2, 9 still reaches 3.
        let voted = |x: &AccountId| *x == a(3) || *x == a(2);
        let edges: Vec<Edge> = edges.into_iter().filter(|e| e.from != a(2)).collect();
        assert_eq!(lent(&voted, &edges), BTreeMap::from([(a(2), 2), (a(3), 1)]));
    }
}
