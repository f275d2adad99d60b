//! A validator network: the files that describe one (`network.json`, one
//! `config.json` per validator), `publica testnet init` that writes a local
//! one, `publica node --config` that runs one validator with its API, and
//! `publica testnet run` that starts every validator of a local network.

use crate::commands::{open_key, PassArgs};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use publica_bft::network::{Admit, ValidatorNet};
use publica_bft::{Finality, NodeExecutor, PublicaApp};
use publica_crypto::{KeyFile, Keypair};
use publica_identity::genesis::{Genesis, GenesisAgency, GenesisGovernance, GenesisValidators};
use publica_log::{Cosigner, CosignerKey, ValidatorSet};
use publica_node::{Node, NodeConfig};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Newest evidence records shown on the status page.
const EVIDENCE_SHOWN: usize = 100;
/// Most validators in one network's genesis set.
pub const VALIDATORS_MAX: usize = publica_identity::validators::SET_MAX;

#[derive(Subcommand, Debug)]
pub enum TestnetCmd {
    /// Write a local N-validator network: genesis, network file, keys and
    /// one config per validator (docs/operations.md).
    Init {
        /// How many validators (1..=16; 4 tolerates one faulty).
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Directory to create (must not exist or be empty).
        #[arg(long)]
        out: PathBuf,
        /// The chain id.
        #[arg(long, default_value = "publica-testnet")]
        chain_id: String,
        /// Address the validators listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// First port: validator i's p2p port is base+i, its API
        /// base+T+i (T: validators and spares).
        #[arg(long, default_value_t = 26600)]
        base_port: u16,
        /// Spare validators: keys and configs, not in the genesis set, for
        /// governance to add later (docs/operations.md).
        #[arg(long, default_value_t = 0)]
        spares: usize,
        /// Heights per engine epoch: a validator-set change takes effect
        /// at the start of the epoch after the one it is approved in.
        #[arg(long, default_value_t = 1_000)]
        epoch_blocks: u64,
    },
    /// Start every validator of a network written by `init`, each as its
    /// own `publica node` process (logs in each validator's directory),
    /// until Ctrl-C.
    Run {
        /// The directory `init` wrote.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// The validator's config file (written by `publica testnet init`).
    #[arg(long)]
    config: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
}

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
    pub fn read(path: &Path) -> Result<NetworkFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading network file {}", path.display()))?;
        let net: NetworkFile = serde_json::from_str(&text)
            .map_err(|e| anyhow!("{}: not a network file: {e}", path.display()))?;
        net.check()
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        Ok(net)
    }

    /// Checks the version, sizes, keys and that nothing appears twice.
    pub fn check(&self) -> Result<()> {
        if self.version != 1 {
            bail!("version must be 1");
        }
        if !(1..=VALIDATORS_MAX).contains(&self.validators.len()) {
            bail!("a network has 1..={VALIDATORS_MAX} validators");
        }
        // The same rules as the ledger's sets (keys, names, addresses, no
        // repeats), and each cosigner key carries its validator's name.
        let entries: Vec<publica_identity::Validator> = self
            .validators
            .iter()
            .map(ValidatorEntry::ledger_entry)
            .collect();
        publica_identity::validators::check_set(&entries).map_err(|e| anyhow!("{e}"))?;
        for v in &entries {
            let ck = v.cosigner().map_err(|e| anyhow!("{e}"))?;
            if ck.name != v.name {
                bail!(
                    "validator '{}': its cosigner key is named '{}'",
                    v.name,
                    ck.name
                );
            }
        }
        Ok(())
    }

    /// The cosigners whose quorum makes a checkpoint final.
    pub fn validator_set(&self) -> Result<ValidatorSet> {
        let keys = self
            .validators
            .iter()
            .map(|v| CosignerKey::parse(&v.cosigner_key).map_err(|e| anyhow!("{e}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(ValidatorSet::new(&self.log_origin, keys))
    }
}

/// A validator's consensus public key (the network file was checked).
fn consensus_key(v: &ValidatorEntry) -> Result<[u8; 32]> {
    v.ledger_entry()
        .consensus_key_bytes()
        .map_err(|e| anyhow!("{e}"))
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
    /// Worker threads of its async runtime.
    #[serde(default = "default_threads")]
    pub worker_threads: usize,
    /// How long, as leader, it waits for transactions before proposing an
    /// empty block (0..=900 ms; the engine's leader timeout is 1 s).
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
}

fn default_snapshot_interval() -> u64 {
    1_000
}

fn default_state_sync_after() -> u64 {
    10_000
}

fn default_idle() -> u64 {
    500
}

fn default_block_txs() -> usize {
    5_000
}
fn default_rate() -> u32 {
    2_000
}
fn default_burst() -> u32 {
    4_000
}
fn default_threads() -> usize {
    2
}

impl ValidatorConfig {
    /// Reads a config; its relative paths become relative to its directory.
    pub fn read(path: &Path) -> Result<ValidatorConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut c: ValidatorConfig = serde_json::from_str(&text)
            .map_err(|e| anyhow!("{}: not a validator config: {e}", path.display()))?;
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
        if !(1..=5_000).contains(&c.block_txs_max) {
            bail!("{}: block_txs_max must be 1..=5000", path.display());
        }
        if !(1..=64).contains(&c.worker_threads) {
            bail!("{}: worker_threads must be 1..=64", path.display());
        }
        if c.state_sync_trusted_keys.len() > publica_identity::validators::SET_MAX {
            bail!(
                "{}: state_sync_trusted_keys names more than {} keys",
                path.display(),
                publica_identity::validators::SET_MAX
            );
        }
        c.trusted_keys()
            .map_err(|e| anyhow!("{}: state_sync_trusted_keys: {e}", path.display()))?;
        if !(1..=1_000_000).contains(&c.snapshot_interval_blocks) {
            bail!(
                "{}: snapshot_interval_blocks must be 1..=1000000",
                path.display()
            );
        }
        if c.idle_block_ms > 900 {
            bail!("{}: idle_block_ms must be 0..=900", path.display());
        }
        if c.rate_limit == 0 || c.rate_burst == 0 {
            bail!(
                "{}: rate_limit and rate_burst must be at least 1",
                path.display()
            );
        }
        Ok(c)
    }
}

impl ValidatorConfig {
    /// The consensus keys `state_sync_trusted_keys` names (parsed as the
    /// account ids they are), each once.
    pub fn trusted_keys(&self) -> Result<Vec<publica_bft::ConsensusKey>, String> {
        let mut keys = Vec::with_capacity(self.state_sync_trusted_keys.len());
        for k in &self.state_sync_trusted_keys {
            let account: publica_types::AccountId = k
                .parse()
                .map_err(|_| format!("'{k}' is not a 32-byte hex key"))?;
            let key =
                publica_bft::network::public_key(&account.0).map_err(|e| format!("'{k}': {e}"))?;
            if keys.contains(&key) {
                return Err(format!("'{k}' is named twice"));
            }
            keys.push(key);
        }
        Ok(keys)
    }
}

/// Writes a new file, refusing to overwrite one.
fn write_new(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

fn pretty(v: &impl Serialize) -> String {
    serde_json::to_string_pretty(v).expect("serializes") + "\n"
}

/// What `publica testnet init` writes.
pub struct InitPlan {
    /// Validators in the genesis set.
    pub validators: usize,
    /// Validators with keys and configs, outside the genesis set.
    pub spares: usize,
    /// Heights per engine epoch.
    pub epoch_blocks: u64,
    /// The address they listen on.
    pub host: std::net::IpAddr,
    /// The first port.
    pub base_port: u16,
}

/// `publica testnet init`.
pub fn init(plan: InitPlan, out: &Path, chain_id: &str) -> Result<()> {
    let (n, host, base) = (plan.validators, plan.host, plan.base_port);
    let max = publica_identity::validators::SET_MAX;
    if !(1..=max).contains(&n) {
        bail!("--validators must be 1..={max}");
    }
    if plan.spares > max {
        bail!("--spares must be at most {max}");
    }
    let total = n + plan.spares;
    if !(publica_identity::validators::EPOCH_BLOCKS_MIN
        ..=publica_identity::validators::EPOCH_BLOCKS_MAX)
        .contains(&plan.epoch_blocks)
    {
        bail!(
            "--epoch-blocks must be {}..={}",
            publica_identity::validators::EPOCH_BLOCKS_MIN,
            publica_identity::validators::EPOCH_BLOCKS_MAX
        );
    }
    if host.is_unspecified() || host.is_multicast() {
        bail!("--host must be an address the validators can dial, not {host}");
    }
    if u32::from(base) + 2 * total as u32 > u32::from(u16::MAX) || base == 0 {
        bail!("--base-port must leave room for 2 x {total} ports below 65536");
    }
    let probe = NodeConfig {
        chain_id: chain_id.into(),
        ..NodeConfig::dev(out.to_path_buf())
    };
    probe.validate().map_err(|e| anyhow!("--chain-id: {e}"))?;
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_some()
    {
        bail!("{} exists and is not empty", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut agencies = Vec::new();
    let mut validators = Vec::new();
    let mut configs = Vec::new();
    let mut spares = Vec::new();
    for i in 0..total {
        let name = format!("validator-{i}.{chain_id}");
        let dir = out.join(format!("validator-{i}"));
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let consensus = Keypair::generate();
        let cosigner = Keypair::generate();
        let admin = Keypair::generate();
        for (file, kp) in [
            ("consensus-key.json", &consensus),
            ("cosigner-key.json", &cosigner),
            ("admin-key.json", &admin),
        ] {
            KeyFile::seal(kp, None).write_new(&dir.join(file))?;
        }
        let cosigner_key = Cosigner::new(&name, cosigner)
            .map_err(|e| anyhow!("validator name {name}: {e}"))?
            .key()
            .to_vkey();
        let p2p = SocketAddr::new(host, base + i as u16);
        let api = SocketAddr::new(host, base + (total + i) as u16);
        let entry = ValidatorEntry {
            name: name.clone(),
            consensus_key: consensus.account().to_string(),
            cosigner_key,
            p2p,
            api: format!("http://{api}"),
        };
        if i < n {
            agencies.push(GenesisAgency {
                id: format!("agency-{i}"),
                name: format!("Agency {i}"),
                administrators: vec![admin.account()],
                policy_threshold: 1,
            });
            validators.push(entry);
        } else {
            // What governance's add_validator names (and the API it
            // will serve, for people).
            let v = entry.ledger_entry();
            write_new(&dir.join("validator.json"), &pretty(&v))?;
            spares.push((entry, dir.join("validator.json")));
        }
        configs.push((
            dir.join("config.json"),
            ValidatorConfig {
                name,
                data_dir: "data".into(),
                api_listen: api,
                p2p_listen: p2p,
                consensus_key: "consensus-key.json".into(),
                cosigner_key: "cosigner-key.json".into(),
                genesis: "../genesis.json".into(),
                network: "../network.json".into(),
                block_txs_max: default_block_txs(),
                rate_limit: default_rate(),
                rate_burst: default_burst(),
                worker_threads: default_threads(),
                idle_block_ms: default_idle(),
                snapshot_interval_blocks: default_snapshot_interval(),
                state_sync_after_blocks: default_state_sync_after(),
                state_sync_trusted_keys: Vec::new(),
            },
        ));
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
    genesis.validate().map_err(|e| anyhow!("{e}"))?;
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
    crate::client::print_json(&json!({
        "chain_id": chain_id,
        "directory": out,
        "validators": network.validators.iter().zip(&configs).map(|(v, (path, _))| json!({
            "name": v.name, "api": v.api, "p2p": v.p2p, "config": path,
        })).collect::<Vec<_>>(),
        "spares": spares.iter().map(|(v, file)| json!({
            "name": v.name, "api": v.api, "p2p": v.p2p, "add_validator": file,
        })).collect::<Vec<_>>(),
        "epoch_blocks": plan.epoch_blocks,
        "validator_set": out.join("validators.json"),
        "start": format!("publica testnet run --dir {}", out.display()),
        "note": "keys are unencrypted: a local test network only (docs/operations.md)",
    }));
    Ok(())
}

/// `publica node --config FILE`: one validator with its API until SIGTERM
/// or Ctrl-C.
pub fn run_node(a: NodeArgs) -> Result<()> {
    crate::commands::init_logging();
    let c = ValidatorConfig::read(&a.config)?;
    // Both ports are checked before anything starts, for a clear error.
    for (what, addr) in [("p2p", c.p2p_listen), ("API", c.api_listen)] {
        std::net::TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr} ({what})"))?;
    }
    // A validator whose task panicked must not go on half alive: it stops
    // (its storage is crash-safe) and its supervisor restarts it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("publica: a task panicked; the validator stops");
        std::process::exit(70);
    }));
    let net = NetworkFile::read(&c.network)?;
    let set = net.validator_set()?;
    let genesis_text = std::fs::read_to_string(&c.genesis)
        .with_context(|| format!("reading genesis {}", c.genesis.display()))?;
    let genesis =
        Genesis::parse(&genesis_text).map_err(|e| anyhow!("{}: {e}", c.genesis.display()))?;
    if genesis.chain_id != net.chain_id {
        bail!(
            "the genesis is for chain '{}', the network file for '{}'",
            genesis.chain_id,
            net.chain_id
        );
    }
    // The validator sets: the genesis file's, or (a network written before
    // sets were on the ledger) the network file's, fixed for good.
    let history = match &genesis.validators {
        Some(v) => {
            let h = v
                .history()
                .map_err(|e| anyhow!("{}: {e}", c.genesis.display()))?;
            let listed: Vec<publica_identity::Validator> = net
                .validators
                .iter()
                .map(ValidatorEntry::ledger_entry)
                .collect();
            if h.epochs[0].validators != listed {
                bail!(
                    "the validators of {} differ from the genesis set of {}",
                    c.network.display(),
                    c.genesis.display()
                );
            }
            h
        }
        None => publica_identity::ValidatorHistory::genesis(
            publica_identity::validators::EPOCH_BLOCKS_MAX,
            net.validators
                .iter()
                .map(ValidatorEntry::ledger_entry)
                .collect(),
        )
        .map_err(|e| anyhow!("{}: {e}", c.network.display()))?,
    };
    // Far behind (or new): the ledger is brought up to a floor the
    // validators finalized, from a peer's snapshot.
    let floor = crate::statesync::prepare(&c, &net, &genesis, &history)?;
    let consensus_kp = open_key(&c.consensus_key, &a.pass)?;
    let cosigner =
        Cosigner::new(&c.name, open_key(&c.cosigner_key, &a.pass)?).map_err(|e| anyhow!("{e}"))?;
    // A validator of the genesis set must hold the keys the network names;
    // one outside it (a spare) follows until governance adds it.
    let genesis_member = net.validators.iter().find(|v| v.name == c.name);
    if let Some(me) = genesis_member {
        if consensus_key(me)? != consensus_kp.account().0 {
            bail!(
                "{} is not the consensus key the network file names for '{}'",
                c.consensus_key.display(),
                c.name
            );
        }
        if cosigner.key().to_vkey() != me.cosigner_key {
            bail!(
                "{} is not the cosigner key the network file names for '{}'",
                c.cosigner_key.display(),
                c.name
            );
        }
        if c.p2p_listen.port() != me.p2p.port() {
            bail!(
                "p2p_listen {} does not use the port the network file gives ({})",
                c.p2p_listen,
                me.p2p
            );
        }
    } else if net
        .validators
        .iter()
        .any(|v| consensus_key(v).ok() == Some(consensus_kp.account().0))
    {
        bail!(
            "{} is the consensus key of another validator in {}",
            c.consensus_key.display(),
            c.network.display()
        );
    }
    let signer = consensus_kp.seed();
    let (in_genesis, genesis_size) = (genesis_member.is_some(), net.validators.len());

    // The node: durable block log, admission, receipts; its blocks come
    // from the engine.
    let node_config = NodeConfig {
        genesis: Some(genesis),
        log_origin: Some(net.log_origin.clone()),
        block_txs_max: c.block_txs_max,
        snapshot_interval_blocks: c.snapshot_interval_blocks,
        chain_id: net.chain_id.clone(),
        ..NodeConfig::dev(c.data_dir.join("ledger"))
    };
    node_config.validate().map_err(|e| anyhow!("{e}"))?;
    let (consensus, executor) = NodeExecutor::attach();
    let node = Node::start(node_config, consensus)?;
    node.require_final_checkpoints();
    let executor = executor
        .recv()
        .map_err(|_| anyhow!("the node did not hand over its pipeline"))?;
    let keeper = node.clone();
    let finality = Finality::new(&net.log_origin, cosigner, set.cosigners.clone()).on_final(
        Box::new(move |height, note| {
            if let Err(e) = keeper.add_final_checkpoint(height, note) {
                tracing::error!(height, "final checkpoint refused: {e}");
            }
        }),
    );
    let app = PublicaApp::new(executor, finality)
        .with_block_txs_max(c.block_txs_max)
        .with_idle_wait(std::time::Duration::from_millis(c.idle_block_ms));
    let consensus_dir = c.data_dir.join("consensus");
    std::fs::create_dir_all(&consensus_dir)
        .with_context(|| format!("creating {}", consensus_dir.display()))?;
    let app = app
        .with_evidence_file(&consensus_dir.join("evidence.jsonl"))
        .map_err(|e| anyhow!("{e}"))?;
    let stopper = node.clone();
    let admitter = node.clone();
    let admit: Admit = Arc::new(move |txs| {
        admitter
            .submit_relayed(txs)
            .iter()
            .filter(|r| r.is_ok())
            .count()
    });
    let vnet = ValidatorNet {
        signer,
        listen: c.p2p_listen,
        genesis: history,
        chain_id: net.chain_id.clone(),
        storage_dir: consensus_dir,
        worker_threads: c.worker_threads,
        private_addresses: net.validators.iter().all(|v| !is_public(v.p2p))
            && !is_public(c.p2p_listen),
        floor,
    };
    let status_app = app.clone();
    let apis: std::collections::HashMap<String, String> = net
        .validators
        .iter()
        .map(|v| (v.name.clone(), v.api.clone()))
        .collect();
    let origin = net.log_origin.clone();
    publica_bft::network::run(vnet, app, admit, move |running| async move {
        node.set_relay(running.relay());
        let listener = tokio::net::TcpListener::bind(c.api_listen)
            .await
            .with_context(|| format!("cannot listen on {}", c.api_listen))?;
        let addr = listener.local_addr()?;
        let st = node.status();
        let mut out = std::io::stdout();
        writeln!(
            out,
            "publica node {}: chain {} at height {}, {}, data in {}",
            c.name,
            st.chain_id,
            st.height,
            if in_genesis {
                format!("{genesis_size} genesis validators")
            } else {
                "outside the genesis validator set".to_string()
            },
            c.data_dir.display()
        )?;
        writeln!(out, "publica: listening on http://{addr}")?;
        out.flush()?;
        let status_running = running.clone();
        let status_node = node.clone();
        let me = c.name.clone();
        let view = publica_api::NetworkView {
            status: Arc::new(move || {
                let stats = status_app.stats();
                let height = status_node.status().height;
                let sets = status_app.epochs().map(|e| e.history());
                let epoch = sets.as_ref().map(|h| h.epoch_of(height + 1));
                let current: Vec<publica_identity::Validator> = sets
                    .as_ref()
                    .map(|h| h.set_at(height + 1).to_vec())
                    .unwrap_or_default();
                let names: Vec<serde_json::Value> = current
                    .iter()
                    .map(|v| {
                        json!({
                            "name": v.name,
                            "p2p": v.address,
                            "api": apis.get(&v.name),
                        })
                    })
                    .collect();
                // Names by consensus key, and (for evidence) in the order
                // the engine numbers the current set: by key.
                let mut keyed: Vec<(String, String)> = sets
                    .iter()
                    .flat_map(|h| h.epochs.iter().flat_map(|e| e.validators.iter()))
                    .map(|v| (v.consensus_key.to_ascii_lowercase(), v.name.clone()))
                    .collect();
                keyed.sort();
                keyed.dedup();
                let key_names: std::collections::HashMap<String, String> =
                    keyed.into_iter().collect();
                let mut by_index: Vec<(String, String)> = current
                    .iter()
                    .map(|v| (v.consensus_key.to_ascii_lowercase(), v.name.clone()))
                    .collect();
                by_index.sort();
                let by_index: Vec<String> = by_index.into_iter().map(|(_, n)| n).collect();
                let quorum = publica_log::quorum(current.len().max(1));
                let next_change = sets.as_ref().and_then(|h| {
                    h.epochs
                        .last()
                        .filter(|e| e.first_height > height)
                        .map(|e| json!({
                            "from_height": e.first_height,
                            "epoch": e.epoch,
                            "validators": e.validators.iter().map(|v| &v.name).collect::<Vec<_>>(),
                        }))
                });
                let relay = status_running.relay_stats();
                let final_height = status_app.with_finality(|f| f.latest_final());
                let now = publica_types::now_ms();
                let peers: Vec<serde_json::Value> = status_app
                    .last_heard()
                    .into_iter()
                    .map(|(key, at)| {
                        let hex_key = hex::encode(key);
                        let name = key_names.get(&hex_key).cloned().unwrap_or(hex_key);
                        json!({"name": name, "heard_ms_ago": now.saturating_sub(at)})
                    })
                    .collect();
                use std::sync::atomic::Ordering::Relaxed;
                json!({
                    "mode": "validator",
                    "name": me,
                    "in_validator_set": current.iter().any(|v| v.name == me),
                    "epoch": epoch,
                    "epoch_blocks": sets.as_ref().map(|h| h.epoch_blocks),
                    "validators": names,
                    "next_change": next_change,
                    "verifier_set": sets
                        .as_ref()
                        .and_then(|h| h.verifier_set(&origin).ok())
                        .and_then(|v| serde_json::from_str::<serde_json::Value>(&v.to_json()).ok()),
                    "peers": peers,
                    "quorum": quorum,
                    "height": height,
                    "final_height": final_height,
                    "executed": stats,
                    "finality_ms_avg": stats.finality_ms_sum.checked_div(stats.blocks),
                    "relay": {
                        "sent": relay.sent.load(Relaxed),
                        "admitted": relay.admitted.load(Relaxed),
                        "refused": relay.refused.load(Relaxed),
                        "dropped": relay.dropped.load(Relaxed),
                    },
                    "evidence": status_app
                        .evidence()
                        .iter()
                        .rev()
                        .take(EVIDENCE_SHOWN)
                        .map(|e| json!({
                            "kind": e.kind,
                            "view": e.view,
                            "offender": by_index.get(e.offender as usize)
                                .cloned()
                                .unwrap_or_else(|| e.offender.to_string()),
                            "proof": hex::encode(&e.proof),
                        }))
                        .collect::<Vec<_>>(),
                    "evidence_total": status_app.evidence().len(),
                })
            }),
            floor: {
                // Looking for a floor reads the marshal's archives: the
                // answer is kept a second, so a flood of requests costs
                // one search per second.
                let floors = running.floors();
                let floor_node = node.clone();
                type Cached = Option<(std::time::Instant, serde_json::Value)>;
                let cache: Arc<tokio::sync::Mutex<Cached>> = Arc::default();
                Arc::new(move || {
                    let floors = floors.clone();
                    let cache = cache.clone();
                    let executed = floor_node.status().height;
                    Box::pin(async move {
                        let mut cached = cache.lock().await;
                        if let Some((at, v)) = cached.as_ref() {
                            if at.elapsed() < std::time::Duration::from_secs(1) {
                                return Some(v.clone());
                            }
                        }
                        let v = json!(floors.latest(executed).await?.to_file());
                        *cached = Some((std::time::Instant::now(), v.clone()));
                        Some(v)
                    })
                })
            },
            metrics: Arc::new(move || running.metrics()),
        };
        let api = publica_api::ApiConfig {
            rate_limit_per_s: c.rate_limit,
            rate_limit_burst: c.rate_burst,
            network: Some(view),
        };
        publica_api::serve_only(node, listener, api, crate::commands::shutdown_signal()).await?;
        Ok::<(), anyhow::Error>(())
    })
    .map_err(|e| anyhow!("{e}"))??;
    // The engine has stopped and let go of the node's pipeline: the node
    // finishes writing what it executed.
    stopper.shutdown();
    eprintln!("publica: stopped cleanly");
    Ok(())
}

/// Whether an address is reachable from outside a private network.
fn is_public(a: SocketAddr) -> bool {
    match a.ip() {
        std::net::IpAddr::V4(ip) => {
            !(ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified())
        }
        std::net::IpAddr::V6(ip) => !(ip.is_loopback() || ip.is_unspecified()),
    }
}

/// `publica testnet run --dir DIR`.
pub fn run_all(dir: &Path) -> Result<()> {
    let net = NetworkFile::read(&dir.join("network.json"))?;
    let exe = std::env::current_exe().context("finding the publica binary")?;
    let mut children = Vec::new();
    for (i, v) in net.validators.iter().enumerate() {
        let vdir = dir.join(format!("validator-{i}"));
        let config = vdir.join("config.json");
        if !config.is_file() {
            bail!("{} is missing", config.display());
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(vdir.join("node.log"))
            .with_context(|| format!("opening {}", vdir.join("node.log").display()))?;
        let child = std::process::Command::new(&exe)
            .arg("node")
            .arg("--config")
            .arg(&config)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", v.name))?;
        crate::outln!(
            "{}: {} (pid {}, log {})",
            v.name,
            v.api,
            child.id(),
            vdir.join("node.log").display()
        );
        children.push(child);
    }
    crate::outln!(
        "publica testnet: {} validators running; Ctrl-C stops them",
        children.len()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut exited = vec![false; children.len()];
    rt.block_on(async {
        let signal = crate::commands::shutdown_signal();
        tokio::pin!(signal);
        loop {
            tokio::select! {
                _ = &mut signal => break,
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                    // A validator that stopped on its own is reported, not
                    // restarted: its log says why.
                    for (i, c) in children.iter_mut().enumerate() {
                        if let (false, Ok(Some(status))) = (exited[i], c.try_wait()) {
                            exited[i] = true;
                            eprintln!(
                                "publica testnet: {} exited ({status}); see validator-{i}/node.log",
                                net.validators[i].name
                            );
                        }
                    }
                }
            }
        }
    });
    for c in &children {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
    }
    for mut c in children {
        let _ = c.wait();
    }
    eprintln!("publica testnet: stopped");
    Ok(())
}
