//! M-of-N proposals for sensitive acts: a proposal transaction, approval
//! transactions, execution as soon as the threshold is reached, expiry when
//! it is not reached in time. Every approval is recorded in the proposal,
//! visible to anyone reading the state.
//!
//! Chain-wide acts (create an agency, change governance) are approved by
//! agencies — one administrator approving for each — up to the governance
//! threshold. An agency's own sensitive acts (grant or revoke
//! administrator, change its policy) are approved by its administrators up
//! to the agency's policy threshold. Thresholds are fixed when the proposal
//! is made; eligibility is checked when each approval is given.

use crate::codes;
use crate::events::IdentityEvent;
use crate::state::{self, Agency, Governance};
use crate::validators::{Validator, ValidatorHistory, VALIDATORS_KEY};
use publica_runtime::authz::{self, Role};
use publica_runtime::CallContext;
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Default and largest lifetime of a proposal, in blocks.
pub const PROPOSAL_LIFETIME_BLOCKS_DEFAULT: u64 = 1_000;
/// Largest lifetime of a proposal, in blocks.
pub const PROPOSAL_LIFETIME_BLOCKS_MAX: u64 = 1_000_000;
/// Most administrators named when creating an agency.
pub const ADMINISTRATORS_MAX: usize = 32;

/// What a proposal does once approved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Create an agency with its first administrators.
    CreateAgency {
        /// Agency id.
        id: String,
        /// Display name.
        name: String,
        /// First administrators.
        #[serde(deserialize_with = "publica_crypto::key::many")]
        administrators: Vec<AccountId>,
        /// Approvals its administrators need for its sensitive acts.
        policy_threshold: u32,
    },
    /// Make an account an administrator of an agency.
    GrantAdministrator {
        /// The agency.
        agency: String,
        /// The account.
        #[serde(deserialize_with = "publica_crypto::key::one")]
        account: AccountId,
    },
    /// Take the administrator role from an account.
    RevokeAdministrator {
        /// The agency.
        agency: String,
        /// The account.
        account: AccountId,
    },
    /// Change an agency's approval threshold.
    SetPolicy {
        /// The agency.
        agency: String,
        /// New threshold (1..=administrators).
        threshold: u32,
    },
    /// Change the chain-wide threshold.
    SetGovernance {
        /// New threshold (1..=agencies).
        create_agency_threshold: u32,
    },
    /// Add a validator to a network's set, from the next engine epoch.
    AddValidator {
        /// The validator: name, consensus and cosigner keys, p2p address.
        validator: Validator,
    },
    /// Remove a validator from a network's set, from the next engine epoch.
    RemoveValidator {
        /// Its name.
        name: String,
    },
}

impl Action {
    /// The agency whose administrators approve, or `None` for chain-wide
    /// acts approved by agencies.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Action::CreateAgency { .. }
            | Action::SetGovernance { .. }
            | Action::AddValidator { .. }
            | Action::RemoveValidator { .. } => None,
            Action::GrantAdministrator { agency, .. }
            | Action::RevokeAdministrator { agency, .. }
            | Action::SetPolicy { agency, .. } => Some(agency),
        }
    }
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Collecting approvals.
    Pending,
    /// Approved and carried out.
    Executed,
}

/// One approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Who approved.
    pub account: AccountId,
    /// For whom: the agency the approver administers.
    pub agency: String,
    /// When.
    pub height: u64,
}

/// A proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// Sequential id.
    pub id: u64,
    /// What it does.
    pub action: Action,
    /// Approvals needed.
    pub threshold: u32,
    /// Approvals so far, the proposer's first.
    pub approvals: Vec<Approval>,
    /// Height it was made at.
    pub created_height: u64,
    /// Last height at which it can be approved or executed.
    pub expires_height: u64,
    /// Status.
    pub status: ProposalStatus,
    /// Height it was executed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_height: Option<u64>,
}

/// State key of a proposal.
pub fn proposal_key(id: u64) -> Vec<u8> {
    format!("identity/proposal/{id:020}").into_bytes()
}

fn seq_key() -> Vec<u8> {
    b"identity/proposal_seq".to_vec()
}

fn invalid(msg: impl Into<String>) -> TxError {
    TxError::new(publica_types::codes::CALL_INVALID_ARGS, msg)
}

