//! The HTTP API through the real binary: every kind of bad input is refused
//! at admission with its own code and never reaches a block; blocks, state
//! proofs, events, operations endpoints, rate limits, graceful shutdown,
//! start-up storage faults and the CLI's errors.

mod common;

use common::{get, post, post_raw, receipt, sign, submit, system_tx, TestNode};
use publica_crypto::Keypair;
use publica_types::Expiry;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("<none>")
}

#[test]
fn bad_input_is_refused_with_its_code_and_never_reaches_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let url = format!("{}/v1/transactions", node.url);
    let kp = Keypair::generate();
    let mut admitted = 0u64;

    let (s, v) = post_raw(&url, b"{not json".to_vec());
    assert_eq!((s, code(&v)), (400, "request.malformed_json"));
    let good = json!(system_tx(&kp, 1, "register_account", json!({})));
    let mut t = good.clone();
    t["body"]["extra"] = json!(1);
    assert_eq!(
        {
            let (s, v) = post(&url, &t);
            (s, code(&v).to_string())
        },
        (400, "tx.unknown_field".into())
    );
    let mut t = good.clone();
    t["memo"] = json!("x");
    assert_eq!(
        {
            let (s, v) = post(&url, &t);
            (s, code(&v).to_string())
        },
        (400, "tx.unknown_field".into())
    );
    let mut t = good.clone();
    t["body"]["nonce"] = json!("1");
    assert_eq!(
        {
            let (s, v) = post(&url, &t);
            (s, code(&v).to_string())
        },
        (400, "tx.malformed".into())
    );
    let mut t = good.clone();
    t["body"]["nonce"] = json!(1.5);
    assert_eq!(
        {
            let (s, v) = post(&url, &t);
            (s, code(&v).to_string())
        },
        (400, "tx.malformed".into())
    );
    let big = system_tx(&kp, 1, "set_note", json!({ "note": "x".repeat(80 * 1024) }));
    let (s, v) = post(&url, &json!(big));
    assert_eq!((s, code(&v)), (413, "request.too_large"));
    let mut t = good.clone();
    t["signature"] = json!("00".repeat(64));
    assert_eq!(
        {
            let (s, v) = post(&url, &t);
            (s, code(&v).to_string())
        },
        (400, "tx.bad_signature".into())
    );
    let other_chain = sign(
        &kp,
        "elsewhere",
        1,
        Expiry::Height(1_000_000),
        "system",
        "register_account",
        json!({}),
    );
    assert_eq!(
        {
            let (s, v) = submit(&node, &other_chain);
            (s, code(&v).to_string())
        },
        (400, "tx.wrong_chain".into())
    );
    let expired = sign(
        &kp,
        "publica-dev",
        1,
        Expiry::Height(0),
        "system",
        "register_account",
        json!({}),
    );
    assert_eq!(
        {
            let (s, v) = submit(&node, &expired);
            (s, code(&v).to_string())
        },
        (400, "tx.expired".into())
    );
    let expired = sign(
        &kp,
        "publica-dev",
        1,
        Expiry::UnixMs(1),
        "system",
        "register_account",
        json!({}),
    );
    assert_eq!(
        {
            let (s, v) = submit(&node, &expired);
            (s, code(&v).to_string())
        },
        (400, "tx.expired".into())
    );
    let upper = sign(
        &kp,
        "publica-dev",
        1,
        Expiry::Height(1_000_000),
        "System",
        "register_account",
        json!({}),
    );
    assert_eq!(
        {
            let (s, v) = submit(&node, &upper);
            (s, code(&v).to_string())
        },
        (400, "tx.field_invalid".into())
    );
    let gap = system_tx(&kp, 3, "register_account", json!({}));
    assert_eq!(
        {
            let (s, v) = submit(&node, &gap);
            (s, code(&v).to_string())
        },
        (409, "tx.nonce_gap".into())
    );

    let (s, v) = post(&url, &good);
    assert_eq!(s, 202, "{v}");
    admitted += 1;
    let id = v["tx_id"].as_str().unwrap().to_string();
    // Same transaction again while pending or after commit: a replay.
    let (s, v) = post(&url, &good);
    assert_eq!((s, code(&v)), (409, "tx.nonce_replayed"));
    receipt(&node, &id);
    let (s, v) = post(&url, &good);
    assert_eq!((s, code(&v)), (409, "tx.nonce_replayed"));

    let batch_url = format!("{url}/batch");
    let (s, v) = post(&batch_url, &json!({ "transactions": [] }));
    assert_eq!((s, code(&v)), (400, "batch.invalid_size"));
    let many: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
    let (s, v) = post(&batch_url, &json!({ "transactions": many }));
    assert_eq!((s, code(&v)), (400, "batch.invalid_size"));
    let mixed = json!({ "transactions": [
        system_tx(&kp, 2, "set_note", json!({"note": "ok"})),
        {"body": 1},
        system_tx(&kp, 9, "set_note", json!({"note": "gap"})),
    ]});
    let (s, v) = post(&batch_url, &mixed);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["accepted"].as_u64(), v["rejected"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(v["results"][1]["error"]["code"], "tx.malformed");
    assert_eq!(v["results"][2]["error"]["code"], "tx.nonce_gap");
    admitted += 1;
    receipt(&node, v["results"][0]["tx_id"].as_str().unwrap());

    let (s, v) = get(&format!("{url}/{}", "ab".repeat(32)));
    assert_eq!((s, code(&v)), (404, "tx.not_found"));
    let (s, v) = get(&format!("{url}/xyz"));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!("{url}/{id}?wait_ms=999999"));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!("{}/v1/blocks/999999", node.url));
    assert_eq!((s, code(&v)), (404, "block.not_found"));
    let (s, v) = get(&format!("{}/v1/state?key=", node.url));
    assert_eq!((s, code(&v)), (400, "state.invalid_key"));
    let (s, v) = get(&format!("{}/v1/state?key=a%20b", node.url));
    assert_eq!((s, code(&v)), (400, "state.invalid_key"));
    let (s, v) = get(&format!("{}/no/such/route", node.url));
    assert_eq!((s, code(&v)), (404, "request.not_found"));
    let (s, v) = get(&url);
    assert_eq!((s, code(&v)), (405, "request.method_not_allowed"));

    // Nothing rejected reached a block.
    std::thread::sleep(Duration::from_millis(200));
    let (_, st) = get(&format!("{}/v1/status", node.url));
    let mut in_blocks = 0;
    for h in 1..=st["height"].as_u64().unwrap() {
        in_blocks += get(&format!("{}/v1/blocks/{h}", node.url)).1["header"]["tx_count"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(in_blocks, admitted);
    assert_eq!(st["log_size"].as_u64().unwrap(), admitted);
}

#[test]
fn blocks_link_and_state_proofs_verify_independently() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    let ids: Vec<String> = [
        ("register_account", json!({})),
        ("set_note", json!({"note": "hello"})),
    ]
    .iter()
    .enumerate()
    .map(|(i, (m, a))| {
        let (s, v) = submit(&node, &system_tx(&kp, i as u64 + 1, m, a.clone()));
        assert_eq!(s, 202);
        v["tx_id"].as_str().unwrap().to_string()
    })
    .collect();
    let r = receipt(&node, &ids[1]);
    assert_eq!(r["outcome"]["status"], "ok");
    let (_, st) = get(&format!("{}/v1/status", node.url));
    let mut parent = "0".repeat(64);
    for h in 1..=st["height"].as_u64().unwrap() {
        let (_, b) = get(&format!("{}/v1/blocks/{h}", node.url));
        assert_eq!(b["header"]["parent_hash"].as_str().unwrap(), parent);
        parent = b["hash"].as_str().unwrap().to_string();
    }
    assert_eq!(st["block_hash"].as_str().unwrap(), parent);

    let key = format!("system/note/{}", kp.account());
    let (_, v) = get(&format!("{}/v1/state?key={key}", node.url));
    let root: publica_types::Hash32 = v["state_root"].as_str().unwrap().parse().unwrap();
    let proof: publica_state::Proof = serde_json::from_value(v["proof"].clone()).unwrap();
    let value = hex::decode(v["value_hex"].as_str().unwrap()).unwrap();
    assert_eq!(v["value"]["note"], "hello");
    assert!(publica_state::verify_proof(&root, key.as_bytes(), Some(&value), &proof).is_ok());
    let mut forged = value.clone();
    forged[3] ^= 1;
    assert!(publica_state::verify_proof(&root, key.as_bytes(), Some(&forged), &proof).is_err());
    let absent = format!("system/note/{}", "00".repeat(32));
    let (_, v) = get(&format!("{}/v1/state?key={absent}", node.url));
    assert!(v["value_hex"].is_null());
    let proof: publica_state::Proof = serde_json::from_value(v["proof"].clone()).unwrap();
    assert!(publica_state::verify_proof(&root, absent.as_bytes(), None, &proof).is_ok());

    // A call by an unregistered account is committed as failed and changes nothing.
    let stranger = Keypair::generate();
    let (_, v) = submit(
        &node,
        &system_tx(&stranger, 1, "set_note", json!({"note": "x"})),
    );
    let r = receipt(&node, v["tx_id"].as_str().unwrap());
    assert_eq!(r["outcome"]["status"], "failed");
    assert_eq!(r["outcome"]["error"]["code"], "auth.account_not_registered");
    let (_, v) = get(&format!(
        "{}/v1/state?key=system/note/{}",
        node.url,
        stranger.account()
    ));
    assert!(v["value_hex"].is_null());
}

