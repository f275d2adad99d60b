//! `publica testnet init` (write a local validator network),
//! `publica testnet run` (start every validator of one, each as its own
//! `publica node` process) and `publica node --config` (run one validator
//! with its API): argument parsing and printing over `publica-validator`.

use crate::commands::{open_key, PassArgs};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use publica_validator::{
    InitPlan, NetworkFile, Validator, ValidatorConfig, ValidatorFiles, ValidatorKeys,
};
use serde_json::json;
use std::path::{Path, PathBuf};

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
        /// How long a leader waits for transactions before an empty block:
        /// an idle network cuts one block per this many ms (0..=60000).
        #[arg(long, default_value_t = publica_validator::IDLE_BLOCK_MS_DEFAULT, value_parser = clap::value_parser!(u64).range(0..=publica_validator::IDLE_BLOCK_MS_MAX))]
        idle_block_ms: u64,
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
    /// The node's config file: a validator's (written by `publica testnet
    /// init`, naming its network) or a single node's (docs/deploy.md).
    #[arg(long)]
    config: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
    #[command(flatten)]
    records_store: crate::records::RecordStoreArgs,
}

/// `publica testnet init`: writes the network, then prints what it wrote.
pub fn init(plan: InitPlan, out: &Path, chain_id: &str) -> Result<()> {
    let epoch_blocks = plan.epoch_blocks;
    let report = publica_validator::init(plan, out, chain_id)?;
    crate::client::print_json(&json!({
        "chain_id": chain_id,
        "directory": out,
        "validators": report.validators.iter().map(|(v, config)| json!({
            "name": v.name, "api": v.api, "p2p": v.p2p, "config": config,
        })).collect::<Vec<_>>(),
        "spares": report.spares.iter().map(|(v, file)| json!({
            "name": v.name, "api": v.api, "p2p": v.p2p, "add_validator": file,
        })).collect::<Vec<_>>(),
        "epoch_blocks": epoch_blocks,
        "validator_set": report.validator_set,
        "start": format!("publica testnet run --dir {}", out.display()),
        "note": "keys are unencrypted: a local test network only (docs/operations.md)",
    }));
    Ok(())
}

/// `publica node --config FILE`: one validator, or a single node, with
/// its API until SIGTERM or Ctrl-C.
pub fn run_node(a: NodeArgs) -> Result<()> {
    let text = std::fs::read_to_string(&a.config)
        .with_context(|| format!("reading config {}", a.config.display()))?;
    if !crate::single::is_validator_config(&a.config, &text)? {
        let config = crate::single::SingleNodeConfig::read(&a.config, &text)?;
        return crate::commands::run_single(config, a.records_store);
    }
    crate::commands::init_logging();
    let records_s3 = a.records_store.config()?;
    let config = ValidatorConfig::read(&a.config)?;
    config.check_ports()?;
    // A validator whose task panicked must not go on half alive: it stops
    // (its storage is crash-safe) and its supervisor restarts it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("publica: a task panicked; the validator stops");
        std::process::exit(70);
    }));
    let files = ValidatorFiles::read(config)?;
    // Far behind (or new): the ledger is brought up to a floor the
    // validators finalized, from a peer's snapshot.
    let start = publica_validator::prepare(&files)?;
    if let Some(s) = &start.synced {
        crate::outln!(
            "publica node {}: state synced from {}: ledger at height {} (snapshot {}, no block below it executed), the engine starts at {}",
            files.config.name, s.peer_api, s.height, s.snapshot_height, s.engine_height
        );
    }
    let c = &files.config;
    let keys = ValidatorKeys {
        consensus: open_key(&c.consensus_key, &a.pass)?,
        cosigner: open_key(&c.cosigner_key, &a.pass)?,
    };
    let validator = Validator::start(files, keys, start.floor)?.with_records_s3(records_s3);
    print_started(&validator)?;
    validator.serve(crate::commands::shutdown_signal())?;
    eprintln!("publica: stopped cleanly");
    Ok(())
}

/// The lines a started validator prints (the tests read the address).
fn print_started(v: &Validator) -> Result<()> {
    let files = v.files();
    let st = v.node().status();
    let set = if files.genesis_member().is_some() {
        format!("{} genesis validators", files.network.validators.len())
    } else {
        "outside the genesis validator set".to_string()
    };
    crate::outln!(
        "publica node {}: chain {} at height {}, {set}, data in {}",
        files.config.name,
        st.chain_id,
        st.height,
        files.config.data_dir.display()
    );
    crate::outln!("publica: listening on http://{}", v.api_addr()?);
    Ok(())
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
