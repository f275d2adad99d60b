//! An election authority, guardians and voters on an in-memory chain.

use publica_crypto::seal::SealKey;
use publica_crypto::Keypair;
use publica_elections::anonymous::Member;
use publica_elections::ceremony::Dealer;
use publica_elections::group::Scalar;
use publica_elections::model::{voter_leaf, Contest, Election, Guardian};
use publica_elections::verify::ElectionRecord;
use publica_elections::{ballot, guardian, Elections};
use publica_identity::{Genesis, Identity};
use publica_log::MerkleLog;
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

pub const T0: u64 = 1_800_000_000_000;
pub const CLOSES: u64 = T0 + 3_600_000;

pub struct World {
    pub c: TestChain,
    pub officer: Keypair,
    pub guardians: Vec<(Keypair, SealKey)>,
    pub secrets: Vec<Scalar>,
    pub dealers: Vec<Dealer>,
    pub voters: Vec<Keypair>,
    pub census: MerkleLog,
    pub id: String,
}

pub fn contests() -> Vec<Contest> {
    vec![
        Contest {
            id: "mayor".into(),
            selections: vec!["ada".into(), "ben".into(), "cy".into()],
            limit: 1,
        },
        Contest {
            id: "council".into(),
            selections: vec!["d".into(), "e".into(), "f".into(), "g".into()],
            limit: 2,
        },
    ]
}

impl World {
    /// An election `id` with `n` guardians, threshold `t` and `voters`
    /// in its census, published (ceremony not yet run).
    pub fn new(n: usize, t: u32, voters: usize) -> World {
        World::new_with(n, t, voters, None)
    }

    /// As [`World::new`], with an anonymous census of rings of `ring`
    /// when given.
    pub fn new_with(n: usize, t: u32, voters: usize, ring: Option<u64>) -> World {
        let admin = Keypair::generate();
        let genesis = Genesis::of_agencies(TEST_CHAIN, &["city"], admin.account());
        let mut rt = Runtime::new();
        rt.register(Box::new(Identity));
        rt.register(Box::new(Elections));
        rt.register(Box::new(publica_money::Money));
        rt.register(Box::new(publica_elections::governance::Governance));
        let mut c = TestChain::new(rt, genesis.initial_state());
        c.time_ms = T0 - 60_000;
        let officer = Keypair::generate();
        c.call(
            &admin,
            "identity",
            "add_member",
            json!({"agency": "city", "account": officer.account(),
                "roles": ["election_officer", "treasurer", "program_officer"]}),
        )
        .unwrap();
        let id = "municipal".to_string();
        let voters: Vec<Keypair> = (0..voters).map(|_| Keypair::generate()).collect();
        let mut census = MerkleLog::new();
        for v in &voters {
            census.append(publica_log::hash::leaf_hash(&voter_leaf(&id, &v.account())));
        }
        let guardians: Vec<(Keypair, SealKey)> = (0..n)
            .map(|_| (Keypair::generate(), SealKey::generate()))
            .collect();
        let mut w = World {
            c,
            officer,
            guardians,
            secrets: vec![],
            dealers: vec![],
            voters,
            census,
            id,
        };
        let census = match ring {
            Some(r) => {
                json!({"census": {"root": w.census.root().to_hex(), "size": w.census.len(), "ring": r}})
            }
            None => json!({}),
        };
        w.create_with(t, census).unwrap();
        w
    }

    pub fn create(&mut self, t: u32) -> Result<(), Rejected> {
        self.create_with(t, json!({}))
    }

    /// Publishes with `extra` fields added to the arguments.
    pub fn create_with(&mut self, t: u32, extra: Value) -> Result<(), Rejected> {
        let guardians: Vec<Guardian> = self
            .guardians
            .iter()
            .map(|(k, s)| Guardian {
                account: k.account(),
                seal_key: hex::encode(s.public()),
            })
            .collect();
        let args = json!({"agency": "city", "id": self.id, "title": "municipal-2027", "contests": contests(),
            "guardians": guardians, "threshold": t, "opens_ms": T0, "closes_ms": CLOSES,
            "census": {"root": self.census.root().to_hex(), "size": self.census.len()}});
        let mut args = args;
        for (k, v) in extra.as_object().into_iter().flatten() {
            args[k] = v.clone();
        }
        self.c.call(&self.officer, "elections", "create", args)
    }

    pub fn election(&self) -> Election {
        serde_json::from_value(
            self.c
                .get(&format!("elections/election/{}", self.id))
                .unwrap(),
        )
        .unwrap()
    }

    /// Every guardian commits, then opens the others' shares.
    pub fn ceremony(&mut self) {
        self.commit_all();
        self.open_secrets();
    }

