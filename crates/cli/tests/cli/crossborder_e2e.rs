//! Two independent networks on loopback, `publica-north` and
//! `publica-south`, each one validator of its own (its own chain id and
//! validator set), with a corridor between them: money moves both ways
//! through the `publica crossborder` commands, a replay and a forged proof
//! are refused, an over-limit transfer is refused, and a transfer not
//! credited in time is expired on the receiving network and refunded on
//! the sending one.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, publica, run_ok, OneValidator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A one-validator network `chain` in `dir`, started.
fn network(dir: &Path, chain: &str) -> Net {
    OneValidator::init(dir, chain);
    let v = OneValidator::start(dir);
    Net {
        dir: dir.to_path_buf(),
        url: v.url.clone(),
        admin: dir
            .join("validator-0/admin-key.json")
            .to_str()
            .unwrap()
            .to_string(),
        _node: v,
    }
}

struct Net {
    dir: PathBuf,
    url: String,
    admin: String,
    _node: OneValidator,
}

impl Net {
    /// The admin's call; it must succeed.
    fn send(&self, module: &str, method: &str, args: Value) {
        let args = args.to_string();
        let r = run_ok(&[
            "tx",
            "send",
            "--key",
            &self.admin,
            "--node",
            &self.url,
            "--module",
            module,
            "--method",
            method,
            "--args",
            &args,
        ]);
        assert_eq!(r["outcome"]["status"], "ok", "{module}.{method}: {r}");
    }

    /// `publica crossborder <args> --node <this network>`; must succeed.
    fn cb(&self, args: &[&str]) -> Value {
        let mut all = vec!["crossborder"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--node", &self.url]);
        run_ok(&all)
    }

    /// The same, refused: its stderr.
    fn cb_refused(&self, args: &[&str]) -> String {
        let mut all = vec!["crossborder"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--node", &self.url]);
        let (ok, out, err) = publica(&all);
        assert!(!ok, "crossborder {args:?} should fail: {out}");
        err
    }

    fn balance(&self, account: &str) -> u64 {
        let (s, v) = get(&format!("{}/v1/money/accounts/{account}", self.url));
        assert_eq!(s, 200, "{v}");
        v["account"]["balance"].as_str().unwrap().parse().unwrap()
    }

    /// A currency `code`, a treasury, the corridor's account of program
    /// `crossborder:<corridor>` with 1,000.00 and a wallet of 100.00 for
    /// `holder`.
    fn money(&self, code: &str, corridor: &str, wallet: &str, holder: &str) {
        let a = "agency-0";
        let me = run_ok(&["keys", "show", &self.admin])["account"]
            .as_str()
            .unwrap()
            .to_string();
        for role in ["treasurer", "program_officer"] {
            self.send(
                "identity",
                "grant_role",
                json!({"agency": a, "account": me, "role": role}),
            );
        }
        self.send("money", "create_currency", json!({"agency": a, "code": code, "name": code, "decimals": 2, "supply_cap": "100000000"}));
        self.send(
            "money",
            "propose_appropriation",
            json!({"agency": a, "currency": code, "id": "x", "name": "x", "cap": "100000000"}),
        );
        self.send(
            "money",
            "approve_appropriation",
            json!({"agency": a, "currency": code, "id": "x"}),
        );
        for (id, owner) in [
            ("treasury", json!({"kind": "agency", "agency": a})),
            (
                corridor,
                json!({"kind": "program", "agency": a, "program": format!("crossborder:{corridor}")}),
            ),
            (wallet, json!({"kind": "citizen", "account": holder})),
        ] {
            self.send(
                "money",
                "open_account",
                json!({"id": id, "currency": code, "agency": a, "owner": owner}),
            );
        }
        self.send("money", "mint", json!({"agency": a, "currency": code, "appropriation": "x", "to": "treasury", "amount": "110000"}));
        self.send("money", "transfer", json!({"from": "treasury", "to": corridor, "amount": "100000", "reference": "liquidity"}));
        self.send(
            "money",
            "transfer",
            json!({"from": "treasury", "to": wallet, "amount": "10000", "reference": "wallet"}),
        );
    }

    /// Opens corridor `id` to `other`, paired with `remote`.
    fn open(&self, id: &str, code: &str, other: &Net, chain: &str, remote: &str) {
        let set = other.dir.join("validators.json");
        let r = self.cb(&[
            "open-corridor",
            "--key",
            &self.admin,
            "--agency",
            "agency-0",
            "--id",
            id,
            "--currency",
            code,
            "--liquidity",
            id,
            "--remote-chain",
            chain,
            "--remote-corridor",
            remote,
            "--remote-validators",
            set.to_str().unwrap(),
            "--limit",
            "500.00",
            "--timeout",
            "1d",
        ]);
        assert_eq!(r["status"], "ok", "{r}");
    }
}

/// `crossborder send` of `amount` from `from` to `to` through `corridor`,
/// signed with `key`.
fn send_args<'a>(
    key: &'a str,
    corridor: &'a str,
    from: &'a str,
    to: &'a str,
    amount: &'a str,
) -> Vec<&'a str> {
    vec![
        "send",
        "--key",
        key,
        "--corridor",
        corridor,
        "--from",
        from,
        "--to",
        to,
        "--amount",
        amount,
    ]
}

