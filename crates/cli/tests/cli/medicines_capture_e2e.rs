//! EPCIS capture, query and verification through the real binary on a
//! demo node: the demo's shipment verified pack by pack (authentic,
//! dispensed, recalled, counterfeit), its events queried page by page with
//! their receipts, a recall's reach; a hospital's document checked,
//! refused whole for one invalid event, captured, and refused event by
//! event when captured twice.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::{json, Value};

fn pack(n: u32) -> String {
    format!("urn:epc:id:sgtin:9520001.000001.{n}")
}

#[test]
fn a_shipment_is_captured_queried_and_verified() {
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
    // The demo's packs: one at the north pharmacy, one dispensed, one of
    // the recalled lot, one never commissioned.
    let (ok, out, err) = run(&["medicines", "verify", &pack(2)]);
    assert!(ok, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["custodian"], "pharmacy-north", "{v}");
    let chain: Vec<&str> = v["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["party"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["pharmaco", "distrib", "pharmacy-north"]);
    assert_eq!(
        v["proofs"][0]["key"],
        "medicines/item/01/09520001000010/21/2"
    );
    for (n, says) in [
        (1, "not authentic: dispensed"),
        (19, "not authentic: recalled"),
        (999_999, "not authentic: not_commissioned"),
    ] {
        let (ok, out, err) = run(&["medicines", "verify", &pack(n)]);
        assert!(!ok && err.contains(says), "{n}: {out}{err}");
    }
    // The Digital Link names the same pack.
    let (ok, _, err) = run(&[
        "medicines",
        "verify",
        "https://id.gs1.org/01/09520001000010/21/7",
    ]);
    assert!(ok, "{err}");

    // The portal answers a pharmacist the same, in the reader's language.
    let portal = |uri: &str, lang: &str| {
        http()
            .get(format!(
                "{url}/medicines?uri={}",
                publica_types::uri::encode(uri)
            ))
            .header("accept", "text/html")
            .header("accept-language", lang)
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let body = portal(&pack(2), "en");
    assert!(
        body.contains("Yes: commissioned by its licensed manufacturer")
            && body.contains("North Pharmacy")
            && body.contains("National Distribution")
            && body.contains("A1234"),
        "{body}"
    );
    let body = portal(&pack(1), "en");
    assert!(
        body.contains("Do not dispense this pack") && body.contains("dispensed already"),
        "{body}"
    );
    let body = portal(&pack(19), "es");
    assert!(
        body.contains("No dispense este envase")
            && body.contains("Out-of-specification dissolution"),
        "{body}"
    );
    let body = portal(&pack(999_999), "en");
    assert!(body.contains("may be counterfeit"), "{body}");

    // A recall's reach: the lot's six packs, all at the manufacturer.
    let (ok, out, err) = run(&["medicines", "reach", "recall-b5678"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["packs"].as_array().unwrap().len(), 6, "{v}");
    assert_eq!(v["by_custodian"], json!({"pharmaco": 6}));
    assert_eq!(v["total_commissioned"], 24);

    // The events of pack 2, two per page, each with its receipt.
    let mut events = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut args = vec![
            "medicines",
            "events",
            "--epc",
            "https://id.gs1.org/01/09520001000010/21/2",
            "--per-page",
            "2",
        ];
        if let Some(p) = &page {
            args.extend_from_slice(&["--page", p]);
        }
        let (ok, out, err) = run(&args);
        assert!(ok, "{err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["type"], "EPCISQueryDocument");
        let list = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
            .clone();
        assert!(list.len() <= 2);
        events.extend(list);
        match doc["publica:nextPageToken"].as_str() {
            Some(t) => page = Some(t.to_string()),
            None => break,
        }
    }
    let steps: Vec<&str> = events
        .iter()
        .map(|e| e["bizStep"].as_str().unwrap())
        .collect();
    // Events name the pack itself; while it was in the case, the case's.
    assert_eq!(steps, ["commissioning", "packing", "shipping", "receiving"]);
    let (_, out, _) = run(&[
        "medicines",
        "events",
        "--epc",
        "urn:epc:id:sscc:9520001.0000000001",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let case: Vec<&str> = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["bizStep"].as_str().unwrap())
        .collect();
    assert_eq!(case, ["packing", "shipping", "receiving", "unpacking"]);
    let tx = events[2]["publica:receipt"]["txId"].as_str().unwrap();
    let receipt: Value = http()
        .get(format!("{url}/v1/transactions/{tx}"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(receipt["outcome"]["status"], "ok", "{receipt}");
    // By business step and time window.
    let (ok, out, _) = run(&[
        "medicines",
        "events",
        "--biz-step",
        "dispensing",
        "--since",
        "2000-01-01T00:00:00Z",
    ]);
    assert!(ok);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, out, _) = run(&[
        "medicines",
        "events",
        "--type",
        "AggregationEvent",
        "--until",
        "2000-01-01T00:00:00Z",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap()
        .is_empty());

    // A hospital, capturing with the dev key, commissions its own packs.
    super::medicines_e2e::register_hospital(&url, key);
    let now = publica_medicines::hash::format_time(publica_types::now_ms());
    let commission = json!({"type": "ObjectEvent", "eventTime": now, "eventTimeZoneOffset": "+00:00",
        "action": "ADD", "bizStep": "commissioning",
        "epcList": ["urn:epc:id:sgtin:9520009.012345.1", "urn:epc:id:sgtin:9520009.012345.2"],
        "bizLocation": {"id": "urn:epc:id:sgln:9520009.00000.0"}});
    let dispense = json!({"type": "ObjectEvent", "eventTime": now, "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE", "bizStep": "dispensing", "epcList": ["urn:epc:id:sgtin:9520009.012345.1"]});
    let foreign = json!({"type": "ObjectEvent", "eventTime": now, "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE", "epcList": ["urn:epc:id:grai:9520009.12345.1"]});
    let doc = |events: Vec<&Value>| {
        json!({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
               "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": now,
               "epcisBody": {"eventList": events}})
    };
    let file = dir.path().join("doc.jsonld");
    std::fs::write(
        &file,
        doc(vec![&commission, &foreign, &dispense]).to_string(),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (ok, out, err) = run(&["medicines", "capture", "--key", key, f]);
    assert!(
        !ok && err.contains("1 of 3 events are invalid"),
        "{out}{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["type"], "epcisException:ValidationException");
    assert_eq!(v["errors"][0]["index"], 1);
    assert_eq!(v["errors"][0]["code"], "medicines.unsupported_event");
    std::fs::write(&file, doc(vec![&commission, &dispense]).to_string()).unwrap();
    let (ok, out, err) = run(&["medicines", "capture", "--key", key, "--check", f]);
    assert!(ok && out.contains("ni:///sha-256;"), "{out}{err}");
    let checked: Value = serde_json::from_str(&out).unwrap();
    // The same hashes from `hash`, which reads the file only.
    let (ok, out, err) = publica(&["medicines", "hash", "--prehash", f]);
    assert!(ok, "{err}");
    let hashed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        hashed["events"][1]["eventHash"],
        checked["events"][1]["eventHash"]
    );
    assert!(hashed["events"][0]["prehash"]
        .as_str()
        .unwrap()
        .starts_with("eventType=ObjectEventeventTime="));
    let (ok, out, err) = run(&["medicines", "capture", "--key", key, f]);
    assert!(ok, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["captured"], 2, "{v}");
    let (ok, _, err) = run(&["medicines", "verify", "urn:epc:id:sgtin:9520009.012345.1"]);
    assert!(!ok && err.contains("dispensed"), "{err}");
    // Round trip: the query returns the events as captured (each with the
    // document's context), plus their record time and receipt.
    let (_, out, _) = run(&[
        "medicines",
        "events",
        "--epc",
        "urn:epc:id:sgtin:9520009.012345.1",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut back = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap()
        .clone();
    for e in &mut back {
        let o = e.as_object_mut().unwrap();
        assert!(o.remove("recordTime").is_some() && o.remove("publica:receipt").is_some());
    }
    let context = json!(["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]);
    let sent: Vec<Value> = [&commission, &dispense]
        .iter()
        .map(|e| {
            let mut e = (*e).clone();
            e["@context"] = context.clone();
            e
        })
        .collect();
    assert_eq!(back, sent);
    let (ok, _, err) = run(&["medicines", "verify", "urn:epc:id:sgtin:9520009.012345.2"]);
    assert!(ok, "{err}");
    // Twice: each event refused as a duplicate, nothing changed.
    let (ok, out, err) = run(&["medicines", "capture", "--key", key, f]);
    assert!(
        !ok && err.contains("2 of 2 events were not captured"),
        "{out}{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["results"][0]["error"]["code"], "medicines.duplicate_event",
        "{v}"
    );
    // Bad input, each with its reason.
    std::fs::write(&file, "{\"type\": \"EPCISDocument\"}").unwrap();
    for (args, says) in [
        (
            vec!["medicines", "capture", "--key", key, f],
            "epcisBody.eventList is required",
        ),
        (
            vec!["medicines", "verify", "urn:epc:id:giai:9520001.1"],
            "unsupported",
        ),
        (
            vec!["medicines", "events", "--since", "yesterday"],
            "GE_eventTime is an RFC 3339",
        ),
        (
            vec!["medicines", "reach", "nope"],
            "medicines.unknown_recall",
        ),
        (
            vec![
                "medicines",
                "recall",
                "--key",
                key,
                "--id",
                "r2",
                "--gtin",
                "0952000100001",
                "--reason",
                "x",
            ],
            "--gtin is a GTIN-14",
        ),
    ] {
        let (ok, out, err) = run(&args);
        assert!(
            !ok && (out.clone() + &err).contains(says),
            "{args:?}: {out}{err}"
        );
    }
    // The regulator recalls the whole product.
    let (ok, out, err) = run(&[
        "medicines",
        "recall",
        "--key",
        key,
        "--agency",
        "health",
        "--id",
        "recall-all",
        "--gtin",
        "09520001000010",
        "--reason",
        "Labelling error",
    ]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = run(&["medicines", "verify", &pack(2)]);
    assert!(!ok && err.contains("recalled"), "{err}");
}
