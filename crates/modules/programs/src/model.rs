//! The programs module's records and their state keys (`programs/...`).

use crate::rules::{AttrValue, Ty};
use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most accredited attester agencies, declared attributes, parameters or
/// indexes of one program.
pub const LIST_MAX: usize = 32;
/// Cost units of the ledger's scheduled work in one block (see
/// [`crate::module::payout_units`]): 1,000 payouts of simple rules, fewer
/// of costly ones.
pub const SCHEDULED_UNITS_PER_BLOCK: u64 = 64_000;
/// Cost units of a scheduled payout besides its rules.
pub const PAYOUT_UNITS_BASE: u64 = 16;
/// Fewest cost units a scheduled payout counts for.
pub const PAYOUT_UNITS_MIN: u64 = 64;
/// Most cost units a scheduled payout counts for (three rules at
/// [`crate::rules::RULE_COST_MAX`]).
pub const PAYOUT_UNITS_MAX: u64 = PAYOUT_UNITS_BASE + 3 * crate::rules::RULE_COST_MAX as u64;
/// Most payouts the ledger makes in one block's scheduled work.
pub const SCHEDULED_PAYOUTS_PER_BLOCK: u64 = SCHEDULED_UNITS_PER_BLOCK / PAYOUT_UNITS_MIN;
/// Most rule versions a program keeps.
pub const VERSIONS_MAX: usize = 64;
/// Most periods back (before the current one) that one official may pay
/// on demand or release by attestation; older arrears need a payout
/// override approved by a second official.
pub const ARREARS_PERIODS_MAX: i64 = 3;
/// Most published values an index keeps.
pub const INDEX_HISTORY_MAX: usize = 240;

/// A version of a program's rules, in force from `from_height`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleVersion {
    /// 1, 2, ...
    pub version: u32,
    /// First height it applies at.
    pub from_height: u64,
    /// Block time of the first block at `from_height` or above, once
    /// reached: which periods it governs (see [`Program::rules_for`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ms: Option<u64>,
    /// Who may enrol and be paid (CEL, bool).
    pub eligibility: String,
    /// How much one payout is, in minor units (CEL, int).
    pub benefit: String,
    /// What an attestation must show to release a conditional payment
    /// (CEL, bool); none for unconditional programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Named integer parameters the rules use.
    pub params: BTreeMap<String, i64>,
}

/// A change of rules waiting for the administrators' approvals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingVersion {
    /// The new version.
    pub rules: RuleVersion,
    /// Administrators who approved.
    pub approvals: Vec<AccountId>,
    /// Who proposed it.
    pub proposed_by: AccountId,
    /// [`content_hash`] of `rules`: what each approval names.
    #[serde(default)]
    pub hash: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

fn no_amount(a: &Amount) -> bool {
    a.is_zero()
}

/// A program's schedule as a change of terms names it: one of the
/// schedules, or `none` (payouts on demand or by attestation only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleTerm {
    /// Monthly payouts.
    Monthly,
    /// Weekly payouts.
    Weekly,
    /// Daily payouts.
    Daily,
    /// No payouts by the ledger itself.
    None,
}

impl ScheduleTerm {
    /// The schedule it sets.
    pub fn schedule(self) -> Option<Schedule> {
        match self {
            ScheduleTerm::Monthly => Some(Schedule::Monthly),
            ScheduleTerm::Weekly => Some(Schedule::Weekly),
            ScheduleTerm::Daily => Some(Schedule::Daily),
            ScheduleTerm::None => None,
        }
    }
}

/// A change of a program's terms: what it sets (absent: unchanged), and
/// why. Its [`content_hash`] is what each approval names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsChange {
    /// The program.
    pub program: String,
    /// Its number among the program's changes of terms (1, 2, ...).
    pub number: u32,
    /// The new budget cap, in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_cap: Option<Amount>,
    /// The new end (block time, ms; exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// The new schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleTerm>,
    /// Why (a decision's reference, say): 1..=200 bytes, never personal data.
    pub reason: String,
}

