//! `publica bench --workload claims`: insurance claims adjudicated by a
//! plan's rules at national scale. The bench's official sets up a fund
//! currency, a plan (cover and referral rules in CEL, a tariff, a yearly
//! limit, a co-payment) with its funded account, a payee account it is
//! accredited for, `--members` members with policies for the year, and 64
//! provider officers. Then `--claims` claims — one per transaction, each of
//! its own member and day — are pre-signed before the clock starts,
//! submitted over HTTP batches of 500 with at most 20,000 in flight, and timed from
//! the first submission to the last receipt; every claim is judged by the
//! rules in its transaction and paid through money. The plan's report must
//! then count every claim submitted and approved.

use crate::load::BenchConfig;
use crate::setup::{run_tag, sign, with_role, Session};
use anyhow::{bail, Context, Result};
use publica_crypto::Keypair;
use publica_types::Envelope;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Instant;

/// Provider officers submitting (each its own nonces).
const OFFICERS: usize = 64;
/// Transactions per batch request.
const BATCH: usize = 500;
/// Batch requests in flight before the next waits for the oldest's
/// receipt: 20,000 claims, as many as the EPCIS workload's events.
const WINDOW: usize = 40;
/// Days of the year claims are spread over (all before 5 December).
const DAYS: usize = 330;

/// What the claims workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimsReport {
    /// Members with a policy.
    pub members: usize,
    /// Claims adjudicated in the timed phase.
    pub claims: usize,
    /// From the first submission to the last receipt, seconds.
    pub seconds: f64,
    /// Claims committed (judged and paid) per second.
    pub claims_per_s: f64,
    /// Claims the plan's report counts approved.
    pub approved: u64,
}

impl ClaimsReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "claims: {} members with policies\nadjudicated: {} claims in {:.2} s ({:.0} claims/s committed, each judged by CEL rules and paid through money); {} approved by the report\n",
            self.members, self.claims, self.seconds, self.claims_per_s, self.approved
        )
    }
}

fn key(tag: &str, what: &str, i: usize) -> Keypair {
    Keypair::from_seed(*publica_crypto::sha256(format!("{tag} {what} {i}").as_bytes()).as_bytes())
}

/// The setup calls, in order, after the official holds `program_officer`.
fn setup_calls(
    agency: &str,
    me: &str,
    code: &str,
    officers: &[Keypair],
) -> Vec<(&'static str, &'static str, Value)> {
    let mut calls: Vec<(&'static str, &'static str, Value)> =
        ["treasurer", "custodian", "merchant"]
            .into_iter()
            .map(|role| {
                (
                    "identity",
                    "grant_role",
                    json!({"agency": agency, "account": me, "role": role}),
                )
            })
            .collect();
    calls.extend(officers.iter().map(|o| {
        (
            "identity",
            "add_member",
            json!({"agency": agency, "account": o.account(), "roles": ["custodian"]}),
        )
    }));
    calls.extend([
        ("money", "create_currency", json!({"agency": agency, "code": code, "name": "Bench fund", "decimals": 2, "supply_cap": "1000000000000000"})),
        ("money", "propose_appropriation", json!({"agency": agency, "currency": code, "id": "bench", "name": "Bench premiums", "cap": "1000000000000000"})),
        ("money", "approve_appropriation", json!({"agency": agency, "currency": code, "id": "bench"})),
        ("money", "open_account", json!({"id": format!("plan:{}", code.to_lowercase()), "currency": code,
            "owner": {"kind": "program", "agency": agency, "program": format!("claims:{}", code.to_lowercase())}, "agency": agency})),
        ("money", "mint", json!({"agency": agency, "currency": code, "appropriation": "bench",
            "to": format!("plan:{}", code.to_lowercase()), "amount": "1000000000000000"})),
        ("money", "accredit_merchant", json!({"agency": agency, "currency": code, "merchant": me, "categories": ["health"]})),
        ("money", "open_account", json!({"id": format!("payee:{}", code.to_lowercase()), "currency": code,
            "owner": {"kind": "merchant", "account": me, "agency": agency, "category": "health"}, "agency": agency})),
        ("claims", "define_plan", json!({"agency": agency, "id": code.to_lowercase(), "name": "Bench plan", "currency": code,
            "account": format!("plan:{}", code.to_lowercase()),
            "cover": "attr.code != 'COSMETIC' && !(attr.diagnosis in ['Z41.1'])",
            "refer": "attr.total > 500000",
            "tariff": {"99213": "15000", "80053": "4000", "COSMETIC": "90000"},
            "annual_limit": "100000000000", "copay_pct": 20})),
    ]);
    calls
}

