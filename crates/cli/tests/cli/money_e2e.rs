//! Money through the real binary: a dev chain's administrator sets up a
//! currency and appropriation, mints, and pays citizens with a bulk CSV
//! through the CLI; balances come with proofs, histories and provenance.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, receipt, sign, submit, Dice, TestNode};
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
    let admin = crate::common::dev_admin(dir.path());
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
    // The agency's own account: a program's account pays only through the
    // program's payouts, never by hand (or by a bulk file).
    d.call("money", "open_account", json!({"agency": "dev-agency", "id": "ubi", "currency": "EURC", "owner": {"kind": "agency", "agency": "dev-agency"}}));
    let citizens: Vec<Keypair> = (0..3).map(|_| Keypair::generate()).collect();
    for (i, c) in citizens.iter().enumerate() {
        d.call("money", "open_account", json!({"agency": "dev-agency", "id": format!("c{i}"), "currency": "EURC", "owner": {"kind": "citizen", "account": c.account()}}));
    }
    d.call("money", "mint", json!({"agency": "dev-agency", "currency": "EURC", "appropriation": "ubi-2027", "to": "ubi", "amount": "1000"}));

    let files = tempfile::tempdir().unwrap();
    let key = files.path().join("admin.json");
    KeyFile::seal(&d.admin, None).write_new(&key).unwrap();
    let csv = files.path().join("pay.csv");
    std::fs::write(&csv, "from,to,amount,reference\nubi,c0,300,may-c0\nubi,c1,300,may-c1\nnot an id,c2,1,x\nubi,c2,900,may-c2\nubi,c2,100,may-c2b\n").unwrap();
    let out = Command::new(crate::common::bin())
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
    let statuses = crate::common::statuses(&report);
    assert_eq!(statuses, vec!["ok", "ok", "invalid", "failed", "ok"]);
    assert_eq!(report["results"][3]["error"]["code"], "money.overdraft");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("4/4 rows"),
        "a progress bar on stderr"
    );

    let v = crate::common::run_ok(&["money", "account", "c0", "--verify", "--node", &d.node.url]);
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
    assert_eq!(h["entries"][2]["reference"], "may-c0");
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
    // The generic `publica read` reaches the same routes from the registry.
    let v = crate::common::run_ok(&[
        "read",
        "money",
        "history",
        "ubi",
        "--param",
        "limit=2",
        "--node",
        &d.node.url,
    ]);
    assert_eq!(
        (v["total"].as_u64(), v["entries"].as_array().map(Vec::len)),
        (Some(5), Some(2)),
        "{v}"
    );
    let out = std::process::Command::new(crate::common::bin())
        .args(["read", "money", "account", "nobody", "--node", &d.node.url])
        .output()
        .expect("running publica");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("404 money.unknown_account"), "{err}");
    let out = std::process::Command::new(crate::common::bin())
        .args(["read", "money", "nothing", "--node", &d.node.url])
        .output()
        .expect("running publica");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("its routes are: account, history"), "{err}");
    let out = std::process::Command::new(crate::common::bin())
        .arg("read")
        .output()
        .expect("running publica");
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && list.contains("money account <id>")
            && list.contains("programs dry-run"),
        "{list}"
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

    // The same file again pays nobody twice: each row's reference is its
    // idempotency key on the ledger (the overdrawn row never paid, and
    // still cannot).
    let run = |text: &str| {
        std::fs::write(&csv, text).unwrap();
        let out = Command::new(crate::common::bin())
            .args(["money", "bulk", "--key", key.to_str().unwrap(), "--file"])
            .arg(&csv)
            .args(["--node", &d.node.url])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.success(), report)
    };
    let (ok, again) = run("from,to,amount,reference\nubi,c0,300,may-c0\nubi,c1,300,may-c1\nnot an id,c2,1,x\nubi,c2,900,may-c2\nubi,c2,100,may-c2b\n");
    assert!(!ok);
    let codes: Vec<&str> = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["error"]["code"]
                .as_str()
                .unwrap_or(r["status"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        codes,
        [
            "money.duplicate_payment",
            "money.duplicate_payment",
            "invalid",
            "money.overdraft",
            "money.duplicate_payment"
        ],
        "{again}"
    );
    assert_eq!(again["summary"]["moved_total"], "0");
    // Amounts as a spreadsheet writes them: major units, a decimal comma
    // in a semicolon file with a byte-order mark, checked against the
    // currency's two decimals.
    let (ok, major) = run("\u{feff}from;to;amount_major;reference\nubi;c0;1,50;june-c0\nubi;c1;0.5;june-c1\nubi;c1;0.005;june-x\nubi;c1;100.00;june-y\nnowhere;c1;1;june-z\n");
    assert!(!ok);
    let statuses = crate::common::statuses(&major);
    assert_eq!(
        statuses,
        ["ok", "ok", "invalid", "failed", "invalid"],
        "{major}"
    );
    assert!(
        major["results"][2]["error"]
            .as_str()
            .unwrap()
            .contains("3 decimal places; the currency has 2"),
        "{major}"
    );
    assert_eq!(
        major["results"][3]["error"]["code"], "money.overdraft",
        "10000 cents from 100 left"
    );
    assert_eq!(major["summary"]["moved_total"], "200", "{major}");

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

/// Signers of a campaign and their next nonces.
struct Actors {
    keys: Vec<Keypair>,
    next: Vec<u64>,
}

impl Actors {
    /// Signs `method` for actor `who` and submits it; the tx id when
    /// admitted (only then is the nonce used).
    fn send(
        &mut self,
        node: &TestNode,
        who: usize,
        module: &str,
        method: &str,
        args: Value,
    ) -> Option<String> {
        let env = sign(
            &self.keys[who],
            "publica-dev",
            self.next[who],
            Expiry::Height(1_000_000),
            module,
            method,
            args,
        );
        let (s, v) = submit(node, &env);
        if s != 202 {
            return None;
        }
        self.next[who] += 1;
        Some(v["tx_id"].as_str().unwrap().to_string())
    }
}

/// Many actors, honest and hostile, through the real binary and HTTP: a
/// bounded random campaign of transfers, holds, freezes, clawbacks, mints,
/// burns, sweeps, merchant changes and attempts to create money or
/// accounts, then the auditor's checks on what the node serves —
/// conservation, burned ≤ minted ≤ cap, every account opened by the issuer,
/// none of the attacker's accounts, no frozen account paying, clawbacks and
/// sweeps landing where the rules say, and each account's history adding
/// up to its balance and provenance (issue: money controls).
#[test]
fn a_random_multi_actor_campaign_keeps_the_books_right() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let admin = crate::common::dev_admin(dir.path());
    // 0 admin (administrator and treasurer), 1 second treasurer,
    // 2..=4 citizens, 5 food merchant, 6 bookshop, 7 attacker.
    let mut keys = vec![admin];
    keys.extend((1..8).map(|_| Keypair::generate()));
    let acct: Vec<_> = keys.iter().map(publica_crypto::Keypair::account).collect();
    let mut a = Actors {
        keys,
        next: vec![1; 8],
    };
    let setup = |a: &mut Actors, who: usize, module: &str, method: &str, args: Value| {
        let id = a
            .send(&node, who, module, method, args.clone())
            .expect("admitted");
        let r = receipt(&node, &id);
        assert_eq!(
            r["outcome"]["status"], "ok",
            "{method} {args}: {}",
            r["outcome"]
        );
    };
    let ag = "dev-agency";
    setup(
        &mut a,
        0,
        "identity",
        "add_member",
        json!({"agency": ag, "account": acct[0], "roles": ["treasurer"]}),
    );
    setup(
        &mut a,
        0,
        "identity",
        "add_member",
        json!({"agency": ag, "account": acct[1], "roles": ["treasurer"]}),
    );
    for m in [5, 6] {
        setup(
            &mut a,
            0,
            "identity",
            "add_member",
            json!({"agency": ag, "account": acct[m], "roles": ["merchant"]}),
        );
    }
    setup(
        &mut a,
        0,
        "money",
        "create_currency",
        json!({"agency": ag, "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000", "clawback_single_max": "500"}),
    );
    setup(
        &mut a,
        0,
        "money",
        "propose_appropriation",
        json!({"agency": ag, "currency": "EURC", "id": "a", "name": "A", "cap": "200000"}),
    );
    setup(
        &mut a,
        0,
        "money",
        "approve_appropriation",
        json!({"agency": ag, "currency": "EURC", "id": "a"}),
    );
    setup(
        &mut a,
        0,
        "money",
        "accredit_merchant",
        json!({"agency": ag, "currency": "EURC", "merchant": acct[5], "categories": ["food"]}),
    );
    setup(
        &mut a,
        0,
        "money",
        "accredit_merchant",
        json!({"agency": ag, "currency": "EURC", "merchant": acct[6], "categories": ["books"]}),
    );
    let (_, st) = get(&format!("{}/v1/status", node.url));
    // Setup takes about 18 more blocks; the campaign then runs on both
    // sides of the expiry.
    let expires = st["height"].as_u64().unwrap() + 30;
    // (account id, the actor that may debit it)
    let mut accounts: Vec<(String, usize)> = vec![("main".into(), 0), ("prog".into(), 0)];
    let open = |id: &str, owner: Value| json!({"agency": ag, "id": id, "currency": "EURC", "owner": owner});
    setup(
        &mut a,
        0,
        "money",
        "open_account",
        open("main", json!({"kind": "agency", "agency": ag})),
    );
    setup(
        &mut a,
        0,
        "money",
        "open_account",
        open(
            "prog",
            json!({"kind": "program", "agency": ag, "program": "p"}),
        ),
    );
    for (c, citizen) in acct.iter().enumerate().take(5).skip(2) {
        let plain = format!("c{c}");
        setup(
            &mut a,
            0,
            "money",
            "open_account",
            open(&plain, json!({"kind": "citizen", "account": citizen})),
        );
        let food = format!("food{c}");
        let mut args = open(&food, json!({"kind": "citizen", "account": citizen}));
        args["earmark"] =
            json!({"categories": ["food"], "expires_height": expires, "return_to": "prog"});
        setup(&mut a, 0, "money", "open_account", args);
        accounts.push((plain, c));
        accounts.push((food, c));
    }
    for (id, m, cat) in [("shop-food", 5, "food"), ("shop-books", 6, "books")] {
        setup(
            &mut a,
            0,
            "money",
            "open_account",
            open(
                id,
                json!({"kind": "merchant", "account": acct[m], "agency": ag, "category": cat}),
            ),
        );
        accounts.push((id.to_string(), m));
    }
    setup(
        &mut a,
        0,
        "money",
        "mint",
        json!({"agency": ag, "currency": "EURC", "appropriation": "a", "to": "main", "amount": "100000"}),
    );
    setup(
        &mut a,
        0,
        "money",
        "mint",
        json!({"agency": ag, "currency": "EURC", "appropriation": "a", "to": "prog", "amount": "10000"}),
    );
    for c in 2..=4 {
        setup(
            &mut a,
            0,
            "money",
            "transfer",
            json!({"from": "main", "to": format!("c{c}"), "amount": "5000"}),
        );
        setup(
            &mut a,
            0,
            "money",
            "transfer",
            json!({"from": "main", "to": format!("food{c}"), "amount": "3000"}),
        );
    }

    // The campaign: 16 rounds of 30 calls, each round's receipts awaited.
    let mut dice = Dice(0x05ee_d0fa_11ce);
    let mut forbidden_ids: Vec<String> = Vec::new();
    let mut holds = 0u64;
    let mut sent = 0usize;
    let mut ok: std::collections::BTreeMap<&str, usize> = Default::default();
    for _round in 0..16 {
        let mut txs = Vec::new();
        for _ in 0..30 {
            let (from, owner) = dice.pick(&accounts).clone();
            let (to, _) = dice.pick(&accounts).clone();
            let amount = (1 + dice.below(1000)).to_string();
            // One call in five is signed by the attacker instead.
            let signer = if dice.below(5) == 0 { 7 } else { owner };
            let op = dice.below(16);
            let (who, method, args) = match op {
                0..=6 => (
                    signer,
                    "transfer",
                    json!({"from": from, "to": to, "amount": amount}),
                ),
                7 => (
                    if signer == 7 { 7 } else { 0 },
                    if dice.below(2) == 0 {
                        "freeze"
                    } else {
                        "unfreeze"
                    },
                    json!({"agency": ag, "account": from, "reason": "audit"}),
                ),
                8 => {
                    let n = dice.next() % 1_000_000;
                    let mut args = json!({"agency": ag, "from": from, "to": to, "amount": (1 + dice.below(1000)).to_string(), "reason": "audit"});
                    if dice.below(2) == 0 {
                        args["id"] = json!(format!("cb{n}"));
                        // The second treasurer approves right behind it.
                        txs.extend(
                            a.send(&node, 0, "money", "clawback", args.clone())
                                .map(|id| (id, "clawback")),
                        );
                        (
                            1,
                            "approve_clawback",
                            json!({"agency": ag, "currency": "EURC", "id": format!("cb{n}")}),
                        )
                    } else {
                        (if signer == 7 { 7 } else { 0 }, "clawback", args)
                    }
                }
                9 => (
                    0,
                    "mint",
                    json!({"agency": ag, "currency": "EURC", "appropriation": "a", "to": dice.pick(&["main", "prog", "c2"]), "amount": (1 + dice.below(20000)).to_string()}),
                ),
                10 => (signer, "burn", json!({"from": from, "amount": amount})),
                11 | 12 => {
                    holds += 1;
                    let id = format!("h{holds}");
                    txs.extend(a.send(&node, signer, "money", "create_pending", json!({"id": id, "from": from, "to": to, "amount": amount, "timeout_blocks": 1 + dice.below(20)})).map(|id| (id, "create_pending")));
                    let settle = if dice.below(2) == 0 {
                        "post_pending"
                    } else {
                        "void_pending"
                    };
                    (*dice.pick(&[signer, 7, 0]), settle, json!({"id": id}))
                }
                13 => (
                    7,
                    "sweep_expired",
                    json!({"account": dice.pick(&["food2", "food3", "food4"])}),
                ),
                14 => {
                    // Attempts to make money or accounts out of nothing.
                    let id = format!("x{}", dice.next() % 1_000_000);
                    let attempts = [
                        (
                            7,
                            json!({"id": format!("b.p.{}", &acct[dice.below(3) as usize + 2].to_hex()[..16]), "currency": "EURC", "owner": {"kind": "citizen", "account": acct[7]}}),
                        ),
                        (
                            0,
                            json!({"agency": ag, "id": id, "currency": "EURC", "owner": {"kind": "agency", "agency": ag}, "overdraft_limit": "1000000000"}),
                        ),
                        (
                            0,
                            json!({"agency": ag, "id": id, "currency": "EURC", "owner": {"kind": "merchant", "account": acct[7], "agency": ag, "category": "food"}}),
                        ),
                        (
                            7,
                            json!({"agency": ag, "id": id, "currency": "EURC", "owner": {"kind": "agency", "agency": ag}}),
                        ),
                    ];
                    let (who, args) = dice.pick(&attempts).clone();
                    forbidden_ids.push(args["id"].as_str().unwrap().to_string());
                    (who, "open_account", args)
                }
                _ => {
                    let m = *dice.pick(&[5usize, 6]);
                    if dice.below(2) == 0 {
                        (
                            0,
                            "revoke_merchant",
                            json!({"agency": ag, "currency": "EURC", "merchant": acct[m]}),
                        )
                    } else {
                        (
                            0,
                            "accredit_merchant",
                            json!({"agency": ag, "currency": "EURC", "merchant": acct[m], "categories": [if m == 5 { "food" } else { "books" }]}),
                        )
                    }
                }
            };
            txs.extend(
                a.send(&node, who, "money", method, args)
                    .map(|id| (id, method)),
            );
        }
        sent += txs.len();
        for (id, method) in &txs {
            let r = receipt(&node, id);
            *ok.entry(*method).or_insert(0) += usize::from(r["outcome"]["status"] == "ok");
        }
    }
    assert!(sent > 450, "{sent} transactions committed");
    eprintln!("campaign: {sent} transactions, successes by call: {ok:?}");
    // The campaign did reach every kind of act (the seed decides which).
    for method in [
        "transfer",
        "freeze",
        "unfreeze",
        "clawback",
        "approve_clawback",
        "mint",
        "burn",
        "create_pending",
        "post_pending",
        "void_pending",
        "sweep_expired",
        "revoke_merchant",
        "accredit_merchant",
    ] {
        assert!(
            ok.get(method).copied().unwrap_or(0) > 0,
            "no {method} succeeded: {ok:?}"
        );
    }
    assert_eq!(
        ok.get("open_account"),
        Some(&0),
        "an attacker's account opened: {ok:?}"
    );

    // The auditor's checks, on what the node serves.
    let url = &node.url;
    let (_, cur) = get(&format!("{url}/v1/money/currencies/EURC"));
    let amount = |v: &Value| v.as_str().unwrap().parse::<i128>().unwrap();
    let (minted, burned) = (
        amount(&cur["currency"]["minted"]),
        amount(&cur["currency"]["burned"]),
    );
    assert!(
        burned <= minted && minted - burned <= amount(&cur["currency"]["supply_cap"]),
        "{cur}"
    );
    let appr = &cur["appropriations"][0];
    assert!(amount(&appr["minted"]) <= amount(&appr["cap"]), "{appr}");
    let mut held = 0i128;
    for (id, _) in &accounts {
        let (s, v) = get(&format!("{url}/v1/money/accounts/{id}"));
        assert_eq!(s, 200, "{v}");
        let acc = &v["account"];
        let balance = amount(&acc["balance"]);
        held += balance + amount(&acc["pending_out"]);
        let prov = acc["provenance"].as_object().unwrap();
        assert!(prov.keys().all(|k| k == "EURC/a"), "{acc}");
        assert_eq!(prov.values().map(amount).sum::<i128>(), balance, "{acc}");
        let (_, h) = get(&format!(
            "{url}/v1/money/accounts/{id}/history?from=0&limit=500"
        ));
        let entries = h["entries"].as_array().unwrap();
        assert_eq!(
            h["total"].as_u64(),
            Some(entries.len() as u64),
            "one page holds it all"
        );
        assert_eq!(
            (entries[0]["kind"].as_str(), entries[0]["by"].as_str()),
            (Some("opened"), Some(acct[0].to_hex().as_str())),
            "{id} was opened by the issuer's treasurer"
        );
        let mut frozen = false;
        let mut moved = 0i128;
        for e in entries {
            let kind = e["kind"].as_str().unwrap();
            let dir = e["direction"].as_str().unwrap();
            match (kind, dir) {
                ("frozen", _) => frozen = true,
                ("unfrozen", _) => frozen = false,
                ("transfer" | "pending" | "burn" | "post" | "sweep", "out") => {
                    assert!(!frozen, "the frozen {id} paid: {e}");
                }
                ("clawback", "in") => assert!(
                    id == "main" || id == "prog",
                    "a clawback landed in {id}: {e}"
                ),
                ("sweep", "in") => assert_eq!(id, "prog", "a sweep landed in {id}: {e}"),
                _ => {}
            }
            if id == "prog" && dir == "out" {
                assert_eq!(kind, "clawback", "the program's account paid by hand: {e}");
            }
            moved += match (kind, dir) {
                (_, "in") => amount(&e["amount"]),
                ("post" | "void", "out") => amount(&e["returned"]),
                (_, "out") => -amount(&e["amount"]),
                _ => 0,
            };
        }
        assert_eq!(moved, balance, "the history of {id} adds up to its balance");
    }
    assert_eq!(held, minted - burned, "money is conserved");
    for id in &forbidden_ids {
        let (s, _) = get(&format!("{url}/v1/money/accounts/{id}"));
        assert_eq!(s, 404, "the attacker's account {id} exists");
    }
}
