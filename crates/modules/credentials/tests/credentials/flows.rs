//! The trust registry, status lists and verification through the real
//! runtime: a ministry accredits a university (two administrators of two),
//! the university's issuer signs credentials and revokes or suspends them
//! on its status lists, and every verification failure has its own code;
//! replay from genesis at the end.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use proptest::prelude::*;
use publica_credentials::{change_hash, di, model, verify, Credentials};
use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

/// 2027-01-01T00:00:00Z in ms.
pub(crate) const JAN_2027: u64 = 1_798_761_600_000;
pub(crate) const DAY: u64 = 86_400_000;

pub(crate) struct World {
    pub(crate) c: TestChain,
    minister: Keypair,
    deputy: Keypair,
    rector: Keypair,
    registrar: Keypair,
}

pub(crate) fn world() -> World {
    let (minister, deputy, rector, registrar) = (
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
    );
    let agency = |id: &str, admins: Vec<publica_types::AccountId>, t: u32| GenesisAgency {
        id: id.into(),
        name: id.into(),
        administrators: admins,
        policy_threshold: t,
    };
    let genesis = Genesis {
        version: 1,
        chain_id: TEST_CHAIN.into(),
        agencies: vec![
            agency("education", vec![minister.account(), deputy.account()], 2),
            agency("uni", vec![rector.account()], 1),
            agency("college", vec![rector.account()], 1),
        ],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Credentials));
    let mut w = World {
        c: TestChain::new(rt, genesis.initial_state()),
        minister,
        deputy,
        rector,
        registrar,
    };
    w.c.time_ms = JAN_2027;
    let reg = w.registrar.account();
    w.call(
        "rector",
        "identity",
        "add_member",
        json!({"agency": "uni", "account": reg, "roles": ["issuer"]}),
    )
    .unwrap();
    w
}

impl World {
    fn key(&self, who: &str) -> Keypair {
        let k = match who {
            "minister" => &self.minister,
            "deputy" => &self.deputy,
            "rector" => &self.rector,
            "registrar" => &self.registrar,
            other => panic!("{other}"),
        };
        Keypair::from_seed(k.seed())
    }
    fn call(&mut self, who: &str, module: &str, method: &str, args: Value) -> Result<(), Rejected> {
        let kp = self.key(who);
        self.c.call(&kp, module, method, args)
    }
    pub(crate) fn cr(&mut self, who: &str, method: &str, args: Value) -> Result<(), Rejected> {
        self.call(who, "credentials", method, args)
    }
    /// Proposes `change` and has both administrators approve it.
    pub(crate) fn enact(&mut self, institution: &str, change: Value) {
        self.cr(
            "minister",
            "propose_accreditation",
            json!({"agency": "education", "institution": institution, "change": change}),
        )
        .unwrap();
        let hash = self.pending_hash(institution);
        for who in ["minister", "deputy"] {
            self.cr(
                who,
                "approve_accreditation",
                json!({"agency": "education", "institution": institution, "hash": hash}),
            )
            .unwrap();
        }
    }
    fn pending_hash(&self, institution: &str) -> String {
        publica_credentials::queries::accreditation(&self.c.state, "education", institution)
            .unwrap()["pending"]["hash"]
            .as_str()
            .unwrap()
            .to_string()
    }
    /// A diploma signed by `who`, valid from `from`.
    pub(crate) fn diploma(&self, who: &str, from: &str, extra: Value) -> Value {
        let kp = self.key(who);
        let mut doc = json!({
            "@context": [verify::VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:1b0a6d7e-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": "did:publica:uni",
            "validFrom": from,
            "credentialSubject": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "type": ["AchievementSubject"],
                "achievement": {"id": "urn:example:bsc-cs", "type": ["Achievement"], "name": "BSc Computer Science"}},
        });
        for (k, v) in extra.as_object().unwrap() {
            doc[k] = v.clone();
        }
        let method = format!("did:publica:{}#key-1", kp.account());
        di::sign(&doc, &kp, &method, "2027-06-30T12:00:00Z").unwrap()
    }
    pub(crate) fn check(&self, cred: &Value) -> verify::Report {
        verify::credential(&self.c.state, self.c.time_ms, cred, "education")
    }
}

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

