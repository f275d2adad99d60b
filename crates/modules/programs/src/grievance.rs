//! Grievance redress: a citizen (or a caseworker for them) files a
//! grievance about a program — denied enrolment, a missing payment, a
//! wrong amount, ... — and gets a case number; the case has a deadline by
//! its category, may be assigned to an official, is escalated to the
//! agency's administrators when overdue (by the ledger itself, at the
//! start of a block), and ends with a decision and its reason. A decision
//! that upholds it may order a corrective payout (a payout override that a
//! second official approves, linked to the case) or an enrolment (made with
//! the case named). Anyone follows a case by its number; monthly figures
//! per category give time to decision.
//!
//! Nothing personal is on the ledger: the complaint's text stays with the
//! agency, which records only its SHA-256 (`details_hash`), so that the
//! text can later be shown to be the one filed.

use crate::codes;
use crate::events::ProgramsEvent;
use crate::model::{enrolment_key, OverrideReason, Program};
use crate::module::{err, program};
use crate::period;
use publica_runtime::authz::Role;
use publica_runtime::CallContext;
use publica_state::StateTree;
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const DAY_MS: u64 = 86_400_000;
/// Undecided cases are filed by the hour their deadline falls in.
const SLOT_MS: u64 = 3_600_000;
/// Days an escalated case has for its decision, at each level.
pub const ESCALATION_DAYS: u64 = 10;
/// Most open grievances one complainant has in one program.
pub const OPEN_PER_COMPLAINANT_MAX: u32 = 5;
/// Most cases escalated at the start of one block (the rest in the next).
pub const ESCALATIONS_PER_BLOCK: usize = 200;
/// Most cases the API's monthly figures read.
pub const STATS_CASES_MAX: usize = 100_000;

/// What a grievance is about (a closed list, so figures can count them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Enrolment was refused.
    EnrolmentDenied,
    /// A payment due did not come.
    PaymentMissing,
    /// A payment came with the wrong amount.
    WrongAmount,
    /// A suspension of one's payments.
    Suspension,
    /// The end of one's enrolment.
    Exit,
    /// An overpayment recorded against one.
    Overpayment,
    /// How officials dealt with one.
    Conduct,
    /// Anything else.
    Other,
}

impl Category {
    /// Days the agency has to decide.
    pub fn deadline_days(self) -> u64 {
        match self {
            Category::PaymentMissing | Category::WrongAmount => 10,
            Category::EnrolmentDenied
            | Category::Suspension
            | Category::Exit
            | Category::Overpayment => 20,
            Category::Conduct | Category::Other => 30,
        }
    }

    /// Its name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::EnrolmentDenied => "enrolment_denied",
            Category::PaymentMissing => "payment_missing",
            Category::WrongAmount => "wrong_amount",
            Category::Suspension => "suspension",
            Category::Exit => "exit",
            Category::Overpayment => "overpayment",
            Category::Conduct => "conduct",
            Category::Other => "other",
        }
    }

    /// Every category, in order.
    pub const ALL: [Category; 8] = [
        Category::EnrolmentDenied,
        Category::PaymentMissing,
        Category::WrongAmount,
        Category::Suspension,
        Category::Exit,
        Category::Overpayment,
        Category::Conduct,
        Category::Other,
    ];
}

/// How a case was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The complaint was right.
    Upheld,
    /// It was not.
    Rejected,
}

/// Why (a closed list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionReason {
    /// A payment was due and is made.
    PaymentDue,
    /// The amount is corrected.
    AmountCorrected,
    /// Eligible after review: enrolment is made.
    EligibleAfterReview,
    /// The records are corrected (a suspension lifted, a debt written off).
    RecordsCorrected,
    /// The records show no error.
    NoErrorFound,
    /// The rules do not make the complainant eligible.
    NotEligible,
    /// Filed after the time allowed.
    OutOfTime,
    /// Not a matter of this program.
    NotWithinProgram,
    /// The complainant withdrew it.
    Withdrawn,
}

