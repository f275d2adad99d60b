//! `publica bench --workload energy`: meter readings ingested through the
//! node, and a market interval of 10,000 orders cleared and settled by it.
//!
//! The bench's official becomes the agency's grid operator and treasurer,
//! creates a currency with a funded treasury, and registers `--meters`
//! solar prosumer meters, each with its own key. Then every meter's day of
//! 96 quarter-hour readings is signed by the meter's key (one batch, one
//! transaction that one of 64 head-end gateways signs) before the clock
//! starts,
//! submitted over HTTP in batches and timed from the first submission to
//! the last receipt; every renewable interval issues its certificate lot
//! and the registry must reconcile to the metered generation afterwards.
//!
//! Then 100 prosumers with funded wallets place `--market-orders` orders
//! (10,000 by default: half offers, half escrowed bids) on one interval
//! whose gate closes `--gate-s` seconds after the market opens; the node
//! cuts a block at the gate, which clears the interval by
//! the uniform-price double auction and settles every order. Timed: from
//! the gate to the cleared interval visible over HTTP.

use crate::load::BenchConfig;
use crate::setup::{run_tag, sign, with_role, Session};
use anyhow::{bail, Context, Result};
use publica_crypto::Keypair;
use publica_energy::model::{sample_solar_day, signing_bytes};
use publica_types::Envelope;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A quarter hour, the registry's interval (ms).
const Q: u64 = 900_000;
/// Transactions per batch request (a readings batch is about 5 KiB).
const BATCH: usize = 200;
/// Batch requests in flight before the next waits for the oldest's receipt.
const WINDOW: usize = 20;
/// The head-end systems submitting the meters' batches (each batch signed
/// by its meter's key inside; the transaction by a gateway, each with its
/// own nonces), as a utility's would.
const GATEWAYS: usize = 64;
/// Prosumers trading on the market interval, placing its orders in turn.
const TRADERS: usize = 100;

/// What the energy workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct EnergyReport {
    /// Meters, each submitting one day.
    pub meters: usize,
    /// Readings ingested in the timed phase.
    pub readings: usize,
    /// From the first submission to the last receipt, seconds.
    pub seconds: f64,
    /// Readings committed per second.
    pub readings_per_s: f64,
    /// Certificate units the registry issued for them.
    pub issued_units: u64,
    /// Orders on the market interval.
    pub orders: u64,
    /// Placing them (offers, and bids escrowed in money), seconds.
    pub orders_seconds: f64,
    /// From the gate to the interval cleared and settled, visible over
    /// HTTP, milliseconds.
    pub clear_ms: f64,
    /// The clearing price, per kWh.
    pub price: Option<u64>,
    /// Energy traded, Wh.
    pub volume_wh: u64,
}

impl EnergyReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "energy: {} meters, a day of 96 quarter hours each\ningested: {} readings in {:.2} s ({:.0} readings/s committed, each batch's meter signature checked, {} certificate units issued, the registry reconciled)\nmarket: {} orders placed in {:.2} s; the interval cleared and settled {:.0} ms after its gate (price {}, {} Wh traded)\n",
            self.meters,
            self.readings,
            self.seconds,
            self.readings_per_s,
            self.issued_units,
            self.orders,
            self.orders_seconds,
            self.clear_ms,
            self.price.map_or("none".to_string(), |p| p.to_string()),
            self.volume_wh
        )
    }
}

fn key(tag: &str, what: &str, i: usize) -> Keypair {
    Keypair::from_seed(*publica_crypto::sha256(format!("{tag} {what} {i}").as_bytes()).as_bytes())
}

/// The bench's ids, all from the run's tag.
struct Ids {
    code: String,
    treasury: String,
    escrow: String,
    fees: String,
    meter: String,
}

impl Ids {
    fn new(tag: &str) -> Ids {
        let t = tag.to_lowercase();
        Ids {
            code: format!("E{}", &tag[..5]),
            treasury: format!("treasury:{t}"),
            escrow: format!("escrow:{t}"),
            fees: format!("fees:{t}"),
            meter: format!("m{t}"),
        }
    }
}