/// Checks an action against the current state (also at execution, since
/// the state may have moved on).
fn validate(ctx: &CallContext<'_>, action: &Action) -> Result<(), TxError> {
    match action {
        Action::CreateAgency {
            id,
            name,
            administrators,
            policy_threshold,
        } => {
            state::check_agency_id(id)?;
            if name.is_empty()
                || name.len() > state::AGENCY_NAME_BYTES_MAX
                || name.chars().any(char::is_control)
            {
                return Err(TxError::new(
                    codes::INVALID_AGENCY,
                    "an agency name is 1..=128 bytes without control characters",
                ));
            }
            if ctx.contains(&authz::agency_key(id)) {
                return Err(TxError::new(
                    codes::AGENCY_EXISTS,
                    format!("agency '{id}' already exists"),
                ));
            }
            let mut sorted = administrators.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.is_empty()
                || sorted.len() != administrators.len()
                || sorted.len() > ADMINISTRATORS_MAX
            {
                return Err(invalid(format!(
                    "1..={ADMINISTRATORS_MAX} distinct administrators are needed"
                )));
            }
            if *policy_threshold == 0 || *policy_threshold as usize > administrators.len() {
                return Err(TxError::new(
                    codes::INVALID_THRESHOLD,
                    "the policy threshold must be 1..=number of administrators",
                ));
            }
        }
        Action::GrantAdministrator { agency, account } => {
            state::agency(ctx, agency)?;
            if state::is_admin(ctx, agency, account) {
                return Err(invalid("the account is already an administrator"));
            }
        }
        Action::RevokeAdministrator { agency, account } => {
            let a = state::agency(ctx, agency)?;
            if !state::is_admin(ctx, agency, account) {
                return Err(TxError::new(
                    codes::ROLE_NOT_HELD,
                    "the account is not an administrator",
                ));
            }
            if a.administrators <= 1 {
                return Err(TxError::new(
                    codes::LAST_ADMINISTRATOR,
                    "an agency keeps at least one administrator",
                ));
            }
        }
        Action::SetPolicy { agency, threshold } => {
            let a = state::agency(ctx, agency)?;
            if *threshold == 0 || *threshold > a.administrators {
                return Err(TxError::new(
                    codes::INVALID_THRESHOLD,
                    "the threshold must be 1..=number of administrators",
                ));
            }
        }
        Action::SetGovernance {
            create_agency_threshold,
        } => {
            let g: Governance = ctx
                .read(&state::governance_key())
                .expect("genesis wrote governance");
            if *create_agency_threshold == 0 || *create_agency_threshold > g.agencies {
                return Err(TxError::new(
                    codes::INVALID_THRESHOLD,
                    "the threshold must be 1..=number of agencies",
                ));
            }
        }
        Action::AddValidator { .. } | Action::RemoveValidator { .. } => {
            validator_change(ctx, action)?;
        }
    }
    Ok(())
}

/// The validator history after `action` (executed at this height), and
/// the height from which the new set finalizes blocks.
fn validator_change(
    ctx: &CallContext<'_>,
    action: &Action,
) -> Result<(ValidatorHistory, u64), TxError> {
    let mut history = ctx
        .get(VALIDATORS_KEY)
        .map(|b| ValidatorHistory::parse(&b).expect("genesis and this module write it"))
        .ok_or_else(|| {
            TxError::new(
                codes::NO_VALIDATOR_SET,
                "this chain runs on one node: it has no validator set to change",
            )
        })?;
    let height = ctx.env().height;
    let next = history.set_of(history.epoch_of(height) + 1).to_vec();
    let effective = match action {
        Action::AddValidator { validator } => {
            validator
                .check()
                .map_err(|e| TxError::new(codes::INVALID_VALIDATOR, e.to_string()))?;
            history.change(height, |set| {
                set.push(validator.clone());
                Ok(())
            })
        }
        Action::RemoveValidator { name } => {
            let Some(at) = next.iter().position(|v| v.name == *name) else {
                return Err(TxError::new(
                    codes::UNKNOWN_VALIDATOR,
                    format!("no validator named '{name}' in the next epoch's set"),
                ));
            };
            history.change(height, |set| {
                set.remove(at);
                Ok(())
            })
        }
        _ => unreachable!("only validator actions change the set"),
    }
    .map_err(|e| TxError::new(codes::INVALID_VALIDATOR, e.to_string()))?;
    Ok((history, effective))
}

