//! Changes of a running program's terms: its budget cap (raised or
//! lowered), its end (extended or brought forward) and its schedule, each
//! proposed by a program officer and enacted by the agency's
//! administrators up to their policy threshold, every approval naming the
//! hash of the exact change. An enacted change is kept with its approvals
//! and the terms it replaced; a program whose payouts stopped (budget
//! spent, end reached) resumes when a change makes room again.

use crate::codes;
use crate::events::ProgramsEvent;
use crate::model::{
    amendment_key, content_hash, cursor_key, paid_key, program_key, seq_key, Cursor, PendingTerms,
    Program, ScheduleTerm, TermsAmendment, TermsChange, ARREARS_PERIODS_MAX,
};
use crate::module::{check_text, err, own_program, schedules};
use crate::period;
use publica_runtime::CallContext;
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// Most changes of terms one program may have enacted.
pub const TERMS_AMENDMENTS_MAX: u32 = 10_000;

/// Arguments of `programs.amend_terms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendTerms {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// Id of the program.
    pub program: String,
    /// The new budget cap, in minor units (1..=2^53, not below what was
    /// already paid).
    #[serde(default)]
    pub budget_cap: Option<Amount>,
    /// The new end (block time, ms): after the start and after now.
    #[serde(default)]
    pub end_ms: Option<u64>,
    /// The new schedule: `monthly`, `weekly`, `daily` or `none`, paying by
    /// the same kind of period as before.
    #[serde(default)]
    pub schedule: Option<ScheduleTerm>,
    /// Why, e.g. the decision's reference: 1..=200 bytes, no personal data.
    pub reason: String,
}

/// Proposes a change of terms. It replaces any pending one, and its
/// approvals with it.
pub(crate) fn amend(ctx: &mut CallContext<'_>, a: AmendTerms) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    if !p.active {
        return Err(err(
            codes::INACTIVE,
            format!(
                "program '{}' is not active yet: its definition is what waits for approval",
                p.id
            ),
        ));
    }
    if a.budget_cap.is_none() && a.end_ms.is_none() && a.schedule.is_none() {
        return Err(err(
            codes::INVALID_FIELD,
            "a change of terms sets budget_cap, end_ms or schedule",
        ));
    }
    check_text("the reason", &a.reason)?;
    if p.terms_amended >= TERMS_AMENDMENTS_MAX {
        return Err(err(
            codes::INVALID_FIELD,
            format!("at most {TERMS_AMENDMENTS_MAX} changes of terms per program"),
        ));
    }
    let change = TermsChange {
        program: p.id.clone(),
        number: p.terms_amended + 1,
        budget_cap: a.budget_cap,
        end_ms: a.end_ms,
        schedule: a.schedule,
        reason: a.reason,
    };
    check(ctx, &p, &change)?;
    let hash = content_hash(&change);
    let replaces = p.pending_terms.as_ref().map(|x| x.hash.clone());
    ctx.emit_event(&ProgramsEvent::TermsProposed {
        change: change.clone(),
        hash: hash.clone(),
        replaces,
    });
    p.pending_terms = Some(PendingTerms {
        change,
        approvals: vec![],
        proposed_by: ctx.signer(),
        proposed_height: ctx.env().height,
        hash,
    });
    ctx.write(program_key(&p.id), &p);
    Ok(())
}

/// Whether `change` may apply to `p` now: checked when proposed and again
/// when enacted (payouts and time go on in between).
fn check(ctx: &CallContext<'_>, p: &Program, change: &TermsChange) -> Result<(), TxError> {
    if let Some(cap) = change.budget_cap {
        if cap.is_zero() || cap.get() > (1 << 53) {
            return Err(err(codes::INVALID_FIELD, "budget_cap is 1..=2^53"));
        }
        if cap < p.paid_total {
            return Err(err(
                codes::INVALID_FIELD,
                format!(
                    "budget_cap {} is below the {} already paid",
                    cap.get(),
                    p.paid_total.get()
                ),
            ));
        }
    }
    if let Some(end) = change.end_ms {
        if end <= p.start_ms || end <= ctx.env().time_ms {
            return Err(err(
                codes::INVALID_FIELD,
                "end_ms must be after the program's start and after now: what has passed stays as it was",
            ));
        }
    }
    if let Some(s) = change.schedule {
        let kind = crate::model::Schedule::kind(s.schedule());
        if kind != p.period_kind() {
            return Err(err(
                codes::INVALID_FIELD,
                format!(
                    "program '{}' pays by {} for its whole life: a schedule of another kind of period needs a new program",
                    p.id,
                    p.period_kind().form()
                ),
            ));
        }
    }
    Ok(())
}

