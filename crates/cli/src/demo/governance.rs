//! The demo's local governance: the city's community "north" (twelve
//! citizens, topics parks and transport, a treasury of 10,000.00 EXC);
//! delegations, a chain among them; a proposal that pays for benches,
//! closing twenty seconds after seeding and paid once its veto window is
//! over; another open for a month; a budgeting round open for a month
//! with ballots, and a short one that closes, waits out its objection
//! window and pays its winners.

use super::{citizen_key, Seeder};
use anyhow::Result;
use publica_crypto::Keypair;
use publica_types::{now_ms, Envelope, Expiry, TxBody};
use serde_json::{json, Value};

/// Citizens in the demo community.
const MEMBERS: usize = 12;
/// How long the short proposal and round stay open.
const SHORT_MS: u64 = 20_000;
const MONTH_MS: u64 = 30 * 86_400_000;

fn scope(mut args: Value) -> Value {
    args["agency"] = json!("city");
    args["community"] = json!("north");
    args
}

impl Seeder<'_> {
    fn as_citizen(&self, kp: &Keypair, method: &str, args: Value) -> Envelope {
        let nonce = self.node.nonces(&kp.account()).0 + 1;
        let body = TxBody::new(
            &self.chain_id,
            nonce,
            Expiry::Height(1 << 40),
            "governance",
            method,
            scope(args),
        );
        kp.sign_tx(kp.account(), body)
            .expect("demo bodies are canonical")
    }

    /// One transaction per citizen named, all together.
    fn citizens(&mut self, what: &str, calls: &[(usize, &str, Value)]) -> Result<()> {
        // One call per citizen at a time: each signs with its next nonce.
        let mut rest: Vec<(usize, &str, Value)> = calls.to_vec();
        while !rest.is_empty() {
            let mut batch = Vec::new();
            let mut later = Vec::new();
            for (who, method, args) in rest {
                if batch
                    .iter()
                    .any(|(_, k): &(Envelope, Keypair)| k.account() == citizen_key(who).account())
                {
                    later.push((who, method, args));
                } else {
                    let kp = citizen_key(who);
                    batch.push((self.as_citizen(&kp, method, args), kp));
                }
            }
            self.together(what, batch)?;
            rest = later;
        }
        Ok(())
    }

    pub(super) fn governance_demo(&mut self) -> Result<()> {
        let members: Vec<_> = (1..=MEMBERS).map(|i| citizen_key(i).account()).collect();
        let mut txs = vec![self.tx(
            "money",
            "open_account",
            json!({"id": "gov:north", "currency": "EXC", "agency": "city",
            "owner": {"kind": "program", "agency": "city", "program": "governance:north"}}),
        )];
        for id in ["city:parks", "city:library", "city:transport"] {
            txs.push(self.tx(
                "money",
                "open_account",
                json!({"id": id, "currency": "EXC", "agency": "city",
                "owner": {"kind": "agency", "agency": "city"}}),
            ));
        }
        txs.push(self.tx("money", "mint", json!({"agency": "city", "currency": "EXC", "appropriation": "welfare", "to": "gov:north", "amount": "1000000"})));
        txs.push(self.tx(
            "governance",
            "create_community",
            json!({"agency": "city", "id": "north", "title": "north-district",
            "topics": ["parks", "transport"], "account": "gov:north", "currency": "EXC"}),
        ));
        txs.push(self.tx("governance", "enrol", scope(json!({"members": members}))));
        self.phase("a community with its treasury and members", txs)?;
        let to = |i: usize| json!(citizen_key(i).account());
        self.citizens(
            "delegations",
            &[
                (2, "delegate", json!({"topic": "parks", "to": to(1)})),
                (3, "delegate", json!({"topic": "parks", "to": to(2)})),
                (4, "delegate", json!({"topic": "parks", "to": to(1)})),
                (6, "delegate", json!({"topic": "transport", "to": to(5)})),
                (7, "delegate", json!({"topic": "transport", "to": to(5)})),
            ],
        )?;
        let now = now_ms();
        let text = |t: &str| hex::encode(publica_crypto::sha256(t.as_bytes()).as_bytes());
        self.citizens(
            "proposals",
            &[
                (1, "propose", json!({"id": "benches", "topic": "parks", "title": "benches-in-north-park",
                    "text_hash": text("Twelve new benches in North Park, 500.00 EXC."),
                    "actions": [{"kind": "pay", "to": "city:parks", "amount": "50000", "reference": "proposal:benches"}],
                    "closes_ms": now + SHORT_MS, "veto_ms": 5_000, "quorum_pct": 25})),
                (5, "propose", json!({"id": "night-bus", "topic": "transport", "title": "night-bus-line",
                    "text_hash": text("A night bus through the north district, 1,200.00 EXC for a trial year."),
                    "actions": [{"kind": "pay", "to": "city:transport", "amount": "120000", "reference": "proposal:night-bus"}],
                    "closes_ms": now + MONTH_MS, "veto_ms": 7 * 86_400_000, "quorum_pct": 30})),
            ],
        )?;
        let projects = |list: &[(&str, &str, u64, &str)]| -> Value {
            list.iter()
                .map(|(id, title, cost, payee)| json!({"id": id, "title": title, "cost": cost.to_string(), "payee": payee}))
                .collect()
        };
        let rounds = vec![
            self.tx("governance", "open_round", scope(json!({"id": "pb-2027", "title": "pb-2027", "budget": "300000",
                "projects": projects(&[("park", "park-renewal", 150_000, "city:parks"), ("library", "library-sundays", 120_000, "city:library"),
                    ("bikes", "bike-lanes", 90_000, "city:transport"), ("playground", "playground", 60_000, "city:parks")]),
                "rule": "mes-greedy", "closes_ms": now + MONTH_MS, "objection_ms": 14 * 86_400_000}))),
            self.tx("governance", "open_round", scope(json!({"id": "pb-spring", "title": "pb-spring", "budget": "100000",
                "projects": projects(&[("fountain", "fountain", 60_000, "city:parks"), ("reading-room", "reading-room", 50_000, "city:library"),
                    ("bike-racks", "bike-racks", 40_000, "city:transport")]),
                "rule": "mes-greedy", "closes_ms": now + SHORT_MS, "objection_ms": 5_000}))),
        ];
        self.phase("budgeting rounds opened", rounds)?;
        self.governance_votes()
    }

    /// Votes on the proposals and ballots in the rounds.
    fn governance_votes(&mut self) -> Result<()> {
        let vote = |p: &str, c: &str| json!({"proposal": p, "choice": c});
        let pb = |r: &str, a: &[&str]| json!({"round": r, "approvals": a});
        self.citizens(
            "votes and ballots",
            &[
                (1, "vote", vote("benches", "yes")),
                (5, "vote", vote("benches", "no")),
                (8, "vote", vote("benches", "yes")),
                (5, "vote", vote("night-bus", "yes")),
                (9, "vote", vote("night-bus", "no")),
                (1, "approve_projects", pb("pb-spring", &["fountain"])),
                (2, "approve_projects", pb("pb-spring", &["fountain"])),
                (
                    3,
                    "approve_projects",
                    pb("pb-spring", &["fountain", "bike-racks"]),
                ),
                (
                    4,
                    "approve_projects",
                    pb("pb-spring", &["reading-room", "bike-racks"]),
                ),
                (5, "approve_projects", pb("pb-spring", &["bike-racks"])),
                (
                    1,
                    "approve_projects",
                    pb("pb-2027", &["park", "playground"]),
                ),
                (2, "approve_projects", pb("pb-2027", &["park", "bikes"])),
                (3, "approve_projects", pb("pb-2027", &["library", "bikes"])),
                (
                    6,
                    "approve_projects",
                    pb("pb-2027", &["bikes", "playground"]),
                ),
                (7, "approve_projects", pb("pb-2027", &["library"])),
            ],
        )
    }
}
