//! `publica testnet init`: a local N-validator network written to a
//! directory (genesis, network file, keys and one config per validator;
//! see docs/operations.md).

use crate::error::{IoContext as _, ValidatorError};
use crate::files::{
    default_block_txs, default_burst, default_header_timeout, default_max_connections,
    default_max_connections_per_ip, default_rate, default_snapshot_interval,
    default_state_sync_after, default_threads, default_tx_burst, default_tx_rate, NetworkFile,
    ValidatorConfig, ValidatorEntry,
};
use publica_crypto::{KeyFile, Keypair};
use publica_identity::genesis::{Genesis, GenesisAgency, GenesisGovernance, GenesisValidators};
use publica_log::Cosigner;
use publica_node::NodeConfig;
use publica_types::AccountId;
use serde::Serialize;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What `publica testnet init` writes.
#[derive(Clone, Debug)]
pub struct InitPlan {
    /// Validators in the genesis set.
    pub validators: usize,
    /// Validators with keys and configs, outside the genesis set.
    pub spares: usize,
    /// Heights per engine epoch.
    pub epoch_blocks: u64,
    /// Each validator's `idle_block_ms`.
    pub idle_block_ms: u64,
    /// The address they listen on.
    pub host: std::net::IpAddr,
    /// The first port.
    pub base_port: u16,
}

/// Writes a new file, refusing to overwrite one.
fn write_new(path: &Path, text: &str) -> Result<(), ValidatorError> {
    let context = || format!("creating {}", path.display());
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .io_context(context)?;
    f.write_all(text.as_bytes()).io_context(context)?;
    f.sync_all().io_context(context)
}

fn pretty(v: &impl Serialize) -> String {
    serde_json::to_string_pretty(v).expect("init's files serialize") + "\n"
}

impl InitPlan {
    /// Validator `i`'s p2p address: base + i.
    fn p2p_addr(&self, i: usize) -> SocketAddr {
        SocketAddr::new(self.host, self.base_port + i as u16)
    }

    /// Validator `i`'s API address: base + T + i (T: validators and
    /// spares).
    fn api_addr(&self, i: usize) -> SocketAddr {
        let total = self.validators + self.spares;
        SocketAddr::new(self.host, self.base_port + (total + i) as u16)
    }

    /// Checks the plan's sizes, ports and chain id, and that `out` is new
    /// or empty.
    fn check(&self, out: &Path, chain_id: &str) -> Result<(), ValidatorError> {
        let invalid = |m: String| Err(ValidatorError::Invalid(m));
        let (n, host, base) = (self.validators, self.host, self.base_port);
        let max = publica_identity::validators::SET_MAX;
        if !(1..=max).contains(&n) {
            return invalid(format!("--validators must be 1..={max}"));
        }
        if self.spares > max {
            return invalid(format!("--spares must be at most {max}"));
        }
        let total = n + self.spares;
        let epochs = publica_identity::validators::EPOCH_BLOCKS_MIN
            ..=publica_identity::validators::EPOCH_BLOCKS_MAX;
        if !epochs.contains(&self.epoch_blocks) {
            return invalid(format!(
                "--epoch-blocks must be {}..={}",
                epochs.start(),
                epochs.end()
            ));
        }
        if host.is_unspecified() || host.is_multicast() {
            return invalid(format!(
                "--host must be an address the validators can dial, not {host}"
            ));
        }
        if u32::from(base) + 2 * total as u32 > u32::from(u16::MAX) || base == 0 {
            return invalid(format!(
                "--base-port must leave room for 2 x {total} ports below 65536"
            ));
        }
        let probe = NodeConfig {
            chain_id: chain_id.into(),
            ..NodeConfig::dev(out.to_path_buf())
        };
        if let Err(e) = probe.validate() {
            return invalid(format!("--chain-id: {e}"));
        }
        let not_empty = out.exists()
            && std::fs::read_dir(out)
                .io_context(|| format!("reading {}", out.display()))?
                .next()
                .is_some();
        if not_empty {
            return invalid(format!("{} exists and is not empty", out.display()));
        }
        Ok(())
    }
}

/// What `publica testnet init` wrote.
#[derive(Debug)]
pub struct InitReport {
    /// The genesis validators, each with its config file.
    pub validators: Vec<(ValidatorEntry, PathBuf)>,
    /// The spares, each with the file governance's `add_validator` names.
    pub spares: Vec<(ValidatorEntry, PathBuf)>,
    /// The validator set file an offline verifier reads.
    pub validator_set: PathBuf,
}

