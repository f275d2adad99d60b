//! Crash test: the real binary is killed with SIGKILL at random moments while
//! clients submit transactions, and restarted on the same data directory.
//! Every transaction whose receipt a client saw must still be there with the
//! same result; the chain must stay linked; and replaying the block log from
//! genesis must reproduce every state root.
//!
//! Reproduce a run with `CRASH_SEED=<seed printed on failure>`.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, post, Dice, TestNode};
use publica_crypto::Keypair;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: usize = 22;
const CLIENTS: usize = 3;

/// What a client saw committed: tx id -> the receipt's lasting parts.
pub(crate) type Seen = Arc<Mutex<BTreeMap<String, Value>>>;

pub(crate) fn lasting(receipt: &Value) -> Value {
    json!({
        "block_height": receipt["block_height"],
        "block_hash": receipt["block_hash"],
        "index": receipt["index"],
        "outcome": receipt["outcome"],
        "transaction": receipt["transaction"],
    })
}

/// Submits transactions one after another until `stop`, recording receipts.
/// Client `me` of `CLIENTS`: notes, and money transfers from its own
/// account `c<me>` to the next client's, so recovery replays identity and
/// money state too.
pub(crate) fn client(
    url: String,
    me: usize,
    kp: Arc<Keypair>,
    seen: Seen,
    stop: Arc<AtomicBool>,
    mut rng: Dice,
) {
    let http = crate::common::http();
    let next = match http
        .get(format!("{url}/v1/accounts/{}/nonce", kp.account()))
        .send()
    {
        Ok(r) => r
            .json::<Value>()
            .ok()
            .and_then(|v| v["next_nonce"].as_u64()),
        Err(_) => None,
    };
    let Some(mut nonce) = next else { return };
    while !stop.load(Ordering::SeqCst) {
        let env = match rng.below(5) {
            _ if nonce == 1 => crate::common::system_tx(&kp, nonce, "register_account", json!({})),
            0 => crate::common::system_tx(&kp, nonce, "clear_note", json!({})),
            1 | 2 => crate::common::sign(
                &kp,
                "publica-dev",
                nonce,
                publica_types::Expiry::Height(1_000_000),
                "money",
                "transfer",
                json!({"from": format!("c{me}"), "to": format!("c{}", (me + 1) % CLIENTS), "amount": "1"}),
            ),
            _ => crate::common::system_tx(
                &kp,
                nonce,
                "set_note",
                json!({ "note": format!("n{nonce}") }),
            ),
        };
        let sent = http
            .post(format!("{url}/v1/transactions"))
            .json(&env)
            .send();
        let Ok(resp) = sent else { return };
        if resp.status().as_u16() != 202 {
            // The node restarted under us and lost pending transactions; or
            // it is going down. Either way this client's turn is over.
            return;
        }
        let id = resp.json::<Value>().unwrap()["tx_id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = http
            .get(format!("{url}/v1/transactions/{id}?wait_ms=3000"))
            .send();
        let Ok(r) = r else { return };
        if r.status().as_u16() != 200 {
            return;
        }
        let receipt: Value = r.json().unwrap();
        seen.lock().unwrap().insert(id, lasting(&receipt));
        nonce += 1;
    }
}

/// Sets up money for `keys` on a fresh dev chain: a currency, an approved
/// appropriation, and a funded account `c<i>` for each key, by the dev
/// genesis administrator.
pub(crate) fn fund_clients(node: &TestNode, keys: &[Arc<Keypair>]) {
    let admin = crate::common::dev_admin(&node.data_dir);
    let mut n = 0;
    let mut call = |method: &str, args: Value| {
        n += 1;
        let env = crate::common::sign(
            &admin,
            "publica-dev",
            n,
            publica_types::Expiry::Height(1_000_000),
            if method == "add_member" {
                "identity"
            } else {
                "money"
            },
            method,
            args,
        );
        let (s, v) = crate::common::submit(node, &env);
        assert_eq!(s, 202, "{v}");
        let r = crate::common::receipt(node, v["tx_id"].as_str().unwrap());
        assert_eq!(r["outcome"]["status"], "ok", "{method}: {}", r["outcome"]);
    };
    call(
        "add_member",
        json!({"agency": "dev-agency", "account": admin.account(), "roles": ["treasurer"]}),
    );
    call(
        "create_currency",
        json!({"agency": "dev-agency", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000"}),
    );
    call(
        "propose_appropriation",
        json!({"agency": "dev-agency", "currency": "EURC", "id": "a", "name": "A", "cap": "1000000"}),
    );
    call(
        "approve_appropriation",
        json!({"agency": "dev-agency", "currency": "EURC", "id": "a"}),
    );
    call(
        "open_account",
        json!({"agency": "dev-agency", "id": "pool", "currency": "EURC", "owner": {"kind": "agency", "agency": "dev-agency"}}),
    );
    call(
        "mint",
        json!({"agency": "dev-agency", "currency": "EURC", "appropriation": "a", "to": "pool", "amount": "1000000"}),
    );
    for (i, k) in keys.iter().enumerate() {
        call(
            "open_account",
            json!({"agency": "dev-agency", "id": format!("c{i}"), "currency": "EURC", "owner": {"kind": "citizen", "account": k.account()}}),
        );
        call(
            "transfer",
            json!({"from": "pool", "to": format!("c{i}"), "amount": "100000"}),
        );
    }
}

#[test]
fn kill_dash_nine_at_random_moments_loses_nothing_committed() {
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed: CRASH_SEED={seed}");
    let mut rng = Dice(seed);
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<Arc<Keypair>> = (0..CLIENTS)
        .map(|_| Arc::new(Keypair::generate()))
        .collect();
    let seen: Seen = Arc::new(Mutex::new(BTreeMap::new()));
    // Small snapshot interval so recovery runs from snapshots too.
    let args = ["--block-ms", "5", "--snapshot-every", "7"];

    // Money for the clients: a currency, an approved appropriation, and a
    // funded account each, set up by the dev genesis administrator.
    {
        let node = TestNode::start_in(dir.path(), &args);
        fund_clients(&node, &keys);
        node.kill9();
    }

    for round in 0..KILLS {
        let node = TestNode::start_in(dir.path(), &args);
        // Everything seen so far survived the previous crash, unchanged.
        for (id, expected) in seen.lock().unwrap().iter() {
            let (s, r) = get(&format!("{}/v1/transactions/{id}", node.url));
            assert_eq!(
                s, 200,
                "round {round}: committed tx {id} lost (seed {seed})"
            );
            assert_eq!(
                &lasting(&r),
                expected,
                "round {round}: tx {id} changed (seed {seed})"
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(me, kp)| {
                let (url, kp, seen, stop) =
                    (node.url.clone(), kp.clone(), seen.clone(), stop.clone());
                let r = Dice(rng.next() | 1);
                std::thread::spawn(move || client(url, me, kp, seen, stop, r))
            })
            .collect();
        // Also push a batch now and then, so blocks of different sizes die.
        if rng.below(2) == 0 {
            let kp = Keypair::generate();
            let batch: Vec<Value> = (1..=50u64)
                .map(|n| json!(crate::common::note_tx(&kp, n, "b")))
                .collect();
            let _ = post(
                &format!("{}/v1/transactions/batch", node.url),
                &json!({ "transactions": batch }),
            );
        }
        std::thread::sleep(Duration::from_millis(60 + rng.below(400)));
        node.kill9();
        stop.store(true, Ordering::SeqCst);
        for h in handles {
            h.join().unwrap();
        }
    }

    let committed = seen.lock().unwrap().len();
    let transfers_ok = seen
        .lock()
        .unwrap()
        .values()
        .filter(|r| {
            r["transaction"]["body"]["call"]["module"] == "money" && r["outcome"]["status"] == "ok"
        })
        .count();
    assert!(
        transfers_ok >= 10,
        "the workload moved money: {transfers_ok} transfers"
    );
    assert!(
        committed >= 50,
        "too few transactions committed to mean anything: {committed}"
    );

    // Final restart: chain links and receipts.
    let node = TestNode::start_in(dir.path(), &args);
    for (id, expected) in seen.lock().unwrap().iter() {
        let (s, r) = get(&format!("{}/v1/transactions/{id}", node.url));
        assert_eq!(s, 200, "final: committed tx {id} lost (seed {seed})");
        assert_eq!(
            &lasting(&r),
            expected,
            "final: tx {id} changed (seed {seed})"
        );
    }
    let (_, status) = get(&format!("{}/v1/status", node.url));
    let height = status["height"].as_u64().unwrap();
    let mut parent = "0".repeat(64);
    let mut log_size = 0;
    for h in 1..=height {
        let (s, b) = get(&format!("{}/v1/blocks/{h}", node.url));
        assert_eq!(s, 200);
        assert_eq!(
            b["header"]["parent_hash"].as_str().unwrap(),
            parent,
            "block {h} link"
        );
        log_size += b["header"]["tx_count"].as_u64().unwrap();
        assert_eq!(b["header"]["log_size"].as_u64().unwrap(), log_size);
        parent = b["hash"].as_str().unwrap().to_string();
    }
    assert_eq!(status["block_hash"].as_str().unwrap(), parent);
    drop(node);

    // Replaying the log from genesis reproduces every state root.
    assert_eq!(crate::common::verify_chain(dir.path()), height);
    eprintln!("crash test: {KILLS} kills, {committed} receipts checked, {height} blocks replayed");
}

/// Where the committed ledger fixture lives: a small chain in ledger format
/// 4, written by an earlier build, which every later version must replay to
/// the same roots (and migrate: `migrate_e2e`).
fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-4")
}

/// Replays the committed fixture from genesis: every block's state,
/// results and log roots must come out as they were written (wire format,
/// stored bytes and roots unchanged).
#[test]
fn a_ledger_written_before_replays_to_the_same_roots() {
    let src = fixture_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(src.join("expected.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in ["CHAIN_ID", "LEDGER_FORMAT", "genesis.json", "blocks.log"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    assert_eq!(
        crate::common::verify_chain(dir.path()),
        expected["blocks"].as_u64().unwrap()
    );
    // Migrated to the current format, the node serves it: the tip's header
    // is the recorded one.
    let m = crate::migrate_e2e::migrate(dir.path(), &[]).unwrap();
    assert_eq!(m["from_format"], 4, "{m}");
    let node = TestNode::start_in(dir.path(), &[]);
    let h = expected["blocks"].as_u64().unwrap();
    let (s, block) = get(&format!("{}/v1/blocks/{h}", node.url));
    assert_eq!(s, 200, "{block}");
    assert_eq!(block["header"], expected["tip"], "{block}");
}

/// Writes the fixture above (run by hand, with the code whose format it
/// pins): `PUBLICA_FIXTURE_OUT=tests/fixtures/ledger-format-4 cargo test -p
/// publica-cli --test cli -- --ignored write_ledger_fixture`. Every
/// module's calls, successes and each kind of failure (unknown method, bad
/// arguments, an unauthorised signer with bad arguments, a rule refusal).
#[test]
#[ignore = "writes the committed fixture; run by hand"]
fn write_ledger_fixture() {
    let out = std::path::PathBuf::from(std::env::var("PUBLICA_FIXTURE_OUT").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &[]);
    let admin = crate::common::dev_admin(&data);
    let seeded = |n: u8| Keypair::from_seed([n; 32]);
    let (x, stranger, kid) = (seeded(1), seeded(2), seeded(3));
    let mut nonces: BTreeMap<String, u64> = BTreeMap::new();
    let mut run = |calls: Vec<(&Keypair, &str, &str, Value)>| -> Vec<Value> {
        let ids: Vec<String> = calls
            .into_iter()
            .map(|(kp, module, method, args)| {
                let n = nonces.entry(kp.account().to_hex()).or_insert(0);
                *n += 1;
                let env = crate::common::sign(
                    kp,
                    "publica-dev",
                    *n,
                    publica_types::Expiry::Height(1_000_000),
                    module,
                    method,
                    args,
                );
                let (s, v) = crate::common::submit(&node, &env);
                assert_eq!(s, 202, "{module}.{method}: {v}");
                v["tx_id"].as_str().unwrap().to_string()
            })
            .collect();
        ids.iter()
            .map(|id| crate::common::receipt(&node, id))
            .collect()
    };
    let a = admin.account();
    let ag = "dev-agency";
    let mut calls = vec![
        (&admin, "system", "register_account", json!({})),
        (&admin, "system", "set_note", json!({"note": "fixture"})),
        (&admin, "system", "set_note", json!({"note": "bad\u{7}"})),
        (&admin, "system", "nope", json!({})),
        (&admin, "system", "clear_note", json!({"extra": 1})),
        (&admin, "system", "clear_note", json!({})),
    ];
    for role in ["treasurer", "program_officer", "attester", "oracle"] {
        calls.push((
            &admin,
            "identity",
            "grant_role",
            json!({"agency": ag, "account": a, "role": role}),
        ));
    }
    calls.extend([
        (&admin, "identity", "add_member", json!({"agency": ag, "account": x.account(), "roles": ["attester", "program_officer"]})),
        (&admin, "identity", "revoke_role", json!({"agency": ag, "account": x.account(), "role": "attester"})),
        (&admin, "identity", "add_member", json!({"agency": ag, "account": x.account(), "roles": ["administrator"]})),
        (&admin, "identity", "propose", json!({"as_agency": ag, "action": {"create_agency": {"id": "school", "name": "School", "administrators": [a], "policy_threshold": 1}}})),
        (&stranger, "money", "create_currency", json!({"agency": ag, "code": 7})),
        (&stranger, "money", "nope", json!({})),
        (&stranger, "identity", "grant_role", json!({"role": "treasurer"})),
        (&admin, "money", "create_currency", json!({"agency": ag, "code": "FX", "name": "Fixture coin", "decimals": 2, "supply_cap": "100000000", "clawback_single_max": "5000"})),
        (&admin, "money", "propose_appropriation", json!({"agency": ag, "currency": "FX", "id": "y1", "name": "Year 1", "cap": "50000000"})),
        (&admin, "money", "approve_appropriation", json!({"agency": ag, "currency": "FX", "id": "y1"})),
        (&admin, "money", "open_account", json!({"id": "ops", "currency": "FX", "agency": ag, "owner": {"kind": "agency", "agency": ag}})),
        (&admin, "money", "open_account", json!({"id": "od", "currency": "FX", "agency": ag, "owner": {"kind": "agency", "agency": ag}, "overdraft_limit": "1000"})),
        (&admin, "money", "open_account", json!({"id": "me", "currency": "FX", "owner": {"kind": "citizen", "account": a}})),
        (&admin, "money", "open_account", json!({"id": "program:aid", "currency": "FX", "agency": ag, "owner": {"kind": "program", "agency": ag, "program": "aid"}})),
        (&admin, "money", "mint", json!({"agency": ag, "currency": "FX", "appropriation": "y1", "to": "ops", "amount": "1000000"})),
        (&admin, "money", "mint", json!({"agency": ag, "currency": "FX", "appropriation": "y1", "to": "program:aid", "amount": "1000000"})),
        (&admin, "money", "transfer", json!({"from": "ops", "to": "me", "amount": "2500", "reference": "r1"})),
        (&admin, "money", "transfer", json!({"from": "ops", "to": "me", "amount": "-1"})),
        (&admin, "money", "transfer_batch", json!({"transfers": [{"from": "ops", "to": "me", "amount": "10"}, {"from": "me", "to": "ops", "amount": "5", "memo_hash": "ab".repeat(32)}]})),
        (&admin, "money", "create_pending", json!({"id": "h1", "from": "ops", "to": "me", "amount": "300", "timeout_blocks": 100})),
        (&admin, "money", "post_pending", json!({"id": "h1", "amount": "200"})),
        (&admin, "money", "create_pending", json!({"id": "h2", "from": "ops", "to": "me", "amount": "30", "timeout_blocks": 100})),
        (&admin, "money", "void_pending", json!({"id": "h2"})),
        (&admin, "money", "freeze", json!({"agency": ag, "account": "me", "reason": "fraud-check"})),
        (&admin, "money", "transfer", json!({"from": "me", "to": "ops", "amount": "1"})),
        (&admin, "money", "unfreeze", json!({"agency": ag, "account": "me", "reason": "cleared"})),
        (&admin, "money", "clawback", json!({"agency": ag, "from": "me", "to": "ops", "amount": "100", "reason": "overpaid"})),
        (&admin, "money", "burn", json!({"from": "ops", "amount": "50"})),
        (&admin, "programs", "create_index", json!({"agency": ag, "name": "cpi", "threshold": 1})),
        (&admin, "programs", "publish_index", json!({"agency": ag, "name": "cpi", "period": "2026-01", "value": 1010})),
        (&admin, "programs", "create_program", json!({
            "agency": ag, "id": "aid", "name": "Aid", "currency": "FX", "funding_account": "program:aid",
            "budget_cap": "500000", "attesters": [ag], "registry": ag,
            "attributes": {"resident": "bool", "age": "int", "attendance_pct": "int"},
            "indexes": [format!("{ag}/cpi")],
            "eligibility": "attr.resident", "benefit": "params.amount * (has(index.cpi) ? index.cpi : 1000) / 1000",
            "condition": "attr.attendance_pct >= 85",
            "params": {"amount": 1000}, "start_ms": 0u64, "end_ms": 4_102_444_800_000u64})),
        (&admin, "programs", "create_program", json!({"agency": ag, "id": "bad", "name": "Bad", "currency": "FX", "funding_account": "program:aid",
            "budget_cap": "5", "attesters": [ag], "registry": ag, "attributes": {}, "eligibility": "1.5 > 1", "benefit": "1", "start_ms": 0u64, "end_ms": 1u64})),
    ]);
    let receipts = run(calls);
    assert!(receipts.iter().any(|r| r["outcome"]["status"] == "failed"));
    let (_, p) = get(&format!("{}/v1/programs/aid", node.url));
    let hash = p["approval_hash"].clone();
    let per = p["program"]["versions"][0]["from_ms"]
        .as_u64()
        .map(publica_programs::period::of)
        .unwrap();
    let n = publica_programs::nullifier::derive(&[9; 32], "aid", "kid");
    let token = admin.sign(&publica_programs::nullifier::token_bytes(
        "publica-dev",
        "aid",
        &n,
        &kid.account(),
    ));
    let pay =
        |p: &str| json!({"agency": ag, "program": "aid", "account": kid.account(), "period": p});
    run(vec![
        (
            &admin,
            "programs",
            "approve",
            json!({"agency": ag, "program": "aid", "hash": "00"}),
        ),
        (
            &admin,
            "programs",
            "approve",
            json!({"agency": ag, "program": "aid", "hash": hash}),
        ),
        (
            &admin,
            "programs",
            "attest",
            json!({"agency": ag, "subject": kid.account(), "claims": {"resident": true, "age": 9}}),
        ),
        (
            &admin,
            "programs",
            "enrol",
            json!({"program": "aid", "account": kid.account(), "nullifier": n, "registry_signer": a, "registry_signature": token, "agency": ag}),
        ),
        (&admin, "programs", "payout", pay(&per)),
        (
            &admin,
            "programs",
            "attest",
            json!({"agency": ag, "subject": kid.account(), "claims": {"attendance_pct": 70}, "period": per, "program": "aid"}),
        ),
        (
            &admin,
            "programs",
            "request_payout_override",
            json!({"agency": ag, "program": "aid", "account": kid.account(), "period": per, "reason": "attester_unavailable", "note": "school closed"}),
        ),
        (
            &x,
            "programs",
            "approve_payout_override",
            json!({"agency": ag, "program": "aid", "account": kid.account(), "period": per}),
        ),
        (&admin, "programs", "payout", pay(&per)),
        (
            &admin,
            "programs",
            "amend_program",
            json!({"agency": ag, "program": "aid", "from_height": 1_000_000u64, "eligibility": "attr.resident", "benefit": "params.amount", "params": {"amount": 1200}}),
        ),
    ]);
    let (_, status) = get(&format!("{}/v1/status", node.url));
    let h = status["height"].as_u64().unwrap();
    let (_, block) = get(&format!("{}/v1/blocks/{h}", node.url));
    assert!(node.terminate().success());
    std::fs::create_dir_all(&out).unwrap();
    for f in ["CHAIN_ID", "LEDGER_FORMAT", "genesis.json", "blocks.log"] {
        std::fs::copy(data.join(f), out.join(f)).unwrap();
    }
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&json!({"blocks": h, "tip": block["header"]})).unwrap() + "\n",
    )
    .unwrap();
}
