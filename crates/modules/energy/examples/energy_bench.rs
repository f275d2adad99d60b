//! In-process cost of the energy module on one core, transaction
//! signatures excluded (the meters' own signatures on their readings are
//! checked, as in the node):
//! `cargo run --release -p publica-energy --example energy_bench -- 1000`.
//!
//! 1. **Readings ingested**: `N` solar meters (default 1,000), each
//!    submitting a day of 96 quarter-hour readings in one signed batch,
//!    100 batches per block; every renewable interval issues its
//!    certificate lot. Prints readings per second.
//! 2. **A market interval of 10,000 orders**: 100 prosumers, each with a
//!    funded wallet, place 50 offers and 50 escrowed bids at random
//!    prices (the orders' own cost printed too); then the block at the
//!    gate clears the interval by the uniform-price auction and settles
//!    every order in money. Prints the time of that block.

use publica_crypto::Keypair;
use publica_energy::model::{sample_solar_day, signing_bytes};
use publica_energy::Energy;
use publica_identity::{Genesis, Identity};
use publica_money::Money;
use publica_runtime::testkit::{TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use publica_types::TxStatus;
use serde_json::{json, Value};
use std::time::Instant;

const Q: u64 = 900_000;
const DAY: u64 = 86_400_000;
const T0: u64 = 1_805_068_800_000;

struct Bench {
    c: TestChain,
    admin: Keypair,
    nonces: std::collections::HashMap<publica_types::AccountId, u64>,
}

impl Bench {
    /// Signed calls, `per_block` to a block; every one must succeed.
    fn run(&mut self, calls: Vec<(&Keypair, &str, &str, Value)>, per_block: usize) -> f64 {
        let txs: Vec<_> = calls
            .into_iter()
            .map(|(kp, module, method, args)| {
                let n = self.nonces.entry(kp.account()).or_insert_with(|| {
                    publica_runtime::nonce::committed_nonce(&self.c.state, &kp.account())
                });
                *n += 1;
                TestChain::sign(kp.account(), kp, *n, module, method, args)
            })
            .collect();
        let started = Instant::now();
        for chunk in txs.chunks(per_block) {
            let out = self.c.push(chunk.to_vec());
            if let Some(bad) = out.iter().find(|o| o.status != TxStatus::Ok) {
                panic!("{:?}", bad.error);
            }
        }
        started.elapsed().as_secs_f64()
    }
}

fn setup() -> Bench {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["grid"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Energy));
    let mut b = Bench {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        nonces: std::collections::HashMap::new(),
    };
    b.c.time_ms = T0 + DAY;
    let (a, me) = (Keypair::from_seed(b.admin.seed()), b.admin.account());
    let mut calls: Vec<(&Keypair, &str, &str, Value)> = vec![];
    for role in ["grid_operator", "treasurer", "program_officer"] {
        calls.push((
            &a,
            "identity",
            "grant_role",
            json!({"agency": "grid", "account": me, "role": role}),
        ));
    }
    calls.extend([
        (&a, "money", "create_currency", json!({"agency": "grid", "code": "EXC", "name": "C", "decimals": 2, "supply_cap": "1000000000000"})),
        (&a, "money", "propose_appropriation", json!({"agency": "grid", "currency": "EXC", "id": "w", "name": "W", "cap": "1000000000000"})),
        (&a, "money", "approve_appropriation", json!({"agency": "grid", "currency": "EXC", "id": "w"})),
        (&a, "money", "open_account", json!({"id": "escrow", "currency": "EXC", "agency": "grid",
            "owner": {"kind": "program", "agency": "grid", "program": "energy-market:grid"}})),
        (&a, "money", "open_account", json!({"id": "fees", "currency": "EXC", "agency": "grid", "owner": {"kind": "agency", "agency": "grid"}})),
        (&a, "money", "open_account", json!({"id": "treasury", "currency": "EXC", "agency": "grid", "owner": {"kind": "agency", "agency": "grid"}})),
        (&a, "money", "mint", json!({"agency": "grid", "currency": "EXC", "appropriation": "w", "to": "treasury", "amount": "1000000000"})),
        (&a, "energy", "configure", json!({"agency": "grid", "unit_wh": 1000, "interval_ms": Q, "validity_days": 365, "country": "ES"})),
        (&a, "energy", "open_market", json!({"agency": "grid", "currency": "EXC", "escrow_account": "escrow",
            "escrow_agency": "grid", "fee_account": "fees", "fee_per_kwh": 2, "gate_ms": 3_600_000, "price_cap": 1_000})),
    ]);
    b.run(calls, 100);
    b
}

