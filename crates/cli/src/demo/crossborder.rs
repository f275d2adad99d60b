//! The demo's corridor to a twin city: a neighbouring Publica network
//! (`publica-demo-twin`) whose four validators' keys derive from a public
//! seed. That network does not run here: the demo plays its validators
//! once, to prove the twin's half of the corridor (open, pointing back at
//! this one) so that the corridor pairs. The city then sends one payment
//! out, which stays locked and pending — the twin city would credit it on
//! the proof of this ledger's checkpoint, or after a week it could be
//! expired there and refunded here (docs/cross-border.md).

use super::{public_key_of, Seeder};
use anyhow::Result;
use publica_crossborder::model::{corridor_key, Corridor, Rate, Totals};
use publica_log::{Checkpoint, Cosigner, StateLine, ValidatorSet};
use publica_runtime::routes::StateProofAnswer;
use publica_types::Amount;
use serde_json::{json, Value};

/// The corridor's id here, and the twin network's chain id.
pub const CORRIDOR: &str = "twin-city";
const TWIN_CHAIN: &str = "publica-demo-twin";

/// The twin network's log origin.
const TWIN_ORIGIN: &str = "twin.example/publica";

/// The twin network's validators (keys from a public seed).
fn twin_validators() -> Result<Vec<Cosigner>> {
    (0..4)
        .map(|i| {
            let key = public_key_of(&format!("publica demo twin validator {i}"));
            Ok(Cosigner::new(&format!("v{i}.twin.example"), key)?)
        })
        .collect()
}

/// The twin network's validator set, as its `validators.json` says.
fn twin_set() -> Result<Value> {
    let keys = twin_validators()?.iter().map(Cosigner::key).collect();
    Ok(serde_json::from_str(
        &ValidatorSet::new(TWIN_ORIGIN, keys).to_json(),
    )?)
}

/// The twin's half of the corridor as its network would serve it: a state
/// answer under a checkpoint three of its four validators cosigned.
fn twin_half(chain_id: &str) -> Result<Value> {
    let ours = ValidatorSet::new(
        &format!("{chain_id} (as the twin city trusts it)"),
        vec![Cosigner::new("demo.example", public_key_of("publica demo validator"))?.key()],
    );
    let half = Corridor {
        id: "example-city".into(),
        agency: "twin-city-hall".into(),
        currency: "TWN".into(),
        account: "corridor:example-city".into(),
        remote_chain: chain_id.into(),
        remote_corridor: CORRIDOR.into(),
        remote_sets: serde_json::from_str(&ours.to_json())?,
        followed: 0,
        rate: Rate {
            remote: 100,
            local: 100,
        },
        limit: Amount::new(250_000),
        timeout_ms: 7 * 86_400_000,
        approvals: vec![],
        open: true,
        paired: true,
        totals: Totals::default(),
    };
    let key = corridor_key(&half.id);
    let mut state = publica_state::StateTree::new();
    state.insert(&key, &serde_json::to_vec(&half)?);
    let state_root = state.root();
    let answer = StateProofAnswer {
        height: 1,
        state_root,
        value: state.get(&key).map(std::borrow::Cow::into_owned),
        proof: state.prove(&key),
    };
    let text = Checkpoint {
        origin: TWIN_ORIGIN.into(),
        size: 1,
        root: publica_crypto::sha256(b"the twin city's first transaction"),
        state: Some(StateLine {
            height: 1,
            state_root,
        }),
    }
    .to_text();
    let now_s = publica_types::now_ms() / 1000;
    let lines: String = twin_validators()?[..3]
        .iter()
        .map(|v| v.cosign(&text, now_s))
        .collect();
    Ok(publica_runtime::state_answer::answer_json(
        std::str::from_utf8(&key)?,
        &answer,
        Some(format!("{text}\n{lines}")),
    ))
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
        let pair = vec![self.tx(
            "crossborder",
            "pair",
            json!({"corridor": CORRIDOR, "proof": twin_half(&self.chain_id)?}),
        )];
        self.phase("the twin city's half of the corridor, proven", pair)?;
        let send = vec![self.tx(
            "crossborder",
            "send",
            json!({"corridor": CORRIDOR, "from": "city:twinning", "to": "library-fund", "amount": "12000"}),
        )];
        self.phase("a payment to the twin city", send)
    }
}
