//! Recycling through the real binary on a dev node: the scheme, its fund
//! and a rate table approved by its hash, set up with `tx send`; a
//! collection point's CSV of deposits signed with the point's key by
//! `publica recycling deposits`, the citizens credited over HTTP; the same
//! file again refused row by row as replays, with a non-zero exit and
//! nobody paid twice; a malformed row reported without being sent; an
//! organisation's volunteer shifts paid up to the monthly cap.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::{json, Value};

#[test]
fn a_points_deposits_are_credited_once_and_volunteers_up_to_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &[]);
    let url = node.url.clone();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let admin = dev_admin_path(&data);
    let send =
        |module: &str, method: &str, args: &Value| send_tx(&url, &admin, module, method, args);
    let me = dev_admin(&data).account().to_hex();
    for role in ["treasurer", "program_officer", "regulator"] {
        send(
            "identity",
            "grant_role",
            &json!({"agency": "dev-agency", "account": me, "role": role}),
        );
    }
    let a = "dev-agency";
    send(
        "money",
        "create_currency",
        &json!({"agency": a, "code": "EXC", "name": "Coin", "decimals": 2, "supply_cap": "100000000"}),
    );
    send(
        "money",
        "propose_appropriation",
        &json!({"agency": a, "currency": "EXC", "id": "credits", "name": "Credits", "cap": "1000000"}),
    );
    send(
        "money",
        "approve_appropriation",
        &json!({"agency": a, "currency": "EXC", "id": "credits"}),
    );
    send(
        "money",
        "open_account",
        &json!({"id": "fund", "currency": "EXC", "agency": a,
        "owner": {"kind": "program", "agency": a, "program": "civic-credits:dev-agency"}}),
    );
    send(
        "money",
        "mint",
        &json!({"agency": a, "currency": "EXC", "appropriation": "credits", "to": "fund", "amount": "100000"}),
    );
    let key = |name: &str| -> Value {
        let (ok, _, err) = publica(&["keys", "new", "--plain", "--out", &path(name)]);
        assert!(ok, "{err}");
        serde_json::from_str(&publica(&["keys", "show", &path(name)]).1).unwrap()
    };
    for who in ["ana", "ben"] {
        let k = key(&format!("{who}.json"));
        send(
            "money",
            "open_account",
            &json!({"id": format!("wallet:{who}"), "currency": "EXC", "agency": a,
            "owner": {"kind": "citizen", "account": k["account"]}}),
        );
    }
    send(
        "recycling",
        "configure",
        &json!({"agency": a, "currency": "EXC", "fund_account": "fund"}),
    );
    send(
        "recycling",
        "propose_rates",
        &json!({"agency": a, "materials": ["glass", "paper"],
        "rule": "attr.grams * (attr.material == 'glass' ? params.glass : params.paper) / 1000",
        "params": {"glass": 20, "paper": 10}, "max_credit": "500", "volunteer_rate_per_hour": "600", "volunteer_cap_per_month": "1000"}),
    );
    let (status, table) = get(&format!("{url}/v1/recycling/{a}/rates/1"));
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["in_force"], false);
    send(
        "recycling",
        "approve_rates",
        &json!({"agency": a, "version": 1, "hash": table["rates"]["hash"]}),
    );
    let point = key("point.json");
    send(
        "recycling",
        "license_point",
        &json!({"agency": a, "id": "square", "key": point["account"],
        "location": "geo:ezjmgtw", "materials": ["glass", "paper"]}),
    );

    std::fs::write(
        path("deposits.csv"),
        "account,material,grams,reference\nwallet:ana,glass,6400,sq-001\nwallet:ben,paper,4000,sq-002\nwallet:ana,paper,1500,sq-003\n",
    )
    .unwrap();
    let deposits = |file: &str| {
        publica(&[
            "recycling",
            "deposits",
            "--key",
            &path("point.json"),
            "--node",
            &url,
            "--agency",
            a,
            "--point",
            "square",
            &path(file),
        ])
    };
    let (ok, out, err) = deposits("deposits.csv");
    assert!(ok, "{out} {err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["committed_ok"], 3, "{report}");
    let balance = |id: &str| -> u64 {
        let (_, acct) = get(&format!("{url}/v1/money/accounts/{id}"));
        acct["account"]["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // 6.4 kg of glass at 20 a kg, 1.5 kg of paper at 10; 4 kg of paper.
    assert_eq!(
        (balance("wallet:ana"), balance("wallet:ben")),
        (128 + 15, 40)
    );

    // The same file again pays nobody twice: every row a replay.
    let (ok, out, err) = deposits("deposits.csv");
    assert!(
        !ok && err.contains("3 of 3 rows did not go through"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["error"]["code"] == "recycling.replay"),
        "{report}"
    );
    assert_eq!((balance("wallet:ana"), balance("wallet:ben")), (143, 40));
    // A malformed row is reported, never sent; the good one goes through.
    std::fs::write(
        path("mixed.csv"),
        "account,material,grams,reference\nwallet:ben,glass,lots,sq-004\nwallet:ben,glass,1000,sq-005\n",
    )
    .unwrap();
    let (ok, out, _) = deposits("mixed.csv");
    assert!(!ok);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["results"][0]["status"], "invalid", "{report}");
    assert_eq!(report["results"][1]["status"], "ok", "{report}");
    assert_eq!(balance("wallet:ben"), 60);

    // Volunteer shifts: 90 minutes (900) then 60 (600, of which 100 fit
    // under the cap of 1,000), then nothing more this month.
    let parks = key("parks.json");
    send(
        "recycling",
        "register_org",
        &json!({"agency": a, "id": "parks", "key": parks["account"], "budget": "50000"}),
    );
    std::fs::write(
        path("shifts.csv"),
        "account,minutes,reference\nwallet:ana,90,shift-1\nwallet:ana,60,shift-2\nwallet:ana,30,shift-3\n",
    )
    .unwrap();
    let (ok, out, _) = publica(&[
        "recycling",
        "volunteering",
        "--key",
        &path("parks.json"),
        "--node",
        &url,
        "--agency",
        a,
        "--org",
        "parks",
        &path("shifts.csv"),
    ]);
    assert!(!ok, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let statuses = crate::common::statuses(&report);
    assert_eq!(statuses, ["ok", "ok", "failed"], "{report}");
    assert_eq!(report["results"][2]["error"]["code"], "recycling.over_cap");
    assert_eq!(balance("wallet:ana"), 143 + 1_000);
    let (_, scheme) = get(&format!("{url}/v1/recycling/{a}"));
    assert_eq!(scheme["scheme"]["volunteer_paid"], "1000", "{scheme}");
    assert_eq!(scheme["scheme"]["deposits"], 4, "{scheme}");
}
