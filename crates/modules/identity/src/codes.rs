//! Error codes of the identity module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `identity` refuses a call,  with its HTTP status and meaning.
    pub enum IdentityRejection {
        AgencyExists / AGENCY_EXISTS = "identity.agency_exists", 409,
            "The agency id is already taken.";
        InvalidAgency / INVALID_AGENCY = "identity.invalid_agency", 400,
            "An agency id or name is malformed.";
        NotMember / NOT_MEMBER = "identity.not_member", 403,
            "The account is not a member of the agency.";
        RoleNotHeld / ROLE_NOT_HELD = "identity.role_not_held", 400,
            "The account does not hold that role.";
        NeedsProposal / NEEDS_PROPOSAL = "identity.needs_proposal", 403,
            "The act needs an M-of-N proposal, not a direct call.";
        NotApprover / NOT_APPROVER = "identity.not_approver", 403,
            "The signer may not propose or approve this proposal.";
        UnknownProposal / UNKNOWN_PROPOSAL = "identity.unknown_proposal", 404,
            "No proposal with that id.";
        AlreadyApproved / ALREADY_APPROVED = "identity.already_approved", 409,
            "The signer already approved.";
        ProposalExpired / PROPOSAL_EXPIRED = "identity.proposal_expired", 409,
            "The proposal expired before reaching its threshold.";
        ProposalClosed / PROPOSAL_CLOSED = "identity.proposal_closed", 409,
            "The proposal was already executed.";
        ThresholdNotMet / THRESHOLD_NOT_MET = "identity.threshold_not_met", 400,
            "Not enough approvals yet.";
        InvalidThreshold / INVALID_THRESHOLD = "identity.invalid_threshold", 400,
            "A threshold outside 1..=N.";
        BadKeyProof / BAD_KEY_PROOF = "identity.bad_key_proof", 400,
            "The new key's proof of possession does not verify.";
        SameKey / SAME_KEY = "identity.same_key", 400,
            "The new key is the current key.";
        NotGuardian / NOT_GUARDIAN = "identity.not_guardian", 403,
            "The signer is not a guardian of the account.";
        RecoveryActive / RECOVERY_ACTIVE = "identity.recovery_active", 409,
            "A recovery is already under way.";
        NoRecovery / NO_RECOVERY = "identity.no_recovery", 404,
            "No recovery is under way (or it was vetoed).";
        RecoveryDelay / RECOVERY_DELAY = "identity.recovery_delay", 400,
            "The recovery's waiting period has not passed.";
        InvalidGuardians / INVALID_GUARDIANS = "identity.invalid_guardians", 400,
            "Guardians list is invalid (empty, too long, duplicates, self).";
        LastAdministrator / LAST_ADMINISTRATOR = "identity.last_administrator", 403,
            "The last administrator of an agency cannot be removed.";
        NoValidatorSet / NO_VALIDATOR_SET = "identity.no_validator_set", 404,
            "The chain has no validator set (a single node).";
        InvalidValidator / INVALID_VALIDATOR = "identity.invalid_validator", 400,
            "A validator entry or the set it makes is not valid.";
        UnknownValidator / UNKNOWN_VALIDATOR = "identity.unknown_validator", 404,
            "No validator of that name in the next epoch's set.";
    }
}
