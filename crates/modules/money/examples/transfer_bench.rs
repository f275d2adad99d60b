//! Transfers executed per second in process, on one core, signatures
//! excluded (admission verifies them on other threads): the runtime runs
//! blocks of `money.transfer` calls between funded citizen accounts and
//! computes the state root after each block, as the node does.
//!
//! ```sh
//! cargo run --release -p publica-money --example transfer_bench -- 200000 10000
//! ```
//! Arguments: transfers, accounts, transfers per block (default 10000).

use publica_crypto::tx_id;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_money::Money;
use publica_runtime::{BlockEnv, Runtime};
use publica_types::{
    AccountId, Call, Envelope, Expiry, SignatureBytes, TxBody, TxStatus, VerifiedTx,
};
use serde_json::{json, Value};
use std::time::Instant;

// The node's allocator, so that allocation costs are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn tx(signer: AccountId, nonce: u64, module: &str, method: &str, args: Value) -> VerifiedTx {
    let body = TxBody {
        chain_id: "b".into(),
        nonce,
        expiry: Expiry::Height(1 << 40),
        call: Call {
            module: module.into(),
            method: method.into(),
            args,
        },
    };
    let signing_bytes = body.signing_bytes().expect("canonical");
    let id = tx_id(&signer, &signing_bytes);
    // The runtime does not re-verify signatures of unrotated accounts:
    // admission did. A zero signature keeps signing out of the measurement.
    VerifiedTx {
        id,
        envelope: Envelope {
            body,
            signer,
            signature: SignatureBytes([0; 64]),
        },
        signing_bytes,
    }
}

/// Each signer's next nonce.
#[derive(Default)]
struct Nonces(std::collections::HashMap<AccountId, u64>);

impl Nonces {
    fn next(&mut self, a: AccountId) -> u64 {
        let e = self.0.entry(a).or_insert(0u64);
        *e += 1;
        *e
    }
}

/// The runtime and its state, one block after another.
struct Chain {
    rt: Runtime,
    state: publica_state::StateTree,
    height: u64,
}

impl Chain {
    /// A chain with one agency, `gov`, whose only administrator is `admin`.
    fn new(admin: AccountId) -> Self {
        let genesis = Genesis {
            version: 1,
            chain_id: "b".into(),
            agencies: vec![GenesisAgency {
                id: "gov".into(),
                name: "Gov".into(),
                administrators: vec![admin],
                policy_threshold: 1,
            }],
            governance: publica_identity::genesis::GenesisGovernance {
                create_agency_threshold: 1,
            },
            validators: None,
        };
        let mut rt = Runtime::new();
        rt.register(Box::new(Identity));
        rt.register(Box::new(Money));
        Chain {
            rt,
            state: genesis.initial_state(),
            height: 0,
        }
    }

    /// Executes `txs` as the next block and computes the state root; the
    /// time both took. Every transaction must succeed.
    fn run(&mut self, txs: Vec<VerifiedTx>) -> std::time::Duration {
        self.height += 1;
        let env = BlockEnv {
            chain_id: "b".into(),
            height: self.height,
            time_ms: self.height,
        };
        let t = Instant::now();
        let outs = self.rt.execute_block(&mut self.state, &env, &txs).outcomes;
        self.state.root();
        let d = t.elapsed();
        assert!(
            outs.iter().all(|o| o.status == TxStatus::Ok),
            "{:?}",
            outs.iter().find(|o| o.status != TxStatus::Ok)
        );
        d
    }
}

/// The currency EURC with all of its supply in `gov`'s account, and one
/// citizen account `c<i>` for each of `accounts`, funded from it.
fn setup(admin: AccountId, accounts: &[AccountId], nonces: &mut Nonces) -> Vec<VerifiedTx> {
    let mut setup = vec![
        tx(
            admin,
            nonces.next(admin),
            "identity",
            "add_member",
            json!({"agency": "gov", "account": admin, "roles": ["treasurer"]}),
        ),
        tx(
            admin,
            nonces.next(admin),
            "money",
            "create_currency",
            json!({"agency": "gov", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000000000"}),
        ),
        tx(
            admin,
            nonces.next(admin),
            "money",
            "propose_appropriation",
            json!({"agency": "gov", "currency": "EURC", "id": "a", "name": "A", "cap": "1000000000000"}),
        ),
        tx(
            admin,
            nonces.next(admin),
            "money",
            "approve_appropriation",
            json!({"agency": "gov", "currency": "EURC", "id": "a"}),
        ),
        tx(
            admin,
            nonces.next(admin),
            "money",
            "open_account",
            json!({"agency": "gov", "id": "gov", "currency": "EURC", "owner": {"kind": "agency", "agency": "gov"}}),
        ),
        tx(
            admin,
            nonces.next(admin),
            "money",
            "mint",
            json!({"agency": "gov", "currency": "EURC", "appropriation": "a", "to": "gov", "amount": "1000000000000"}),
        ),
    ];
    for (i, a) in accounts.iter().enumerate() {
        setup.push(tx(*a, nonces.next(*a), "money", "open_account", json!({"id": format!("c{i}"), "currency": "EURC", "owner": {"kind": "citizen", "account": a}})));
        setup.push(tx(
            admin,
            nonces.next(admin),
            "money",
            "transfer",
            json!({"from": "gov", "to": format!("c{i}"), "amount": "1000000"}),
        ));
    }
    setup
}

/// The measured transfers, pre-built: account i pays account i+1.
fn transfers(n: usize, accounts: &[AccountId], nonces: &mut Nonces) -> Vec<VerifiedTx> {
    let m = accounts.len();
    (0..n)
        .map(|k| {
            let i = k % m;
            let a = accounts[i];
            tx(
                a,
                nonces.next(a),
                "money",
                "transfer",
                json!({"from": format!("c{i}"), "to": format!("c{}", (i + 1) % m), "amount": "1"}),
            )
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let m: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let per_block: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let admin = publica_crypto::Keypair::from_seed([1; 32]).account();
    let mut chain = Chain::new(admin);
    let mut nonces = Nonces::default();
    let accounts: Vec<AccountId> = (0..m)
        .map(|i| {
            publica_crypto::Keypair::from_seed(publica_crypto::sha256(&(i as u64).to_le_bytes()).0)
                .account()
        })
        .collect();
    chain.run(setup(admin, &accounts, &mut nonces));
    let txs = transfers(n, &accounts, &mut nonces);
    let mut spent = std::time::Duration::ZERO;
    for block in txs.chunks(per_block.max(1)) {
        spent += chain.run(block.to_vec());
    }
    println!(
        "{}",
        json!({"transfers": n, "accounts": m, "per_block": per_block, "seconds": spent.as_secs_f64(), "transfers_per_s": (n as f64 / spent.as_secs_f64()).round(), "state_entries": chain.state.len()})
    );
}
