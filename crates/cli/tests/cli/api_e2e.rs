//! End-to-end tests of the HTTP API and the CLI: the real `publica` binary,
//! started on a loopback port with its own temporary data directory, driven
//! over real HTTP. Every test starts its own node, so they run in parallel.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, post, post_raw, receipt, sign, submit, system_tx, TestNode};
use publica_crypto::{KeyFile, Keypair};
use publica_types::{BlockHeader, Envelope, Expiry, Hash32, TxOutcome};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

// ---------------------------------------------------------------- helpers

/// The `code` of an error answer.
fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("<no code>")
}

/// Asserts an error answer: exact HTTP status, exact code, and a message.
fn expect_err(what: &str, got: (u16, Value), status: u16, want: &str) {
    let (s, v) = got;
    assert_eq!(
        (s, code(&v)),
        (status, want),
        "{what}: expected {status} {want}, got {s} {v}"
    );
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: error answer without a message: {v}"
    );
}

/// The id a node will give `env`, computed locally.
fn tx_id_of(env: &Envelope) -> String {
    publica_crypto::tx_id(&env.signer, &env.body.signing_bytes().unwrap()).to_hex()
}

/// Submits `env`, requires 202 and the locally computed id; returns the id.
fn admit(node: &TestNode, env: &Envelope) -> String {
    let (s, v) = submit(node, env);
    assert_eq!(s, 202, "submitting {}: {v}", json!(env));
    let id = v["tx_id"].as_str().expect("tx_id").to_string();
    assert_eq!(id, tx_id_of(env), "the node's tx id is the documented one");
    id
}

fn status_of(node: &TestNode) -> Value {
    let (s, v) = get(&format!("{}/v1/status", node.url));
    assert_eq!(s, 200, "status: {v}");
    v
}

fn block_at(node: &TestNode, h: u64) -> Value {
    let (s, v) = get(&format!("{}/v1/blocks/{h}", node.url));
    assert_eq!(s, 200, "block {h}: {v}");
    v
}

fn state_at(node: &TestNode, key: &str) -> Value {
    let (s, v) = get(&format!("{}/v1/state?key={key}", node.url));
    assert_eq!(s, 200, "state {key}: {v}");
    v
}

