//! The transparency log end to end, through the real binary: receipts that
//! verify offline with `publica verify receipt`, checkpoints that survive
//! `kill -9` byte for byte, consistency proofs checked by `publica verify
//! consistency`, C2SP tiles, and the monitor catching a forked log.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, post, receipt, TestNode};
use publica_crypto::Keypair;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

fn publica(args: &[&str]) -> Output {
    Command::new(crate::common::bin())
        .args(args)
        .output()
        .expect("running publica")
}

fn text(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = crate::common::http().get(url).send().unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().unwrap(), headers)
}

fn bytes(url: &str) -> (u16, Vec<u8>, reqwest::header::HeaderMap) {
    let r = crate::common::http().get(url).send().unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.bytes().unwrap().to_vec(), headers)
}

fn log_key(node: &TestNode) -> String {
    get(&format!("{}/v1/log", node.url)).1["verifier_key"]
        .as_str()
        .unwrap()
        .to_string()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

#[test]
fn receipts_verify_offline_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let ids = crate::common::commit_notes(&node, 4);
    let key = log_key(&node);
    let files = tempfile::tempdir().unwrap();
    let (_, r) = get(&format!("{}/v1/transactions/{}", node.url, ids[1]));
    let good = write(files.path(), "r.json", &r.to_string());
    drop(node); // offline from here on

    let out = publica(&["verify", "receipt", &good, "--log-key", &key]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["tx_id"].as_str().unwrap(), ids[1]);
    // An altered block height still verifies (no proof covers it), so it
    // is never printed as if checked: only under `not_proved`.
    let mut shifted = r.clone();
    shifted["block_height"] = json!(r["block_height"].as_u64().unwrap() + 1000);
    let shifted = write(files.path(), "shifted.json", &shifted.to_string());
    let out = publica(&["verify", "receipt", &shifted, "--log-key", &key]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("block_height").is_none(), "{v}");
    assert_eq!(
        v["not_proved"]["block_height"].as_u64(),
        Some(r["block_height"].as_u64().unwrap() + 1000),
        "{v}"
    );

    let key_file = write(files.path(), "key.txt", &key);
    assert!(
        publica(&["verify", "receipt", &good, "--log-key", &key_file])
            .status
            .success()
    );

    let fails = |receipt: &Value, extra: &[&str], reason: &str| {
        let f = write(files.path(), "bad.json", &receipt.to_string());
        let mut args = vec!["verify", "receipt", f.as_str(), "--log-key", key.as_str()];
        args.extend_from_slice(extra);
        let out = publica(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success(),
            "accepted a receipt that should fail with '{reason}'"
        );
        assert!(err.contains(reason), "expected '{reason}', got: {err}");
    };
    let mut t = r.clone();
    let cp = r["checkpoint"].as_str().unwrap();
    let lines: Vec<&str> = cp.split('\n').collect();
    t["checkpoint"] = json!(cp.replacen(
        &format!("\n{}\n", lines[1]),
        &format!("\n{}\n", lines[1].parse::<u64>().unwrap() + 1),
        1
    ));
    fails(&t, &[], "bad signature");
    fails(&r, &["--origin", "elsewhere.example/log"], "wrong origin");
    let mut t = r.clone();
    let h = t["inclusion_proof"][0].as_str().unwrap().to_string();
    t["inclusion_proof"][0] = json!(format!(
        "{}{}",
        if h.starts_with('0') { "1" } else { "0" },
        &h[1..]
    ));
    fails(&t, &[], "proof mismatch");
    let mut t = r.clone();
    t["outcome"]["tx_id"] = json!(ids[0]);
    t["tx_id"] = json!(ids[0]);
    fails(&t, &[], "wrong leaf");
    let other_key = NoteKey::other();
    let out = publica(&["verify", "receipt", &good, "--log-key", &other_key]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no signature from key"));
}

struct NoteKey;
impl NoteKey {
    fn other() -> String {
        publica_log::NoteSigner::new("publica.local/publica-dev", Keypair::generate())
            .unwrap()
            .verifier_key()
    }
}

#[test]
fn checkpoints_survive_kill_9_and_consistency_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    crate::common::commit_notes(&node, 3);
    let key = log_key(&node);
    let (_, old, _) = text(&format!("{}/checkpoint", node.url));
    node.kill9();
    // The log's lower levels on disk are derived: rebuilt at start.
    std::fs::remove_dir_all(dir.path().join("log-levels")).unwrap();

    let node = TestNode::start_in(dir.path(), &[]);
    let (_, again, _) = text(&format!("{}/checkpoint", node.url));
    assert_eq!(
        again, old,
        "same size, same checkpoint bytes after a restart"
    );
    assert_eq!(log_key(&node), key, "the log key persists");
    crate::common::commit_notes(&node, 5);
    let (_, new, _) = text(&format!("{}/checkpoint", node.url));
    let size = |cp: &str| cp.split('\n').nth(1).unwrap().parse::<u64>().unwrap();
    let (s, proof) = get(&format!(
        "{}/v1/log/consistency?from={}&to={}",
        node.url,
        size(&old),
        size(&new)
    ));
    assert_eq!(s, 200, "{proof}");
    // Level 0 on disk: one 32-byte hash per entry.
    let level0 = std::fs::metadata(dir.path().join("log-levels").join("0.dat")).unwrap();
    assert_eq!(level0.len(), 32 * size(&new));
    let old_f = write(files.path(), "old.cp", &old);
    let new_f = write(files.path(), "new.cp", &new);
    let proof_f = write(files.path(), "proof.json", &proof.to_string());
    let out = publica(&[
        "verify",
        "consistency",
        &old_f,
        &new_f,
        "--proof",
        &proof_f,
        "--log-key",
        &key,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Swapped checkpoints, or a damaged proof, do not verify.
    let out = publica(&[
        "verify",
        "consistency",
        &new_f,
        &old_f,
        "--proof",
        &proof_f,
        "--log-key",
        &key,
    ]);
    assert!(!out.status.success());
    let mut bad = proof.clone();
    bad["proof"][0] = json!("00".repeat(32));
    let bad_f = write(files.path(), "bad.json", &bad.to_string());
    let out = publica(&[
        "verify",
        "consistency",
        &old_f,
        &new_f,
        "--proof",
        &bad_f,
        "--log-key",
        &key,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("proof mismatch"));
    // Bad sizes are refused with a code.
    let (s, v) = get(&format!("{}/v1/log/consistency?from=0&to=1", node.url));
    assert_eq!((s, v["code"].as_str()), (400, Some("log.invalid_sizes")));
    let (s, v) = get(&format!("{}/v1/log/consistency?from=5&to=999999", node.url));
    assert_eq!((s, v["code"].as_str()), (400, Some("log.invalid_sizes")));
}

#[test]
fn tiles_and_entry_bundles_rebuild_the_checkpointed_root() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    // 300 transactions: one full level-0 tile and a partial one.
    let kp = Keypair::generate();
    let batch: Vec<Value> = (1..=300u64)
        .map(|n| json!(crate::common::note_tx(&kp, n, "t")))
        .collect();
    let (s, v) = post(
        &format!("{}/v1/transactions/batch", node.url),
        &json!({ "transactions": batch }),
    );
    assert_eq!((s, v["accepted"].as_u64()), (200, Some(300)));
    let last = v["results"][299]["tx_id"].as_str().unwrap().to_string();
    receipt(&node, &last);
    let (_, cp, headers) = text(&format!("{}/checkpoint", node.url));
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    let verifier = publica_log::NoteVerifier::parse(&log_key(&node)).unwrap();
    let cp = publica_log::Checkpoint::open(&cp, &verifier, &verifier.name).unwrap();
    assert_eq!(cp.size, 300);

    let (s, full, h) = bytes(&format!("{}/tile/0/000", node.url));
    assert_eq!((s, full.len()), (200, 256 * 32));
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    let (s, part, _) = bytes(&format!("{}/tile/0/001.p/44", node.url));
    assert_eq!((s, part.len()), (200, 44 * 32));
    let (s, entries, _) = bytes(&format!("{}/tile/entries/000", node.url));
    assert_eq!(s, 200);
    let (s, entries_p, _) = bytes(&format!("{}/tile/entries/001.p/44", node.url));
    assert_eq!(s, 200);
    // Every entry hashes to its tile hash.
    let mut leaves = Vec::new();
    for bundle in [&entries, &entries_p] {
        let mut i = 0;
        while i < bundle.len() {
            let len = u16::from_be_bytes([bundle[i], bundle[i + 1]]) as usize;
            leaves.push(publica_log::leaf_hash(&bundle[i + 2..i + 2 + len]));
            i += 2 + len;
        }
    }
    assert_eq!(leaves.len(), 300);
    let tile_hashes: Vec<publica_types::Hash32> = full
        .chunks(32)
        .chain(part.chunks(32))
        .map(|c| publica_types::Hash32(c.try_into().unwrap()))
        .collect();
    assert_eq!(leaves, tile_hashes);
    assert_eq!(
        publica_log::root(&tile_hashes),
        cp.root,
        "tiles rebuild the checkpointed root"
    );
    let (s, l1, _) = bytes(&format!("{}/tile/1/000.p/1", node.url));
    assert_eq!(
        (s, l1.as_slice()),
        (
            200,
            publica_log::root(&tile_hashes[..256]).as_bytes().as_slice()
        )
    );

    let (s, v) = get(&format!("{}/tile/0/002", node.url));
    assert_eq!((s, v["code"].as_str()), (404, Some("tile.not_found")));
    let (s, v) = get(&format!("{}/tile/0/1", node.url));
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("request.invalid_param"))
    );
}

