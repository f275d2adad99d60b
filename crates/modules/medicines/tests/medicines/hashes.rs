//! The EPCIS 2.0 event hash against the vectors published with GS1's
//! reference implementation: every pre-hash string and hash reproduced.
//! (GS1's own EPCIS 2.0 examples carry `ni:` event IDs too, but they are
//! placeholders, the same ID on different events, so they are no test.)

use super::hash_vectors::VECTORS;
use publica_medicines::hash;
use serde_json::Value;

#[test]
fn reference_vectors_are_reproduced() {
    for (name, event, prehash, expected) in VECTORS {
        let event: Value = serde_json::from_str(event).unwrap();
        assert_eq!(
            hash::prehash(&event).unwrap(),
            *prehash,
            "vector {name}: pre-hash"
        );
        assert_eq!(
            hash::event_hash(&event).unwrap().0,
            *expected,
            "vector {name}: hash"
        );
    }
}

fn examples() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/gs1-epcis/JSON");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/testdata/gs1-epcis is absent (CI has it)");
        None
    }
}

fn jsonld_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            jsonld_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "jsonld") {
            out.push(p);
        }
    }
}

/// GS1's EPCIS 2.0 examples (all valid against GS1's schema): each event
/// is read or refused with a reason, never a panic, and hashes.
#[test]
fn gs1_examples_are_read_or_refused_by_name() {
    let Some(dir) = examples() else { return };
    let mut paths = Vec::new();
    jsonld_files(&dir, &mut paths);
    paths.sort();
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    let mut accepted = 0;
    for p in &paths {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let Ok(events) = publica_medicines::epcis::document_events(&doc) else {
            continue;
        };
        for e in events {
            hash::event_hash(&e).unwrap();
            match publica_medicines::epcis::read(&e) {
                Ok(_) => accepted += 1,
                Err(err) => {
                    let why = err.to_string();
                    *reasons
                        .entry(why.split(':').next().unwrap().to_string())
                        .or_default() += 1;
                }
            }
        }
    }
    eprintln!("accepted {accepted}; refused {reasons:#?}");
    assert!(accepted >= 10, "{accepted}");
}

/// Identifiers with letters where digits belong, or characters of more
/// than one byte where a key's digits end, hash as they are (found by the
/// fuzzer: they once panicked computing a check digit or cutting a key).
#[test]
fn malformed_identifiers_hash_as_they_are() {
    for id in [
        "urn:epc:id:sgln:1234567.abcde.0",
        "urn:epc:id:pgln:1234567.abcd",
        "urn:epc:id:gdti:1234567.abcd.1",
        "urn:epc:id:grai:1234567.abcd.1",
        "urn:epc:id:gsrn:1234567.abcdefghij",
        "https://id.gs1.org/253/123456789012é",
        "https://id.gs1.org/8003/1234567890123é",
    ] {
        let e = serde_json::json!({"type": "ObjectEvent", "eventTime": "2026-12-05T10:00:00Z",
            "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "epcList": [id]});
        let pre = hash::prehash(&e).unwrap();
        assert!(pre.contains(&format!("epc={id}")), "{pre}");
    }
}