fn execute_action(ctx: &mut CallContext<'_>, action: &Action) -> Result<(), TxError> {
    validate(ctx, action)?;
    let height = ctx.env().height;
    match action {
        Action::CreateAgency {
            id,
            name,
            administrators,
            policy_threshold,
        } => {
            let agency = Agency {
                id: id.clone(),
                name: name.clone(),
                created_height: height,
                policy_threshold: *policy_threshold,
                administrators: 0,
            };
            ctx.write(authz::agency_key(id), &agency);
            for a in administrators {
                state::grant(ctx, id, a, Role::Administrator)?;
            }
            let mut g: Governance = ctx
                .read(&state::governance_key())
                .expect("genesis wrote governance");
            g.agencies += 1;
            ctx.write(state::governance_key(), &g);
            ctx.emit_event(&IdentityEvent::AgencyCreated { agency: id.clone() });
        }
        Action::GrantAdministrator { agency, account } => {
            state::grant(ctx, agency, account, Role::Administrator)?;
            ctx.emit_event(&IdentityEvent::RoleGranted {
                agency: agency.clone(),
                account: *account,
                role: Role::Administrator,
            });
        }
        Action::RevokeAdministrator { agency, account } => {
            state::revoke(ctx, agency, account, Role::Administrator)?;
            ctx.emit_event(&IdentityEvent::RoleRevoked {
                agency: agency.clone(),
                account: *account,
                role: Role::Administrator,
            });
        }
        Action::SetPolicy { agency, threshold } => {
            let mut a = state::agency(ctx, agency)?;
            a.policy_threshold = *threshold;
            ctx.write(authz::agency_key(agency), &a);
            ctx.emit_event(&IdentityEvent::PolicySet {
                agency: agency.clone(),
                threshold: *threshold,
            });
        }
        Action::SetGovernance {
            create_agency_threshold,
        } => {
            let mut g: Governance = ctx
                .read(&state::governance_key())
                .expect("genesis wrote governance");
            g.create_agency_threshold = *create_agency_threshold;
            ctx.write(state::governance_key(), &g);
            ctx.emit_event(&IdentityEvent::GovernanceSet {
                create_agency_threshold: *create_agency_threshold,
            });
        }
        Action::AddValidator { .. } | Action::RemoveValidator { .. } => {
            let (history, from_height) = validator_change(ctx, action)?;
            ctx.write(VALIDATORS_KEY.to_vec(), &history);
            let (epoch, validators) = (
                history.epoch_of(from_height),
                history.set_at(from_height).len(),
            );
            ctx.emit_event(&match action {
                Action::AddValidator { validator } => IdentityEvent::ValidatorAdded {
                    name: validator.name.clone(),
                    from_height,
                    epoch,
                    validators,
                },
                Action::RemoveValidator { name } => IdentityEvent::ValidatorRemoved {
                    name: name.clone(),
                    from_height,
                    epoch,
                    validators,
                },
                _ => unreachable!("matched above"),
            });
        }
    }
    Ok(())
}

/// The signer's standing to approve: it must administer `as_agency`, and for
/// an agency-scoped act `as_agency` must be that agency. (The runtime has
/// already checked the administrator role.)
fn check_approver(action: &Action, as_agency: &str) -> Result<(), TxError> {
    match action.scope() {
        Some(agency) if agency != as_agency => Err(TxError::new(
            codes::NOT_APPROVER,
            format!("only administrators of '{agency}' approve this proposal"),
        )),
        _ => Ok(()),
    }
}

fn already_approved(p: &Proposal, signer: &AccountId, as_agency: &str) -> bool {
    match p.action.scope() {
        // Chain-wide acts: one approval per agency.
        None => p.approvals.iter().any(|a| a.agency == as_agency),
        Some(_) => p.approvals.iter().any(|a| a.account == *signer),
    }
}

