//! The benchmark report.

use serde::Serialize;

/// Latency percentiles, ms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

/// Reference points measured on the same machine in the same run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reference {
    /// Ed25519 signatures verified per second in batches, one core.
    pub ed25519_batch_verify_per_s: f64,
    /// PostgreSQL inserts, one row per commit, synchronous_commit=on.
    pub postgres_rows_per_s: Option<f64>,
    /// Why PostgreSQL was not measured, when it was not.
    pub postgres_note: Option<String>,
    /// Committed transactions per second / PostgreSQL rows per second.
    pub ratio_vs_postgres: Option<f64>,
    /// Committed transactions per second / Ed25519 verifications per second.
    pub ratio_vs_ed25519: f64,
}

/// Everything a run measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// `in-process` or the node URL.
    pub target: String,
    /// Open-loop rate asked for (0: closed loop).
    pub rate_per_s: u64,
    /// Measured seconds.
    pub duration_s: f64,
    /// Accounts transferring.
    pub accounts: usize,
    /// Transactions submitted in the window.
    pub submitted: u64,
    /// Transactions committed in the window.
    pub committed: u64,
    /// Transactions rejected at admission.
    pub rejected: u64,
    /// Committed transactions whose call failed.
    pub failed_in_block: u64,
    /// Committed per second.
    pub committed_tx_per_s: f64,
    /// Submit-to-durable-commit latency.
    pub latency: Latency,
    /// Blocks committed in the window.
    pub blocks: u64,
    /// Blocks per second.
    pub blocks_per_s: f64,
    /// Mean transactions per block.
    pub avg_block_txs: f64,
    /// Node's peak RSS during the window, MiB (in-process: the whole bench
    /// process); over the node's whole life when the peak could not be
    /// reset (`node_peak_rss_since_start`).
    pub node_peak_rss_mib: Option<f64>,
    /// True when `node_peak_rss_mib` covers the node's life, set-up included.
    pub node_peak_rss_since_start: bool,
    /// Node's RSS at the end of the window, MiB.
    pub node_rss_mib: Option<f64>,
    /// Closed loop: most transactions submitted and not yet committed at
    /// once (0: unbounded).
    pub in_flight_max: usize,
    /// The in-process node's longest wait before cutting a block, ms
    /// (`None`: a node the bench did not start).
    pub block_interval_ms: Option<u64>,
    /// Node CPU use during the window, percent of one core.
    pub node_cpu_percent: Option<f64>,
    /// Reference points, with `--reference`.
    pub reference: Option<Reference>,
}

impl Report {
    /// A human-readable summary.
    pub fn text(&self) -> String {
        let mut s = format!(
            "target            {}\nmode              {}\naccounts          {}\nwindow            {:.1} s\nsubmitted         {}\ncommitted         {} ({:.0} tx/s)\nrejected          {}\nfailed in block   {}\nlatency           p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms\nblocks            {} ({:.1}/s, {:.0} tx/block)\n",
            self.target,
            if self.rate_per_s == 0 { if self.in_flight_max == 0 { "closed loop".to_string() } else { format!("closed loop, at most {} in flight", self.in_flight_max) } } else { format!("open loop at {} tx/s", self.rate_per_s) },
            self.accounts,
            self.duration_s,
            self.submitted,
            self.committed,
            self.committed_tx_per_s,
            self.rejected,
            self.failed_in_block,
            self.latency.p50_ms,
            self.latency.p90_ms,
            self.latency.p99_ms,
            self.latency.max_ms,
            self.blocks,
            self.blocks_per_s,
            self.avg_block_txs,
        );
        if let Some(ms) = self.block_interval_ms {
            s.push_str(&format!("block interval    {ms} ms at most\n"));
        }
        if let Some(m) = self.node_peak_rss_mib {
            let when = if self.node_peak_rss_since_start {
                "since the node started"
            } else {
                "during the window"
            };
            s.push_str(&format!("node peak RSS     {m:.0} MiB {when}\n"));
        }
        if let Some(m) = self.node_rss_mib {
            s.push_str(&format!("node RSS at end   {m:.0} MiB\n"));
        }
        if let Some(c) = self.node_cpu_percent {
            s.push_str(&format!("node CPU          {c:.0} % of one core\n"));
        }
        if let Some(r) = &self.reference {
            s.push_str(&format!(
                "ed25519 batch     {:.0} verifications/s on one core (ratio {:.2})\n",
                r.ed25519_batch_verify_per_s, r.ratio_vs_ed25519
            ));
            match (r.postgres_rows_per_s, &r.postgres_note) {
                (Some(p), _) => s.push_str(&format!(
                    "postgresql        {p:.0} rows/s, one row per commit (ratio {:.1}x)\n",
                    r.ratio_vs_postgres.unwrap_or(0.0)
                )),
                (None, Some(n)) => s.push_str(&format!("postgresql        not measured: {n}\n")),
                _ => {}
            }
        }
        s
    }
}
