//! Private eligibility through the real runtime: a program whose
//! conditions are thresholds on numbers the registry attests only as
//! commitments ("income below 1,200,000", "age at least 65"); enrolment
//! with zero-knowledge proofs, every refusal with its code (a false
//! statement, another threshold, another subject's or program's proof, a
//! missing or malformed proof, a forged domain proof); a re-check after a
//! revocation asks for an exit, and new proofs over a new commitment carry
//! an enrolee on; no value is written anywhere; replay from genesis.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_crypto::Keypair;
use publica_programs::private::{condition_context, domain_context};
use publica_runtime::testkit::{Rejected, TEST_CHAIN};
use publica_types::AccountId;
use publica_zk::{Opening, Threshold};
use serde_json::{json, Value};

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

const INCOME_BELOW: u64 = 1_200_000;
const AGE_AT_LEAST: u64 = 65;

/// The registry commits to `value` as `name` about `subject`.
fn commit(w: &mut World, subject: &AccountId, name: &str, value: u64) -> Opening {
    let o = Opening::new(value);
    let c = o.commitment().to_hex();
    let ctx = domain_context(TEST_CHAIN, subject, name, "registry", &c);
    let proof = publica_zk::prove(&o, Threshold::AtLeast(0), &ctx).unwrap();
    w.p(
        "registrar",
        "attest_committed",
        json!({"agency": "registry", "subject": subject, "name": name, "commitment": c,
               "domain_proof": hex::encode(proof)}),
    )
    .unwrap();
    o
}

/// The holder's proof that `o` meets `t`, for `program` and `subject`.
fn proof(program: &str, subject: &AccountId, name: &str, o: &Opening, t: Threshold) -> String {
    let c = o.commitment().to_hex();
    let ctx = condition_context(TEST_CHAIN, program, subject, name, "registry", &c);
    hex::encode(publica_zk::prove(o, t, &ctx).unwrap())
}

/// A person: resident (attested in clear by the school), income and age
/// committed by the registry. Their account and openings.
fn person(w: &mut World, income: u64, age: u64) -> (AccountId, Opening, Opening) {
    let a = Keypair::generate().account();
    w.attest(&a, json!({"resident": true}), None, None).unwrap();
    let i = commit(w, &a, "income", income);
    let g = commit(w, &a, "age", age);
    (a, i, g)
}

fn proofs(program: &str, a: &AccountId, income: &Opening, age: &Opening) -> Value {
    json!([
        proof(program, a, "income", income, Threshold::Below(INCOME_BELOW)),
        proof(program, a, "age", age, Threshold::AtLeast(AGE_AT_LEAST)),
    ])
}

fn enrol(w: &World, person: &str, a: &AccountId, proofs: Value) -> Value {
    let mut args = w.enrol_args("heat", person, a);
    args["proofs"] = proofs;
    args
}

