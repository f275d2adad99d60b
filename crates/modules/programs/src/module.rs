//! The `programs` module's calls, payouts and scheduled runs.

use crate::codes;
use crate::events::ProgramsEvent;
use crate::model::{
    attestation_key, content_hash, cursor_key, enrolment_key, group_nullifier_key, index_key,
    index_ref, nullifier_key, override_key, paid_key, payout_override_key, period_key, periods_key,
    program_key, run_key, seq_key, valid_name, Attestation, Cursor, Enrolment, GroupUse, Index,
    IndexValue, NullifierUse, Override, OverrideReason, PayoutKind, PayoutOverride, PendingVersion,
    PeriodTotals, Program, ProgramEarmark, RuleVersion, RunEntry, Schedule, ARREARS_PERIODS_MAX,
    INDEX_HISTORY_MAX, LIST_MAX, PAYOUT_UNITS_BASE, PAYOUT_UNITS_MAX, PAYOUT_UNITS_MIN,
    SCHEDULED_UNITS_PER_BLOCK, SCHEDULES_KEY, VERSIONS_MAX, VERSION_STARTS_KEY,
};
use crate::nullifier;
use crate::period;
use crate::rules::{self, AttrValue, Inputs, Schema, Ty};
use publica_money::interface as money;
use publica_runtime::authz::Role;
use publica_runtime::index::{Field, Fields};
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_state::StateTree;
use publica_types::{AccountId, Amount, SignatureBytes, TxError};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Longest program name or override reason, in bytes.
pub const TEXT_BYTES_MAX: usize = 200;
/// Longest attested string, in bytes.
pub const ATTR_STRING_BYTES_MAX: usize = 64;
/// Most claims in one attestation.
pub const CLAIMS_MAX: usize = 16;

/// The `programs` module.
#[derive(Debug, Default)]
pub struct Programs;

