//! Claims: submission judged by the plan's rules in the same transaction
//! (paid through money when approved), referrals decided by an
//! adjudicator, appeals decided by another.

use crate::codes::ClaimsRejection as R;
use crate::events::ClaimsEvent;
use crate::model::{
    claim_key, date_days, policy_key, service_key, stats_key, used_key, valid_code, valid_icd10,
    valid_id, Appeal, Claim, Item, Plan, Policy, Stats, Status, EVIDENCE_MAX, ITEMS_MAX,
};
use crate::plans::{read_plan, RULE_AMOUNT_MAX};
use publica_money::interface as money;
use publica_money::model::Owner;
use publica_programs::rules::{self, AttrValue, Inputs};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// One line of a submitted claim.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemArgs {
    /// The procedure code (from the plan's tariff).
    pub code: String,
    /// The amount claimed.
    pub amount: Amount,
}

/// Arguments of `claims.submit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitArgs {
    /// The provider agency; the signer holds `custodian` in it.
    pub provider: String,
    /// The claim's id (1..=64 of `[a-z0-9_-]`, unique per provider).
    pub id: String,
    /// The insurer.
    pub agency: String,
    /// The plan.
    pub plan: String,
    /// The member.
    pub member: AccountId,
    /// The service date (`YYYY-MM-DD`, not after the block's day).
    pub service_date: String,
    /// The ICD-10 diagnosis (`E11.9`).
    pub diagnosis: String,
    /// The lines (1..=32, each code once).
    pub items: Vec<ItemArgs>,
    /// Records (commitments, 64 hex) the insurer may read under the
    /// member's consent (0..=8).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The provider's money account to pay.
    pub payee: String,
}

/// Arguments of `claims.decide` and `claims.decide_appeal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideArgs {
    /// The insurer; the signer holds `adjudicator` in it.
    pub agency: String,
    /// The provider.
    pub provider: String,
    /// The claim.
    pub claim: String,
    /// Approve (pay, within the yearly limit) or deny.
    pub approve: bool,
    /// The decision's reference.
    pub reason: String,
}

/// Arguments of `claims.appeal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealArgs {
    /// The provider.
    pub provider: String,
    /// The claim.
    pub claim: String,
    /// The ground (a reference).
    pub ground: String,
}

/// Refuses `s` unless it is a reference, never free text
/// ([`publica_runtime::kit::is_reference`]).
fn reference(s: &str, what: &str) -> Result<(), TxError> {
    if publica_runtime::kit::is_reference(s) {
        Ok(())
    } else {
        Err(R::InvalidField.err(publica_runtime::kit::reference_rule(what)))
    }
}

fn int(a: Amount) -> AttrValue {
    AttrValue::Int(i64::try_from(a.get()).unwrap_or(i64::MAX))
}

