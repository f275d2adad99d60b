//! The command tree.

use crate::client::{api_error, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use publica_crypto::{KeyFile, Keypair};
use publica_node::NodeConfig;
use publica_state::{verify_proof, Proof};
use publica_types::{Envelope, Expiry, Hash32, TxBody};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Publica: a permissioned public-service ledger.
#[derive(Parser, Debug)]
#[command(name = "publica", version, about)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run a single-validator dev ledger with its HTTP API.
    Dev(DevArgs),
    /// Create and inspect key files.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Build, sign and submit transactions.
    #[command(subcommand)]
    Tx(TxCmd),
    /// Ask a node.
    #[command(subcommand)]
    Query(QueryCmd),
    /// Any module's read route (`publica read` lists them).
    Read(crate::read::ReadArgs),
    /// Operate on a data directory (node stopped).
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Verify receipts and checkpoints offline, with only the log's key.
    #[command(subcommand)]
    Verify(VerifyCmd),
    /// Watch a node's transparency log.
    #[command(subcommand)]
    Log(LogCmd),
    /// Run an independent witness of transparency logs (C2SP
    /// tlog-witness; docs/witnesses.md).
    Witness(crate::witness::WitnessArgs),
    /// Identity calls that need more than `tx send` (key proofs).
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// Accounts, histories, provenance, currencies, bulk transfers.
    #[command(subcommand)]
    Money(crate::money::MoneyCmd),
    /// Welfare programs: figures, run reports, registry tokens, bulk
    /// enrolments and attestations, G2P Connect disbursements.
    #[command(subcommand)]
    Programs(crate::programs::ProgramsCmd),
    /// Education credentials: issue (signed offline), revoke or suspend
    /// on status lists (docs/credentials.md).
    #[command(subcommand)]
    Credentials(crate::credentials::CredentialsCmd),
    /// Medicines: the regulator's registry of parties, and what a GS1
    /// identifier names (docs/medicines.md).
    #[command(subcommand)]
    Medicines(crate::medicines::MedicinesCmd),
    /// Health records kept off the ledger, encrypted: store, consent,
    /// read (logged), the patient's access log, break-glass review,
    /// erasure and legal holds (docs/health.md).
    #[command(subcommand)]
    Records(crate::records::RecordsCmd),
    /// Health insurance claims: plans with rules, policies, claims judged
    /// by the rules and paid, referrals, appeals, reports (docs/health.md).
    #[command(subcommand)]
    Claims(crate::claims::ClaimsCmd),
    /// City data: publish a batch of a data set or feed, and download one
    /// checked against the ledger's hash (docs/city-data.md).
    #[command(subcommand)]
    Data(crate::citydata::DataCmd),
    /// Elections: verify a whole election from its record
    /// (docs/elections.md).
    #[command(subcommand)]
    Election(crate::elections::ElectionCmd),
    /// A light client of a validator network: follow every validator-set
    /// change from a trusted set, hold the latest final checkpoint, catch
    /// a forked view, verify receipts and state answers offline
    /// (docs/light-client.md).
    #[command(subcommand)]
    Light(crate::light::LightCmd),
    /// Local governance: communities and members, delegations, proposals
    /// that pay from the treasury, votes, vetoes, participatory budgeting
    /// rounds (docs/governance.md).
    #[command(subcommand)]
    Governance(crate::governance::GovernanceCmd),
    /// Transfers between two Publica networks: corridors, set changes
    /// followed, money sent, received, expired and settled
    /// (docs/cross-border.md).
    #[command(subcommand)]
    Crossborder(crate::crossborder::CrossborderCmd),
    /// Energy: a meter's readings signed with its key and submitted
    /// (docs/energy.md).
    #[command(subcommand)]
    Energy(crate::energy::EnergyCmd),
    /// Recycling and volunteering: a collection point's deposits and an
    /// organisation's volunteer work attested from CSV
    /// (docs/recycling.md).
    #[command(subcommand)]
    Recycling(crate::recycling::RecyclingCmd),
    /// G2P Connect served for an agency: disbursements and the
    /// financial-address mapper (docs/g2p.md).
    #[command(subcommand)]
    G2p(G2pCmd),
    /// Load generator and benchmark report (docs/benchmarks.md).
    Bench(BenchArgs),
    /// Run one validator of a network, with its API (docs/operations.md).
    Node(crate::testnet::NodeArgs),
    /// Write and start a local validator network.
    #[command(subcommand)]
    Testnet(crate::testnet::TestnetCmd),
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Node URL; without it the bench starts a node in this process.
    #[arg(long)]
    node: Option<String>,
    /// Administrator key of an agency of the target chain (with --node).
    #[arg(long)]
    admin_key: Option<PathBuf>,
    #[command(flatten)]
    pass: PassArgs,
    /// The agency the admin key administers.
    #[arg(long, default_value = "dev-agency")]
    agency: String,
    /// PID of the node, to report its memory and CPU (with --node).
    #[arg(long)]
    node_pid: Option<u32>,
    /// Measured seconds (1..=3600).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Open-loop rate in tx/s (0: closed loop, as fast as the node commits).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Accounts transferring (1..=1000000).
    #[arg(long, default_value_t = 1_000)]
    accounts: usize,
    /// Concurrent submitters (1..=64).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Transactions per batch request (1..=10000).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Closed loop: most transactions submitted and not yet committed at
    /// once (0..=1000000; 0: no bound, the mempool fills and refuses the
    /// excess).
    #[arg(long, default_value_t = 30_000)]
    in_flight: usize,
    /// The in-process node's longest wait before cutting a block, in ms
    /// (1..=60000; default: the node's, 100). For a node given with
    /// --node, set it there (`publica dev --block-ms`).
    #[arg(long)]
    block_ms: Option<u64>,
    /// Also measure Ed25519 batch verification and PostgreSQL.
    #[arg(long)]
    reference: bool,
    /// With --node in a validator network: the other validators' URLs
    /// (comma-separated); submissions are spread over all of them.
    #[arg(long, value_delimiter = ',')]
    submit_to: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// transfers (throughput and latency of payments), status-list (a
    /// 1,048,576-entry credential status list: 10,000 revocations through
    /// the ledger, then the list and single entries served over HTTP), or
    /// epcis (medicines: --packs commissioned, --events captured and
    /// timed, then "verify this pack" timed over HTTP), or records
    /// (health: --records stored, --reads by --readers clinicians timed:
    /// access logged, key released, record decrypted), or claims
    /// (insurance: --members with policies, --claims adjudicated and
    /// paid, timed), or elections (--ballots encrypted, cast and checked
    /// on admission, timed; decrypted and the record verified, timed), or
    /// energy (--meters each submitting a signed day of readings, timed;
    /// then --market-orders on one interval, cleared and settled at its
    /// gate, timed), or witness (a witness fed by --logs logs at once for
    /// --duration seconds, each checkpoint cosigned timed).
    #[arg(long, default_value = "transfers")]
    workload: String,
    /// epcis: serialised packs put in state before the timed phases.
    #[arg(long, default_value_t = 1_000_000)]
    packs: u64,
    /// epcis: events captured in the timed phase.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// records: health records sealed and stored, each of its own patient.
    #[arg(long, default_value_t = 1_000)]
    records: usize,
    /// records: reads timed (access logged, key released, decrypted).
    #[arg(long, default_value_t = 2_000)]
    reads: usize,
    /// records: clinicians reading at once.
    #[arg(long, default_value_t = 8)]
    readers: usize,
    /// claims: members with a policy.
    #[arg(long, default_value_t = 10_000)]
    members: usize,
    /// claims: claims adjudicated in the timed phase.
    #[arg(long, default_value_t = 200_000)]
    claims: usize,
    /// elections: ballots cast in the timed phase, one per voter.
    #[arg(long, default_value_t = 2_000)]
    ballots: usize,
    /// elections: the voting window, seconds from publication (the
    /// ballots are encrypted and cast within it; decryption waits for its
    /// end).
    #[arg(long, default_value_t = 120)]
    window_s: u64,
    /// elections: an anonymous census with rings of this many
    /// registrations (a power of two, 2..=1024); voters register first.
    #[arg(long)]
    ring: Option<u64>,
    /// energy: meters, each submitting a day of 96 readings.
    #[arg(long, default_value_t = 2_000)]
    meters: usize,
    /// witness: logs submitting checkpoints at once (1..=1024).
    #[arg(long, default_value_t = 32)]
    logs: usize,
    /// energy: orders on the market interval (a multiple of 100).
    #[arg(long, default_value_t = 10_000)]
    market_orders: usize,
    /// energy: seconds from the market's opening to its gate (the orders
    /// must be placed by then).
    #[arg(long, default_value_t = 45)]
    gate_s: u64,
}