pub(crate) fn err(code: &str, msg: impl Into<String>) -> TxError {
    TxError::new(code, msg)
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesArgs {
    /// CEL expression of type bool: who may enrol and be paid.
    pub eligibility: String,
    /// CEL expression of type int: the amount of one payout, in minor units.
    pub benefit: String,
    /// CEL expression of type bool an attestation must make true to
    /// release a payment; unconditional when absent.
    #[serde(default)]
    pub condition: Option<String>,
    /// Named integers (within ±2^53) the rules read as `params.<name>`.
    #[serde(default)]
    pub params: BTreeMap<String, i64>,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProgram {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// The program's id, 1..=40 of `[a-z0-9._-]`, unique on the ledger.
    pub id: String,
    /// Its display name, 1..=200 bytes without control characters.
    pub name: String,
    /// Code of the currency it pays in.
    pub currency: String,
    /// The money account it pays from, owned by this program in `currency`.
    pub funding_account: String,
    /// Most it may ever pay, in minor units (1..=2^53).
    pub budget_cap: Amount,
    /// Agencies whose attesters it trusts, in order of trust (1..=32).
    pub attesters: Vec<String>,
    /// Per attribute, the agencies trusted for it, in order of trust (a
    /// subset of `attesters`); an attribute not listed trusts all of them.
    #[serde(default)]
    pub attribute_attesters: BTreeMap<String, Vec<String>>,
    /// The agency whose officials sign nullifier tokens.
    pub registry: String,
    /// The group of mutually exclusive programs it joins, 1..=40 of
    /// `[a-z][a-z0-9_]*` (one enrolment per person in the group; the
    /// registry derives nullifiers for `group:<name>`).
    #[serde(default)]
    pub group: Option<String>,
    /// Thresholds on privately attested numbers (at most 4), proven in
    /// zero knowledge at enrolment.
    #[serde(default)]
    pub private_conditions: Vec<crate::private::PrivateCondition>,
    /// The attributes the rules may read as `attr.<name>`, with their
    /// types (at most 32).
    pub attributes: BTreeMap<String, Ty>,
    /// Published indexes the rules read, as `<agency>/<name>` (at most 32);
    /// the rules say `index.<name>`.
    #[serde(default)]
    pub indexes: Vec<String>,
    /// The first version of its rules.
    #[serde(flatten)]
    pub rules: RulesArgs,
    /// When the ledger pays by itself (`monthly`); without it, payouts
    /// are made on demand or released by attestations.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Where paid money may be spent, and until which height.
    #[serde(default)]
    pub earmark: Option<ProgramEarmark>,
    /// The most of one payout that recovers an overpayment, in percent
    /// (1..=100; 10 when absent).
    #[serde(default)]
    pub recovery_max_pct: Option<u8>,
    /// Block time (ms since the Unix epoch) from which enrolment and
    /// payouts are open.
    pub start_ms: u64,
    /// Block time (ms since the Unix epoch) from which they are closed;
    /// after `start_ms`.
    pub end_ms: u64,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendProgram {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// Id of the program amended.
    pub program: String,
    /// The future block height from which the new rules apply.
    pub from_height: u64,
    /// The new version's rules, in full.
    #[serde(flatten)]
    pub rules: RulesArgs,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approve {
    /// The running agency; the signer must be one of its administrators.
    pub agency: String,
    /// Id of the program whose definition or amendment is approved.
    pub program: String,
    /// The hash of what is approved: the program's `definition_hash` for
    /// its activation, the pending amendment's `hash` otherwise.
    pub hash: String,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attest {
    /// The attesting agency; the signer must be one of its attesters.
    pub agency: String,
    /// The enrolee's pseudonymous account key the claims are about.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub subject: AccountId,
    /// The facts attested, by attribute name (1..=16), holding only what
    /// rules need.
    pub claims: BTreeMap<String, AttrValue>,
    /// The period (`YYYY-MM`, begun) the claims are about; about no
    /// particular period when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// Block time (ms since the Unix epoch) from which the claims no
    /// longer count; they never expire when absent.
    #[serde(default)]
    pub expires_ms: Option<u64>,
    /// A program whose condition this attestation may satisfy.
    #[serde(default)]
    pub program: Option<String>,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeAttestation {
    /// The agency that made the attestation; the signer must be one of its
    /// attesters.
    pub agency: String,
    /// The account key the attestation is about.
    pub subject: AccountId,
    /// The attribute whose claim is revoked.
    pub name: String,
    /// The period the attestation was about; absent for one about no
    /// particular period.
    #[serde(default)]
    pub period: Option<String>,
    /// True to revoke the committed attestation of `name`
    /// (`attest_committed`) rather than a clear one.
    #[serde(default)]
    pub committed: bool,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    /// Id of the program enrolled in.
    pub program: String,
    /// The enrolee's pseudonymous account key.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub account: AccountId,
    /// The registry's per-program nullifier for this person, 64 lowercase
    /// hex characters.
    pub nullifier: String,
    /// The account key of the registry attester who signed the token.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub registry_signer: AccountId,
    /// The token: an Ed25519 signature, under the signer's current key,
    /// binding the nullifier to `account` (`nullifier::token_bytes`).
    pub registry_signature: SignatureBytes,
    /// Present when a caseworker (program officer of this agency) enrols
    /// someone.
    #[serde(default)]
    pub agency: Option<String>,
    /// The grievance whose decision ordered this enrolment, if one.
    #[serde(default)]
    pub case: Option<String>,
    /// One proof per private condition of the program, in order (hex).
    #[serde(default)]
    pub proofs: Vec<String>,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payout {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// Id of the program paying.
    pub program: String,
    /// The enrolee's account key.
    pub account: AccountId,
    /// The period paid, `YYYY-MM`.
    pub period: String,
    /// The amount the paying system expects (a G2P disburse instruction,
    /// say): when the benefit rule gives another, nothing is paid.
    #[serde(default)]
    pub expected_amount: Option<Amount>,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPayoutOverride {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// Id of the program that would pay.
    pub program: String,
    /// The enrolee's account key.
    pub account: AccountId,
    /// The period to pay, `YYYY-MM`.
    pub period: String,
    /// Why the ordinary rules are set aside, as a reportable code.
    pub reason: OverrideReason,
    /// The official's words, 1..=200 bytes without control characters (no
    /// personal data).
    pub note: String,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovePayoutOverride {
    /// The running agency; the signer must be another of its program
    /// officers than the requester.
    pub agency: String,
    /// Id of the program that pays.
    pub program: String,
    /// The enrolee's account key.
    pub account: AccountId,
    /// The period paid, `YYYY-MM`.
    pub period: String,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideArgs {
    /// The running agency; the signer must be one of its program officers.
    pub agency: String,
    /// Id of the program.
    pub program: String,
    /// The used nullifier one more enrolment is asked for under.
    pub nullifier: String,
    /// Why, 1..=200 bytes without control characters; required by
    /// `request_override`, not read by `approve_override`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIndex {
    /// The agency whose index it is; the signer must be one of its
    /// administrators.
    pub agency: String,
    /// The index's name, `[a-z][a-z0-9_]*`, unique within the agency.
    pub name: String,
    /// How many of the agency's current oracles must vote the same value
    /// to publish it (1..=32).
    pub threshold: u32,
}

/// Arguments of a `programs` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishIndex {
    /// The agency whose index it is; the signer must be one of its oracles.
    pub agency: String,
    /// The index's name within the agency.
    pub name: String,
    /// The period (`YYYY-MM`, begun) the value measures.
    pub period: String,
    /// The value voted, 1..=2^40, in the index's own fixed-point scale
    /// (rules divide by it: 1032 is 103.2 % where the base is 1000).
    pub value: i64,
}

pub(crate) fn program(ctx: &CallContext<'_>, id: &str) -> Result<Program, TxError> {
    ctx.read(&program_key(id))
        .ok_or_else(|| err(codes::UNKNOWN_PROGRAM, format!("no program '{id}'")))
}

pub(crate) fn own_program(
    ctx: &CallContext<'_>,
    agency: &str,
    id: &str,
) -> Result<Program, TxError> {
    let p = program(ctx, id)?;
    if p.agency != agency {
        return Err(err(
            codes::NOT_ALLOWED,
            format!("program '{id}' is run by '{}', not '{agency}'", p.agency),
        ));
    }
    Ok(p)
}

pub(crate) fn check_text(what: &str, s: &str) -> Result<(), TxError> {
    if s.is_empty() || s.len() > TEXT_BYTES_MAX || s.chars().any(char::is_control) {
        return Err(err(
            codes::INVALID_FIELD,
            format!("{what} is 1..={TEXT_BYTES_MAX} bytes without control characters"),
        ));
    }
    Ok(())
}

fn check_value(v: &AttrValue) -> Result<(), TxError> {
    match v {
        AttrValue::Int(i) if i.unsigned_abs() > (1 << 53) => Err(err(
            codes::INVALID_FIELD,
            "attested integers are within ±2^53",
        )),
        AttrValue::String(s)
            if s.len() > ATTR_STRING_BYTES_MAX || s.chars().any(char::is_control) =>
        {
            Err(err(
                codes::INVALID_FIELD,
                format!("attested strings are at most {ATTR_STRING_BYTES_MAX} bytes"),
            ))
        }
        _ => Ok(()),
    }
}

/// The rule-checking schema of a program.
pub fn schema(p: &Program, params: &BTreeMap<String, i64>) -> Schema {
    Schema {
        attributes: p.attributes.clone(),
        params: params.keys().cloned().collect(),
        indexes: p
            .indexes
            .iter()
            .filter_map(|r| index_ref(r).map(|(_, name)| name.to_string()))
            .collect(),
    }
}

fn rule_err(which: &str, e: rules::RuleError) -> TxError {
    err(
        codes::INVALID_RULE,
        format!(
            "{which} rule, line {}, column {}: {}",
            e.line, e.column, e.message
        ),
    )
}

/// Checks a version's rules against a program's declarations.
pub fn check_rules(p: &Program, r: &RuleVersion) -> Result<(), TxError> {
    if r.params.len() > LIST_MAX || !r.params.keys().all(|k| valid_name(k)) {
        return Err(err(
            codes::INVALID_FIELD,
            format!("at most {LIST_MAX} parameters named [a-z][a-z0-9_]*"),
        ));
    }
    if r.params.values().any(|v| v.unsigned_abs() > (1 << 53)) {
        return Err(err(codes::INVALID_FIELD, "parameters are within ±2^53"));
    }
    let s = schema(p, &r.params);
    rules::check(&r.eligibility, Ty::Bool, &s).map_err(|e| rule_err("eligibility", e))?;
    rules::check(&r.benefit, Ty::Int, &s).map_err(|e| rule_err("benefit", e))?;
    if let Some(c) = &r.condition {
        rules::check(c, Ty::Bool, &s).map_err(|e| rule_err("condition", e))?;
    }
    Ok(())
}

/// The enrolee's attributes that count for `p` in `period` at block time
/// `now_ms`: attested by an agency the program trusts for that attribute
/// (by a current attester), not revoked or expired, of the declared type.
/// An attestation for the period wins over one without; among trusted
/// agencies, the first in the program's order of trust.
pub fn attributes(
    get: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    has_attester_role: &dyn Fn(&str, &AccountId) -> bool,
    p: &Program,
    subject: &AccountId,
    period: &str,
    now_ms: u64,
) -> BTreeMap<String, AttrValue> {
    let mut out = BTreeMap::new();
    for (name, ty) in &p.attributes {
        let trusted = p.trusted_for(name);
        let keys = [Some(period), None].into_iter().flat_map(|per| {
            trusted
                .iter()
                .map(move |agency| attestation_key(subject, name, agency, per))
        });
        for key in keys {
            let Some(a) = get(&key).and_then(|b| serde_json::from_slice::<Attestation>(&b).ok())
            else {
                continue;
            };
            let valid = !a.revoked
                && a.expires_ms.is_none_or(|e| e > now_ms)
                && has_attester_role(&a.agency, &a.attester)
                && a.value.ty() == *ty;
            if valid {
                out.insert(name.clone(), a.value);
                break;
            }
        }
    }
    out
}

/// Index values in force for `period`.
pub fn index_values(
    get: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    p: &Program,
    period: &str,
) -> BTreeMap<String, i64> {
    p.indexes
        .iter()
        .filter_map(|r| {
            let (agency, name) = index_ref(r)?;
            let idx: Index = serde_json::from_slice(&get(&index_key(agency, name))?).ok()?;
            Some((name.to_string(), idx.value_for(period)?))
        })
        .collect()
}

/// What the rules in force give for one enrolee: `Ok(amount)` or the
/// code and message of why nothing is due.
pub fn evaluate(
    rules_in_force: &RuleVersion,
    inputs: &Inputs,
    need_condition: bool,
) -> Result<u64, (String, String)> {
    let fail = |code: &str, m: String| (code.to_string(), m);
    let compile =
        |src: &str| rules::compiled(src).map_err(|e| fail(codes::RULE_ERROR, e.to_string()));
    let eligible = rules::eval_bool(&compile(&rules_in_force.eligibility)?.program, inputs)
        .map_err(|m| fail(codes::RULE_ERROR, format!("eligibility: {m}")))?;
    if !eligible {
        return Err(fail(
            codes::NOT_ELIGIBLE,
            "the eligibility rule is false".into(),
        ));
    }
    if need_condition {
        if let Some(c) = &rules_in_force.condition {
            // A condition not shown true (say, no attestation yet) is
            // not met.
            let met = rules::eval_bool(&compile(c)?.program, inputs).map_err(|m| {
                fail(
                    codes::CONDITION_NOT_MET,
                    format!("the condition cannot be shown: {m}"),
                )
            })?;
            if !met {
                return Err(fail(
                    codes::CONDITION_NOT_MET,
                    "the condition is not met".into(),
                ));
            }
        }
    }
    let amount = rules::eval_int(&compile(&rules_in_force.benefit)?.program, inputs)
        .map_err(|m| fail(codes::RULE_ERROR, format!("benefit: {m}")))?;
    if amount <= 0 {
        return Err(fail(
            codes::ZERO_BENEFIT,
            format!("the benefit rule gave {amount}"),
        ));
    }
    Ok(amount as u64)
}

/// [`evaluate`], and an amount above the program's whole budget is a rule
/// error (not the budget's end: one absurd amount must not stop the
/// program for everyone).
pub fn benefit_due(
    p: &Program,
    rules_in_force: &RuleVersion,
    inputs: &Inputs,
    need_condition: bool,
) -> Result<u64, (String, String)> {
    let amount = evaluate(rules_in_force, inputs, need_condition)?;
    if Amount::new(amount.into()) > p.budget_cap {
        return Err((
            codes::RULE_ERROR.to_string(),
            format!(
                "the benefit rule gave {amount}, more than the whole budget ({})",
                p.budget_cap
            ),
        ));
    }
    Ok(amount)
}

pub(crate) fn inputs_for(
    ctx: &CallContext<'_>,
    p: &Program,
    subject: &AccountId,
    period: &str,
) -> Inputs {
    let rv = p.rules_for(period, ctx.env().height, ctx.env().time_ms);
    let get = |k: &[u8]| ctx.get(k);
    let role = |agency: &str, who: &AccountId| ctx.has_role(agency, who, Role::Attester);
    Inputs {
        attr: attributes(&get, &role, p, subject, period, ctx.env().time_ms),
        params: rv.params.clone(),
        index: index_values(&get, p, period),
        period: period.to_string(),
    }
}

fn open_window(ctx: &CallContext<'_>, p: &Program) -> Result<(), TxError> {
    if !p.active {
        return Err(err(
            codes::INACTIVE,
            format!("program '{}' is not approved yet", p.id),
        ));
    }
    let now = ctx.env().time_ms;
    if now < p.start_ms || now >= p.end_ms {
        return Err(err(
            codes::PROGRAM_ENDED,
            format!(
                "program '{}' is open from {} to {} (ms)",
                p.id, p.start_ms, p.end_ms
            ),
        ));
    }
    Ok(())
}

/// Whether `per` may be paid to enrolment `e` now: the period has begun,
/// overlaps the program's dates, is not before the enrolment's period and,
/// for one official's payouts and releases, is at most
/// [`ARREARS_PERIODS_MAX`] periods back (the schedule catches up by itself;
/// an override approved by a second official may go further back).
pub fn check_payable(
    p: &Program,
    e: &Enrolment,
    per: &str,
    now_ms: u64,
    kind: PayoutKind,
) -> Result<(), TxError> {
    if !p.pays_by(per) {
        return Err(err(codes::INVALID_PERIOD, p.period_form()));
    }
    let start = period::start_ms(per).expect("a period of the program's kind");
    let refuse = |m: String| Err(err(codes::PERIOD_NOT_PAYABLE, m));
    if start > now_ms {
        return refuse(format!("period {per} has not begun"));
    }
    if period::end_ms(per) <= p.start_ms || start >= p.end_ms {
        return refuse(format!(
            "period {per} lies outside the dates of program '{}'",
            p.id
        ));
    }
    let enrolled = p.period_of(e.time_ms);
    if start < period::start_ms(&enrolled).expect("a valid period") {
        return refuse(format!("period {per} is before the enrolment ({enrolled})"));
    }
    if matches!(kind, PayoutKind::OnDemand | PayoutKind::Conditional) {
        let back = period::between(per, &p.period_of(now_ms));
        if back > ARREARS_PERIODS_MAX {
            return refuse(format!(
                "period {per} is {back} periods back: arrears beyond {ARREARS_PERIODS_MAX} need a payout override approved by a second official"
            ));
        }
    }
    Ok(())
}

/// Pays `subject` for `period` under the rules in force: once per period,
/// never beyond the budget. Writes nothing on `Err` only when run inside
/// [`CallContext::attempt`] (callers that record failures do).
fn pay(
    ctx: &mut CallContext<'_>,
    p: &mut Program,
    subject: &AccountId,
    period: &str,
    kind: PayoutKind,
    expected: Option<u64>,
    override_reason: Option<OverrideReason>,
) -> Result<u64, TxError> {
    let mut e: Enrolment = ctx.read(&enrolment_key(&p.id, subject)).ok_or_else(|| {
        err(
            codes::NOT_ENROLLED,
            format!("{} is not enrolled in '{}'", subject.to_hex(), p.id),
        )
    })?;
    if ctx.contains(&paid_key(&p.id, subject, period)) {
        return Err(err(
            codes::ALREADY_PAID,
            format!("already paid for {period}"),
        ));
    }
    check_payable(p, &e, period, ctx.env().time_ms, kind)?;
    crate::lifecycle::check_standing(&e, period)?;
    if p.budget_exhausted {
        return Err(err(
            codes::BUDGET_EXCEEDED,
            format!("program '{}' has exhausted its budget", p.id),
        ));
    }
    let inputs = inputs_for(ctx, p, subject, period);
    let rv = p
        .rules_for(period, ctx.env().height, ctx.env().time_ms)
        .clone();
    let amount = benefit_due(p, &rv, &inputs, kind != PayoutKind::Override)
        .map_err(|(code, m)| err(&code, m))?;
    if let Some(want) = expected.filter(|w| *w != amount) {
        return Err(err(
            codes::AMOUNT_MISMATCH,
            format!("the benefit rule gives {amount}, not the expected {want}"),
        ));
    }
    // An overpayment owed is recovered from the benefit: what is paid is
    // the rest.
    let recovered = crate::lifecycle::recover(p, &mut e, amount);
    let benefit = amount;
    let amount = benefit - recovered;
    if amount > p.remaining() {
        return Err(err(
            codes::BUDGET_EXCEEDED,
            format!(
                "paying {amount} would exceed the budget ({} left)",
                p.remaining()
            ),
        ));
    }
    let reference = format!("{}/{period}", p.id);
    if amount > 0 {
        money::pay_from_program(
            ctx,
            &p.agency,
            &p.id,
            &p.funding_account,
            &e.benefit_account,
            Amount::new(amount.into()),
            &reference,
        )?;
    }
    // Within the remaining budget (checked above), so the sum fits.
    p.paid_total = p
        .paid_total
        .checked_add(Amount::new(amount.into()))
        .ok_or_else(|| err(codes::BUDGET_EXCEEDED, "the paid total overflows"))?;
    e.paid_periods.push(period.to_string());
    ctx.write(enrolment_key(&p.id, subject), &e);
    let entry = RunEntry {
        account: *subject,
        period: period.to_string(),
        amount: Amount::new(amount.into()),
        status: "paid".into(),
        code: None,
        message: None,
        version: rv.version,
        kind,
        height: ctx.env().height,
        tx_id: ctx.tx_id().map(|t| t.to_hex()),
        override_reason,
        recovered: Amount::new(recovered.into()),
    };
    ctx.write(paid_key(&p.id, subject, period), &entry);
    record_entry(ctx, &p.id, &entry);
    ctx.emit_event(&ProgramsEvent::Payout {
        program: p.id.clone(),
        account: *subject,
        period: period.to_string(),
        amount,
        version: rv.version,
        kind,
        override_reason,
        recovered,
    });
    Ok(amount)
}

fn record_entry(ctx: &mut CallContext<'_>, program: &str, entry: &RunEntry) {
    let key = period_key(program, &entry.period);
    let mut t: PeriodTotals = ctx.read(&key).unwrap_or_default();
    if t.entries == 0 {
        let pk = periods_key(program);
        let mut periods: Vec<String> = ctx.read(&pk).unwrap_or_default();
        periods.push(entry.period.clone());
        periods.sort();
        ctx.write(pk, &periods);
    }
    ctx.write(run_key(program, &entry.period, t.entries), entry);
    t.entries += 1;
    if entry.status == "paid" {
        t.paid_count += 1;
        // Every paid entry also counts in the program's paid total, which
        // stays within its budget (at most 2^53): the sum cannot overflow.
        t.paid_amount = t
            .paid_amount
            .checked_add(entry.amount)
            .expect("a run's total is bounded by the budget");
    } else {
        t.failed_count += 1;
    }
    ctx.write(key, &t);
}

/// Records a failed payout in the period's run (after its writes were
/// undone); a budget failure stops the program's payouts.
fn record_failure(
    ctx: &mut CallContext<'_>,
    p: &mut Program,
    subject: &AccountId,
    period: &str,
    kind: PayoutKind,
    e: &TxError,
) {
    if e.code == codes::ALREADY_PAID || e.code == codes::NOT_ENROLLED {
        return;
    }
    let version = p
        .rules_for(period, ctx.env().height, ctx.env().time_ms)
        .version;
    let entry = RunEntry {
        account: *subject,
        period: period.to_string(),
        amount: Amount::ZERO,
        status: "failed".into(),
        code: Some(e.code.clone()),
        message: Some(e.message.clone()),
        version,
        kind,
        height: ctx.env().height,
        tx_id: ctx.tx_id().map(|t| t.to_hex()),
        override_reason: None,
        recovered: Amount::ZERO,
    };
    record_entry(ctx, &p.id, &entry);
    ctx.emit_event(&ProgramsEvent::PayoutFailed {
        program: p.id.clone(),
        account: *subject,
        period: period.to_string(),
        code: e.code.clone(),
        message: e.message.clone(),
    });
    if e.code == codes::BUDGET_EXCEEDED && !p.budget_exhausted {
        p.budget_exhausted = true;
        ctx.emit_event(&ProgramsEvent::BudgetExhausted {
            program: p.id.clone(),
            period: period.to_string(),
            paid_total: p.paid_total,
            budget_cap: p.budget_cap,
        });
    }
}

/// Records one official's request to pay `account` for `period` outside
/// the ordinary rules; a second official approves (and pays) it. A
/// grievance's decision makes one naming its `case`.
pub(crate) fn request_override(
    ctx: &mut CallContext<'_>,
    p: &Program,
    account: &AccountId,
    per: &str,
    reason: OverrideReason,
    note: String,
    case: Option<String>,
) -> Result<(), TxError> {
    check_text("the note", &note)?;
    if !p.pays_by(per) {
        return Err(err(codes::INVALID_PERIOD, p.period_form()));
    }
    let e: Enrolment = ctx.read(&enrolment_key(&p.id, account)).ok_or_else(|| {
        err(
            codes::NOT_ENROLLED,
            format!("{} is not enrolled in '{}'", account.to_hex(), p.id),
        )
    })?;
    if ctx.contains(&paid_key(&p.id, account, per)) {
        return Err(err(codes::ALREADY_PAID, format!("already paid for {per}")));
    }
    check_payable(p, &e, per, ctx.env().time_ms, PayoutKind::Override)?;
    let key = payout_override_key(&p.id, account, per);
    if ctx.contains(&key) {
        return Err(err(
            codes::ALREADY_APPROVED,
            "an override for this enrolee and period was already requested",
        ));
    }
    let o = PayoutOverride {
        reason,
        note,
        requested_by: ctx.signer(),
        height: ctx.env().height,
        approved_by: None,
        case,
    };
    ctx.emit_event(&ProgramsEvent::PayoutOverrideRequested {
        program: p.id.clone(),
        account: *account,
        period: per.to_string(),
        reason: o.reason,
        note: o.note.clone(),
        by: o.requested_by,
    });
    ctx.write(key, &o);
    Ok(())
}

pub(crate) fn schedules(ctx: &CallContext<'_>) -> BTreeMap<String, u64> {
    ctx.read(SCHEDULES_KEY).unwrap_or_default()
}

fn activate(ctx: &mut CallContext<'_>, p: &mut Program) {
    p.active = true;
    ctx.emit_event(&ProgramsEvent::ProgramActivated {
        program: p.id.clone(),
    });
    if p.schedule.is_some() {
        // Never periods before the activation: a program approved late
        // pays from the period it is approved in.
        let first = p.period_of(p.start_ms.max(ctx.env().time_ms));
        let due = period::start_ms(&first).unwrap_or(0).max(p.start_ms);
        ctx.write(
            cursor_key(&p.id),
            &Cursor {
                period: first,
                next_seq: 0,
            },
        );
        let mut s = schedules(ctx);
        s.insert(p.id.clone(), due);
        ctx.write(SCHEDULES_KEY.to_vec(), &s);
    }
}

impl Programs {
    fn create(ctx: &mut CallContext<'_>, a: CreateProgram) -> Result<(), TxError> {
        Self::check_new_program(ctx, &a)?;
        Self::check_index_refs(&a.indexes)?;
        Self::check_program_links(ctx, &a)?;
        if let Some(e) = &a.earmark {
            if e.categories.is_empty() || e.categories.len() > LIST_MAX {
                return Err(err(
                    codes::INVALID_FIELD,
                    "an earmark lists at least one merchant category",
                ));
            }
        }
        let mut attesters: Vec<String> = vec![];
        for ag in a.attesters {
            if !attesters.contains(&ag) {
                attesters.push(ag);
            }
        }
        crate::private::check_conditions(&a.private_conditions, &a.attributes)?;
        // Private attributes may name their trusted attesters too.
        let mut named = a.attributes.clone();
        for c in &a.private_conditions {
            named.insert(c.attribute.clone(), Ty::Int);
        }
        let attribute_attesters =
            Self::trusted_per_attribute(&attesters, a.attribute_attesters, &named)?;
        let mut indexes = a.indexes;
        indexes.sort();
        indexes.dedup();
        let p = Program {
            id: a.id,
            agency: a.agency.clone(),
            name: a.name,
            currency: a.currency,
            funding_account: a.funding_account,
            budget_cap: a.budget_cap,
            paid_total: Amount::ZERO,
            attesters,
            attribute_attesters,
            registry: a.registry,
            attributes: a.attributes,
            indexes,
            versions: vec![RuleVersion {
                version: 1,
                from_height: ctx.env().height,
                from_ms: Some(ctx.env().time_ms),
                eligibility: a.rules.eligibility,
                benefit: a.rules.benefit,
                condition: a.rules.condition,
                params: a.rules.params,
            }],
            pending: None,
            pending_terms: None,
            terms_amended: 0,
            schedule: a.schedule,
            earmark: a.earmark,
            start_ms: a.start_ms,
            end_ms: a.end_ms,
            threshold: ctx.policy_threshold(&a.agency),
            approvals: vec![],
            active: false,
            enrolled: 0,
            budget_exhausted: false,
            recovery_max_pct: a.recovery_max_pct,
            group: a.group.clone(),
            private_conditions: a.private_conditions.clone(),
            suspended: 0,
            exited: 0,
            debt_outstanding: Amount::ZERO,
            created_height: ctx.env().height,
            created_by: ctx.signer(),
        };
        check_rules(&p, &p.versions[0])?;
        ctx.emit_event(&ProgramsEvent::ProgramCreated {
            program: p.id.clone(),
            agency: p.agency.clone(),
            threshold: p.threshold,
            definition_hash: p.definition_hash().clone(),
        });
        ctx.write(program_key(&p.id), &p);
        Ok(())
    }

    /// The checks of `create_program` on the program itself: its id, name,
    /// dates, budget and the lengths of its lists, and that the id is free.
    fn check_new_program(ctx: &CallContext<'_>, a: &CreateProgram) -> Result<(), TxError> {
        if !money_id(&a.id) {
            return Err(err(
                codes::INVALID_FIELD,
                "a program id is 1..=40 of [a-z0-9._-]",
            ));
        }
        check_text("the name", &a.name)?;
        if ctx.contains(&program_key(&a.id)) {
            return Err(err(
                codes::PROGRAM_EXISTS,
                format!("program '{}' exists", a.id),
            ));
        }
        if a.group
            .as_deref()
            .is_some_and(|g| g.len() > 40 || !valid_name(g))
        {
            return Err(err(
                codes::INVALID_FIELD,
                "a group is 1..=40 of [a-z][a-z0-9_]*",
            ));
        }
        if a.recovery_max_pct.is_some_and(|p| !(1..=100).contains(&p)) {
            return Err(err(codes::INVALID_FIELD, "recovery_max_pct is 1..=100"));
        }
        if a.start_ms >= a.end_ms {
            return Err(err(codes::INVALID_FIELD, "start_ms must be before end_ms"));
        }
        if a.budget_cap.is_zero() || a.budget_cap.get() > (1 << 53) {
            return Err(err(codes::INVALID_FIELD, "budget_cap is 1..=2^53"));
        }
        if a.attesters.is_empty()
            || a.attesters.len() > LIST_MAX
            || a.attributes.len() > LIST_MAX
            || a.indexes.len() > LIST_MAX
            || !a.attributes.keys().all(|n| valid_name(n))
        {
            return Err(err(
                codes::INVALID_FIELD,
                format!("1..={LIST_MAX} attester agencies; at most {LIST_MAX} attributes named [a-z][a-z0-9_]* and {LIST_MAX} indexes"),
            ));
        }
        Ok(())
    }

    /// Each index is named `<agency>/<name>`, and no two share the name the
    /// rules call them by.
    fn check_index_refs(indexes: &[String]) -> Result<(), TxError> {
        let mut index_names = std::collections::BTreeSet::new();
        for r in indexes {
            let Some((_, name)) = index_ref(r) else {
                return Err(err(
                    codes::INVALID_FIELD,
                    format!("an index is named <agency>/<name>, not '{r}'"),
                ));
            };
            if !index_names.insert(name) {
                return Err(err(
                    codes::INVALID_FIELD,
                    format!("two indexes are called '{name}' in the rules"),
                ));
            }
        }
        Ok(())
    }

    /// What a new program names exists: its attester and registry agencies,
    /// its indexes, and its funding account, which belongs to it.
    fn check_program_links(ctx: &CallContext<'_>, a: &CreateProgram) -> Result<(), TxError> {
        for ag in a.attesters.iter().chain([&a.registry]) {
            if !ctx.contains(&publica_runtime::authz::agency_key(ag)) {
                return Err(err(
                    publica_types::codes::AUTH_UNKNOWN_AGENCY,
                    format!("there is no agency '{ag}'"),
                ));
            }
        }
        for r in &a.indexes {
            let (agency, name) = index_ref(r).expect("checked above");
            if !ctx.contains(&index_key(agency, name)) {
                return Err(err(codes::UNKNOWN_INDEX, format!("no index '{r}'")));
            }
        }
        money::program_account(ctx, &a.funding_account, &a.agency, &a.id, &a.currency)?;
        Ok(())
    }

    /// The agencies trusted for each listed attribute, without repeats, in the
    /// order given: each a declared attribute trusting at least one of the
    /// program's `attesters`, and only those.
    fn trusted_per_attribute(
        attesters: &[String],
        listed: BTreeMap<String, Vec<String>>,
        attributes: &BTreeMap<String, Ty>,
    ) -> Result<BTreeMap<String, Vec<String>>, TxError> {
        let mut attribute_attesters = BTreeMap::new();
        for (name, list) in listed {
            let mut trusted: Vec<String> = vec![];
            for ag in list {
                if !attesters.contains(&ag) {
                    return Err(err(
                        codes::INVALID_FIELD,
                        format!("attribute '{name}' trusts '{ag}', which is not among the program's attesters"),
                    ));
                }
                if !trusted.contains(&ag) {
                    trusted.push(ag);
                }
            }
            if !attributes.contains_key(&name) || trusted.is_empty() {
                return Err(err(
                    codes::INVALID_FIELD,
                    format!("attribute_attesters names declared attributes, each with at least one agency ('{name}')"),
                ));
            }
            attribute_attesters.insert(name, trusted);
        }
        Ok(attribute_attesters)
    }

    fn approve(ctx: &mut CallContext<'_>, a: Approve) -> Result<(), TxError> {
        let mut p = own_program(ctx, &a.agency, &a.program)?;
        let me = ctx.signer();
        let threshold = ctx.policy_threshold(&a.agency) as usize;
        if p.active && p.pending_terms.as_ref().is_some_and(|t| t.hash == a.hash) {
            crate::terms::approve(ctx, &mut p, me, threshold)?;
            ctx.write(program_key(&p.id), &p);
            return Ok(());
        }
        let waiting: Vec<String> = if p.active {
            p.pending
                .iter()
                .map(|x| x.hash.clone())
                .chain(p.pending_terms.iter().map(|x| x.hash.clone()))
                .collect()
        } else {
            vec![p.definition_hash()]
        };
        if !waiting.is_empty() && !waiting.contains(&a.hash) {
            return Err(err(
                codes::APPROVAL_MISMATCH,
                format!(
                    "you approve {}, but what waits for approval is {}: review it again",
                    a.hash,
                    waiting.join(" or ")
                ),
            ));
        }
        if !p.active {
            if p.approvals.contains(&me) {
                return Err(err(codes::ALREADY_APPROVED, "you already approved"));
            }
            p.approvals.push(me);
            ctx.emit_event(&ProgramsEvent::ProgramApproved {
                program: p.id.clone(),
                by: me,
                approvals: p.approvals.len(),
                hash: a.hash.clone(),
            });
            if p.approvals.len() >= threshold {
                activate(ctx, &mut p);
            }
        } else {
            let Some(pending) = &mut p.pending else {
                return Err(err(codes::NOTHING_PENDING, "nothing waits for approval"));
            };
            if pending.approvals.contains(&me) {
                return Err(err(codes::ALREADY_APPROVED, "you already approved"));
            }
            pending.approvals.push(me);
            let n = pending.approvals.len();
            ctx.emit_event(&ProgramsEvent::AmendmentApproved {
                program: p.id.clone(),
                by: me,
                approvals: n,
                hash: a.hash.clone(),
            });
            if n >= threshold {
                let mut rules = p.pending.take().expect("checked above").rules;
                rules.from_height = rules.from_height.max(ctx.env().height + 1);
                ctx.emit_event(&ProgramsEvent::RulesEnacted {
                    program: p.id.clone(),
                    version: rules.version,
                    from_height: rules.from_height,
                    hash: a.hash.clone(),
                });
                if p.versions.len() >= VERSIONS_MAX {
                    return Err(err(
                        codes::INVALID_FIELD,
                        format!("at most {VERSIONS_MAX} versions"),
                    ));
                }
                // Its first block records when it came in force.
                let mut starts: BTreeMap<String, Vec<u32>> =
                    ctx.read(VERSION_STARTS_KEY).unwrap_or_default();
                starts.entry(p.id.clone()).or_default().push(rules.version);
                ctx.write(VERSION_STARTS_KEY.to_vec(), &starts);
                p.versions.push(rules);
            }
        }
        ctx.write(program_key(&p.id), &p);
        Ok(())
    }

    fn amend(ctx: &mut CallContext<'_>, a: AmendProgram) -> Result<(), TxError> {
        let mut p = own_program(ctx, &a.agency, &a.program)?;
        if a.from_height <= ctx.env().height {
            return Err(err(
                codes::INVALID_FIELD,
                "from_height must be a future height",
            ));
        }
        let rules = RuleVersion {
            version: p.versions.last().map(|v| v.version).unwrap_or(0) + 1,
            from_height: a.from_height,
            from_ms: None,
            eligibility: a.rules.eligibility,
            benefit: a.rules.benefit,
            condition: a.rules.condition,
            params: a.rules.params,
        };
        check_rules(&p, &rules)?;
        let hash = content_hash(&rules);
        // A new proposal replaces any pending one, and its approvals with
        // it: nothing approved before applies to other content.
        let replaced = p.pending.as_ref().map(|x| x.hash.clone());
        ctx.emit_event(&ProgramsEvent::AmendmentProposed {
            program: p.id.clone(),
            version: rules.version,
            from_height: rules.from_height,
            hash: hash.clone(),
            replaces: replaced.clone(),
        });
        p.pending = Some(PendingVersion {
            rules,
            approvals: vec![],
            proposed_by: ctx.signer(),
            hash,
        });
        ctx.write(program_key(&p.id), &p);
        Ok(())
    }

    fn attest(ctx: &mut CallContext<'_>, a: Attest) -> Result<(), TxError> {
        Self::check_attestation(ctx, &a)?;
        // A program named for release must accredit this attester first:
        // nothing is recorded otherwise.
        let prog = match &a.program {
            Some(id) => Some(Self::release_program(ctx, &a, id)?),
            None => None,
        };
        Self::record_attestation(ctx, &a);
        // Conditional release: in the same transaction, so the same block.
        if let (Some(p), Some(per)) = (prog, a.period) {
            Self::release(ctx, p, &a.subject, &per)?;
        }
        Ok(())
    }

    /// The checks of `attest` that need no program: the claims, a period
    /// that has begun, an expiry still ahead.
    fn check_attestation(ctx: &CallContext<'_>, a: &Attest) -> Result<(), TxError> {
        if a.claims.is_empty() || a.claims.len() > CLAIMS_MAX {
            return Err(err(
                codes::INVALID_FIELD,
                format!("an attestation has 1..={CLAIMS_MAX} claims"),
            ));
        }
        for (name, v) in &a.claims {
            if !valid_name(name) {
                return Err(err(
                    codes::INVALID_FIELD,
                    format!("bad claim name '{name}'"),
                ));
            }
            check_value(v)?;
        }
        if let Some(per) = &a.period {
            let start = period::start_ms(per).ok_or_else(|| {
                err(
                    codes::INVALID_PERIOD,
                    "a period is YYYY-MM, YYYY-Www (an ISO week) or YYYY-MM-DD",
                )
            })?;
            if start > ctx.env().time_ms {
                return Err(err(
                    codes::PERIOD_NOT_PAYABLE,
                    format!("period {per} has not begun: attest it once it has"),
                ));
            }
        }
        if a.expires_ms.is_some_and(|e| e <= ctx.env().time_ms) {
            return Err(err(
                codes::ATTESTATION_EXPIRED,
                "the attestation has already expired",
            ));
        }
        Ok(())
    }

    /// The program `id` an attestation names for release: it accredits the
    /// attesting agency, and the attestation names a period within its
    /// dates.
    fn release_program(ctx: &CallContext<'_>, a: &Attest, id: &str) -> Result<Program, TxError> {
        let p = program(ctx, id)?;
        if !p.attesters.contains(&a.agency) {
            return Err(err(
                codes::ATTESTER_NOT_ACCREDITED,
                format!(
                    "program '{id}' does not accredit attesters of '{}'",
                    a.agency
                ),
            ));
        }
        let Some(per) = &a.period else {
            return Err(err(
                codes::INVALID_PERIOD,
                "an attestation that releases a payment names its period",
            ));
        };
        if !p.pays_by(per) {
            return Err(err(
                codes::INVALID_PERIOD,
                format!("{} for program '{id}'", p.period_form()),
            ));
        }
        let start = period::start_ms(per).expect("checked above");
        if period::end_ms(per) <= p.start_ms || start >= p.end_ms {
            return Err(err(
                codes::PERIOD_NOT_PAYABLE,
                format!("period {per} lies outside the dates of program '{id}'"),
            ));
        }
        Ok(p)
    }

    /// Writes one attestation per claim, under the attesting agency.
    fn record_attestation(ctx: &mut CallContext<'_>, a: &Attest) {
        for (name, value) in &a.claims {
            let rec = Attestation {
                value: value.clone(),
                agency: a.agency.clone(),
                attester: ctx.signer(),
                period: a.period.clone(),
                expires_ms: a.expires_ms,
                revoked: false,
                height: ctx.env().height,
            };
            ctx.write(
                attestation_key(&a.subject, name, &a.agency, a.period.as_deref()),
                &rec,
            );
        }
        ctx.emit_event(&ProgramsEvent::Attested {
            subject: a.subject,
            agency: a.agency.clone(),
            claims: a.claims.keys().cloned().collect(),
            period: a.period.clone(),
        });
    }

    /// Pays `subject` for `per` when it is enrolled in `p` and `p` has a
    /// condition. A program not open refuses the attestation; a payment
    /// that fails does not: it is recorded in the period's run, or, when
    /// the condition is not met, as its own event.
    fn release(
        ctx: &mut CallContext<'_>,
        mut p: Program,
        subject: &AccountId,
        per: &str,
    ) -> Result<(), TxError> {
        if ctx.contains(&enrolment_key(&p.id, subject))
            && p.versions.iter().any(|v| v.condition.is_some())
        {
            open_window(ctx, &p)?;
            let before = p.clone();
            match ctx.attempt(|ctx| {
                pay(
                    ctx,
                    &mut p,
                    subject,
                    per,
                    PayoutKind::Conditional,
                    None,
                    None,
                )
            }) {
                Ok(_) => {}
                Err(e) => {
                    p = before;
                    if e.code == codes::CONDITION_NOT_MET {
                        ctx.emit_event(&ProgramsEvent::ConditionNotMet {
                            program: p.id.clone(),
                            account: *subject,
                            period: per.to_string(),
                            message: e.message.clone(),
                        });
                    } else {
                        record_failure(ctx, &mut p, subject, per, PayoutKind::Conditional, &e);
                    }
                }
            }
            ctx.write(program_key(&p.id), &p);
        }
        Ok(())
    }

    fn revoke_attestation(ctx: &mut CallContext<'_>, a: RevokeAttestation) -> Result<(), TxError> {
        if a.committed {
            if a.period.is_some() {
                return Err(err(
                    codes::INVALID_FIELD,
                    "a committed attestation is about no particular period",
                ));
            }
            return crate::private::revoke(ctx, &a.subject, &a.name, &a.agency);
        }
        let key = attestation_key(&a.subject, &a.name, &a.agency, a.period.as_deref());
        let mut rec: Attestation = ctx.read(&key).ok_or_else(|| {
            err(
                codes::UNKNOWN_ATTESTATION,
                format!("'{}' made no attestation of '{}'", a.agency, a.name),
            )
        })?;
        rec.revoked = true;
        ctx.write(key, &rec);
        ctx.emit_event(&ProgramsEvent::AttestationRevoked {
            subject: a.subject,
            name: a.name.clone(),
            agency: a.agency.clone(),
            period: a.period.clone(),
        });
        Ok(())
    }

    fn enrol(ctx: &mut CallContext<'_>, a: Enrol) -> Result<(), TxError> {
        let mut p = program(ctx, &a.program)?;
        Self::check_enroller(ctx, &p, &a)?;
        open_window(ctx, &p)?;
        if !nullifier::valid(&a.nullifier) {
            return Err(err(
                codes::INVALID_FIELD,
                "a nullifier is 64 lowercase hex characters",
            ));
        }
        if ctx.contains(&enrolment_key(&p.id, &a.account)) {
            return Err(err(codes::ALREADY_ENROLLED, "already enrolled"));
        }
        Self::check_nullifier_token(ctx, &p, &a)?;
        Self::use_nullifier(ctx, &p, &a)?;
        Self::check_eligible_now(ctx, &p, &a.account)?;
        let proven = crate::private::check_proofs(ctx, &p, &a.account, &a.proofs)?;
        let earmark = p.earmark.as_ref().map(|e| money::BenefitEarmark {
            categories: e.categories.clone(),
            expires_height: e.expires_height,
            return_to: p.funding_account.clone(),
        });
        let benefit_account =
            money::open_benefit_account(ctx, &p.id, &p.currency, a.account, earmark)?;
        let e = Enrolment {
            account: a.account,
            benefit_account,
            nullifier: a.nullifier,
            seq: p.enrolled,
            height: ctx.env().height,
            time_ms: ctx.env().time_ms,
            by: ctx.signer(),
            paid_periods: vec![],
            standing: None,
            debt: None,
            proven,
        };
        if let Some(case) = &a.case {
            crate::grievance::remedied(ctx, case, &p.id, &a.account, true)?;
        }
        ctx.write(seq_key(&p.id, e.seq), &json!({"account": a.account}));
        ctx.write(enrolment_key(&p.id, &a.account), &e);
        p.enrolled += 1;
        ctx.write(program_key(&p.id), &p);
        if p.schedule.is_some() {
            // The new enrolee is paid for the current period by the next
            // block's scheduled work.
            let mut s = schedules(ctx);
            if let Some(due) = s.get_mut(&p.id) {
                *due = (*due).min(ctx.env().time_ms);
                ctx.write(SCHEDULES_KEY.to_vec(), &s);
            }
        }
        ctx.emit_event(&ProgramsEvent::Enrolled {
            program: p.id.clone(),
            account: a.account,
            seq: e.seq,
            benefit_account: e.benefit_account.clone(),
        });
        Ok(())
    }

    /// The signer enrols itself, or is a caseworker of the program's own
    /// agency.
    fn check_enroller(ctx: &CallContext<'_>, p: &Program, a: &Enrol) -> Result<(), TxError> {
        match &a.agency {
            Some(ag) if *ag != p.agency => Err(err(
                codes::NOT_ALLOWED,
                format!("caseworkers of '{}' enrol in '{}'", p.agency, p.id),
            )),
            Some(_) => Ok(()),
            None if ctx.signer() != a.account => Err(err(
                codes::NOT_ALLOWED,
                "enrol yourself, or name 'agency' as its caseworker",
            )),
            None => Ok(()),
        }
    }

    /// The registry's token: signed by a registry official's current key.
    fn check_nullifier_token(ctx: &CallContext<'_>, p: &Program, a: &Enrol) -> Result<(), TxError> {
        if !ctx.has_role(&p.registry, &a.registry_signer, Role::Attester) {
            return Err(err(
                codes::BAD_NULLIFIER_TOKEN,
                format!(
                    "the token's signer is not an attester of registry '{}'",
                    p.registry
                ),
            ));
        }
        let key = ctx
            .get_json(&publica_runtime::authz::key_key(&a.registry_signer))
            .and_then(|v| v["key"].as_str().and_then(|s| s.parse::<AccountId>().ok()))
            .unwrap_or(a.registry_signer);
        let msg = nullifier::token_bytes(&ctx.env().chain_id, &p.id, &a.nullifier, &a.account);
        if publica_crypto::verify(&key, &msg, &a.registry_signature).is_err() {
            return Err(err(
                codes::BAD_NULLIFIER_TOKEN,
                "the registry's signature over the nullifier does not verify",
            ));
        }
        Ok(())
    }

    /// Records the enrolment under the nullifier, refused when the person
    /// is already enrolled and no override allows one more.
    fn use_nullifier(ctx: &mut CallContext<'_>, p: &Program, a: &Enrol) -> Result<(), TxError> {
        let nkey = nullifier_key(&p.id, &a.nullifier);
        let mut uses: NullifierUse = ctx.read(&nkey).unwrap_or(NullifierUse {
            accounts: vec![],
            allowed_extra: 0,
        });
        if uses.accounts.len() > uses.allowed_extra as usize {
            return Err(err(
                codes::NULLIFIER_USED,
                "this person is already enrolled in the program",
            ));
        }
        uses.accounts.push(a.account);
        ctx.write(nkey, &uses);
        if let Some(g) = &p.group {
            // One enrolment per person in the group: another program's
            // holds the nullifier until that enrolee exits.
            let gkey = group_nullifier_key(&p.registry, g, &a.nullifier);
            if let Some(held) = ctx.read::<GroupUse>(&gkey) {
                let left = ctx
                    .read::<Enrolment>(&enrolment_key(&held.program, &held.account))
                    .is_some_and(|e| {
                        matches!(e.standing, Some(crate::model::Standing::Exited { .. }))
                    });
                if held.program != p.id && !left {
                    return Err(err(
                        codes::NULLIFIER_USED,
                        format!("this person is enrolled in another program of group '{g}': it exits first"),
                    ));
                }
            }
            ctx.write(
                gkey,
                &GroupUse {
                    program: p.id.clone(),
                    account: a.account,
                },
            );
        }
        Ok(())
    }

    /// Eligibility now, on attested attributes.
    fn check_eligible_now(
        ctx: &CallContext<'_>,
        p: &Program,
        account: &AccountId,
    ) -> Result<(), TxError> {
        let per = p.period_of(ctx.env().time_ms);
        let inputs = inputs_for(ctx, p, account, &per);
        let rv = p.rules_at(ctx.env().height).clone();
        let eligible = rules::compiled(&rv.eligibility)
            .map_err(|e| err(codes::RULE_ERROR, e.to_string()))
            .and_then(|c| {
                rules::eval_bool(&c.program, &inputs)
                    .map_err(|e| err(codes::RULE_ERROR, e.to_string()))
            })?;
        if !eligible {
            return Err(err(
                codes::NOT_ELIGIBLE,
                "the eligibility rule is false on the attested attributes",
            ));
        }
        Ok(())
    }

    fn payout(ctx: &mut CallContext<'_>, a: Payout) -> Result<(), TxError> {
        let mut p = own_program(ctx, &a.agency, &a.program)?;
        open_window(ctx, &p)?;
        if !p.pays_by(&a.period) {
            return Err(err(codes::INVALID_PERIOD, p.period_form()));
        }
        let expected = match a.expected_amount {
            Some(x) => Some(u64::try_from(x.get()).map_err(|_| {
                err(
                    codes::AMOUNT_MISMATCH,
                    "the expected amount is out of range",
                )
            })?),
            None => None,
        };
        pay(
            ctx,
            &mut p,
            &a.account,
            &a.period,
            PayoutKind::OnDemand,
            expected,
            None,
        )?;
        ctx.write(program_key(&p.id), &p);
        Ok(())
    }

    fn request_payout_override(
        ctx: &mut CallContext<'_>,
        a: RequestPayoutOverride,
    ) -> Result<(), TxError> {
        let p = own_program(ctx, &a.agency, &a.program)?;
        request_override(ctx, &p, &a.account, &a.period, a.reason, a.note, None)
    }

    fn approve_payout_override(
        ctx: &mut CallContext<'_>,
        a: ApprovePayoutOverride,
    ) -> Result<(), TxError> {
        let mut p = own_program(ctx, &a.agency, &a.program)?;
        open_window(ctx, &p)?;
        let key = payout_override_key(&p.id, &a.account, &a.period);
        let mut o: PayoutOverride = ctx
            .read(&key)
            .filter(|o: &PayoutOverride| o.approved_by.is_none())
            .ok_or_else(|| {
                err(
                    codes::NOTHING_PENDING,
                    "no open payout override for this enrolee and period",
                )
            })?;
        if o.requested_by == ctx.signer() {
            return Err(err(
                codes::ALREADY_APPROVED,
                "a second official must approve the override",
            ));
        }
        let amount = pay(
            ctx,
            &mut p,
            &a.account,
            &a.period,
            PayoutKind::Override,
            None,
            Some(o.reason),
        )?;
        if let Some(case) = &o.case {
            crate::grievance::remedied(ctx, case, &p.id, &a.account, false)?;
        }
        o.approved_by = Some(ctx.signer());
        ctx.emit_event(&ProgramsEvent::PayoutOverrideApproved {
            program: p.id.clone(),
            account: a.account,
            period: a.period.clone(),
            reason: o.reason,
            requested_by: o.requested_by,
            approved_by: ctx.signer(),
            amount,
        });
        ctx.write(key, &o);
        ctx.write(program_key(&p.id), &p);
        Ok(())
    }

    fn request_override(ctx: &mut CallContext<'_>, a: OverrideArgs) -> Result<(), TxError> {
        let p = own_program(ctx, &a.agency, &a.program)?;
        let reason = a.reason.unwrap_or_default();
        check_text("the reason", &reason)?;
        let uses: NullifierUse =
            ctx.read(&nullifier_key(&p.id, &a.nullifier))
                .ok_or_else(|| {
                    err(
                        codes::INVALID_FIELD,
                        "this nullifier was never used in the program",
                    )
                })?;
        let okey = override_key(&p.id, &a.nullifier);
        if ctx
            .read::<Override>(&okey)
            .is_some_and(|o| o.approved_by.is_none())
        {
            return Err(err(
                codes::ALREADY_APPROVED,
                "an override request is already open",
            ));
        }
        ctx.write(
            okey,
            &Override {
                requested_by: ctx.signer(),
                reason: reason.clone(),
                approved_by: None,
                height: ctx.env().height,
            },
        );
        ctx.emit_event(&ProgramsEvent::DedupOverrideRequested {
            program: p.id.clone(),
            nullifier: a.nullifier.clone(),
            by: ctx.signer(),
            reason: reason.clone(),
            enrolled: uses.accounts.len(),
        });
        Ok(())
    }

    fn approve_override(ctx: &mut CallContext<'_>, a: OverrideArgs) -> Result<(), TxError> {
        let p = own_program(ctx, &a.agency, &a.program)?;
        let okey = override_key(&p.id, &a.nullifier);
        let mut o: Override = ctx
            .read(&okey)
            .filter(|o: &Override| o.approved_by.is_none())
            .ok_or_else(|| err(codes::NOTHING_PENDING, "no open override request"))?;
        if o.requested_by == ctx.signer() {
            return Err(err(
                codes::ALREADY_APPROVED,
                "a second official must approve the override",
            ));
        }
        o.approved_by = Some(ctx.signer());
        let nkey = nullifier_key(&p.id, &a.nullifier);
        let mut uses: NullifierUse = ctx.read(&nkey).expect("the request checked it");
        uses.allowed_extra += 1;
        ctx.write(nkey, &uses);
        ctx.emit_event(&ProgramsEvent::DedupOverrideApproved {
            program: p.id.clone(),
            nullifier: a.nullifier.clone(),
            requested_by: o.requested_by,
            approved_by: ctx.signer(),
            reason: o.reason.clone(),
        });
        ctx.write(okey, &o);
        Ok(())
    }

    fn create_index(ctx: &mut CallContext<'_>, a: CreateIndex) -> Result<(), TxError> {
        if !valid_name(&a.name) {
            return Err(err(
                codes::INVALID_FIELD,
                "an index name is [a-z][a-z0-9_]*",
            ));
        }
        if ctx.contains(&index_key(&a.agency, &a.name)) {
            return Err(err(
                codes::INDEX_EXISTS,
                format!("index '{}/{}' exists", a.agency, a.name),
            ));
        }
        if a.threshold == 0 || a.threshold > 32 {
            return Err(err(codes::INVALID_FIELD, "threshold is 1..=32 oracles"));
        }
        let idx = Index {
            name: a.name,
            agency: a.agency,
            threshold: a.threshold,
            values: vec![],
            votes: BTreeMap::new(),
        };
        ctx.emit_event(&ProgramsEvent::IndexCreated {
            index: idx.name.clone(),
            agency: idx.agency.clone(),
            threshold: idx.threshold,
        });
        ctx.write(index_key(&idx.agency, &idx.name), &idx);
        Ok(())
    }

    fn publish_index(ctx: &mut CallContext<'_>, a: PublishIndex) -> Result<(), TxError> {
        let key = index_key(&a.agency, &a.name);
        let mut idx: Index = ctx.read(&key).ok_or_else(|| {
            err(
                codes::UNKNOWN_INDEX,
                format!("no index '{}/{}'", a.agency, a.name),
            )
        })?;
        let start = period::start_ms(&a.period)
            .filter(|_| period::kind(&a.period) == Some(period::Kind::Month))
            .ok_or_else(|| err(codes::INVALID_PERIOD, "a period is YYYY-MM"))?;
        if start > ctx.env().time_ms {
            return Err(err(
                codes::INVALID_PERIOD,
                format!(
                    "{} has not begun: an index measures a past or current period",
                    a.period
                ),
            ));
        }
        if a.value <= 0 || a.value > (1 << 40) {
            return Err(err(codes::INVALID_FIELD, "an index value is 1..=2^40"));
        }
        if idx.values.iter().any(|v| v.period == a.period) {
            return Err(err(
                codes::ALREADY_APPROVED,
                format!("{} is already published for {}", a.name, a.period),
            ));
        }
        let me = ctx.signer();
        let votes = idx.votes.entry(a.period.clone()).or_default();
        if votes.values().any(|v| v.contains(&me)) {
            return Err(err(
                codes::ALREADY_APPROVED,
                "you already voted for this period",
            ));
        }
        let voters = votes.entry(a.value.to_string()).or_default();
        voters.push(me);
        // Only oracles who still hold the role count: a revoked oracle's
        // earlier vote does not.
        let current = voters
            .iter()
            .filter(|v| ctx.has_role(&a.agency, v, Role::Oracle))
            .count();
        let reached = current >= idx.threshold as usize;
        ctx.emit_event(&ProgramsEvent::IndexVote {
            index: a.name.clone(),
            period: a.period.clone(),
            value: a.value,
            by: me,
        });
        if reached {
            idx.votes.remove(&a.period);
            idx.values.push(IndexValue {
                period: a.period.clone(),
                value: a.value,
                published_ms: ctx.env().time_ms,
                height: ctx.env().height,
            });
            if idx.values.len() > INDEX_HISTORY_MAX {
                idx.values.remove(0);
            }
            ctx.emit_event(&ProgramsEvent::IndexPublished {
                index: a.name.clone(),
                period: a.period.clone(),
                value: a.value,
            });
        }
        ctx.write(key, &idx);
        Ok(())
    }

    /// Records the block time at which enacted versions come in force.
    fn start_versions(ctx: &mut CallContext<'_>) {
        let Some(mut starts) = ctx.read::<BTreeMap<String, Vec<u32>>>(VERSION_STARTS_KEY) else {
            return;
        };
        let (height, now) = (ctx.env().height, ctx.env().time_ms);
        let mut changed = false;
        for (id, waiting) in &mut starts {
            let Some(mut p) = ctx.read::<Program>(&program_key(id)) else {
                waiting.clear();
                changed = true;
                continue;
            };
            let mut touched = false;
            for v in &mut p.versions {
                if waiting.contains(&v.version) && v.from_height <= height && v.from_ms.is_none() {
                    v.from_ms = Some(now);
                    touched = true;
                }
            }
            if touched {
                waiting.retain(|n| {
                    p.versions
                        .iter()
                        .any(|v| v.version == *n && v.from_ms.is_none())
                });
                ctx.write(program_key(id), &p);
                changed = true;
            }
        }
        if changed {
            starts.retain(|_, w| !w.is_empty());
            if starts.is_empty() {
                ctx.delete(VERSION_STARTS_KEY.to_vec());
            } else {
                ctx.write(VERSION_STARTS_KEY.to_vec(), &starts);
            }
        }
    }

    /// One block's scheduled work: pays due periods in enrolment order,
    /// at most [`SCHEDULED_PAYOUTS_PER_BLOCK`] payouts shared equally among
    /// the due programs, resuming next block.
    fn run_schedules(ctx: &mut CallContext<'_>) {
        let now = ctx.env().time_ms;
        let mut sched = schedules(ctx);
        let due: Vec<String> = sched
            .iter()
            .filter(|(_, d)| **d <= now)
            .map(|(p, _)| p.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        // The block's work is metered in rule cost units. Each due program
        // gets an equal share (at least one payout's worth), starting from
        // a program that moves with the height, so one program's catch-up
        // never starves the others.
        let n = due.len();
        let share = (SCHEDULED_UNITS_PER_BLOCK / n as u64).max(PAYOUT_UNITS_MAX);
        let mut left = SCHEDULED_UNITS_PER_BLOCK;
        let first = (ctx.env().height % n as u64) as usize;
        for id in due.iter().cycle().skip(first).take(n) {
            let Some(mut p) = ctx.read::<Program>(&program_key(id)) else {
                sched.remove(id);
                continue;
            };
            let mut cur: Cursor = ctx
                .read(&cursor_key(id))
                .expect("scheduled programs have a cursor");
            let mut budget = share.min(left);
            let given = budget;
            let unit = payout_units(&p, ctx.env().height);
            loop {
                let start = period::start_ms(&cur.period).expect("cursor periods are valid");
                if start >= p.end_ms || p.budget_exhausted {
                    sched.remove(id);
                    ctx.emit_event(&ProgramsEvent::ScheduleEnded {
                        program: id.clone(),
                        period: cur.period.clone(),
                        budget_exhausted: p.budget_exhausted,
                    });
                    break;
                }
                if start.max(p.start_ms) > now {
                    sched.insert(id.clone(), start.max(p.start_ms));
                    break;
                }
                if cur.next_seq >= p.enrolled {
                    // Everyone enrolled so far is paid. The period stays
                    // open until the next begins: later enrolees are paid
                    // for it too (enrolment makes the program due again).
                    let next = period::next(&cur.period);
                    let next_start = period::start_ms(&next).expect("valid");
                    if next_start > now {
                        sched.insert(id.clone(), next_start.max(p.start_ms));
                        break;
                    }
                    ctx.emit_event(&ProgramsEvent::PeriodCompleted {
                        program: id.clone(),
                        period: cur.period.clone(),
                    });
                    cur = Cursor {
                        period: next,
                        next_seq: 0,
                    };
                    continue;
                }
                if budget < unit {
                    // Still due: the next block resumes here.
                    sched.insert(id.clone(), now);
                    break;
                }
                budget -= unit;
                let subject: AccountId = ctx
                    .get_json(&seq_key(id, cur.next_seq))
                    .and_then(|v| v["account"].as_str().and_then(|s| s.parse().ok()))
                    .expect("every sequence number has an enrolment");
                let per = cur.period.clone();
                cur.next_seq += 1;
                let enrolment = ctx.read::<Enrolment>(&enrolment_key(id, &subject));
                let enrolled_in = enrolment
                    .as_ref()
                    .and_then(|e| period::start_ms(&p.period_of(e.time_ms)))
                    .unwrap_or_default();
                if start < enrolled_in {
                    // Enrolled after this period: nothing is due for it.
                    continue;
                }
                if enrolment.is_some_and(|e| crate::lifecycle::exited_before(&e, start)) {
                    // Left before this period: nothing is due, for good.
                    continue;
                }
                let before = p.clone();
                if let Err(e) = ctx.attempt(|ctx| {
                    pay(
                        ctx,
                        &mut p,
                        &subject,
                        &per,
                        PayoutKind::Scheduled,
                        None,
                        None,
                    )
                }) {
                    p = before;
                    record_failure(ctx, &mut p, &subject, &per, PayoutKind::Scheduled, &e);
                }
            }
            ctx.write(cursor_key(id), &cur);
            ctx.write(program_key(id), &p);
            left -= given - budget;
        }
        ctx.write(SCHEDULES_KEY.to_vec(), &sched);
    }
}

/// Cost units of one scheduled payout under the rules in force at
/// `height`: a base for the payout's own work plus its rules' cost, and at
/// least [`PAYOUT_UNITS_MIN`].
pub fn payout_units(p: &Program, height: u64) -> u64 {
    let rv = p.rules_at(height);
    let rule = |src: &str| rules::compiled(src).map(|c| u64::from(c.cost)).unwrap_or(0);
    let cost =
        rule(&rv.eligibility) + rule(&rv.benefit) + rv.condition.as_deref().map(rule).unwrap_or(0);
    (PAYOUT_UNITS_BASE + cost).clamp(PAYOUT_UNITS_MIN, PAYOUT_UNITS_MAX)
}

/// Program ids are money ids without `:`, of at most 40 bytes: they name
/// benefit accounts (`b.<program>.<16 hex>`, within money's 64 bytes).
fn money_id(id: &str) -> bool {
    publica_money::model::valid_id(id) && id.len() <= 40 && !id.contains(':')
}

publica_runtime::calls! {
    /// The calls of `programs` (see `docs/programs.md`).
    #[derive(Debug)]
    pub enum ProgramsCall {
        /// Define a program (inactive until approved).
        CreateProgram(CreateProgram) = "create_program" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Approve what waits: the definition or an amendment, by its hash.
        Approve(Approve) = "approve" => Need::Role(Role::Administrator, "agency"),
        /// Propose new rules from a future height.
        AmendProgram(AmendProgram) = "amend_program" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Propose new terms: budget cap, end, schedule.
        AmendTerms(crate::terms::AmendTerms) = "amend_terms" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Suspend an enrolee's payouts, with a reason and a review date.
        Suspend(crate::lifecycle::Suspend) = "suspend" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Resume them.
        Resume(crate::lifecycle::EnroleeRef) = "resume" => Need::Role(Role::ProgramOfficer, "agency"),
        /// End an enrolment for good, with a reason.
        Exit(crate::lifecycle::Exit) = "exit" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Re-check eligibility on the facts attested now; exit if false.
        Recheck(crate::lifecycle::Recheck) = "recheck" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Record an overpayment owed back.
        RecordOverpayment(crate::lifecycle::RecordOverpayment) = "record_overpayment" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Write off part of a debt (a second official).
        WriteOff(crate::lifecycle::WriteOff) = "write_off" => Need::Role(Role::ProgramOfficer, "agency"),
        /// File a grievance (oneself, or naming `agency` as a caseworker).
        FileGrievance(crate::grievance::File) = "file_grievance" => Need::RoleIfNamed(Role::ProgramOfficer, "agency"),
        /// Assign a grievance to an official.
        AssignGrievance(crate::grievance::Assign) = "assign_grievance" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Decide a grievance, with a reason and a remedy.
        DecideGrievance(crate::grievance::Decide) = "decide_grievance" => Need::Any,
        /// Attest facts about a subject (and release a conditional payment).
        Attest(Attest) = "attest" => Need::Role(Role::Attester, "agency"),
        /// Revoke one's own agency's attestation.
        RevokeAttestation(RevokeAttestation) = "revoke_attestation" => Need::Role(Role::Attester, "agency"),
        /// Attest a number as a commitment, with its domain proof.
        AttestCommitted(crate::private::AttestCommitted) = "attest_committed" => Need::Role(Role::Attester, "agency"),
        /// Enrol oneself, or (naming `agency`) someone as a caseworker.
        Enrol(Enrol) = "enrol" => Need::RoleIfNamed(Role::ProgramOfficer, "agency"),
        /// Pay an enrolee for a period on demand.
        Payout(Payout) = "payout" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Ask for one more enrolment under a used nullifier.
        RequestOverride(OverrideArgs) = "request_override" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Approve it (a second official).
        ApproveOverride(OverrideArgs) = "approve_override" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Ask to pay outside the ordinary rules, with a reason code.
        RequestPayoutOverride(RequestPayoutOverride) = "request_payout_override" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Approve and pay it (a second official).
        ApprovePayoutOverride(ApprovePayoutOverride) = "approve_payout_override" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Create one of the agency's indexes.
        CreateIndex(CreateIndex) = "create_index" => Need::Role(Role::Administrator, "agency"),
        /// Vote an index value.
        PublishIndex(PublishIndex) = "publish_index" => Need::Role(Role::Oracle, "agency"),
    }
}

impl TypedModule for Programs {
    const NAME: &'static str = "programs";
    type Call = ProgramsCall;
    type Rejection = codes::ProgramsRejection;
    type Event = ProgramsEvent;
    const ROUTES: &'static [publica_runtime::Route] = crate::routes::ROUTES;

    fn index_event(&self, event: &ProgramsEvent, filer: &mut IndexFiler<'_>) {
        if let ProgramsEvent::ProgramCreated {
            program, agency, ..
        } = event
        {
            filer.file(
                crate::model::PROGRAMS_DIRECTORY_KEY,
                &Fields(&[("id", Field::Str(program)), ("agency", Field::Str(agency))]),
            );
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: ProgramsCall) -> Result<(), TxError> {
        match call {
            ProgramsCall::CreateProgram(a) => Self::create(ctx, a),
            ProgramsCall::Approve(a) => Self::approve(ctx, a),
            ProgramsCall::AmendProgram(a) => Self::amend(ctx, a),
            ProgramsCall::AmendTerms(a) => crate::terms::amend(ctx, a),
            ProgramsCall::Suspend(a) => crate::lifecycle::suspend(ctx, a),
            ProgramsCall::Resume(a) => crate::lifecycle::resume(ctx, a),
            ProgramsCall::Exit(a) => crate::lifecycle::exit(ctx, a),
            ProgramsCall::Recheck(a) => crate::lifecycle::recheck(ctx, a),
            ProgramsCall::RecordOverpayment(a) => crate::lifecycle::record_overpayment(ctx, a),
            ProgramsCall::WriteOff(a) => crate::lifecycle::write_off(ctx, a),
            ProgramsCall::FileGrievance(a) => crate::grievance::file(ctx, a),
            ProgramsCall::AssignGrievance(a) => crate::grievance::assign(ctx, a),
            ProgramsCall::DecideGrievance(a) => crate::grievance::decide(ctx, a),
            ProgramsCall::Attest(a) => Self::attest(ctx, a),
            ProgramsCall::RevokeAttestation(a) => Self::revoke_attestation(ctx, a),
            ProgramsCall::AttestCommitted(a) => crate::private::attest(ctx, a),
            ProgramsCall::Enrol(a) => Self::enrol(ctx, a),
            ProgramsCall::Payout(a) => Self::payout(ctx, a),
            ProgramsCall::RequestOverride(a) => Self::request_override(ctx, a),
            ProgramsCall::ApproveOverride(a) => Self::approve_override(ctx, a),
            ProgramsCall::RequestPayoutOverride(a) => Self::request_payout_override(ctx, a),
            ProgramsCall::ApprovePayoutOverride(a) => Self::approve_payout_override(ctx, a),
            ProgramsCall::CreateIndex(a) => Self::create_index(ctx, a),
            ProgramsCall::PublishIndex(a) => Self::publish_index(ctx, a),
        }
    }

    fn begin_block(&self, ctx: &mut CallContext<'_>) {
        Self::start_versions(ctx);
        Self::run_schedules(ctx);
        crate::grievance::escalate_overdue(ctx);
    }

    fn next_due_ms(&self, state: &StateTree) -> Option<u64> {
        let s: Option<BTreeMap<String, u64>> = state
            .get(SCHEDULES_KEY)
            .and_then(|b| serde_json::from_slice(&b).ok());
        let scheduled = s.and_then(|s| s.values().min().copied());
        let deadline = crate::grievance::next_deadline(state);
        match (scheduled, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
