//! Welfare programs through the real binary: `publica dev --demo` seeds a
//! pilot through the node's own admission, and the programs API answers
//! with figures, reconciliation reports (JSON, CSV, G2P shapes), per-enrolee
//! payouts with receipts, dry runs and clear errors; the chain, ledger
//! events included, replays from genesis.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::{json, Value};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

#[test]
fn demo_pilot_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &["--demo"]);
    // The API serves once the demo is seeded.
    let (s, ubi) = get(&format!("{}/v1/programs/ubi", node.url));
    assert_eq!(s, 200, "{ubi}");
    assert_eq!(ubi["enrolled"], 300);
    let periods = ubi["periods"].as_array().unwrap();
    assert_eq!(
        periods.len(),
        1,
        "the current month only: nothing before the enrolment is paid: {periods:?}"
    );
    for p in periods {
        assert_eq!(
            (p["paid_count"].as_u64(), p["failed_count"].as_u64()),
            (Some(300), Some(0)),
            "{p}"
        );
    }
    assert_eq!(ubi["paid_total"], "3000000");
    assert_eq!(ubi["remaining_budget"], "197000000");
    let (_, cct) = get(&format!("{}/v1/programs/cct", node.url));
    assert_eq!(cct["enrolled"], 120);
    let paid: u64 = cct["paid_total"].as_str().unwrap().parse().unwrap();
    assert!(
        paid > 0 && paid.is_multiple_of(2500) && paid < 120 * 2500,
        "only some children met the condition: {paid}"
    );

    // The current month's UBI was paid by the ledger's schedule: its run
    // entries have no transaction, and a block carries them as ledger events.
    let current = periods[0]["period"].as_str().unwrap().to_string();
    let (s, run) = get(&format!("{}/v1/programs/ubi/runs/{current}", node.url));
    assert_eq!(s, 200);
    assert_eq!(run["entries"].as_array().unwrap().len(), 300);
    assert!(run["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "scheduled" && e["tx_id"].is_null()));
    let h = run["entries"][0]["height"].as_u64().unwrap();
    let (_, block) = get(&format!("{}/v1/blocks/{h}", node.url));
    assert!(
        block["ledger_events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "payout")),
        "block {h} carries the scheduled payouts"
    );
    // Reconciliation as CSV and in G2P Connect's disburse shapes.
    let first = periods[0]["period"].as_str().unwrap();
    let r = http()
        .get(format!(
            "{}/v1/programs/ubi/runs/{first}?format=csv&limit=10",
            node.url
        ))
        .send()
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().unwrap();
    assert_eq!(csv.lines().count(), 11, "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains(",paid,10000,EXC,,1,scheduled,"),
        "{csv}"
    );
    let (_, g2p) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?format=g2p&limit=5",
        node.url
    ));
    assert_eq!(
        g2p["message"]["disbursements_status"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(g2p["message"]["disbursements_status"][0]["status"], "succ");
    assert_eq!(g2p["header"]["completed_count"], 300);
    // Amounts as G2P Connect writes them: the coin has two decimals.
    assert_eq!(
        g2p["message"]["disbursements_status"][0]["amount"],
        "100.00"
    );

    // The energy allowance was paid on demand: an enrolee's payouts carry
    // their receipts' transaction ids.
    let (_, energy) = get(&format!("{}/v1/programs/energy", node.url));
    assert_eq!(energy["enrolled"], 100);
    assert_eq!(energy["periods"][0]["paid_count"], 100, "{energy}");
    let account = run["entries"][0]["account"].as_str().unwrap().to_string();
    let (s, e) = get(&format!(
        "{}/v1/programs/energy/enrolees/{account}",
        node.url
    ));
    assert_eq!(s, 200, "{e}");
    let payouts = e["payouts"].as_array().unwrap();
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0]["kind"], "on_demand");
    let tx = payouts[0]["tx_id"]
        .as_str()
        .expect("on-demand payouts name their transaction");
    let (s, receipt) = get(&format!("{}/v1/transactions/{tx}", node.url));
    assert_eq!(s, 200);
    assert_eq!(receipt["outcome"]["status"], "ok", "{receipt}");

    // Dry run: who gains and loses, nothing enacted.
    let (s, dry) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"eligibility": "attr.resident && attr.age >= 30", "params": {"monthly": 11000}}),
    );
    assert_eq!(s, 200, "{dry}");
    let (g, l) = (
        dry["gainers"].as_u64().unwrap(),
        dry["losers"].as_u64().unwrap(),
    );
    assert!(g > 0 && l > 0 && g + l <= 300, "{g} {l}");
    assert_eq!(
        get(&format!("{}/v1/programs/ubi", node.url)).1["program"]["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The UBI is indexed to the statistics office's CPI, published for
    // last month: it applies from next month, this month pays the base.
    assert_eq!(ubi["program"]["indexes"], json!(["stats/cpi"]));
    assert_eq!(ubi["version_in_force"], 1);
    assert!(ubi["approval_hash"].is_null(), "approved: {ubi}");
    assert_eq!(ubi["definition_hash"].as_str().unwrap().len(), 64);
    let (s, list) = get(&format!("{}/v1/indexes", node.url));
    assert_eq!(s, 200);
    assert_eq!(list["indexes"][0]["reference"], "stats/cpi");
    assert_eq!(list["indexes"][0]["latest"]["value"], 1032);
    let (s, cpi) = get(&format!("{}/v1/indexes/stats/cpi", node.url));
    assert_eq!((s, cpi["threshold"].as_u64()), (200, Some(1)));
    let (s, v) = get(&format!("{}/v1/indexes/city/cpi", node.url));
    assert_eq!((s, code(&v)), (404, "programs.unknown_index"));

    // Bad input: each with its status and code. A rule above the cost
    // bound is refused before anything is evaluated.
    let long: Vec<String> = (0..400).map(|i| i.to_string()).collect();
    let (s, v) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"eligibility": format!("attr.age in [{}]", long.join(","))}),
    );
    assert_eq!((s, code(&v)), (400, "programs.invalid_rule"));
    assert!(v["message"].as_str().unwrap().contains("units"), "{v}");
    let (s, v) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"benefit": "params.monthly * 1.1"}),
    );
    assert_eq!((s, code(&v)), (400, "programs.invalid_rule"));
    assert!(v["message"].as_str().unwrap().contains("column"), "{v}");
    let (s, v) = post(
        &format!("{}/v1/programs/nope/dry-run", node.url),
        &json!({}),
    );
    assert_eq!((s, code(&v)), (404, "programs.unknown_program"));
    let (s, v) = post_raw(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        b"{nope".to_vec(),
    );
    assert_eq!((s, code(&v)), (400, "request.malformed_json"));
    let (s, v) = post(
        &format!("{}/v1/programs/ubi/dry-run", node.url),
        &json!({"surprise": 1}),
    );
    assert_eq!((s, code(&v)), (400, "request.malformed_json"));
    let (s, v) = get(&format!("{}/v1/programs/nope", node.url));
    assert_eq!((s, code(&v)), (404, "programs.unknown_program"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/enrolees/xyz", node.url));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/enrolees/{}",
        node.url,
        "00".repeat(32)
    ));
    assert_eq!((s, code(&v)), (404, "programs.not_enrolled"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/runs/2026-13", node.url));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!("{}/v1/programs/ubi/runs/1999-01", node.url));
    assert_eq!((s, code(&v)), (404, "programs.invalid_period"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?format=xml",
        node.url
    ));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));
    let (s, v) = get(&format!(
        "{}/v1/programs/ubi/runs/{first}?limit=0",
        node.url
    ));
    assert_eq!((s, code(&v)), (400, "request.invalid_param"));

    // Stop; every block, ledger events included, replays from genesis; a
    // restart does not seed again or pay twice.
    let data = node.data_dir.clone();
    assert!(node.terminate().success());
    assert!(verify_chain(&data) > 0);
    let node = TestNode::start_in(&data, &["--demo"]);
    let (_, again) = get(&format!("{}/v1/programs/ubi", node.url));
    assert_eq!(again["paid_total"], "3000000");
    assert_eq!(again["enrolled"], 300);
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A demo chain (`publica dev --demo`) whose dev key holds every role, and
/// a folder for the files a test hands the CLI.
struct Demo {
    // Fields drop in order: the node stops before its folder goes. It is
    // held only to run until then.
    _node: TestNode,
    dir: tempfile::TempDir,
    key: String,
    url: String,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d");
        let node = TestNode::start_in(&data, &["--demo"]);
        let key = data
            .join("dev-admin-key.json")
            .to_str()
            .unwrap()
            .to_string();
        let url = node.url.clone();
        Demo {
            _node: node,
            dir,
            key,
            url,
        }
    }

    /// Opens and funds (1,000.00 EXC) the account of program `id`, defines
    /// the program with `definition` (its `funding_account` and `budget_cap`
    /// filled in) and approves it by its hash, all with the CLI.
    fn define_program(&self, id: &str, mut definition: Value) {
        let account = format!("program:{id}");
        definition["funding_account"] = json!(account);
        definition["budget_cap"] = json!("100000");
        for (module, method, args) in [
            (
                "money",
                "open_account",
                json!({"id": account, "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": id}}),
            ),
            (
                "money",
                "mint",
                json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": account, "amount": "100000"}),
            ),
            ("programs", "create_program", definition),
        ] {
            self.send(module, method, &args);
        }
        let (_, p) = get(&format!("{}/v1/programs/{id}", self.url));
        let hash = p["approval_hash"].as_str().unwrap().to_string();
        self.send(
            "programs",
            "approve",
            &json!({"agency": "city", "program": id, "hash": hash}),
        );
    }

    /// Signs and sends one call with the demo's key; it must be committed.
    fn send(&self, module: &str, method: &str, args: &Value) {
        let args = args.to_string();
        let (ok, out, err) = publica(&[
            "tx", "send", "--key", &self.key, "--node", &self.url, "--module", module, "--method",
            method, "--args", &args,
        ]);
        assert!(ok, "{module}.{method}: {out}{err}");
    }

    /// Writes `text` to `name` in the test's folder; its path.
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

