//! Changes of a running program's terms (budget cap, end, schedule)
//! through the real runtime: refused changes with their codes, an approval
//! bound to the exact change, a program whose budget ran out resuming after
//! a top-up (and the enrolee its run stopped at paid), arrears beyond the
//! window left to overrides, an end brought forward then extended, a
//! schedule removed and set again — never paying anyone twice, with replay
//! from genesis at the end.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use publica_programs::{period, queries};
use publica_runtime::testkit::Rejected;
use serde_json::{json, Value};

fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

fn terms(change: Value) -> Value {
    let mut a = json!({"agency": "city", "program": "small", "reason": "council decision 2027/3"});
    for (k, v) in change.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// An administrator's approval of the pending change of terms.
fn terms_approval(w: &World) -> Value {
    let s = queries::summary(&w.c.state, "small", w.c.height()).unwrap();
    json!({"agency": "city", "program": "small", "hash": s["terms_approval_hash"]})
}

/// Proposes and enacts a change of terms; returns its `terms_enacted` event.
fn enact(w: &mut World, change: Value) -> Value {
    w.p("officer", "amend_terms", terms(change)).unwrap();
    w.p("admin", "approve", terms_approval(w)).unwrap();
    let evs = &w.c.blocks.last().unwrap().outcomes[0].events;
    let e = evs
        .iter()
        .find(|e| e.kind == "terms_enacted")
        .unwrap_or_else(|| panic!("{evs:?}"));
    e.data.clone()
}

fn mint(w: &mut World, amount: u64) {
    w.call("treasurer", "money", "mint", json!({"agency": "city", "currency": "CITY", "appropriation": "welfare-2027", "to": "program:small", "amount": amount.to_string()})).unwrap();
}

#[test]
fn terms_change_by_approval_and_a_spent_budget_resumes() {
    let mut w = world();
    let people = w.monthly("small", 2_500, 1000, 3);
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 2000);
    assert_eq!(w.program_json("small")["budget_exhausted"], true);

    // Refused changes, each with its code; nothing is pending after them.
    let refused = [
        (json!({}), "programs.invalid_field"),
        (json!({"budget_cap": "1999"}), "programs.invalid_field"),
        (json!({"budget_cap": "0"}), "programs.invalid_field"),
        (
            json!({"budget_cap": "9007199254740993"}),
            "programs.invalid_field",
        ),
        (json!({"end_ms": JAN_2027 - 1}), "programs.invalid_field"),
        (json!({"end_ms": w.c.time_ms - 1}), "programs.invalid_field"),
        (json!({"schedule": "weekly"}), "programs.invalid_field"),
        (json!({"schedule": "hourly"}), "call.invalid_args"),
        (
            json!({"budget_cap": "3000", "reason": ""}),
            "programs.invalid_field",
        ),
        (
            json!({"budget_cap": "3000", "reason": "a\nb"}),
            "programs.invalid_field",
        ),
        (
            json!({"budget_cap": "3000", "agency": "school"}),
            "auth.unauthorized",
        ),
        (
            json!({"budget_cap": "3000", "program": "nope"}),
            "programs.unknown_program",
        ),
        (
            json!({"budget_cap": "3000", "extra": 1}),
            "call.invalid_args",
        ),
    ];
    for (change, want) in refused {
        assert_eq!(
            code(w.p("officer", "amend_terms", terms(change.clone()))),
            want,
            "{change}"
        );
    }
    assert!(w.program_json("small").get("pending_terms").is_none());
    assert_eq!(
        code(w.p(
            "teacher",
            "amend_terms",
            terms(json!({"budget_cap": "3000"}))
        )),
        "auth.unauthorized"
    );

    // An approval names the exact change: a swapped proposal resets it.
    mint(&mut w, 10_000);
    w.p(
        "officer",
        "amend_terms",
        terms(json!({"budget_cap": "6000"})),
    )
    .unwrap();
    let reviewed = terms_approval(&w);
    w.p(
        "officer2",
        "amend_terms",
        terms(json!({"budget_cap": "900000"})),
    )
    .unwrap();
    assert_eq!(
        code(w.p("admin", "approve", reviewed.clone())),
        "programs.approval_mismatch"
    );
    let pending = w.program_json("small")["pending_terms"].clone();
    assert_eq!(pending["approvals"], json!([]), "{pending}");
    assert_eq!(pending["change"]["budget_cap"], "900000");
    assert_eq!(
        w.program_json("small")["budget_cap"],
        "2500",
        "nothing enacted"
    );
    // The reviewed change, proposed again, has the reviewed hash.
    w.p(
        "officer",
        "amend_terms",
        terms(json!({"budget_cap": "6000"})),
    )
    .unwrap();
    assert_eq!(terms_approval(&w), reviewed);
    w.p("admin", "approve", reviewed.clone()).unwrap();
    let e = &w.c.blocks.last().unwrap().outcomes[0].events;
    let enacted = e.iter().find(|e| e.kind == "terms_enacted").unwrap();
    assert_eq!(enacted.data["resumed"], true, "{:?}", enacted.data);
    assert_eq!(enacted.data["terms"]["budget_cap"], "6000");
    assert_eq!(
        code(w.p("admin", "approve", reviewed)),
        "programs.nothing_pending"
    );
    let p = w.program_json("small");
    assert_eq!(
        (p["budget_cap"].as_str(), p["budget_exhausted"].as_bool()),
        (Some("6000"), Some(false))
    );

    // The run resumes on the enrolee it stopped at, for January.
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 3000);
    for a in &people {
        assert_eq!(
            w.balance(&w.benefit_account("small", a)),
            1000,
            "paid once for January"
        );
    }
    w.c.time_ms += MONTH; // February
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 6000);
    w.c.time_ms += MONTH; // March: the budget is spent again
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 6000);
    assert_eq!(w.program_json("small")["budget_exhausted"], true);
    assert_eq!(
        code(w.p(
            "officer",
            "payout",
            json!({"agency": "city", "program": "small", "account": people[0], "period": "2027-03"})
        )),
        "programs.budget_exceeded"
    );
    // Lowering the cap below what was paid is refused.
    assert_eq!(
        code(w.p(
            "officer",
            "amend_terms",
            terms(json!({"budget_cap": "5999"}))
        )),
        "programs.invalid_field"
    );

    // Five months on, a top-up pays the arrears window (three periods back
    // and the current one), not the months before it.
    w.c.time_ms += 5 * MONTH;
    let now = period::of(w.c.time_ms);
    assert_eq!(now, "2027-08");
    mint(&mut w, 30_000);
    assert_eq!(
        enact(&mut w, json!({"budget_cap": "30000"}))["resumed"],
        true
    );
    w.c.idle(3);
    assert_eq!(w.paid_total("small"), 6000 + 4 * 3000, "May to August");
    let s = queries::summary(&w.c.state, "small", w.c.height()).unwrap();
    let paid: Vec<&str> = s["periods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["paid_count"] == 3)
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(
        paid,
        ["2027-01", "2027-02", "2027-05", "2027-06", "2027-07", "2027-08"],
        "{s}"
    );
    assert_eq!(
        code(w.p(
            "officer",
            "payout",
            json!({"agency": "city", "program": "small", "account": people[0], "period": "2027-04"})
        )),
        "programs.period_not_payable",
        "older arrears need a payout override"
    );

    // The end brought forward: September is not paid; extended: it is.
    let september = period::start_ms("2027-09").unwrap();
    assert_eq!(
        enact(&mut w, json!({"end_ms": september}))["resumed"],
        false
    );
    w.c.time_ms = september + 86_400_000;
    w.c.idle(2);
    assert_eq!(w.paid_total("small"), 18_000);
    assert!(
        queries::summary(&w.c.state, "small", w.c.height()).unwrap()["schedule"]["next_due_ms"]
            .is_null()
    );
    let e = enact(
        &mut w,
        json!({"end_ms": period::start_ms("2028-01").unwrap()}),
    );
    assert_eq!(e["resumed"], true, "{e}");
    w.c.idle(1);
    assert_eq!(w.paid_total("small"), 21_000, "September");

    // No schedule in October; set again in November, it pays November on.
    assert_eq!(enact(&mut w, json!({"schedule": "none"}))["resumed"], false);
    w.c.time_ms = period::start_ms("2027-10").unwrap() + 1;
    w.c.idle(2);
    assert_eq!(
        w.paid_total("small"),
        21_000,
        "no schedule, no scheduled payouts"
    );
    w.c.time_ms = period::start_ms("2027-11").unwrap() + 1;
    assert_eq!(
        enact(&mut w, json!({"schedule": "monthly"}))["resumed"],
        true
    );
    w.c.idle(2);
    // The schedule stopped in October (its cursor there): it catches up
    // October within the window, and November.
    assert_eq!(w.paid_total("small"), 27_000);

    // Every change is kept, with its approvals and the terms before.
    let s = queries::summary(&w.c.state, "small", w.c.height()).unwrap();
    let list = s["amendments"].as_array().unwrap();
    assert_eq!(list.len(), 6, "{s}");
    assert_eq!(list[0]["change"]["number"], 1);
    assert_eq!(list[0]["change"]["reason"], "council decision 2027/3");
    assert_eq!(list[0]["before"]["budget_cap"], "2500");
    assert_eq!(list[0]["approvals"], json!([w.admin.account()]));
    assert_eq!(list[0]["proposed_by"], json!(w.officer.account()));
    assert_eq!(list[4]["change"]["schedule"], "none");
    assert_eq!(list[5]["before"]["schedule"], Value::Null);
    assert!(s["terms_approval_hash"].is_null());
    w.c.check_replay();
    w.conserved();
}

