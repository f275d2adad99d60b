//! The `governance` module: local democracy beside the secret-ballot
//! elections (issue 30, items 8–10; `docs/elections.md`, "Local
//! governance"):
//!
//! - **communities** ([`community`]): an agency's electorate for local
//!   decisions, its topics and its treasury (a money account of program
//!   `governance:<id>`); election officers enrol and remove members;
//! - **liquid democracy**: members delegate per topic, transitively,
//!   revocably at any time; self-delegation and cycles are refused;
//!   delegations are public;
//! - **proposals that execute** ([`proposals`]): a member proposes, with
//!   payments from the treasury to make if it passes; members vote
//!   publicly; at the close the block counts every member's weight through
//!   the delegations of that block (a direct vote overrides); a passed
//!   proposal waits out the agency's veto window, then its payments run,
//!   all or none;
//! - **participatory budgeting rounds** ([`rounds`]): approval ballots
//!   under the budget, decided by greedy or equal shares at the close,
//!   an objection window, then the winners paid from the treasury.
//!
//! Closes, executions and funding happen at the start of the first block
//! whose time has reached them ([`TypedModule::begin_block`]), and the
//! node knows when that is ([`TypedModule::next_due_ms`]).

pub mod codes;
pub mod community;
pub mod events;
pub mod model;
pub mod proposals;
pub mod rounds;
pub mod routes;

use codes::GovernanceRejection as R;
use events::GovernanceEvent;
use model::{Community, Proposal, Round, RoundStatus, Status, DUE_KEY};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;
use serde_json::json;
use std::collections::BTreeMap;

/// The `governance` module.
#[derive(Debug, Default)]
pub struct Governance;

publica_runtime::calls! {
    /// The calls of `governance`.
    #[derive(Debug)]
    pub enum GovernanceCall {
        /// Create a community (an election officer of the agency).
        CreateCommunity(community::CreateArgs) = "create_community" => Need::Role(Role::ElectionOfficer, "agency"),
        /// Enrol members (an election officer).
        Enrol(community::EnrolArgs) = "enrol" => Need::Role(Role::ElectionOfficer, "agency"),
        /// Remove a member (an election officer).
        Unenrol(community::UnenrolArgs) = "unenrol" => Need::Role(Role::ElectionOfficer, "agency"),
        /// Delegate a topic to another member (a member).
        Delegate(community::DelegateArgs) = "delegate" => Need::Any,
        /// Revoke one's delegation on a topic (a member).
        Undelegate(community::UndelegateArgs) = "undelegate" => Need::Any,
        /// Make a proposal (a member).
        Propose(proposals::ProposeArgs) = "propose" => Need::Any,
        /// Vote on a proposal (a member).
        Vote(proposals::VoteArgs) = "vote" => Need::Any,
        /// Veto a proposal before it runs (an administrator of the agency).
        Veto(proposals::VetoArgs) = "veto" => Need::Role(Role::Administrator, "agency"),
        /// Open a participatory budgeting round (an election officer).
        OpenRound(rounds::OpenArgs) = "open_round" => Need::Role(Role::ElectionOfficer, "agency"),
        /// Cast an approval ballot in a round (a member).
        ApproveProjects(rounds::BallotArgs) = "approve_projects" => Need::Any,
        /// Object to a round's result (a member).
        Object(rounds::ObjectArgs) = "object" => Need::Any,
        /// Uphold an objection: cancel the round (an administrator).
        CancelRound(rounds::ObjectArgs) = "cancel_round" => Need::Role(Role::Administrator, "agency"),
    }
}

/// The name of a proposal's (`p`) or round's (`r`) entry in the due list.
pub(crate) fn due_name(kind: char, c: &Community, id: &str) -> String {
    format!("{kind}/{}/{}/{id}", c.agency, c.id)
}

/// Refuses a new proposal or round when `c` has [`model::UNDER_WAY_MAX`]
/// under way.
pub(crate) fn room(ctx: &CallContext<'_>, c: &Community) -> Result<(), TxError> {
    use publica_runtime::Rejections;
    let d: BTreeMap<String, u64> = ctx.read(DUE_KEY).unwrap_or_default();
    let mine = |k: &str| {
        k.get(2..)
            .is_some_and(|rest| rest.starts_with(&format!("{}/{}/", c.agency, c.id)))
    };
    if d.keys().filter(|k| mine(k)).count() >= model::UNDER_WAY_MAX {
        return Err(R::TooManyOpen.err(format!(
            "'{}' has {} proposals and rounds under way",
            c.id,
            model::UNDER_WAY_MAX
        )));
    }
    Ok(())
}

/// Sets (or with `None` clears) when `name` is next due.
pub(crate) fn due(ctx: &mut CallContext<'_>, name: &str, at: Option<u64>) {
    let mut d: BTreeMap<String, u64> = ctx.read(DUE_KEY).unwrap_or_default();
    match at {
        Some(t) => d.insert(name.to_string(), t),
        None => d.remove(name),
    };
    ctx.write(DUE_KEY.to_vec(), &d);
}

