//! Grievance redress through the real runtime: cases filed by citizens and
//! by a caseworker, refusals with their codes, assignment, a decision
//! ordering a payout that a second official makes, an overdue case
//! escalated by the ledger and decided by an administrator with an
//! enrolment linked to it, monthly figures, replay from genesis.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_crypto::Keypair;
use publica_programs::grievance;
use publica_runtime::testkit::Rejected;
use serde_json::{json, Value};

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

const TEXT_HASH: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

fn case(w: &World, id: &str) -> Value {
    serde_json::to_value(grievance::read_case(&w.c.state, id).expect("the case exists")).unwrap()
}

#[test]
fn grievances_are_filed_assigned_escalated_decided_and_remedied() {
    let mut w = world();
    w.program("aid", 100_000, json!({})).unwrap();
    let people: Vec<Keypair> = (0..2).map(|_| Keypair::generate()).collect();
    for (i, kp) in people.iter().enumerate() {
        let a = kp.account();
        w.attest(&a, json!({"resident": true}), None, None).unwrap();
        w.p(
            "officer",
            "enrol",
            w.enrol_args("aid", &format!("p{i}"), &a),
        )
        .unwrap();
    }
    let outsider = Keypair::generate();
    let file = |category: &str, extra: Value| {
        let mut a = json!({"program": "aid", "category": category, "details_hash": TEXT_HASH});
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        a
    };

    // Refusals.
    let me = people[0].account();
    let refused = [
        (
            file("payment_missing", json!({"details_hash": "abc"})),
            "programs.invalid_field",
        ),
        (
            file(
                "payment_missing",
                json!({"details_hash": TEXT_HASH.to_uppercase()}),
            ),
            "programs.invalid_field",
        ),
        (
            file("payment_missing", json!({"period": "2027-W02"})),
            "programs.invalid_period",
        ),
        (
            file("payment_missing", json!({"program": "none"})),
            "programs.unknown_program",
        ),
        (file("late_lunch", json!({})), "call.invalid_args"),
        (
            file("payment_missing", json!({"account": outsider.account()})),
            "programs.invalid_field",
        ),
        (
            file("payment_missing", json!({"agency": "city", "account": me})),
            "auth.unauthorized",
        ),
    ];
    for (args, want) in refused {
        assert_eq!(
            code(w.c.call(&people[0], "programs", "file_grievance", args.clone())),
            want,
            "{args}"
        );
    }
    assert_eq!(
        code(w.p(
            "officer",
            "file_grievance",
            file("wrong_amount", json!({"agency": "city"}))
        )),
        "programs.invalid_field",
        "a caseworker names the complainant"
    );

    // A citizen's case, a non-enrolee's, and one filed by a caseworker.
    let filed_at = w.c.time_ms;
    w.c.call(
        &people[0],
        "programs",
        "file_grievance",
        file("payment_missing", json!({"period": "2027-01"})),
    )
    .unwrap();
    let e = w.events();
    assert_eq!(e[0].0, "grievance_filed");
    assert_eq!(e[0].1["case"], "aid-1");
    let c1 = case(&w, "aid-1");
    assert_eq!(
        c1["deadline_ms"].as_u64().unwrap() - c1["filed_ms"].as_u64().unwrap(),
        10 * 86_400_000
    );
    assert_eq!(c1["complainant"], json!(me));
    // Someone not enrolled files at the desk, never with their own key.
    assert_eq!(
        code(w.c.call(
            &outsider,
            "programs",
            "file_grievance",
            file("enrolment_denied", json!({}))
        )),
        "programs.not_enrolled"
    );
    w.p(
        "officer",
        "file_grievance",
        file(
            "enrolment_denied",
            json!({"agency": "city", "account": outsider.account()}),
        ),
    )
    .unwrap();
    w.p(
        "officer",
        "file_grievance",
        file(
            "wrong_amount",
            json!({"agency": "city", "account": people[1].account()}),
        ),
    )
    .unwrap();
    assert_eq!(case(&w, "aid-3")["filed_by"], json!(w.officer.account()));
    // At most five open cases per person and program.
    for _ in 0..4 {
        w.c.call(
            &people[1],
            "programs",
            "file_grievance",
            file("other", json!({})),
        )
        .unwrap();
    }
    assert_eq!(
        code(w.c.call(
            &people[1],
            "programs",
            "file_grievance",
            file("other", json!({}))
        )),
        "programs.invalid_field"
    );

    // Assigned; decided by the assignee: a payout ordered, made by a
    // second official, linked to the case.
    let assign = |case: &str, to: Value| json!({"agency": "city", "case": case, "to": to});
    assert_eq!(
        code(w.p(
            "officer",
            "assign_grievance",
            assign("aid-1", json!(w.teacher.account()))
        )),
        "programs.invalid_field"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "assign_grievance",
            assign("aid-99", json!(w.officer2.account()))
        )),
        "programs.unknown_case"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "assign_grievance",
            assign("nonsense", json!(w.officer2.account()))
        )),
        "programs.unknown_case"
    );
    assert_eq!(
        code(w.p(
            "teacher",
            "assign_grievance",
            assign("aid-1", json!(w.officer2.account()))
        )),
        "auth.unauthorized"
    );
    w.p(
        "officer",
        "assign_grievance",
        assign("aid-1", json!(w.officer2.account())),
    )
    .unwrap();
    let decide = |case: &str, outcome: &str, reason: &str, remedy: Value| {
        let mut a = json!({"agency": "city", "case": case, "outcome": outcome, "reason": reason});
        if !remedy.is_null() {
            a["remedy"] = remedy;
        }
        a
    };
    let pay = json!({"kind": "payout", "period": "2027-01"});
    assert_eq!(
        code(w.p(
            "officer",
            "decide_grievance",
            decide("aid-1", "upheld", "payment_due", pay.clone())
        )),
        "programs.not_allowed",
        "assigned to another"
    );
    assert_eq!(
        code(w.p(
            "teacher",
            "decide_grievance",
            decide("aid-1", "upheld", "payment_due", pay.clone())
        )),
        "auth.unauthorized"
    );
    assert_eq!(
        code(w.p(
            "officer2",
            "decide_grievance",
            decide("aid-1", "rejected", "no_error_found", pay.clone())
        )),
        "programs.invalid_field"
    );
    assert_eq!(
        code(w.p(
            "officer2",
            "decide_grievance",
            decide(
                "aid-1",
                "upheld",
                "eligible_after_review",
                json!({"kind": "enrolment"})
            )
        )),
        "programs.invalid_field"
    );
    w.c.time_ms += 3 * 86_400_000;
    w.p(
        "officer2",
        "decide_grievance",
        decide("aid-1", "upheld", "payment_due", pay),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "officer2",
            "decide_grievance",
            decide("aid-1", "rejected", "no_error_found", Value::Null)
        )),
        "programs.case_closed"
    );
    // A decided case's deadline no longer counts: the next is aid-3's.
    assert_eq!(
        grievance::next_deadline(&w.c.state),
        Some(case(&w, "aid-3")["deadline_ms"].as_u64().unwrap())
    );
    let approve = json!({"agency": "city", "program": "aid", "account": me, "period": "2027-01"});
    assert_eq!(
        code(w.p("officer2", "approve_payout_override", approve.clone())),
        "programs.already_approved"
    );
    w.p("officer", "approve_payout_override", approve).unwrap();
    let e = w.events();
    let paid = e.iter().find(|(k, _)| k == "payout").unwrap();
    assert_eq!(
        (paid.1["kind"].as_str(), paid.1["override_reason"].as_str()),
        (Some("override"), Some("grievance_decision"))
    );
    assert!(e
        .iter()
        .any(|(k, d)| k == "grievance_remedied" && d["case"] == "aid-1"));
    assert!(case(&w, "aid-1")["decision"]["remedied_height"].is_u64());
    assert_eq!(w.paid_total("aid"), 1000);

    // aid-2 (20 days) passes its deadline: the ledger escalates it, and
    // only an administrator decides it now.
    w.c.time_ms = filed_at + 21 * 86_400_000;
    w.c.idle(1);
    let e = w.events();
    let escalated: Vec<&Value> = e
        .iter()
        .filter(|(k, _)| k == "grievance_escalated")
        .map(|(_, d)| d)
        .collect();
    let cases: Vec<&str> = escalated
        .iter()
        .map(|d| d["case"].as_str().unwrap())
        .collect();
    assert!(
        cases.contains(&"aid-2") && cases.contains(&"aid-3"),
        "{cases:?}"
    );
    assert!(
        !cases.contains(&"aid-1"),
        "a decided case is never escalated"
    );
    assert_eq!(case(&w, "aid-2")["level"], 1);
    assert_eq!(
        code(w.p(
            "officer",
            "decide_grievance",
            decide(
                "aid-2",
                "upheld",
                "eligible_after_review",
                json!({"kind": "enrolment"})
            )
        )),
        "programs.not_allowed"
    );
    w.p(
        "admin",
        "decide_grievance",
        decide(
            "aid-2",
            "upheld",
            "eligible_after_review",
            json!({"kind": "enrolment"}),
        ),
    )
    .unwrap();
    // The enrolment it orders names the case; another case does not fit.
    let o = outsider.account();
    w.attest(&o, json!({"resident": true}), None, None).unwrap();
    let mut enrol = w.enrol_args("aid", "outsider", &o);
    enrol["case"] = json!("aid-1");
    assert_eq!(
        code(w.p("officer", "enrol", enrol.clone())),
        "programs.invalid_field"
    );
    enrol["case"] = json!("aid-2");
    w.p("officer", "enrol", enrol).unwrap();
    assert!(case(&w, "aid-2")["decision"]["remedied_height"].is_u64());
    // Still undecided ten days later: escalated again.
    w.c.time_ms += 11 * 86_400_000;
    w.c.idle(1);
    assert_eq!(case(&w, "aid-3")["level"], 2);

    // Monthly figures per category.
    let s = grievance::stats(&w.c.state, "aid", grievance::STATS_CASES_MAX);
    assert_eq!(s["cases"], 7, "{s}");
    let row = |cat: &str| {
        s["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == cat)
            .unwrap()
            .clone()
    };
    let pm = row("payment_missing");
    assert_eq!(
        (
            pm["month"].as_str(),
            pm["filed"].as_u64(),
            pm["upheld"].as_u64()
        ),
        (Some("2027-01"), Some(1), Some(1)),
        "{pm}"
    );
    assert_eq!(pm["median_days_to_decision"], 3.0);
    let ed = row("enrolment_denied");
    assert_eq!(
        (ed["escalated"].as_u64(), ed["decided"].as_u64()),
        (Some(1), Some(1)),
        "{ed}"
    );
    let other = row("other");
    assert_eq!(
        (other["filed"].as_u64(), other["open"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(other["median_days_to_decision"].is_null());
    // The ledger's next deadline is the earliest of the undecided cases'.
    let open_deadlines: Vec<u64> = (1..=7)
        .filter_map(|n| grievance::read_case(&w.c.state, &format!("aid-{n}")))
        .filter(|g| g.decision.is_none())
        .map(|g| g.deadline_ms)
        .collect();
    assert_eq!(open_deadlines.len(), 5);
    assert_eq!(
        grievance::next_deadline(&w.c.state),
        open_deadlines.iter().min().copied()
    );
    w.c.check_replay();
    w.conserved();
}