/// A change of terms awaiting its approvals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingTerms {
    /// The change.
    pub change: TermsChange,
    /// Administrators who approved.
    pub approvals: Vec<AccountId>,
    /// Who proposed it.
    pub proposed_by: AccountId,
    /// The height it was proposed at.
    pub proposed_height: u64,
    /// [`content_hash`] of `change`.
    pub hash: String,
}

/// A program's terms: what a change of terms may set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Most it may ever pay, in minor units.
    pub budget_cap: Amount,
    /// Enrolment and payouts close (block time, ms; exclusive).
    pub end_ms: u64,
    /// Payouts the ledger makes by itself.
    pub schedule: Option<Schedule>,
}

/// An enacted change of terms, with its approvals and the terms before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsAmendment {
    /// The change.
    pub change: TermsChange,
    /// Its hash, which every approval named.
    pub hash: String,
    /// Who proposed it.
    pub proposed_by: AccountId,
    /// The height it was proposed at.
    pub proposed_height: u64,
    /// The administrators who approved it, in order.
    pub approvals: Vec<AccountId>,
    /// The height it was enacted at (its last approval's).
    pub enacted_height: u64,
    /// The terms it replaced.
    pub before: Terms,
    /// True when it restarted scheduled payouts that had stopped (budget
    /// spent, end reached, or no schedule).
    pub resumed: bool,
}

/// Restriction on the money a program pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramEarmark {
    /// Merchant categories the benefit may be spent at.
    pub categories: Vec<String>,
    /// Height after which unspent benefit returns to the funding account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_height: Option<u64>,
}

/// How the ledger pays a program by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Once per calendar month (UTC), at its start; periods `YYYY-MM`.
    Monthly,
    /// Once per ISO week (Monday to Sunday, UTC), at its start; periods
    /// `YYYY-Www`.
    Weekly,
    /// Once per day (UTC), at its start; periods `YYYY-MM-DD`.
    Daily,
}

impl Schedule {
    /// The kind of period a program with this schedule (or none) pays by.
    pub fn kind(schedule: Option<Schedule>) -> crate::period::Kind {
        match schedule {
            Some(Schedule::Weekly) => crate::period::Kind::Week,
            Some(Schedule::Daily) => crate::period::Kind::Day,
            Some(Schedule::Monthly) | None => crate::period::Kind::Month,
        }
    }
}

/// A program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Id.
    pub id: String,
    /// The agency running it.
    pub agency: String,
    /// Display name.
    pub name: String,
    /// Currency of its payouts.
    pub currency: String,
    /// The money account it pays from (owned by the program).
    pub funding_account: String,
    /// Most it may ever pay, in minor units.
    pub budget_cap: Amount,
    /// Paid so far.
    pub paid_total: Amount,
    /// Agencies whose attesters it trusts, in order of trust.
    pub attesters: Vec<String>,
    /// Per attribute, the agencies trusted for it (a subset of
    /// `attesters`, in order of trust); an attribute not listed trusts all
    /// of `attesters`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_attesters: BTreeMap<String, Vec<String>>,
    /// The agency that issues nullifiers for it.
    pub registry: String,
    /// The group of mutually exclusive programs it belongs to (nullifiers
    /// derived per group: one enrolment in the group per person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Thresholds on privately attested numbers, proven in zero knowledge
    /// at enrolment (`crate::private`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_conditions: Vec<crate::private::PrivateCondition>,
    /// Attributes its rules read, and their types.
    pub attributes: BTreeMap<String, Ty>,
    /// Indexes its rules read, as `<agency>/<name>` (rules say
    /// `index.<name>`).
    pub indexes: Vec<String>,
    /// Rule versions, oldest first.
    pub versions: Vec<RuleVersion>,
    /// A change of rules awaiting approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingVersion>,
    /// A change of terms (budget, end date, schedule) awaiting approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_terms: Option<PendingTerms>,
    /// Changes of terms enacted so far (each kept at [`amendment_key`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub terms_amended: u32,
    /// The most of one payout that recovers an overpayment, in percent
    /// (1..=100; absent: [`RECOVERY_MAX_PCT_DEFAULT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_max_pct: Option<u8>,
    /// Enrolees suspended now.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub suspended: u64,
    /// Enrolees who exited.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub exited: u64,
    /// Overpayments still owed by its enrolees, in minor units.
    #[serde(default, skip_serializing_if = "no_amount")]
    pub debt_outstanding: Amount,
    /// Payouts the ledger makes by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Restriction on paid money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earmark: Option<ProgramEarmark>,
    /// Enrolment and payouts open (block time, ms).
    pub start_ms: u64,
    /// Enrolment and payouts close (block time, ms; exclusive).
    pub end_ms: u64,
    /// Administrators' approvals needed (the agency's policy threshold).
    pub threshold: u32,
    /// Administrators who approved the program.
    pub approvals: Vec<AccountId>,
    /// True once approved.
    pub active: bool,
    /// Enrolments so far (also the next enrolment's sequence number).
    pub enrolled: u64,
    /// Set when a payout would have exceeded the budget: no more payouts.
    pub budget_exhausted: bool,
    /// Height it was created at.
    pub created_height: u64,
    /// Who created it.
    pub created_by: AccountId,
}