/// What an upheld decision orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Remedy {
    /// A payout of `period` to the complainant: a payout override with
    /// reason `grievance_decision`, which a second official approves.
    Payout {
        /// The period.
        period: String,
    },
    /// The complainant's enrolment, made with this case named.
    Enrolment,
}

/// A decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Upheld or rejected.
    pub outcome: Outcome,
    /// Why.
    pub reason: DecisionReason,
    /// The official.
    pub by: AccountId,
    /// When (block time, ms).
    pub ms: u64,
    /// Height.
    pub height: u64,
    /// What it orders, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
    /// The height at which the remedy was carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedied_height: Option<u64>,
}

/// A grievance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grievance {
    /// Its case number, `<program>-<n>`.
    pub case: String,
    /// The program.
    pub program: String,
    /// What it is about.
    pub category: Category,
    /// The complainant's pseudonymous account.
    pub complainant: AccountId,
    /// The period concerned, when one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// SHA-256 (hex) of the complaint's text, which the agency keeps.
    pub details_hash: String,
    /// Who signed the filing (the complainant or a caseworker).
    pub filed_by: AccountId,
    /// When (block time, ms).
    pub filed_ms: u64,
    /// Height.
    pub filed_height: u64,
    /// When the decision is due (block time, ms).
    pub deadline_ms: u64,
    /// 0 with the program's officials; each escalation adds one (then the
    /// agency's administrators decide).
    pub level: u32,
    /// The official it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<AccountId>,
    /// The decision, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// State key of case `n` of `program`.
pub fn grievance_key(program: &str, n: u64) -> Vec<u8> {
    format!("programs/grievance/{program}/{n:08}").into_bytes()
}
/// State key prefix of `program`'s cases.
pub fn grievances_prefix(program: &str) -> Vec<u8> {
    format!("programs/grievance/{program}/").into_bytes()
}
fn count_key(program: &str) -> Vec<u8> {
    format!("programs/grievance-count/{program}").into_bytes()
}
fn open_key(program: &str, who: &AccountId) -> Vec<u8> {
    format!("programs/grievance-open/{program}/{}", who.to_hex()).into_bytes()
}
/// State key of the undecided cases (case -> deadline) whose deadline falls
/// in hour `slot` since the epoch: filing, deciding and escalating touch
/// one hour's cases, never every open case on the ledger.
fn due_key(slot: u64) -> Vec<u8> {
    format!("programs/grievance-due/{slot:010}").into_bytes()
}
/// State key of the hours that hold undecided cases (at most the hours of
/// the longest deadline ahead, a few hundred).
pub const DUE_SLOTS_KEY: &[u8] = b"programs/grievance-due-slots";

/// The program and number of a case number `<program>-<n>`.
pub fn parse_case(case: &str) -> Option<(&str, u64)> {
    let (program, n) = case.rsplit_once('-')?;
    let n: u64 = n.parse().ok().filter(|n| *n >= 1)?;
    let plain = (1..=40).contains(&program.len())
        && program
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    (plain && n.to_string().len() == case.len() - program.len() - 1).then_some((program, n))
}