fn key(dir: &Path, name: &str) -> (String, String) {
    let path = dir
        .join(format!("{name}.json"))
        .to_str()
        .unwrap()
        .to_string();
    run_ok(&["keys", "new", "--plain", "--out", &path]);
    let account = run_ok(&["keys", "show", &path])["account"]
        .as_str()
        .unwrap()
        .to_string();
    (path, account)
}

#[test]
fn two_networks_pay_each_other_with_proofs_and_refuse_replays_and_forgeries() {
    let tmp = tempfile::tempdir().unwrap();
    let north = network(&tmp.path().join("north"), "publica-north");
    let south = network(&tmp.path().join("south"), "publica-south");
    let (alice_key, alice) = key(tmp.path(), "alice");
    let (bob_key, bob) = key(tmp.path(), "bob");
    let (relayer, _) = key(tmp.path(), "relayer");
    north.money("NOR", "south", "alice", &alice);
    south.money("SOU", "north", "bob", &bob);
    north.open("south", "NOR", &south, "publica-south", "north");
    south.open("north", "SOU", &north, "publica-north", "south");
    // Nothing to follow: neither set changed.
    let f = south.cb(&[
        "follow",
        "--key",
        &relayer,
        "--corridor",
        "north",
        "--remote-node",
        &north.url,
    ]);
    assert_eq!(f["relayed"], json!([]), "{f}");
    // Mistakes on the command line are refused before anything is signed.
    let set = south.dir.join("validators.json");
    let not_a_set = tmp.path().join("alice.json");
    let open_with = |rate: &str, timeout: &str, validators: &Path| {
        north.cb_refused(&[
            "open-corridor",
            "--key",
            &north.admin,
            "--agency",
            "agency-0",
            "--id",
            "other",
            "--currency",
            "NOR",
            "--liquidity",
            "south",
            "--remote-chain",
            "publica-south",
            "--remote-corridor",
            "north",
            "--remote-validators",
            validators.to_str().unwrap(),
            "--limit",
            "1.00",
            "--rate",
            rate,
            "--timeout",
            timeout,
        ])
    };
    let e = open_with("1/1", "1d", &set);
    assert!(e.contains("--rate is REMOTE:LOCAL"), "{e}");
    let e = open_with("1:1", "soon", &set);
    assert!(e.contains("--timeout is a number and a unit"), "{e}");
    let e = open_with("1:1", "1d", &not_a_set);
    assert!(
        e.contains("alice.json") && e.contains("validator set"),
        "{e}"
    );
    let e = north.cb_refused(&[
        "receive",
        "--key",
        &relayer,
        "--corridor",
        "south",
        "--transfer",
        "xyz",
        "--remote-node",
        &south.url,
    ]);
    assert!(e.contains("64 lowercase hex digits"), "{e}");
    let e = north.cb_refused(&[
        "pair",
        "--key",
        &relayer,
        "--corridor",
        "nowhere",
        "--remote-node",
        &south.url,
    ]);
    assert!(e.contains("crossborder.unknown_corridor"), "{e}");
    // Nothing is sent before the corridors are paired; each pairs on a
    // proof of the other's half (north by hand, south by a relay pass).
    let e = north.cb_refused(&send_args(&alice_key, "south", "alice", "bob", "1.00"));
    assert!(e.contains("crossborder.not_paired"), "{e}");
    let r = north.cb(&[
        "pair",
        "--key",
        &relayer,
        "--corridor",
        "south",
        "--remote-node",
        &south.url,
    ]);
    assert_eq!(r["status"], "ok", "{r}");
    let r = south.cb(&[
        "relay",
        "--key",
        &relayer,
        "--corridor",
        "north",
        "--remote-node",
        &north.url,
    ]);
    assert_eq!(r["relayed"][0]["call"], "pair", "{r}");
    assert_eq!(r["relayed"][0]["status"], "ok", "{r}");

    // North → south: alice sends 12.50 to bob.
    let sent = north.cb(&send_args(&alice_key, "south", "alice", "bob", "12.50"));
    let id = sent["transfer"].as_str().unwrap().to_string();
    assert_eq!(
        (north.balance("alice"), north.balance("south")),
        (8_750, 101_250)
    );
    // `receive`, `expire` or `settle` of transfer `t` through `corridor`
    // of `net`, the proof from `from`: (succeeded, stdout, stderr).
    let relay_of = |net: &Net, what: &str, corridor: &str, from: &Net, t: &str| {
        publica(&[
            "crossborder",
            what,
            "--key",
            &relayer,
            "--corridor",
            corridor,
            "--transfer",
            t,
            "--remote-node",
            &from.url,
            "--node",
            &net.url,
        ])
    };
    let relay = |net: &Net, what: &str, corridor: &str, from: &Net| -> Value {
        let (ok, out, err) = relay_of(net, what, corridor, from, &id);
        assert!(ok, "{what}: {out} {err}");
        serde_json::from_str(&out).unwrap()
    };
    let r = relay(&south, "receive", "north", &north);
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(
        (south.balance("bob"), south.balance("north")),
        (11_250, 98_750)
    );
    // The replay: refused.
    let e = south.cb_refused(&[
        "receive",
        "--key",
        &relayer,
        "--corridor",
        "north",
        "--transfer",
        &id,
        "--remote-node",
        &north.url,
    ]);
    assert!(e.contains("crossborder.replayed"), "{e}");
    // A forged proof: north's genuine answer with 12.50 made 125.00.
    let (_, mut proof) = get(&format!("{}/v1/state?key=crossborder/out/{id}", north.url));
    let value =
        String::from_utf8(hex::decode(proof["value_hex"].as_str().unwrap()).unwrap()).unwrap();
    assert!(value.contains("\"amount\":\"1250\""), "{value}");
    proof["value_hex"] = json!(hex::encode(value.replace("\"1250\"", "\"12500\"")));
    let args = json!({"corridor": "north", "proof": proof}).to_string();
    let (_, out, err) = publica(&[
        "tx",
        "send",
        "--key",
        &relayer,
        "--node",
        &south.url,
        "--module",
        "crossborder",
        "--method",
        "receive",
        "--args",
        &args,
    ]);
    assert!(
        out.contains("crossborder.bad_proof") || err.contains("crossborder.bad_proof"),
        "{out} {err}"
    );
    assert_eq!(south.balance("bob"), 11_250);
    // North settles: delivered.
    let r = relay(&north, "settle", "south", &south);
    assert_eq!(r["status"], "ok", "{r}");
    let t = north.cb(&["show", "--transfer", &id]);
    assert_eq!(t["transfer"]["status"], "delivered", "{t}");

    // South → north: bob sends 5.00 back to alice.
    let back = south.cb(&send_args(&bob_key, "north", "bob", "alice", "5.00"));
    let back = back["transfer"].as_str().unwrap().to_string();
    let r = north.cb(&[
        "receive",
        "--key",
        &relayer,
        "--corridor",
        "south",
        "--transfer",
        &back,
        "--remote-node",
        &south.url,
    ]);
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(north.balance("alice"), 9_250);

    // Over the corridor's limit (500.00): refused before anything moves.
    let e = north.cb_refused(&send_args(&alice_key, "south", "alice", "bob", "500.01"));
    assert!(e.contains("crossborder.over_limit"), "{e}");

    // A transfer nobody relays in time: south expires it, north refunds.
    let mut args = send_args(&alice_key, "south", "alice", "bob", "20.00");
    args.extend_from_slice(&["--timeout", "10s"]);
    let late = north.cb(&args);
    let late = late["transfer"].as_str().unwrap().to_string();
    assert_eq!(north.balance("alice"), 7_250);
    let relay_late = |net: &Net, what: &str, corridor: &str, from: &Net| {
        relay_of(net, what, corridor, from, &late)
    };
    let (ok, _, err) = relay_late(&south, "expire", "north", &north);
    assert!(!ok && err.contains("crossborder.not_expired"), "{err}");
    let (ok, _, err) = relay_late(&north, "settle", "south", &south);
    assert!(!ok && err.contains("has not credited or expired"), "{err}");
    std::thread::sleep(Duration::from_secs(11));
    let (ok, _, err) = relay_late(&south, "receive", "north", &north);
    assert!(!ok && err.contains("crossborder.expired"), "{err}");
    let (ok, out, err) = relay_late(&south, "expire", "north", &north);
    assert!(ok, "{out} {err}");
    let (ok, out, err) = relay_late(&north, "settle", "south", &south);
    assert!(ok, "{out} {err}");
    assert_eq!(
        (north.balance("alice"), south.balance("bob")),
        (9_250, 10_750)
    );
    let (ok, _, err) = relay_late(&north, "settle", "south", &south);
    assert!(!ok && err.contains("crossborder.settled"), "{err}");

    // The relayer, as an agency would run it (`--every 30s`), one pass
    // at a time here: each pass relays what its corridor is owed.
    let alice_to_bob = north.cb(&send_args(&alice_key, "south", "alice", "bob", "3.00"))
        ["transfer"]
        .as_str()
        .unwrap()
        .to_string();
    let bob_to_alice = south.cb(&send_args(&bob_key, "north", "bob", "alice", "2.00"))["transfer"]
        .as_str()
        .unwrap()
        .to_string();
    let pass = |net: &Net, corridor: &str, from: &Net| -> Vec<(String, String, String)> {
        let r = net.cb(&[
            "relay",
            "--key",
            &relayer,
            "--corridor",
            corridor,
            "--remote-node",
            &from.url,
        ]);
        assert_eq!(r["waiting"], json!([]), "{r}");
        r["relayed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["call"].as_str().unwrap().to_string(),
                    x["transfer"].as_str().unwrap().to_string(),
                    x["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let ok = |call: &str, t: &str| (call.to_string(), t.to_string(), "ok".to_string());
    // South credits alice's 3.00 and settles bob's earlier 5.00, which
    // north credited.
    assert_eq!(
        pass(&south, "north", &north),
        [ok("receive", &alice_to_bob), ok("settle", &back)]
    );
    assert_eq!(
        pass(&north, "south", &south),
        [ok("receive", &bob_to_alice), ok("settle", &alice_to_bob)]
    );
    assert_eq!(pass(&south, "north", &north), [ok("settle", &bob_to_alice)]);
    assert_eq!(pass(&north, "south", &south), []);
    assert_eq!(
        (north.balance("alice"), south.balance("bob")),
        (9_150, 10_850)
    );

    // Each network's money is where the books say.
    let c = north.cb(&["show", "--corridor", "south"]);
    let totals = &c["corridor"]["totals"];
    assert_eq!(
        (
            totals["sent"].as_str(),
            totals["delivered"].as_str(),
            totals["refunded"].as_str(),
            totals["received"].as_str(),
            totals["pending"].as_u64()
        ),
        (
            Some("3550"),
            Some("1550"),
            Some("2000"),
            Some("700"),
            Some(0)
        ),
        "{c}"
    );
    assert_eq!(
        north.balance("south") + north.balance("alice") + north.balance("treasury"),
        110_000
    );
    assert_eq!(
        south.balance("north") + south.balance("bob") + south.balance("treasury"),
        110_000
    );
    let (s, page) = get(&format!(
        "{}/v1/crossborder/corridors/south/transfers",
        north.url
    ));
    assert_eq!(s, 200);
    let kinds: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "sent",
            "delivered",
            "received",
            "sent",
            "refunded",
            "sent",
            "received",
            "delivered"
        ],
        "{page}"
    );
}
