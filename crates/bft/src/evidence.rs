//! Evidence of Byzantine behaviour the engine proves: conflicting
//! notarize or finalize votes, or nullify and finalize for one view, each
//! with both signed votes so anyone with the validator set can check it.

use commonware_codec::Encode;
use commonware_consensus::simplex::{
    scheme::ed25519,
    types::{Activity, Attributable},
};
use commonware_consensus::{Reporter, Viewable};
use commonware_cryptography::sha256::Digest;
use std::sync::{Arc, Mutex};

/// Most evidence records kept in memory.
pub const EVIDENCE_MAX: usize = 10_000;

/// One proven misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// `conflicting_notarize`, `conflicting_finalize` or `nullify_finalize`.
    pub kind: &'static str,
    /// The consensus view.
    pub view: u64,
    /// Index of the offender in the validator set.
    pub offender: u32,
    /// The engine's encoding of the two signed votes.
    #[serde(serialize_with = "as_hex")]
    pub proof: Vec<u8>,
}

fn as_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// The kinds of evidence the engine proves.
const KINDS: [&str; 3] = [
    "conflicting_notarize",
    "conflicting_finalize",
    "nullify_finalize",
];

/// Why an evidence file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be read, created, repaired or synced.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The system's answer.
        source: std::io::Error,
    },
    /// A line other than a torn last one is not an evidence record.
    #[error("{}: line {line} is not evidence", .path.display())]
    NotEvidence {
        /// The file.
        path: std::path::PathBuf,
        /// The line, from 1.
        line: usize,
    },
}

/// A validator's evidence: in memory, and with a file, also appended (one
/// JSON line per record, synced) so it outlives restarts.
#[derive(Debug, Default)]
pub struct EvidenceLog {
    records: Vec<Evidence>,
    file: Option<std::fs::File>,
}

impl EvidenceLog {
    /// Opens (or creates) the evidence file at `path` and reads what it
    /// holds; a torn last line (a crash while appending) is ignored.
    pub fn open(path: &std::path::Path) -> Result<Self, EvidenceError> {
        let io = |source| EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut records = Vec::new();
        let mut torn = false;
        for (i, line) in lines.iter().enumerate() {
            match parse_record(line) {
                Some(e) => records.push(e),
                None if i + 1 == lines.len() && !text.ends_with('\n') => {
                    tracing::warn!("{}: ignoring a torn last record", path.display());
                    torn = true;
                }
                None => {
                    return Err(EvidenceError::NotEvidence {
                        path: path.to_path_buf(),
                        line: i + 1,
                    })
                }
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if torn {
            // Cut the torn record off, as the block log does.
            let keep = text.rfind('\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64)
                .and_then(|()| file.sync_data())
                .map_err(io)?;
        } else if !text.is_empty() && !text.ends_with('\n') {
            // A whole record whose newline was not written: keep it.
            use std::io::Write as _;
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(io)?;
        }
        Ok(EvidenceLog {
            records,
            file: Some(file),
        })
    }

    /// Records `e` unless already held (the engine may report one again
    /// after a restart); at most [`EVIDENCE_MAX`] are kept.
    pub fn record(&mut self, e: Evidence) {
        let known = self
            .records
            .iter()
            .any(|r| r.kind == e.kind && r.view == e.view && r.offender == e.offender);
        if known || self.records.len() >= EVIDENCE_MAX {
            return;
        }
        if let Some(f) = &mut self.file {
            use std::io::Write as _;
            let mut line = serde_json::to_vec(&e).expect("evidence serializes");
            line.push(b'\n');
            if let Err(err) = f.write_all(&line).and_then(|()| f.sync_data()) {
                tracing::error!("cannot write evidence: {err}");
            }
        }
        self.records.push(e);
    }

    /// Everything recorded, oldest first.
    pub fn records(&self) -> &[Evidence] {
        &self.records
    }
}

fn parse_record(line: &str) -> Option<Evidence> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let kind = KINDS.into_iter().find(|k| v["kind"] == *k)?;
    Some(Evidence {
        kind,
        view: v["view"].as_u64()?,
        offender: u32::try_from(v["offender"].as_u64()?).ok()?,
        proof: hex::decode(v["proof"].as_str()?).ok()?,
    })
}

/// Records evidence from the engine's activity, then passes every activity
/// on to `inner` (the marshal wrapper).
#[derive(Clone)]
pub struct EvidenceReporter<R> {
    inner: R,
    log: Arc<Mutex<EvidenceLog>>,
}

impl<R> EvidenceReporter<R> {
    /// Wraps `inner`, recording into `log`.
    pub fn new(inner: R, log: Arc<Mutex<EvidenceLog>>) -> Self {
        EvidenceReporter { inner, log }
    }
}

impl<R> Reporter for EvidenceReporter<R>
where
    R: Reporter<Activity = Activity<ed25519::Scheme, Digest>>,
{
    type Activity = Activity<ed25519::Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        let found = match &activity {
            Activity::ConflictingNotarize(e) => Some((
                "conflicting_notarize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            Activity::ConflictingFinalize(e) => Some((
                "conflicting_finalize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            Activity::NullifyFinalize(e) => Some((
                "nullify_finalize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            _ => None,
        };
        if let Some((kind, view, offender, proof)) = found {
            tracing::warn!(kind, view, offender, "validator misbehaviour proven");
            self.log.lock().expect("evidence").record(Evidence {
                kind,
                view,
                offender,
                proof: proof.to_vec(),
            });
        }
        self.inner.report(activity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(view: u64) -> Evidence {
        Evidence {
            kind: "conflicting_notarize",
            view,
            offender: 2,
            proof: vec![1, 2, 3],
        }
    }

    #[test]
    fn evidence_outlives_a_restart_once_each_and_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.jsonl");
        let mut log = EvidenceLog::open(&path).unwrap();
        log.record(ev(7));
        log.record(ev(7));
        log.record(ev(9));
        assert_eq!(log.records().len(), 2, "the same proof once");
        drop(log);
        // A crash in the middle of a third record.
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"kind\":\"confl");
        std::fs::write(&path, text).unwrap();
        let mut log = EvidenceLog::open(&path).unwrap();
        assert_eq!(log.records(), &[ev(7), ev(9)]);
        log.record(ev(11));
        drop(log);
        let log = EvidenceLog::open(&path).unwrap();
        assert_eq!(log.records(), &[ev(7), ev(9), ev(11)]);
        // A whole last record without its newline is kept.
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.pop();
        std::fs::write(&path, text).unwrap();
        let mut log = EvidenceLog::open(&path).unwrap();
        log.record(ev(13));
        drop(log);
        assert_eq!(EvidenceLog::open(&path).unwrap().records().len(), 4);
        // Damage before the end is refused, not skipped.
        std::fs::write(&path, "junk\n{}\n").unwrap();
        assert!(EvidenceLog::open(&path)
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
