//! Programs through the real runtime, every call a signed transaction in its
//! own block, with replay from genesis at the end: definitions, rules,
//! attestations, enrolment with nullifiers, the four kinds of payout, the
//! budget cap, versions, overrides and dry runs — and every bad-input code.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_crypto::Keypair;
use publica_programs::{period, queries};
use publica_runtime::testkit::Rejected;
use serde_json::json;

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

#[test]
fn definitions_are_checked_and_approved() {
    let mut w = world();
    let f = w.fund_program("cct", 10_000);
    let base = json!({
        "agency": "city", "id": "cct", "name": "Conditional cash", "currency": "CITY",
        "funding_account": f, "budget_cap": "10000", "attesters": ["school"], "registry": "registry",
        "attributes": {"attendance_pct": "int", "resident": "bool"},
        "eligibility": "attr.resident", "benefit": "params.amount", "params": {"amount": 500},
        "condition": "attr.attendance_pct >= 85",
        "start_ms": JAN_2027, "end_ms": JAN_2027 + 12 * MONTH,
    });
    let with = |k: &str, v: serde_json::Value| {
        let mut a = base.clone();
        a[k] = v;
        a
    };
    // Bad rules carry line and column.
    let kp = w.key("officer");
    w.c.call(
        &kp,
        "programs",
        "create_program",
        with("eligibility", json!("attr.resident &&")),
    )
    .unwrap_err();
    let last = w.c.blocks.last().unwrap().outcomes[0]
        .error
        .clone()
        .unwrap();
    assert_eq!(last.code, "programs.invalid_rule");
    assert!(last.message.contains("line 1"), "{}", last.message);
    w.c.call(
        &kp,
        "programs",
        "create_program",
        with("condition", json!("attr.attendance_pct >= 0.85")),
    )
    .unwrap_err();
    let last = w.c.blocks.last().unwrap().outcomes[0]
        .error
        .clone()
        .unwrap();
    assert_eq!(last.code, "programs.invalid_rule");
    assert!(
        last.message.contains("column 24") && last.message.contains("floating point"),
        "{}",
        last.message
    );
    assert_eq!(
        code(w.p(
            "officer",
            "create_program",
            with("benefit", json!("attr.resident"))
        )),
        "programs.invalid_rule"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "create_program",
            with("eligibility", json!("attr.income > 3"))
        )),
        "programs.invalid_rule"
    );
    assert_eq!(
        code(w.p("teacher", "create_program", base.clone())),
        "auth.unauthorized"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "create_program",
            with("funding_account", json!("nope"))
        )),
        "money.unknown_account"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "create_program",
            with("attesters", json!(["nowhere"]))
        )),
        "auth.unknown_agency"
    );
    assert_eq!(
        code(w.p("officer", "create_program", with("end_ms", json!(JAN_2027)))),
        "programs.invalid_field"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "create_program",
            with("indexes", json!(["stats/cpi"]))
        )),
        "programs.unknown_index"
    );
    assert_eq!(
        code(w.p("officer", "create_program", with("indexes", json!(["cpi"])))),
        "programs.invalid_field"
    );
    assert_eq!(
        code(w.p("officer", "create_program", with("extra", json!(1)))),
        "call.invalid_args"
    );
    w.p("officer", "create_program", base.clone()).unwrap();
    assert_eq!(
        code(w.p("officer", "create_program", base.clone())),
        "programs.program_exists"
    );

    // Not active until the administrators approve.
    let alice = Keypair::generate().account();
    let args = w.enrol_args("cct", "person-a", &alice);
    assert_eq!(
        code(w.p("officer", "enrol", args.clone())),
        "programs.inactive"
    );
    assert_eq!(
        code(w.p("officer", "approve", w.approval("cct"))),
        "auth.unauthorized"
    );
    let mut other = w.approval("cct");
    other["hash"] = json!("00".repeat(32));
    assert_eq!(
        code(w.p("admin", "approve", other.clone())),
        "programs.approval_mismatch"
    );
    w.p("admin", "approve", w.approval("cct")).unwrap();
    assert_eq!(
        code(w.p("admin", "approve", other)),
        "programs.nothing_pending"
    );
    assert!(w.program_json("cct")["active"].as_bool().unwrap());
    w.c.check_replay();
}