/// Does what is due for `name` at the block's time.
fn run_due(ctx: &mut CallContext<'_>, name: &str) {
    let mut parts = name.splitn(4, '/');
    let (Some(kind), Some(agency), Some(cid), Some(id)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        due(ctx, name, None);
        return;
    };
    let Ok(c) = community::load(ctx, agency, cid) else {
        due(ctx, name, None);
        return;
    };
    let now = ctx.env().time_ms;
    if kind == "p" {
        match proposals::load(ctx, &c, id) {
            Ok(
                p @ Proposal {
                    status: Status::Open,
                    ..
                },
            ) => proposals::close(ctx, &c, p),
            Ok(p) if p.status == Status::Passed && p.executes_ms.is_some_and(|t| t <= now) => {
                proposals::execute(ctx, &c, p);
            }
            Ok(p) if p.status == Status::Passed => {}
            _ => due(ctx, name, None),
        }
    } else {
        match rounds::load(ctx, &c, id) {
            Ok(
                r @ Round {
                    status: RoundStatus::Open,
                    ..
                },
            ) => rounds::close(ctx, &c, r),
            Ok(r) if r.status == RoundStatus::Objection && r.funds_ms.is_some_and(|t| t <= now) => {
                rounds::fund(ctx, &c, r);
            }
            Ok(r) if r.status == RoundStatus::Objection => {}
            _ => due(ctx, name, None),
        }
    }
}

impl TypedModule for Governance {
    const NAME: &'static str = "governance";
    type Call = GovernanceCall;
    type Rejection = R;
    type Event = GovernanceEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: GovernanceCall) -> Result<(), TxError> {
        match call {
            GovernanceCall::CreateCommunity(a) => community::create(ctx, a),
            GovernanceCall::Enrol(a) => community::enrol(ctx, a),
            GovernanceCall::Unenrol(a) => community::unenrol(ctx, a),
            GovernanceCall::Delegate(a) => community::delegate(ctx, a),
            GovernanceCall::Undelegate(a) => community::undelegate(ctx, a),
            GovernanceCall::Propose(a) => proposals::propose(ctx, a),
            GovernanceCall::Vote(a) => proposals::vote(ctx, a),
            GovernanceCall::Veto(a) => proposals::veto(ctx, a),
            GovernanceCall::OpenRound(a) => rounds::open(ctx, a),
            GovernanceCall::ApproveProjects(a) => rounds::ballot(ctx, a),
            GovernanceCall::Object(a) => rounds::object(ctx, a),
            GovernanceCall::CancelRound(a) => rounds::cancel(ctx, a),
        }
    }

    fn begin_block(&self, ctx: &mut CallContext<'_>) {
        let now = ctx.env().time_ms;
        // A close can make an execution due at once (no veto window), so
        // go round until nothing due is left.
        for _ in 0..3 {
            let d: BTreeMap<String, u64> = ctx.read(DUE_KEY).unwrap_or_default();
            let ready: Vec<String> = d
                .into_iter()
                .filter(|(_, t)| *t <= now)
                .map(|(n, _)| n)
                .collect();
            if ready.is_empty() {
                break;
            }
            for name in ready {
                run_due(ctx, &name);
            }
        }
    }

    fn next_due_ms(&self, state: &publica_state::StateTree) -> Option<u64> {
        let d: BTreeMap<String, u64> = state
            .get(DUE_KEY)
            .and_then(|b| serde_json::from_slice(&b).ok())?;
        d.values().min().copied()
    }

    fn index_event(&self, event: &GovernanceEvent, filer: &mut IndexFiler<'_>) {
        use GovernanceEvent as E;
        match event {
            E::CommunityCreated { agency, community } => {
                filer.file(
                    "communities",
                    &json!({"agency": agency, "community": community}),
                );
            }
            E::Delegated {
                agency,
                community,
                topic,
                from,
                to,
            } => filer.file(
                &format!("delegations/{agency}/{community}"),
                &json!({"topic": topic, "from": from, "to": to}),
            ),
            E::Undelegated {
                agency,
                community,
                topic,
                from,
            } => filer.file(
                &format!("delegations/{agency}/{community}"),
                &json!({"topic": topic, "from": from, "to": null}),
            ),
            E::Proposed {
                agency,
                community,
                proposal,
                topic,
                by,
            } => filer.file(
                &format!("proposals/{agency}/{community}"),
                &json!({"proposal": proposal, "topic": topic, "by": by}),
            ),
            E::RoundOpened {
                agency,
                community,
                round,
                budget,
            } => filer.file(
                &format!("rounds/{agency}/{community}"),
                &json!({"round": round, "budget": budget}),
            ),
            E::Voted {
                agency,
                community,
                proposal,
                voter,
                choice,
            } => filer.file(
                &format!("votes/{agency}/{community}/{proposal}"),
                &json!({"voter": voter, "choice": choice}),
            ),
            E::RoundVoted {
                agency,
                community,
                round,
                voter,
                approvals,
            } => filer.file(
                &format!("votes/{agency}/{community}/{round}"),
                &json!({"voter": voter, "approvals": approvals}),
            ),
            E::Objected {
                agency,
                community,
                round,
                by,
                reason,
            } => filer.file(
                &format!("objections/{agency}/{community}/{round}"),
                &json!({"by": by, "reason": reason}),
            ),
            _ => {}
        }
    }
}
