//! A full disk: the node stops taking transactions with a reason, keeps
//! serving reads, loses nothing and takes transactions again once space
//! returns. The node runs on a small tmpfs of its own, mounted in a mount
//! namespace the test makes (`unshare`), which the test fills and empties
//! through `/proc/<pid>/root`.

use crate::common::{get, note_tx, post, receipt, submit, TestNode};
use publica_crypto::Keypair;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Waits up to 30 s for `done` to hold for the node's status.
fn wait_status(node: &TestNode, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (s, v) = get(&format!("{}/v1/status", node.url));
        assert_eq!(s, 200, "status while waiting for {what}: {v}");
        if done(&v) {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} within 30 s: {v}\n{}",
            node.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fills the file system holding `path` with one file of zeros.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    // The last bytes of a page, too.
    while f.write(&[0u8; 512]).is_ok_and(|n| n > 0) {}
}

#[test]
fn a_full_disk_makes_the_node_read_only_until_space_returns() {
    let mnt = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["-rm", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=16m tmpfs \"$0\" && \
             exec \"$1\" dev --data-dir \"$0/d\" --listen 127.0.0.1:0 --block-ms 20",
        )
        .arg(mnt.path())
        .arg(crate::common::bin());
    let node = TestNode::launch(cmd, mnt.path()).expect("a node on its own tmpfs");
    // The tmpfs as the node sees it.
    let inside: PathBuf = format!("/proc/{}/root{}", node.child.id(), mnt.path().display()).into();
    assert!(inside.join("d/blocks.log").exists(), "{}", inside.display());

    let kp = Keypair::generate();
    let first = crate::common::commit_notes(&node, 3);

    // The disk fills up. Transactions go on being admitted until a block
    // cannot be written; from then on the node is read-only.
    fill(&inside.join("filler"));
    let mut nonce = 0;
    let mut stuck = Vec::new();
    let status = loop {
        nonce += 1;
        let (s, v) = submit(&node, &note_tx(&kp, nonce, &"x".repeat(200)));
        if s == 503 {
            assert_eq!(v["code"], "node.read_only", "{v}");
            break wait_status(&node, "read-only", |v| v["read_only"].is_string());
        }
        assert_eq!(s, 202, "{v}");
        let id = v["tx_id"].as_str().unwrap().to_string();
        let (s, _) = get(&format!("{}/v1/transactions/{id}?wait_ms=2000", node.url));
        if s == 202 {
            stuck.push(id);
            break wait_status(&node, "read-only", |v| v["read_only"].is_string());
        }
        assert!(nonce < 200, "the disk never filled up");
    };
    let reason = status["read_only"].as_str().unwrap();
    assert!(reason.contains("No space left"), "{reason}");

    // Writes are refused with the reason; reads are served.
    let (s, v) = submit(&node, &note_tx(&kp, nonce + 1, "refused"));
    assert_eq!(
        (s, v["code"].as_str()),
        (503, Some("node.read_only")),
        "{v}"
    );
    let r = crate::common::http()
        .post(format!("{}/v1/transactions/batch", node.url))
        .json(&json!({ "transactions": [note_tx(&kp, nonce + 1, "refused")] }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().contains_key("retry-after"));
    for id in &first {
        assert_eq!(receipt(&node, id)["outcome"]["status"], "ok");
    }
    assert_eq!(get(&format!("{}/readyz", node.url)).0, 503);
    let http = crate::common::http();
    assert_eq!(
        http.get(format!("{}/healthz", node.url))
            .send()
            .unwrap()
            .status(),
        200
    );
    let metrics = http
        .get(format!("{}/metrics", node.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("publica_node_read_only 1"), "{metrics}");
    let page = http.get(format!("{}/", node.url)).send().unwrap();
    assert_eq!(page.status(), 200, "the portal is a read");
    assert!(node.stderr_text().contains("cannot write to the disk"));

    // Space returns: the waiting block is written, its transactions get
    // their receipts, and the node takes transactions again.
    std::fs::remove_file(inside.join("filler")).unwrap();
    wait_status(&node, "writable again", |v| v.get("read_only").is_none());
    for id in &stuck {
        assert_eq!(receipt(&node, id)["outcome"]["status"], "ok");
    }
    let (_, nonces) = get(&format!(
        "{}/v1/accounts/{}/nonce",
        node.url,
        kp.account().to_hex()
    ));
    let next = nonces["next_nonce"].as_u64().expect("next_nonce");
    let (s, v) = submit(&node, &note_tx(&kp, next, "after"));
    assert_eq!(s, 202, "{v}");
    receipt(&node, v["tx_id"].as_str().unwrap());
    let (s, v) = post(&format!("{}/v1/transactions", node.url), &json!({}));
    assert_eq!(s, 400, "{v}");

    // Every block on the disk is whole: a copy of the data directory
    // replays to the same chain (the node holds its lock).
    let copy = tempfile::tempdir().unwrap();
    let out = Command::new("cp")
        .arg("-a")
        .arg(inside.join("d"))
        .arg(copy.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::remove_file(copy.path().join("d/LOCK")).ok();
    let height = get(&format!("{}/v1/status", node.url)).1["height"]
        .as_u64()
        .unwrap();
    assert_eq!(crate::common::verify_chain(&copy.path().join("d")), height);
    assert!(node.terminate().success());
}
