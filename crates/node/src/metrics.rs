//! Counters exported in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes one gauge in the Prometheus text format.
pub fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// Writes one counter in the Prometheus text format.
pub fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

/// The node's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Transactions accepted into the mempool.
    pub txs_admitted_total: AtomicU64,
    /// Transactions rejected at admission.
    pub txs_rejected_total: AtomicU64,
    /// Transactions committed in blocks (ok or failed).
    pub txs_committed_total: AtomicU64,
    /// Committed transactions whose call failed.
    pub txs_failed_total: AtomicU64,
    /// Blocks committed.
    pub blocks_committed_total: AtomicU64,
    /// Time spent executing and persisting blocks, microseconds.
    pub block_commit_us_total: AtomicU64,
    /// Of which executing transactions, microseconds.
    pub block_execute_us_total: AtomicU64,
    /// Of which hashing (state, log, roots), encoding and fsync, microseconds.
    pub block_hash_persist_us_total: AtomicU64,
    /// HTTP requests refused by the rate limiter.
    pub http_rate_limited_total: AtomicU64,
    /// HTTP connections closed on arrival for a connection cap.
    pub http_connections_refused_total: AtomicU64,
}

impl Metrics {
    /// Adds to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Renders all metrics, with the given gauges, as Prometheus text.
    pub fn render(&self, height: u64, mempool_txs: usize, state_entries: usize) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: &AtomicU64| {
            counter(&mut out, name, help, v.load(Ordering::Relaxed));
        };
        counter(
            "publica_txs_admitted_total",
            "Transactions accepted into the mempool.",
            &self.txs_admitted_total,
        );
        counter(
            "publica_txs_rejected_total",
            "Transactions rejected at admission.",
            &self.txs_rejected_total,
        );
        counter(
            "publica_txs_committed_total",
            "Transactions committed in blocks.",
            &self.txs_committed_total,
        );
        counter(
            "publica_txs_failed_total",
            "Committed transactions whose call failed.",
            &self.txs_failed_total,
        );
        counter(
            "publica_blocks_committed_total",
            "Blocks committed.",
            &self.blocks_committed_total,
        );
        counter(
            "publica_block_commit_microseconds_total",
            "Time spent executing and persisting blocks.",
            &self.block_commit_us_total,
        );
        counter(
            "publica_block_execute_microseconds_total",
            "Time spent executing transactions in blocks.",
            &self.block_execute_us_total,
        );
        counter(
            "publica_block_hash_persist_microseconds_total",
            "Time spent hashing, encoding and syncing blocks.",
            &self.block_hash_persist_us_total,
        );
        counter(
            "publica_http_rate_limited_total",
            "HTTP requests refused by the rate limiter.",
            &self.http_rate_limited_total,
        );
        counter(
            "publica_http_connections_refused_total",
            "HTTP connections closed on arrival: over the total or per-address cap.",
            &self.http_connections_refused_total,
        );
        gauge(
            &mut out,
            "publica_block_height",
            "Height of the last committed block.",
            height,
        );
        gauge(
            &mut out,
            "publica_mempool_txs",
            "Transactions waiting in the mempool.",
            mempool_txs,
        );
        gauge(
            &mut out,
            "publica_state_entries",
            "Entries in the authenticated state.",
            state_entries,
        );
        out
    }
}