fn hash(v: &Value) -> Hash32 {
    v.as_str()
        .unwrap_or_else(|| panic!("not a hash: {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("not a hash: {v}: {e}"))
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// Polls `f` until it gives `Some`, for at most `limit`.
fn eventually<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks a state answer's proof against its own root, for `key`.
fn verify_state_answer(key: &str, v: &Value) {
    assert_eq!(v["key"], key);
    let root = hash(&v["state_root"]);
    let proof: publica_state::Proof =
        serde_json::from_value(v["proof"].clone()).expect("proof deserializes");
    let value = v["value_hex"]
        .as_str()
        .map(|h| hex::decode(h).expect("value_hex is hex"));
    publica_state::verify_proof(&root, key.as_bytes(), value.as_deref(), &proof)
        .unwrap_or_else(|e| panic!("proof for {key} does not verify: {e}: {v}"));
}

/// Runs the binary with `args` and only the given `PUBLICA_*` variables;
/// fails the test if it runs past `limit`.
fn run_cli(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Output {
    let mut cmd = Command::new(crate::common::bin());
    cmd.args(args)
        .env_remove("PUBLICA_PASSPHRASE")
        .env_remove("PUBLICA_NODE")
        .env("PUBLICA_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawning publica");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("publica {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every block 1..=height: checks header fields, hashes, links and roots;
/// returns (blocks, ids of every committed transaction in order).
fn check_chain(node: &TestNode, status: &Value) -> (Vec<Value>, Vec<String>) {
    let height = u64_of(&status["height"]);
    let mut parent = ZERO_HASH.to_string();
    let mut log_size = 0u64;
    let mut blocks = Vec::new();
    let mut ids = Vec::new();
    for h in 1..=height {
        let b = block_at(node, h);
        let header: BlockHeader =
            serde_json::from_value(b["header"].clone()).expect("header deserializes");
        assert_eq!(header.height, h, "{b}");
        assert_eq!(header.chain_id, "publica-dev");
        assert_eq!(
            header.parent_hash.to_hex(),
            parent,
            "block {h} links to the previous block's hash"
        );
        let computed = publica_runtime::block_hash(&header).to_hex();
        assert_eq!(
            b["hash"].as_str(),
            Some(computed.as_str()),
            "block {h} hash"
        );
        let txs = b["transactions"].as_array().expect("transactions");
        let outcomes: Vec<TxOutcome> =
            serde_json::from_value(b["outcomes"].clone()).expect("outcomes deserialize");
        assert_eq!(header.tx_count, txs.len() as u64);
        assert_eq!(outcomes.len(), txs.len());
        assert!(header.tx_count > 0, "dev blocks are never empty");
        for (t, o) in txs.iter().zip(&outcomes) {
            let env: Envelope = serde_json::from_value(t.clone()).expect("envelope");
            assert_eq!(o.tx_id.to_hex(), tx_id_of(&env), "outcome order = tx order");
            ids.push(o.tx_id.to_hex());
        }
        let tx_leaves: Vec<Hash32> = outcomes
            .iter()
            .map(|o| publica_runtime::tx_leaf(&o.tx_id))
            .collect();
        assert_eq!(
            header.tx_root,
            publica_log::root(&tx_leaves),
            "block {h} tx_root"
        );
        let out_leaves: Vec<Hash32> = outcomes.iter().map(publica_runtime::outcome_leaf).collect();
        assert_eq!(
            header.results_root,
            publica_log::root(&out_leaves),
            "block {h} results_root"
        );
        log_size += header.tx_count;
        assert_eq!(header.log_size, log_size, "block {h} log_size");
        parent = computed;
        blocks.push(b);
    }
    if let Some(last) = blocks.last() {
        assert_eq!(status["block_hash"], last["hash"]);
        assert_eq!(status["state_root"], last["header"]["state_root"]);
        assert_eq!(status["log_size"], last["header"]["log_size"]);
        assert_eq!(status["time_ms"], last["header"]["time_ms"]);
    }
    (blocks, ids)
}

/// Checks a receipt against the envelope and the block that holds it.
fn check_receipt(node: &TestNode, r: &Value, env: &Envelope, id: &str) {
    assert_eq!(r["tx_id"], id, "{r}");
    assert_eq!(r["status"], "committed", "{r}");
    assert_eq!(
        r["transaction"],
        json!(env),
        "the receipt holds the same transaction"
    );
    assert_eq!(r["outcome"]["tx_id"], id);
    let b = block_at(node, u64_of(&r["block_height"]));
    let i = u64_of(&r["index"]) as usize;
    assert_eq!(b["hash"], r["block_hash"]);
    assert_eq!(
        b["transactions"][i],
        json!(env),
        "block holds it at index {i}"
    );
    assert_eq!(b["outcomes"][i], r["outcome"]);
}

// ------------------------------------------------------------------ tests

#[test]
fn commit_flow_receipts_blocks_and_state_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    let me = kp.account().to_hex();
    let note = "hello from the e2e test";

    let env1 = system_tx(&kp, 1, "register_account", json!({}));
    let env2 = system_tx(&kp, 2, "set_note", json!({ "note": note }));
    let id1 = admit(&node, &env1);
    let id2 = admit(&node, &env2);
    let r1 = receipt(&node, &id1);
    let r2 = receipt(&node, &id2);
    check_receipt(&node, &r1, &env1, &id1);
    check_receipt(&node, &r2, &env2, &id2);
    assert_eq!(r1["outcome"]["status"], "ok", "{r1}");
    assert_eq!(r2["outcome"]["status"], "ok", "{r2}");
    assert!(r1["outcome"].get("error").is_none(), "{r1}");
    assert_eq!(r1["outcome"]["events"][0]["kind"], "account_registered");
    assert_eq!(r2["outcome"]["events"][0]["kind"], "note_set");
    let (h1, h2) = (u64_of(&r1["block_height"]), u64_of(&r2["block_height"]));
    let (i1, i2) = (u64_of(&r1["index"]), u64_of(&r2["index"]));
    assert!(
        (h1, i1) < (h2, i2),
        "nonce 1 is executed before nonce 2: {h1}/{i1} vs {h2}/{i2}"
    );

    // Blocks: header fields, links, roots; the status is the last block.
    let st = status_of(&node);
    assert_eq!(st["chain_id"], "publica-dev");
    assert_eq!(u64_of(&st["height"]), h2, "nothing else was committed");
    assert_eq!(u64_of(&st["log_size"]), 2);
    assert_eq!(u64_of(&st["mempool_txs"]), 0);
    let (_, ids) = check_chain(&node, &st);
    assert_eq!(ids, vec![id1.clone(), id2.clone()]);

    // The note, with a proof against the last block's state root.
    let key = format!("system/note/{me}");
    let v = state_at(&node, &key);
    assert_eq!(v["height"], st["height"]);
    assert_eq!(v["state_root"], st["state_root"]);
    assert_eq!(v["value"], json!({ "note": note, "set_height": h2 }));
    let value = hex::decode(v["value_hex"].as_str().expect("value_hex")).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&value).unwrap(), v["value"]);
    let root = hash(&v["state_root"]);
    let proof: publica_state::Proof = serde_json::from_value(v["proof"].clone()).unwrap();
    assert_eq!(
        publica_state::verify_proof(&root, key.as_bytes(), Some(&value), &proof),
        Ok(())
    );
    // Any single changed byte of the value fails.
    for at in [0, value.len() / 2, value.len() - 1] {
        let mut forged = value.clone();
        forged[at] ^= 0x01;
        assert!(
            publica_state::verify_proof(&root, key.as_bytes(), Some(&forged), &proof).is_err(),
            "a value changed at byte {at} must not verify"
        );
    }
    // The proof is for this key only, and claims presence.
    let other = format!("system/note/{}", "11".repeat(32));
    assert!(publica_state::verify_proof(&root, other.as_bytes(), Some(&value), &proof).is_err());
    assert!(publica_state::verify_proof(&root, key.as_bytes(), None, &proof).is_err());

    // The registration, too.
    let acct_key = format!("system/account/{me}");
    let v = state_at(&node, &acct_key);
    assert_eq!(v["value"], json!({ "registered_height": h1 }));
    verify_state_answer(&acct_key, &v);

    // An absent key: value_hex null, the proof shows absence.
    let absent = format!("system/note/{ZERO_HASH}");
    let v = state_at(&node, &absent);
    assert!(v["value_hex"].is_null(), "{v}");
    assert!(v["value"].is_null(), "{v}");
    let proof: publica_state::Proof = serde_json::from_value(v["proof"].clone()).unwrap();
    assert_eq!(
        publica_state::verify_proof(&root, absent.as_bytes(), None, &proof),
        Ok(())
    );
    assert!(
        publica_state::verify_proof(&root, absent.as_bytes(), Some(b"{}"), &proof).is_err(),
        "an absence proof does not prove a value"
    );

    // A call that fails is committed as failed and changes no state.
    let stranger = Keypair::generate();
    let env3 = system_tx(&stranger, 1, "set_note", json!({ "note": "sneaky" }));
    let id3 = admit(&node, &env3);
    let r3 = receipt(&node, &id3);
    check_receipt(&node, &r3, &env3, &id3);
    assert_eq!(r3["outcome"]["status"], "failed", "{r3}");
    assert_eq!(
        r3["outcome"]["error"]["code"], "auth.account_not_registered",
        "{r3}"
    );
    assert!(r3["outcome"].get("events").is_none(), "{r3}");
    let st = status_of(&node);
    assert_eq!(u64_of(&st["log_size"]), 3);
    check_chain(&node, &st);
    let skey = format!("system/note/{}", stranger.account());
    let v = state_at(&node, &skey);
    assert!(
        v["value_hex"].is_null(),
        "a failed call wrote its note: {v}"
    );
    assert_eq!(v["state_root"], st["state_root"]);
    verify_state_answer(&skey, &v);
    // Its nonce was used up, so the same signed transaction cannot replay.
    let (s, v) = get(&format!(
        "{}/v1/accounts/{}/nonce",
        node.url,
        stranger.account()
    ));
    assert_eq!(s, 200);
    assert_eq!(
        (u64_of(&v["committed_nonce"]), u64_of(&v["next_nonce"])),
        (1, 2)
    );
    expect_err(
        "replay of a failed tx",
        submit(&node, &env3),
        409,
        "tx.nonce_replayed",
    );
    // The first account's note is untouched.
    let v = state_at(&node, &key);
    assert_eq!(v["value"]["note"], note);
}

#[test]
fn bad_input_is_rejected_with_codes_and_never_reaches_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let url = format!("{}/v1/transactions", node.url);
    let batch_url = format!("{url}/batch");
    let kp = Keypair::generate();
    let mut admitted: BTreeSet<String> = BTreeSet::new();
    let good_env = system_tx(&kp, 1, "register_account", json!({}));
    let good = json!(good_env);

    // Malformed JSON.
    expect_err(
        "malformed JSON",
        post_raw(&url, b"{\"body\": {".to_vec()),
        400,
        "request.malformed_json",
    );
    expect_err(
        "not JSON at all",
        post_raw(&url, b"hello".to_vec()),
        400,
        "request.malformed_json",
    );
    // Unknown fields, in the body and in the envelope.
    let mut t = good.clone();
    t["body"]["extra"] = json!(1);
    expect_err(
        "unknown body field",
        post(&url, &t),
        400,
        "tx.unknown_field",
    );
    let mut t = good.clone();
    t["memo"] = json!("x");
    expect_err(
        "unknown envelope field",
        post(&url, &t),
        400,
        "tx.unknown_field",
    );
    // Wrong types.
    let mut t = good.clone();
    t["body"]["nonce"] = json!("1");
    expect_err("nonce as a string", post(&url, &t), 400, "tx.malformed");
    let mut t = good.clone();
    t["body"]["nonce"] = json!(1.5);
    expect_err("float nonce", post(&url, &t), 400, "tx.not_canonical");
    let mut t = good.clone();
    t.as_object_mut().unwrap().remove("signature");
    expect_err("missing signature", post(&url, &t), 400, "tx.malformed");
    // Oversized body (> 70 KiB), and an envelope over 60 KiB under the body limit.
    let big = system_tx(&kp, 1, "set_note", json!({ "note": "x".repeat(71 * 1024) }));
    let body = serde_json::to_vec(&json!(big)).unwrap();
    assert!(body.len() > 70 * 1024);
    expect_err(
        "oversized body",
        post_raw(&url, body),
        413,
        "request.too_large",
    );
    let big = system_tx(&kp, 1, "set_note", json!({ "note": "x".repeat(60 * 1024) }));
    let body = serde_json::to_vec(&json!(big)).unwrap();
    assert!(body.len() > 60 * 1024 && body.len() < 61 * 1024);
    expect_err(
        "envelope over 60 KiB",
        post_raw(&url, body),
        413,
        "tx.too_large",
    );
    // A signature by another key, and a body changed after signing.
    let mut t = good.clone();
    t["signature"] = json!(Keypair::generate().sign(&good_env.body.signing_bytes().unwrap()));
    expect_err(
        "signature by another key",
        post(&url, &t),
        400,
        "tx.bad_signature",
    );
    let mut t = json!(system_tx(&kp, 1, "set_note", json!({ "note": "a" })));
    t["body"]["call"]["args"]["note"] = json!("b");
    expect_err(
        "body changed after signing",
        post(&url, &t),
        400,
        "tx.bad_signature",
    );
    // Weak signers, each with the signature R = identity, S = 0 that
    // ZIP-215 accepts for any message under a small-order key: the outside
    // test landed the all-zero account's transaction in five blocks.
    let mut forged = vec![0u8; 64];
    forged[0] = 1;
    for weak in [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    ] {
        let mut t = good.clone();
        t["signer"] = json!(weak);
        t["signature"] = json!(hex::encode(&forged));
        expect_err(weak, post(&url, &t), 400, "tx.invalid_signer");
    }
    // Another chain, correctly signed.
    let other_chain = sign(
        &kp,
        "publica-elsewhere",
        1,
        Expiry::Height(1_000_000),
        "system",
        "register_account",
        json!({}),
    );
    expect_err(
        "wrong chain",
        submit(&node, &other_chain),
        400,
        "tx.wrong_chain",
    );
    // Expired, by height and by time.
    for expiry in [Expiry::Height(0), Expiry::UnixMs(1)] {
        let t = sign(
            &kp,
            "publica-dev",
            1,
            expiry,
            "system",
            "register_account",
            json!({}),
        );
        expect_err(
            &format!("expired {expiry:?}"),
            submit(&node, &t),
            400,
            "tx.expired",
        );
    }
    // Invalid names and numbers.
    let upper = sign(
        &kp,
        "publica-dev",
        1,
        Expiry::Height(1_000_000),
        "System",
        "register_account",
        json!({}),
    );
    expect_err(
        "uppercase module",
        submit(&node, &upper),
        400,
        "tx.field_invalid",
    );
    let zero = system_tx(&kp, 0, "register_account", json!({}));
    expect_err("nonce 0", submit(&node, &zero), 400, "tx.field_invalid");
    // One rule for numbers: an integer outside a field's range is that
    // field's error; a number without a canonical form is not_canonical.
    let url = format!("{}/v1/transactions", node.url);
    let mut raw = serde_json::to_value(&zero).unwrap();
    for (nonce, code) in [
        (json!(-1), "tx.field_invalid"),
        (json!(1.5), "tx.not_canonical"),
        (json!(9_007_199_254_740_992_u64), "tx.not_canonical"),
    ] {
        raw["body"]["nonce"] = nonce.clone();
        expect_err(&format!("nonce {nonce}"), post(&url, &raw), 400, code);
    }
    let huge = serde_json::to_string(&zero)
        .unwrap()
        .replace("\"nonce\":0", "\"nonce\":18446744073709551617");
    expect_err(
        "nonce 2^64+1",
        post_raw(&url, huge.into_bytes()),
        400,
        "tx.not_canonical",
    );
    // A nonce gap.
    let gap = system_tx(&kp, 3, "register_account", json!({}));
    expect_err("nonce gap", submit(&node, &gap), 409, "tx.nonce_gap");

    // The good one; then it again, and another with the same nonce, while
    // (most likely still) pending; then again once committed.
    let id = admit(&node, &good_env);
    admitted.insert(id.clone());
    expect_err(
        "duplicate submission",
        post(&url, &good),
        409,
        "tx.nonce_replayed",
    );
    let same_nonce = system_tx(&kp, 1, "set_note", json!({ "note": "same nonce" }));
    expect_err(
        "same nonce twice",
        submit(&node, &same_nonce),
        409,
        "tx.nonce_replayed",
    );
    let r = receipt(&node, &id);
    assert_eq!(r["outcome"]["status"], "ok", "{r}");
    expect_err(
        "replay of a committed tx",
        post(&url, &good),
        409,
        "tx.nonce_replayed",
    );
    expect_err(
        "new tx with a committed nonce",
        submit(&node, &same_nonce),
        409,
        "tx.nonce_replayed",
    );

    // Batches: sizes out of range.
    expect_err(
        "empty batch",
        post(&batch_url, &json!({ "transactions": [] })),
        400,
        "batch.invalid_size",
    );
    let many: Vec<Value> = (0..10_001).map(|_| good.clone()).collect();
    expect_err(
        "batch of 10,001",
        post(&batch_url, &json!({ "transactions": many })),
        400,
        "batch.invalid_size",
    );
    expect_err(
        "batch body not JSON",
        post_raw(&batch_url, b"[1,".to_vec()),
        400,
        "request.malformed_json",
    );
    expect_err(
        "batch without its transactions member",
        post(&batch_url, &json!({ "txs": [good] })),
        400,
        "tx.malformed",
    );
    // The 60 KiB limit is on an item's compact JSON: one sent with spaces
    // that take it over is measured without them; one over it compact is
    // refused on its own, and the rest of the batch goes on.
    let kp3 = Keypair::generate();
    let roomy_env = system_tx(&kp3, 1, "register_account", json!({}));
    let roomy = serde_json::to_string(&roomy_env)
        .unwrap()
        .replace(',', &format!(",{}", " ".repeat(16 * 1024)));
    assert!(roomy.len() > 60 * 1024);
    let huge = serde_json::to_string(&system_tx(
        &kp3,
        2,
        "set_note",
        json!({ "note": "x".repeat(60 * 1024) }),
    ))
    .unwrap();
    let (s, v) = post_raw(
        &batch_url,
        format!("{{\"transactions\": [{roomy}, {huge}]}}").into_bytes(),
    );
    assert_eq!(s, 200, "{v}");
    let roomy_id = v["results"][0]["tx_id"].as_str().unwrap_or_default();
    assert_eq!(roomy_id, tx_id_of(&roomy_env), "{v}");
    admitted.insert(roomy_id.to_string());
    assert_eq!(v["results"][1]["error"]["code"], "tx.too_large", "{v}");
    // A batch mixing valid and invalid items: per-item results.
    let kp2 = Keypair::generate();
    let b_ok1 = system_tx(&kp2, 1, "register_account", json!({}));
    let b_ok2 = system_tx(&kp2, 2, "set_note", json!({ "note": "batched" }));
    let mut b_unknown = json!(system_tx(&kp2, 3, "set_note", json!({ "note": "u" })));
    b_unknown["body"]["extra"] = json!(true);
    let mut b_badsig = json!(system_tx(&kp2, 3, "set_note", json!({ "note": "s" })));
    b_badsig["body"]["call"]["args"]["note"] = json!("changed");
    let b_gap = system_tx(&kp2, 9, "set_note", json!({ "note": "gap" }));
    let b_expired = sign(
        &kp2,
        "publica-dev",
        3,
        Expiry::Height(0),
        "system",
        "set_note",
        json!({ "note": "late" }),
    );
    let b_chain = sign(
        &kp2,
        "publica-elsewhere",
        3,
        Expiry::Height(1_000_000),
        "system",
        "set_note",
        json!({ "note": "chain" }),
    );
    let (s, v) = post(
        &batch_url,
        &json!({ "transactions": [
            b_ok1, {"body": 1}, b_ok2, b_unknown, b_badsig, b_gap, b_expired, b_chain, good
        ]}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (u64_of(&v["accepted"]), u64_of(&v["rejected"])),
        (2, 7),
        "{v}"
    );
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 9);
    assert_eq!(
        results[0]["tx_id"].as_str(),
        Some(tx_id_of(&b_ok1).as_str())
    );
    assert_eq!(
        results[2]["tx_id"].as_str(),
        Some(tx_id_of(&b_ok2).as_str())
    );
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        codes,
        vec![
            "-",
            "tx.malformed",
            "-",
            "tx.unknown_field",
            "tx.bad_signature",
            "tx.nonce_gap",
            "tx.expired",
            "tx.wrong_chain",
            "tx.nonce_replayed",
        ],
        "{v}"
    );
    for (i, r) in results.iter().enumerate() {
        let has_id = r.get("tx_id").is_some();
        let has_err = r.get("error").is_some();
        assert!(
            has_id != has_err,
            "item {i} has exactly one of tx_id/error: {r}"
        );
    }
    admitted.insert(tx_id_of(&b_ok1));
    admitted.insert(tx_id_of(&b_ok2));
    receipt(&node, &tx_id_of(&b_ok2));

    // Reads with bad parameters.
    expect_err(
        "unknown tx id",
        get(&format!("{url}/{}", "ab".repeat(32))),
        404,
        "tx.not_found",
    );
    expect_err(
        "tx id not hex",
        get(&format!("{url}/xyz")),
        400,
        "request.invalid_param",
    );
    expect_err(
        "wait_ms too long",
        get(&format!("{url}/{id}?wait_ms=30001")),
        400,
        "request.invalid_param",
    );
    expect_err(
        "block not committed",
        get(&format!("{}/v1/blocks/999999", node.url)),
        404,
        "block.not_found",
    );
    expect_err(
        "block height not a number",
        get(&format!("{}/v1/blocks/abc", node.url)),
        400,
        "request.invalid_param",
    );
    expect_err(
        "empty state key",
        get(&format!("{}/v1/state?key=", node.url)),
        400,
        "state.invalid_key",
    );
    expect_err(
        "state key with a space",
        get(&format!("{}/v1/state?key=system/note/a%20b", node.url)),
        400,
        "state.invalid_key",
    );
    expect_err(
        "no state key",
        get(&format!("{}/v1/state", node.url)),
        400,
        "state.invalid_key",
    );
    let r = crate::common::http()
        .get(format!("{}/v1/no/such/route", node.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.headers()
    );
    let v: Value = r.json().expect("an unknown route answers JSON");
    expect_err("unknown route", (404, v), 404, "request.not_found");
    let r = crate::common::http()
        .get(format!("{}/v1/transactions", node.url))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().expect("a wrong method answers JSON");
    expect_err(
        "wrong method",
        (status, v),
        405,
        "request.method_not_allowed",
    );

    // None of it reached a block: exactly the admitted transactions did.
    std::thread::sleep(Duration::from_millis(200));
    let st = status_of(&node);
    let height = u64_of(&st["height"]);
    let mut in_blocks = 0u64;
    for h in 1..=height {
        in_blocks += u64_of(&block_at(&node, h)["header"]["tx_count"]);
    }
    assert_eq!(in_blocks, admitted.len() as u64);
    assert_eq!(u64_of(&st["log_size"]), admitted.len() as u64);
    assert_eq!(u64_of(&st["mempool_txs"]), 0);
    let (_, ids) = check_chain(&node, &st);
    let ids: BTreeSet<String> = ids.into_iter().collect();
    assert_eq!(
        ids, admitted,
        "blocks hold exactly the admitted transactions"
    );
}

/// Opens `/v1/events` with `query`; its lines arrive on the receiver.
fn open_events(node: &TestNode, query: &str) -> std::sync::mpsc::Receiver<String> {
    let resp = crate::common::http()
        .get(format!("{}/v1/events{query}", node.url))
        .send()
        .expect("opening /v1/events");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"),
        "{:?}",
        resp.headers()
    );
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(resp).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The data of the first `block` event on `rx` whose outcomes include `id`.
fn block_event_carrying(rx: &std::sync::mpsc::Receiver<String>, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut previous = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no block event carried {id} within 8 s");
        let Ok(line) = rx.recv_timeout(left) else {
            panic!("the event stream ended or stayed silent; no block event carried {id}");
        };
        if let Some(data) = line.strip_prefix("data:") {
            if previous == "event: block" {
                let v: Value = serde_json::from_str(data.trim_start())
                    .unwrap_or_else(|e| panic!("block event data is not JSON: {e}: {line}"));
                let carries = v["outcomes"]
                    .as_array()
                    .expect("outcomes")
                    .iter()
                    .any(|o| o["tx_id"] == id);
                if carries {
                    return v;
                }
            }
        }
        previous = line;
    }
}

#[test]
fn server_sent_events_stream_committed_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let full = open_events(&node, "");
    let brief = open_events(&node, "?outcomes=brief");
    for bad in ["?outcomes=everything", "?outcome=brief"] {
        let (s, v) = get(&format!("{}/v1/events{bad}", node.url));
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("request.invalid_param")),
            "{bad}: {v}"
        );
    }

    let kp = Keypair::generate();
    // The second registration fails in its block: a brief outcome keeps
    // the error.
    let ok = admit(&node, &system_tx(&kp, 1, "register_account", json!({})));
    receipt(&node, &ok);
    let failed = admit(&node, &system_tx(&kp, 2, "register_account", json!({})));
    assert_eq!(receipt(&node, &failed)["outcome"]["status"], "failed");

    for id in [&ok, &failed] {
        let v = block_event_carrying(&full, id);
        let r = receipt(&node, id);
        assert_eq!(v["height"], r["block_height"], "{v}");
        assert_eq!(v["hash"], r["block_hash"], "{v}");
        let b = block_at(&node, u64_of(&v["height"]));
        assert_eq!(v["state_root"], b["header"]["state_root"]);
        assert_eq!(v["tx_count"], b["header"]["tx_count"]);
        assert_eq!(v["outcomes"], b["outcomes"]);

        // Brief: the same block, each outcome reduced to what a receipt
        // follower needs.
        let short = block_event_carrying(&brief, id);
        for field in ["height", "hash", "state_root", "tx_count"] {
            assert_eq!(short[field], v[field], "{field}");
        }
        let expected: Vec<Value> = b["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let mut e = json!({"tx_id": o["tx_id"], "status": o["status"]});
                if let Some(err) = o.get("error") {
                    e["error"] = err.clone();
                }
                e
            })
            .collect();
        assert_eq!(short["outcomes"], Value::Array(expected), "{short}");
    }
}

