//! Participatory budgeting rounds on the ledger: an election officer opens
//! a round (budget, projects with costs and payees, rule, window); members
//! cast approval ballots whose projects together fit the budget (a later
//! ballot replaces an earlier); at the close the block decides by the rule
//! ([`crate::pb`]); during the objection window members object and an
//! administrator may uphold an objection (cancel); after it the winners are
//! paid from the community's treasury, all or none.

use super::codes::GovernanceRejection as R;
use super::community::{self, bad};
use super::events::GovernanceEvent;
use super::model::{
    member_at_key, proposal_key, round_key, treasury_program, vote_key, Community, Project, Round,
    RoundStatus, Rule, PROJECTS_MAX, VOTE_MS_MAX, WINDOW_MS_MAX,
};
use crate::model::valid_id;
use crate::pb;
use publica_money::interface as money;
use publica_runtime::kit::is_reference;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// The largest budget, in the currency's minor units (the rules compute
/// shares in floating point, exact below 2^53).
pub const BUDGET_MAX: u128 = 1 << 50;

/// `governance.open_round`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenArgs {
    /// The agency (its election officer signs).
    pub agency: String,
    /// The community.
    pub community: String,
    /// The round's id.
    pub id: String,
    /// Its title (a reference).
    pub title: String,
    /// The budget.
    pub budget: Amount,
    /// The projects.
    pub projects: Vec<Project>,
    /// The rule.
    pub rule: Rule,
    /// Ballots are taken until this block time (ms).
    pub closes_ms: u64,
    /// The objection window after the close (ms).
    pub objection_ms: u64,
}

/// `governance.approve_projects`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The round.
    pub round: String,
    /// The projects approved (their ids; together within the budget).
    pub approvals: Vec<String>,
}

/// `governance.object` and `governance.cancel_round`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The round.
    pub round: String,
    /// Why (a reference: a complaint's or a decision's number).
    pub reason: String,
}

/// The round `id` of `c`.
pub fn load(ctx: &CallContext<'_>, c: &Community, id: &str) -> Result<Round, TxError> {
    if !valid_id(id) {
        return Err(bad("a round id is 1..=64 of [a-z0-9_-]"));
    }
    ctx.read(&round_key(&c.agency, &c.id, id))
        .ok_or_else(|| R::UnknownProposal.err(format!("'{}' has no round '{id}'", c.id)))
}

fn check_projects(ctx: &CallContext<'_>, c: &Community, a: &OpenArgs) -> Result<(), TxError> {
    if a.projects.is_empty() || a.projects.len() > PROJECTS_MAX {
        return Err(bad(format!("a round has 1..={PROJECTS_MAX} projects")));
    }
    for (i, p) in a.projects.iter().enumerate() {
        if !valid_id(&p.id) || a.projects[..i].iter().any(|q| q.id == p.id) {
            return Err(bad(format!(
                "project '{}': ids are distinct, 1..=64 of [a-z0-9_-]",
                p.id
            )));
        }
        if !is_reference(&p.title) || p.cost.is_zero() || p.cost > a.budget {
            return Err(bad(format!(
                "project '{}': a reference as title and a cost of 1..=budget",
                p.id
            )));
        }
        let payee = money::account(ctx, &p.payee)?;
        if payee.currency != c.currency {
            return Err(bad(format!(
                "project '{}': '{}' holds {}, the treasury {}",
                p.id, p.payee, payee.currency, c.currency
            )));
        }
    }
    Ok(())
}

/// `governance.open_round`.
pub fn open(ctx: &mut CallContext<'_>, a: OpenArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    if !valid_id(&a.id) || !is_reference(&a.title) {
        return Err(bad(
            "a round id is 1..=64 of [a-z0-9_-]; its title a reference",
        ));
    }
    if a.budget.is_zero() || a.budget.get() > BUDGET_MAX {
        return Err(bad(format!("the budget is 1..={BUDGET_MAX} minor units")));
    }
    let now = ctx.env().time_ms;
    if a.closes_ms <= now || a.closes_ms - now > VOTE_MS_MAX || a.objection_ms > WINDOW_MS_MAX {
        return Err(bad(
            "closes_ms is in the future, within a year; objection_ms at most 90 days",
        ));
    }
    if ctx.contains(&proposal_key(&c.agency, &c.id, &a.id))
        || ctx.contains(&round_key(&c.agency, &c.id, &a.id))
    {
        return Err(R::ProposalExists.err(format!("'{}' has a '{}' already", c.id, a.id)));
    }
    check_projects(ctx, &c, &a)?;
    super::room(ctx, &c)?;
    let held = money::account(ctx, &c.account)?.balance;
    if held < a.budget {
        return Err(R::OverBudget.err(format!(
            "the treasury '{}' holds {}, less than the budget {}",
            c.account,
            held.get(),
            a.budget.get()
        )));
    }
    let r = Round {
        id: a.id,
        title: a.title,
        budget: a.budget,
        projects: a.projects,
        rule: a.rule,
        closes_ms: a.closes_ms,
        objection_ms: a.objection_ms,
        status: RoundStatus::Open,
        approvals: None,
        voters: None,
        winners: None,
        spent: None,
        funds_ms: None,
        objections: 0,
        reason: None,
        height: ctx.env().height,
    };
    ctx.write(round_key(&c.agency, &c.id, &r.id), &r);
    super::due(ctx, &super::due_name('r', &c, &r.id), Some(r.closes_ms));
    ctx.emit_event(&GovernanceEvent::RoundOpened {
        agency: c.agency,
        community: c.id,
        round: r.id,
        budget: r.budget,
    });
    Ok(())
}

