//! Claims through the real runtime with identity and money: a plan with
//! CEL cover and referral rules, policies, claims approved and paid in
//! their transaction, denied with a reason, referred and decided, appealed
//! and decided by another adjudicator; duplicates, unknown codes, a claim
//! without policy, a bad payee refused; the monthly report; replay.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use publica_claims::Claims;
use publica_crypto::Keypair;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

/// 2027-03-15 12:00 UTC.
pub(crate) const T0: u64 = 1_805_112_000_000;

pub(crate) struct World {
    pub(crate) c: TestChain,
    keys: Vec<(&'static str, Keypair)>,
}

pub(crate) fn world(annual_limit: u64, copay_pct: u8) -> World {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(
        TEST_CHAIN,
        &["insurer", "hospital", "clinic"],
        admin.account(),
    );
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Claims));
    let mut w = World {
        c: TestChain::new(rt, genesis.initial_state()),
        keys: vec![("admin", admin)],
    };
    w.c.time_ms = T0;
    for (name, agency, roles) in [
        (
            "officer",
            "insurer",
            json!(["program_officer", "treasurer"]),
        ),
        ("adj1", "insurer", json!(["adjudicator"])),
        ("adj2", "insurer", json!(["adjudicator"])),
        ("billing", "hospital", json!(["custodian", "treasurer"])),
        ("clinic", "clinic", json!(["custodian"])),
    ] {
        let k = Keypair::generate();
        let account = k.account();
        w.keys.push((name, k));
        w.call(
            "admin",
            "identity",
            "add_member",
            json!({"agency": agency, "account": account, "roles": roles}),
        )
        .unwrap();
    }
    for (m, a) in [
        (
            "create_currency",
            json!({"agency": "insurer", "code": "EUR", "name": "Euro", "decimals": 2, "supply_cap": "1000000000"}),
        ),
        (
            "propose_appropriation",
            json!({"agency": "insurer", "currency": "EUR", "id": "premiums", "name": "Premiums", "cap": "1000000000"}),
        ),
    ] {
        w.call("officer", "money", m, a).unwrap();
    }
    w.call(
        "admin",
        "money",
        "approve_appropriation",
        json!({"agency": "insurer", "currency": "EUR", "id": "premiums"}),
    )
    .unwrap();
    w.call("officer", "money", "open_account", json!({"id": "plan:basic", "currency": "EUR",
        "owner": {"kind": "program", "agency": "insurer", "program": "claims:basic"}, "agency": "insurer"})).unwrap();
    w.call("officer", "money", "mint", json!({"agency": "insurer", "currency": "EUR", "appropriation": "premiums", "to": "plan:basic", "amount": "10000000"})).unwrap();
    // The hospital's treasurer is a merchant the insurer accredited for
    // health care; its merchant account receives the claims paid.
    let billing = w.key("billing").account();
    w.call(
        "admin",
        "identity",
        "add_member",
        json!({"agency": "insurer", "account": billing, "roles": ["merchant"]}),
    )
    .unwrap();
    w.call("officer", "money", "accredit_merchant", json!({"agency": "insurer", "currency": "EUR", "merchant": billing, "categories": ["health"]})).unwrap();
    w.call("officer", "money", "open_account", json!({"id": "hospital:claims", "currency": "EUR",
        "owner": {"kind": "merchant", "account": billing, "agency": "insurer", "category": "health"}, "agency": "insurer"})).unwrap();
    w.call(
        "officer",
        "claims",
        "define_plan",
        plan_args(annual_limit, copay_pct),
    )
    .unwrap();
    w
}

pub(crate) fn plan_args(annual_limit: u64, copay_pct: u8) -> Value {
    json!({"agency": "insurer", "id": "basic", "name": "Basic cover", "currency": "EUR", "account": "plan:basic",
        "cover": "attr.code != 'COSMETIC' && !(attr.diagnosis in ['Z41.1'])",
        "refer": "attr.total > 500000 || attr.provider == 'clinic'",
        "tariff": {"99213": "15000", "80053": "4000", "COSMETIC": "90000", "27447": "1200000"},
        "annual_limit": annual_limit.to_string(), "copay_pct": copay_pct})
}