#[test]
fn operations_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let (s, v) = get(&format!("{}/healthz", node.url));
    assert_eq!(s, 200, "{v}");
    let (s, v) = get(&format!("{}/readyz", node.url));
    assert_eq!(s, 200, "{v}");

    let kp = Keypair::generate();
    let id = admit(&node, &system_tx(&kp, 1, "register_account", json!({})));
    receipt(&node, &id);

    let metrics = || -> (String, String) {
        let r = crate::common::http()
            .get(format!("{}/metrics", node.url))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        (ct, r.text().unwrap())
    };
    let value = |text: &str, name: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"));
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name} has no integer value: {line}"))
    };
    let (ct, text) = metrics();
    assert!(ct.starts_with("text/plain"), "content-type {ct}");
    assert!(text.contains("# TYPE publica_blocks_committed_total counter"));
    // Counters are bumped right after a block becomes visible: allow a moment.
    let (blocks, txs) = eventually("committed counters", Duration::from_secs(5), || {
        let (_, text) = metrics();
        let b = value(&text, "publica_blocks_committed_total");
        let t = value(&text, "publica_txs_committed_total");
        (b > 0 && t > 0).then_some((b, t))
    });
    assert_eq!((blocks, txs), (1, 1));

    let (s, doc) = get(&format!("{}/openapi.json", node.url));
    assert_eq!(s, 200);
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "openapi {version}");
    for p in [
        "/v1/transactions",
        "/v1/transactions/batch",
        "/v1/transactions/{tx_id}",
        "/v1/blocks/{height}",
        "/v1/status",
        "/v1/state",
        "/v1/events",
        "/v1/sync/floor",
        "/v1/sync/blocks",
        "/v1/sync/snapshot",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from /openapi.json paths"
        );
    }
    assert!(doc["paths"]["/v1/transactions"].get("post").is_some());
    assert!(doc["paths"]["/v1/status"].get("get").is_some());
    // Every route of every registered module is served and documented.
    let registry = publica_api::module_routes::registered();
    assert!(registry.iter().map(|(_, r)| r.len()).sum::<usize>() >= 10);
    for (module, routes) in registry {
        for r in routes {
            let verb = match r.verb {
                publica_runtime::routes::Verb::Get => "get",
                publica_runtime::routes::Verb::Post => "post",
            };
            let op = &doc["paths"][r.path][verb];
            assert_eq!(
                op["operationId"],
                format!("{module}.{}", r.name),
                "{verb} {} missing from /openapi.json",
                r.path
            );
        }
    }

    // State-sync routes of a single node: blocks are served, there is no
    // floor (no validators' certificates) and no snapshot yet.
    let (s, v) = get(&format!("{}/v1/sync/blocks?from=1&limit=5", node.url));
    assert_eq!(s, 200, "{v}");
    let page = v.as_array().unwrap();
    assert!(!page.is_empty() && page[0]["header"]["height"] == 1, "{v}");
    let (s, v) = get(&format!("{}/v1/sync/blocks?from=999999", node.url));
    assert_eq!((s, v), (200, json!([])));
    expect_err(
        "limit too big",
        get(&format!("{}/v1/sync/blocks?from=1&limit=5000", node.url)),
        400,
        "request.invalid_param",
    );
    expect_err(
        "no from",
        get(&format!("{}/v1/sync/blocks", node.url)),
        400,
        "request.invalid_param",
    );
    expect_err(
        "dev floor",
        get(&format!("{}/v1/sync/floor", node.url)),
        404,
        "sync.no_floor",
    );
    expect_err(
        "no snapshot",
        get(&format!("{}/v1/sync/snapshot", node.url)),
        404,
        "sync.no_snapshot",
    );
    expect_err(
        "bad snapshot height",
        get(&format!("{}/v1/sync/snapshot?max_height=ten", node.url)),
        400,
        "request.invalid_param",
    );
    expect_err(
        "unknown snapshot parameter",
        get(&format!("{}/v1/sync/snapshot?height=1", node.url)),
        400,
        "request.invalid_param",
    );
}