fn check_submit(ctx: &CallContext<'_>, a: &SubmitArgs, plan: &Plan) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(R::InvalidField.err("a claim id is 1..=64 of [a-z0-9_-]"));
    }
    if !valid_icd10(&a.diagnosis) {
        return Err(R::InvalidField.err(format!(
            "'{}' is not an ICD-10 code (a letter, two digits, then .1-4 letters or digits)",
            a.diagnosis
        )));
    }
    let day = date_days(&a.service_date)
        .ok_or_else(|| R::InvalidField.err("service_date is a date YYYY-MM-DD"))?;
    let today = i64::try_from(ctx.env().time_ms / 86_400_000).unwrap_or(i64::MAX);
    if day > today {
        return Err(R::InvalidField.err("service_date is not after today"));
    }
    if a.items.is_empty() || a.items.len() > ITEMS_MAX {
        return Err(R::InvalidField.err(format!("a claim has 1..={ITEMS_MAX} items")));
    }
    if a.evidence.len() > EVIDENCE_MAX
        || a.evidence.iter().any(|e| {
            e.len() != 64
                || !e
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    {
        return Err(R::InvalidField.err(format!(
            "evidence lists 0..={EVIDENCE_MAX} record ids (64 lowercase hex)"
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for i in &a.items {
        if !valid_code(&i.code) || !seen.insert(i.code.as_str()) {
            return Err(R::InvalidField.err("item codes are 1..=16 of [A-Za-z0-9.-], each once"));
        }
        if !plan.tariff.contains_key(&i.code) {
            return Err(R::UnknownCode.err(format!(
                "'{}' is not in plan '{}''s tariff",
                i.code, plan.id
            )));
        }
        if i.amount.is_zero() || i.amount.get() > RULE_AMOUNT_MAX {
            return Err(R::InvalidField.err("an item's amount is 1..=2^53"));
        }
    }
    let policy: Policy = ctx
        .read(&policy_key(&plan.agency, &plan.id, &a.member))
        .ok_or_else(|| R::NoPolicy.err(format!("{} holds no policy of '{}'", a.member, plan.id)))?;
    let covered = date_days(&policy.from).is_some_and(|f| f <= day)
        && date_days(&policy.until).is_some_and(|u| day <= u);
    if !covered {
        return Err(R::NoPolicy.err(format!(
            "the policy runs {} to {}, not on {}",
            policy.from, policy.until, a.service_date
        )));
    }
    let payee = money::account(ctx, &a.payee)?;
    // The provider's own account (when it issues the currency), or a
    // merchant account of one of its treasurers (accredited by the
    // insurer, as providers are).
    let ours = match &payee.owner {
        Owner::Agency { agency } => *agency == a.provider,
        Owner::Merchant { account, .. } => ctx.has_role(&a.provider, account, Role::Treasurer),
        _ => false,
    };
    if !ours || payee.currency != plan.currency {
        return Err(R::BadPayee.err(format!(
            "'{}' is not an account of '{}' in {}",
            a.payee, a.provider, plan.currency
        )));
    }
    Ok(())
}

fn month_of(ms: u64) -> String {
    let (y, m, _) =
        publica_types::calendar::civil_from_days(i64::try_from(ms / 86_400_000).unwrap_or(0));
    format!("{y:04}-{m:02}")
}

fn bump(ctx: &mut CallContext<'_>, c: &Claim, f: impl FnOnce(&mut Stats)) {
    let key = stats_key(&c.agency, &c.plan, &month_of(c.submitted_ms));
    let mut s: Stats = ctx.read(&key).unwrap_or_default();
    f(&mut s);
    ctx.write(key, &s);
}

/// Judges each item by the cover rule; `Err(reason)` refers the claim.
fn cover(plan: &Plan, a: &SubmitArgs) -> Result<Vec<Item>, String> {
    let rule = rules::compiled(&plan.cover).map_err(|_| "rule_error".to_string())?;
    a.items
        .iter()
        .map(|i| {
            let allowed = i.amount.min(plan.tariff[&i.code]);
            let mut inputs = Inputs::default();
            inputs
                .attr
                .insert("code".into(), AttrValue::String(i.code.clone()));
            inputs.attr.insert("amount".into(), int(allowed));
            inputs
                .attr
                .insert("diagnosis".into(), AttrValue::String(a.diagnosis.clone()));
            inputs
                .attr
                .insert("provider".into(), AttrValue::String(a.provider.clone()));
            let covered =
                rules::eval_bool(&rule.program, &inputs).map_err(|_| "rule_error".to_string())?;
            Ok(Item {
                code: i.code.clone(),
                amount: i.amount,
                allowed,
                covered,
            })
        })
        .collect()
}

fn covered_total(items: &[Item]) -> Amount {
    Amount::checked_sum(items.iter().filter(|i| i.covered).map(|i| i.allowed))
        .unwrap_or(Amount::ZERO)
}

/// Whether the referral rule sends the claim to an adjudicator.
fn referred(plan: &Plan, c: &Claim) -> Result<bool, String> {
    let Some(src) = &plan.refer else {
        return Ok(false);
    };
    let rule = rules::compiled(src).map_err(|_| "rule_error".to_string())?;
    let mut inputs = Inputs::default();
    inputs
        .attr
        .insert("total".into(), int(covered_total(&c.items)));
    inputs.attr.insert(
        "items".into(),
        AttrValue::Int(i64::try_from(c.items.len()).unwrap_or(0)),
    );
    inputs
        .attr
        .insert("diagnosis".into(), AttrValue::String(c.diagnosis.clone()));
    inputs
        .attr
        .insert("provider".into(), AttrValue::String(c.provider.clone()));
    rules::eval_bool(&rule.program, &inputs).map_err(|_| "rule_error".to_string())
}

/// Pays what the covered items come to, less the co-payment, within the
/// member's yearly limit; or denies. Answers what was paid.
fn settle(ctx: &mut CallContext<'_>, plan: &Plan, c: &mut Claim) -> Result<Amount, TxError> {
    let total = covered_total(&c.items);
    if total.is_zero() {
        c.status = Status::Denied;
        c.reason = Some(R::NotCovered.code().to_string());
        return Ok(Amount::ZERO);
    }
    let copay = Amount::new(total.get() * u128::from(plan.copay_pct) / 100);
    let due = total.checked_sub(copay).unwrap_or(Amount::ZERO);
    let year = &c.service_date[..4];
    let used_at = used_key(&plan.agency, &plan.id, &c.member, year);
    let used: Amount = ctx.read(&used_at).unwrap_or(Amount::ZERO);
    let left = plan.annual_limit.checked_sub(used).unwrap_or(Amount::ZERO);
    if left.is_zero() && !due.is_zero() {
        c.status = Status::Denied;
        c.reason = Some(R::OverLimit.code().to_string());
        return Ok(Amount::ZERO);
    }
    let pay = due.min(left);
    c.status = Status::Approved;
    c.reason = (pay < due).then(|| "limit_reached".to_string());
    c.copay = copay;
    if !pay.is_zero() {
        let reference = format!("claim:{}/{}", c.provider, c.id);
        money::pay_from_program(
            ctx,
            &plan.agency,
            &crate::plans::plan_owner(&plan.id),
            &plan.account,
            &c.payee,
            pay,
            &reference,
        )?;
        let now_used = used.checked_add(pay).unwrap_or(plan.annual_limit);
        ctx.write(used_at, &now_used);
    }
    c.paid = c.paid.checked_add(pay).unwrap_or(c.paid);
    Ok(pay)
}

fn judged(ctx: &mut CallContext<'_>, c: &Claim, paid: Amount, by: &str) {
    ctx.emit_event(&ClaimsEvent::Judged {
        provider: c.provider.clone(),
        claim: c.id.clone(),
        agency: c.agency.clone(),
        plan: c.plan.clone(),
        member: c.member,
        status: c.status,
        reason: c.reason.clone(),
        paid,
        by: by.to_string(),
    });
}

/// `claims.submit`.
pub fn submit(ctx: &mut CallContext<'_>, a: SubmitArgs) -> Result<(), TxError> {
    let plan = read_plan(ctx, &a.agency, &a.plan)?;
    check_submit(ctx, &a, &plan)?;
    if ctx.contains(&claim_key(&a.provider, &a.id)) {
        return Err(R::Duplicate.err(format!("'{}' has a claim '{}'", a.provider, a.id)));
    }
    for i in &a.items {
        let key = service_key(&a.provider, &a.member, &a.service_date, &i.code);
        if let Some(other) = ctx.read::<String>(&key) {
            return Err(R::Duplicate.err(format!(
                "'{}' claimed {} for this member on {} in claim '{other}'",
                a.provider, i.code, a.service_date
            )));
        }
    }
    let rule = cover(&plan, &a);
    let mut c = Claim {
        provider: a.provider.clone(),
        id: a.id.clone(),
        agency: a.agency.clone(),
        plan: a.plan.clone(),
        member: a.member,
        service_date: a.service_date.clone(),
        diagnosis: a.diagnosis.clone(),
        items: rule.clone().unwrap_or_else(|_| {
            a.items
                .iter()
                .map(|i| Item {
                    code: i.code.clone(),
                    amount: i.amount,
                    allowed: i.amount.min(plan.tariff[&i.code]),
                    covered: false,
                })
                .collect()
        }),
        evidence: a.evidence.clone(),
        payee: a.payee.clone(),
        status: Status::Referred,
        reason: None,
        paid: Amount::ZERO,
        copay: Amount::ZERO,
        submitted_ms: ctx.env().time_ms,
        decided_by: None,
        appeal: None,
    };
    let paid = match rule.and_then(|_| referred(&plan, &c)) {
        Err(e) => {
            c.reason = Some(e);
            Amount::ZERO
        }
        Ok(true) => {
            c.reason = Some("referred_by_rule".into());
            Amount::ZERO
        }
        Ok(false) => settle(ctx, &plan, &mut c)?,
    };
    for i in &a.items {
        ctx.write(
            service_key(&a.provider, &a.member, &a.service_date, &i.code),
            &a.id,
        );
    }
    bump(ctx, &c, |s| {
        s.submitted += 1;
        match c.status {
            Status::Approved => s.approved += 1,
            Status::Denied => {
                s.denied += 1;
                *s.denied_by
                    .entry(c.reason.clone().unwrap_or_default())
                    .or_default() += 1;
            }
            Status::Referred | Status::Appealed => s.referred += 1,
        }
        s.paid = s.paid.checked_add(paid).unwrap_or(s.paid);
    });
    ctx.write(claim_key(&c.provider, &c.id), &c);
    judged(ctx, &c, paid, "rules");
    Ok(())
}

fn read_claim(ctx: &CallContext<'_>, provider: &str, id: &str) -> Result<Claim, TxError> {
    ctx.read(&claim_key(provider, id))
        .ok_or_else(|| R::UnknownClaim.err(format!("'{provider}' has no claim '{id}'")))
}

fn insurer_of(c: &Claim, agency: &str) -> Result<(), TxError> {
    if c.agency == agency {
        Ok(())
    } else {
        Err(R::WrongState.err(format!("the claim is for '{}', not '{agency}'", c.agency)))
    }
}

/// `claims.decide`: an adjudicator decides a referred claim.
pub fn decide(ctx: &mut CallContext<'_>, a: DecideArgs) -> Result<(), TxError> {
    reference(&a.reason, "reason")?;
    let mut c = read_claim(ctx, &a.provider, &a.claim)?;
    insurer_of(&c, &a.agency)?;
    if c.status != Status::Referred {
        return Err(R::WrongState.err("only a referred claim is decided"));
    }
    let plan = read_plan(ctx, &c.agency, &c.plan)?;
    c.decided_by = Some(ctx.signer());
    let paid = if a.approve {
        settle(ctx, &plan, &mut c)?
    } else {
        c.status = Status::Denied;
        c.reason = Some(a.reason.clone());
        Amount::ZERO
    };
    bump(ctx, &c, |s| {
        s.decided += 1;
        if c.status == Status::Denied {
            *s.denied_by
                .entry(c.reason.clone().unwrap_or_default())
                .or_default() += 1;
        }
        s.paid = s.paid.checked_add(paid).unwrap_or(s.paid);
    });
    ctx.write(claim_key(&c.provider, &c.id), &c);
    judged(ctx, &c, paid, "adjudicator");
    Ok(())
}

/// `claims.appeal`: the member, or an officer of the provider, appeals a
/// denied claim, once.
pub fn appeal(ctx: &mut CallContext<'_>, a: AppealArgs) -> Result<(), TxError> {
    reference(&a.ground, "ground")?;
    let mut c = read_claim(ctx, &a.provider, &a.claim)?;
    let me = ctx.signer();
    if me != c.member && !ctx.has_role(&c.provider, &me, Role::Custodian) {
        return Err(R::WrongState.err("only the member or the provider's officer appeals"));
    }
    if c.status != Status::Denied || c.appeal.is_some() {
        return Err(R::WrongState.err("only a denied claim is appealed, once"));
    }
    c.status = Status::Appealed;
    c.appeal = Some(Appeal {
        by: me,
        ground: a.ground,
        at_ms: ctx.env().time_ms,
        decided_by: None,
        upheld: None,
    });
    bump(ctx, &c, |s| s.appealed += 1);
    ctx.write(claim_key(&c.provider, &c.id), &c);
    ctx.emit_event(&ClaimsEvent::Appealed {
        provider: c.provider,
        claim: c.id,
        agency: c.agency,
    });
    Ok(())
}

/// `claims.decide_appeal`: an adjudicator other than the one who decided
/// the claim decides its appeal.
pub fn decide_appeal(ctx: &mut CallContext<'_>, a: DecideArgs) -> Result<(), TxError> {
    reference(&a.reason, "reason")?;
    let mut c = read_claim(ctx, &a.provider, &a.claim)?;
    insurer_of(&c, &a.agency)?;
    if c.status != Status::Appealed {
        return Err(R::WrongState.err("only an appealed claim's appeal is decided"));
    }
    let me = ctx.signer();
    if c.decided_by == Some(me) {
        return Err(
            R::SameReviewer.err("you decided this claim: another adjudicator decides its appeal")
        );
    }
    let plan = read_plan(ctx, &c.agency, &c.plan)?;
    let paid = if a.approve {
        for i in &mut c.items {
            // Overturned: the items the rules did not cover are paid too.
            i.covered = true;
        }
        settle(ctx, &plan, &mut c)?
    } else {
        c.status = Status::Denied;
        Amount::ZERO
    };
    if let Some(ap) = &mut c.appeal {
        ap.decided_by = Some(me);
        ap.upheld = Some(!a.approve);
    }
    let overturned = c.status == Status::Approved;
    bump(ctx, &c, |s| {
        if overturned {
            s.overturned += 1;
        }
        s.paid = s.paid.checked_add(paid).unwrap_or(s.paid);
    });
    ctx.write(claim_key(&c.provider, &c.id), &c);
    judged(ctx, &c, paid, "appeal");
    Ok(())
}
