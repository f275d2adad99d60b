//! A C2SP tlog-witness service (`publica witness`, docs/witnesses.md) that
//! an NGO, a court or another agency runs with its own key. It keeps, per
//! log it watches, the latest checkpoint it cosigned (on disk, written
//! before it answers), cosigns a new checkpoint only with a consistency
//! proof from that one, and keeps what a log signed when it showed another
//! history, served as evidence (`GET /evidence`).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use publica_log::witness::{
    AddCheckpoint, LogKeys, Witness, WitnessError, Witnessed, BODY_BYTES_MAX, SIZE_CONTENT_TYPE,
};
use publica_log::{Checkpoint, Cosigner};
use publica_types::Hash32;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Evidence files kept at most, of each kind (a log that misbehaves over
/// and over cannot fill the disk). The kinds have budgets of their own:
/// anyone can submit a log's public checkpoint with a wrong proof, and so
/// fill the `inconsistent` budget, but only the log's key makes a fork.
const EVIDENCE_MAX: usize = 1_000;
/// The kinds of evidence.
const KINDS: [&str; 2] = ["fork", "inconsistent"];
/// Evidence records served at once, oldest first.
const EVIDENCE_SERVED: usize = 100;

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
    /// Evidence files kept, by kind (`KINDS`).
    evidence: Mutex<[usize; 2]>,
}

fn log_file(dir: &Path, origin: &str) -> PathBuf {
    let h = publica_crypto::sha256(origin.as_bytes());
    dir.join("logs").join(format!("{h}.json"))
}

/// Writes `bytes` to `path` whole or not at all, durably.
fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
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
    pub fn open(cosigner: Cosigner, logs: Vec<LogKeys>, dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir.join("logs"))?;
        std::fs::create_dir_all(dir.join("evidence"))?;
        let mut latest = BTreeMap::new();
        for l in &logs {
            let path = log_file(dir, l.origin());
            if !path.exists() {
                continue;
            }
            let kept: Kept = serde_json::from_str(&std::fs::read_to_string(&path)?)
                .map_err(|e| io::Error::other(format!("reading {}: {e}", path.display())))?;
            if kept.origin != l.origin() {
                return Err(io::Error::other(format!(
                    "{} holds the log '{}', not '{}'",
                    path.display(),
                    kept.origin,
                    l.origin()
                )));
            }
            let w = Witnessed {
                size: kept.size,
                root: kept.root,
                note: kept.note,
            };
            latest.insert(kept.origin, (w, kept.cosignature));
        }
        let mut evidence = [0usize; 2];
        for entry in std::fs::read_dir(dir.join("evidence"))? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            for (k, kind) in KINDS.iter().enumerate() {
                if name.starts_with(&format!("{kind}-")) {
                    evidence[k] += 1;
                }
            }
        }
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
        let k = usize::from(!matches!(e, WitnessError::Fork { .. }));
        let mut counts = self.evidence.lock().expect("evidence lock");
        if counts[k] >= EVIDENCE_MAX {
            return;
        }
        let origin = checkpoint_of(&req.note)
            .map(|c| c.origin)
            .unwrap_or_default();
        let cosigned = latest
            .get(&origin)
            .map(|(w, line)| format!("{}{line}", w.note));
        let record = json!({
            "kind": KINDS[k],
            "origin": origin,
            "detail": e.to_string(),
            "cosigned": cosigned,
            "submitted": req.note,
            "old_size": req.old_size,
            "proof": req.proof,
            "seen_ms": publica_types::now_ms(),
        });
        // One file per checkpoint submitted: a log that sends the same one
        // again adds nothing.
        let path = self.dir.join("evidence").join(format!(
            "{}-{}.json",
            KINDS[k],
            publica_crypto::sha256(req.note.as_bytes())
        ));
        if path.exists() {
            return;
        }
        match write_durably(&path, record.to_string().as_bytes()) {
            Ok(()) => {
                counts[k] += 1;
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

    /// The evidence kept: forks first (proof by themselves), then failed
    /// proofs, each oldest first.
    fn evidence(&self) -> io::Result<Value> {
        let files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("evidence"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        let mut list: Vec<Value> = files
            .iter()
            .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
            .collect();
        list.sort_by_key(|e: &Value| (e["kind"] != "fork", e["seen_ms"].as_u64()));
        let total = list.len();
        list.truncate(EVIDENCE_SERVED);
        Ok(json!({"witness": self.key(), "total": total, "evidence": list}))
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

/// Serves a witness on `listener` until `shutdown`.
pub async fn serve(
    service: Service,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(Arc::new(service)))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_crypto::Keypair;
    use publica_log::{MerkleLog, NoteSigner, NoteVerifier};

    #[test]
    fn the_record_survives_a_restart_and_evidence_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let seed = [3u8; 32];
        let signer = NoteSigner::new("example.org/log", Keypair::from_seed(seed)).unwrap();
        let keys = || {
            vec![LogKeys::Node(
                NoteVerifier::parse(&signer.verifier_key()).unwrap(),
            )]
        };
        let cosigner = || Cosigner::new("w.example/1", Keypair::from_seed([9; 32])).unwrap();
        let mut tree = MerkleLog::new();
        let note = |tree: &MerkleLog| {
            signer.sign(
                &Checkpoint {
                    origin: "example.org/log".into(),
                    size: tree.len(),
                    root: tree.root(),
                    state: None,
                }
                .to_text(),
            )
        };
        for i in 0..5u8 {
            tree.append(Hash32([i; 32]));
        }
        let s = Service::open(cosigner(), keys(), dir.path()).unwrap();
        let first = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            note: note(&tree),
        };
        assert!(s
            .add(&first.to_body())
            .unwrap()
            .starts_with("\u{2014} w.example/1 "));
        drop(s);
        // Restarted: it holds size 5, and asks for a proof from it.
        let s = Service::open(cosigner(), keys(), dir.path()).unwrap();
        assert_eq!(
            s.add(&first.to_body().replace("old 0", "old 3"))
                .unwrap_err(),
            WitnessError::Conflict { latest: 5 }
        );
        tree.append(Hash32([9; 32]));
        let next = AddCheckpoint {
            old_size: 5,
            proof: tree.consistency_proof(5, 6).unwrap(),
            note: note(&tree),
        };
        s.add(&next.to_body()).unwrap();
        // A fork of size 6, sent twice: one evidence record.
        let mut other = MerkleLog::new();
        for i in 0..6u8 {
            other.append(Hash32([i + 100; 32]));
        }
        let fork = AddCheckpoint {
            old_size: 6,
            proof: vec![],
            note: note(&other),
        };
        for _ in 0..2 {
            assert_eq!(
                s.add(&fork.to_body()).unwrap_err(),
                WitnessError::Fork { size: 6 }
            );
        }
        let e = s.evidence().unwrap();
        assert_eq!(e["total"], 1, "{e}");
        assert_eq!(e["evidence"][0]["kind"], "fork");
        assert_eq!(e["evidence"][0]["submitted"], fork.note);
        assert!(e["evidence"][0]["cosigned"]
            .as_str()
            .unwrap()
            .starts_with(&next.note));
    }
}
