//! Witnesses end to end, through the real binary: two `publica witness`
//! processes cosign a dev node's growing log (C2SP tlog-witness), the
//! witnessed checkpoint verifies under a k-of-n witness policy, a witness
//! restarted keeps its record, and a second node signing another history
//! with the same log key is refused, its checkpoints kept as evidence.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{bin, commit_notes, get, TestNode};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const PASS: &str = "witness passphrase";

fn new_key(path: &Path) {
    let out = Command::new(bin())
        .args(["keys", "new", "--out"])
        .arg(path)
        .env("PUBLICA_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn cosigner_key(path: &Path, name: &str) -> String {
    let out = Command::new(bin())
        .args(["keys", "show"])
        .arg(path)
        .args(["--cosigner-name", name])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["cosigner_key"].as_str().unwrap().to_string()
}

fn witness(dir: &Path, key: &Path, name: &str, log_key: &str) -> TestNode {
    let mut cmd = Command::new(bin());
    cmd.arg("witness")
        .arg("--key")
        .arg(key)
        .args(["--name", name, "--listen", "127.0.0.1:0", "--log", log_key])
        .arg("--data-dir")
        .arg(dir)
        .env("PUBLICA_PASSPHRASE", PASS);
    TestNode::launch(cmd, dir).unwrap_or_else(|e| panic!("the witness did not start: {e}"))
}

fn log_size(node: &TestNode) -> u64 {
    let (_, log) = get(&format!("{}/v1/log", node.url));
    log["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits until every witness of `node` cosigned its current size.
fn witnessed(node: &TestNode) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let size = log_size(node);
        let (s, w) = get(&format!("{}/v1/log/witnessed", node.url));
        assert_eq!(s, 200, "{w}");
        let all = w["witnesses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["cosigned_size"] == size && x["error"].is_null());
        if all && w["size"] == size {
            return w;
        }
        assert!(
            Instant::now() < deadline,
            "not witnessed at size {size}: {w}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `publica` and returns whether it succeeded, with its output
/// (standard error when it failed).
fn verify(args: &[&str]) -> (bool, String) {
    let (ok, out, err) = crate::common::publica(args);
    (ok, if ok { out } else { err })
}

#[test]
fn two_witnesses_cosign_a_growing_log_and_keep_a_forks_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (k1, k2) = (t.join("w1.json"), t.join("w2.json"));
    new_key(&k1);
    new_key(&k2);
    let (n1, n2) = ("witness.ngo.example/w1", "court.example/w2");
    let (v1, v2) = (cosigner_key(&k1, n1), cosigner_key(&k2, n2));

    // The node's log key, from a first start.
    let a_dir = t.join("a");
    let a = TestNode::start_in(&a_dir, &[]);
    let (_, log) = get(&format!("{}/v1/log", a.url));
    let log_key = log["verifier_key"].as_str().unwrap().to_string();
    assert!(a.terminate().success());
    let plain_node = TestNode::start_in(&t.join("plain"), &[]);
    let (s, none) = get(&format!("{}/v1/log/witnessed", plain_node.url));
    assert_eq!(
        (s, &none["code"]),
        (404, &Value::from("log.no_witnesses")),
        "{none}"
    );
    let plain_tx = &commit_notes(&plain_node, 1)[0];
    let (s, none) = get(&format!(
        "{}/v1/transactions/{plain_tx}?witnessed=true",
        plain_node.url
    ));
    assert_eq!(
        (s, &none["code"]),
        (404, &Value::from("log.no_witnesses")),
        "{none}"
    );
    drop(plain_node);

    let w1 = witness(&t.join("wd1"), &k1, n1, &log_key);
    let w2 = witness(&t.join("wd2"), &k2, n2, &log_key);
    let a = TestNode::start_in(&a_dir, &witness_args(&[(&v1, &w1), (&v2, &w2)]));
    let ids = commit_notes(&a, 3);
    let first = witnessed(&a);
    let size = first["size"].as_u64().unwrap();
    assert!(size >= 3, "{first}");

    // The witnessed checkpoint verifies under a 2-of-2 policy; the node's
    // own checkpoint alone does not.
    let note = first["checkpoint"].as_str().unwrap();
    let file = t.join("witnessed.txt");
    std::fs::write(&file, note).unwrap();
    let f = file.to_str().unwrap();
    let policy = ["--log-key", &log_key, "--witness", &v1, "--witness", &v2];
    let (ok, out) = verify(&[&["verify", "checkpoint", f][..], &policy[..]].concat());
    assert!(ok, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["size"].as_u64(), &v["witnesses"]["needed"]),
        (Some(size), &Value::from(2)),
        "{v}"
    );
    let plain = t.join("plain.txt");
    std::fs::write(&plain, get_text(&format!("{}/checkpoint", a.url))).unwrap();
    let (ok, out) = verify(
        &[
            &["verify", "checkpoint", plain.to_str().unwrap()][..],
            &policy[..],
        ]
        .concat(),
    );
    assert!(
        !ok && out.contains("witness policy not met: 0 valid"),
        "{out}"
    );
    // One witness's line altered: named.
    let altered = t.join("altered.txt");
    let line = note.lines().find(|l| l.contains(n2)).unwrap();
    let sig = line.rsplit(' ').next().unwrap();
    let mut bad_sig = sig.as_bytes().to_vec();
    bad_sig[20] = if bad_sig[20] == b'A' { b'B' } else { b'A' };
    std::fs::write(
        &altered,
        note.replace(sig, std::str::from_utf8(&bad_sig).unwrap()),
    )
    .unwrap();
    let (ok, out) = verify(
        &[
            &["verify", "checkpoint", altered.to_str().unwrap()][..],
            &policy[..],
        ]
        .concat(),
    );
    assert!(
        !ok && out.contains("bad cosignature by witness court.example/w2"),
        "{out}"
    );

    // A receipt under the witnessed checkpoint holds to the policy; the
    // node's own receipt does not.
    let (s, r) = get(&format!(
        "{}/v1/transactions/{}?witnessed=true",
        a.url, ids[1]
    ));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["tree_size"].as_u64(), Some(size), "{r}");
    let witnessed_receipt = t.join("witnessed-receipt.json");
    std::fs::write(&witnessed_receipt, r.to_string()).unwrap();
    let (ok, out) = verify(
        &[
            &["verify", "receipt", witnessed_receipt.to_str().unwrap()][..],
            &policy[..],
        ]
        .concat(),
    );
    assert!(ok, "{out}");
    let (_, own) = get(&format!("{}/v1/transactions/{}", a.url, ids[1]));
    let own_receipt = t.join("own-receipt.json");
    std::fs::write(&own_receipt, own.to_string()).unwrap();
    let (ok, out) = verify(
        &[
            &["verify", "receipt", own_receipt.to_str().unwrap()][..],
            &policy[..],
        ]
        .concat(),
    );
    assert!(!ok && out.contains("witness policy not met"), "{out}");
    // The chain idle since the witnesses' round: a state answer carries
    // their lines too, and holds to the policy.
    let signer = r["transaction"]["signer"].as_str().unwrap();
    let (_, answer) = get(&format!("{}/v1/state?key=runtime/nonce/{signer}", a.url));
    let answer_file = t.join("state.json");
    std::fs::write(&answer_file, answer.to_string()).unwrap();
    let (ok, out) = verify(
        &[
            &["verify", "state", answer_file.to_str().unwrap()][..],
            &policy[..],
        ]
        .concat(),
    );
    assert!(ok, "{out}");

    // A witness restarted keeps its record, and follows the log on.
    assert!(w1.terminate().success());
    let w1 = witness(&t.join("wd1"), &k1, n1, &log_key);
    let (_, held) = get(&format!("{}/logs", w1.url));
    assert_eq!(held["logs"][0]["size"], size, "{held}");
    assert!(a.terminate().success());
    let args = witness_args(&[(&v1, &w1), (&v2, &w2)]);
    let a = TestNode::start_in(&a_dir, &args);
    commit_notes(&a, 2);
    let later = witnessed(&a);
    let grown = later["size"].as_u64().unwrap();
    assert!(grown >= size + 2, "{later}");

    // Another history signed with the same log key: a node on a fresh
    // chain holding A's key. At size `grown` it shows another root (a
    // fork), one entry later a tree no proof links to A's: the witnesses
    // refuse both and keep what it signed.
    let b_dir = t.join("b");
    std::fs::create_dir_all(&b_dir).unwrap();
    for f in ["log-key.json", "log-key.pub"] {
        std::fs::copy(a_dir.join(f), b_dir.join(f)).unwrap();
    }
    let b = TestNode::start_in(&b_dir, &args);
    commit_notes(&b, grown);
    assert_eq!(log_size(&b), grown);
    let fork = evidence_of(&w1, "fork");
    commit_notes(&b, 1);
    let inconsistent = evidence_of(&w1, "inconsistent");
    assert!(
        inconsistent["detail"]
            .as_str()
            .unwrap()
            .starts_with("inconsistent"),
        "{inconsistent}"
    );
    // Both checkpoints of the fork are the log key's, of one size, with
    // two roots: proof of a split view anyone can check.
    let mut roots = Vec::new();
    for (i, which) in ["cosigned", "submitted"].iter().enumerate() {
        let file = t.join(format!("fork-{i}.txt"));
        std::fs::write(&file, fork[which].as_str().unwrap()).unwrap();
        let (ok, out) = verify(&[
            "verify",
            "checkpoint",
            file.to_str().unwrap(),
            "--log-key",
            &log_key,
        ]);
        assert!(ok, "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        roots.push((
            v["size"].as_u64().unwrap(),
            v["root"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(roots[0].0, grown);
    assert_eq!(roots[0].0, roots[1].0);
    assert_ne!(roots[0].1, roots[1].1);
    // B's witnesses cosign nothing of it; A's witnessed state is intact.
    let (_, wb) = get(&format!("{}/v1/log/witnessed", b.url));
    assert!(wb["checkpoint"].is_null(), "{wb}");
    assert!(wb["witnesses"][0]["error"].is_string(), "{wb}");
    let (_, held) = get(&format!("{}/logs", w2.url));
    assert_eq!(held["logs"][0]["size"], grown, "{held}");
    commit_notes(&a, 1);
    assert!(witnessed(&a)["size"].as_u64().unwrap() > grown);
}

/// `--witness <key>@<url>` for each witness.
fn witness_args(witnesses: &[(&str, &TestNode)]) -> Vec<&'static str> {
    witnesses
        .iter()
        .flat_map(|(k, w)| ["--witness".to_string(), format!("{k}@{}", w.url)])
        // The node's arguments live as long as the test process.
        .map(|a| &*a.leak())
        .collect()
}

/// Waits for a witness's first evidence of `kind`.
fn evidence_of(w: &TestNode, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, e) = get(&format!("{}/evidence", w.url));
        if let Some(x) = e["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["kind"] == kind)
        {
            return x.clone();
        }
        assert!(Instant::now() < deadline, "no evidence of a {kind}: {e}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get_text(url: &str) -> String {
    crate::common::http()
        .get(url)
        .send()
        .unwrap()
        .text()
        .unwrap()
}
