//! What the `governance` module keeps: communities (an agency's
//! electorate for local decisions, with its topics and treasury), their
//! members numbered for counting, delegations per topic, proposals with
//! their votes and actions, and participatory budgeting rounds.

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most members of a community (each close counts them all in one block).
pub const MEMBERS_MAX: u64 = 20_000;
/// Most members enrolled by one call.
pub const ENROL_MAX: usize = 500;
/// Most topics of a community.
pub const TOPICS_MAX: usize = 32;
/// Most actions a proposal carries.
pub const ACTIONS_MAX: usize = 16;
/// Most projects in a budgeting round.
pub const PROJECTS_MAX: usize = 200;
/// Most proposals and rounds under way (open, or waiting for their veto
/// or objection window) in one community: each is on the due list every
/// block reads.
pub const UNDER_WAY_MAX: usize = 64;
/// The longest vote: a year.
pub const VOTE_MS_MAX: u64 = 366 * 86_400_000;
/// The longest veto or objection window: 90 days.
pub const WINDOW_MS_MAX: u64 = 90 * 86_400_000;

/// A community: who may propose, delegate and vote, on which topics, and
/// the treasury its decisions spend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    /// The agency that runs it.
    pub agency: String,
    /// Its id.
    pub id: String,
    /// Its title (a reference).
    pub title: String,
    /// The topics proposals and delegations are made on.
    pub topics: Vec<String>,
    /// The treasury: a money account of program `governance:<id>` run by
    /// the agency.
    pub account: String,
    /// Its currency.
    pub currency: String,
    /// How many members it has.
    pub members: u64,
    /// When it was created.
    pub height: u64,
}

/// A member's place in the community.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its number (`0..members`), for counting.
    pub n: u64,
    /// Since when.
    pub height: u64,
}

/// A delegation on a topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// The delegate.
    pub to: AccountId,
    /// Since when.
    pub height: u64,
}

/// A vote on a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// For.
    Yes,
    /// Against.
    No,
    /// Counted for the quorum, for neither side.
    Abstain,
}

/// What a passed proposal does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Pays `amount` from the community's treasury to the money account
    /// `to` (a recipient, or a program's account to fund it).
    Pay {
        /// The money account credited.
        to: String,
        /// How much.
        amount: Amount,
        /// The transfer's reference.
        reference: String,
    },
}

/// Where a proposal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Taking votes until `closes_ms`.
    Open,
    /// Passed; its actions run at `executes_ms` unless the agency vetoes.
    Passed,
    /// Not passed (no majority or no quorum).
    Rejected,
    /// Vetoed by the agency.
    Vetoed,
    /// Its actions ran.
    Executed,
    /// Its actions could not run (`error` says why): none took effect.
    Failed,
}

/// The count of a closed vote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Weight for.
    pub yes: u64,
    /// Weight against.
    pub no: u64,
    /// Weight abstaining.
    pub abstain: u64,
    /// Members who voted themselves.
    pub direct: u64,
    /// Members counted through a chain of delegations.
    pub delegated: u64,
    /// Members in the community at the close.
    pub members: u64,
    /// The weight each direct voter carried, where more than their own
    /// (delegates), by account.
    pub weights: BTreeMap<String, u64>,
    /// The close's height.
    pub height: u64,
}

/// A proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its id.
    pub id: String,
    /// Its topic.
    pub topic: String,
    /// Its title (a reference).
    pub title: String,
    /// SHA-256 of its full text, published off the ledger (hex).
    pub text_hash: String,
    /// Who proposed.
    pub by: AccountId,
    /// What it does if it passes.
    pub actions: Vec<Action>,
    /// Votes are taken until this block time.
    pub closes_ms: u64,
    /// The agency's veto window after the close.
    pub veto_ms: u64,
    /// Least share of members (percent) whose weight must be counted.
    pub quorum_pct: u8,
    /// Where it is.
    pub status: Status,
    /// The count, once closed.
    pub tally: Option<Tally>,
    /// When its actions run (the close plus the veto window).
    pub executes_ms: Option<u64>,
    /// Why it was vetoed or failed.
    pub reason: Option<String>,
    /// When it was made.
    pub height: u64,
}

