//! An enrolment's life after enrolment: suspended (with a reason and a
//! review date) and resumed, exited for good (death, moving away, no
//! longer eligible on the attested facts as a re-check by the rule finds:
//! one official asks, a second confirms), and overpayments owed back —
//! recorded by an official, recovered by deductions from later payouts of
//! at most the program's `recovery_max_pct` of each, or written off by a
//! second official. Every step is a program officer's signed call with a
//! reason from a closed list (no personal data on the ledger).

use crate::codes;
use crate::events::ProgramsEvent;
use crate::model::{
    enrolment_key, paid_key, program_key, Debt, DebtEntry, Enrolment, ExitReason,
    OverpaymentReason, Program, RunEntry, Standing, SuspendReason, WriteOffReason,
    DEBT_ENTRIES_MAX, RECOVERY_MAX_PCT_DEFAULT,
};
use crate::module::{err, evaluate, inputs_for, own_program};
use crate::period;
use publica_runtime::CallContext;
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// Longest time to the review of a suspension: a year and a day.
pub const REVIEW_MS_MAX: u64 = 366 * 86_400_000;

/// Arguments naming one enrolee of a program (`resume`, `recheck`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnroleeRef {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
}

/// Arguments of `programs.recheck`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recheck {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// New proofs of the program's private conditions (one per condition,
    /// in order, hex), when the enrolee's commitments changed; without
    /// them the commitments proven before must still count.
    #[serde(default)]
    pub proofs: Vec<String>,
}

/// Arguments of `programs.suspend`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspend {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// Why.
    pub reason: SuspendReason,
    /// When the case is to be reviewed (block time, ms): ahead, within a
    /// year and a day.
    pub review_ms: u64,
}

/// Arguments of `programs.exit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exit {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// Why.
    pub reason: ExitReason,
}

/// Arguments of `programs.record_overpayment`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordOverpayment {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// How much was overpaid, in minor units: with the overpayments
    /// recorded before, never more than the enrolee was paid.
    pub amount: Amount,
    /// Why.
    pub reason: OverpaymentReason,
    /// The period overpaid, when one (a period the enrolee was paid for).
    #[serde(default)]
    pub period: Option<String>,
}

/// Arguments of `programs.write_off`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteOff {
    /// The running agency; the signer must be one of its program officers,
    /// and none who recorded an overpayment of this debt.
    pub agency: String,
    /// The program.
    pub program: String,
    /// The enrolee's account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// How much, in minor units (at most what is owed).
    pub amount: Amount,
    /// Why.
    pub reason: WriteOffReason,
}

