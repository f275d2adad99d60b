//! `publica bench --workload elections`: an election of 3 contests of 5
//! selections (limits 1, 2 and 3) with 3 guardians of whom 2 decrypt.
//! The bench's official publishes it with a census of `--ballots`
//! voters; the guardians run the key ceremony; every voter's ballot is
//! encrypted with its proofs and signed before the clock starts (on every
//! core), then submitted over HTTP batches and timed from the first
//! submission until the election has executed every one (its ballot count,
//! polled): each ballot's census proof and 18 range proofs are checked on
//! admission to the ledger, and the encrypted tally updated. A ballot that
//! failed would leave the count short. Once the window closes, two guardians decrypt (timed), and the
//! whole record — every ballot from the node's board — is verified by the
//! same code as `publica election verify` (timed); the result must be the
//! plaintext count.
//!
//! With `--ring N` the census is anonymous: every voter registers a
//! commitment before the window opens (timed apart), and each ballot
//! names its nullifier, carries a membership proof among `N`
//! registrations and is signed by a key used once; the proofs are made
//! before the clock like the rest.

use crate::load::BenchConfig;
use crate::setup::{batch_body, run_tag, sign, with_role, Http, Session};
use anyhow::{anyhow, bail, Context, Result};
use publica_crypto::seal::SealKey;
use publica_crypto::Keypair;
use publica_elections::anonymous::Member;
use publica_elections::ceremony::Dealer;
use publica_elections::group::point_from_hex;
use publica_elections::model::{voter_leaf, Commitment, Contest, Election, Guardian};
use publica_elections::verify::{verify, ElectionRecord};
use publica_elections::{ballot, guardian};
use publica_log::MerkleLog;
use publica_types::Envelope;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Ballots per batch request (about 12 KiB each).
const BATCH: usize = 100;
/// Batch requests in flight while ballots are cast.
const IN_FLIGHT: usize = 4;
/// Board entries per page when the record is fetched.
const PAGE: usize = 200;

/// What the elections workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct ElectionsReport {
    /// Ballots cast (one per voter).
    pub ballots: usize,
    /// The anonymous census's ring size, if anonymous.
    pub ring: Option<u64>,
    /// Registering every voter's commitment, seconds (anonymous only).
    pub register_seconds: f64,
    /// Encrypting, proving, signing and encoding them, before the clock,
    /// seconds.
    pub encrypt_seconds: f64,
    /// From the first submission to the last receipt, seconds.
    pub cast_seconds: f64,
    /// Ballots committed per second, each checked on admission.
    pub ballots_per_s: f64,
    /// Two guardians' partial decryptions committed and the result
    /// published, seconds.
    pub decrypt_seconds: f64,
    /// Verifying the whole record (fetched beforehand), seconds.
    pub verify_seconds: f64,
    /// Ballots verified per second by the record's verifier.
    pub verify_ballots_per_s: f64,
    /// A million ballots' verification at that rate, minutes.
    pub verify_million_minutes: f64,
}

impl ElectionsReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        let anonymous = match self.ring {
            Some(r) => format!(
                "anonymous census, rings of {r}: {} registrations committed in {:.2} s; each ballot also carries a membership proof\n",
                self.ballots, self.register_seconds
            ),
            None => String::new(),
        };
        anonymous + &format!(
            "elections: {} ballots (3 contests x 5 selections), encrypted and proved in {:.1} s before the clock\n\
             cast: {:.2} s ({:.0} ballots/s committed, each's {} and 18 range proofs checked on admission)\n\
             decrypted by 2 of 3 guardians in {:.2} s; the record verified in {:.2} s ({:.0} ballots/s: a million in {:.1} min)\n",
            self.ballots, self.encrypt_seconds, self.cast_seconds, self.ballots_per_s,
            if self.ring.is_some() { "membership proof" } else { "census proof" },
            self.decrypt_seconds, self.verify_seconds, self.verify_ballots_per_s, self.verify_million_minutes
        )
    }
}

fn key(tag: &str, what: &str, i: usize) -> Keypair {
    Keypair::from_seed(*publica_crypto::sha256(format!("{tag} {what} {i}").as_bytes()).as_bytes())
}

