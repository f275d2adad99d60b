//! The demo's election: a city referendum and a mayoral contest, three
//! guardians of whom two decrypt, twenty citizens in an anonymous census
//! (rings of eight) who register before it opens and vote under their
//! nullifiers, each ballot sent by a key used once; one re-votes, one
//! challenges a ballot; the result published. `publica election verify
//! --election city-2027` checks it all.

use super::{citizen_key, public_key_of, Seeder};
use anyhow::{anyhow, bail, Result};
use publica_crypto::seal::SealKey;
use publica_crypto::Keypair;
use publica_elections::anonymous::Member;
use publica_elections::ceremony::Dealer;
use publica_elections::group::{point_from_hex, scalar_hex};
use publica_elections::model::{
    member_key, voter_leaf, Commitment, Contest, Election, Guardian, Registration,
};
use publica_elections::{ballot, guardian};
use publica_log::MerkleLog;
use publica_types::{now_ms, Envelope, Expiry, TxBody};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The demo election's id.
pub const DEMO_ELECTION: &str = "city-2027";
/// The demo's election with delegation (the north community's parks
/// delegations weigh its secret ballots).
pub const DELEGATED_ELECTION: &str = "north-parks";
/// Members of the north community in its census (as enrolled by the
/// governance demo).
const DELEGATED_VOTERS: usize = 12;
/// Citizens in its census.
const VOTERS: usize = 20;
/// How long registration stays open once published.
const REGISTRATION_MS: u64 = 4_000;
/// How long its window stays open.
const WINDOW_MS: u64 = 5_000;
/// The anonymous census's ring size.
const RING: u64 = 8;

fn contests() -> Vec<Contest> {
    vec![
        Contest {
            id: "mayor".into(),
            selections: vec!["okafor".into(), "lindqvist".into(), "moreau".into()],
            limit: 1,
        },
        Contest {
            id: "tram-line".into(),
            selections: vec!["yes".into(), "no".into()],
            limit: 1,
        },
    ]
}

/// The census of `voters` for election `id`.
fn census_of(id: &str, voters: &[Keypair]) -> MerkleLog {
    let mut census = MerkleLog::new();
    for v in voters {
        census.append(publica_log::hash::leaf_hash(&voter_leaf(id, &v.account())));
    }
    census
}

/// A demo guardian's key (public seed: a demo only).
fn guardian_key(n: usize) -> Keypair {
    public_key_of(&format!("publica demo guardian {n}"))
}

