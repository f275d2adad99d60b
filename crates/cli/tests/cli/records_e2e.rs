//! Health records through the real binary on a demo node: a patient's
//! year — a record sealed and stored, a read refused then let through by
//! consent, the consent revoked, an emergency access and its review, a
//! legal hold, an erasure (the ciphertext deleted, the commitment kept
//! with a proof), a transfer, a guardian — and the patient's own
//! verification of their access log; then the store's crash safety.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_crypto::seal::DataKey;
use publica_crypto::Keypair;
use publica_types::Expiry;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const OBSERVATION: &str = r#"{
  "resourceType": "Observation",
  "id": "bp-1",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure"}]},
  "effectiveDateTime": "2026-03-02T09:30:00+01:00",
  "component": [
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
     "valueQuantity": {"value": 128, "unit": "mmHg"}}
  ]
}"#;

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn new_key(dir: &Path, name: &str) -> (String, String) {
    let path = dir.join(format!("{name}.json"));
    let p = path.to_str().unwrap().to_string();
    let (ok, out, err) = publica(&["keys", "new", "--out", &p, "--plain"]);
    assert!(ok, "{out}{err}");
    let v: Value = serde_json::from_str(&publica(&["keys", "show", &p]).1).unwrap();
    (p, v["account"].as_str().unwrap().to_string())
}

struct Cli {
    url: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--node", &self.url]);
        publica(&all)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (ok, out, err) = self.run(args);
        assert!(ok, "{args:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or(Value::Null)
    }

    /// Fails with `code` on stderr.
    fn refused(&self, args: &[&str], code: &str) {
        let (ok, out, err) = self.run(args);
        assert!(
            !ok && err.contains(code),
            "{args:?} should fail with {code}: {out}{err}"
        );
    }
}

fn member(cli: &Cli, admin: &str, agency: &str, account: &str, role: &str) {
    cli.ok(&[
        "tx",
        "send",
        "--key",
        admin,
        "--module",
        "identity",
        "--method",
        "add_member",
        "--args",
        &json!({"agency": agency, "account": account, "roles": [role]}).to_string(),
    ]);
}

