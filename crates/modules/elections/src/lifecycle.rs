//! An election's life: publication, the key ceremony, ballots (cast,
//! re-cast, challenged), partial decryptions and the result.

use crate::ballot::{self, BallotError};
use crate::ceremony;
use crate::codes::ElectionsRejection as R;
use crate::events::ElectionsEvent;
use crate::group::{point_from_hex, point_hex, Point};
use crate::model::{
    aggregate_key, ballot_key, challenged_key, commitment_key, election_key, outcome_key,
    partial_key, tracking_key, valid_id, voter_leaf, Census, Challenged, Commitment, Contest,
    Election, Guardian, Membership, Outcome, Phase, StoredBallot, Tracked, WireBallot, WireShare,
    BALLOT_SELECTIONS_MAX, CENSUS_PROOF_MAX, CONTESTS_MAX, CONTEST_BRANCHES_MAX, GUARDIANS_MAX,
    SELECTIONS_MAX, WINDOW_MS_MAX,
};
use crate::model::{
    Complaint, ComplaintStatus, ANSWER_MS_RANGE, BALLOT_ONCE_FORMAT, PUBLIC_COMPLAINTS_FORMAT,
};
use crate::proofs::{verify_knowledge, verify_share, Ciphertext};
use crate::sum::Sum;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// Arguments of `elections.create`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The election authority; the signer is an election officer there.
    pub agency: String,
    /// The election's id.
    pub id: String,
    /// A title (a reference such as `municipal-2027`).
    pub title: String,
    /// The contests.
    pub contests: Vec<Contest>,
    /// The guardians, numbered from 1 in this order.
    pub guardians: Vec<Guardian>,
    /// How many guardians decrypt (1..=guardians).
    pub threshold: u32,
    /// Ballots from (block time, ms).
    pub opens_ms: u64,
    /// Ballots until (exclusive).
    pub closes_ms: u64,
    /// Who may vote.
    pub census: Census,
    /// How long an accused dealer has to answer a complaint (ms of block
    /// time, 1 s to a week; an hour when absent). From ledger format 7.
    #[serde(default)]
    pub answer_ms: Option<u64>,
    /// A community topic whose public delegations weigh the members'
    /// secret ballots at the close.
    #[serde(default)]
    pub delegation: Option<crate::delegated::Delegation>,
}

/// Arguments of `elections.commit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitArgs {
    /// The election.
    pub election: String,
    /// The signer's guardian number.
    pub guardian: u32,
    /// The ceremony message.
    #[serde(flatten)]
    pub message: Commitment,
}

/// Arguments of `elections.complain`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplainArgs {
    /// The election.
    pub election: String,
    /// The signer's guardian number.
    pub guardian: u32,
    /// The guardian whose share to the signer fails its commitments.
    pub dealer: u32,
}

/// Arguments of `elections.reveal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealArgs {
    /// The election.
    pub election: String,
    /// The signer's guardian number: the dealer accused.
    pub guardian: u32,
    /// The complaining guardian, whose share is revealed.
    pub to: u32,
    /// `P_guardian(to)` (hex scalar).
    pub share: String,
}

/// Arguments of `elections.disqualify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyArgs {
    /// The election.
    pub election: String,
    /// The signer's guardian number.
    pub guardian: u32,
    /// The dealer whose complaint went unanswered.
    pub dealer: u32,
}

/// Where the signer is in the census.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CensusProof {
    /// The leaf's position.
    pub index: u64,
    /// The RFC 6962 inclusion proof (hex hashes).
    pub path: Vec<String>,
}

/// Arguments of `elections.cast`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastArgs {
    /// The election.
    pub election: String,
    /// The encrypted ballot.
    pub ballot: WireBallot,
    /// The signer's place in the census (a census of accounts).
    #[serde(default)]
    pub census: Option<CensusProof>,
    /// The membership proof (an anonymous census).
    #[serde(default)]
    pub member: Option<Membership>,
}

/// Arguments of `elections.challenge`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeArgs {
    /// The election.
    pub election: String,
    /// The encrypted ballot.
    pub ballot: WireBallot,
    /// The signer's place in the census (a census of accounts).
    #[serde(default)]
    pub census: Option<CensusProof>,
    /// The membership proof (an anonymous census).
    #[serde(default)]
    pub member: Option<Membership>,
    /// Every selection's nonce (hex scalars), per contest.
    pub nonces: Vec<Vec<String>>,
}

/// Arguments of `elections.decrypt`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptArgs {
    /// The election.
    pub election: String,
    /// The signer's guardian number.
    pub guardian: u32,
    /// Per contest, per selection: `M_ℓ` and its proof.
    pub shares: Vec<Vec<WireShare>>,
}

fn bad(message: impl Into<String>) -> TxError {
    R::InvalidField.err(message)
}

