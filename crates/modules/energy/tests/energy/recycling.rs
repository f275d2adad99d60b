//! Recycling and volunteering through the runtime with identity and
//! money: rate tables that price nothing until approved, deposits by
//! licensed points paid in the same transaction, replays, the waste
//! chain's mass balance and its flags, pickup service levels, volunteer
//! rewards under the monthly cap and the organisation's budget — and two
//! property tests against reference models.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{code, T0};
use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_energy::recycling::Recycling;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

/// Glass earns 2 per kg, paper 1 per kg, anything else priced nothing.
const RULE: &str = "attr.material == 'glass' ? attr.grams * params.glass / 1000 : attr.grams * params.paper / 1000";
const FUNDS: u128 = 1_000_000;

struct City {
    c: TestChain,
    admin: Keypair,
    off: Keypair,
    /// The volunteer rate and monthly cap of the tables [`City::rates`]
    /// proposes.
    volunteering: (u64, u64),
}

fn city() -> City {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["city"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Recycling));
    let mut t = City {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        off: Keypair::generate(),
        volunteering: (600, 5_000),
    };
    t.c.time_ms = T0;
    let o = t.off.account();
    t.c.call(
        &t.admin,
        "identity",
        "add_member",
        json!({"agency": "city", "account": o,
        "roles": ["treasurer", "program_officer", "regulator"]}),
    )
    .unwrap();
    let o = &t.off;
    t.c.call(o, "money", "create_currency", json!({"agency": "city", "code": "EXC", "name": "Coin", "decimals": 2, "supply_cap": "1000000000"})).unwrap();
    t.c.call(
        o,
        "money",
        "propose_appropriation",
        json!({"agency": "city", "currency": "EXC", "id": "a", "name": "a", "cap": "1000000000"}),
    )
    .unwrap();
    t.c.call(
        &t.admin,
        "money",
        "approve_appropriation",
        json!({"agency": "city", "currency": "EXC", "id": "a"}),
    )
    .unwrap();
    t.c.call(
        o,
        "money",
        "open_account",
        json!({"id": "fund", "currency": "EXC", "agency": "city",
        "owner": {"kind": "program", "agency": "city", "program": "civic-credits:city"}}),
    )
    .unwrap();
    t.c.call(
        o,
        "money",
        "open_account",
        json!({"id": "city-ops", "currency": "EXC", "agency": "city",
        "owner": {"kind": "agency", "agency": "city"}}),
    )
    .unwrap();
    t.c.call(
        o,
        "money",
        "mint",
        json!({"agency": "city", "currency": "EXC", "appropriation": "a",
        "to": "fund", "amount": FUNDS.to_string()}),
    )
    .unwrap();
    t
}

impl City {
    fn off(&mut self, method: &str, mut args: Value) -> Result<(), Rejected> {
        args["agency"] = json!("city");
        self.c.call(&self.off, "recycling", method, args)
    }

    fn admin(&mut self, method: &str, mut args: Value) -> Result<(), Rejected> {
        args["agency"] = json!("city");
        self.c.call(&self.admin, "recycling", method, args)
    }

    fn by(&mut self, key: &Keypair, method: &str, mut args: Value) -> Result<(), Rejected> {
        args["agency"] = json!("city");
        self.c.call(key, "recycling", method, args)
    }

    /// The scheme alone: no rate table yet.
    fn scheme(&mut self) {
        self.admin(
            "configure",
            json!({"currency": "EXC", "fund_account": "fund"}),
        )
        .unwrap();
    }

    /// The scheme, and a table in force paying glass 2 and paper 1 per kg
    /// and volunteers `rate` an hour up to `cap` a month.
    fn configure(&mut self, rate: u64, cap: u64) {
        self.scheme();
        self.volunteering = (rate, cap);
        self.rates(2, 1, 1_000);
    }

    /// A citizen with an EXC account `acct:<name>`.
    fn citizen(&mut self, name: &str) -> Keypair {
        let k = Keypair::generate();
        self.c
            .call(
                &self.off,
                "money",
                "open_account",
                json!({"id": format!("acct:{name}"), "currency": "EXC",
            "agency": "city", "owner": {"kind": "citizen", "account": k.account()}}),
            )
            .unwrap();
        k
    }

