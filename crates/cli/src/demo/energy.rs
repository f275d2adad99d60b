//! The demo's energy: the grid operator's certificate registry (1 kWh
//! units, 15-minute intervals, a year's validity); a rooftop solar
//! prosumer (citizen 1), a community wind turbine (citizen 2) and a
//! household consumer (citizen 3), each meter with its own key;
//! yesterday's 96 intervals of each, signed by the meters; certificates
//! issued, some sold to the school and cancelled for its consumption; a
//! market interval with two offers and a bid, cleared by the node twenty
//! seconds after seeding.

use super::{citizen_key, public_key_of, Seeder};
use anyhow::Result;
use publica_crypto::Keypair;
use publica_energy::model::{signing_bytes, Reading};
use publica_types::now_ms;
use serde_json::{json, Value};

const Q: u64 = 900_000;

/// A demo meter's key (public seed: a demo only).
fn meter_key(id: &str) -> Keypair {
    public_key_of(&format!("publica demo meter {id}"))
}

/// Yesterday's export of a 5 kW rooftop array, interval `k` of 96: a
/// bell from 07:00 to 19:00 UTC peaking near 1,100 Wh.
fn solar(k: u64) -> u64 {
    let hour = k as f64 / 4.0;
    if !(7.0..19.0).contains(&hour) {
        return 0;
    }
    let x = (hour - 13.0) / 6.0;
    (1_100.0 * (1.0 - x * x)).round() as u64
}

/// A 20 kW turbine's export: a deterministic gusty pattern.
fn wind(k: u64) -> u64 {
    1_500 + (k * 37 % 11) * 250
}

impl Seeder<'_> {
    fn signed_readings(&mut self, meter: &str, rs: &[Reading]) -> Value {
        let sig = meter_key(meter).sign(&signing_bytes(&self.chain_id, "grid", meter, rs));
        json!({"agency": "grid", "meter": meter, "readings": rs, "signature": sig})
    }

    pub(super) fn energy_demo(&mut self) -> Result<()> {
        let mut txs = vec![self.tx(
            "energy",
            "configure",
            json!({"agency": "grid", "unit_wh": 1000, "interval_ms": Q, "validity_days": 365, "country": "ES"}),
        )];
        for (id, who, role, tech, capacity) in [
            ("pv-rooftop-1", 1, "prosumer", "solar", 5_000),
            ("wind-north", 2, "producer", "wind", 20_000),
            ("home-3", 3, "consumer", "none", 10_000),
        ] {
            txs.push(self.tx(
                "energy",
                "register_meter",
                json!({"agency": "grid", "id": id,
                "key": meter_key(id).account(), "holder": citizen_key(who).account(), "role": role,
                "technology": tech, "location": "geo:ezjmgt", "capacity_w": capacity}),
            ));
        }
        let day = (now_ms() / 86_400_000 - 1) * 86_400_000;
        let reading = |k: u64, import_wh: u64, export_wh: u64| Reading {
            start_ms: day + k * Q,
            import_wh,
            export_wh,
        };
        let pv: Vec<Reading> = (0..96)
            .map(|k| reading(k, if solar(k) == 0 { 150 } else { 0 }, solar(k)))
            .collect();
        let turbine: Vec<Reading> = (0..96).map(|k| reading(k, 0, wind(k))).collect();
        let home: Vec<Reading> = (0..96).map(|k| reading(k, 120 + (k % 8) * 30, 0)).collect();
        for (meter, rs) in [
            ("pv-rooftop-1", pv),
            ("wind-north", turbine),
            ("home-3", home),
        ] {
            let args = self.signed_readings(meter, &rs);
            txs.push(self.tx("energy", "submit_readings", args));
        }
        self.phase("energy meters and yesterday's readings", txs)?;
        // Citizen 2 sells noon's wind certificates to the school's account
        // holder (citizen 4 here), who cancels them for the school.
        let lot = format!("wind-north/{}", day + 48 * Q);
        let buyer = citizen_key(4);
        self.as_holder(
            &citizen_key(2),
            "energy",
            "transfer",
            json!({"agency": "grid", "lot": lot, "units": 2, "to": buyer.account()}),
        )?;
        self.as_holder(&buyer, "energy", "cancel",
            json!({"agency": "grid", "lot": lot, "units": 2, "beneficiary": "school:example-primary"}))?;
        self.energy_market()
    }

    /// The market: settled in EXC, a fee of 0.02 EXC per kWh; the
    /// interval after next takes orders until twenty seconds from now,
    /// when the node clears it. Citizens 1 and 2 offer, citizen 3 bids.
    fn energy_market(&mut self) -> Result<()> {
        let now = now_ms();
        let start = (now / Q + 2) * Q;
        let gate_ms = start - (now + 20_000);
        let mut txs = vec![
            self.tx("money", "propose_appropriation", json!({"agency": "city", "currency": "EXC", "id": "demo-wallets", "name": "Demo wallets", "cap": "1000000"})),
            self.tx("money", "approve_appropriation", json!({"agency": "city", "currency": "EXC", "id": "demo-wallets"})),
            self.tx("money", "open_account", json!({"id": "city:energy-escrow", "currency": "EXC", "agency": "city",
                "owner": {"kind": "program", "agency": "city", "program": "energy-market:grid"}})),
            self.tx("money", "open_account", json!({"id": "city:grid-fees", "currency": "EXC", "agency": "city",
                "owner": {"kind": "agency", "agency": "city"}})),
        ];
        for who in 1..=3 {
            txs.push(self.tx("money", "open_account", json!({"id": format!("wallet:citizen-{who}"), "currency": "EXC",
                "agency": "city", "owner": {"kind": "citizen", "account": citizen_key(who).account()}})));
        }
        txs.push(self.tx(
            "money",
            "open_account",
            json!({"id": "city:wallets", "currency": "EXC", "agency": "city",
            "owner": {"kind": "agency", "agency": "city"}}),
        ));
        txs.push(self.tx(
            "money",
            "mint",
            json!({"agency": "city", "currency": "EXC", "appropriation": "demo-wallets",
            "to": "city:wallets", "amount": "50000"}),
        ));
        txs.push(self.tx(
            "money",
            "transfer",
            json!({"from": "city:wallets", "to": "wallet:citizen-3",
            "amount": "50000", "reference": "demo-wallet"}),
        ));
        txs.push(self.tx(
            "energy",
            "open_market",
            json!({"agency": "grid", "currency": "EXC",
            "escrow_account": "city:energy-escrow", "escrow_agency": "city", "fee_account": "city:grid-fees", "fee_per_kwh": 2,
            "gate_ms": gate_ms, "price_cap": 500}),
        ));
        self.phase("an energy market with wallets", txs)?;
        let order = |meter: &str, side: &str, wh: u64, price: u64, who: usize| {
            json!({"agency": "grid", "meter": meter, "start_ms": start, "side": side, "wh": wh,
                "price": price, "account": format!("wallet:citizen-{who}")})
        };
        self.as_holder(
            &citizen_key(1),
            "energy",
            "order",
            order("pv-rooftop-1", "offer", 800, 18, 1),
        )?;
        self.as_holder(
            &citizen_key(2),
            "energy",
            "order",
            order("wind-north", "offer", 3_000, 22, 2),
        )?;
        self.as_holder(
            &citizen_key(3),
            "energy",
            "order",
            order("home-3", "bid", 2_000, 30, 3),
        )
    }
}