fn failed(r: &verify::Report) -> (&'static str, &'static str) {
    let f = r.failure().unwrap_or_else(|| panic!("verified: {r:?}"));
    (f.check, f.code.unwrap())
}

#[test]
fn accreditation_status_lists_and_verification() {
    let mut w = world();
    let grant = json!({"change": "grant", "kinds": ["degree", "transcript"], "from_ms": JAN_2027, "until_ms": JAN_2027 + 1_000 * DAY});

    // Only the accreditor's administrators, two of two, naming the change.
    assert!(code(w.cr(
        "registrar",
        "propose_accreditation",
        json!({"agency": "education", "institution": "uni", "change": grant})
    ))
    .starts_with("auth"));
    assert_eq!(
        code(w.cr(
            "minister",
            "propose_accreditation",
            json!({"agency": "education", "institution": "nowhere", "change": grant})
        )),
        "credentials.unknown_institution"
    );
    for bad in [
        json!({"change": "grant", "kinds": [], "from_ms": JAN_2027, "until_ms": JAN_2027 + DAY}),
        json!({"change": "grant", "kinds": ["degree", "degree"], "from_ms": JAN_2027, "until_ms": JAN_2027 + DAY}),
        json!({"change": "grant", "kinds": ["degree"], "from_ms": JAN_2027, "until_ms": JAN_2027}),
        json!({"change": "grant", "kinds": ["degree"], "from_ms": 0, "until_ms": JAN_2027 - 1}),
    ] {
        assert_eq!(
            code(w.cr(
                "minister",
                "propose_accreditation",
                json!({"agency": "education", "institution": "uni", "change": bad})
            )),
            "credentials.invalid_field"
        );
    }
    assert_eq!(
        code(w.cr("minister", "propose_accreditation", json!({"agency": "education", "institution": "uni", "change": {"change": "suspend", "reason": "audit"}}))),
        "credentials.unknown_accreditation"
    );
    w.cr(
        "minister",
        "propose_accreditation",
        json!({"agency": "education", "institution": "uni", "change": grant}),
    )
    .unwrap();
    let hash = w.pending_hash("uni");
    assert_eq!(
        hash,
        change_hash(
            "education",
            "uni",
            &serde_json::from_value(grant.clone()).unwrap()
        )
    );
    assert_eq!(
        code(w.cr(
            "minister",
            "approve_accreditation",
            json!({"agency": "education", "institution": "uni", "hash": "00".repeat(32)})
        )),
        "credentials.approval_mismatch"
    );
    w.cr(
        "minister",
        "approve_accreditation",
        json!({"agency": "education", "institution": "uni", "hash": hash}),
    )
    .unwrap();
    assert_eq!(
        code(w.cr(
            "minister",
            "approve_accreditation",
            json!({"agency": "education", "institution": "uni", "hash": hash})
        )),
        "credentials.already_approved"
    );
    let q = publica_credentials::queries::accreditation(&w.c.state, "education", "uni").unwrap();
    assert!(
        q["accreditation"].is_null(),
        "one approval of two enacts nothing"
    );
    w.cr(
        "deputy",
        "approve_accreditation",
        json!({"agency": "education", "institution": "uni", "hash": hash}),
    )
    .unwrap();
    let q = publica_credentials::queries::accreditation(&w.c.state, "education", "uni").unwrap();
    assert_eq!(q["accreditation"]["standing"]["state"], "active");
    assert!(q["pending"].is_null());
    assert_eq!(
        code(w.cr(
            "deputy",
            "approve_accreditation",
            json!({"agency": "education", "institution": "uni", "hash": hash})
        )),
        "credentials.nothing_pending"
    );

    // Status lists: the institution's issuers only, within bounds.
    let list = |id: &str, purpose: &str, size: u64| json!({"agency": "uni", "id": id, "purpose": purpose, "size": size});
    assert!(code(w.cr(
        "minister",
        "create_status_list",
        list("rev", "revocation", 131_072)
    ))
    .starts_with("auth"));
    assert_eq!(
        code(w.cr(
            "registrar",
            "create_status_list",
            list("rev", "revocation", 1_000)
        )),
        "credentials.invalid_field"
    );
    assert_eq!(
        code(w.cr(
            "registrar",
            "create_status_list",
            list("rev", "revocation", 131_073)
        )),
        "credentials.invalid_field"
    );
    assert_eq!(
        code(w.cr(
            "registrar",
            "create_status_list",
            list("Bad", "revocation", 131_072)
        )),
        "credentials.invalid_field"
    );
    w.cr(
        "registrar",
        "create_status_list",
        list("rev", "revocation", 131_072),
    )
    .unwrap();
    w.cr(
        "registrar",
        "create_status_list",
        list("sus", "suspension", 131_072),
    )
    .unwrap();
    assert_eq!(
        code(w.cr(
            "registrar",
            "create_status_list",
            list("rev", "revocation", 131_072)
        )),
        "credentials.list_exists"
    );

    // A diploma with both status entries verifies.
    let status = |n: u64| {
        json!({"credentialStatus": [
        {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": n.to_string(),
         "statusListCredential": "https://node.example/v1/credentials/status/uni/rev"},
        {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "statusListIndex": n.to_string(),
         "statusListCredential": "https://node.example/v1/credentials/status/uni/sus"}]})
    };
    let good = w.diploma("registrar", "2027-06-30T12:00:00Z", status(7));
    w.c.time_ms = JAN_2027 + 200 * DAY;
    let r = w.check(&good);
    assert!(r.verified, "{r:?}");
    assert_eq!(r.kind, Some(model::CredentialKind::Degree));

    // Each failure names its check and code.
    let mut changed = good.clone();
    changed["credentialSubject"]["achievement"]["name"] = "PhD Computer Science".into();
    assert_eq!(
        failed(&w.check(&changed)),
        ("proof", "credentials.bad_signature")
    );
    let forged = w.diploma("rector", "2027-06-30T12:00:00Z", status(7));
    assert_eq!(
        failed(&w.check(&forged)),
        ("issuer", "credentials.not_an_issuer")
    );
    let licence = w.diploma(
        "registrar",
        "2027-06-30T12:00:00Z",
        json!({"type": ["VerifiableCredential", "ProfessionalLicenceCredential"]}),
    );
    assert_eq!(
        failed(&w.check(&licence)),
        ("accreditation", "credentials.not_accredited")
    );
    let early = w.diploma("registrar", "2026-06-30T12:00:00Z", json!({}));
    assert_eq!(
        failed(&w.check(&early)),
        ("accreditation", "credentials.not_accredited")
    );
    let future = w.diploma("registrar", "2027-12-30T12:00:00Z", json!({}));
    assert_eq!(
        failed(&w.check(&future)),
        ("validity", "credentials.not_yet_valid")
    );
    let expired = w.diploma(
        "registrar",
        "2027-06-30T12:00:00Z",
        json!({"validUntil": "2027-07-01T00:00:00Z"}),
    );
    assert_eq!(
        failed(&w.check(&expired)),
        ("validity", "credentials.expired")
    );
    let unknown = w.diploma(
        "registrar",
        "2027-06-30T12:00:00Z",
        json!({"@context": [verify::VC_V2, "https://evil.example/ctx"]}),
    );
    assert_eq!(
        failed(&w.check(&unknown)),
        ("context", "credentials.unknown_context")
    );
    let elsewhere = w.diploma("registrar", "2027-06-30T12:00:00Z", json!({"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "1", "statusListCredential": "https://x/v1/credentials/status/college/rev"}}));
    assert_eq!(
        failed(&w.check(&elsewhere)),
        ("status", "credentials.malformed")
    );
    let outside = w.diploma("registrar", "2027-06-30T12:00:00Z", status(131_072));
    assert_eq!(
        failed(&w.check(&outside)),
        ("status", "credentials.index_out_of_range")
    );
    let mut ecdsa = good.clone();
    ecdsa["proof"]["cryptosuite"] = "ecdsa-rdfc-2019".into();
    assert_eq!(
        failed(&w.check(&ecdsa)),
        ("proof", "credentials.wrong_cryptosuite")
    );
    // An Open Badges diploma signed with eddsa-jcs-2022 claimed as
    // eddsa-rdfc-2022: its context is known by name only, not held.
    let mut rdfc = good.clone();
    rdfc["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into();
    assert_eq!(
        failed(&w.check(&rdfc)),
        ("proof", "credentials.unknown_context")
    );

    // Suspended, then lifted; revoked for good.
    let set = |list: &str, idx: Vec<u64>, status: bool| json!({"agency": "uni", "list": list, "indexes": idx, "status": status});
    assert_eq!(
        code(w.cr("registrar", "set_status", set("sus", vec![131_072], true))),
        "credentials.index_out_of_range"
    );
    assert_eq!(
        code(w.cr("registrar", "set_status", set("sus", vec![], true))),
        "credentials.invalid_field"
    );
    assert_eq!(
        code(w.cr("registrar", "set_status", set("none", vec![1], true))),
        "credentials.unknown_list"
    );
    // One institution's issuer cannot touch another's lists.
    let other = json!({"agency": "college", "list": "sus", "indexes": [7], "status": true});
    assert!(code(w.cr("registrar", "set_status", other)).starts_with("auth"));
    let other = json!({"agency": "college", "id": "x", "purpose": "revocation", "size": 131_072});
    assert!(code(w.cr("registrar", "create_status_list", other)).starts_with("auth"));
    w.cr(
        "registrar",
        "set_status",
        set("sus", vec![7, 4_096, 9], true),
    )
    .unwrap();
    assert_eq!(failed(&w.check(&good)), ("status", "credentials.suspended"));
    w.cr("registrar", "set_status", set("sus", vec![7], false))
        .unwrap();
    assert!(w.check(&good).verified);
    assert_eq!(
        publica_credentials::queries::list(&w.c.state, "uni", "sus")
            .unwrap()
            .set,
        2
    );
    w.cr("registrar", "set_status", set("rev", vec![7], true))
        .unwrap();
    assert_eq!(failed(&w.check(&good)), ("status", "credentials.revoked"));
    assert_eq!(
        code(w.cr("registrar", "set_status", set("rev", vec![7], false))),
        "credentials.revocation_final"
    );

    // The served list carries exactly the bits set.
    let l = publica_credentials::queries::list(&w.c.state, "uni", "sus").unwrap();
    let served = publica_credentials::queries::list_credential(&w.c.state, &l, w.c.height());
    let bits = publica_credentials::status::decode(
        served["credentialSubject"]["encodedList"].as_str().unwrap(),
        16_384,
    )
    .unwrap();
    let on: Vec<usize> = (0..131_072)
        .filter(|i| bits[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect();
    assert_eq!(on, vec![9, 4_096]);

    // A suspension of the accreditation: credentials dated after it are
    // not accredited, those before still are; reinstated, later ones are again.
    let before = w.diploma("registrar", "2027-07-01T00:00:00Z", json!({}));
    w.enact(
        "uni",
        json!({"change": "suspend", "reason": "quality audit 2027/3"}),
    );
    let during = w.diploma("registrar", "2027-07-25T00:00:00Z", json!({}));
    assert!(w.check(&before).verified);
    assert_eq!(
        failed(&w.check(&during)),
        ("accreditation", "credentials.not_accredited")
    );
    assert_eq!(
        code(w.cr("minister", "propose_accreditation", json!({"agency": "education", "institution": "uni", "change": {"change": "suspend", "reason": "again"}}))),
        "credentials.wrong_standing"
    );
    w.c.time_ms += 10 * DAY;
    w.enact("uni", json!({"change": "reinstate"}));
    let after = w.diploma("registrar", "2027-08-01T00:00:00Z", json!({}));
    w.c.time_ms += 10 * DAY;
    assert!(w.check(&after).verified, "{:?}", w.check(&after));
    assert_eq!(
        failed(&w.check(&during)),
        ("accreditation", "credentials.not_accredited")
    );
    w.enact("uni", json!({"change": "withdraw", "reason": "closed"}));
    assert_eq!(
        code(w.cr(
            "minister",
            "propose_accreditation",
            json!({"agency": "education", "institution": "uni", "change": {"change": "reinstate"}})
        )),
        "credentials.wrong_standing"
    );

    w.c.check_replay();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Any sequence of sets and clears on a suspension list leaves exactly
    /// the bits a plain set says, counted right, and served as such.
    #[test]
    fn status_bits_follow_the_changes(ops in prop::collection::vec((prop::collection::vec(0u64..131_072, 1..20), any::<bool>()), 1..12)) {
        let mut w = world();
        w.cr("registrar", "create_status_list", json!({"agency": "uni", "id": "s", "purpose": "suspension", "size": 131_072})).unwrap();
        let mut model = std::collections::BTreeSet::new();
        for (idx, on) in ops {
            w.cr("registrar", "set_status", json!({"agency": "uni", "list": "s", "indexes": idx, "status": on})).unwrap();
            for i in idx {
                if on { model.insert(i); } else { model.remove(&i); }
            }
        }
        let l = publica_credentials::queries::list(&w.c.state, "uni", "s").unwrap();
        prop_assert_eq!(l.set, model.len() as u64);
        let served = publica_credentials::queries::list_credential(&w.c.state, &l, w.c.height());
        let bits = publica_credentials::status::decode(served["credentialSubject"]["encodedList"].as_str().unwrap(), 16_384).unwrap();
        let on: std::collections::BTreeSet<u64> = (0..131_072u64).filter(|i| bits[(*i / 8) as usize] & (0x80 >> (i % 8)) != 0).collect();
        prop_assert_eq!(on, model);
    }
}

#[test]
fn an_sd_jwt_enrolment_shows_only_what_the_holder_reveals() {
    let mut w = world();
    w.enact(
        "uni",
        json!({"change": "grant", "kinds": ["enrolment"], "from_ms": JAN_2027, "until_ms": JAN_2027 + 1_000 * DAY}),
    );
    w.c.time_ms = JAN_2027 + 10 * DAY;
    let holder = Keypair::generate();
    let issuer = w.key("registrar");
    let kid = format!("did:publica:{}#key-1", issuer.account());
    let claims = json!({"given_name": "Ana", "family_name": "Pereira", "enrolled_at": "Example University", "academic_year": "2027/28", "age_over_18": true});
    let now_s = w.c.time_ms / 1000;
    let sd = publica_credentials::sdjwt::issue(
        &issuer,
        &publica_credentials::sdjwt::Issuing {
            kid: &kid,
            iss: "did:publica:uni",
            vct: &verify::vct(model::CredentialKind::Enrolment),
            iat: now_s,
            exp: None,
        },
        &holder.account(),
        &claims,
        &[
            "given_name",
            "family_name",
            "enrolled_at",
            "academic_year",
            "age_over_18",
        ],
    )
    .unwrap();
    let p = publica_credentials::sdjwt::present(
        &sd,
        &["enrolled_at", "age_over_18"],
        &holder,
        "employer.example",
        "n-42",
        now_s,
    )
    .unwrap();
    let r = verify::presentation(
        &w.c.state,
        w.c.time_ms,
        &p,
        "education",
        "employer.example",
        "n-42",
    );
    assert!(r.verified, "{r:?}");
    let shown = r.claims.unwrap();
    assert_eq!(shown["enrolled_at"], "Example University");
    assert_eq!(shown["age_over_18"], true);
    assert!(!shown.contains_key("given_name") && !shown.contains_key("family_name"));

    let check = |r: &verify::Report| failed(r);
    let other = verify::presentation(
        &w.c.state,
        w.c.time_ms,
        &p,
        "education",
        "someone.else",
        "n-42",
    );
    assert_eq!(check(&other), ("key_binding", "credentials.kb_invalid"));
    // Others, each issued with `enrolled_at` disclosable and presented to
    // audience "a" with nonce "n".
    let presented = |signer: &Keypair, kind: model::CredentialKind, iat: u64, exp: Option<u64>| {
        let kid = format!("did:publica:{}#key-1", signer.account());
        let by = publica_credentials::sdjwt::Issuing {
            kid: &kid,
            iss: "did:publica:uni",
            vct: &verify::vct(kind),
            iat,
            exp,
        };
        let sd = publica_credentials::sdjwt::issue(
            signer,
            &by,
            &holder.account(),
            &claims,
            &["enrolled_at"],
        )
        .unwrap();
        publica_credentials::sdjwt::present(&sd, &["enrolled_at"], &holder, "a", "n", now_s)
            .unwrap()
    };
    let verdict = |p: &str| {
        let r = verify::presentation(&w.c.state, w.c.time_ms, p, "education", "a", "n");
        let f = r.failure().unwrap_or_else(|| panic!("verified: {r:?}"));
        (f.check, f.code.unwrap())
    };
    let enrolment = model::CredentialKind::Enrolment;
    // Signed by someone who is not the institution's issuer.
    let rogue = presented(&Keypair::generate(), enrolment, now_s, None);
    assert_eq!(verdict(&rogue), ("issuer", "credentials.not_an_issuer"));
    // Past its exp.
    let expired = presented(&issuer, enrolment, now_s - 100, Some(now_s - 1));
    assert_eq!(verdict(&expired), ("proof", "credentials.expired"));
    // A kind the university is not accredited for.
    let degree = presented(&issuer, model::CredentialKind::Degree, now_s, None);
    assert_eq!(
        verdict(&degree),
        ("accreditation", "credentials.not_accredited")
    );
    assert_eq!(
        verdict("not an sd-jwt"),
        ("proof", "credentials.sd_malformed")
    );
}

#[test]
fn another_institution_records_its_recognition_by_hash() {
    let mut w = world();
    let rector = w.rector.account();
    w.call(
        "rector",
        "identity",
        "add_member",
        json!({"agency": "college", "account": rector, "roles": ["issuer"]}),
    )
    .unwrap();
    let transcript = w.diploma(
        "registrar",
        "2027-06-30T12:00:00Z",
        json!({"type": ["VerifiableCredential", "TranscriptCredential"]}),
    );
    let hash = publica_credentials::credential_hash(&transcript).unwrap();
    let rec = |h: &str, issuer: &str, credits: u32| {
        json!({"agency": "college", "credential_hash": h, "issuer": issuer, "kind": "transcript",
               "credits_accepted": credits, "programme": "msc-data"})
    };
    assert!(
        code(w.cr("registrar", "record_recognition", rec(&hash, "uni", 30))).starts_with("auth")
    );
    assert_eq!(
        code(w.cr("rector", "record_recognition", rec("ABC", "uni", 30))),
        "credentials.invalid_field"
    );
    assert_eq!(
        code(w.cr("rector", "record_recognition", rec(&hash, "college", 30))),
        "credentials.invalid_field"
    );
    assert_eq!(
        code(w.cr("rector", "record_recognition", rec(&hash, "uni", 1_001))),
        "credentials.invalid_field"
    );
    w.cr("rector", "record_recognition", rec(&hash, "uni", 30))
        .unwrap();
    assert_eq!(
        code(w.cr("rector", "record_recognition", rec(&hash, "uni", 45))),
        "credentials.recognition_exists"
    );
    let stored =
        w.c.get(&String::from_utf8(model::recognition_key("college", &hash)).unwrap())
            .unwrap();
    assert_eq!(stored["credits_accepted"], 30);
    assert!(
        !stored.to_string().contains("BSc"),
        "the credential's content is not on the ledger: {stored}"
    );
    w.c.check_replay();
}

#[test]
fn a_did_web_issuer_verifies_through_the_domain_its_institution_registered() {
    let mut w = world();
    w.enact(
        "uni",
        json!({"change": "grant", "kinds": ["degree"], "from_ms": JAN_2027, "until_ms": JAN_2027 + 1_000 * DAY}),
    );
    let set = |d: Value| json!({"agency": "uni", "domain": d});
    assert!(code(w.cr("registrar", "set_domain", set(json!("uni.example")))).starts_with("auth"));
    for bad in [
        "Uni.Example",
        "uni",
        "uni.example:8443",
        "-uni.example",
        "uni..example",
    ] {
        assert_eq!(
            code(w.cr("rector", "set_domain", set(json!(bad)))),
            "credentials.invalid_field",
            "{bad}"
        );
    }
    w.cr("rector", "set_domain", set(json!("uni.example")))
        .unwrap();
    assert_eq!(
        code(w.cr(
            "rector",
            "set_domain",
            json!({"agency": "college", "domain": "uni.example"})
        )),
        "credentials.domain_taken"
    );
    // The DID document lists the issuers' keys, not the rector's.
    let reg = w.key("registrar").account();
    let doc = publica_credentials::queries::did_web_document(&w.c.state, "uni.example").unwrap();
    let vm = format!("did:web:uni.example#{reg}");
    assert_eq!(doc["id"], "did:web:uni.example");
    assert_eq!(doc["alsoKnownAs"][0], "did:publica:uni");
    assert_eq!(doc["assertionMethod"], json!([vm]));
    assert_eq!(
        doc["verificationMethod"][0]["publicKeyMultibase"],
        di::multikey(&reg)
    );

    w.c.time_ms = JAN_2027 + 200 * DAY;
    let sign = |issuer: &str, method: &str| {
        let doc = json!({
            "@context": [verify::VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": "Uni"},
            "validFrom": "2027-06-30T12:00:00Z",
            "credentialSubject": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"},
        });
        di::sign(&doc, &w.key("registrar"), method, "2027-06-30T12:00:00Z").unwrap()
    };
    let web = sign("did:web:uni.example", &vm);
    let r = w.check(&web);
    assert!(r.verified, "{r:?}");
    assert_eq!(r.institution.as_deref(), Some("uni"));
    // The issuer's DID and the signing key's must be the same did:web.
    let mixed = sign("did:web:uni.example", &format!("did:publica:{reg}#key-1"));
    assert_eq!(
        failed(&w.check(&mixed)),
        ("issuer", "credentials.not_an_issuer")
    );
    let elsewhere = sign("did:web:other.example", "did:web:other.example#00");
    assert_eq!(
        failed(&w.check(&elsewhere)),
        ("proof", "credentials.unknown_key")
    );
    // Moved to another domain: the old one no longer resolves.
    w.cr("rector", "set_domain", set(json!("www.uni.example")))
        .unwrap();
    assert!(publica_credentials::queries::did_web_document(&w.c.state, "uni.example").is_none());
    assert_eq!(failed(&w.check(&web)), ("proof", "credentials.unknown_key"));
    w.cr("rector", "set_domain", set(Value::Null)).unwrap();
    assert!(
        publica_credentials::queries::did_web_document(&w.c.state, "www.uni.example").is_none()
    );
}
