//! The `identity` module's events: one enum, whose JSON is the event's
//! `kind` and `data` exactly as blocks carry them.

use publica_runtime::authz::Role;
use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// An `identity` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum IdentityEvent {
    /// A member joined an agency with roles.
    MemberAdded {
        /// The agency.
        agency: String,
        /// The member.
        account: AccountId,
        /// Its roles.
        roles: Vec<Role>,
    },
    /// A member left an agency.
    MemberRemoved {
        /// The agency.
        agency: String,
        /// The member.
        account: AccountId,
    },
    /// A member was granted a role.
    RoleGranted {
        /// The agency.
        agency: String,
        /// The member.
        account: AccountId,
        /// The role.
        role: Role,
    },
    /// A role was taken from a member.
    RoleRevoked {
        /// The agency.
        agency: String,
        /// The member.
        account: AccountId,
        /// The role.
        role: Role,
    },
    /// An agency was created by a governance proposal.
    AgencyCreated {
        /// Its id.
        agency: String,
    },
    /// An agency's approval threshold changed.
    PolicySet {
        /// The agency.
        agency: String,
        /// Approvals its sensitive acts need now.
        threshold: u32,
    },
    /// The chain's governance threshold changed.
    GovernanceSet {
        /// Agencies whose approval creating an agency needs.
        create_agency_threshold: u32,
    },
    /// A validator joins the set from a height.
    ValidatorAdded {
        /// Its name.
        name: String,
        /// The first height it validates.
        from_height: u64,
        /// The engine epoch starting there.
        epoch: u64,
        /// Validators in the set from then.
        validators: usize,
    },
    /// A validator leaves the set from a height.
    ValidatorRemoved {
        /// Its name.
        name: String,
        /// The first height without it.
        from_height: u64,
        /// The engine epoch starting there.
        epoch: u64,
        /// Validators in the set from then.
        validators: usize,
    },
    /// A proposal was made.
    ProposalCreated {
        /// Its id.
        proposal: u64,
        /// Approvals it needs.
        threshold: u32,
    },
    /// An administrator approved a proposal.
    ProposalApproved {
        /// The proposal.
        proposal: u64,
        /// The administrator.
        account: AccountId,
        /// The agency it approved for.
        agency: String,
    },
    /// A proposal reached its threshold and ran.
    ProposalExecuted {
        /// The proposal.
        proposal: u64,
    },
    /// An account's key changed (rotation or recovery).
    KeyChanged {
        /// The account.
        account: AccountId,
        /// Its new key.
        key: AccountId,
        /// `rotation` or `recovery`.
        by: String,
    },
    /// An account set its guardians.
    GuardiansSet {
        /// The account.
        account: AccountId,
        /// Guardians a recovery needs.
        threshold: u32,
    },
    /// A guardian started recovering an account.
    RecoveryStarted {
        /// The account.
        account: AccountId,
        /// The guardian.
        guardian: AccountId,
    },
    /// A guardian approved a recovery.
    RecoveryApproved {
        /// The account.
        account: AccountId,
        /// The guardian.
        guardian: AccountId,
    },
    /// The holder vetoed a recovery of its account.
    RecoveryVetoed {
        /// The account.
        account: AccountId,
    },
}

impl publica_runtime::kit::Events for IdentityEvent {}
