//! A validator assembled in named steps: [`ValidatorFiles::read`] (config,
//! network and genesis files, checked against each other), state sync
//! ([`crate::prepare`]), [`Validator::start`] (its keys checked against the
//! network file, its node opened with the engine as the node's consensus,
//! its API's port bound), then [`Validator::serve`] (the API until told to
//! stop, then the engine and the node, in that order).

use crate::error::{IoContext as _, ValidatorError};
use crate::files::{NetworkFile, ValidatorConfig, ValidatorEntry};
use crate::status::ValidatorView;
use publica_bft::network::ValidatorNet;
use publica_bft::{BftConsensus, BftSettings, Engine, Finality, Floor};
use publica_crypto::Keypair;
use publica_identity::{Genesis, ValidatorHistory};
use publica_log::Cosigner;
use publica_node::{Node, NodeConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// A validator's files, read and checked against each other.
#[derive(Debug)]
pub struct ValidatorFiles {
    /// Its own settings.
    pub config: ValidatorConfig,
    /// The network it belongs to.
    pub network: NetworkFile,
    /// The network's genesis.
    pub genesis: Genesis,
    /// The validator sets at genesis.
    pub history: ValidatorHistory,
}

/// A validator's keys, opened by the caller (who may ask for a
/// passphrase).
#[derive(Debug)]
pub struct ValidatorKeys {
    /// Its consensus (and p2p) key.
    pub consensus: Keypair,
    /// Its cosigner key: it signs final checkpoints.
    pub cosigner: Keypair,
}

impl ValidatorFiles {
    /// Reads the network and genesis files `config` names; the genesis
    /// must be the network's chain's, and its validator set the network
    /// file's.
    pub fn read(config: ValidatorConfig) -> Result<ValidatorFiles, ValidatorError> {
        let network = NetworkFile::read(&config.network)?;
        let genesis_text = std::fs::read_to_string(&config.genesis)
            .io_context(|| format!("reading genesis {}", config.genesis.display()))?;
        let genesis = Genesis::parse(&genesis_text)
            .map_err(|e| ValidatorError::invalid(format!("{}: {e}", config.genesis.display())))?;
        if genesis.chain_id != network.chain_id {
            return Err(ValidatorError::invalid(format!(
                "the genesis is for chain '{}', the network file for '{}'",
                genesis.chain_id, network.chain_id
            )));
        }
        let history = genesis_history(&config, &network, &genesis)?;
        Ok(ValidatorFiles {
            config,
            network,
            genesis,
            history,
        })
    }

    /// This validator's entry in the network file: `None` for a spare,
    /// which follows until governance adds it.
    pub fn genesis_member(&self) -> Option<&ValidatorEntry> {
        let name = &self.config.name;
        self.network.validators.iter().find(|v| &v.name == name)
    }
}

/// The validator sets at genesis: the genesis file's, or (a network
/// written before sets were on the ledger) the network file's, fixed for
/// good.
fn genesis_history(
    c: &ValidatorConfig,
    net: &NetworkFile,
    genesis: &Genesis,
) -> Result<ValidatorHistory, ValidatorError> {
    let listed: Vec<publica_identity::Validator> = net
        .validators
        .iter()
        .map(ValidatorEntry::ledger_entry)
        .collect();
    let Some(v) = &genesis.validators else {
        return ValidatorHistory::genesis(publica_identity::validators::EPOCH_BLOCKS_MAX, listed)
            .map_err(|e| ValidatorError::invalid(format!("{}: {e}", c.network.display())));
    };
    let h = v
        .history()
        .map_err(|e| ValidatorError::invalid(format!("{}: {e}", c.genesis.display())))?;
    if h.epochs[0].validators != listed {
        return Err(ValidatorError::invalid(format!(
            "the validators of {} differ from the genesis set of {}",
            c.network.display(),
            c.genesis.display()
        )));
    }
    Ok(h)
}

/// A validator whose node and engine run, with its API's port bound.
pub struct Validator {
    files: ValidatorFiles,
    node: Node,
    engine: Engine,
    api: std::net::TcpListener,
    records_s3: Option<publica_api::object_store::S3Config>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Validator({}, {:?})", self.files.config.name, self.node)
    }
}

