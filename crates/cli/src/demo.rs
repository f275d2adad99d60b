//! `publica dev --demo`: a realistic pilot on a new dev chain — a city, a
//! school and a civil registry; a local coin; a conditional cash transfer
//! for schoolchildren (paid when the school attests this month's attendance
//! ≥ 85 %), a monthly UBI paid by the ledger's own schedule, and a winter
//! energy allowance paid on demand by a program officer; a statistics
//! office's consumer price index, to which the UBI is indexed from the
//! month after its publication; a few hundred
//! enrolees. Every step is a signed transaction through the node's own
//! admission. Payments start with the month the chain is seeded in: no
//! program pays a period before its enrolees' enrolment.

mod cashout;
mod citydata;
mod crossborder;
mod elections;
mod energy;
mod governance;
mod health;
mod recycling;

use anyhow::{anyhow, bail, Result};
use publica_api::object_store::S3Config;
use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency};
use publica_node::Node;
use publica_programs::{nullifier, period, private};
use publica_types::{now_ms, AccountId, Envelope, Expiry, TxBody};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The demo's medicine: company prefix 9520001, item reference 000001
/// (as an EPC URI's `<prefix>.<indicator and item reference>`).
pub const DEMO_PRODUCT: &str = "9520001.000001";
/// Its GTIN-14.
pub const DEMO_GTIN: &str = "09520001000010";

/// Residents enrolled in the UBI pilot.
pub const RESIDENTS: usize = 300;
/// Of them, schoolchildren in the conditional cash transfer.
pub const CHILDREN: usize = 120;
/// Residents (the first ones) also enrolled in the energy allowance.
pub const ENERGY: usize = 100;
/// Residents whose incomes the registry commits to for heating support.
pub const HEATING: usize = 5;
/// Heating support's income threshold: 15,000.00 EXC.
pub const HEATING_INCOME_BELOW: u64 = 1_500_000;

/// The demo's genesis: three agencies administered by the dev key.
pub fn genesis(chain_id: &str, admin: AccountId) -> Genesis {
    let agency = |id: &str, name: &str| GenesisAgency {
        id: id.into(),
        name: name.into(),
        administrators: vec![admin],
        policy_threshold: 1,
    };
    let mut g = Genesis::dev(chain_id, admin);
    g.agencies = vec![
        agency("city", "City of Example"),
        agency("school", "Example Primary School"),
        agency("registry", "Civil Registry"),
        agency("stats", "Statistics Office"),
        agency("education", "Ministry of Education"),
        agency("university", "Example University"),
        agency("health", "Medicines Agency"),
        agency("hospital", "City Hospital"),
        agency("clinic", "North Clinic"),
        agency("insurer", "National Health Insurance"),
        agency("grid", "Example Grid Operator"),
    ];
    g
}

struct Seeder<'a> {
    node: &'a Node,
    admin: Keypair,
    chain_id: String,
    nonce: u64,
}

