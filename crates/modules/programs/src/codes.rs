//! Error codes of the programs module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `programs` refuses a call, with its HTTP status and meaning.
    pub enum ProgramsRejection {
        UnknownProgram / UNKNOWN_PROGRAM = "programs.unknown_program", 404,
            "No such program.";
        ProgramExists / PROGRAM_EXISTS = "programs.program_exists", 409,
            "The program id is taken.";
        InvalidRule / INVALID_RULE = "programs.invalid_rule", 400,
            "A rule does not parse or type-check (the message has line:column).";
        InvalidField / INVALID_FIELD = "programs.invalid_field", 400,
            "A field is malformed.";
        Inactive / INACTIVE = "programs.inactive", 409,
            "The program is not active (not yet approved).";
        ProgramEnded / PROGRAM_ENDED = "programs.program_ended", 409,
            "Enrolment or payout after the program's end (or before its start).";
        AttesterNotAccredited / ATTESTER_NOT_ACCREDITED = "programs.attester_not_accredited", 400,
            "The attester's agency is not accredited by the program.";
        AttestationExpired / ATTESTATION_EXPIRED = "programs.attestation_expired", 409,
            "The attestation expired (or expires before it is recorded).";
        UnknownAttestation / UNKNOWN_ATTESTATION = "programs.unknown_attestation", 404,
            "No such attestation.";
        NullifierUsed / NULLIFIER_USED = "programs.nullifier_used", 409,
            "The nullifier was already used to enrol in this program.";
        BadNullifierToken / BAD_NULLIFIER_TOKEN = "programs.bad_nullifier_token", 400,
            "The registry's signature over the nullifier does not verify, or its signer is not a registry official.";
        AlreadyEnrolled / ALREADY_ENROLLED = "programs.already_enrolled", 409,
            "The account is already enrolled.";
        NotEnrolled / NOT_ENROLLED = "programs.not_enrolled", 404,
            "The account is not enrolled.";
        NotEligible / NOT_ELIGIBLE = "programs.not_eligible", 403,
            "The eligibility rule is false for this enrolee.";
        RuleError / RULE_ERROR = "programs.rule_error", 400,
            "A rule failed to evaluate for this enrolee.";
        AlreadyPaid / ALREADY_PAID = "programs.already_paid", 409,
            "The enrolee was already paid for this period.";
        BudgetExceeded / BUDGET_EXCEEDED = "programs.budget_exceeded", 400,
            "The payout would exceed the program's budget.";
        ZeroBenefit / ZERO_BENEFIT = "programs.zero_benefit", 400,
            "The benefit rule gave zero or less.";
        NotAllowed / NOT_ALLOWED = "programs.not_allowed", 403,
            "The signer may not do this for the enrolee or the program.";
        UnknownIndex / UNKNOWN_INDEX = "programs.unknown_index", 404,
            "No such index.";
        IndexExists / INDEX_EXISTS = "programs.index_exists", 409,
            "The index exists.";
        AlreadyApproved / ALREADY_APPROVED = "programs.already_approved", 409,
            "The official already approved (or requested) this.";
        NothingPending / NOTHING_PENDING = "programs.nothing_pending", 404,
            "Nothing waits for approval.";
        InvalidPeriod / INVALID_PERIOD = "programs.invalid_period", 400,
            "The period is malformed, not of the program's kind (`YYYY-MM`, `YYYY-Www` or `YYYY-MM-DD`), or not yet open.";
        AmountMismatch / AMOUNT_MISMATCH = "programs.amount_mismatch", 409,
            "The benefit rule gives another amount than the payout's expected one.";
        PeriodNotPayable / PERIOD_NOT_PAYABLE = "programs.period_not_payable", 400,
            "The period cannot be paid (or attested for release) now: it has not begun, lies outside the program's or the enrolment's dates, or is further back than the arrears window (which needs a payout override).";
        ConditionNotMet / CONDITION_NOT_MET = "programs.condition_not_met", 400,
            "The eligibility holds but the program's condition is not met (no attestation shows it).";
        UnknownCase / UNKNOWN_CASE = "programs.unknown_case", 404,
            "No grievance has this case number.";
        CaseClosed / CASE_CLOSED = "programs.case_closed", 409,
            "The grievance was decided: it cannot be assigned or decided again.";
        EnroleeSuspended / ENROLEE_SUSPENDED = "programs.enrolee_suspended", 409,
            "The enrolment is suspended: no payouts until an official resumes it.";
        EnroleeExited / ENROLEE_EXITED = "programs.enrolee_exited", 409,
            "The enrolment ended before this period began: nothing is payable for it.";
        WrongStanding / WRONG_STANDING = "programs.wrong_standing", 409,
            "The enrolment does not stand as this needs (suspend or exit an active one, resume a suspended one).";
        ProofInvalid / PROOF_INVALID = "programs.proof_invalid", 400,
            "A zero-knowledge proof is missing, malformed, or does not verify (a private condition, or a committed attestation's domain proof).";
        ApprovalMismatch / APPROVAL_MISMATCH = "programs.approval_mismatch", 409,
            "An approval names another hash than the content waiting for approval (it changed after review).";
    }
}
