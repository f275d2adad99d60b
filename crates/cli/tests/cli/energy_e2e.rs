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
