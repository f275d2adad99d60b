//! Proposals that execute: a member proposes on a topic, with the actions
//! it takes if it passes (payments from the community's treasury); members
//! vote publicly (a later vote replaces an earlier one); at the close the
//! block counts every member's weight through their delegations on the
//! topic as they stand in that block (a direct vote overrides a
//! delegation); a passed proposal waits out the agency's veto window, then
//! its actions run, all or none.

use super::codes::GovernanceRejection as R;
use super::community::{self, bad, delegation_of};
use super::events::GovernanceEvent;
use super::model::{
    member_at_key, proposal_key, round_key, treasury_program, vote_key, Action, Choice, Community,
    Proposal, Status, Tally, ACTIONS_MAX, VOTE_MS_MAX, WINDOW_MS_MAX,
};
use crate::model::valid_id;
use publica_money::interface as money;
use publica_runtime::kit::is_reference;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// `governance.propose`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The proposal's id.
    pub id: String,
    /// Its topic.
    pub topic: String,
    /// Its title (a reference).
    pub title: String,
    /// SHA-256 of its full text (64 lowercase hex).
    pub text_hash: String,
    /// What it does if it passes.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Votes are taken until this block time (ms).
    pub closes_ms: u64,
    /// The agency's veto window after the close (ms).
    pub veto_ms: u64,
    /// Least share of members (percent) whose weight must be counted.
    pub quorum_pct: u8,
}

/// `governance.vote`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The proposal.
    pub proposal: String,
    /// The choice.
    pub choice: Choice,
}

/// `governance.veto`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetoArgs {
    /// The agency (its administrator signs).
    pub agency: String,
    /// The community.
    pub community: String,
    /// The proposal.
    pub proposal: String,
    /// Why (a reference: a decision's number).
    pub reason: String,
}

/// The proposal `id` of `c`.
pub fn load(ctx: &CallContext<'_>, c: &Community, id: &str) -> Result<Proposal, TxError> {
    if !valid_id(id) {
        return Err(bad("a proposal id is 1..=64 of [a-z0-9_-]"));
    }
    ctx.read(&proposal_key(&c.agency, &c.id, id))
        .ok_or_else(|| R::UnknownProposal.err(format!("'{}' has no proposal '{id}'", c.id)))
}

pub(crate) fn hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_actions(ctx: &CallContext<'_>, c: &Community, actions: &[Action]) -> Result<(), TxError> {
    if actions.len() > ACTIONS_MAX {
        return Err(bad(format!(
            "a proposal carries at most {ACTIONS_MAX} actions"
        )));
    }
    let mut total = Amount::ZERO;
    for (
        i,
        Action::Pay {
            to,
            amount,
            reference,
        },
    ) in actions.iter().enumerate()
    {
        if amount.is_zero() || !is_reference(reference) {
            return Err(bad(format!(
                "action {i}: a payment has a positive amount and a reference (1..=64 of A-Z a-z 0-9 _ . : / -)"
            )));
        }
        let acct = money::account(ctx, to)?;
        if acct.currency != c.currency {
            return Err(bad(format!(
                "action {i}: '{to}' holds {}, the treasury {}",
                acct.currency, c.currency
            )));
        }
        total = total
            .checked_add(*amount)
            .ok_or_else(|| bad("the actions' total overflows"))?;
    }
    Ok(())
}

/// `governance.propose` (a member).
pub fn propose(ctx: &mut CallContext<'_>, a: ProposeArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    let by = ctx.signer();
    community::member(ctx, &c, &by)?;
    community::topic(&c, &a.topic)?;
    if !valid_id(&a.id) {
        return Err(bad("a proposal id is 1..=64 of [a-z0-9_-]"));
    }
    if !is_reference(&a.title) {
        return Err(bad(publica_runtime::kit::reference_rule("title")));
    }
    if !hex64(&a.text_hash) {
        return Err(bad(
            "text_hash is the SHA-256 of the text, 64 lowercase hex",
        ));
    }
    let now = ctx.env().time_ms;
    if a.closes_ms <= now || a.closes_ms - now > VOTE_MS_MAX {
        return Err(bad("closes_ms is in the future, within a year"));
    }
    if a.veto_ms > WINDOW_MS_MAX || a.quorum_pct > 100 {
        return Err(bad("veto_ms is at most 90 days; quorum_pct is 0..=100"));
    }
    if ctx.contains(&proposal_key(&c.agency, &c.id, &a.id))
        || ctx.contains(&round_key(&c.agency, &c.id, &a.id))
    {
        return Err(R::ProposalExists.err(format!("'{}' has a '{}' already", c.id, a.id)));
    }
    check_actions(ctx, &c, &a.actions)?;
    super::room(ctx, &c)?;
    let p = Proposal {
        id: a.id,
        topic: a.topic,
        title: a.title,
        text_hash: a.text_hash,
        by,
        actions: a.actions,
        closes_ms: a.closes_ms,
        veto_ms: a.veto_ms,
        quorum_pct: a.quorum_pct,
        status: Status::Open,
        tally: None,
        executes_ms: None,
        reason: None,
        height: ctx.env().height,
    };
    ctx.write(proposal_key(&c.agency, &c.id, &p.id), &p);
    super::due(ctx, &super::due_name('p', &c, &p.id), Some(p.closes_ms));
    ctx.emit_event(&GovernanceEvent::Proposed {
        agency: c.agency,
        community: c.id,
        proposal: p.id,
        topic: p.topic,
        by,
    });
    Ok(())
}

