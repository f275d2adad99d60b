//! The `programs` module's events: one enum, whose JSON is the event's
//! `kind` and `data` exactly as blocks carry them.

use crate::grievance::{Category, DecisionReason, Outcome, Remedy};
use crate::model::{
    ExitReason, OverpaymentReason, OverrideReason, PayoutKind, SuspendReason, Terms, TermsChange,
    WriteOffReason,
};
use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// A `programs` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ProgramsEvent {
    /// A program was defined (inactive until approved).
    ProgramCreated {
        /// The program.
        program: String,
        /// Its agency.
        agency: String,
        /// Approvals it needs.
        threshold: u32,
        /// The hash its approvals name.
        definition_hash: String,
    },
    /// An administrator approved a program's definition.
    ProgramApproved {
        /// The program.
        program: String,
        /// The administrator.
        by: AccountId,
        /// Approvals so far.
        approvals: usize,
        /// The hash approved.
        hash: String,
    },
    /// A program became active.
    ProgramActivated {
        /// The program.
        program: String,
    },
    /// New rules were proposed.
    AmendmentProposed {
        /// The program.
        program: String,
        /// The new version.
        version: u32,
        /// The first height it would apply at.
        from_height: u64,
        /// The hash its approvals must name.
        hash: String,
        /// The hash of the pending amendment it replaces, if any.
        replaces: Option<String>,
    },
    /// An administrator approved an amendment.
    AmendmentApproved {
        /// The program.
        program: String,
        /// The administrator.
        by: AccountId,
        /// Approvals so far.
        approvals: usize,
        /// The hash approved.
        hash: String,
    },
    /// An amendment was enacted.
    RulesEnacted {
        /// The program.
        program: String,
        /// The version.
        version: u32,
        /// The first height it applies at.
        from_height: u64,
        /// The hash approved.
        hash: String,
    },
    /// An enrolment was suspended.
    EnroleeSuspended {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// Why.
        reason: SuspendReason,
        /// When the case is to be reviewed (block time, ms).
        review_ms: u64,
    },
    /// A suspended enrolment was resumed.
    EnroleeResumed {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// How long it was suspended, in ms.
        suspended_ms: u64,
    },
    /// An official asked to end an enrolment (a second confirms).
    ExitRequested {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// Why.
        reason: ExitReason,
    },
    /// An enrolment ended.
    EnroleeExited {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// Why.
        reason: ExitReason,
    },
    /// A re-check found the eligibility rule still true for an enrolee.
    EligibilityConfirmed {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The rule version checked.
        version: u32,
    },
    /// An overpayment was recorded against an enrolee.
    OverpaymentRecorded {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// How much, in minor units.
        amount: Amount,
        /// Why.
        reason: OverpaymentReason,
        /// What the enrolee owes now.
        outstanding: Amount,
    },
    /// A second official wrote off part of an enrolee's debt.
    DebtWrittenOff {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// How much, in minor units.
        amount: Amount,
        /// Why.
        reason: WriteOffReason,
        /// What the enrolee owes now.
        outstanding: Amount,
    },
    /// A grievance was filed.
    GrievanceFiled {
        /// Its case number.
        case: String,
        /// The program.
        program: String,
        /// What about.
        category: Category,
        /// When the decision is due (block time, ms).
        deadline_ms: u64,
    },
    /// A grievance was assigned to an official.
    GrievanceAssigned {
        /// The case.
        case: String,
        /// The official.
        to: AccountId,
    },
    /// An overdue grievance went to the agency's administrators.
    GrievanceEscalated {
        /// The case.
        case: String,
        /// Its level now (1 = first escalation).
        level: u32,
        /// The new deadline (block time, ms).
        deadline_ms: u64,
    },
    /// A grievance was decided.
    GrievanceDecided {
        /// The case.
        case: String,
        /// Upheld or rejected.
        outcome: Outcome,
        /// Why.
        reason: DecisionReason,
        /// Whole days from filing.
        days: u64,
        /// What it orders.
        remedy: Option<Remedy>,
    },
    /// What a decision ordered was carried out.
    GrievanceRemedied {
        /// The case.
        case: String,
    },
    /// A change of a program's terms was proposed.
    TermsProposed {
        /// The change (program, number, what it sets, reason).
        change: TermsChange,
        /// The hash its approvals must name.
        hash: String,
        /// The hash of the pending change of terms it replaces, if any.
        replaces: Option<String>,
    },
    /// A change of a program's terms was enacted (its last approval).
    TermsEnacted {
        /// The program.
        program: String,
        /// The change's number.
        number: u32,
        /// The hash approved.
        hash: String,
        /// The terms now.
        terms: Terms,
        /// True when scheduled payouts restarted with it.
        resumed: bool,
    },
    /// An attester recorded claims about a subject.
    Attested {
        /// The subject.
        subject: AccountId,
        /// The attester's agency.
        agency: String,
        /// The claims' names (never their values).
        claims: Vec<String>,
        /// The period, if any.
        period: Option<String>,
    },
    /// An attester recorded a commitment to a number about a subject.
    AttestedCommitted {
        /// The subject.
        subject: AccountId,
        /// The attester's agency.
        agency: String,
        /// The attribute.
        name: String,
        /// The commitment (never the value).
        commitment: String,
    },
    /// An agency revoked one of its attestations.
    AttestationRevoked {
        /// The subject.
        subject: AccountId,
        /// The claim's name.
        name: String,
        /// The agency.
        agency: String,
        /// The period, if any.
        period: Option<String>,
    },
    /// Someone was enrolled.
    Enrolled {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The enrolment's order.
        seq: u64,
        /// The account payouts go to.
        benefit_account: String,
    },
    /// An enrolee was paid for a period.
    Payout {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The period.
        period: String,
        /// How much, in minor units.
        amount: u64,
        /// The rule version applied.
        version: u32,
        /// How it was triggered.
        kind: PayoutKind,
        /// For an override, its reason code.
        override_reason: Option<OverrideReason>,
        /// Deducted from the benefit to recover an overpayment (`amount`
        /// is what was paid after it).
        #[serde(default, skip_serializing_if = "is_zero")]
        recovered: u64,
    },
    /// A payout failed (recorded in the period's run).
    PayoutFailed {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The period.
        period: String,
        /// The failure's code.
        code: String,
        /// The failure's message.
        message: String,
    },
    /// An attestation did not meet the program's condition.
    ConditionNotMet {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The period.
        period: String,
        /// Why.
        message: String,
    },
    /// A payout would have exceeded the budget: no more payouts.
    BudgetExhausted {
        /// The program.
        program: String,
        /// The period.
        period: String,
        /// Paid so far.
        paid_total: Amount,
        /// The budget.
        budget_cap: Amount,
    },
    /// An official asked to pay outside the ordinary rules.
    PayoutOverrideRequested {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The period.
        period: String,
        /// The reason code.
        reason: OverrideReason,
        /// The official's note.
        note: String,
        /// The official.
        by: AccountId,
    },
    /// A second official approved (and so paid) a payout override.
    PayoutOverrideApproved {
        /// The program.
        program: String,
        /// The enrolee.
        account: AccountId,
        /// The period.
        period: String,
        /// The reason code.
        reason: OverrideReason,
        /// The first official.
        requested_by: AccountId,
        /// The second official.
        approved_by: AccountId,
        /// How much was paid.
        amount: u64,
    },
    /// An official asked to let a used nullifier enrol once more.
    DedupOverrideRequested {
        /// The program.
        program: String,
        /// The nullifier.
        nullifier: String,
        /// The official.
        by: AccountId,
        /// Why.
        reason: String,
        /// Enrolments under it so far.
        enrolled: usize,
    },
    /// A second official approved it.
    DedupOverrideApproved {
        /// The program.
        program: String,
        /// The nullifier.
        nullifier: String,
        /// The first official.
        requested_by: AccountId,
        /// The second official.
        approved_by: AccountId,
        /// Why.
        reason: String,
    },
    /// An agency created an index.
    IndexCreated {
        /// Its name.
        index: String,
        /// The agency.
        agency: String,
        /// Oracles that must agree.
        threshold: u32,
    },
    /// An oracle voted an index value.
    IndexVote {
        /// The index.
        index: String,
        /// The period it measures.
        period: String,
        /// The value.
        value: i64,
        /// The oracle.
        by: AccountId,
    },
    /// Enough oracles agreed: the value is published.
    IndexPublished {
        /// The index.
        index: String,
        /// The period it measures.
        period: String,
        /// The value.
        value: i64,
    },
    /// A scheduled program paid everyone enrolled for a period.
    PeriodCompleted {
        /// The program.
        program: String,
        /// The period.
        period: String,
    },
    /// A program's schedule ended (its dates or its budget).
    ScheduleEnded {
        /// The program.
        program: String,
        /// The period it stopped at.
        period: String,
        /// Whether the budget ran out.
        budget_exhausted: bool,
    },
}

impl publica_runtime::kit::Events for ProgramsEvent {}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
