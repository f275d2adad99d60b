//! Verifying a whole election from its record, trusting no one: the
//! manifest hash, every guardian's proofs and the election key, every
//! ballot's census place, proofs and tracking code, the last ballot of
//! each voter, the challenged ballots' openings, the tally, every partial
//! decryption and the published result (`docs/elections.md`,
//! "Verifying an election"). `publica election verify` runs it on a
//! record fetched from a node or read from a file.

use crate::ballot::{self, parse_proof};
use crate::ceremony;
use crate::group::{point_from_hex, point_hex, scalar_from_hex, Point};
use crate::lifecycle::{check_census, CensusProof};
use crate::model::{
    Commitment, ComplaintStatus, Election, Membership, Outcome, Phase, Registration, WireBallot,
    WireShare,
};
use crate::proofs::{verify_knowledge, verify_share, Ciphertext};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A ballot on the board.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoardBallot {
    /// The voter.
    pub voter: AccountId,
    /// Its tracking code.
    pub tracking: String,
    /// The tracking code it replaced.
    pub replaces: Option<String>,
    /// The ballot.
    pub ballot: WireBallot,
    /// The voter's census place (a census of accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub census: Option<CensusProof>,
    /// The membership proof (an anonymous census; `voter` is the
    /// nullifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Membership>,
}

/// A registration of an anonymous census on the board.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoardMember {
    /// The voter's account.
    pub account: AccountId,
    /// Its index.
    pub index: u64,
    /// `P = s·G` (hex).
    pub commitment: String,
    /// Its proof of knowledge of `s`.
    pub proof: crate::model::WireProof,
    /// The account's census place.
    pub census: CensusProof,
}

/// A challenged ballot on the board.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoardChallenge {
    /// The voter.
    pub voter: AccountId,
    /// Its tracking code.
    pub tracking: String,
    /// What it held, as published.
    pub choices: Vec<Vec<u64>>,
    /// The ballot.
    pub ballot: WireBallot,
    /// Its nonces.
    pub nonces: Vec<Vec<String>>,
    /// The membership proof (an anonymous census).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Membership>,
}

/// A guardian's partial decryption.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GuardianPartial {
    /// The guardian's number.
    pub guardian: u32,
    /// Per contest, per selection.
    pub shares: Vec<Vec<WireShare>>,
}

/// Everything an election published.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ElectionRecord {
    /// The chain.
    pub chain_id: String,
    /// The election as the ledger holds it.
    pub election: Election,
    /// Every guardian's ceremony message, in guardian order.
    pub commitments: Vec<Commitment>,
    /// Every registration of an anonymous census, in order.
    #[serde(default)]
    pub members: Vec<BoardMember>,
    /// Every ballot cast, in board order.
    pub ballots: Vec<BoardBallot>,
    /// Every challenged ballot.
    pub challenged: Vec<BoardChallenge>,
    /// Every partial decryption.
    pub partials: Vec<GuardianPartial>,
    /// The result, once published.
    pub outcome: Option<Outcome>,
    /// With delegation: the weights taken at the close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighting: Option<crate::delegated::Weighting>,
}

/// What a verification found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Ballots checked.
    pub ballots: u64,
    /// Ballots counted (each voter's last).
    pub counted: u64,
    /// Challenged ballots checked.
    pub challenged: u64,
    /// Every counted ballot's weight together (the ballots counted,
    /// unless delegations lend weight).
    pub weight: u64,
    /// The counts recomputed from the partial decryptions, if published.
    pub counts: Option<Vec<Vec<u64>>>,
    /// Every failure, naming what failed; empty when the election holds.
    pub failures: Vec<String>,
}

