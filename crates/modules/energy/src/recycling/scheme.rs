//! The scheme, its rate tables and collection points: the administrator
//! sets the scheme (currency, fund); a program
//! officer proposes a rate table (a CEL rule, the volunteer rate and
//! cap), administrators approve it by its hash up to the agency's policy
//! threshold and it is in force from then; the regulator licenses
//! collection points, whose keys attest citizens' deposits, each paid
//! from the fund by the table in force.

use super::codes::RecyclingRejection as R;
use super::events::RecyclingEvent as E;
use super::model::{
    fund_program, point_key, rates_key, reference_key, scheme_key, signer_key, valid_material,
    DailyCredit, Point, RateTable, Scheme, DEPOSIT_GRAMS_MAX, MATERIALS_MAX,
};
use publica_money::interface as money;
use publica_money::model::Owner;
use publica_programs::rules::{self, AttrValue, Inputs, Schema, Ty};
use publica_runtime::kit::{is_reference, reference_rule};
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A refusal of a malformed field.
pub fn bad(msg: impl Into<String>) -> TxError {
    R::InvalidField.err(msg)
}

/// Checks that `s` is an id (`what` names it in the message).
pub fn id(s: &str, what: &str) -> Result<(), TxError> {
    if crate::model::valid_id(s) {
        Ok(())
    } else {
        Err(bad(format!("{what} is 1..=64 of [a-z0-9_-]")))
    }
}

/// Checks that `s` is a reference.
pub fn reference(s: &str, what: &str) -> Result<(), TxError> {
    if is_reference(s) {
        Ok(())
    } else {
        Err(bad(reference_rule(what)))
    }
}

/// `agency`'s scheme.
pub fn scheme(ctx: &CallContext<'_>, agency: &str) -> Result<Scheme, TxError> {
    ctx.read(&scheme_key(agency)).ok_or_else(|| {
        R::NotConfigured.err(format!(
            "'{agency}' runs no recycling scheme (recycling.configure)"
        ))
    })
}

/// Marks `key` as the signer of one party of `agency`: a key signs for
/// one point, provider or organisation only.
pub fn claim_signer(
    ctx: &mut CallContext<'_>,
    agency: &str,
    key: &AccountId,
) -> Result<(), TxError> {
    let k = signer_key(agency, key);
    if ctx.contains(&k) {
        return Err(R::Exists.err("this key signs for another point, provider or organisation"));
    }
    ctx.write(k, &true);
    Ok(())
}

/// Records `reference` as used by `who`; refuses a second use.
pub fn once(ctx: &mut CallContext<'_>, agency: &str, who: &str, r: &str) -> Result<(), TxError> {
    reference(r, "reference")?;
    let k = reference_key(agency, who, r);
    if ctx.contains(&k) {
        return Err(R::Replay.err(format!("{who} used reference '{r}' already")));
    }
    ctx.write(k, &true);
    Ok(())
}

/// The citizen holding money account `id` in `currency`.
pub fn citizen_of(ctx: &CallContext<'_>, id: &str, currency: &str) -> Result<AccountId, TxError> {
    let a = money::account(ctx, id)?;
    match a.owner {
        Owner::Citizen { account } if a.currency == currency => Ok(account),
        _ => Err(R::NotCitizen.err(format!(
            "'{id}' is not a citizen's own account in {currency}"
        ))),
    }
}

/// `recycling.configure`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigureArgs {
    /// The agency (its administrator signs).
    pub agency: String,
    /// The local coin.
    pub currency: String,
    /// The account of program `civic-credits:<agency>` that pays.
    pub fund_account: String,
}

/// `recycling.configure`: settings may change; totals, tables, points
/// and requests stay.
pub fn configure(ctx: &mut CallContext<'_>, a: ConfigureArgs) -> Result<(), TxError> {
    money::program_account(
        ctx,
        &a.fund_account,
        &a.agency,
        &fund_program(&a.agency),
        &a.currency,
    )?;
    let mut s: Scheme = ctx.read(&scheme_key(&a.agency)).unwrap_or_default();
    s.agency.clone_from(&a.agency);
    s.currency = a.currency;
    s.fund_account = a.fund_account;
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::Configured { agency: a.agency });
    Ok(())
}