fn readings(b: &mut Bench, n: usize) {
    let a = Keypair::from_seed(b.admin.seed());
    let meters: Vec<Keypair> = (0..n).map(|_| Keypair::generate()).collect();
    let regs = meters
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                &a,
                "energy",
                "register_meter",
                json!({"agency": "grid", "id": format!("pv-{i}"),
            "key": m.account(), "holder": m.account(), "role": "prosumer", "technology": "solar",
            "location": "geo:ezjmg", "capacity_w": 5_000}),
            )
        })
        .collect();
    b.run(regs, 500);
    let day = T0;
    let batches: Vec<Value> = meters
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let rs = sample_solar_day(day, i as u64);
            let meter = format!("pv-{i}");
            let sig = m.sign(&signing_bytes(TEST_CHAIN, "grid", &meter, &rs));
            json!({"agency": "grid", "meter": meter, "readings": rs, "signature": sig})
        })
        .collect();
    let calls = batches
        .into_iter()
        .map(|args| (&a, "energy", "submit_readings", args))
        .collect();
    let s = b.run(calls, 100);
    let total = n as f64 * 96.0;
    let reg = b.c.get("energy/registry/grid").expect("a registry");
    println!(
        "readings: {n} batches of 96 ({total} readings) in {s:.2} s: {:.0} readings/s on one core; {} certificate units issued",
        total / s,
        reg["issued_units"]
    );
}

fn market(b: &mut Bench) {
    let a = Keypair::from_seed(b.admin.seed());
    let holders: Vec<Keypair> = (0..100).map(|_| Keypair::generate()).collect();
    let mut setup: Vec<(&Keypair, &str, &str, Value)> = vec![];
    for (i, h) in holders.iter().enumerate() {
        setup.push((&a, "energy", "register_meter", json!({"agency": "grid", "id": format!("home-{i}"),
            "key": Keypair::generate().account(), "holder": h.account(), "role": "prosumer", "technology": "solar",
            "location": "geo:ezjmg", "capacity_w": 400_000})));
        setup.push((
            &a,
            "money",
            "open_account",
            json!({"id": format!("wallet-{i}"), "currency": "EXC", "agency": "grid",
            "owner": {"kind": "citizen", "account": h.account()}}),
        ));
        setup.push((
            &a,
            "money",
            "transfer",
            json!({"from": "treasury", "to": format!("wallet-{i}"),
            "amount": "5000000", "reference": "bench"}),
        ));
    }
    b.run(setup, 500);
    let start = (b.c.time_ms / Q + 8) * Q;
    let mut orders: Vec<(&Keypair, &str, &str, Value)> = vec![];
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for (i, h) in holders.iter().enumerate() {
        for k in 0..100 {
            let side = if k % 2 == 0 { "offer" } else { "bid" };
            let price = 10 + next() % 40;
            let wh = 100 + next() % 4_900;
            orders.push((h, "energy", "order", json!({"agency": "grid", "meter": format!("home-{i}"),
                "start_ms": start, "side": side, "wh": wh, "price": price, "account": format!("wallet-{i}")})));
        }
    }
    let placed = b.run(orders, 1_000);
    println!(
        "market: 10,000 orders placed (bids escrowed) in {placed:.2} s: {:.1} µs per order",
        placed * 1e6 / 10_000.0
    );
    b.c.time_ms = start - 3_600_000;
    let started = Instant::now();
    b.c.push(vec![]);
    let s = started.elapsed().as_secs_f64();
    let iv =
        b.c.get(&format!("energy/interval/grid/{start}"))
            .expect("the interval");
    assert_eq!(iv["cleared"], true, "{iv}");
    println!(
        "market: the interval of {} orders cleared and settled in one block in {:.1} ms (price {}, {} Wh traded, {} paid to sellers, {} refunded)",
        iv["orders"], s * 1e3, iv["price"], iv["volume_wh"], iv["paid"], iv["refunded"]
    );
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let mut b = setup();
    readings(&mut b, n);
    market(&mut b);
}