    fn balance(&self, account: &str) -> u128 {
        self.c.get(&format!("money/account/{account}")).unwrap()["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    fn get(&self, key: &str) -> Value {
        self.c.get(key).unwrap_or(Value::Null)
    }

    /// Proposes and approves a rate table; answers its version.
    fn rates(&mut self, glass: i64, paper: i64, max_credit: u64) -> u64 {
        self.off(
            "propose_rates",
            json!({"materials": ["glass", "paper"], "rule": RULE,
            "params": {"glass": glass, "paper": paper}, "max_credit": max_credit.to_string(),
            "volunteer_rate_per_hour": self.volunteering.0.to_string(),
            "volunteer_cap_per_month": self.volunteering.1.to_string()}),
        )
        .unwrap();
        let s = self.get("recycling/scheme/city");
        let v = s["rates_proposed"].as_u64().unwrap();
        let hash = self.get(&format!("recycling/rates/city/{v}"))["hash"].clone();
        self.admin("approve_rates", json!({"version": v, "hash": hash}))
            .unwrap();
        v
    }
}

#[test]
fn deposits_are_credited_by_the_approved_table_only() {
    let mut t = city();
    let point = Keypair::generate();
    let anna = t.citizen("anna");
    // Nothing before the scheme is configured.
    assert_eq!(code(t.off("license_point", json!({"id": "p1", "key": point.account(), "location": "geo:u0", "materials": ["glass"]}))), "recycling.not_configured");
    // The fund must be the program account of civic-credits:city.
    assert_eq!(
        code(t.admin(
            "configure",
            json!({"currency": "EXC", "fund_account": "city-ops"})
        )),
        "money.not_owner"
    );
    t.scheme();
    // Only the regulator licenses; only an administrator configures.
    assert_eq!(code(t.by(&anna, "license_point", json!({"id": "p1", "key": point.account(), "location": "geo:u0", "materials": ["glass", "paper"]}))), "auth.unauthorized");
    t.off("license_point", json!({"id": "p1", "key": point.account(), "location": "geo:u0", "materials": ["glass", "paper"]})).unwrap();
    assert_eq!(code(t.off("license_point", json!({"id": "p2", "key": point.account(), "location": "geo:u0", "materials": ["glass"]}))), "recycling.exists");
    let deposit = |n: &str, material: &str, grams: u64| {
        json!({"point": "p1", "account": "acct:anna",
        "material": material, "grams": grams, "reference": n})
    };
    // No approved table: nothing is priced.
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d1", "glass", 5_000))),
        "recycling.no_rates"
    );
    // A rule that does not type-check is refused when proposed.
    assert_eq!(
        code(t.off(
            "propose_rates",
            json!({"materials": ["glass"], "rule": "attr.weight * 2",
        "max_credit": "100", "volunteer_rate_per_hour": "0", "volunteer_cap_per_month": "0"})
        )),
        "recycling.bad_rule"
    );
    t.off(
        "propose_rates",
        json!({"materials": ["glass", "paper"], "rule": RULE,
        "params": {"glass": 2, "paper": 1}, "max_credit": "50",
        "volunteer_rate_per_hour": "0", "volunteer_cap_per_month": "0"}),
    )
    .unwrap();
    let v1 = t.get("recycling/rates/city/1");
    assert!(v1["approved"].is_null());
    // A proposed table is not in force; a wrong hash is not approved; a
    // program officer who is no administrator cannot approve.
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d1", "glass", 5_000))),
        "recycling.no_rates"
    );
    assert_eq!(
        code(t.admin("approve_rates", json!({"version": 1, "hash": "00"}))),
        "recycling.not_approvable"
    );
    assert_eq!(
        code(t.off("approve_rates", json!({"version": 1, "hash": v1["hash"]}))),
        "auth.unauthorized"
    );
    t.admin("approve_rates", json!({"version": 1, "hash": v1["hash"]}))
        .unwrap();
    assert_eq!(
        code(t.admin("approve_rates", json!({"version": 1, "hash": v1["hash"]}))),
        "recycling.not_approvable"
    );
    // Only the point's key attests; the credit is paid in the same block.
    assert_eq!(
        code(t.by(&anna, "deposit", deposit("d1", "glass", 5_000))),
        "recycling.unlicensed"
    );
    t.by(&point, "deposit", deposit("d1", "glass", 5_000))
        .unwrap();
    assert_eq!(t.balance("acct:anna"), 10);
    // Replays, unknown materials, oversized deposits, agency accounts.
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d1", "glass", 5_000))),
        "recycling.replay"
    );
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d2", "metal", 5_000))),
        "recycling.material"
    );
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d2", "glass", 1_000_001))),
        "recycling.invalid_field"
    );
    let mut to_agency = deposit("d2", "glass", 1_000);
    to_agency["account"] = json!("city-ops");
    assert_eq!(
        code(t.by(&point, "deposit", to_agency)),
        "recycling.not_citizen"
    );
    // The table's cap bounds one deposit: 40 kg of glass earns 50, not 80.
    t.by(&point, "deposit", deposit("d3", "glass", 40_000))
        .unwrap();
    t.by(&point, "deposit", deposit("d4", "paper", 3_000))
        .unwrap();
    assert_eq!(t.balance("acct:anna"), 10 + 50 + 3);
    // A new table applies from its approval; an older one cannot come back.
    let v2 = t.rates(5, 1, 1_000);
    assert_eq!(v2, 2);
    t.by(&point, "deposit", deposit("d5", "glass", 1_000))
        .unwrap();
    assert_eq!(t.balance("acct:anna"), 63 + 5);
    t.off(
        "propose_rates",
        json!({"materials": ["glass"], "rule": "0 - attr.grams", "max_credit": "10",
            "volunteer_rate_per_hour": "0", "volunteer_cap_per_month": "0"}),
    )
    .unwrap();
    let h3 = t.get("recycling/rates/city/3")["hash"].clone();
    t.admin("approve_rates", json!({"version": 3, "hash": h3}))
        .unwrap();
    // An approved rule that gives a negative credit pays nothing and says so.
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d6", "glass", 1_000))),
        "recycling.rule_error"
    );
    let point_state = t.get("recycling/point/city/p1");
    assert_eq!(point_state["collected_g"]["glass"], 46_000);
    assert_eq!(point_state["deposits"], 4);
    let s = t.get("recycling/scheme/city");
    assert_eq!(s["deposit_credits"], "68");
    assert_eq!(t.balance("fund") + t.balance("acct:anna"), FUNDS);
    // A revoked point attests no more.
    t.off(
        "revoke",
        json!({"who": "point:p1", "reason": "decision-2027-14"}),
    )
    .unwrap();
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d7", "paper", 1_000))),
        "recycling.unlicensed"
    );
    let history = t.c.indexed(&format!(
        "recycling/people/city/{}",
        anna.account().to_hex()
    ));
    assert_eq!(history.len(), 4);
    assert_eq!(history[0]["credit"], "10");
    t.c.check_replay();
}