/// `recycling.propose_rates`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeArgs {
    /// The agency (a program officer signs).
    pub agency: String,
    /// The materials priced.
    pub materials: Vec<String>,
    /// The rule (CEL, an `int`).
    pub rule: String,
    /// Its parameters.
    #[serde(default)]
    pub params: BTreeMap<String, i64>,
    /// The most one deposit earns.
    pub max_credit: Amount,
    /// Volunteer reward per hour (minor units; 0 pays none).
    pub volunteer_rate_per_hour: Amount,
    /// Most volunteer rewards per person per calendar month.
    pub volunteer_cap_per_month: Amount,
}

/// What a rate rule may read.
pub fn rate_schema(params: &BTreeMap<String, i64>) -> Schema {
    let mut s = Schema::default();
    s.attributes.insert("material".into(), Ty::String);
    s.attributes.insert("grams".into(), Ty::Int);
    s.params = params.keys().cloned().collect();
    s
}

fn materials_ok(ms: &[String]) -> Result<(), TxError> {
    let mut seen = std::collections::BTreeSet::new();
    if ms.is_empty() || ms.len() > MATERIALS_MAX {
        return Err(bad(format!("materials are 1..={MATERIALS_MAX}")));
    }
    for m in ms {
        if !valid_material(m) || !seen.insert(m) {
            return Err(bad(format!(
                "material '{m}' is not 1..=32 of [a-z0-9_-], or listed twice"
            )));
        }
    }
    Ok(())
}

/// `recycling.propose_rates`: a new version, not in force until approved.
pub fn propose(ctx: &mut CallContext<'_>, a: ProposeArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    materials_ok(&a.materials)?;
    if a.params.len() > 32
        || a.params
            .keys()
            .any(|k| !crate::model::valid_id(k) || k.contains('-'))
        || a.params.values().any(|v| v.unsigned_abs() > 1 << 53)
    {
        return Err(bad(
            "params are at most 32 names of [a-z0-9_] with values within ±2^53",
        ));
    }
    if a.max_credit.is_zero() || a.max_credit.get() > 1_000_000_000 {
        return Err(bad("max_credit is 1..=1e9"));
    }
    if a.volunteer_rate_per_hour.get() > 1_000_000_000
        || a.volunteer_cap_per_month.get() > 1_000_000_000_000
    {
        return Err(bad(
            "volunteer_rate_per_hour is at most 1e9, volunteer_cap_per_month at most 1e12",
        ));
    }
    rules::check(&a.rule, Ty::Int, &rate_schema(&a.params))
        .map_err(|e| R::BadRule.err(format!("rule {e}")))?;
    s.rates_proposed += 1;
    let mut t = RateTable {
        version: s.rates_proposed,
        materials: a.materials,
        rule: a.rule,
        params: a.params,
        max_credit: a.max_credit,
        volunteer_rate_per_hour: a.volunteer_rate_per_hour,
        volunteer_cap_per_month: a.volunteer_cap_per_month,
        proposed_by: ctx.signer(),
        hash: String::new(),
        approvals: vec![],
        approved: None,
    };
    t.hash = table_hash(&t);
    ctx.write(rates_key(&a.agency, t.version), &t);
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::RatesProposed {
        agency: a.agency,
        version: t.version,
        hash: t.hash,
    });
    Ok(())
}

/// The hash of what a table's approvers review: its version, materials,
/// rule, parameters, cap per deposit, and volunteer rate and cap
/// (canonical JSON, SHA-256, hex).
pub fn table_hash(t: &RateTable) -> String {
    let v = serde_json::json!({"version": t.version, "materials": t.materials, "rule": t.rule,
        "params": t.params, "max_credit": t.max_credit,
        "volunteer_rate_per_hour": t.volunteer_rate_per_hour,
        "volunteer_cap_per_month": t.volunteer_cap_per_month});
    let bytes = publica_types::canonical::canonicalize(&v).expect("integers below 2^53");
    publica_crypto::sha256(&bytes).to_hex()
}

/// `recycling.approve_rates`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveArgs {
    /// The agency (an administrator signs).
    pub agency: String,
    /// The version.
    pub version: u64,
    /// The hash reviewed.
    pub hash: String,
}

