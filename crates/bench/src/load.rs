//! The measured run.

use crate::report::{Latency, Reference, Report};
use crate::setup::{self, Batch, Http};
use anyhow::{anyhow, Context, Result};
use futures_util::StreamExt;
use publica_crypto::Keypair;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to run.
pub struct BenchConfig {
    /// A node's URL, or `None` to start a node in this process.
    pub node: Option<String>,
    /// Administrator key of an agency of the target chain (in-process: made up).
    pub admin: Option<Keypair>,
    /// The agency `admin` administers.
    pub agency: String,
    /// Its PID, to read its memory and CPU (in-process: this process).
    pub node_pid: Option<u32>,
    /// Measured seconds.
    pub duration_s: u64,
    /// Open-loop rate in tx/s; 0 for closed loop.
    pub rate: u64,
    /// Accounts transferring.
    pub accounts: usize,
    /// Concurrent submitters.
    pub concurrency: usize,
    /// Transactions per batch request.
    pub batch: usize,
    /// Also measure the reference points.
    pub reference: bool,
    /// Other validators of the node's network: submitters are spread over
    /// the node and these (each account always goes to the same one).
    pub submit_to: Vec<String>,
    /// Closed loop: most transactions submitted and not yet committed at
    /// once, over all submitters (0: unbounded, the mempool fills and
    /// refuses the excess).
    pub in_flight: usize,
    /// The in-process node's longest wait before cutting a block, ms
    /// (`None`: the node's default). Ignored with `node`.
    pub block_interval_ms: Option<u64>,
}

/// Most transactions pre-signed for one run.
const PRESIGN_MAX: usize = 5_000_000;
/// Pre-signed per second of a closed-loop run (above the target, so the
/// node, not the supply, is the limit).
const CLOSED_LOOP_SUPPLY_PER_S: usize = 70_000;

#[derive(Default)]
struct Shared {
    submitted_at: Mutex<HashMap<String, Instant>>,
    latencies_us: Mutex<Vec<u64>>,
    committed: AtomicU64,
    failed: AtomicU64,
    blocks: AtomicU64,
    rejected: AtomicU64,
    submitted: AtomicU64,
}

pub(crate) fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

/// A `block` event, as far as the bench reads it.
#[derive(serde::Deserialize)]
struct BlockEvent<'a> {
    #[serde(borrow)]
    outcomes: Vec<OutcomeSeen<'a>>,
}

#[derive(serde::Deserialize)]
struct OutcomeSeen<'a> {
    tx_id: &'a str,
    status: &'a str,
}

/// Follows committed blocks over server-sent events.
async fn follow(
    http: Http,
    shared: Arc<Shared>,
    measuring: Arc<std::sync::atomic::AtomicBool>,
) -> Result<()> {
    let resp = http
        .http
        // Brief outcomes: the ids and statuses are all the bench reads, and
        // the full ones would cost the node (whose cores it shares) about a
        // twentieth of its CPU to write and the bench as much to read.
        .get(format!("{}/v1/events?outcomes=brief", http.base))
        .timeout(Duration::from_secs(3600))
        .send()
        .await?;
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    // Bytes of `buf` already searched for an event's end.
    let mut searched: usize = 0;
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk?);
        while let Some(end) = buf[searched.saturating_sub(1)..]
            .windows(2)
            .position(|w| w == b"\n\n")
            .map(|p| p + searched.saturating_sub(1))
        {
            let rest = buf.split_off(end + 2);
            let event = String::from_utf8_lossy(&std::mem::replace(&mut buf, rest)).into_owned();
            searched = 0;
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) else {
                continue;
            };
            let Ok(block) = serde_json::from_str::<BlockEvent>(data.trim()) else {
                continue;
            };
            let now = Instant::now();
            if !measuring.load(Ordering::SeqCst) {
                continue;
            }
            shared.blocks.fetch_add(1, Ordering::Relaxed);
            let mut at = shared.submitted_at.lock().expect("lock");
            let mut lat = Vec::with_capacity(block.outcomes.len());
            for o in &block.outcomes {
                if let Some(t) = at.remove(o.tx_id) {
                    lat.push(now.duration_since(t).as_micros() as u64);
                    shared.committed.fetch_add(1, Ordering::Relaxed);
                    if o.status != "ok" {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            drop(at);
            shared.latencies_us.lock().expect("lock").extend(lat);
        }
        searched = buf.len();
    }
    Ok(())
}