#[test]
fn events_metrics_openapi_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let resp = reqwest::blocking::Client::new()
        .get(format!("{}/v1/events", node.url))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(resp).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let kp = Keypair::generate();
    let (_, v) = submit(&node, &system_tx(&kp, 1, "register_account", json!({})));
    let id = v["tx_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saw_block = false;
    let mut found = false;
    while Instant::now() < deadline && !found {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            saw_block |= line == "event: block";
            found = saw_block && line.starts_with("data:") && line.contains(&id);
        }
    }
    assert!(found, "no block event carried the transaction");

    let r = common::http()
        .get(format!("{}/metrics", node.url))
        .send()
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text().unwrap();
    let metric = |name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .and_then(|l| l.split(' ').nth(1))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(metric("publica_blocks_committed_total") >= 1);
    assert!(metric("publica_txs_committed_total") >= 1);
    let (s, doc) = get(&format!("{}/openapi.json", node.url));
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/v1/transactions",
        "/v1/transactions/batch",
        "/v1/transactions/{tx_id}",
        "/v1/blocks/{height}",
        "/v1/status",
        "/v1/state",
        "/v1/events",
        "/checkpoint",
        "/v1/identity/did/{did}",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    assert_eq!(get(&format!("{}/healthz", node.url)).0, 200);
    assert_eq!(get(&format!("{}/readyz", node.url)).0, 200);
}