impl Seeder<'_> {
    fn signed(&self, kp: &Keypair, method: &str, args: Value) -> Envelope {
        let nonce = self.node.nonces(&kp.account()).0 + 1;
        let body = TxBody::new(
            &self.chain_id,
            nonce,
            Expiry::Height(1 << 40),
            "elections",
            method,
            args,
        );
        kp.sign_tx(kp.account(), body)
            .expect("demo bodies are canonical")
    }

    /// Submits transactions of several signers and waits for them all.
    pub(super) fn together(&mut self, what: &str, txs: Vec<(Envelope, Keypair)>) -> Result<()> {
        let envs: Vec<Envelope> = txs.iter().map(|(e, _)| e.clone()).collect();
        for r in self.node.submit(envs) {
            r.map_err(|e| anyhow!("demo {what}: {} {}", e.code, e.message))?;
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        for (e, kp) in &txs {
            while self.node.nonces(&kp.account()).0 < e.body.nonce {
                if Instant::now() > deadline {
                    bail!("demo {what}: not committed within 120 s");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let envs: Vec<Envelope> = txs.into_iter().map(|(e, _)| e).collect();
        self.succeeded(what, &envs)?;
        eprintln!("publica demo: {what} ({} transactions)", envs.len());
        Ok(())
    }

    fn election(&self) -> Result<Election> {
        self.election_of(DEMO_ELECTION)
    }

    fn election_of(&self, id: &str) -> Result<Election> {
        let key = publica_elections::model::election_key(id);
        self.node
            .with_state(|s, _| s.get(&key).map(|b| serde_json::from_slice(&b)))
            .ok_or_else(|| anyhow!("demo election: not published"))?
            .map_err(|e| anyhow!("demo election: {e}"))
    }

    fn state_json<T: serde::de::DeserializeOwned>(&self, key: &[u8]) -> Result<T> {
        self.node
            .with_state(|s, _| s.get(key).map(|b| serde_json::from_slice(&b)))
            .ok_or_else(|| anyhow!("demo election: missing state"))?
            .map_err(|e| anyhow!("demo election: {e}"))
    }

    /// Publishes both elections, runs their ceremonies, votes, closes and
    /// decrypts them.
    pub(super) fn election_demo(&mut self) -> Result<()> {
        let guardians: Vec<Keypair> = (1..=3).map(guardian_key).collect();
        let seals: Vec<SealKey> = guardians
            .iter()
            .map(|g| SealKey::from_signing_seed(&g.seed()))
            .collect();
        let voters: Vec<Keypair> = (1..=VOTERS).map(citizen_key).collect();
        let census = census_of(DEMO_ELECTION, &voters);
        let members: Vec<Keypair> = (1..=DELEGATED_VOTERS).map(citizen_key).collect();
        let opens = now_ms() + REGISTRATION_MS;
        let g: Vec<Guardian> = guardians
            .iter()
            .zip(&seals)
            .map(|(k, s)| Guardian {
                account: k.account(),
                seal_key: hex::encode(s.public()),
            })
            .collect();
        let window = |id: &str, title: &str, contests: Vec<Contest>, census: Value| {
            json!({"agency": "city", "id": id, "title": title, "contests": contests,
                "guardians": g, "threshold": 2, "opens_ms": opens, "closes_ms": opens + WINDOW_MS,
                "census": census})
        };
        let parks_census = census_of(DELEGATED_ELECTION, &members);
        let mut delegated = window(
            DELEGATED_ELECTION,
            "north-parks-fountain",
            vec![Contest {
                id: "fountain".into(),
                selections: vec!["yes".into(), "no".into()],
                limit: 1,
            }],
            json!({"root": parks_census.root().to_hex(), "size": parks_census.len()}),
        );
        delegated["delegation"] = json!({"agency": "city", "community": "north", "topic": "parks"});
        let creates = vec![
            self.tx(
                "elections",
                "create",
                window(
                    DEMO_ELECTION,
                    "city-2027",
                    contests(),
                    json!({"root": census.root().to_hex(), "size": census.len(), "ring": RING}),
                ),
            ),
            self.tx("elections", "create", delegated),
        ];
        self.phase("two elections published", creates)?;
        let mut dealers = Vec::new();
        for id in [DEMO_ELECTION, DELEGATED_ELECTION] {
            dealers.push(self.ceremony(id, &guardians)?);
        }
        let e = self.election()?;
        self.register(&voters, &census, &e)?;
        std::thread::sleep(Duration::from_millis(
            (opens + 100).saturating_sub(now_ms()),
        ));
        self.vote(&voters)?;
        self.vote_delegated(&members, &parks_census)?;
        let wait = (opens + WINDOW_MS + 200).saturating_sub(now_ms());
        std::thread::sleep(Duration::from_millis(wait));
        for (id, dealers) in [DEMO_ELECTION, DELEGATED_ELECTION]
            .into_iter()
            .zip(&dealers)
        {
            self.decrypt(id, dealers, &guardians, &seals)?;
        }
        Ok(())
    }

    /// The guardians' key ceremony for election `id`: their polynomials.
    fn ceremony(&mut self, id: &str, guardians: &[Keypair]) -> Result<Vec<Dealer>> {
        let e = self.election_of(id)?;
        let h_m: [u8; 32] = hex::decode(&e.manifest_hash)?
            .try_into()
            .map_err(|_| anyhow!("manifest hash"))?;
        let dealers: Vec<Dealer> = guardians.iter().map(|_| Dealer::new(2)).collect();
        let mut txs = Vec::new();
        for (i, (d, kp)) in dealers.iter().zip(guardians).enumerate() {
            let n = i as u32 + 1;
            let mut args = serde_json::to_value(
                guardian::message(d, id, &h_m, n, &e.guardians).map_err(|e| anyhow!(e))?,
            )?;
            args["election"] = json!(id);
            args["guardian"] = json!(n);
            txs.push((self.signed(kp, "commit", args), guardian_key(n as usize)));
        }
        self.together(&format!("{id}: the guardians' key ceremony"), txs)?;
        Ok(dealers)
    }

    /// Guardians 1 and 3 decrypt election `id` after its close.
    fn decrypt(
        &mut self,
        id: &str,
        dealers: &[Dealer],
        guardians: &[Keypair],
        seals: &[SealKey],
    ) -> Result<()> {
        let e = self.election_of(id)?;
        let base: [u8; 32] = hex::decode(e.base_hash.as_deref().unwrap_or_default())?
            .try_into()
            .map_err(|_| anyhow!("base hash"))?;
        // With delegation, the sum weighted at the close.
        let aggregate: Vec<Vec<[String; 2]>> = self
            .state_json(&publica_elections::delegated::weighted_key(id))
            .or_else(|_| self.state_json(&publica_elections::model::aggregate_key(id)))?;
        let messages = (1..=3u32)
            .map(|j| self.state_json(&publica_elections::model::commitment_key(id, j)))
            .collect::<Result<Vec<Commitment>>>()?;
        let mut txs = Vec::new();
        for n in [1u32, 3] {
            let i = n as usize - 1;
            let z = guardian::secret(&dealers[i], &seals[i], &e, n, &messages)
                .map_err(|e| anyhow!(e))?;
            let shares = guardian::decrypt(&base, &aggregate, n, &z).map_err(|e| anyhow!(e))?;
            let args = json!({"election": id, "guardian": n, "shares": shares});
            txs.push((
                self.signed(&guardians[i], "decrypt", args),
                guardian_key(n as usize),
            ));
        }
        self.together(
            &format!("{id}: closed and decrypted by two of its three guardians"),
            txs,
        )
    }

    /// The community's members vote on the fountain in secret: 1 (with
    /// the parks delegations of 2, 3 and 4), 5 and 6; the others lend
    /// nothing.
    fn vote_delegated(&mut self, members: &[Keypair], census: &MerkleLog) -> Result<()> {
        let e = self.election_of(DELEGATED_ELECTION)?;
        let key = point_from_hex(e.key.as_deref().unwrap_or_default())
            .ok_or_else(|| anyhow!("election key"))?;
        let base: [u8; 32] = hex::decode(e.base_hash.as_deref().unwrap_or_default())?
            .try_into()
            .map_err(|_| anyhow!("base hash"))?;
        let mut txs = Vec::new();
        for (i, yes) in [(0usize, true), (4, false), (5, false)] {
            let v = &members[i];
            let choices = vec![vec![u64::from(yes), u64::from(!yes)]];
            let (b, _) = ballot::encrypt(&base, &key, &e.contests, &v.account(), &choices)
                .map_err(|e| anyhow!("{e}"))?;
            let args = json!({"election": DELEGATED_ELECTION, "ballot": b,
                "census": Self::place(census, i)?});
            txs.push((self.signed(v, "cast", args), citizen_key(i + 1)));
        }
        self.together("three members voted in secret on the fountain", txs)
    }

    fn place(census: &MerkleLog, i: usize) -> Result<Value> {
        let path = census
            .inclusion_proof(i as u64, census.len())
            .map_err(|e| anyhow!("census: {e}"))?;
        Ok(
            json!({"index": i, "path": path.iter().map(publica_types::Hash32::to_hex).collect::<Vec<_>>()}),
        )
    }

    /// Every citizen registers its commitment in the anonymous census.
    fn register(&mut self, voters: &[Keypair], census: &MerkleLog, e: &Election) -> Result<()> {
        let mut txs = Vec::new();
        for (i, v) in voters.iter().enumerate() {
            let secret = Member::secret_for(&v.seed(), e);
            let args = Member::registration(&secret, e, &v.account(), Self::place(census, i)?);
            txs.push((self.signed(v, "register", args), citizen_key(i + 1)));
        }
        self.together("twenty citizens registered in the anonymous census", txs)
    }

    /// Citizen `i`'s anonymous ballot of `choices`, sent by a key used
    /// once (`nonces` kept for a challenge).
    fn anonymous(
        &self,
        voter: &Keypair,
        sender: &str,
        choices: &[Vec<u64>],
        challenge: bool,
    ) -> Result<(Envelope, Keypair)> {
        let e = self.election()?;
        let key = point_from_hex(e.key.as_deref().unwrap_or_default())
            .ok_or_else(|| anyhow!("election key"))?;
        let base: [u8; 32] = hex::decode(e.base_hash.as_deref().unwrap_or_default())?
            .try_into()
            .map_err(|_| anyhow!("base hash"))?;
        let commitments = (0..e.registered)
            .map(|i| {
                self.state_json::<Registration>(&member_key(DEMO_ELECTION, i))
                    .map(|r| r.commitment)
            })
            .collect::<Result<Vec<String>>>()?;
        let secret = Member::secret_for(&voter.seed(), &e);
        let mine = Member::commitment(&secret);
        let index = commitments
            .iter()
            .position(|c| *c == mine)
            .ok_or_else(|| anyhow!("demo election: a citizen is not registered"))?;
        let m = Member {
            secret,
            index: index as u64,
        };
        let pseudonym = m.pseudonym(&e);
        let (b, nonces) = ballot::encrypt(&base, &key, &e.contests, &pseudonym, choices)
            .map_err(|e| anyhow!("{e}"))?;
        let tracking = ballot::tracking_code(&base, &pseudonym, &b);
        // The nullifier's last ballot, which this one replaces.
        let last: Option<String> = self
            .state_json::<publica_elections::model::StoredBallot>(
                &publica_elections::model::ballot_key(DEMO_ELECTION, &pseudonym),
            )
            .ok()
            .map(|b| b.tracking);
        let member = m
            .prove(&e, &base, &commitments, (&tracking, last.as_deref()))
            .ok_or_else(|| anyhow!("demo election: no ring"))?;
        let mut args = json!({"election": DEMO_ELECTION, "ballot": b, "member": member});
        let method = if challenge {
            let nonces: Vec<Vec<String>> = nonces
                .iter()
                .map(|r| r.iter().map(scalar_hex).collect())
                .collect();
            args["nonces"] = json!(nonces);
            "challenge"
        } else {
            "cast"
        };
        let once = public_key_of(sender);
        Ok((self.signed(&once, method, args), public_key_of(sender)))
    }

    fn vote(&mut self, voters: &[Keypair]) -> Result<()> {
        let mut txs = Vec::new();
        for (i, v) in voters.iter().enumerate() {
            let choices = vec![
                (0..3).map(|c| u64::from(c == i % 3)).collect(),
                (0..2)
                    .map(|c| u64::from(c == usize::from(i % 4 == 0)))
                    .collect(),
            ];
            txs.push(self.anonymous(v, &format!("publica demo ballot {i}"), &choices, false)?);
        }
        self.together("twenty citizens voted", txs)?;
        // Citizen 1 votes again (the later ballot counts); citizen 2
        // challenges a ballot and sees what it held.
        let recast = self.anonymous(
            &voters[0],
            "publica demo re-vote",
            &[vec![0, 0, 1], vec![0, 1]],
            false,
        )?;
        let challenge = self.anonymous(
            &voters[1],
            "publica demo challenge",
            &[vec![1, 0, 0], vec![1, 0]],
            true,
        )?;
        self.together("a re-vote and a challenged ballot", vec![recast, challenge])
    }
}