/// The case, read from `state`.
pub fn read_case(state: &StateTree, case: &str) -> Option<Grievance> {
    let (program, n) = parse_case(case)?;
    state
        .get(&grievance_key(program, n))
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn case_of(ctx: &CallContext<'_>, case: &str) -> Result<(Grievance, Vec<u8>), TxError> {
    let (program, n) = parse_case(case).ok_or_else(|| {
        err(
            codes::UNKNOWN_CASE,
            format!("'{case}' is not a case number (<program>-<n>)"),
        )
    })?;
    let key = grievance_key(program, n);
    let g = ctx
        .read(&key)
        .ok_or_else(|| err(codes::UNKNOWN_CASE, format!("no case '{case}'")))?;
    Ok((g, key))
}

fn slots(ctx: &CallContext<'_>) -> BTreeSet<u64> {
    ctx.read(DUE_SLOTS_KEY).unwrap_or_default()
}

fn due_in(ctx: &CallContext<'_>, slot: u64) -> BTreeMap<String, u64> {
    ctx.read(&due_key(slot)).unwrap_or_default()
}

/// Writes one hour's undecided cases, keeping the set of hours in step.
fn put_due(ctx: &mut CallContext<'_>, slot: u64, cases: &BTreeMap<String, u64>) {
    let mut all = slots(ctx);
    if cases.is_empty() {
        ctx.delete(due_key(slot));
        if all.remove(&slot) {
            ctx.write(DUE_SLOTS_KEY.to_vec(), &all);
        }
    } else {
        ctx.write(due_key(slot), cases);
        if all.insert(slot) {
            ctx.write(DUE_SLOTS_KEY.to_vec(), &all);
        }
    }
}

/// Files `case` as undecided with `deadline_ms`.
fn add_due(ctx: &mut CallContext<'_>, case: &str, deadline_ms: u64) {
    let slot = deadline_ms / SLOT_MS;
    let mut cases = due_in(ctx, slot);
    cases.insert(case.to_string(), deadline_ms);
    put_due(ctx, slot, &cases);
}

/// Takes `case`, due at `deadline_ms`, off the undecided cases.
fn remove_due(ctx: &mut CallContext<'_>, case: &str, deadline_ms: u64) {
    let slot = deadline_ms / SLOT_MS;
    let mut cases = due_in(ctx, slot);
    if cases.remove(case).is_some() {
        put_due(ctx, slot, &cases);
    }
}

/// Arguments of `programs.file_grievance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// The program complained about.
    pub program: String,
    /// What about.
    pub category: Category,
    /// SHA-256 (64 lowercase hex) of the complaint's text, which the agency
    /// keeps off the ledger.
    pub details_hash: String,
    /// The period concerned, when one (of the program's kind).
    #[serde(default)]
    pub period: Option<String>,
    /// When a caseworker files for someone: the program's agency (the
    /// signer is one of its program officers)...
    #[serde(default)]
    pub agency: Option<String>,
    /// ...and the complainant's account. Otherwise the signer complains.
    #[serde(default)]
    pub account: Option<AccountId>,
}

/// Arguments of `programs.assign_grievance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// The program's agency; the signer is one of its program officers.
    pub agency: String,
    /// The case number.
    pub case: String,
    /// The official who takes it (a program officer of the agency).
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub to: AccountId,
}

/// Arguments of `programs.decide_grievance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// The program's agency; the signer is one of its program officers or
    /// administrators (an administrator once the case was escalated).
    pub agency: String,
    /// The case number.
    pub case: String,
    /// Upheld or rejected.
    pub outcome: Outcome,
    /// Why.
    pub reason: DecisionReason,
    /// For an upheld case: what it orders.
    #[serde(default)]
    pub remedy: Option<Remedy>,
}

