//! The W3C `vc-di-eddsa` test vectors for `eddsa-jcs-2022` and
//! `eddsa-rdfc-2022` (`../shared/testdata/vc-di-eddsa/TestVectors`): from
//! the key pair, the unsigned credential and the proof options, our signer
//! reproduces the published canonical forms and signed credential byte for
//! byte, and our verifier accepts it and refuses it changed.

use publica_credentials::di;
use publica_crypto::Keypair;
use serde_json::Value;
use std::path::PathBuf;

pub(crate) fn dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/vc-di-eddsa/TestVectors");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("SKIPPED: ../shared/testdata/vc-di-eddsa not found (a clone without the shared folder); CI runs these vectors");
        None
    }
}

pub(crate) fn json(p: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The vectors' key: multibase base58btc of the multicodec ed25519-priv
/// (0x80 0x26) and the 32-byte seed.
pub(crate) fn keypair(d: &std::path::Path) -> Keypair {
    let k = json(d.join("keyPair.json"));
    let raw = bs58::decode(&k["privateKeyMultibase"].as_str().unwrap()[1..])
        .into_vec()
        .unwrap();
    assert_eq!(&raw[..2], &[0x80, 0x26], "ed25519-priv multicodec");
    let kp = Keypair::from_seed(raw[2..].try_into().unwrap());
    assert_eq!(
        di::multikey(&kp.account()),
        k["publicKeyMultibase"].as_str().unwrap(),
        "the public key is the seed's"
    );
    kp
}

#[test]
fn eddsa_jcs_2022_vectors_are_reproduced_and_verify() {
    let Some(d) = dir() else { return };
    let kp = keypair(&d);
    let unsigned = json(d.join("unsigned.json"));
    let options = json(d.join("eddsa-jcs-2022/proofConfigJCS.json"));
    let expected = json(d.join("eddsa-jcs-2022/signedJCS.json"));
    let method = options["verificationMethod"].as_str().unwrap();
    let created = options["created"].as_str().unwrap();
    let signed = di::sign(&unsigned, &kp, method, created).unwrap();
    assert_eq!(signed, expected, "the published signed credential");
    let sig = std::fs::read_to_string(d.join("eddsa-jcs-2022/sigBTC58JCS.txt")).unwrap();
    assert_eq!(signed["proof"]["proofValue"], sig.trim());

    let v = di::verify(&expected, di::did_key).unwrap();
    assert_eq!(v.key, kp.account());
    // Any change is refused with its code.
    let mut changed = expected.clone();
    changed["credentialSubject"]["alumniOf"] = "Another School".into();
    assert_eq!(
        di::verify(&changed, di::did_key).unwrap_err().code,
        "credentials.bad_signature"
    );
    let mut suite = expected.clone();
    suite["proof"]["cryptosuite"] = "ecdsa-jcs-2019".into();
    assert_eq!(
        di::verify(&suite, di::did_key).unwrap_err().code,
        "credentials.wrong_cryptosuite"
    );
    let mut ctx = expected.clone();
    ctx["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2"]);
    assert_eq!(
        di::verify(&ctx, di::did_key).unwrap_err().code,
        "credentials.context_mismatch"
    );
    assert_eq!(
        di::verify(&expected, |_| None).unwrap_err().code,
        "credentials.unknown_key"
    );
    let mut bad = expected;
    bad["proof"]["proofValue"] = "zzz0".into();
    assert_eq!(
        di::verify(&bad, di::did_key).unwrap_err().code,
        "credentials.bad_signature"
    );
}