impl Program {
    /// The rules in force at `height`: the version with the greatest
    /// `from_height` not above it (of equal ones, the later enacted).
    pub fn rules_at(&self, height: u64) -> &RuleVersion {
        self.versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.from_height <= height)
            .max_by_key(|(i, v)| (v.from_height, *i))
            .map(|(_, v)| v)
            .unwrap_or(&self.versions[0])
    }

    /// The rules that govern a payout for `per` made at `height` and block
    /// time `now_ms`: for a period still running, those in force now; for
    /// an ended period (arrears), those in force when it began — what its
    /// scheduled payment would have used — so a later amendment never
    /// reprices the past.
    pub fn rules_for(&self, per: &str, height: u64, now_ms: u64) -> &RuleVersion {
        if crate::period::end_ms(per) > now_ms {
            return self.rules_at(height);
        }
        let start = crate::period::start_ms(per).unwrap_or(0);
        self.versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.from_height <= height && v.from_ms.is_some_and(|t| t <= start))
            .max_by_key(|(i, v)| (v.from_ms, v.from_height, *i))
            .map(|(_, v)| v)
            .unwrap_or(&self.versions[0])
    }

    /// The kind of period the program pays by: its schedule's, months
    /// when it has none.
    pub fn period_kind(&self) -> crate::period::Kind {
        Schedule::kind(self.schedule)
    }

    /// The program's period containing `ms`.
    pub fn period_of(&self, ms: u64) -> String {
        crate::period::of_kind(self.period_kind(), ms)
    }

    /// True when `label` is a period of the kind the program pays by.
    pub fn pays_by(&self, label: &str) -> bool {
        crate::period::kind(label) == Some(self.period_kind())
    }

    /// What a period of this program looks like, for messages.
    pub fn period_form(&self) -> String {
        format!("a period is {}", self.period_kind().form())
    }

    /// The agencies trusted for attribute `name`, in order of trust.
    pub fn trusted_for(&self, name: &str) -> &[String] {
        self.attribute_attesters
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&self.attesters)
    }

    /// What approving the program's activation approves: the hash of its
    /// definition (everything but approvals and running figures).
    pub fn definition_hash(&self) -> String {
        let mut d = self.clone();
        d.approvals.clear();
        d.active = false;
        d.pending = None;
        d.pending_terms = None;
        d.terms_amended = 0;
        d.suspended = 0;
        d.exited = 0;
        d.debt_outstanding = Amount::ZERO;
        d.paid_total = Amount::ZERO;
        d.enrolled = 0;
        d.budget_exhausted = false;
        d.threshold = 0;
        content_hash(&d)
    }

    /// Its terms now.
    pub fn terms(&self) -> Terms {
        Terms {
            budget_cap: self.budget_cap,
            end_ms: self.end_ms,
            schedule: self.schedule,
        }
    }

    /// Remaining budget.
    pub fn remaining(&self) -> u64 {
        // budget_cap is at most 2^53 (checked at creation), so it fits.
        self.budget_cap
            .checked_sub(self.paid_total)
            .map_or(0, |left| left.get() as u64)
    }
}

