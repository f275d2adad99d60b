//! Sets up the bench's own currency, pool and accounts on the target chain,
//! and pre-signs the transfers.

use anyhow::{anyhow, bail, Context, Result};
use publica_crypto::Keypair;
use publica_types::{AccountId, Envelope, Expiry, TxBody, TxError};
use serde_json::{json, Value};
use std::time::Duration;

/// A batch request's body, from its envelopes' JSON.
pub fn batch_body(envelopes: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut body = b"{\"transactions\":[".to_vec();
    for (i, e) in envelopes.into_iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&e);
    }
    body.extend_from_slice(b"]}");
    body
}

/// What the node answers to a batch, as far as the bench reads it.
#[derive(serde::Deserialize)]
struct BatchResults {
    results: Vec<ItemResult>,
}

#[derive(serde::Deserialize)]
struct ItemResult {
    tx_id: Option<String>,
    error: Option<ItemError>,
}

#[derive(serde::Deserialize)]
struct ItemError {
    code: String,
    message: String,
}

/// Money each bench account starts with (minor units).
pub const FUNDING: u64 = 1_000_000_000;

/// A thin HTTP client for the bench.
#[derive(Clone)]
pub struct Http {
    /// The node's API address, without a trailing `/`
    /// (`http://127.0.0.1:8080`).
    pub base: String,
    /// The client, with a 120 s timeout per request.
    pub http: reqwest::Client,
}

impl Http {
    /// A client of the node at `base`.
    pub fn new(base: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Http {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// GETs `path` (from `/v1/...`) and reads the JSON answer; an error
    /// status is an error, with the answer.
    pub async fn get(&self, path: &str) -> Result<Value> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let v: Value = r.json().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {v}");
        }
        Ok(v)
    }

    /// Posts a batch; returns one `Ok(tx_id)` or `Err(the node's code and
    /// message)` per item.
    pub async fn submit(&self, envs: &[Envelope]) -> Result<Vec<Result<String, TxError>>> {
        self.submit_encoded(batch_body(
            envs.iter()
                .map(|e| serde_json::to_vec(e).expect("envelopes encode")),
        ))
        .await
    }

