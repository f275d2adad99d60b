//! The market: the auction's properties against a brute-force reference
//! on small random intervals, and a whole interval through the runtime
//! with identity and money — offers, escrowed bids, refusals, the gate,
//! settlement that conserves money, fees, refunds, and the sold energy's
//! certificates reaching the buyers with the seller's readings.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{code, Q, T0};
use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_energy::auction::{clear, Order};
use publica_energy::model::{signing_bytes, Reading};
use publica_energy::Energy;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

fn orders(v: &[(u64, u64)], from: u64) -> Vec<Order> {
    v.iter()
        .enumerate()
        .map(|(i, &(wh, price))| Order {
            seq: from + i as u64,
            wh,
            price,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The volume is the most any single price clears (the brute-force
    /// reference over every price named); every fill is individually
    /// rational at the uniform price; no order is filled beyond its
    /// volume.
    #[test]
    fn the_auction_clears_the_most_at_one_rational_price(
        asks in proptest::collection::vec((1u64..500, 1u64..60), 0..7),
        bids in proptest::collection::vec((1u64..500, 1u64..60), 0..7),
    ) {
        let (offers, buys) = (orders(&asks, 0), orders(&bids, 100));
        let c = clear(&offers, &buys);
        let best = offers.iter().chain(&buys).map(|p| {
            let demand: u64 = buys.iter().filter(|b| b.price >= p.price).map(|b| b.wh).sum();
            let supply: u64 = offers.iter().filter(|o| o.price <= p.price).map(|o| o.wh).sum();
            demand.min(supply)
        }).max().unwrap_or(0);
        prop_assert_eq!(c.volume_wh, best);
        prop_assert_eq!(c.price.is_some(), best > 0);
        for f in &c.fills {
            let (b, o) = (&buys[(f.bid - 100) as usize], &offers[f.offer as usize]);
            let p = c.price.unwrap();
            prop_assert!(b.price >= p && p >= o.price, "bid {} ≥ {} ≥ offer {}", b.price, p, o.price);
        }
        for o in offers.iter().chain(&buys) {
            let filled: u64 = c.fills.iter().filter(|f| f.bid == o.seq || f.offer == o.seq).map(|f| f.wh).sum();
            prop_assert!(filled <= o.wh);
        }
        prop_assert_eq!(c.fills.iter().map(|f| f.wh).sum::<u64>(), c.volume_wh);
    }
}

struct Town {
    c: TestChain,
    admin: Keypair,
    op: Keypair,
}

fn balance(c: &TestChain, account: &str) -> u128 {
    c.get(&format!("money/account/{account}")).unwrap()["balance"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn town() -> Town {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["grid"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Energy));
    let mut t = Town {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        op: Keypair::generate(),
    };
    t.c.time_ms = T0;
    let op = t.op.account();
    t.c.call(
        &t.admin,
        "identity",
        "add_member",
        json!({"agency": "grid", "account": op,
        "roles": ["grid_operator", "treasurer", "program_officer"]}),
    )
    .unwrap();
    let o = &t.op;
    t.c.call(o, "money", "create_currency", json!({"agency": "grid", "code": "EXC", "name": "Coin", "decimals": 2, "supply_cap": "1000000000"})).unwrap();
    t.c.call(
        o,
        "money",
        "propose_appropriation",
        json!({"agency": "grid", "currency": "EXC", "id": "a", "name": "a", "cap": "1000000000"}),
    )
    .unwrap();
    t.c.call(
        &t.admin,
        "money",
        "approve_appropriation",
        json!({"agency": "grid", "currency": "EXC", "id": "a"}),
    )
    .unwrap();
    for (id, owner) in [
        (
            "escrow",
            json!({"kind": "program", "agency": "grid", "program": "energy-market:grid"}),
        ),
        ("fees", json!({"kind": "agency", "agency": "grid"})),
        ("treasury", json!({"kind": "agency", "agency": "grid"})),
    ] {
        t.c.call(
            o,
            "money",
            "open_account",
            json!({"id": id, "currency": "EXC", "agency": "grid", "owner": owner}),
        )
        .unwrap();
    }
    t.c.call(o, "energy", "configure", json!({"agency": "grid", "unit_wh": 1000, "interval_ms": Q, "validity_days": 365, "country": "ES"})).unwrap();
    t.c.call(
        o,
        "energy",
        "open_market",
        json!({"agency": "grid", "currency": "EXC", "escrow_account": "escrow",
        "escrow_agency": "grid", "fee_account": "fees", "fee_per_kwh": 2, "gate_ms": 3_600_000, "price_cap": 1_000}),
    )
    .unwrap();
    t
}

impl Town {
    /// A party: a meter and a money account funded with `funds`.
    fn party(&mut self, id: &str, role: &str, tech: &str, funds: u64) -> (Keypair, Keypair) {
        let (holder, meter) = (Keypair::generate(), Keypair::generate());
        let o = &self.op;
        self.c.call(o, "energy", "register_meter", json!({"agency": "grid", "id": id, "key": meter.account(),
            "holder": holder.account(), "role": role, "technology": tech, "location": "l", "capacity_w": 40_000})).unwrap();
        self.c
            .call(
                o,
                "money",
                "open_account",
                json!({"id": format!("acct:{id}"), "currency": "EXC", "agency": "grid",
            "owner": {"kind": "citizen", "account": holder.account()}}),
            )
            .unwrap();
        if funds > 0 {
            self.c
                .call(
                    o,
                    "money",
                    "mint",
                    json!({"agency": "grid", "currency": "EXC", "appropriation": "a",
                "to": "treasury", "amount": funds.to_string()}),
                )
                .unwrap();
            self.c
                .call(
                    o,
                    "money",
                    "transfer",
                    json!({"from": "treasury", "to": format!("acct:{id}"),
                "amount": funds.to_string(), "reference": "wallet"}),
                )
                .unwrap();
        }
        (holder, meter)
    }

    fn order(
        &mut self,
        who: &Keypair,
        meter: &str,
        start: u64,
        side: &str,
        wh: u64,
        price: u64,
    ) -> Result<(), publica_runtime::testkit::Rejected> {
        self.c.call(
            who,
            "energy",
            "order",
            json!({"agency": "grid", "meter": meter, "start_ms": start,
            "side": side, "wh": wh, "price": price, "account": format!("acct:{meter}")}),
        )
    }
}

#[test]
fn an_interval_clears_settles_and_the_certificates_follow_the_energy() {
    let mut t = town();
    let (sun, sun_meter) = t.party("pv", "producer", "solar", 0);
    let (gust, _) = t.party("wind", "producer", "wind", 0);
    let (ana, _) = t.party("ana", "consumer", "none", 100_000);
    let (ben, _) = t.party("ben", "consumer", "none", 100_000);
    let (poor, _) = t.party("poor", "consumer", "none", 10);
    let start = T0 + 8 * Q; // two hours ahead; the gate closes one hour before.
                            // pv sells 3,000 Wh at ≥ 20 per kWh, wind 2,000 Wh at ≥ 35; ana buys
                            // 2,500 Wh at ≤ 50, ben 2,000 Wh at ≤ 30.
    t.order(&sun, "pv", start, "offer", 3_000, 20).unwrap();
    t.order(&gust, "wind", start, "offer", 2_000, 35).unwrap();
    t.order(&ana, "ana", start, "bid", 2_500, 50).unwrap();
    t.order(&ben, "ben", start, "bid", 2_000, 30).unwrap();
    // Escrow: 2.5 kWh × 50 = 125, 2 kWh × 30 = 60.
    assert_eq!(
        (
            balance(&t.c, "acct:ana"),
            balance(&t.c, "acct:ben"),
            balance(&t.c, "escrow")
        ),
        (99_875, 99_940, 185)
    );
    // Refused: another's meter, a consumer offering, over the cap, not an
    // interval's start, a bid without the money, past the gate.
    assert_eq!(
        code(t.order(&ana, "pv", start, "offer", 10, 20)),
        "energy.not_holder"
    );
    assert_eq!(
        code(t.order(&ana, "ana", start, "offer", 10, 20)),
        "energy.invalid_field"
    );
    assert_eq!(
        code(t.order(&ana, "ana", start, "bid", 10, 1_001)),
        "energy.implausible"
    );
    assert_eq!(
        code(t.order(&ana, "ana", start, "bid", 10_001, 10)),
        "energy.implausible",
        "over 40 kW for 15 minutes"
    );
    assert_eq!(
        code(t.order(&ana, "ana", start + 1, "bid", 10, 10)),
        "energy.gate_closed"
    );
    assert_eq!(
        code(t.order(&poor, "poor", start, "bid", 1_000, 100)),
        "money.overdraft"
    );
    assert_eq!(
        code(t.order(&ana, "ana", start + 8 * 86_400_000, "bid", 10, 10)),
        "energy.implausible",
        "over a week ahead"
    );
    // Settings do not change under escrowed bids.
    let settings = json!({"agency": "grid", "currency": "EXC", "escrow_account": "escrow",
        "escrow_agency": "grid", "fee_account": "fees", "fee_per_kwh": 900, "gate_ms": 3_600_000, "price_cap": 1_000});
    assert_eq!(
        code(t.c.call(&t.op, "energy", "open_market", settings.clone())),
        "energy.invalid_field"
    );
    t.c.time_ms = start - 3_600_000;
    assert_eq!(
        code(t.order(&ben, "ben", start, "bid", 10, 10)),
        "energy.gate_closed"
    );
    // The gate has closed: the next block clears. Ladder: ana 2,500@50
    // takes pv 2,500@20; ben 2,000@30 takes pv's last 500@20; wind's 35 is
    // over ben's 30. Marginal pair (30, 20): 25 per kWh; 3,000 Wh.
    t.c.idle(1);
    t.c.call(&t.op, "energy", "open_market", settings).unwrap();
    let iv = t.c.get(&format!("energy/interval/grid/{start}")).unwrap();
    assert_eq!(
        (
            iv["cleared"].as_bool(),
            iv["price"].as_u64(),
            iv["volume_wh"].as_u64()
        ),
        (Some(true), Some(25), Some(3_000)),
        "{iv}"
    );
    // ana pays 2.5 × 25 = 62 (62.5 rounded down), ben 0.5 × 25 = 12; pv
    // gets 74 less the fee of 2 per kWh (5 + 1), wind nothing; the rest of
    // the escrow goes back.
    assert_eq!(balance(&t.c, "acct:ana"), 100_000 - 62);
    assert_eq!(balance(&t.c, "acct:ben"), 100_000 - 12);
    assert_eq!(balance(&t.c, "acct:pv"), 74 - 6);
    assert_eq!(balance(&t.c, "fees"), 6);
    assert_eq!(balance(&t.c, "acct:wind"), 0);
    assert_eq!(balance(&t.c, "escrow"), 0);
    let total: u128 = [
        "acct:ana",
        "acct:ben",
        "acct:pv",
        "acct:wind",
        "acct:poor",
        "fees",
        "escrow",
    ]
    .iter()
    .map(|a| balance(&t.c, a))
    .sum();
    assert_eq!(total, 200_010, "settlement conserves money");
    let settled = t.c.indexed(&format!("energy/settlement/grid/{start}"));
    let matched: Vec<u64> = settled
        .iter()
        .map(|s| s["matched_wh"].as_u64().unwrap())
        .collect();
    assert_eq!(matched, [3_000, 0, 2_500, 500]);
    assert_eq!(settled[1]["side"], "offer");

    // pv's readings for that interval: 3,400 Wh — three units, of which
    // ana bought two whole kWh' worth and ben none whole; pv keeps one.
    t.c.time_ms = start + Q + 1;
    let rs = vec![Reading {
        start_ms: start,
        import_wh: 0,
        export_wh: 3_400,
    }];
    let sig = sun_meter.sign(&signing_bytes(TEST_CHAIN, "grid", "pv", &rs));
    t.c.call(
        &sun,
        "energy",
        "submit_readings",
        json!({"agency": "grid", "meter": "pv", "readings": rs, "signature": sig}),
    )
    .unwrap();
    let lot = format!("pv/{start}");
    let held = |who: &Keypair| -> Value {
        t.c.get(&format!(
            "energy/holding/grid/{lot}/{}",
            who.account().to_hex()
        ))
        .unwrap_or(json!(0))
    };
    assert_eq!(
        (held(&ana), held(&ben), held(&sun)),
        (json!(2), json!(0), json!(1))
    );
    t.c.check_replay();
}
