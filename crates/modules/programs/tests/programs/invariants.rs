//! Over random sequences of enrolments, attestations, on-demand payouts,
//! two-official overrides, changes of terms (the budget cap raised or
//! lowered, the schedule off and on, the end moved) and months passing
//! (with the node "down" for several at a time), suspensions, resumptions,
//! exits, overpayments recorded and written off, no enrolee is paid twice
//! for one period, nor for a period that had not begun or came before
//! their enrolment, nor while suspended or after leaving; no deduction
//! recovers more than the program's share of a payout, and the debts add
//! up; the total paid never exceeds the budget cap in force,
//! the program's books match its payouts, money is conserved, and replay
//! reproduces every block.

use crate::common::*;
use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_programs::{period, queries};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Enrol(usize),
    Attest {
        who: usize,
        pct: i64,
        month: u64,
    },
    Pay {
        who: usize,
        month: u64,
    },
    Override {
        who: usize,
        month: u64,
        reason: &'static str,
    },
    Terms {
        cap: u64,
        schedule: Option<bool>,
        end_month: Option<u64>,
    },
    Suspend(usize),
    Resume(usize),
    Exit(usize),
    Overpaid {
        who: usize,
        amount: u64,
    },
    WriteOff {
        who: usize,
        amount: u64,
    },
    Advance {
        months: u64,
    },
    Blocks(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..8usize).prop_map(Op::Enrol),
        3 => (0..8usize, 60..100i64, 0..12u64).prop_map(|(who, pct, month)| Op::Attest { who, pct, month }),
        2 => (0..8usize, 0..12u64).prop_map(|(who, month)| Op::Pay { who, month }),
        1 => (0..8usize, 0..12u64, prop::sample::select(vec!["late_claim", "attester_unavailable"]))
            .prop_map(|(who, month, reason)| Op::Override { who, month, reason }),
        1 => (1_000..25_000u64, prop::option::of(any::<bool>()), prop::option::of(1..14u64))
            .prop_map(|(cap, schedule, end_month)| Op::Terms { cap, schedule, end_month }),
        1 => (0..8usize).prop_map(Op::Suspend),
        1 => (0..8usize).prop_map(Op::Resume),
        1 => (0..8usize).prop_map(Op::Exit),
        1 => (0..8usize, 1..2_000u64).prop_map(|(who, amount)| Op::Overpaid { who, amount }),
        1 => (0..8usize, 1..1_000u64).prop_map(|(who, amount)| Op::WriteOff { who, amount }),
        1 => (1..4u64).prop_map(|months| Op::Advance { months }),
        1 => (1..3u64).prop_map(Op::Blocks),
    ]
}