/// Which enrolment holds a group's nullifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupUse {
    /// The program.
    pub program: String,
    /// The account enrolled.
    pub account: AccountId,
}

/// An enrolment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// The enrolee's pseudonymous account.
    pub account: AccountId,
    /// The money account payouts go to.
    pub benefit_account: String,
    /// The per-program nullifier used.
    pub nullifier: String,
    /// Enrolment order, from 0.
    pub seq: u64,
    /// Height of enrolment.
    pub height: u64,
    /// Block time of enrolment: no period before its period is payable.
    #[serde(default)]
    pub time_ms: u64,
    /// Who signed the enrolment (the enrolee or a caseworker).
    pub by: AccountId,
    /// Periods paid, in payment order.
    pub paid_periods: Vec<String>,
    /// Suspended or exited (absent: active).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<Standing>,
    /// Overpayments recorded against the enrolee and their recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt: Option<Debt>,
    /// The commitments its private conditions were proven on, by attribute.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proven: BTreeMap<String, String>,
}

/// Where an enrolment stands when it is not simply active.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum Standing {
    /// No payouts until resumed.
    Suspended {
        /// Why (a closed list).
        reason: SuspendReason,
        /// Since when (block time, ms).
        since_ms: u64,
        /// When the case is to be reviewed (block time, ms).
        review_ms: u64,
        /// The official.
        by: AccountId,
    },
    /// An official asked to end it; no payouts until a second official
    /// confirms (then it exits) or one resumes it.
    ExitRequested {
        /// Why (a closed list).
        reason: ExitReason,
        /// Since when (block time, ms).
        since_ms: u64,
        /// The official who asked.
        by: AccountId,
    },
    /// No payouts for periods from its time on, for good.
    Exited {
        /// Why (a closed list).
        reason: ExitReason,
        /// Since when (block time, ms).
        since_ms: u64,
        /// The official who recorded it.
        by: AccountId,
    },
}

/// Why an enrolment is suspended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspendReason {
    /// A review of the case is under way.
    PendingReview,
    /// Documents the program asks for are missing.
    DocumentsMissing,
    /// The enrolee cannot be reached.
    NotReachable,
    /// Payments came back (a closed account, say).
    PaymentReturned,
    /// Fraud is suspected (an investigation is open).
    SuspectedFraud,
}

/// Why an enrolment ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The enrolee died.
    Deceased,
    /// The enrolee moved away.
    MovedAway,
    /// The eligibility rule is false on the attested facts.
    NoLongerEligible,
    /// The enrolee asked to leave.
    Voluntary,
    /// The enrolment duplicated another.
    Duplicate,
}

/// Why money paid is owed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverpaymentReason {
    /// More was paid than was due.
    WrongAmount,
    /// Paid while not eligible.
    NotEligible,
    /// Paid after the enrolee died or left.
    PaidAfterExit,
    /// Paid on false statements.
    Fraud,
    /// An administrative error.
    AdministrativeError,
}

/// Why a debt is written off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOffReason {
    /// Recovery would cause hardship.
    Hardship,
    /// The enrolee died.
    Deceased,
    /// Recovery costs more than it brings.
    Uneconomic,
    /// A grievance or appeal decided so.
    GrievanceDecision,
    /// Recorded in error.
    RecordedInError,
}

