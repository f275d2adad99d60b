//! `publica witness`: a C2SP tlog-witness (docs/witnesses.md) that an NGO,
//! a court or another agency runs with its own key. It keeps, per log it
//! watches, the latest checkpoint it cosigned (on disk, written before it
//! answers), cosigns a new checkpoint only with a consistency proof from
//! that one, and keeps what a log signed when it showed another history,
//! served as evidence.

use anyhow::{anyhow, bail, Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use publica_log::witness::{
    AddCheckpoint, LogKeys, Witness, WitnessError, Witnessed, BODY_BYTES_MAX, SIZE_CONTENT_TYPE,
};
use publica_log::{Checkpoint, Cosigner, ValidatorSet};
use publica_types::Hash32;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Evidence files kept at most (a log that misbehaves over and over
/// cannot fill the disk).
const EVIDENCE_MAX: usize = 1_000;

/// What is kept per log: the latest cosigned checkpoint and the line.
#[derive(Serialize, Deserialize)]
struct Kept {
    origin: String,
    size: u64,
    root: Hash32,
    note: String,
    cosignature: String,
}

/// A witness's state: its rules, its directory, the latest per log.
pub struct Service {
    witness: Witness,
    dir: PathBuf,
    latest: Mutex<BTreeMap<String, (Witnessed, String)>>,
    evidence: Mutex<usize>,
}

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

fn log_file(dir: &Path, origin: &str) -> PathBuf {
    let h = publica_crypto::sha256(origin.as_bytes());
    dir.join("logs").join(format!("{h}.json"))
}

/// Writes `bytes` to `path` whole or not at all, durably.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

impl Service {
    /// Opens (or makes) the witness's directory and loads what it holds.
    pub fn open(cosigner: Cosigner, logs: Vec<LogKeys>, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir.join("logs"))?;
        std::fs::create_dir_all(dir.join("evidence"))?;
        let mut latest = BTreeMap::new();
        for l in &logs {
            let path = log_file(dir, l.origin());
            if !path.exists() {
                continue;
            }
            let kept: Kept = serde_json::from_str(&std::fs::read_to_string(&path)?)
                .with_context(|| format!("reading {}", path.display()))?;
            if kept.origin != l.origin() {
                bail!(
                    "{} holds the log '{}', not '{}'",
                    path.display(),
                    kept.origin,
                    l.origin()
                );
            }
            let w = Witnessed {
                size: kept.size,
                root: kept.root,
                note: kept.note,
            };
            latest.insert(kept.origin, (w, kept.cosignature));
        }
        let evidence = std::fs::read_dir(dir.join("evidence"))?.count();
        Ok(Service {
            witness: Witness::new(cosigner, logs),
            dir: dir.to_path_buf(),
            latest: Mutex::new(latest),
            evidence: Mutex::new(evidence),
        })
    }

    /// The verifier key of this witness's cosignatures.
    pub fn key(&self) -> String {
        self.witness.key().to_vkey()
    }

    /// Handles one `add-checkpoint` body: the cosignature line, or why not.
    pub fn add(&self, body: &str) -> Result<String, WitnessError> {
        let req = AddCheckpoint::parse(body)?;
        // The check and the record are one step (the specification's race:
        // an older request must never roll back a newer record).
        let mut latest = self.latest.lock().expect("latest lock");
        let checked = self
            .witness
            .check(&req, |origin| latest.get(origin).map(|(w, _)| w));
        let cp = match checked {
            Ok(cp) => cp,
            Err(e) => {
                if e.is_evidence() {
                    self.keep_evidence(&e, &req, &latest);
                }
                return Err(e);
            }
        };
        let text = cp.to_text();
        let line = self.witness.cosign(&text, publica_types::now_ms() / 1000);
        let kept = Kept {
            origin: cp.origin.clone(),
            size: cp.size,
            root: cp.root,
            note: req.note.clone(),
            cosignature: line.clone(),
        };
        let bytes = serde_json::to_vec(&kept).expect("serializable");
        if let Err(e) = write_durably(&log_file(&self.dir, &cp.origin), &bytes) {
            tracing::error!(error = %e, origin = %cp.origin, "the witness could not record a checkpoint");
            return Err(WitnessError::Malformed(
                "the witness could not record the checkpoint; try again".into(),
            ));
        }
        latest.insert(
            cp.origin,
            (
                Witnessed {
                    size: cp.size,
                    root: cp.root,
                    note: req.note,
                },
                line.clone(),
            ),
        );
        Ok(line)
    }

    fn keep_evidence(
        &self,
        e: &WitnessError,
        req: &AddCheckpoint,
        latest: &BTreeMap<String, (Witnessed, String)>,
    ) {
        let mut count = self.evidence.lock().expect("evidence lock");
        if *count >= EVIDENCE_MAX {
            return;
        }
        let origin = checkpoint_of(&req.note)
            .map(|c| c.origin)
            .unwrap_or_default();
        let cosigned = latest
            .get(&origin)
            .map(|(w, line)| format!("{}{line}", w.note));
        let record = json!({
            "kind": if matches!(e, WitnessError::Fork { .. }) { "fork" } else { "inconsistent" },
            "origin": origin,
            "detail": e.to_string(),
            "cosigned": cosigned,
            "submitted": req.note,
            "old_size": req.old_size,
            "proof": req.proof,
            "seen_ms": publica_types::now_ms(),
        });
        let path = self
            .dir
            .join("evidence")
            .join(format!("{:06}.json", *count + 1));
        match write_durably(&path, record.to_string().as_bytes()) {
            Ok(()) => {
                *count += 1;
                tracing::warn!(origin = %origin, "{e}: evidence kept in {}", path.display());
            }
            Err(err) => tracing::error!(error = %err, "the witness could not keep evidence"),
        }
    }

    /// What the witness holds per log, each checkpoint with its line.
    fn held(&self) -> Value {
        let latest = self.latest.lock().expect("latest lock");
        let logs: Vec<Value> = latest
            .iter()
            .map(|(origin, (w, line))| {
                json!({"origin": origin, "size": w.size, "checkpoint": format!("{}{line}", w.note)})
            })
            .collect();
        json!({"witness": self.key(), "logs": logs})
    }

    /// The evidence kept, oldest first.
    fn evidence(&self) -> Result<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("evidence"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let list: Vec<Value> = files
            .iter()
            .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
            .collect();
        Ok(json!({"witness": self.key(), "evidence": list}))
    }
}

fn checkpoint_of(note: &str) -> Option<Checkpoint> {
    let body = &note[..note.find("\n\n")? + 1];
    Checkpoint::parse(body).ok()
}

async fn add_checkpoint(State(s): State<Arc<Service>>, body: Bytes) -> Response {
    let Ok(body) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "malformed request: not UTF-8\n").into_response();
    };
    let s2 = s.clone();
    let body = body.to_string();
    // Signature checks and an fsync: off the async workers.
    let done = tokio::task::spawn_blocking(move || s2.add(&body)).await;
    match done {
        Ok(Ok(line)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], line).into_response()
        }
        Ok(Err(WitnessError::Conflict { latest })) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, SIZE_CONTENT_TYPE)],
            format!("{latest}\n"),
        )
            .into_response(),
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, format!("{e}\n")).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn held(State(s): State<Arc<Service>>) -> Json<Value> {
    Json(s.held())
}

