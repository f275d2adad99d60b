//! Group-scoped nullifiers through the real runtime: two pension schemes in
//! one group take one enrolment per person (until it exits), a program
//! outside the group takes its own, unlinkable nullifier, and a registry
//! token stays bound to its program.

use crate::common::*;
use publica_crypto::Keypair;
use publica_programs::nullifier;
use publica_runtime::testkit::{Rejected, TEST_CHAIN};
use publica_types::AccountId;
use serde_json::{json, Value};

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

/// Enrolment arguments with the registry's token for `scope`'s nullifier.
fn enrol(w: &World, program: &str, scope: &str, person: &str, account: &AccountId) -> Value {
    let n = nullifier::derive(&w.registry_secret, scope, person);
    let sig = w
        .registrar
        .sign(&nullifier::token_bytes(TEST_CHAIN, program, &n, account));
    json!({"program": program, "account": account, "nullifier": n,
           "registry_signer": w.registrar.account(), "registry_signature": sig, "agency": "city"})
}

#[test]
fn one_enrolment_per_person_in_a_group_and_none_linkable_outside_it() {
    let mut w = world();
    assert_eq!(
        code(w.program("bad", 10_000, json!({"group": "Pensions!"}))),
        "programs.invalid_field"
    );
    for id in ["pension-a", "pension-b", "pension-c"] {
        w.program(id, 10_000, json!({"group": "pensions"})).unwrap();
    }
    w.program("aid", 10_000, json!({})).unwrap();
    assert_eq!(w.program_json("pension-a")["group"], "pensions");
    let (a1, a2, a3) = (
        Keypair::generate().account(),
        Keypair::generate().account(),
        Keypair::generate().account(),
    );
    for a in [&a1, &a2, &a3] {
        w.attest(a, json!({"resident": true}), None, None).unwrap();
    }
    let group = nullifier::scope("pension-a", Some("pensions"));
    assert_eq!(group, nullifier::scope("pension-b", Some("pensions")));

    // Person 1 in pension A; pension B refuses the same person (another
    // account, the group's nullifier), whatever account they use.
    w.p(
        "officer",
        "enrol",
        enrol(&w, "pension-a", &group, "person-1", &a1),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(&w, "pension-b", &group, "person-1", &a2)
        )),
        "programs.nullifier_used"
    );
    // A token signed for pension A does not enrol in pension B.
    let mut forged = enrol(&w, "pension-a", &group, "person-2", &a2);
    forged["program"] = json!("pension-b");
    assert_eq!(
        code(w.p("officer", "enrol", forged)),
        "programs.bad_nullifier_token"
    );
    // Outside the group, the same person enrols with another nullifier
    // that nothing links to the group's.
    let aid = enrol(&w, "aid", &nullifier::scope("aid", None), "person-1", &a3);
    assert_ne!(
        aid["nullifier"],
        enrol(&w, "pension-a", &group, "person-1", &a1)["nullifier"]
    );
    w.p("officer", "enrol", aid).unwrap();

    // Once person 1 exits pension A (asked, then confirmed by a second
    // official), pension B enrols them; a pending exit is not enough.
    let leave =
        json!({"agency": "city", "program": "pension-a", "account": a1, "reason": "voluntary"});
    w.p("officer", "exit", leave.clone()).unwrap();
    assert_eq!(
        code(w.p(
            "officer",
            "enrol",
            enrol(&w, "pension-b", &group, "person-1", &a2)
        )),
        "programs.nullifier_used"
    );
    w.p("officer2", "exit", leave).unwrap();
    w.p(
        "officer",
        "enrol",
        enrol(&w, "pension-b", &group, "person-1", &a2),
    )
    .unwrap();
    // And a third pension of the group refuses them: B holds the nullifier.
    let a4 = Keypair::generate().account();
    w.attest(&a4, json!({"resident": true}), None, None)
        .unwrap();
    let third = enrol(&w, "pension-c", &group, "person-1", &a4);
    assert_eq!(
        code(w.p("officer", "enrol", third)),
        "programs.nullifier_used"
    );
    w.p(
        "officer",
        "enrol",
        enrol(&w, "pension-c", &group, "person-2", &a4),
    )
    .unwrap();
    w.c.check_replay();
}
