//! Two networks, `north` and `south`, each an in-memory chain with a city
//! agency, a currency, a corridor to the other and a few wallets, and
//! four validators who cosign its checkpoints.

use publica_crossborder::Crossborder;
use publica_crypto::Keypair;
use publica_identity::{Genesis, Identity};
use publica_log::{Checkpoint, Cosigner, StateLine, ValidatorSet};
use publica_runtime::routes::StateProofAnswer;
use publica_runtime::testkit::{Rejected, TestChain};
use publica_runtime::Runtime;
use publica_types::Hash32;
use serde_json::{json, Value};
use std::rc::Rc;

/// Liquidity each corridor account starts with.
pub const LIQUIDITY: u64 = 1_000_000;
/// Each wallet's starting balance.
pub const WALLET: u64 = 20_000;
/// A corridor's limit for one transfer.
pub const LIMIT: u64 = 50_000;
/// A corridor's timeout.
pub const TIMEOUT_MS: u64 = 3_600_000;
/// The corridor's id on each side.
pub const CORRIDOR: &str = "neighbours";

pub struct Net {
    pub c: TestChain,
    pub admin: Rc<Keypair>,
    pub treasurer: Rc<Keypair>,
    /// Its validators' cosigners.
    pub validators: Vec<Cosigner>,
    pub set: ValidatorSet,
    /// Wallet owners, wallet `w<i>` each.
    pub people: Vec<Rc<Keypair>>,
}

fn cosigner(chain: &str, i: u8, salt: u8) -> Cosigner {
    let mut seed = [i; 32];
    seed[0] = salt;
    seed[1] = chain.len() as u8;
    seed[2] = chain.as_bytes()[0];
    Cosigner::new(&format!("v{i}.{chain}.example"), Keypair::from_seed(seed)).unwrap()
}

/// The four validators of `chain` (another `salt`: other keys).
pub fn validators(chain: &str, salt: u8) -> Vec<Cosigner> {
    (0..4).map(|i| cosigner(chain, i, salt)).collect()
}

pub fn origin(chain: &str) -> String {
    format!("{chain}.example/log")
}

impl Net {
    /// A network `chain`, its currency `code`, `wallets` wallets.
    pub fn new(chain: &str, code: &str, wallets: usize) -> Net {
        Net::with_liquidity(chain, code, wallets, LIQUIDITY)
    }

    /// [`Net::new`] with `liquidity` in the corridor's account.
    pub fn with_liquidity(chain: &str, code: &str, wallets: usize, liquidity: u64) -> Net {
        let admin = Rc::new(Keypair::generate());
        let genesis = Genesis::of_agencies(chain, &["city"], admin.account());
        let mut rt = Runtime::new();
        rt.register(Box::new(Identity));
        rt.register(Box::new(publica_money::Money));
        rt.register(Box::new(Crossborder));
        let mut c = TestChain::new(rt, genesis.initial_state());
        c.chain_id = chain.into();
        c.time_ms = 1_800_000_000_000;
        let validators = validators(chain, 0);
        let set = ValidatorSet::new(
            &origin(chain),
            validators.iter().map(Cosigner::key).collect(),
        );
        let mut n = Net {
            c,
            admin,
            treasurer: Rc::new(Keypair::generate()),
            validators,
            set,
            people: (0..wallets).map(|_| Rc::new(Keypair::generate())).collect(),
        };
        n.money(code, liquidity);
        n
    }

    fn money(&mut self, code: &str, liquidity: u64) {
        let t = self.treasurer.account();
        self.c
            .call(
                &self.admin,
                "identity",
                "add_member",
                json!({"agency": "city", "account": t, "roles": ["treasurer", "program_officer"]}),
            )
            .unwrap();
        let o = &self.treasurer;
        let ok = |c: &mut TestChain, method: &str, args: Value| {
            c.call(o, "money", method, args)
                .unwrap_or_else(|e| panic!("money.{method}: {e}"));
        };
        ok(
            &mut self.c,
            "create_currency",
            json!({"agency": "city", "code": code, "name": code, "decimals": 2, "supply_cap": "1000000000"}),
        );
        ok(
            &mut self.c,
            "propose_appropriation",
            json!({"agency": "city", "currency": code, "id": "a", "name": "a", "cap": "1000000000"}),
        );
        self.c
            .call(
                &self.admin,
                "money",
                "approve_appropriation",
                json!({"agency": "city", "currency": code, "id": "a"}),
            )
            .unwrap();
        let program = format!("crossborder:{CORRIDOR}");
        ok(
            &mut self.c,
            "open_account",
            json!({"id": "corridor", "currency": code, "agency": "city",
            "owner": {"kind": "program", "agency": "city", "program": program}}),
        );
        ok(
            &mut self.c,
            "open_account",
            json!({"id": "treasury", "currency": code, "agency": "city",
            "owner": {"kind": "agency", "agency": "city"}}),
        );
        let minted = liquidity + WALLET * self.people.len() as u64;
        ok(
            &mut self.c,
            "mint",
            json!({"agency": "city", "currency": code, "appropriation": "a", "to": "treasury", "amount": minted.to_string()}),
        );
        ok(
            &mut self.c,
            "transfer",
            json!({"from": "treasury", "to": "corridor", "amount": liquidity.to_string(), "reference": "liquidity"}),
        );
        for (i, p) in self.people.iter().enumerate() {
            let id = format!("w{i}");
            ok(
                &mut self.c,
                "open_account",
                json!({"id": id, "currency": code, "agency": "city",
                "owner": {"kind": "citizen", "account": p.account()}}),
            );
            ok(
                &mut self.c,
                "transfer",
                json!({"from": "treasury", "to": id, "amount": WALLET.to_string(), "reference": "wallet"}),
            );
        }
    }

