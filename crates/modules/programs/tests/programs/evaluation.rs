//! The pilot evaluation report over a real chain: a scheduled program
//! (paid at once, a suspended enrolee's failure counted) and an on-demand
//! one (paid five days late, an override by two officials), with the
//! hours to payment, officials' actions per payout and budget executed
//! checked against what the blocks say.

use crate::common::*;
use publica_programs::evaluation;
use serde_json::json;

const DAY: u64 = 86_400_000;

#[test]
fn the_report_measures_delays_actions_failures_and_budget() {
    let mut w = world();
    let people = w.monthly("ubi", 100_000, 1000, 3);
    w.c.idle(1);
    w.program("od", 10_000, json!({"params": {"amount": 500}}))
        .unwrap();
    let od: Vec<_> = (0..2)
        .map(|i| w.enrolee("od", &format!("q{i}"), json!({"resident": true})))
        .collect();
    // Five days on, an officer pays January by hand; the other's January
    // goes by an override (two officials).
    w.c.time_ms = JAN_2027 + 5 * DAY;
    w.p(
        "officer",
        "payout",
        json!({"agency": "city", "program": "od", "account": od[0], "period": "2027-01"}),
    )
    .unwrap();
    let at = json!({"agency": "city", "program": "od", "account": od[1], "period": "2027-01"});
    let mut req = at.clone();
    req["reason"] = json!("late_claim");
    req["note"] = json!("paper claim");
    w.p("officer", "request_payout_override", req).unwrap();
    w.p("officer2", "approve_payout_override", at).unwrap();
    // February: one UBI enrolee suspended, so one failure.
    w.p("officer", "suspend", json!({"agency": "city", "program": "ubi", "account": people[0], "reason": "pending_review", "review_ms": JAN_2027 + 60 * DAY})).unwrap();
    w.c.time_ms = JAN_2027 + MONTH;
    w.c.idle(1);

    let time = |h: u64| w.c.blocks.get(h as usize - 1).map(|b| b.header.time_ms);
    let ubi = evaluation::report(&w.c.state, "ubi", &time, evaluation::ENTRIES_MAX).unwrap();
    assert_eq!(ubi["paid_total"], "5000", "{ubi}");
    assert_eq!(ubi["budget_executed_pct"], 5.0);
    assert_eq!(ubi["suspended"], 1);
    assert_eq!(ubi["fees"], "0");
    let periods = ubi["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    let (jan, feb) = (&periods[0], &periods[1]);
    assert_eq!(
        (
            jan["payouts"].as_u64(),
            jan["by_kind"]["scheduled"].as_u64()
        ),
        (Some(3), Some(3)),
        "{jan}"
    );
    assert_eq!(jan["official_actions"], 0, "the schedule needs no official");
    assert_eq!(jan["actions_per_payout"], 0.0);
    assert_eq!(
        jan["hours_to_payment_p99"], 0.0,
        "paid in the block after enrolment"
    );
    assert_eq!(
        feb["failed"],
        json!({"programs.enrolee_suspended": 1}),
        "{feb}"
    );
    assert_eq!(feb["cumulative_paid"], "5000");
    assert_eq!(feb["cumulative_budget_executed_pct"], 5.0);

    let od = evaluation::report(&w.c.state, "od", &time, evaluation::ENTRIES_MAX).unwrap();
    let jan = &od["periods"][0];
    assert_eq!(
        jan["by_kind"],
        json!({"on_demand": 1, "override": 1}),
        "{jan}"
    );
    assert_eq!(jan["overrides"], json!({"late_claim": 1}));
    assert_eq!(
        jan["official_actions"], 3,
        "one payout, and an override's two"
    );
    assert_eq!(jan["actions_per_payout"], 1.5);
    // Due since the enrolment (early on 1 January), paid five days later.
    let p50 = jan["hours_to_payment_p50"].as_f64().unwrap();
    assert!((119.9..=120.0).contains(&p50), "{p50}");
    assert_eq!(od["budget_executed_pct"], 10.0);
    assert!(evaluation::report(&w.c.state, "none", &time, evaluation::ENTRIES_MAX).is_none());
    // A bounded report says it stopped.
    let part = evaluation::report(&w.c.state, "ubi", &time, 2).unwrap();
    assert_eq!(part["complete"], false);
    assert_eq!(part["periods"][0]["payouts"], 2);
    assert_eq!(ubi["complete"], true);

    let csv = evaluation::csv(&od);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("period,payouts,paid_amount,recovered_amount,failed,overrides,hours_to_payment_p50,hours_to_payment_p99,official_actions,actions_per_payout,cumulative_budget_executed_pct"));
    assert_eq!(
        lines.next(),
        Some("2027-01,2,1000,0,,late_claim=1,120.0,120.0,3,1.5,10.0"),
        "{csv}"
    );
}
