//! The `governance` module's events: communities, members, delegations,
//! proposals and their public votes, budgeting rounds. Everything here is
//! public by design: pseudonymous accounts, never a name.

use super::model::{Choice, Tally};
use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// A `governance` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum GovernanceEvent {
    /// An election officer created a community.
    CommunityCreated {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
    },
    /// Members enrolled.
    Enrolled {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The accounts.
        members: Vec<AccountId>,
    },
    /// A member left (or was removed).
    Unenrolled {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The account.
        member: AccountId,
    },
    /// A member delegated a topic (replacing any earlier delegation).
    Delegated {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The topic.
        topic: String,
        /// The delegating member.
        from: AccountId,
        /// The delegate.
        to: AccountId,
    },
    /// A member revoked their delegation on a topic.
    Undelegated {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The topic.
        topic: String,
        /// The member.
        from: AccountId,
    },
    /// A member made a proposal.
    Proposed {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The proposal.
        proposal: String,
        /// Its topic.
        topic: String,
        /// Who proposed.
        by: AccountId,
    },
    /// A member voted on a proposal (replacing any earlier vote).
    Voted {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The proposal.
        proposal: String,
        /// The voter.
        voter: AccountId,
        /// The choice.
        choice: Choice,
    },
    /// A proposal's vote closed and was counted with the delegations of
    /// that block.
    ProposalClosed {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The proposal.
        proposal: String,
        /// The count.
        tally: Tally,
        /// Whether it passed.
        passed: bool,
    },
    /// The agency vetoed a proposal.
    Vetoed {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The proposal.
        proposal: String,
        /// The administrator.
        by: AccountId,
        /// Why (a reference).
        reason: String,
    },
    /// A passed proposal's actions ran (`error` when they could not: none
    /// of them took effect).
    Executed {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The proposal.
        proposal: String,
        /// Why it failed, when it did (an error code).
        error: Option<String>,
    },
    /// A budgeting round opened.
    RoundOpened {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// Its budget.
        budget: Amount,
    },
    /// A member's approval ballot in a round (replacing any earlier one).
    RoundVoted {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// The voter.
        voter: AccountId,
        /// The projects approved.
        approvals: Vec<String>,
    },
    /// A round closed: the projects to fund, pending the objection window.
    RoundClosed {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// The projects selected, in the order the rule chose them.
        winners: Vec<String>,
        /// Their cost.
        spent: Amount,
    },
    /// A member objected to a round's result.
    Objected {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// The member.
        by: AccountId,
        /// Why (a reference).
        reason: String,
    },
    /// The agency upheld an objection: the round is cancelled, nothing paid.
    RoundCancelled {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// The administrator.
        by: AccountId,
        /// Why (a reference).
        reason: String,
    },
    /// The winners were paid from the treasury (`error` when they could
    /// not be: none was).
    RoundFunded {
        /// The agency.
        agency: String,
        /// The community.
        community: String,
        /// The round.
        round: String,
        /// Why it failed, when it did (an error code).
        error: Option<String>,
    },
}

impl publica_runtime::kit::Events for GovernanceEvent {}