fn heat(extra: Value) -> Value {
    let mut v = json!({
        "attesters": ["school", "registry"],
        "attributes": {"resident": "bool"},
        "attribute_attesters": {"income": ["registry"], "age": ["registry"]},
        "private_conditions": [
            {"attribute": "income", "below": INCOME_BELOW},
            {"attribute": "age", "at_least": AGE_AT_LEAST},
        ],
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn private_conditions_are_proven_without_the_numbers() {
    let mut w = world();

    // Definitions: conditions are checked before anything is recorded.
    for (i, (bad, why)) in [
        (json!([{"attribute": "income", "below": 0}]), "below 0"),
        (
            json!([{"attribute": "income", "below": 5, "at_least": 1}]),
            "both",
        ),
        (json!([{"attribute": "income"}]), "neither"),
        (
            json!([{"attribute": "resident", "at_least": 1}]),
            "a clear attribute",
        ),
        (
            json!([{"attribute": "Bad Name", "at_least": 1}]),
            "a bad name",
        ),
        (
            json!([{"attribute": "a", "at_least": 1}, {"attribute": "b", "at_least": 1},
                   {"attribute": "c", "at_least": 1}, {"attribute": "d", "at_least": 1},
                   {"attribute": "e", "at_least": 1}]),
            "five conditions",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let args = heat(json!({"private_conditions": bad}));
        assert_eq!(
            code(w.program(&format!("bad{i}"), 100_000, args)),
            "programs.invalid_field",
            "{why}"
        );
    }
    w.program("heat", 100_000, heat(json!({}))).unwrap();
    let p = w.program_json("heat");
    assert_eq!(p["private_conditions"][0]["below"], INCOME_BELOW);
    assert_eq!(p["private_conditions"][1]["at_least"], AGE_AT_LEAST);

    // Committed attestations: checked, and their values are nowhere.
    let (ann, ann_income, ann_age) = person(&mut w, 900_000, 70);
    let e = w.events();
    let (_, d) = e
        .iter()
        .rev()
        .find(|(k, _)| k == "attested_committed")
        .unwrap();
    assert_eq!(d["name"], "age");
    assert_eq!(d["commitment"], ann_age.commitment().to_hex());
    let o = Opening::new(5);
    let c = o.commitment().to_hex();
    let for_ann = domain_context(TEST_CHAIN, &ann, "income", "registry", &c);
    let domain = hex::encode(publica_zk::prove(&o, Threshold::AtLeast(0), &for_ann).unwrap());
    let other = Keypair::generate().account();
    let attest = |subject: &AccountId, commitment: &str, proof: &str| {
        json!({"agency": "registry", "subject": subject, "name": "income",
               "commitment": commitment, "domain_proof": proof})
    };
    assert_eq!(
        code(w.p("registrar", "attest_committed", attest(&other, &c, &domain))),
        "programs.proof_invalid",
        "a domain proof made for another subject"
    );
    assert_eq!(
        code(w.p("registrar", "attest_committed", attest(&ann, &c, "abcd"))),
        "programs.proof_invalid",
        "a short proof"
    );
    assert_eq!(
        code(w.p(
            "registrar",
            "attest_committed",
            attest(&ann, &"00".repeat(32), &domain)
        )),
        "programs.invalid_field",
        "the identity is no commitment"
    );
    assert_eq!(
        code(w.p("registrar", "attest_committed", attest(&ann, "zz", &domain))),
        "programs.invalid_field"
    );
    assert!(
        code(w.p("teacher", "attest_committed", attest(&ann, &c, &domain))).starts_with("auth"),
        "only the registry's attesters attest for it"
    );

    // Enrolment with both proofs.
    w.p(
        "officer",
        "enrol",
        enrol(&w, "ann", &ann, proofs("heat", &ann, &ann_income, &ann_age)),
    )
    .unwrap();
    let key = String::from_utf8(publica_programs::model::enrolment_key("heat", &ann)).unwrap();
    let rec = w.c.get(&key).unwrap();
    assert_eq!(rec["proven"]["income"], ann_income.commitment().to_hex());
    assert_eq!(rec["proven"]["age"], ann_age.commitment().to_hex());
    let committed =
        w.c.get(&format!(
            "programs/committed/{}/income/registry",
            ann.to_hex()
        ))
        .unwrap();
    assert!(!committed.to_string().contains("900000"), "{committed}");

    // Refusals, each on a fresh account that is otherwise eligible.
    let (bob, bob_income, bob_age) = person(&mut w, 1_500_000, 70);
    assert_eq!(
        publica_zk::prove(&bob_income, Threshold::Below(INCOME_BELOW), b"anything"),
        Err(publica_zk::ZkError::False),
        "a false statement has no proof"
    );
    let other_threshold = json!([
        proof(
            "heat",
            &bob,
            "income",
            &bob_income,
            Threshold::Below(2_000_000)
        ),
        proof(
            "heat",
            &bob,
            "age",
            &bob_age,
            Threshold::AtLeast(AGE_AT_LEAST)
        ),
    ]);
    assert_eq!(
        code(w.p("officer", "enrol", enrol(&w, "bob", &bob, other_threshold))),
        "programs.proof_invalid",
        "a true proof of another threshold"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(&w, "bob", &bob, proofs("heat", &ann, &ann_income, &ann_age))
        )),
        "programs.proof_invalid",
        "another subject's proofs"
    );
    let (cat, cat_income, cat_age) = person(&mut w, 100_000, 80);
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(
                &w,
                "cat",
                &cat,
                proofs("other", &cat, &cat_income, &cat_age)
            )
        )),
        "programs.proof_invalid",
        "proofs made for another program"
    );
    assert_eq!(
        code(w.p("officer", "enrol", enrol(&w, "cat", &cat, json!([])))),
        "programs.proof_invalid",
        "no proofs"
    );
    let one = proofs("heat", &cat, &cat_income, &cat_age)[0].clone();
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(&w, "cat", &cat, json!([one.clone(), one]))
        )),
        "programs.proof_invalid",
        "the income proof in the age condition's place"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(&w, "cat", &cat, json!(["00", "11"]))
        )),
        "programs.proof_invalid",
        "malformed proofs"
    );
    let dan = Keypair::generate().account();
    w.attest(&dan, json!({"resident": true}), None, None)
        .unwrap();
    let dan_income = commit(&mut w, &dan, "income", 10);
    // The school commits to Dan's age: an agency the program does not trust
    // for it, so it does not count.
    let school_age = Opening::new(90);
    let c = school_age.commitment().to_hex();
    let ctx = domain_context(TEST_CHAIN, &dan, "age", "school", &c);
    let domain = hex::encode(publica_zk::prove(&school_age, Threshold::AtLeast(0), &ctx).unwrap());
    w.p(
        "teacher",
        "attest_committed",
        json!({"agency": "school", "subject": dan, "name": "age", "commitment": c, "domain_proof": domain}),
    )
    .unwrap();
    let dan_age_opening = Opening::new(90);
    let only_income = json!([
        proof(
            "heat",
            &dan,
            "income",
            &dan_income,
            Threshold::Below(INCOME_BELOW)
        ),
        proof(
            "heat",
            &dan,
            "age",
            &dan_age_opening,
            Threshold::AtLeast(AGE_AT_LEAST)
        ),
    ]);
    assert_eq!(
        code(w.p("officer", "enrol", enrol(&w, "dan", &dan, only_income))),
        "programs.not_eligible",
        "no committed attestation of age"
    );
    // Proofs for a program without private conditions.
    w.program("plain", 100_000, json!({})).unwrap();
    let mut plain = w.enrol_args("plain", "cat", &cat);
    plain["proofs"] = proofs("plain", &cat, &cat_income, &cat_age);
    assert_eq!(
        code(w.p("officer", "enrol", plain)),
        "programs.invalid_field"
    );
    w.p(
        "officer",
        "enrol",
        enrol(&w, "cat", &cat, proofs("heat", &cat, &cat_income, &cat_age)),
    )
    .unwrap();
    assert_eq!(w.program_json("heat")["enrolled"], 2);

    // Paid like anyone.
    w.p(
        "officer",
        "payout",
        json!({"agency": "city", "program": "heat", "account": ann, "period": "2027-01"}),
    )
    .unwrap();
    assert_eq!(w.balance(&w.benefit_account("heat", &ann)), 1000);

    // A re-check: nothing changed, confirmed; the registry revokes Ann's
    // income, and the re-check asks for her exit.
    let at = |a: &AccountId, extra: Value| {
        let mut v = json!({"agency": "city", "program": "heat", "account": a});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    w.p("officer", "recheck", at(&ann, json!({}))).unwrap();
    assert!(w.events().iter().any(|(k, _)| k == "eligibility_confirmed"));
    w.p(
        "registrar",
        "revoke_attestation",
        json!({"agency": "registry", "subject": ann, "name": "income", "committed": true}),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "registrar",
            "revoke_attestation",
            json!({"agency": "registry", "subject": ann, "name": "income", "committed": true, "period": "2027-01"})
        )),
        "programs.invalid_field"
    );
    w.p("officer", "recheck", at(&ann, json!({}))).unwrap();
    assert!(
        w.events()
            .iter()
            .any(|(k, d)| k == "exit_requested" && d["reason"] == "no_longer_eligible"),
        "{:?}",
        w.events()
    );

    // Cat's income changes: a new commitment. Without new proofs the
    // re-check asks for an exit; with them (on the new commitment) it
    // confirms and records what was proven.
    let new_income = commit(&mut w, &cat, "income", 200_000);
    let stale = proofs("heat", &cat, &cat_income, &cat_age);
    assert_eq!(
        code(w.p("officer", "recheck", at(&cat, json!({"proofs": stale})))),
        "programs.proof_invalid",
        "proofs over the replaced commitment"
    );
    w.p(
        "officer",
        "recheck",
        at(
            &cat,
            json!({"proofs": proofs("heat", &cat, &new_income, &cat_age)}),
        ),
    )
    .unwrap();
    let key = String::from_utf8(publica_programs::model::enrolment_key("heat", &cat)).unwrap();
    assert_eq!(
        w.c.get(&key).unwrap()["proven"]["income"],
        new_income.commitment().to_hex()
    );
    assert!(w.c.get(&key).unwrap().get("standing").is_none());

    w.c.check_replay();
}
