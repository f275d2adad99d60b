//! Transparency-log witnesses (C2SP tlog-witness, c2sp.org/tlog-witness):
//! the protocol's rules, without I/O. A witness keeps, per log it watches
//! (by origin), the latest checkpoint it cosigned; a log submits each new
//! checkpoint with a consistency proof from that one, and gets the
//! witness's C2SP `cosignature/v1` line back only if the log grew by
//! appending. A log that shows two histories (two roots for one size, or a
//! checkpoint no proof links to the last one) is refused, and what it
//! signed is kept as evidence.
//!
//! The request body is an old-size line `old <size>`, at most 63 base64
//! consistency-proof lines, an empty line and the signed checkpoint note.
//! Status codes (the specification's): 400 malformed or old size beyond
//! the checkpoint, 403 no trusted signature, 404 unknown log, 409 the old
//! size is not the latest cosigned one (body: that size) or two roots for
//! one size, 422 the proof does not verify.

use crate::checkpoint::Checkpoint;
use crate::cosign::{Cosigner, CosignerKey, ValidatorSet};
use crate::note::{split_note, NoteVerifier};
use crate::proof::verify_consistency;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_types::Hash32;

/// Most consistency-proof lines in a request.
pub const PROOF_LINES_MAX: usize = 63;
/// Largest request body, in bytes.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// The content type of a 409 answer's body (the latest cosigned size).
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// An `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the proof starts from: the latest the
    /// witness cosigned for this log (0 for none).
    pub old_size: u64,
    /// RFC 6962 consistency proof from `old_size` to the checkpoint.
    pub proof: Vec<Hash32>,
    /// The signed checkpoint note.
    pub note: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The body is not a request.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The old size is beyond the checkpoint's.
    #[error("the old size {old} is beyond the checkpoint's size {size}")]
    OldSizeAhead {
        /// The request's old size.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// No log with this origin is witnessed here.
    #[error("unknown log '{0}'")]
    UnknownLog(String),
    /// No signature by a key trusted for the log verifies.
    #[error("the checkpoint carries no valid signature by the log's keys: {0}")]
    Forbidden(String),
    /// The old size is not the latest cosigned one.
    #[error(
        "the latest checkpoint cosigned for this log is of size {latest}, not the old size given"
    )]
    Conflict {
        /// The size the witness holds.
        latest: u64,
    },
    /// Two roots for one size: the log forked.
    #[error("fork: the log signed another root for size {size} than the one cosigned")]
    Fork {
        /// The size.
        size: u64,
    },
    /// The proof does not link the checkpoint to the one cosigned.
    #[error("inconsistent: {0}")]
    Inconsistent(String),
}

impl WitnessError {
    /// The HTTP status the specification gives it.
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::Malformed(_) | WitnessError::OldSizeAhead { .. } => 400,
            WitnessError::Forbidden(_) => 403,
            WitnessError::UnknownLog(_) => 404,
            WitnessError::Conflict { .. } | WitnessError::Fork { .. } => 409,
            WitnessError::Inconsistent(_) => 422,
        }
    }

    /// Whether the log's own signed checkpoints show it misbehaved (the
    /// witness keeps them as evidence): two roots for one size, or a
    /// checkpoint no proof links to the one cosigned.
    pub fn is_evidence(&self) -> bool {
        matches!(
            self,
            WitnessError::Fork { .. } | WitnessError::Inconsistent(_)
        )
    }
}

fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl AddCheckpoint {
    /// Parses a request body.
    pub fn parse(body: &str) -> Result<AddCheckpoint, WitnessError> {
        let bad = |m: &str| WitnessError::Malformed(m.to_string());
        if body.len() > BODY_BYTES_MAX {
            return Err(bad("the body is larger than 64 KiB"));
        }
        let (first, mut rest) = body
            .split_once('\n')
            .ok_or_else(|| bad("missing the old size line"))?;
        let old_size = first
            .strip_prefix("old ")
            .and_then(decimal)
            .ok_or_else(|| {
                bad("the first line is 'old <size>', a decimal without leading zeros")
            })?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or_else(|| bad("missing the empty line before the checkpoint"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == PROOF_LINES_MAX {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let hash: [u8; 32] = B64
                .decode(line)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("a proof line is one 32-byte hash in base64"))?;
            proof.push(Hash32(hash));
        }
        if rest.is_empty() {
            return Err(bad("missing the checkpoint"));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: rest.to_string(),
        })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for h in &self.proof {
            body.push_str(&B64.encode(h.0));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }
}

/// The keys a witness trusts for one log.
#[derive(Debug, Clone)]
pub enum LogKeys {
    /// A single node's log key (its name is the origin).
    Node(NoteVerifier),
    /// A validator network: a quorum of the set must cosign.
    Validators(ValidatorSet),
}

impl LogKeys {
    /// The log's origin.
    pub fn origin(&self) -> &str {
        match self {
            LogKeys::Node(k) => &k.name,
            LogKeys::Validators(s) => &s.origin,
        }
    }

    fn check(&self, note: &str, cp: &Checkpoint) -> Result<(), String> {
        match self {
            LogKeys::Node(k) => k.verify(note).map(|_| ()).map_err(|e| e.to_string()),
            LogKeys::Validators(set) => {
                let height = cp.state.map_or(u64::MAX, |s| s.height);
                set.open_at(note, height)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// The latest checkpoint a witness cosigned for a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash32,
    /// The note as the log submitted it.
    pub note: String,
}

/// A witness: its cosigning key and the logs it watches.
pub struct Witness {
    cosigner: Cosigner,
    logs: Vec<LogKeys>,
}

impl Witness {
    /// A witness cosigning with `cosigner` for `logs` (one entry per
    /// origin; a later entry of the same origin is ignored).
    pub fn new(cosigner: Cosigner, logs: Vec<LogKeys>) -> Self {
        Witness { cosigner, logs }
    }

    /// The verifier key of its cosignatures.
    pub fn key(&self) -> CosignerKey {
        self.cosigner.key()
    }

    /// The logs it watches.
    pub fn logs(&self) -> &[LogKeys] {
        &self.logs
    }

    /// Checks `req` against the latest checkpoint cosigned for its log
    /// (`latest_of` by origin); on success returns the checkpoint, which
    /// the caller records as the latest (atomically with this check) and
    /// then cosigns with [`Witness::cosign`].
    pub fn check<'a>(
        &self,
        req: &AddCheckpoint,
        latest_of: impl FnOnce(&str) -> Option<&'a Witnessed>,
    ) -> Result<Checkpoint, WitnessError> {
        let (text, _) =
            split_note(&req.note).map_err(|e| WitnessError::Malformed(e.to_string()))?;
        let cp = Checkpoint::parse(text).map_err(|e| WitnessError::Malformed(e.to_string()))?;
        let keys = self
            .logs
            .iter()
            .find(|l| l.origin() == cp.origin)
            .ok_or_else(|| WitnessError::UnknownLog(cp.origin.clone()))?;
        keys.check(&req.note, &cp)
            .map_err(WitnessError::Forbidden)?;
        if req.old_size > cp.size {
            return Err(WitnessError::OldSizeAhead {
                old: req.old_size,
                size: cp.size,
            });
        }
        let latest = latest_of(&cp.origin);
        let held = latest.map_or(0, |l| l.size);
        if req.old_size != held {
            return Err(WitnessError::Conflict { latest: held });
        }
        match latest {
            // A log seen for the first time: nothing to be consistent with.
            None if req.proof.is_empty() => Ok(cp),
            None => Err(WitnessError::Inconsistent(
                "the proof from size 0 must be empty".into(),
            )),
            Some(l) if l.size == cp.size => {
                if l.root != cp.root {
                    return Err(WitnessError::Fork { size: cp.size });
                }
                if !req.proof.is_empty() {
                    return Err(WitnessError::Inconsistent(
                        "the proof between equal sizes must be empty".into(),
                    ));
                }
                Ok(cp)
            }
            Some(l) if l.size == 0 => Ok(cp),
            Some(l) => {
                verify_consistency(l.size, cp.size, &req.proof, &l.root, &cp.root)
                    .map_err(|e| WitnessError::Inconsistent(e.to_string()))?;
                Ok(cp)
            }
        }
    }

    /// The cosignature line on checkpoint `text` at `now_s` seconds.
    pub fn cosign(&self, text: &str, now_s: u64) -> String {
        self.cosigner.cosign(text, now_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::NoteSigner;
    use crate::tree::{MemoryLevels, MerkleLog};
    use publica_crypto::Keypair;

    struct Log {
        signer: NoteSigner,
        tree: MerkleLog<MemoryLevels>,
    }

    impl Log {
        fn new() -> Log {
            Log::with_seed([7; 32])
        }
        fn with_seed(seed: [u8; 32]) -> Log {
            Log {
                signer: NoteSigner::new("example.org/log", Keypair::from_seed(seed)).unwrap(),
                tree: MerkleLog::new(),
            }
        }
        fn grow(&mut self, n: u8) {
            for i in 0..n {
                self.tree.append(Hash32([i; 32]));
            }
        }
        fn note(&self) -> String {
            let cp = Checkpoint {
                origin: "example.org/log".into(),
                size: self.tree.len(),
                root: self.tree.root(),
                state: None,
            };
            self.signer.sign(&cp.to_text())
        }
        fn request(&self, from: u64) -> AddCheckpoint {
            let proof = if from == 0 {
                Vec::new()
            } else {
                self.tree.consistency_proof(from, self.tree.len()).unwrap()
            };
            AddCheckpoint {
                old_size: from,
                proof,
                note: self.note(),
            }
        }
    }

    fn witness(log: &Log) -> Witness {
        let cosigner = Cosigner::new("witness.example/w1", Keypair::generate()).unwrap();
        let key = NoteVerifier::parse(&log.signer.verifier_key()).unwrap();
        Witness::new(cosigner, vec![LogKeys::Node(key)])
    }

    fn record(cp: &Checkpoint, req: &AddCheckpoint) -> Witnessed {
        Witnessed {
            size: cp.size,
            root: cp.root,
            note: req.note.clone(),
        }
    }

    #[test]
    fn the_request_body_round_trips_and_malformed_ones_are_refused() {
        let mut log = Log::new();
        log.grow(5);
        let req = AddCheckpoint {
            old_size: 3,
            proof: vec![Hash32([1; 32]), Hash32([2; 32])],
            note: log.note(),
        };
        assert_eq!(AddCheckpoint::parse(&req.to_body()).unwrap(), req);
        let note = log.note();
        for bad in [
            format!("old 03\n\n{note}"),
            format!("old\n\n{note}"),
            format!("new 3\n\n{note}"),
            format!("old 3\nnot base64\n\n{note}"),
            format!("old 3\n{}\n\n{note}", B64.encode([0u8; 31])),
            format!("old 3\n{}\n{note}", B64.encode([0u8; 32])),
            "old 3\n\n".to_string(),
            format!(
                "old 3\n{}\n{note}",
                format!("{}\n", B64.encode([0u8; 32])).repeat(64)
            ),
        ] {
            assert!(
                matches!(AddCheckpoint::parse(&bad), Err(WitnessError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_witness_follows_a_log_that_only_grows_and_refuses_every_other_view() {
        let mut log = Log::new();
        log.grow(3);
        let w = witness(&log);
        let first = log.request(0);
        let cp = w.check(&first, |_| None).unwrap();
        let mut held = record(&cp, &first);
        // Stale: the old size is not the one held.
        assert_eq!(
            w.check(&first, |_| Some(&held)).unwrap_err(),
            WitnessError::Conflict { latest: 3 }
        );
        log.grow(4);
        let next = log.request(3);
        let cp = w.check(&next, |_| Some(&held)).unwrap();
        assert_eq!(cp.size, 7);
        held = record(&cp, &next);
        // The same checkpoint again: cosigned again.
        assert!(w.check(&log.request(7), |_| Some(&held)).is_ok());
        // A bad proof: 422, kept as evidence.
        let mut bad = log.request(7);
        log.grow(1);
        bad.note = log.note();
        bad.proof = vec![Hash32([9; 32])];
        let e = w.check(&bad, |_| Some(&held)).unwrap_err();
        assert_eq!((e.status(), e.is_evidence()), (422, true));
        // The old size beyond the checkpoint: 400.
        let mut ahead = log.request(7);
        ahead.old_size = 99;
        assert_eq!(w.check(&ahead, |_| Some(&held)).unwrap_err().status(), 400);
        // A fork: another tree of the held size, signed by the same key.
        let mut fork = Log::new();
        fork.grow(7);
        fork.tree.append(Hash32([0xee; 32]));
        let forked = AddCheckpoint {
            old_size: 8,
            proof: vec![],
            note: fork.note(),
        };
        let mut at8 = log.request(7);
        let cp8 = w.check(&at8, |_| Some(&held)).unwrap();
        held = record(&cp8, &at8);
        let e = w.check(&forked, |_| Some(&held)).unwrap_err();
        assert_eq!(e, WitnessError::Fork { size: 8 });
        assert!(e.is_evidence() && e.status() == 409);
        // Another key, or an unknown log.
        at8.note = NoteSigner::new("example.org/log", Keypair::generate())
            .unwrap()
            .sign(
                &Checkpoint::parse(&at8.note[..at8.note.find("\n\n").unwrap() + 1])
                    .unwrap()
                    .to_text(),
            );
        assert_eq!(w.check(&at8, |_| Some(&held)).unwrap_err().status(), 403);
        let other = NoteSigner::new("other.org/log", Keypair::generate()).unwrap();
        let stranger = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            note: other.sign("other.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        };
        assert_eq!(w.check(&stranger, |_| None).unwrap_err().status(), 404);
    }
}