fn maybe_execute(ctx: &mut CallContext<'_>, p: &mut Proposal) -> Result<(), TxError> {
    if p.approvals.len() as u32 >= p.threshold {
        let action = p.action.clone();
        execute_action(ctx, &action)?;
        p.status = ProposalStatus::Executed;
        p.executed_height = Some(ctx.env().height);
        ctx.emit_event(&IdentityEvent::ProposalExecuted { proposal: p.id });
    }
    Ok(())
}

/// `propose`: records a proposal with the proposer's approval, executing it
/// at once if the threshold is 1.
pub fn propose(
    ctx: &mut CallContext<'_>,
    action: Action,
    as_agency: &str,
    lifetime_blocks: u64,
) -> Result<u64, TxError> {
    if lifetime_blocks == 0 || lifetime_blocks > PROPOSAL_LIFETIME_BLOCKS_MAX {
        return Err(invalid(format!(
            "expires_in_blocks must be 1..={PROPOSAL_LIFETIME_BLOCKS_MAX}"
        )));
    }
    check_approver(&action, as_agency)?;
    validate(ctx, &action)?;
    let threshold = match action.scope() {
        None => {
            ctx.read::<Governance>(&state::governance_key())
                .expect("genesis wrote governance")
                .create_agency_threshold
        }
        Some(agency) => state::agency(ctx, agency)?.policy_threshold,
    };
    let id = ctx.read::<u64>(&seq_key()).unwrap_or(0) + 1;
    ctx.put_json(seq_key(), &json!(id));
    let height = ctx.env().height;
    let mut p = Proposal {
        id,
        action,
        threshold,
        approvals: vec![Approval {
            account: ctx.signer(),
            agency: as_agency.to_string(),
            height,
        }],
        created_height: height,
        expires_height: height + lifetime_blocks,
        status: ProposalStatus::Pending,
        executed_height: None,
    };
    ctx.emit_event(&IdentityEvent::ProposalCreated {
        proposal: id,
        threshold,
    });
    maybe_execute(ctx, &mut p)?;
    ctx.write(proposal_key(id), &p);
    Ok(id)
}

fn load_open(ctx: &CallContext<'_>, id: u64) -> Result<Proposal, TxError> {
    let p: Proposal = ctx
        .read(&proposal_key(id))
        .ok_or_else(|| TxError::new(codes::UNKNOWN_PROPOSAL, format!("no proposal {id}")))?;
    if p.status == ProposalStatus::Executed {
        return Err(TxError::new(
            codes::PROPOSAL_CLOSED,
            format!("proposal {id} was already executed"),
        ));
    }
    if ctx.env().height > p.expires_height {
        return Err(TxError::new(
            codes::PROPOSAL_EXPIRED,
            format!("proposal {id} expired at height {}", p.expires_height),
        ));
    }
    Ok(p)
}

/// `approve`: adds the signer's approval, executing at the threshold.
pub fn approve(ctx: &mut CallContext<'_>, id: u64, as_agency: &str) -> Result<(), TxError> {
    let mut p = load_open(ctx, id)?;
    check_approver(&p.action, as_agency)?;
    let signer = ctx.signer();
    if already_approved(&p, &signer, as_agency) {
        return Err(TxError::new(
            codes::ALREADY_APPROVED,
            "this approval was already given",
        ));
    }
    p.approvals.push(Approval {
        account: signer,
        agency: as_agency.to_string(),
        height: ctx.env().height,
    });
    ctx.emit_event(&IdentityEvent::ProposalApproved {
        proposal: id,
        account: signer,
        agency: as_agency.to_string(),
    });
    maybe_execute(ctx, &mut p)?;
    ctx.write(proposal_key(id), &p);
    Ok(())
}

/// `execute`: carries out a proposal that has reached its threshold.
pub fn execute(ctx: &mut CallContext<'_>, id: u64) -> Result<(), TxError> {
    let mut p = load_open(ctx, id)?;
    if (p.approvals.len() as u32) < p.threshold {
        return Err(TxError::new(
            codes::THRESHOLD_NOT_MET,
            format!(
                "proposal {id} has {} of {} approvals",
                p.approvals.len(),
                p.threshold
            ),
        ));
    }
    maybe_execute(ctx, &mut p)?;
    ctx.write(proposal_key(id), &p);
    Ok(())
}
