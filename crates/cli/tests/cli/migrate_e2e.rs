//! `publica admin migrate`: a data directory of the previous ledger format
//! (a committed fixture written by the release before, with cash-outs into
//! an agency's account under the old rule) is refused by `publica dev`
//! with the way forward, migrated, served, and checked from genesis
//! across the change of rules.

use crate::common::{get, publica, receipt, submit, system_tx, verify_chain, TestNode};
use publica_crypto::Keypair;
use publica_types::Expiry;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A ledger in format 4 written by the release before format 5 (the
/// walk-throughs of docs/money.md, then a second cash-out left waiting):
/// 12 blocks, the account `cash-out` of `dev-agency` holding request 0
/// (batched as `co-0-1`) and request 1 (waiting).
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-4-cash-outs")
}

/// Copies a fixture's ledger files into a new temporary directory.
pub fn copy_fixture(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["CHAIN_ID", "LEDGER_FORMAT", "genesis.json", "blocks.log"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// Runs `publica admin migrate` and returns its report.
pub fn migrate(data_dir: &Path, extra: &[&str]) -> Result<Value, String> {
    let dir = data_dir.to_str().unwrap();
    let mut args = vec!["admin", "migrate", "--data-dir", dir];
    args.extend_from_slice(extra);
    let (ok, out, err) = publica(&args);
    if ok {
        Ok(serde_json::from_str(&out).expect("migrate prints JSON"))
    } else {
        Err(err)
    }
}

/// `kp`'s first cash-out from `alice` (an account it may not debit) to
/// `to`: its receipt.
fn cash_out(node: &TestNode, kp: &Keypair, to: &str, amount: &str) -> Value {
    let env = crate::common::sign(
        kp,
        "publica-dev",
        1,
        Expiry::Height(1_000_000),
        "money",
        "cash_out",
        json!({"from": "alice", "to": to, "amount": amount, "reference": "r"}),
    );
    let (s, r) = submit(node, &env);
    assert_eq!(s, 202, "{r}");
    receipt(node, r["tx_id"].as_str().unwrap())
}

#[test]
fn a_ledger_of_the_previous_format_is_migrated_and_keeps_every_block() {
    let dir = copy_fixture(&fixture());
    let log_before = std::fs::read(dir.path().join("blocks.log")).unwrap();

    // Started as it is: refused, with the way forward, and left as it was.
    let e = TestNode::try_start_in(dir.path(), &[])
        .err()
        .expect("a format-4 directory is refused");
    assert!(
        e.contains("holds a ledger of format 4") && e.contains("publica admin migrate --data-dir"),
        "{e}"
    );
    // Its blocks still check by their own rules, before any migration.
    assert_eq!(verify_chain(dir.path()), 12);

    // A height already written cannot start the new format.
    let e = migrate(dir.path(), &["--at-height", "12"]).unwrap_err();
    assert!(e.contains("block 12 is written already"), "{e}");

    let report = migrate(dir.path(), &[]).unwrap();
    assert_eq!(
        (
            &report["from_format"],
            &report["to_format"],
            &report["starts_at"],
            &report["height"],
            &report["migrated"]
        ),
        (&json!(4), &json!(8), &json!(13), &json!(12), &json!(true)),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("LEDGER_FORMAT")).unwrap(),
        "8\n4 from 1\n8 from 13\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("blocks.log")).unwrap(),
        log_before,
        "migrating writes no block"
    );

    let node = TestNode::start_in(dir.path(), &[]);
    let (_, before) = get(&format!("{}/v1/money/cash-outs/cash-out", node.url));
    assert_eq!(before["open"], Value::Null, "{before}");
    assert_eq!(before["waiting"][0]["id"], 1, "{before}");
    // A migration is refused while the node runs on the directory.
    let e = migrate(dir.path(), &[]).unwrap_err();
    assert!(e.contains("in use"), "{e}");

    // Block 12 is of format 4: its checkpoint names no state root.
    let (_, log) = get(&format!("{}/v1/log", node.url));
    assert!(
        !log["checkpoint"]
            .as_str()
            .unwrap()
            .contains("publica-state"),
        "{log}"
    );

    // The first block of the new format runs format 5's migration (it
    // opens the account that took cash-outs) and format 6's.
    let someone = Keypair::generate();
    let (s, r) = submit(
        &node,
        &system_tx(&someone, 1, "register_account", json!({})),
    );
    assert_eq!(s, 202, "{r}");
    let r = receipt(&node, r["tx_id"].as_str().unwrap());
    assert_eq!(r["block_height"], 13, "{r}");
    let (_, block) = get(&format!("{}/v1/blocks/13", node.url));
    let declared: Vec<&Value> = block["ledger_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "cash_out_account_declared")
        .collect();
    assert_eq!(
        declared,
        vec![
            &json!({"module": "money", "kind": "cash_out_account_declared", "data": {"account": "cash-out", "minimum": "1"}})
        ],
        "{block}"
    );
    let (_, after) = get(&format!("{}/v1/money/cash-outs/cash-out", node.url));
    assert_eq!(
        after["open"],
        json!({"minimum": "1", "height": 13}),
        "{after}"
    );
    assert_eq!(after["waiting"], before["waiting"], "waiting requests stay");
    // From block 13 each checkpoint names its block's state root.
    let (_, status) = get(&format!("{}/v1/status", node.url));
    let (_, log) = get(&format!("{}/v1/log", node.url));
    let at = status["height"].as_u64().unwrap();
    assert!(
        log["checkpoint"]
            .as_str()
            .unwrap()
            .contains(&format!("\npublica-state {at} ")),
        "{log}"
    );

    // From now on only an opened account takes cash-outs: the rule is
    // checked before who may debit `alice`.
    let r = cash_out(&node, &Keypair::generate(), "treasury", "100");
    assert_eq!(
        r["outcome"]["error"]["code"], "money.not_cash_out_account",
        "{r}"
    );
    let r = cash_out(&node, &Keypair::generate(), "cash-out", "100");
    assert_eq!(r["outcome"]["error"]["code"], "money.not_owner", "{r}");
    assert!(node.terminate().success());

    // The whole chain checks from genesis, each block by its format's
    // rules; migrating again has nothing to do.
    assert_eq!(verify_chain(dir.path()), 15);
    let again = migrate(dir.path(), &[]).unwrap();
    assert_eq!(again["migrated"], json!(false), "{again}");
    assert_eq!(again["starts_at"], Value::Null, "{again}");
}

/// A network's validators name one future height: until it the node runs
/// the old rules; a backup taken of the old format restores and migrates.
#[test]
fn a_migration_can_start_at_a_later_height_and_a_backup_of_the_old_format_restores() {
    let dir = copy_fixture(&fixture());
    let report = migrate(dir.path(), &["--at-height", "14"]).unwrap();
    assert_eq!(report["starts_at"], 14, "{report}");
    let node = TestNode::start_in(dir.path(), &[]);
    // Block 13: format 4 still, so `treasury` is an account of an agency
    // and the refusal is the old one (the signer may not debit `alice`).
    let r = cash_out(&node, &Keypair::generate(), "treasury", "100");
    assert_eq!(
        (&r["block_height"], &r["outcome"]["error"]["code"]),
        (&json!(13), &json!("money.not_owner")),
        "{r}"
    );
    let r = cash_out(&node, &Keypair::generate(), "treasury", "100");
    assert_eq!(
        (&r["block_height"], &r["outcome"]["error"]["code"]),
        (&json!(14), &json!("money.not_cash_out_account")),
        "{r}"
    );
    assert!(node.terminate().success());
    assert_eq!(verify_chain(dir.path()), 14);

    // A backup of the fixture as it was (format 4) restores, checked by its
    // own rules, and migrates like the original.
    let old = copy_fixture(&fixture());
    let backup = tempfile::tempdir().unwrap();
    let out = backup.path().join("b");
    let (ok, _, err) = publica(&[
        "admin",
        "backup",
        "--data-dir",
        old.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let restored = backup.path().join("r");
    let (ok, out_text, err) = publica(&[
        "admin",
        "restore",
        "--from",
        out.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out_text.contains("\"verified_blocks\": 12"), "{out_text}");
    assert_eq!(migrate(&restored, &[]).unwrap()["starts_at"], 13);
}

/// A directory of the previous format with no block yet (a chain set up
/// but never started) has nothing written by the old rules: it moves to
/// the new format from its first block, and starts.
#[test]
fn a_directory_without_blocks_moves_to_the_new_format_from_its_first_block() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["CHAIN_ID", "LEDGER_FORMAT", "genesis.json"] {
        std::fs::copy(fixture().join(f), dir.path().join(f)).unwrap();
    }
    let report = migrate(dir.path(), &[]).unwrap();
    assert_eq!(
        (
            &report["from_format"],
            &report["starts_at"],
            &report["height"]
        ),
        (&json!(4), &json!(1), &json!(0)),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("LEDGER_FORMAT")).unwrap(),
        "8\n"
    );
    let node = TestNode::start_in(dir.path(), &[]);
    let (_, status) = get(&format!("{}/v1/status", node.url));
    assert_eq!(status["height"], 0, "{status}");
}