impl Seeder<'_> {
    fn tx(&mut self, module: &str, method: &str, args: Value) -> Envelope {
        self.nonce += 1;
        let body = TxBody::new(
            &self.chain_id,
            self.nonce,
            Expiry::Height(1 << 40),
            module,
            method,
            args,
        );
        self.admin
            .sign_tx(self.admin.account(), body)
            .expect("demo bodies are canonical")
    }

    /// One transaction signed by a demo citizen or merchant, submitted and
    /// waited for (its nonce follows those already committed).
    fn as_holder(&mut self, kp: &Keypair, module: &str, method: &str, args: Value) -> Result<()> {
        let nonce = self.node.nonces(&kp.account()).0 + 1;
        let body = TxBody::new(
            &self.chain_id,
            nonce,
            Expiry::Height(1 << 40),
            module,
            method,
            args,
        );
        let tx = kp
            .sign_tx(kp.account(), body)
            .expect("demo bodies are canonical");
        for r in self.node.submit(vec![tx.clone()]) {
            r.map_err(|e| anyhow!("demo {module}.{method}: {} {}", e.code, e.message))?;
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.node.nonces(&kp.account()).0 < nonce {
            if Instant::now() > deadline {
                bail!("demo {module}.{method}: not committed within 120 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.succeeded(&format!("{module}.{method}"), &[tx])
    }

    /// Fails unless every one of `txs` is committed and its call
    /// succeeded: a demo step that silently failed would leave the demo
    /// short of what its pages and docs promise.
    fn succeeded(&self, what: &str, txs: &[Envelope]) -> Result<()> {
        for env in txs {
            let bytes = env
                .body
                .signing_bytes()
                .map_err(|e| anyhow!("demo {what}: {e}"))?;
            let id = publica_crypto::tx_id(&env.signer, &bytes);
            match self.node.lookup_tx(&id) {
                Ok(publica_node::TxLookup::Committed(r)) => {
                    if let Some(e) = &r.outcome.error {
                        bail!(
                            "demo {what}: {}.{} failed: {} {}",
                            env.body.call.module,
                            env.body.call.method,
                            e.code,
                            e.message
                        );
                    }
                }
                Ok(_) => bail!("demo {what}: transaction {id} is not in a block"),
                Err(e) => bail!("demo {what}: {e}"),
            }
        }
        Ok(())
    }

    /// Submits a phase and waits until all of it is committed.
    fn phase(&mut self, what: &str, txs: Vec<Envelope>) -> Result<()> {
        let n = txs.len();
        for chunk in txs.chunks(1_000) {
            for r in self.node.submit(chunk.to_vec()) {
                r.map_err(|e| anyhow!("demo {what}: {} {}", e.code, e.message))?;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.node.nonces(&self.admin.account()).0 < self.nonce {
            if Instant::now() > deadline {
                bail!("demo {what}: not committed within 120 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.succeeded(what, &txs)?;
        eprintln!("publica demo: {what} ({n} transactions)");
        Ok(())
    }
}

fn citizen(i: usize) -> AccountId {
    citizen_key(i).account()
}

/// A demo citizen's key (from a public seed: anyone can sign as them).
fn citizen_key(i: usize) -> Keypair {
    public_key_of(&format!("publica demo citizen {i}"))
}

/// A demo key from a public seed.
fn public_key_of(seed: &str) -> Keypair {
    Keypair::from_seed(*publica_crypto::sha256(seed.as_bytes()).as_bytes())
}

/// Seeds the pilot on a new demo chain. Blocking. `data_dir` receives the
/// demo's diplomas; `base` is the node's URL (status lists are served there);
/// `records_s3` is where the record store keeps ciphertexts, if not there.
pub fn seed(
    node: &Node,
    admin: Keypair,
    data_dir: &std::path::Path,
    base: &str,
    records_s3: Option<&S3Config>,
) -> Result<()> {
    let chain_id = node.status().chain_id;
    let me = admin.account();
    let mut s = Seeder {
        node,
        nonce: node.nonces(&me).0,
        admin,
        chain_id,
    };
    if s.nonce > 0 {
        eprintln!("publica demo: already seeded");
        return Ok(());
    }
    eprintln!(
        "publica demo: WARNING: the demo citizens' keys derive from a public seed \
         (sha256(\"publica demo citizen <n>\")): anyone can sign as them. A demo chain \
         is for looking around, never for real people or money."
    );
    let now = now_ms();
    let this = period::of(now);
    let start = period::start_ms(&this).expect("valid");
    let end = start + 400 * 86_400_000 * 3;
    s.grant_roles()?;
    s.issue_coin()?;
    s.publish_cpi(start)?;
    s.define_programs(start, end)?;
    s.approve_programs()?;
    s.attest_residents()?;
    s.enrol_all(now)?;
    s.attest_attendance(&this)?;
    s.pay_energy(&this)?;
    s.top_up_energy()?;
    s.casework(now, &this)?;
    s.private_heating(start, end, now, &this)?;
    s.diplomas(now, data_dir, base)?;
    s.scholarship(now, &this, data_dir)?;
    s.medicines_registry()?;
    s.medicines_supply()?;
    s.health_records(data_dir, records_s3)?;
    s.governance_demo()?;
    s.election_demo()?;
    s.energy_demo()?;
    s.recycling_demo()?;
    s.citydata_demo(data_dir)?;
    s.crossborder_demo()?;
    wait_for_schedule(node);
    s.cash_out_demo(data_dir)?;
    print_programs(node)
}

impl Seeder<'_> {
    /// The dev key takes every official's role in the demo's agencies.
    fn grant_roles(&mut self) -> Result<()> {
        let me = self.admin.account();
        let mut txs = vec![];
        for (agency, roles) in [
            (
                "city",
                vec![
                    "treasurer",
                    "program_officer",
                    "attester",
                    "election_officer",
                    "regulator",
                    "oracle",
                ],
            ),
            ("school", vec!["attester", "issuer"]),
            ("registry", vec!["attester"]),
            ("stats", vec!["oracle"]),
            ("university", vec!["issuer"]),
            ("health", vec!["regulator"]),
            (
                "hospital",
                vec!["custodian", "clinician", "privacy_officer"],
            ),
            ("clinic", vec!["custodian", "clinician"]),
            (
                "insurer",
                vec!["program_officer", "treasurer", "adjudicator", "merchant"],
            ),
            ("grid", vec!["grid_operator"]),
        ] {
            for role in roles {
                txs.push(self.tx(
                    "identity",
                    "grant_role",
                    json!({"agency": agency, "account": me, "role": role}),
                ));
            }
        }
        self.phase("officials' roles", txs)
    }

    /// The city's coin, EXC, and each program's account, funded.
    fn issue_coin(&mut self) -> Result<()> {
        let txs = vec![
            self.tx("money", "create_currency", json!({"agency": "city", "code": "EXC", "name": "Example city coin", "decimals": 2, "supply_cap": "1000000000"})),
            self.tx("money", "propose_appropriation", json!({"agency": "city", "currency": "EXC", "id": "welfare", "name": "Welfare pilots", "cap": "500000000"})),
            self.tx("money", "approve_appropriation", json!({"agency": "city", "currency": "EXC", "id": "welfare"})),
            self.tx("money", "open_account", json!({"id": "program:cct", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "cct"}})),
            self.tx("money", "open_account", json!({"id": "program:ubi", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "ubi"}})),
            self.tx("money", "open_account", json!({"id": "program:energy", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "energy"}})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:cct", "amount": "50000000"})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:ubi", "amount": "200000000"})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:energy", "amount": "20000000"})),
        ];
        self.phase("local coin and program accounts", txs)
    }

    /// The statistics office publishes last month's consumer price index
    /// (1000 = base): it applies to payouts from next month on.
    fn publish_cpi(&mut self, start: u64) -> Result<()> {
        let last = period::of(start - 1);
        let txs = vec![
            self.tx(
                "programs",
                "create_index",
                json!({"agency": "stats", "name": "cpi", "threshold": 1}),
            ),
            self.tx(
                "programs",
                "publish_index",
                json!({"agency": "stats", "name": "cpi", "period": last, "value": 1032}),
            ),
        ];
        self.phase("consumer price index published", txs)
    }

    /// The three programs, from `start` to `end` (block time, ms).
    fn define_programs(&mut self, start: u64, end: u64) -> Result<()> {
        let txs = vec![
            self.tx("programs", "create_program", json!({
                "agency": "city", "id": "cct", "name": "School attendance cash transfer", "currency": "EXC",
                "funding_account": "program:cct", "budget_cap": "50000000",
                "attesters": ["school", "registry"], "registry": "registry",
                "attributes": {"resident": "bool", "age": "int", "attendance_pct": "int"},
                "eligibility": "attr.resident && attr.age >= 6 && attr.age <= 16",
                "benefit": "params.monthly",
                "condition": "attr.attendance_pct >= params.min_attendance",
                "params": {"monthly": 2500, "min_attendance": 85},
                "earmark": {"categories": ["food", "school"]},
                "start_ms": start, "end_ms": end,
            })),
            self.tx("programs", "create_program", json!({
                "agency": "city", "id": "ubi", "name": "Universal basic income pilot", "currency": "EXC",
                "funding_account": "program:ubi", "budget_cap": "200000000",
                "attesters": ["registry"], "registry": "registry",
                "attributes": {"resident": "bool", "age": "int"},
                "indexes": ["stats/cpi"],
                "eligibility": "attr.resident && attr.age >= 18",
                "benefit": "params.monthly * (has(index.cpi) ? index.cpi : 1000) / 1000",
                "params": {"monthly": 10000},
                "schedule": "monthly",
                "start_ms": start, "end_ms": end,
            })),
            self.tx("programs", "create_program", json!({
                "agency": "city", "id": "energy", "name": "Winter energy allowance", "currency": "EXC",
                "funding_account": "program:energy", "budget_cap": "20000000",
                "attesters": ["registry"], "registry": "registry",
                "attributes": {"resident": "bool", "age": "int"},
                "eligibility": "attr.resident",
                "benefit": "params.base + (attr.age >= 65 ? params.senior : 0)",
                "params": {"base": 5000, "senior": 2500},
                "start_ms": start, "end_ms": end,
            })),
        ];
        self.phase("programs defined", txs)
    }

    /// The administrator approves each definition by the hash of what was
    /// reviewed.
    fn approve_programs(&mut self) -> Result<()> {
        let mut txs = vec![];
        for id in ["cct", "ubi", "energy"] {
            let hash = self
                .node
                .with_state(|st, h| publica_programs::queries::summary(st, id, h))
                .and_then(|v| v["approval_hash"].as_str().map(str::to_string))
                .ok_or_else(|| anyhow!("demo program {id} missing"))?;
            txs.push(self.tx(
                "programs",
                "approve",
                json!({"agency": "city", "program": id, "hash": hash}),
            ));
        }
        self.phase("programs approved", txs)
    }

    /// The registry attests residence and age; children are 6..=16.
    fn attest_residents(&mut self) -> Result<()> {
        let mut txs = vec![];
        for i in 0..RESIDENTS + CHILDREN {
            let age = if i < RESIDENTS {
                18 + (i * 7) % 70
            } else {
                6 + i % 11
            };
            txs.push(self.tx("programs", "attest", json!({"agency": "registry", "subject": citizen(i), "claims": {"resident": true, "age": age}})));
        }
        self.phase("residence and age attested by the registry", txs)
    }

    /// Enrolment by a caseworker with the registry's nullifier tokens (the
    /// registry's secret, made from `now`, stays in this process).
    fn enrol_all(&mut self, now: u64) -> Result<()> {
        let me = self.admin.account();
        let secret = publica_crypto::sha256(format!("demo registry secret {now}").as_bytes());
        let mut txs = vec![];
        let enrolments = (0..RESIDENTS + CHILDREN)
            .map(|i| (i, if i < RESIDENTS { "ubi" } else { "cct" }))
            .chain((0..ENERGY).map(|i| (i, "energy")));
        for (i, program) in enrolments {
            let a = citizen(i);
            let n = nullifier::derive(secret.as_bytes(), program, &format!("person-{i}"));
            let sig = self
                .admin
                .sign(&nullifier::token_bytes(&self.chain_id, program, &n, &a));
            txs.push(self.tx("programs", "enrol", json!({"program": program, "account": a, "nullifier": n, "registry_signer": me, "registry_signature": sig, "agency": "city"})));
        }
        self.phase("enrolments", txs)
    }

    /// The school attests this month's attendance so far; meeting the
    /// condition releases the payment in the same block.
    fn attest_attendance(&mut self, this: &str) -> Result<()> {
        let mut txs = vec![];
        for i in RESIDENTS..RESIDENTS + CHILDREN {
            let pct = 70 + (i * 13 + this.as_bytes()[6] as usize * 5) % 31;
            txs.push(self.tx("programs", "attest", json!({"agency": "school", "subject": citizen(i), "claims": {"attendance_pct": pct}, "period": this, "program": "cct"})));
        }
        self.phase("attendance attested by the school", txs)
    }

    /// A change of terms, as a council decides one: the energy allowance's
    /// budget raised (and its account funded), approved by the
    /// administrator naming the change's hash.
    fn top_up_energy(&mut self) -> Result<()> {
        let txs = vec![
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:energy", "amount": "5000000"})),
            self.tx("programs", "amend_terms", json!({"agency": "city", "program": "energy", "budget_cap": "25000000", "reason": "Council decision 2026/41: a colder winter"})),
        ];
        self.phase("energy allowance budget raise proposed", txs)?;
        let hash = self
            .node
            .with_state(|st, h| publica_programs::queries::summary(st, "energy", h))
            .and_then(|v| v["terms_approval_hash"].as_str().map(str::to_string))
            .ok_or_else(|| anyhow!("demo: the energy allowance's change of terms is missing"))?;
        let tx = self.tx(
            "programs",
            "approve",
            json!({"agency": "city", "program": "energy", "hash": hash}),
        );
        self.phase("energy allowance budget raise approved", vec![tx])
    }

    /// Casework on enrolees: a UBI payment came back, so the enrolee is
    /// suspended for review (and files a grievance, case ubi-1); an energy
    /// allowance was overpaid, recovered from the next payouts.
    fn casework(&mut self, now: u64, this: &str) -> Result<()> {
        let review = now + 30 * 86_400_000;
        let txs = vec![
            self.tx("programs", "suspend", json!({"agency": "city", "program": "ubi", "account": citizen(RESIDENTS - 1), "reason": "payment_returned", "review_ms": review})),
            self.tx("programs", "record_overpayment", json!({"agency": "city", "program": "energy", "account": citizen(0), "amount": "1000", "reason": "wrong_amount", "period": this})),
            // The suspended enrolee's grievance, filed at the agency's desk
            // (the text stays there; the ledger gets its SHA-256): case ubi-1.
            self.tx("programs", "file_grievance", json!({"program": "ubi", "category": "suspension", "agency": "city", "account": citizen(RESIDENTS - 1),
                "details_hash": publica_crypto::sha256(b"My payment came back because my bank closed my account; here is my new account.").to_hex()})),
            self.tx("programs", "assign_grievance", json!({"agency": "city", "case": "ubi-1", "to": self.admin.account()})),
        ];
        self.phase("casework: a suspension, an overpayment, a grievance", txs)
    }

    /// Heating support, whose income condition the ledger checks without
    /// ever seeing an income: the registry commits to the incomes of
    /// [`HEATING`] residents (each keeps the opening; here the demo holds
    /// them), and those below the threshold are enrolled with
    /// zero-knowledge proofs of it.
    fn private_heating(&mut self, start: u64, end: u64, now: u64, this: &str) -> Result<()> {
        let txs = vec![
            self.tx("money", "open_account", json!({"id": "program:heating", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "heating"}})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:heating", "amount": "1000000"})),
            self.tx("programs", "create_program", json!({
                "agency": "city", "id": "heating", "name": "Heating support (income-tested, privately)", "currency": "EXC",
                "funding_account": "program:heating", "budget_cap": "1000000",
                "attesters": ["registry"], "registry": "registry",
                "attributes": {"resident": "bool"},
                "private_conditions": [{"attribute": "income", "below": HEATING_INCOME_BELOW}],
                "eligibility": "attr.resident",
                "benefit": "params.amount", "params": {"amount": 4000},
                "start_ms": start, "end_ms": end,
            })),
        ];
        self.phase("heating support defined", txs)?;
        let hash = self
            .node
            .with_state(|st, h| publica_programs::queries::summary(st, "heating", h))
            .and_then(|v| v["approval_hash"].as_str().map(str::to_string))
            .ok_or_else(|| anyhow!("demo program heating missing"))?;
        let tx = self.tx(
            "programs",
            "approve",
            json!({"agency": "city", "program": "heating", "hash": hash}),
        );
        self.phase("heating support approved", vec![tx])?;

        let me = self.admin.account();
        let mut openings = vec![];
        let mut txs = vec![];
        for i in 0..HEATING {
            let a = citizen(i);
            let income = 600_000 + 300_000 * i as u64;
            let o = publica_zk::Opening::new(income);
            let c = o.commitment().to_hex();
            let ctx = private::domain_context(&self.chain_id, &a, "income", "registry", &c);
            let proof = publica_zk::prove(&o, publica_zk::Threshold::AtLeast(0), &ctx)
                .map_err(|e| anyhow!("demo domain proof: {e}"))?;
            txs.push(self.tx("programs", "attest_committed", json!({"agency": "registry", "subject": a, "name": "income", "commitment": c, "domain_proof": hex::encode(proof)})));
            openings.push(o);
        }
        self.phase("incomes committed by the registry (never written)", txs)?;

        let secret = publica_crypto::sha256(format!("demo registry secret {now}").as_bytes());
        let below = publica_zk::Threshold::Below(HEATING_INCOME_BELOW);
        let mut txs = vec![];
        let mut paid = vec![];
        for (i, o) in openings
            .iter()
            .enumerate()
            .filter(|(_, o)| below.holds(o.value))
        {
            let a = citizen(i);
            let c = o.commitment().to_hex();
            let ctx =
                private::condition_context(&self.chain_id, "heating", &a, "income", "registry", &c);
            let proof =
                publica_zk::prove(o, below, &ctx).map_err(|e| anyhow!("demo proof: {e}"))?;
            let n = nullifier::derive(secret.as_bytes(), "heating", &format!("person-{i}"));
            let sig = self
                .admin
                .sign(&nullifier::token_bytes(&self.chain_id, "heating", &n, &a));
            txs.push(self.tx("programs", "enrol", json!({"program": "heating", "account": a, "nullifier": n, "registry_signer": me, "registry_signature": sig, "agency": "city", "proofs": [hex::encode(proof)]})));
            paid.push(a);
        }
        self.phase("heating support: enrolled on proofs of income", txs)?;
        // Signed after the enrolments: nonces follow the order of submission.
        let txs = paid
            .into_iter()
            .map(|a| {
                self.tx(
                    "programs",
                    "payout",
                    json!({"agency": "city", "program": "heating", "account": a, "period": this}),
                )
            })
            .collect();
        self.phase("heating support paid", txs)
    }

    /// The medicines agency registers a manufacturer (GS1 demonstration
    /// prefix 9520001), a wholesaler and two pharmacies, each with its
    /// location and a capturing key from a public seed.
    fn medicines_registry(&mut self) -> Result<()> {
        let parties = [
            (
                "pharmaco",
                "PharmaCo Manufacturing",
                "manufacturer",
                vec!["9520001"],
                "9520001000003",
            ),
            (
                "distrib",
                "National Distribution",
                "wholesaler",
                vec![],
                "9520002000002",
            ),
            (
                "pharmacy-north",
                "North Pharmacy",
                "pharmacy",
                vec![],
                "9520003000001",
            ),
            (
                "pharmacy-south",
                "South Pharmacy",
                "pharmacy",
                vec![],
                "9520004000000",
            ),
        ];
        let txs = parties
            .iter()
            .map(|(id, name, kind, prefixes, gln)| {
                let key = public_key_of(&format!("publica demo party {id}")).account();
                self.tx(
                    "medicines",
                    "register_party",
                    json!({"agency": "health", "id": id, "name": name, "kind": kind,
                    "company_prefixes": prefixes, "glns": [gln], "accounts": [key]}),
                )
            })
            .collect();
        self.phase(
            "medicines: a manufacturer, a wholesaler and two pharmacies licensed",
            txs,
        )
    }

    /// A shipment through the demo supply chain, as EPCIS 2.0 events each
    /// signed by its party: PharmaCo commissions 18 packs of lot A1234
    /// and 6 of lot B5678, packs 12 into a case and ships it to the
    /// wholesaler, which receives and unpacks it and ships 6 packs to each
    /// pharmacy; the north pharmacy dispenses one; the medicines agency
    /// recalls lot B5678. Serial 999999 is never commissioned: the
    /// counterfeit the portal's example checks.
    fn medicines_supply(&mut self) -> Result<()> {
        // After the parties' registration: their licences run from then.
        let now = now_ms();
        let sgtin = |n: u32| format!("urn:epc:id:sgtin:{DEMO_PRODUCT}.{n}");
        let case = "urn:epc:id:sscc:9520001.0000000001";
        let time = publica_medicines::hash::format_time(now);
        let ev = |kind: &str, fields: Value| {
            let mut e = json!({"type": kind, "eventTime": time, "eventTimeZoneOffset": "+00:00",
                               "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                            {"cbvmda": "urn:epcglobal:cbv:mda:"}]});
            for (k, v) in fields.as_object().expect("an object") {
                e[k] = v.clone();
            }
            e
        };
        let expiry =
            publica_medicines::hash::format_time(now + 2 * 365 * 86_400_000)[..10].to_string();
        let commission = |serials: std::ops::RangeInclusive<u32>, lot: &str| {
            ev(
                "ObjectEvent",
                json!({"action": "ADD", "bizStep": "commissioning", "disposition": "active",
                "epcList": serials.map(sgtin).collect::<Vec<_>>(),
                "bizLocation": {"id": "urn:epc:id:sgln:9520001.00000.0"},
                "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry}}),
            )
        };
        let ship = |epcs: Vec<String>, to: &str| {
            ev(
                "ObjectEvent",
                json!({"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
                "epcList": epcs, "destinationList": [{"type": "owning_party", "destination": format!("urn:epc:id:pgln:{to}")}]}),
            )
        };
        let receive = |epcs: Vec<String>| {
            ev(
                "ObjectEvent",
                json!({"action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress", "epcList": epcs}),
            )
        };
        let north: Vec<String> = (1..=6).map(sgtin).collect();
        let south: Vec<String> = (7..=12).map(sgtin).collect();
        let steps = [
            ("pharmaco", commission(1..=18, "A1234")),
            ("pharmaco", commission(19..=24, "B5678")),
            (
                "pharmaco",
                ev(
                    "AggregationEvent",
                    json!({"action": "ADD", "bizStep": "packing",
                "parentID": case, "childEPCs": (1..=12).map(sgtin).collect::<Vec<_>>()}),
                ),
            ),
            ("pharmaco", ship(vec![case.to_string()], "9520002.00000")),
            ("distrib", receive(vec![case.to_string()])),
            (
                "distrib",
                ev(
                    "AggregationEvent",
                    json!({"action": "DELETE", "bizStep": "unpacking", "parentID": case}),
                ),
            ),
            ("distrib", ship(north.clone(), "9520003.00000")),
            ("distrib", ship(south.clone(), "9520004.00000")),
            ("pharmacy-north", receive(north)),
            ("pharmacy-south", receive(south)),
            (
                "pharmacy-north",
                ev(
                    "ObjectEvent",
                    json!({"action": "OBSERVE", "bizStep": "dispensing",
                "disposition": "dispensed", "epcList": [sgtin(1)],
                "bizLocation": {"id": "urn:epc:id:sgln:9520003.00000.0"}}),
                ),
            ),
        ];
        for (party, event) in steps {
            let kp = public_key_of(&format!("publica demo party {party}"));
            self.as_holder(&kp, "medicines", "capture", json!({ "event": event }))?;
        }
        let recall = self.tx(
            "medicines",
            "recall",
            json!({"agency": "health", "id": "recall-b5678", "gtin": DEMO_GTIN, "lot": "B5678",
                   "reason": "Out-of-specification dissolution test (batch record review)"}),
        );
        self.phase(
            "medicines: 24 packs commissioned, shipped in a case through the wholesaler to two pharmacies, one dispensed, lot B5678 recalled",
            vec![recall],
        )?;
        self.check_medicines(now)
    }

    /// Each capture of the demo's shipment was waited for, not judged: the
    /// packs' verdicts are.
    fn check_medicines(&self, now: u64) -> Result<()> {
        use publica_runtime::routes::ReadView;
        let sgtin = |n: u32| format!("urn:epc:id:sgtin:{DEMO_PRODUCT}.{n}");
        let view = self.node.read_view();
        let verdict = |n: u32| {
            let id = publica_medicines::gs1::parse(&sgtin(n)).expect("a demo number");
            publica_medicines::queries::verify(view.state(), &id, now)
        };
        let codes =
            |n: u32| -> Vec<&'static str> { verdict(n).problems.iter().map(|p| p.code).collect() };
        let (sold, fine, recalled) = (codes(1), verdict(2), codes(19));
        if sold != ["dispensed"]
            || !fine.authentic
            || fine.custodian.as_deref() != Some("pharmacy-north")
            || recalled != ["recalled"]
        {
            bail!(
                "demo medicines: unexpected verdicts {sold:?} {:?} {recalled:?}",
                fine.problems
            );
        }
        Ok(())
    }

    /// A scholarship run by the city: eligibility is an enrolment
    /// credential, verified against the ledger by the scholarship officer
    /// and attested (by its hash, never its content); the grant is
    /// earmarked for tuition and study materials, spendable only at the
    /// merchants the city accredited for them (the university's bursar, a
    /// campus bookshop) and swept back to the fund when unspent at expiry.
    /// The first citizen presents `enrolment-0.json`, is paid this month's
    /// grant and pays part of the tuition.
    fn scholarship(&mut self, now: u64, this: &str, data_dir: &std::path::Path) -> Result<()> {
        let bursar = public_key_of("publica demo merchant university-bursar");
        let bookshop = public_key_of("publica demo merchant campus-bookshop");
        let height = self.node.status().height;
        let mut txs = vec![
            self.tx("money", "open_account", json!({"id": "program:scholarship", "currency": "EXC", "agency": "city", "owner": {"kind": "program", "agency": "city", "program": "scholarship"}})),
            self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "program:scholarship", "amount": "10000000"})),
        ];
        for (kp, id, category) in [
            (&bursar, "m.university-bursar", "tuition"),
            (&bookshop, "m.campus-bookshop", "study-materials"),
        ] {
            txs.push(self.tx(
                "identity",
                "grant_role",
                json!({"agency": "city", "account": kp.account(), "role": "merchant"}),
            ));
            txs.push(self.tx("money", "accredit_merchant", json!({"agency": "city", "currency": "EXC", "merchant": kp.account(), "categories": [category]})));
            txs.push(self.tx("money", "open_account", json!({"id": id, "currency": "EXC", "agency": "city", "owner": {"kind": "merchant", "account": kp.account(), "agency": "city", "category": category}})));
        }
        txs.push(self.tx("programs", "create_program", json!({
            "agency": "city", "id": "scholarship", "name": "Study grant for enrolled students", "currency": "EXC",
            "funding_account": "program:scholarship", "budget_cap": "10000000",
            "attesters": ["city"], "registry": "registry",
            "attributes": {"enrolled": "bool", "enrolled_at": "string"},
            "eligibility": "attr.enrolled",
            "benefit": "params.monthly_grant",
            "params": {"monthly_grant": 60000},
            // Spendable for about a year of blocks, then swept back.
            "earmark": {"categories": ["tuition", "study-materials"], "expires_height": height + 30_000_000},
            "start_ms": period::start_ms(this).expect("valid"), "end_ms": now + 365 * 86_400_000,
        })));
        self.phase("scholarship: fund, accredited merchants, program", txs)?;
        let hash = self
            .node
            .with_state(|st, h| publica_programs::queries::summary(st, "scholarship", h))
            .and_then(|v| v["approval_hash"].as_str().map(str::to_string))
            .ok_or_else(|| anyhow!("demo program scholarship missing"))?;
        let student = citizen_key(0);
        let me = self.admin.account();
        let secret = publica_crypto::sha256(format!("demo registry secret {now}").as_bytes());
        let n = nullifier::derive(secret.as_bytes(), "scholarship", "person-0");
        let sig = self.admin.sign(&nullifier::token_bytes(
            &self.chain_id,
            "scholarship",
            &n,
            &student.account(),
        ));
        let approve = self.tx(
            "programs",
            "approve",
            json!({"agency": "city", "program": "scholarship", "hash": hash}),
        );
        self.phase("scholarship approved", vec![approve])?;
        // The officer verifies the presented credential against the ledger
        // (as `publica programs attest-credential` does) and attests it.
        let file = data_dir.join("demo-credentials").join("enrolment-0.json");
        let credential: Value = serde_json::from_slice(&std::fs::read(&file)?)?;
        let report = self
            .node
            .with_state(|st, _| {
                serde_json::to_value(publica_credentials::verify::credential(
                    st,
                    now,
                    &credential,
                    "education",
                ))
                .ok()
            })
            .ok_or_else(|| anyhow!("demo: the enrolment credential's report"))?;
        let claims = crate::credentials::enrolment_claims(&report, &credential)
            .map_err(|e| anyhow!("demo enrolment credential: {e}"))?;
        // Eligible once attested: then enrolled, then paid.
        let txs = vec![
            self.tx("programs", "attest", json!({"agency": "city", "subject": student.account(), "claims": claims.claims, "expires_ms": claims.expires_ms})),
            self.tx("programs", "enrol", json!({"program": "scholarship", "account": student.account(), "nullifier": n, "registry_signer": me, "registry_signature": sig, "agency": "city"})),
            self.tx("programs", "payout", json!({"agency": "city", "program": "scholarship", "account": student.account(), "period": this})),
        ];
        self.phase("scholarship: enrolment credential verified and attested; the student enrolled and paid this month's grant", txs)?;
        let from = publica_money::model::benefit_account_id("scholarship", &student.account());
        self.as_holder(&student, "money", "transfer", json!({"from": from, "to": "m.university-bursar", "amount": "45000", "reference": "tuition 2026-2027"}))?;
        eprintln!("publica demo: scholarship: the student paid 450.00 EXC of tuition from the earmarked grant — GET /v1/money/accounts/{from}");
        Ok(())
    }

    /// The university certifies the first citizen's enrolment for this
    /// academic year, signed with `eddsa-rdfc-2022` (Publica's context):
    /// `<dir>/enrolment-0.json`, what a student presents for a scholarship.
    fn enrolment_credential(&mut self, now: u64, dir: &std::path::Path, base: &str) -> Result<()> {
        let day = 86_400_000;
        let (holder, _) = publica_credentials::di::did_key_of(&citizen(0));
        let claims = json!({"programme": "BSc Computer Science", "academic_year": "2026-2027", "study_mode": "full-time"});
        let mut doc = crate::credentials::credential(
            "university",
            publica_credentials::model::CredentialKind::Enrolment,
            &holder,
            &claims,
            &period::timestamp(now - 30 * day),
            Some(&period::timestamp(now + 300 * day)),
            "urn:uuid:00000000-0000-4000-8000-0000000000e0",
            &[("revocation".into(), "revocation".into(), 100)],
            base,
        )?;
        if let Some(ctx) = doc["@context"].as_array_mut() {
            ctx.push(json!(publica_credentials::verify::PUBLICA_V1));
        }
        let method = format!("did:publica:{}#key-1", self.admin.account());
        let signed = publica_credentials::di::sign_with(
            publica_credentials::di::Suite::Rdfc,
            &doc,
            &self.admin,
            &method,
            &period::timestamp(now),
            &publica_credentials::di::held,
        )
        .map_err(|e| anyhow!("demo enrolment: {e}"))?;
        std::fs::write(
            dir.join("enrolment-0.json"),
            crate::client::pretty(&signed) + "\n",
        )?;
        Ok(())
    }

    /// The ministry accredits the university for degrees, transcripts and
    /// enrolment; the university issues three diplomas to demo citizens
    /// (written to `<data>/demo-credentials/`) and revokes the third.
    fn diplomas(&mut self, now: u64, data_dir: &std::path::Path, base: &str) -> Result<()> {
        let year = 365 * 86_400_000;
        let grant = json!({"change": "grant", "kinds": ["degree", "transcript", "enrolment"], "from_ms": now - 4 * year, "until_ms": now + 3 * year});
        let tx = self.tx(
            "credentials",
            "propose_accreditation",
            json!({"agency": "education", "institution": "university", "change": grant}),
        );
        self.phase("the university's accreditation proposed", vec![tx])?;
        let hash = publica_credentials::change_hash(
            "education",
            "university",
            &serde_json::from_value(grant).expect("a grant"),
        );
        let txs = vec![
            self.tx("credentials", "approve_accreditation", json!({"agency": "education", "institution": "university", "hash": hash})),
            self.tx("credentials", "create_status_list", json!({"agency": "university", "id": "revocation", "purpose": "revocation", "size": 131_072})),
            // Its did:web domain: GET /v1/credentials/did-web/university.example.
            self.tx("credentials", "set_domain", json!({"agency": "university", "domain": "university.example"})),
        ];
        self.phase("the university accredited; its status list created", txs)?;
        let dir = data_dir.join("demo-credentials");
        std::fs::create_dir_all(&dir)?;
        let from = period::timestamp(now - 30 * 86_400_000);
        let method = format!("did:publica:{}#key-1", self.admin.account());
        for (i, name) in ["BSc Computer Science", "MSc Public Policy", "BA History"]
            .iter()
            .enumerate()
        {
            let (holder, _) = publica_credentials::di::did_key_of(&citizen(i));
            let claims = json!({"type": ["AchievementSubject"], "achievement": {"id": format!("{base}/achievements/{i}"), "type": ["Achievement"], "name": name, "criteria": {"narrative": "Completed the programme of study."}}});
            let doc = crate::credentials::credential(
                "university",
                publica_credentials::model::CredentialKind::Degree,
                &holder,
                &claims,
                &from,
                None,
                &format!("urn:uuid:00000000-0000-4000-8000-00000000000{i}"),
                &[("revocation".into(), "revocation".into(), i as u64)],
                base,
            )?;
            let signed =
                publica_credentials::di::sign(&doc, &self.admin, &method, &period::timestamp(now))
                    .map_err(|e| anyhow!("demo diploma: {e}"))?;
            std::fs::write(
                dir.join(format!("diploma-{i}.json")),
                crate::client::pretty(&signed) + "\n",
            )?;
        }
        self.enrolment_credential(now, &dir, base)?;
        let first: Value = serde_json::from_slice(&std::fs::read(dir.join("diploma-0.json"))?)?;
        let hash =
            publica_credentials::credential_hash(&first).map_err(|e| anyhow!("demo: {e}"))?;
        let txs = vec![
            self.tx("credentials", "set_status", json!({"agency": "university", "list": "revocation", "indexes": [2], "status": true})),
            // The school, as a second institution, recognises the first diploma.
            self.tx("credentials", "record_recognition", json!({"agency": "school", "credential_hash": hash, "issuer": "university", "kind": "degree", "credits_accepted": 180, "programme": "teacher-training"})),
        ];
        self.phase(
            "diplomas issued; the third revoked; the first recognised",
            txs,
        )?;
        eprintln!(
            "publica demo: diplomas in {}: publica verify credential {}/diploma-0.json --accreditor education --node {base}",
            dir.display(),
            dir.display()
        );
        Ok(())
    }

    /// The energy allowance is paid on demand by the program officer.
    fn pay_energy(&mut self, this: &str) -> Result<()> {
        let mut txs = vec![];
        for i in 0..ENERGY {
            txs.push(self.tx(
                "programs",
                "payout",
                json!({"agency": "city", "program": "energy", "account": citizen(i), "period": this}),
            ));
        }
        self.phase("energy allowance payouts", txs)
    }
}

/// Lets the UBI schedule catch up (at most 1,000 payouts per block), for
/// at most a minute.
fn wait_for_schedule(node: &Node) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let due = node.with_state(|st, h| {
            publica_programs::queries::summary(st, "ubi", h)
                .and_then(|v| v["schedule"]["next_due_ms"].as_u64())
        });
        if due.is_some_and(|d| d > now_ms()) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Prints each program's enrolment, payments and remaining budget.
fn print_programs(node: &Node) -> Result<()> {
    for id in ["cct", "ubi", "energy", "heating", "scholarship"] {
        let v = node
            .with_state(|st, h| publica_programs::queries::summary(st, id, h))
            .ok_or_else(|| anyhow!("demo program {id} missing"))?;
        eprintln!(
            "publica demo: {id}: {} enrolled, {} paid over {} periods, {} left — GET /v1/programs/{id}",
            v["enrolled"], v["paid_total"], v["periods"].as_array().map(std::vec::Vec::len).unwrap_or(0), v["remaining_budget"]
        );
    }
    Ok(())
}