#[test]
fn a_patients_year_consent_emergency_erasure_and_a_verified_access_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let cli = Cli {
        url: node.url.clone(),
    };
    let admin = data
        .join("dev-admin-key.json")
        .to_str()
        .unwrap()
        .to_string();
    let (patient, patient_id) = new_key(dir.path(), "patient");
    let (doctor, doctor_id) = new_key(dir.path(), "doctor");
    let (officer, officer_id) = new_key(dir.path(), "officer");
    let (stranger, _) = new_key(dir.path(), "stranger");
    member(&cli, &admin, "hospital", &doctor_id, "clinician");
    member(&cli, &admin, "hospital", &officer_id, "privacy_officer");
    let file = dir.path().join("bp.json");
    std::fs::write(&file, OBSERVATION).unwrap();
    let file = file.to_str().unwrap();

    // Bad input first: not FHIR, not a kept type.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"resourceType": "Observation", "status": "done", "code": {}}"#,
    )
    .unwrap();
    cli.refused(
        &[
            "records",
            "put",
            "--key",
            &admin,
            "--agency",
            "hospital",
            "--subject",
            &patient_id,
            bad.to_str().unwrap(),
        ],
        "records.invalid_resource",
    );
    // Only a custodian of the agency registers.
    cli.refused(
        &[
            "records",
            "put",
            "--key",
            &doctor,
            "--agency",
            "hospital",
            "--subject",
            &patient_id,
            file,
        ],
        "auth.unauthorized",
    );

    let put = cli.ok(&[
        "records",
        "put",
        "--key",
        &admin,
        "--agency",
        "hospital",
        "--subject",
        &patient_id,
        file,
    ]);
    let record = put["record"].as_str().unwrap().to_string();
    assert_eq!(put["record_type"], "Observation");
    let stored = data.join("records/blobs").join(&record[..2]).join(&record);
    assert!(stored.exists(), "the ciphertext is in the store");
    assert!(
        !std::fs::read_to_string(&stored)
            .unwrap_or_default()
            .contains("mmHg"),
        "stored encrypted"
    );

    // No consent yet: refused, and the attempt is logged.
    let read = |who: &str, extra: &[&str]| {
        let mut a = vec!["records", "read", "--key", who, "--record", &record];
        a.extend_from_slice(extra);
        a.iter().map(|s| (*s).to_string()).collect::<Vec<_>>()
    };
    let r = read(&doctor, &["--agency", "hospital"]);
    cli.refused(&refs(&r), "records.no_consent");

    cli.ok(&[
        "records",
        "grant",
        "--key",
        &patient,
        "--id",
        "care",
        "--to-agency",
        "hospital",
        "--purpose",
        "treatment",
        "--types",
        "Observation",
        "--days",
        "30",
    ]);
    // A stranger cannot consent for the patient.
    cli.refused(
        &[
            "records",
            "grant",
            "--key",
            &stranger,
            "--subject",
            &patient_id,
            "--id",
            "x",
            "--to-account",
            &doctor_id,
            "--purpose",
            "treatment",
        ],
        "records.not_the_subject",
    );
    // The consent is to the hospital's clinicians, for treatment.
    let r = read(&doctor, &["--agency", "hospital"]);
    let got = cli.ok(&refs(&r));
    assert_eq!(got, serde_json::from_str::<Value>(OBSERVATION).unwrap());
    let r = read(&doctor, &["--agency", "hospital", "--purpose", "research"]);
    cli.refused(&refs(&r), "records.no_consent");
    let r = read(&officer, &["--agency", "hospital"]);
    cli.refused(&refs(&r), "records.no_consent");

    // Revoked: refused again, and a release for an access let through
    // before the revocation is refused too.
    cli.ok(&["records", "revoke", "--key", &patient, "--id", "care"]);
    let r = read(&doctor, &["--agency", "hospital"]);
    cli.refused(&refs(&r), "records.consent_revoked");
    let log = cli.ok(&["records", "log", &patient_id]);
    let granted = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["basis"] == "consent")
        .unwrap();
    let (s, v) = post(
        &format!("{}/v1/records/release", node.url),
        &json!({"access": granted["access"]}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (403, Some("records.consent_revoked")),
        "{v}"
    );

    // Break the glass: let through without consent, logged as such,
    // reviewed by the privacy officer (not by the clinician).
    let r = read(
        &doctor,
        &["--agency", "hospital", "--emergency", "ED-2026-0042"],
    );
    assert_eq!(cli.ok(&refs(&r))["resourceType"], "Observation");
    let em = cli.ok(&["records", "emergencies", "hospital"]);
    let e = &em["entries"][0];
    assert_eq!(
        (e["overdue"].as_bool(), e["basis"]["kind"].as_str()),
        (Some(false), Some("emergency")),
        "{em}"
    );
    let access = e["id"].as_str().unwrap().to_string();
    cli.refused(
        &[
            "records", "review", "--key", &doctor, "--agency", "hospital", "--access", &access,
            "--note", "PRV-1",
        ],
        "auth.unauthorized",
    );
    cli.refused(
        &[
            "records",
            "review",
            "--key",
            &officer,
            "--agency",
            "hospital",
            "--access",
            &access,
            "--note",
            "the patient was unconscious",
        ],
        "records.invalid_field",
    );
    cli.ok(&[
        "records",
        "review",
        "--key",
        &officer,
        "--agency",
        "hospital",
        "--access",
        &access,
        "--note",
        "PRV-2026-7",
    ]);
    let v = cli.ok(&["read", "records", "access", &access]);
    assert_eq!(v["review"]["justified"], true, "{v}");
    assert_eq!(v["review"]["by"], json!(officer_id));
    cli.refused(
        &[
            "records", "review", "--key", &officer, "--agency", "hospital", "--access", &access,
            "--note", "PRV-3",
        ],
        "records.not_reviewable",
    );

    // The patient's log, each entry's receipt verified offline.
    let key = get(&format!("{}/v1/log", node.url)).1["verifier_key"]
        .as_str()
        .unwrap()
        .to_string();
    let log = cli.ok(&["records", "log", &patient_id, "--log-key", &key]);
    let kinds: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["basis"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "refused",
            "consent",
            "refused",
            "refused",
            "refused",
            "emergency"
        ],
        "{log}"
    );
    assert_eq!(log["verified"], 6);
    let other = Keypair::generate().account().to_hex();
    let other_log = cli.ok(&["records", "log", &other, "--log-key", &key]);
    assert_eq!(other_log["entries"], json!([]));

    // The hospital claims the visit from the patient's insurer with the
    // record as evidence: judged by the plan's rules and paid in the same
    // transaction; the insurer reads the evidence only under the patient's
    // consent for the purpose insurance_claim.
    cli.ok(&[
        "claims",
        "enrol",
        "--key",
        &admin,
        "--agency",
        "insurer",
        "--plan",
        "basic",
        "--member",
        &patient_id,
        "--from",
        "2026-01-01",
        "--until",
        "2026-12-31",
    ]);
    let paid = cli.ok(&[
        "claims",
        "submit",
        "--key",
        &admin,
        "--provider",
        "hospital",
        "--id",
        "visit-1",
        "--agency",
        "insurer",
        "--plan",
        "basic",
        "--member",
        &patient_id,
        "--date",
        "2026-03-02",
        "--diagnosis",
        "I10",
        "--item",
        "99213=15000",
        "--evidence",
        &record,
        "--payee",
        "hospital:claims",
    ]);
    assert_eq!(
        (paid["status"].as_str(), paid["paid"].as_str()),
        (Some("approved"), Some("12000")),
        "{paid}"
    );
    let admin_id: Value = serde_json::from_str(&publica(&["keys", "show", &admin]).1).unwrap();
    let admin_id = admin_id["account"].as_str().unwrap().to_string();
    let by_insurer = |extra: &[&str]| {
        let mut a = vec![
            "records",
            "read",
            "--key",
            &admin,
            "--record",
            &record,
            "--purpose",
            "insurance_claim",
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| (*s).to_string()).collect::<Vec<_>>()
    };
    cli.refused(&refs(&by_insurer(&[])), "records.no_consent");
    cli.ok(&[
        "records",
        "grant",
        "--key",
        &patient,
        "--id",
        "claim-visit-1",
        "--to-account",
        &admin_id,
        "--purpose",
        "insurance_claim",
        "--types",
        "Observation",
        "--days",
        "30",
    ]);
    assert_eq!(
        cli.ok(&refs(&by_insurer(&[])))["resourceType"],
        "Observation"
    );

    // A legal hold blocks erasure, with its reason; lifted, the patient
    // erases: the ciphertext goes, the commitment and the erasure stay.
    cli.ok(&[
        "records",
        "hold",
        "--key",
        &admin,
        "--agency",
        "hospital",
        "--record",
        &record,
        "--id",
        "case-7",
        "--reason",
        "COURT-2026-118",
    ]);
    let (ok, _, err) = cli.run(&["records", "erase", "--key", &patient, "--record", &record]);
    assert!(
        !ok && err.contains("records.legal_hold") && err.contains("COURT-2026-118"),
        "{err}"
    );
    cli.ok(&[
        "records", "hold", "--key", &admin, "--agency", "hospital", "--record", &record, "--id",
        "case-7", "--lift",
    ]);
    cli.refused(
        &["records", "erase", "--key", &stranger, "--record", &record],
        "records.not_the_subject",
    );
    cli.ok(&["records", "erase", "--key", &patient, "--record", &record]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while stored.exists() {
        assert!(
            Instant::now() < deadline,
            "the erased ciphertext is deleted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let v = cli.ok(&["read", "records", "record", &record]);
    assert_eq!(v["record"]["status"], "erased", "{v}");
    assert!(
        v["record"]["erased_ms"].as_u64().is_some() && v["proof"]["value_hex"].is_string(),
        "{v}"
    );
    let r = read(
        &doctor,
        &["--agency", "hospital", "--emergency", "ED-2026-0043"],
    );
    cli.refused(&refs(&r), "records.erased");
    let log = cli.ok(&["records", "log", &patient_id]);
    let last: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .take(2)
        .map(|e| e["basis"].as_str().unwrap())
        .collect();
    assert_eq!(last, ["refused", "erased"], "{log}");

    // A second record moves to another custodian by the patient's
    // transfer; a guardian appointed by the registry consents for them.
    let put = cli.ok(&[
        "records",
        "put",
        "--key",
        &admin,
        "--agency",
        "hospital",
        "--subject",
        &patient_id,
        file,
    ]);
    let second = put["record"].as_str().unwrap().to_string();
    assert_ne!(
        second, record,
        "a fresh data key and nonce: a new commitment"
    );
    cli.ok(&[
        "records", "transfer", "--key", &patient, "--record", &second, "--to", "clinic",
    ]);
    let v = cli.ok(&["read", "records", "record", &second]);
    assert_eq!(
        (
            v["record"]["custodian"].as_str(),
            v["record"]["transfers"][0]["from"].as_str()
        ),
        (Some("clinic"), Some("hospital"))
    );
    let (guardian, guardian_id) = new_key(dir.path(), "guardian");
    cli.refused(
        &[
            "records",
            "grant",
            "--key",
            &guardian,
            "--subject",
            &patient_id,
            "--id",
            "g1",
            "--to-account",
            &doctor_id,
            "--purpose",
            "treatment",
        ],
        "records.not_the_subject",
    );
    cli.ok(&[
        "records",
        "guardian",
        "--key",
        &admin,
        "--agency",
        "registry",
        "--subject",
        &patient_id,
        "--guardian",
        &guardian_id,
    ]);
    cli.ok(&[
        "records",
        "grant",
        "--key",
        &guardian,
        "--subject",
        &patient_id,
        "--id",
        "g1",
        "--to-account",
        &doctor_id,
        "--purpose",
        "treatment",
    ]);
    let r = vec![
        "records".to_string(),
        "read".into(),
        "--key".into(),
        doctor.clone(),
        "--record".into(),
        second.clone(),
    ];
    assert_eq!(cli.ok(&refs(&r))["resourceType"], "Observation");
    let consents = cli.ok(&["read", "records", "consents", &patient_id]);
    let live: Vec<bool> = consents["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["live"].as_bool().unwrap())
        .collect();
    // The revoked care consent, the insurer's, the guardian's.
    assert_eq!(live, [false, true, true], "{consents}");

    // A damaged store is named as such, never served.
    let stored2 = data.join("records/blobs").join(&second[..2]).join(&second);
    let mut bytes = std::fs::read(&stored2).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&stored2, &bytes).unwrap();
    cli.refused(&refs(&r), "records.store_corrupt");

    // Unknown access, malformed requests.
    let (s, v) = post(
        &format!("{}/v1/records/release", node.url),
        &json!({"access": "00".repeat(32)}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("records.unknown_access"))
    );
    let (s, v) = post(
        &format!("{}/v1/records/release", node.url),
        &json!({"access": "zz"}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("records.invalid_field"))
    );
}

/// An upload straight to the store's route, expiring `expires_in_ms` from
/// now: (status, answer, record id).
fn upload(
    url: &str,
    custodian: &Keypair,
    patient: &str,
    nonce: u64,
    expires_in_ms: u64,
) -> Option<(u16, Value)> {
    use base64::Engine as _;
    let key: Value = http()
        .get(format!("{url}/v1/records/store"))
        .send()
        .ok()?
        .json()
        .ok()?;
    let store_key: [u8; 32] = hex::decode(key["public_key"].as_str()?)
        .unwrap()
        .try_into()
        .unwrap();
    let dk = DataKey::generate();
    let ct = dk.encrypt(OBSERVATION.as_bytes(), b"publica/records/v1/Observation");
    let record = publica_store::blobs::id_of(&ct);
    let args = json!({"agency": "dev-agency", "record": record, "subject": patient, "record_type": "Observation", "size": ct.len()});
    let env = sign(
        custodian,
        "publica-dev",
        nonce,
        Expiry::UnixMs(publica_types::now_ms() + expires_in_ms),
        "records",
        "register",
        args,
    );
    let body = json!({"tx": env, "ciphertext": base64::engine::general_purpose::STANDARD.encode(&ct),
        "wrapped_key": hex::encode(dk.wrap_for(&store_key).unwrap())});
    let r = http()
        .post(format!("{url}/v1/records/store"))
        .json(&body)
        .send()
        .ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().unwrap_or(Value::Null)))
}

