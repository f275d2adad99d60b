//! Checks the test vectors published in `docs/transactions.md`: the document
//! is the specification, so the code must agree with it byte for byte.

use publica_crypto::{tx_id, verify, Keypair};
use publica_types::{canonical, TxBody};
use std::collections::HashMap;

fn vectors() -> Vec<HashMap<String, String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/transactions.md");
    let doc = std::fs::read_to_string(path).expect("docs/transactions.md exists");
    let mut out = Vec::new();
    let mut current: Option<HashMap<String, String>> = None;
    for line in doc.lines() {
        if line.trim() == "```vector" {
            current = Some(HashMap::new());
        } else if line.trim() == "```" {
            if let Some(v) = current.take() {
                out.push(v);
            }
        } else if let Some(v) = current.as_mut() {
            let (k, val) = line
                .split_once(": ")
                .expect("vector lines are 'name: value'");
            v.insert(k.to_string(), val.to_string());
        }
    }
    out
}

#[test]
fn documented_vectors_hold() {
    let vs = vectors();
    assert!(vs.len() >= 2, "docs/transactions.md lists its vectors");
    for v in vs {
        let seed: [u8; 32] = hex::decode(&v["seed"]).unwrap().try_into().unwrap();
        let kp = Keypair::from_seed(seed);
        assert_eq!(kp.account().to_hex(), v["signer"]);
        let body: TxBody = serde_json::from_str(&v["body"]).expect("body parses");
        body.validate_shape().expect("vector body is valid");
        let bytes = body.signing_bytes().unwrap();
        assert_eq!(hex::encode(&bytes), v["signing_bytes_hex"], "signing bytes");
        // The JCS part equals canonicalising the raw JSON as written.
        let raw: serde_json::Value = serde_json::from_str(&v["body"]).unwrap();
        assert!(bytes.ends_with(&canonical::to_canonical_bytes(&raw).unwrap()));
        assert_eq!(tx_id(&kp.account(), &bytes).to_hex(), v["tx_id"], "tx id");
        let sig = kp.sign(&bytes);
        assert_eq!(sig.to_hex(), v["signature"], "Ed25519 is deterministic");
        assert!(verify(&kp.account(), &bytes, &sig).is_ok());
        let mut tampered = bytes.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(verify(&kp.account(), &tampered, &sig).is_err());
    }
}