#[test]
fn bulk_imports_reports_and_g2p_disbursements_through_the_cli() {
    let demo = Demo::start();
    let (dir, key, url) = (&demo.dir, demo.key.as_str(), demo.url.clone());
    let file = |name: &str, text: &str| demo.file(name, text);
    let people: Vec<String> = (0..3)
        .map(|_| publica_crypto::Keypair::generate().account().to_hex())
        .collect();

    // The registry attests residence and age from a CSV: one row without
    // claims, one quoted and one with a bad subject are reported, not sent.
    let att = file(
        "att.csv",
        &format!(
            "subject,resident,age\n{},true,30\n{},true,41\n{},true,67\n{},,\n\"x\",true,1\nnope,true,5\n",
            people[0], people[1], people[2], people[0]
        ),
    );
    let attest = |f: &str| {
        publica(&[
            "programs",
            "import-attestations",
            "--key",
            key,
            "--node",
            &url,
            "--agency",
            "registry",
            "--file",
            f,
        ])
    };
    let (ok, out, err) = attest(&att);
    assert!(!ok, "three invalid rows make the run fail: {err}");
    assert!(err.contains("3/3 rows"), "progress bar: {err}");
    let r = json_of(&out);
    assert_eq!(
        (
            r["summary"]["committed_ok"].as_u64(),
            r["summary"]["invalid_rows"].as_u64()
        ),
        (Some(3), Some(3)),
        "{r}"
    );
    assert_eq!(r["results"][0]["status"], "ok");
    assert!(r["results"][0]["tx_id"].is_string());
    assert_eq!(r["results"][3]["error"], "the row has no claim");

    // The registry turns person,account rows into nullifier tokens; the
    // person identifiers never reach the node.
    let secret = file("secret", &"ab".repeat(32));
    let persons = file(
        "persons.csv",
        &format!(
            "person,account\nP-1,{}\nP-2,{}\nP-3,{}\n",
            people[0], people[1], people[2]
        ),
    );
    let enrol_csv = dir.path().join("enrol.csv");
    let tokens = |secret: &str, persons: &str, out: &[&str]| {
        let mut args = vec![
            "programs",
            "registry-tokens",
            "--key",
            key,
            "--node",
            &url,
            "--secret-file",
            secret,
            "--program",
            "energy",
            "--file",
            persons,
        ];
        args.extend_from_slice(out);
        publica(&args)
    };
    let (ok, _, err) = tokens(&secret, &persons, &["--out", enrol_csv.to_str().unwrap()]);
    assert!(ok, "{err}");
    let written = std::fs::read_to_string(&enrol_csv).unwrap();
    assert_eq!(written.lines().count(), 4, "{written}");
    assert!(!written.contains("P-1"));
    let (ok, _, err) = tokens(&file("short", "abcd"), &persons, &[]);
    assert!(!ok && err.contains("at least 32 bytes"), "{err}");
    let twice = file(
        "twice.csv",
        &format!("person,account\nP-1,{}\nP-1,{}\n", people[0], people[1]),
    );
    let (ok, _, err) = tokens(&secret, &twice, &[]);
    assert!(!ok && err.contains("one person, one enrolment"), "{err}");

    // A caseworker enrols them from that file; a second run finds each
    // already enrolled and says so row by row.
    let enrol = enrol_csv.to_str().unwrap();
    let import = |f: &str| {
        publica(&[
            "programs",
            "import-enrolments",
            "--key",
            key,
            "--node",
            &url,
            "--program",
            "energy",
            "--agency",
            "city",
            "--file",
            f,
        ])
    };
    let (ok, out, err) = import(enrol);
    assert!(ok, "{err}\n{out}");
    assert_eq!(json_of(&out)["summary"]["committed_ok"], 3);
    let (_, energy) = get(&format!("{url}/v1/programs/energy"));
    assert_eq!(energy["enrolled"], 103);
    let (ok, out, _) = import(enrol);
    assert!(!ok);
    let r = json_of(&out);
    assert_eq!(r["summary"]["failed_in_block"], 3, "{r}");
    assert_eq!(
        r["results"][0]["error"]["code"],
        "programs.already_enrolled"
    );
    let (ok, _, err) = import(&file("bad-header.csv", "account,nullifier\n"));
    assert!(!ok && err.contains("header"), "{err}");

    // A G2P Connect disburse request: two pay, one expects another amount
    // (nothing paid), one names no account, one repeats a reference.
    // The on-demand energy allowance, for the month the demo was seeded in.
    let first = energy["periods"][0]["period"].as_str().unwrap().to_string();
    let d = |r: &str, payee: &str, amount: &str| {
        json!({"reference_id": r, "payer_fa": "publica:program:energy", "payee_fa": payee,
               "amount": amount, "currency_code": "EXC", "scheduled_timestamp": format!("{first}-01T09:00:00Z")})
    };
    let fa = |i: usize| format!("publica:account:{}", people[i]);
    let req = json!({
        "header": {"version": "1.0.0", "message_id": "m-1", "message_ts": format!("{first}-01T08:00:00Z"), "action": "disburse", "sender_id": "spmis.city", "total_count": 5},
        "message": {"transaction_id": "T-1", "disbursements": [
            d("r1", &fa(0), "50.00"), d("r2", &fa(1), "50.00"), d("r3", &fa(2), "50.00"),
            d("r4", "iban:DE00", "50.00"), d("r1", &fa(2), "75.00"),
        ]},
    });
    let reqf = file("disburse.json", &req.to_string());
    let answer = dir.path().join("on-disburse.json");
    let disburse = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "programs", "disburse", "--key", key, "--node", &url, "--agency", "city", "--file",
            file,
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, _, err) = disburse(&reqf, &["--out", answer.to_str().unwrap()]);
    assert!(!ok && err.contains("3 of 5"), "{err}");
    let a = json_of(&std::fs::read_to_string(&answer).unwrap());
    assert_eq!(a["header"]["action"], "on-disburse");
    assert_eq!(a["header"]["receiver_id"], "spmis.city");
    assert_eq!(
        a["header"]["completed_count"], 5,
        "each carried out or refused"
    );
    assert_eq!(a["message"]["transaction_id"], "T-1");
    let rs = a["message"]["disbursements_status"].as_array().unwrap();
    let status: Vec<(&str, &str)> = rs
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["status_reason_code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("succ", ""),
            ("succ", ""),
            ("rjct", "rjct.amount.invalid"),
            ("rjct", "rjct.payee_fa.invalid"),
            ("rjct", "rjct.reference_id.duplicate"),
        ]
    );
    assert!(rs[0]["instruction"]
        .as_str()
        .unwrap()
        .starts_with("publica transaction "));
    assert!(rs[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        rs[2]["status_reason_message"]
            .as_str()
            .unwrap()
            .starts_with("programs.amount_mismatch: "),
        "the ledger's code is in the message: {}",
        rs[2]
    );
    let (_, e) = get(&format!("{url}/v1/programs/energy/enrolees/{}", people[2]));
    assert!(
        e["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["period"] != first.as_str()),
        "the mismatched amount paid nothing: {e}"
    );
    let (ok, _, err) = disburse(
        &file("notg2p.json", "{\"header\": {\"action\": \"search\"}}"),
        &[],
    );
    assert!(!ok && err.contains("header.action"), "{err}");
    // The header the standard requires, and its count.
    let mut header_less = req.clone();
    header_less["header"]
        .as_object_mut()
        .unwrap()
        .remove("message_ts");
    let (ok, _, err) = disburse(&file("no-ts.json", &header_less.to_string()), &[]);
    assert!(!ok && err.contains("header.message_ts"), "{err}");
    let mut miscounted = req.clone();
    miscounted["header"]["total_count"] = json!(4);
    let (ok, _, err) = disburse(&file("count.json", &miscounted.to_string()), &[]);
    assert!(!ok && err.contains("header.total_count"), "{err}");

    // The run's reconciliation report, exported whole in each format.
    let report = |format: &str| {
        let (ok, out, err) = publica(&[
            "programs", "report", "energy", "--period", &first, "--format", format, "--node", &url,
        ]);
        assert!(ok, "{err}");
        out
    };
    let csv = report("csv");
    assert_eq!(
        csv.lines().count(),
        1 + 102,
        "100 demo payouts and 2 disbursed"
    );
    assert!(csv.starts_with("account,period,status,"));
    assert_eq!(
        json_of(&report("json"))["entries"]
            .as_array()
            .unwrap()
            .len(),
        102
    );
    let g2p = json_of(&report("g2p"));
    assert_eq!(
        g2p["message"]["disbursements_status"]
            .as_array()
            .unwrap()
            .len(),
        102
    );
    let (ok, _, err) = publica(&[
        "programs", "report", "ubi", "--period", "2027-13", "--node", &url,
    ]);
    assert!(!ok && err.contains("YYYY-MM"), "{err}");
    let (ok, _, err) = publica(&[
        "programs", "report", "ubi", "--period", &first, "--format", "xml", "--node", &url,
    ]);
    assert!(!ok && err.contains("json, csv or g2p"), "{err}");
    let (ok, _, err) = publica(&["programs", "show", "nope", "--node", &url]);
    assert!(!ok && err.contains("programs.unknown_program"), "{err}");

    // Indexes from the CLI: list, show, vote (the dev key is the demo's
    // statistics oracle), and clear errors.
    let (ok, out, err) = publica(&["programs", "indexes", "--node", &url]);
    assert!(ok, "{err}");
    assert_eq!(json_of(&out)["indexes"][0]["reference"], "stats/cpi");
    let signed = |args: &[&str]| {
        let mut all = vec!["programs", args[0], "--key", key, "--node", &url];
        all.extend_from_slice(&args[1..]);
        publica(&all)
    };
    let publish = |period: &str| {
        signed(&[
            "index-publish",
            "--agency",
            "stats",
            "--name",
            "cpi",
            "--period",
            period,
            "--value",
            "1041",
        ])
    };
    let (ok, _, err) = publish(&first);
    assert!(ok, "{err}");
    let (ok, out, err) = publica(&["programs", "index", "stats/cpi", "--node", &url]);
    assert!(ok, "{err}");
    assert_eq!(json_of(&out)["values"].as_array().unwrap().len(), 2);
    let (ok, _, err) = publica(&["programs", "index", "cpi", "--node", &url]);
    assert!(!ok && err.contains("<agency>/<name>"), "{err}");
    let (ok, _, err) = publish("2099-01");
    assert!(!ok && err.contains("programs.invalid_period"), "{err}");
    // Approvals name the reviewed hash: a stale one approves nothing.
    let approve = |hash: &str| {
        signed(&[
            "approve",
            "--agency",
            "city",
            "--program",
            "ubi",
            "--hash",
            hash,
        ])
    };
    let (ok, _, err) = approve("xyz");
    assert!(!ok && err.contains("--hash"), "{err}");
    let (ok, _, err) = approve(&"ab".repeat(32));
    assert!(!ok && err.contains("programs.nothing_pending"), "{err}");

    // Every refusal a G2P item can get, with its code; a resent item pays
    // nobody twice.
    let mut bad = vec![
        d("", &fa(0), "100.00"),
        d("b2", &fa(0), "0.00"),
        d("b3", &fa(0), "-5.00"),
        d("b4", &fa(0), "10000"),
        d("b5", &fa(0), "100.00"),
        d("b6", &fa(0), "100.00"),
        d("b7", &fa(0), "100.00"),
        d("b8", &fa(0), "100.00"),
    ];
    bad[4]["payer_fa"] = json!("publica:program:nope");
    bad[5]["currency_code"] = json!("EUR");
    bad[6]["scheduled_timestamp"] = json!("soon");
    bad[7]
        .as_object_mut()
        .unwrap()
        .remove("scheduled_timestamp");
    let mut lowercase = d("b10", &fa(0), "100.00");
    lowercase["currency_code"] = json!("exc");
    bad.push(lowercase);
    bad.push(d("b11", &fa(0), "+100.00"));
    let mut garbage = d("b12", &fa(0), "100.00");
    garbage["scheduled_timestamp"] = json!(format!("{first}-zzgarbage"));
    bad.push(garbage);
    let mut number = d("b13", &fa(0), "100.00");
    number["amount"] = json!(10000);
    bad.push(number);
    // The currency is optional in the standard: without it, the program's.
    let mut resent = d("b9", &fa(0), "100.00");
    resent.as_object_mut().unwrap().remove("currency_code");
    bad.push(resent);
    let n = bad.len();
    let req = json!({"header": {"version": "1.0.0", "message_id": "m-2", "message_ts": format!("{first}-01T08:00:00Z"), "action": "disburse", "sender_id": "spmis.city", "total_count": n}, "message": {"transaction_id": "T-2", "disbursements": bad}});
    let out = dir.path().join("bad-answer.json");
    let (ok, _, err) = disburse(
        &file("bad.json", &req.to_string()),
        &["--out", out.to_str().unwrap()],
    );
    assert!(!ok && err.contains("13 of 13"), "{err}");
    let a = json_of(&std::fs::read_to_string(&out).unwrap());
    let codes: Vec<&str> = a["message"]["disbursements_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "rjct", "{r}");
            r["status_reason_code"]
                .as_str()
                .or_else(|| r["status_reason_message"].as_str()?.split(':').next())
                .unwrap()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "rjct.reference_id.invalid",
            "rjct.amount.invalid",
            "rjct.amount.invalid",
            "rjct.amount.invalid",
            "rjct.payer_fa.invalid",
            "rjct.currency_code.invalid",
            "rjct.schedule_ts.invalid",
            "rjct.schedule_ts.invalid",
            "rjct.currency_code.invalid",
            "rjct.amount.invalid",
            "rjct.schedule_ts.invalid",
            "rjct.amount.invalid",
            // No standard code fits: the ledger's is in the message.
            "programs.already_paid",
        ]
    );
    // Whole requests that are not disburse requests, and bad flags.
    for (why, body, flag, expect) in [
        ("not JSON", "{", None, "is not JSON"),
        (
            "no items",
            r#"{"header":{"action":"disburse","message_id":"m","message_ts":"2027-01-01T00:00:00Z","sender_id":"s","total_count":0},"message":{"transaction_id":"t","disbursements":[]}}"#,
            None,
            "1..=10000 disbursements",
        ),
        (
            "no transaction id",
            r#"{"header":{"action":"disburse","message_id":"m","message_ts":"2027-01-01T00:00:00Z","sender_id":"s","total_count":1},"message":{"disbursements":[{}]}}"#,
            None,
            "transaction_id",
        ),
        (
            "bad period flag",
            r#"{"header":{"action":"disburse"}}"#,
            Some("2027-13"),
            "--period must be YYYY-MM",
        ),
    ] {
        let f = file("req.json", body);
        let extra: Vec<&str> = flag.map(|p| vec!["--period", p]).unwrap_or_default();
        let (ok, _, err) = disburse(&f, &extra);
        assert!(!ok && err.contains(expect), "{why}: {err}");
    }

    // Bad attestation, enrolment and token files: whole-file errors stop
    // before signing; bad rows are reported one by one.
    for (body, expect) in [
        ("account,age\n", "the header starts with subject"),
        ("subject,Age\n", "is not a claim name"),
        ("subject,period\n", "names no claim"),
        ("", "the first line must be the header"),
    ] {
        let (ok, _, err) = attest(&file("a.csv", body));
        assert!(!ok && err.contains(expect), "{body:?}: {err}");
    }
    let rows = format!(
        "subject,period,expires_ms,age\n{p},2027-13,,3\n{p},,soon,3\n{p},,,\n{p},2027-01,,4,5\n",
        p = people[0]
    );
    let (ok, out, _) = attest(&file("rows.csv", &rows));
    assert!(!ok);
    let r = json_of(&out);
    let errors: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["error"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            "a period is YYYY-MM, YYYY-Www (an ISO week) or YYYY-MM-DD",
            "expires_ms is milliseconds since 1970",
            "the row has no claim",
            "expected 4 cells like the header"
        ]
    );
    let enrol_rows = format!(
        "account,nullifier,registry_signer,registry_signature\nnope,{n},{a},{s}\n{a},XYZ,{a},{s}\n{a},{n}\n",
        n = "ab".repeat(32),
        a = people[0],
        s = "cd".repeat(64)
    );
    let (ok, out, _) = import(&file("enrol-bad.csv", &enrol_rows));
    assert!(!ok);
    let r = json_of(&out);
    assert_eq!(r["summary"]["invalid_rows"], 3, "{r}");
    let bad_person = file("bad-person.csv", "person,account\nP-9,nope\n");
    let (ok, _, err) = tokens(&secret, &bad_person, &[]);
    assert!(!ok && err.contains("line 2: account"), "{err}");
    let (ok, _, err) = publica(&[
        "programs", "report", "Bad Id!", "--period", &first, "--node", &url,
    ]);
    assert!(!ok && err.contains("is not a program id"), "{err}");
    drop(demo);
}

