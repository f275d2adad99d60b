//! `publica node --config FILE` for a chain one agency runs on one node:
//! the config file of a production single node (`docs/deploy.md`). A file
//! naming a `network` is a validator's (`docs/operations.md`); one without
//! is this.

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A single node's settings, field by field in `docs/deploy.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SingleNodeConfig {
    /// The data directory (block log, snapshots, keys the node makes).
    pub data_dir: PathBuf,
    /// Address of the HTTP API and portal.
    pub api_listen: String,
    /// The chain's genesis file (`docs/genesis.md`): required, so that a
    /// production node never makes up a dev chain.
    pub genesis: PathBuf,
    /// Longest wait before a block holding transactions is cut, ms.
    #[serde(default = "default_block_ms")]
    pub block_ms: u64,
    /// A block is cut as soon as this many transactions wait.
    #[serde(default = "default_block_txs")]
    pub block_txs_max: usize,
    /// A state snapshot every this many blocks.
    #[serde(default = "default_snapshot")]
    pub snapshot_interval_blocks: u64,
    /// Requests per second per client IP.
    #[serde(default = "default_rate")]
    pub rate_limit: u32,
    /// Burst of requests per client IP.
    #[serde(default = "default_burst")]
    pub rate_burst: u32,
    /// Transactions per second per client IP.
    #[serde(default = "default_tx_rate")]
    pub tx_rate_limit: u32,
    /// Transactions a client IP may submit at once.
    #[serde(default = "default_tx_burst")]
    pub tx_burst: u32,
    /// A request's header must arrive whole within this many ms.
    #[serde(default = "default_header_timeout")]
    pub http_header_timeout_ms: u64,
    /// HTTP connections open at once, in all.
    #[serde(default = "default_connections")]
    pub http_max_connections: u64,
    /// HTTP connections open at once from one client address.
    #[serde(default = "default_connections_per_ip")]
    pub http_max_connections_per_ip: u64,
    /// The portal merges payment figures with fewer recipients than this.
    #[serde(default = "default_min_cell")]
    pub min_cell_recipients: u64,
    /// Origin of the transparency log (default `publica.local/<chain id>`).
    #[serde(default)]
    pub log_origin: Option<String>,
    /// Reverse proxies in front of the node whose `X-Forwarded-For` is
    /// believed (the per-client limits then apply to the clients behind).
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Witnesses to submit each checkpoint to, `<verifier key>@<URL>`
    /// each (docs/witnesses.md).
    #[serde(default)]
    pub witnesses: Vec<String>,
}

fn default_block_ms() -> u64 {
    100
}
fn default_block_txs() -> usize {
    10_000
}
fn default_snapshot() -> u64 {
    1_000
}

// The API's settings default to what the API itself uses, as for `publica
// dev` and validators: one place decides them.
fn api() -> publica_api::ApiConfig {
    publica_api::ApiConfig::default()
}
fn default_rate() -> u32 {
    api().rate_limit_per_s
}
fn default_burst() -> u32 {
    api().rate_limit_burst
}
fn default_tx_rate() -> u32 {
    api().tx_rate_per_s
}
fn default_tx_burst() -> u32 {
    api().tx_burst
}
fn default_header_timeout() -> u64 {
    u64::try_from(api().connections.header_read_timeout.as_millis()).unwrap_or(u64::MAX)
}
fn default_connections() -> u64 {
    u64::try_from(api().connections.max_connections).unwrap_or(u64::MAX)
}
fn default_connections_per_ip() -> u64 {
    u64::try_from(api().connections.max_connections_per_ip).unwrap_or(u64::MAX)
}
fn default_min_cell() -> u64 {
    api().min_cell_recipients
}

/// Fails unless `v` is within `lo..=hi`, naming the field.
fn within<T: PartialOrd + std::fmt::Display>(field: &str, v: T, lo: T, hi: T) -> Result<()> {
    if v < lo || v > hi {
        bail!("{field} must be {lo}..={hi}, not {v}");
    }
    Ok(())
}