#[test]
fn each_client_is_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &["--rate-limit", "1", "--rate-burst", "3"]);
    let statuses: Vec<u16> = (0..5)
        .map(|_| get(&format!("{}/v1/status", node.url)).0)
        .collect();
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    let (s, v) = get(&format!("{}/v1/status", node.url));
    assert_eq!((s, code(&v)), (429, "request.rate_limited"));
}

#[test]
fn graceful_shutdown_and_restart_keep_everything() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    let (_, v) = submit(&node, &system_tx(&kp, 1, "register_account", json!({})));
    let id = v["tx_id"].as_str().unwrap().to_string();
    let before_receipt = receipt(&node, &id);
    let (_, before) = get(&format!("{}/v1/status", node.url));
    let stderr = node.stderr.clone();
    let status = node.terminate();
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(stderr.lock().unwrap().contains("stopped cleanly"));

    let node = TestNode::start_in(dir.path(), &[]);
    let (_, after) = get(&format!("{}/v1/status", node.url));
    assert_eq!(
        (after["height"].clone(), after["state_root"].clone()),
        (before["height"].clone(), before["state_root"].clone())
    );
    let (_, again) = get(&format!("{}/v1/transactions/{id}", node.url));
    assert_eq!(again["outcome"], before_receipt["outcome"]);
    assert_eq!(again["block_hash"], before_receipt["block_hash"]);
    let (s, v) = submit(&node, &system_tx(&kp, 1, "register_account", json!({})));
    assert_eq!((s, code(&v)), (409, "tx.nonce_replayed"));
    let (s, _) = submit(
        &node,
        &system_tx(&kp, 2, "set_note", json!({"note": "after restart"})),
    );
    assert_eq!(s, 202);
}