async fn submitter(
    http: Http,
    queue: Vec<Batch>,
    pace: Pace,
    until: Instant,
    shared: Arc<Shared>,
) -> Result<()> {
    let mut next = Instant::now();
    for Batch {
        body,
        ids: chunk_ids,
    } in queue
    {
        let len = chunk_ids.len();
        if Instant::now() >= until {
            break;
        }
        match pace {
            Pace::Every(iv) => {
                tokio::time::sleep_until(next.into()).await;
                next += iv;
            }
            Pace::InFlight(max) => {
                // Wait for commits to make room (the follower removes
                // committed transactions from `submitted_at`).
                while max > 0 && Instant::now() < until && {
                    let n = shared.submitted_at.lock().expect("lock").len();
                    n > 0 && n + len > max
                } {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
        if Instant::now() >= until {
            break;
        }
        let sent = Instant::now();
        {
            let mut at = shared.submitted_at.lock().expect("lock");
            for id in &chunk_ids {
                at.insert(id.clone(), sent);
            }
        }
        let results = http.submit_encoded(body).await?;
        shared.submitted.fetch_add(len as u64, Ordering::Relaxed);
        let mut at = shared.submitted_at.lock().expect("lock");
        for (r, id) in results.iter().zip(&chunk_ids) {
            if r.is_err() {
                at.remove(id);
                shared.rejected.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

/// How a submitter paces its batches.
#[derive(Clone, Copy)]
enum Pace {
    /// Open loop: one batch every interval.
    Every(Duration),
    /// Closed loop: as fast as commits make room under this many
    /// transactions in flight (0: no bound).
    InFlight(usize),
}

/// Runs the benchmark.
pub async fn run(cfg: BenchConfig) -> Result<Report> {
    let target = Target::start(&cfg).await?;
    let agency = if cfg.node.is_some() {
        cfg.agency.clone()
    } else {
        "dev-agency".to_string()
    };
    let http = Http::new(&target.url)?;
    eprintln!(
        "bench: setting up {} accounts on {}",
        cfg.accounts, target.url
    );
    let queues = presigned(&cfg, &http, &target.admin, &agency).await?;
    let shared = Arc::new(Shared::default());
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let follower = tokio::spawn(follow(http.clone(), shared.clone(), measuring.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let usage = NodeUsage::start(&cfg);
    eprintln!("bench: running for {} s", cfg.duration_s);
    let started = Instant::now();
    let until = started + Duration::from_secs(cfg.duration_s);
    submit_all(&cfg, &http, queues, until, &shared).await?;
    // Let the last blocks land, then stop counting.
    let drain_until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < drain_until && !shared.submitted_at.lock().expect("lock").is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    measuring.store(false, Ordering::SeqCst);
    let cpu_end = usage.pid.and_then(crate::sys::cpu_seconds);
    follower.abort();
    let mut report = report(
        &cfg,
        &shared,
        elapsed,
        &usage,
        cpu_end,
        target.block_interval_ms,
    );
    if cfg.reference {
        eprintln!("bench: measuring reference points");
        report.reference = Some(reference_points(report.committed_tx_per_s).await?);
    }
    Ok(report)
}

/// The node the bench runs against: the one at `cfg.node`, or one started
/// in this process (on a temporary directory, with a made-up
/// administrator), which lives as long as this does.
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) admin: Keypair,
    /// The in-process node's block interval, for the report.
    pub(crate) block_interval_ms: Option<u64>,
    // Declared before `_dir`, so that the node stops before its directory
    // goes.
    _node: Option<publica_node::Node>,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    pub(crate) async fn start(cfg: &BenchConfig) -> Result<Target> {
        if let Some(u) = &cfg.node {
            return Ok(Target {
                url: u.clone(),
                admin: cfg
                    .admin
                    .as_ref()
                    .map(|k| Keypair::from_seed(k.seed()))
                    .ok_or_else(|| anyhow!("a node URL needs --admin-key"))?,
                block_interval_ms: None,
                _node: None,
                _dir: None,
            });
        }
        let dir = tempfile::tempdir()?;
        let admin = Keypair::generate();
        let mut config = publica_node::NodeConfig::dev(dir.path().to_path_buf());
        if let Some(ms) = cfg.block_interval_ms {
            config.block_interval_ms = ms;
        }
        let block_interval_ms = Some(config.block_interval_ms);
        config.genesis = Some(publica_identity::Genesis::dev(
            "publica-dev",
            admin.account(),
        ));
        let node =
            tokio::task::spawn_blocking(move || publica_node::Node::start_dev(config)).await??;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let api = publica_api::ApiConfig {
            rate_limit_per_s: 1_000_000,
            rate_limit_burst: 1_000_000,
            tx_rate_per_s: 1_000_000,
            tx_burst: 1_000_000,
            network: None,
            ..publica_api::ApiConfig::default()
        };
        let n2 = node.clone();
        tokio::spawn(publica_api::serve(
            n2,
            listener,
            api,
            std::future::pending(),
        ));
        Ok(Target {
            url,
            admin,
            block_interval_ms,
            _node: Some(node),
            _dir: Some(dir),
        })
    }
}

/// Sets up the bench's accounts and pre-signs the run's transfers, one
/// queue of batches per submitter.
async fn presigned(
    cfg: &BenchConfig,
    http: &Http,
    admin: &Keypair,
    agency: &str,
) -> Result<Vec<Vec<Batch>>> {
    let prepared = setup::prepare(http, admin, agency, cfg.accounts)
        .await
        .context("setting up the bench's currency and accounts")?;
    let supply = if cfg.rate > 0 {
        cfg.rate as usize
    } else {
        CLOSED_LOOP_SUPPLY_PER_S
    };
    let count = (supply * cfg.duration_s as usize).min(PRESIGN_MAX);
    eprintln!("bench: pre-signing {count} transfers");
    let queues = tokio::task::spawn_blocking({
        let workers = cfg.concurrency;
        let batch = cfg.batch;
        move || {
            let q = setup::presign(&prepared, count, workers, batch);
            (q, prepared)
        }
    })
    .await?
    .0;
    Ok(queues)
}

/// Runs one submitter per queue until `until`, spread over the node and
/// `cfg.submit_to`, and waits for all of them.
async fn submit_all(
    cfg: &BenchConfig,
    http: &Http,
    queues: Vec<Vec<Batch>>,
    until: Instant,
    shared: &Arc<Shared>,
) -> Result<()> {
    let pace = if cfg.rate > 0 {
        Pace::Every(Duration::from_secs_f64(
            cfg.batch as f64 * cfg.concurrency as f64 / cfg.rate as f64,
        ))
    } else {
        Pace::InFlight(cfg.in_flight)
    };
    let mut targets = vec![http.clone()];
    for u in &cfg.submit_to {
        targets.push(Http::new(u)?);
    }
    let workers: Vec<_> = queues
        .into_iter()
        .enumerate()
        .map(|(k, q)| {
            tokio::spawn(submitter(
                targets[k % targets.len()].clone(),
                q,
                pace,
                until,
                shared.clone(),
            ))
        })
        .collect();
    for w in workers {
        w.await??;
    }
    Ok(())
}

/// The node process whose resources the report shows, and its CPU time
/// when the run began.
struct NodeUsage {
    pid: Option<u32>,
    cpu_start_s: Option<f64>,
    /// Whether its peak RSS was reset, so that it is the run's own.
    peak_reset: bool,
}

impl NodeUsage {
    fn start(cfg: &BenchConfig) -> Self {
        let pid = cfg.node_pid.or(cfg.node.is_none().then(std::process::id));
        let cpu_start_s = pid.and_then(crate::sys::cpu_seconds);
        let peak_reset = pid.is_some_and(crate::sys::reset_peak_rss);
        NodeUsage {
            pid,
            cpu_start_s,
            peak_reset,
        }
    }
}

/// The run's report from what it counted over `elapsed` seconds, without
/// reference points.
fn report(
    cfg: &BenchConfig,
    shared: &Shared,
    elapsed: f64,
    usage: &NodeUsage,
    cpu_end_s: Option<f64>,
    block_interval_ms: Option<u64>,
) -> Report {
    let pid = usage.pid;
    let mut lat = shared.latencies_us.lock().expect("lock").clone();
    lat.sort_unstable();
    let committed = shared.committed.load(Ordering::Relaxed);
    let blocks = shared.blocks.load(Ordering::Relaxed);
    Report {
        target: match (&cfg.node, cfg.submit_to.len()) {
            (None, _) => "in-process".into(),
            (Some(u), 0) => u.clone(),
            (Some(u), n) => format!("{u} and {n} more validators"),
        },
        rate_per_s: cfg.rate,
        duration_s: elapsed,
        accounts: cfg.accounts,
        submitted: shared.submitted.load(Ordering::Relaxed),
        committed,
        rejected: shared.rejected.load(Ordering::Relaxed),
        failed_in_block: shared.failed.load(Ordering::Relaxed),
        committed_tx_per_s: committed as f64 / elapsed,
        latency: Latency {
            p50_ms: percentile(&lat, 0.5),
            p90_ms: percentile(&lat, 0.9),
            p99_ms: percentile(&lat, 0.99),
            max_ms: percentile(&lat, 1.0),
        },
        blocks,
        blocks_per_s: blocks as f64 / elapsed,
        avg_block_txs: if blocks == 0 {
            0.0
        } else {
            committed as f64 / blocks as f64
        },
        node_peak_rss_mib: pid.and_then(crate::sys::peak_rss_mib),
        node_peak_rss_since_start: !usage.peak_reset,
        node_rss_mib: pid.and_then(crate::sys::rss_mib),
        in_flight_max: if cfg.rate > 0 { 0 } else { cfg.in_flight },
        block_interval_ms,
        node_cpu_percent: usage
            .cpu_start_s
            .zip(cpu_end_s)
            .map(|(a, b)| (b - a) / elapsed * 100.0),
        reference: None,
    }
}

/// Measures the reference points on this machine and sets `tps`, the
/// run's committed transactions per second, against them.
async fn reference_points(tps: f64) -> Result<Reference> {
    let ed = tokio::task::spawn_blocking(crate::reference::ed25519_batch_verify_per_s).await?;
    let pg = tokio::task::spawn_blocking(|| crate::reference::postgres_rows_per_s(10)).await?;
    Ok(Reference {
        ed25519_batch_verify_per_s: ed,
        ratio_vs_ed25519: tps / ed,
        ratio_vs_postgres: pg.as_ref().ok().map(|p| tps / p),
        postgres_rows_per_s: pg.as_ref().ok().copied(),
        postgres_note: pg.err().map(|e| format!("{e:#}")),
    })
}