    /// Posts a batch body made by [`batch_body`].
    pub async fn submit_encoded(&self, body: Vec<u8>) -> Result<Vec<Result<String, TxError>>> {
        let r = self
            .http
            .post(format!("{}/v1/transactions/batch", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .context("posting a batch")?;
        let status = r.status();
        let bytes = r.bytes().await?;
        if !status.is_success() {
            bail!(
                "batch refused: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let v: BatchResults =
            serde_json::from_slice(&bytes).context("reading a batch's results")?;
        Ok(v.results
            .into_iter()
            .map(|i| match (i.tx_id, i.error) {
                (Some(id), _) => Ok(id),
                // The node's reason, e.g. `mempool.full: the mempool is full`.
                (None, Some(e)) => Err(TxError {
                    code: e.code,
                    message: e.message,
                }),
                (None, None) => Err(TxError::new("?", "no reason given")),
            })
            .collect())
    }

    /// Waits for a receipt and requires its call to have succeeded.
    pub async fn committed_ok(&self, id: &str) -> Result<()> {
        for _ in 0..60 {
            let r = self
                .http
                .get(format!("{}/v1/transactions/{id}?wait_ms=2000", self.base))
                .send()
                .await?;
            if r.status().as_u16() == 200 {
                let v: Value = r.json().await?;
                if v["outcome"]["status"] != "ok" {
                    bail!("setup transaction failed: {}", v["outcome"]);
                }
                return Ok(());
            }
        }
        bail!("setup transaction {id} did not commit")
    }
}

/// Signs a call, valid far ahead.
pub fn sign(
    kp: &Keypair,
    signer: AccountId,
    chain: &str,
    nonce: u64,
    module: &str,
    method: &str,
    args: Value,
) -> Envelope {
    let body = TxBody::new(chain, nonce, Expiry::Height(1 << 50), module, method, args);
    kp.sign_tx(signer, body)
        .expect("bench bodies are canonical")
}

/// The bench's accounts on the chain.
pub struct Prepared {
    /// The chain id the transfers are signed for.
    pub chain: String,
    /// Each account's owner key, account `i` owned by `keys[i]`.
    pub keys: Vec<Keypair>,
    /// Each account's id, each funded with [`FUNDING`] minor units.
    pub account_ids: Vec<String>,
}

/// Creates a currency, a funded pool and `n` funded citizen accounts.
pub async fn prepare(http: &Http, admin: &Keypair, agency: &str, n: usize) -> Result<Prepared> {
    let mut admin = Admin::connect(http, admin).await?;
    let tag = run_tag()?;
    let code = format!("B{tag}");
    let pool = format!("bench-{}-pool", tag.to_lowercase());
    let total = u128::from(FUNDING) * (n as u128 + 1);
    admin.issue(agency, &code, &pool, total).await?;
    let (keys, account_ids) = open_accounts(http, &admin.chain, &code, &tag, n).await?;
    admin.fund(&pool, &account_ids).await?;
    Ok(Prepared {
        chain: admin.chain,
        keys,
        account_ids,
    })
}

/// Eight hex digits that tell this run's currency and accounts apart from
/// an earlier run's on the same chain.
pub(crate) fn run_tag() -> Result<String> {
    Ok(publica_crypto::sha256(
        &std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
            .to_le_bytes(),
    )
    .to_hex()[..8]
        .to_uppercase())
}

/// The agency official who sets the bench up, and its next nonce.
struct Admin<'a> {
    http: &'a Http,
    key: &'a Keypair,
    me: AccountId,
    chain: String,
    nonce: u64,
}

impl<'a> Admin<'a> {
    /// Reads the chain id and the official's next nonce.
    async fn connect(http: &'a Http, key: &'a Keypair) -> Result<Admin<'a>> {
        let status = http.get("/v1/status").await?;
        let chain = status["chain_id"]
            .as_str()
            .ok_or_else(|| anyhow!("no chain id"))?
            .to_string();
        let me = key.account();
        let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
            .as_u64()
            .ok_or_else(|| anyhow!("no nonce"))?;
        Ok(Admin {
            http,
            key,
            me,
            chain,
            nonce,
        })
    }

    /// Makes the official a treasurer of `agency`, which issues currency
    /// `code` and mints `total` minor units of it into its account `pool`;
    /// one call at a time, each committed before the next.
    async fn issue(&mut self, agency: &str, code: &str, pool: &str, total: u128) -> Result<()> {
        let me = self.me;
        let calls: Vec<(&str, &str, Value)> = vec![
            (
                "identity",
                "add_member",
                json!({"agency": agency, "account": me, "roles": ["treasurer"]}),
            ),
            (
                "money",
                "create_currency",
                json!({"agency": agency, "code": code, "name": "Bench", "decimals": 2, "supply_cap": total.to_string()}),
            ),
            (
                "money",
                "propose_appropriation",
                json!({"agency": agency, "currency": code, "id": "bench", "name": "Bench", "cap": total.to_string()}),
            ),
            (
                "money",
                "approve_appropriation",
                json!({"agency": agency, "currency": code, "id": "bench"}),
            ),
            (
                "money",
                "open_account",
                json!({"agency": agency, "id": pool, "currency": code, "owner": {"kind": "agency", "agency": agency}}),
            ),
            (
                "money",
                "mint",
                json!({"agency": agency, "currency": code, "appropriation": "bench", "to": pool, "amount": total.to_string()}),
            ),
        ];
        for (k, (m, f, a)) in calls.into_iter().enumerate() {
            let env = sign(self.key, me, &self.chain, self.nonce, m, f, a);
            let id = self
                .http
                .submit(&[env])
                .await?
                .pop()
                .ok_or_else(|| anyhow!("setup call {f}: no result"))?
                .map_err(|e| anyhow!("setup call {f} was rejected: {e}"))?;
            // Admitted: its nonce is used even if the call fails in its block.
            self.nonce += 1;
            let done = self.http.committed_ok(&id).await;
            // The first, add_member, fails harmlessly when already a treasurer.
            if k > 0 {
                done.with_context(|| format!("setup call {f}"))?;
            }
        }
        Ok(())
    }

    /// Pays [`FUNDING`] from `pool` to each of `account_ids`, in linked
    /// batches of 100, and waits for every batch to commit.
    async fn fund(&mut self, pool: &str, account_ids: &[String]) -> Result<()> {
        let mut funding = Vec::new();
        for chunk in account_ids.chunks(100) {
            let transfers: Vec<Value> = chunk
                .iter()
                .map(|to| json!({"from": pool, "to": to, "amount": FUNDING.to_string()}))
                .collect();
            funding.push(sign(
                self.key,
                self.me,
                &self.chain,
                self.nonce,
                "money",
                "transfer_batch",
                json!({ "transfers": transfers }),
            ));
            self.nonce += 1;
        }
        let mut ids = Vec::new();
        for chunk in funding.chunks(1_000) {
            for id in self.http.submit(chunk).await? {
                ids.push(id.map_err(|e| anyhow!("a funding batch was rejected: {e}"))?);
            }
        }
        for id in &ids {
            self.http.committed_ok(id).await?;
        }
        Ok(())
    }
}

/// Opens `n` citizen accounts in currency `code`, each with a new key, and
/// waits for the last to commit; the keys and the account ids.
async fn open_accounts(
    http: &Http,
    chain: &str,
    code: &str,
    tag: &str,
    n: usize,
) -> Result<(Vec<Keypair>, Vec<String>)> {
    let keys: Vec<Keypair> = (0..n).map(|_| Keypair::generate()).collect();
    let account_ids: Vec<String> = (0..n)
        .map(|i| format!("bench-{}-{i}", tag.to_lowercase()))
        .collect();
    let opens: Vec<Envelope> = keys
        .iter()
        .zip(&account_ids)
        .map(|(k, id)| sign(k, k.account(), chain, 1, "money", "open_account", json!({"id": id, "currency": code, "owner": {"kind": "citizen", "account": k.account()}})))
        .collect();
    let mut last = None;
    for chunk in opens.chunks(5_000) {
        for id in http.submit(chunk).await? {
            last = Some(id.map_err(|e| anyhow!("an account opening was rejected: {e}"))?);
        }
    }
    if let Some(id) = last {
        http.committed_ok(&id).await?;
    }
    Ok((keys, account_ids))
}

/// Pre-signed transfers, ready to post: a batch request's body and the
/// ids of its transactions, in order.
pub struct Batch {
    /// The JSON body of one `POST /v1/transactions/batch`.
    pub body: Vec<u8>,
    /// The hex ids of its transactions, in the body's order.
    pub ids: Vec<String>,
}

/// Pre-signs `count` transfers, account `i` paying account `i + 1`, split
/// into `workers` queues that each own whole accounts (so every account's
/// nonces arrive in order), and encodes them into batches of `batch`: the
/// clock then times the node, not the bench's encoding.
pub fn presign(p: &Prepared, count: usize, workers: usize, batch: usize) -> Vec<Vec<Batch>> {
    let n = p.keys.len();
    let threads = std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(1)
        .max(1);
    let jobs: Vec<usize> = (0..count).collect();
    let per = jobs.len().div_ceil(threads).max(1);
    // Each transfer as (its id, its JSON).
    let mut signed: Vec<(usize, String, Vec<u8>)> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&k| {
                            let i = k % n;
                            // Nonce 1 opened the account.
                            let nonce = 2 + (k / n) as u64;
                            let args = json!({"from": p.account_ids[i], "to": p.account_ids[(i + 1) % n], "amount": "1"});
                            let env = sign(&p.keys[i], p.keys[i].account(), &p.chain, nonce, "money", "transfer", args);
                            let id = publica_crypto::tx_id(
                                &env.signer,
                                &env.body.signing_bytes().expect("bench bodies are canonical"),
                            );
                            (k, id.to_hex(), serde_json::to_vec(&env).expect("envelopes encode"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signer thread"))
            .collect()
    });
    signed.sort_by_key(|(k, _, _)| *k);
    let mut queues: Vec<Vec<(String, Vec<u8>)>> = (0..workers).map(|_| Vec::new()).collect();
    for (k, id, json) in signed {
        queues[(k % n) % workers].push((id, json));
    }
    queues
        .into_iter()
        .map(|q| {
            let mut batches = Vec::with_capacity(q.len().div_ceil(batch.max(1)));
            let mut items = q.into_iter().peekable();
            while items.peek().is_some() {
                let (ids, jsons): (Vec<String>, Vec<Vec<u8>>) =
                    items.by_ref().take(batch.max(1)).unzip();
                batches.push(Batch {
                    body: batch_body(jsons),
                    ids,
                });
            }
            batches
        })
        .collect()
}

/// A workload's node: the target (started here unless `--node` names
/// one), the agency its official acts in, an HTTP client and the chain.
pub(crate) struct Session {
    /// The node.
    pub target: crate::load::Target,
    /// The agency (`--agency`, or the dev chain's).
    pub agency: String,
    /// Its API.
    pub http: Http,
    /// Its chain id.
    pub chain: String,
}

impl Session {
    /// Starts or reaches the node and reads its chain id.
    ///
    /// # Errors
    /// A node that does not start or answer.
    pub(crate) async fn open(cfg: &crate::load::BenchConfig) -> Result<Session> {
        let target = crate::load::Target::start(cfg).await?;
        let agency = if cfg.node.is_some() {
            cfg.agency.clone()
        } else {
            "dev-agency".to_string()
        };
        let http = Http::new(&target.url)?;
        let chain = http.get("/v1/status").await?["chain_id"]
            .as_str()
            .ok_or_else(|| anyhow!("no chain id"))?
            .to_string();
        Ok(Session {
            target,
            agency,
            http,
            chain,
        })
    }
}

/// Makes the official `admin` hold `role` in `agency` — as a new member, or
/// granted to it as one already (one of the two calls fails, which is
/// fine) — then runs `then`, each call of which must succeed; every call
/// signed from `nonce`, submitted and waited for. The next nonce.
///
/// # Errors
/// A call of `then` refused or failed, or a node that does not answer.
pub async fn with_role(
    http: &Http,
    admin: &Keypair,
    chain: &str,
    mut nonce: u64,
    (agency, role): (&str, &str),
    then: Vec<(&str, &str, Value)>,
) -> Result<u64> {
    let me = admin.account();
    let mut calls: Vec<(&str, &str, Value, bool)> = vec![
        (
            "identity",
            "add_member",
            json!({"agency": agency, "account": me, "roles": [role]}),
            false,
        ),
        (
            "identity",
            "grant_role",
            json!({"agency": agency, "account": me, "role": role}),
            false,
        ),
    ];
    calls.extend(then.into_iter().map(|(m, f, a)| (m, f, a, true)));
    for (m, f, a, must) in calls {
        let env = sign(admin, me, chain, nonce, m, f, a);
        let id = http
            .submit(&[env])
            .await?
            .pop()
            .ok_or_else(|| anyhow!("setup call {f}: no result"))?
            .map_err(|e| anyhow!("setup call {f} was rejected: {e}"))?;
        nonce += 1;
        let done = http.committed_ok(&id).await;
        if must {
            done.with_context(|| format!("setup call {f}"))?;
        }
    }
    Ok(nonce)
}