#[test]
fn an_inactive_program_changes_no_terms_and_rules_and_terms_wait_apart() {
    let mut w = world();
    let f = w.fund_program("small", 10_000);
    w.p("officer", "create_program", json!({
        "agency": "city", "id": "small", "name": "Small", "currency": "CITY", "funding_account": f,
        "budget_cap": "5000", "attesters": ["school"], "registry": "registry",
        "attributes": {"resident": "bool"}, "eligibility": "attr.resident", "benefit": "params.amount",
        "params": {"amount": 1000}, "start_ms": JAN_2027, "end_ms": JAN_2027 + 12 * MONTH,
    })).unwrap();
    assert_eq!(
        code(w.p(
            "officer",
            "amend_terms",
            terms(json!({"budget_cap": "6000"}))
        )),
        "programs.inactive"
    );
    w.p("admin", "approve", w.approval("small")).unwrap();

    // A rule amendment and a change of terms wait side by side; each
    // approval names one of them.
    let from = w.c.height() + 10;
    w.p(
        "officer",
        "amend_program",
        json!({"agency": "city", "program": "small", "from_height": from,
        "eligibility": "attr.resident", "benefit": "params.amount", "params": {"amount": 1200}}),
    )
    .unwrap();
    w.p(
        "officer",
        "amend_terms",
        terms(json!({"budget_cap": "6000"})),
    )
    .unwrap();
    let bogus = json!({"agency": "city", "program": "small", "hash": "ab".repeat(32)});
    let e = w.p("admin", "approve", bogus).unwrap_err();
    assert_eq!(e.code, "programs.approval_mismatch");
    w.p("admin", "approve", terms_approval(&w)).unwrap();
    let p = w.program_json("small");
    assert_eq!(p["budget_cap"], "6000");
    assert!(
        p["pending"].is_object(),
        "the rule amendment still waits: {p}"
    );
    w.p("admin", "approve", w.approval("small")).unwrap();
    assert!(w.program_json("small").get("pending").is_none());
    // A program without a schedule has nothing to resume; one set now
    // starts with the current period.
    let e = enact(&mut w, json!({"schedule": "monthly"}));
    assert_eq!(e["resumed"], true, "{e}");
    let cursor = w.c.get("programs/cursor/small").unwrap();
    assert_eq!(cursor["period"], period::of(w.c.time_ms));
    w.c.check_replay();
}