#[test]
fn torn_tail_is_cut_and_mid_log_corruption_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    for n in 1..=3 {
        let (_, v) = submit(&node, &common::note_tx(&kp, n, "n"));
        receipt(&node, v["tx_id"].as_str().unwrap());
    }
    let (_, st) = get(&format!("{}/v1/status", node.url));
    let height = st["height"].as_u64().unwrap();
    node.kill9();
    let log = dir.path().join("blocks.log");
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() - 7]).unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let (_, st) = get(&format!("{}/v1/status", node.url));
    assert_eq!(
        st["height"].as_u64().unwrap(),
        height - 1,
        "the torn block is dropped"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        node.stderr_text().contains("torn"),
        "{}",
        node.stderr_text()
    );
    // The node goes on committing after the cut.
    let (s, v) = submit(
        &node,
        &system_tx(&kp, height, "set_note", json!({"note": "again"})),
    );
    assert_eq!(s, 202, "{v}");
    receipt(&node, v["tx_id"].as_str().unwrap());
    node.kill9();

    let mut bytes = std::fs::read(&log).unwrap();
    bytes[40] ^= 0x20;
    std::fs::write(&log, &bytes).unwrap();
    let err = TestNode::try_start_in(dir.path(), &[])
        .err()
        .expect("a corrupted log must not start");
    assert!(
        err.contains("corrupted") && err.contains("Refusing to start"),
        "{err}"
    );
}

#[test]
fn the_cli_reports_bad_input_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(common::bin());
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let data = dir.path().join("d");
    let out = run(
        &[
            "dev",
            "--block-ms",
            "0",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("block interval"));
    let out = run(
        &[
            "tx",
            "send",
            "--key",
            "/nonexistent/key.json",
            "--module",
            "system",
            "--method",
            "set_note",
            "--node",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/key.json"));

    let key = dir.path().join("k.json");
    let key_s = key.to_str().unwrap();
    let out = run(
        &["keys", "new", "--out", key_s],
        &[("PUBLICA_PASSPHRASE", "correct-horse")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &["keys", "new", "--out", key_s],
        &[("PUBLICA_PASSPHRASE", "correct-horse")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = run(
        &[
            "keys",
            "new",
            "--out",
            dir.path().join("short.json").to_str().unwrap(),
        ],
        &[("PUBLICA_PASSPHRASE", "short")],
    );
    assert!(!out.status.success());
    let shown: Value = serde_json::from_slice(&run(&["keys", "show", key_s], &[]).stdout).unwrap();
    let account = shown["account"].as_str().unwrap().to_string();

    let node = TestNode::start_in(&dir.path().join("node"), &[]);
    let send = |pass: &str| {
        run(
            &[
                "tx",
                "send",
                "--key",
                key_s,
                "--module",
                "system",
                "--method",
                "register_account",
                "--node",
                &node.url,
            ],
            &[("PUBLICA_PASSPHRASE", pass)],
        )
    };
    let out = send("wrong-pass");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    let out = send("correct-horse");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"committed\""));
    let out = run(
        &[
            "query",
            "state",
            &format!("system/account/{account}"),
            "--verify",
            "--node",
            &node.url,
        ],
        &[],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"verified\": true"));
    let out = run(&["query", "block", "99999", "--node", &node.url], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("block.not_found"));
}
