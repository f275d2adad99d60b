//! The `identity` module's calls.
//!
//! | method | args | authority |
//! |---|---|---|
//! | `add_member` | `{agency, account, roles}` (not `administrator`) | administrator of `agency` |
//! | `remove_member` | `{agency, account}` (not an administrator) | administrator of `agency` |
//! | `grant_role`, `revoke_role` | `{agency, account, role}` (not `administrator`) | administrator of `agency` |
//! | `propose` | `{as_agency, action, expires_in_blocks?}` | administrator of `as_agency` |
//! | `approve` | `{as_agency, proposal}` | administrator of `as_agency` |
//! | `execute` | `{proposal}` | any signer |
//! | `rotate_key` | `{new_key, proof}` | the account's current key |
//! | `set_guardians` | `{guardians, threshold, delay_blocks}` | the account's current key |
//! | `start_recovery`, `approve_recovery`, `finish_recovery` | `{account, new_key?, proof?}` | a guardian of `account` |
//! | `veto_recovery` | `{}` | the account's current key |

use crate::codes;
use crate::events::IdentityEvent;
use crate::proposal::{self, Action, PROPOSAL_LIFETIME_BLOCKS_DEFAULT};
use crate::recovery;
use crate::state;
use publica_runtime::authz::Role;
use publica_runtime::index::{Field, Fields};
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::{codes as tx_codes, AccountId, SignatureBytes, TxError};
use serde::Deserialize;

/// The `identity` module.
#[derive(Debug, Default)]
pub struct Identity;

/// Most roles granted in one call.
const ROLES_MAX: usize = Role::ALL.len();

/// Arguments of `add_member`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    /// The agency.
    pub agency: String,
    /// The new member.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// Its roles (not `administrator`).
    pub roles: Vec<Role>,
}

/// Arguments naming a member of an agency.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    /// The agency.
    pub agency: String,
    /// The member.
    pub account: AccountId,
}

/// Arguments naming a member's role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRef {
    /// The agency.
    pub agency: String,
    /// The member.
    pub account: AccountId,
    /// The role (not `administrator`).
    pub role: Role,
}

/// Arguments of `propose`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propose {
    /// The agency whose administrator proposes.
    pub as_agency: String,
    /// What is proposed.
    pub action: Action,
    /// Blocks until it expires unapproved.
    pub expires_in_blocks: Option<u64>,
}

/// Arguments of `approve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approve {
    /// The agency whose administrator approves.
    pub as_agency: String,
    /// The proposal.
    pub proposal: u64,
}

/// Arguments naming a proposal.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalRef {
    /// The proposal.
    pub proposal: u64,
}

/// Arguments of `rotate_key`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// The new key.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub new_key: AccountId,
    /// The new key's signature proving possession.
    pub proof: SignatureBytes,
}

/// Arguments of `set_guardians`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetGuardians {
    /// The guardians.
    #[serde(deserialize_with = "publica_crypto::key::many")]
    pub guardians: Vec<AccountId>,
    /// How many must approve a recovery.
    pub threshold: u32,
    /// Blocks a recovery waits (the holder may veto meanwhile).
    pub delay_blocks: u64,
}

/// Arguments of `start_recovery`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRecovery {
    /// The account to recover.
    pub account: AccountId,
    /// Its new key.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub new_key: AccountId,
    /// The new key's signature proving possession.
    pub proof: SignatureBytes,
}

/// Arguments naming an account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRef {
    /// The account.
    pub account: AccountId,
}

/// No arguments (`{}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

publica_runtime::calls! {
    /// The calls of `identity` (see the table above).
    #[derive(Debug)]
    pub enum IdentityCall {
        /// Add a member with roles.
        AddMember(AddMember) = "add_member" => Need::Role(Role::Administrator, "agency"),
        /// Remove a member.
        RemoveMember(MemberRef) = "remove_member" => Need::Role(Role::Administrator, "agency"),
        /// Grant a member a role.
        GrantRole(RoleRef) = "grant_role" => Need::Role(Role::Administrator, "agency"),
        /// Take a role from a member.
        RevokeRole(RoleRef) = "revoke_role" => Need::Role(Role::Administrator, "agency"),
        /// Propose an M-of-N act.
        Propose(Propose) = "propose" => Need::Role(Role::Administrator, "as_agency"),
        /// Approve a proposal.
        Approve(Approve) = "approve" => Need::Role(Role::Administrator, "as_agency"),
        /// Execute an approved proposal.
        Execute(ProposalRef) = "execute" => Need::Any,
        /// Rotate the signer's key.
        RotateKey(Rotate) = "rotate_key" => Need::Any,
        /// Set the signer's guardians.
        SetGuardians(SetGuardians) = "set_guardians" => Need::Any,
        /// Start recovering an account (a guardian).
        StartRecovery(StartRecovery) = "start_recovery" => Need::Any,
        /// Approve a recovery (a guardian).
        ApproveRecovery(AccountRef) = "approve_recovery" => Need::Any,
        /// Finish a recovery after its delay (a guardian).
        FinishRecovery(AccountRef) = "finish_recovery" => Need::Any,
        /// Veto a recovery of the signer's account.
        VetoRecovery(NoArgs) = "veto_recovery" => Need::Any,
    }
}

