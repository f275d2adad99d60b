//! Welfare programs through the real binary: `publica dev --demo` seeds a
//! pilot through the node's own admission, and the programs API answers
//! with figures, reconciliation reports (JSON, CSV, G2P shapes), per-enrolee
//! payouts with receipts, dry runs and clear errors; the chain, ledger
//! events included, replays from genesis.

mod common;

use common::*;
use serde_json::{json, Value};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

#[test]
fn demo_pilot_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &["--demo"]);
    // The API serves once the demo is seeded.
    let (s, ubi) = get(&format!("{}/v1/programs/ubi", node.url));
    assert_eq!(s, 200, "{ubi}");
    assert_eq!(ubi["enrolled"], 300);
    let periods = ubi["periods"].as_array().unwrap();
    assert_eq!(
        periods.len(),
        4,
        "three retroactive months and the current one: {periods:?}"
    );
    for p in periods {
        assert_eq!(
            (p["paid_count"].as_u64(), p["failed_count"].as_u64()),
            (Some(300), Some(0)),
            "{p}"
        );
    }
    assert_eq!(ubi["paid_total"], "12000000");
    assert_eq!(ubi["remaining_budget"], "188000000");
    let (_, cct) = get(&format!("{}/v1/programs/cct", node.url));
    assert_eq!(cct["enrolled"], 120);
    let paid: u64 = cct["paid_total"].as_str().unwrap().parse().unwrap();
    assert!(
        paid > 0 && paid.is_multiple_of(2500) && paid < 3 * 120 * 2500,
        "only some children met the condition: {paid}"
    );

    // The current month's UBI was paid by the ledger's schedule: its run
    // entries have no transaction, and a block carries them as ledger events.
    let current = periods[3]["period"].as_str().unwrap().to_string();
    let (s, run) = get(&format!("{}/v1/programs/ubi/runs/{current}", node.url));
    assert_eq!(s, 200);
    assert_eq!(run["entries"].as_array().unwrap().len(), 300);
    assert!(run["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "scheduled" && e["tx_id"].is_null()));
    let h = run["entries"][0]["height"].as_u64().unwrap();
    let (_, block) = get(&format!("{}/v1/blocks/{h}", node.url));
    assert!(
        block["ledger_events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "payout")),
        "block {h} carries the scheduled payouts"
    );
    // Reconciliation as CSV and in G2P Connect's disburse shapes.
    let first = periods[0]["period"].as_str().unwrap();
    let r = http()
        .get(format!(
            "{}/v1/programs/ubi/runs/{first}?format=csv&limit=10",
            node.url
        ))
        .send()
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().unwrap();
    assert_eq!(csv.lines().count(), 11, "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains(",paid,10000,EXC,,1,on_demand,"),
        "{csv}"
    );
    let (_, g2p) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?format=g2p&limit=5",
        node.url
    ));
    assert_eq!(g2p["message"]["disbursements"].as_array().unwrap().len(), 5);
    assert_eq!(g2p["message"]["disbursements"][0]["status"], "succ");
    assert_eq!(g2p["header"]["completed_count"], 300);

    // An enrolee's payouts carry their receipts' transaction ids.
    let account = run["entries"][0]["account"].as_str().unwrap().to_string();
    let (s, e) = get(&format!("{}/v1/programs/ubi/enrolees/{account}", node.url));
    assert_eq!(s, 200, "{e}");
    let payouts = e["payouts"].as_array().unwrap();
    assert_eq!(payouts.len(), 4);
    assert_eq!(
        payouts.iter().filter(|p| p["kind"] == "scheduled").count(),
        1
    );
    let tx = payouts
        .iter()
        .find_map(|p| p["tx_id"].as_str())
        .expect("on-demand payouts name their transaction");
    let (s, receipt) = get(&format!("{}/v1/transactions/{tx}", node.url));
    assert_eq!(s, 200);
    assert_eq!(receipt["outcome"]["status"], "ok", "{receipt}");

    // Dry run: who gains and loses, nothing enacted.
    let (s, dry) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"eligibility": "attr.resident && attr.age >= 30", "params": {"monthly": 11000}}),
    );
    assert_eq!(s, 200, "{dry}");
    let (g, l) = (
        dry["gainers"].as_u64().unwrap(),
        dry["losers"].as_u64().unwrap(),
    );
    assert!(g > 0 && l > 0 && g + l <= 300, "{g} {l}");
    assert_eq!(
        get(&format!("{}/v1/programs/ubi", node.url)).1["program"]["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Bad input: each with its status and code.
    let (s, v) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"benefit": "params.monthly * 1.1"}),
    );
    assert_eq!((s, code(&v)), (400, "programs.invalid_rule"));
    assert!(v["message"].as_str().unwrap().contains("column"), "{v}");
    let (s, v) = post(
        &format!("{}/v1/programs/nope/dry-run", node.url),
        &json!({}),
    );
    assert_eq!((s, code(&v)), (404, "programs.unknown_program"));
    let (s, v) = post_raw(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        b"{nope".to_vec(),
    );
    assert_eq!((s, code(&v)), (400, "request.malformed_json"));
    let (s, v) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"surprise": 1}),
    );
    assert_eq!((s, code(&v)), (400, "request.malformed_json"));
    let (s, v) = get(&format!("{}/v1/programs/nope", node.url));
    assert_eq!((s, code(&v)), (404, "programs.unknown_program"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/enrolees/xyz", node.url));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/enrolees/{}",
        node.url,
        "00".repeat(32)
    ));
    assert_eq!((s, code(&v)), (404, "programs.not_enrolled"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/runs/2026-13", node.url));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/runs/1999-01", node.url));
    assert_eq!((s, code(&v)), (404, "programs.invalid_period"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?format=xml",
        node.url
    ));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?limit=0",
        node.url
    ));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));

    // Stop; every block, ledger events included, replays from genesis; a
    // restart does not seed again or pay twice.
    let data = node.data_dir.clone();
    assert!(node.terminate().success());
    assert!(verify_chain(&data) > 0);
    let node = TestNode::start_in(&data, &["--demo"]);
    let (_, again) = get(&format!("{}/v1/programs/ubi", node.url));
    assert_eq!(again["paid_total"], "12000000");
    assert_eq!(again["enrolled"], 300);
}