impl Validator {
    /// Checks `keys` against the network file, opens the node with the
    /// engine as its consensus (starting from `floor` after a state sync)
    /// and binds the API's port.
    pub fn start(
        files: ValidatorFiles,
        keys: ValidatorKeys,
        floor: Option<Floor>,
    ) -> Result<Validator, ValidatorError> {
        let (consensus, cosigner) = check_keys(&files, keys)?;
        let (node, engine) = open_node(&files, consensus, cosigner, floor)?;
        let addr = files.config.api_listen;
        let api = std::net::TcpListener::bind(addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .io_context(|| format!("cannot listen on {addr}"));
        match api {
            Ok(api) => Ok(Validator {
                files,
                node,
                engine,
                api,
                records_s3: None,
            }),
            Err(e) => {
                drop(engine);
                node.shutdown();
                Err(e)
            }
        }
    }

    /// Keeps the record store's ciphertexts in this object store instead
    /// of the data directory.
    pub fn with_records_s3(mut self, s3: Option<publica_api::object_store::S3Config>) -> Self {
        self.records_s3 = s3;
        self
    }

    /// Its node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Its files.
    pub fn files(&self) -> &ValidatorFiles {
        &self.files
    }

    /// Where its API listens.
    pub fn api_addr(&self) -> Result<SocketAddr, ValidatorError> {
        self.api
            .local_addr()
            .io_context(|| "reading the API's address".to_string())
    }

    /// Serves the API (on the engine's runtime) until `shutdown`
    /// resolves, then stops the engine and the node: everything executed
    /// is durable when it returns.
    pub fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ValidatorError> {
        let Validator {
            files,
            node,
            engine,
            api,
            records_s3,
        } = self;
        let config = publica_api::ApiConfig {
            rate_limit_per_s: files.config.rate_limit,
            rate_limit_burst: files.config.rate_burst,
            tx_rate_per_s: files.config.tx_rate_limit,
            tx_burst: files.config.tx_burst,
            network: Some(Arc::new(ValidatorView::new(
                &files,
                node.clone(),
                engine.clone(),
            ))),
            connections: publica_api::ConnectionLimits {
                header_read_timeout: std::time::Duration::from_millis(
                    files.config.http_header_timeout_ms,
                ),
                max_connections: files.config.http_max_connections,
                max_connections_per_ip: files.config.http_max_connections_per_ip,
                trusted_proxies: files.config.trusted_proxies.clone(),
            },
            records_s3,
            // Checked when the config was read.
            witnesses: publica_api::witnessing::parse_targets(&files.config.witnesses)
                .unwrap_or_default(),
            ..publica_api::ApiConfig::default()
        };
        let running = engine.running.clone();
        // Only the API holds the engine's application now: once it ends,
        // stopping the node's consensus lets go of the node's pipeline.
        drop(engine);
        let api_node = node.clone();
        let served = running.run_task("api", async move {
            let listener = tokio::net::TcpListener::from_std(api)?;
            publica_api::serve_only(api_node, listener, config, shutdown).await
        });
        drop(running);
        node.shutdown();
        match served {
            Some(result) => result.io_context(|| "serving the API".to_string()),
            None => Err(ValidatorError::Engine(
                "the engine's runtime stopped under the API".into(),
            )),
        }
    }
}

/// A validator of the genesis set must hold the keys the network names;
/// one outside it (a spare) must not hold another's. Returns its consensus
/// key and its cosigner.
fn check_keys(
    files: &ValidatorFiles,
    keys: ValidatorKeys,
) -> Result<(Keypair, Cosigner), ValidatorError> {
    let c = &files.config;
    let cosigner =
        Cosigner::new(&c.name, keys.cosigner).map_err(|e| ValidatorError::Keys(e.to_string()))?;
    let consensus = keys.consensus.account().0;
    if let Some(me) = files.genesis_member() {
        if me.consensus_key_bytes()? != consensus {
            return Err(ValidatorError::Keys(format!(
                "{} is not the consensus key the network file names for '{}'",
                c.consensus_key.display(),
                c.name
            )));
        }
        if cosigner.key().to_vkey() != me.cosigner_key {
            return Err(ValidatorError::Keys(format!(
                "{} is not the cosigner key the network file names for '{}'",
                c.cosigner_key.display(),
                c.name
            )));
        }
        if c.p2p_listen.port() != me.p2p.port() {
            return Err(ValidatorError::invalid(format!(
                "p2p_listen {} does not use the port the network file gives ({})",
                c.p2p_listen, me.p2p
            )));
        }
    } else if files
        .network
        .validators
        .iter()
        .any(|v| v.consensus_key_bytes().ok() == Some(consensus))
    {
        return Err(ValidatorError::Keys(format!(
            "{} is the consensus key of another validator in {}",
            c.consensus_key.display(),
            c.network.display()
        )));
    }
    Ok((keys.consensus, cosigner))
}

/// Opens the node (durable block log, admission, receipts) with the engine
/// as its consensus, and waits for the engine to run.
fn open_node(
    files: &ValidatorFiles,
    consensus_key: Keypair,
    cosigner: Cosigner,
    floor: Option<Floor>,
) -> Result<(Node, Engine), ValidatorError> {
    let (c, net) = (&files.config, &files.network);
    let node_config = NodeConfig {
        genesis: Some(files.genesis.clone()),
        log_origin: Some(net.log_origin.clone()),
        block_txs_max: c.block_txs_max,
        snapshot_interval_blocks: c.snapshot_interval_blocks,
        chain_id: net.chain_id.clone(),
        ..NodeConfig::dev(c.data_dir.join("ledger"))
    };
    node_config
        .validate()
        .map_err(|e| ValidatorError::invalid(e.to_string()))?;
    let settings = engine_settings(files, consensus_key, cosigner, floor)?;
    let (consensus, starting) = BftConsensus::new(settings);
    let node = Node::start(node_config, Box::new(consensus))?;
    match starting.wait() {
        Ok(engine) => Ok((node, engine)),
        Err(e) => {
            node.shutdown();
            Err(ValidatorError::EngineStart(e))
        }
    }
}

/// How the engine runs: the p2p network, finality, limits and evidence
/// file.
fn engine_settings(
    files: &ValidatorFiles,
    consensus_key: Keypair,
    cosigner: Cosigner,
    floor: Option<Floor>,
) -> Result<BftSettings, ValidatorError> {
    let (c, net) = (&files.config, &files.network);
    let set = net.validator_set()?;
    let consensus_dir = c.data_dir.join("consensus");
    std::fs::create_dir_all(&consensus_dir)
        .io_context(|| format!("creating {}", consensus_dir.display()))?;
    let evidence = publica_bft::evidence::EvidenceLog::open(&consensus_dir.join("evidence.jsonl"))?;
    // The engine refuses a malformed set; said here, before the node opens.
    files
        .history
        .check()
        .map_err(|e| ValidatorError::invalid(e.to_string()))?;
    Ok(BftSettings {
        net: ValidatorNet {
            signer: consensus_key.seed(),
            listen: c.p2p_listen,
            genesis: files.history.clone(),
            chain_id: net.chain_id.clone(),
            storage_dir: consensus_dir,
            worker_threads: c.worker_threads,
            private_addresses: net.validators.iter().all(|v| !is_public(v.p2p))
                && !is_public(c.p2p_listen),
            floor,
        },
        finality: Finality::new(&net.log_origin, cosigner, set.cosigners),
        block_txs_max: c.block_txs_max,
        idle_wait: std::time::Duration::from_millis(c.idle_block_ms),
        evidence,
    })
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