#[test]
fn the_monitor_alarms_on_a_forked_log() {
    // Two histories signed by the same log key under the same origin: what a
    // log operator showing different views to different people would do.
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let a = TestNode::start_in(a_dir.path(), &[]);
    crate::common::commit_notes(&a, 2);
    std::fs::copy(
        a_dir.path().join("log-key.json"),
        b_dir.path().join("log-key.json"),
    )
    .unwrap();
    let key = log_key(&a);
    let addr = a.url.trim_start_matches("http://").to_string();

    let mut watch = Command::new(crate::common::bin())
        .args([
            "log",
            "watch",
            &a.url,
            "--log-key",
            &key,
            "--interval-ms",
            "50",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    a.kill9();
    // The other history answers at the same address.
    let b = TestNode::start_in(b_dir.path(), &["--listen", &addr]);
    crate::common::commit_notes(&b, 3);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = watch.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the monitor did not notice the fork"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = watch.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!status.success());
    assert!(err.contains("ALARM"), "{err}");
    drop(b);
}

/// A network's receipt carries a checkpoint cosigned by its validators
/// (C2SP cosignature/v1): it verifies offline against the validator set
/// file alone with a quorum of cosignatures, and not with fewer, with
/// outsiders' lines, or once the checkpoint is altered.
#[test]
fn receipts_with_a_validator_quorum_verify_against_the_set_alone() {
    use publica_log::{Checkpoint, Cosigner, ValidatorSet};
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let ids = crate::common::commit_notes(&node, 2);
    let (_, mut r) = get(&format!("{}/v1/transactions/{}", node.url, ids[0]));
    drop(node);
    let note = r["checkpoint"].as_str().unwrap().to_string();
    let body = &note[..note.find("\n\n").unwrap() + 1];
    let origin = Checkpoint::parse(body).unwrap().origin;
    let cosigners: Vec<Cosigner> = (0..4u8)
        .map(|i| {
            Cosigner::new(
                &format!("validator-{i}.example"),
                Keypair::from_seed([i; 32]),
            )
            .unwrap()
        })
        .collect();
    let set = ValidatorSet::new(&origin, cosigners.iter().map(Cosigner::key).collect());
    let files = tempfile::tempdir().unwrap();
    let set_file = write(files.path(), "validators.json", &set.to_json());
    let lines: Vec<String> = cosigners
        .iter()
        .map(|c| c.cosign(body, 1_800_000_000))
        .collect();
    let outsider = Cosigner::new("validator-9.example", Keypair::from_seed([9; 32])).unwrap();
    let made = std::cell::Cell::new(0);
    let receipt_with = |extra: &[String]| {
        let mut r2 = r.clone();
        r2["checkpoint"] = json!(format!("{body}\n{}", extra.concat()));
        made.set(made.get() + 1);
        write(
            files.path(),
            &format!("r{}.json", made.get()),
            &r2.to_string(),
        )
    };
    let verify = |file: &str| publica(&["verify", "receipt", file, "--validators", &set_file]);

    let v = crate::common::run_ok(&[
        "verify",
        "receipt",
        &receipt_with(&lines[1..]),
        "--validators",
        &set_file,
    ]);
    assert_eq!(
        (v["verified"].clone(), v["final"].clone()),
        (json!(true), json!(true))
    );
    let cp_file = write(
        files.path(),
        "cp.txt",
        &format!("{body}\n{}", lines[..3].concat()),
    );
    let out = publica(&["verify", "checkpoint", &cp_file, "--validators", &set_file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (why, file, expect) in [
        (
            "two of four",
            receipt_with(&lines[..2]),
            "2 valid cosignatures from the validator set, 3 needed",
        ),
        (
            "an outsider does not count",
            receipt_with(&[lines[0].clone(), lines[1].clone(), outsider.cosign(body, 1)]),
            "2 valid cosignatures",
        ),
        (
            "the node's own signature is not a cosignature",
            receipt_with(&[]),
            "malformed",
        ),
    ] {
        let out = verify(&file);
        assert!(!out.status.success(), "{why}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{why}: {err}");
    }
    // Altered size: the cosignatures no longer verify.
    r["checkpoint"] = json!(format!("{body}\n{}", lines.concat()).replacen(
        &format!("\n{}\n", Checkpoint::parse(body).unwrap().size),
        "\n999\n",
        1
    ));
    let altered = write(files.path(), "r.json", &r.to_string());
    let err = String::from_utf8_lossy(&verify(&altered).stderr).into_owned();
    assert!(err.contains("bad cosignature"), "{err}");
    // Exactly one of --log-key and --validators.
    let out = publica(&["verify", "receipt", &altered]);
    assert!(!out.status.success());
    let bad_set = write(
        files.path(),
        "bad.json",
        "{\"origin\": \"x\", \"cosigners\": [], \"quorum\": 1}",
    );
    let err = String::from_utf8_lossy(&verify_with(&altered, &bad_set).stderr).into_owned();
    assert!(err.contains("validator set"), "{err}");
}

/// `publica verify receipt FILE --validators SET`.
fn verify_with(file: &str, set: &str) -> Output {
    publica(&["verify", "receipt", file, "--validators", set])
}

/// A state answer carries the checkpoint of its block, which names the
/// block's state root: `publica verify state` checks a value (or an
/// absence) from the log key alone, and names each kind of tampering.
#[test]
fn a_state_answer_verifies_from_its_checkpoint_alone() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let ids = crate::common::commit_notes(&node, 2);
    let key = log_key(&node);
    let (_, r) = get(&format!("{}/v1/transactions/{}", node.url, ids[1]));
    let nonce_key = format!(
        "runtime/nonce/{}",
        r["transaction"]["signer"].as_str().unwrap()
    );
    let (s, answer) = get(&format!("{}/v1/state?key={nonce_key}", node.url));
    assert_eq!(s, 200, "{answer}");
    let (_, absent) = get(&format!(
        "{}/v1/state?key=system/note/{}",
        node.url,
        "ab".repeat(32)
    ));
    let other_dir = tempfile::tempdir().unwrap();
    let other_node = TestNode::start_in(other_dir.path(), &[]);
    let (_, other) = get(&format!("{}/v1/log", other_node.url));
    drop(other_node);
    drop(node); // offline from here on

    let height = answer["height"].as_u64().unwrap();
    let note = answer["checkpoint"].as_str().unwrap();
    let line = format!(
        "publica-state {height} {}",
        answer["state_root"].as_str().unwrap()
    );
    assert!(note.contains(&format!("\n{line}\n")), "{note}");
    let files = tempfile::tempdir().unwrap();
    let verify = |name: &str, a: &Value, key: &str| -> Output {
        let file = write(files.path(), name, &a.to_string());
        publica(&["verify", "state", &file, "--log-key", key])
    };
    let out = verify("good.json", &answer, &key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&v["verified"], &v["present"], &v["value"], &v["height"]),
        (&json!(true), &json!(true), &json!(2), &json!(height)),
        "{v}"
    );
    let out = verify("absent.json", &absent, &key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["present"], json!(false), "{v}");

    let forged_root = "00".repeat(32);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "value",
            json!({"value_hex": hex::encode(b"3")}),
            "proof mismatch",
        ),
        (
            "root",
            json!({"state_root": forged_root}),
            "state root mismatch",
        ),
        ("height", json!({"height": height + 1}), "wrong block"),
        (
            "line",
            json!({"checkpoint": note.replace(&line, &format!("publica-state {height} {forged_root}"))}),
            "checkpoint rejected",
        ),
        ("none", json!({"checkpoint": null}), "no checkpoint"),
        (
            "key",
            json!({"key": format!("{nonce_key}0")}),
            "proof mismatch",
        ),
    ];
    for (name, change, says) in cases {
        let mut a = answer.clone();
        for (k, v) in change.as_object().unwrap() {
            a[k] = v.clone();
        }
        let out = verify(&format!("{name}.json"), &a, &key);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{name}: {err}");
    }
    // Another node's key does not vouch for this node's state.
    let out = verify(
        "other.json",
        &answer,
        other["verifier_key"].as_str().unwrap(),
    );
    assert!(!out.status.success());
}
