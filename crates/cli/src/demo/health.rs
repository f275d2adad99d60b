//! The demo's health records: City Hospital keeps three records of demo
//! citizen 1 (a Patient, a blood-pressure Observation and a Condition,
//! all made up), sealed in the node's record store; the patient consents
//! to the hospital's clinicians reading observations for treatment; a
//! clinician reads one under that consent, and a clinician of North
//! Clinic breaks the glass on the Condition — an emergency access left
//! for the clinic's privacy officer to review (pending, overdue after 72
//! hours).

use super::{citizen_key, Seeder};
use anyhow::{anyhow, Result};
use publica_api::records::RecordStore;
use publica_crypto::seal::{DataKey, SealKey};
use publica_types::{now_ms, Expiry, TxBody};
use serde_json::{json, Value};

/// The demo patient: demo citizen 1.
pub const DEMO_PATIENT: usize = 1;

fn resources(patient: &str) -> [Value; 3] {
    [
        json!({"resourceType": "Patient", "id": "demo-1", "active": true, "gender": "female",
               "birthDate": "1984-05-17", "name": [{"family": "Example", "given": ["Ada"]}],
               "identifier": [{"system": "urn:publica:account", "value": patient}]}),
        json!({"resourceType": "Observation", "id": "bp-demo-1", "status": "final",
               "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel"}]},
               "subject": {"reference": "Patient/demo-1"}, "effectiveDateTime": "2026-03-02T09:30:00+01:00",
               "component": [
                   {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]},
                    "valueQuantity": {"value": 128, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
                   {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic"}]},
                    "valueQuantity": {"value": 84, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}),
        json!({"resourceType": "Condition", "id": "cond-demo-1",
               "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
               "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10", "display": "Essential hypertension"}]},
               "subject": {"reference": "Patient/demo-1"}, "recordedDate": "2026-03-02"}),
    ]
}

impl Seeder<'_> {
    /// Seals, stores and registers the demo records, then the consent and
    /// the two accesses.
    pub(super) fn health_records(&mut self, data_dir: &std::path::Path) -> Result<()> {
        let store = RecordStore::open(data_dir).map_err(|e| anyhow!("the record store: {e}"))?;
        let patient = citizen_key(DEMO_PATIENT);
        let subject = patient.account();
        let mut txs = Vec::new();
        let mut ids = Vec::new();
        for resource in resources(&subject.to_hex()) {
            let rt = resource["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let plain = serde_json::to_vec(&resource)?;
            let dk = DataKey::generate();
            let ct = dk.encrypt(&plain, &crate::records::record_aad(&rt));
            let wrapped = dk
                .wrap_for(&store.public_key())
                .map_err(|e| anyhow!("the store's key: {e}"))?;
            let id = publica_store::blobs::id_of(&ct);
            self.nonce += 1;
            let body = TxBody::new(
                &self.chain_id,
                self.nonce,
                Expiry::UnixMs(now_ms() + 5 * 60_000),
                "records",
                "register",
                json!({"agency": "hospital", "record": id, "subject": subject, "record_type": rt, "size": ct.len()}),
            );
            let env = self
                .admin
                .sign_tx(self.admin.account(), body)
                .expect("demo bodies are canonical");
            store
                .accept(self.node, &env, &ct, &hex::encode(wrapped))
                .map_err(|e| anyhow!("demo record: {e:?}"))?;
            txs.push(env);
            ids.push(id);
        }
        drop(store);
        self.phase("health records sealed, stored and registered", txs)?;
        self.as_holder(&patient, "records", "grant", json!({"id": "care", "grantee": {"agency": "hospital"},
            "purpose": "treatment", "record_types": ["Observation"], "expires_ms": now_ms() + 365 * 86_400_000}))?;
        let reader = hex::encode(SealKey::from_signing_seed(&self.admin.seed()).public());
        let read = self.tx(
            "records",
            "access",
            json!({"record": ids[1], "purpose": "treatment",
            "reader_key": reader, "agency": "hospital"}),
        );
        let glass = self.tx(
            "records",
            "access",
            json!({"record": ids[2], "purpose": "treatment",
            "reader_key": reader, "agency": "clinic", "emergency": "ED-DEMO-1"}),
        );
        self.phase(
            "health records: read under consent, and one emergency access to review",
            vec![read, glass],
        )
    }
}
