//! Energy through the real binary on a dev node: the grid operator's
//! registry and a meter set up with `tx send`; a day of 96 readings
//! signed with the meter's key and submitted by `publica energy
//! submit-readings` in two batches; certificates issued and the registry
//! reconciled over HTTP; the same file again refused as a replay, with a
//! non-zero exit; a file with a bad value refused before anything is sent.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::{json, Value};

#[test]
fn a_day_of_readings_is_signed_submitted_certified_and_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &[]);
    let url = node.url.clone();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let admin = dev_admin_path(&data);
    let send =
        |module: &str, method: &str, args: &Value| send_tx(&url, &admin, module, method, args);
    let me = dev_admin(&data).account().to_hex();
    send(
        "identity",
        "grant_role",
        &json!({"agency": "dev-agency", "account": me, "role": "grid_operator"}),
    );
    send(
        "energy",
        "configure",
        &json!({"agency": "dev-agency", "unit_wh": 1000, "interval_ms": 900_000,
        "validity_days": 365, "country": "ES"}),
    );
    let (ok, _, err) = publica(&["keys", "new", "--plain", "--out", &path("meter.json")]);
    assert!(ok, "{err}");
    let meter: Value =
        serde_json::from_str(&publica(&["keys", "show", &path("meter.json")]).1).unwrap();
    send(
        "energy",
        "register_meter",
        &json!({"agency": "dev-agency", "id": "pv-1", "key": meter["account"],
        "holder": me, "role": "producer", "technology": "solar", "location": "geo:ezjmg", "capacity_w": 8_000}),
    );

    // Yesterday, 96 quarter hours: 40 of them at 1,250 Wh, the rest nothing.
    let day = (publica_types::now_ms() / 86_400_000 - 1) * 86_400_000;
    let mut csv = String::from("start_ms,import_wh,export_wh\n");
    for k in 0..96u64 {
        let export = if (30..70).contains(&k) { 1_250 } else { 0 };
        csv.push_str(&format!("{},{},{}\n", day + k * 900_000, 40, export));
    }
    std::fs::write(path("day.csv"), &csv).unwrap();
    let submit = |file: &str| {
        publica(&[
            "energy",
            "submit-readings",
            "--key",
            &admin,
            "--node",
            &url,
            "--meter-key",
            &path("meter.json"),
            "--agency",
            "dev-agency",
            "--meter",
            "pv-1",
            &path(file),
        ])
    };
    let (ok, out, err) = submit("day.csv");
    assert!(ok, "{out} {err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            report["readings"].as_u64(),
            report["batches"].as_u64(),
            report["refused"].as_u64()
        ),
        (Some(96), Some(1), Some(0))
    );

    let (status, reg) = get(&format!("{url}/v1/energy/dev-agency"));
    assert_eq!(status, 200, "{reg}");
    assert_eq!(reg["reconciles"], true, "{reg}");
    assert_eq!(
        (
            reg["registry"]["generated_wh"].as_u64(),
            reg["registry"]["issued_units"].as_u64()
        ),
        (Some(50_000), Some(50))
    );
    let (_, lots) = get(&format!(
        "{url}/v1/energy/dev-agency/certificates?limit=100"
    ));
    assert_eq!(lots["total"], 40, "one lot per producing interval");
    let (_, mine) = get(&format!(
        "{url}/v1/energy/dev-agency/accounts/{me}?limit=100"
    ));
    assert_eq!(mine["total"], 40);

    // The same day again: a replay, refused, with the code.
    let (ok, out, err) = submit("day.csv");
    assert!(!ok && err.contains("1 of 1 batches refused"), "{err}");
    assert!(out.contains("energy.out_of_order"), "{out}");
    // A negative value never leaves the machine.
    std::fs::write(
        path("bad.csv"),
        format!(
            "start_ms,import_wh,export_wh\n{},0,-5\n",
            day + 96 * 900_000
        ),
    )
    .unwrap();
    let (ok, _, err) = submit("bad.csv");
    assert!(
        !ok && err.contains("line 2: export_wh is not a whole number"),
        "{err}"
    );
}

