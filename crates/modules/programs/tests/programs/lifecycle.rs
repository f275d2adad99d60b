//! An enrolee's life through the real runtime: suspended (and paid nothing
//! meanwhile, by schedule or by hand), resumed (a missed period paid by an
//! official), exited for good (skipped by the schedule, refused by hand),
//! re-checked against the rules on changed facts, and an overpayment
//! recovered from later payouts within the program's share and partly
//! written off by a second official — every refusal with its code, replay
//! from genesis at the end.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_programs::queries;
use publica_runtime::testkit::Rejected;
use publica_types::AccountId;
use serde_json::{json, Value};

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

fn at(account: &AccountId, extra: Value) -> Value {
    let mut a = json!({"agency": "city", "program": "aid", "account": account});
    for (k, v) in extra.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

#[test]
fn suspension_exit_recheck_and_overpayment_recovery() {
    let mut w = world();
    w.program(
        "aid",
        100_000,
        json!({"schedule": "monthly", "params": {"amount": 1000}, "recovery_max_pct": 25}),
    )
    .unwrap();
    let people: Vec<AccountId> = (0..3)
        .map(|i| w.enrolee("aid", &format!("p{i}"), json!({"resident": true})))
        .collect();
    w.c.idle(1);
    assert_eq!(w.paid_total("aid"), 3000, "January");
    let day = 86_400_000;
    let now = w.c.time_ms;

    // Refusals, each with its code.
    let refused = [
        (
            "suspend",
            at(
                &people[0],
                json!({"reason": "pending_review", "review_ms": now - 1}),
            ),
            "programs.invalid_field",
        ),
        (
            "suspend",
            at(
                &people[0],
                json!({"reason": "pending_review", "review_ms": now + 400 * day}),
            ),
            "programs.invalid_field",
        ),
        (
            "suspend",
            at(
                &people[0],
                json!({"reason": "bored", "review_ms": now + 30 * day}),
            ),
            "call.invalid_args",
        ),
        (
            "suspend",
            at(
                &w.admin.account(),
                json!({"reason": "pending_review", "review_ms": now + 30 * day}),
            ),
            "programs.not_enrolled",
        ),
        (
            "resume",
            at(&people[0], json!({})),
            "programs.wrong_standing",
        ),
        (
            "exit",
            at(&people[0], json!({"reason": "bored"})),
            "call.invalid_args",
        ),
        (
            "record_overpayment",
            at(&people[2], json!({"amount": "0", "reason": "wrong_amount"})),
            "programs.invalid_field",
        ),
        (
            "record_overpayment",
            at(
                &people[2],
                json!({"amount": "1001", "reason": "wrong_amount"}),
            ),
            "programs.invalid_field",
        ),
        (
            "record_overpayment",
            at(
                &people[2],
                json!({"amount": "10", "reason": "wrong_amount", "period": "2026-12"}),
            ),
            "programs.invalid_field",
        ),
        (
            "write_off",
            at(&people[2], json!({"amount": "1", "reason": "hardship"})),
            "programs.invalid_field",
        ),
    ];
    for (method, args, want) in refused {
        assert_eq!(
            code(w.p("officer", method, args.clone())),
            want,
            "{method} {args}"
        );
    }
    assert_eq!(
        code(w.p(
            "teacher",
            "suspend",
            at(
                &people[0],
                json!({"reason": "pending_review", "review_ms": now + 30 * day})
            )
        )),
        "auth.unauthorized"
    );

    // Suspended: February is not paid to people[0], by schedule or by hand.
    w.p(
        "officer",
        "suspend",
        at(
            &people[0],
            json!({"reason": "pending_review", "review_ms": now + 60 * day}),
        ),
    )
    .unwrap();
    assert_eq!(w.program_json("aid")["suspended"], 1);
    assert_eq!(
        code(w.p(
            "officer",
            "suspend",
            at(
                &people[0],
                json!({"reason": "not_reachable", "review_ms": now + 60 * day})
            )
        )),
        "programs.wrong_standing"
    );
    w.c.time_ms += MONTH;
    w.c.idle(1);
    assert_eq!(w.paid_total("aid"), 5000);
    let failed: Vec<Value> = w
        .events()
        .into_iter()
        .filter(|(k, _)| k == "payout_failed")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["code"], "programs.enrolee_suspended");
    let pay = |who: &AccountId, per: &str| json!({"agency": "city", "program": "aid", "account": who, "period": per});
    assert_eq!(
        code(w.p("officer", "payout", pay(&people[0], "2027-02"))),
        "programs.enrolee_suspended"
    );

    // Resumed: an official pays the missed month.
    w.p("officer", "resume", at(&people[0], json!({}))).unwrap();
    assert!(
        w.program_json("aid").get("suspended").is_none(),
        "none suspended now"
    );
    w.p("officer", "payout", pay(&people[0], "2027-02"))
        .unwrap();
    assert_eq!(w.paid_total("aid"), 6000);

    // Exited, by two officials: one asks (payouts stop), a second
    // confirms with the same reason; a request can be cancelled.
    let leave = |reason: &str| at(&people[1], json!({"reason": reason}));
    w.p("officer", "exit", leave("moved_away")).unwrap();
    assert_eq!(
        w.c.get(&format!("programs/enrolment/aid/{}", people[1].to_hex()))
            .unwrap()["standing"]["state"],
        "exit_requested"
    );
    assert_eq!(
        code(w.p("officer", "exit", leave("moved_away"))),
        "programs.already_approved"
    );
    assert_eq!(
        code(w.p("officer2", "exit", leave("deceased"))),
        "programs.invalid_field"
    );
    w.p("officer2", "exit", leave("moved_away")).unwrap();
    assert_eq!(
        code(w.p("officer", "exit", leave("deceased"))),
        "programs.wrong_standing"
    );
    assert_eq!(
        code(w.p("officer", "resume", at(&people[1], json!({})))),
        "programs.wrong_standing"
    );
    w.p(
        "officer",
        "exit",
        at(&people[2], json!({"reason": "duplicate"})),
    )
    .unwrap();
    w.p("officer2", "resume", at(&people[2], json!({})))
        .unwrap();
    assert!(
        w.c.get(&format!("programs/enrolment/aid/{}", people[2].to_hex()))
            .unwrap()
            .get("standing")
            .is_none(),
        "cancelled"
    );
    w.c.time_ms += MONTH; // March
    w.c.idle(1);
    assert_eq!(w.paid_total("aid"), 8000);
    assert!(
        w.events()
            .iter()
            .all(|(k, d)| !(k.starts_with("payout") && d["account"] == json!(people[1]))),
        "nothing for the one who left, not even a failure"
    );
    assert_eq!(
        code(w.p("officer", "payout", pay(&people[1], "2027-03"))),
        "programs.enrolee_exited"
    );
    assert_eq!(w.program_json("aid")["exited"], 1);

    // An overpayment of January, recovered at 25 % of each later payout.
    w.p(
        "officer",
        "record_overpayment",
        at(
            &people[2],
            json!({"amount": "2500", "reason": "wrong_amount", "period": "2027-01"}),
        ),
    )
    .unwrap();
    assert_eq!(
        code(w.p(
            "officer",
            "record_overpayment",
            at(
                &people[2],
                json!({"amount": "600", "reason": "wrong_amount"})
            )
        )),
        "programs.invalid_field",
        "3,100 owed of 3,000 paid"
    );
    assert_eq!(w.program_json("aid")["debt_outstanding"], "2500");
    w.c.time_ms += MONTH; // April
    w.c.idle(1);
    let paid: Vec<Value> = w
        .events()
        .into_iter()
        .filter(|(k, _)| k == "payout")
        .map(|(_, d)| d)
        .collect();
    let p2 = paid
        .iter()
        .find(|d| d["account"] == json!(people[2]))
        .unwrap();
    assert_eq!(
        (p2["amount"].as_u64(), p2["recovered"].as_u64()),
        (Some(750), Some(250)),
        "{p2}"
    );
    let p0 = paid
        .iter()
        .find(|d| d["account"] == json!(people[0]))
        .unwrap();
    assert!(p0.get("recovered").is_none(), "no debt, no deduction: {p0}");
    let enrolee = queries::enrolee(&w.c.state, "aid", &people[2]).unwrap();
    let april = enrolee["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2027-04")
        .unwrap()
        .clone();
    assert_eq!(
        (april["amount"].as_str(), april["recovered"].as_str()),
        (Some("750"), Some("250")),
        "{april}"
    );

    // A write-off: never by the official who recorded the overpayment.
    let off = |amount: &str| at(&people[2], json!({"amount": amount, "reason": "hardship"}));
    assert_eq!(
        code(w.p("officer", "write_off", off("100"))),
        "programs.already_approved"
    );
    assert_eq!(
        code(w.p("officer2", "write_off", off("2251"))),
        "programs.invalid_field"
    );
    w.p("officer2", "write_off", off("1000")).unwrap();
    let debt =
        w.c.get(&format!("programs/enrolment/aid/{}", people[2].to_hex()))
            .unwrap()["debt"]
            .clone();
    assert_eq!(
        (
            debt["recorded"].as_str(),
            debt["recovered"].as_str(),
            debt["written_off"].as_str()
        ),
        (Some("2500"), Some("250"), Some("1000")),
        "{debt}"
    );
    assert_eq!(w.program_json("aid")["debt_outstanding"], "1250");
    w.c.time_ms += MONTH; // May
    w.c.idle(1);
    assert_eq!(
        w.balance(&w.benefit_account("aid", &people[2])),
        1000 * 3 + 750 * 2
    );
    assert_eq!(w.program_json("aid")["debt_outstanding"], "1000");

    // A changed fact, re-checked: for the enrolee no longer eligible an
    // exit is asked, which a second official confirms; one still eligible
    // stays.
    w.attest(&people[0], json!({"resident": false}), None, None)
        .unwrap();
    w.p("officer", "recheck", at(&people[0], json!({})))
        .unwrap();
    let e = w.events();
    assert!(
        e.iter()
            .any(|(k, d)| k == "exit_requested" && d["reason"] == "no_longer_eligible"),
        "{e:?}"
    );
    assert_eq!(
        code(w.p("officer", "recheck", at(&people[0], json!({})))),
        "programs.wrong_standing",
        "the exit awaits confirmation"
    );
    assert_eq!(w.program_json("aid")["exited"], 1, "not by one official");
    w.p(
        "officer2",
        "exit",
        at(&people[0], json!({"reason": "no_longer_eligible"})),
    )
    .unwrap();
    w.p("officer", "recheck", at(&people[2], json!({})))
        .unwrap();
    assert!(w.events().iter().any(|(k, _)| k == "eligibility_confirmed"));
    assert_eq!(
        code(w.p("officer", "recheck", at(&people[0], json!({})))),
        "programs.wrong_standing"
    );
    assert_eq!(w.program_json("aid")["exited"], 2);
    w.c.check_replay();
    w.conserved();
}
