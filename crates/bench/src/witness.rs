//! `publica bench --workload witness`: a C2SP tlog-witness
//! (`publica_api::witness`, the service `publica witness` runs) on a
//! loopback port, with its directory on disk, fed by `--logs` logs at
//! once for `--duration` seconds. Each log grows by a few entries, signs
//! its checkpoint and submits it with a consistency proof from the size
//! the witness last cosigned, over a kept-alive connection, and checks the
//! cosignature it gets back; the witness checks the log's signature and
//! the proof, and writes its record to disk (fsync) before it answers.

use crate::load::percentile;
use anyhow::{anyhow, bail, Context, Result};
use publica_api::witness::Service;
use publica_crypto::Keypair;
use publica_log::cosign::check_line;
use publica_log::witness::{AddCheckpoint, LogKeys};
use publica_log::{Checkpoint, Cosigner, MerkleLog, NoteSigner, NoteVerifier};
use publica_types::Hash32;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Entries each log appends between two checkpoints.
const GROWTH: u64 = 16;

/// What the witness workload measured.
#[derive(Debug, Clone, Serialize)]
pub struct WitnessReport {
    /// Logs submitting at once.
    pub logs: usize,
    /// Seconds measured.
    pub duration_s: f64,
    /// Checkpoints cosigned (each answer's line checked).
    pub cosigned: u64,
    /// Cosigned per second.
    pub per_s: f64,
    /// Answer time, ms: median, 99th percentile.
    pub ms_p50: f64,
    /// See `ms_p50`.
    pub ms_p99: f64,
    /// Cores of the machine (the witness and the logs share them).
    pub cores: usize,
}

impl WitnessReport {
    /// The report as text.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "witness: {} logs submitting at once for {:.1} s: {} checkpoints cosigned ({:.0}/s), each checked (log signature, consistency proof, record fsynced) and its cosignature verified; answer p50 {:.2} ms, p99 {:.2} ms; {} cores shared by the witness and the logs\n",
            self.logs, self.duration_s, self.cosigned, self.per_s, self.ms_p50, self.ms_p99, self.cores
        )
    }
}

struct Log {
    signer: NoteSigner,
    tree: MerkleLog,
    cosigned: u64,
}

impl Log {
    fn request(&mut self, n: u64) -> Result<(AddCheckpoint, String)> {
        for i in 0..GROWTH {
            let mut leaf = [0u8; 32];
            leaf[..8].copy_from_slice(&n.to_be_bytes());
            leaf[8..16].copy_from_slice(&i.to_be_bytes());
            self.tree.append(Hash32(leaf));
        }
        let size = self.tree.len();
        let text = Checkpoint {
            origin: self.signer.name().to_string(),
            size,
            root: self.tree.root(),
            state: None,
        }
        .to_text();
        let proof = if self.cosigned == 0 {
            Vec::new()
        } else {
            self.tree.consistency_proof(self.cosigned, size)?
        };
        let req = AddCheckpoint {
            old_size: self.cosigned,
            proof,
            note: self.signer.sign(&text),
        };
        Ok((req, text))
    }
}

/// Runs the workload: `logs` logs for `duration_s` seconds.
pub async fn run(logs: usize, duration_s: u64) -> Result<WitnessReport> {
    if !(1..=1_024).contains(&logs) || !(1..=3_600).contains(&duration_s) {
        bail!("--logs is 1..=1024 and --duration 1..=3600");
    }
    let dir = tempfile::tempdir().context("a directory for the witness")?;
    let mut all = Vec::with_capacity(logs);
    let mut keys = Vec::with_capacity(logs);
    for i in 0..logs {
        let signer = NoteSigner::new(&format!("bench.example/log-{i}"), Keypair::generate())?;
        keys.push(LogKeys::Node(NoteVerifier::parse(&signer.verifier_key())?));
        all.push(Log {
            signer,
            tree: MerkleLog::new(),
            cosigned: 0,
        });
    }
    let cosigner = Cosigner::new("bench.example/witness", Keypair::generate())?;
    let key = cosigner.key();
    let service = Service::open(cosigner, keys, dir.path())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/add-checkpoint", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(publica_api::witness::serve(service, listener, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(logs)
        .build()?;
    let start = Instant::now();
    let until = start + Duration::from_secs(duration_s);
    let mut tasks = Vec::with_capacity(logs);
    for mut log in all {
        let (http, url, key) = (http.clone(), url.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut n = 0u64;
            while Instant::now() < until {
                n += 1;
                let (req, text) = log.request(n)?;
                let sent = Instant::now();
                let answer = http.post(&url).body(req.to_body()).send().await?;
                let status = answer.status();
                let body = answer.text().await?;
                times.push(sent.elapsed().as_micros() as u64);
                if !status.is_success() {
                    bail!("the witness refused a checkpoint: {status} {body}");
                }
                check_line(&key, &text, &body)
                    .map_err(|e| anyhow!("the witness's cosignature does not verify: {e}"))?;
                log.cosigned = log.tree.len();
            }
            Ok::<Vec<u64>, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;
    times.sort_unstable();
    Ok(WitnessReport {
        logs,
        duration_s: elapsed,
        cosigned: times.len() as u64,
        per_s: times.len() as f64 / elapsed,
        ms_p50: percentile(&times, 0.5),
        ms_p99: percentile(&times, 0.99),
        cores: std::thread::available_parallelism().map_or(1, usize::from),
    })
}