#[test]
fn enrolment_needs_an_unused_nullifier_and_eligibility() {
    let mut w = world();
    w.program("ubi", 1_000_000, json!({})).unwrap();
    let alice = Keypair::generate();
    let a = alice.account();
    // Not eligible without the attested attribute.
    assert_eq!(
        code(w.p("officer", "enrol", w.enrol_args("ubi", "person-a", &a))),
        "programs.not_eligible"
    );
    // A registry attester's attestation does not count for a program that
    // accredits only the school.
    w.p(
        "registrar",
        "attest",
        json!({"agency": "registry", "subject": a, "claims": {"resident": true}}),
    )
    .unwrap();
    assert_eq!(
        code(w.p("officer", "enrol", w.enrol_args("ubi", "person-a", &a))),
        "programs.not_eligible"
    );
    assert_eq!(
        code(w.p("registrar", "attest", json!({"agency": "registry", "subject": a, "claims": {"resident": true}, "period": "2027-01", "program": "ubi"}))),
        "programs.attester_not_accredited"
    );
    assert_eq!(
        code(w.attest(&a, json!({"resident": true}), None, None).and(w.p(
            "teacher",
            "attest",
            json!({"agency": "school", "subject": a, "claims": {"resident": true}, "expires_ms": 5})
        ))),
        "programs.attestation_expired"
    );
    assert_eq!(
        code(w.p(
            "teacher",
            "attest",
            json!({"agency": "registry", "subject": a, "claims": {"resident": true}})
        )),
        "auth.unauthorized"
    );
    assert_eq!(
        code(w.p(
            "teacher",
            "attest",
            json!({"agency": "school", "subject": a, "claims": {"x": [1]}})
        )),
        "call.invalid_args"
    );

    // A token signed by someone else, or for another account, is refused.
    let mut bad = w.enrol_args("ubi", "person-a", &a);
    bad["registry_signer"] = json!(w.teacher.account());
    assert_eq!(
        code(w.p("officer", "enrol", bad)),
        "programs.bad_nullifier_token"
    );
    let mut bad = w.enrol_args("ubi", "person-a", &a);
    bad["account"] = json!(Keypair::generate().account());
    assert_eq!(
        code(w.p("officer", "enrol", bad)),
        "programs.bad_nullifier_token"
    );
    let mut bad = w.enrol_args("ubi", "person-a", &a);
    bad["nullifier"] = json!("ZZ");
    assert_eq!(code(w.p("officer", "enrol", bad)), "programs.invalid_field");
    // Only the enrolee or a caseworker may enrol.
    let mut selfish = w.enrol_args("ubi", "person-a", &a);
    selfish.as_object_mut().unwrap().remove("agency");
    assert_eq!(
        code(w.p("teacher", "enrol", selfish.clone())),
        "programs.not_allowed"
    );
    // The enrolee enrols themself.
    w.c.call(&alice, "programs", "enrol", selfish).unwrap();
    assert_eq!(
        code(w.p("officer", "enrol", w.enrol_args("ubi", "person-a", &a))),
        "programs.already_enrolled"
    );

    // The same person under another account: the nullifier is used.
    let alias = Keypair::generate().account();
    w.attest(&alias, json!({"resident": true}), None, None)
        .unwrap();
    let twice = w.enrol_args("ubi", "person-a", &alias);
    assert_eq!(
        code(w.p("officer", "enrol", twice.clone())),
        "programs.nullifier_used"
    );
    // An override needs two officials, and is logged.
    let n = twice["nullifier"].as_str().unwrap().to_string();
    let o = json!({"agency": "city", "program": "ubi", "nullifier": n, "reason": "registry merged two records by mistake"});
    assert_eq!(
        code(w.p("officer", "approve_override", o.clone())),
        "programs.nothing_pending"
    );
    w.p("officer", "request_override", o.clone()).unwrap();
    assert_eq!(
        code(w.p("officer", "approve_override", o.clone())),
        "programs.already_approved"
    );
    w.p("officer2", "approve_override", o.clone()).unwrap();
    let ev = &w.c.blocks.last().unwrap().outcomes[0].events[0];
    assert_eq!(ev.kind, "dedup_override_approved");
    w.p("officer", "enrol", twice.clone()).unwrap();
    // The override allowed exactly one more.
    let third = Keypair::generate().account();
    w.attest(&third, json!({"resident": true}), None, None)
        .unwrap();
    assert_eq!(
        code(w.p("officer", "enrol", w.enrol_args("ubi", "person-a", &third))),
        "programs.nullifier_used"
    );
    // Another person is fine; the program counts two enrolees.
    w.p("officer", "enrol", w.enrol_args("ubi", "person-b", &third))
        .unwrap();
    assert_eq!(w.program_json("ubi")["enrolled"], 3);

    // After the program's end nobody enrols.
    w.c.time_ms = JAN_2027 + 25 * MONTH;
    let late = Keypair::generate().account();
    assert_eq!(
        code(w.p("officer", "enrol", w.enrol_args("ubi", "person-c", &late))),
        "programs.program_ended"
    );
    w.c.check_replay();
    w.conserved();
}

#[test]
fn conditional_payouts_are_released_by_the_attestation() {
    let mut w = world();
    w.program(
        "cct",
        100_000,
        json!({"condition": "attr.attendance_pct >= 85", "params": {"amount": 2500}}),
    )
    .unwrap();
    let kid = w.enrolee("cct", "child-1", json!({"resident": true}));
    let acct = w.benefit_account("cct", &kid);

    // 80 % attendance: recorded, nothing paid.
    w.attest(
        &kid,
        json!({"attendance_pct": 80}),
        Some("2027-01"),
        Some("cct"),
    )
    .unwrap();
    assert_eq!(w.balance(&acct), 0);
    let evs = &w.c.blocks.last().unwrap().outcomes[0].events;
    assert!(evs.iter().any(|e| e.kind == "condition_not_met"), "{evs:?}");
    // 90 %: paid in the same block as the attestation.
    w.attest(
        &kid,
        json!({"attendance_pct": 90}),
        Some("2027-01"),
        Some("cct"),
    )
    .unwrap();
    assert_eq!(w.balance(&acct), 2500);
    let evs = &w.c.blocks.last().unwrap().outcomes[0].events;
    assert!(
        evs.iter()
            .any(|e| e.kind == "payout" && e.data["period"] == "2027-01"),
        "{evs:?}"
    );
    // A second attestation for the same period pays nothing more.
    w.attest(
        &kid,
        json!({"attendance_pct": 99}),
        Some("2027-01"),
        Some("cct"),
    )
    .unwrap();
    assert_eq!(w.balance(&acct), 2500);
    // The next month is paid on its own attestation, once it has begun.
    assert_eq!(
        code(w.attest(
            &kid,
            json!({"attendance_pct": 86}),
            Some("2027-02"),
            Some("cct"),
        )),
        "programs.period_not_payable"
    );
    w.c.time_ms = JAN_2027 + MONTH;
    w.attest(
        &kid,
        json!({"attendance_pct": 86}),
        Some("2027-02"),
        Some("cct"),
    )
    .unwrap();
    assert_eq!(w.balance(&acct), 5000);
    // Revoking the attester's role makes its attestations count for nothing.
    let t = w.teacher.account();
    w.call(
        "admin",
        "identity",
        "revoke_role",
        json!({"agency": "school", "account": t, "role": "attester"}),
    )
    .unwrap();
    assert_eq!(
        code(w.attest(
            &kid,
            json!({"attendance_pct": 95}),
            Some("2027-03"),
            Some("cct")
        )),
        "auth.unauthorized"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "payout",
            json!({"agency": "city", "program": "cct", "account": kid, "period": "2027-01"})
        )),
        "programs.already_paid"
    );
    let e = queries::enrolee(&w.c.state, "cct", &kid).unwrap();
    assert_eq!(e["payouts"].as_array().unwrap().len(), 2);
    assert_eq!(e["payouts"][0]["kind"], "conditional");
    assert!(e["payouts"][0]["tx_id"].is_string());
    w.c.check_replay();
    w.conserved();
}

