//! Volunteer work: a program officer registers organisations, each with
//! a budget of rewards; an organisation's key attests a person's minutes
//! of work; the fund pays the hourly rate of the rate table in force to
//! the person's account, never more than the table's cap per person and
//! month (counted per holder, across organisations and accounts) nor the
//! organisation's budget left. Revocation of any licence (point, provider,
//! organisation) is here too.

use super::codes::RecyclingRejection as R;
use super::events::RecyclingEvent as E;
use super::model::{
    fund_program, month_key, org_key, point_key, provider_key, scheme_key, Org, Point, Provider,
    MINUTES_MAX,
};
use super::scheme::{bad, citizen_of, claim_signer, id, once, reference, scheme};
use publica_money::interface as money;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// `recycling.register_org`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgArgs {
    /// The agency (a program officer signs).
    pub agency: String,
    /// The organisation's id.
    pub id: String,
    /// Its key (new organisations only; an existing one keeps its key).
    #[serde(default)]
    pub key: Option<AccountId>,
    /// Its budget of rewards (never below what it spent).
    pub budget: Amount,
}

/// `recycling.register_org`: registers an organisation, or sets the
/// budget of one registered (and reactivates it).
pub fn register(ctx: &mut CallContext<'_>, a: OrgArgs) -> Result<(), TxError> {
    scheme(ctx, &a.agency)?;
    id(&a.id, "an organisation id")?;
    if a.budget.get() > 1_000_000_000_000 {
        return Err(bad("budget is at most 1e12"));
    }
    let k = org_key(&a.agency, &a.id);
    let o = match (ctx.read::<Org>(&k), a.key) {
        (Some(_), Some(_)) => {
            return Err(R::Exists.err(format!(
                "'{}' has an organisation '{}' already: name no key to set its budget",
                a.agency, a.id
            )))
        }
        (Some(mut o), None) => {
            if a.budget < o.spent {
                return Err(bad(format!(
                    "the budget is below what '{}' spent ({})",
                    a.id, o.spent
                )));
            }
            o.budget = a.budget;
            o.active = true;
            o
        }
        (None, Some(key)) => {
            if !publica_crypto::is_public_key(key.0) {
                return Err(bad(format!(
                    "key {key} {}",
                    publica_crypto::key::WEAK_KEY_MESSAGE
                )));
            }
            claim_signer(ctx, &a.agency, &key)?;
            Org {
                id: a.id.clone(),
                key,
                active: true,
                budget: a.budget,
                spent: Amount::ZERO,
                minutes: 0,
            }
        }
        (None, None) => return Err(bad("a new organisation needs its key")),
    };
    ctx.write(k, &o);
    ctx.emit_event(&E::OrgRegistered {
        agency: a.agency,
        org: a.id,
        budget: a.budget,
    });
    Ok(())
}

/// `recycling.attest_volunteering`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestArgs {
    /// The agency.
    pub agency: String,
    /// The organisation (its key signs).
    pub org: String,
    /// The volunteer's money account (a citizen's own).
    pub account: String,
    /// Minutes of work (1..=1440).
    pub minutes: u64,
    /// The organisation's reference (a shift, an event; used once).
    pub reference: String,
}

/// What `minutes` earn at `rate` per hour, rounded down.
pub fn reward(rate: Amount, minutes: u64) -> Amount {
    Amount::new(rate.get() * u128::from(minutes) / 60)
}