#[test]
fn rate_limit_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &["--rate-limit", "1", "--rate-burst", "3"]);
    let client = crate::common::http();
    let url = format!("{}/v1/status", node.url);
    let started = Instant::now();
    for i in 0..3 {
        let r = client.get(&url).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "request {i} of the burst");
    }
    let r = client.get(&url).send().unwrap();
    let s = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let v: Value = r.json().expect("a refusal is JSON");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "the burst took too long to test the limit: {:?}",
        started.elapsed()
    );
    expect_err(
        "fourth request within a second",
        (s, v),
        429,
        "request.rate_limited",
    );
    // It says when to come back: one request a second.
    assert_eq!(retry, Some(1));
    // Probes and metrics stay outside the client's budget.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = client.get(format!("{}{path}", node.url)).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path} while rate limited");
    }
}

/// A counter's value in the node's `/metrics`.
fn metric(node: &TestNode, name: &str) -> u64 {
    let text = crate::common::http()
        .get(format!("{}/metrics", node.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics"))
}

#[test]
fn transaction_budget_per_client_is_charged_before_any_signature_check() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &["--tx-rate-limit", "1", "--tx-burst", "5"]);
    let batch_url = format!("{}/v1/transactions/batch", node.url);
    let forged = |n: usize| -> Value {
        let txs: Vec<Envelope> = (1..=n as u64)
            .map(|i| {
                let mut e = crate::common::note_tx(&Keypair::generate(), i, "x");
                e.signature.0[0] ^= 1;
                e
            })
            .collect();
        json!({ "transactions": txs })
    };
    // Larger than the budget ever holds: refused as a size, not a wait.
    expect_err(
        "a batch over --tx-burst",
        post(&batch_url, &forged(6)),
        400,
        "batch.invalid_size",
    );
    let started = Instant::now();
    let (s, v) = post(&batch_url, &forged(5));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rejected"], 5, "{v}");
    assert_eq!(v["results"][0]["error"]["code"], "tx.bad_signature", "{v}");
    let rejected = metric(&node, "publica_txs_rejected_total");
    assert_eq!(rejected, 5);
    // The budget is spent: the next batch and a single transaction are
    // refused whole, with when to come back, and never verified.
    let r = crate::common::http()
        .post(&batch_url)
        .json(&forged(2))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    expect_err(
        "a batch over budget",
        (status, r.json().unwrap()),
        429,
        "request.rate_limited",
    );
    assert!(
        (1..=2).contains(&retry),
        "two transactions at one a second: {retry}"
    );
    let single = forged(1)["transactions"][0].clone();
    expect_err(
        "one transaction over budget",
        post(&format!("{}/v1/transactions", node.url), &single),
        429,
        "request.rate_limited",
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "too slow to test a budget of one a second: {:?}",
        started.elapsed()
    );
    assert_eq!(metric(&node, "publica_txs_rejected_total"), rejected);
    // Reads are not transactions: they stay within the request budget.
    assert_eq!(get(&format!("{}/v1/status", node.url)).0, 200);
}

