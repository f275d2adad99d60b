//! GS1 identifiers: every EPC URI and Digital Link of a supported scheme in
//! GS1's EPCIS 2.0 examples (`../shared/testdata/gs1-epcis/JSON`) parses, the
//! others are refused by name; both forms of an identifier give one key
//! (property tests over generated numbers).

use proptest::prelude::*;
use publica_medicines::gs1::{self, check_digit, Id};
use std::path::PathBuf;

fn examples() -> Option<Vec<String>> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/gs1-epcis/JSON");
    if !d.is_dir() {
        eprintln!("SKIPPED: ../shared/testdata/gs1-epcis not found (a clone without the shared folder); CI runs these examples");
        return None;
    }
    let mut texts = vec![];
    let mut dirs = vec![d];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonld") {
                texts.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    Some(texts)
}

/// Every string value in the examples that is an EPC URI or a GS1 Digital
/// Link.
fn identifiers(texts: &[String]) -> Vec<String> {
    let mut out = vec![];
    for t in texts {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::String(s)
                    if s.starts_with("urn:epc:id:")
                        || s.starts_with("urn:epc:class:")
                        || s.starts_with("urn:epc:idpat:")
                        || s.starts_with("https://id.gs1.org/") =>
                {
                    out.push(s);
                }
                serde_json::Value::Array(a) => stack.extend(a),
                serde_json::Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn gs1_epcis_examples_identifiers_parse_or_are_refused_by_scheme() {
    let Some(texts) = examples() else { return };
    let ids = identifiers(&texts);
    assert!(ids.len() >= 50, "{} identifiers", ids.len());
    let (mut parsed, mut refused) = (0, 0);
    for uri in &ids {
        let supported = [
            "urn:epc:id:sgtin:",
            "urn:epc:class:lgtin:",
            "urn:epc:id:sscc:",
            "urn:epc:id:sgln:",
        ]
        .iter()
        .any(|p| uri.starts_with(p))
            || ["/01/", "/00/", "/414/"].iter().any(|ai| uri.contains(ai));
        match gs1::parse(uri) {
            Ok(id) => {
                assert!(supported, "{uri} parsed but is of an unsupported scheme");
                // The Digital Link form reads back to the same identifier.
                assert_eq!(gs1::parse(&id.digital_link()).unwrap(), id, "{uri}");
                parsed += 1;
            }
            Err(e) => {
                // GS1's examples are valid: only unsupported schemes, and
                // Digital Links naming a product class, are refused.
                let s = e.to_string();
                assert!(
                    s.contains("unsupported") || s.contains("names a product"),
                    "{uri}: {s}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        parsed >= 40 && refused >= 10,
        "{parsed} parsed, {refused} refused"
    );
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n)
        .prop_map(|d| d.into_iter().map(|x| char::from(b'0' + x)).collect())
}

proptest! {
    #[test]
    fn an_sgtin_has_one_key_in_both_forms(
        cp_len in 6usize..=12,
        all in digits(13),
        serial in "[A-Za-z0-9!'()*+,.:;=_-]{1,20}",
    ) {
        let (cp, ir) = (&all[1..=cp_len], format!("{}{}", &all[..1], &all[cp_len + 1..]));
        let epc = format!("urn:epc:id:sgtin:{cp}.{ir}.{serial}");
        let id = gs1::parse(&epc).unwrap();
        let Id::Sgtin { gtin, .. } = &id else { panic!("an sgtin") };
        prop_assert_eq!(gtin.len(), 14);
        prop_assert_eq!(gtin.chars().last().unwrap(), check_digit(&gtin[..13]));
        prop_assert!(id.has_prefix(cp));
        prop_assert_eq!(gs1::parse(&id.digital_link()).unwrap(), id.clone());
        // Any other check digit is refused.
        let wrong = (gtin.as_bytes()[13] - b'0' + 1) % 10;
        let bad = format!("https://id.gs1.org/01/{}{wrong}/21/1", &gtin[..13]);
        prop_assert!(gs1::parse(&bad).is_err());
    }
}