/// `publica testnet init`: writes a local network into `out` (keys
/// unencrypted: a test network only).
pub fn init(plan: InitPlan, out: &Path, chain_id: &str) -> Result<InitReport, ValidatorError> {
    plan.check(out, chain_id)?;
    std::fs::create_dir_all(out).io_context(|| format!("creating {}", out.display()))?;
    let n = plan.validators;
    let mut agencies = Vec::new();
    let mut validators = Vec::new();
    let mut configs = Vec::new();
    let mut spares = Vec::new();
    for i in 0..n + plan.spares {
        let (dir, entry, admin) = write_keys(&plan, out, i, chain_id)?;
        let config = config_for(&entry, plan.api_addr(i), plan.idle_block_ms);
        configs.push((dir.join("config.json"), config));
        if i < n {
            agencies.push(GenesisAgency {
                id: format!("agency-{i}"),
                name: format!("Agency {i}"),
                administrators: vec![admin],
                policy_threshold: 1,
            });
            validators.push(entry);
        } else {
            // What governance's add_validator names (and the API it
            // will serve, for people).
            write_new(&dir.join("validator.json"), &pretty(&entry.ledger_entry()))?;
            spares.push((entry, dir.join("validator.json")));
        }
    }
    let genesis = Genesis {
        version: 1,
        chain_id: chain_id.into(),
        agencies,
        governance: GenesisGovernance {
            create_agency_threshold: (n / 2 + 1) as u32,
        },
        validators: Some(GenesisValidators {
            epoch_blocks: plan.epoch_blocks,
            set: validators
                .iter()
                .map(ValidatorEntry::ledger_entry)
                .collect(),
        }),
    };
    genesis
        .validate()
        .map_err(|e| ValidatorError::invalid(e.to_string()))?;
    let network = NetworkFile {
        version: 1,
        chain_id: chain_id.into(),
        log_origin: format!("publica.network/{chain_id}"),
        validators,
    };
    network.check()?;
    write_new(&out.join("genesis.json"), &pretty(&genesis))?;
    write_new(&out.join("network.json"), &pretty(&network))?;
    write_new(
        &out.join("validators.json"),
        &network.validator_set()?.to_json(),
    )?;
    for (path, c) in &configs {
        write_new(path, &pretty(c))?;
    }
    Ok(InitReport {
        validators: network
            .validators
            .into_iter()
            .zip(configs)
            .map(|(entry, (config, _))| (entry, config))
            .collect(),
        spares,
        validator_set: out.join("validators.json"),
    })
}

/// Creates validator `i`'s directory with its three keys (consensus,
/// cosigner, agency administrator); its entry in the network file and its
/// administrator's account.
fn write_keys(
    plan: &InitPlan,
    out: &Path,
    i: usize,
    chain_id: &str,
) -> Result<(PathBuf, ValidatorEntry, AccountId), ValidatorError> {
    let name = format!("validator-{i}.{chain_id}");
    let dir = out.join(format!("validator-{i}"));
    std::fs::create_dir(&dir).io_context(|| format!("creating {}", dir.display()))?;
    let consensus = Keypair::generate();
    let cosigner = Keypair::generate();
    let admin = Keypair::generate();
    for (file, kp) in [
        ("consensus-key.json", &consensus),
        ("cosigner-key.json", &cosigner),
        ("admin-key.json", &admin),
    ] {
        KeyFile::seal(kp, None)
            .write_new(&dir.join(file))
            .map_err(|e| ValidatorError::invalid(e.to_string()))?;
    }
    let cosigner_key = Cosigner::new(&name, cosigner)
        .map_err(|e| ValidatorError::invalid(format!("validator name {name}: {e}")))?
        .key()
        .to_vkey();
    let entry = ValidatorEntry {
        name,
        consensus_key: consensus.account().to_string(),
        cosigner_key,
        p2p: plan.p2p_addr(i),
        api: format!("http://{}", plan.api_addr(i)),
    };
    Ok((dir, entry, admin.account()))
}

/// The config `init` writes for a validator (paths relative to its
/// directory, every setting at its default).
fn config_for(
    entry: &ValidatorEntry,
    api_listen: SocketAddr,
    idle_block_ms: u64,
) -> ValidatorConfig {
    ValidatorConfig {
        name: entry.name.clone(),
        data_dir: "data".into(),
        api_listen,
        p2p_listen: entry.p2p,
        consensus_key: "consensus-key.json".into(),
        cosigner_key: "cosigner-key.json".into(),
        genesis: "../genesis.json".into(),
        network: "../network.json".into(),
        block_txs_max: default_block_txs(),
        rate_limit: default_rate(),
        rate_burst: default_burst(),
        tx_rate_limit: default_tx_rate(),
        tx_burst: default_tx_burst(),
        worker_threads: default_threads(),
        idle_block_ms,
        snapshot_interval_blocks: default_snapshot_interval(),
        state_sync_after_blocks: default_state_sync_after(),
        state_sync_trusted_keys: Vec::new(),
        http_header_timeout_ms: default_header_timeout(),
        http_max_connections: default_max_connections(),
        http_max_connections_per_ip: default_max_connections_per_ip(),
        trusted_proxies: Vec::new(),
        witnesses: Vec::new(),
    }
}