/// The election `id`, which must exist.
pub fn read_election(ctx: &CallContext<'_>, id: &str) -> Result<Election, TxError> {
    if !valid_id(id) {
        return Err(bad("an election id is 1..=64 of [a-z0-9_-]"));
    }
    ctx.read(&election_key(id))
        .ok_or_else(|| R::UnknownElection.err(format!("no election '{id}'")))
}

fn check_contests(contests: &[Contest]) -> Result<(), TxError> {
    if !(1..=CONTESTS_MAX).contains(&contests.len()) {
        return Err(bad(format!("an election has 1..={CONTESTS_MAX} contests")));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut total = 0;
    for c in contests {
        if !valid_id(&c.id) || !ids.insert(&c.id) {
            return Err(bad(format!(
                "contest ids are distinct, 1..=64 of [a-z0-9_-]: '{}'",
                c.id
            )));
        }
        let n = c.selections.len();
        let distinct: std::collections::BTreeSet<_> = c.selections.iter().collect();
        if !(1..=SELECTIONS_MAX).contains(&n)
            || distinct.len() != n
            || !c.selections.iter().all(|s| valid_id(s))
        {
            return Err(bad(format!(
                "contest {}: 1..={SELECTIONS_MAX} distinct selection ids of [a-z0-9_-]",
                c.id
            )));
        }
        if c.limit == 0 || c.limit > n as u64 {
            return Err(bad(format!("contest {}: the limit is 1..={n}", c.id)));
        }
        total += n;
    }
    if total > BALLOT_SELECTIONS_MAX {
        return Err(bad(format!(
            "an election has at most {BALLOT_SELECTIONS_MAX} selections in all"
        )));
    }
    let branches: u64 = contests.iter().map(|c| c.limit + 1).sum();
    if branches > CONTEST_BRANCHES_MAX {
        return Err(bad(format!(
            "the contests' limits plus one add up to at most {CONTEST_BRANCHES_MAX}"
        )));
    }
    Ok(())
}

fn check_guardians(guardians: &[Guardian], threshold: u32) -> Result<(), TxError> {
    if !(1..=GUARDIANS_MAX).contains(&guardians.len()) {
        return Err(bad(format!(
            "an election has 1..={GUARDIANS_MAX} guardians"
        )));
    }
    let accounts: std::collections::BTreeSet<_> = guardians.iter().map(|g| g.account).collect();
    if accounts.len() != guardians.len() {
        return Err(bad("guardians are distinct accounts"));
    }
    for g in guardians {
        let key: Option<[u8; 32]> = hex::decode(&g.seal_key)
            .ok()
            .and_then(|b| b.try_into().ok());
        if !key.is_some_and(|k| publica_crypto::seal::usable_public(&k))
            || g.seal_key.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(bad(format!(
                "guardian {}: seal_key is an X25519 public key (64 lowercase hex)",
                g.account
            )));
        }
    }
    if threshold == 0 || threshold as usize > guardians.len() {
        return Err(bad(format!("the threshold is 1..={}", guardians.len())));
    }
    Ok(())
}

