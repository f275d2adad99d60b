//! Read-only views of programs for the API and CLI, and the dry run of a
//! rule change.

use crate::codes;
use crate::model::{
    amendment_key, cursor_key, enrolment_key, index_key, paid_key, period_key, periods_key,
    program_key, run_key, seq_key, Cursor, Enrolment, Index, PeriodTotals, Program, RuleVersion,
    RunEntry, TermsAmendment, INDEX_PREFIX, SCHEDULES_KEY,
};
use crate::module::{attributes, benefit_due, check_rules, index_values};
use crate::rules::Inputs;
use publica_runtime::authz::{has_role, Role};
use publica_runtime::routes::ReadError;
use publica_state::StateTree;
use publica_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Most entries of a run report or dry run returned at once.
pub const PAGE_MAX: u64 = 10_000;
/// Most enacted changes of terms a program's view lists (the latest).
pub const AMENDMENTS_SHOWN: u32 = 100;

fn read<T: serde::de::DeserializeOwned>(state: &StateTree, key: &[u8]) -> Option<T> {
    state.get(key).and_then(|b| serde_json::from_slice(&b).ok())
}

/// A program.
pub fn program(state: &StateTree, id: &str) -> Option<Program> {
    read(state, &program_key(id))
}

/// Totals per period, in period order.
pub fn periods(state: &StateTree, id: &str) -> Vec<(String, PeriodTotals)> {
    let list: Vec<String> = read(state, &periods_key(id)).unwrap_or_default();
    list.into_iter()
        .filter_map(|p| Some((p.clone(), read(state, &period_key(id, &p))?)))
        .collect()
}

/// A program with its figures at `height`: enrolled, paid, remaining
/// budget, payouts per period, the next scheduled run, the rule version in
/// force and the hash an administrator's approval must name.
pub fn summary(state: &StateTree, id: &str, height: u64) -> Option<Value> {
    let p = program(state, id)?;
    let next_due: Option<u64> =
        read::<BTreeMap<String, u64>>(state, SCHEDULES_KEY).and_then(|s| s.get(id).copied());
    let cursor: Option<Cursor> = read(state, &cursor_key(id));
    let per: Vec<Value> = periods(state, id)
        .into_iter()
        .map(|(period, t)| json!({"period": period, "paid_count": t.paid_count, "paid_amount": t.paid_amount, "failed_count": t.failed_count}))
        .collect();
    let awaiting = if p.active {
        p.pending.as_ref().map(|x| x.hash.clone())
    } else {
        Some(p.definition_hash())
    };
    let first = p.terms_amended.saturating_sub(AMENDMENTS_SHOWN - 1).max(1);
    let amendments: Vec<TermsAmendment> = (first..=p.terms_amended)
        .filter_map(|n| read(state, &amendment_key(id, n)))
        .collect();
    Some(json!({
        "terms_approval_hash": p.pending_terms.as_ref().map(|t| t.hash.clone()),
        "amendments": amendments,
        "version_in_force": p.rules_at(height + 1).version,
        "definition_hash": p.definition_hash(),
        "approval_hash": awaiting,
        "program": p,
        "enrolled": p.enrolled,
        "paid_total": p.paid_total,
        "remaining_budget": p.remaining().to_string(),
        "periods": per,
        "schedule": {"next_due_ms": next_due, "cursor": cursor},
    }))
}

/// Every index (agency, name, threshold, latest published value), at
/// most [`PAGE_MAX`].
pub fn indexes(state: &StateTree) -> Vec<Value> {
    state
        .scan_prefix(INDEX_PREFIX, PAGE_MAX as usize)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<Index>(&v).ok())
        .map(|i| {
            let latest = i.values.iter().max_by(|a, b| a.period.cmp(&b.period));
            json!({"agency": i.agency, "name": i.name, "reference": format!("{}/{}", i.agency, i.name),
                   "threshold": i.threshold, "latest": latest, "published": i.values.len()})
        })
        .collect()
}

/// Agency `agency`'s index `name`: its published values and the votes
/// still short of the threshold.
pub fn index(state: &StateTree, agency: &str, name: &str) -> Option<Index> {
    read(state, &index_key(agency, name))
}

/// An enrolee's enrolment and payouts (each with its block and, when a
/// transaction made it, its transaction id for the receipt).
pub fn enrolee(state: &StateTree, id: &str, account: &AccountId) -> Option<Value> {
    let e: Enrolment = read(state, &enrolment_key(id, account))?;
    let payouts: Vec<RunEntry> = e
        .paid_periods
        .iter()
        .filter_map(|per| read(state, &paid_key(id, account, per)))
        .collect();
    Some(json!({"enrolment": e, "payouts": payouts}))
}