impl Report {
    /// Whether every check held.
    pub fn holds(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Verifies `record`.
pub fn verify(record: &ElectionRecord) -> Report {
    let mut r = Report::default();
    let e = &record.election;
    let h_m = ballot::manifest_hash(e);
    if record.chain_id != e.chain_id {
        r.failures.push(format!(
            "the record is of chain {}, the election of {}",
            record.chain_id, e.chain_id
        ));
    }
    if hex::encode(h_m) != e.manifest_hash {
        r.failures
            .push("the manifest hash does not match the manifest".into());
    }
    let Some((key, base)) = check_ceremony(record, &h_m, &mut r) else {
        return r;
    };
    if e.open_complaint().is_some() && !(record.ballots.is_empty() && record.challenged.is_empty())
    {
        r.failures
            .push("ballots were taken while a complaint of the ceremony was open".into());
    }
    check_members(record, &mut r);
    let aggregate = check_ballots(record, &key, &base, &mut r);
    check_challenges(record, &key, &base, &mut r);
    r.counts = check_tally(record, &aggregate, &base, &mut r);
    r
}

fn check_ceremony(
    record: &ElectionRecord,
    h_m: &[u8; 32],
    r: &mut Report,
) -> Option<(Point, [u8; 32])> {
    let e = &record.election;
    if record.commitments.len() != e.guardians.len() {
        r.failures.push(format!(
            "{} guardians, {} ceremony messages",
            e.guardians.len(),
            record.commitments.len()
        ));
        return None;
    }
    let mut all = Vec::new();
    for (i, m) in record.commitments.iter().enumerate() {
        let n = i as u32 + 1;
        let mut points = Vec::new();
        for (j, (c, p)) in m.commitments.iter().zip(&m.proofs).enumerate() {
            let ok = point_from_hex(c)
                .zip(parse_proof(p, "").ok())
                .filter(|(k, proof)| {
                    verify_knowledge(&ballot::coefficient_context(h_m, n, j as u32), k, proof)
                });
            match ok {
                Some((k, _)) => points.push(k),
                None => r.failures.push(format!(
                    "guardian {n}: coefficient {j}'s proof of knowledge fails"
                )),
            }
        }
        if m.commitments.len() != e.threshold as usize {
            r.failures
                .push(format!("guardian {n}: not {} commitments", e.threshold));
        }
        all.push(points);
    }
    check_complaints(e, &all, r);
    let qualified = qualified_commitments(e, &all);
    let key = ceremony::joint_key(&qualified);
    let base = ballot::base_hash(h_m, &key);
    if e.key.as_deref() != Some(point_hex(&key).as_str()) {
        r.failures
            .push("the election key is not the sum of the qualified guardians' commitments".into());
    }
    if e.base_hash.as_deref() != Some(hex::encode(base).as_str()) {
        r.failures
            .push("the base hash does not match the manifest and key".into());
    }
    Some((key, base))
}

/// The commitments of the dealers not disqualified, in guardian order.
fn qualified_commitments(e: &Election, all: &[Vec<Point>]) -> Vec<Vec<Point>> {
    e.qualified()
        .into_iter()
        .filter_map(|n| all.get(n as usize - 1).cloned())
        .collect()
}

/// Every complaint: a revealed share checks against its dealer's
/// commitments, and the disqualified dealers are exactly those with a
/// complaint upheld.
fn check_complaints(e: &Election, all: &[Vec<Point>], r: &mut Report) {
    let mut upheld = Vec::new();
    for c in &e.complaints {
        let who = format!(
            "guardian {}'s complaint of guardian {}",
            c.guardian, c.dealer
        );
        let known = |n: u32| (1..=all.len() as u32).contains(&n);
        if !known(c.guardian) || !known(c.dealer) || c.guardian == c.dealer {
            r.failures.push(format!("{who}: no such guardians"));
            continue;
        }
        match c.status {
            ComplaintStatus::Answered => {
                let share = c.share.as_deref().and_then(scalar_from_hex);
                let holds = share.is_some_and(|s| {
                    ceremony::share_checks(&all[c.dealer as usize - 1], c.guardian, &s)
                });
                if !holds {
                    r.failures.push(format!(
                        "{who}: the revealed share fails the dealer's commitments"
                    ));
                }
            }
            ComplaintStatus::Upheld => upheld.push(c.dealer),
            ComplaintStatus::Open => {}
        }
    }
    upheld.sort_unstable();
    upheld.dedup();
    let mut disqualified = e.disqualified.clone();
    disqualified.sort_unstable();
    if upheld != disqualified {
        r.failures.push(format!(
            "the disqualified guardians {disqualified:?} are not those with a complaint upheld {upheld:?}"
        ));
    }
}

type Tally = Vec<Vec<Ciphertext>>;

/// The registrations of an anonymous census: each account in the census
/// once, each commitment once, in order, as many as the ledger counts.
fn check_members(record: &ElectionRecord, r: &mut Report) {
    let e = &record.election;
    if e.census.ring.is_none() && !record.members.is_empty() {
        r.failures
            .push("registrations in an election without an anonymous census".into());
    }
    if e.census
        .ring
        .is_some_and(|s| crate::ring::bucket_members(s, s, 0).is_none())
    {
        r.failures
            .push("the census's ring is not a power of two from 2 to 1024".into());
    }
    let h_m = ballot::manifest_hash(e);
    let mut accounts = std::collections::BTreeSet::new();
    let mut commitments = std::collections::BTreeSet::new();
    for (i, m) in record.members.iter().enumerate() {
        let who = format!("registration {i}");
        if m.index != i as u64 {
            r.failures.push(format!("{who}: it says it is {}", m.index));
        }
        if check_census(e, &m.account, &m.census).is_err() {
            r.failures
                .push(format!("{who}: its account is not in the census"));
        }
        let point = point_from_hex(&m.commitment)
            .filter(|p| *p != curve25519_dalek_5::traits::Identity::identity());
        match point {
            None => r
                .failures
                .push(format!("{who}: its commitment is no point")),
            Some(p) if !crate::anonymous::registration_holds(&h_m, &m.account, &p, &m.proof) => {
                r.failures.push(format!(
                    "{who}: its proof of knowledge of the commitment's secret fails"
                ));
            }
            Some(_) => {}
        }
        if !accounts.insert(m.account) || !commitments.insert(m.commitment.clone()) {
            r.failures
                .push(format!("{who}: its account or commitment registered twice"));
        }
    }
    if record.members.len() as u64 != e.registered {
        r.failures.push(format!(
            "the ledger counts {} registrations; the board holds {}",
            e.registered,
            record.members.len()
        ));
    }
}

/// Whether a ballot's voter may vote: its census place, or its
/// membership proof for its tracking code and the ballot it replaces
/// (`replaces`: `Some` for a counted ballot, which must name the one the
/// board says it replaced).
fn eligible(
    record: &ElectionRecord,
    base: &[u8; 32],
    voter: &AccountId,
    (census, member): (Option<&CensusProof>, Option<&Membership>),
    (tracking, replaces): (&str, Option<Option<&str>>),
) -> Result<(), String> {
    let e = &record.election;
    let named = crate::lifecycle::voter_of(e, voter, census, member).map_err(|x| x.message)?;
    if named != *voter {
        return Err("its voter is not its membership's nullifier".into());
    }
    if let Some(m) = member {
        let read = |i: u64| {
            record.members.get(i as usize).map(|m| Registration {
                account: m.account,
                commitment: m.commitment.clone(),
                height: 0,
            })
        };
        if replaces.is_some_and(|r| r != m.replaces.as_deref()) {
            return Err("its membership names another ballot replaced than the board".into());
        }
        let h_m = ballot::manifest_hash(e);
        let registrations = crate::anonymous::Registrations {
            count: record.members.len() as u64,
            read: &read,
        };
        crate::anonymous::check((e, &h_m, base), m, tracking, &registrations)
            .map_err(|x| x.message)?;
    }
    Ok(())
}

/// A ballot's ciphertexts (or why not), and whether its voter may vote
/// (or why not).
type Checked = (Result<Tally, String>, Result<(), String>);

/// Each ballot's proofs and eligibility checked, on every core.
fn ballot_proofs(record: &ElectionRecord, key: &Point, base: &[u8; 32]) -> Vec<Checked> {
    let e = &record.election;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per = record.ballots.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = record
            .ballots
            .chunks(per)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|b| {
                            let place = (b.census.as_ref(), b.member.as_ref());
                            (
                                ballot::verify(base, key, &e.contests, &b.voter, &b.ballot)
                                    .map_err(|err| err.to_string()),
                                eligible(
                                    record,
                                    base,
                                    &b.voter,
                                    place,
                                    (&b.tracking, Some(b.replaces.as_deref())),
                                ),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("a verifying thread does not panic"))
            .collect()
    })
}

fn check_ballots(record: &ElectionRecord, key: &Point, base: &[u8; 32], r: &mut Report) -> Tally {
    let e = &record.election;
    let mut last: BTreeMap<AccountId, (String, Tally)> = BTreeMap::new();
    let proofs = ballot_proofs(record, key, base);
    for (b, (checked, may_vote)) in record.ballots.iter().zip(proofs) {
        r.ballots += 1;
        let who = format!("ballot {}", b.tracking);
        if let Err(why) = may_vote {
            r.failures
                .push(format!("{who}: its voter is not in the census ({why})"));
        }
        if ballot::tracking_code(base, &b.voter, &b.ballot) != b.tracking {
            r.failures.push(format!(
                "{who}: the tracking code does not match the ballot"
            ));
        }
        let before = last.get(&b.voter).map(|(t, _)| t.clone());
        if before != b.replaces {
            r.failures.push(format!(
                "{who}: it replaces {:?}, but the voter's ballot before it is {before:?}",
                b.replaces
            ));
        }
        match checked {
            Ok(cts) => {
                last.insert(b.voter, (b.tracking.clone(), cts));
            }
            Err(err) => r.failures.push(format!("{who}: {err}")),
        }
    }
    r.counted = last.len() as u64;
    if r.counted != e.counted {
        r.failures.push(format!(
            "the ledger counts {} ballots; the board holds {} voters'",
            e.counted, r.counted
        ));
    }
    let lent = lent_weights(record, &last, r);
    r.weight = r.counted + lent.values().sum::<u64>();
    let mut sum: Tally = e
        .contests
        .iter()
        .map(|c| vec![Ciphertext::zero(); c.selections.len()])
        .collect();
    for (voter, (_, cts)) in &last {
        // A ballot weighs one unless delegations lent it more (scaling
        // costs a multiplication per point: only where needed).
        let extra = lent.get(voter).copied().unwrap_or(0);
        let w = crate::group::small(1 + extra);
        for (row, ct_row) in sum.iter_mut().zip(cts) {
            for (s, ct) in row.iter_mut().zip(ct_row) {
                *s = if extra == 0 {
                    *s + *ct
                } else {
                    Ciphertext {
                        a: s.a + ct.a * w,
                        b: s.b + ct.b * w,
                    }
                };
            }
        }
    }
    sum
}

/// With delegation: the weight each voter was lent, recomputed from the
/// delegations published with the weighting and the board's voters, and
/// checked against what the ledger published.
fn lent_weights(
    record: &ElectionRecord,
    last: &BTreeMap<AccountId, (String, Tally)>,
    r: &mut Report,
) -> BTreeMap<AccountId, u64> {
    let e = &record.election;
    let Some(w) = &record.weighting else {
        if e.delegation.is_some() && !record.partials.is_empty() {
            r.failures.push(
                "partial decryptions of an election with delegation that was never weighed".into(),
            );
        }
        return BTreeMap::new();
    };
    if e.delegation.is_none() {
        r.failures
            .push("weights published for an election without delegation".into());
        return BTreeMap::new();
    }
    if w.left.iter().any(|a| !last.contains_key(a)) {
        r.failures
            .push("the weighting names as left a voter with no ballot".into());
    }
    let mut froms = std::collections::BTreeSet::new();
    for d in &w.delegations {
        if last.contains_key(&d.from) || !froms.insert(d.from) {
            r.failures.push(format!(
                "the published delegations name {} twice, or as a voter",
                d.from
            ));
        }
    }
    let voted = |a: &AccountId| last.contains_key(a) && !w.left.contains(a);
    let lent = crate::delegated::lent(&voted, &w.delegations);
    let published: BTreeMap<AccountId, u64> =
        w.lent.iter().map(|l| (l.voter, l.delegated)).collect();
    if lent != published || w.total != last.len() as u64 + lent.values().sum::<u64>() {
        r.failures.push(
            "the weights published at the close are not those the delegations and the ballots give"
                .into(),
        );
    }
    lent
}

fn check_challenges(record: &ElectionRecord, key: &Point, base: &[u8; 32], r: &mut Report) {
    let e = &record.election;
    for c in &record.challenged {
        r.challenged += 1;
        let who = format!("challenged ballot {}", c.tracking);
        if e.census.ring.is_some() {
            if let Err(why) = eligible(
                record,
                base,
                &c.voter,
                (None, c.member.as_ref()),
                (&c.tracking, None),
            ) {
                r.failures
                    .push(format!("{who}: its voter is not in the census ({why})"));
            }
        }
        if ballot::tracking_code(base, &c.voter, &c.ballot) != c.tracking {
            r.failures.push(format!(
                "{who}: the tracking code does not match the ballot"
            ));
        }
        match ballot::verify(base, key, &e.contests, &c.voter, &c.ballot) {
            Ok(cts) => match ballot::open(key, &cts, &c.nonces) {
                Ok(choices) if choices == c.choices => {}
                Ok(_) => r.failures.push(format!(
                    "{who}: its nonces open it to other choices than published"
                )),
                Err(err) => r.failures.push(format!("{who}: {err}")),
            },
            Err(err) => r.failures.push(format!("{who}: {err}")),
        }
    }
}

fn check_tally(
    record: &ElectionRecord,
    sum: &Tally,
    base: &[u8; 32],
    r: &mut Report,
) -> Option<Vec<Vec<u64>>> {
    let e = &record.election;
    let all: Vec<Vec<Point>> = record
        .commitments
        .iter()
        .map(|m| {
            m.commitments
                .iter()
                .filter_map(|c| point_from_hex(c))
                .collect()
        })
        .collect();
    let all = qualified_commitments(e, &all);
    let mut good: BTreeMap<u32, Vec<Vec<Point>>> = BTreeMap::new();
    for p in &record.partials {
        match check_partial(e, &all, sum, base, p) {
            Ok(points) => {
                good.insert(p.guardian, points);
            }
            Err(why) => r.failures.push(why),
        }
    }
    let outcome = record.outcome.as_ref()?;
    if e.phase != Phase::Tallied {
        r.failures
            .push("a result is published but the election is not tallied".into());
    }
    let mut counts = Vec::new();
    for (ci, row) in sum.iter().enumerate() {
        let mut out = Vec::new();
        for (si, ct) in row.iter().enumerate() {
            let shares: Option<Vec<(u32, Point)>> = outcome
                .guardians
                .iter()
                .map(|g| good.get(g).map(|p| (*g, p[ci][si])))
                .collect();
            let count = shares
                .filter(|s| s.len() == e.threshold as usize)
                .and_then(|s| ceremony::discrete_log(&(ct.b - ceremony::combine(&s)), r.weight));
            match count {
                Some(c) => out.push(c),
                None => {
                    r.failures.push(format!("contest {}, selection {}: the published guardians' shares do not decrypt the tally", e.contests[ci].id, e.contests[ci].selections[si]));
                    return None;
                }
            }
        }
        counts.push(out);
    }
    if counts != outcome.counts {
        r.failures
            .push("the published counts are not the decrypted tally".into());
    }
    Some(counts)
}

fn check_partial(
    e: &Election,
    all: &[Vec<Point>],
    sum: &Tally,
    base: &[u8; 32],
    p: &GuardianPartial,
) -> Result<Vec<Vec<Point>>, String> {
    let n = p.guardian;
    if n == 0 || n as usize > e.guardians.len() {
        return Err(format!("a partial decryption of unknown guardian {n}"));
    }
    let z = ceremony::guardian_key(all, n);
    let shape_ok =
        p.shares.len() == sum.len() && p.shares.iter().zip(sum).all(|(s, a)| s.len() == a.len());
    if !shape_ok {
        return Err(format!("guardian {n}: not one share per selection"));
    }
    let mut out = Vec::new();
    for (ci, (row, cts)) in p.shares.iter().zip(sum).enumerate() {
        let mut points = Vec::new();
        for (si, (s, ct)) in row.iter().zip(cts).enumerate() {
            let proof = parse_proof(
                &crate::model::WireProof {
                    c: s.c.clone(),
                    v: s.v.clone(),
                },
                "",
            );
            let ok = point_from_hex(&s.m).zip(proof.ok()).filter(|(m, proof)| {
                verify_share(&ballot::share_context(base, n, ci, si), &ct.a, &z, m, proof)
            });
            match ok {
                Some((m, _)) => points.push(m),
                None => {
                    return Err(format!(
                        "guardian {n}: the partial decryption of contest {}, selection {} fails its proof",
                        e.contests[ci].id, e.contests[ci].selections[si]
                    ))
                }
            }
        }
        out.push(points);
    }
    Ok(out)
}