#[test]
fn on_demand_payouts_and_rule_versions() {
    let mut w = world();
    w.program("aid", 100_000, json!({"benefit": "params.amount + (has(attr.age) && attr.age >= 65 ? params.senior : 0)", "params": {"amount": 1000, "senior": 500}})).unwrap();
    let young = w.enrolee("aid", "y", json!({"resident": true, "age": 30}));
    let old = w.enrolee("aid", "o", json!({"resident": true, "age": 70}));
    let pay = |a: &publica_types::AccountId, p: &str| json!({"agency": "city", "program": "aid", "account": a, "period": p});
    // A payout naming the amount the paying system expects is refused, and
    // pays nothing, when the rule gives another.
    let mut wrong = pay(&young, "2027-01");
    wrong["expected_amount"] = json!("999");
    assert_eq!(
        code(w.p("officer", "payout", wrong)),
        "programs.amount_mismatch"
    );
    assert_eq!(w.balance(&w.benefit_account("aid", &young)), 0);
    let mut right = pay(&young, "2027-01");
    right["expected_amount"] = json!("1000");
    w.p("officer", "payout", right).unwrap();
    w.p("officer", "payout", pay(&old, "2027-01")).unwrap();
    assert_eq!(w.balance(&w.benefit_account("aid", &young)), 1000);
    assert_eq!(w.balance(&w.benefit_account("aid", &old)), 1500);
    assert_eq!(
        code(w.p("officer", "payout", pay(&old, "2027-01"))),
        "programs.already_paid"
    );
    assert_eq!(
        code(w.p("officer", "payout", pay(&old, "2031-01"))),
        "programs.period_not_payable"
    );
    assert_eq!(
        code(w.p("officer", "payout", pay(&old, "2027-1"))),
        "programs.invalid_period"
    );
    assert_eq!(
        code(w.p("teacher", "payout", pay(&old, "2027-02"))),
        "auth.unauthorized"
    );
    let stranger = Keypair::generate().account();
    assert_eq!(
        code(w.p("officer", "payout", pay(&stranger, "2027-01"))),
        "programs.not_enrolled"
    );

    // Dry run of a rule change: seniors gain, nobody loses.
    let dry = queries::dry_run(
        &w.c.state,
        "aid",
        serde_json::from_value(json!({"params": {"amount": 1000, "senior": 800}})).unwrap(),
        w.c.height(),
        w.c.time_ms,
    )
    .unwrap();
    assert_eq!(
        (dry["gainers"].as_u64(), dry["losers"].as_u64()),
        (Some(1), Some(0)),
        "{dry}"
    );
    assert_eq!(
        dry["total_proposed"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            - dry["total_current"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap(),
        300
    );
    assert_eq!(dry["changes"][0]["account"], json!(old));
    let bad = queries::dry_run(
        &w.c.state,
        "aid",
        serde_json::from_value(json!({"benefit": "attr.nope"})).unwrap(),
        w.c.height(),
        w.c.time_ms,
    );
    assert_eq!(bad.unwrap_err().code, "programs.invalid_rule");

    // Someone enrolled in January is not paid until February.
    let late = w.enrolee("aid", "late", json!({"resident": true, "age": 80}));
    // Enact it from a later height; earlier payouts stay explained by v1.
    let from = w.c.height() + 3;
    w.p("officer", "amend_program", json!({"agency": "city", "program": "aid", "from_height": from, "eligibility": "attr.resident", "benefit": "params.amount + (has(attr.age) && attr.age >= 65 ? params.senior : 0)", "params": {"amount": 1000, "senior": 800}})).unwrap();
    assert_eq!(code(w.p("officer", "amend_program", json!({"agency": "city", "program": "aid", "from_height": 1, "eligibility": "true", "benefit": "1"}))), "programs.invalid_field");
    w.p("admin", "approve", w.approval("aid")).unwrap();
    w.c.idle(3);
    w.c.time_ms += MONTH;
    w.p("officer", "payout", pay(&old, "2027-02")).unwrap();
    assert_eq!(w.balance(&w.benefit_account("aid", &old)), 1500 + 1800);
    // Arrears for January are paid under the rules in force when January
    // began (v1), not today's.
    let v = w.program_json("aid")["versions"][1]["from_ms"]
        .as_u64()
        .unwrap();
    assert!(
        v > JAN_2027 && v < JAN_2027 + MONTH,
        "v2 came in force in January"
    );
    w.p("officer", "payout", pay(&late, "2027-01")).unwrap();
    w.p("officer", "payout", pay(&late, "2027-02")).unwrap();
    assert_eq!(w.balance(&w.benefit_account("aid", &late)), 1500 + 1800);
    let e = queries::enrolee(&w.c.state, "aid", &late).unwrap();
    assert_eq!(e["payouts"][0]["version"], 1);
    assert_eq!(e["payouts"][1]["version"], 2);
    let e = queries::enrolee(&w.c.state, "aid", &old).unwrap();
    assert_eq!(
        (
            e["payouts"][0]["version"].as_u64(),
            e["payouts"][1]["version"].as_u64()
        ),
        (Some(1), Some(2))
    );
    w.c.check_replay();
    w.conserved();
}

#[test]
fn schedules_pay_once_per_period_and_catch_up() {
    let mut w = world();
    let people = w.monthly("ubi", 1_000_000, 700, 4);
    // January is due from the program's start: the next block pays it.
    w.c.idle(1);
    let jan = queries::run(&w.c.state, "ubi", "2027-01", 0, 100).unwrap();
    assert_eq!(jan.0.paid_count, 4, "{:?}", jan.1);
    // Each enrolee was paid by the ledger's own work at the start of the
    // block after their enrolment.
    let by_ledger: usize =
        w.c.blocks
            .iter()
            .map(|b| {
                b.ledger_events
                    .iter()
                    .filter(|e| e.kind == "payout")
                    .count()
            })
            .sum();
    assert_eq!(by_ledger, 4);
    w.c.idle(3);
    assert_eq!(
        w.paid_total("ubi"),
        2800,
        "no second payment in the same period"
    );

    // One enrolee's attestation is revoked: their payout fails with a code,
    // the others are paid. Only the attesting agency revokes, and only what
    // exists.
    assert_eq!(
        code(w.p(
            "registrar",
            "revoke_attestation",
            json!({"agency": "registry", "subject": people[3], "name": "resident"})
        )),
        "programs.unknown_attestation"
    );
    assert_eq!(
        code(w.p(
            "teacher",
            "revoke_attestation",
            json!({"agency": "school", "subject": people[3], "name": "age"})
        )),
        "programs.unknown_attestation"
    );
    w.p(
        "teacher",
        "revoke_attestation",
        json!({"agency": "school", "subject": people[3], "name": "resident"}),
    )
    .unwrap();
    // The node was down for three months: the next block pays Feb, Mar, Apr.
    w.c.time_ms = JAN_2027 + 3 * MONTH + 86_400_000;
    w.c.idle(1);
    for p in ["2027-02", "2027-03", "2027-04"] {
        let (t, entries) = queries::run(&w.c.state, "ubi", p, 0, 100).unwrap();
        assert_eq!((t.paid_count, t.failed_count), (3, 1), "{p}: {entries:?}");
        assert_eq!(
            entries
                .iter()
                .find(|e| e.status == "failed")
                .unwrap()
                .code
                .as_deref(),
            Some("programs.not_eligible")
        );
    }
    assert!(
        queries::run(&w.c.state, "ubi", "2027-05", 0, 100).is_none(),
        "May has not begun"
    );
    w.c.idle(2);
    assert_eq!(w.paid_total("ubi"), 2800 + 3 * 3 * 700);
    for a in &people[..3] {
        assert_eq!(w.balance(&w.benefit_account("ubi", a)), 4 * 700);
    }
    // Scheduled payouts are the ledger's own work: the holder's history
    // shows each, with its block height and no transaction id (the
    // block's results root commits them).
    let history = w.c.indexed(&format!(
        "money/account/{}",
        w.benefit_account("ubi", &people[0])
    ));
    assert_eq!(history.len(), 5, "{history:?}");
    assert_eq!(history[0]["kind"], "opened", "the enrolment opened it");
    for e in &history[1..] {
        assert_eq!(
            (
                e["kind"].as_str(),
                e["direction"].as_str(),
                e["amount"].as_str()
            ),
            (Some("transfer"), Some("in"), Some("700")),
            "{e}"
        );
        assert!(
            e.get("tx_id").is_none() && e["height"].as_u64().is_some(),
            "{e}"
        );
    }
    let s = queries::summary(&w.c.state, "ubi", w.c.height()).unwrap();
    assert_eq!(s["periods"].as_array().unwrap().len(), 4);
    w.c.check_replay();
    w.conserved();
}

#[test]
fn budget_cap_stops_payouts_without_overspending() {
    let mut w = world();
    let people = w.monthly("small", 2_500, 1000, 3);
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 2000);
    let evs = &w.c.blocks.last().unwrap().ledger_events;
    assert!(evs.iter().any(|e| e.kind == "budget_exhausted"), "{evs:?}");
    assert!(evs
        .iter()
        .any(|e| e.kind == "payout_failed" && e.data["code"] == "programs.budget_exceeded"));
    assert_eq!(
        code(w.p(
            "officer",
            "payout",
            json!({"agency": "city", "program": "small", "account": people[2], "period": "2027-01"})
        )),
        "programs.budget_exceeded"
    );
    w.c.time_ms += 2 * MONTH;
    w.c.idle(2);
    assert_eq!(w.paid_total("small"), 2000, "the schedule stopped");
    assert!(
        queries::summary(&w.c.state, "small", w.c.height()).unwrap()["schedule"]["next_due_ms"]
            .is_null()
    );
    w.c.check_replay();
    w.conserved();
}

#[test]
fn indexation_adjusts_payouts_from_the_next_period() {
    let mut w = world();
    assert_eq!(
        code(w.p(
            "oracle0",
            "create_index",
            json!({"agency": "stats", "name": "cpi", "threshold": 2})
        )),
        "auth.unauthorized"
    );
    w.p(
        "admin",
        "create_index",
        json!({"agency": "stats", "name": "cpi", "threshold": 2}),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "admin",
            "create_index",
            json!({"agency": "stats", "name": "cpi", "threshold": 1})
        )),
        "programs.index_exists"
    );
    let vote = |v: i64| json!({"agency": "stats", "name": "cpi", "period": "2026-12", "value": v});
    w.p("oracle0", "publish_index", vote(1000)).unwrap();
    assert_eq!(
        code(w.p("oracle0", "publish_index", vote(1000))),
        "programs.already_approved"
    );
    assert_eq!(
        code(w.p("officer", "publish_index", vote(1000))),
        "auth.unauthorized"
    );
    w.p("oracle1", "publish_index", vote(1000)).unwrap();
    // The pension starts in February: the index published in January is in
    // force for it.
    w.program("pension", 10_000_000, json!({"schedule": "monthly", "indexes": ["stats/cpi"], "benefit": "params.base * index.cpi / 1000", "params": {"base": 20000}, "start_ms": JAN_2027 + MONTH})).unwrap();
    w.c.time_ms = JAN_2027 + MONTH;
    let p = w.enrolee("pension", "gran", json!({"resident": true}));
    w.c.idle(1);
    assert_eq!(w.balance(&w.benefit_account("pension", &p)), 20_000);
    // Prices rose 5 %: oracles disagree at first, then two agree.
    let vote = |v: i64| json!({"agency": "stats", "name": "cpi", "period": "2027-01", "value": v});
    w.p("oracle0", "publish_index", vote(1049)).unwrap();
    w.p("oracle1", "publish_index", vote(1050)).unwrap();
    assert_eq!(
        w.c.get("programs/index/stats/cpi").unwrap()["values"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    w.p("oracle2", "publish_index", vote(1050)).unwrap();
    assert_eq!(
        w.c.get("programs/index/stats/cpi").unwrap()["values"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    w.c.time_ms = JAN_2027 + 2 * MONTH;
    w.c.idle(1);
    assert_eq!(
        w.balance(&w.benefit_account("pension", &p)),
        20_000 + 21_000
    );
    w.c.check_replay();
    w.conserved();
}

#[test]
fn a_rule_failing_for_one_enrolee_is_recorded_and_the_block_goes_on() {
    let mut w = world();
    // 1000 / (age - 30) - 100: division by zero at 30, below zero at 70.
    w.program(
        "calc",
        1_000_000,
        json!({"schedule": "monthly", "benefit": "params.amount / (attr.age - 30) - 100", "params": {"amount": 1000}}),
    )
    .unwrap();
    let thirty = w.enrolee("calc", "a", json!({"resident": true, "age": 30}));
    let seventy = w.enrolee("calc", "b", json!({"resident": true, "age": 70}));
    let thirtyfive = w.enrolee("calc", "c", json!({"resident": true, "age": 35}));
    w.c.idle(1);
    let (t, entries) = queries::run(&w.c.state, "calc", "2027-01", 0, 100).unwrap();
    assert_eq!((t.paid_count, t.failed_count), (1, 2), "{entries:?}");
    let code_of = |a| {
        entries
            .iter()
            .find(|e| e.account == a)
            .and_then(|e| e.code.clone())
    };
    assert_eq!(code_of(thirty).as_deref(), Some("programs.rule_error"));
    assert_eq!(code_of(seventy).as_deref(), Some("programs.zero_benefit"));
    assert_eq!(code_of(thirtyfive), None);
    assert_eq!(w.balance(&w.benefit_account("calc", &thirtyfive)), 100);
    // The same failures on demand fail the transaction with their code.
    let pay = |a: &publica_types::AccountId| json!({"agency": "city", "program": "calc", "account": a, "period": "2027-01"});
    assert_eq!(
        code(w.p("officer", "payout", pay(&thirty))),
        "programs.rule_error"
    );
    assert_eq!(
        code(w.p("officer", "payout", pay(&seventy))),
        "programs.zero_benefit"
    );
    w.c.check_replay();
    w.conserved();
}

/// A payable period has begun, lies within the
/// program's dates and the enrolment's, and is at most three periods back
/// unless a second official approves an override with a reason code; an
/// on-demand payout of a conditional program needs its condition too.
#[test]
fn only_periods_within_the_program_and_the_enrolment_are_paid() {
    let mut w = world();
    // A schedule from 1970, approved and joined in January 2027, pays
    // January 2027 alone (it once paid 684 months).
    w.program(
        "old",
        10_000_000,
        json!({"schedule": "monthly", "start_ms": 0, "params": {"amount": 100}}),
    )
    .unwrap();
    let a = w.enrolee("old", "a", json!({"resident": true}));
    w.c.idle(2);
    let e = queries::enrolee(&w.c.state, "old", &a).unwrap();
    let periods: Vec<&str> = e["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2027-01"]);
    assert_eq!(w.paid_total("old"), 100);
    let pay = |prog: &str, a: &publica_types::AccountId, p: &str| json!({"agency": "city", "program": prog, "account": a, "period": p});
    for (per, why) in [
        ("1999-01", "before the enrolment"),
        ("2026-12", "before the enrolment"),
        ("2027-02", "has not begun"),
    ] {
        assert_eq!(
            code(w.p("officer", "payout", pay("old", &a, per))),
            "programs.period_not_payable",
            "{per}: {why}"
        );
    }

    // Someone who joins in March is not paid for the months before.
    w.c.time_ms = JAN_2027 + 2 * MONTH;
    let late = w.enrolee("old", "late", json!({"resident": true}));
    w.c.idle(2);
    let e = queries::enrolee(&w.c.state, "old", &late).unwrap();
    assert_eq!(e["payouts"].as_array().unwrap().len(), 1, "{e}");
    assert_eq!(e["payouts"][0]["period"], "2027-03");
    assert_eq!(
        code(w.p("officer", "payout", pay("old", &late, "2027-02"))),
        "programs.period_not_payable"
    );

    // On demand, arrears go three periods back; older ones need an
    // override, approved by a second official, with a reason code.
    w.program("aid", 100_000, json!({"start_ms": JAN_2027 - 12 * MONTH}))
        .unwrap();
    let b = w.enrolee("aid", "b", json!({"resident": true}));
    assert_eq!(
        code(w.p("officer", "payout", pay("aid", &b, "2027-02"))),
        "programs.period_not_payable",
        "before the enrolment even within the program's dates"
    );
    w.c.time_ms = JAN_2027 + 7 * MONTH + 86_400_000; // 7 August
    assert_eq!(
        code(w.p("officer", "payout", pay("aid", &b, "2027-04"))),
        "programs.period_not_payable"
    );
    w.p("officer", "payout", pay("aid", &b, "2027-05")).unwrap();
    let req = |per: &str, reason: &str| json!({"agency": "city", "program": "aid", "account": b, "period": per, "reason": reason, "note": "claim lodged in February, lost in the mail room"});
    let approve =
        |per: &str| json!({"agency": "city", "program": "aid", "account": b, "period": per});
    assert!(code(w.p(
        "officer",
        "request_payout_override",
        req("2027-04", "because")
    ))
    .starts_with("call.invalid_args"));
    assert_eq!(
        code(w.p(
            "officer",
            "request_payout_override",
            req("2027-02", "late_claim")
        )),
        "programs.period_not_payable",
        "never before the enrolment"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "request_payout_override",
            req("2027-05", "late_claim")
        )),
        "programs.already_paid"
    );
    let mut bad_note = req("2027-04", "late_claim");
    bad_note["note"] = json!("");
    assert_eq!(
        code(w.p("officer", "request_payout_override", bad_note)),
        "programs.invalid_field"
    );
    assert_eq!(
        code(w.p("officer", "approve_payout_override", approve("2027-04"))),
        "programs.nothing_pending"
    );
    w.p(
        "officer",
        "request_payout_override",
        req("2027-04", "late_claim"),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "officer",
            "request_payout_override",
            req("2027-04", "late_claim")
        )),
        "programs.already_approved"
    );
    assert_eq!(
        code(w.p("officer", "approve_payout_override", approve("2027-04"))),
        "programs.already_approved",
        "the requester cannot approve"
    );
    assert_eq!(w.balance(&w.benefit_account("aid", &b)), 1000);
    w.p("officer2", "approve_payout_override", approve("2027-04"))
        .unwrap();
    assert_eq!(w.balance(&w.benefit_account("aid", &b)), 2000);
    assert_eq!(
        code(w.p("officer2", "approve_payout_override", approve("2027-04"))),
        "programs.nothing_pending",
        "an approval pays once"
    );
    let (_, entries) = queries::run(&w.c.state, "aid", "2027-04", 0, 10).unwrap();
    assert_eq!(entries[0].kind.as_str(), "override");
    assert_eq!(
        entries[0]
            .override_reason
            .map(publica_programs::model::OverrideReason::as_str),
        Some("late_claim")
    );

    // A conditional program: no attestation for a period that has not
    // begun or lies outside its dates; no on-demand payout without the
    // condition; an override with a reason code pays without it.
    w.program(
        "cct",
        100_000,
        json!({"condition": "attr.attendance_pct >= 85", "params": {"amount": 2500}}),
    )
    .unwrap();
    let kid = w.enrolee("cct", "kid", json!({"resident": true}));
    assert_eq!(
        code(w.attest(
            &kid,
            json!({"attendance_pct": 99}),
            Some("2027-12"),
            Some("cct")
        )),
        "programs.period_not_payable"
    );
    assert_eq!(
        code(w.attest(
            &kid,
            json!({"attendance_pct": 99}),
            Some("2026-10"),
            Some("cct")
        )),
        "programs.period_not_payable",
        "before the program's start"
    );
    assert_eq!(
        code(w.p("officer", "payout", pay("cct", &kid, "2027-08"))),
        "programs.condition_not_met"
    );
    let mut r = req("2027-08", "attester_unavailable");
    r["program"] = json!("cct");
    r["account"] = json!(kid);
    r["note"] = json!("school closed by flooding in August");
    w.p("officer", "request_payout_override", r).unwrap();
    let mut ap = approve("2027-08");
    ap["program"] = json!("cct");
    ap["account"] = json!(kid);
    w.p("officer2", "approve_payout_override", ap).unwrap();
    assert_eq!(w.balance(&w.benefit_account("cct", &kid)), 2500);
    let evs = &w.c.blocks.last().unwrap().outcomes[0].events;
    assert!(
        evs.iter()
            .any(|e| e.kind == "payout_override_approved"
                && e.data["reason"] == "attester_unavailable"),
        "{evs:?}"
    );
    // When eligibility fails, the release says so, not "condition not met".
    w.c.time_ms += MONTH;
    w.p(
        "teacher",
        "revoke_attestation",
        json!({"agency": "school", "subject": kid, "name": "resident"}),
    )
    .unwrap();
    w.attest(
        &kid,
        json!({"attendance_pct": 99}),
        Some("2027-09"),
        Some("cct"),
    )
    .unwrap();
    let evs = &w.c.blocks.last().unwrap().outcomes[0].events;
    assert!(
        !evs.iter().any(|e| e.kind == "condition_not_met"),
        "{evs:?}"
    );
    assert!(
        evs.iter()
            .any(|e| e.kind == "payout_failed" && e.data["code"] == "programs.not_eligible"),
        "{evs:?}"
    );
    w.c.check_replay();
    w.conserved();
}

