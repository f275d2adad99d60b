//! `publica bench --workload records`: reading a patient's record under
//! consent, timed in full. The bench's official becomes a `custodian` of
//! its agency, and `--readers` clinicians are made members with the
//! `clinician` role. Then:
//!
//! 1. **store**: `--records` FHIR Observations, each of its own patient,
//!    sealed with a fresh data key, uploaded with its registration to the
//!    node's record store (`POST /v1/records/store`, which stores the
//!    ciphertext durably before it submits), and each patient consents to
//!    the agency's clinicians reading observations for treatment;
//! 2. **read**: `--reads` reads by the clinicians at once, each: the
//!    access transaction signed and submitted, its receipt awaited (the
//!    consent checked and the access logged on the ledger), then the key
//!    released (`POST /v1/records/release`: the consent checked again
//!    against the ledger, the data key unwrapped with the store's key and
//!    wrapped for the clinician's), then the record decrypted and compared
//!    with what was sealed. Each part is timed: the logging (submission to
//!    receipt), the release (one HTTP request), and the read in full.

use crate::load::{percentile, BenchConfig};
use crate::setup::{run_tag, sign, with_role, Http, Session};
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use publica_crypto::seal::{DataKey, SealKey};
use publica_crypto::Keypair;
use publica_types::{Expiry, TxBody};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Instant;

/// Uploads in flight at once while storing.
const UPLOADS_AT_ONCE: usize = 8;

/// What the records workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct RecordsReport {
    /// Records sealed and stored.
    pub records: usize,
    /// Storing them (upload, durable write, registration committed), s.
    pub store_seconds: f64,
    /// Clinicians reading at once.
    pub readers: usize,
    /// Reads timed.
    pub reads: usize,
    /// Reads completed per second.
    pub reads_per_s: f64,
    /// The access logged (submission to receipt), ms: p50, p99, max.
    pub log_ms: [f64; 3],
    /// The key released (one request), ms: p50, p99, max.
    pub release_ms: [f64; 3],
    /// The read in full, ms: p50, p99, max.
    pub read_ms: [f64; 3],
    /// The in-process node's block interval, ms (none with --node).
    pub block_interval_ms: Option<u64>,
}

fn triple(mut us: Vec<u64>) -> [f64; 3] {
    us.sort_unstable();
    [
        percentile(&us, 0.50),
        percentile(&us, 0.99),
        us.last().copied().unwrap_or(0) as f64 / 1000.0,
    ]
}

impl RecordsReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        let f = |t: [f64; 3]| format!("p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", t[0], t[1], t[2]);
        format!(
            "records: {} records sealed, stored and registered in {:.1} s\n\
             reads: {} by {} clinicians at once ({:.0} reads/s){}\n\
             access logged (consent checked, submitted to receipt): {}\n\
             key released (consent checked again, unwrapped, wrapped for the reader): {}\n\
             read in full (logged, released, decrypted): {}\n",
            self.records,
            self.store_seconds,
            self.reads,
            self.readers,
            self.reads_per_s,
            self.block_interval_ms
                .map(|b| format!(", blocks every {b} ms"))
                .unwrap_or_default(),
            f(self.log_ms),
            f(self.release_ms),
            f(self.read_ms),
        )
    }
}

fn observation(n: usize) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"resourceType": "Observation", "id": format!("bench-{n}"), "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {"value": 100 + n % 80, "unit": "mmHg"}}),
    )
    .expect("JSON")
}

const AAD: &[u8] = b"publica/records/v1/Observation";

struct Run<'a> {
    http: &'a Http,
    chain: String,
    agency: String,
    tag: String,
}