/// With a policy of two administrators, a change of terms is enacted only
/// at the second approval, each naming the change's hash; one
/// administrator approving twice does not count twice.
#[test]
fn terms_need_the_agencys_threshold_of_administrators() {
    let mut w = world();
    w.monthly("small", 2_500, 1000, 1);
    // A second administrator, then a policy of two.
    let admin2 = publica_crypto::Keypair::generate();
    for action in [
        json!({"kind": "grant_administrator", "agency": "city", "account": admin2.account()}),
        json!({"kind": "set_policy", "agency": "city", "threshold": 2}),
    ] {
        w.call(
            "admin",
            "identity",
            "propose",
            json!({"as_agency": "city", "action": action}),
        )
        .unwrap();
    }
    assert_eq!(
        w.c.get("identity/agency/city").unwrap()["policy_threshold"],
        2,
        "{:?}",
        w.c.get("identity/agency/city")
    );
    w.p(
        "officer",
        "amend_terms",
        terms(json!({"budget_cap": "4000"})),
    )
    .unwrap();
    let approval = terms_approval(&w);
    w.p("admin", "approve", approval.clone()).unwrap();
    assert_eq!(
        w.program_json("small")["budget_cap"],
        "2500",
        "one of two approvals"
    );
    assert_eq!(
        w.program_json("small")["pending_terms"]["approvals"],
        json!([w.admin.account()])
    );
    assert_eq!(
        code(w.p("admin", "approve", approval.clone())),
        "programs.already_approved"
    );
    w.c.call(&admin2, "programs", "approve", approval).unwrap();
    let p = w.program_json("small");
    assert_eq!(p["budget_cap"], "4000", "{p}");
    assert!(p.get("pending_terms").is_none());
    let s = queries::summary(&w.c.state, "small", w.c.height()).unwrap();
    assert_eq!(
        s["amendments"][0]["approvals"],
        json!([w.admin.account(), admin2.account()])
    );
    w.c.check_replay();
}
