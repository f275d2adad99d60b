//! The demo's corridor to a twin city: a neighbouring Publica network
//! (`publica-demo-twin`) whose four validators' keys derive from a public
//! seed. That network does not run here, so nothing comes in; the city
//! sends one payment out, which stays locked and pending — the twin city
//! would credit it on the proof of this ledger's checkpoint, or after a
//! week it could be expired there and refunded here (docs/cross-border.md).

use super::{public_key_of, Seeder};
use anyhow::Result;
use publica_log::{Cosigner, ValidatorSet};
use serde_json::{json, Value};

/// The corridor's id here, and the twin network's chain id.
pub const CORRIDOR: &str = "twin-city";
const TWIN_CHAIN: &str = "publica-demo-twin";

/// The twin network's validator set, as its `validators.json` says.
fn twin_set() -> Result<Value> {
    let keys = (0..4)
        .map(|i| {
            let key = public_key_of(&format!("publica demo twin validator {i}"));
            Ok(Cosigner::new(&format!("v{i}.twin.example"), key)?.key())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::from_str(
        &ValidatorSet::new("twin.example/publica", keys).to_json(),
    )?)
}

impl Seeder<'_> {
    pub(super) fn crossborder_demo(&mut self) -> Result<()> {
        let program = format!("crossborder:{CORRIDOR}");
        let txs = vec![
            self.tx("money", "propose_appropriation", json!({"agency": "city", "currency": "EXC", "id": "twinning", "name": "Twin-city exchange", "cap": "10000000"})),
            self.tx("money", "approve_appropriation", json!({"agency": "city", "currency": "EXC", "id": "twinning"})),
            self.tx("money", "open_account", json!({"id": "corridor:twin-city", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": program}})),
            self.tx("money", "open_account", json!({"id": "city:twinning", "currency": "EXC", "agency": "city", "owner": {"kind": "agency", "agency": "city"}})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "twinning", "to": "corridor:twin-city", "amount": "5000000"})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "twinning", "to": "city:twinning", "amount": "100000"})),
            self.tx("crossborder", "open_corridor", json!({"agency": "city", "id": CORRIDOR, "currency": "EXC",
                "account": "corridor:twin-city", "remote_chain": TWIN_CHAIN, "remote_corridor": "example-city",
                "remote_validators": twin_set()?, "rate": {"remote": 100, "local": 100},
                "limit": "250000", "timeout_ms": 7 * 86_400_000u64})),
        ];
        self.phase("a corridor to the twin city's network", txs)?;
        let send = vec![self.tx(
            "crossborder",
            "send",
            json!({"corridor": CORRIDOR, "from": "city:twinning", "to": "library-fund", "amount": "12000"}),
        )];
        self.phase("a payment to the twin city", send)
    }
}