fn needs_proposal(what: &str) -> TxError {
    TxError::new(
        codes::NEEDS_PROPOSAL,
        format!("{what} needs an M-of-N proposal (identity.propose)"),
    )
}

impl TypedModule for Identity {
    const NAME: &'static str = "identity";
    type Call = IdentityCall;
    type Rejection = codes::IdentityRejection;
    type Event = IdentityEvent;
    const ROUTES: &'static [publica_runtime::Route] = crate::routes::ROUTES;

    fn index_event(&self, event: &IdentityEvent, filer: &mut IndexFiler<'_>) {
        // Each member's role changes, beside the state (so the ledger's
        // state and its roots stay what they were): the height a role was
        // granted at, for the staff report.
        let change = |filer: &mut IndexFiler<'_>,
                      agency: &str,
                      account: &AccountId,
                      role: Option<&Role>,
                      change: &str| {
            filer.file(
                &crate::queries::role_changes_key(agency, account),
                &serde_json::json!({"role": role, "change": change}),
            );
        };
        match event {
            IdentityEvent::AgencyCreated { agency } => filer.file(
                crate::state::AGENCIES_DIRECTORY_KEY,
                &Fields(&[("id", Field::Str(agency))]),
            ),
            IdentityEvent::MemberAdded {
                agency,
                account,
                roles,
            } => {
                for r in roles {
                    change(filer, agency, account, Some(r), "granted");
                }
            }
            IdentityEvent::RoleGranted {
                agency,
                account,
                role,
            } => change(filer, agency, account, Some(role), "granted"),
            IdentityEvent::RoleRevoked {
                agency,
                account,
                role,
            } => change(filer, agency, account, Some(role), "revoked"),
            IdentityEvent::MemberRemoved { agency, account } => {
                change(filer, agency, account, None, "removed");
            }
            _ => {}
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: IdentityCall) -> Result<(), TxError> {
        match call {
            IdentityCall::AddMember(a) => {
                if a.roles.is_empty() || a.roles.len() > ROLES_MAX {
                    return Err(TxError::new(
                        tx_codes::CALL_INVALID_ARGS,
                        "name 1..=8 roles",
                    ));
                }
                if a.roles.contains(&Role::Administrator) {
                    return Err(needs_proposal("granting administrator"));
                }
                for r in &a.roles {
                    state::grant(ctx, &a.agency, &a.account, *r)?;
                }
                ctx.emit_event(&IdentityEvent::MemberAdded {
                    agency: a.agency,
                    account: a.account,
                    roles: a.roles,
                });
            }
            IdentityCall::RemoveMember(a) => {
                let m = state::membership(ctx, &a.agency, &a.account).ok_or_else(|| {
                    TxError::new(
                        codes::NOT_MEMBER,
                        "the account is not a member of this agency",
                    )
                })?;
                if m.roles.contains(&Role::Administrator) {
                    return Err(needs_proposal("removing an administrator"));
                }
                ctx.delete(publica_runtime::authz::member_key(&a.agency, &a.account));
                ctx.emit_event(&IdentityEvent::MemberRemoved {
                    agency: a.agency,
                    account: a.account,
                });
            }
            IdentityCall::GrantRole(a) => {
                if a.role == Role::Administrator {
                    return Err(needs_proposal("changing an administrator"));
                }
                state::grant(ctx, &a.agency, &a.account, a.role)?;
                ctx.emit_event(&IdentityEvent::RoleGranted {
                    agency: a.agency,
                    account: a.account,
                    role: a.role,
                });
            }
            IdentityCall::RevokeRole(a) => {
                if a.role == Role::Administrator {
                    return Err(needs_proposal("changing an administrator"));
                }
                state::revoke(ctx, &a.agency, &a.account, a.role)?;
                ctx.emit_event(&IdentityEvent::RoleRevoked {
                    agency: a.agency,
                    account: a.account,
                    role: a.role,
                });
            }
            IdentityCall::Propose(a) => {
                proposal::propose(
                    ctx,
                    a.action,
                    &a.as_agency,
                    a.expires_in_blocks
                        .unwrap_or(PROPOSAL_LIFETIME_BLOCKS_DEFAULT),
                )?;
            }
            IdentityCall::Approve(a) => proposal::approve(ctx, a.proposal, &a.as_agency)?,
            IdentityCall::Execute(a) => proposal::execute(ctx, a.proposal)?,
            IdentityCall::RotateKey(a) => recovery::rotate(ctx, a.new_key, a.proof)?,
            IdentityCall::SetGuardians(a) => {
                recovery::set_guardians(ctx, a.guardians, a.threshold, a.delay_blocks)?;
            }
            IdentityCall::StartRecovery(a) => recovery::start(ctx, a.account, a.new_key, a.proof)?,
            IdentityCall::ApproveRecovery(a) => recovery::approve(ctx, a.account)?,
            IdentityCall::FinishRecovery(a) => recovery::finish(ctx, a.account)?,
            IdentityCall::VetoRecovery(NoArgs {}) => recovery::veto(ctx)?,
        }
        Ok(())
    }
}
