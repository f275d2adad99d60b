//! In-process cost of adjudicating claims (one core, signatures excluded):
//! `cargo run --release -p publica-claims --example adjudicate_bench -- 20000`.
//! A plan, 1,000 members with policies, one provider officer; then N
//! claims, 500 per block, each judged by the rules and paid; prints the
//! time per claim.

use publica_claims::Claims;
use publica_crypto::Keypair;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::json;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["ins"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Claims));
    let mut c = TestChain::new(rt, genesis.initial_state());
    c.time_ms = 1_805_112_000_000;
    let me = admin.account();
    for role in ["program_officer", "treasurer", "custodian", "merchant"] {
        c.call(
            &admin,
            "identity",
            "grant_role",
            json!({"agency": "ins", "account": me, "role": role}),
        )
        .unwrap();
    }
    for (m, a) in [
        (
            "create_currency",
            json!({"agency": "ins", "code": "EUR", "name": "E", "decimals": 2, "supply_cap": "1000000000000000"}),
        ),
        (
            "propose_appropriation",
            json!({"agency": "ins", "currency": "EUR", "id": "p", "name": "P", "cap": "1000000000000000"}),
        ),
        (
            "approve_appropriation",
            json!({"agency": "ins", "currency": "EUR", "id": "p"}),
        ),
        (
            "open_account",
            json!({"id": "plan:b", "currency": "EUR", "owner": {"kind": "program", "agency": "ins", "program": "claims:b"}, "agency": "ins"}),
        ),
        (
            "mint",
            json!({"agency": "ins", "currency": "EUR", "appropriation": "p", "to": "plan:b", "amount": "1000000000000000"}),
        ),
        (
            "accredit_merchant",
            json!({"agency": "ins", "currency": "EUR", "merchant": me, "categories": ["health"]}),
        ),
        (
            "open_account",
            json!({"id": "payee", "currency": "EUR", "owner": {"kind": "merchant", "account": me, "agency": "ins", "category": "health"}, "agency": "ins"}),
        ),
    ] {
        c.call(&admin, "money", m, a).unwrap();
    }
    c.call(&admin, "claims", "define_plan", json!({"agency": "ins", "id": "b", "name": "B", "currency": "EUR", "account": "plan:b",
        "cover": "attr.code != 'COSMETIC' && !(attr.diagnosis in ['Z41.1'])", "refer": "attr.total > 500000",
        "tariff": {"99213": "15000", "80053": "4000"}, "annual_limit": "100000000000", "copay_pct": 20})).unwrap();
    let members: Vec<_> = (0..1000).map(|_| Keypair::generate().account()).collect();
    for m in &members {
        c.call(&admin, "claims", "enrol", json!({"agency": "ins", "plan": "b", "member": m, "from": "2027-01-01", "until": "2027-12-31"})).unwrap();
    }
    let mut nonce = publica_runtime::nonce::committed_nonce(&c.state, &me) + 1;
    let txs: Vec<_> = (0..n)
        .map(|k| {
            let day = 1 + (k / 1000) % 28;
            let month = 1 + (k / 28_000) % 2;
            nonce += 1;
            TestChain::sign(me, &admin, nonce - 1, "claims", "submit", json!({"provider": "ins", "id": format!("k{k}"), "agency": "ins", "plan": "b",
                "member": members[k % 1000], "service_date": format!("2027-{month:02}-{day:02}"), "diagnosis": "E11.9",
                "items": [{"code": "99213", "amount": "15000"}], "payee": "payee"}))
        })
        .collect();
    let started = Instant::now();
    for chunk in txs.chunks(500) {
        let out = c.push(chunk.to_vec());
        assert!(
            out.iter().all(|o| o.status == publica_types::TxStatus::Ok),
            "{:?}",
            out[0].error
        );
    }
    let s = started.elapsed().as_secs_f64();
    println!(
        "{n} claims in {s:.2} s: {:.1} µs per claim ({:.0}/s on one core)",
        s * 1e6 / n as f64,
        n as f64 / s
    );
}