/// A project in a budgeting round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Its id.
    pub id: String,
    /// Its title (a reference).
    pub title: String,
    /// What it costs.
    pub cost: Amount,
    /// The money account paid when it is funded.
    pub payee: String,
}

/// The rule a round is decided by (`crate::pb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// By approvals, each project funded if it still fits.
    Greedy,
    /// The Method of Equal Shares.
    Mes,
    /// Equal shares, then what is left by the greedy rule.
    MesGreedy,
}

/// Where a budgeting round is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Taking approval ballots until `closes_ms`.
    Open,
    /// Decided; the winners are paid at `funds_ms` unless an objection is
    /// upheld.
    Objection,
    /// An objection was upheld: nothing paid.
    Cancelled,
    /// The winners were paid.
    Funded,
    /// The winners could not be paid (`reason` says why): none was.
    Unfunded,
}

/// A participatory budgeting round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// Its id.
    pub id: String,
    /// Its title (a reference).
    pub title: String,
    /// The budget.
    pub budget: Amount,
    /// The projects.
    pub projects: Vec<Project>,
    /// The rule.
    pub rule: Rule,
    /// Ballots are taken until this block time.
    pub closes_ms: u64,
    /// The objection window after the close.
    pub objection_ms: u64,
    /// Where it is.
    pub status: RoundStatus,
    /// Approvals per project, once closed.
    pub approvals: Option<Vec<u64>>,
    /// Members who voted, once closed.
    pub voters: Option<u64>,
    /// The projects selected, in the order the rule chose them.
    pub winners: Option<Vec<String>>,
    /// Their cost.
    pub spent: Option<Amount>,
    /// When the winners are paid.
    pub funds_ms: Option<u64>,
    /// Objections filed.
    pub objections: u64,
    /// Why it was cancelled or went unfunded.
    pub reason: Option<String>,
    /// When it opened.
    pub height: u64,
}

/// State key of a community.
pub fn community_key(agency: &str, id: &str) -> Vec<u8> {
    format!("governance/community/{agency}/{id}").into_bytes()
}

/// State key of a member.
pub fn member_key(agency: &str, c: &str, account: &AccountId) -> Vec<u8> {
    format!("governance/member/{agency}/{c}/{}", account.to_hex()).into_bytes()
}

/// State key of member number `n`.
pub fn member_at_key(agency: &str, c: &str, n: u64) -> Vec<u8> {
    format!("governance/member_at/{agency}/{c}/{n}").into_bytes()
}

/// State key of a member's delegation on a topic.
pub fn delegation_key(agency: &str, c: &str, topic: &str, from: &AccountId) -> Vec<u8> {
    format!(
        "governance/delegation/{agency}/{c}/{topic}/{}",
        from.to_hex()
    )
    .into_bytes()
}

/// State key of a proposal.
pub fn proposal_key(agency: &str, c: &str, id: &str) -> Vec<u8> {
    format!("governance/proposal/{agency}/{c}/{id}").into_bytes()
}

/// State key of a round.
pub fn round_key(agency: &str, c: &str, id: &str) -> Vec<u8> {
    format!("governance/round/{agency}/{c}/{id}").into_bytes()
}

/// State key of a member's vote on a proposal, or ballot in a round.
pub fn vote_key(agency: &str, c: &str, id: &str, voter: &AccountId) -> Vec<u8> {
    format!("governance/vote/{agency}/{c}/{id}/{}", voter.to_hex()).into_bytes()
}

/// State key of what is due and when: `"p|r/<agency>/<community>/<id>"`
/// to block time (ms).
pub const DUE_KEY: &[u8] = b"governance/due";

/// The treasury program of community `id` (`Owner::Program`).
pub fn treasury_program(id: &str) -> String {
    format!("governance:{id}")
}