/// Attestations are kept per agency and
/// trusted per attribute; an approval names the hash of what it approves;
/// indexes belong to their agency, count only current oracles and take the
/// latest period's value; the rule in force is the one with the latest
/// start; an absurd amount is a rule error, not the end of the budget.
#[test]
fn attestations_approvals_and_indexes_hold_against_the_audit() {
    let mut w = world();
    // Item 6: only the registry is trusted for age.
    let base = json!({"attesters": ["registry", "school"], "attribute_attesters": {"age": ["registry"]},
        "eligibility": "attr.resident && attr.age >= 65"});
    let mut bad = base.clone();
    bad["attribute_attesters"] = json!({"age": ["stats"]});
    assert_eq!(
        code(w.program("bad1", 10_000, bad)),
        "programs.invalid_field"
    );
    let mut bad = base.clone();
    bad["attribute_attesters"] = json!({"income": ["registry"]});
    assert_eq!(
        code(w.program("bad2", 10_000, bad)),
        "programs.invalid_field"
    );
    w.program("pension", 100_000, base).unwrap();
    let gran = Keypair::generate().account();
    w.p(
        "registrar",
        "attest",
        json!({"agency": "registry", "subject": gran, "claims": {"resident": true, "age": 70}}),
    )
    .unwrap();
    w.p("officer", "enrol", w.enrol_args("pension", "gran", &gran))
        .unwrap();
    // A teacher's attestation of another age neither overwrites the
    // registry's nor counts for the pension.
    w.attest(&gran, json!({"age": 20}), None, None).unwrap();
    let key = |ag: &str| format!("programs/attest/{}/age/{ag}/-", gran.to_hex());
    assert_eq!(w.c.get(&key("registry")).unwrap()["value"], 70);
    assert_eq!(w.c.get(&key("school")).unwrap()["value"], 20);
    let pay =
        |per: &str| json!({"agency": "city", "program": "pension", "account": gran, "period": per});
    w.p("officer", "payout", pay("2027-01")).unwrap();
    // The registry can still revoke its own.
    w.p(
        "registrar",
        "revoke_attestation",
        json!({"agency": "registry", "subject": gran, "name": "age"}),
    )
    .unwrap();
    w.c.time_ms += MONTH;
    assert_eq!(
        code(w.p("officer", "payout", pay("2027-02"))),
        "programs.rule_error",
        "no valid attestation of age is left"
    );

    // Item 9: an approval names the content; a swapped amendment resets it.
    let amend = |amount: i64, from: u64| {
        json!({"agency": "city", "program": "pension", "from_height": from,
        "eligibility": "attr.resident", "benefit": "params.amount", "params": {"amount": amount}})
    };
    let far = w.c.height() + 50;
    w.p("officer", "amend_program", amend(2600, far)).unwrap();
    let reviewed = w.approval("pension");
    w.p("officer2", "amend_program", amend(1_000_000, far))
        .unwrap();
    assert_eq!(
        code(w.p("admin", "approve", reviewed.clone())),
        "programs.approval_mismatch"
    );
    let pending = w.program_json("pension")["pending"].clone();
    assert_eq!(pending["approvals"], json!([]), "{pending}");
    assert_ne!(pending["hash"], reviewed["hash"]);
    // Re-proposing the reviewed content gives the reviewed hash again.
    w.p("officer", "amend_program", amend(2600, far)).unwrap();
    assert_eq!(w.approval("pension"), reviewed);
    w.p("admin", "approve", reviewed).unwrap();
    // A later version from an earlier height applies until the earlier
    // version's start, which then applies ("from 117" once never did).
    let near = w.c.height() + 5;
    w.p("officer", "amend_program", amend(2700, near)).unwrap();
    w.p("admin", "approve", w.approval("pension")).unwrap();
    let p = queries::program(&w.c.state, "pension").unwrap();
    assert_eq!(p.rules_at(near).version, 3);
    assert_eq!(p.rules_at(far).version, 2);
    w.c.idle(5);
    let s = queries::summary(&w.c.state, "pension", w.c.height()).unwrap();
    assert_eq!(s["version_in_force"], 3, "{s}");

    // Item 4 and 10: indexes are per agency; only current oracles count.
    w.p(
        "admin",
        "create_index",
        json!({"agency": "stats", "name": "cpi", "threshold": 2}),
    )
    .unwrap();
    w.p(
        "admin",
        "create_index",
        json!({"agency": "city", "name": "cpi", "threshold": 1}),
    )
    .unwrap();
    let vote =
        |per: &str, v: i64| json!({"agency": "stats", "name": "cpi", "period": per, "value": v});
    assert_eq!(
        code(w.p("oracle0", "publish_index", vote("2027-12", 1000))),
        "programs.invalid_period",
        "a period that has not begun"
    );
    w.p("oracle0", "publish_index", vote("2026-12", 1000))
        .unwrap();
    let o0 = w.oracles[0].account();
    w.call(
        "admin",
        "identity",
        "revoke_role",
        json!({"agency": "stats", "account": o0, "role": "oracle"}),
    )
    .unwrap();
    w.p("oracle1", "publish_index", vote("2026-12", 1000))
        .unwrap();
    let idx = |w: &World| w.c.get("programs/index/stats/cpi").unwrap();
    assert_eq!(
        idx(&w)["values"],
        json!([]),
        "the revoked oracle's vote no longer counts"
    );
    w.p("oracle2", "publish_index", vote("2026-12", 1000))
        .unwrap();
    assert_eq!(idx(&w)["values"].as_array().unwrap().len(), 1);
    // A late revision of 2019-06 does not become the value in force.
    w.p("oracle1", "publish_index", vote("2019-06", 500))
        .unwrap();
    w.p("oracle2", "publish_index", vote("2019-06", 500))
        .unwrap();
    assert_eq!(idx(&w)["values"].as_array().unwrap().len(), 2);
    // Values apply to periods that begin after their publication.
    w.c.time_ms += MONTH;
    w.program(
        "indexed",
        10_000_000,
        json!({"indexes": ["stats/cpi"], "benefit": "params.amount * index.cpi / 1000"}),
    )
    .unwrap();
    let x = w.enrolee("indexed", "x", json!({"resident": true}));
    w.p("officer", "payout", json!({"agency": "city", "program": "indexed", "account": x, "period": period::of(w.c.time_ms)}))
        .unwrap();
    assert_eq!(w.balance(&w.benefit_account("indexed", &x)), 1000);

    // Item 10: an amount above the whole budget is a rule error and does
    // not stop the program.
    w.program(
        "absurd",
        10_000,
        json!({"benefit": "params.amount * 1000000000000", "params": {"amount": 62000}}),
    )
    .unwrap();
    let y = w.enrolee("absurd", "y", json!({"resident": true}));
    assert_eq!(
        code(w.p("officer", "payout", json!({"agency": "city", "program": "absurd", "account": y, "period": period::of(w.c.time_ms)}))),
        "programs.rule_error"
    );
    assert_eq!(w.program_json("absurd")["budget_exhausted"], false);
    w.c.check_replay();
    w.conserved();
}

