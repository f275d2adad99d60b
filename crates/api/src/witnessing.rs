//! A node's side of C2SP tlog-witness: after each block it submits its
//! latest checkpoint (a single node's signed one, or in a validator
//! network the quorum's) to each witness it is configured with, with a
//! consistency proof from the size that witness last cosigned, and keeps
//! the checkpoint with every witness's cosignature line, served at
//! `GET /v1/log/witnessed` (docs/witnesses.md). A witness that refuses is
//! named there with its answer; the node goes on without it.

use publica_log::cosign::check_line;
use publica_log::witness::{AddCheckpoint, SIZE_CONTENT_TYPE};
use publica_log::{Checkpoint, CosignerKey};
use publica_node::Node;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// Most witnesses a node submits to.
pub const WITNESSES_MAX: usize = 16;
/// How long a witness has to answer.
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// Shortest time between two rounds of submissions.
const ROUND_GAP: Duration = Duration::from_millis(200);
/// A round is tried again after this long when a witness refused.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// A witness a node submits its checkpoints to: `<verifier key>@<URL>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessTarget {
    /// The witness's cosigner key (`name+id+base64(0x04 || key)`).
    pub key: CosignerKey,
    /// Its submission prefix (`POST <url>/add-checkpoint`).
    pub url: String,
}

impl std::str::FromStr for WitnessTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (key, url) = s
            .split_once('@')
            .ok_or("a witness is '<verifier key>@<URL>'")?;
        let key = CosignerKey::parse(key).map_err(|e| format!("witness key: {e}"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2048 {
            return Err(format!("witness URL '{url}': an http:// or https:// URL"));
        }
        Ok(WitnessTarget {
            key,
            url: url.trim_end_matches('/').to_string(),
        })
    }
}

/// Parses a config's `witnesses` list (`<verifier key>@<URL>` each).
pub fn parse_targets(list: &[String]) -> Result<Vec<WitnessTarget>, String> {
    if list.len() > WITNESSES_MAX {
        return Err(format!("witnesses: at most {WITNESSES_MAX}"));
    }
    let mut targets: Vec<WitnessTarget> = Vec::with_capacity(list.len());
    for w in list {
        let t: WitnessTarget = w.parse().map_err(|e| format!("witnesses: {e}"))?;
        if targets.iter().any(|o| o.key.name == t.key.name) {
            return Err(format!("witnesses: {} is listed twice", t.key.name));
        }
        targets.push(t);
    }
    Ok(targets)
}

#[derive(Clone, Debug, Default)]
struct Progress {
    /// The size this witness last cosigned (0 before any).
    size: u64,
    /// Its last refusal, if the last round failed with it.
    error: Option<String>,
}

/// The witnesses of a node and what they cosigned.
pub struct Witnessing {
    targets: Vec<WitnessTarget>,
    progress: Mutex<Vec<Progress>>,
    /// The latest checkpoint with at least one witness's line: its size
    /// and the note with every line it got.
    latest: RwLock<Option<(u64, String)>>,
}

impl Witnessing {
    /// A node's witnesses (at most [`WITNESSES_MAX`]).
    pub fn new(targets: Vec<WitnessTarget>) -> Arc<Self> {
        let n = targets.len();
        Arc::new(Witnessing {
            targets,
            progress: Mutex::new(vec![Progress::default(); n]),
            latest: RwLock::new(None),
        })
    }

    /// The latest witnessed checkpoint: its size and the note with every
    /// witness's line.
    pub fn latest(&self) -> Option<(u64, String)> {
        self.latest.read().expect("latest lock").clone()
    }

    /// `GET /v1/log/witnessed`: the witnessed checkpoint and each
    /// witness's state.
    pub fn answer(&self) -> Value {
        let progress = self.progress.lock().expect("progress lock");
        let latest = self.latest.read().expect("latest lock");
        let witnesses: Vec<Value> = self
            .targets
            .iter()
            .zip(progress.iter())
            .map(|(t, p)| {
                json!({
                    "name": t.key.name,
                    "key": t.key.to_vkey(),
                    "url": t.url,
                    "cosigned_size": (p.size > 0).then_some(p.size),
                    "error": p.error,
                })
            })
            .collect();
        json!({
            "checkpoint": latest.as_ref().map(|(_, note)| note),
            "size": latest.as_ref().map(|(size, _)| size),
            "witnesses": witnesses,
        })
    }

    /// One round: `note` to every witness; keeps what they cosigned.
    async fn round(&self, node: &Node, http: &reqwest::Client, note: &str) {
        let Some(cp) = note
            .find("\n\n")
            .and_then(|i| Checkpoint::parse(&note[..=i]).ok())
        else {
            return;
        };
        let text = cp.to_text();
        let mut lines = String::new();
        for (i, target) in self.targets.iter().enumerate() {
            let from = self.progress.lock().expect("progress lock")[i].size;
            let outcome = submit(node, http, target, &cp, &text, note, from).await;
            let mut progress = self.progress.lock().expect("progress lock");
            match outcome {
                Ok(line) => {
                    lines.push_str(&line);
                    progress[i] = Progress {
                        size: cp.size,
                        error: None,
                    };
                }
                Err((size, e)) => {
                    if progress[i].error.as_deref() != Some(e.as_str()) {
                        tracing::warn!(witness = %target.key.name, "the witness did not cosign: {e}");
                    }
                    progress[i] = Progress {
                        size: size.unwrap_or(progress[i].size),
                        error: Some(e),
                    };
                }
            }
        }
        if !lines.is_empty() {
            *self.latest.write().expect("latest lock") = Some((cp.size, format!("{note}{lines}")));
        }
    }