/// Files a grievance; its case number is in the `grievance_filed` event.
pub(crate) fn file(ctx: &mut CallContext<'_>, a: File) -> Result<(), TxError> {
    let p = program(ctx, &a.program)?;
    let signer = ctx.signer();
    let complainant = match (&a.agency, a.account) {
        (Some(agency), Some(account)) => {
            if *agency != p.agency {
                return Err(err(
                    codes::NOT_ALLOWED,
                    format!(
                        "program '{}' is run by '{}', not '{agency}'",
                        p.id, p.agency
                    ),
                ));
            }
            account
        }
        (Some(_), None) => {
            return Err(err(
                codes::INVALID_FIELD,
                "a caseworker names the complainant's account",
            ))
        }
        (None, Some(account)) if account != signer => {
            return Err(err(
                codes::INVALID_FIELD,
                "one files for oneself, or as a caseworker naming the agency",
            ))
        }
        (None, _) => {
            // Only enrolees file with their own key (bounded by the
            // enrolments); anyone else files at the agency's desk.
            if !ctx.contains(&enrolment_key(&p.id, &signer)) {
                return Err(err(
                    codes::NOT_ENROLLED,
                    "only an enrolee files a grievance with their own key: anyone else files at the agency's desk, where a caseworker files it for them",
                ));
            }
            signer
        }
    };
    if a.details_hash.len() != 64
        || !a
            .details_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(err(
            codes::INVALID_FIELD,
            "details_hash is the SHA-256 of the complaint's text, 64 lowercase hex characters",
        ));
    }
    if let Some(per) = &a.period {
        if !p.pays_by(per) {
            return Err(err(codes::INVALID_PERIOD, p.period_form()));
        }
    }
    let okey = open_key(&p.id, &complainant);
    let open: u32 = ctx.read(&okey).unwrap_or(0);
    if open >= OPEN_PER_COMPLAINANT_MAX {
        return Err(err(
            codes::INVALID_FIELD,
            format!("at most {OPEN_PER_COMPLAINANT_MAX} open grievances per person and program"),
        ));
    }
    let n: u64 = ctx.read::<u64>(&count_key(&p.id)).unwrap_or(0) + 1;
    let case = format!("{}-{n}", p.id);
    let now = ctx.env().time_ms;
    let g = Grievance {
        case: case.clone(),
        program: p.id.clone(),
        category: a.category,
        complainant,
        period: a.period,
        details_hash: a.details_hash,
        filed_by: signer,
        filed_ms: now,
        filed_height: ctx.env().height,
        deadline_ms: now + a.category.deadline_days() * DAY_MS,
        level: 0,
        assigned_to: None,
        decision: None,
    };
    ctx.emit_event(&ProgramsEvent::GrievanceFiled {
        case: case.clone(),
        program: p.id.clone(),
        category: a.category,
        deadline_ms: g.deadline_ms,
    });
    add_due(ctx, &case, g.deadline_ms);
    ctx.write(count_key(&p.id), &n);
    ctx.write(okey, &(open + 1));
    ctx.write(grievance_key(&p.id, n), &g);
    Ok(())
}

fn own_case(
    ctx: &CallContext<'_>,
    agency: &str,
    case: &str,
) -> Result<(Grievance, Vec<u8>, Program), TxError> {
    let (g, key) = case_of(ctx, case)?;
    let p = program(ctx, &g.program)?;
    if p.agency != agency {
        return Err(err(
            codes::NOT_ALLOWED,
            format!("case '{case}' is for '{}', run by '{}'", p.id, p.agency),
        ));
    }
    if g.decision.is_some() {
        return Err(err(codes::CASE_CLOSED, format!("case '{case}' is decided")));
    }
    Ok((g, key, p))
}

/// Assigns an open case to an official.
pub(crate) fn assign(ctx: &mut CallContext<'_>, a: Assign) -> Result<(), TxError> {
    let (mut g, key, _) = own_case(ctx, &a.agency, &a.case)?;
    if !ctx.has_role(&a.agency, &a.to, Role::ProgramOfficer) {
        return Err(err(
            codes::INVALID_FIELD,
            format!(
                "{} is not a program officer of '{}'",
                a.to.to_hex(),
                a.agency
            ),
        ));
    }
    g.assigned_to = Some(a.to);
    ctx.emit_event(&ProgramsEvent::GrievanceAssigned {
        case: g.case.clone(),
        to: a.to,
    });
    ctx.write(key, &g);
    Ok(())
}