/// The setup calls, in order, after the official holds `grid_operator`.
fn setup_calls(agency: &str, me: &str, ids: &Ids) -> Vec<(&'static str, &'static str, Value)> {
    let mut calls: Vec<(&'static str, &'static str, Value)> = ["treasurer", "program_officer"]
        .into_iter()
        .map(|role| {
            (
                "identity",
                "grant_role",
                json!({"agency": agency, "account": me, "role": role}),
            )
        })
        .collect();
    let code = &ids.code;
    calls.extend([
        ("money", "create_currency", json!({"agency": agency, "code": code, "name": "Bench energy coin", "decimals": 2, "supply_cap": "1000000000000"})),
        ("money", "propose_appropriation", json!({"agency": agency, "currency": code, "id": "bench", "name": "Bench", "cap": "1000000000000"})),
        ("money", "approve_appropriation", json!({"agency": agency, "currency": code, "id": "bench"})),
        ("money", "open_account", json!({"id": ids.escrow, "currency": code, "agency": agency,
            "owner": {"kind": "program", "agency": agency, "program": publica_energy::market::escrow_program(agency)}})),
        ("money", "open_account", json!({"id": ids.fees, "currency": code, "agency": agency, "owner": {"kind": "agency", "agency": agency}})),
        ("money", "open_account", json!({"id": ids.treasury, "currency": code, "agency": agency, "owner": {"kind": "agency", "agency": agency}})),
        ("money", "mint", json!({"agency": agency, "currency": code, "appropriation": "bench", "to": ids.treasury, "amount": "1000000000"})),
        ("energy", "configure", json!({"agency": agency, "unit_wh": 1000, "interval_ms": Q, "validity_days": 365, "country": "ES"})),
    ]);
    calls
}

/// The official's calls `calls`, signed from `nonce` in order: (the
/// envelopes, the next nonce).
fn official(s: &Session, nonce: u64, calls: Vec<(&str, &str, Value)>) -> (Vec<Envelope>, u64) {
    let admin = &s.target.admin;
    let mut n = nonce;
    let txs = calls
        .into_iter()
        .map(|(module, method, args)| {
            n += 1;
            sign(
                admin,
                admin.account(),
                &s.chain,
                n - 1,
                module,
                method,
                args,
            )
        })
        .collect();
    (txs, n)
}

/// The market phase's size.
#[derive(Debug, Clone, Copy)]
pub struct MarketPlan {
    /// Orders on the interval (a multiple of 100: each trader's share).
    pub orders: usize,
    /// Seconds from the market's opening to its gate: the orders must be
    /// in by then.
    pub gate_s: u64,
}

/// Runs the workload: `meters` meters' days timed, then a market interval.
pub async fn run(cfg: &BenchConfig, meters: usize, plan: MarketPlan) -> Result<EnergyReport> {
    let s = Session::open(cfg).await?;
    let (http, agency) = (&s.http, s.agency.as_str());
    let tag = run_tag()?;
    let ids = Ids::new(&tag);
    let me = s.target.admin.account();
    let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .unwrap_or(1);
    let calls = setup_calls(agency, &me.to_hex(), &ids);
    let nonce = with_role(
        http,
        &s.target.admin,
        &s.chain,
        nonce,
        (agency, "grid_operator"),
        calls,
    )
    .await?;
    let meter_keys: Vec<Keypair> = (0..meters).map(|i| key(&tag, "meter", i)).collect();
    let (regs, nonce) = official(
        &s,
        nonce,
        meter_keys
            .iter()
            .enumerate()
            .map(|(i, m)| {
                ("energy", "register_meter", json!({"agency": agency, "id": format!("{}-{i}", ids.meter),
                    "key": m.account(), "holder": m.account(), "role": "prosumer", "technology": "solar",
                    "location": "geo:ezjmg", "capacity_w": 5_000}))
            })
            .collect(),
    );
    crate::epcis::pump(http, &regs, 1_000, 4)
        .await
        .context("the meters")?;
    let before = http.get(&format!("/v1/energy/{agency}")).await?;
    eprintln!(
        "bench: energy on {}: {meters} meters registered; signing their days",
        s.target.url
    );
    // Yesterday, so that every interval has ended by the block's time.
    let day = (publica_types::now_ms() / 86_400_000 - 1) * 86_400_000;
    let gateways: Vec<Keypair> = (0..GATEWAYS).map(|i| key(&tag, "gateway", i)).collect();
    let txs: Vec<Envelope> = meter_keys
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let rs = sample_solar_day(day, i as u64);
            let meter = format!("{}-{i}", ids.meter);
            let sig = m.sign(&signing_bytes(&s.chain, agency, &meter, &rs));
            let g = &gateways[i % GATEWAYS];
            sign(
                g,
                g.account(),
                &s.chain,
                (i / GATEWAYS) as u64 + 1,
                "energy",
                "submit_readings",
                json!({"agency": agency, "meter": meter, "readings": rs, "signature": sig}),
            )
        })
        .collect();
    let started = Instant::now();
    crate::epcis::pump(http, &txs, BATCH, WINDOW)
        .await
        .context("the readings")?;
    let seconds = started.elapsed().as_secs_f64();
    let after = http.get(&format!("/v1/energy/{agency}")).await?;
    if after["reconciles"] != true {
        bail!("the registry does not reconcile after the readings: {after}");
    }
    let issued = |v: &Value| v["registry"]["issued_units"].as_u64().unwrap_or(0);
    let issued_units = issued(&after) - issued(&before);
    let (orders, orders_seconds, interval) = market(&s, &tag, &ids, nonce, plan).await?;
    Ok(EnergyReport {
        meters,
        readings: meters * 96,
        seconds,
        readings_per_s: (meters * 96) as f64 / seconds,
        issued_units,
        orders,
        orders_seconds,
        clear_ms: interval.1,
        price: interval.0["price"].as_u64(),
        volume_wh: interval.0["volume_wh"].as_u64().unwrap_or(0),
    })
}