/// Entries `from .. from + limit` of a period's run (paid and failed), and
/// its totals: the payment run's reconciliation.
pub fn run(
    state: &StateTree,
    id: &str,
    period: &str,
    from: u64,
    limit: u64,
) -> Option<(PeriodTotals, Vec<RunEntry>)> {
    let t: PeriodTotals = read(state, &period_key(id, period))?;
    let end = t.entries.min(from.saturating_add(limit.min(PAGE_MAX)));
    let entries = (from..end)
        .filter_map(|n| read(state, &run_key(id, period, n)))
        .collect();
    Some((t, entries))
}

/// A proposed change of rules, for a dry run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// New eligibility rule (default: the current one).
    #[serde(default)]
    pub eligibility: Option<String>,
    /// New benefit rule.
    #[serde(default)]
    pub benefit: Option<String>,
    /// New condition.
    #[serde(default)]
    pub condition: Option<String>,
    /// New parameters (replace the current ones).
    #[serde(default)]
    pub params: Option<BTreeMap<String, i64>>,
    /// The period to evaluate (default: the current one).
    #[serde(default)]
    pub period: Option<String>,
}

/// One enrolee's line in a dry run.
#[derive(Clone, Debug, Serialize)]
pub struct DryRunLine {
    /// The enrolee.
    pub account: AccountId,
    /// Due under the current rules (0 when not due).
    pub current: u64,
    /// Due under the proposed rules.
    pub proposed: u64,
    /// proposed − current.
    pub delta: i64,
    /// Why nothing is due under the proposed rules, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_reason: Option<String>,
}

/// Evaluates current and proposed rules for every enrolee (up to
/// [`PAGE_MAX`]) at `now_ms`, and reports who gains or loses what.
/// `404` for an unknown program, `400` for a bad rule or period.
pub fn dry_run(
    state: &StateTree,
    id: &str,
    proposal: Proposal,
    height: u64,
    now_ms: u64,
) -> Result<Value, ReadError> {
    let p = program(state, id).ok_or_else(|| {
        ReadError::not_found(codes::UNKNOWN_PROGRAM, format!("no program '{id}'"))
    })?;
    let current = p.rules_at(height + 1).clone();
    let proposed = RuleVersion {
        version: current.version + 1,
        from_height: height + 1,
        from_ms: None,
        eligibility: proposal
            .eligibility
            .unwrap_or_else(|| current.eligibility.clone()),
        benefit: proposal.benefit.unwrap_or_else(|| current.benefit.clone()),
        condition: proposal.condition.or_else(|| current.condition.clone()),
        params: proposal.params.unwrap_or_else(|| current.params.clone()),
    };
    check_rules(&p, &proposed).map_err(|e| ReadError::new(400, &e.code, e.message))?;
    let per = proposal.period.unwrap_or_else(|| p.period_of(now_ms));
    if !p.pays_by(&per) {
        return Err(ReadError::new(400, codes::INVALID_PERIOD, p.period_form()));
    }
    let get = |k: &[u8]| state.get(k).map(std::borrow::Cow::into_owned);
    let role = |agency: &str, who: &AccountId| has_role(state, agency, who, Role::Attester);
    let index = index_values(&get, &p, &per);
    let (mut gainers, mut losers) = (0u64, 0u64);
    // Each amount is at most the budget cap (2^53), so 10,000 of them fit.
    let (mut total_current, mut total_proposed) = (0u128, 0u128);
    let mut lines = Vec::new();
    for seq in 0..p.enrolled.min(PAGE_MAX) {
        let Some(account) = read::<Value>(state, &seq_key(id, seq)).and_then(|v| {
            v["account"]
                .as_str()
                .and_then(|s| s.parse::<AccountId>().ok())
        }) else {
            continue;
        };
        let attr = attributes(&get, &role, &p, &account, &per, now_ms);
        let at = |rv: &RuleVersion| Inputs {
            attr: attr.clone(),
            params: rv.params.clone(),
            index: index.clone(),
            period: per.clone(),
        };
        let cur = benefit_due(&p, &current, &at(&current), false).unwrap_or(0);
        let (new, reason) = match benefit_due(&p, &proposed, &at(&proposed), false) {
            Ok(a) => (a, None),
            Err((code, m)) => (0, Some(format!("{code}: {m}"))),
        };
        total_current += u128::from(cur);
        total_proposed += u128::from(new);
        match new.cmp(&cur) {
            std::cmp::Ordering::Greater => gainers += 1,
            std::cmp::Ordering::Less => losers += 1,
            std::cmp::Ordering::Equal => {}
        }
        if new != cur {
            lines.push(DryRunLine {
                account,
                current: cur,
                proposed: new,
                delta: new as i64 - cur as i64,
                proposed_reason: reason,
            });
        }
    }
    Ok(json!({
        "program": id,
        "period": per,
        "enrolees": p.enrolled,
        "gainers": gainers,
        "losers": losers,
        "unchanged": p.enrolled.min(PAGE_MAX) - gainers - losers,
        "total_current": total_current.to_string(),
        "total_proposed": total_proposed.to_string(),
        "changes": lines,
    }))
}