/// Records an administrator's approval of the pending change of terms
/// (whose hash the caller matched), and enacts it at the threshold.
pub(crate) fn approve(
    ctx: &mut CallContext<'_>,
    p: &mut Program,
    me: AccountId,
    threshold: usize,
) -> Result<(), TxError> {
    let pending = p
        .pending_terms
        .as_mut()
        .expect("the caller matched its hash");
    if pending.approvals.contains(&me) {
        return Err(err(codes::ALREADY_APPROVED, "you already approved"));
    }
    pending.approvals.push(me);
    let n = pending.approvals.len();
    ctx.emit_event(&ProgramsEvent::AmendmentApproved {
        program: p.id.clone(),
        by: me,
        approvals: n,
        hash: pending.hash.clone(),
    });
    if n >= threshold {
        let pending = p.pending_terms.take().expect("checked above");
        check(ctx, p, &pending.change)?;
        enact(ctx, p, pending);
    }
    Ok(())
}

fn enact(ctx: &mut CallContext<'_>, p: &mut Program, pending: PendingTerms) {
    let before = p.terms();
    let was_exhausted = p.budget_exhausted;
    let change = &pending.change;
    if let Some(cap) = change.budget_cap {
        p.budget_cap = cap;
        // Room again: payouts resume (the next that would exceed the cap
        // stops them again).
        if cap > p.paid_total {
            p.budget_exhausted = false;
        }
    }
    if let Some(end) = change.end_ms {
        p.end_ms = end;
    }
    if let Some(s) = change.schedule {
        p.schedule = s.schedule();
    }
    let resumed = reschedule(ctx, p, was_exhausted);
    p.terms_amended = change.number;
    ctx.emit_event(&ProgramsEvent::TermsEnacted {
        program: p.id.clone(),
        number: change.number,
        hash: pending.hash.clone(),
        terms: p.terms(),
        resumed,
    });
    let record = TermsAmendment {
        change: pending.change.clone(),
        hash: pending.hash,
        proposed_by: pending.proposed_by,
        proposed_height: pending.proposed_height,
        approvals: pending.approvals,
        enacted_height: ctx.env().height,
        before,
        resumed,
    };
    ctx.write(amendment_key(&p.id, record.change.number), &record);
}

/// Puts the program's scheduled payouts in step with its new terms: off
/// without a schedule; back on, when they had stopped, with a schedule,
/// budget left and time before the end. Returns true when they restart.
///
/// They restart where they stopped when that is at most
/// [`ARREARS_PERIODS_MAX`] periods back, else that many periods back (the
/// rest needs payout overrides by a second official, as for any arrears);
/// a program that never had a schedule starts with the current period.
/// Enrolees already paid for a period are not paid again; the enrolee whose
/// payout found the budget spent is tried again.
fn reschedule(ctx: &mut CallContext<'_>, p: &Program, was_exhausted: bool) -> bool {
    let mut sched = schedules(ctx);
    if p.schedule.is_none() {
        if sched.remove(&p.id).is_some() {
            ctx.write(crate::model::SCHEDULES_KEY.to_vec(), &sched);
        }
        return false;
    }
    let now = ctx.env().time_ms;
    if sched.contains_key(&p.id) || p.budget_exhausted || now >= p.end_ms {
        return false;
    }
    let current = p.period_of(now.max(p.start_ms));
    let cursor = match ctx.read::<Cursor>(&cursor_key(&p.id)) {
        Some(c) if p.pays_by(&c.period) => {
            let floor = period::back(&current, ARREARS_PERIODS_MAX as u32);
            if period::between(&floor, &c.period) >= 0 {
                retry_last(ctx, p, c, was_exhausted)
            } else {
                Cursor {
                    period: floor,
                    next_seq: 0,
                }
            }
        }
        _ => Cursor {
            period: current,
            next_seq: 0,
        },
    };
    let due = period::start_ms(&cursor.period)
        .unwrap_or(0)
        .max(p.start_ms);
    ctx.write(cursor_key(&p.id), &cursor);
    sched.insert(p.id.clone(), due);
    ctx.write(crate::model::SCHEDULES_KEY.to_vec(), &sched);
    true
}

/// The cursor of a schedule stopped by its budget, moved back onto the
/// enrolee whose payout found the budget spent (the run moved past it),
/// when that enrolee is still unpaid for the period.
fn retry_last(ctx: &CallContext<'_>, p: &Program, mut c: Cursor, was_exhausted: bool) -> Cursor {
    if !was_exhausted || c.next_seq == 0 {
        return c;
    }
    let last: Option<AccountId> = ctx
        .get_json(&seq_key(&p.id, c.next_seq - 1))
        .and_then(|v| v["account"].as_str().and_then(|s| s.parse().ok()));
    if let Some(a) = last {
        if ctx.get_json(&paid_key(&p.id, &a, &c.period)).is_none() {
            c.next_seq -= 1;
        }
    }
    c
}