/// One step of a debt: an overpayment recorded or a part written off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DebtEntry {
    /// An overpayment recorded.
    Overpayment {
        /// How much, in minor units.
        amount: Amount,
        /// Why.
        reason: OverpaymentReason,
        /// The period overpaid, when one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<String>,
        /// The official.
        by: AccountId,
        /// Height.
        height: u64,
    },
    /// A part written off by a second official.
    WriteOff {
        /// How much, in minor units.
        amount: Amount,
        /// Why.
        reason: WriteOffReason,
        /// The official (never one who recorded an overpayment of this debt).
        by: AccountId,
        /// Height.
        height: u64,
    },
}

/// Overpayments owed back by an enrolee: recovered by deductions from later
/// payouts (at most the program's `recovery_max_pct` of each), or written
/// off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Debt {
    /// Overpayments recorded, in minor units.
    pub recorded: Amount,
    /// Recovered by deductions.
    pub recovered: Amount,
    /// Written off.
    pub written_off: Amount,
    /// The steps, oldest first (at most [`DEBT_ENTRIES_MAX`]).
    pub entries: Vec<DebtEntry>,
}

/// Most steps (overpayments, write-offs) in one enrolee's debt.
pub const DEBT_ENTRIES_MAX: usize = 64;
/// The share of a payout recovered at most, when a program sets none.
pub const RECOVERY_MAX_PCT_DEFAULT: u8 = 10;

impl Debt {
    /// What is still owed.
    pub fn outstanding(&self) -> Amount {
        self.recorded
            .checked_sub(self.recovered)
            .and_then(|a| a.checked_sub(self.written_off))
            .unwrap_or(Amount::ZERO)
    }
}

/// A use of a nullifier within a program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NullifierUse {
    /// Accounts enrolled with it.
    pub accounts: Vec<AccountId>,
    /// Extra enrolments allowed by approved overrides.
    pub allowed_extra: u32,
}

/// A request to let a used nullifier enrol once more (two officials).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The first official.
    pub requested_by: AccountId,
    /// Why.
    pub reason: String,
    /// The second official, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<AccountId>,
    /// Height of the request.
    pub height: u64,
}

/// An attestation about a subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The claimed value.
    pub value: AttrValue,
    /// The attester's agency.
    pub agency: String,
    /// The attester.
    pub attester: AccountId,
    /// The period it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Block time after which it no longer counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
    /// Revoked by its agency.
    pub revoked: bool,
    /// Height it was recorded at.
    pub height: u64,
}

/// How a payout was triggered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutKind {
    /// By an officer.
    OnDemand,
    /// By an attestation meeting the program's condition.
    Conditional,
    /// By the program's schedule.
    Scheduled,
    /// By a payout override: one official's request with a reason code,
    /// approved by a second (no condition, or arrears beyond the window).
    Override,
}

impl PayoutKind {
    /// Its name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutKind::OnDemand => "on_demand",
            PayoutKind::Conditional => "conditional",
            PayoutKind::Scheduled => "scheduled",
            PayoutKind::Override => "override",
        }
    }
}

/// One payout (or a failed attempt) in a period's run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunEntry {
    /// The enrolee.
    pub account: AccountId,
    /// The period.
    pub period: String,
    /// Amount paid (0 when it failed).
    pub amount: Amount,
    /// `paid` or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The failure's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rule version applied.
    pub version: u32,
    /// How it was triggered.
    pub kind: PayoutKind,
    /// Block height.
    pub height: u64,
    /// The transaction, when a transaction triggered it (scheduled ones
    /// are in the block's ledger events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// For an override: its reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<OverrideReason>,
    /// Deducted from the benefit to recover an overpayment (`amount` is
    /// what was paid after it).
    #[serde(default, skip_serializing_if = "no_amount")]
    pub recovered: Amount,
}

/// Why an official asks to pay outside the ordinary rules (a closed list,
/// so reports can count them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideReason {
    /// The attester could not attest (school closed, registry outage).
    AttesterUnavailable,
    /// The enrolee is exempt from the condition (illness, disability).
    ConditionExempted,
    /// The claim was made late for a documented cause (arrears).
    LateClaim,
    /// An administrative error withheld the payment (arrears).
    AdministrativeError,
    /// A grievance or appeal decided the payment is due.
    GrievanceDecision,
}