/// `recycling.approve_rates`: one administrator's approval; the table is
/// in force from the block where as many administrators as the agency's
/// policy threshold have approved it.
pub fn approve(ctx: &mut CallContext<'_>, a: ApproveArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    let mut t: RateTable = ctx
        .read(&rates_key(&a.agency, a.version))
        .ok_or_else(|| R::Unknown.err(format!("'{}' has no rate table {}", a.agency, a.version)))?;
    if t.approved.is_some() || a.version <= s.rates_in_force || a.hash != t.hash {
        return Err(R::NotApprovable.err(format!(
            "rate table {} is approved already, not newer than {} in force, or its hash is {}",
            a.version, s.rates_in_force, t.hash
        )));
    }
    let me = ctx.signer();
    if t.approvals.contains(&me) {
        return Err(R::NotApprovable.err(format!(
            "you approved rate table {} already: another administrator must",
            a.version
        )));
    }
    t.approvals.push(me);
    let threshold = ctx.policy_threshold(&a.agency).max(1) as usize;
    let in_force = t.approvals.len() >= threshold;
    if in_force {
        t.approved = Some(super::model::Approval {
            by: me,
            at_ms: ctx.env().time_ms,
        });
        s.rates_in_force = a.version;
        ctx.write(scheme_key(&a.agency), &s);
    }
    ctx.write(rates_key(&a.agency, a.version), &t);
    ctx.emit_event(&E::RatesApproved {
        agency: a.agency,
        version: a.version,
        by: me,
        in_force,
    });
    Ok(())
}

/// `recycling.license_point`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseArgs {
    /// The agency (its regulator signs).
    pub agency: String,
    /// The point's id.
    pub id: String,
    /// The key that signs its attestations.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub key: AccountId,
    /// Where (a reference).
    pub location: String,
    /// Materials it takes.
    pub materials: Vec<String>,
    /// The most its deposits may earn in a UTC day (a stolen or faulty
    /// terminal pays at most this before the regulator revokes it).
    #[serde(default)]
    pub daily_credit_cap: Option<Amount>,
}

/// `recycling.license_point`.
pub fn license(ctx: &mut CallContext<'_>, a: LicenseArgs) -> Result<(), TxError> {
    scheme(ctx, &a.agency)?;
    id(&a.id, "a point id")?;
    reference(&a.location, "location")?;
    materials_ok(&a.materials)?;
    if ctx.contains(&point_key(&a.agency, &a.id)) {
        return Err(R::Exists.err(format!("'{}' has a point '{}' already", a.agency, a.id)));
    }
    claim_signer(ctx, &a.agency, &a.key)?;
    let p = Point {
        id: a.id.clone(),
        key: a.key,
        location: a.location,
        materials: a.materials,
        licensed: true,
        collected_g: BTreeMap::new(),
        picked_up_g: BTreeMap::new(),
        deposits: 0,
        credited: Amount::ZERO,
        daily: a.daily_credit_cap.map(|cap| DailyCredit {
            cap,
            day: 0,
            credited: Amount::ZERO,
        }),
    };
    if a.daily_credit_cap.is_some_and(Amount::is_zero) {
        return Err(bad(
            "daily_credit_cap is at least 1 (leave it out for none)",
        ));
    }
    ctx.write(point_key(&a.agency, &a.id), &p);
    ctx.emit_event(&E::PointLicensed {
        agency: a.agency,
        point: a.id,
    });
    Ok(())
}

/// The point `id`, checked to be licensed and signed for by its key.
pub fn signing_point(ctx: &CallContext<'_>, agency: &str, pid: &str) -> Result<Point, TxError> {
    id(pid, "a point id")?;
    let p: Point = ctx
        .read(&point_key(agency, pid))
        .ok_or_else(|| R::Unknown.err(format!("'{agency}' has no collection point '{pid}'")))?;
    if !p.licensed || p.key != ctx.signer() {
        return Err(R::Unlicensed.err(format!(
            "point '{pid}' is not licensed, or the signer is not its key"
        )));
    }
    Ok(p)
}

/// `recycling.deposit`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositArgs {
    /// The agency.
    pub agency: String,
    /// The point (its key signs).
    pub point: String,
    /// The citizen's money account credited.
    pub account: String,
    /// The material.
    pub material: String,
    /// Grams (1..=1,000,000).
    pub grams: u64,
    /// The point's reference for this deposit (used once).
    pub reference: String,
}

