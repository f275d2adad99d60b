//! Local governance through the real runtime with identity and money: a
//! community with a treasury, liquid democracy on a proposal that pays
//! (delegations transitive, revocable, overridden by a direct vote;
//! self-delegation and cycles refused), the veto window, a payment that
//! cannot be made leaving nothing half paid, a quorum not met, and a
//! participatory budgeting round decided by equal shares, objected to and
//! funded (or cancelled). A property test checks, over random delegations
//! and votes, that no cycle ever gets in and that the count equals a
//! reference that follows every chain.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_elections::governance::Governance;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

const T0: u64 = 1_805_112_000_000;
const HOUR: u64 = 3_600_000;

struct Town {
    c: TestChain,
    admin: Keypair,
    officer: Keypair,
    members: Vec<Keypair>,
}

fn town(members: usize) -> Town {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["city"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Governance));
    let mut t = Town {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        officer: Keypair::generate(),
        members: (0..members).map(|_| Keypair::generate()).collect(),
    };
    t.c.time_ms = T0;
    let officer = t.officer.account();
    t.c.call(
        &t.admin,
        "identity",
        "add_member",
        json!({"agency": "city", "account": officer,
        "roles": ["election_officer", "treasurer", "program_officer"]}),
    )
    .unwrap();
    let o = &t.officer;
    t.c.call(o, "money", "create_currency", json!({"agency": "city", "code": "EUR", "name": "Euro", "decimals": 2, "supply_cap": "1000000000"})).unwrap();
    t.c.call(o, "money", "propose_appropriation", json!({"agency": "city", "currency": "EUR", "id": "local", "name": "Local budget", "cap": "1000000000"})).unwrap();
    t.c.call(
        &t.admin,
        "money",
        "approve_appropriation",
        json!({"agency": "city", "currency": "EUR", "id": "local"}),
    )
    .unwrap();
    t.c.call(
        o,
        "money",
        "open_account",
        json!({"id": "gov:north", "currency": "EUR", "agency": "city",
        "owner": {"kind": "program", "agency": "city", "program": "governance:north"}}),
    )
    .unwrap();
    for id in ["city:parks", "city:library", "city:bikes"] {
        t.c.call(
            o,
            "money",
            "open_account",
            json!({"id": id, "currency": "EUR", "agency": "city",
            "owner": {"kind": "agency", "agency": "city"}}),
        )
        .unwrap();
    }
    t.c.call(o, "money", "mint", json!({"agency": "city", "currency": "EUR", "appropriation": "local", "to": "gov:north", "amount": "200000"})).unwrap();
    t.c.call(
        o,
        "governance",
        "create_community",
        json!({"agency": "city", "id": "north", "title": "north-district",
        "topics": ["parks", "transport"], "account": "gov:north", "currency": "EUR"}),
    )
    .unwrap();
    let accounts: Vec<_> = t.members.iter().map(Keypair::account).collect();
    if !accounts.is_empty() {
        t.c.call(
            o,
            "governance",
            "enrol",
            json!({"agency": "city", "community": "north", "members": accounts}),
        )
        .unwrap();
    }
    t
}

fn code(r: Result<(), Rejected>) -> String {
    r.unwrap_err().code
}

impl Town {
    fn by(&mut self, who: usize, method: &str, args: Value) -> Result<(), Rejected> {
        let mut a = args;
        a["agency"] = json!("city");
        a["community"] = json!("north");
        self.c.call(&self.members[who], "governance", method, a)
    }

    fn delegate(&mut self, from: usize, to: usize, topic: &str) -> Result<(), Rejected> {
        let to = self.members[to].account();
        self.by(from, "delegate", json!({"topic": topic, "to": to}))
    }

    fn officer(&mut self, method: &str, args: Value) -> Result<(), Rejected> {
        self.c.call(&self.officer, "governance", method, args)
    }

