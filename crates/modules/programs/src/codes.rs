//! Error codes of the programs module (listed in `docs/errors.md`).

/// No such program.
pub const UNKNOWN_PROGRAM: &str = "programs.unknown_program";
/// The program id is taken.
pub const PROGRAM_EXISTS: &str = "programs.program_exists";
/// A rule does not parse or type-check (the message has line:column).
pub const INVALID_RULE: &str = "programs.invalid_rule";
/// A field is malformed.
pub const INVALID_FIELD: &str = "programs.invalid_field";
/// The program is not active (not yet approved).
pub const INACTIVE: &str = "programs.inactive";
/// Enrolment or payout after the program's end (or before its start).
pub const PROGRAM_ENDED: &str = "programs.program_ended";
/// The attester's agency is not accredited by the program.
pub const ATTESTER_NOT_ACCREDITED: &str = "programs.attester_not_accredited";
/// The attestation expired (or expires before it is recorded).
pub const ATTESTATION_EXPIRED: &str = "programs.attestation_expired";
/// No such attestation.
pub const UNKNOWN_ATTESTATION: &str = "programs.unknown_attestation";
/// The nullifier was already used to enrol in this program.
pub const NULLIFIER_USED: &str = "programs.nullifier_used";
/// The registry's signature over the nullifier does not verify, or its
/// signer is not a registry official.
pub const BAD_NULLIFIER_TOKEN: &str = "programs.bad_nullifier_token";
/// The account is already enrolled.
pub const ALREADY_ENROLLED: &str = "programs.already_enrolled";
/// The account is not enrolled.
pub const NOT_ENROLLED: &str = "programs.not_enrolled";
/// The eligibility rule is false for this enrolee.
pub const NOT_ELIGIBLE: &str = "programs.not_eligible";
/// A rule failed to evaluate for this enrolee.
pub const RULE_ERROR: &str = "programs.rule_error";
/// The enrolee was already paid for this period.
pub const ALREADY_PAID: &str = "programs.already_paid";
/// The payout would exceed the program's budget.
pub const BUDGET_EXCEEDED: &str = "programs.budget_exceeded";
/// The benefit rule gave zero or less.
pub const ZERO_BENEFIT: &str = "programs.zero_benefit";
/// The signer may not do this for the enrolee or the program.
pub const NOT_ALLOWED: &str = "programs.not_allowed";
/// No such index.
pub const UNKNOWN_INDEX: &str = "programs.unknown_index";
/// The index exists.
pub const INDEX_EXISTS: &str = "programs.index_exists";
/// The official already approved (or requested) this.
pub const ALREADY_APPROVED: &str = "programs.already_approved";
/// Nothing waits for approval.
pub const NOTHING_PENDING: &str = "programs.nothing_pending";
/// The period is malformed (`YYYY-MM`) or not yet open.
pub const INVALID_PERIOD: &str = "programs.invalid_period";
/// The benefit rule gives another amount than the payout's expected one.
pub const AMOUNT_MISMATCH: &str = "programs.amount_mismatch";
/// The period cannot be paid (or attested for release) now: it has not
/// begun, lies outside the program's or the enrolment's dates, or is further
/// back than the arrears window (which needs a payout override).
pub const PERIOD_NOT_PAYABLE: &str = "programs.period_not_payable";
/// The eligibility holds but the program's condition is not met (no
/// attestation shows it).
pub const CONDITION_NOT_MET: &str = "programs.condition_not_met";
/// An approval names another hash than the content waiting for approval
/// (it changed after review).
pub const APPROVAL_MISMATCH: &str = "programs.approval_mismatch";
