//! `publica bench --workload epcis`: medicines traceability at national
//! scale. The bench's official becomes a `regulator` of its agency and
//! licenses a manufacturer (a company prefix of its own for the run) with
//! 64 capturing accounts. Then:
//!
//! 1. **fill**: `--packs` serialised packs commissioned in events of 1,000
//!    (timed: packs per second);
//! 2. **capture**: `--events` EPCIS events — half commissioning one pack
//!    each, half `inspecting` observations of those packs by their
//!    custodian — in `medicines.capture_batch` transactions of 50 events
//!    pre-signed before the clock starts, submitted over HTTP batches with
//!    at most 20,000 events in flight, timed from the first submission to
//!    the last receipt (events per second committed; each receipt must
//!    show every event of its transaction captured);
//! 3. **verify**: 1,000 "verify this pack" answers
//!    (`GET /v1/medicines/verify`) for random packs of the fill, each timed
//!    in full, with the packs in state; each must be authentic.

use crate::load::{percentile, BenchConfig};
use crate::setup::{run_tag, sign, Http, Session};
use anyhow::{anyhow, bail, Context, Result};
use publica_crypto::Keypair;
use publica_types::Envelope;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Instant;

/// Capturing accounts (the registry's most per party).
const ACCOUNTS: usize = 64;
/// Packs per fill event.
const FILL_PER_EVENT: u64 = 1_000;
/// Events per `medicines.capture_batch` transaction in the capture phase.
const EVENTS_PER_TX: usize = 50;
/// Transactions per batch request in the capture phase.
const BATCH: usize = 100;
/// Batch requests in flight before the next waits for the oldest's
/// receipt (20,000 events).
const WINDOW: usize = 4;
/// Verifications timed.
const SAMPLES: usize = 1_000;

/// What the EPCIS workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct EpcisReport {
    /// Packs commissioned by the fill.
    pub fill_packs: u64,
    /// Fill time, seconds.
    pub fill_seconds: f64,
    /// Packs committed per second during the fill.
    pub fill_packs_per_s: f64,
    /// Events captured in the timed phase.
    pub events: usize,
    /// From the first submission to the last receipt, seconds.
    pub capture_seconds: f64,
    /// Events committed per second.
    pub events_per_s: f64,
    /// Packs in state when verifying (fill and capture).
    pub packs_in_state: u64,
    /// Verifications timed.
    pub verify_samples: usize,
    /// One verification over HTTP, ms: median, 99th percentile, slowest.
    pub verify_ms_p50: f64,
    /// See `verify_ms_p50`.
    pub verify_ms_p99: f64,
    /// See `verify_ms_p50`.
    pub verify_ms_max: f64,
}

impl EpcisReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "epcis: fill of {} packs in {:.1} s ({:.0} packs/s)\n\
             capture: {} events in {:.2} s ({:.0} events/s committed)\n\
             verify this pack with {} packs in state, over HTTP ({} answers): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
            self.fill_packs,
            self.fill_seconds,
            self.fill_packs_per_s,
            self.events,
            self.capture_seconds,
            self.events_per_s,
            self.packs_in_state,
            self.verify_samples,
            self.verify_ms_p50,
            self.verify_ms_p99,
            self.verify_ms_max
        )
    }
}

/// The run's manufacturer: its prefix (10 digits, from the run tag), its
/// location and capturing keys.
struct Maker {
    id: String,
    prefix: String,
    gln: String,
    keys: Vec<Keypair>,
}

fn check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

impl Maker {
    fn new(tag: &str) -> Maker {
        let h = publica_crypto::sha256(tag.as_bytes());
        let n = u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")) % 1_000_000_000;
        let prefix = format!("7{n:09}");
        let gln12 = format!("{prefix}00");
        Maker {
            id: format!("bench-{}", tag.to_lowercase()),
            gln: format!("{gln12}{}", check_digit(&gln12)),
            keys: (0..ACCOUNTS)
                .map(|i| {
                    Keypair::from_seed(
                        *publica_crypto::sha256(format!("{tag} {i}").as_bytes()).as_bytes(),
                    )
                })
                .collect(),
            prefix,
        }
    }

    /// A pack's EPC URI: item reference 001, the serial given.
    fn pack(&self, serial: &str) -> String {
        format!("urn:epc:id:sgtin:{}.001.{serial}", self.prefix)
    }