fn contests() -> Vec<Contest> {
    (0..3)
        .map(|c| Contest {
            id: format!("contest-{c}"),
            selections: (0..5).map(|s| format!("option-{s}")).collect(),
            limit: c + 1,
        })
        .collect()
}

/// Voter `k`'s choices: in contest `c`, `c + 1` selections from `k mod 5`.
fn choices(k: usize) -> Vec<Vec<u64>> {
    (0..3)
        .map(|c| {
            (0..5)
                .map(|s| u64::from((s + 5 - k % 5) % 5 <= c))
                .collect()
        })
        .collect()
}

fn decode32(text: &str, what: &str) -> Result<[u8; 32]> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{what} is not 32 bytes of hex"))
}

async fn election(http: &Http, id: &str) -> Result<Election> {
    let v = http.get(&format!("/v1/elections/{id}")).await?;
    serde_json::from_value(v["election"].clone()).context("the election")
}

/// Runs the workload: `ballots` voters, a window of `window_s` seconds.
pub async fn run(
    cfg: &BenchConfig,
    ballots: usize,
    window_s: u64,
    ring: Option<u64>,
) -> Result<ElectionsReport> {
    let Session {
        target,
        agency,
        http,
        chain,
    } = Session::open(cfg).await?;
    let tag = run_tag()?;
    let id = format!(
        "bench-{}",
        &publica_crypto::sha256(tag.as_bytes()).to_hex()[..12]
    );
    let admin = &target.admin;
    let voters: Vec<Keypair> = (0..ballots).map(|i| key(&tag, "voter", i)).collect();
    let census = census_of(&id, &voters);
    let guardians: Vec<Keypair> = (0..3).map(|i| key(&tag, "guardian", i)).collect();
    let (seals, listed) = seals_of(&guardians);
    // An anonymous census registers before the opening: a second for
    // every 200 voters, and 20 more.
    let registration_ms = ring.map_or(0, |_| 20_000 + ballots as u64 * 5);
    let opens = publica_types::now_ms() + registration_ms;
    let closes = opens + window_s * 1000;
    let create = manifest(&id, &agency, &listed, (&census, ring), (opens, closes));
    publish(&http, admin, (&chain, &agency), create).await?;
    let dealers = ceremony(&http, &chain, &id, &guardians).await?;
    let started = Instant::now();
    if ring.is_some() {
        register_all(&http, &chain, &id, &voters, &census).await?;
        if publica_types::now_ms() >= opens {
            bail!("registration outlasted its window: fewer ballots");
        }
    }
    let register_seconds = started.elapsed().as_secs_f64();
    let e = election(&http, &id).await?;
    let key_point = point_from_hex(e.key.as_deref().unwrap_or_default())
        .ok_or_else(|| anyhow!("no election key"))?;
    let base = decode32(e.base_hash.as_deref().unwrap_or_default(), "the base hash")?;
    eprintln!(
        "bench: elections on {}: {id}, encrypting {ballots} ballots",
        target.url
    );
    let started = Instant::now();
    let members = match ring {
        Some(_) => Some(commitments(&http, &id).await?),
        None => None,
    };
    let plan = Plan {
        e: &e,
        census: &census,
        members: members.as_deref(),
        chain: &chain,
        tag: &tag,
        key: &key_point,
        base: &base,
    };
    let bodies = bodies_of(&encrypt_all(&voters, &plan)?);
    let encrypt_seconds = started.elapsed().as_secs_f64();
    // Ballots are taken from the opening.
    tokio::time::sleep(Duration::from_millis(
        (opens + 200).saturating_sub(publica_types::now_ms()),
    ))
    .await;
    if publica_types::now_ms() >= closes {
        bail!("the window ({window_s} s) closed while encrypting: raise --window-s");
    }
    let started = Instant::now();
    cast_all(&http, bodies, ballots, &id).await?;
    let cast_seconds = started.elapsed().as_secs_f64();
    let wait = closes.saturating_sub(publica_types::now_ms()) + 300;
    eprintln!(
        "bench: {ballots} ballots cast in {cast_seconds:.2} s; waiting {} s for the close",
        wait / 1000
    );
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let started = Instant::now();
    decrypt(&http, &chain, &id, &guardians, &seals, &dealers, &base).await?;
    let decrypt_seconds = started.elapsed().as_secs_f64();
    let record = fetch_record(&http, &id).await?;
    let started = Instant::now();
    let report = verify(&record);
    let verify_seconds = started.elapsed().as_secs_f64();
    if !report.holds() || report.counts != Some(expected_counts(ballots)) {
        bail!(
            "the record does not verify to the plaintext count: {:?}",
            report.failures.first()
        );
    }
    let verify_ballots_per_s = ballots as f64 / verify_seconds;
    Ok(ElectionsReport {
        ballots,
        ring,
        register_seconds,
        encrypt_seconds,
        cast_seconds,
        ballots_per_s: ballots as f64 / cast_seconds,
        decrypt_seconds,
        verify_seconds,
        verify_ballots_per_s,
        verify_million_minutes: 1e6 / verify_ballots_per_s / 60.0,
    })
}