async fn evidence(State(s): State<Arc<Service>>) -> Response {
    match s.evidence() {
        Ok(v) => Json(v).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The witness's HTTP interface: `POST /add-checkpoint` (the submission
/// prefix is the root), `GET /logs` and `GET /evidence` (monitoring).
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/logs", get(held))
        .route("/evidence", get(evidence))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(service)
}

/// Runs a witness until SIGTERM or Ctrl-C.
pub async fn run(service: Service, listen: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!("publica witness: key {}", service.key());
    eprintln!("publica witness: listening on http://{addr}");
    axum::serve(listener, router(Arc::new(service)))
        .with_graceful_shutdown(crate::commands::shutdown_signal())
        .await
        .map_err(|e| anyhow!("the witness stopped: {e}"))
}

/// A witness key's verifier key under `name`, for a log's operators.
pub fn verifier_key(name: &str, key: publica_crypto::Keypair) -> Result<String> {
    Ok(Cosigner::new(name, key)
        .map_err(|e| anyhow!("witness name: {e}"))?
        .key()
        .to_vkey())
}

/// `publica witness …`.
#[derive(clap::Subcommand, Debug)]
pub enum WitnessCmd {
    /// Serve the witness: `POST /add-checkpoint`, `GET /logs`,
    /// `GET /evidence`, until SIGTERM or Ctrl-C.
    Run {
        /// The witness's key file (`publica keys gen`).
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
        /// A validator network's log to witness: its validator set file;
        /// a quorum of the set must cosign (repeatable).
        #[arg(long = "validators")]
        sets: Vec<PathBuf>,
    },
    /// Print the verifier key of a witness key under a name, for the logs
    /// it witnesses and for verifiers' witness policies.
    Key {
        /// The witness's key file.
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        pass: crate::commands::PassArgs,
        /// The witness's name.
        #[arg(long)]
        name: String,
    },
}

/// Runs a `publica witness` command.
pub fn run_cmd(cmd: WitnessCmd) -> Result<()> {
    match cmd {
        WitnessCmd::Key { key, pass, name } => {
            let kp = crate::commands::open_key(&key, &pass)?;
            crate::client::print_json(
                &json!({"name": name, "verifier_key": verifier_key(&name, kp)?}),
            );
            Ok(())
        }
        WitnessCmd::Run {
            key,
            pass,
            name,
            data_dir,
            listen,
            logs: keys,
            sets,
        } => {
            let kp = crate::commands::open_key(&key, &pass)?;
            let cosigner = Cosigner::new(&name, kp).map_err(|e| anyhow!("witness name: {e}"))?;
            let service = Service::open(cosigner, logs(&keys, &sets)?, &data_dir)?;
            crate::commands::runtime()?.block_on(run(service, &listen))
        }
    }
}