    fn event(&self, fields: Value) -> Value {
        let time = format_now();
        let mut e = json!({"type": "ObjectEvent", "eventTime": time, "eventTimeZoneOffset": "+00:00",
            "@context": [{"cbvmda": "urn:epcglobal:cbv:mda:"}],
            "bizLocation": {"id": format!("urn:epc:id:sgln:{}.00.0", self.prefix)}});
        for (k, v) in fields.as_object().expect("an object") {
            e[k] = v.clone();
        }
        e
    }

    fn commission(&self, epcs: &[String]) -> Value {
        self.event(json!({"action": "ADD", "bizStep": "commissioning", "disposition": "active",
            "epcList": epcs, "ilmd": {"cbvmda:lotNumber": "L1", "cbvmda:itemExpirationDate": "2099-12-31"}}))
    }

    fn inspect(&self, epc: &str) -> Value {
        self.event(json!({"action": "OBSERVE", "bizStep": "inspecting", "disposition": "active", "epcList": [epc]}))
    }
}

/// Now, as EPCIS writes it (UTC, milliseconds).
fn format_now() -> String {
    publica_medicines::hash::format_time(publica_types::now_ms())
}

/// Signs `events` in `medicines.capture_batch` transactions of `per_tx`
/// (`medicines.capture` when 1), the `k`th by account `k % 64`, each
/// account's nonces following `nonces`.
fn presign_batches(
    maker: &Maker,
    chain: &str,
    nonces: &mut [u64],
    events: &[Value],
    per_tx: usize,
) -> Vec<Envelope> {
    events
        .chunks(per_tx)
        .enumerate()
        .map(|(k, chunk)| {
            let i = k % ACCOUNTS;
            let kp = &maker.keys[i];
            let n = nonces[i];
            nonces[i] += 1;
            let (method, args) = match chunk {
                [one] => ("capture", json!({ "event": one })),
                _ => ("capture_batch", json!({ "events": chunk })),
            };
            sign(kp, kp.account(), chain, n, "medicines", method, args)
        })
        .collect()
}

/// Submits `txs` in batches of `batch` with at most `window` batches
/// awaiting their receipts; returns when every account's last is
/// committed.
/// Submits `txs` in batch requests of `batch`, with at most `window`
/// requests in flight (the oldest's last receipt awaited before the next),
/// then awaits every signer's last receipt. Their ids, in order.
pub(crate) async fn pump(
    http: &Http,
    txs: &[Envelope],
    batch: usize,
    window: usize,
) -> Result<Vec<String>> {
    let mut pending: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let mut last = std::collections::BTreeMap::new();
    let mut all = Vec::with_capacity(txs.len());
    for chunk in txs.chunks(batch) {
        if pending.len() >= window {
            let oldest = pending.pop_front().expect("a pending batch");
            http.committed_ok(&oldest).await.context("a capture")?;
        }
        let ids = http.submit(chunk).await?;
        let mut tail = None;
        for (env, id) in chunk.iter().zip(ids) {
            let id = id.map_err(|e| anyhow!("a capture was rejected: {e}"))?;
            last.insert(env.signer, id.clone());
            all.push(id.clone());
            tail = Some(id);
        }
        pending.extend(tail);
    }
    for id in last.values() {
        http.committed_ok(id).await.context("a capture")?;
    }
    Ok(all)
}

