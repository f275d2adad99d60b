//! Plans and policies.

use crate::codes::ClaimsRejection as R;
use crate::events::ClaimsEvent;
use crate::model::{
    date_days, plan_key, policy_key, valid_code, valid_id, Plan, Policy, TARIFF_MAX,
};
use publica_money::interface as money;
use publica_programs::rules::{self, Schema, Ty};
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Arguments of `claims.define_plan`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefineArgs {
    /// The insurer; the signer holds `program_officer` in it.
    pub agency: String,
    /// The plan's id.
    pub id: String,
    /// Its name (1..=200 bytes).
    pub name: String,
    /// Its currency.
    pub currency: String,
    /// The money account it pays from: owned by the plan
    /// (`{"kind": "program", "agency": <agency>, "program": "claims:<id>"}`).
    pub account: String,
    /// CEL `bool` over an item: `attr.code`, `attr.amount`,
    /// `attr.diagnosis`, `attr.provider`.
    pub cover: String,
    /// CEL `bool` over a claim: `attr.total`, `attr.items`,
    /// `attr.diagnosis`, `attr.provider`; true sends it to an adjudicator.
    #[serde(default)]
    pub refer: Option<String>,
    /// Procedure code → the most paid for it (1..=512 codes).
    pub tariff: BTreeMap<String, Amount>,
    /// The most paid per member per calendar year.
    pub annual_limit: Amount,
    /// The member's share, percent (0..=100).
    pub copay_pct: u8,
}

/// Arguments of `claims.enrol`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolArgs {
    /// The insurer.
    pub agency: String,
    /// The plan.
    pub plan: String,
    /// The member.
    pub member: AccountId,
    /// First day covered (`YYYY-MM-DD`).
    pub from: String,
    /// Last day covered.
    pub until: String,
}

/// The program name a plan's money account is owned under:
/// `claims:<plan id>`. Benefit programs' ids never hold a `:`, so no plan
/// can name, and pay from, a program's account.
#[must_use]
pub fn plan_owner(plan: &str) -> String {
    format!("claims:{plan}")
}

/// The variables of a plan's cover rule.
pub fn cover_schema() -> Schema {
    let mut s = Schema::default();
    for (name, ty) in [
        ("code", Ty::String),
        ("amount", Ty::Int),
        ("diagnosis", Ty::String),
        ("provider", Ty::String),
    ] {
        s.attributes.insert(name.to_string(), ty);
    }
    s
}

/// The variables of a plan's referral rule.
pub fn refer_schema() -> Schema {
    let mut s = Schema::default();
    for (name, ty) in [
        ("total", Ty::Int),
        ("items", Ty::Int),
        ("diagnosis", Ty::String),
        ("provider", Ty::String),
    ] {
        s.attributes.insert(name.to_string(), ty);
    }
    s
}

/// Amounts a rule reads are at most 2^53 minor units.
pub const RULE_AMOUNT_MAX: u128 = 1 << 53;

fn check_plan(a: &DefineArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(R::InvalidField.err("a plan id is 1..=64 of [a-z0-9_-]"));
    }
    if a.name.is_empty() || a.name.len() > 200 || a.name.chars().any(char::is_control) {
        return Err(R::InvalidField.err("name is 1..=200 bytes without control characters"));
    }
    if a.tariff.is_empty() || a.tariff.len() > TARIFF_MAX {
        return Err(R::InvalidField.err(format!("the tariff lists 1..={TARIFF_MAX} codes")));
    }
    if let Some((c, _)) = a
        .tariff
        .iter()
        .find(|(c, v)| !valid_code(c) || v.is_zero() || v.get() > RULE_AMOUNT_MAX)
    {
        return Err(R::InvalidField.err(format!(
            "tariff code '{c}': a code is 1..=16 of [A-Za-z0-9.-], its amount 1..=2^53"
        )));
    }
    if a.copay_pct > 100 {
        return Err(R::InvalidField.err("copay_pct is 0..=100"));
    }
    rules::check(&a.cover, Ty::Bool, &cover_schema())
        .map_err(|e| R::RuleInvalid.err(format!("cover: {e}")))?;
    if let Some(r) = &a.refer {
        rules::check(r, Ty::Bool, &refer_schema())
            .map_err(|e| R::RuleInvalid.err(format!("refer: {e}")))?;
    }
    Ok(())
}

/// `claims.define_plan`.
pub fn define(ctx: &mut CallContext<'_>, a: DefineArgs) -> Result<(), TxError> {
    check_plan(&a)?;
    if ctx.contains(&plan_key(&a.agency, &a.id)) {
        return Err(R::PlanExists.err(format!("'{}' has a plan '{}'", a.agency, a.id)));
    }
    money::program_account(ctx, &a.account, &a.agency, &plan_owner(&a.id), &a.currency)?;
    let plan = Plan {
        agency: a.agency.clone(),
        id: a.id.clone(),
        name: a.name,
        currency: a.currency,
        account: a.account,
        cover: a.cover,
        refer: a.refer,
        tariff: a.tariff,
        annual_limit: a.annual_limit,
        copay_pct: a.copay_pct,
        height: ctx.env().height,
    };
    ctx.write(plan_key(&a.agency, &a.id), &plan);
    ctx.emit_event(&ClaimsEvent::PlanDefined {
        agency: a.agency,
        plan: a.id,
    });
    Ok(())
}

/// The plan `id` of `agency`.
pub fn read_plan(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Plan, TxError> {
    ctx.read(&plan_key(agency, id))
        .ok_or_else(|| R::UnknownPlan.err(format!("'{agency}' has no plan '{id}'")))
}

/// `claims.enrol`: gives (or replaces) a member's policy.
pub fn enrol(ctx: &mut CallContext<'_>, a: EnrolArgs) -> Result<(), TxError> {
    read_plan(ctx, &a.agency, &a.plan)?;
    let (Some(from), Some(until)) = (date_days(&a.from), date_days(&a.until)) else {
        return Err(R::InvalidField.err("from and until are dates YYYY-MM-DD"));
    };
    if until < from || until - from > 10 * 366 {
        return Err(R::InvalidField.err("until is on or after from, within ten years"));
    }
    let policy = Policy {
        from: a.from,
        until: a.until,
    };
    ctx.write(policy_key(&a.agency, &a.plan, &a.member), &policy);
    ctx.emit_event(&ClaimsEvent::Enrolled {
        agency: a.agency,
        plan: a.plan,
        member: a.member,
    });
    Ok(())
}