    fn all_current(&self, size: u64) -> bool {
        self.progress
            .lock()
            .expect("progress lock")
            .iter()
            .all(|p| p.error.is_none() && p.size == size)
    }
}

/// Submits `note` to one witness, from the size it last cosigned (asked
/// again once from the size it answers with, when that differs). Returns
/// its valid cosignature line, or the size it holds (if it said) and why
/// it did not cosign.
async fn submit(
    node: &Node,
    http: &reqwest::Client,
    target: &WitnessTarget,
    cp: &Checkpoint,
    text: &str,
    note: &str,
    mut from: u64,
) -> Result<String, (Option<u64>, String)> {
    for _ in 0..2 {
        let proof = if from == 0 || from >= cp.size {
            Vec::new()
        } else {
            node.consistency_proof(from, cp.size)
                .map_err(|e| (None, format!("no consistency proof from {from}: {e}")))?
        };
        let body = AddCheckpoint {
            old_size: from,
            proof,
            note: note.to_string(),
        }
        .to_body();
        let answer = http
            .post(format!("{}/add-checkpoint", target.url))
            .body(body)
            .send()
            .await
            .map_err(|e| (None, format!("unreachable: {e}")))?;
        let status = answer.status().as_u16();
        let sizes = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|c| c.as_bytes().starts_with(SIZE_CONTENT_TYPE.as_bytes()));
        let said = bounded_text(answer).await;
        match status {
            200 => {
                return said
                    .lines()
                    .map(|l| format!("{l}\n"))
                    .find(|l| check_line(&target.key, text, l).is_ok())
                    .ok_or((
                        None,
                        "answered without a valid cosignature by its key".into(),
                    ));
            }
            409 if sizes => {
                let held: u64 = said
                    .trim_end()
                    .parse()
                    .map_err(|_| (None, format!("409 with a size that is not one: {said:?}")))?;
                if held > cp.size {
                    return Err((
                        Some(held),
                        format!("it cosigned size {held}, beyond this log's {}: this log was rolled back, or another log has its name", cp.size),
                    ));
                }
                from = held;
            }
            _ => return Err((None, format!("{status}: {}", said.trim_end()))),
        }
    }
    Err((Some(from), "the witness's size kept moving".into()))
}

/// Most bytes of a witness's answer read: a few cosignature lines, or a
/// size, or a sentence.
const ANSWER_BYTES_MAX: usize = 8 * 1024;

/// A witness's answer, at most [`ANSWER_BYTES_MAX`] bytes of it.
async fn bounded_text(mut answer: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = answer.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= ANSWER_BYTES_MAX {
            body.truncate(ANSWER_BYTES_MAX);
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// Runs the submissions until `shutdown`: a round after each block (at
/// most one per [`ROUND_GAP`]), and again every [`RETRY_AFTER`] while a
/// witness has not cosigned the latest checkpoint. `current` gives the
/// checkpoint to submit (none yet: nothing is sent).
pub fn spawn(
    witnessing: Arc<Witnessing>,
    node: Node,
    current: impl Fn(&Node) -> Option<String> + Send + 'static,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let Ok(http) = reqwest::Client::builder().timeout(ANSWER_WAIT).build() else {
            tracing::error!("no HTTP client for the witnesses");
            return;
        };
        let mut heights = node.watch_height();
        let mut sent: Option<String> = None;
        loop {
            if let Some(note) = current(&node) {
                let size = note
                    .find("\n\n")
                    .and_then(|i| Checkpoint::parse(&note[..=i]).ok())
                    .map_or(0, |c| c.size);
                if sent.as_deref() != Some(note.as_str()) || !witnessing.all_current(size) {
                    witnessing.round(&node, &http, &note).await;
                    sent = Some(note);
                }
            }
            tokio::time::sleep(ROUND_GAP).await;
            tokio::select! {
                _ = heights.changed() => {}
                _ = shutdown.changed() => return,
                () = tokio::time::sleep(RETRY_AFTER) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_crypto::Keypair;

    fn vkey(name: &str) -> String {
        publica_log::Cosigner::new(name, Keypair::generate())
            .unwrap()
            .key()
            .to_vkey()
    }

    #[test]
    fn witness_targets_are_parsed_and_bad_ones_named() {
        let k = vkey("w.example/1");
        let t: WitnessTarget = format!("{k}@http://127.0.0.1:8710/").parse().unwrap();
        assert_eq!(
            (t.key.name.as_str(), t.url.as_str()),
            ("w.example/1", "http://127.0.0.1:8710")
        );
        for (bad, says) in [
            (k.clone(), "'<verifier key>@<URL>'"),
            (format!("{k}@ftp://x"), "http:// or https://"),
            ("nokey@http://x".to_string(), "witness key"),
        ] {
            let e = bad.parse::<WitnessTarget>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let twice = vec![format!("{k}@http://a"), format!("{k}@http://b")];
        assert!(parse_targets(&twice).unwrap_err().contains("listed twice"));
        let many: Vec<String> = (0..=WITNESSES_MAX)
            .map(|i| format!("{}@http://w{i}", vkey(&format!("w.example/{i}"))))
            .collect();
        assert!(parse_targets(&many).unwrap_err().contains("at most 16"));
        assert_eq!(parse_targets(&many[..2]).unwrap().len(), 2);
    }
}