/// `governance.approve_projects` (a member, while the round is open).
pub fn ballot(ctx: &mut CallContext<'_>, a: BallotArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    let voter = ctx.signer();
    community::member(ctx, &c, &voter)?;
    let r = load(ctx, &c, &a.round)?;
    if r.status != RoundStatus::Open || ctx.env().time_ms >= r.closes_ms {
        return Err(R::WrongStatus.err(format!("round '{}' is not open for ballots", r.id)));
    }
    let mut picked: Vec<u32> = Vec::new();
    let mut cost = Amount::ZERO;
    for id in &a.approvals {
        let i = r.projects.iter().position(|p| &p.id == id).ok_or_else(|| {
            R::UnknownProject.err(format!("round '{}' has no project '{id}'", r.id))
        })?;
        if picked.contains(&(i as u32)) {
            return Err(bad(format!("project '{id}' twice in one ballot")));
        }
        picked.push(i as u32);
        cost = cost
            .checked_add(r.projects[i].cost)
            .unwrap_or(Amount::new(u128::MAX));
    }
    if cost > r.budget {
        return Err(R::OverBudget.err(format!(
            "the projects approved cost {}, over the budget {}",
            cost.get(),
            r.budget.get()
        )));
    }
    ctx.write(vote_key(&c.agency, &c.id, &r.id, &voter), &picked);
    ctx.emit_event(&GovernanceEvent::RoundVoted {
        agency: c.agency,
        community: c.id,
        round: r.id,
        voter,
        approvals: a.approvals,
    });
    Ok(())
}

/// The round as a pabulib instance: its projects and every member's
/// current ballot (members in their numbered order). Amounts are written
/// in hundredths of the minor unit's hundred (`budget;100` is 10000 minor
/// units), as pabulib writes a currency with cents.
pub fn instance(ctx: &CallContext<'_>, c: &Community, r: &Round) -> pb::Instance {
    build(c, r, &|k| ctx.get(k))
}

/// [`instance`] from committed state (the read API).
pub fn instance_from(
    state: &dyn publica_runtime::overlay::StateRead,
    c: &Community,
    r: &Round,
) -> pb::Instance {
    build(c, r, &|k| state.value(k).map(std::borrow::Cow::into_owned))
}

