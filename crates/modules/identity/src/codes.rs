//! Error codes of the identity module (listed in `docs/errors.md`).

/// The agency id is already taken.
pub const AGENCY_EXISTS: &str = "identity.agency_exists";
/// An agency id or name is malformed.
pub const INVALID_AGENCY: &str = "identity.invalid_agency";
/// The account is not a member of the agency.
pub const NOT_MEMBER: &str = "identity.not_member";
/// The account does not hold that role.
pub const ROLE_NOT_HELD: &str = "identity.role_not_held";
/// The act needs an M-of-N proposal, not a direct call.
pub const NEEDS_PROPOSAL: &str = "identity.needs_proposal";
/// The signer may not propose or approve this proposal.
pub const NOT_APPROVER: &str = "identity.not_approver";
/// No proposal with that id.
pub const UNKNOWN_PROPOSAL: &str = "identity.unknown_proposal";
/// The signer already approved.
pub const ALREADY_APPROVED: &str = "identity.already_approved";
/// The proposal expired before reaching its threshold.
pub const PROPOSAL_EXPIRED: &str = "identity.proposal_expired";
/// The proposal was already executed.
pub const PROPOSAL_CLOSED: &str = "identity.proposal_closed";
/// Not enough approvals yet.
pub const THRESHOLD_NOT_MET: &str = "identity.threshold_not_met";
/// A threshold outside 1..=N.
pub const INVALID_THRESHOLD: &str = "identity.invalid_threshold";
/// The new key's proof of possession does not verify.
pub const BAD_KEY_PROOF: &str = "identity.bad_key_proof";
/// The new key is the current key.
pub const SAME_KEY: &str = "identity.same_key";
/// The signer is not a guardian of the account.
pub const NOT_GUARDIAN: &str = "identity.not_guardian";
/// A recovery is already under way.
pub const RECOVERY_ACTIVE: &str = "identity.recovery_active";
/// No recovery is under way (or it was vetoed).
pub const NO_RECOVERY: &str = "identity.no_recovery";
/// The recovery's waiting period has not passed.
pub const RECOVERY_DELAY: &str = "identity.recovery_delay";
/// Guardians list is invalid (empty, too long, duplicates, self).
pub const INVALID_GUARDIANS: &str = "identity.invalid_guardians";
/// The last administrator of an agency cannot be removed.
pub const LAST_ADMINISTRATOR: &str = "identity.last_administrator";
/// The chain has no validator set (a single node).
pub const NO_VALIDATOR_SET: &str = "identity.no_validator_set";
/// A validator entry or the set it makes is not valid.
pub const INVALID_VALIDATOR: &str = "identity.invalid_validator";
/// No validator of that name in the next epoch's set.
pub const UNKNOWN_VALIDATOR: &str = "identity.unknown_validator";