/// One program's catch-up does not starve another's
/// scheduled payouts.
#[test]
fn a_large_catch_up_shares_the_block_with_other_programs() {
    let mut w = world();
    w.program(
        "a",
        10_000,
        json!({"schedule": "monthly", "eligibility": "true", "params": {"amount": 1}}),
    )
    .unwrap();
    w.program(
        "b",
        100_000,
        json!({"schedule": "monthly", "eligibility": "true", "params": {"amount": 7}}),
    )
    .unwrap();
    for i in 0..1_000 {
        let a = Keypair::generate().account();
        w.p("officer", "enrol", w.enrol_args("a", &format!("a{i}"), &a))
            .unwrap();
    }
    let b = Keypair::generate().account();
    w.p("officer", "enrol", w.enrol_args("b", "b", &b)).unwrap();
    w.c.idle(2);
    assert_eq!(w.paid_total("a"), 1_000);
    // Three months of downtime: "a" needs 3,000 payouts, "b" three.
    w.c.time_ms = JAN_2027 + 3 * MONTH + 86_400_000;
    w.c.idle(1);
    assert_eq!(
        w.paid_total("b"),
        4 * 7,
        "b is caught up in the first block"
    );
    assert!(w.paid_total("a") < 4_000);
    w.c.idle(4);
    assert_eq!(w.paid_total("a"), 4_000);
}