impl OverrideReason {
    /// Its name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OverrideReason::AttesterUnavailable => "attester_unavailable",
            OverrideReason::ConditionExempted => "condition_exempted",
            OverrideReason::LateClaim => "late_claim",
            OverrideReason::AdministrativeError => "administrative_error",
            OverrideReason::GrievanceDecision => "grievance_decision",
        }
    }
}

/// A request to pay one enrolee for one period outside the ordinary rules:
/// without the program's condition, or further back than
/// [`ARREARS_PERIODS_MAX`]. Never before the enrolment, outside the
/// program's dates, twice, or without eligibility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutOverride {
    /// The reason code.
    pub reason: OverrideReason,
    /// The official's note (no personal data), 1..=200 bytes.
    pub note: String,
    /// The first official.
    pub requested_by: AccountId,
    /// Height of the request.
    pub height: u64,
    /// The second official, once approved (and paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<AccountId>,
    /// The grievance whose decision ordered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

/// Totals of one period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodTotals {
    /// Payouts made.
    pub paid_count: u64,
    /// Amount paid.
    pub paid_amount: Amount,
    /// Failed attempts recorded.
    pub failed_count: u64,
    /// Entries in the run (paid and failed).
    pub entries: u64,
}

/// Where a scheduled program's runs stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// The period being paid.
    pub period: String,
    /// The next enrolment (by sequence) to pay in it.
    pub next_seq: u64,
}

/// A published index (e.g. CPI, 1000 = base).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Name.
    pub name: String,
    /// The oracle agency.
    pub agency: String,
    /// Oracles that must agree on a value.
    pub threshold: u32,
    /// Published values, oldest first.
    pub values: Vec<IndexValue>,
    /// Votes not yet at threshold: period -> value -> oracles.
    pub votes: BTreeMap<String, BTreeMap<String, Vec<AccountId>>>,
}

/// A published index value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexValue {
    /// The period it measures.
    pub period: String,
    /// The value.
    pub value: i64,
    /// Block time of publication; payouts of periods starting after it use it.
    pub published_ms: u64,
    /// Height of publication.
    pub height: u64,
}

impl Index {
    /// The value in force for payouts of `period`: of the values published
    /// before it began, the one measuring the latest period before it (a
    /// late revision of an old period never replaces a newer value).
    pub fn value_for(&self, period: &str) -> Option<i64> {
        let start = crate::period::start_ms(period)?;
        self.values
            .iter()
            .filter(|v| {
                v.published_ms < start
                    && crate::period::start_ms(&v.period).is_some_and(|s| s < start)
            })
            .max_by(|a, b| a.period.cmp(&b.period))
            .map(|v| v.value)
    }
}

/// Splits an index reference `<agency>/<name>`.
pub fn index_ref(r: &str) -> Option<(&str, &str)> {
    let (agency, name) = r.split_once('/')?;
    let agency_ok = !agency.is_empty()
        && agency.len() <= 32
        && agency
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (agency_ok && valid_name(name)).then_some((agency, name))
}

/// Lowercase hex SHA-256 of the canonical JSON (RFC 8785) of `value`: what
/// an approval names, so that it approves exactly the content reviewed.
pub fn content_hash<T: Serialize>(value: &T) -> String {
    let bytes = publica_types::canonical::canonicalize(value).expect("records are JSON");
    publica_crypto::sha256(&bytes).to_hex()
}

/// The event-index key listing every program, in creation order (`{id,
/// agency}` entries): what a page of all programs reads instead of
/// scanning the state.
pub const PROGRAMS_DIRECTORY_KEY: &str = "directory/programs";