/// Decides an open case: the assignee or any program officer while it is
/// with the program's officials, an administrator once escalated.
pub(crate) fn decide(ctx: &mut CallContext<'_>, a: Decide) -> Result<(), TxError> {
    let me = ctx.signer();
    let admin = ctx.has_role(&a.agency, &me, Role::Administrator);
    if !admin && !ctx.has_role(&a.agency, &me, Role::ProgramOfficer) {
        return Err(err(
            publica_types::codes::AUTH_UNAUTHORIZED,
            format!(
                "deciding a grievance needs the role program_officer or administrator in '{}'",
                a.agency
            ),
        ));
    }
    let (mut g, key, p) = own_case(ctx, &a.agency, &a.case)?;
    if g.level > 0 && !admin {
        return Err(err(
            codes::NOT_ALLOWED,
            format!(
                "case '{}' was escalated: an administrator of '{}' decides it",
                g.case, a.agency
            ),
        ));
    }
    if g.assigned_to.is_some_and(|to| to != me) && !admin {
        return Err(err(
            codes::NOT_ALLOWED,
            format!("case '{}' is assigned to another official", g.case),
        ));
    }
    match (&a.outcome, &a.remedy) {
        (Outcome::Rejected, Some(_)) => {
            return Err(err(
                codes::INVALID_FIELD,
                "a rejected case orders no remedy",
            ))
        }
        (Outcome::Upheld, Some(Remedy::Payout { period: per })) => {
            order_payout(ctx, &p, &g, per)?;
        }
        (Outcome::Upheld, Some(Remedy::Enrolment)) if g.category != Category::EnrolmentDenied => {
            return Err(err(
                codes::INVALID_FIELD,
                "an enrolment remedies a denied enrolment",
            ));
        }
        _ => {}
    }
    let now = ctx.env().time_ms;
    g.decision = Some(Decision {
        outcome: a.outcome,
        reason: a.reason,
        by: me,
        ms: now,
        height: ctx.env().height,
        remedy: a.remedy.clone(),
        remedied_height: None,
    });
    ctx.emit_event(&ProgramsEvent::GrievanceDecided {
        case: g.case.clone(),
        outcome: a.outcome,
        reason: a.reason,
        days: (now.saturating_sub(g.filed_ms)) / DAY_MS,
        remedy: a.remedy,
    });
    remove_due(ctx, &g.case, g.deadline_ms);
    let okey = open_key(&g.program, &g.complainant);
    let open: u32 = ctx.read(&okey).unwrap_or(1);
    if open <= 1 {
        ctx.delete(okey);
    } else {
        ctx.write(okey, &(open - 1));
    }
    ctx.write(key, &g);
    Ok(())
}

/// The payout an upheld case orders: a payout override request by the
/// deciding official, with reason `grievance_decision`, naming the case; a
/// second official approves it (`approve_payout_override`), which pays.
fn order_payout(
    ctx: &mut CallContext<'_>,
    p: &Program,
    g: &Grievance,
    per: &str,
) -> Result<(), TxError> {
    crate::module::request_override(
        ctx,
        p,
        &g.complainant,
        per,
        OverrideReason::GrievanceDecision,
        format!("grievance {}", g.case),
        Some(g.case.clone()),
    )
}

/// Marks the remedy of `case` carried out (a payout approved, an enrolment
/// made), when it is the remedy that case ordered for `account`.
pub(crate) fn remedied(
    ctx: &mut CallContext<'_>,
    case: &str,
    program: &str,
    account: &AccountId,
    enrolment: bool,
) -> Result<(), TxError> {
    let (mut g, key) = case_of(ctx, case)?;
    if g.program != program {
        return Err(err(
            codes::INVALID_FIELD,
            format!("case '{case}' is about program '{}'", g.program),
        ));
    }
    let ordered = match g.decision.as_ref().and_then(|d| d.remedy.as_ref()) {
        Some(Remedy::Enrolment) => enrolment,
        Some(Remedy::Payout { .. }) => !enrolment,
        None => false,
    };
    let d = g.decision.as_mut();
    match d {
        Some(d) if ordered && g.complainant == *account && d.remedied_height.is_none() => {
            d.remedied_height = Some(ctx.env().height);
        }
        _ => {
            return Err(err(
                codes::INVALID_FIELD,
                format!(
                    "case '{case}' orders no such remedy for this account, or it was carried out"
                ),
            ))
        }
    }
    ctx.emit_event(&ProgramsEvent::GrievanceRemedied {
        case: g.case.clone(),
    });
    ctx.write(key, &g);
    Ok(())
}

