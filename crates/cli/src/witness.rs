//! `publica witness`: runs a C2SP tlog-witness (`publica_api::witness`,
//! docs/witnesses.md), or prints a witness key's verifier key.

use anyhow::{anyhow, bail, Context, Result};
use publica_api::witness::Service;
use publica_log::witness::LogKeys;
use publica_log::{Cosigner, ValidatorSet};
use std::path::PathBuf;

/// The logs a witness watches, from `--log` verifier keys and
/// `--validators` set files.
pub fn logs(keys: &[String], sets: &[PathBuf]) -> Result<Vec<LogKeys>> {
    let mut logs = Vec::new();
    for k in keys {
        logs.push(LogKeys::Node(crate::verify::load_log_key(k)?));
    }
    for f in sets {
        let set = ValidatorSet::parse(&crate::verify::read_small(f)?)
            .with_context(|| format!("reading the validator set {}", f.display()))?;
        logs.push(LogKeys::Validators(set));
    }
    let mut origins: Vec<&str> = logs.iter().map(LogKeys::origin).collect();
    origins.sort_unstable();
    if let Some(w) = origins.windows(2).find(|w| w[0] == w[1]) {
        bail!("the log '{}' is given twice", w[0]);
    }
    if logs.is_empty() {
        bail!("give the logs to witness: --log <verifier key> or --validators <set file>");
    }
    Ok(logs)
}

/// `publica witness`: serves the witness (`POST /add-checkpoint`,
/// `GET /logs`, `GET /evidence`) until SIGTERM or Ctrl-C. Its verifier
/// key, for the logs and for verifiers' policies: `publica keys show
/// <key file> --cosigner-name <name>`.
#[derive(clap::Args, Debug)]
pub struct WitnessArgs {
    /// The witness's key file (`publica keys new`).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    pass: crate::commands::PassArgs,
    /// The witness's name, e.g. `witness.ngo.example/w1` (no spaces or
    /// '+'): logs and verifiers know its key under it.
    #[arg(long)]
    name: String,
    /// Where it keeps the latest checkpoint per log, and evidence.
    #[arg(long)]
    data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8710")]
    listen: String,
    /// A single node's log to witness: its verifier key, or a file
    /// holding it (repeatable).
    #[arg(long = "log")]
    logs: Vec<String>,
    /// A validator network's log to witness: its validator set file; a
    /// quorum of the set must cosign (repeatable).
    #[arg(long = "validators")]
    sets: Vec<PathBuf>,
}

/// Runs `publica witness`.
pub fn run(a: WitnessArgs) -> Result<()> {
    let kp = crate::commands::open_key(&a.key, &a.pass)?;
    let cosigner = Cosigner::new(&a.name, kp).map_err(|e| anyhow!("witness name: {e}"))?;
    let service = Service::open(cosigner, logs(&a.logs, &a.sets)?, &a.data_dir)
        .with_context(|| format!("opening the witness directory {}", a.data_dir.display()))?;
    let listen = a.listen;
    crate::commands::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        eprintln!("publica witness: key {}", service.key());
        println!("publica: listening on http://{}", listener.local_addr()?);
        publica_api::witness::serve(service, listener, crate::commands::shutdown_signal())
            .await
            .map_err(|e| anyhow!("the witness stopped: {e}"))
    })
}