/// The market phase: traders set up, the market opened with its gate
/// shortly ahead, 10,000 orders placed, the gate waited for. (orders,
/// seconds placing them, (the interval, ms from the gate to it cleared)).
async fn market(
    s: &Session,
    tag: &str,
    ids: &Ids,
    nonce: u64,
    plan: MarketPlan,
) -> Result<(u64, f64, (Value, f64))> {
    let each = plan.orders / TRADERS;
    let (http, agency) = (&s.http, s.agency.as_str());
    let traders: Vec<Keypair> = (0..TRADERS).map(|i| key(tag, "trader", i)).collect();
    let mut calls = Vec::new();
    for (i, t) in traders.iter().enumerate() {
        let wallet = format!("wallet:{}-{i}", ids.meter);
        calls.push(("energy", "register_meter", json!({"agency": agency, "id": format!("{}-home-{i}", ids.meter),
            "key": key(tag, "home", i).account(), "holder": t.account(), "role": "prosumer", "technology": "solar",
            "location": "geo:ezjmg", "capacity_w": 400_000})));
        calls.push((
            "money",
            "open_account",
            json!({"id": wallet, "currency": ids.code, "agency": agency,
            "owner": {"kind": "citizen", "account": t.account()}}),
        ));
        calls.push(("money", "transfer", json!({"from": ids.treasury, "to": wallet, "amount": "5000000", "reference": format!("bench {i}")})));
    }
    let (txs, nonce) = official(s, nonce, calls);
    crate::epcis::pump(http, &txs, 500, 4)
        .await
        .context("the traders")?;
    // The interval: the first quarter hour at least a minute past the
    // gate, which closes `gate_s` from now (by the chain's clock).
    let now = http.get("/v1/status").await?["time_ms"]
        .as_u64()
        .unwrap_or_else(publica_types::now_ms)
        .max(publica_types::now_ms());
    let gate = now + plan.gate_s * 1_000;
    let start = (gate + 60_000) / Q * Q + Q;
    let (open, _) = official(
        s,
        nonce,
        vec![(
            "energy",
            "open_market",
            json!({"agency": agency, "currency": ids.code,
            "escrow_account": ids.escrow, "escrow_agency": agency, "fee_account": ids.fees,
            "fee_per_kwh": 2, "gate_ms": start - gate, "price_cap": 1_000}),
        )],
    );
    crate::epcis::pump(http, &open, 1, 1)
        .await
        .context("opening the market")?;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut orders = Vec::with_capacity(TRADERS * each);
    for k in 0..each {
        for (i, t) in traders.iter().enumerate() {
            let side = if k % 2 == 0 { "offer" } else { "bid" };
            let (price, wh) = (10 + next() % 40, 100 + next() % 4_900);
            orders.push(sign(t, t.account(), &s.chain, k as u64 + 1, "energy", "order",
                json!({"agency": agency, "meter": format!("{}-home-{i}", ids.meter), "start_ms": start,
                    "side": side, "wh": wh, "price": price, "account": format!("wallet:{}-{i}", ids.meter)})));
        }
    }
    let placing = Instant::now();
    crate::epcis::pump(http, &orders, 500, WINDOW)
        .await
        .context("the orders (placed before the gate?)")?;
    let orders_seconds = placing.elapsed().as_secs_f64();
    let left = gate.saturating_sub(publica_types::now_ms());
    if left == 0 {
        bail!(
            "placing the orders took past the gate ({orders_seconds:.1} s): give a longer --gate-s"
        );
    }
    tokio::time::sleep(Duration::from_millis(left)).await;
    let gate_passed = Instant::now();
    let deadline = gate_passed + Duration::from_secs(60);
    loop {
        let iv = http
            .get(&format!("/v1/energy/{agency}/market/{start}"))
            .await?;
        if iv["interval"]["cleared"] == true {
            let ms = gate_passed.elapsed().as_secs_f64() * 1e3;
            let n = iv["interval"]["orders"].as_u64().unwrap_or(0);
            if n != (TRADERS * each) as u64 {
                bail!("the interval holds {n} orders, not {}", TRADERS * each);
            }
            return Ok((n, orders_seconds, (iv["interval"].clone(), ms)));
        }
        if Instant::now() > deadline {
            bail!("the interval was not cleared within 60 s of its gate: {iv}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
