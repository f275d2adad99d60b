//! Insurance claims through the real binary on a demo node: a CSV file of
//! claims submitted with per-row results (paid, denied, referred, bad rows
//! named), a referral decided, a denial appealed and decided by another
//! adjudicator, the report as CSV, bad input refused with its code.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::{json, Value};

#[test]
fn claims_are_submitted_in_bulk_judged_decided_appealed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--node", &url]);
        publica(&all)
    };
    let admin = data
        .join("dev-admin-key.json")
        .to_str()
        .unwrap()
        .to_string();
    let (ok, out, _) = run(&["claims", "show", "hospital", "demo-1"]);
    assert!(ok);
    let demo: Value = serde_json::from_str(&out).unwrap();
    let patient = demo["member"].as_str().unwrap().to_string();
    assert_eq!(
        (demo["status"].as_str(), demo["paid"].as_str()),
        (Some("approved"), Some("15200"))
    );

    // A file of claims: paid, not covered, referred, and bad rows.
    let csv = dir.path().join("claims.csv");
    std::fs::write(
        &csv,
        format!(
            "id,member,service_date,diagnosis,items,evidence\n\
         b1,{patient},2026-12-01,E11.9,99213=15000,\n\
         b2,{patient},2026-12-01,Z41.1,COSMETIC=90000,\n\
         b3,{patient},2026-12-02,M17.11,27447=900000,\n\
         b4,{patient},2026-12-02,E11.9,99999=100,\n\
         b5,{patient},2026-13-02,E11.9,99213=100,\n\
         b6,{patient},2026-12-01,E11.9,99213=15000,\n"
        ),
    )
    .unwrap();
    let (ok, out, err) = run(&[
        "claims",
        "submit-bulk",
        "--key",
        &admin,
        "--provider",
        "hospital",
        "--agency",
        "insurer",
        "--plan",
        "basic",
        "--payee",
        "hospital:claims",
        csv.to_str().unwrap(),
    ]);
    assert!(!ok, "a bad row fails the command: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let rows = v["results"].as_array().unwrap();
    let by_line = |l: u64| rows.iter().find(|r| r["line"] == l).unwrap().clone();
    assert_eq!(
        (by_line(2)["judged"].as_str(), by_line(2)["paid"].as_str()),
        (Some("approved"), Some("12000")),
        "{v}"
    );
    assert_eq!(
        (by_line(3)["judged"].as_str(), by_line(3)["reason"].as_str()),
        (Some("denied"), Some("claims.not_covered"))
    );
    assert_eq!(by_line(4)["judged"], "referred");
    assert_eq!(by_line(5)["error"]["code"], "claims.unknown_code", "{v}");
    assert_eq!(by_line(6)["status"], "invalid");
    assert_eq!(by_line(7)["error"]["code"], "claims.duplicate", "{v}");
    assert_eq!(
        v["summary"]["judged"],
        json!({"approved": 1, "denied": 1, "referred": 1})
    );

    // The referral decided; the denial appealed by the patient's provider,
    // and decided by another adjudicator than the one who decided.
    let decide = |method: &str, claim: &str, key: &str| {
        run(&[
            "claims",
            method,
            "--key",
            key,
            "--agency",
            "insurer",
            "--provider",
            "hospital",
            "--claim",
            claim,
            "--approve",
            "--reason",
            "ADJ-2026-9",
        ])
    };
    let (ok, out, err) = decide("decide", "b3", &admin);
    assert!(ok, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (c["status"].as_str(), c["paid"].as_str()),
        (Some("approved"), Some("720000")),
        "{c}"
    );
    let (ok, out, err) = run(&[
        "claims",
        "appeal",
        "--key",
        &admin,
        "--provider",
        "hospital",
        "--claim",
        "b2",
        "--ground",
        "RECONSTRUCTIVE-7",
    ]);
    assert!(ok, "{out}{err}");
    let other = dir.path().join("adj2.json");
    let other = other.to_str().unwrap();
    assert!(publica(&["keys", "new", "--out", other, "--plain"]).0);
    let other_id: Value = serde_json::from_str(&publica(&["keys", "show", other]).1).unwrap();
    let (ok, _, err) = run(&[
        "tx",
        "send",
        "--key",
        &admin,
        "--module",
        "identity",
        "--method",
        "add_member",
        "--args",
        &json!({"agency": "insurer", "account": other_id["account"], "roles": ["adjudicator"]})
            .to_string(),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = decide("decide-appeal", "b2", other);
    assert!(ok, "{out}{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (c["status"].as_str(), c["appeal"]["upheld"].as_bool()),
        (Some("approved"), Some(false)),
        "{c}"
    );
    let (ok, _, err) = decide("decide-appeal", "b2", other);
    assert!(!ok && err.contains("claims.wrong_state"), "{err}");

    // Bad input: an unknown plan, a malformed diagnosis, a stranger.
    let (ok, _, err) = run(&[
        "claims",
        "submit",
        "--key",
        &admin,
        "--provider",
        "hospital",
        "--id",
        "x1",
        "--agency",
        "insurer",
        "--plan",
        "gold",
        "--member",
        &patient,
        "--date",
        "2026-12-01",
        "--diagnosis",
        "E11.9",
        "--item",
        "99213=1",
        "--payee",
        "hospital:claims",
    ]);
    assert!(!ok && err.contains("claims.unknown_plan"), "{err}");
    let (ok, _, err) = run(&[
        "claims",
        "submit",
        "--key",
        &admin,
        "--provider",
        "hospital",
        "--id",
        "x1",
        "--agency",
        "insurer",
        "--plan",
        "basic",
        "--member",
        &patient,
        "--date",
        "2026-12-01",
        "--diagnosis",
        "diabetes",
        "--item",
        "99213=1",
        "--payee",
        "hospital:claims",
    ]);
    assert!(!ok && err.contains("ICD-10"), "{err}");
    let (ok, _, err) = run(&[
        "claims",
        "decide",
        "--key",
        other,
        "--agency",
        "insurer",
        "--provider",
        "hospital",
        "--claim",
        "demo-2",
        "--deny",
        "--reason",
        "no free text here",
    ]);
    assert!(!ok && err.contains("claims.invalid_field"), "{err}");

    // The month's report, as CSV.
    let month = &demo["service_date"].as_str().unwrap()[..7];
    let (ok, out, err) = run(&[
        "claims", "report", "insurer", "basic", "--from", month, "--format", "csv",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "month,submitted,approved,denied,referred,decided,appealed,overturned,paid"
    );
    assert!(
        lines[1].starts_with(&format!("{month},5,2,1,2,1,1,1,")),
        "{out}"
    );
    let (ok, out, _) = run(&["claims", "queue", "insurer"]);
    assert!(ok);
    let q: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        q["entries"].as_array().unwrap().len(),
        1,
        "demo-2 still waits: {q}"
    );
}