#[derive(Subcommand, Debug)]
enum IdentityCmd {
    /// Grant and revoke officials' roles from a CSV file
    /// (`action,agency,account,role`, action grant or revoke), one signed
    /// call per row by an administrator of each agency; per-row results
    /// and a summary. Administrators are added by proposal, not here.
    Staff {
        #[command(flatten)]
        signer: crate::bulk::SignerArgs,
        /// The CSV file.
        file: PathBuf,
    },
    /// Who holds which role in an agency, from which block and since when
    /// (JSON, or CSV with --csv).
    Roles {
        /// The agency.
        agency: String,
        /// Print CSV (agency,account,role,since_height,since).
        #[arg(long)]
        csv: bool,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Rotate an account's key: signed by the current key, with a proof of
    /// possession by the new one.
    RotateKey {
        /// Current key file.
        #[arg(long)]
        key: PathBuf,
        /// New key file.
        #[arg(long)]
        new_key: PathBuf,
        /// The account (default: the current key file's account).
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        pass: PassArgs,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// As an administrator of `--as-agency`, propose an act that needs
    /// M-of-N approval (docs/identity.md); prints the receipt, whose
    /// `proposal_created` event names the proposal.
    Propose {
        #[command(flatten)]
        admin: AdminArgs,
        /// The action, as JSON (`{"kind": "create_agency", ...}`), or
        /// `@FILE` holding it.
        #[arg(long, required_unless_present_any = ["add_validator", "remove_validator"], conflicts_with_all = ["add_validator", "remove_validator"])]
        action: Option<String>,
        /// Add the validator whose entry (name, consensus_key,
        /// cosigner_key, address) is in this file (`testnet init
        /// --spares` writes one).
        #[arg(long, conflicts_with = "remove_validator")]
        add_validator: Option<PathBuf>,
        /// Remove the validator of this name.
        #[arg(long)]
        remove_validator: Option<String>,
        /// Blocks during which it can be approved.
        #[arg(long)]
        expires_in_blocks: Option<u64>,
    },
    /// As an administrator of `--as-agency`, approve a proposal.
    Approve {
        #[command(flatten)]
        admin: AdminArgs,
        /// The proposal's number.
        #[arg(long)]
        proposal: u64,
    },
    /// As a guardian, start recovering `account` to a new key.
    StartRecovery {
        /// The guardian's key file.
        #[arg(long)]
        key: PathBuf,
        /// The account to recover.
        #[arg(long)]
        account: String,
        /// The account's new key file (its owner's).
        #[arg(long)]
        new_key: PathBuf,
        #[command(flatten)]
        pass: PassArgs,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

/// What a checkpoint is checked against.
#[derive(Args, Debug)]
struct TrustArgs {
    /// The log's verifier key (`name+id+key`), or a file holding it (a
    /// single node).
    #[arg(
        long,
        required_unless_present = "validators",
        conflicts_with = "validators"
    )]
    log_key: Option<String>,
    /// A validator set file (`{"origin", "cosigners": [vkey…], "quorum"?}`):
    /// the checkpoint must carry cosignatures from a quorum of it (a
    /// network).
    #[arg(long)]
    validators: Option<PathBuf>,
    /// Expected origin; defaults to the key's name or the set's origin.
    #[arg(long)]
    origin: Option<String>,
    /// A witness's verifier key, or a file holding it (repeatable): the
    /// checkpoint must carry the cosignatures of --witnesses-needed of
    /// them (docs/witnesses.md).
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: all).
    #[arg(long, requires = "witnesses")]
    witnesses_needed: Option<usize>,
}

impl TrustArgs {
    /// The checkpoint's trust (log key or validator set) and the witness
    /// policy, if any.
    fn load(
        &self,
    ) -> Result<(
        crate::verify::TrustArg,
        Option<crate::verify::WitnessPolicy>,
    )> {
        Ok((
            crate::verify::TrustArg::load(self.log_key.as_deref(), self.validators.as_deref())?,
            crate::verify::WitnessPolicy::load(&self.witnesses, self.witnesses_needed)?,
        ))
    }
}

#[derive(Subcommand, Debug)]
enum VerifyCmd {
    /// Verify a receipt (as served by GET /v1/transactions/{id}) offline.
    Receipt {
        /// The receipt JSON file.
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Verify a state answer (as served by GET /v1/state?key=) offline:
    /// its checkpoint (log key, or a validator quorum) names the answer's
    /// block and state root, and the proof shows the value under it.
    State {
        /// The state answer JSON file.
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Verify a checkpoint (signed note file) offline: against the log key,
    /// or as final, cosigned by a quorum of a validator set.
    Checkpoint {
        /// The checkpoint note file.
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// With --validators: the height of the block whose checkpoint it
        /// is (its set must cosign it; default: the latest set).
        #[arg(long)]
        height: Option<u64>,
    },
    /// Verify a W3C Verifiable Credential against a node's ledger: its
    /// eddsa-jcs-2022 proof, issuer, accreditation on its date, validity
    /// and status (docs/credentials.md); each check printed.
    Credential {
        /// The credential JSON file.
        file: PathBuf,
        /// The accrediting agency trusted.
        #[arg(long)]
        accreditor: String,
        /// For an SD-JWT presentation: the audience it must be bound to.
        #[arg(long)]
        aud: Option<String>,
        /// For an SD-JWT presentation: the nonce it must be bound to.
        #[arg(long)]
        nonce: Option<String>,
        /// Verify offline against this snapshot (`publica credentials
        /// snapshot`) instead of asking a node; needs --log-key.
        #[arg(long, requires = "log_key")]
        snapshot: Option<PathBuf>,
        /// With --snapshot: the ledger's log verifier key (GET /v1/log), or
        /// a file holding it.
        #[arg(long)]
        log_key: Option<String>,
        /// With --snapshot: the oldest snapshot accepted, in days (a
        /// revocation after the snapshot's block is not seen).
        #[arg(long, default_value_t = 30)]
        max_age_days: u64,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Verify that the log only grew between two checkpoints.
    Consistency {
        /// The older checkpoint (signed note file).
        old_checkpoint: PathBuf,
        /// The newer checkpoint.
        new_checkpoint: PathBuf,
        /// The proof JSON (`{"proof": [hex, ...]}` from /v1/log/consistency).
        #[arg(long)]
        proof: PathBuf,
        /// The log's verifier key, or a file holding it.
        #[arg(long)]
        log_key: String,
        /// Expected origin; defaults to the key's name.
        #[arg(long)]
        origin: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum LogCmd {
    /// Follow a node's checkpoints; alarm (exit 1) on a fork or rewrite.
    Watch {
        /// Node URL.
        url: String,
        /// The log's verifier key, or a file holding it (otherwise the key
        /// the node announces is trusted on first use).
        #[arg(long)]
        log_key: Option<String>,
        /// Poll interval.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Stop after this many checkpoints (0: never).
        #[arg(long, default_value_t = 0)]
        checks: u64,
    },
}

#[derive(Args, Debug)]
struct DevArgs {
    /// Data directory (block log, snapshots).
    #[arg(long, default_value = ".publica")]
    data_dir: PathBuf,
    /// Address of the HTTP API; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: String,
    /// Longest wait, in ms, before a block holding transactions is cut
    /// (1..=60000); an idle chain cuts no block.
    #[arg(long, default_value_t = 100)]
    block_ms: u64,
    /// Cut a block as soon as this many transactions wait (1..=50000).
    #[arg(long, default_value_t = 10_000)]
    max_block_txs: usize,
    /// Run the chain's clock this many times faster than the wall clock
    /// (1..=100000): for demos and tests of what happens over time (a
    /// market day in seconds); block times run ahead of the real time, so
    /// never on a ledger that matters.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    time_scale: u32,
    /// The chain id.
    #[arg(long, default_value = "publica-dev")]
    chain_id: String,
    /// Write a state snapshot every this many blocks.
    #[arg(long, default_value_t = 1_000)]
    snapshot_every: u64,
    /// Requests per second allowed per client IP.
    #[arg(long, default_value_t = 2_000)]
    rate_limit: u32,
    /// Burst of requests allowed per client IP.
    #[arg(long, default_value_t = 4_000)]
    rate_burst: u32,
    /// Transactions per second a client IP may submit (each costs a
    /// signature check), one by one or in batches.
    #[arg(long, default_value_t = publica_api::TX_RATE_PER_S_DEFAULT, value_parser = clap::value_parser!(u32).range(1..))]
    tx_rate_limit: u32,
    /// Transactions a client IP may submit at once; no batch may be larger.
    #[arg(long, default_value_t = publica_api::TX_BURST_DEFAULT, value_parser = clap::value_parser!(u32).range(1..))]
    tx_burst: u32,
    /// The portal merges payment figures (a program's month) with fewer
    /// recipients than this, so that no small count points at a person.
    #[arg(long, default_value_t = publica_portal::MIN_CELL_RECIPIENTS_DEFAULT, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    min_cell: u64,
    /// A request's header must arrive whole within this many ms (an idle
    /// keep-alive connection is closed after it too).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    http_header_timeout_ms: u64,
    /// HTTP connections open at once, in all.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    http_max_connections: u64,
    /// HTTP connections open at once from one client address.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    http_max_connections_per_ip: u64,
    /// Origin of the transparency log (default `publica.local/<chain id>`).
    #[arg(long)]
    log_origin: Option<String>,
    /// Sign checkpoints with a new transparency-log key when log-key.json
    /// is missing from a chain that has blocks (otherwise the node refuses
    /// to start). Give every verifier the new key.
    #[arg(long)]
    new_log_key: bool,
    /// Genesis file for a new data directory (docs/genesis.md). Without it,
    /// a new directory gets a dev genesis: one agency administered by a key
    /// written to <data-dir>/dev-admin-key.json.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Seed a new dev chain with a demo welfare pilot: a city, a school, a
    /// registry, a local coin, a conditional cash transfer and a UBI
    /// program with a few hundred enrolees and months of payouts.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    records_store: crate::records::RecordStoreArgs,
    /// A reverse proxy in front of the node (repeatable): requests from
    /// it count against the client its X-Forwarded-For names last.
    #[arg(long)]
    trusted_proxy: Vec<std::net::IpAddr>,
    /// A witness to submit each checkpoint to, `<verifier key>@<URL>`
    /// (repeatable; docs/witnesses.md).
    #[arg(long = "witness")]
    witnesses: Vec<publica_api::witnessing::WitnessTarget>,
    /// Started by `publica node` from a single node's config file.
    #[arg(skip)]
    production: bool,
}

#[derive(Subcommand, Debug)]
enum KeysCmd {
    /// Create a key file (encrypted with a passphrase unless --plain).
    New {
        /// Where to write it (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Store the secret unencrypted (only for throwaway dev keys).
        #[arg(long)]
        plain: bool,
        #[command(flatten)]
        pass: PassArgs,
    },
    /// Print a key file's account (public key); no passphrase needed.
    Show {
        /// The key file.
        file: PathBuf,
        /// Also print the key's cosigner verifier key under this name (a
        /// validator's entry in network.json).
        #[arg(long)]
        cosigner_name: Option<String>,
    },
}

/// An agency administrator acting for the agency.
#[derive(Args, Debug)]
struct AdminArgs {
    /// The administrator's key file.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
    /// The agency it acts for.
    #[arg(long)]
    as_agency: String,
    /// Node URL.
    #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
    node: String,
}

/// `publica g2p …`.
#[derive(Subcommand, Debug)]
pub enum G2pCmd {
    /// Serve G2P Connect's disbursement API and mapper beside a node,
    /// signing payouts with one official's key (docs/g2p.md).
    Serve(crate::gateway::ServeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct PassArgs {
    /// Read the passphrase from this file (first line). Otherwise
    /// PUBLICA_PASSPHRASE, otherwise a prompt on the terminal.
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CallArgs {
    /// Key file of the signer.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
    /// Module to call, e.g. system.
    #[arg(long)]
    module: String,
    /// Method to call, e.g. set_note.
    #[arg(long)]
    method: String,
    /// Arguments as a JSON object, or `@FILE` to read them from a file
    /// (`@-`: standard input).
    #[arg(long, default_value = "{}")]
    args: String,
    /// The account signed for, when its key was rotated (default: the key
    /// file's own account).
    #[arg(long)]
    account: Option<String>,
}

#[derive(Subcommand, Debug)]
enum TxCmd {
    /// Build, sign, submit and wait for the receipt.
    Send {
        #[command(flatten)]
        call: CallArgs,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
        /// Nonce; asked from the node when omitted.
        #[arg(long)]
        nonce: Option<u64>,
        /// Expire this many blocks after the current height.
        #[arg(long, default_value_t = 1_000)]
        expires_in_blocks: u64,
        /// Return once admitted, without waiting for the receipt.
        #[arg(long)]
        no_wait: bool,
    },
    /// Build and sign offline; print the envelope JSON.
    Sign {
        #[command(flatten)]
        call: CallArgs,
        /// Chain id.
        #[arg(long, default_value = "publica-dev")]
        chain_id: String,
        /// Nonce.
        #[arg(long)]
        nonce: u64,
        /// Last block height that may include it.
        #[arg(long)]
        expiry_height: u64,
    },
    /// Submit a signed envelope from a file ('-' for stdin) and wait.
    Submit {
        /// The envelope.
        file: PathBuf,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
        /// Return once admitted.
        #[arg(long)]
        no_wait: bool,
    },
}

#[derive(Subcommand, Debug)]
enum QueryCmd {
    /// The chain's head.
    Status(NodeArg),
    /// A block by height.
    Block {
        height: u64,
        #[command(flatten)]
        node: NodeArg,
    },
    /// A transaction's receipt.
    Tx {
        tx_id: String,
        #[command(flatten)]
        node: NodeArg,
    },
    /// A state value with its proof; --verify checks the proof locally.
    State {
        key: String,
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Resolve a DID (`did:publica:<account hex | agency id>`).
    Did {
        did: String,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Every agency.
    Agencies(NodeArg),
    /// An agency's members and roles.
    Members {
        agency: String,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Multi-signature proposals and their approvals.
    Proposals {
        /// pending, executed or expired.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        node: NodeArg,
    },
    /// An account's nonces.
    Nonce {
        account: String,
        #[command(flatten)]
        node: NodeArg,
    },
}

#[derive(Args, Debug)]
struct NodeArg {
    /// Node URL.
    #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
    node: String,
}

#[derive(Subcommand, Debug)]
enum AdminCmd {
    /// Replay the block log from genesis and check every block's roots.
    VerifyChain {
        /// Data directory of a stopped node.
        #[arg(long, default_value = ".publica")]
        data_dir: PathBuf,
    },
    /// Back up a data directory while its node runs: the block log, the
    /// newest snapshot, keys and stores, with a manifest of checksums.
    Backup {
        /// Data directory of the node (running or stopped).
        #[arg(long, default_value = ".publica")]
        data_dir: PathBuf,
        /// New (or empty) directory to write the backup into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Move a stopped node's data directory to this build's ledger format:
    /// the blocks written keep their rules and roots, the new format applies
    /// from the next block (or --at-height). Back the directory up first.
    Migrate {
        /// Data directory of a stopped node.
        #[arg(long, default_value = ".publica")]
        data_dir: PathBuf,
        /// First block of the new format, not yet written (default: the
        /// next one). A network's validators all name the same height.
        #[arg(long)]
        at_height: Option<u64>,
    },
    /// Restore a backup into a new data directory, checking every checksum
    /// and replaying the chain from genesis.
    Restore {
        /// The backup (a directory `publica admin backup` wrote).
        #[arg(long)]
        from: PathBuf,
        /// New (or empty) data directory to restore into.
        #[arg(long)]
        data_dir: PathBuf,
    },
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Dev(a) => run_dev(a),
        Cmd::Keys(k) => run_keys(k),
        Cmd::Tx(t) => runtime()?.block_on(run_tx(t)),
        Cmd::Query(q) => runtime()?.block_on(run_query(q)),
        Cmd::Read(a) => runtime()?.block_on(crate::read::run(a)),
        Cmd::Verify(cmd) => run_verify(cmd),
        Cmd::Log(cmd) => run_log(cmd),
        Cmd::Witness(a) => crate::witness::run(a),
        Cmd::Identity(cmd) => runtime()?.block_on(run_identity(cmd)),
        Cmd::Money(cmd) => runtime()?.block_on(crate::money::run(cmd)),
        Cmd::Programs(cmd) => runtime()?.block_on(crate::programs::run(cmd)),
        Cmd::Credentials(c) => runtime()?.block_on(crate::credentials::run(c)),
        Cmd::Medicines(c) => runtime()?.block_on(crate::medicines::run(c)),
        Cmd::Records(c) => runtime()?.block_on(crate::records::run(c)),
        Cmd::Election(c) => runtime()?.block_on(crate::elections::run(c)),
        Cmd::Governance(c) => runtime()?.block_on(crate::governance::run(c)),
        Cmd::Crossborder(c) => runtime()?.block_on(crate::crossborder::run(c)),
        Cmd::Light(c) => runtime()?.block_on(crate::light::run(c)),
        Cmd::Energy(c) => runtime()?.block_on(crate::energy::run(c)),
        Cmd::Recycling(c) => runtime()?.block_on(crate::recycling::run(c)),
        Cmd::Data(c) => runtime()?.block_on(crate::citydata::run(c)),
        Cmd::Claims(c) => runtime()?.block_on(crate::claims::run(c)),
        Cmd::G2p(G2pCmd::Serve(a)) => runtime()?.block_on(crate::gateway::serve(a)),
        Cmd::Bench(b) => run_bench(b),
        Cmd::Node(a) => crate::testnet::run_node(a),
        Cmd::Testnet(crate::testnet::TestnetCmd::Init {
            validators,
            out,
            chain_id,
            host,
            base_port,
            spares,
            epoch_blocks,
            idle_block_ms,
        }) => crate::testnet::init(
            publica_validator::InitPlan {
                validators,
                spares,
                epoch_blocks,
                idle_block_ms,
                host,
                base_port,
            },
            &out,
            &chain_id,
        ),
        Cmd::Testnet(crate::testnet::TestnetCmd::Run { dir }) => crate::testnet::run_all(&dir),
        Cmd::Admin(AdminCmd::VerifyChain { data_dir }) => {
            let v = publica_node::verify_chain(&data_dir)?;
            print_json(&json!({
                "verified_blocks": v.verified_blocks,
                "torn_tail_bytes": v.torn_tail_bytes,
                "data_dir": data_dir,
            }));
            Ok(())
        }
        Cmd::Admin(AdminCmd::Backup { data_dir, out }) => {
            let m = publica_node::backup::backup(&data_dir, &out)?;
            print_json(&json!({
                "backup": out,
                "chain_id": m.chain_id,
                "height": m.height,
                "block_hash": m.block_hash,
                "snapshot_height": m.snapshot_height,
                "files": m.files.len(),
                "bytes": m.files.iter().map(|f| f.bytes).sum::<u64>(),
            }));
            Ok(())
        }
        Cmd::Admin(AdminCmd::Migrate {
            data_dir,
            at_height,
        }) => {
            let m = publica_node::migrate(&data_dir, at_height)?;
            print_json(&json!({
                "data_dir": data_dir,
                "from_format": m.from,
                "to_format": m.to,
                "starts_at": m.starts_at,
                "height": m.height,
                "migrated": m.starts_at.is_some(),
            }));
            Ok(())
        }
        Cmd::Admin(AdminCmd::Restore { from, data_dir }) => {
            let r = publica_node::backup::restore(&from, &data_dir)?;
            print_json(&json!({
                "data_dir": data_dir,
                "verified_blocks": r.verified_blocks,
                "block_hash": r.block_hash,
                "files": r.files,
                "bytes": r.bytes,
            }));
            Ok(())
        }
    }
}

/// Checks a receipt, checkpoint or consistency proof offline and prints
/// the result.
fn run_verify(cmd: VerifyCmd) -> Result<()> {
    match cmd {
        VerifyCmd::Receipt { file, trust: t } => {
            let (trust, policy) = t.load()?;
            print_json(&crate::verify::verify_receipt(
                &file,
                &trust,
                t.origin.as_deref(),
                policy.as_ref(),
            )?);
            Ok(())
        }
        VerifyCmd::State { file, trust: t } => {
            let (trust, policy) = t.load()?;
            print_json(&crate::verify::verify_state(
                &file,
                &trust,
                t.origin.as_deref(),
                policy.as_ref(),
            )?);
            Ok(())
        }
        VerifyCmd::Checkpoint {
            file,
            trust: t,
            height,
        } => {
            if height.is_some() && t.validators.is_none() {
                bail!("--height goes with --validators (a single node's log key signs every checkpoint)");
            }
            let (trust, policy) = t.load()?;
            print_json(&crate::verify::verify_checkpoint(
                &file,
                &trust,
                t.origin.as_deref(),
                height,
                policy.as_ref(),
            )?);
            Ok(())
        }
        VerifyCmd::Credential {
            file,
            accreditor,
            snapshot: Some(snapshot),
            log_key: Some(log_key),
            max_age_days,
            ..
        } => crate::credentials::verify_offline(
            &file,
            &snapshot,
            &log_key,
            &accreditor,
            max_age_days,
        ),
        VerifyCmd::Credential {
            file,
            accreditor,
            aud,
            nonce,
            node,
            ..
        } => runtime()?.block_on(crate::credentials::verify_file(
            &file,
            &node,
            &accreditor,
            aud.as_deref(),
            nonce.as_deref(),
        )),
        VerifyCmd::Consistency {
            old_checkpoint,
            new_checkpoint,
            proof,
            log_key,
            origin,
        } => {
            let key = crate::verify::load_log_key(&log_key)?;
            print_json(&crate::verify::verify_consistency_files(
                &old_checkpoint,
                &new_checkpoint,
                &proof,
                &key,
                origin.as_deref(),
            )?);
            Ok(())
        }
    }
}

/// Follows a node's checkpoints, alarming on a fork or rewrite.
fn run_log(cmd: LogCmd) -> Result<()> {
    match cmd {
        LogCmd::Watch {
            url,
            log_key,
            interval_ms,
            checks,
        } => {
            let key = log_key
                .as_deref()
                .map(crate::verify::load_log_key)
                .transpose()?;
            runtime()?.block_on(crate::verify::watch(
                &url,
                key,
                std::time::Duration::from_millis(interval_ms.max(10)),
                checks,
            ))
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Logs to stderr, filtered by `PUBLICA_LOG` (default `info`).
pub(crate) fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PUBLICA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,commonware=warn")),
        )
        .init();
}

/// A single production node from its config file: the dev sequencer's
/// single-node chain, from the chain's genesis file only.
pub(crate) fn run_single(
    c: crate::single::SingleNodeConfig,
    records_store: crate::records::RecordStoreArgs,
) -> Result<()> {
    run_dev(DevArgs {
        data_dir: c.data_dir,
        listen: c.api_listen,
        block_ms: c.block_ms,
        max_block_txs: c.block_txs_max,
        // A production node keeps the real time.
        time_scale: 1,
        chain_id: String::new(),
        snapshot_every: c.snapshot_interval_blocks,
        rate_limit: c.rate_limit,
        rate_burst: c.rate_burst,
        tx_rate_limit: c.tx_rate_limit,
        tx_burst: c.tx_burst,
        min_cell: c.min_cell_recipients,
        http_header_timeout_ms: c.http_header_timeout_ms,
        http_max_connections: c.http_max_connections,
        http_max_connections_per_ip: c.http_max_connections_per_ip,
        log_origin: c.log_origin,
        new_log_key: false,
        genesis: Some(c.genesis),
        demo: false,
        records_store,
        trusted_proxy: c.trusted_proxies,
        witnesses: publica_api::witnessing::parse_targets(&c.witnesses).map_err(|e| anyhow!(e))?,
        production: true,
    })
}

fn run_dev(a: DevArgs) -> Result<()> {
    init_logging();
    let records_s3 = a.records_store.config()?;
    let (genesis, chain_id) = dev_genesis(&a)?;
    let config = NodeConfig {
        genesis,
        data_dir: a.data_dir.clone(),
        chain_id,
        block_interval_ms: a.block_ms,
        block_txs_max: a.max_block_txs,
        snapshot_interval_blocks: a.snapshot_every,
        mempool_txs_max: 200_000,
        log_origin: a.log_origin,
        new_log_key: a.new_log_key,
    };
    config.validate().map_err(|e| anyhow!("{e}"))?;
    let rt = runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        let addr = listener.local_addr()?;
        let scale = a.time_scale;
        if scale > 1 {
            eprintln!("publica: the chain's clock runs {scale} times faster than the wall clock (--time-scale): block times run ahead of the real time");
        }
        let node = tokio::task::spawn_blocking(move || {
            publica_node::Node::start_dev_scaled(config, scale)
        })
            .await
            .context("starting the node")??;
        let st = node.status();
        let mut out = std::io::stdout();
        writeln!(
            out,
            "publica {}: chain {} at height {}, data in {}",
            if a.production { "node" } else { "dev" },
            st.chain_id,
            st.height,
            a.data_dir.display()
        )?;
        writeln!(out, "publica: log key {}", node.verifier_key())?;
        writeln!(out, "publica: listening on http://{addr}")?;
        writeln!(out, "publica: portal at http://{addr}/ (API under /v1)")?;
        out.flush()?;
        if a.demo {
            let key_path = a.data_dir.join("dev-admin-key.json");
            let admin = KeyFile::read(&key_path)
                .map_err(|e| anyhow!("{}: {e}", key_path.display()))?
                .open(&key_path.display().to_string(), None)
                .map_err(|e| anyhow!("--demo needs the plain dev admin key: {e}"))?;
            let n = node.clone();
            let (dir, base) = (a.data_dir.clone(), format!("http://{addr}"));
            let s3 = records_s3.clone();
            tokio::task::spawn_blocking(move || {
                crate::demo::seed(&n, admin, &dir, &base, s3.as_ref())
            })
            .await
            .context("seeding the demo")??;
        }
        let api = publica_api::ApiConfig {
            rate_limit_per_s: a.rate_limit,
            rate_limit_burst: a.rate_burst,
            tx_rate_per_s: a.tx_rate_limit,
            tx_burst: a.tx_burst,
            network: None,
            min_cell_recipients: a.min_cell,
            connections: publica_api::ConnectionLimits {
                header_read_timeout: std::time::Duration::from_millis(a.http_header_timeout_ms),
                max_connections: usize::try_from(a.http_max_connections).unwrap_or(usize::MAX),
                max_connections_per_ip: usize::try_from(a.http_max_connections_per_ip)
                    .unwrap_or(usize::MAX),
                trusted_proxies: a.trusted_proxy.clone(),
            },
            records_s3,
            witnesses: a.witnesses.clone(),
        };
        publica_api::serve(node, listener, api, shutdown_signal()).await?;
        eprintln!("publica: stopped cleanly");
        Ok(())
    })
}

/// `publica bench --workload energy`: its sizes checked, then run.
fn energy_bench(
    cfg: &publica_bench::load::BenchConfig,
    meters: usize,
    plan: publica_bench::energy::MarketPlan,
) -> Result<(Value, String)> {
    if !(1..=1_000_000).contains(&meters)
        || !(100..=10_000).contains(&plan.orders)
        || !plan.orders.is_multiple_of(100)
        || !(2..=600).contains(&plan.gate_s)
    {
        bail!("--meters is 1..=1000000, --market-orders a multiple of 100 in 100..=10000, --gate-s 2..=600");
    }
    let r = runtime()?.block_on(publica_bench::energy::run(cfg, meters, plan))?;
    Ok((serde_json::to_value(&r)?, r.text()))
}

/// The bench's sizes and option pairs, checked before anything starts.
fn check_bench_args(b: &BenchArgs) -> Result<()> {
    if !(1..=3600).contains(&b.duration)
        || !(1..=1_000_000).contains(&b.accounts)
        || !(1..=64).contains(&b.concurrency)
        || !(1..=10_000).contains(&b.batch)
        || b.in_flight > 1_000_000
    {
        bail!(
            "--duration 1..=3600, --accounts 1..=1000000, --concurrency 1..=64, --batch 1..=10000, --in-flight 0..=1000000"
        );
    }
    if b.node.is_some() && b.block_ms.is_some() {
        bail!("--block-ms sets the in-process node's interval; for a node given with --node, set it on that node (publica dev --block-ms)");
    }
    if b.node.is_none() && !b.submit_to.is_empty() {
        bail!("--submit-to needs --node (the validator the bench sets up on and follows)");
    }
    Ok(())
}

fn run_bench(b: BenchArgs) -> Result<()> {
    check_bench_args(&b)?;
    let admin = match (&b.node, &b.admin_key) {
        (Some(_), Some(k)) => Some(open_key(k, &b.pass)?),
        (Some(_), None) => {
            bail!("--node needs --admin-key: the bench sets up its own currency and accounts")
        }
        (None, _) => None,
    };
    let cfg = publica_bench::BenchConfig {
        node: b.node,
        admin,
        agency: b.agency,
        node_pid: b.node_pid,
        duration_s: b.duration,
        rate: b.rate,
        accounts: b.accounts,
        concurrency: b.concurrency,
        batch: b.batch,
        reference: b.reference,
        submit_to: b.submit_to,
        in_flight: b.in_flight,
        block_interval_ms: b.block_ms,
    };
    let (json, text) = match b.workload.as_str() {
        "transfers" => {
            let r = runtime()?.block_on(publica_bench::run(cfg))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "status-list" => {
            let r = runtime()?.block_on(publica_bench::status_list::run(&cfg))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "epcis" => {
            if b.packs == 0 || b.packs > 100_000_000 || b.events < 2 || b.events > 10_000_000 {
                bail!("--packs is 1..=100000000 and --events 2..=10000000");
            }
            let r = runtime()?.block_on(publica_bench::epcis::run(&cfg, b.packs, b.events))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "records" => {
            if !(1..=1_000_000).contains(&b.records)
                || !(1..=1_000_000).contains(&b.reads)
                || !(1..=256).contains(&b.readers)
            {
                bail!("--records and --reads are 1..=1000000, --readers 1..=256");
            }
            let r = runtime()?.block_on(publica_bench::records::run(
                &cfg, b.records, b.reads, b.readers,
            ))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "claims" => {
            if !(1..=1_000_000).contains(&b.members) || !(1..=5_000_000).contains(&b.claims) {
                bail!("--members is 1..=1000000 and --claims 1..=5000000");
            }
            let r = runtime()?.block_on(publica_bench::claims::run(&cfg, b.members, b.claims))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "elections" => {
            if !(1..=1_000_000).contains(&b.ballots) || !(5..=86_400).contains(&b.window_s) {
                bail!("--ballots is 1..=1000000 and --window-s 5..=86400");
            }
            if b.ring
                .is_some_and(|r| !r.is_power_of_two() || !(2..=1024).contains(&r))
            {
                bail!("--ring is a power of two from 2 to 1024");
            }
            let r = runtime()?.block_on(publica_bench::elections::run(
                &cfg, b.ballots, b.window_s, b.ring,
            ))?;
            (serde_json::to_value(&r)?, r.text())
        }
        "energy" => energy_bench(
            &cfg,
            b.meters,
            publica_bench::energy::MarketPlan {
                orders: b.market_orders,
                gate_s: b.gate_s,
            },
        )?,
        "witness" => {
            let r = runtime()?.block_on(publica_bench::witness::run(b.logs, b.duration))?;
            (serde_json::to_value(&r)?, r.text())
        }
        other => {
            bail!("--workload is transfers, status-list, epcis, records, claims, elections, energy or witness, not '{other}'")
        }
    };
    if b.json {
        print_json(&json);
    } else {
        crate::out!("{text}");
    }
    Ok(())
}

/// The genesis for `publica dev`: the one given, the one the data directory
/// already has, or a new dev genesis with a fresh admin key.
fn dev_genesis(a: &DevArgs) -> Result<(Option<publica_identity::Genesis>, String)> {
    if let Some(f) = &a.genesis {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading genesis {}", f.display()))?;
        let g =
            publica_identity::Genesis::parse(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?;
        let chain = g.chain_id.clone();
        return Ok((Some(g), chain));
    }
    if let Some(g) = publica_node::genesis::read_genesis(&a.data_dir)? {
        return Ok((None, g.chain_id));
    }
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("creating {}", a.data_dir.display()))?;
    let key_path = a.data_dir.join("dev-admin-key.json");
    let kf = match KeyFile::read(&key_path) {
        Ok(kf) => kf,
        Err(_) => {
            let kf = KeyFile::seal(&Keypair::generate(), None);
            kf.write_new(&key_path)?;
            kf
        }
    };
    eprintln!(
        "publica: new dev chain; its agency's administrator key is {}",
        key_path.display()
    );
    Ok((
        Some(if a.demo {
            crate::demo::genesis(&a.chain_id, kf.account)
        } else {
            publica_identity::Genesis::dev(&a.chain_id, kf.account)
        }),
        a.chain_id.clone(),
    ))
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}

fn read_passphrase(pass: &PassArgs, confirm: bool) -> Result<String> {
    if let Some(f) = &pass.passphrase_file {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading passphrase file {}", f.display()))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if let Ok(p) = std::env::var("PUBLICA_PASSPHRASE") {
        return Ok(p);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("a passphrase is needed: set PUBLICA_PASSPHRASE, pass --passphrase-file, or run on a terminal");
    }
    let p = rpassword::prompt_password("passphrase: ")?;
    if confirm && rpassword::prompt_password("again: ")? != p {
        bail!("the two passphrases differ");
    }
    Ok(p)
}

fn run_keys(k: KeysCmd) -> Result<()> {
    match k {
        KeysCmd::New { out, plain, pass } => {
            let kp = Keypair::generate();
            let kf = if plain {
                KeyFile::seal(&kp, None)
            } else {
                let p = read_passphrase(&pass, true)?;
                if p.chars().count() < 8 {
                    bail!("the passphrase must have at least 8 characters (or use --plain for a throwaway dev key)");
                }
                KeyFile::seal(&kp, Some(p.as_bytes()))
            };
            kf.write_new(&out)?;
            print_json(&json!({"account": kp.account(), "file": out, "encrypted": !plain}));
            Ok(())
        }
        KeysCmd::Show {
            file,
            cosigner_name,
        } => {
            let kf = KeyFile::read(&file)?;
            let mut out = json!({"account": kf.account, "encrypted": kf.is_encrypted(), "did": format!("did:publica:{}", kf.account)});
            if let Some(name) = cosigner_name {
                let key = publica_log::CosignerKey::for_public(&name, kf.account)
                    .map_err(|e| anyhow!("{e}"))?;
                out["cosigner_key"] = json!(key.to_vkey());
            }
            print_json(&out);
            Ok(())
        }
    }
}

pub fn open_key(path: &Path, pass: &PassArgs) -> Result<Keypair> {
    let kf = KeyFile::read(path)?;
    let shown = path.display().to_string();
    if kf.is_encrypted() {
        let p = read_passphrase(pass, false)?;
        Ok(kf.open(&shown, Some(p.as_bytes()))?)
    } else {
        Ok(kf.open(&shown, None)?)
    }
}

fn signer_of(call: &CallArgs, kp: &Keypair) -> Result<publica_types::AccountId> {
    match &call.account {
        Some(a) => a.parse().map_err(|e| anyhow!("--account: {e}")),
        None => Ok(kp.account()),
    }
}

/// A proposal's action from `--action` (JSON or `@FILE`) or the validator
/// shortcuts.
fn proposal_action(
    action: Option<String>,
    add_validator: Option<PathBuf>,
    remove_validator: Option<String>,
) -> Result<Value> {
    let read = |path: &Path| -> Result<Value> {
        let text = crate::verify::read_small(path)?;
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
    };
    match (action, add_validator, remove_validator) {
        (Some(a), None, None) => match a.strip_prefix('@') {
            Some(file) => read(Path::new(file)),
            None => serde_json::from_str(&a).context("--action must be JSON or @FILE"),
        },
        (None, Some(file), None) => Ok(json!({"kind": "add_validator", "validator": read(&file)?})),
        (None, None, Some(name)) => Ok(json!({"kind": "remove_validator", "name": name})),
        _ => bail!("give one of --action, --add-validator or --remove-validator"),
    }
}

/// Signs `call` with its signer's next nonce, valid for 1,000 blocks from
/// the node's height, submits it and waits for the receipt.
async fn send_call(client: &Client, status: &Value, call: CallArgs, kp: &Keypair) -> Result<()> {
    let chain_id = status["chain_id"]
        .as_str()
        .ok_or_else(|| anyhow!("node status lacks chain_id"))?
        .to_string();
    let nonce = client
        .get_ok(&format!("/v1/accounts/{}/nonce", signer_of(&call, kp)?))
        .await?["next_nonce"]
        .as_u64()
        .ok_or_else(|| anyhow!("node answer lacks next_nonce"))?;
    let height = status["height"].as_u64().unwrap_or(0);
    let env = build_envelope(&call, kp, chain_id, nonce, Expiry::Height(height + 1_000))?;
    submit_and_wait(client, &env, true).await
}

/// Proposals and approvals of identity governance.
async fn run_governance(cmd: IdentityCmd) -> Result<()> {
    let (admin, method, args) = match cmd {
        IdentityCmd::Propose {
            admin,
            action,
            add_validator,
            remove_validator,
            expires_in_blocks,
        } => {
            let action = proposal_action(action, add_validator, remove_validator)?;
            let mut args = json!({"as_agency": admin.as_agency, "action": action});
            if let Some(n) = expires_in_blocks {
                args["expires_in_blocks"] = json!(n);
            }
            (admin, "propose", args)
        }
        IdentityCmd::Approve { admin, proposal } => {
            let args = json!({"as_agency": admin.as_agency, "proposal": proposal});
            (admin, "approve", args)
        }
        _ => unreachable!("key changes go through run_identity"),
    };
    let kp = open_key(&admin.key, &admin.pass)?;
    let client = Client::new(&admin.node)?;
    let status = client.get_ok("/v1/status").await?;
    let call = CallArgs {
        key: admin.key,
        pass: admin.pass,
        module: "identity".into(),
        method: method.into(),
        args: args.to_string(),
        account: None,
    };
    send_call(&client, &status, call, &kp).await
}

/// Builds the args of a key change and sends it through `tx send`'s path.
async fn run_identity(cmd: IdentityCmd) -> Result<()> {
    match &cmd {
        IdentityCmd::Staff { signer, file } => return crate::staff::staff(signer, file).await,
        IdentityCmd::Roles { agency, csv, node } => {
            return crate::staff::roles(node, agency, *csv).await
        }
        _ => {}
    }
    if matches!(
        cmd,
        IdentityCmd::Propose { .. } | IdentityCmd::Approve { .. }
    ) {
        return run_governance(cmd).await;
    }
    let (key, pass, node, method, account, new_key_file) = match cmd {
        IdentityCmd::RotateKey {
            key,
            new_key,
            account,
            pass,
            node,
        } => (key, pass, node, "rotate_key", account, new_key),
        IdentityCmd::StartRecovery {
            key,
            account,
            new_key,
            pass,
            node,
        } => (key, pass, node, "start_recovery", Some(account), new_key),
        _ => unreachable!("governance goes through run_governance"),
    };
    let signer_kp = open_key(&key, &pass)?;
    let new_kp = open_key(&new_key_file, &pass)?;
    let client = Client::new(&node)?;
    let status = client.get_ok("/v1/status").await?;
    let chain_id = status["chain_id"]
        .as_str()
        .ok_or_else(|| anyhow!("node status lacks chain_id"))?
        .to_string();
    let target: publica_types::AccountId = match &account {
        Some(a) => a.parse().map_err(|e| anyhow!("--account: {e}"))?,
        None => signer_kp.account(),
    };
    let proof = new_kp.sign(&publica_identity::recovery::key_proof_message(
        &chain_id,
        &target,
        &new_kp.account(),
    ));
    let (args, signer_account) = if method == "rotate_key" {
        (
            json!({"new_key": new_kp.account(), "proof": proof}),
            account,
        )
    } else {
        (
            json!({"account": target, "new_key": new_kp.account(), "proof": proof}),
            None,
        )
    };
    let call = CallArgs {
        key,
        pass,
        module: "identity".into(),
        method: method.into(),
        args: args.to_string(),
        account: signer_account,
    };
    send_call(&client, &status, call, &signer_kp).await
}

/// Largest `--args @FILE` read, in bytes (a transaction is at most 60 KiB).
const ARGS_FILE_BYTES_MAX: u64 = 64 * 1024;

/// `--args`: JSON text, or `@FILE` (`@-` for standard input) holding it.
fn call_args(text: &str) -> Result<Value> {
    let Some(path) = text.strip_prefix('@') else {
        return serde_json::from_str(text).context("--args must be JSON (or @FILE)");
    };
    let mut raw = Vec::new();
    let read = if path == "-" {
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin(), ARGS_FILE_BYTES_MAX + 1),
            &mut raw,
        )
    } else {
        std::fs::File::open(path).and_then(|f| {
            std::io::Read::read_to_end(
                &mut std::io::Read::take(f, ARGS_FILE_BYTES_MAX + 1),
                &mut raw,
            )
        })
    };
    read.with_context(|| format!("reading --args {text}"))?;
    if raw.len() as u64 > ARGS_FILE_BYTES_MAX {
        bail!("--args {text}: more than {ARGS_FILE_BYTES_MAX} bytes (a transaction is at most 60 KiB)");
    }
    let raw = raw.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(&raw);
    serde_json::from_slice(raw).with_context(|| format!("--args {text} must hold JSON"))
}

fn build_envelope(
    call: &CallArgs,
    kp: &Keypair,
    chain_id: String,
    nonce: u64,
    expiry: Expiry,
) -> Result<Envelope> {
    let args = call_args(&call.args)?;
    let body = TxBody::new(chain_id, nonce, expiry, &call.module, &call.method, args);
    body.validate_shape()
        .map_err(|e| anyhow!("{}", e.message))?;
    kp.sign_tx(signer_of(call, kp)?, body)
        .map_err(|e| anyhow!("{e}"))
}

async fn submit_and_wait(client: &Client, env: &Envelope, wait: bool) -> Result<()> {
    let (status, v) = client.post("/v1/transactions", &json!(env)).await?;
    if status != 202 {
        return Err(api_error(status, &v));
    }
    let id = v["tx_id"].as_str().unwrap_or_default().to_string();
    if !wait {
        print_json(&v);
        return Ok(());
    }
    for _ in 0..10 {
        let (status, r) = client
            .get(&format!("/v1/transactions/{id}?wait_ms=5000"))
            .await?;
        match status {
            200 => {
                print_json(&r);
                if r["outcome"]["status"] == "failed" {
                    bail!(
                        "transaction {id} was committed but its call failed: {}",
                        r["outcome"]["error"]["code"].as_str().unwrap_or("unknown")
                    );
                }
                return Ok(());
            }
            202 => continue,
            _ => return Err(api_error(status, &r)),
        }
    }
    bail!("transaction {id} is still pending after 50 s")
}

async fn run_tx(t: TxCmd) -> Result<()> {
    match t {
        TxCmd::Send {
            call,
            node,
            nonce,
            expires_in_blocks,
            no_wait,
        } => {
            let kp = open_key(&call.key, &call.pass)?;
            let client = Client::new(&node)?;
            let status = client.get_ok("/v1/status").await?;
            let chain_id = status["chain_id"]
                .as_str()
                .ok_or_else(|| anyhow!("node status lacks chain_id"))?
                .to_string();
            let height = status["height"].as_u64().unwrap_or(0);
            let nonce = match nonce {
                Some(n) => n,
                None => {
                    let v = client
                        .get_ok(&format!("/v1/accounts/{}/nonce", signer_of(&call, &kp)?))
                        .await?;
                    v["next_nonce"]
                        .as_u64()
                        .ok_or_else(|| anyhow!("node answer lacks next_nonce"))?
                }
            };
            let env = build_envelope(
                &call,
                &kp,
                chain_id,
                nonce,
                Expiry::Height(height + expires_in_blocks),
            )?;
            submit_and_wait(&client, &env, !no_wait).await
        }
        TxCmd::Sign {
            call,
            chain_id,
            nonce,
            expiry_height,
        } => {
            let kp = open_key(&call.key, &call.pass)?;
            let env = build_envelope(&call, &kp, chain_id, nonce, Expiry::Height(expiry_height))?;
            print_json(&json!(env));
            Ok(())
        }
        TxCmd::Submit {
            file,
            node,
            no_wait,
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading stdin")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let v: Value = serde_json::from_str(&text).context("the envelope is not valid JSON")?;
            let env = publica_types::tx::parse_envelope(v)
                .map_err(|e| anyhow!("{}: {}", e.code, e.message))?;
            submit_and_wait(&Client::new(&node)?, &env, !no_wait).await
        }
    }
}

async fn run_query(q: QueryCmd) -> Result<()> {
    let v = match q {
        QueryCmd::Status(n) => Client::new(&n.node)?.get_ok("/v1/status").await?,
        QueryCmd::Did { did, node } => {
            Client::new(&node.node)?
                .get_ok(&format!(
                    "/v1/identity/did/{}",
                    publica_types::uri::encode(&did)
                ))
                .await?
        }
        QueryCmd::Agencies(n) => {
            Client::new(&n.node)?
                .get_ok("/v1/identity/agencies")
                .await?
        }
        QueryCmd::Members { agency, node } => {
            Client::new(&node.node)?
                .get_ok(&format!(
                    "/v1/identity/agencies/{}/members",
                    publica_types::uri::encode(&agency)
                ))
                .await?
        }
        QueryCmd::Proposals { status, node } => {
            let q = status
                .map(|s| format!("?status={}", publica_types::uri::encode(&s)))
                .unwrap_or_default();
            Client::new(&node.node)?
                .get_ok(&format!("/v1/identity/proposals{q}"))
                .await?
        }
        QueryCmd::Block { height, node } => {
            Client::new(&node.node)?
                .get_ok(&format!("/v1/blocks/{height}"))
                .await?
        }
        QueryCmd::Tx { tx_id, node } => {
            let id: Hash32 = tx_id.parse().map_err(|e| anyhow!("tx id: {e}"))?;
            Client::new(&node.node)?
                .get_ok(&format!("/v1/transactions/{id}"))
                .await?
        }
        QueryCmd::Nonce { account, node } => {
            Client::new(&node.node)?
                .get_ok(&format!("/v1/accounts/{account}/nonce"))
                .await?
        }
        QueryCmd::State { key, verify, node } => {
            let client = Client::new(&node.node)?;
            let url = format!("/v1/state?key={}", publica_types::uri::encode(&key));
            let mut v = client.get_ok(&url).await?;
            if verify {
                check_state_proof(&key, &v)?;
                v["verified"] = json!(true);
            }
            v
        }
    };
    print_json(&v);
    Ok(())
}

fn check_state_proof(key: &str, v: &Value) -> Result<()> {
    let root: Hash32 = v["state_root"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(|e| anyhow!("state_root: {e}"))?;
    let proof: Proof = serde_json::from_value(v["proof"].clone()).context("proof")?;
    let value = match v["value_hex"].as_str() {
        Some(h) => Some(hex::decode(h).context("value_hex")?),
        None => None,
    };
    verify_proof(&root, key.as_bytes(), value.as_deref(), &proof)
        .map_err(|e| anyhow!("state proof does not verify: {e}"))
}

#[cfg(test)]
mod tests {
    /// Clap's own checks of every command (unique argument names, valid
    /// defaults), which otherwise run only when that command is parsed.
    #[test]
    fn every_command_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