/// A program paid by the day: defined, approved and joined through the
/// CLI on a demo chain, the ledger pays today's period by itself, the
/// report names the day, and a month is refused as its period.
#[test]
fn daily_schedule_through_the_cli() {
    use publica_programs::period::{self, Kind};
    let demo = Demo::start();
    let (dir, key, url) = (&demo.dir, demo.key.as_str(), demo.url.clone());
    let file = |name: &str, text: &str| demo.file(name, text);
    let send = |module: &str, method: &str, args: Value| {
        let args = args.to_string();
        let (ok, out, err) = publica(&[
            "tx", "send", "--key", key, "--node", &url, "--module", module, "--method", method,
            "--args", &args,
        ]);
        (ok, out + &err)
    };
    let now = publica_types::now_ms();
    demo.define_program(
        "meals",
        json!({
            "agency": "city", "id": "meals", "name": "School meals", "currency": "EXC",
            "attesters": ["registry"], "registry": "registry",
            "attributes": {"resident": "bool"},
            "eligibility": "attr.resident", "benefit": "params.daily", "params": {"daily": 300},
            "schedule": "daily", "start_ms": now - 86_400_000, "end_ms": now + 30 * 86_400_000,
        }),
    );

    let people: Vec<String> = (0..2)
        .map(|_| publica_crypto::Keypair::generate().account().to_hex())
        .collect();
    let att = file(
        "att.csv",
        &format!("subject,resident\n{},true\n{},true\n", people[0], people[1]),
    );
    let secret = file("secret", &"cd".repeat(32));
    let persons = file(
        "persons.csv",
        &format!("person,account\nP-1,{}\nP-2,{}\n", people[0], people[1]),
    );
    let enrol = dir.path().join("enrol.csv");
    let enrol = enrol.to_str().unwrap();
    let common = ["--key", key, "--node", &url];
    for args in [
        vec![
            "programs",
            "import-attestations",
            "--agency",
            "registry",
            "--file",
            &att,
        ],
        vec![
            "programs",
            "registry-tokens",
            "--secret-file",
            &secret,
            "--program",
            "meals",
            "--file",
            &persons,
            "--out",
            enrol,
        ],
        vec![
            "programs",
            "import-enrolments",
            "--program",
            "meals",
            "--agency",
            "city",
            "--file",
            enrol,
        ],
    ] {
        let mut all = args.clone();
        all.extend_from_slice(&common);
        let (ok, out, err) = publica(&all);
        assert!(ok, "{args:?}: {err}\n{out}");
    }

    // The ledger pays today by itself (in a block it cuts when work is due).
    let today = period::of_kind(Kind::Day, now);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let meals = loop {
        let (_, m) = get(&format!("{url}/v1/programs/meals"));
        if m["periods"][0]["paid_count"] == 2 || std::time::Instant::now() > deadline {
            break m;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(meals["program"]["schedule"], "daily");
    let first = meals["periods"][0]["period"].as_str().unwrap().to_string();
    assert_eq!(meals["periods"][0]["paid_count"], 2, "{meals}");
    // Just after midnight the test may see tomorrow already.
    assert!(
        first == today || first == period::next(&today),
        "{first} {today}"
    );
    let (ok, out, err) = publica(&[
        "programs", "report", "meals", "--period", &first, "--format", "csv", "--node", &url,
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 3, "a header and two payouts: {out}");
    assert!(out.lines().nth(1).unwrap().contains(&first), "{out}");

    // A month is not a period of this program; nor is a malformed day.
    let pay =
        |p: &str| json!({"agency": "city", "program": "meals", "account": people[0], "period": p});
    let (ok, out) = send("programs", "payout", pay(&first[..7]));
    assert!(
        !ok && out.contains("programs.invalid_period") && out.contains("YYYY-MM-DD"),
        "{out}"
    );
    let (ok, _, err) = publica(&[
        "programs",
        "report",
        "meals",
        "--period",
        "2027-02-30",
        "--node",
        &url,
    ]);
    assert!(!ok && err.contains("YYYY-Www"), "{err}");
}

/// A change of terms proposed and approved with the CLI on a demo chain;
/// bad input refused before signing, and by the node.
#[test]
fn terms_change_through_the_cli() {
    let demo = Demo::start();
    let (key, url) = (demo.key.as_str(), demo.url.clone());
    let amend = |extra: &[&str]| {
        let mut args = vec![
            "programs",
            "amend-terms",
            "--key",
            key,
            "--node",
            &url,
            "--agency",
            "city",
            "--program",
            "energy",
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    for (extra, said) in [
        (
            &["--reason", "x"][..],
            "give --budget-cap, --end or --schedule",
        ),
        (
            &["--end", "2026-13-01", "--reason", "x"][..],
            "--end is a UTC date",
        ),
        (
            &["--schedule", "hourly", "--reason", "x"][..],
            "--schedule is monthly",
        ),
        (
            &["--budget-cap", "0", "--reason", "x"][..],
            "--budget-cap is 1..=2^53",
        ),
        (
            &["--budget-cap", "10", "--reason", ""][..],
            "--reason is 1..=200 bytes",
        ),
        // The node refuses a cap below what was paid, and a change of kind.
        (
            &["--budget-cap", "1", "--reason", "x"][..],
            "programs.invalid_field",
        ),
        (
            &["--schedule", "daily", "--reason", "x"][..],
            "programs.invalid_field",
        ),
    ] {
        let (ok, out, err) = amend(extra);
        assert!(!ok, "{extra:?}: {out}");
        assert!(err.contains(said), "{extra:?}: {err}");
    }
    let (_, before) = get(&format!("{url}/v1/programs/energy"));
    assert!(before["terms_approval_hash"].is_null(), "{before}");
    // The demo itself raised the budget once, by a council decision.
    assert_eq!(before["program"]["budget_cap"], "25000000", "{before}");
    assert_eq!(
        before["amendments"].as_array().unwrap().len(),
        1,
        "{before}"
    );

    let (ok, out, err) = amend(&[
        "--budget-cap",
        "24000000",
        "--end",
        "2099-01-01",
        "--reason",
        "Council decision 2026/41",
    ]);
    assert!(ok, "{out}{err}");
    let (_, p) = get(&format!("{url}/v1/programs/energy"));
    let hash = p["terms_approval_hash"].as_str().unwrap().to_string();
    assert!(
        err.contains(&format!("terms_approval_hash {hash}")),
        "the answer names the hash to approve: {err}"
    );
    assert_eq!(
        p["program"]["budget_cap"], before["program"]["budget_cap"],
        "nothing changes before approval"
    );
    let (ok, out, err) = publica(&[
        "programs",
        "approve",
        "--key",
        key,
        "--node",
        &url,
        "--agency",
        "city",
        "--program",
        "energy",
        "--hash",
        &hash,
    ]);
    assert!(ok, "{out}{err}");
    let (_, p) = get(&format!("{url}/v1/programs/energy"));
    assert_eq!(p["program"]["budget_cap"], "24000000", "{p}");
    assert_eq!(p["program"]["end_ms"], 4_070_908_800_000u64);
    let list = p["amendments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let last = list.last().unwrap();
    assert_eq!(last["change"]["reason"], "Council decision 2026/41");
    assert_eq!(last["hash"], hash.as_str());
    assert_eq!(
        last["before"]["budget_cap"],
        before["program"]["budget_cap"]
    );
    assert_eq!(last["approvals"].as_array().unwrap().len(), 1);
}

/// A demo citizen's account (the demo derives them from a public seed).
fn demo_citizen(i: usize) -> String {
    let seed = publica_crypto::sha256(format!("publica demo citizen {i}").as_bytes());
    publica_crypto::Keypair::from_seed(*seed.as_bytes())
        .account()
        .to_hex()
}

/// An enrolee's lifecycle with the CLI on a demo chain: suspended,
/// resumed, exited, re-checked; overpayments and write-offs; bad input
/// refused before signing, and by the node.
#[test]
fn enrolee_lifecycle_through_the_cli() {
    let demo = Demo::start();
    let (key, url) = (demo.key.as_str(), demo.url.clone());
    let run = |cmd: &str, program: &str, who: &str, extra: &[&str]| {
        let mut args = vec![
            "programs",
            cmd,
            "--key",
            key,
            "--node",
            &url,
            "--agency",
            "city",
            "--program",
            program,
            "--enrolee",
            who,
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let standing = |program: &str, who: &str| {
        let (_, e) = get(&format!("{url}/v1/programs/{program}/enrolees/{who}"));
        e["enrolment"].clone()
    };
    // The demo's own casework: a UBI enrolee suspended, an energy
    // allowance overpaid.
    let (_, ubi) = get(&format!("{url}/v1/programs/ubi"));
    assert_eq!(ubi["program"]["suspended"], 1, "{}", ubi["program"]);
    let (_, energy) = get(&format!("{url}/v1/programs/energy"));
    assert_eq!(energy["program"]["debt_outstanding"], "1000");

    let who = demo_citizen(1);
    let soon = publica_programs::period::of_kind(
        publica_programs::period::Kind::Day,
        publica_types::now_ms() + 20 * 86_400_000,
    );
    for (cmd, extra, said) in [
        (
            "suspend",
            &["--reason", "bored", "--review", &soon][..],
            "--reason is one of pending_review",
        ),
        (
            "suspend",
            &["--reason", "pending_review", "--review", "soon"][..],
            "--review is a UTC date",
        ),
        (
            "exit",
            &["--reason", "bored"][..],
            "--reason is one of deceased",
        ),
        (
            "overpayment",
            &["--amount", "0", "--reason", "fraud"][..],
            "--amount is 1..=2^53",
        ),
        (
            "overpayment",
            &["--amount", "5", "--reason", "fraud", "--period", "May"][..],
            "--period is YYYY-MM",
        ),
        ("resume", &[][..], "programs.wrong_standing"),
    ] {
        let (ok, out, err) = run(cmd, "ubi", &who, extra);
        assert!(!ok, "{cmd} {extra:?}: {out}");
        assert!(err.contains(said), "{cmd} {extra:?}: {err}");
    }
    let (ok, _, err) = run(
        "suspend",
        "ubi",
        "nothex",
        &["--reason", "pending_review", "--review", &soon],
    );
    assert!(
        !ok && err.contains("--enrolee is an enrolee's account"),
        "{err}"
    );

    let (ok, out, err) = run(
        "suspend",
        "ubi",
        &who,
        &["--reason", "pending_review", "--review", &soon],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(standing("ubi", &who)["standing"]["state"], "suspended");
    let (ok, out, err) = run("resume", "ubi", &who, &[]);
    assert!(ok, "{out}{err}");
    assert!(standing("ubi", &who).get("standing").is_none());
    let (ok, out, err) = run("recheck", "ubi", &who, &[]);
    assert!(ok, "{out}{err}");
    // One official asks for an exit; the same one cannot confirm it.
    let (ok, out, err) = run("exit", "ubi", &who, &["--reason", "moved_away"]);
    assert!(ok, "{out}{err}");
    let now = standing("ubi", &who)["standing"].clone();
    assert_eq!(
        (now["state"].as_str(), now["reason"].as_str()),
        (Some("exit_requested"), Some("moved_away")),
        "{now}"
    );
    let (ok, _, err) = run("exit", "ubi", &who, &["--reason", "moved_away"]);
    assert!(!ok && err.contains("programs.already_approved"), "{err}");
    let (ok, out, err) = run("resume", "ubi", &who, &[]);
    assert!(ok, "{out}{err}");
    assert!(
        standing("ubi", &who).get("standing").is_none(),
        "the request is cancelled"
    );

    // The dev key recorded the demo's overpayment: it cannot write it off.
    let paid = demo_citizen(0);
    let (ok, _, err) = run(
        "write-off",
        "energy",
        &paid,
        &["--amount", "500", "--reason", "hardship"],
    );
    assert!(!ok && err.contains("programs.already_approved"), "{err}");
    let (ok, _, err) = run(
        "overpayment",
        "energy",
        &paid,
        &["--amount", "999999999", "--reason", "fraud"],
    );
    assert!(!ok && err.contains("programs.invalid_field"), "{err}");
    let (ok, out, err) = run(
        "overpayment",
        "energy",
        &paid,
        &["--amount", "500", "--reason", "administrative_error"],
    );
    assert!(ok, "{out}{err}");
    let debt = standing("energy", &paid)["debt"].clone();
    assert_eq!(
        (
            debt["recorded"].as_str(),
            debt["entries"].as_array().map(Vec::len)
        ),
        (Some("1500"), Some(2)),
        "{debt}"
    );
}

/// A grievance through the CLI on a demo chain: filed by a citizen with
/// their own key (the text stays on their machine), followed by its case
/// number, assigned, decided with a payout a second official makes, and
/// the program's figures in CSV; bad input refused.
#[test]
fn grievance_through_the_cli() {
    let demo = Demo::start();
    let (key, url) = (demo.key.as_str(), demo.url.clone());
    // A citizen's own key file: not enrolled, so the desk files for them.
    let citizen = demo.dir.path().join("citizen.json");
    let citizen = citizen.to_str().unwrap();
    let (ok, _, err) = publica(&["keys", "new", "--out", citizen, "--plain"]);
    assert!(ok, "{err}");
    let someone = publica_crypto::Keypair::generate().account().to_hex();
    let text = demo.file("complaint.txt", "My March payment never came.\n");
    let file = |signer: &str, extra: &[&str]| {
        let mut args = vec![
            "programs",
            "grievance",
            "file",
            "--key",
            signer,
            "--node",
            &url,
            "--program",
            "ubi",
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, _, err) = file(citizen, &["--category", "other", "--details", &text]);
    assert!(
        !ok && err.contains("programs.not_enrolled") && err.contains("agency's desk"),
        "{err}"
    );
    let desk = ["--for", someone.as_str(), "--agency", "city"];
    for (extra, said) in [
        (
            &["--category", "late", "--details", &text][..],
            "--category is one of",
        ),
        (
            &["--category", "other", "--details", "/nonexistent"][..],
            "reading /nonexistent",
        ),
        (
            &[
                "--category",
                "other",
                "--details",
                &text,
                "--period",
                "March",
            ][..],
            "--period is YYYY-MM",
        ),
        (
            &[
                "--category",
                "other",
                "--details",
                &text,
                "--period",
                "2026-W10",
            ][..],
            "programs.invalid_period",
        ),
        (
            &[
                "--category",
                "other",
                "--details",
                &text,
                "--for",
                "nothex",
                "--agency",
                "city",
            ][..],
            "--for is an account",
        ),
    ] {
        let args: Vec<&str> = if extra.contains(&"--for") {
            extra.to_vec()
        } else {
            [extra, &desk[..]].concat()
        };
        let (ok, out, err) = file(key, &args);
        assert!(!ok, "{extra:?}: {out}");
        assert!(err.contains(said), "{extra:?}: {err}");
    }
    // The demo filed ubi-1 at the desk; this one is ubi-2.
    let (ok, out, err) = file(
        key,
        &[
            &["--category", "payment_missing", "--details", &text][..],
            &desk[..],
        ]
        .concat(),
    );
    assert!(ok, "{out}{err}");
    assert!(err.contains("case ubi-2: decision due by"), "{err}");
    let hash = publica_crypto::sha256(b"My March payment never came.\n").to_hex();
    assert!(err.contains(&hash), "{err}");
    let (ok, out, err) = publica(&["programs", "grievance", "show", "ubi-2", "--node", &url]);
    assert!(ok, "{err}");
    let case: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(case["details_hash"], hash.as_str());
    assert_eq!(case["category"], "payment_missing");
    let (ok, _, err) = publica(&["programs", "grievance", "show", "ubi-x", "--node", &url]);
    assert!(
        !ok && err.contains("a case number is <program>-<n>"),
        "{err}"
    );
    let (ok, _, err) = publica(&["programs", "grievance", "show", "ubi-99", "--node", &url]);
    assert!(!ok && err.contains("programs.unknown_case"), "{err}");

    // The demo's official assigns it to themself and rejects it.
    let me = {
        let (_, s) = get(&format!("{url}/v1/grievances/ubi-1"));
        s["assigned_to"].as_str().unwrap().to_string()
    };
    let common = ["--key", key, "--node", &url, "--agency", "city"];
    let (ok, out, err) = publica(
        &[
            &["programs", "grievance", "assign"][..],
            &common,
            &["--case", "ubi-2", "--to", &me],
        ]
        .concat(),
    );
    assert!(ok, "{out}{err}");
    let decide = |extra: &[&str]| {
        publica(&[&["programs", "grievance", "decide"][..], &common, extra].concat())
    };
    let (ok, _, err) = decide(&[
        "--case",
        "ubi-2",
        "--outcome",
        "rejected",
        "--reason",
        "no_error_found",
        "--enrol",
    ]);
    assert!(!ok && err.contains("only an upheld case orders"), "{err}");
    let (ok, _, err) = decide(&[
        "--case",
        "ubi-2",
        "--outcome",
        "maybe",
        "--reason",
        "no_error_found",
    ]);
    assert!(
        !ok && err.contains("--outcome is one of upheld, rejected"),
        "{err}"
    );
    let (ok, out, err) = decide(&[
        "--case",
        "ubi-2",
        "--outcome",
        "rejected",
        "--reason",
        "no_error_found",
    ]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = decide(&[
        "--case",
        "ubi-2",
        "--outcome",
        "rejected",
        "--reason",
        "no_error_found",
    ]);
    assert!(!ok && err.contains("programs.case_closed"), "{err}");
    let (_, case) = get(&format!("{url}/v1/grievances/ubi-2"));
    assert_eq!(case["decision"]["outcome"], "rejected", "{case}");

    // The figures, as CSV.
    let (ok, out, err) = publica(&[
        "programs",
        "grievance",
        "stats",
        "ubi",
        "--format",
        "csv",
        "--node",
        &url,
    ]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("month,category,filed,decided,upheld,rejected,open,escalated,median_days_to_decision,p90_days_to_decision"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows.iter()
            .any(|r| r.contains(",payment_missing,1,1,0,1,0,0,0.0,0.0")),
        "{out}"
    );
    assert!(
        rows.iter().any(|r| r.contains(",suspension,1,0,0,0,1,0,,")),
        "{out}"
    );
}

/// The registry's tokens for a program of a group carry the group's
/// nullifiers: one per person in the whole group.
#[test]
fn registry_tokens_of_a_grouped_program_use_the_groups_nullifiers() {
    let demo = Demo::start();
    let (key, url) = (demo.key.as_str(), demo.url.clone());
    let now = publica_types::now_ms();
    for (module, method, args) in [
        (
            "money",
            "open_account",
            json!({"id": "program:pension", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "pension"}}),
        ),
        (
            "programs",
            "create_program",
            json!({
                "agency": "city", "id": "pension", "name": "Old-age pension", "currency": "EXC",
                "funding_account": "program:pension", "budget_cap": "100000", "group": "pensions",
                "attesters": ["registry"], "registry": "registry", "attributes": {"age": "int"},
                "eligibility": "attr.age >= 65", "benefit": "params.monthly", "params": {"monthly": 500},
                "start_ms": now, "end_ms": now + 365 * 86_400_000u64,
            }),
        ),
    ] {
        let args = args.to_string();
        let (ok, out, err) = publica(&[
            "tx", "send", "--key", key, "--node", &url, "--module", module, "--method", method,
            "--args", &args,
        ]);
        assert!(ok, "{method}: {out}{err}");
    }
    let someone = publica_crypto::Keypair::generate().account().to_hex();
    let persons = demo.file("persons.csv", &format!("person,account\nP-1,{someone}\n"));
    let secret = demo.file("secret", &"ab".repeat(32));
    let (ok, out, err) = publica(&[
        "programs",
        "registry-tokens",
        "--key",
        key,
        "--node",
        &url,
        "--secret-file",
        &secret,
        "--program",
        "pension",
        "--file",
        &persons,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("nullifiers of group 'pensions'"), "{err}");
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    let secret = [0xabu8; 32];
    let derive = publica_programs::nullifier::derive;
    assert_eq!(row[1], derive(&secret, "group:pensions", "P-1"));
    assert_ne!(row[1], derive(&secret, "pension", "P-1"));
}

/// The pilot evaluation report of the demo's programs, through the CLI.
#[test]
fn evaluation_report_through_the_cli() {
    let demo = Demo::start();
    let url = demo.url.clone();
    let json_of = |id: &str| {
        let (ok, out, err) = publica(&["programs", "evaluation", id, "--node", &url]);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let ubi = json_of("ubi");
    let first = &ubi["periods"][0];
    assert_eq!(first["by_kind"]["scheduled"], 300, "{first}");
    assert_eq!(
        first["official_actions"], 0,
        "the schedule needs no official"
    );
    assert_eq!(ubi["fees"], "0");
    let energy = json_of("energy");
    let first = &energy["periods"][0];
    assert_eq!(first["by_kind"]["on_demand"], 100, "{first}");
    assert_eq!(first["actions_per_payout"], 1.0);
    assert!(first["hours_to_payment_p99"].as_f64().is_some(), "{first}");
    let (ok, out, err) = publica(&[
        "programs",
        "evaluation",
        "cct",
        "--format",
        "csv",
        "--node",
        &url,
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("period,payouts,paid_amount,"), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (ok, _, err) = publica(&[
        "programs",
        "evaluation",
        "cct",
        "--format",
        "xml",
        "--node",
        &url,
    ]);
    assert!(!ok && err.contains("--format is json or csv"), "{err}");
    let (ok, _, err) = publica(&["programs", "evaluation", "nope", "--node", &url]);
    assert!(!ok && err.contains("programs.unknown_program"), "{err}");
    // The API refuses the same, with its codes.
    let (s, v) = get(&format!("{url}/v1/programs/cct/evaluation?format=xml"));
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("request.invalid_param")),
        "{v}"
    );
    let (s, v) = get(&format!("{url}/v1/programs/nope/evaluation"));
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("programs.unknown_program")),
        "{v}"
    );
    let (s, v) = get(&format!("{url}/v1/programs/nope/grievances"));
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("programs.unknown_program")),
        "{v}"
    );
    let (s, v) = get(&format!("{url}/v1/grievances/nope"));
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("programs.unknown_case")),
        "{v}"
    );
}

#[test]
fn private_eligibility_through_the_cli() {
    let demo = Demo::start();
    let (dir, key, url) = (&demo.dir, demo.key.as_str(), demo.url.clone());
    let file = |name: &str, text: &str| demo.file(name, text);
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--key", key, "--node", &url]);
        publica(&all)
    };
    let now = publica_types::now_ms();
    demo.define_program(
        "heat",
        json!({
            "agency": "city", "id": "heat", "name": "Heating allowance", "currency": "EXC",
            "attesters": ["registry"], "registry": "registry",
            "attributes": {"resident": "bool"},
            "private_conditions": [{"attribute": "income", "below": 1_200_000}],
            "eligibility": "attr.resident", "benefit": "params.amount", "params": {"amount": 2500},
            "start_ms": now - 86_400_000, "end_ms": now + 300 * 86_400_000,
        }),
    );

    let people: Vec<String> = (0..2)
        .map(|_| publica_crypto::Keypair::generate().account().to_hex())
        .collect();
    let att = file(
        "att.csv",
        &format!("subject,resident\n{},true\n{},true\n", people[0], people[1]),
    );
    let (ok, out, err) = run(&[
        "programs",
        "import-attestations",
        "--agency",
        "registry",
        "--file",
        &att,
    ]);
    assert!(ok, "{err}{out}");

    // The registry commits to each income; the openings stay with the people.
    for (who, income) in [(0, "900000"), (1, "1500000")] {
        let out_file = path(&format!("opening-{who}.json"));
        let (ok, out, err) = run(&[
            "programs",
            "attest-private",
            "--agency",
            "registry",
            "--subject",
            &people[who],
            "--name",
            "income",
            "--value",
            income,
            "--out",
            &out_file,
        ]);
        assert!(ok, "{err}{out}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "an opening is its owner's only");
        }
    }
    let (ok, _, err) = run(&[
        "programs",
        "attest-private",
        "--agency",
        "registry",
        "--subject",
        &people[0],
        "--name",
        "income",
        "--value",
        "1",
        "--out",
        &path("opening-0.json"),
    ]);
    assert!(!ok && err.contains("never overwritten"), "{err}");

    // Ann proves her income is below the threshold; Bob cannot.
    let proofs_file = path("proofs-0.json");
    let (ok, _, err) = publica(&[
        "programs",
        "prove",
        "--program",
        "heat",
        "--opening",
        &path("opening-0.json"),
        "--out",
        &proofs_file,
        "--node",
        &url,
    ]);
    assert!(ok, "{err}");
    let proofs: Value =
        serde_json::from_str(&std::fs::read_to_string(&proofs_file).unwrap()).unwrap();
    let cell = proofs["csv_cell"].as_str().unwrap().to_string();
    assert_eq!(cell.len(), 2 * publica_zk::PROOF_BYTES);
    let (ok, _, err) = publica(&[
        "programs",
        "prove",
        "--program",
        "heat",
        "--opening",
        &path("opening-1.json"),
        "--node",
        &url,
    ]);
    assert!(!ok && err.contains("does not hold"), "{err}");

    // Enrolment: the registry's tokens, then the proofs column.
    let secret = file("secret", &"ef".repeat(32));
    let persons = file(
        "persons.csv",
        &format!("person,account\nH-1,{}\nH-2,{}\n", people[0], people[1]),
    );
    let tokens = path("tokens.csv");
    let (ok, out, err) = run(&[
        "programs",
        "registry-tokens",
        "--secret-file",
        &secret,
        "--program",
        "heat",
        "--file",
        &persons,
        "--out",
        &tokens,
    ]);
    assert!(ok, "{err}{out}");
    let text = std::fs::read_to_string(&tokens).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let enrol = file(
        "enrol.csv",
        &format!("{},proofs\n{},{cell}\n{},\n", lines[0], lines[1], lines[2]),
    );
    let (ok, out, err) = run(&[
        "programs",
        "import-enrolments",
        "--program",
        "heat",
        "--agency",
        "city",
        "--file",
        &enrol,
    ]);
    assert!(!ok, "Bob has no proof: {out}");
    assert!(
        out.contains("programs.proof_invalid") && err.contains("1 of 2 rows"),
        "{out}{err}"
    );
    let (_, heat) = get(&format!("{url}/v1/programs/heat"));
    assert_eq!(heat["enrolled"], 1, "{heat}");
    assert_eq!(heat["program"]["private_conditions"][0]["below"], 1_200_000);

    // A re-check with new proofs is accepted; nothing changed, so is one without.
    let (ok, out, err) = run(&[
        "programs",
        "recheck",
        "--agency",
        "city",
        "--program",
        "heat",
        "--enrolee",
        &people[0],
        "--proofs",
        &proofs_file,
    ]);
    assert!(ok, "{err}{out}");
    let (ok, out, err) = run(&[
        "programs",
        "recheck",
        "--agency",
        "city",
        "--program",
        "heat",
        "--enrolee",
        &people[0],
    ]);
    assert!(ok, "{err}{out}");
    let bad = file("bad-proofs.json", "{\"proofs\": []}");
    let (ok, _, err) = run(&[
        "programs",
        "recheck",
        "--agency",
        "city",
        "--program",
        "heat",
        "--enrolee",
        &people[0],
        "--proofs",
        &bad,
    ]);
    assert!(!ok && err.contains("1..=4 proofs"), "{err}");
}
