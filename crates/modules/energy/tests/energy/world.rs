//! A grid operator, meters and their holders on an in-memory chain.

use publica_crypto::Keypair;
use publica_energy::model::{signing_bytes, Reading};
use publica_energy::Energy;
use publica_identity::{Genesis, Identity};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

/// A day boundary, 2027-03-15 00:00 UTC.
pub const T0: u64 = 1_805_068_800_000;
/// 15 minutes.
pub const Q: u64 = 900_000;

pub struct Grid {
    pub c: TestChain,
    pub admin: Keypair,
    pub operator: Keypair,
}

pub fn grid(unit_wh: u64) -> Grid {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(TEST_CHAIN, &["grid"], admin.account());
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Energy));
    let mut g = Grid {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        operator: Keypair::generate(),
    };
    g.c.time_ms = T0 + 86_400_000;
    let op = g.operator.account();
    g.c.call(
        &g.admin,
        "identity",
        "add_member",
        json!({"agency": "grid", "account": op, "roles": ["grid_operator"]}),
    )
    .unwrap();
    g.op(
        "configure",
        json!({"unit_wh": unit_wh, "interval_ms": Q, "validity_days": 365, "country": "ES"}),
    )
    .unwrap();
    g
}

impl Grid {
    pub fn op(&mut self, method: &str, mut args: Value) -> Result<(), Rejected> {
        args["agency"] = json!("grid");
        self.c.call(&self.operator, "energy", method, args)
    }

    /// Registers meter `id` with `key`, its certificates going to `holder`.
    pub fn meter(
        &mut self,
        id: &str,
        key: &Keypair,
        holder: &Keypair,
        role: &str,
        tech: &str,
        capacity_w: u64,
    ) -> Result<(), Rejected> {
        self.op(
            "register_meter",
            json!({"id": id, "key": key.account(), "holder": holder.account(),
            "role": role, "technology": tech, "location": "geo:ezjmg", "capacity_w": capacity_w}),
        )
    }

    /// Readings `(start_ms, import, export)` signed by `key`, submitted by `by`.
    pub fn submit(
        &mut self,
        by: &Keypair,
        meter: &str,
        key: &Keypair,
        readings: &[(u64, u64, u64)],
    ) -> Result<(), Rejected> {
        let rs: Vec<Reading> = readings
            .iter()
            .map(|&(start_ms, import_wh, export_wh)| Reading {
                start_ms,
                import_wh,
                export_wh,
            })
            .collect();
        let sig = key.sign(&signing_bytes(TEST_CHAIN, "grid", meter, &rs));
        self.c.call(
            by,
            "energy",
            "submit_readings",
            json!({"agency": "grid", "meter": meter, "readings": rs, "signature": sig}),
        )
    }

    pub fn registry(&self) -> Value {
        self.c.get("energy/registry/grid").unwrap()
    }

    pub fn held(&self, lot: &str, who: &Keypair) -> u64 {
        self.c
            .get(&format!(
                "energy/holding/grid/{lot}/{}",
                who.account().to_hex()
            ))
            .and_then(|v| v.as_u64())
            .unwrap_or(0)
    }
}

pub fn code(r: Result<(), Rejected>) -> String {
    r.unwrap_err().code
}
