//! The pilot evaluation report: for a program, period by period, how fast
//! benefits were paid once due, how much officials had to do per payout,
//! what failed and why, the overrides granted, and how much of the budget
//! was executed — the figures a pilot is judged on before it grows.
//!
//! Everything comes from the ledger itself: the payment runs (every payout
//! and failure with its height and kind), the enrolments (when each
//! became payable), the blocks' times, and the nullifier records.

use crate::model::{
    enrolment_key, periods_key, run_key, Enrolment, NullifierUse, PayoutKind, PeriodTotals,
    Program, RunEntry,
};
use crate::{period, queries};
use publica_state::StateTree;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Most run entries the API's report reads (beyond, it says it stopped).
pub const ENTRIES_MAX: u64 = 500_000;

const HOUR_MS: f64 = 3_600_000.0;

fn read<T: serde::de::DeserializeOwned>(state: &StateTree, key: &[u8]) -> Option<T> {
    state.get(key).and_then(|b| serde_json::from_slice(&b).ok())
}

/// The nearest-rank `q`th percentile of sorted `xs`, in hours.
fn percentile_hours(xs: &[u64], q: usize) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let i = (xs.len() * q).div_ceil(100).clamp(1, xs.len()) - 1;
    Some((xs[i] as f64 / HOUR_MS * 10.0).round() / 10.0)
}

fn pct(part: u128, whole: u128) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    ((part as f64) * 1000.0 / whole as f64).round() / 10.0
}

/// The report for program `id`, reading at most `entries_max` run entries
/// (`complete` says whether it read them all); `block_time` gives a
/// committed block's time. `None` when there is no such program.
pub fn report(
    state: &StateTree,
    id: &str,
    block_time: &dyn Fn(u64) -> Option<u64>,
    entries_max: u64,
) -> Option<Value> {
    let p: Program = queries::program(state, id)?;
    let periods: Vec<String> = read(state, &periods_key(id)).unwrap_or_default();
    let mut times: BTreeMap<u64, Option<u64>> = BTreeMap::new();
    let mut enrolled_at: BTreeMap<String, u64> = BTreeMap::new();
    let mut read_entries = 0u64;
    let mut complete = true;
    let mut cumulative: u128 = 0;
    let mut rows = Vec::new();
    for per in &periods {
        let Some(t) = read::<PeriodTotals>(state, &crate::model::period_key(id, per)) else {
            continue;
        };
        let start = period::start_ms(per).unwrap_or(0);
        let mut delays: Vec<u64> = Vec::new();
        let mut by_kind: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut failed: BTreeMap<String, u64> = BTreeMap::new();
        let mut overrides: BTreeMap<&'static str, u64> = BTreeMap::new();
        let (mut paid, mut recovered, mut actions) = (0u128, 0u128, 0u64);
        for n in 0..t.entries {
            if read_entries >= entries_max {
                complete = false;
                break;
            }
            read_entries += 1;
            let Some(e) = read::<RunEntry>(state, &run_key(id, per, n)) else {
                continue;
            };
            if e.status != "paid" {
                *failed.entry(e.code.unwrap_or_default()).or_default() += 1;
                continue;
            }
            paid += e.amount.get();
            recovered += e.recovered.get();
            *by_kind.entry(e.kind.as_str()).or_default() += 1;
            // An official signed each payout but the schedule's; an
            // override took two.
            actions += match e.kind {
                PayoutKind::Scheduled => 0,
                PayoutKind::Override => 2,
                PayoutKind::OnDemand | PayoutKind::Conditional => 1,
            };
            if let Some(r) = e.override_reason {
                *overrides.entry(r.as_str()).or_default() += 1;
            }
            // Due from the period's start, the program's, or the
            // enrolment's, whichever came last.
            let account = e.account.to_hex();
            let enrolled = *enrolled_at.entry(account).or_insert_with(|| {
                read::<Enrolment>(state, &enrolment_key(id, &e.account)).map_or(0, |x| x.time_ms)
            });
            let due = start.max(p.start_ms).max(enrolled);
            if let Some(at) = *times
                .entry(e.height)
                .or_insert_with(|| block_time(e.height))
            {
                delays.push(at.saturating_sub(due));
            }
        }
        delays.sort_unstable();
        cumulative += paid;
        let payouts: u64 = by_kind.values().sum();
        let failed: Map<String, Value> = failed.into_iter().map(|(k, v)| (k, json!(v))).collect();
        rows.push(json!({
            "period": per,
            "payouts": payouts,
            "paid_amount": paid.to_string(),
            "recovered_amount": recovered.to_string(),
            "by_kind": by_kind,
            "failed": failed,
            "overrides": overrides,
            "hours_to_payment_p50": percentile_hours(&delays, 50),
            "hours_to_payment_p99": percentile_hours(&delays, 99),
            "official_actions": actions,
            "actions_per_payout": if payouts == 0 { Value::Null } else { json!(((actions as f64 / payouts as f64) * 100.0).round() / 100.0) },
            "cumulative_paid": cumulative.to_string(),
            "cumulative_budget_executed_pct": pct(cumulative, p.budget_cap.get()),
        }));
        if !complete {
            break;
        }
    }
    // Duplicate enrolments let through by two officials' overrides.
    let allowed: u64 = state
        .scan_prefix(
            format!("programs/nullifier/{id}/").as_bytes(),
            ENTRIES_MAX as usize,
        )
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<NullifierUse>(&v).ok())
        .map(|u| u64::from(u.allowed_extra))
        .sum();
    Some(json!({
        "program": p.id,
        "currency": p.currency,
        "budget_cap": p.budget_cap,
        "paid_total": p.paid_total,
        "budget_executed_pct": pct(p.paid_total.get(), p.budget_cap.get()),
        "enrolled": p.enrolled,
        "suspended": p.suspended,
        "exited": p.exited,
        "duplicate_enrolments_allowed_by_override": allowed,
        "fees": "0",
        "complete": complete,
        "periods": rows,
    }))
}

/// The report's periods as CSV, one row per period (counts by code or
/// reason as `code=n` joined by `;`).
pub fn csv(report: &Value) -> String {
    publica_types::csv::table(
        &[
            "period",
            "payouts",
            "paid_amount",
            "recovered_amount",
            "failed",
            "overrides",
            "hours_to_payment_p50",
            "hours_to_payment_p99",
            "official_actions",
            "actions_per_payout",
            "cumulative_budget_executed_pct",
        ],
        report["periods"].as_array().into_iter().flatten(),
    )
}
