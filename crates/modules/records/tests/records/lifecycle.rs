//! A record's life through the real runtime: registration by a custodian,
//! consent to an account and to an agency's clinicians, break-glass with
//! its review deadline, legal holds, erasure, transfer; every access
//! logged, refused ones too; and replay reproduces every block.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use publica_crypto::seal::SealKey;
use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_records::model::{Basis, REVIEW_WITHIN_MS};
use publica_records::{queries, Records};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

pub(crate) const T0: u64 = 1_800_000_000_000;

pub(crate) struct World {
    pub(crate) c: TestChain,
    pub(crate) admin: Keypair,
    pub(crate) patient: Keypair,
    pub(crate) doctor: Keypair,
    pub(crate) officer: Keypair,
    pub(crate) stranger: Keypair,
}

pub(crate) fn kp(k: &Keypair) -> Keypair {
    Keypair::from_seed(k.seed())
}

pub(crate) fn world() -> World {
    let admin = Keypair::generate();
    let agency = |id: &str| GenesisAgency {
        id: id.into(),
        name: id.into(),
        administrators: vec![admin.account()],
        policy_threshold: 1,
    };
    let genesis = Genesis {
        version: 1,
        chain_id: TEST_CHAIN.into(),
        agencies: vec![agency("hospital"), agency("clinic"), agency("registry")],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Records));
    let mut w = World {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        patient: Keypair::generate(),
        doctor: Keypair::generate(),
        officer: Keypair::generate(),
        stranger: Keypair::generate(),
    };
    w.c.time_ms = T0;
    let a = kp(&w.admin);
    for (agency, who, roles) in [
        (
            "hospital",
            w.admin.account(),
            json!(["custodian", "privacy_officer"]),
        ),
        ("hospital", w.doctor.account(), json!(["clinician"])),
        ("hospital", w.officer.account(), json!(["privacy_officer"])),
        ("registry", w.admin.account(), json!(["attester"])),
    ] {
        let method = if who == w.admin.account() {
            "grant_roles"
        } else {
            "add_member"
        };
        let r = if method == "add_member" {
            w.c.call(
                &a,
                "identity",
                "add_member",
                json!({"agency": agency, "account": who, "roles": roles}),
            )
        } else {
            roles.as_array().unwrap().iter().try_for_each(|role| {
                w.c.call(
                    &a,
                    "identity",
                    "grant_role",
                    json!({"agency": agency, "account": who, "role": role}),
                )
            })
        };
        r.unwrap();
    }
    w
}

pub(crate) fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

pub(crate) fn reader_key(k: &Keypair) -> String {
    hex::encode(SealKey::from_signing_seed(&k.seed()).public())
}

impl World {
    pub(crate) fn rec(&mut self, who: &Keypair, method: &str, args: Value) -> Result<(), Rejected> {
        let k = kp(who);
        self.c.call(&k, "records", method, args)
    }

    /// Registers a record of `record_type` for the patient; answers its id.
    pub(crate) fn register(&mut self, n: u8, record_type: &str) -> String {
        let id = hex::encode([n; 32]);
        let admin = kp(&self.admin);
        let subject = self.patient.account();
        self.rec(
            &admin,
            "register",
            json!({"agency": "hospital", "record": id, "subject": subject,
            "record_type": record_type, "size": 100}),
        )
        .unwrap();
        id
    }

    /// The patient's access log.
    pub(crate) fn log(&self) -> Vec<Value> {
        self.c.indexed(&format!(
            "records/access/{}",
            self.patient.account().to_hex()
        ))
    }

    /// `who` asks to read `record`; answers the logged basis kind.
    pub(crate) fn access(&mut self, who: &Keypair, record: &str, extra: Value) -> String {
        let mut args =
            json!({"record": record, "purpose": "treatment", "reader_key": reader_key(who)});
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        let before = self.log().len();
        self.rec(who, "access", args).unwrap();
        let log = self.log();
        assert_eq!(log.len(), before + 1, "every access is logged");
        log.last().unwrap()["basis"].as_str().unwrap().to_string()
    }
}