#[test]
fn a_point_with_a_daily_cap_pays_no_more_in_a_utc_day() {
    let mut t = city();
    t.configure(0, 0);
    let point = Keypair::generate();
    t.citizen("anna");
    let license = |cap: &str| {
        json!({"id": "p1", "key": point.account(), "location": "geo:u0",
        "materials": ["glass"], "daily_credit_cap": cap})
    };
    assert_eq!(
        code(t.off("license_point", license("0"))),
        "recycling.invalid_field"
    );
    t.off("license_point", license("25")).unwrap();
    let deposit = |n: &str| {
        json!({"point": "p1", "account": "acct:anna", "material": "glass",
        "grams": 5_000, "reference": n})
    };
    // Glass pays 2 a kg: 10 a deposit; two fit under 25, a third does not.
    t.by(&point, "deposit", deposit("d1")).unwrap();
    t.by(&point, "deposit", deposit("d2")).unwrap();
    assert_eq!(
        code(t.by(&point, "deposit", deposit("d3"))),
        "recycling.over_cap"
    );
    assert_eq!(t.balance("acct:anna"), 20);
    let p = t.get("recycling/point/city/p1");
    assert_eq!(p["daily"]["credited"], "20", "{p}");
    // The refused deposit left nothing behind: its reference is free.
    t.c.time_ms += 86_400_000;
    t.by(&point, "deposit", deposit("d3")).unwrap();
    assert_eq!(t.balance("acct:anna"), 30);
    assert_eq!(t.get("recycling/point/city/p1")["daily"]["credited"], "10");
}