    /// Every guardian sends its ceremony message.
    pub fn commit_all(&mut self) {
        let e = self.election();
        let h_m: [u8; 32] = hex::decode(&e.manifest_hash).unwrap().try_into().unwrap();
        self.dealers = (0..e.guardians.len())
            .map(|_| Dealer::new(e.threshold as usize))
            .collect();
        for (i, d) in self.dealers.iter().enumerate() {
            let n = i as u32 + 1;
            let m = guardian::message(d, &e.id, &h_m, n, &e.guardians).unwrap();
            let mut args = serde_json::to_value(&m).unwrap();
            args["election"] = json!(e.id);
            args["guardian"] = json!(n);
            self.c
                .call(&self.guardians[i].0, "elections", "commit", args)
                .unwrap();
        }
    }

    /// The ceremony messages on the ledger, in guardian order.
    pub fn messages(&self) -> Vec<publica_elections::model::Commitment> {
        (1..=self.guardians.len())
            .map(|n| {
                let m = self.c.get(&format!("elections/commitment/{}/{n}", self.id));
                serde_json::from_value(m.unwrap()).unwrap()
            })
            .collect()
    }

    /// Each guardian's decryption secret, from the shares sent or revealed
    /// to it by the qualified dealers.
    pub fn open_secrets(&mut self) {
        let (e, messages) = (self.election(), self.messages());
        self.secrets = self
            .guardians
            .iter()
            .enumerate()
            .map(|(i, (_, seal))| {
                guardian::secret(&self.dealers[i], seal, &e, i as u32 + 1, &messages).unwrap()
            })
            .collect();
    }

    pub fn census_proof(&self, voter: usize) -> Value {
        let path = self
            .census
            .inclusion_proof(voter as u64, self.census.len())
            .unwrap();
        json!({"index": voter, "path": path.iter().map(publica_types::Hash32::to_hex).collect::<Vec<_>>()})
    }

