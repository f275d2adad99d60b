//! The files that describe a validator network: `network.json`, which
//! every validator shares, and one `config.json` per validator.

use crate::error::{IoContext as _, ValidatorError};
use publica_log::{CosignerKey, ValidatorSet};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Most validators in one network's genesis set.
pub const VALIDATORS_MAX: usize = publica_identity::validators::SET_MAX;

/// The network every validator shares: who the validators are and where
/// they listen.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Format version, 1.
    pub version: u32,
    /// The chain id.
    pub chain_id: String,
    /// Origin of the transparency log every validator keeps.
    pub log_origin: String,
    /// The validators.
    pub validators: Vec<ValidatorEntry>,
}

/// One validator in the network file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorEntry {
    /// Its name (a host-like name; it names its cosignatures).
    pub name: String,
    /// Its consensus public key, hex.
    pub consensus_key: String,
    /// Its cosigner verifier key (`name+id+base64`, C2SP vkey).
    pub cosigner_key: String,
    /// Where it listens for the other validators.
    pub p2p: SocketAddr,
    /// Its public API (for people, and for validators that sync state
    /// from it).
    pub api: String,
}

impl ValidatorEntry {
    /// The validator as the ledger's validator sets record it.
    pub fn ledger_entry(&self) -> publica_identity::Validator {
        publica_identity::Validator {
            name: self.name.clone(),
            consensus_key: self.consensus_key.clone(),
            cosigner_key: self.cosigner_key.clone(),
            address: self.p2p.to_string(),
        }
    }
}

impl NetworkFile {
    /// Reads and checks a network file.
    pub fn read(path: &Path) -> Result<NetworkFile, ValidatorError> {
        let text = std::fs::read_to_string(path)
            .io_context(|| format!("reading network file {}", path.display()))?;
        let net: NetworkFile = serde_json::from_str(&text).map_err(|e| {
            ValidatorError::invalid(format!("{}: not a network file: {e}", path.display()))
        })?;
        net.check()
            .map_err(|e| ValidatorError::invalid(format!("{}: {e}", path.display())))?;
        Ok(net)
    }

    /// Checks the version, sizes, keys and that nothing appears twice.
    pub fn check(&self) -> Result<(), ValidatorError> {
        if self.version != 1 {
            return Err(ValidatorError::invalid("version must be 1"));
        }
        if !(1..=VALIDATORS_MAX).contains(&self.validators.len()) {
            return Err(ValidatorError::invalid(format!(
                "a network has 1..={VALIDATORS_MAX} validators"
            )));
        }
        // The same rules as the ledger's sets (keys, names, addresses, no
        // repeats), and each cosigner key carries its validator's name.
        let entries: Vec<publica_identity::Validator> = self
            .validators
            .iter()
            .map(ValidatorEntry::ledger_entry)
            .collect();
        publica_identity::validators::check_set(&entries)
            .map_err(|e| ValidatorError::invalid(e.to_string()))?;
        for v in &entries {
            let ck = v
                .cosigner()
                .map_err(|e| ValidatorError::invalid(e.to_string()))?;
            if ck.name != v.name {
                return Err(ValidatorError::invalid(format!(
                    "validator '{}': its cosigner key is named '{}'",
                    v.name, ck.name
                )));
            }
        }
        Ok(())
    }

