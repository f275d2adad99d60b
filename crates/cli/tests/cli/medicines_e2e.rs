//! The medicines registry through the real binary on a demo node: the
//! demo's parties, a hospital registered and its licence suspended by the
//! regulator, identifiers checked and their owners named, bad input named.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::Value;

#[test]
fn the_regulator_registers_and_suspends_and_identifiers_name_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let key = data.join("dev-admin-key.json");
    let key = key.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--node", &url]);
        publica(&all)
    };
    let (ok, out, err) = run(&["medicines", "party", "pharmaco"]);
    assert!(ok && out.contains("\"manufacturer\""), "{out}{err}");
    let (ok, out, err) = run(&[
        "medicines",
        "identify",
        "https://id.gs1.org/01/09520001123450/21/A1",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["owner"]["party"], "pharmaco", "{v}");
    assert_eq!(v["owner"]["licensed"], true, "{v}");

    let me = register_hospital(&url, key);
    let (ok, out, err) = run(&[
        "medicines",
        "licence",
        "--key",
        key,
        "--agency",
        "health",
        "--party",
        "city-hospital",
        "--status",
        "suspended",
        "--reason",
        "inspection 2026/12",
    ]);
    assert!(ok, "{out}{err}");
    let (_, out, _) = run(&[
        "medicines",
        "identify",
        "urn:epc:id:sscc:9520009.0000000001",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["owner"]["party"], "city-hospital", "{v}");
    assert_eq!(v["owner"]["licensed"], false, "{v}");

    // The portal's page: the parties, and whose a pack number is, in the
    // reader's language; a bad number refused with its code.
    let portal = |query: &str, lang: &str| {
        let r = http()
            .get(format!("{url}/medicines{query}"))
            .header("accept", "text/html")
            .header("accept-language", lang)
            .send()
            .unwrap();
        let code = r
            .headers()
            .get("x-publica-error")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (r.status().as_u16(), code, r.text().unwrap())
    };
    let (s, _, body) = portal("?uri=https://id.gs1.org/01/09520001123450/21/A1", "en");
    assert_eq!(s, 200, "{body}");
    assert!(
        body.contains("PharmaCo Manufacturing") && body.contains("North Pharmacy"),
        "{body}"
    );
    assert!(
        body.contains("01/09520001123450/21/A1") && body.contains("Licensed now"),
        "{body}"
    );
    let (_, _, body) = portal("?uri=urn%3Aepc%3Aid%3Asscc%3A9520009.0000000001", "es");
    assert!(
        body.contains("Medicamentos") && body.contains("licencia está suspendida"),
        "{body}"
    );
    let (_, _, body) = portal("?uri=urn%3Aepc%3Aid%3Asgtin%3A9520777.012345.1", "en");
    assert!(
        body.contains("No licensed party holds this number"),
        "{body}"
    );
    let (s, code, body) = portal("?uri=urn%3Aepc%3Aid%3Agiai%3A9520001.1", "en");
    assert_eq!(
        (s, code.as_str()),
        (400, "medicines.unsupported_identifier"),
        "{body}"
    );

    // Refused, each with its reason.
    let register_x = |kind: &'static str, gln: &'static str| {
        vec![
            "medicines",
            "register-party",
            "--key",
            key,
            "--agency",
            "health",
            "--id",
            "x",
            "--name",
            "X",
            "--kind",
            kind,
            "--gln",
            gln,
            "--capturer",
            me.as_str(),
        ]
    };
    for (args, says) in [
        (
            vec!["medicines", "identify", "urn:epc:id:giai:9520001.1"],
            "unsupported",
        ),
        (
            vec![
                "medicines",
                "identify",
                "https://id.gs1.org/01/09520001123451/21/A1",
            ],
            "check digit",
        ),
        (vec!["medicines", "party", "Nope!"], "1..=64"),
        (
            vec!["medicines", "party", "nobody"],
            "medicines.unknown_party",
        ),
        (register_x("shop", "9520009000002"), "--kind is"),
        (register_x("pharmacy", "9520009000003"), "check digit"),
        (
            register_x("pharmacy", "9520008000006"),
            "medicines.account_taken",
        ),
        (
            vec![
                "medicines",
                "licence",
                "--key",
                key,
                "--agency",
                "health",
                "--party",
                "city-hospital",
                "--status",
                "closed",
                "--reason",
                "x",
            ],
            "--status is",
        ),
    ] {
        let (ok, out, err) = run(&args);
        assert!(
            !ok && (out.clone() + &err).contains(says),
            "{args:?}: {out}{err}"
        );
    }
}

/// The regulator (the demo's dev key) registers `city-hospital` (prefix
/// 9520009, GLN 9520009000005) on the node at `url` with the dev key as
/// its capturer; the dev key's account.
pub(crate) fn register_hospital(url: &str, key: &str) -> String {
    let me: Value = serde_json::from_str(&publica(&["keys", "show", key]).1).unwrap();
    let me = me["account"].as_str().unwrap().to_string();
    let (ok, out, err) = publica(&[
        "medicines",
        "register-party",
        "--key",
        key,
        "--agency",
        "health",
        "--id",
        "city-hospital",
        "--name",
        "City Hospital",
        "--kind",
        "hospital",
        "--prefix",
        "9520009",
        "--gln",
        "9520009000005",
        "--capturer",
        &me,
        "--node",
        url,
    ]);
    assert!(ok, "{out}{err}");
    me
}