#[test]
fn the_mass_balance_flags_providers_whose_figures_do_not_add_up() {
    let mut t = city();
    t.configure(600, 5_000);
    t.rates(2, 1, 1_000);
    let (point, hauler, recycler) = (
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
    );
    let anna = t.citizen("anna");
    let _ = anna;
    t.off(
        "license_point",
        json!({"id": "p1", "key": point.account(), "location": "geo:u0", "materials": ["glass"]}),
    )
    .unwrap();
    t.off(
        "register_provider",
        json!({"id": "haul", "key": hauler.account(), "kind": "hauler"}),
    )
    .unwrap();
    t.off(
        "register_provider",
        json!({"id": "plant", "key": recycler.account(), "kind": "recycler"}),
    )
    .unwrap();
    t.by(&point, "deposit", json!({"point": "p1", "account": "acct:anna", "material": "glass", "grams": 10_000, "reference": "d1"})).unwrap();
    // The point asks for a pickup within the hour; the hauler comes in time.
    t.by(
        &point,
        "request_pickup",
        json!({"point": "p1", "material": "glass", "due_ms": T0 + 3_600_000}),
    )
    .unwrap();
    assert_eq!(
        code(t.by(
            &point,
            "request_pickup",
            json!({"point": "p1", "material": "glass", "due_ms": T0 - 1})
        )),
        "recycling.invalid_field"
    );
    t.c.time_ms = T0 + 1_800_000;
    let report = |kind: &str, grams: u64, r: &str| json!({"provider": "haul", "report": kind, "material": "glass", "grams": grams, "reference": r});
    let mut pickup = report("pickup", 8_000, "t1");
    pickup["point"] = json!("p1");
    pickup["request"] = json!(1);
    t.by(&hauler, "report", pickup.clone()).unwrap();
    // A request is served once; reports are signed by the provider's key.
    pickup["reference"] = json!("t2");
    assert_eq!(
        code(t.by(&hauler, "report", pickup)),
        "recycling.wrong_kind"
    );
    assert_eq!(
        code(t.by(&recycler, "report", report("stock", 0, "s0"))),
        "recycling.unlicensed"
    );
    // Kinds: a recycler does not pick up; a delivery goes to a recycler.
    let mut bad = report("pickup", 1, "x");
    bad["provider"] = json!("plant");
    bad["point"] = json!("p1");
    assert_eq!(code(t.by(&recycler, "report", bad)), "recycling.wrong_kind");
    let mut to_hauler = report("delivery", 8_000, "t3");
    to_hauler["to"] = json!("haul");
    assert_eq!(
        code(t.by(&hauler, "report", to_hauler)),
        "recycling.wrong_kind"
    );
    let mut delivery = report("delivery", 8_000, "t3");
    delivery["to"] = json!("plant");
    t.by(&hauler, "report", delivery).unwrap();
    let plant = |kind: &str, grams: u64, r: &str| json!({"provider": "plant", "report": kind, "material": "glass", "grams": grams, "reference": r});
    t.by(&recycler, "report", plant("processed", 5_000, "r1"))
        .unwrap();
    t.by(&recycler, "report", plant("stock", 3_000, "r2"))
        .unwrap();
    assert!(t.get("recycling/provider/city/plant")["flagged"].is_null());
    assert!(t.get("recycling/provider/city/haul")["flagged"].is_null());
    // 8 kg in, 5 processed, 4 in stock: a kilogram too many.
    t.by(&recycler, "report", plant("stock", 4_000, "r3"))
        .unwrap();
    let p = t.get("recycling/provider/city/plant");
    assert_eq!(
        p["flagged"],
        "glass: collected 8000 g < processed 5000 g + stock 4000 g"
    );
    assert_eq!(
        code(t.off(
            "clear_flag",
            json!({"provider": "plant", "note": "inspection-7"})
        )),
        "recycling.unbalanced"
    );
    t.by(&recycler, "report", plant("stock", 3_000, "r4"))
        .unwrap();
    t.off(
        "clear_flag",
        json!({"provider": "plant", "note": "inspection-7"}),
    )
    .unwrap();
    assert!(t.get("recycling/provider/city/plant")["flagged"].is_null());
    // The hauler picks up more than the point ever collected.
    t.by(
        &point,
        "request_pickup",
        json!({"point": "p1", "material": "glass", "due_ms": T0 + 3_600_000}),
    )
    .unwrap();
    t.c.time_ms = T0 + 7_200_000;
    let mut late = report("pickup", 5_000, "t4");
    late["point"] = json!("p1");
    late["request"] = json!(2);
    t.by(&hauler, "report", late).unwrap();
    let h = t.get("recycling/provider/city/haul");
    assert_eq!(
        h["flagged"],
        "glass: picked up 13000 g at point 'p1', which collected 10000 g"
    );
    let flags = t.c.indexed("recycling/flags/city");
    assert_eq!(flags.len(), 3, "{flags:?}");
    // Service levels: two requests served, one on time.
    let month = &h["months"][0];
    let sli = t.get(&format!(
        "recycling/sli/city/haul/{}",
        month.as_str().unwrap()
    ));
    assert_eq!(sli["served"], 2);
    assert_eq!(sli["on_time"], 1);
    let response: u64 = [1, 2]
        .iter()
        .map(|r| {
            let q = t.get(&format!("recycling/request/city/{r}"));
            q["served"]["at_ms"].as_u64().unwrap() - q["requested_ms"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(sli["response_ms"], response);
    assert!(response > 7_000_000);
    assert!(t.get("recycling/scheme/city")["open_requests"]
        .as_array()
        .unwrap()
        .is_empty());
    t.c.check_replay();
}

#[test]
fn volunteer_rewards_stop_at_the_cap_and_the_budget() {
    let mut t = city();
    t.configure(600, 1_000);
    let (org, other) = (Keypair::generate(), Keypair::generate());
    let bea = t.citizen("bea");
    let _ = bea;
    assert_eq!(
        code(t.off("register_org", json!({"id": "parks", "budget": "1500"}))),
        "recycling.invalid_field"
    );
    t.off(
        "register_org",
        json!({"id": "parks", "key": org.account(), "budget": "1500"}),
    )
    .unwrap();
    t.off(
        "register_org",
        json!({"id": "library", "key": other.account(), "budget": "10000"}),
    )
    .unwrap();
    let work = |org: &str, minutes: u64, r: &str| json!({"org": org, "account": "acct:bea", "minutes": minutes, "reference": r});
    assert_eq!(
        code(t.by(&other, "attest_volunteering", work("parks", 60, "s1"))),
        "recycling.unlicensed"
    );
    t.by(&org, "attest_volunteering", work("parks", 90, "s1"))
        .unwrap();
    assert_eq!(t.balance("acct:bea"), 900);
    assert_eq!(
        code(t.by(&org, "attest_volunteering", work("parks", 90, "s1"))),
        "recycling.replay"
    );
    // The cap counts across organisations: 100 left of 1,000.
    t.by(&other, "attest_volunteering", work("library", 120, "l1"))
        .unwrap();
    assert_eq!(t.balance("acct:bea"), 1_000);
    assert_eq!(
        code(t.by(&other, "attest_volunteering", work("library", 60, "l2"))),
        "recycling.over_cap"
    );
    // Next month the cap starts again; the parks' budget (1,500, 900
    // spent) pays 600 of the 1,200 earned, then nothing more; a larger
    // budget pays again, up to the month's cap (400 of 600 earned).
    t.c.time_ms = T0 + 40 * 86_400_000;
    t.by(&org, "attest_volunteering", work("parks", 120, "s2"))
        .unwrap();
    assert_eq!(t.balance("acct:bea"), 1_600);
    assert_eq!(
        code(t.by(&org, "attest_volunteering", work("parks", 60, "s3"))),
        "recycling.budget_exhausted"
    );
    assert_eq!(
        code(t.off("register_org", json!({"id": "parks", "budget": "1000"}))),
        "recycling.invalid_field"
    );
    t.off("register_org", json!({"id": "parks", "budget": "3000"}))
        .unwrap();
    t.by(&org, "attest_volunteering", work("parks", 60, "s3"))
        .unwrap();
    assert_eq!(t.balance("acct:bea"), 2_000);
    let parks = t.get("recycling/org/city/parks");
    assert_eq!(parks["spent"], "1900");
    assert_eq!(parks["minutes"], 270);
    t.off(
        "revoke",
        json!({"who": "org:parks", "reason": "decision-9"}),
    )
    .unwrap();
    assert_eq!(
        code(t.by(&org, "attest_volunteering", work("parks", 10, "s4"))),
        "recycling.unlicensed"
    );
    assert_eq!(t.balance("fund") + t.balance("acct:bea"), FUNDS);
    t.c.check_replay();
}

/// With a policy of two administrators, a rate table is in force only at
/// the second administrator's approval; one approving twice does not
/// count twice.
#[test]
fn rate_tables_need_the_agencys_threshold_of_administrators() {
    let mut t = city();
    t.scheme();
    let admin2 = Keypair::generate();
    for action in [
        json!({"kind": "grant_administrator", "agency": "city", "account": admin2.account()}),
        json!({"kind": "set_policy", "agency": "city", "threshold": 2}),
    ] {
        t.c.call(
            &t.admin,
            "identity",
            "propose",
            json!({"as_agency": "city", "action": action}),
        )
        .unwrap();
    }
    t.off(
        "propose_rates",
        json!({"materials": ["glass"], "rule": "attr.grams / 100", "max_credit": "100",
            "volunteer_rate_per_hour": "1000000", "volunteer_cap_per_month": "1000000000"}),
    )
    .unwrap();
    let hash = t.get("recycling/rates/city/1")["hash"].clone();
    t.admin("approve_rates", json!({"version": 1, "hash": hash}))
        .unwrap();
    assert_eq!(t.get("recycling/scheme/city")["rates_in_force"], 0);
    assert_eq!(
        code(t.admin("approve_rates", json!({"version": 1, "hash": hash}))),
        "recycling.not_approvable"
    );
    t.by(
        &admin2,
        "approve_rates",
        json!({"version": 1, "hash": hash}),
    )
    .unwrap();
    assert_eq!(t.get("recycling/scheme/city")["rates_in_force"], 1);
    let kinds: Vec<Value> =
        t.c.indexed("recycling/rates/city")
            .iter()
            .map(|e| e["kind"].clone())
            .collect();
    assert_eq!(kinds, ["proposed", "approval", "approved"]);
    t.c.check_replay();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Over random attestations for three people by two organisations
    /// across months, nobody is paid over the month's cap, no
    /// organisation over its budget, every payment is what a reference
    /// model pays, and money is conserved.
    #[test]
    fn no_reward_over_the_cap(
        steps in proptest::collection::vec((0usize..3, 0usize..2, 1u64..400, 0u64..3), 1..30),
        cap in 100u64..3_000,
        budgets in (0u64..6_000, 0u64..6_000),
    ) {
        let mut t = city();
        t.configure(600, cap);
        let orgs = [Keypair::generate(), Keypair::generate()];
        for (i, (k, b)) in orgs.iter().zip([budgets.0, budgets.1]).enumerate() {
            t.off("register_org", json!({"id": format!("o{i}"), "key": k.account(), "budget": b.to_string()})).unwrap();
        }
        let people: Vec<Keypair> = (0..3).map(|i| t.citizen(&format!("p{i}"))).collect();
        let mut month_paid = std::collections::BTreeMap::<(usize, u64), u64>::new();
        let mut spent = [0u64; 2];
        let mut month = 0u64;
        for (n, (who, org, minutes, advance)) in steps.into_iter().enumerate() {
            if advance == 2 {
                month += 1;
                t.c.time_ms = T0 + month * 31 * 86_400_000;
            }
            let before = t.balance(&format!("acct:p{who}"));
            let r = t.by(&orgs[org], "attest_volunteering", json!({"org": format!("o{org}"),
                "account": format!("acct:p{who}"), "minutes": minutes, "reference": format!("r{n}")}));
            let had = month_paid.get(&(who, month)).copied().unwrap_or(0);
            let budget = [budgets.0, budgets.1][org];
            let want = (minutes * 10).min(cap - had).min(budget - spent[org]);
            match r {
                Ok(()) => {
                    prop_assert!(want > 0);
                    let got = u64::try_from(t.balance(&format!("acct:p{who}")) - before).unwrap();
                    prop_assert_eq!(got, want);
                    *month_paid.entry((who, month)).or_default() += got;
                    spent[org] += got;
                }
                Err(e) => {
                    prop_assert_eq!(want, 0);
                    prop_assert!(e.code == "recycling.over_cap" || e.code == "recycling.budget_exhausted", "{}", e.code);
                }
            }
            prop_assert!(month_paid.values().all(|&v| v <= cap));
        }
        prop_assert!(spent[0] <= budgets.0 && spent[1] <= budgets.1);
        let held: u128 = (0..3).map(|i| t.balance(&format!("acct:p{i}"))).sum();
        prop_assert_eq!(held + t.balance("fund"), FUNDS);
        let _ = people;
    }

    /// Over random deposits at a point with a daily cap, across days, a
    /// deposit is paid exactly when the day's credits stay within the cap
    /// (a reference count per UTC day), and no day passes it.
    #[test]
    fn no_point_pays_over_its_daily_cap(
        steps in proptest::collection::vec((1u64..20_000, 0u64..4), 1..40),
        cap in 1u64..200,
    ) {
        let mut t = city();
        t.configure(0, 0);
        let point = Keypair::generate();
        t.citizen("anna");
        t.off("license_point", json!({"id": "p1", "key": point.account(), "location": "geo:u0",
            "materials": ["glass"], "daily_credit_cap": cap.to_string()})).unwrap();
        let mut day_paid = std::collections::BTreeMap::<u64, u64>::new();
        let mut day = 0u64;
        for (n, (grams, advance)) in steps.into_iter().enumerate() {
            if advance == 3 {
                day += 1;
                t.c.time_ms = T0 + day * 86_400_000;
            }
            let before = t.balance("acct:anna");
            let r = t.by(&point, "deposit", json!({"point": "p1", "account": "acct:anna",
                "material": "glass", "grams": grams, "reference": format!("d{n}")}));
            // The table in force pays glass 2 a kg, at most 1,000 a deposit.
            let credit = (grams * 2 / 1_000).min(1_000);
            let had = day_paid.get(&day).copied().unwrap_or(0);
            match r {
                Ok(()) => {
                    prop_assert!(had + credit <= cap);
                    prop_assert_eq!(t.balance("acct:anna") - before, u128::from(credit));
                    *day_paid.entry(day).or_default() += credit;
                }
                Err(e) => {
                    prop_assert!(had + credit > cap);
                    prop_assert_eq!(e.code, "recycling.over_cap");
                    prop_assert_eq!(t.balance("acct:anna"), before);
                }
            }
        }
        prop_assert!(day_paid.values().all(|&v| v <= cap));
    }

    /// Over random reports by a hauler and a recycler, a provider is
    /// flagged exactly when a reference ledger of its figures has, at some
    /// report, had collected < processed + stock (or, for the hauler, a
    /// point given more than it collected).
    #[test]
    fn flags_follow_the_mass_balance(
        steps in proptest::collection::vec((0u8..4, 1u64..5_000), 1..25),
    ) {
        let mut t = city();
        t.configure(600, 1_000);
        t.rates(2, 1, 1_000_000);
        let (point, hauler, recycler) = (Keypair::generate(), Keypair::generate(), Keypair::generate());
        t.citizen("anna");
        t.off("license_point", json!({"id": "p1", "key": point.account(), "location": "geo:u0", "materials": ["glass"]})).unwrap();
        t.off("register_provider", json!({"id": "haul", "key": hauler.account(), "kind": "hauler"})).unwrap();
        t.off("register_provider", json!({"id": "plant", "key": recycler.account(), "kind": "recycler"})).unwrap();
        t.by(&point, "deposit", json!({"point": "p1", "account": "acct:anna", "material": "glass", "grams": 20_000, "reference": "d"})).unwrap();
        let (mut h, mut r) = ([0u64; 3], [0u64; 3]);
        let (mut h_flag, mut r_flag, mut picked) = (false, false, 0u64);
        for (n, (op, g)) in steps.into_iter().enumerate() {
            let reference = format!("x{n}");
            let (key, args) = match op {
                0 => (&hauler, json!({"provider": "haul", "report": "pickup", "point": "p1", "material": "glass", "grams": g, "reference": reference})),
                1 => (&hauler, json!({"provider": "haul", "report": "delivery", "to": "plant", "material": "glass", "grams": g, "reference": reference})),
                2 => (&recycler, json!({"provider": "plant", "report": "processed", "material": "glass", "grams": g, "reference": reference})),
                _ => (&recycler, json!({"provider": "plant", "report": "stock", "material": "glass", "grams": g, "reference": reference})),
            };
            t.by(key, "report", args).unwrap();
            match op {
                0 => { h[0] += g; picked += g; h_flag |= picked > 20_000; }
                1 => { h[1] += g; r[0] += g; }
                2 => r[1] += g,
                _ => r[2] = g,
            }
            h_flag |= h[0] < h[1] + h[2];
            r_flag |= r[0] < r[1] + r[2];
            let hp = t.get("recycling/provider/city/haul");
            let rp = t.get("recycling/provider/city/plant");
            prop_assert_eq!(!hp["flagged"].is_null(), h_flag);
            prop_assert_eq!(!rp["flagged"].is_null(), r_flag);
        }
    }
}
