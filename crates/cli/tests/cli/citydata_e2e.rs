//! City data through the real binary on a dev node: an open feed's batch
//! published by `publica data publish` (content to the node's store, hash
//! to the ledger) and downloaded by `publica data get`, checked against
//! the ledger's hash; an upload whose content is not what its
//! transaction names refused with nothing stored or committed; a
//! restricted data set granted to a second agency for a purpose, read by
//! its member with `publica data read` (access recorded, request signed),
//! refused for another purpose, to an unsigned or foreign request and
//! over the open route.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use base64::Engine as _;
use publica_types::Expiry;
use serde_json::{json, Value};

#[test]
fn open_and_restricted_batches_are_served_and_checked_against_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &[]);
    let url = node.url.clone();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let admin = dev_admin_path(&data);
    let send = |key: &str, module: &str, method: &str, args: &Value| {
        send_tx(&url, key, module, method, args);
    };
    let me = dev_admin(&data).account().to_hex();
    let a = "dev-agency";
    send(
        &admin,
        "identity",
        "grant_role",
        &json!({"agency": a, "account": me, "role": "oracle"}),
    );
    let (ok, _, err) = publica(&["keys", "new", "--plain", "--out", &path("planner.json")]);
    assert!(ok, "{err}");
    let planner: Value =
        serde_json::from_str(&publica(&["keys", "show", &path("planner.json")]).1).unwrap();
    send(
        &admin,
        "identity",
        "propose",
        &json!({"as_agency": a, "action": {"kind": "create_agency", "id": "transport",
        "name": "Transport Authority", "administrators": [planner["account"]], "policy_threshold": 1}}),
    );
    for (id, kind, access) in [("traffic", "feed", "open"), ("water", "dataset", "purpose")] {
        send(
            &admin,
            "citydata",
            "register",
            &json!({"agency": a, "id": id, "kind": kind,
            "schema": "urn:city:counts:v1", "licence": "CC-BY-4.0", "access": access}),
        );
    }

    // An open feed: published by the binary, downloaded and checked.
    let now = publica_types::now_ms();
    let csv = "sensor,hour,vehicles\nA1,08,412\nA1,09,388\n";
    std::fs::write(path("traffic.csv"), csv).unwrap();
    let publish = |dataset: &str, file: &str| {
        publica(&[
            "data",
            "publish",
            "--key",
            &admin,
            "--node",
            &url,
            "--agency",
            a,
            "--dataset",
            dataset,
            "--start-ms",
            &(now - 7_200_000).to_string(),
            "--end-ms",
            &(now - 3_600_000).to_string(),
            &path(file),
        ])
    };
    let (ok, out, err) = publish("traffic", "traffic.csv");
    assert!(ok, "{out} {err}");
    let published: Value = serde_json::from_str(&out).unwrap();
    let hash = publica_crypto::sha256(csv.as_bytes()).to_hex();
    assert_eq!(
        (published["seq"].as_u64(), published["hash"].as_str()),
        (Some(1), Some(hash.as_str()))
    );
    let (status, batch) = get(&format!("{url}/v1/citydata/{a}/traffic/batches/1"));
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch["batch"]["hash"], hash);
    let (ok, out, err) = publica(&[
        "data",
        "get",
        "--node",
        &url,
        "--agency",
        a,
        "--dataset",
        "traffic",
        "--batch",
        "1",
        "--out",
        &path("got.csv"),
    ]);
    assert!(ok, "{out} {err}");
    assert_eq!(std::fs::read_to_string(path("got.csv")).unwrap(), csv);
    // The feed's next batch cannot go back in time.
    let (ok, _, err) = publish("traffic", "traffic.csv");
    assert!(!ok && err.contains("citydata.out_of_order"), "{err}");

    // Content that is not what the transaction names is refused before
    // anything is stored or submitted.
    let kp = dev_admin(&data);
    let (_, nonce) = get(&format!("{url}/v1/accounts/{me}/nonce"));
    let env = sign(
        &kp,
        "publica-dev",
        nonce["next_nonce"].as_u64().unwrap(),
        Expiry::UnixMs(publica_types::now_ms() + 60_000),
        "citydata",
        "publish",
        json!({"agency": a, "dataset": "water", "hash": hash, "bytes": csv.len(),
            "start_ms": now - 10, "end_ms": now - 1, "media_type": "text/csv"}),
    );
    let (status, err) = post(
        &format!("{url}/v1/data-store"),
        &json!({"tx": env, "content": base64::engine::general_purpose::STANDARD.encode("not the same content")}),
    );
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("citydata.hash_mismatch")),
        "{err}"
    );
    let (_, water) = get(&format!("{url}/v1/citydata/{a}/water"));
    assert_eq!(water["dataset"]["batches"], 0, "{water}");

    // A restricted data set, granted to transport for planning.
    std::fs::write(path("water.csv"), "district,m3\nnorth,1200\n").unwrap();
    let (ok, out, err) = publish("water", "water.csv");
    assert!(ok, "{out} {err}");
    send(
        &admin,
        "citydata",
        "grant",
        &json!({"agency": a, "dataset": "water", "grantee": "transport", "purpose": "planning"}),
    );
    let (status, refused) = get(&format!("{url}/v1/data-store/{a}/water/1"));
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("citydata.bad_access")),
        "{refused}"
    );
    let read = |purpose: &str, out: &str| {
        publica(&[
            "data",
            "read",
            "--key",
            &path("planner.json"),
            "--node",
            &url,
            "--agency",
            a,
            "--dataset",
            "water",
            "--batch",
            "1",
            "--as-agency",
            "transport",
            "--purpose",
            purpose,
            "--out",
            &path(out),
        ])
    };
    let (ok, out, err) = read("planning", "w.csv");
    assert!(ok, "{out} {err}");
    assert_eq!(
        std::fs::read_to_string(path("w.csv")).unwrap(),
        "district,m3\nnorth,1200\n"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let access = report["access"].as_str().unwrap().to_string();
    let (_, log) = get(&format!("{url}/v1/citydata/{a}/water/accesses"));
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["entries"][0]["grantee"], "transport");
    let (ok, _, err) = read("marketing", "m.csv");
    assert!(!ok && err.contains("citydata.no_grant"), "{err}");
    assert!(!std::path::Path::new(&path("m.csv")).exists());
    // The access's id is public: a request signed by anyone else is refused.
    let t = publica_types::now_ms();
    let foreign = kp.sign(&publica_energy::citydata::model::download_bytes(
        "publica-dev",
        &access,
        t,
    ));
    let (status, refused) = post(
        &format!("{url}/v1/data-store/{a}/water/1"),
        &json!({"access": access, "time_ms": t, "signature": foreign}),
    );
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("citydata.bad_access")),
        "{refused}"
    );
}