/// `governance.vote` (a member, while the vote is open).
pub fn vote(ctx: &mut CallContext<'_>, a: VoteArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    let voter = ctx.signer();
    community::member(ctx, &c, &voter)?;
    let p = load(ctx, &c, &a.proposal)?;
    if p.status != Status::Open || ctx.env().time_ms >= p.closes_ms {
        return Err(R::WrongStatus.err(format!("proposal '{}' is not open for votes", p.id)));
    }
    ctx.write(vote_key(&c.agency, &c.id, &p.id, &voter), &a.choice);
    ctx.emit_event(&GovernanceEvent::Voted {
        agency: c.agency,
        community: c.id,
        proposal: p.id,
        voter,
        choice: a.choice,
    });
    Ok(())
}

/// `governance.veto` (an administrator of the agency, before the actions
/// run).
pub fn veto(ctx: &mut CallContext<'_>, a: VetoArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    if !is_reference(&a.reason) {
        return Err(bad(publica_runtime::kit::reference_rule("reason")));
    }
    let mut p = load(ctx, &c, &a.proposal)?;
    if !matches!(p.status, Status::Open | Status::Passed) {
        return Err(R::WrongStatus.err(format!(
            "proposal '{}' is {:?}: only an open or passed proposal is vetoed",
            p.id, p.status
        )));
    }
    p.status = Status::Vetoed;
    p.reason = Some(a.reason.clone());
    ctx.write(proposal_key(&c.agency, &c.id, &p.id), &p);
    super::due(ctx, &super::due_name('p', &c, &p.id), None);
    ctx.emit_event(&GovernanceEvent::Vetoed {
        agency: c.agency,
        community: c.id,
        proposal: p.id,
        by: ctx.signer(),
        reason: a.reason,
    });
    Ok(())
}

/// Every member's weight on `topic`, resolved through delegations as they
/// stand now: a member who voted counts for their choice; one who did not
/// counts for the vote at the end of their chain of delegations, if its
/// end voted; chains run through members only.
pub fn count(ctx: &CallContext<'_>, c: &Community, topic: &str, id: &str) -> Tally {
    // For each account seen: the choice its chain ends in, and who voted it.
    let mut memo: HashMap<AccountId, Option<(Choice, AccountId)>> = HashMap::new();
    let mut t = Tally {
        members: c.members,
        height: ctx.env().height,
        ..Tally::default()
    };
    let mut weights: BTreeMap<AccountId, u64> = BTreeMap::new();
    for n in 0..c.members {
        let Some(m) = ctx.read::<AccountId>(&member_at_key(&c.agency, &c.id, n)) else {
            continue;
        };
        let mut path = Vec::new();
        let mut cur = m;
        let end = loop {
            if let Some(r) = memo.get(&cur) {
                break *r;
            }
            if let Some(choice) = ctx.read::<Choice>(&vote_key(&c.agency, &c.id, id, &cur)) {
                break Some((choice, cur));
            }
            path.push(cur);
            match delegation_of(ctx, c, topic, &cur) {
                Some(d)
                    if community::is_member(ctx, c, &d.to) && path.len() as u64 <= c.members =>
                {
                    cur = d.to;
                }
                _ => break None,
            }
        };
        for p in path {
            memo.insert(p, end);
        }
        memo.insert(cur, end);
        let Some((choice, voter)) = end else { continue };
        match choice {
            Choice::Yes => t.yes += 1,
            Choice::No => t.no += 1,
            Choice::Abstain => t.abstain += 1,
        }
        if voter == m {
            t.direct += 1;
        } else {
            t.delegated += 1;
        }
        *weights.entry(voter).or_default() += 1;
    }
    t.weights = weights
        .into_iter()
        .filter(|(_, w)| *w > 1)
        .map(|(a, w)| (a.to_hex(), w))
        .collect();
    t
}

/// Closes `p`'s vote (its close time has come).
pub(crate) fn close(ctx: &mut CallContext<'_>, c: &Community, mut p: Proposal) {
    let t = count(ctx, c, &p.topic, &p.id);
    let counted = t.yes + t.no + t.abstain;
    let quorum = counted * 100 >= u64::from(p.quorum_pct) * c.members;
    let passed = quorum && t.yes > t.no;
    let name = super::due_name('p', c, &p.id);
    if passed {
        p.status = Status::Passed;
        let at = p.closes_ms.saturating_add(p.veto_ms);
        p.executes_ms = Some(at);
        super::due(ctx, &name, Some(at));
    } else {
        p.status = Status::Rejected;
        p.reason = Some(if quorum { "majority" } else { "quorum" }.into());
        super::due(ctx, &name, None);
    }
    p.tally = Some(t.clone());
    ctx.write(proposal_key(&c.agency, &c.id, &p.id), &p);
    ctx.emit_event(&GovernanceEvent::ProposalClosed {
        agency: c.agency.clone(),
        community: c.id.clone(),
        proposal: p.id,
        tally: t,
        passed,
    });
}

/// Runs a passed proposal's actions (its veto window is over): all of
/// them, or none when one fails.
pub(crate) fn execute(ctx: &mut CallContext<'_>, c: &Community, mut p: Proposal) {
    let program = treasury_program(&c.id);
    let r = ctx.attempt(|ctx| {
        for Action::Pay {
            to,
            amount,
            reference,
        } in &p.actions
        {
            money::pay_from_program(ctx, &c.agency, &program, &c.account, to, *amount, reference)?;
        }
        Ok::<(), TxError>(())
    });
    let error = r.err().map(|e| e.code);
    p.status = if error.is_none() {
        Status::Executed
    } else {
        Status::Failed
    };
    p.reason.clone_from(&error);
    ctx.write(proposal_key(&c.agency, &c.id, &p.id), &p);
    super::due(ctx, &super::due_name('p', c, &p.id), None);
    ctx.emit_event(&GovernanceEvent::Executed {
        agency: c.agency.clone(),
        community: c.id.clone(),
        proposal: p.id,
        error,
    });
}