fn build(c: &Community, r: &Round, get: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> pb::Instance {
    fn decode<T: serde::de::DeserializeOwned>(b: Option<Vec<u8>>) -> Option<T> {
        b.and_then(|b| serde_json::from_slice(&b).ok())
    }
    let minor = |a: Amount| u64::try_from(a.get()).expect("amounts are bounded by BUDGET_MAX");
    let mut votes = Vec::new();
    for n in 0..c.members {
        let Some(m) = decode::<AccountId>(get(&member_at_key(&c.agency, &c.id, n))) else {
            continue;
        };
        if let Some(picked) = decode::<Vec<u32>>(get(&vote_key(&c.agency, &c.id, &r.id, &m))) {
            let projects: Vec<usize> = picked.iter().map(|&i| i as usize).collect();
            votes.push(pb::Vote {
                points: vec![1; projects.len()],
                fields: vec![
                    m.to_hex(),
                    projects
                        .iter()
                        .map(|&i| r.projects[i].id.clone())
                        .collect::<Vec<_>>()
                        .join(","),
                ],
                projects,
            });
        }
    }
    pb::Instance {
        meta: vec![
            ("description".into(), r.title.clone()),
            ("budget".into(), pb::money_text(minor(r.budget))),
            ("vote_type".into(), "approval".into()),
            (
                "rule".into(),
                match r.rule {
                    Rule::Greedy => "greedy",
                    Rule::Mes => "mes",
                    Rule::MesGreedy => "mes-greedy",
                }
                .into(),
            ),
        ],
        project_columns: vec!["project_id".into(), "cost".into(), "name".into()],
        projects: r
            .projects
            .iter()
            .map(|p| pb::Project {
                id: p.id.clone(),
                cost: minor(p.cost),
                fields: vec![p.id.clone(), pb::money_text(minor(p.cost)), p.title.clone()],
            })
            .collect(),
        vote_columns: vec!["voter_id".into(), "vote".into()],
        votes,
        budget: minor(r.budget),
    }
}

/// Closes a round (its close time has come): decides by its rule.
pub(crate) fn close(ctx: &mut CallContext<'_>, c: &Community, mut r: Round) {
    let inst = instance(ctx, c, &r);
    let outcome = match r.rule {
        Rule::Greedy => pb::greedy(&inst),
        Rule::Mes => pb::equal_shares(&inst, false),
        Rule::MesGreedy => pb::equal_shares(&inst, true),
    };
    let winners: Vec<String> = outcome
        .funded
        .iter()
        .map(|&i| r.projects[i].id.clone())
        .collect();
    let spent = Amount::new(u128::from(outcome.spent));
    r.approvals = Some(inst.scores());
    r.voters = Some(inst.votes.len() as u64);
    r.winners = Some(winners.clone());
    r.spent = Some(spent);
    r.status = RoundStatus::Objection;
    let at = r.closes_ms.saturating_add(r.objection_ms);
    r.funds_ms = Some(at);
    ctx.write(round_key(&c.agency, &c.id, &r.id), &r);
    super::due(ctx, &super::due_name('r', c, &r.id), Some(at));
    ctx.emit_event(&GovernanceEvent::RoundClosed {
        agency: c.agency.clone(),
        community: c.id.clone(),
        round: r.id,
        winners,
        spent,
    });
}

/// Pays a decided round's winners (the objection window is over).
pub(crate) fn fund(ctx: &mut CallContext<'_>, c: &Community, mut r: Round) {
    let program = treasury_program(&c.id);
    let winners = r.winners.clone().unwrap_or_default();
    let res = ctx.attempt(|ctx| {
        for w in &winners {
            let p = r
                .projects
                .iter()
                .find(|p| &p.id == w)
                .expect("winners are projects");
            let reference = format!("pb:{}/{}", r.id, p.id);
            let reference = if is_reference(&reference) {
                reference
            } else {
                format!("pb:{}", p.id)
            };
            money::pay_from_program(
                ctx, &c.agency, &program, &c.account, &p.payee, p.cost, &reference,
            )?;
        }
        Ok::<(), TxError>(())
    });
    let error = res.err().map(|e| e.code);
    r.status = if error.is_none() {
        RoundStatus::Funded
    } else {
        RoundStatus::Unfunded
    };
    r.reason.clone_from(&error);
    ctx.write(round_key(&c.agency, &c.id, &r.id), &r);
    super::due(ctx, &super::due_name('r', c, &r.id), None);
    ctx.emit_event(&GovernanceEvent::RoundFunded {
        agency: c.agency.clone(),
        community: c.id.clone(),
        round: r.id,
        error,
    });
}

fn in_objection(ctx: &CallContext<'_>, r: &Round) -> Result<(), TxError> {
    if r.status == RoundStatus::Objection && r.funds_ms.is_some_and(|t| ctx.env().time_ms < t) {
        Ok(())
    } else {
        Err(R::WrongStatus.err(format!(
            "round '{}' is {:?}, not in its objection window",
            r.id, r.status
        )))
    }
}

/// `governance.object` (a member, in the objection window).
pub fn object(ctx: &mut CallContext<'_>, a: ObjectArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    let by = ctx.signer();
    community::member(ctx, &c, &by)?;
    if !is_reference(&a.reason) {
        return Err(bad(publica_runtime::kit::reference_rule("reason")));
    }
    let mut r = load(ctx, &c, &a.round)?;
    in_objection(ctx, &r)?;
    r.objections += 1;
    ctx.write(round_key(&c.agency, &c.id, &r.id), &r);
    ctx.emit_event(&GovernanceEvent::Objected {
        agency: c.agency,
        community: c.id,
        round: r.id,
        by,
        reason: a.reason,
    });
    Ok(())
}

/// `governance.cancel_round` (an administrator upholds an objection, in
/// the objection window).
pub fn cancel(ctx: &mut CallContext<'_>, a: ObjectArgs) -> Result<(), TxError> {
    let c = community::load(ctx, &a.agency, &a.community)?;
    if !is_reference(&a.reason) {
        return Err(bad(publica_runtime::kit::reference_rule("reason")));
    }
    let mut r = load(ctx, &c, &a.round)?;
    in_objection(ctx, &r)?;
    r.status = RoundStatus::Cancelled;
    r.reason = Some(a.reason.clone());
    ctx.write(round_key(&c.agency, &c.id, &r.id), &r);
    super::due(ctx, &super::due_name('r', &c, &r.id), None);
    ctx.emit_event(&GovernanceEvent::RoundCancelled {
        agency: c.agency,
        community: c.id,
        round: r.id,
        by: ctx.signer(),
        reason: a.reason,
    });
    Ok(())
}
