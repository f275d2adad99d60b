//! Crash test: the real binary is killed with SIGKILL at random moments while
//! clients submit transactions, and restarted on the same data directory.
//! Every transaction whose receipt a client saw must still be there with the
//! same result; the chain must stay linked; and replaying the block log from
//! genesis must reproduce every state root.
//!
//! Reproduce a run with `CRASH_SEED=<seed printed on failure>`.

mod common;

use common::{get, post, Dice, TestNode};
use publica_crypto::Keypair;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: usize = 22;
const CLIENTS: usize = 3;

/// What a client saw committed: tx id -> the receipt's lasting parts.
type Seen = Arc<Mutex<BTreeMap<String, Value>>>;

fn lasting(receipt: &Value) -> Value {
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
fn client(
    url: String,
    me: usize,
    kp: Arc<Keypair>,
    seen: Seen,
    stop: Arc<AtomicBool>,
    mut rng: Dice,
) {
    let http = common::http();
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
            _ if nonce == 1 => common::system_tx(&kp, nonce, "register_account", json!({})),
            0 => common::system_tx(&kp, nonce, "clear_note", json!({})),
            1 | 2 => common::sign(
                &kp,
                "publica-dev",
                nonce,
                publica_types::Expiry::Height(1_000_000),
                "money",
                "transfer",
                json!({"from": format!("c{me}"), "to": format!("c{}", (me + 1) % CLIENTS), "amount": "1"}),
            ),
            _ => common::system_tx(
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
        let admin = common::dev_admin(dir.path());
        let mut n = 0;
        let mut call = |method: &str, args: Value| {
            n += 1;
            let env = common::sign(
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
            let (s, v) = common::submit(&node, &env);
            assert_eq!(s, 202, "{v}");
            let r = common::receipt(&node, v["tx_id"].as_str().unwrap());
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
                .map(|n| json!(common::note_tx(&kp, n, "b")))
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
    assert_eq!(common::verify_chain(dir.path()), height);
    eprintln!("crash test: {KILLS} kills, {committed} receipts checked, {height} blocks replayed");
}
