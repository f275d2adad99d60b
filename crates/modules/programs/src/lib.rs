//! The `programs` module: welfare programs whose rules run on the ledger.
//!
//! - **Definitions**: a program officer defines a program (funding account
//!   and currency, budget cap, accredited attesters, the registry issuing
//!   nullifiers, declared attributes, CEL rules for eligibility, benefit and
//!   an optional condition, a schedule, an earmark, a start and an end); the
//!   agency's administrators activate it up to their policy threshold. Rule
//!   changes are new versions in force from a stated height, approved the
//!   same way; every payout records the version it was computed under.
//!   Its terms (budget cap, end, schedule) change the same way
//!   ([`terms`]): a program whose budget ran out resumes after a top-up.
//! - **Attestations** by accredited attesters (`attester` role) carry only
//!   the values rules need, about pseudonymous accounts.
//! - **Enrolment** needs an unused per-program nullifier signed by the
//!   registry (one person, one benefit) and a true eligibility rule.
//! - **Payouts**: on demand by an officer, conditional (released by the
//!   attestation meeting the condition, in the same transaction), or
//!   scheduled (monthly, weekly or daily, run by the ledger at the start of blocks, exactly
//!   once per period and enrolee, catching up missed periods). Indexes
//!   published M-of-N by oracles feed the rules from the next period. The
//!   budget cap is never exceeded: the payout that would exceed it fails
//!   and the program stops paying, with an event.
//!
//! - **Enrolees' lifecycle** ([`lifecycle`]): suspension and resumption,
//!   exit, overpayments recovered from later payouts or written off by a
//!   second official.
//!
//! - **Grievance redress** ([`grievance`]): case numbers, deadlines by
//!   category, assignment, escalation when overdue, decisions with a reason
//!   and remedies linked to the case, monthly figures.
//!
//! - **Pilot evaluation** ([`evaluation`]): per period, hours from due
//!   to paid, officials' actions per payout, failures, overrides, budget
//!   executed.
//!
//! See `docs/programs.md`.

pub mod bulk;
pub mod codes;
pub mod disburse;
pub mod evaluation;
pub mod events;
pub mod g2p;
pub mod g2p_signature;
pub mod grievance;
pub mod lifecycle;
pub mod model;
pub mod module;
pub mod nullifier;
pub mod period;
pub mod private;
pub mod queries;
pub mod routes;
pub mod rules;
pub mod terms;

pub use events::ProgramsEvent;
pub use module::Programs;