#[test]
fn graceful_shutdown_and_restart_keep_state() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    let envs: Vec<Envelope> = (1..=3)
        .map(|n| crate::common::note_tx(&kp, n, &format!("note {n}")))
        .collect();
    let ids: Vec<String> = envs.iter().map(|e| admit(&node, e)).collect();
    for id in &ids {
        let r = receipt(&node, id);
        assert_eq!(r["outcome"]["status"], "ok", "{r}");
    }
    // The receipts as served now, with the log at its final size.
    let before_receipts: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (s, v) = get(&format!("{}/v1/transactions/{id}", node.url));
            assert_eq!(s, 200, "{v}");
            v
        })
        .collect();
    let before = status_of(&node);
    let note_key = format!("system/note/{}", kp.account());
    let before_note = state_at(&node, &note_key);

    // An open event stream must not hold up the shutdown.
    let events = crate::common::http()
        .get(format!("{}/v1/events", node.url))
        .send()
        .expect("opening /v1/events");
    assert_eq!(events.status().as_u16(), 200);
    let stream_end = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = BufReader::new(events).read_to_end(&mut sink);
    });
    // Watchdog: a node that does not stop within 10 s is killed, which
    // fails the exit-status check below instead of hanging the test.
    let pid = node.child.id();
    let stopped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stopped.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(10));
        if !flag.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
        }
    });
    let stderr = node.stderr.clone();
    let asked = Instant::now();
    let exit = node.terminate();
    stopped.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(exit.success(), "SIGTERM exit status {exit:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        asked.elapsed()
    );
    stream_end
        .join()
        .expect("the event stream ends with the node");
    eventually(
        "\"stopped cleanly\" on stderr",
        Duration::from_secs(5),
        || {
            stderr
                .lock()
                .unwrap()
                .contains("stopped cleanly")
                .then_some(())
        },
    );

    let node = TestNode::start_in(dir.path(), &[]);
    let after = status_of(&node);
    for f in ["height", "state_root", "block_hash", "log_size", "time_ms"] {
        assert_eq!(after[f], before[f], "{f} after a restart");
    }
    for (id, r) in ids.iter().zip(&before_receipts) {
        let (s, v) = get(&format!("{}/v1/transactions/{id}", node.url));
        assert_eq!(s, 200, "{v}");
        assert_eq!(&v, r, "receipt of {id} served identically after a restart");
    }
    assert_eq!(state_at(&node, &note_key), before_note);
    check_chain(&node, &after);

    // Nonces continue where they were.
    let (_, v) = get(&format!("{}/v1/accounts/{}/nonce", node.url, kp.account()));
    assert_eq!(
        (u64_of(&v["committed_nonce"]), u64_of(&v["next_nonce"])),
        (3, 4)
    );
    expect_err(
        "resubmitting an old transaction",
        submit(&node, &envs[1]),
        409,
        "tx.nonce_replayed",
    );
    expect_err(
        "a new transaction with an old nonce",
        submit(&node, &crate::common::note_tx(&kp, 3, "again")),
        409,
        "tx.nonce_replayed",
    );
    let env4 = crate::common::note_tx(&kp, 4, "after restart");
    let id4 = admit(&node, &env4);
    let r4 = receipt(&node, &id4);
    check_receipt(&node, &r4, &env4, &id4);
    assert_eq!(r4["outcome"]["status"], "ok", "{r4}");
    assert_eq!(u64_of(&r4["block_height"]), u64_of(&before["height"]) + 1);
    assert_eq!(state_at(&node, &note_key)["value"]["note"], "after restart");
}