#[test]
fn consent_break_glass_holds_erasure_and_transfer() {
    let mut w = world();
    let (admin, patient, doctor, officer, stranger) = (
        kp(&w.admin),
        kp(&w.patient),
        kp(&w.doctor),
        kp(&w.officer),
        kp(&w.stranger),
    );
    // Only a custodian registers, once, a kept type, a sane size.
    let subject = w.patient.account();
    let args = |id: &str, t: &str, size: u64| {
        json!({"agency": "hospital", "record": id,
        "subject": subject, "record_type": t, "size": size})
    };
    assert!(code(w.rec(
        &doctor,
        "register",
        args(&"ab".repeat(32), "Observation", 10)
    ))
    .starts_with("auth"));
    assert_eq!(
        code(w.rec(&admin, "register", args("AB", "Observation", 10))),
        "records.invalid_field"
    );
    assert_eq!(
        code(w.rec(&admin, "register", args(&"ab".repeat(32), "Claim", 10))),
        "records.invalid_resource"
    );
    assert_eq!(
        code(w.rec(&admin, "register", args(&"ab".repeat(32), "Observation", 0))),
        "records.invalid_field"
    );
    let obs = w.register(1, "Observation");
    let cond = w.register(2, "Condition");
    assert_eq!(
        code(w.rec(&admin, "register", args(&obs, "Observation", 10))),
        "records.record_exists"
    );

    // Refused without consent; an unknown record fails outright (no
    // subject to tell).
    assert_eq!(
        w.access(&doctor, &obs, json!({"agency": "hospital"})),
        "refused"
    );
    assert_eq!(w.log()[0]["code"], "records.no_consent");
    assert_eq!(code(w.rec(&doctor, "access", json!({"record": "cd".repeat(32), "purpose": "treatment", "reader_key": reader_key(&doctor)}))), "records.unknown_record");
    assert_eq!(
        code(w.rec(
            &doctor,
            "access",
            json!({"record": obs, "purpose": "treatment", "reader_key": "00".repeat(32)})
        )),
        "records.invalid_field"
    );

    // A consent to the hospital's clinicians for observations.
    let until = T0 + 30 * 86_400_000;
    let grant = json!({"id": "care", "grantee": {"agency": "hospital"}, "purpose": "treatment", "record_types": ["Observation"], "expires_ms": until});
    let mut for_patient = grant.clone();
    for_patient["subject"] = json!(subject);
    assert_eq!(
        code(w.rec(&stranger, "grant", for_patient)),
        "records.not_the_subject"
    );
    w.rec(&patient, "grant", grant.clone()).unwrap();
    assert_eq!(
        code(w.rec(&patient, "grant", grant)),
        "records.consent_exists"
    );
    assert_eq!(code(w.rec(&patient, "grant", json!({"id": "old", "grantee": {"agency": "hospital"}, "purpose": "treatment", "expires_ms": T0}))), "records.invalid_field");
    assert_eq!(code(w.rec(&patient, "grant", json!({"id": "x", "grantee": {"agency": "nowhere"}, "purpose": "treatment", "expires_ms": until}))), "records.invalid_field");
    assert_eq!(
        w.access(&doctor, &obs, json!({"agency": "hospital"})),
        "consent"
    );
    // Not without reading for the hospital, not another type, not another
    // purpose, not a non-clinician of the hospital.
    assert_eq!(w.access(&doctor, &obs, json!({})), "refused");
    assert_eq!(
        w.access(&doctor, &cond, json!({"agency": "hospital"})),
        "refused"
    );
    assert_eq!(
        w.access(
            &doctor,
            &obs,
            json!({"agency": "hospital", "purpose": "research"})
        ),
        "refused"
    );
    assert_eq!(
        w.access(&officer, &obs, json!({"agency": "hospital"})),
        "refused"
    );

    // The release check: let through now; not for a refused access.
    let log = w.log();
    let granted = log[1]["access"].as_str().unwrap().to_string();
    let refused = log[2]["access"].as_str().unwrap().to_string();
    let (h, t) = (w.c.height(), w.c.time_ms);
    assert!(queries::releasable(&w.c.state, &granted, h, t).is_ok());
    assert_eq!(
        queries::releasable(&w.c.state, &refused, h, t)
            .unwrap_err()
            .code,
        "records.access_refused"
    );
    assert_eq!(
        queries::releasable(&w.c.state, &granted, h, t + 11 * 60_000)
            .unwrap_err()
            .code,
        "records.access_stale"
    );

    // Expired: refused with its own code; revoked likewise.
    w.c.time_ms = until;
    assert_eq!(
        w.access(&doctor, &obs, json!({"agency": "hospital"})),
        "refused"
    );
    assert_eq!(w.log().last().unwrap()["code"], "records.consent_expired");
    // A consent that expires between the access and the release stops
    // the release.
    let doc = w.doctor.account();
    w.rec(
        &patient,
        "grant",
        json!({"id": "brief", "grantee": {"account": doc}, "purpose": "treatment",
        "record_types": ["Condition"], "expires_ms": w.c.time_ms + 60_000}),
    )
    .unwrap();
    assert_eq!(w.access(&doctor, &cond, json!({})), "consent");
    let brief = w.log().last().unwrap()["access"]
        .as_str()
        .unwrap()
        .to_string();
    let (h, t) = (w.c.height(), w.c.time_ms);
    assert!(queries::releasable(&w.c.state, &brief, h, t).is_ok());
    assert_eq!(
        queries::releasable(&w.c.state, &brief, h, t + 61_000)
            .unwrap_err()
            .code,
        "records.consent_expired"
    );
    w.rec(
        &patient,
        "grant",
        json!({"id": "care2", "grantee": {"agency": "hospital"}, "purpose": "treatment",
        "record_types": ["Observation"], "expires_ms": w.c.time_ms + 86_400_000}),
    )
    .unwrap();
    assert_eq!(
        w.access(&doctor, &obs, json!({"agency": "hospital"})),
        "consent"
    );
    let before = w.log().last().unwrap()["access"]
        .as_str()
        .unwrap()
        .to_string();
    w.rec(&patient, "revoke", json!({"id": "care2"})).unwrap();
    assert_eq!(
        code(w.rec(&patient, "revoke", json!({"id": "care2"}))),
        "records.unknown_consent"
    );
    assert_eq!(
        code(w.rec(&patient, "revoke", json!({"id": "nope"}))),
        "records.unknown_consent"
    );
    assert_eq!(
        w.access(&doctor, &obs, json!({"agency": "hospital"})),
        "refused"
    );
    assert_eq!(w.log().last().unwrap()["code"], "records.consent_revoked");
    assert_eq!(
        queries::releasable(&w.c.state, &before, w.c.height(), w.c.time_ms)
            .unwrap_err()
            .code,
        "records.consent_revoked"
    );

    // Break-glass: a clinician of the agency only, with a reference.
    assert_eq!(
        w.access(
            &officer,
            &obs,
            json!({"agency": "hospital", "emergency": "ED-1"})
        ),
        "refused"
    );
    assert_eq!(w.log().last().unwrap()["code"], "records.not_a_clinician");
    assert_eq!(code(w.rec(&doctor, "access", json!({"record": obs, "purpose": "treatment", "reader_key": reader_key(&doctor), "agency": "hospital", "emergency": "unconscious, brought in by ambulance"}))), "records.invalid_field");
    assert_eq!(
        w.access(
            &doctor,
            &cond,
            json!({"agency": "hospital", "emergency": "ED-2"})
        ),
        "emergency"
    );
    let em = w.log().last().unwrap()["access"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(queries::releasable(&w.c.state, &em, w.c.height(), w.c.time_ms).is_ok());
    let a = queries::access(&w.c.state, &em).unwrap();
    assert!(
        matches!(a.basis, Basis::Emergency { review_due_ms, .. } if review_due_ms == a.at_ms + REVIEW_WITHIN_MS)
    );
    assert!(!a.overdue(a.at_ms + REVIEW_WITHIN_MS) && a.overdue(a.at_ms + REVIEW_WITHIN_MS + 1));
    let review =
        |note: &str| json!({"agency": "hospital", "access": em, "justified": true, "note": note});
    assert!(code(w.rec(&doctor, "review", review("PRV-1"))).starts_with("auth"));
    // The admin is a privacy officer too, but a late review is marked late.
    w.c.time_ms = a.at_ms + REVIEW_WITHIN_MS + 5;
    assert!(queries::access(&w.c.state, &em)
        .unwrap()
        .overdue(w.c.time_ms));
    w.rec(&officer, "review", review("PRV-1")).unwrap();
    let a = queries::access(&w.c.state, &em).unwrap();
    assert!(a.review.as_ref().unwrap().late && !a.overdue(w.c.time_ms));
    assert_eq!(
        code(w.rec(&admin, "review", review("PRV-2"))),
        "records.not_reviewable"
    );
    assert_eq!(
        code(w.rec(
            &officer,
            "review",
            json!({"agency": "hospital", "access": granted, "justified": true, "note": "X"})
        )),
        "records.not_reviewable"
    );

    // Holds block erasure; only the custodian's privacy officer holds.
    let hold = json!({"agency": "hospital", "record": obs, "id": "case-1", "reason": "COURT-118"});
    assert!(code(w.rec(&doctor, "hold", hold.clone())).starts_with("auth"));
    w.rec(&officer, "hold", hold.clone()).unwrap();
    assert_eq!(code(w.rec(&officer, "hold", hold)), "records.invalid_field");
    assert_eq!(
        code(w.rec(&patient, "erase", json!({"record": obs}))),
        "records.legal_hold"
    );
    // Nor is a held record moved away (where another agency could lift
    // the hold).
    assert_eq!(
        code(w.rec(&patient, "transfer", json!({"record": obs, "to": "clinic"}))),
        "records.legal_hold"
    );
    w.rec(
        &officer,
        "lift_hold",
        json!({"agency": "hospital", "record": obs, "id": "case-1"}),
    )
    .unwrap();
    assert_eq!(
        code(w.rec(&stranger, "erase", json!({"record": obs}))),
        "records.not_the_subject"
    );
    w.rec(&patient, "erase", json!({"record": obs})).unwrap();
    assert_eq!(
        code(w.rec(&patient, "erase", json!({"record": obs}))),
        "records.erased"
    );
    assert_eq!(
        w.access(
            &doctor,
            &obs,
            json!({"agency": "hospital", "emergency": "ED-3"})
        ),
        "refused"
    );
    assert_eq!(w.log().last().unwrap()["code"], "records.erased");
    assert_eq!(
        queries::releasable(&w.c.state, &em, w.c.height(), w.c.time_ms)
            .unwrap_err()
            .code,
        "records.access_stale"
    );

    // A guardian appointed by the registry acts for the patient; transfer.
    let guardian = Keypair::generate();
    assert_eq!(
        code(w.rec(
            &guardian,
            "transfer",
            json!({"record": cond, "to": "clinic"})
        )),
        "records.not_the_subject"
    );
    // No attester appoints themselves.
    assert_eq!(code(w.rec(&admin, "set_guardian", json!({"agency": "registry", "subject": subject, "guardian": w.admin.account(), "active": true}))), "records.invalid_field");
    w.rec(&admin, "set_guardian", json!({"agency": "registry", "subject": subject, "guardian": guardian.account(), "active": true})).unwrap();
    assert_eq!(code(w.rec(&admin, "set_guardian", json!({"agency": "registry", "subject": subject, "guardian": guardian.account(), "active": true}))), "records.invalid_field");
    // Only the appointing agency removes a guardian; the change is on the
    // patient's log.
    let a = w.admin.account();
    w.c.call(
        &kp(&w.admin),
        "identity",
        "grant_role",
        json!({"agency": "clinic", "account": a, "role": "attester"}),
    )
    .unwrap();
    assert_eq!(code(w.rec(&admin, "set_guardian", json!({"agency": "clinic", "subject": subject, "guardian": guardian.account(), "active": false}))), "records.invalid_field");
    assert_eq!(w.log().last().unwrap()["basis"], "guardian_appointed");
    assert_eq!(
        code(w.rec(
            &guardian,
            "transfer",
            json!({"record": cond, "to": "nowhere"})
        )),
        "records.invalid_field"
    );
    // A transfer names the new custodian's store key, or none.
    assert_eq!(
        code(w.rec(
            &guardian,
            "transfer",
            json!({"record": cond, "to": "clinic", "store_key": "ab"})
        )),
        "records.invalid_field"
    );
    let no_handover = |w: &World| {
        queries::handover(&w.c.state, &cond, w.c.time_ms)
            .unwrap_err()
            .code
    };
    assert_eq!(no_handover(&w), "records.no_handover", "never transferred");
    w.rec(
        &guardian,
        "transfer",
        json!({"record": cond, "to": "clinic", "store_key": "AB".repeat(32)}),
    )
    .unwrap();
    let r = queries::record(&w.c.state, &cond).unwrap();
    assert_eq!((r.custodian.as_str(), r.transfers.len()), ("clinic", 1));
    let (_, key) = queries::handover(&w.c.state, &cond, w.c.time_ms).unwrap();
    assert_eq!(key, [0xab; 32]);
    // Handed over within a day of the transfer only.
    let late = w.c.time_ms + publica_records::model::HANDOVER_WINDOW_MS + 1;
    assert_eq!(
        queries::handover(&w.c.state, &cond, late).unwrap_err().code,
        "records.no_handover"
    );
    assert_eq!(
        code(w.rec(
            &officer,
            "hold",
            json!({"agency": "hospital", "record": cond, "id": "h", "reason": "R"})
        )),
        "records.not_the_custodian"
    );
    w.rec(&admin, "set_guardian", json!({"agency": "registry", "subject": subject, "guardian": guardian.account(), "active": false})).unwrap();
    assert_eq!(
        code(w.rec(&guardian, "erase", json!({"record": cond}))),
        "records.not_the_subject"
    );
    w.c.check_replay();
}