    /// Opens the corridor to `other` (rate `remote`:`local`).
    pub fn open_to(&mut self, other: &Net, remote: u64, local: u64) -> Result<(), Rejected> {
        let code = self.currency();
        let sets: Value = serde_json::from_str(&other.set.to_json()).unwrap();
        let t = self.treasurer.clone();
        self.c.call(
            &t,
            "crossborder",
            "open_corridor",
            json!({
                "agency": "city", "id": CORRIDOR, "currency": code, "account": "corridor",
                "remote_chain": other.c.chain_id, "remote_corridor": CORRIDOR,
                "remote_validators": sets, "rate": {"remote": remote, "local": local},
                "limit": LIMIT.to_string(), "timeout_ms": TIMEOUT_MS,
            }),
        )
    }

    /// The treasurer mints `amount` and adds it to the corridor's account.
    pub fn fund(&mut self, amount: u64) {
        let code = self.currency();
        let t = Rc::clone(&self.treasurer);
        for (method, args) in [
            (
                "mint",
                json!({"agency": "city", "currency": code, "appropriation": "a", "to": "treasury", "amount": amount.to_string()}),
            ),
            (
                "transfer",
                json!({"from": "treasury", "to": "corridor", "amount": amount.to_string(), "reference": "top-up"}),
            ),
        ] {
            self.c
                .call(&t, "money", method, args)
                .unwrap_or_else(|e| panic!("money.{method}: {e}"));
        }
    }

    /// Pairs this network's corridor with `other`'s, on a proof of it.
    pub fn pair_with(&mut self, other: &Net) -> Result<(), Rejected> {
        let proof = other.answer(&format!("crossborder/corridor/{CORRIDOR}"));
        self.relay("pair", proof)
    }

    pub fn currency(&self) -> String {
        self.c.get("money/account/corridor").unwrap()["currency"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The balance of account `id`.
    pub fn balance(&self, id: &str) -> u128 {
        self.c.get(&format!("money/account/{id}")).unwrap()["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Wallet `i` sends `amount` to `to` on the other network; the
    /// transfer's id.
    pub fn send(&mut self, i: usize, to: &str, amount: u64) -> Result<String, Rejected> {
        let p = self.people[i].clone();
        self.send_as(&p, i, to, amount, None)
    }

    pub fn send_as(
        &mut self,
        who: &Keypair,
        i: usize,
        to: &str,
        amount: u64,
        timeout_ms: Option<u64>,
    ) -> Result<String, Rejected> {
        let mut args = json!({"corridor": CORRIDOR, "from": format!("w{i}"), "to": to, "amount": amount.to_string()});
        if let Some(t) = timeout_ms {
            args["timeout_ms"] = json!(t);
        }
        self.c.call(who, "crossborder", "send", args)?;
        Ok(self.c.blocks.last().unwrap().outcomes[0].tx_id.to_hex())
    }

    /// A state answer of `key` at the last block, its checkpoint cosigned
    /// by the validators `by` (of `cosigners`).
    pub fn answer_by(&self, key: &str, cosigners: &[Cosigner], by: &[usize]) -> Value {
        let mut state = self.c.state.clone();
        let state_root = state.root();
        let height = self.c.height();
        let answer = StateProofAnswer {
            height,
            state_root,
            value: state.get(key.as_bytes()).map(std::borrow::Cow::into_owned),
            proof: state.prove(key.as_bytes()),
        };
        let text = Checkpoint {
            origin: self.set.origin.clone(),
            size: height,
            root: Hash32([height as u8; 32]),
            state: Some(StateLine { height, state_root }),
        }
        .to_text();
        let lines: String = by.iter().map(|i| cosigners[*i].cosign(&text, 1)).collect();
        publica_runtime::state_answer::answer_json(key, &answer, Some(format!("{text}\n{lines}")))
    }

    /// A state answer of `key` cosigned by a quorum of this network's
    /// validators.
    pub fn answer(&self, key: &str) -> Value {
        self.answer_by(key, &self.validators, &[0, 1, 2])
    }

    /// Anyone relays `method` with `proof` (a fresh relayer each time: the
    /// relayer needs no account).
    pub fn relay(&mut self, method: &str, proof: Value) -> Result<(), Rejected> {
        self.c.call(
            &Keypair::generate(),
            "crossborder",
            method,
            json!({"corridor": CORRIDOR, "proof": proof}),
        )
    }

    /// The corridor's record.
    pub fn corridor(&self) -> Value {
        self.c
            .get(&format!("crossborder/corridor/{CORRIDOR}"))
            .unwrap()
    }

    /// The sum of every balance of the currency (wallets and corridor).
    pub fn held(&self) -> u128 {
        (0..self.people.len())
            .map(|i| self.balance(&format!("w{i}")))
            .sum::<u128>()
            + self.balance("corridor")
    }
}

/// `north` and `south`, each with `wallets` wallets and the corridor open
/// both ways at 1:1.
pub fn pair(wallets: usize) -> (Net, Net) {
    let mut north = Net::new("north", "NOR", wallets);
    let mut south = Net::new("south", "SOU", wallets);
    north.open_to(&south, 1, 1).unwrap();
    south.open_to(&north, 1, 1).unwrap();
    north.pair_with(&south).unwrap();
    south.pair_with(&north).unwrap();
    (north, south)
}