impl World {
    pub(crate) fn key(&self, who: &str) -> Keypair {
        let k = &self
            .keys
            .iter()
            .find(|(n, _)| *n == who)
            .unwrap_or_else(|| panic!("no {who}"))
            .1;
        Keypair::from_seed(k.seed())
    }

    pub(crate) fn call(
        &mut self,
        who: &str,
        module: &str,
        method: &str,
        args: Value,
    ) -> Result<(), Rejected> {
        let k = self.key(who);
        self.c.call(&k, module, method, args)
    }

    pub(crate) fn balance(&self, account: &str) -> u128 {
        self.c.get(&format!("money/account/{account}")).unwrap()["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub(crate) fn claim(&self, provider: &str, id: &str) -> Value {
        self.c
            .get(&format!("claims/claim/{provider}/{id}"))
            .unwrap()
    }

    pub(crate) fn enrol(&mut self, member: &Keypair) {
        self.call(
            "officer",
            "claims",
            "enrol",
            json!({"agency": "insurer", "plan": "basic",
            "member": member.account(), "from": "2027-01-01", "until": "2027-12-31"}),
        )
        .unwrap();
    }

    pub(crate) fn submit(
        &mut self,
        id: &str,
        member: &Keypair,
        date: &str,
        items: Value,
    ) -> Result<(), Rejected> {
        self.call(
            "billing",
            "claims",
            "submit",
            json!({"provider": "hospital", "id": id, "agency": "insurer",
            "plan": "basic", "member": member.account(), "service_date": date, "diagnosis": "E11.9",
            "items": items, "evidence": ["ab".repeat(32)], "payee": "hospital:claims"}),
        )
    }
}

pub(crate) fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

#[test]
fn claims_are_judged_paid_referred_appealed_and_reported() {
    let mut w = world(100_000, 20);
    let member = Keypair::generate();
    // Bad plans: a rule that does not type-check, a tariff code malformed.
    let mut bad = plan_args(1, 0);
    bad["id"] = json!("bad");
    bad["cover"] = json!("attr.amount");
    assert_eq!(
        code(w.call("officer", "claims", "define_plan", bad.clone())),
        "claims.rule_invalid"
    );
    bad["cover"] = json!("attr.nope == 1");
    assert_eq!(
        code(w.call("officer", "claims", "define_plan", bad)),
        "claims.rule_invalid"
    );
    assert_eq!(
        code(w.call("officer", "claims", "define_plan", plan_args(1, 0))),
        "claims.plan_exists"
    );
    assert!(code(w.call("adj1", "claims", "define_plan", plan_args(1, 0))).starts_with("auth"));

    // No policy yet.
    let visit = json!([{"code": "99213", "amount": "20000"}]);
    assert_eq!(
        code(w.submit("c1", &member, "2027-03-10", visit.clone())),
        "claims.no_policy"
    );
    w.enrol(&member);
    assert_eq!(
        code(w.submit("c1", &member, "2026-12-31", visit.clone())),
        "claims.no_policy"
    );
    assert_eq!(
        code(w.submit("c1", &member, "2027-03-16", visit.clone())),
        "claims.invalid_field"
    );
    // One day, one spelling: a '+' in a date is no date.
    assert_eq!(
        code(w.submit("c1", &member, "2027-+3-10", visit.clone())),
        "claims.invalid_field"
    );
    // Unknown code, malformed diagnosis, only a provider's officer.
    assert_eq!(
        code(w.submit(
            "c1",
            &member,
            "2027-03-10",
            json!([{"code": "00000", "amount": "1"}])
        )),
        "claims.unknown_code"
    );
    assert!(code(w.call("clinic", "claims", "submit", json!({"provider": "hospital", "id": "x", "agency": "insurer",
        "plan": "basic", "member": member.account(), "service_date": "2027-03-10", "diagnosis": "E11.9",
        "items": visit, "payee": "hospital:claims"}))).starts_with("auth"));

    // A visit: allowed 150.00 of 200.00 by the tariff, 20 % co-payment:
    // 120.00 paid in the same transaction.
    let before = w.balance("plan:basic");
    w.submit(
        "c1",
        &member,
        "2027-03-10",
        json!([{"code": "99213", "amount": "20000"}, {"code": "COSMETIC", "amount": "5000"}]),
    )
    .unwrap();
    let c = w.claim("hospital", "c1");
    assert_eq!(
        (
            c["status"].as_str(),
            c["paid"].as_str(),
            c["copay"].as_str()
        ),
        (Some("approved"), Some("12000"), Some("3000")),
        "{c}"
    );
    assert_eq!(c["items"][1]["covered"], false);
    assert_eq!(w.balance("hospital:claims"), 12_000);
    assert_eq!(w.balance("plan:basic"), before - 12_000);
    // The same service again: a duplicate, whatever its id.
    assert_eq!(
        code(w.submit(
            "c2",
            &member,
            "2027-03-10",
            json!([{"code": "99213", "amount": "20000"}])
        )),
        "claims.duplicate"
    );
    assert_eq!(
        code(w.submit(
            "c1",
            &member,
            "2027-03-11",
            json!([{"code": "80053", "amount": "100"}])
        )),
        "claims.duplicate"
    );

    // Nothing covered: denied with its reason; appealed; decided by an
    // adjudicator (any: the rules decided it).
    w.submit(
        "c3",
        &member,
        "2027-03-11",
        json!([{"code": "COSMETIC", "amount": "90000"}]),
    )
    .unwrap();
    let c = w.claim("hospital", "c3");
    assert_eq!(
        (c["status"].as_str(), c["reason"].as_str()),
        (Some("denied"), Some("claims.not_covered"))
    );
    let decide = |claim: &str, approve: bool| json!({"agency": "insurer", "provider": "hospital", "claim": claim, "approve": approve, "reason": "ADJ-1"});
    assert_eq!(
        code(w.call("adj1", "claims", "decide_appeal", decide("c3", true))),
        "claims.wrong_state"
    );
    let stranger = Keypair::generate();
    assert_eq!(
        code(w.c.call(
            &stranger,
            "claims",
            "appeal",
            json!({"provider": "hospital", "claim": "c3", "ground": "G-1"})
        )),
        "claims.wrong_state"
    );
    let m = Keypair::from_seed(member.seed());
    w.c.call(
        &m,
        "claims",
        "appeal",
        json!({"provider": "hospital", "claim": "c3", "ground": "MEDICAL-NECESSITY-7"}),
    )
    .unwrap();
    assert_eq!(
        code(w.c.call(
            &m,
            "claims",
            "appeal",
            json!({"provider": "hospital", "claim": "c3", "ground": "G-2"})
        )),
        "claims.wrong_state"
    );
    w.call("adj1", "claims", "decide_appeal", decide("c3", true))
        .unwrap();
    let c = w.claim("hospital", "c3");
    // 900.00 allowed, 20 % co-payment: 720.00, but 880.00 of the 1,000.00
    // yearly limit is left: 720.00 paid.
    assert_eq!(
        (
            c["status"].as_str(),
            c["paid"].as_str(),
            c["appeal"]["upheld"].as_bool()
        ),
        (Some("approved"), Some("72000"), Some(false)),
        "{c}"
    );

    // Referred by the rule (the clinic); decided by adj2; its appeal by
    // adj1 only.
    w.call(
        "admin",
        "identity",
        "grant_role",
        json!({"agency": "clinic", "account": w.key("billing").account(), "role": "custodian"}),
    )
    .unwrap();
    assert_eq!(code(w.call("billing", "claims", "submit", json!({"provider": "clinic", "id": "k1", "agency": "insurer", "plan": "basic",
        "member": member.account(), "service_date": "2027-03-12", "diagnosis": "I10", "items": [{"code": "80053", "amount": "4000"}],
        "payee": "hospital:claims"}))), "claims.bad_payee");
    let clinic = w.key("clinic").account();
    w.call(
        "admin",
        "identity",
        "grant_role",
        json!({"agency": "clinic", "account": clinic, "role": "treasurer"}),
    )
    .unwrap();
    w.call(
        "admin",
        "identity",
        "add_member",
        json!({"agency": "insurer", "account": clinic, "roles": ["merchant"]}),
    )
    .unwrap();
    w.call("officer", "money", "accredit_merchant", json!({"agency": "insurer", "currency": "EUR", "merchant": clinic, "categories": ["health"]})).unwrap();
    w.call("officer", "money", "open_account", json!({"id": "clinic:claims", "currency": "EUR",
        "owner": {"kind": "merchant", "account": clinic, "agency": "insurer", "category": "health"}, "agency": "insurer"})).unwrap();
    w.call("billing", "claims", "submit", json!({"provider": "clinic", "id": "k1", "agency": "insurer", "plan": "basic",
        "member": member.account(), "service_date": "2027-03-12", "diagnosis": "I10", "items": [{"code": "80053", "amount": "4000"}],
        "payee": "clinic:claims"})).unwrap();
    let k = w.c.get("claims/claim/clinic/k1").unwrap();
    assert_eq!(
        (k["status"].as_str(), k["reason"].as_str()),
        (Some("referred"), Some("referred_by_rule"))
    );
    let kd = |approve: bool| json!({"agency": "insurer", "provider": "clinic", "claim": "k1", "approve": approve, "reason": "ADJ-2"});
    assert!(code(w.call("officer", "claims", "decide", kd(false))).starts_with("auth"));
    w.call("adj2", "claims", "decide", kd(false)).unwrap();
    assert_eq!(
        code(w.call("adj2", "claims", "decide", kd(true))),
        "claims.wrong_state"
    );
    w.call(
        "clinic",
        "claims",
        "appeal",
        json!({"provider": "clinic", "claim": "k1", "ground": "G-9"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call("adj2", "claims", "decide_appeal", kd(true))),
        "claims.same_reviewer"
    );
    w.call("adj1", "claims", "decide_appeal", kd(true)).unwrap();
    let k = w.c.get("claims/claim/clinic/k1").unwrap();
    // 40.00 less 20 %: 32.00, and 160.00 of the limit was left.
    assert_eq!(
        (k["status"].as_str(), k["paid"].as_str()),
        (Some("approved"), Some("3200")),
        "{k}"
    );

    // The limit is spent: 1,000.00 paid in all would be exceeded.
    w.submit(
        "c4",
        &member,
        "2027-03-13",
        json!([{"code": "27447", "amount": "400000"}]),
    )
    .unwrap();
    let c = w.claim("hospital", "c4");
    assert_eq!(
        (c["paid"].as_str(), c["reason"].as_str()),
        (Some("12800"), Some("limit_reached")),
        "{c}"
    );
    w.submit(
        "c5",
        &member,
        "2027-03-14",
        json!([{"code": "99213", "amount": "100"}]),
    )
    .unwrap();
    let c = w.claim("hospital", "c5");
    assert_eq!(
        (
            c["status"].as_str(),
            c["reason"].as_str(),
            c["paid"].as_str()
        ),
        (Some("denied"), Some("claims.over_limit"), Some("0"))
    );
    let used: u128 =
        w.c.get(&format!(
            "claims/used/insurer/basic/{}/2027",
            member.account().to_hex()
        ))
        .unwrap()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(used, 100_000);

    // The month's figures.
    let s = w.c.get("claims/stats/insurer/basic/2027-03").unwrap();
    assert_eq!(
        (
            s["submitted"].as_u64(),
            s["approved"].as_u64(),
            s["denied"].as_u64(),
            s["referred"].as_u64()
        ),
        (Some(5), Some(2), Some(2), Some(1)),
        "{s}"
    );
    assert_eq!(
        (
            s["appealed"].as_u64(),
            s["overturned"].as_u64(),
            s["paid"].as_str()
        ),
        (Some(2), Some(2), Some("100000")),
        "{s}"
    );
    assert_eq!(s["denied_by"]["claims.not_covered"], 1);
    w.c.check_replay();
}