    fn balance(&self, account: &str) -> u128 {
        self.c.get(&format!("money/account/{account}")).unwrap()["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    fn proposal(&self, id: &str) -> Value {
        self.c
            .get(&format!("governance/proposal/city/north/{id}"))
            .unwrap()
    }

    fn round(&self, id: &str) -> Value {
        self.c
            .get(&format!("governance/round/city/north/{id}"))
            .unwrap()
    }

    /// Lets block time reach `ms`, and one block run at it.
    fn at(&mut self, ms: u64) {
        self.c.time_ms = self.c.time_ms.max(ms);
        self.c.idle(1);
    }

    fn propose(&mut self, who: usize, id: &str, actions: Value, veto_ms: u64, quorum: u8) -> u64 {
        let closes = self.c.time_ms + HOUR;
        self.by(
            who,
            "propose",
            json!({"id": id, "topic": "parks", "title": id,
            "text_hash": "ab".repeat(32), "actions": actions, "closes_ms": closes,
            "veto_ms": veto_ms, "quorum_pct": quorum}),
        )
        .unwrap();
        closes
    }
}

#[test]
fn liquid_democracy_decides_a_proposal_that_pays_after_the_veto_window() {
    let mut t = town(6);
    let (a, b, c, d, e, f) = (0, 1, 2, 3, 4, 5);
    let pay = json!([{"kind": "pay", "to": "city:parks", "amount": "50000", "reference": "proposal:benches"}]);
    let closes = t.propose(a, "benches", pay, 10 * 60_000, 50);
    // B → A, C → B (so C reaches A), D → C, E → F.
    t.delegate(b, a, "parks").unwrap();
    t.delegate(c, b, "parks").unwrap();
    t.delegate(d, c, "parks").unwrap();
    t.delegate(e, f, "parks").unwrap();
    // Refused: to oneself, a cycle (A → D would lead D → C → B → A), a
    // non-member, an unknown topic.
    assert_eq!(
        code(t.delegate(a, a, "parks")),
        "governance.self_delegation"
    );
    assert_eq!(
        code(t.delegate(a, d, "parks")),
        "governance.delegation_cycle"
    );
    let outsider = Keypair::generate();
    assert_eq!(
        code(t.by(
            a,
            "delegate",
            json!({"topic": "parks", "to": outsider.account()})
        )),
        "governance.not_a_member"
    );
    assert_eq!(
        code(t.delegate(a, b, "schools")),
        "governance.unknown_topic"
    );
    // A cycle on another topic is a different graph: A → D on transport is fine.
    t.delegate(a, d, "transport").unwrap();
    // E revokes; revoking twice is refused.
    t.by(e, "undelegate", json!({"topic": "parks"})).unwrap();
    assert_eq!(
        code(t.by(e, "undelegate", json!({"topic": "parks"}))),
        "governance.no_delegation"
    );
    // Votes: A yes; D votes no directly, overriding its delegation; F no;
    // F first voted yes, then changed its mind.
    t.by(a, "vote", json!({"proposal": "benches", "choice": "yes"}))
        .unwrap();
    t.by(f, "vote", json!({"proposal": "benches", "choice": "yes"}))
        .unwrap();
    t.by(f, "vote", json!({"proposal": "benches", "choice": "no"}))
        .unwrap();
    t.by(d, "vote", json!({"proposal": "benches", "choice": "no"}))
        .unwrap();
    assert_eq!(
        code(t.c.call(
            &outsider,
            "governance",
            "vote",
            json!({"agency": "city", "community": "north", "proposal": "benches", "choice": "yes"})
        )),
        "governance.not_a_member"
    );
    assert_eq!(t.c.indexed("governance/votes/city/north/benches").len(), 4);
    // The close: A carries B and C (3 yes), D and F one each (2 no), E
    // counts for nothing.
    t.at(closes);
    let p = t.proposal("benches");
    assert_eq!(p["status"], "passed", "{p}");
    let tally = &p["tally"];
    assert_eq!(
        (
            tally["yes"].as_u64(),
            tally["no"].as_u64(),
            tally["abstain"].as_u64()
        ),
        (Some(3), Some(2), Some(0))
    );
    assert_eq!(
        (tally["direct"].as_u64(), tally["delegated"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(tally["weights"][t.members[a].account().to_hex()], 3);
    assert_eq!(
        code(t.by(b, "vote", json!({"proposal": "benches", "choice": "no"}))),
        "governance.wrong_status"
    );
    // Nothing paid during the veto window.
    t.at(closes + 5 * 60_000);
    assert_eq!(t.balance("city:parks"), 0);
    t.at(closes + 10 * 60_000);
    assert_eq!(t.proposal("benches")["status"], "executed");
    assert_eq!(t.balance("city:parks"), 50_000);
    assert_eq!(t.balance("gov:north"), 150_000);
    t.c.check_replay();
}

#[test]
fn the_agency_vetoes_a_payment_cannot_half_run_and_a_quorum_is_needed() {
    let mut t = town(3);
    let pay = |amount: &str| json!([{"kind": "pay", "to": "city:bikes", "amount": amount, "reference": "p:bikes"}]);
    let closes = t.propose(0, "vetoed", pay("1000"), HOUR, 0);
    // Two payments, the second more than the treasury holds: neither runs.
    let both = json!([{"kind": "pay", "to": "city:bikes", "amount": "1000", "reference": "p:one"},
                      {"kind": "pay", "to": "city:library", "amount": "999999999", "reference": "p:two"}]);
    t.propose(0, "too-much", both, 0, 0);
    t.propose(0, "quiet", pay("1000"), 0, 80);
    for id in ["vetoed", "too-much"] {
        t.by(0, "vote", json!({"proposal": id, "choice": "yes"}))
            .unwrap();
    }
    t.by(1, "vote", json!({"proposal": "quiet", "choice": "yes"}))
        .unwrap();
    t.at(closes);
    assert_eq!(t.proposal("vetoed")["status"], "passed");
    // A member or an election officer cannot veto; an administrator can.
    let veto = json!({"agency": "city", "community": "north", "proposal": "vetoed", "reason": "decision:2027-14"});
    assert_eq!(
        code(t.c.call(&t.officer, "governance", "veto", veto.clone())),
        "auth.unauthorized"
    );
    t.c.call(&t.admin, "governance", "veto", veto.clone())
        .unwrap();
    assert_eq!(
        code(t.c.call(&t.admin, "governance", "veto", veto)),
        "governance.wrong_status"
    );
    t.at(closes + HOUR);
    assert_eq!(t.proposal("vetoed")["status"], "vetoed");
    let failed = t.proposal("too-much");
    assert_eq!(
        (failed["status"].as_str(), failed["reason"].as_str()),
        (Some("failed"), Some("money.overdraft")),
        "{failed}"
    );
    assert_eq!(
        t.balance("city:bikes"),
        0,
        "the first payment was undone with the second"
    );
    assert_eq!(t.balance("gov:north"), 200_000);
    let quiet = t.proposal("quiet");
    assert_eq!(
        (quiet["status"].as_str(), quiet["reason"].as_str()),
        (Some("rejected"), Some("quorum"))
    );
    // Bad proposals.
    let bad = |t: &mut Town, args: Value| {
        let mut a = json!({"id": "x", "topic": "parks", "title": "x", "text_hash": "ab".repeat(32),
            "actions": [], "closes_ms": t.c.time_ms + HOUR, "veto_ms": 0, "quorum_pct": 0});
        for (k, v) in args.as_object().unwrap() {
            a[k] = v.clone();
        }
        code(t.by(0, "propose", a))
    };
    assert_eq!(
        bad(&mut t, json!({"id": "vetoed"})),
        "governance.proposal_exists"
    );
    assert_eq!(
        bad(&mut t, json!({"closes_ms": 1})),
        "governance.invalid_field"
    );
    assert_eq!(
        bad(&mut t, json!({"text_hash": "nothex"})),
        "governance.invalid_field"
    );
    assert_eq!(
        bad(&mut t, json!({"title": "A sentence with spaces"})),
        "governance.invalid_field"
    );
    assert_eq!(
        bad(&mut t, json!({"quorum_pct": 101})),
        "governance.invalid_field"
    );
    assert_eq!(
        bad(&mut t, json!({"topic": "schools"})),
        "governance.unknown_topic"
    );
    assert_eq!(
        bad(
            &mut t,
            json!({"actions": [{"kind": "pay", "to": "nowhere", "amount": "1", "reference": "r"}]})
        ),
        "money.unknown_account"
    );
    assert_eq!(
        bad(
            &mut t,
            json!({"actions": [{"kind": "pay", "to": "city:bikes", "amount": "0", "reference": "r"}]})
        ),
        "governance.invalid_field"
    );
    t.c.check_replay();
}

#[test]
fn a_budgeting_round_is_decided_by_equal_shares_objected_to_and_funded() {
    let mut t = town(5);
    let projects = json!([
        {"id": "park", "title": "park-renewal", "cost": "60000", "payee": "city:parks"},
        {"id": "library", "title": "library-hours", "cost": "50000", "payee": "city:library"},
        {"id": "bikes", "title": "bike-lanes", "cost": "40000", "payee": "city:bikes"},
    ]);
    let closes = t.c.time_ms + HOUR;
    let open = json!({"agency": "city", "community": "north", "id": "pb-2027", "title": "pb-2027",
        "budget": "100000", "projects": projects, "rule": "mes-greedy", "closes_ms": closes, "objection_ms": HOUR});
    let mut too_big = open.clone();
    too_big["id"] = json!("big");
    too_big["budget"] = json!("300000");
    too_big["projects"] =
        json!([{"id": "park", "title": "p", "cost": "60000", "payee": "city:parks"}]);
    assert_eq!(
        code(t.officer("open_round", too_big)),
        "governance.over_budget"
    );
    let member_opens = open.clone();
    assert_eq!(
        code(t.by(0, "open_round", member_opens)),
        "auth.unauthorized"
    );
    t.officer("open_round", open).unwrap();
    let ballot = |t: &mut Town, who: usize, approvals: Value| {
        t.by(
            who,
            "approve_projects",
            json!({"round": "pb-2027", "approvals": approvals}),
        )
    };
    // Over the budget (park and library: 110,000), unknown, twice: refused.
    assert_eq!(
        code(ballot(&mut t, 0, json!(["park", "library"]))),
        "governance.over_budget"
    );
    assert_eq!(
        code(ballot(&mut t, 0, json!(["pool"]))),
        "governance.unknown_project"
    );
    assert_eq!(
        code(ballot(&mut t, 0, json!(["park", "park"]))),
        "governance.invalid_field"
    );
    // Member 1 first approves bikes alone, then replaces the ballot.
    ballot(&mut t, 0, json!(["park"])).unwrap();
    ballot(&mut t, 1, json!(["bikes"])).unwrap();
    ballot(&mut t, 1, json!(["park"])).unwrap();
    ballot(&mut t, 2, json!(["park", "library"])).unwrap_err();
    ballot(&mut t, 2, json!(["park", "bikes"])).unwrap();
    ballot(&mut t, 3, json!(["library", "bikes"])).unwrap();
    ballot(&mut t, 4, json!(["bikes"])).unwrap();
    assert_eq!(
        code(t.by(0, "object", json!({"round": "pb-2027", "reason": "c:1"}))),
        "governance.wrong_status"
    );
    t.at(closes);
    let r = t.round("pb-2027");
    assert_eq!(r["status"], "objection", "{r}");
    // Equal shares: 20,000 each. Bikes' three supporters pay 13,333 each
    // (a lower price per approval than park's 20,000); park's supporters
    // then hold 46,667, too little, and the greedy completion funds park
    // with what is left of the budget.
    assert_eq!(r["winners"], json!(["bikes", "park"]));
    assert_eq!(r["spent"], "100000");
    assert_eq!(r["approvals"], json!([3, 1, 3]));
    assert_eq!(
        code(ballot(&mut t, 0, json!(["bikes"]))),
        "governance.wrong_status"
    );
    t.by(
        3,
        "object",
        json!({"round": "pb-2027", "reason": "complaint:7"}),
    )
    .unwrap();
    assert_eq!(t.round("pb-2027")["objections"], 1);
    assert_eq!(
        t.c.indexed("governance/objections/city/north/pb-2027")
            .len(),
        1
    );
    t.at(closes + HOUR);
    let r = t.round("pb-2027");
    assert_eq!(r["status"], "funded", "{r}");
    assert_eq!(
        (
            t.balance("city:parks"),
            t.balance("city:bikes"),
            t.balance("city:library")
        ),
        (60_000, 40_000, 0)
    );
    assert_eq!(t.balance("gov:north"), 100_000);

    // A second round, cancelled in its objection window: nothing paid.
    let closes = t.c.time_ms + HOUR;
    t.officer("open_round", json!({"agency": "city", "community": "north", "id": "pb-2028", "title": "pb-2028",
        "budget": "50000", "projects": [{"id": "library", "title": "library-hours", "cost": "50000", "payee": "city:library"}],
        "rule": "greedy", "closes_ms": closes, "objection_ms": HOUR})).unwrap();
    ballot_2028(&mut t);
    t.at(closes);
    assert_eq!(t.round("pb-2028")["winners"], json!(["library"]));
    let cancel =
        json!({"agency": "city", "community": "north", "round": "pb-2028", "reason": "decision:9"});
    t.c.call(&t.admin, "governance", "cancel_round", cancel)
        .unwrap();
    t.at(closes + HOUR);
    assert_eq!(t.round("pb-2028")["status"], "cancelled");
    assert_eq!(t.balance("city:library"), 0);
    t.c.check_replay();
}

fn ballot_2028(t: &mut Town) {
    for who in 0..3 {
        t.by(
            who,
            "approve_projects",
            json!({"round": "pb-2028", "approvals": ["library"]}),
        )
        .unwrap();
    }
}

#[test]
fn members_come_and_go_and_only_members_count() {
    let mut t = town(4);
    let closes = t.propose(0, "lights", json!([]), 0, 0);
    t.delegate(3, 1, "parks").unwrap();
    t.by(1, "vote", json!({"proposal": "lights", "choice": "yes"}))
        .unwrap();
    t.by(2, "vote", json!({"proposal": "lights", "choice": "no"}))
        .unwrap();
    t.by(0, "vote", json!({"proposal": "lights", "choice": "no"}))
        .unwrap();
    // Member 0 leaves (the last member takes their number); member 1 too,
    // so 3's delegation ends at a non-member and counts for nothing.
    let officer = &t.officer;
    for who in [0, 1] {
        let m = t.members[who].account();
        t.c.call(
            officer,
            "governance",
            "unenrol",
            json!({"agency": "city", "community": "north", "member": m}),
        )
        .unwrap();
    }
    let m = t.members[1].account();
    assert_eq!(
        code(t.c.call(
            officer,
            "governance",
            "unenrol",
            json!({"agency": "city", "community": "north", "member": m})
        )),
        "governance.not_a_member"
    );
    let m2 = t.members[2].account();
    assert_eq!(
        code(t.c.call(
            officer,
            "governance",
            "enrol",
            json!({"agency": "city", "community": "north", "members": [m2]})
        )),
        "governance.already_member"
    );
    t.at(closes);
    let p = t.proposal("lights");
    // Members 2 and 3 remain: 2 voted no; 3's chain ends at member 1, gone.
    assert_eq!(p["tally"]["members"], 2);
    assert_eq!(
        (p["tally"]["yes"].as_u64(), p["tally"]["no"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(p["status"], "rejected");
    // Member 0 comes back and is counted again from then on.
    let m0 = t.members[0].account();
    t.c.call(
        &t.officer,
        "governance",
        "enrol",
        json!({"agency": "city", "community": "north", "members": [m0]}),
    )
    .unwrap();
    assert_eq!(
        t.c.get("governance/community/city/north").unwrap()["members"],
        3
    );
}

#[test]
fn a_community_has_at_most_64_proposals_and_rounds_under_way() {
    let mut t = town(1);
    let mut closes = 0;
    for i in 0..64 {
        closes = t.propose(0, &format!("p{i}"), json!([]), 0, 0);
    }
    let more = json!({"id": "p64", "topic": "parks", "title": "p64", "text_hash": "ab".repeat(32),
        "actions": [], "closes_ms": t.c.time_ms + HOUR, "veto_ms": 0, "quorum_pct": 0});
    assert_eq!(
        code(t.by(0, "propose", more.clone())),
        "governance.too_many_open"
    );
    let round = json!({"agency": "city", "community": "north", "id": "r", "title": "r", "budget": "100",
        "projects": [{"id": "a", "title": "a", "cost": "100", "payee": "city:parks"}], "rule": "greedy",
        "closes_ms": t.c.time_ms + HOUR, "objection_ms": 0});
    assert_eq!(
        code(t.officer("open_round", round)),
        "governance.too_many_open"
    );
    // Once they close (none passes: no votes), there is room again.
    t.at(closes);
    assert_eq!(t.proposal("p0")["status"], "rejected");
    let mut more = more;
    more["closes_ms"] = json!(t.c.time_ms + HOUR);
    t.by(0, "propose", more).unwrap();
}

/// Follows `who`'s chain to a direct vote, as a reader of the public
/// record would.
fn reference_choice(
    delegations: &[Option<usize>],
    votes: &[Option<bool>],
    who: usize,
) -> Option<bool> {
    let mut cur = who;
    for _ in 0..=delegations.len() {
        if let Some(v) = votes[cur] {
            return Some(v);
        }
        cur = delegations[cur]?;
    }
    panic!("a cycle got in");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn no_cycle_gets_in_and_the_count_follows_every_chain(
        tries in proptest::collection::vec((0usize..7, 0usize..7), 0..20),
        votes in proptest::collection::vec(proptest::option::of(any::<bool>()), 7),
    ) {
        let mut t = town(7);
        let closes = t.propose(0, "prop", json!([]), 0, 0);
        let mut graph: Vec<Option<usize>> = vec![None; 7];
        for (from, to) in tries {
            let r = t.delegate(from, to, "parks");
            // What the module did must match what a cycle check says.
            let mut cur = Some(to);
            let mut cycle = from == to;
            for _ in 0..8 {
                match cur {
                    Some(x) if x == from => { cycle = true; break; }
                    Some(x) => cur = graph[x],
                    None => break,
                }
            }
            prop_assert_eq!(r.is_ok(), !cycle, "{} → {}", from, to);
            if r.is_ok() {
                graph[from] = Some(to);
            }
        }
        for (who, v) in votes.iter().enumerate() {
            if let Some(yes) = v {
                let choice = if *yes { "yes" } else { "no" };
                t.by(who, "vote", json!({"proposal": "prop", "choice": choice})).unwrap();
            }
        }
        t.at(closes);
        let tally = t.proposal("prop")["tally"].clone();
        let resolved: Vec<Option<bool>> = (0..7).map(|w| reference_choice(&graph, &votes, w)).collect();
        let yes = resolved.iter().filter(|r| **r == Some(true)).count() as u64;
        let no = resolved.iter().filter(|r| **r == Some(false)).count() as u64;
        prop_assert_eq!(tally["yes"].as_u64(), Some(yes));
        prop_assert_eq!(tally["no"].as_u64(), Some(no));
        prop_assert_eq!(tally["direct"].as_u64(), Some(votes.iter().filter(|v| v.is_some()).count() as u64));
    }
}