/// The arguments of `elections.create`.
fn manifest(
    id: &str,
    agency: &str,
    guardians: &[Guardian],
    (census, ring): (&MerkleLog, Option<u64>),
    (opens, closes): (u64, u64),
) -> Value {
    let mut census_json = json!({"root": census.root().to_hex(), "size": census.len()});
    if let Some(r) = ring {
        census_json["ring"] = json!(r);
    }
    json!({"agency": agency, "id": id, "title": "bench", "contests": contests(), "guardians": guardians,
        "threshold": 2, "opens_ms": opens, "closes_ms": closes, "census": census_json})
}

/// The bench's official publishes the election (`create`'s arguments).
async fn publish(
    http: &Http,
    admin: &Keypair,
    (chain, agency): (&str, &str),
    create: Value,
) -> Result<()> {
    let me = admin.account();
    let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .unwrap_or(1);
    with_role(
        http,
        admin,
        chain,
        nonce,
        (agency, "election_officer"),
        vec![("elections", "create", create)],
    )
    .await?;
    Ok(())
}

/// The census of `voters`.
fn census_of(id: &str, voters: &[Keypair]) -> MerkleLog {
    let mut census = MerkleLog::new();
    for v in voters {
        census.append(publica_log::hash::leaf_hash(&voter_leaf(id, &v.account())));
    }
    census
}

/// The guardians' sealing keys and their entries in the manifest.
fn seals_of(guardians: &[Keypair]) -> (Vec<SealKey>, Vec<Guardian>) {
    let seals: Vec<SealKey> = guardians
        .iter()
        .map(|g| SealKey::from_signing_seed(&g.seed()))
        .collect();
    let listed = guardians
        .iter()
        .zip(&seals)
        .map(|(k, s)| Guardian {
            account: k.account(),
            seal_key: hex::encode(s.public()),
        })
        .collect();
    (seals, listed)
}

/// The plaintext count of `ballots` voters' choices.
fn expected_counts(ballots: usize) -> Vec<Vec<u64>> {
    let mut expected = vec![vec![0u64; 5]; 3];
    for k in 0..ballots {
        for (row, picks) in expected.iter_mut().zip(choices(k)) {
            for (cell, p) in row.iter_mut().zip(picks) {
                *cell += p;
            }
        }
    }
    expected
}

/// The key ceremony: every guardian's message, committed. Answers their
/// polynomials.
async fn ceremony(
    http: &Http,
    chain: &str,
    id: &str,
    guardians: &[Keypair],
) -> Result<Vec<Dealer>> {
    let e = election(http, id).await?;
    let h_m = decode32(&e.manifest_hash, "the manifest hash")?;
    let dealers: Vec<Dealer> = (0..guardians.len()).map(|_| Dealer::new(2)).collect();
    let mut commits = Vec::new();
    for (i, (d, g)) in dealers.iter().zip(guardians).enumerate() {
        let n = i as u32 + 1;
        let mut args = serde_json::to_value(
            guardian::message(d, id, &h_m, n, &e.guardians).map_err(|e| anyhow!(e))?,
        )?;
        args["election"] = json!(id);
        args["guardian"] = json!(n);
        commits.push(sign(g, g.account(), chain, 1, "elections", "commit", args));
    }
    crate::epcis::pump(http, &commits, 3, 1)
        .await
        .context("the key ceremony")?;
    Ok(dealers)
}

