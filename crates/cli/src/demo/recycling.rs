//! The demo's recycling and volunteering: the city's scheme paid in EXC
//! from its civic-credits fund; a rate table proposed and approved; two
//! collection points, a hauler and a glass recycler; citizens' deposits
//! credited, a pickup request served on time and one still open; the
//! recycler's stock declared one kilogram too high, so that the portal
//! shows a flagged provider; a parks organisation's volunteers paid.

use super::{public_key_of, Seeder};
use anyhow::{anyhow, bail, Result};
use publica_crypto::Keypair;
use publica_types::{now_ms, Expiry, TxBody};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The demo's rate rule: minor units (cents) per kilogram by material.
const RULE: &str = "attr.grams * (attr.material == 'glass' ? params.glass : attr.material == 'paper' ? params.paper : attr.material == 'plastic' ? params.plastic : params.metal) / 1000";

/// A demo party's key (public seed: a demo only).
fn party_key(id: &str) -> Keypair {
    public_key_of(&format!("publica demo recycling {id}"))
}

impl Seeder<'_> {
    /// Several calls signed by one demo party, submitted together with
    /// consecutive nonces and waited for.
    fn as_party(&mut self, kp: &Keypair, calls: &[(&str, Value)]) -> Result<()> {
        let first = self.node.nonces(&kp.account()).0 + 1;
        let mut txs = vec![];
        for (i, (method, args)) in calls.iter().enumerate() {
            let body = TxBody::new(
                &self.chain_id,
                first + i as u64,
                Expiry::Height(1 << 40),
                "recycling",
                method,
                args.clone(),
            );
            txs.push(
                kp.sign_tx(kp.account(), body)
                    .expect("demo bodies are canonical"),
            );
        }
        for r in self.node.submit(txs.clone()) {
            r.map_err(|e| anyhow!("demo recycling: {} {}", e.code, e.message))?;
        }
        let last = first + calls.len() as u64 - 1;
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.node.nonces(&kp.account()).0 < last {
            if Instant::now() > deadline {
                bail!("demo recycling: not committed within 120 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.succeeded("recycling", &txs)
    }

    pub(super) fn recycling_demo(&mut self) -> Result<()> {
        let (square, north) = (party_key("point-square"), party_key("point-north"));
        let (hauler, plant, parks) = (
            party_key("north-haulage"),
            party_key("glassworks"),
            party_key("parks-friends"),
        );
        let txs = vec![
            self.tx("money", "open_account", json!({"id": "city:civic-credits", "currency": "EXC", "agency": "city",
                "owner": {"kind": "program", "agency": "city", "program": "civic-credits:city"}})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare",
                "to": "city:civic-credits", "amount": "1000000"})),
            self.tx("recycling", "configure", json!({"agency": "city", "currency": "EXC", "fund_account": "city:civic-credits"})),
            self.tx("recycling", "propose_rates", json!({"agency": "city", "materials": ["glass", "paper", "plastic", "metal"],
                "rule": RULE, "params": {"glass": 20, "paper": 10, "plastic": 30, "metal": 80}, "max_credit": "500",
                "volunteer_rate_per_hour": "600", "volunteer_cap_per_month": "3000"})),
            self.tx("recycling", "license_point", json!({"agency": "city", "id": "market-square", "key": square.account(),
                "location": "geo:ezjmgtw", "materials": ["glass", "paper", "plastic", "metal"], "daily_credit_cap": "20000"})),
            self.tx("recycling", "license_point", json!({"agency": "city", "id": "north", "key": north.account(),
                "location": "geo:ezjmgv8", "materials": ["glass", "paper"]})),
            self.tx("recycling", "register_provider", json!({"agency": "city", "id": "north-haulage", "key": hauler.account(), "kind": "hauler"})),
            self.tx("recycling", "register_provider", json!({"agency": "city", "id": "glassworks", "key": plant.account(), "kind": "recycler"})),
            self.tx("recycling", "register_org", json!({"agency": "city", "id": "parks-friends", "key": parks.account(), "budget": "20000"})),
        ];
        self.phase("recycling scheme, points and providers", txs)?;
        let hash = self
            .node
            .with_state(|st, _| st.get(b"recycling/rates/city/1").map(|b| b.to_vec()))
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|t| t["hash"].as_str().map(str::to_string))
            .ok_or_else(|| anyhow!("demo recycling: the rate table was not proposed"))?;
        let approve = self.tx(
            "recycling",
            "approve_rates",
            json!({"agency": "city", "version": 1, "hash": hash}),
        );
        self.phase("recycling rate table approved", vec![approve])?;
        let deposit = |n: usize, who: usize, material: &str, grams: u64, point: &str| {
            (
                "deposit",
                json!({"agency": "city", "point": point, "account": format!("wallet:citizen-{who}"),
                "material": material, "grams": grams, "reference": format!("{point}-{n}")}),
            )
        };
        let due = now_ms() + 3_600_000;
        self.as_party(&square, &[
            deposit(1, 1, "glass", 6_400, "market-square"),
            deposit(2, 2, "glass", 5_600, "market-square"),
            deposit(3, 1, "plastic", 1_200, "market-square"),
            deposit(4, 3, "metal", 800, "market-square"),
            ("request_pickup", json!({"agency": "city", "point": "market-square", "material": "glass", "due_ms": due})),
            ("request_pickup", json!({"agency": "city", "point": "market-square", "material": "plastic", "due_ms": due + 86_400_000})),
        ])?;
        self.as_party(
            &north,
            &[
                deposit(1, 3, "paper", 4_000, "north"),
                deposit(2, 2, "glass", 2_500, "north"),
            ],
        )?;
        let report = |kind: &str, grams: u64, r: &str| json!({"agency": "city", "report": kind, "material": "glass", "grams": grams, "reference": r});
        let mut pickup = report("pickup", 12_000, "ticket-1001");
        pickup["provider"] = json!("north-haulage");
        pickup["point"] = json!("market-square");
        pickup["request"] = json!(1);
        let mut delivery = report("delivery", 12_000, "ticket-1002");
        delivery["provider"] = json!("north-haulage");
        delivery["to"] = json!("glassworks");
        self.as_party(&hauler, &[("report", pickup), ("report", delivery)])?;
        let mut processed = report("processed", 9_000, "batch-77");
        processed["provider"] = json!("glassworks");
        let mut stock = report("stock", 4_000, "stock-take-1");
        stock["provider"] = json!("glassworks");
        self.as_party(&plant, &[("report", processed), ("report", stock)])?;
        let work = |who: usize, minutes: u64, r: &str| {
            (
                "attest_volunteering",
                json!({"agency": "city", "org": "parks-friends",
            "account": format!("wallet:citizen-{who}"), "minutes": minutes, "reference": r}),
            )
        };
        self.as_party(
            &parks,
            &[
                work(1, 180, "tree-planting-1"),
                work(2, 240, "tree-planting-2"),
                work(1, 240, "river-cleanup-1"),
            ],
        )?;
        Ok(())
    }
}