    pub fn keys(&self) -> (publica_elections::group::Point, [u8; 32]) {
        let e = self.election();
        let key = publica_elections::group::point_from_hex(e.key.as_deref().unwrap()).unwrap();
        let base = hex::decode(e.base_hash.unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        (key, base)
    }

    /// Voter `v` casts `choices`; answers the tracking code.
    pub fn cast(&mut self, v: usize, choices: &[Vec<u64>]) -> Result<String, Rejected> {
        let (key, base) = self.keys();
        let account = self.voters[v].account();
        let (b, _) = ballot::encrypt(&base, &key, &contests(), &account, choices).unwrap();
        let code = ballot::tracking_code(&base, &account, &b);
        let args = json!({"election": self.id, "ballot": b, "census": self.census_proof(v)});
        self.c
            .call(&self.voters[v], "elections", "cast", args)
            .map(|()| code)
    }

    /// A community `north` (topics `parks`, `transport`) of the agency,
    /// with a treasury, whose members are the voters `members`.
    pub fn community(&mut self, members: std::ops::Range<usize>) {
        let o = &self.officer;
        let c = &mut self.c;
        c.call(o, "money", "create_currency", json!({"agency": "city", "code": "EUR", "name": "Euro", "decimals": 2, "supply_cap": "1000000"})).unwrap();
        c.call(
            o,
            "money",
            "open_account",
            json!({"id": "gov:north", "currency": "EUR", "agency": "city",
            "owner": {"kind": "program", "agency": "city", "program": "governance:north"}}),
        )
        .unwrap();
        c.call(
            o,
            "governance",
            "create_community",
            json!({"agency": "city", "id": "north", "title": "north-district",
            "topics": ["parks", "transport"], "account": "gov:north", "currency": "EUR"}),
        )
        .unwrap();
        let accounts: Vec<_> = self.voters[members].iter().map(Keypair::account).collect();
        c.call(
            o,
            "governance",
            "enrol",
            json!({"agency": "city", "community": "north", "members": accounts}),
        )
        .unwrap();
    }

    /// Voter `from` delegates `topic` to voter `to` in `north`.
    pub fn delegate(&mut self, from: usize, to: usize, topic: &str) -> Result<(), Rejected> {
        let args = json!({"agency": "city", "community": "north", "topic": topic,
            "to": self.voters[to].account()});
        self.c
            .call(&self.voters[from], "governance", "delegate", args)
    }

    /// Voter `v` registers in the anonymous census.
    pub fn register(&mut self, v: usize) -> Result<(), Rejected> {
        let e = self.election();
        let secret = Member::secret_for(&self.voters[v].seed(), &e);
        let args =
            Member::registration(&secret, &e, &self.voters[v].account(), self.census_proof(v));
        self.c.call(&self.voters[v], "elections", "register", args)
    }

    /// Voter `v`'s membership of the anonymous census.
    pub fn member(&self, v: usize) -> (Member, Vec<String>) {
        let e = self.election();
        let secret = Member::secret_for(&self.voters[v].seed(), &e);
        let commitments: Vec<String> = self
            .c
            .indexed(&format!("elections/members/{}", self.id))
            .iter()
            .map(|m| m["commitment"].as_str().unwrap().to_owned())
            .collect();
        let mine = Member::commitment(&secret);
        let index = commitments.iter().position(|c| *c == mine).unwrap_or(0) as u64;
        (Member { secret, index }, commitments)
    }

    /// The arguments of voter `v`'s anonymous ballot of `choices`, and
    /// its tracking code.
    pub fn anonymous_ballot(&self, v: usize, choices: &[Vec<u64>]) -> (Value, String) {
        let (key, base) = self.keys();
        let e = self.election();
        let (m, commitments) = self.member(v);
        let voter = m.pseudonym(&e);
        let (b, nonces) = ballot::encrypt(&base, &key, &contests(), &voter, choices).unwrap();
        let code = ballot::tracking_code(&base, &voter, &b);
        // The nullifier's last ballot, which this one replaces.
        let last = self
            .c
            .get(&format!("elections/ballot/{}/{}", self.id, voter.to_hex()))
            .map(|b| b["tracking"].as_str().unwrap().to_owned());
        let member = m
            .prove(&e, &base, &commitments, (&code, last.as_deref()))
            .unwrap();
        let nonces: Vec<Vec<String>> = nonces
            .iter()
            .map(|r| r.iter().map(publica_elections::group::scalar_hex).collect())
            .collect();
        (
            json!({"election": self.id, "ballot": b, "member": member, "nonces": nonces}),
            code,
        )
    }

    /// Voter `v` casts `choices` anonymously, signed by a fresh key;
    /// answers the tracking code.
    pub fn cast_anonymous(&mut self, v: usize, choices: &[Vec<u64>]) -> Result<String, Rejected> {
        let (mut args, code) = self.anonymous_ballot(v, choices);
        args.as_object_mut().unwrap().remove("nonces");
        self.c
            .call(&Keypair::generate(), "elections", "cast", args)
            .map(|()| code)
    }

    pub fn close(&mut self) {
        self.c.time_ms = self.c.time_ms.max(CLOSES);
    }

    /// Guardian `n` (from 1) posts its partial decryption.
    pub fn decrypt(&mut self, n: u32) -> Result<(), Rejected> {
        let (_, base) = self.keys();
        // With delegation, the sum weighted at the close.
        let aggregate: Vec<Vec<[String; 2]>> = serde_json::from_value(
            self.c
                .get(&format!("elections/weighted/{}", self.id))
                .or_else(|| self.c.get(&format!("elections/aggregate/{}", self.id)))
                .unwrap(),
        )
        .unwrap();
        let shares =
            guardian::decrypt(&base, &aggregate, n, &self.secrets[n as usize - 1]).unwrap();
        let args = json!({"election": self.id, "guardian": n, "shares": shares});
        self.c.call(
            &self.guardians[n as usize - 1].0,
            "elections",
            "decrypt",
            args,
        )
    }

    pub fn outcome(&self) -> Option<Vec<Vec<u64>>> {
        self.c
            .get(&format!("elections/outcome/{}", self.id))
            .map(|o| serde_json::from_value(o["counts"].clone()).unwrap())
    }

    /// The election record as the API assembles it.
    pub fn record(&self) -> ElectionRecord {
        let e = self.election();
        let commitments: Vec<Value> = (1..=e.guardians.len())
            .map(|n| {
                self.c
                    .get(&format!("elections/commitment/{}/{n}", self.id))
                    .unwrap()
            })
            .collect();
        let partials = e.decrypted.iter().map(|n| json!({"guardian": n, "shares": self.c.get(&format!("elections/partial/{}/{n}", self.id)).unwrap()})).collect::<Vec<_>>();
        let record = json!({
            "chain_id": e.chain_id, "election": e, "commitments": commitments,
            "members": self.c.indexed(&format!("elections/members/{}", self.id)),
            "ballots": self.c.indexed(&format!("elections/ballots/{}", self.id)),
            "challenged": self.c.indexed(&format!("elections/challenged/{}", self.id)),
            "partials": partials, "outcome": self.c.get(&format!("elections/outcome/{}", self.id)),
            "weighting": self.c.get(&format!("elections/weighting/{}", self.id)),
        });
        serde_json::from_value(record).unwrap()
    }
}