/// Refuses a payout for `period` to an enrolment that is suspended, or
/// that exited before the period began.
pub(crate) fn check_standing(e: &Enrolment, period: &str) -> Result<(), TxError> {
    match &e.standing {
        None => Ok(()),
        Some(Standing::Suspended { review_ms, .. }) => Err(err(
            codes::ENROLEE_SUSPENDED,
            format!(
                "the enrolment is suspended (review by {}): an official resumes it first",
                period::timestamp(*review_ms)
            ),
        )),
        Some(Standing::ExitRequested { reason, .. }) => Err(err(
            codes::ENROLEE_SUSPENDED,
            format!(
                "an exit ({}) awaits a second official: no payouts until it is confirmed or resumed",
                serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            ),
        )),
        Some(Standing::Exited { since_ms, .. }) => {
            if exited_before(e, period::start_ms(period).unwrap_or(0)) {
                Err(err(
                    codes::ENROLEE_EXITED,
                    format!(
                        "the enrolment ended at {}, before period {period} began",
                        period::timestamp(*since_ms)
                    ),
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// True when `e` exited at or before `start_ms`.
pub(crate) fn exited_before(e: &Enrolment, start_ms: u64) -> bool {
    matches!(e.standing, Some(Standing::Exited { since_ms, .. }) if since_ms <= start_ms)
}

/// What of a `benefit` goes to recover the enrolee's debt: at most the
/// program's share of it, at most what is owed. Records the recovery.
pub(crate) fn recover(p: &mut Program, e: &mut Enrolment, benefit: u64) -> u64 {
    let Some(debt) = e.debt.as_mut() else {
        return 0;
    };
    let owed = u64::try_from(debt.outstanding().get()).unwrap_or(u64::MAX);
    let pct = u64::from(p.recovery_max_pct.unwrap_or(RECOVERY_MAX_PCT_DEFAULT));
    // benefit <= 2^53 and pct <= 100: the product fits.
    let most = benefit * pct / 100;
    let d = owed.min(most);
    if d > 0 {
        let d = Amount::new(d.into());
        debt.recovered = debt.recovered.checked_add(d).expect("within what is owed");
        p.debt_outstanding = p.debt_outstanding.checked_sub(d).unwrap_or(Amount::ZERO);
    }
    d
}

fn enrolment(
    ctx: &CallContext<'_>,
    p: &Program,
    account: &AccountId,
) -> Result<Enrolment, TxError> {
    ctx.read(&enrolment_key(&p.id, account)).ok_or_else(|| {
        err(
            codes::NOT_ENROLLED,
            format!("{} is not enrolled in '{}'", account.to_hex(), p.id),
        )
    })
}

fn save(ctx: &mut CallContext<'_>, p: &Program, e: &Enrolment) {
    ctx.write(enrolment_key(&p.id, &e.account), e);
    ctx.write(program_key(&p.id), p);
}

/// Suspends an active enrolment.
pub(crate) fn suspend(ctx: &mut CallContext<'_>, a: Suspend) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    if e.standing.is_some() {
        return Err(err(
            codes::WRONG_STANDING,
            "only an active enrolment is suspended",
        ));
    }
    let now = ctx.env().time_ms;
    if a.review_ms <= now || a.review_ms - now > REVIEW_MS_MAX {
        return Err(err(
            codes::INVALID_FIELD,
            "review_ms is ahead, within a year and a day",
        ));
    }
    e.standing = Some(Standing::Suspended {
        reason: a.reason,
        since_ms: now,
        review_ms: a.review_ms,
        by: ctx.signer(),
    });
    p.suspended += 1;
    ctx.emit_event(&ProgramsEvent::EnroleeSuspended {
        program: p.id.clone(),
        account: a.account,
        reason: a.reason,
        review_ms: a.review_ms,
    });
    save(ctx, &p, &e);
    Ok(())
}

/// Resumes a suspended enrolment, or one whose exit awaits confirmation
/// (cancelling it): payouts from now on (periods missed meanwhile only by
/// an official's payout, within the arrears window).
pub(crate) fn resume(ctx: &mut CallContext<'_>, a: EnroleeRef) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    let since_ms = match e.standing {
        Some(Standing::Suspended { since_ms, .. }) => {
            p.suspended = p.suspended.saturating_sub(1);
            since_ms
        }
        Some(Standing::ExitRequested { since_ms, .. }) => since_ms,
        _ => {
            return Err(err(
                codes::WRONG_STANDING,
                "only a suspended enrolment, or one whose exit awaits confirmation, is resumed",
            ))
        }
    };
    e.standing = None;
    ctx.emit_event(&ProgramsEvent::EnroleeResumed {
        program: p.id.clone(),
        account: a.account,
        suspended_ms: ctx.env().time_ms.saturating_sub(since_ms),
    });
    save(ctx, &p, &e);
    Ok(())
}

/// Ends an enrolment for good, by two officials: the first asks (payouts
/// stop), a second confirms with the same reason.
pub(crate) fn exit(ctx: &mut CallContext<'_>, a: Exit) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    let me = ctx.signer();
    match e.standing {
        Some(Standing::ExitRequested { reason, by, .. }) => {
            if by == me {
                return Err(err(
                    codes::ALREADY_APPROVED,
                    "you asked for this exit: a second official confirms it",
                ));
            }
            if reason != a.reason {
                return Err(err(
                    codes::INVALID_FIELD,
                    "the exit awaiting confirmation has another reason: resume it, then ask again",
                ));
            }
            end(ctx, &mut p, &mut e, a.reason)?;
        }
        Some(Standing::Exited { .. }) => {
            return Err(err(codes::WRONG_STANDING, "the enrolment already ended"))
        }
        Some(Standing::Suspended { .. }) | None => request_exit(ctx, &mut p, &mut e, a.reason),
    }
    save(ctx, &p, &e);
    Ok(())
}

/// Asks for the end of an active or suspended enrolment: payouts stop
/// until a second official confirms (`exit`) or one resumes it.
fn request_exit(ctx: &mut CallContext<'_>, p: &mut Program, e: &mut Enrolment, reason: ExitReason) {
    if matches!(e.standing, Some(Standing::Suspended { .. })) {
        p.suspended = p.suspended.saturating_sub(1);
    }
    e.standing = Some(Standing::ExitRequested {
        reason,
        since_ms: ctx.env().time_ms,
        by: ctx.signer(),
    });
    ctx.emit_event(&ProgramsEvent::ExitRequested {
        program: p.id.clone(),
        account: e.account,
        reason,
    });
}

fn end(
    ctx: &mut CallContext<'_>,
    p: &mut Program,
    e: &mut Enrolment,
    reason: ExitReason,
) -> Result<(), TxError> {
    match e.standing {
        Some(Standing::Exited { .. }) => {
            return Err(err(codes::WRONG_STANDING, "the enrolment already ended"))
        }
        Some(Standing::Suspended { .. }) => p.suspended = p.suspended.saturating_sub(1),
        Some(Standing::ExitRequested { .. }) | None => {}
    }
    e.standing = Some(Standing::Exited {
        reason,
        since_ms: ctx.env().time_ms,
        by: ctx.signer(),
    });
    p.exited += 1;
    ctx.emit_event(&ProgramsEvent::EnroleeExited {
        program: p.id.clone(),
        account: e.account,
        reason,
    });
    Ok(())
}

/// Re-checks the eligibility rule in force on the facts attested now (for
/// instance after an attester recorded a change): for an enrolee it no
/// longer holds for, an exit (`no_longer_eligible`) is asked — payouts stop
/// and a second official confirms it, as any exit; one it holds for stays,
/// and the call says so in its event. A rule that cannot be evaluated (a fact
/// missing) decides nothing: the call fails with its reason.
pub(crate) fn recheck(ctx: &mut CallContext<'_>, a: Recheck) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    match e.standing {
        Some(Standing::Exited { .. }) => {
            return Err(err(codes::WRONG_STANDING, "the enrolment already ended"))
        }
        Some(Standing::ExitRequested { .. }) => {
            return Err(err(
                codes::WRONG_STANDING,
                "an exit awaits a second official's confirmation",
            ))
        }
        _ => {}
    }
    let now = ctx.env().time_ms;
    let per = p.period_of(now.max(p.start_ms));
    let inputs = inputs_for(ctx, &p, &a.account, &per);
    let rv = p.rules_for(&per, ctx.env().height, now).clone();
    match evaluate(&rv, &inputs, false) {
        Ok(_) => {
            if !a.proofs.is_empty() {
                e.proven = crate::private::check_proofs(ctx, &p, &a.account, &a.proofs)?;
                save(ctx, &p, &e);
            } else if !crate::private::still_proven(ctx, &p, &e) {
                // A commitment proven on was revoked, expired or replaced.
                request_exit(ctx, &mut p, &mut e, ExitReason::NoLongerEligible);
                save(ctx, &p, &e);
                return Ok(());
            }
            ctx.emit_event(&ProgramsEvent::EligibilityConfirmed {
                program: p.id.clone(),
                account: a.account,
                version: rv.version,
            });
            Ok(())
        }
        Err((code, _)) if code == codes::NOT_ELIGIBLE => {
            request_exit(ctx, &mut p, &mut e, ExitReason::NoLongerEligible);
            save(ctx, &p, &e);
            Ok(())
        }
        Err((code, m)) => Err(err(&code, format!("eligibility cannot be decided: {m}"))),
    }
}

fn room_for_a_step(debt: &Debt) -> Result<(), TxError> {
    if debt.entries.len() >= DEBT_ENTRIES_MAX {
        return Err(err(
            codes::INVALID_FIELD,
            format!("at most {DEBT_ENTRIES_MAX} steps in one enrolee's debt"),
        ));
    }
    Ok(())
}

/// Records an overpayment the enrolee owes back.
pub(crate) fn record_overpayment(
    ctx: &mut CallContext<'_>,
    a: RecordOverpayment,
) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    if a.amount.is_zero() || a.amount.get() > (1 << 53) {
        return Err(err(codes::INVALID_FIELD, "amount is 1..=2^53 minor units"));
    }
    if let Some(per) = &a.period {
        if !e.paid_periods.contains(per) {
            return Err(err(
                codes::INVALID_FIELD,
                format!("the enrolee was not paid for period '{per}'"),
            ));
        }
    }
    // Never more than the enrolee was paid, overpayments recorded before
    // included.
    let paid = e
        .paid_periods
        .iter()
        .filter_map(|per| ctx.read::<RunEntry>(&paid_key(&p.id, &a.account, per)))
        .try_fold(Amount::ZERO, |sum, r| sum.checked_add(r.amount))
        .unwrap_or(Amount::ZERO);
    let mut debt = e.debt.take().unwrap_or_default();
    let recorded = debt
        .recorded
        .checked_add(a.amount)
        .unwrap_or(Amount::new(u128::MAX));
    if recorded > paid {
        return Err(err(
            codes::INVALID_FIELD,
            format!(
                "overpayments of {} in all are more than the {} paid to this enrolee",
                recorded.get(),
                paid.get()
            ),
        ));
    }
    room_for_a_step(&debt)?;
    debt.recorded = recorded;
    debt.entries.push(DebtEntry::Overpayment {
        amount: a.amount,
        reason: a.reason,
        period: a.period,
        by: ctx.signer(),
        height: ctx.env().height,
    });
    p.debt_outstanding = p
        .debt_outstanding
        .checked_add(a.amount)
        .unwrap_or(Amount::new(u128::MAX));
    ctx.emit_event(&ProgramsEvent::OverpaymentRecorded {
        program: p.id.clone(),
        account: a.account,
        amount: a.amount,
        reason: a.reason,
        outstanding: debt.outstanding(),
    });
    e.debt = Some(debt);
    save(ctx, &p, &e);
    Ok(())
}

/// Writes off part or all of what an enrolee owes: a second official,
/// never one who recorded an overpayment of this debt.
pub(crate) fn write_off(ctx: &mut CallContext<'_>, a: WriteOff) -> Result<(), TxError> {
    let mut p = own_program(ctx, &a.agency, &a.program)?;
    let mut e = enrolment(ctx, &p, &a.account)?;
    let me = ctx.signer();
    let mut debt: Debt = e.debt.take().unwrap_or_default();
    let owed = debt.outstanding();
    if a.amount.is_zero() || a.amount > owed {
        return Err(err(
            codes::INVALID_FIELD,
            format!("the enrolee owes {}: write off 1..={0}", owed.get()),
        ));
    }
    let recorded_by_me = debt
        .entries
        .iter()
        .any(|s| matches!(s, DebtEntry::Overpayment { by, .. } if *by == me));
    if recorded_by_me {
        return Err(err(
            codes::ALREADY_APPROVED,
            "you recorded an overpayment of this debt: a second official writes it off",
        ));
    }
    room_for_a_step(&debt)?;
    debt.written_off = debt
        .written_off
        .checked_add(a.amount)
        .expect("at most what is owed");
    debt.entries.push(DebtEntry::WriteOff {
        amount: a.amount,
        reason: a.reason,
        by: me,
        height: ctx.env().height,
    });
    p.debt_outstanding = p
        .debt_outstanding
        .checked_sub(a.amount)
        .unwrap_or(Amount::ZERO);
    ctx.emit_event(&ProgramsEvent::DebtWrittenOff {
        program: p.id.clone(),
        account: a.account,
        amount: a.amount,
        reason: a.reason,
        outstanding: debt.outstanding(),
    });
    e.debt = Some(debt);
    save(ctx, &p, &e);
    Ok(())
}
