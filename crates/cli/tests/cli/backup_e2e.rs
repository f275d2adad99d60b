//! `publica admin backup` of a node under load and `publica admin restore`
//! of that backup into a new directory: every receipt acknowledged up to
//! the backup's height comes back from a node on the restored directory,
//! unchanged, and nothing after it; a damaged backup and a directory in
//! use are refused.

use crate::common::{get, publica, Dice, TestNode};
use crate::crash::{client, fund_clients, lasting, Seen};
use publica_crypto::Keypair;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 3;

/// Waits until the clients saw `n` receipts in all.
fn until_seen(seen: &Seen, n: usize) {
    let start = Instant::now();
    while seen.lock().unwrap().len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the load stalled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_backup_taken_under_load_restores_every_receipt() {
    let tmp = tempfile::tempdir().unwrap();
    let (live, backup) = (tmp.path().join("live"), tmp.path().join("backup"));
    let keys: Vec<Arc<Keypair>> = (0..CLIENTS)
        .map(|_| Arc::new(Keypair::generate()))
        .collect();
    let node = TestNode::start_in(&live, &["--block-ms", "5", "--snapshot-every", "7"]);
    fund_clients(&node, &keys);
    let seen: Seen = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(me, kp)| {
            let (url, kp, seen, stop) = (node.url.clone(), kp.clone(), seen.clone(), stop.clone());
            std::thread::spawn(move || client(url, me, kp, seen, stop, Dice(me as u64 + 7)))
        })
        .collect();
    until_seen(&seen, 60);
    let acknowledged = seen.lock().unwrap().clone();
    let (ok, out, err) = admin("backup", "--data-dir", &live, "--out", &backup);
    assert!(ok, "{err}");
    let taken: Value = serde_json::from_str(&out).unwrap();
    let height = taken["height"].as_u64().unwrap();
    until_seen(&seen, acknowledged.len() + 60);
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    drop(node);
    assert!(taken["snapshot_height"].as_u64().is_some(), "{taken}");
    let seen = seen.lock().unwrap().clone();
    let block_of = |r: &Value| r["block_height"].as_u64().unwrap();
    assert!(acknowledged.values().all(|r| block_of(r) <= height));
    assert!(
        seen.values().any(|r| block_of(r) > height),
        "the load went on past the backup"
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for f in [
        "blocks.log",
        "genesis.json",
        "log-key.json",
        "records/store.key",
    ] {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    assert!(!names.contains(&"LOCK") && !names.contains(&"event-index.dat"));

    // Restored into a new directory: checked and replayed from genesis.
    let restored = tmp.path().join("restored");
    let (ok, out, err) = admin("restore", "--from", &backup, "--data-dir", &restored);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["verified_blocks"].as_u64(), Some(height), "{report}");
    assert_eq!(report["block_hash"], taken["block_hash"]);
    assert_eq!(mode(&restored.join("log-key.json")), 0o600);
    assert_eq!(mode(&restored.join("records/store.key")), 0o600);

    // A node on it answers every receipt up to the backup's height as
    // before, and none after it.
    let node = TestNode::start_in(&restored, &[]);
    let (mut back, mut later) = (0, 0);
    for (id, expected) in &seen {
        let (s, r) = get(&format!("{}/v1/transactions/{id}", node.url));
        if block_of(expected) <= height {
            assert_eq!(s, 200, "{id}: {r}");
            assert_eq!(&lasting(&r), expected, "{id}");
            back += 1;
        } else {
            assert_eq!(s, 404, "{id} was committed after the backup: {r}");
            later += 1;
        }
    }
    assert!(back >= acknowledged.len() && later > 0);
    drop(node);

    refusals(tmp.path(), &backup, &restored);
}

/// `publica admin <cmd> <flag_a> <a> <flag_b> <b>`: (success, stdout, stderr).
fn admin(cmd: &str, flag_a: &str, a: &Path, flag_b: &str, b: &Path) -> (bool, String, String) {
    publica(&[
        "admin",
        cmd,
        flag_a,
        a.to_str().unwrap(),
        flag_b,
        b.to_str().unwrap(),
    ])
}

/// Refused: a restore over a directory that is not empty, a damaged
/// backup (nothing is written then), a backup over one already there.
fn refusals(tmp: &Path, backup: &Path, restored: &Path) {
    let (ok, _, err) = admin("restore", "--from", backup, "--data-dir", restored);
    assert!(!ok && err.contains("is not empty"), "{err}");
    let log = backup.join("blocks.log");
    let mut bytes = std::fs::read(&log).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&log, bytes).unwrap();
    let other = tmp.join("other");
    let (ok, _, err) = admin("restore", "--from", backup, "--data-dir", &other);
    assert!(!ok && err.contains("blocks.log does not match"), "{err}");
    assert!(!other.exists());
    let (ok, _, err) = admin("backup", "--data-dir", restored, "--out", backup);
    assert!(!ok && err.contains("is not empty"), "{err}");
}
