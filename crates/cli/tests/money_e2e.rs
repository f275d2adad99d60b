//! Money through the real binary: a dev chain's administrator sets up a
//! currency and appropriation, mints, and pays citizens with a bulk CSV
//! through the CLI; balances come with proofs, histories and provenance.

mod common;

use common::{get, receipt, sign, submit, TestNode};
use publica_crypto::{KeyFile, Keypair};
use publica_types::Expiry;
use serde_json::{json, Value};
use std::process::Command;

struct Dev {
    node: TestNode,
    admin: Keypair,
    nonce: u64,
    _dir: tempfile::TempDir,
}

impl Dev {
    fn call(&mut self, module: &str, method: &str, args: Value) {
        self.nonce += 1;
        let env = sign(
            &self.admin,
            "publica-dev",
            self.nonce,
            Expiry::Height(1_000_000),
            module,
            method,
            args,
        );
        let (s, v) = submit(&self.node, &env);
        assert_eq!(s, 202, "{v}");
        let r = receipt(&self.node, v["tx_id"].as_str().unwrap());
        assert_eq!(r["outcome"]["status"], "ok", "{method}: {}", r["outcome"]);
    }
}

#[test]
fn bulk_payments_with_proofs_history_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let admin = KeyFile::read(&dir.path().join("dev-admin-key.json"))
        .unwrap()
        .open("k", None)
        .unwrap();
    let mut d = Dev {
        node,
        admin,
        nonce: 0,
        _dir: dir,
    };
    let me = d.admin.account();
    d.call(
        "identity",
        "add_member",
        json!({"agency": "dev-agency", "account": me, "roles": ["treasurer"]}),
    );
    d.call("money", "create_currency", json!({"agency": "dev-agency", "code": "EURC", "name": "City euro", "decimals": 2, "supply_cap": "10000000"}));
    d.call("money", "propose_appropriation", json!({"agency": "dev-agency", "currency": "EURC", "id": "ubi-2027", "name": "UBI pilot 2027", "cap": "1000000"}));
    d.call(
        "money",
        "approve_appropriation",
        json!({"agency": "dev-agency", "currency": "EURC", "id": "ubi-2027"}),
    );
    d.call("money", "open_account", json!({"agency": "dev-agency", "id": "ubi", "currency": "EURC", "owner": {"kind": "program", "agency": "dev-agency", "program": "ubi"}}));
    let citizens: Vec<Keypair> = (0..3).map(|_| Keypair::generate()).collect();
    for (i, c) in citizens.iter().enumerate() {
        d.call("money", "open_account", json!({"agency": "dev-agency", "id": format!("c{i}"), "currency": "EURC", "owner": {"kind": "citizen", "account": c.account()}}));
    }
    d.call("money", "mint", json!({"agency": "dev-agency", "currency": "EURC", "appropriation": "ubi-2027", "to": "ubi", "amount": "1000"}));

    let files = tempfile::tempdir().unwrap();
    let key = files.path().join("admin.json");
    KeyFile::seal(&d.admin, None).write_new(&key).unwrap();
    let csv = files.path().join("pay.csv");
    std::fs::write(&csv, "from,to,amount,reference\nubi,c0,300,may\nubi,c1,300,may\nnot an id,c2,1,x\nubi,c2,900,may\nubi,c2,100,may\n").unwrap();
    let out = Command::new(common::bin())
        .args([
            "money",
            "bulk",
            "--key",
            key.to_str().unwrap(),
            "--file",
            csv.to_str().unwrap(),
            "--node",
            &d.node.url,
        ])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "two rows cannot pass, so the run reports failure"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &report["summary"];
    assert_eq!(
        (
            s["committed_ok"].as_u64(),
            s["failed_in_block"].as_u64(),
            s["invalid_rows"].as_u64()
        ),
        (Some(3), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(s["moved_total"], "700");
    let statuses: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["ok", "ok", "invalid", "failed", "ok"]);
    assert_eq!(report["results"][3]["error"]["code"], "money.overdraft");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("4/4 rows"),
        "a progress bar on stderr"
    );

    let v = common::run_ok(&["money", "account", "c0", "--verify", "--node", &d.node.url]);
    assert_eq!(
        (v["account"]["balance"].as_str(), v["verified"].as_bool()),
        (Some("300"), Some(true))
    );
    let (_, p) = get(&format!("{}/v1/money/accounts/c2/provenance", d.node.url));
    assert_eq!(p["provenance"], json!({"EURC/ubi-2027": "100"}));
    let (_, h) = get(&format!(
        "{}/v1/money/accounts/ubi/history?from=0&limit=10",
        d.node.url
    ));
    assert_eq!(h["total"], 5, "opening, mint and three payments: {h}");
    assert_eq!(
        (
            h["entries"][0]["kind"].as_str(),
            h["entries"][0]["direction"].as_str()
        ),
        (Some("opened"), Some("none"))
    );
    assert_eq!(h["entries"][2]["reference"], "may");
    // Each entry names the transaction whose receipt proves it.
    let e = &h["entries"][2];
    assert_eq!(
        (e["n"].as_u64(), e["direction"].as_str()),
        (Some(2), Some("out"))
    );
    let (s, r) = get(&format!(
        "{}/v1/transactions/{}",
        d.node.url,
        e["tx_id"].as_str().expect("a tx id")
    ));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["block_height"], e["height"]);
    assert!(r["outcome"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|ev| ev["kind"] == "transfer" && ev["data"]["to"] == e["counterparty"]));
    let (_, c) = get(&format!("{}/v1/money/currencies/EURC", d.node.url));
    assert_eq!(
        (
            c["currency"]["minted"].as_str(),
            c["appropriations"][0]["minted"].as_str()
        ),
        (Some("1000"), Some("1000"))
    );
    let (s, v) = get(&format!("{}/v1/money/accounts/nobody", d.node.url));
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("money.unknown_account"))
    );
    let (s, v) = get(&format!(
        "{}/v1/money/accounts/c0/history?limit=9999",
        d.node.url
    ));
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("request.invalid_param"))
    );
    let (s, v) = get(&format!("{}/v1/money/accounts/nobody/history", d.node.url));
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("money.unknown_account"))
    );

    // Histories live beside the state, rebuilt from the blocks at start:
    // after a restart (and with the index file gone) they are the same.
    let ubi = |url: &str| {
        get(&format!(
            "{url}/v1/money/accounts/ubi/history?from=1&limit=3"
        ))
        .1
    };
    let before = ubi(&d.node.url);
    let Dev {
        node, _dir: dir, ..
    } = d;
    assert!(node.terminate().success());
    std::fs::remove_file(dir.path().join("event-index.dat")).unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    assert_eq!(ubi(&node.url), before);
    assert_eq!(before["entries"].as_array().unwrap().len(), 3, "{before}");

    // A ledger written before histories left the state (no format file:
    // format 1) is refused with a clear message, and left as it was.
    assert!(node.terminate().success());
    std::fs::remove_file(dir.path().join("LEDGER_FORMAT")).unwrap();
    let blocks = std::fs::read(dir.path().join("blocks.log")).unwrap();
    let e = TestNode::try_start_in(dir.path(), &[])
        .err()
        .expect("refused");
    assert!(e.contains("holds a ledger of format 1"), "{e}");
    assert_eq!(
        std::fs::read(dir.path().join("blocks.log")).unwrap(),
        blocks
    );
}
