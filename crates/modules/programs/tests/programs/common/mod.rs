//! A city with a school, a civil registry and a statistics office, a local
//! currency and a funded program account, on a test chain running the real
//! runtime with identity, money and programs.
#![allow(dead_code)]

use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_money::Money;
use publica_programs::{nullifier, Programs};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use publica_types::AccountId;
use serde_json::{json, Value};

/// 2027-01-01T00:00:00Z in ms.
pub const JAN_2027: u64 = 1_798_761_600_000;
/// About a month, in ms (31 days).
pub const MONTH: u64 = 31 * 86_400_000;

pub struct World {
    pub c: TestChain,
    pub admin: Keypair,
    pub officer: Keypair,
    pub officer2: Keypair,
    pub treasurer: Keypair,
    pub teacher: Keypair,
    pub registrar: Keypair,
    pub oracles: Vec<Keypair>,
    pub registry_secret: [u8; 32],
}

fn agency(id: &str, admin: &Keypair) -> GenesisAgency {
    GenesisAgency {
        id: id.into(),
        name: id.into(),
        administrators: vec![admin.account()],
        policy_threshold: 1,
    }
}

pub fn world() -> World {
    let admin = Keypair::generate();
    let genesis = Genesis {
        version: 1,
        chain_id: TEST_CHAIN.into(),
        agencies: ["city", "school", "registry", "stats"]
            .iter()
            .map(|a| agency(a, &admin))
            .collect(),
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt.register(Box::new(Programs));
    let mut w = World {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        officer: Keypair::generate(),
        officer2: Keypair::generate(),
        treasurer: Keypair::generate(),
        teacher: Keypair::generate(),
        registrar: Keypair::generate(),
        oracles: (0..3).map(|_| Keypair::generate()).collect(),
        registry_secret: [42; 32],
    };
    w.c.time_ms = JAN_2027;
    let members = [
        ("city", w.officer.account(), vec!["program_officer"]),
        ("city", w.officer2.account(), vec!["program_officer"]),
        ("city", w.treasurer.account(), vec!["treasurer"]),
        ("school", w.teacher.account(), vec!["attester"]),
        ("registry", w.registrar.account(), vec!["attester"]),
    ];
    for (ag, acct, roles) in members {
        w.call(
            "admin",
            "identity",
            "add_member",
            json!({"agency": ag, "account": acct, "roles": roles}),
        )
        .unwrap();
    }
    for i in 0..3 {
        let a = w.oracles[i].account();
        w.call(
            "admin",
            "identity",
            "add_member",
            json!({"agency": "stats", "account": a, "roles": ["oracle"]}),
        )
        .unwrap();
    }
    w.money("create_currency", json!({"agency": "city", "code": "CITY", "name": "City coin", "decimals": 2, "supply_cap": "100000000"}));
    w.money("propose_appropriation", json!({"agency": "city", "currency": "CITY", "id": "welfare-2027", "name": "Welfare 2027", "cap": "100000000"}));
    w.call(
        "admin",
        "money",
        "approve_appropriation",
        json!({"agency": "city", "currency": "CITY", "id": "welfare-2027"}),
    )
    .unwrap();
    w
}

impl World {
    pub fn key(&self, who: &str) -> Keypair {
        let kp = match who {
            "admin" => &self.admin,
            "officer" => &self.officer,
            "officer2" => &self.officer2,
            "treasurer" => &self.treasurer,
            "teacher" => &self.teacher,
            "registrar" => &self.registrar,
            "oracle0" => &self.oracles[0],
            "oracle1" => &self.oracles[1],
            "oracle2" => &self.oracles[2],
            other => panic!("no such official {other}"),
        };
        Keypair::from_seed(kp.seed())
    }

    pub fn call(
        &mut self,
        who: &str,
        module: &str,
        method: &str,
        args: Value,
    ) -> Result<(), Rejected> {
        let kp = self.key(who);
        self.c.call(&kp, module, method, args)
    }

    pub fn p(&mut self, who: &str, method: &str, args: Value) -> Result<(), Rejected> {
        self.call(who, "programs", method, args)
    }

    fn money(&mut self, method: &str, args: Value) {
        self.call("treasurer", "money", method, args).unwrap();
    }

    /// Opens and funds the account of program `id` with `amount`.
    pub fn fund_program(&mut self, id: &str, amount: u64) -> String {
        let acct = format!("program:{id}");
        self.money("open_account", json!({"id": acct, "currency": "CITY", "owner": {"kind": "program", "agency": "city", "program": id}, "agency": "city"}));
        self.money("mint", json!({"agency": "city", "currency": "CITY", "appropriation": "welfare-2027", "to": acct, "amount": amount.to_string()}));
        acct
    }

    /// Creates and approves a program; `extra` overrides fields.
    pub fn program(&mut self, id: &str, budget: u64, extra: Value) -> Result<(), Rejected> {
        let funding = self.fund_program(id, budget * 2);
        let mut args = json!({
            "agency": "city", "id": id, "name": format!("Program {id}"), "currency": "CITY",
            "funding_account": funding, "budget_cap": budget.to_string(),
            "attesters": ["school"], "registry": "registry",
            "attributes": {"age": "int", "resident": "bool", "attendance_pct": "int"},
            "eligibility": "has(attr.resident) && attr.resident",
            "benefit": "params.amount",
            "params": {"amount": 1000},
            "start_ms": JAN_2027, "end_ms": JAN_2027 + 24 * MONTH,
        });
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        self.p("officer", "create_program", args)?;
        self.p("admin", "approve", self.approval(id))
    }

    /// An administrator's approval of what waits in program `id` (its
    /// definition, or its pending amendment), naming that content's hash.
    pub fn approval(&self, id: &str) -> Value {
        let s = publica_programs::queries::summary(&self.c.state, id, self.c.height()).unwrap();
        json!({"agency": "city", "program": id, "hash": s["approval_hash"]})
    }

    /// The registry's token for `account` in `program` (person `person`).
    pub fn token(&self, program: &str, person: &str, account: &AccountId) -> (String, Value) {
        let n = nullifier::derive(&self.registry_secret, program, person);
        let sig = self
            .registrar
            .sign(&nullifier::token_bytes(TEST_CHAIN, program, &n, account));
        (n, json!(sig))
    }

    /// Enrolment arguments for a caseworker (officer) enrolling `account`.
    pub fn enrol_args(&self, program: &str, person: &str, account: &AccountId) -> Value {
        let (n, sig) = self.token(program, person, account);
        json!({"program": program, "account": account, "nullifier": n,
               "registry_signer": self.registrar.account(), "registry_signature": sig, "agency": "city"})
    }

    /// A new enrolee of `program` (registry person `person`): the school
    /// attests `claims` about a fresh account and a caseworker enrols it.
    pub fn enrolee(&mut self, program: &str, person: &str, claims: Value) -> AccountId {
        let a = Keypair::generate().account();
        self.attest(&a, claims, None, None).unwrap();
        self.p("officer", "enrol", self.enrol_args(program, person, &a))
            .unwrap();
        a
    }

    /// The school attests `claims` about `subject`.
    pub fn attest(
        &mut self,
        subject: &AccountId,
        claims: Value,
        period: Option<&str>,
        program: Option<&str>,
    ) -> Result<(), Rejected> {
        let mut a = json!({"agency": "school", "subject": subject, "claims": claims});
        if let Some(p) = period {
            a["period"] = json!(p);
        }
        if let Some(p) = program {
            a["program"] = json!(p);
        }
        self.p("teacher", "attest", a)
    }

    /// A monthly scheduled program paying `amount`, with `n` resident
    /// enrolees.
    pub fn monthly(&mut self, id: &str, budget: u64, amount: i64, n: usize) -> Vec<AccountId> {
        self.program(
            id,
            budget,
            json!({"schedule": "monthly", "params": {"amount": amount}}),
        )
        .unwrap();
        (0..n)
            .map(|i| self.enrolee(id, &format!("p{i}"), json!({"resident": true})))
            .collect()
    }

    pub fn balance(&self, id: &str) -> i128 {
        self.c
            .get(&format!("money/account/{id}"))
            .map(|a| a["balance"].as_str().unwrap().parse().unwrap())
            .unwrap_or(0)
    }

    /// The last block's events (its ledger's, then its transactions'),
    /// as (kind, data).
    pub fn events(&self) -> Vec<(String, Value)> {
        let b = self.c.blocks.last().unwrap();
        b.ledger_events
            .iter()
            .chain(b.outcomes.iter().flat_map(|o| o.events.iter()))
            .map(|e| (e.kind.clone(), e.data.clone()))
            .collect()
    }

    pub fn program_json(&self, id: &str) -> Value {
        self.c.get(&format!("programs/program/{id}")).unwrap()
    }

    pub fn paid_total(&self, id: &str) -> u64 {
        self.program_json(id)["paid_total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn benefit_account(&self, program: &str, a: &AccountId) -> String {
        publica_money::model::benefit_account_id(program, a)
    }

    /// Money is conserved in CITY.
    pub fn conserved(&self) {
        let cur = self.c.get("money/currency/CITY").unwrap();
        let minted: i128 = cur["minted"].as_str().unwrap().parse().unwrap();
        let burned: i128 = cur["burned"].as_str().unwrap().parse().unwrap();
        let total: i128 = self
            .c
            .state
            .scan_prefix(b"money/account/", usize::MAX)
            .iter()
            .map(|(_, v)| {
                let a: Value = serde_json::from_slice(v).unwrap();
                a["balance"].as_str().unwrap().parse::<i128>().unwrap()
            })
            .sum();
        assert_eq!(total, minted - burned);
    }
}