impl SingleNodeConfig {
    /// Reads `path`: paths in it are relative to its folder.
    pub fn read(path: &Path, text: &str) -> Result<SingleNodeConfig> {
        let mut c: SingleNodeConfig =
            serde_json::from_str(text).with_context(|| format!("{}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        c.data_dir = base.join(&c.data_dir);
        c.genesis = base.join(&c.genesis);
        c.check().map_err(|e| anyhow!("{}: {e}", path.display()))?;
        Ok(c)
    }

    fn check(&self) -> Result<()> {
        within("block_ms", self.block_ms, 1, 60_000)?;
        within(
            "block_txs_max",
            self.block_txs_max,
            1,
            publica_types::limits::BLOCK_TXS_MAX,
        )?;
        within(
            "snapshot_interval_blocks",
            self.snapshot_interval_blocks,
            1,
            1_000_000,
        )?;
        within("rate_limit", self.rate_limit, 1, u32::MAX)?;
        within("rate_burst", self.rate_burst, 1, u32::MAX)?;
        within("tx_rate_limit", self.tx_rate_limit, 1, u32::MAX)?;
        within("tx_burst", self.tx_burst, 1, u32::MAX)?;
        within(
            "http_header_timeout_ms",
            self.http_header_timeout_ms,
            100,
            600_000,
        )?;
        within("http_max_connections", self.http_max_connections, 1, 65_536)?;
        within(
            "http_max_connections_per_ip",
            self.http_max_connections_per_ip,
            1,
            65_536,
        )?;
        within(
            "min_cell_recipients",
            self.min_cell_recipients,
            1,
            1_000_000,
        )?;
        if !self.genesis.is_file() {
            bail!(
                "genesis {} is not a file: a production node starts from the chain's genesis file (docs/genesis.md)",
                self.genesis.display()
            );
        }
        Ok(())
    }
}

/// Whether the config file at `path` (read as `text`) is a validator's: it
/// names a `network`.
pub fn is_validator_config(path: &Path, text: &str) -> Result<bool> {
    let v: serde_json::Value =
        serde_json::from_str(text).with_context(|| format!("{}: not JSON", path.display()))?;
    if !v.is_object() {
        bail!("{}: a node's config is a JSON object", path.display());
    }
    Ok(v.get("network").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../deploy/node.json");

    #[test]
    fn the_example_config_is_a_single_nodes_and_the_docs_show_it() {
        let path = Path::new("deploy/node.json");
        assert!(!is_validator_config(path, EXAMPLE).unwrap());
        let c: SingleNodeConfig = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(c.trusted_proxies.len(), 1);
        let docs = include_str!("../../../docs/deploy.md");
        assert!(
            docs.contains(EXAMPLE.trim()),
            "docs/deploy.md shows deploy/node.json"
        );
        assert!(is_validator_config(path, r#"{"network": "network.json"}"#).unwrap());
        assert!(is_validator_config(path, "[]").is_err());
        // Unset API settings are the API's own defaults (as in deploy/node.json).
        let min: SingleNodeConfig =
            serde_json::from_str(r#"{"data_dir": "d", "api_listen": "x", "genesis": "g"}"#)
                .unwrap();
        let full: SingleNodeConfig = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(
            (
                min.rate_limit,
                min.rate_burst,
                min.tx_rate_limit,
                min.tx_burst
            ),
            (
                full.rate_limit,
                full.rate_burst,
                full.tx_rate_limit,
                full.tx_burst
            )
        );
        assert_eq!(
            (
                min.http_header_timeout_ms,
                min.http_max_connections,
                min.http_max_connections_per_ip
            ),
            (
                full.http_header_timeout_ms,
                full.http_max_connections,
                full.http_max_connections_per_ip
            )
        );
    }
}