/// Scheduled work is metered by the rules' cost: a costly
/// rule pays fewer enrolees per block (the rest in the next), a simple one
/// up to 1,000.
#[test]
fn costly_rules_are_metered_in_scheduled_work() {
    let mut w = world();
    let ages: Vec<String> = (0..250).map(|i| i.to_string()).collect();
    let rule = format!("attr.age in [{}]", ages.join(","));
    w.program(
        "costly",
        100_000,
        json!({"schedule": "monthly", "attesters": ["registry"], "eligibility": rule, "params": {"amount": 1}}),
    )
    .unwrap();
    let p = queries::program(&w.c.state, "costly").unwrap();
    // 16 + 254 (eligibility) + 2 (benefit) units: 235 payouts per block.
    assert_eq!(
        publica_programs::module::payout_units(&p, w.c.height()),
        272
    );
    for i in 0..300 {
        let a = Keypair::generate().account();
        w.p(
            "registrar",
            "attest",
            json!({"agency": "registry", "subject": a, "claims": {"age": 40}}),
        )
        .unwrap();
        w.p(
            "officer",
            "enrol",
            w.enrol_args("costly", &format!("c{i}"), &a),
        )
        .unwrap();
    }
    w.c.idle(1);
    let (t, _) = queries::run(&w.c.state, "costly", "2027-01", 0, 1).unwrap();
    assert_eq!(t.paid_count, 300, "January, one by one as they enrolled");
    w.c.time_ms = JAN_2027 + MONTH + 86_400_000;
    w.c.idle(1);
    let (t, _) = queries::run(&w.c.state, "costly", "2027-02", 0, 1).unwrap();
    assert_eq!(t.paid_count, 64_000 / 272);
    w.c.idle(1);
    let (t, _) = queries::run(&w.c.state, "costly", "2027-02", 0, 1).unwrap();
    assert_eq!(t.paid_count, 300);
}