/// The batch request bodies of `txs`, encoded before the clock as each
/// voter's device would: the node's work is what the window measures.
fn bodies_of(txs: &[Envelope]) -> Vec<Vec<u8>> {
    txs.chunks(BATCH)
        .map(|chunk| {
            batch_body(
                chunk
                    .iter()
                    .map(|e| serde_json::to_vec(e).expect("envelopes encode")),
            )
        })
        .collect()
}

/// Submits every batch, [`IN_FLIGHT`] requests at a time as independent
/// voters would (admission checks their signatures and proofs), then waits
/// until the election has executed them all: its `cast` count, polled, not
/// each ballot's receipt.
async fn cast_all(http: &Http, bodies: Vec<Vec<u8>>, ballots: usize, id: &str) -> Result<()> {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies.into_iter()));
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (http, queue) = (http.clone(), queue.clone());
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().expect("the queue is not poisoned").next();
                    let Some(body) = next else {
                        return Ok::<(), anyhow::Error>(());
                    };
                    for r in http.submit_encoded(body).await? {
                        r.map_err(|e| anyhow!("a ballot was refused at admission: {e}"))?;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.map_err(|e| anyhow!("a submitter failed: {e}"))??;
    }
    let txs = ballots;
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        let e = election(http, id).await?;
        if e.cast >= txs as u64 {
            if e.counted != txs as u64 {
                bail!("the election counts {} ballots of {}", e.counted, txs);
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} ballots of {} executed within an hour", e.cast, txs);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every voter registers its commitment (anonymous census), in batch
/// requests; waits until the election counts them all.
async fn register_all(
    http: &Http,
    chain: &str,
    id: &str,
    voters: &[Keypair],
    census: &MerkleLog,
) -> Result<()> {
    let e = election(http, id).await?;
    let txs: Vec<Envelope> = voters
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let secret = Member::secret_for(&v.seed(), &e);
            let path = census.inclusion_proof(k as u64, census.len()).map_err(|e| anyhow!("census: {e}"))?;
            let place = json!({"index": k, "path": path.iter().map(publica_types::Hash32::to_hex).collect::<Vec<_>>()});
            let args = Member::registration(&secret, &e, &v.account(), place);
            Ok(sign(v, v.account(), chain, 1, "elections", "register", args))
        })
        .collect::<Result<_>>()?;
    for chunk in txs.chunks(BATCH) {
        for r in http.submit(chunk).await? {
            r.map_err(|e| anyhow!("a registration was refused at admission: {e}"))?;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(3600);
    while election(http, id).await?.registered < voters.len() as u64 {
        if Instant::now() > deadline {
            bail!("registrations not executed within an hour");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The registrations' commitments, in order, from the node's board.
async fn commitments(http: &Http, id: &str) -> Result<Vec<String>> {
    Ok(board(http, id, "members")
        .await?
        .iter()
        .map(|m| m["commitment"].as_str().unwrap_or_default().to_owned())
        .collect())
}

/// What every ballot is made from.
struct Plan<'a> {
    e: &'a Election,
    census: &'a MerkleLog,
    /// The registrations' commitments (an anonymous census).
    members: Option<&'a [String]>,
    chain: &'a str,
    tag: &'a str,
    key: &'a publica_elections::group::Point,
    base: &'a [u8; 32],
}

/// Voter `k`'s ballot, signed: by the voter with its census proof, or,
/// anonymous, under its nullifier with its membership proof, by a key
/// used once.
fn ballot_of(p: &Plan<'_>, k: usize, v: &Keypair, index: &HashMap<&str, u64>) -> Result<Envelope> {
    let id = &p.e.id;
    let Some(members) = p.members else {
        let (b, _) = ballot::encrypt(p.base, p.key, &contests(), &v.account(), &choices(k))
            .map_err(|e| anyhow!("{e}"))?;
        let path = p
            .census
            .inclusion_proof(k as u64, p.census.len())
            .map_err(|e| anyhow!("census: {e}"))?;
        let args = json!({"election": id, "ballot": b,
            "census": {"index": k, "path": path.iter().map(publica_types::Hash32::to_hex).collect::<Vec<_>>()}});
        return Ok(sign(v, v.account(), p.chain, 1, "elections", "cast", args));
    };
    let secret = Member::secret_for(&v.seed(), p.e);
    let mine = Member::commitment(&secret);
    let m = Member {
        secret,
        index: *index
            .get(mine.as_str())
            .ok_or_else(|| anyhow!("voter {k} is not registered"))?,
    };
    let voter = m.pseudonym(p.e);
    let (b, _) = ballot::encrypt(p.base, p.key, &contests(), &voter, &choices(k))
        .map_err(|e| anyhow!("{e}"))?;
    let tracking = ballot::tracking_code(p.base, &voter, &b);
    let member = m
        .prove(p.e, p.base, members, (&tracking, None))
        .ok_or_else(|| anyhow!("voter {k}: no ring"))?;
    let once = key(p.tag, "once", k);
    let args = json!({"election": id, "ballot": b, "member": member});
    Ok(sign(
        &once,
        once.account(),
        p.chain,
        1,
        "elections",
        "cast",
        args,
    ))
}

/// Every voter's ballot, encrypted, proved and signed, on every core.
fn encrypt_all(voters: &[Keypair], p: &Plan<'_>) -> Result<Vec<Envelope>> {
    let index: HashMap<&str, u64> = p
        .members
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u64))
        .collect();
    let index = &index;
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let per = voters.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<Envelope>>> = std::thread::scope(|s| {
        let handles: Vec<_> = voters
            .chunks(per)
            .enumerate()
            .map(|(part, chunk)| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, v)| ballot_of(p, part * per + i, v, index))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("an encryption thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(voters.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

async fn decrypt(
    http: &Http,
    chain: &str,
    id: &str,
    guardians: &[Keypair],
    seals: &[SealKey],
    dealers: &[Dealer],
    base: &[u8; 32],
) -> Result<()> {
    let record = http.get(&format!("/v1/elections/{id}/record")).await?;
    let aggregate: Vec<Vec<[String; 2]>> = serde_json::from_value(record["aggregate"].clone())?;
    let messages: Vec<Commitment> = serde_json::from_value(record["commitments"].clone())?;
    let election: publica_elections::model::Election =
        serde_json::from_value(record["election"].clone())?;
    let mut txs = Vec::new();
    for n in [1u32, 2] {
        let i = n as usize - 1;
        let z = guardian::secret(&dealers[i], &seals[i], &election, n, &messages)
            .map_err(|e| anyhow!(e))?;
        let shares = guardian::decrypt(base, &aggregate, n, &z).map_err(|e| anyhow!(e))?;
        txs.push(sign(
            &guardians[i],
            guardians[i].account(),
            chain,
            2,
            "elections",
            "decrypt",
            json!({"election": id, "guardian": n, "shares": shares}),
        ));
    }
    crate::epcis::pump(http, &txs, 2, 1)
        .await
        .context("the decryption")?;
    Ok(())
}

/// The record and its whole board, as `publica election verify` fetches it.
async fn fetch_record(http: &Http, id: &str) -> Result<ElectionRecord> {
    let mut record = http.get(&format!("/v1/elections/{id}/record")).await?;
    for name in ["members", "ballots", "challenged"] {
        record[name] = Value::Array(board(http, id, name).await?);
    }
    serde_json::from_value(record).context("the election record")
}

/// Every entry of one of `id`'s boards, page by page.
async fn board(http: &Http, id: &str, name: &str) -> Result<Vec<Value>> {
    let mut entries: Vec<Value> = Vec::new();
    loop {
        let page = http
            .get(&format!(
                "/v1/elections/{id}/{name}?from={}&limit={PAGE}",
                entries.len()
            ))
            .await?;
        let got = page["entries"].as_array().cloned().unwrap_or_default();
        let done = got.len() < PAGE;
        entries.extend(got);
        if done {
            return Ok(entries);
        }
    }
}
