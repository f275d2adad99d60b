//! `publica bench --workload status-list`: a national-scale W3C Bitstring
//! Status List through the ledger and over HTTP. The bench's official
//! becomes an `issuer` of its agency, creates a list of 1,048,576 entries,
//! revokes 10,000 of them in ten `credentials.set_status` transactions
//! submitted at once (timed until the last is committed), then fetches the
//! whole list (`GET /v1/credentials/status/{institution}/{list}`, the
//! `BitstringStatusListCredential` rebuilt from the ledger's state) and
//! single entries with their proofs, each repeatedly, timing every answer
//! in full. The list it reads back must show exactly the revocations made.

use crate::load::{percentile, BenchConfig, Target};
use crate::setup::{run_tag, sign, Http};
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Instant;

/// Entries in the list.
pub const ENTRIES: u64 = 1 << 20;
/// Entries revoked.
pub const REVOKED: usize = 10_000;
/// Entries per `set_status` (the module's most).
const PER_TX: usize = 1_000;
/// Times each read is repeated.
const SAMPLES: usize = 30;

/// What the status-list workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct StatusListReport {
    /// Entries in the list.
    pub entries: u64,
    /// Entries revoked, and the transactions that did it.
    pub revoked: usize,
    /// `set_status` transactions.
    pub revoke_txs: usize,
    /// From submitting them to the last one's receipt, seconds.
    pub revoke_seconds: f64,
    /// Revocations committed per second over that time.
    pub revocations_per_s: f64,
    /// Whole-list fetches timed.
    pub serve_samples: usize,
    /// Whole list over HTTP, ms: median, 99th percentile, slowest.
    pub serve_ms_p50: f64,
    /// See `serve_ms_p50`.
    pub serve_ms_p99: f64,
    /// See `serve_ms_p50`.
    pub serve_ms_max: f64,
    /// The answer's size in bytes.
    pub list_bytes: usize,
    /// One entry with its state proof over HTTP, ms (median).
    pub entry_ms_p50: f64,
}

impl StatusListReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "status list: {} entries, {} revoked by {} transactions in {:.2} s ({:.0} revocations/s committed)\n\
             whole list over HTTP ({} bytes, {} fetches): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n\
             one entry with its state proof over HTTP: p50 {:.2} ms\n",
            self.entries,
            self.revoked,
            self.revoke_txs,
            self.revoke_seconds,
            self.revocations_per_s,
            self.list_bytes,
            self.serve_samples,
            self.serve_ms_p50,
            self.serve_ms_p99,
            self.serve_ms_max,
            self.entry_ms_p50
        )
    }
}

/// Distinct pseudo-random indexes below [`ENTRIES`] (xorshift, fixed seed).
fn indexes() -> Vec<u64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut set = BTreeSet::new();
    while set.len() < REVOKED {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        set.insert(x % ENTRIES);
    }
    set.into_iter().collect()
}

/// Times `n` GETs of `path`, each read in full; their µs, sorted, and the
/// last answer.
async fn timed_gets(http: &Http, path: &str, n: usize) -> Result<(Vec<u64>, Vec<u8>)> {
    let mut us = Vec::with_capacity(n);
    let mut last = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let r = http
            .http
            .get(format!("{}{path}", http.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        last = r.bytes().await?.to_vec();
        us.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
        if !status.is_success() {
            bail!("GET {path}: {status} {}", String::from_utf8_lossy(&last));
        }
    }
    us.sort_unstable();
    Ok((us, last))
}

/// Makes the official an issuer of `agency` (one of the two calls may
/// fail: a member already, or not yet one) and creates the list; the next
/// nonce.
async fn setup(
    http: &Http,
    admin: &publica_crypto::Keypair,
    chain: &str,
    nonce: u64,
    agency: &str,
    list: &str,
) -> Result<u64> {
    crate::setup::with_role(
        http,
        admin,
        chain,
        nonce,
        (agency, "issuer"),
        vec![(
            "credentials",
            "create_status_list",
            json!({"agency": agency, "id": list, "purpose": "revocation", "size": ENTRIES}),
        )],
    )
    .await
}

/// Runs the workload on `cfg`'s node (or one started in this process).
///
/// # Errors
/// A setup call refused, a node that does not answer, or a list read back
/// that does not show the revocations made.
pub async fn run(cfg: &BenchConfig) -> Result<StatusListReport> {
    let target = Target::start(cfg).await?;
    let agency = if cfg.node.is_some() {
        cfg.agency.clone()
    } else {
        "dev-agency".to_string()
    };
    let http = Http::new(&target.url)?;
    let admin = &target.admin;
    let me = admin.account();
    let chain = http.get("/v1/status").await?["chain_id"]
        .as_str()
        .ok_or_else(|| anyhow!("no chain id"))?
        .to_string();
    let mut nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .ok_or_else(|| anyhow!("no nonce"))?;
    let list = format!("bench-{}", run_tag()?.to_lowercase());
    eprintln!(
        "bench: status list {list} of {ENTRIES} entries on {}",
        target.url
    );
    nonce = setup(&http, admin, &chain, nonce, &agency, &list).await?;
    // Revocations: all submitted at once, timed to the last receipt.
    let revoked = indexes();
    let txs: Vec<_> = revoked
        .chunks(PER_TX)
        .enumerate()
        .map(|(i, chunk)| {
            sign(
                admin,
                me,
                &chain,
                nonce + i as u64,
                "credentials",
                "set_status",
                json!({"agency": agency, "list": list, "indexes": chunk, "status": true}),
            )
        })
        .collect();
    let started = Instant::now();
    let ids = http.submit(&txs).await?;
    for id in ids {
        let id = id.map_err(|e| anyhow!("a set_status was rejected: {e}"))?;
        http.committed_ok(&id).await.context("a set_status")?;
    }
    let revoke_seconds = started.elapsed().as_secs_f64();
    // Serving: the whole list, then single entries.
    let path = format!("/v1/credentials/status/{agency}/{list}");
    let (serve, body) = timed_gets(&http, &path, SAMPLES).await?;
    let v: Value = serde_json::from_slice(&body).context("the status list answer")?;
    let bits = v["credentialSubject"]["encodedList"]
        .as_str()
        .and_then(|e| publica_credentials::status::decode(e, (ENTRIES / 8) as usize))
        .ok_or_else(|| anyhow!("the list's encodedList does not decode"))?;
    let set: u32 = bits.iter().map(|b| b.count_ones()).sum();
    if set as usize != REVOKED {
        bail!("the list served shows {set} revocations, not the {REVOKED} made");
    }
    let (entry, _) = timed_gets(&http, &format!("{path}/{}", revoked[0]), SAMPLES).await?;
    Ok(StatusListReport {
        entries: ENTRIES,
        revoked: REVOKED,
        revoke_txs: txs.len(),
        revoke_seconds,
        revocations_per_s: REVOKED as f64 / revoke_seconds,
        serve_samples: SAMPLES,
        serve_ms_p50: percentile(&serve, 0.5),
        serve_ms_p99: percentile(&serve, 0.99),
        serve_ms_max: percentile(&serve, 1.0),
        list_bytes: body.len(),
        entry_ms_p50: percentile(&entry, 0.5),
    })
}