/// Runs the workload on `cfg`'s node (or one started in this process).
///
/// # Errors
/// A setup call refused, a capture refused, a node that does not answer,
/// or a pack that does not verify.
pub async fn run(cfg: &BenchConfig, packs: u64, events: usize) -> Result<EpcisReport> {
    let Session {
        target,
        agency,
        http,
        chain,
    } = Session::open(cfg).await?;
    let maker = Maker::new(&run_tag()?);
    setup(&http, &target.admin, &chain, &agency, &maker).await?;
    eprintln!(
        "bench: epcis on {}: party {} (prefix {}), fill of {packs} packs",
        target.url, maker.id, maker.prefix
    );
    let mut nonces = vec![1u64; ACCOUNTS];
    // Fill.
    let fill_events = packs.div_ceil(FILL_PER_EVENT);
    let fill_events: Vec<Value> = (0..fill_events)
        .map(|e| {
            let from = e * FILL_PER_EVENT;
            let to = packs.min(from + FILL_PER_EVENT);
            let epcs: Vec<String> = (from..to).map(|n| maker.pack(&format!("F{n}"))).collect();
            maker.commission(&epcs)
        })
        .collect();
    let fill = presign_batches(&maker, &chain, &mut nonces, &fill_events, 1);
    drop(fill_events);
    let started = Instant::now();
    // Fill events are ~43 KB: batches of 100 stay under the batch limit.
    pump(&http, &fill, 100, 4).await.context("the fill")?;
    let fill_seconds = started.elapsed().as_secs_f64();
    drop(fill);
    // Capture: half commissioning, half inspections of those packs.
    let half = (events / 2).max(1);
    // The inspections of a batch's packs are signed by the account that
    // commissioned them, with later nonces: they run after.
    let commissions: Vec<Value> = (0..half)
        .map(|k| maker.commission(&[maker.pack(&format!("C{k}"))]))
        .collect();
    let inspections: Vec<Value> = (0..half)
        .map(|k| maker.inspect(&maker.pack(&format!("C{k}"))))
        .collect();
    let mut txs = presign_batches(&maker, &chain, &mut nonces, &commissions, EVENTS_PER_TX);
    txs.extend(presign_batches(
        &maker,
        &chain,
        &mut nonces,
        &inspections,
        EVENTS_PER_TX,
    ));
    eprintln!(
        "bench: {} capture events signed in {} transactions; capturing",
        2 * half,
        txs.len()
    );
    let started = Instant::now();
    let ids = pump(&http, &txs, BATCH, WINDOW)
        .await
        .context("the capture")?;
    let capture_seconds = started.elapsed().as_secs_f64();
    // Every event of every receipt captured, none refused.
    let expected = commissions
        .chunks(EVENTS_PER_TX)
        .chain(inspections.chunks(EVENTS_PER_TX))
        .map(<[Value]>::len);
    for (id, want) in ids.iter().zip(expected) {
        let r = http.get(&format!("/v1/transactions/{id}")).await?;
        let events = r["outcome"]["events"]
            .as_array()
            .map_or(0, |e| e.iter().filter(|e| e["kind"] == "captured").count());
        if events != want {
            bail!(
                "transaction {id} captured {events} events: {}",
                r["outcome"]
            );
        }
    }
    let us = timed_verifies(&http, &maker, packs).await?;
    Ok(EpcisReport {
        fill_packs: packs,
        fill_seconds,
        fill_packs_per_s: packs as f64 / fill_seconds,
        events: 2 * half,
        capture_seconds,
        events_per_s: (2 * half) as f64 / capture_seconds,
        packs_in_state: packs + half as u64,
        verify_samples: us.len(),
        verify_ms_p50: percentile(&us, 0.5),
        verify_ms_p99: percentile(&us, 0.99),
        verify_ms_max: percentile(&us, 1.0),
    })
}

/// Times [`SAMPLES`] verifications of random packs of the fill, each of
/// which must be authentic; their µs, sorted.
async fn timed_verifies(http: &Http, maker: &Maker, packs: u64) -> Result<Vec<u64>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut us = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES.min(usize::try_from(packs).unwrap_or(usize::MAX)) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let uri = maker.pack(&format!("F{}", x % packs.max(1)));
        let path = format!(
            "/v1/medicines/verify?uri={}",
            publica_types::uri::encode(&uri)
        );
        let t = Instant::now();
        let v = http.get(&path).await?;
        us.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
        if v["authentic"] != true {
            bail!("{uri} does not verify: {}", v["problems"]);
        }
    }
    us.sort_unstable();
    Ok(us)
}

/// Makes the official a regulator of `agency` (one of the two calls may
/// fail: a member already, or not yet one) and registers the run's
/// manufacturer.
async fn setup(
    http: &Http,
    admin: &Keypair,
    chain: &str,
    agency: &str,
    maker: &Maker,
) -> Result<()> {
    let me = admin.account();
    let nonce = http.get(&format!("/v1/accounts/{me}/nonce")).await?["next_nonce"]
        .as_u64()
        .ok_or_else(|| anyhow!("no nonce"))?;
    let accounts: Vec<String> = maker.keys.iter().map(|k| k.account().to_hex()).collect();
    crate::setup::with_role(
        http,
        admin,
        chain,
        nonce,
        (agency, "regulator"),
        vec![(
            "medicines",
            "register_party",
            json!({"agency": agency, "id": maker.id, "name": "Bench Pharma", "kind": "manufacturer",
                   "company_prefixes": [maker.prefix], "glns": [maker.gln], "accounts": accounts}),
        )],
    )
    .await?;
    Ok(())
}