/// The credit rate table `t` gives a deposit (capped at its maximum).
pub fn credit(t: &RateTable, material: &str, grams: u64) -> Result<Amount, TxError> {
    let rule =
        rules::compiled(&t.rule).map_err(|_| R::RuleError.err("the rate rule does not parse"))?;
    let mut inputs = Inputs {
        params: t.params.clone(),
        ..Inputs::default()
    };
    inputs
        .attr
        .insert("material".into(), AttrValue::String(material.into()));
    inputs.attr.insert(
        "grams".into(),
        AttrValue::Int(i64::try_from(grams).unwrap_or(i64::MAX)),
    );
    let v = rules::eval_int(&rule.program, &inputs)
        .map_err(|e| R::RuleError.err(format!("rate table {}: {e}", t.version)))?;
    let v = u128::try_from(v).map_err(|_| {
        R::RuleError.err(format!(
            "rate table {} gave a negative credit ({v})",
            t.version
        ))
    })?;
    Ok(Amount::new(v.min(t.max_credit.get())))
}

/// Counts `credit` against the point's daily cap, if it has one, on the
/// UTC day of `now_ms`: refused (`recycling.over_cap`) when it would pass.
fn within_daily_cap(p: &mut Point, now_ms: u64, credit: Amount) -> Result<(), TxError> {
    let Some(d) = p.daily.as_mut() else {
        return Ok(());
    };
    let day = now_ms / 86_400_000;
    if d.day != day {
        d.day = day;
        d.credited = Amount::ZERO;
    }
    let after = d
        .credited
        .checked_add(credit)
        .ok_or_else(|| bad("credit overflow"))?;
    if after > d.cap {
        return Err(R::OverCap.err(format!(
            "point '{}' has paid {} of its daily cap of {} today; this deposit would earn {}",
            p.id, d.credited, d.cap, credit
        )));
    }
    d.credited = after;
    Ok(())
}

/// `recycling.deposit`: the point attests; the fund pays the table's
/// credit to the citizen's account in the same transaction.
pub fn deposit(ctx: &mut CallContext<'_>, a: DepositArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    let mut p = signing_point(ctx, &a.agency, &a.point)?;
    if !(1..=DEPOSIT_GRAMS_MAX).contains(&a.grams) {
        return Err(bad(format!("grams is 1..={DEPOSIT_GRAMS_MAX}")));
    }
    if s.rates_in_force == 0 {
        return Err(R::NoRates.err(format!("'{}' has no approved rate table", a.agency)));
    }
    let t: RateTable = ctx
        .read(&rates_key(&a.agency, s.rates_in_force))
        .ok_or_else(|| R::NoRates.err("the rate table in force is missing"))?;
    if !p.materials.contains(&a.material) || !t.materials.contains(&a.material) {
        return Err(R::Material.err(format!(
            "'{}' is not taken at point '{}' or not priced by rate table {}",
            a.material, a.point, t.version
        )));
    }
    let holder = citizen_of(ctx, &a.account, &s.currency)?;
    once(ctx, &a.agency, &format!("point:{}", a.point), &a.reference)?;
    let credit = credit(&t, &a.material, a.grams)?;
    within_daily_cap(&mut p, ctx.env().time_ms, credit)?;
    if !credit.is_zero() {
        money::pay_from_program(
            ctx,
            &a.agency,
            &fund_program(&a.agency),
            &s.fund_account,
            &a.account,
            credit,
            &a.reference,
        )?;
    }
    *p.collected_g.entry(a.material.clone()).or_default() += a.grams;
    p.deposits += 1;
    p.credited = p
        .credited
        .checked_add(credit)
        .ok_or_else(|| bad("credit overflow"))?;
    *s.deposited_g.entry(a.material.clone()).or_default() += a.grams;
    s.deposits += 1;
    s.deposit_credits = s
        .deposit_credits
        .checked_add(credit)
        .ok_or_else(|| bad("credit overflow"))?;
    ctx.write(point_key(&a.agency, &a.point), &p);
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::Deposited {
        agency: a.agency,
        point: a.point,
        account: a.account,
        holder,
        material: a.material,
        grams: a.grams,
        credit,
        version: t.version,
        reference: a.reference,
    });
    Ok(())
}