/// Runs the workload: `members` policies, `claims` claims timed.
pub async fn run(cfg: &BenchConfig, members: usize, claims: usize) -> Result<ClaimsReport> {
    let Session {
        target,
        agency,
        http,
        chain,
    } = Session::open(cfg).await?;
    let tag = run_tag()?;
    let code = format!("B{}", &tag[..5]);
    let plan = code.to_lowercase();
    let admin = &target.admin;
    let me = admin.account();
    let officers: Vec<Keypair> = (0..OFFICERS).map(|i| key(&tag, "officer", i)).collect();
    let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .unwrap_or(1);
    let calls = setup_calls(&agency, &me.to_hex(), &code, &officers);
    let mut nonce = with_role(
        &http,
        admin,
        &chain,
        nonce,
        (&agency, "program_officer"),
        calls,
    )
    .await?;
    let member_keys: Vec<_> = (0..members)
        .map(|i| key(&tag, "member", i).account())
        .collect();
    let enrols: Vec<Envelope> = member_keys
        .iter()
        .map(|m| {
            nonce += 1;
            sign(admin, me, &chain, nonce - 1, "claims", "enrol",
                json!({"agency": agency, "plan": plan, "member": m, "from": "2026-01-01", "until": "2026-12-31"}))
        })
        .collect();
    crate::epcis::pump(&http, &enrols, 1_000, 4)
        .await
        .context("the policies")?;
    eprintln!(
        "bench: claims on {}: plan {plan}, {members} members; signing {claims} claims",
        target.url
    );
    let mut nonces = vec![1u64; OFFICERS];
    let txs: Vec<Envelope> = (0..claims)
        .map(|k| {
            let o = k % OFFICERS;
            let (member, day) = (k % members, (k / members) % DAYS);
            let (y, m, d) = publica_types::calendar::civil_from_days(publica_types::calendar::days_from_civil(2026, 1, 1) + i64::try_from(day).unwrap_or(0));
            let date = format!("{y:04}-{m:02}-{d:02}");
            let code_of = if (k / (members * DAYS)).is_multiple_of(2) { "99213" } else { "80053" };
            nonces[o] += 1;
            sign(&officers[o], officers[o].account(), &chain, nonces[o] - 1, "claims", "submit",
                json!({"provider": agency, "id": format!("k{k}"), "agency": agency, "plan": plan,
                    "member": member_keys[member], "service_date": date, "diagnosis": "E11.9",
                    "items": [{"code": code_of, "amount": "15000"}], "payee": format!("payee:{plan}")}))
        })
        .collect();
    let started = Instant::now();
    crate::epcis::pump(&http, &txs, BATCH, WINDOW)
        .await
        .context("the claims")?;
    let seconds = started.elapsed().as_secs_f64();
    let (y, m, _) = publica_types::calendar::civil_from_days(
        i64::try_from(publica_types::now_ms() / 86_400_000).unwrap_or(0),
    );
    let report = http
        .get(&format!(
            "/v1/claims/plans/{agency}/{plan}/report?from={y:04}-{m:02}"
        ))
        .await?;
    let approved = report["total"]["approved"].as_u64().unwrap_or(0);
    if report["total"]["submitted"].as_u64() != Some(claims as u64) || approved != claims as u64 {
        bail!(
            "the plan's report does not count every claim approved: {}",
            report["total"]
        );
    }
    Ok(ClaimsReport {
        members,
        claims,
        seconds,
        claims_per_s: claims as f64 / seconds,
        approved,
    })
}