impl Run<'_> {
    fn key(&self, what: &str, i: usize) -> Keypair {
        Keypair::from_seed(
            *publica_crypto::sha256(format!("{} {what} {i}", self.tag).as_bytes()).as_bytes(),
        )
    }

    /// Seals and uploads record `i` (registration signed by `admin` with
    /// `nonce`): its id.
    async fn upload(
        &self,
        admin: &Keypair,
        nonce: u64,
        store: &[u8; 32],
        i: usize,
    ) -> Result<String> {
        let dk = DataKey::generate();
        let ct = dk.encrypt(&observation(i), AAD);
        let record = hex::encode(publica_crypto::sha256(&ct).as_bytes());
        let body = TxBody::new(
            &self.chain,
            nonce,
            Expiry::UnixMs(publica_types::now_ms() + 5 * 60_000),
            "records",
            "register",
            json!({"agency": self.agency, "record": record,
                "subject": self.key("patient", i).account(), "record_type": "Observation", "size": ct.len()}),
        );
        let env = admin
            .sign_tx(admin.account(), body)
            .map_err(|e| anyhow!("{e}"))?;
        let r = self.http.http
            .post(format!("{}/v1/records/store", self.http.base))
            .json(&json!({"tx": env, "ciphertext": base64::engine::general_purpose::STANDARD.encode(&ct),
                "wrapped_key": hex::encode(dk.wrap_for(store).map_err(|e| anyhow!("{e}"))?)}))
            .send()
            .await?;
        if r.status().as_u16() != 202 {
            bail!("an upload was refused: {}", r.text().await?);
        }
        Ok(record)
    }

    /// One timed read of `record` by `reader` (nonce `nonce`): (log, release, whole) µs.
    async fn read(
        &self,
        reader: &Keypair,
        nonce: u64,
        record: &str,
        want: &[u8],
    ) -> Result<(u64, u64, u64)> {
        let sealing = SealKey::from_signing_seed(&reader.seed());
        let started = Instant::now();
        let env = sign(
            reader,
            reader.account(),
            &self.chain,
            nonce,
            "records",
            "access",
            json!({"record": record, "purpose": "treatment", "agency": self.agency,
                "reader_key": hex::encode(sealing.public())}),
        );
        let id = self
            .http
            .submit(&[env])
            .await?
            .pop()
            .ok_or_else(|| anyhow!("no result"))?
            .map_err(|e| anyhow!("an access was rejected: {e}"))?;
        self.http.committed_ok(&id).await.context("an access")?;
        let logged = started.elapsed();
        let r = self
            .http
            .http
            .post(format!("{}/v1/records/release", self.http.base))
            .json(&json!({ "access": id }))
            .send()
            .await?;
        let status = r.status().as_u16();
        let v: Value = r.json().await?;
        let released = started.elapsed();
        if status != 200 {
            bail!("a release was refused: {status} {v}");
        }
        let ct = base64::engine::general_purpose::STANDARD
            .decode(v["ciphertext"].as_str().unwrap_or_default())?;
        let dk = sealing
            .unwrap_key(&hex::decode(v["wrapped_key"].as_str().unwrap_or_default())?)
            .map_err(|e| anyhow!("the released key: {e}"))?;
        if dk
            .decrypt(&ct, AAD)
            .map_err(|e| anyhow!("the record: {e}"))?
            != want
        {
            bail!("record {record} decrypted to something else");
        }
        let us = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Ok((us(logged), us(released - logged), us(started.elapsed())))
    }

    /// Seals and uploads `records` records, each custodian its share in
    /// order (its nonces in order), then each patient consents. The ids.
    async fn store_all(
        &self,
        custodians: &[Keypair],
        records: usize,
        store: &[u8; 32],
    ) -> Result<Vec<String>> {
        let run = self;
        let (chain, agency, http) = (&self.chain, &self.agency, self.http);
        let shares = custodians.iter().enumerate().map(|(c, kp)| async move {
            let mut out = Vec::new();
            for (k, i) in (c..records).step_by(UPLOADS_AT_ONCE).enumerate() {
                out.push((i, run.upload(kp, 1 + k as u64, store, i).await?));
            }
            Ok::<_, anyhow::Error>(out)
        });
        let mut ids: Vec<(usize, String)> = futures_util::future::try_join_all(shares)
            .await?
            .into_iter()
            .flatten()
            .collect();
        ids.sort();
        let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();
        let grants: Vec<_> = (0..records).map(|i| {
            let p = run.key("patient", i);
            sign(&p, p.account(), chain, 1, "records", "grant", json!({"id": "care", "grantee": {"agency": agency},
                "purpose": "treatment", "record_types": ["Observation"], "expires_ms": publica_types::now_ms() + 86_400_000}))
        }).collect();
        for chunk in grants.chunks(1_000) {
            let last = http
                .submit(chunk)
                .await?
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow!("a consent was rejected: {e}"))?;
            if let Some(id) = last.last() {
                http.committed_ok(id).await.context("the consents")?;
            }
        }

        Ok(ids)
    }
}

/// Runs the workload: `records` stored, `reads` timed by `readers`
/// clinicians at once.
pub async fn run(
    cfg: &BenchConfig,
    records: usize,
    reads: usize,
    readers: usize,
) -> Result<RecordsReport> {
    let Session {
        target,
        agency,
        http,
        chain,
    } = Session::open(cfg).await?;
    let run = Run {
        http: &http,
        chain: chain.clone(),
        agency: agency.clone(),
        tag: run_tag()?,
    };
    let clinicians: Vec<Keypair> = (0..readers).map(|i| run.key("clinician", i)).collect();
    let admin = &target.admin;
    let me = admin.account();
    let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .unwrap_or(1);
    let custodians: Vec<Keypair> = (0..UPLOADS_AT_ONCE)
        .map(|i| run.key("custodian", i))
        .collect();
    let members = clinicians
        .iter()
        .map(|c| (c, "clinician"))
        .chain(custodians.iter().map(|c| (c, "custodian")))
        .map(|(c, role)| {
            (
                "identity",
                "add_member",
                json!({"agency": agency, "account": c.account(), "roles": [role]}),
            )
        })
        .collect();
    with_role(&http, admin, &chain, nonce, (&agency, "custodian"), members).await?;
    let store: [u8; 32] = hex::decode(
        http.get("/v1/records/store").await?["public_key"]
            .as_str()
            .unwrap_or_default(),
    )?
    .try_into()
    .map_err(|_| anyhow!("the store's key is 32 bytes"))?;
    eprintln!(
        "bench: records on {}: storing {records} records",
        target.url
    );
    let started = Instant::now();
    let ids = run.store_all(&custodians, records, &store).await?;
    // The last registration, then every one, committed.
    let store_seconds = started.elapsed().as_secs_f64();
    eprintln!("bench: stored in {store_seconds:.1} s; reading");
    let started = Instant::now();
    let per = reads.div_ceil(readers.max(1));
    let tasks = clinicians.iter().enumerate().map(|(c, kp)| {
        let run = &run;
        let ids = &ids;
        async move {
            let mut out = Vec::with_capacity(per);
            for k in 0..per {
                let i = (c * per + k) % ids.len();
                out.push(run.read(kp, 1 + k as u64, &ids[i], &observation(i)).await?);
            }
            Ok::<_, anyhow::Error>(out)
        }
    });
    let all: Vec<(u64, u64, u64)> = futures_util::future::try_join_all(tasks)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    Ok(RecordsReport {
        records,
        store_seconds,
        readers,
        reads: all.len(),
        reads_per_s: all.len() as f64 / seconds,
        log_ms: triple(all.iter().map(|t| t.0).collect()),
        release_ms: triple(all.iter().map(|t| t.1).collect()),
        read_ms: triple(all.iter().map(|t| t.2).collect()),
        block_interval_ms: target.block_interval_ms,
    })
}