fn stored_ids(data: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(data.join("records/blobs"))
        .unwrap()
        .flatten()
    {
        for f in std::fs::read_dir(shard.path()).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".meta") {
                out.push(id.to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_store_survives_kill_9_without_a_record_lacking_its_ciphertext_or_an_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let admin = dev_admin(dir.path());
    let patient = Keypair::generate().account().to_hex();
    let grant = sign(
        &admin,
        "publica-dev",
        1,
        Expiry::Height(1_000_000),
        "identity",
        "grant_role",
        json!({"agency": "dev-agency", "account": admin.account(), "role": "custodian"}),
    );
    let r = receipt(&node, submit(&node, &grant).1["tx_id"].as_str().unwrap());
    assert_eq!(r["outcome"]["status"], "ok", "{r}");

    // Only a custodian's upload is written at all.
    let (s, v) = upload(&node.url, &Keypair::generate(), &patient, 1, 3_000).unwrap();
    assert_eq!(
        (s, v["code"].as_str()),
        (403, Some("auth.unauthorized")),
        "{v}"
    );
    assert!(stored_ids(dir.path()).is_empty());
    // An expiry too far is refused, and nothing is kept.
    let (s, v) = upload(&node.url, &admin, &patient, 2, 3_600_000).unwrap();
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("records.invalid_field")),
        "{v}"
    );
    assert!(stored_ids(dir.path()).is_empty());

    // Uploads in a stream, killed mid-way; registrations expire in 3 s.
    let (url, who) = (node.url.clone(), patient.clone());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = count.clone();
    let writer = std::thread::spawn(move || {
        let mut done = 0u64;
        for nonce in 2..100_000u64 {
            if upload(&url, &admin, &who, nonce, 3_000).is_none_or(|(s, _)| s != 202) {
                break;
            }
            done += 1;
            counter.store(done, std::sync::atomic::Ordering::SeqCst);
        }
        done
    });
    while count.load(std::sync::atomic::Ordering::SeqCst) < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    node.kill9();
    let uploaded = writer.join().unwrap();
    assert!(uploaded > 0, "uploads went through before the kill");
    std::thread::sleep(Duration::from_millis(3_500));
    // Every upload the store acknowledged is durable.
    let before = stored_ids(dir.path());
    assert!(
        before.len() as u64 >= uploaded,
        "{} stored, {uploaded} acknowledged",
        before.len()
    );

    let node = TestNode::start_in(dir.path(), &[]);
    // Expiry is judged by the chain's clock: a block after the restart
    // moves it past the uncommitted registrations' expiry.
    let tick = Keypair::generate();
    receipt(
        &node,
        submit(&node, &note_tx(&tick, 1, "")).1["tx_id"]
            .as_str()
            .unwrap(),
    );
    let mut registered: Vec<String> = Vec::new();
    loop {
        let page = get(&format!(
            "{}/v1/records/subjects/{patient}/records?limit=200&from={}",
            node.url,
            registered.len()
        ))
        .1;
        let entries = page["entries"].as_array().unwrap();
        registered.extend(
            entries
                .iter()
                .map(|e| e["record"].as_str().unwrap().to_string()),
        );
        if page["next"].is_null() {
            break;
        }
    }
    assert!(
        !registered.is_empty(),
        "some registrations committed before the kill"
    );
    eprintln!(
        "uploaded {uploaded}, stored before restart {}, registered {}, stored after restart {}",
        before.len(),
        registered.len(),
        stored_ids(dir.path()).len()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stored = stored_ids(dir.path());
        for r in &registered {
            assert!(
                stored.contains(r),
                "record {r} is on the ledger without its ciphertext"
            );
        }
        let mut ledger = registered.clone();
        ledger.sort();
        if stored == ledger {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "orphan ciphertexts left after recovery: {} stored, {} on the ledger",
            stored.len(),
            ledger.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