/// `recycling.attest_volunteering`: pays the reward up to the person's
/// cap for the month and the organisation's budget.
pub fn attest(ctx: &mut CallContext<'_>, a: AttestArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    id(&a.org, "an organisation id")?;
    let mut o: Org = ctx
        .read(&org_key(&a.agency, &a.org))
        .ok_or_else(|| R::Unknown.err(format!("'{}' has no organisation '{}'", a.agency, a.org)))?;
    if !o.active || o.key != ctx.signer() {
        return Err(R::Unlicensed.err(format!(
            "organisation '{}' is not active, or the signer is not its key",
            a.org
        )));
    }
    if !(1..=MINUTES_MAX).contains(&a.minutes) {
        return Err(bad(format!("minutes is 1..={MINUTES_MAX}")));
    }
    let holder = citizen_of(ctx, &a.account, &s.currency)?;
    let t: super::model::RateTable = ctx
        .read(&super::model::rates_key(&a.agency, s.rates_in_force))
        .ok_or_else(|| R::NoRates.err(format!("'{}' has no approved rate table", a.agency)))?;
    once(ctx, &a.agency, &format!("org:{}", a.org), &a.reference)?;
    let month = publica_programs::period::of(ctx.env().time_ms);
    let mk = month_key(&a.agency, &holder, &month);
    let had: Amount = ctx.read(&mk).unwrap_or(Amount::ZERO);
    let room = t
        .volunteer_cap_per_month
        .checked_sub(had)
        .unwrap_or(Amount::ZERO);
    if room.is_zero() {
        return Err(R::OverCap.err(format!(
            "the holder of '{}' was paid the cap of {} in {month} already",
            a.account, t.volunteer_cap_per_month
        )));
    }
    let left = o.budget.checked_sub(o.spent).unwrap_or(Amount::ZERO);
    if left.is_zero() {
        return Err(
            R::BudgetExhausted.err(format!("'{}' has spent its budget of {}", a.org, o.budget))
        );
    }
    let full = reward(t.volunteer_rate_per_hour, a.minutes);
    let paid = full.min(room).min(left);
    if !paid.is_zero() {
        money::pay_from_program(
            ctx,
            &a.agency,
            &fund_program(&a.agency),
            &s.fund_account,
            &a.account,
            paid,
            &a.reference,
        )?;
    }
    let overflow = || bad("reward overflow");
    ctx.write(mk, &had.checked_add(paid).ok_or_else(overflow)?);
    o.spent = o.spent.checked_add(paid).ok_or_else(overflow)?;
    o.minutes += a.minutes;
    s.volunteer_minutes += a.minutes;
    s.volunteer_paid = s.volunteer_paid.checked_add(paid).ok_or_else(overflow)?;
    ctx.write(org_key(&a.agency, &a.org), &o);
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::Volunteered {
        agency: a.agency,
        org: a.org,
        account: a.account,
        holder,
        minutes: a.minutes,
        reward: full,
        paid,
        reference: a.reference,
    });
    Ok(())
}

/// `recycling.revoke`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeArgs {
    /// The agency (its regulator signs).
    pub agency: String,
    /// `point:<id>`, `provider:<id>` or `org:<id>`.
    pub who: String,
    /// Why (a reference: a decision's number).
    pub reason: String,
}

/// `recycling.revoke`: the party attests or reports no more; what it did
/// stays.
pub fn revoke(ctx: &mut CallContext<'_>, a: RevokeArgs) -> Result<(), TxError> {
    scheme(ctx, &a.agency)?;
    reference(&a.reason, "reason")?;
    let unknown = || R::Unknown.err(format!("'{}' has no '{}'", a.agency, a.who));
    match a.who.split_once(':') {
        Some(("point", pid)) => {
            id(pid, "a point id")?;
            let mut p: Point = ctx.read(&point_key(&a.agency, pid)).ok_or_else(unknown)?;
            p.licensed = false;
            ctx.write(point_key(&a.agency, pid), &p);
        }
        Some(("provider", pid)) => {
            id(pid, "a provider id")?;
            let mut p: Provider = ctx
                .read(&provider_key(&a.agency, pid))
                .ok_or_else(unknown)?;
            p.licensed = false;
            ctx.write(provider_key(&a.agency, pid), &p);
        }
        Some(("org", oid)) => {
            id(oid, "an organisation id")?;
            let mut o: Org = ctx.read(&org_key(&a.agency, oid)).ok_or_else(unknown)?;
            o.active = false;
            ctx.write(org_key(&a.agency, oid), &o);
        }
        _ => return Err(bad("who is point:<id>, provider:<id> or org:<id>")),
    }
    ctx.emit_event(&E::Revoked {
        agency: a.agency,
        who: a.who,
        reason: a.reason,
    });
    Ok(())
}