/// At the start of a block: escalates every undecided case past its
/// deadline (at most [`ESCALATIONS_PER_BLOCK`]; the rest in the next
/// block), giving the administrators [`ESCALATION_DAYS`] more.
pub(crate) fn escalate_overdue(ctx: &mut CallContext<'_>) {
    let now = ctx.env().time_ms;
    let past: Vec<u64> = slots(ctx)
        .into_iter()
        .take_while(|slot| *slot <= now / SLOT_MS)
        .collect();
    let mut budget = ESCALATIONS_PER_BLOCK;
    for slot in past {
        if budget == 0 {
            break;
        }
        let mut cases = due_in(ctx, slot);
        let overdue: Vec<String> = cases
            .iter()
            .filter(|(_, d)| **d <= now)
            .map(|(c, _)| c.clone())
            .take(budget)
            .collect();
        budget -= overdue.len();
        for case in overdue {
            cases.remove(&case);
            let Ok((mut g, key)) = case_of(ctx, &case) else {
                continue;
            };
            if g.decision.is_some() {
                continue;
            }
            g.level += 1;
            g.deadline_ms = now + ESCALATION_DAYS * DAY_MS;
            add_due(ctx, &case, g.deadline_ms);
            ctx.emit_event(&ProgramsEvent::GrievanceEscalated {
                case,
                level: g.level,
                deadline_ms: g.deadline_ms,
            });
            ctx.write(key, &g);
        }
        put_due(ctx, slot, &cases);
    }
}

/// The earliest deadline of an undecided case.
pub fn next_deadline(state: &StateTree) -> Option<u64> {
    let slots: BTreeSet<u64> = serde_json::from_slice(&state.get(DUE_SLOTS_KEY)?).ok()?;
    let first = slots.first()?;
    let cases: BTreeMap<String, u64> =
        serde_json::from_slice(&state.get(&due_key(*first))?).ok()?;
    cases.values().min().copied()
}

/// Monthly figures of `program`'s grievances, by the month they were filed
/// and category: filed, decided (upheld, rejected), still open, escalated,
/// and days from filing to decision (median and 90th percentile), over its
/// first `cases_max` cases.
pub fn stats(state: &StateTree, program: &str, cases_max: usize) -> Value {
    let cases: Vec<Grievance> = state
        .scan_prefix(&grievances_prefix(program), cases_max)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let mut groups: BTreeMap<(String, Category), Vec<&Grievance>> = BTreeMap::new();
    for g in &cases {
        groups
            .entry((period::of(g.filed_ms), g.category))
            .or_default()
            .push(g);
    }
    let rows: Vec<Value> = groups
        .into_iter()
        .map(|((month, category), list)| {
            let mut days: Vec<u64> = list
                .iter()
                .filter_map(|g| g.decision.as_ref().map(|d| d.ms.saturating_sub(g.filed_ms)))
                .collect();
            days.sort_unstable();
            let pick = |q: usize| {
                (!days.is_empty()).then(|| {
                    let i = ((days.len() * q).div_ceil(100)).clamp(1, days.len()) - 1;
                    // Whole and tenths of days.
                    (days[i] / (DAY_MS / 10)) as f64 / 10.0
                })
            };
            let count = |f: &dyn Fn(&Grievance) -> bool| list.iter().filter(|g| f(g)).count();
            json!({
                "month": month, "category": category,
                "filed": list.len(),
                "decided": days.len(),
                "upheld": count(&|g| g.decision.as_ref().is_some_and(|d| d.outcome == Outcome::Upheld)),
                "rejected": count(&|g| g.decision.as_ref().is_some_and(|d| d.outcome == Outcome::Rejected)),
                "open": count(&|g| g.decision.is_none()),
                "escalated": count(&|g| g.level > 0),
                "median_days_to_decision": pick(50),
                "p90_days_to_decision": pick(90),
            })
        })
        .collect();
    json!({"program": program, "cases": cases.len(), "months": rows})
}

/// [`stats`] as CSV, one row per month and category.
pub fn stats_csv(stats: &Value) -> String {
    publica_types::csv::table(
        &[
            "month",
            "category",
            "filed",
            "decided",
            "upheld",
            "rejected",
            "open",
            "escalated",
            "median_days_to_decision",
            "p90_days_to_decision",
        ],
        stats["months"].as_array().into_iter().flatten(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers() {
        assert_eq!(parse_case("ubi-17"), Some(("ubi", 17)));
        assert_eq!(parse_case("school-meals-2"), Some(("school-meals", 2)));
        for bad in [
            "ubi", "ubi-", "-3", "ubi-0", "ubi-07", "ubi-+7", "ubi-x", "<b>-1", "UBI-1", "u/b-1",
        ] {
            assert_eq!(parse_case(bad), None, "{bad}");
        }
    }
}