#[test]
fn cli_reports_bad_input_with_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let limit = Duration::from_secs(30);
    let path_str = |p: &Path| p.to_str().unwrap().to_string();

    // An invalid block interval.
    let data = path_str(&dir.path().join("bad-dev"));
    let out = run_cli(
        &[
            "dev",
            "--block-ms",
            "0",
            "--data-dir",
            &data,
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
        limit,
    );
    assert!(!out.status.success(), "dev --block-ms 0 must fail");
    assert!(
        text(&out.stderr).contains("block interval"),
        "stderr: {}",
        text(&out.stderr)
    );

    // The portal's and the HTTP server's settings out of range.
    for (flag, value) in [
        ("--min-cell", "0"),
        ("--http-header-timeout-ms", "5"),
        ("--http-max-connections", "0"),
        ("--http-max-connections-per-ip", "0"),
        ("--tx-rate-limit", "0"),
        ("--tx-burst", "0"),
    ] {
        let out = run_cli(
            &[
                "dev",
                flag,
                value,
                "--data-dir",
                &data,
                "--listen",
                "127.0.0.1:0",
            ],
            &[],
            limit,
        );
        assert!(!out.status.success(), "dev {flag} {value} must fail");
        assert!(
            text(&out.stderr).contains(flag) && text(&out.stderr).contains("not in"),
            "stderr: {}",
            text(&out.stderr)
        );
    }

    // A key file that does not exist.
    let out = run_cli(
        &[
            "tx",
            "send",
            "--key",
            "/nonexistent.json",
            "--module",
            "system",
            "--method",
            "set_note",
            "--node",
            "http://127.0.0.1:9",
        ],
        &[],
        limit,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("/nonexistent.json"),
        "stderr: {}",
        text(&out.stderr)
    );

    // A new encrypted key file.
    let key = path_str(&dir.path().join("key.json"));
    let good_pass = [("PUBLICA_PASSPHRASE", "correct-horse")];
    let short = path_str(&dir.path().join("short.json"));
    let out = run_cli(
        &["keys", "new", "--out", &short],
        &[("PUBLICA_PASSPHRASE", "short")],
        limit,
    );
    assert!(!out.status.success(), "a short passphrase must be refused");
    assert!(!dir.path().join("short.json").exists());
    let out = run_cli(&["keys", "new", "--out", &key], &good_pass, limit);
    assert!(out.status.success(), "keys new: {}", text(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).expect("keys new prints JSON");
    assert_eq!(created["encrypted"], true);
    let account = created["account"].as_str().expect("account").to_string();
    let file_text = std::fs::read_to_string(&key).unwrap();
    let kf = KeyFile::read(Path::new(&key)).unwrap();
    assert!(kf.is_encrypted());
    let kp = kf
        .open(&key, Some(b"correct-horse"))
        .expect("the passphrase opens the file");
    assert_eq!(kp.account().to_hex(), account);
    let seed_hex = hex::encode(kp.seed());
    assert!(
        !file_text.contains(&seed_hex) && !file_text.contains(&seed_hex.to_uppercase()),
        "the key file holds the seed in clear"
    );
    assert!(!file_text.contains("\"seed\""), "{file_text}");
    assert!(kf.open(&key, Some(b"wrong-pass")).is_err());
    let out = run_cli(&["keys", "show", &key], &[], limit);
    assert!(out.status.success(), "keys show: {}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("keys show prints JSON");
    assert_eq!(shown["account"], account.as_str());
    assert_eq!(shown["encrypted"], true);
    // Never overwritten.
    let out = run_cli(&["keys", "new", "--out", &key], &good_pass, limit);
    assert!(
        !out.status.success(),
        "keys new over an existing file must fail"
    );
    assert!(
        text(&out.stderr).contains("already exists"),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        file_text,
        "file unchanged"
    );

    // Using it against a node.
    let node = TestNode::start_in(&dir.path().join("node"), &[]);
    let send = |method: &str, args: &str, pass: &str| {
        run_cli(
            &[
                "tx", "send", "--key", &key, "--module", "system", "--method", method, "--args",
                args, "--node", &node.url,
            ],
            &[("PUBLICA_PASSPHRASE", pass)],
            limit,
        )
    };
    let out = send("register_account", "{}", "wrong-pass");
    assert!(!out.status.success(), "a wrong passphrase must fail");
    assert!(
        text(&out.stderr).contains("wrong passphrase"),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(u64_of(&status_of(&node)["log_size"]), 0, "nothing was sent");
    let out = send("register_account", "{}", "correct-horse");
    assert!(out.status.success(), "tx send: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("committed"),
        "{}",
        text(&out.stdout)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("tx send prints the receipt JSON");
    assert_eq!(r["status"], "committed");
    assert_eq!(r["outcome"]["status"], "ok", "{r}");
    assert_eq!(r["transaction"]["signer"], account.as_str());
    assert_eq!(r["transaction"]["body"]["nonce"], 1);
    let out = send("set_note", r#"{"note":"from the cli"}"#, "correct-horse");
    assert!(
        out.status.success(),
        "tx send set_note: {}",
        text(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["transaction"]["body"]["nonce"], 2,
        "the CLI asks the next nonce"
    );

    // A verified state query.
    let note_key = format!("system/note/{account}");
    let out = run_cli(
        &["query", "state", &note_key, "--verify", "--node", &node.url],
        &[],
        limit,
    );
    assert!(out.status.success(), "query state: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"verified\": true"),
        "{}",
        text(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"]["note"], "from the cli");
    assert_eq!(v["key"], note_key.as_str());
}

/// A chain whose transparency-log key went missing does not silently sign
/// on with a new one: it refuses to start until the key is restored, or
/// the operator asks for a new key.
#[test]
fn a_missing_log_key_stops_the_chain_until_restored_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    crate::common::commit_notes(&node, 2);
    let (_, log) = get(&format!("{}/v1/log", node.url));
    let old_key = log["verifier_key"].as_str().unwrap().to_string();
    assert!(node.terminate().success());
    let key_file = dir.path().join("log-key.json");
    let saved = std::fs::read(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let err = match TestNode::try_start_in(dir.path(), &[]) {
        Ok(n) => panic!("started without its log key: {}", status_of(&n)),
        Err(e) => e,
    };
    assert!(
        err.contains("log-key.json is missing") && err.contains("--new-log-key"),
        "stderr: {err}"
    );
    assert!(!key_file.exists(), "no key was made");
    // Restored from the backup, it signs on with the same key.
    std::fs::write(&key_file, &saved).unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let (_, log) = get(&format!("{}/v1/log", node.url));
    assert_eq!(log["verifier_key"], old_key.as_str());
    assert!(node.terminate().success());
    // Asked for explicitly, a new key.
    std::fs::remove_file(&key_file).unwrap();
    let node = TestNode::start_in(dir.path(), &["--new-log-key"]);
    let (_, log) = get(&format!("{}/v1/log", node.url));
    assert_ne!(log["verifier_key"], old_key.as_str());
    assert!(key_file.exists());
}

#[test]
fn storage_faults_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let kp = Keypair::generate();
    let mut last = String::new();
    for n in 1..=4 {
        let id = admit(&node, &crate::common::note_tx(&kp, n, &format!("note {n}")));
        let r = receipt(&node, &id);
        assert_eq!(r["outcome"]["status"], "ok");
        last = id;
    }
    let before = status_of(&node);
    let height = u64_of(&before["height"]);
    assert!(height >= 2, "height {height}");
    let last_block = block_at(&node, height);
    assert_eq!(
        last_block["outcomes"].as_array().unwrap().len(),
        1,
        "the last block holds only the last transaction"
    );
    node.kill9();
    let log = dir.path().join("blocks.log");
    let bytes = std::fs::read(&log).unwrap();
    let verify_chain = || {
        Command::new(crate::common::bin())
            .args(["admin", "verify-chain", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap()
    };

    // (0) A flipped bit in the last block, complete and synced, is no torn
    // write: its receipt was given. Neither the node nor verify-chain cuts
    // it; both name the block, and the file stays as it was.
    let mut flipped = bytes.clone();
    let at = bytes.len() - 40;
    flipped[at] ^= 0x04;
    std::fs::write(&log, &flipped).unwrap();
    let out = verify_chain();
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "verify-chain passed a damaged block");
    assert!(
        stderr.contains("corrupted") && stderr.contains(&format!("block {height}:")),
        "stderr: {stderr}"
    );
    let err = match TestNode::try_start_in(dir.path(), &[]) {
        Ok(n) => panic!(
            "a node with a damaged last block started: {}",
            status_of(&n)
        ),
        Err(e) => e,
    };
    assert!(
        err.contains("Refusing to start") && err.contains(&format!("block {height}:")),
        "stderr: {err}"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        flipped,
        "the damaged file is kept"
    );
    std::fs::write(&log, &bytes).unwrap();

    // (a) A torn final record: verify-chain reports it and leaves it; the
    // node cuts it off at start-up.
    std::fs::write(&log, &bytes[..bytes.len() - 7]).unwrap();
    let out = verify_chain();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(u64_of(&report["verified_blocks"]), height - 1, "{report}");
    assert!(u64_of(&report["torn_tail_bytes"]) > 0, "{report}");
    assert_eq!(
        std::fs::read(&log).unwrap().len(),
        bytes.len() - 7,
        "verify-chain writes nothing"
    );
    let node = TestNode::start_in(dir.path(), &[]);
    let st = status_of(&node);
    assert_eq!(
        u64_of(&st["height"]),
        height - 1,
        "the torn block is dropped"
    );
    assert_eq!(u64_of(&st["log_size"]), u64_of(&before["log_size"]) - 1);
    eventually("\"torn\" on stderr", Duration::from_secs(5), || {
        node.stderr_text().contains("torn").then_some(())
    });
    check_chain(&node, &st);
    expect_err(
        "the torn block's transaction",
        get(&format!("{}/v1/transactions/{last}", node.url)),
        404,
        "tx.not_found",
    );
    let (_, v) = get(&format!("{}/v1/accounts/{}/nonce", node.url, kp.account()));
    assert_eq!(
        u64_of(&v["next_nonce"]),
        4,
        "the dropped nonce is free again"
    );
    // It still takes and commits new transactions.
    let env = crate::common::note_tx(&kp, 4, "after the cut");
    let id = admit(&node, &env);
    let r = receipt(&node, &id);
    check_receipt(&node, &r, &env, &id);
    assert_eq!(r["outcome"]["status"], "ok", "{r}");
    assert_eq!(u64_of(&r["block_height"]), height);
    let st = status_of(&node);
    check_chain(&node, &st);
    node.kill9();
    assert_eq!(
        crate::common::verify_chain(dir.path()),
        height,
        "the repaired log replays"
    );

    // (b) Damage inside the first record: refuse to start.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&log, &bytes).unwrap();
    let err = match TestNode::try_start_in(dir.path(), &[]) {
        Ok(n) => {
            let st = status_of(&n);
            panic!("a node with a corrupted block log started: {st}");
        }
        Err(e) => e,
    };
    assert!(
        err.contains("corrupted") && err.contains("Refusing to start"),
        "stderr: {err}"
    );
    let data = dir.path().to_str().unwrap();
    let out = run_cli(
        &[
            "dev",
            "--data-dir",
            data,
            "--listen",
            "127.0.0.1:0",
            "--block-ms",
            "20",
        ],
        &[],
        Duration::from_secs(30),
    );
    assert!(!out.status.success(), "exit status {:?}", out.status);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("corrupted") && stderr.contains("Refusing to start"),
        "stderr: {stderr}"
    );
    assert!(
        !text(&out.stdout).contains("listening"),
        "{}",
        text(&out.stdout)
    );
}