/// The paid periods of enrolee `a` in `program`, in order.
fn paid_periods(w: &World, program: &str, a: &publica_types::AccountId) -> Vec<String> {
    let e = queries::enrolee(&w.c.state, program, a).unwrap();
    e["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap().to_string())
        .collect()
}

/// Weekly and daily schedules pay each ISO week or day once, from the one
/// the enrolment falls in, catching up missed ones one by one; their
/// payouts and reports name periods of their own kind and refuse others.
#[test]
fn weekly_and_daily_schedules_pay_each_period_once() {
    const DAY: u64 = 86_400_000;
    let mut w = world();
    // 2027-01-01 is a Friday, in ISO week 2026-W53.
    w.program(
        "week",
        1_000_000,
        json!({"schedule": "weekly", "params": {"amount": 70}}),
    )
    .unwrap();
    w.program(
        "day",
        1_000_000,
        json!({"schedule": "daily", "params": {"amount": 10}}),
    )
    .unwrap();
    assert_eq!(w.program_json("week")["schedule"], "weekly");
    let a = w.enrolee("week", "a", json!({"resident": true}));
    w.p("officer", "enrol", w.enrol_args("day", "a", &a))
        .unwrap();
    w.c.idle(2);
    assert_eq!(paid_periods(&w, "week", &a), ["2026-W53"]);
    assert_eq!(paid_periods(&w, "day", &a), ["2027-01-01"]);

    // Monday 4 January, after three days down: each day once, a new week.
    w.c.time_ms = JAN_2027 + 3 * DAY + 60_000;
    w.c.idle(3);
    assert_eq!(paid_periods(&w, "week", &a), ["2026-W53", "2027-W01"]);
    assert_eq!(
        paid_periods(&w, "day", &a),
        ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]
    );
    assert_eq!(w.paid_total("week"), 140);
    assert_eq!(w.paid_total("day"), 40);
    w.c.idle(2);
    assert_eq!(w.paid_total("day"), 40, "never twice");

    // Periods of another kind are refused, whatever the program's kind.
    let pay =
        |prog: &str, p: &str| json!({"agency": "city", "program": prog, "account": a, "period": p});
    for (prog, per) in [
        ("week", "2027-01"),
        ("week", "2027-01-04"),
        ("day", "2027-W01"),
    ] {
        let e = code(w.p("officer", "payout", pay(prog, per)));
        assert_eq!(e, "programs.invalid_period", "{prog} {per}");
    }
    // So is an attestation that would release a payment for one.
    let e = code(w.attest(
        &a,
        json!({"attendance_pct": 90}),
        Some("2027-01"),
        Some("day"),
    ));
    assert_eq!(e, "programs.invalid_period");
    let e = code(w.attest(&a, json!({"attendance_pct": 90}), Some("2027-13-01"), None));
    assert_eq!(e, "programs.invalid_period");
    w.program("month", 1_000_000, json!({"start_ms": JAN_2027 - MONTH}))
        .unwrap();
    w.p("officer", "enrol", w.enrol_args("month", "a", &a))
        .unwrap();
    let e = code(w.p("officer", "payout", pay("month", "2027-01-04")));
    assert_eq!(e, "programs.invalid_period");
    w.p("officer", "payout", pay("month", "2027-01")).unwrap();
    // Not begun, and already paid, as for months.
    let e = code(w.p("officer", "payout", pay("day", "2027-01-05")));
    assert_eq!(e, "programs.period_not_payable");
    let e = code(w.p("officer", "payout", pay("day", "2027-01-03")));
    assert_eq!(e, "programs.already_paid");

    // The run of a day, with its totals.
    let (totals, entries) = queries::run(&w.c.state, "day", "2027-01-03", 0, 10).unwrap();
    assert_eq!((totals.paid_count, entries.len()), (1, 1));
    w.c.check_replay();
}
