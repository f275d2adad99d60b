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
use crate::proposal::{self, Action, PROPOSAL_LIFETIME_BLOCKS_DEFAULT};
use crate::recovery;
use crate::state;
use publica_runtime::authz::Role;
use publica_runtime::module::{agency_arg, parse_args, unknown_method};
use publica_runtime::{Authority, CallContext, Module};
use publica_types::{codes as tx_codes, AccountId, SignatureBytes, TxError};
use serde::Deserialize;
use serde_json::{json, Value};

/// The `identity` module.
#[derive(Debug, Default)]
pub struct Identity;

/// Most roles granted in one call.
const ROLES_MAX: usize = Role::ALL.len();

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMember {
    agency: String,
    #[serde(deserialize_with = "publica_crypto::key::one")]
    account: AccountId,
    roles: Vec<Role>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberRef {
    agency: String,
    account: AccountId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRef {
    agency: String,
    account: AccountId,
    role: Role,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Propose {
    #[allow(dead_code)]
    as_agency: String,
    action: Action,
    expires_in_blocks: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Approve {
    #[allow(dead_code)]
    as_agency: String,
    proposal: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalRef {
    proposal: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotate {
    #[serde(deserialize_with = "publica_crypto::key::one")]
    new_key: AccountId,
    proof: SignatureBytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetGuardians {
    #[serde(deserialize_with = "publica_crypto::key::many")]
    guardians: Vec<AccountId>,
    threshold: u32,
    delay_blocks: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartRecovery {
    account: AccountId,
    #[serde(deserialize_with = "publica_crypto::key::one")]
    new_key: AccountId,
    proof: SignatureBytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRef {
    account: AccountId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

fn needs_proposal(what: &str) -> TxError {
    TxError::new(
        codes::NEEDS_PROPOSAL,
        format!("{what} needs an M-of-N proposal (identity.propose)"),
    )
}

impl Module for Identity {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn authority(&self, method: &str, args: &Value) -> Result<Authority, TxError> {
        let admin_of = |field: &str| {
            Ok(Authority::AgencyRole {
                agency: agency_arg(args, field)?,
                role: Role::Administrator,
            })
        };
        match method {
            "add_member" | "remove_member" | "grant_role" | "revoke_role" => admin_of("agency"),
            "propose" | "approve" => admin_of("as_agency"),
            "execute" | "rotate_key" | "set_guardians" | "start_recovery" | "approve_recovery"
            | "finish_recovery" | "veto_recovery" => Ok(Authority::AnySigner),
            _ => Err(unknown_method(self.name(), method)),
        }
    }

    fn execute(
        &self,
        ctx: &mut CallContext<'_>,
        method: &str,
        args: &Value,
    ) -> Result<(), TxError> {
        match method {
            "add_member" => {
                let a: AddMember = parse_args(args)?;
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
                ctx.emit(
                    "member_added",
                    json!({ "agency": a.agency, "account": a.account, "roles": a.roles }),
                );
            }
            "remove_member" => {
                let a: MemberRef = parse_args(args)?;
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
                ctx.emit(
                    "member_removed",
                    json!({ "agency": a.agency, "account": a.account }),
                );
            }
            "grant_role" | "revoke_role" => {
                let a: RoleRef = parse_args(args)?;
                if a.role == Role::Administrator {
                    return Err(needs_proposal("changing an administrator"));
                }
                if method == "grant_role" {
                    state::grant(ctx, &a.agency, &a.account, a.role)?;
                    ctx.emit(
                        "role_granted",
                        json!({ "agency": a.agency, "account": a.account, "role": a.role }),
                    );
                } else {
                    state::revoke(ctx, &a.agency, &a.account, a.role)?;
                    ctx.emit(
                        "role_revoked",
                        json!({ "agency": a.agency, "account": a.account, "role": a.role }),
                    );
                }
            }
            "propose" => {
                let a: Propose = parse_args(args)?;
                let as_agency = agency_arg(args, "as_agency")?;
                proposal::propose(
                    ctx,
                    a.action,
                    &as_agency,
                    a.expires_in_blocks
                        .unwrap_or(PROPOSAL_LIFETIME_BLOCKS_DEFAULT),
                )?;
            }
            "approve" => {
                let a: Approve = parse_args(args)?;
                let as_agency = agency_arg(args, "as_agency")?;
                proposal::approve(ctx, a.proposal, &as_agency)?;
            }
            "execute" => {
                let a: ProposalRef = parse_args(args)?;
                proposal::execute(ctx, a.proposal)?;
            }
            "rotate_key" => {
                let a: Rotate = parse_args(args)?;
                recovery::rotate(ctx, a.new_key, a.proof)?;
            }
            "set_guardians" => {
                let a: SetGuardians = parse_args(args)?;
                recovery::set_guardians(ctx, a.guardians, a.threshold, a.delay_blocks)?;
            }
            "start_recovery" => {
                let a: StartRecovery = parse_args(args)?;
                recovery::start(ctx, a.account, a.new_key, a.proof)?;
            }
            "approve_recovery" => {
                let a: AccountRef = parse_args(args)?;
                recovery::approve(ctx, a.account)?;
            }
            "finish_recovery" => {
                let a: AccountRef = parse_args(args)?;
                recovery::finish(ctx, a.account)?;
            }
            "veto_recovery" => {
                let NoArgs {} = parse_args(args)?;
                recovery::veto(ctx)?;
            }
            _ => return Err(unknown_method(self.name(), method)),
        }
        Ok(())
    }
}
