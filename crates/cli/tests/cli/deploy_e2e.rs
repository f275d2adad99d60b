//! A production single node: `publica node --config node.json` for a chain
//! one agency runs, from its genesis file only (docs/deploy.md).

use crate::common::{get, publica, run_ok, send_tx, TestNode};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Writes an admin key, a genesis naming it and a node config with
/// `fields` over the defaults; the config's path.
fn setup(dir: &Path, fields: &serde_json::Value) -> std::path::PathBuf {
    let key = dir.join("admin.json");
    run_ok(&["keys", "new", "--plain", "--out", key.to_str().unwrap()]);
    let account = run_ok(&["keys", "show", key.to_str().unwrap()])["account"].clone();
    let genesis = json!({
        "version": 1,
        "chain_id": "city-pilot",
        "agencies": [{"id": "welfare", "name": "Welfare", "administrators": [account], "policy_threshold": 1}],
        "governance": {"create_agency_threshold": 1}
    });
    std::fs::write(dir.join("genesis.json"), genesis.to_string()).unwrap();
    let mut config = json!({
        "data_dir": "data",
        "api_listen": "127.0.0.1:0",
        "genesis": "genesis.json",
        "block_ms": 20,
    });
    for (k, v) in fields.as_object().unwrap() {
        config[k] = v.clone();
    }
    let path = dir.join("node.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

#[test]
fn a_single_node_runs_from_its_config_and_genesis() {
    let tmp = tempfile::tempdir().unwrap();
    let config = setup(tmp.path(), &json!({"snapshot_interval_blocks": 5}));
    let mut cmd = Command::new(crate::common::bin());
    cmd.args(["node", "--config", config.to_str().unwrap()]);
    let data = tmp.path().join("data");
    let node = TestNode::launch(cmd, &data).expect("the node starts");
    let (s, status) = get(&format!("{}/v1/status", node.url));
    assert_eq!(s, 200);
    assert_eq!(status["chain_id"], "city-pilot");
    let key = tmp.path().join("admin.json");
    send_tx(
        &node.url,
        key.to_str().unwrap(),
        "system",
        "register_account",
        &json!({}),
    );
    // Paths are relative to the config file; no dev key is ever made.
    assert!(data.join("genesis.json").is_file());
    assert!(!data.join("dev-admin-key.json").exists());
    assert!(node.terminate().success());

    // Bad configs are refused, naming the field.
    for (fields, says) in [
        (json!({"colour": "red"}), "unknown field `colour`"),
        (json!({"block_ms": 0}), "block_ms must be 1..=60000, not 0"),
        (json!({"genesis": "nowhere.json"}), "is not a file"),
        (
            json!({"http_max_connections": 0}),
            "http_max_connections must be 1..=65536",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = setup(dir.path(), &fields);
        let (ok, _, err) = publica(&["node", "--config", config.to_str().unwrap()]);
        assert!(!ok && err.contains(says), "{fields}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), &json!({}));
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    c.as_object_mut().unwrap().remove("genesis");
    std::fs::write(&config, c.to_string()).unwrap();
    let (ok, _, err) = publica(&["node", "--config", config.to_str().unwrap()]);
    assert!(!ok && err.contains("missing field `genesis`"), "{err}");
}
