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
    pub(super) fn health_records(
        &mut self,
        data_dir: &std::path::Path,
        records_s3: Option<&publica_api::object_store::S3Config>,
    ) -> Result<()> {
        let store = RecordStore::open(data_dir, records_s3)
            .map_err(|e| anyhow!("the record store: {e}"))?;
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
        let store_key = hex::encode(store.public_key());
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
        )?;
        // The patient moves their Patient resource to North Clinic, naming
        // its node's store (here the same node): the handover a second
        // node would take within a day (`POST /v1/records/copy`).
        self.as_holder(
            &patient,
            "records",
            "transfer",
            json!({"record": ids[0], "to": "clinic", "store_key": store_key}),
        )?;
        self.insurance(&ids[1])
    }

    /// National Health Insurance: a fund currency, the basic plan with its
    /// rules, the patient's policy for this year, City Hospital's officer
    /// accredited to receive claims; a visit claimed and paid by the rules
    /// (the observation as evidence), and a knee replacement referred to
    /// an adjudicator.
    fn insurance(&mut self, evidence: &str) -> Result<()> {
        let me = self.admin.account();
        let patient = citizen_key(DEMO_PATIENT).account();
        let (y, m, d) = publica_types::calendar::civil_from_days(
            i64::try_from(now_ms() / 86_400_000).unwrap_or_default(),
        );
        let today = format!("{y:04}-{m:02}-{d:02}");
        let txs = vec![
            self.tx(
                "identity",
                "grant_role",
                json!({"agency": "hospital", "account": me, "role": "treasurer"}),
            ),
            self.tx(
                "money",
                "create_currency",
                json!({"agency": "insurer", "code": "NHI",
                "name": "Health fund euro", "decimals": 2, "supply_cap": "100000000000"}),
            ),
            self.tx(
                "money",
                "propose_appropriation",
                json!({"agency": "insurer", "currency": "NHI",
                "id": "premiums", "name": "Premiums collected", "cap": "100000000000"}),
            ),
        ];
        self.phase("health insurance: the fund's currency", txs)?;
        let txs = vec![
            self.tx("money", "approve_appropriation", json!({"agency": "insurer", "currency": "NHI", "id": "premiums"})),
            self.tx("money", "open_account", json!({"id": "plan:basic", "currency": "NHI",
                "owner": {"kind": "program", "agency": "insurer", "program": "claims:basic"}, "agency": "insurer"})),
            self.tx("money", "accredit_merchant", json!({"agency": "insurer", "currency": "NHI",
                "merchant": me, "categories": ["health"]})),
        ];
        self.phase(
            "health insurance: the premiums appropriated, the plan's account",
            txs,
        )?;
        let txs = vec![
            self.tx("money", "mint", json!({"agency": "insurer", "currency": "NHI", "appropriation": "premiums",
                "to": "plan:basic", "amount": "100000000"})),
            self.tx("money", "open_account", json!({"id": "hospital:claims", "currency": "NHI",
                "owner": {"kind": "merchant", "account": me, "agency": "insurer", "category": "health"}, "agency": "insurer"})),
            self.tx("claims", "define_plan", json!({"agency": "insurer", "id": "basic", "name": "Basic cover",
                "currency": "NHI", "account": "plan:basic",
                "cover": "attr.code != 'COSMETIC' && !(attr.diagnosis in ['Z41.1'])",
                "refer": "attr.total > 500000",
                "tariff": {"99213": "15000", "80053": "4000", "27447": "1200000", "COSMETIC": "90000"},
                "annual_limit": "2000000", "copay_pct": 20})),
        ];
        self.phase("health insurance: the basic plan defined", txs)?;
        let enrol = self.tx(
            "claims",
            "enrol",
            json!({"agency": "insurer", "plan": "basic", "member": patient,
            "from": format!("{y:04}-01-01"), "until": format!("{y:04}-12-31")}),
        );
        self.phase("health insurance: the patient's policy", vec![enrol])?;
        let claim = |id: &str, diagnosis: &str, items: Value, evidence: Vec<&str>| {
            json!({"provider": "hospital", "id": id, "agency": "insurer", "plan": "basic", "member": patient,
                "service_date": today, "diagnosis": diagnosis, "items": items, "evidence": evidence,
                "payee": "hospital:claims"})
        };
        let txs = vec![
            self.tx("claims", "submit", claim("demo-1", "I10",
                json!([{"code": "99213", "amount": "20000"}, {"code": "80053", "amount": "4000"}]), vec![evidence])),
            self.tx("claims", "submit", claim("demo-2", "M17.11",
                json!([{"code": "27447", "amount": "1150000"}]), vec![])),
        ];
        self.phase(
            "health insurance: a visit paid by the rules, a knee replacement referred",
            txs,
        )
    }
}