    /// The cosigners whose quorum makes a checkpoint final.
    pub fn validator_set(&self) -> Result<ValidatorSet, ValidatorError> {
        let keys = self
            .validators
            .iter()
            .map(|v| {
                CosignerKey::parse(&v.cosigner_key)
                    .map_err(|e| ValidatorError::invalid(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ValidatorSet::new(&self.log_origin, keys))
    }
}

impl ValidatorEntry {
    /// Its consensus public key (the network file was checked).
    pub fn consensus_key_bytes(&self) -> Result<[u8; 32], ValidatorError> {
        self.ledger_entry()
            .consensus_key_bytes()
            .map_err(|e| ValidatorError::invalid(e.to_string()))
    }
}

/// A validator's own settings; paths are relative to the file's directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorConfig {
    /// Its name in the network file.
    pub name: String,
    /// Block log, snapshots and the engine's storage.
    pub data_dir: PathBuf,
    /// Where its API listens.
    pub api_listen: SocketAddr,
    /// Where it listens for the other validators.
    pub p2p_listen: SocketAddr,
    /// Its consensus key file.
    pub consensus_key: PathBuf,
    /// Its cosigner key file (signs final checkpoints).
    pub cosigner_key: PathBuf,
    /// The genesis file.
    pub genesis: PathBuf,
    /// The network file.
    pub network: PathBuf,
    /// Most transactions it proposes in one block (1..=5000).
    #[serde(default = "default_block_txs")]
    pub block_txs_max: usize,
    /// API requests per second per client IP.
    #[serde(default = "default_rate")]
    pub rate_limit: u32,
    /// API burst per client IP.
    #[serde(default = "default_burst")]
    pub rate_burst: u32,
    /// Transactions per second a client IP may submit.
    #[serde(default = "default_tx_rate")]
    pub tx_rate_limit: u32,
    /// Transactions a client IP may submit at once.
    #[serde(default = "default_tx_burst")]
    pub tx_burst: u32,
    /// Worker threads of its async runtime.
    #[serde(default = "default_threads")]
    pub worker_threads: usize,
    /// How long, as leader, it waits for transactions (or a time-based rule
    /// falling due) before proposing an empty block (0..=60,000 ms): an
    /// idle network cuts one block per this interval. Above 900 ms the
    /// engine's round deadlines grow with it (docs/operations.md).
    #[serde(default = "default_idle")]
    pub idle_block_ms: u64,
    /// A state snapshot is written every this many blocks (what joiners
    /// sync from).
    #[serde(default = "default_snapshot_interval")]
    pub snapshot_interval_blocks: u64,
    /// At start, when a peer offers a checked floor more than this many
    /// blocks beyond this validator's ledger, it syncs state from a
    /// snapshot instead of executing every block (0: never).
    #[serde(default = "default_state_sync_after")]
    pub state_sync_after_blocks: u64,
    /// The consensus keys (hex) a floor must be signed by a quorum of; empty:
    /// the genesis set. Operators set the current set's keys here once
    /// governance has replaced most of the genesis validators.
    #[serde(default)]
    pub state_sync_trusted_keys: Vec<String>,
    /// The API's header-read timeout, ms (an idle keep-alive connection is
    /// closed after it too).
    #[serde(default = "default_header_timeout")]
    pub http_header_timeout_ms: u64,
    /// API connections open at once, in all.
    #[serde(default = "default_max_connections")]
    pub http_max_connections: usize,
    /// API connections open at once from one client address.
    #[serde(default = "default_max_connections_per_ip")]
    pub http_max_connections_per_ip: usize,
    /// Reverse proxies in front of the API whose `X-Forwarded-For` is
    /// believed (docs/deploy.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Witnesses this validator submits the quorum's checkpoints to,
    /// `<verifier key>@<URL>` each (docs/witnesses.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<String>,
}

pub(crate) fn default_header_timeout() -> u64 {
    publica_api::ConnectionLimits::default()
        .header_read_timeout
        .as_millis()
        .try_into()
        .unwrap_or(u64::MAX)
}
pub(crate) fn default_max_connections() -> usize {
    publica_api::ConnectionLimits::default().max_connections
}
pub(crate) fn default_max_connections_per_ip() -> usize {
    publica_api::ConnectionLimits::default().max_connections_per_ip
}

pub(crate) fn default_snapshot_interval() -> u64 {
    1_000
}

pub(crate) fn default_state_sync_after() -> u64 {
    10_000
}

/// The longest a leader may wait for transactions before an empty block.
pub const IDLE_BLOCK_MS_MAX: u64 = 60_000;

/// An idle network's interval between blocks, by default.
pub const IDLE_BLOCK_MS_DEFAULT: u64 = 10_000;

pub(crate) fn default_idle() -> u64 {
    IDLE_BLOCK_MS_DEFAULT
}

pub(crate) fn default_block_txs() -> usize {
    5_000
}
pub(crate) fn default_rate() -> u32 {
    publica_api::ApiConfig::default().rate_limit_per_s
}
pub(crate) fn default_burst() -> u32 {
    publica_api::ApiConfig::default().rate_limit_burst
}
pub(crate) fn default_tx_rate() -> u32 {
    publica_api::TX_RATE_PER_S_DEFAULT
}
pub(crate) fn default_tx_burst() -> u32 {
    publica_api::TX_BURST_DEFAULT
}
pub(crate) fn default_threads() -> usize {
    2
}

impl ValidatorConfig {
    /// Reads a config; its relative paths become relative to its directory.
    pub fn read(path: &Path) -> Result<ValidatorConfig, ValidatorError> {
        let text = std::fs::read_to_string(path)
            .io_context(|| format!("reading config {}", path.display()))?;
        let mut c: ValidatorConfig = serde_json::from_str(&text).map_err(|e| {
            ValidatorError::invalid(format!("{}: not a validator config: {e}", path.display()))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut c.data_dir,
            &mut c.consensus_key,
            &mut c.cosigner_key,
            &mut c.genesis,
            &mut c.network,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        c.check()
            .map_err(|e| ValidatorError::invalid(format!("{}: {e}", path.display())))?;
        Ok(c)
    }

    /// Checks every setting against its range.
    fn check(&self) -> Result<(), String> {
        if !(1..=5_000).contains(&self.block_txs_max) {
            return Err("block_txs_max must be 1..=5000".into());
        }
        if !(1..=64).contains(&self.worker_threads) {
            return Err("worker_threads must be 1..=64".into());
        }
        if self.state_sync_trusted_keys.len() > publica_identity::validators::SET_MAX {
            return Err(format!(
                "state_sync_trusted_keys names more than {} keys",
                publica_identity::validators::SET_MAX
            ));
        }
        self.trusted_keys()
            .map_err(|e| format!("state_sync_trusted_keys: {e}"))?;
        if !(1..=1_000_000).contains(&self.snapshot_interval_blocks) {
            return Err("snapshot_interval_blocks must be 1..=1000000".into());
        }
        if self.idle_block_ms > IDLE_BLOCK_MS_MAX {
            return Err(format!("idle_block_ms must be 0..={IDLE_BLOCK_MS_MAX}"));
        }
        if self.rate_limit == 0 || self.rate_burst == 0 {
            return Err("rate_limit and rate_burst must be at least 1".into());
        }
        if self.tx_rate_limit == 0 || self.tx_burst == 0 {
            return Err("tx_rate_limit and tx_burst must be at least 1".into());
        }
        if !(100..=600_000).contains(&self.http_header_timeout_ms) {
            return Err("http_header_timeout_ms must be 100..=600000".into());
        }
        if !(1..=65_536).contains(&self.http_max_connections)
            || !(1..=65_536).contains(&self.http_max_connections_per_ip)
        {
            return Err(
                "http_max_connections and http_max_connections_per_ip must be 1..=65536".into(),
            );
        }
        publica_api::witnessing::parse_targets(&self.witnesses)?;
        Ok(())
    }

    /// Checks that both its ports are free, before anything starts, for a
    /// clear error.
    pub fn check_ports(&self) -> Result<(), ValidatorError> {
        for (what, addr) in [("p2p", self.p2p_listen), ("API", self.api_listen)] {
            std::net::TcpListener::bind(addr)
                .io_context(|| format!("cannot listen on {addr} ({what})"))?;
        }
        Ok(())
    }
}

impl ValidatorConfig {
    /// The consensus keys `state_sync_trusted_keys` names (parsed as the
    /// account ids they are), each once.
    pub fn trusted_keys(&self) -> Result<Vec<publica_bft::ConsensusKey>, ValidatorError> {
        let mut keys = Vec::with_capacity(self.state_sync_trusted_keys.len());
        for k in &self.state_sync_trusted_keys {
            let account: publica_types::AccountId = k
                .parse()
                .map_err(|_| ValidatorError::invalid(format!("'{k}' is not a 32-byte hex key")))?;
            let key = publica_bft::network::public_key(&account.0)
                .map_err(|e| ValidatorError::invalid(format!("'{k}': {e}")))?;
            if keys.contains(&key) {
                return Err(ValidatorError::invalid(format!("'{k}' is named twice")));
            }
            keys.push(key);
        }
        Ok(keys)
    }
}