/// Signs `calls` (signer, `module.method`, arguments) with nonces from
/// each signer's next, submits them in order in batches of 200, and
/// requires every one to commit successfully; returns the highest block.
fn run_calls(node: &TestNode, calls: Vec<(&publica_crypto::Keypair, &str, Value)>) -> u64 {
    let mut nonces: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let envs: Vec<Value> = calls
        .into_iter()
        .map(|(kp, call, args)| {
            let signer = kp.account().to_hex();
            let n = nonces.entry(signer.clone()).or_insert_with(|| {
                get(&format!("{}/v1/accounts/{signer}/nonce", node.url)).1["next_nonce"]
                    .as_u64()
                    .unwrap()
            });
            let (module, method) = call.split_once('.').unwrap();
            *n += 1;
            json!(sign(
                kp,
                "publica-dev",
                *n - 1,
                publica_types::Expiry::Height(1_000_000),
                module,
                method,
                args
            ))
        })
        .collect();
    let mut ids = Vec::new();
    for chunk in envs.chunks(200) {
        let (s, r) = post(
            &format!("{}/v1/transactions/batch", node.url),
            &json!({ "transactions": chunk }),
        );
        assert_eq!(s, 200, "{r}");
        for item in r["results"].as_array().unwrap() {
            ids.push(
                item["tx_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("refused: {item}"))
                    .to_string(),
            );
        }
    }
    ids.iter()
        .map(|id| {
            let r = receipt(node, id);
            assert_eq!(r["outcome"]["status"], "ok", "{r}");
            r["block_height"].as_u64().unwrap()
        })
        .max()
        .unwrap_or(0)
}

/// A day of a small neighbourhood through the binary: five solar producers
/// and twenty consumers trade on the local market for 96 quarter hours, on
/// a dev chain whose clock runs 3,600 times faster than the wall clock (a
/// market day in under half a minute). The producers offer their expected
/// export and the consumers bid for their use at their own prices; the
/// node clears each interval at its gate by the uniform-price auction and
/// settles it in the local coin; after the day every meter submits its
/// day of readings with `publica energy submit-readings`, and the
/// producers' certificates follow the energy to the buyers. Checked: all
/// 96 intervals cleared, no trade above a bid or below an offer, money
/// conserved with the escrow back at zero, the registry reconciled to the
/// metered generation, buyers holding certificates.
#[test]
fn a_neighbourhood_day_trades_96_intervals_and_reconciles() {
    const Q: u64 = 900_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--time-scale", "3600"]);
    let url = node.url.clone();
    let admin = dev_admin(&data);
    let me = admin.account().to_hex();
    let ag = "dev-agency";
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let mut calls: Vec<(&publica_crypto::Keypair, &str, Value)> =
        ["grid_operator", "treasurer", "program_officer"]
            .into_iter()
            .map(|role| {
                (
                    &admin,
                    "identity.grant_role",
                    json!({"agency": ag, "account": me, "role": role}),
                )
            })
            .collect();
    calls.extend([
        (&admin, "money.create_currency", json!({"agency": ag, "code": "KWC", "name": "Neighbourhood coin", "decimals": 2, "supply_cap": "100000000"})),
        (&admin, "money.propose_appropriation", json!({"agency": ag, "currency": "KWC", "id": "grid", "name": "Grid", "cap": "100000000"})),
        (&admin, "money.approve_appropriation", json!({"agency": ag, "currency": "KWC", "id": "grid"})),
        (&admin, "money.open_account", json!({"id": "escrow", "currency": "KWC", "agency": ag,
            "owner": {"kind": "program", "agency": ag, "program": "energy-market:dev-agency"}})),
        (&admin, "money.open_account", json!({"id": "fees", "currency": "KWC", "agency": ag, "owner": {"kind": "agency", "agency": ag}})),
        (&admin, "money.open_account", json!({"id": "treasury", "currency": "KWC", "agency": ag, "owner": {"kind": "agency", "agency": ag}})),
        (&admin, "money.mint", json!({"agency": ag, "currency": "KWC", "appropriation": "grid", "to": "treasury", "amount": "10000000"})),
        (&admin, "energy.configure", json!({"agency": ag, "unit_wh": 100, "interval_ms": Q, "validity_days": 365, "country": "ES"})),
        (&admin, "energy.open_market", json!({"agency": ag, "currency": "KWC", "escrow_account": "escrow", "escrow_agency": ag,
            "fee_account": "fees", "fee_per_kwh": 10, "gate_ms": 60_000, "price_cap": 1_000})),
    ]);
    run_calls(&node, calls);

    // Five producers and twenty consumers, each meter's key its holder's.
    let people: Vec<(String, &str)> = (0..5)
        .map(|i| (format!("p{i}"), "producer"))
        .chain((0..20).map(|i| (format!("c{i}"), "consumer")))
        .collect();
    let keys: Vec<publica_crypto::Keypair> = people
        .iter()
        .map(|(id, _)| {
            let (ok, _, err) = publica(&[
                "keys",
                "new",
                "--plain",
                "--out",
                &path(&format!("{id}.json")),
            ]);
            assert!(ok, "{err}");
            publica_crypto::KeyFile::read(std::path::Path::new(&path(&format!("{id}.json"))))
                .unwrap()
                .open(id, None)
                .unwrap()
        })
        .collect();
    let mut calls = Vec::new();
    for ((id, role), kp) in people.iter().zip(&keys) {
        let (technology, capacity) = if *role == "producer" {
            ("solar", 6_000)
        } else {
            ("none", 8_000)
        };
        calls.push((&admin, "energy.register_meter", json!({"agency": ag, "id": id, "key": kp.account(),
            "holder": kp.account(), "role": role, "technology": technology, "location": "geo:ezjmg", "capacity_w": capacity})));
        calls.push((
            &admin,
            "money.open_account",
            json!({"id": format!("w-{id}"), "currency": "KWC", "agency": ag,
            "owner": {"kind": "citizen", "account": kp.account()}}),
        ));
        if *role == "consumer" {
            calls.push((
                &admin,
                "money.transfer",
                json!({"from": "treasury", "to": format!("w-{id}"), "amount": "100000"}),
            ));
        }
    }
    let h = run_calls(&node, calls);

    // The day: 96 quarter hours from the first one five chain hours ahead
    // (the orders take a few wall seconds: hours of chain time).
    let (_, block) = get(&format!("{url}/v1/blocks/{h}"));
    let start = (block["header"]["time_ms"].as_u64().unwrap() + 5 * 3_600_000) / Q * Q + Q;
    let sun = |k: u64| -> u64 {
        if (28..72).contains(&k) {
            1_000 - 20 * k.abs_diff(50).min(40)
        } else {
            0
        }
    };
    let mut orders = Vec::new();
    for k in 0..96u64 {
        let at = start + k * Q;
        for (i, ((id, role), kp)) in people.iter().zip(&keys).enumerate() {
            let i = i as u64;
            let (side, wh, price) = if *role == "producer" {
                ("offer", sun(k), 20 + 3 * i)
            } else {
                ("bid", 250 + 10 * (i % 5), 15 + (i * 7 + k) % 25)
            };
            if wh > 0 {
                orders.push((
                    kp,
                    "energy.order",
                    json!({"agency": ag, "meter": id, "start_ms": at,
                    "side": side, "wh": wh, "price": price, "account": format!("w-{id}")}),
                ));
            }
        }
    }
    let placed = orders.len();
    // Every order committed: none came after its interval's gate.
    run_calls(&node, orders);

    // The node clears each interval at its gate, as the chain's day goes by.
    let last = start + 95 * Q;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while get(&format!("{url}/v1/energy/{ag}/market/{last}")).1["interval"]["cleared"] != true {
        assert!(
            std::time::Instant::now() < deadline,
            "the day's last interval was not cleared"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (mut orders_seen, mut traded, mut paid, mut fees) = (0, 0, 0, 0);
    for k in 0..96u64 {
        let (s, iv) = get(&format!(
            "{url}/v1/energy/{ag}/market/{}?limit=100",
            start + k * Q
        ));
        assert_eq!(s, 200, "{iv}");
        let i = &iv["interval"];
        assert_eq!(i["cleared"], true, "interval {k}: {iv}");
        orders_seen += i["orders"].as_u64().unwrap();
        traded += i["volume_wh"].as_u64().unwrap();
        let amount = |v: &Value| v.as_str().unwrap().parse::<u64>().unwrap();
        paid += amount(&i["paid"]);
        fees += amount(&i["fees"]);
        if let Some(price) = i["price"].as_u64() {
            // Offers asked 20..=32, bids offered 15..=39: a trade clears
            // between them.
            assert!((20..=39).contains(&price), "interval {k}: {iv}");
        }
    }
    assert_eq!(orders_seen as usize, placed);
    assert!(
        traded > 0 && paid > 0 && fees > 0,
        "{traded} Wh, {paid} paid, {fees} fees"
    );
    // Money: the coin minted is all in the treasury, the wallets and the
    // fees; the escrow holds nothing once every interval settled.
    let balance = |id: &str| -> u64 {
        let (_, a) = get(&format!("{url}/v1/money/accounts/{id}"));
        a["account"]["balance"].as_str().unwrap().parse().unwrap()
    };
    assert_eq!(balance("escrow"), 0);
    assert_eq!(balance("fees"), fees);
    let wallets: u64 = people
        .iter()
        .map(|(id, _)| balance(&format!("w-{id}")))
        .sum();
    assert_eq!(balance("treasury") + wallets + balance("fees"), 10_000_000);

    // After the day (a wall second is a chain hour), each meter submits
    // its readings: the producers what they offered, the consumers what
    // they bid for.
    std::thread::sleep(std::time::Duration::from_secs(1));
    for (i, ((id, role), _)) in people.iter().zip(&keys).enumerate() {
        let mut csv = String::from("start_ms,import_wh,export_wh\n");
        for k in 0..96u64 {
            let (import, export) = if *role == "producer" {
                (0, sun(k))
            } else {
                (250 + 10 * (i as u64 % 5), 0)
            };
            csv.push_str(&format!("{},{import},{export}\n", start + k * Q));
        }
        std::fs::write(path(&format!("{id}.csv")), csv).unwrap();
        let key = path(&format!("{id}.json"));
        let (ok, out, err) = publica(&[
            "energy",
            "submit-readings",
            "--key",
            &key,
            "--node",
            &url,
            "--meter-key",
            &key,
            "--agency",
            ag,
            "--meter",
            id,
            &path(&format!("{id}.csv")),
        ]);
        assert!(ok, "{id}: {out} {err}");
    }
    let (_, reg) = get(&format!("{url}/v1/energy/{ag}"));
    assert_eq!(reg["reconciles"], true, "{reg}");
    let generated: u64 = (0..96).map(sun).sum::<u64>() * 5;
    assert_eq!(
        reg["registry"]["generated_wh"].as_u64(),
        Some(generated),
        "{reg}"
    );
    // The certificates followed the energy: buyers hold units.
    let held: u64 = people[5..]
        .iter()
        .zip(&keys[5..])
        .map(|(_, kp)| {
            get(&format!(
                "{url}/v1/energy/{ag}/accounts/{}?limit=1",
                kp.account().to_hex()
            ))
            .1["total"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert!(held > 0, "no consumer holds a certificate");
    eprintln!("neighbourhood day: {placed} orders, {traded} Wh traded, {paid} paid, {fees} in fees, {held} lots with buyers");
}