/// `elections.create`.
pub fn create(ctx: &mut CallContext<'_>, a: CreateArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(bad("an election id is 1..=64 of [a-z0-9_-]"));
    }
    crate::reference(&a.title, "title")?;
    if ctx.contains(&election_key(&a.id)) {
        return Err(R::ElectionExists.err(format!("election '{}' exists", a.id)));
    }
    check_contests(&a.contests)?;
    check_guardians(&a.guardians, a.threshold)?;
    let now = ctx.env().time_ms;
    if a.opens_ms >= a.closes_ms || a.closes_ms <= now || a.closes_ms - a.opens_ms > WINDOW_MS_MAX {
        return Err(bad(
            "the window opens before it closes, closes in the future and lasts at most a year",
        ));
    }
    let root_ok = a.census.root.len() == 64
        && hex::decode(&a.census.root).is_ok()
        && !a.census.root.bytes().any(|b| b.is_ascii_uppercase());
    if !root_ok || !(1..=1u64 << CENSUS_PROOF_MAX).contains(&a.census.size) {
        return Err(bad("census: root is 64 lowercase hex, size 1..=2^40"));
    }
    if a.census.ring.is_some_and(|r| {
        !r.is_power_of_two() || !(2..=1 << crate::ring::RING_BITS_MAX).contains(&r)
    }) {
        return Err(bad("census: ring is a power of two from 2 to 1024"));
    }
    if a.census.ring.is_some() && a.opens_ms <= ctx.env().time_ms {
        return Err(bad(
            "an anonymous census registers its voters before the opening: opens_ms must be later than the block time",
        ));
    }
    if let Some(ms) = a.answer_ms {
        if ctx.format() < PUBLIC_COMPLAINTS_FORMAT {
            // What the rules before format 7 said of the field.
            return Err(TxError::new(
                publica_types::codes::CALL_INVALID_ARGS,
                "invalid arguments: unknown field `answer_ms`",
            ));
        }
        if !ANSWER_MS_RANGE.contains(&ms) {
            return Err(bad(format!(
                "answer_ms is {}..={} (a second to a week)",
                ANSWER_MS_RANGE.start(),
                ANSWER_MS_RANGE.end()
            )));
        }
    }
    let mut e = Election {
        chain_id: ctx.env().chain_id.clone(),
        id: a.id,
        agency: a.agency,
        title: a.title,
        contests: a.contests,
        guardians: a.guardians,
        threshold: a.threshold,
        opens_ms: a.opens_ms,
        closes_ms: a.closes_ms,
        census: a.census,
        manifest_hash: String::new(),
        phase: Phase::Proposed,
        committed: Vec::new(),
        key: None,
        base_hash: None,
        counted: 0,
        cast: 0,
        challenged: 0,
        decrypted: Vec::new(),
        failed_dealer: None,
        approvals: vec![ctx.signer()],
        answer_ms: a.answer_ms,
        complaints: Vec::new(),
        disqualified: Vec::new(),
        registered: 0,
        delegation: a.delegation,
    };
    if let Some(d) = &e.delegation {
        crate::delegated::check(ctx, &e, d)?;
    }
    if e.approvals.len() >= ctx.policy_threshold(&e.agency) as usize {
        e.phase = Phase::Ceremony;
    }
    e.manifest_hash = hex::encode(ballot::manifest_hash(&e));
    let zero = point_hex(&Ciphertext::zero().a);
    let aggregate: Vec<Vec<[String; 2]>> = e
        .contests
        .iter()
        .map(|c| vec![[zero.clone(), zero.clone()]; c.selections.len()])
        .collect();
    ctx.write(aggregate_key(&e.id), &aggregate);
    ctx.emit_event(&ElectionsEvent::Created {
        election: e.id.clone(),
        agency: e.agency.clone(),
        manifest_hash: e.manifest_hash.clone(),
    });
    if e.delegation.is_some() {
        crate::delegated::schedule(ctx, &e);
    }
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// Arguments of `elections.approve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveArgs {
    /// The authority (the signer is an election officer there).
    pub agency: String,
    /// The election.
    pub election: String,
}