/// State key of a program.
pub fn program_key(id: &str) -> Vec<u8> {
    format!("programs/program/{id}").into_bytes()
}
/// State key of an enrolment.
pub fn enrolment_key(program: &str, account: &AccountId) -> Vec<u8> {
    format!("programs/enrolment/{program}/{}", account.to_hex()).into_bytes()
}
/// State key of the `seq`-th enrolment's account.
pub fn seq_key(program: &str, seq: u64) -> Vec<u8> {
    format!("programs/seq/{program}/{seq:012}").into_bytes()
}
/// State key of a nullifier's use.
pub fn nullifier_key(program: &str, nullifier: &str) -> Vec<u8> {
    format!("programs/nullifier/{program}/{nullifier}").into_bytes()
}
/// State key of a dedup override.
pub fn override_key(program: &str, nullifier: &str) -> Vec<u8> {
    format!("programs/override/{program}/{nullifier}").into_bytes()
}
/// State key of a payout override for (program, enrolee, period).
pub fn payout_override_key(program: &str, account: &AccountId, period: &str) -> Vec<u8> {
    format!(
        "programs/payout-override/{program}/{}/{period}",
        account.to_hex()
    )
    .into_bytes()
}
/// State key of an agency's attestation of `name` about `subject` (`period`
/// "-" for none): each agency has its own, so none overwrites another's.
pub fn attestation_key(
    subject: &AccountId,
    name: &str,
    agency: &str,
    period: Option<&str>,
) -> Vec<u8> {
    format!(
        "programs/attest/{}/{name}/{agency}/{}",
        subject.to_hex(),
        period.unwrap_or("-")
    )
    .into_bytes()
}
/// State key of an enrolee's payout for a period.
pub fn paid_key(program: &str, account: &AccountId, period: &str) -> Vec<u8> {
    format!("programs/paid/{program}/{}/{period}", account.to_hex()).into_bytes()
}
/// Prefix of an enrolee's payouts.
pub fn paid_prefix(program: &str, account: &AccountId) -> Vec<u8> {
    format!("programs/paid/{program}/{}/", account.to_hex()).into_bytes()
}
/// State key of a period's totals.
pub fn period_key(program: &str, period: &str) -> Vec<u8> {
    format!("programs/period/{program}/{period}").into_bytes()
}
/// State key of the `n`-th entry of a period's run.
pub fn run_key(program: &str, period: &str, n: u64) -> Vec<u8> {
    format!("programs/run/{program}/{period}/{n:012}").into_bytes()
}
/// State key of the list of periods a program has run entries for.
pub fn periods_key(program: &str) -> Vec<u8> {
    format!("programs/periods/{program}").into_bytes()
}
/// State key of a program's enacted change of terms number `number`.
pub fn amendment_key(program: &str, number: u32) -> Vec<u8> {
    format!("programs/amendment/{program}/{number:06}").into_bytes()
}
/// State key of the enrolment holding a group nullifier: programs of
/// `group` (of the registry `registry`) share it.
pub fn group_nullifier_key(registry: &str, group: &str, nullifier: &str) -> Vec<u8> {
    format!("programs/group-nullifier/{registry}/{group}/{nullifier}").into_bytes()
}
/// State key of a scheduled program's cursor.
pub fn cursor_key(program: &str) -> Vec<u8> {
    format!("programs/cursor/{program}").into_bytes()
}
/// State key of the map program -> enacted versions whose first block has
/// not come yet (their `from_ms` is set by that block).
pub const VERSION_STARTS_KEY: &[u8] = b"programs/version-starts";
/// State key of the map program -> next due time of scheduled programs.
pub const SCHEDULES_KEY: &[u8] = b"programs/schedules";
/// State key of agency `agency`'s index `name`: each agency names its own.
pub fn index_key(agency: &str, name: &str) -> Vec<u8> {
    format!("programs/index/{agency}/{name}").into_bytes()
}
/// Prefix of every index.
pub const INDEX_PREFIX: &[u8] = b"programs/index/";

/// Checks an id or name: 1..=64 of `[a-z0-9._:-]` (attribute and parameter
/// names: `[a-z0-9_]`, starting with a letter).
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