fn label(month: u64) -> String {
    format!("2027-{:02}", month + 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn never_paid_twice_never_over_budget(budget in 3_000u64..20_000, ops in prop::collection::vec(op(), 1..40)) {
        let mut w = world();
        // A scheduled program with a condition, so every kind of payout runs.
        w.program("p", budget, json!({"schedule": "monthly", "condition": "!has(attr.attendance_pct) || attr.attendance_pct >= 85", "params": {"amount": 900}})).unwrap();
        let people: Vec<_> = (0..8).map(|_| Keypair::generate().account()).collect();
        for a in &people {
            w.attest(a, json!({"resident": true}), None, None).unwrap();
        }
        let mut month = 0u64;
        for o in ops {
            match o {
                Op::Enrol(i) => {
                    let _ = w.p("officer", "enrol", w.enrol_args("p", &format!("person{i}"), &people[i]));
                }
                Op::Attest { who, pct, month: m } => {
                    let _ = w.attest(&people[who], json!({"attendance_pct": pct}), Some(&label(m)), Some("p"));
                }
                Op::Pay { who, month: m } => {
                    let _ = w.p("officer", "payout", json!({"agency": "city", "program": "p", "account": people[who], "period": label(m)}));
                }
                Op::Override { who, month: m, reason } => {
                    let at = json!({"agency": "city", "program": "p", "account": people[who], "period": label(m)});
                    let mut req = at.clone();
                    req["reason"] = json!(reason);
                    req["note"] = json!("property test");
                    if w.p("officer", "request_payout_override", req).is_ok() {
                        // The requester never approves their own request.
                        prop_assert!(w.p("officer", "approve_payout_override", at.clone()).is_err());
                        let _ = w.p("officer2", "approve_payout_override", at);
                    }
                }
                Op::Terms { cap, schedule, end_month } => {
                    let mut change = json!({"agency": "city", "program": "p", "reason": "property test", "budget_cap": cap.to_string()});
                    if let Some(on) = schedule {
                        change["schedule"] = json!(if on { "monthly" } else { "none" });
                    }
                    if let Some(m) = end_month {
                        change["end_ms"] = json!(JAN_2027 + m * MONTH);
                    }
                    if w.p("officer", "amend_terms", change).is_ok() {
                        let s = queries::summary(&w.c.state, "p", w.c.height()).unwrap();
                        let _ = w.p("admin", "approve", json!({"agency": "city", "program": "p", "hash": s["terms_approval_hash"]}));
                    }
                }
                Op::Suspend(i) => {
                    let review = w.c.time_ms + 90 * 86_400_000;
                    let _ = w.p("officer", "suspend", json!({"agency": "city", "program": "p", "account": people[i], "reason": "pending_review", "review_ms": review}));
                }
                Op::Resume(i) => {
                    let _ = w.p("officer", "resume", json!({"agency": "city", "program": "p", "account": people[i]}));
                }
                Op::Exit(i) => {
                    let leave = json!({"agency": "city", "program": "p", "account": people[i], "reason": "moved_away"});
                    if w.p("officer", "exit", leave.clone()).is_ok() {
                        // One official only asks; a second confirms.
                        prop_assert!(w.p("officer", "exit", leave.clone()).is_err());
                        let _ = w.p("officer2", "exit", leave);
                    }
                }
                Op::Overpaid { who, amount } => {
                    let _ = w.p("officer", "record_overpayment", json!({"agency": "city", "program": "p", "account": people[who], "amount": amount.to_string(), "reason": "wrong_amount"}));
                }
                Op::WriteOff { who, amount } => {
                    let at = json!({"agency": "city", "program": "p", "account": people[who], "amount": amount.to_string(), "reason": "hardship"});
                    // The official who recorded the overpayments never writes them off.
                    prop_assert!(w.p("officer", "write_off", at.clone()).is_err());
                    let _ = w.p("officer2", "write_off", at);
                }
                Op::Advance { months } => {
                    month = (month + months).min(11);
                    let t = JAN_2027 + month * MONTH;
                    w.c.time_ms = w.c.time_ms.max(t);
                    w.c.idle(1);
                }
                Op::Blocks(n) => w.c.idle(n),
            }
            let cap: u64 = w.program_json("p")["budget_cap"].as_str().unwrap().parse().unwrap();
            prop_assert!(w.paid_total("p") <= cap, "paid {} over the cap {cap}", w.paid_total("p"));
        }
        w.c.idle(2);
        // Payouts per (enrolee, period) from the blocks themselves, and
        // each enrolee's standing as the blocks change it.
        let mut seen: BTreeMap<(String, String), u32> = BTreeMap::new();
        let mut total = 0u64;
        let mut held: BTreeMap<String, &str> = BTreeMap::new();
        for b in &w.c.blocks {
            // Scheduled payouts (ledger events) come before the block's transactions.
            let evs = b.ledger_events.iter().chain(b.outcomes.iter().flat_map(|o| o.events.iter()));
            for e in evs.clone().filter(|e| e.module == "programs" && e.kind == "payout") {
                let who = e.data["account"].as_str().unwrap();
                prop_assert!(held.get(who) != Some(&"suspended"), "paid while suspended: {}", e.data);
                if held.get(who) == Some(&"exited") {
                    // Only a period begun before the exit.
                    let since = w.c.get(&format!("programs/enrolment/p/{who}")).unwrap()["standing"]["since_ms"].as_u64().unwrap();
                    prop_assert!(period::start_ms(e.data["period"].as_str().unwrap()).unwrap() < since, "paid after leaving: {}", e.data);
                }
                let recovered = e.data.get("recovered").and_then(serde_json::Value::as_u64).unwrap_or(0);
                let benefit = e.data["amount"].as_u64().unwrap() + recovered;
                prop_assert!(recovered <= benefit * 10 / 100, "recovered {recovered} of {benefit}");
            }
            for e in evs.filter(|e| e.module == "programs") {
                let who = e.data["account"].as_str().unwrap_or_default().to_string();
                match e.kind.as_str() {
                    "enrolee_suspended" | "exit_requested" => { held.insert(who, "suspended"); }
                    "enrolee_resumed" => { held.remove(&who); }
                    "enrolee_exited" => { held.insert(who, "exited"); }
                    _ => {}
                }
            }
        }
        let mut owed = 0u64;
        for a in &people {
            if let Some(e) = w.c.get(&format!("programs/enrolment/p/{}", a.to_hex())) {
                if let Some(d) = e.get("debt") {
                    let n = |k: &str| d[k].as_str().unwrap().parse::<u64>().unwrap();
                    prop_assert!(n("recovered") + n("written_off") <= n("recorded"), "{d}");
                    owed += n("recorded") - n("recovered") - n("written_off");
                }
            }
        }
        let program_owes: u64 = w.program_json("p").get("debt_outstanding").map_or(0, |v| v.as_str().unwrap().parse().unwrap());
        prop_assert_eq!(owed, program_owes);
        for b in &w.c.blocks {
            let evs = b.ledger_events.iter().chain(b.outcomes.iter().flat_map(|o| o.events.iter()));
            for e in evs.filter(|e| e.module == "programs" && e.kind == "payout") {
                let k = (e.data["account"].as_str().unwrap().to_string(), e.data["period"].as_str().unwrap().to_string());
                let begun = period::start_ms(&k.1).unwrap() <= b.header.time_ms;
                prop_assert!(begun, "{} paid in block time {}", k.1, b.header.time_ms);
                let enrolled = w.c.get(&format!("programs/enrolment/p/{}", k.0)).unwrap()["time_ms"].as_u64().unwrap();
                prop_assert!(k.1 >= period::of(enrolled), "{} paid to an enrolee of {}", k.1, period::of(enrolled));
                *seen.entry(k).or_default() += 1;
                total += e.data["amount"].as_u64().unwrap();
            }
        }
        prop_assert!(seen.values().all(|n| *n == 1), "paid twice: {seen:?}");
        let cap: u64 = w.program_json("p")["budget_cap"].as_str().unwrap().parse().unwrap();
        prop_assert!(total <= cap, "paid {total} of {cap}");
        prop_assert_eq!(total, w.paid_total("p"));
        let s = queries::summary(&w.c.state, "p", w.c.height()).unwrap();
        let by_period: u64 = s["periods"].as_array().unwrap().iter().map(|p| p["paid_amount"].as_str().unwrap().parse::<u64>().unwrap()).sum();
        prop_assert_eq!(by_period, total);
        let balances: i128 = people.iter().map(|a| w.balance(&w.benefit_account("p", a))).sum();
        prop_assert_eq!(balances as u64, total);
        w.conserved();
        w.c.check_replay();
    }
}