/// `elections.approve`: another election officer of the authority
/// approves a published election; with the policy threshold's approvals
/// its key ceremony starts.
pub fn approve(ctx: &mut CallContext<'_>, a: ApproveArgs) -> Result<(), TxError> {
    let mut e = read_election(ctx, &a.election)?;
    if e.agency != a.agency {
        return Err(bad(format!("'{}' is an election of '{}'", e.id, e.agency)));
    }
    if e.phase != Phase::Proposed {
        return Err(R::WrongPhase.err(format!("'{}' is approved already ({:?})", e.id, e.phase)));
    }
    let signer = ctx.signer();
    if e.approvals.contains(&signer) {
        return Err(R::AlreadyApproved.err(format!("{signer} approved '{}' already", e.id)));
    }
    e.approvals.push(signer);
    ctx.emit_event(&ElectionsEvent::Approved {
        election: e.id.clone(),
        by: signer,
    });
    if e.approvals.len() >= ctx.policy_threshold(&e.agency) as usize {
        e.phase = Phase::Ceremony;
    }
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// The guardian `n` of `e`, who must be the signer.
fn guardian_signing(ctx: &CallContext<'_>, e: &Election, n: u32) -> Result<(), TxError> {
    let g = (n as usize).checked_sub(1).and_then(|i| e.guardians.get(i));
    match g {
        Some(g) if g.account == ctx.signer() => Ok(()),
        _ => Err(R::NotAGuardian.err(format!(
            "{} is not guardian {n} of '{}'",
            ctx.signer(),
            e.id
        ))),
    }
}

fn hash32(hex_text: &str) -> [u8; 32] {
    hex::decode(hex_text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .expect("hashes the module wrote")
}

/// The sealed share's length: a data key wrapped for the recipient, then
/// the share under it (nonce, 32 bytes, tag).
pub const SEALED_SHARE_LEN: usize = publica_crypto::seal::WRAPPED_LEN + 12 + 32 + 16;

fn check_message(e: &Election, n: u32, m: &Commitment) -> Result<Vec<Point>, TxError> {
    let bad = |why: String| R::BadCommitment.err(format!("guardian {n}: {why}"));
    let t = e.threshold as usize;
    if m.commitments.len() != t || m.proofs.len() != t {
        return Err(bad(format!("{t} commitments and {t} proofs")));
    }
    let h_m = hash32(&e.manifest_hash);
    let mut points = Vec::with_capacity(t);
    for (j, (c, p)) in m.commitments.iter().zip(&m.proofs).enumerate() {
        let k = point_from_hex(c).ok_or_else(|| bad(format!("commitment {j} is not a point")))?;
        let proof = ballot::parse_proof(p, "commitment").map_err(|e| bad(e.to_string()))?;
        let context = ballot::coefficient_context(&h_m, n, j as u32);
        if !verify_knowledge(&context, &k, &proof) {
            return Err(bad(format!(
                "the proof of knowledge of coefficient {j} fails"
            )));
        }
        points.push(k);
    }
    let mut to: Vec<u32> = m.shares.iter().map(|s| s.to).collect();
    to.sort_unstable();
    let others: Vec<u32> = (1..=e.guardians.len() as u32).filter(|&g| g != n).collect();
    if to != others {
        return Err(bad("one sealed share for every other guardian".into()));
    }
    for s in &m.shares {
        let len_ok = hex::decode(&s.sealed).is_ok_and(|b| b.len() == SEALED_SHARE_LEN);
        if !len_ok {
            return Err(bad(format!(
                "the share for guardian {} is {SEALED_SHARE_LEN} bytes of hex",
                s.to
            )));
        }
    }
    Ok(points)
}

/// `elections.commit`.
pub fn commit(ctx: &mut CallContext<'_>, a: CommitArgs) -> Result<(), TxError> {
    let mut e = read_election(ctx, &a.election)?;
    guardian_signing(ctx, &e, a.guardian)?;
    if e.phase != Phase::Ceremony {
        return Err(R::WrongPhase.err(format!(
            "'{}' is not in its key ceremony ({:?})",
            e.id, e.phase
        )));
    }
    if e.committed.contains(&a.guardian) {
        return Err(R::AlreadyCommitted.err(format!("guardian {} committed already", a.guardian)));
    }
    check_message(&e, a.guardian, &a.message)?;
    ctx.write(commitment_key(&e.id, a.guardian), &a.message);
    e.committed.push(a.guardian);
    ctx.emit_event(&ElectionsEvent::Committed {
        election: e.id.clone(),
        guardian: a.guardian,
    });
    if e.committed.len() == e.guardians.len() {
        e.phase = Phase::Ready;
        publish_key(ctx, &mut e);
    }
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// Sets the election key and base hash from the qualified dealers'
/// commitments, and says so.
fn publish_key(ctx: &mut CallContext<'_>, e: &mut Election) {
    let key = ceremony::joint_key(&commitments(ctx, e));
    let base = ballot::base_hash(&hash32(&e.manifest_hash), &key);
    e.key = Some(point_hex(&key));
    e.base_hash = Some(hex::encode(base));
    ctx.emit_event(&ElectionsEvent::KeyPublished {
        election: e.id.clone(),
        key: point_hex(&key),
        base_hash: hex::encode(base),
    });
}

/// The qualified dealers' commitments, in guardian order (a disqualified
/// dealer's polynomial is in no key).
pub fn commitments(ctx: &CallContext<'_>, e: &Election) -> Vec<Vec<Point>> {
    e.qualified()
        .into_iter()
        .map(|n| {
            ctx.read::<Commitment>(&commitment_key(&e.id, n))
                .map(|m| {
                    m.commitments
                        .iter()
                        .filter_map(|c| point_from_hex(c))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// `elections.complain`: guardian `ℓ` says the share dealer `i` sealed
/// for it fails `i`'s commitments. From ledger format 7 the complaint is
/// answered in public: `i` reveals the share (`reveal`) before the answer
/// time, or any guardian has `i` disqualified (`disqualify`); no ballot
/// is taken meanwhile. Before, it failed the election.
pub fn complain(ctx: &mut CallContext<'_>, a: ComplainArgs) -> Result<(), TxError> {
    let mut e = read_election(ctx, &a.election)?;
    guardian_signing(ctx, &e, a.guardian)?;
    let now = ctx.env().time_ms;
    if !matches!(e.phase, Phase::Ceremony | Phase::Ready) || now >= e.opens_ms {
        return Err(R::WrongPhase.err("complaints are made before the election opens"));
    }
    if a.dealer == a.guardian || !e.committed.contains(&a.dealer) {
        return Err(bad(format!(
            "guardian {} sent no share to complain of",
            a.dealer
        )));
    }
    let event = ElectionsEvent::Complained {
        election: e.id.clone(),
        guardian: a.guardian,
        dealer: a.dealer,
    };
    if ctx.format() < PUBLIC_COMPLAINTS_FORMAT {
        ctx.emit_event(&event);
        e.phase = Phase::Failed;
        e.failed_dealer = Some(a.dealer);
        ctx.write(election_key(&e.id), &e);
        return Ok(());
    }
    if e.disqualified.contains(&a.dealer) {
        return Err(bad(format!(
            "guardian {} is disqualified already",
            a.dealer
        )));
    }
    let pair = |c: &Complaint| c.guardian == a.guardian && c.dealer == a.dealer;
    if e.complaints.iter().any(pair) {
        return Err(R::AlreadyComplained.err(format!(
            "guardian {} complained of guardian {} already",
            a.guardian, a.dealer
        )));
    }
    e.complaints.push(Complaint {
        guardian: a.guardian,
        dealer: a.dealer,
        answer_by_ms: now.saturating_add(e.answer_window_ms()),
        status: ComplaintStatus::Open,
        share: None,
    });
    ctx.emit_event(&event);
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// The election for a call that exists from ledger format 7, with the
/// error the rules before it gave.
fn from_format_7(ctx: &CallContext<'_>, method: &str, id: &str) -> Result<Election, TxError> {
    if ctx.format() < PUBLIC_COMPLAINTS_FORMAT {
        return Err(publica_runtime::module::unknown_method("elections", method));
    }
    let e = read_election(ctx, id)?;
    if !matches!(e.phase, Phase::Ceremony | Phase::Ready) {
        return Err(R::WrongPhase.err(format!(
            "'{}' has no ceremony under way ({:?})",
            e.id, e.phase
        )));
    }
    Ok(e)
}

/// `elections.reveal`: the accused dealer answers a complaint by
/// publishing the share; it must check against the dealer's commitments.
pub fn reveal(ctx: &mut CallContext<'_>, a: RevealArgs) -> Result<(), TxError> {
    let mut e = from_format_7(ctx, "reveal", &a.election)?;
    guardian_signing(ctx, &e, a.guardian)?;
    let now = ctx.env().time_ms;
    let Some(c) = e.complaints.iter_mut().find(|c| {
        c.dealer == a.guardian && c.guardian == a.to && c.status == ComplaintStatus::Open
    }) else {
        return Err(R::NoOpenComplaint.err(format!(
            "no open complaint of guardian {} against guardian {}",
            a.to, a.guardian
        )));
    };
    if now >= c.answer_by_ms {
        return Err(R::AnswerLate.err(format!(
            "the complaint was to be answered before {} (ms); the block is at {now}",
            c.answer_by_ms
        )));
    }
    let share = crate::group::scalar_from_hex(&a.share)
        .ok_or_else(|| bad("share is a canonical scalar (64 lowercase hex)"))?;
    let m: Commitment = ctx
        .read(&commitment_key(&e.id, a.guardian))
        .expect("a dealer complained of committed");
    let points: Vec<Point> = m
        .commitments
        .iter()
        .filter_map(|p| point_from_hex(p))
        .collect();
    if !ceremony::share_checks(&points, a.to, &share) {
        return Err(R::BadShare.err(format!(
            "the share fails guardian {}'s commitments at {}",
            a.guardian, a.to
        )));
    }
    c.status = ComplaintStatus::Answered;
    c.share = Some(a.share.clone());
    ctx.emit_event(&ElectionsEvent::ShareRevealed {
        election: e.id.clone(),
        dealer: a.guardian,
        guardian: a.to,
        share: a.share,
    });
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// `elections.disqualify`: a guardian has a dealer disqualified whose
/// complaint went unanswered past its answer time. The key is recomputed
/// without the dealer's polynomial; with fewer qualified dealers than the
/// threshold, the election fails.
pub fn disqualify(ctx: &mut CallContext<'_>, a: DisqualifyArgs) -> Result<(), TxError> {
    let mut e = from_format_7(ctx, "disqualify", &a.election)?;
    guardian_signing(ctx, &e, a.guardian)?;
    let now = ctx.env().time_ms;
    let open: Vec<u64> = e
        .complaints
        .iter()
        .filter(|c| c.dealer == a.dealer && c.status == ComplaintStatus::Open)
        .map(|c| c.answer_by_ms)
        .collect();
    let Some(&first) = open.iter().min() else {
        return Err(
            R::NoOpenComplaint.err(format!("no open complaint against guardian {}", a.dealer))
        );
    };
    if now < first {
        return Err(R::AnswerPending.err(format!(
            "guardian {} may answer until {first} (ms); the block is at {now}",
            a.dealer
        )));
    }
    // Ballots wait for every complaint to close, so none was taken under
    // the key about to change.
    debug_assert_eq!(e.cast + e.challenged, 0);
    for c in &mut e.complaints {
        if c.dealer == a.dealer && c.status == ComplaintStatus::Open {
            c.status = ComplaintStatus::Upheld;
        }
    }
    e.disqualified.push(a.dealer);
    ctx.emit_event(&ElectionsEvent::Disqualified {
        election: e.id.clone(),
        dealer: a.dealer,
    });
    if e.qualified().len() < e.threshold as usize {
        e.phase = Phase::Failed;
        e.failed_dealer = Some(a.dealer);
    } else if e.key.is_some() {
        publish_key(ctx, &mut e);
    }
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// The election, ready and in its window, with its key and base hash.
fn voting(ctx: &CallContext<'_>, id: &str) -> Result<(Election, Point, [u8; 32]), TxError> {
    let e = read_election(ctx, id)?;
    if e.phase != Phase::Ready {
        return Err(R::WrongPhase.err(format!("'{id}' takes no ballots ({:?})", e.phase)));
    }
    if let Some(c) = e.open_complaint() {
        return Err(R::ComplaintOpen.err(format!(
            "'{id}' takes ballots once its complaints are closed: guardian {} has until {} (ms) to answer guardian {}'s",
            c.dealer, c.answer_by_ms, c.guardian
        )));
    }
    let now = ctx.env().time_ms;
    if now < e.opens_ms || now >= e.closes_ms {
        return Err(R::OutsideWindow.err(format!(
            "'{id}' takes ballots from {} to {} (ms); the block is at {now}",
            e.opens_ms, e.closes_ms
        )));
    }
    let key = point_from_hex(e.key.as_deref().unwrap_or_default()).expect("a key the module wrote");
    let base = hash32(e.base_hash.as_deref().unwrap_or_default());
    Ok((e, key, base))
}

/// Whether `census` places `voter` in `e`'s census.
pub fn check_census(e: &Election, voter: &AccountId, census: &CensusProof) -> Result<(), TxError> {
    if census.path.len() > CENSUS_PROOF_MAX {
        return Err(bad(format!(
            "a census proof has at most {CENSUS_PROOF_MAX} hashes"
        )));
    }
    let path: Option<Vec<publica_types::Hash32>> =
        census.path.iter().map(|h| h.parse().ok()).collect();
    let path = path.ok_or_else(|| bad("census proof hashes are 64 hex digits"))?;
    let leaf = publica_log::hash::leaf_hash(&voter_leaf(&e.id, voter));
    let root: publica_types::Hash32 = e.census.root.parse().map_err(|_| bad("census root"))?;
    publica_log::proof::verify_inclusion(census.index, e.census.size, &leaf, &path, &root).map_err(
        |_| {
            R::NotInCensus.err(format!(
                "{voter} is not in the census of '{}' at {}",
                e.id, census.index
            ))
        },
    )
}

pub(crate) fn ballot_err(e: BallotError) -> TxError {
    R::InvalidBallot.err(e.to_string())
}

type Aggregate = crate::sum::Text;

/// A ballot's ciphertexts as text, per contest and selection.
fn ciphertext_text(b: &WireBallot) -> crate::sum::Text {
    b.contests
        .iter()
        .map(|c| {
            c.selections
                .iter()
                .map(|s| [s.a.clone(), s.b.clone()])
                .collect()
        })
        .collect()
}

/// A ballot the signer may put on the board: in the window, in the
/// census, every proof holding, its tracking code new.
struct Checked {
    e: Election,
    key: Point,
    voter: AccountId,
    cts: Vec<Vec<Ciphertext>>,
    tracking: String,
}

/// The voter a ballot names: the signer, placed in a census of accounts
/// by `census`; or, in an anonymous census, the nullifier of `member`
/// (whose proof is checked with the ballot's).
pub fn voter_of(
    e: &Election,
    signer: &AccountId,
    census: Option<&CensusProof>,
    member: Option<&Membership>,
) -> Result<AccountId, TxError> {
    match (e.census.ring, census, member) {
        (None, Some(census), None) => {
            check_census(e, signer, census)?;
            Ok(*signer)
        }
        (Some(_), None, Some(m)) => crate::anonymous::pseudonym(m),
        (None, ..) => Err(R::CensusMode.err(format!(
            "'{}' takes ballots signed by a voter's account with its census proof, and no membership proof",
            e.id
        ))),
        (Some(_), ..) => Err(R::CensusMode.err(format!(
            "'{}' has an anonymous census: a ballot carries a membership proof, and no census proof",
            e.id
        ))),
    }
}

fn checked_ballot(
    ctx: &CallContext<'_>,
    election: &str,
    (census, member): (Option<&CensusProof>, Option<&Membership>),
    b: &WireBallot,
) -> Result<Checked, TxError> {
    let (e, key, base) = voting(ctx, election)?;
    let voter = voter_of(&e, &ctx.signer(), census, member)?;
    if let Some(d) = &e.delegation {
        crate::delegated::voter_is_member(ctx, d, &voter)?;
    }
    let tracking = ballot::tracking_code(&base, &voter, b);
    // Checked ahead on the admission workers for exactly these inputs, or
    // checked now.
    let ahead = ctx
        .tx_id()
        .and_then(|tx| crate::prepared::take(&crate::prepared::digest(&tx, &e)));
    // The cheap refusals first: a ballot on the board already, then an
    // anonymous ballot's membership (a fraction of its range proofs'
    // cost), so a forged ballot from a throwaway key costs little.
    if ctx.contains(&tracking_key(&e.id, &tracking)) {
        return Err(R::BallotExists.err(format!("ballot {tracking} is on the board already")));
    }
    let cts = match ahead {
        Some(cts) => cts,
        None => {
            if let Some(m) = member {
                let read = |i| ctx.read(&crate::model::member_key(&e.id, i));
                crate::anonymous::check_on_ledger((&e, &base), m, &tracking, &read)?;
            }
            ballot::verify(&base, &key, &e.contests, &voter, b).map_err(ballot_err)?
        }
    };
    Ok(Checked {
        e,
        key,
        voter,
        cts,
        tracking,
    })
}

/// `elections.cast`: the signer's ballot replaces any earlier one.
pub fn cast(ctx: &mut CallContext<'_>, a: CastArgs) -> Result<(), TxError> {
    let Checked {
        mut e,
        key: _,
        voter,
        cts,
        tracking,
    } = checked_ballot(
        ctx,
        &a.election,
        (a.census.as_ref(), a.member.as_ref()),
        &a.ballot,
    )?;
    let sum: Sum = ctx
        .read(&aggregate_key(&e.id))
        .expect("created with the election");
    let previous: Option<StoredBallot> = ctx.read(&ballot_key(&e.id, &voter));
    // An anonymous ballot names the ballot it replaces: one held back
    // and sent after a later one is refused.
    if let Some(m) = &a.member {
        let last = previous.as_ref().map(|p| p.tracking.as_str());
        if m.replaces.as_deref() != last {
            return Err(R::StaleBallot.err(format!(
                "this ballot replaces {:?}, but the nullifier's last ballot is {last:?}",
                m.replaces
            )));
        }
    }
    let replaced = previous.as_ref().map(StoredBallot::ciphertexts);
    if replaced.is_none() {
        e.counted += 1;
    }
    let sum = sum.after(replaced.as_deref(), &cts);
    e.cast += 1;
    let height = ctx.env().height;
    ctx.put(aggregate_key(&e.id), sum);
    ctx.write(tracking_key(&e.id, &tracking), &Tracked { voter, height });
    // From ledger format 8 the ballot is kept once, in the transaction:
    // the event names it, the state keeps what a re-vote takes out of the
    // sum. Before, both copied it.
    let copied = ctx.format() < BALLOT_ONCE_FORMAT;
    ctx.emit_event(&ElectionsEvent::Cast {
        election: e.id.clone(),
        voter,
        tracking: tracking.clone(),
        replaces: previous.map(|p| p.tracking),
        ballot: copied.then(|| a.ballot.clone()),
        census: a.census.filter(|_| copied),
        member: a.member.filter(|_| copied),
    });
    let stored = StoredBallot {
        cts: (!copied).then(|| ciphertext_text(&a.ballot)),
        ballot: copied.then_some(a.ballot),
        tracking,
        height,
    };
    ctx.put(ballot_key(&e.id, &voter), stored);
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// `elections.challenge`: the ballot is opened by its nonces and never
/// counted.
pub fn challenge(ctx: &mut CallContext<'_>, a: ChallengeArgs) -> Result<(), TxError> {
    let Checked {
        mut e,
        key,
        voter,
        cts,
        tracking,
    } = checked_ballot(
        ctx,
        &a.election,
        (a.census.as_ref(), a.member.as_ref()),
        &a.ballot,
    )?;
    let choices =
        ballot::open(&key, &cts, &a.nonces).map_err(|e| R::BadNonces.err(e.to_string()))?;
    let height = ctx.env().height;
    e.challenged += 1;
    ctx.write(tracking_key(&e.id, &tracking), &Tracked { voter, height });
    ctx.emit_event(&ElectionsEvent::Challenged {
        election: e.id.clone(),
        voter,
        tracking: tracking.clone(),
        choices: choices.clone(),
        ballot: a.ballot,
        nonces: a.nonces,
        member: a.member,
    });
    ctx.write(
        challenged_key(&e.id, &tracking),
        &Challenged {
            tracking,
            choices,
            height,
        },
    );
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

/// `elections.decrypt`: guardian `ℓ`'s partial decryption of the tally;
/// the result is published with the threshold's.
pub fn decrypt(ctx: &mut CallContext<'_>, a: DecryptArgs) -> Result<(), TxError> {
    let mut e = read_election(ctx, &a.election)?;
    guardian_signing(ctx, &e, a.guardian)?;
    if e.phase != Phase::Ready || ctx.env().time_ms < e.closes_ms {
        return Err(R::WrongPhase.err(format!(
            "'{}' is decrypted once closed, before its result",
            e.id
        )));
    }
    if e.decrypted.contains(&a.guardian) {
        return Err(R::AlreadyDecrypted.err(format!("guardian {} decrypted already", a.guardian)));
    }
    let (aggregate, bound) = decrypted_aggregate(ctx, &e)?;
    let z = ceremony::guardian_key(&commitments(ctx, &e), a.guardian);
    let base = hash32(e.base_hash.as_deref().unwrap_or_default());
    check_shares(&e, &aggregate, &base, a.guardian, &z, &a.shares)?;
    ctx.write(partial_key(&e.id, a.guardian), &a.shares);
    e.decrypted.push(a.guardian);
    ctx.emit_event(&ElectionsEvent::Decrypted {
        election: e.id.clone(),
        guardian: a.guardian,
    });
    if e.decrypted.len() == e.threshold as usize {
        let counts = tally(ctx, &e, &aggregate, bound)?;
        let mut guardians = e.decrypted.clone();
        guardians.sort_unstable();
        e.phase = Phase::Tallied;
        ctx.emit_event(&ElectionsEvent::Tallied {
            election: e.id.clone(),
            counts: counts.clone(),
            guardians: guardians.clone(),
        });
        let height = ctx.env().height;
        ctx.write(
            outcome_key(&e.id),
            &Outcome {
                counts,
                guardians,
                height,
            },
        );
    }
    ctx.write(election_key(&e.id), &e);
    Ok(())
}

fn check_shares(
    e: &Election,
    aggregate: &Aggregate,
    base: &[u8; 32],
    n: u32,
    z: &Point,
    shares: &[Vec<WireShare>],
) -> Result<(), TxError> {
    let shape_ok = shares.len() == aggregate.len()
        && shares
            .iter()
            .zip(aggregate)
            .all(|(s, a)| s.len() == a.len());
    if !shape_ok {
        return Err(R::BadDecryption.err(format!(
            "guardian {n}: one share per selection, per contest"
        )));
    }
    for (ci, (row, cells)) in shares.iter().zip(aggregate).enumerate() {
        for (si, (s, cell)) in row.iter().zip(cells).enumerate() {
            let what = || {
                format!(
                    "guardian {n}, contest {}, selection {}",
                    e.contests[ci].id, e.contests[ci].selections[si]
                )
            };
            let m = point_from_hex(&s.m)
                .ok_or_else(|| R::BadDecryption.err(format!("{}: m is not a point", what())))?;
            let proof = ballot::parse_proof(
                &crate::model::WireProof {
                    c: s.c.clone(),
                    v: s.v.clone(),
                },
                "share",
            )
            .map_err(|_| {
                R::BadDecryption.err(format!("{}: c and v are canonical scalars", what()))
            })?;
            let a = point_from_hex(&cell[0]).expect("points the module wrote");
            if !verify_share(&ballot::share_context(base, n, ci, si), &a, z, &m, &proof) {
                return Err(R::BadDecryption.err(format!(
                    "{}: the proof of the partial decryption fails",
                    what()
                )));
            }
        }
    }
    Ok(())
}

/// What guardians decrypt and the largest count it can hold: the
/// running sum and the ballots counted, or, with delegation, the sum
/// weighted at the close and the total weight.
fn decrypted_aggregate(ctx: &CallContext<'_>, e: &Election) -> Result<(Aggregate, u64), TxError> {
    if e.delegation.is_none() {
        let aggregate = ctx
            .read(&aggregate_key(&e.id))
            .expect("created with the election");
        return Ok((aggregate, e.counted));
    }
    let weighting: Option<crate::delegated::Weighting> =
        ctx.read(&crate::delegated::weighting_key(&e.id));
    let weighted: Option<Aggregate> = ctx.read(&crate::delegated::weighted_key(&e.id));
    match (weighting, weighted) {
        (Some(w), Some(a)) => Ok((a, w.total)),
        _ => Err(R::WrongPhase.err(format!(
            "'{}' is decrypted once weighed, in the first block after its close",
            e.id
        ))),
    }
}

fn tally(
    ctx: &CallContext<'_>,
    e: &Election,
    aggregate: &Aggregate,
    bound: u64,
) -> Result<Vec<Vec<u64>>, TxError> {
    let partials: Vec<(u32, Vec<Vec<WireShare>>)> = e
        .decrypted
        .iter()
        .map(|&n| (n, ctx.read(&partial_key(&e.id, n)).expect("written")))
        .collect();
    let mut counts = Vec::new();
    for (ci, cells) in aggregate.iter().enumerate() {
        let mut row = Vec::new();
        for (si, cell) in cells.iter().enumerate() {
            let shares: Vec<(u32, Point)> = partials
                .iter()
                .map(|(n, s)| (*n, point_from_hex(&s[ci][si].m).expect("checked")))
                .collect();
            let b = point_from_hex(&cell[1]).expect("points the module wrote");
            let count = ceremony::discrete_log(&(b - ceremony::combine(&shares)), bound)
                .ok_or_else(|| {
                    R::Undecodable.err(format!(
                        "contest {}, selection {}",
                        e.contests[ci].id, e.contests[ci].selections[si]
                    ))
                })?;
            row.push(count);
        }
        counts.push(row);
    }
    Ok(counts)
}
