//! Verifying a credential offline: a **snapshot** holds every ledger value
//! (or absence) the verification reads — the signer's key, its issuer role,
//! the accreditation, the status list and its pages — each with its state
//! proof, under a **state note** signed with the ledger's log key (the key
//! that signs its checkpoints). With the log key and nothing else, a
//! verifier re-runs [`crate::verify::credential`] on the proven values: the
//! same checks, as of the snapshot's block.
//!
//! A snapshot is made for one credential (`POST /v1/credentials/snapshot`):
//! the node runs the verification on its state, records each key it reads
//! and proves it. Offline, a read of a key the snapshot does not prove
//! fails the `snapshot` check (`credentials.snapshot_incomplete`) rather
//! than being taken as absent, so a snapshot cannot hide a revocation by
//! leaving its page out.

use crate::codes;
use crate::verify::{self, Check, Report};
use publica_log::{NoteVerifier, StateNote};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{ReadError, ReadView};
use publica_state::proof::{verify_proof, Proof};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Most entries in a snapshot.
pub const ENTRIES_MAX: usize = 64;

/// One proven value or absence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The state key.
    pub key: String,
    /// Its value, hex; `None` for a proven absence.
    pub value_hex: Option<String>,
    /// The proof against the note's state root.
    pub proof: Proof,
}

/// What a verifier needs besides the credential and the log key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The state note (`publica_log::StateNote`), signed with the log key.
    pub state_note: String,
    /// The accrediting agency it was made for.
    pub accreditor: String,
    /// The values read, with their proofs.
    pub entries: Vec<Entry>,
}

/// A state that records the keys read.
struct Recording<'a> {
    inner: &'a dyn StateRead,
    read: RefCell<BTreeSet<Vec<u8>>>,
}

impl StateRead for Recording<'_> {
    fn value(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        self.read.borrow_mut().insert(key.to_vec());
        self.inner.value(key)
    }
}

/// The proven values; a key it does not prove reads as absent and is
/// recorded as missing.
struct Proven {
    values: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    missing: RefCell<BTreeSet<Vec<u8>>>,
}

impl StateRead for Proven {
    fn value(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        match self.values.get(key) {
            Some(v) => v.as_deref().map(Cow::Borrowed),
            None => {
                self.missing.borrow_mut().insert(key.to_vec());
                None
            }
        }
    }
}

/// The snapshot for `credential` from `view`, trusting `accreditor`.
///
/// # Errors
/// The verification reads more than [`ENTRIES_MAX`] keys (a bad
/// parameter), or the view signs no state notes (internal).
pub fn snapshot(
    view: &dyn ReadView,
    credential: &Value,
    accreditor: &str,
) -> Result<Snapshot, ReadError> {
    let rec = Recording {
        inner: view.state(),
        read: RefCell::new(BTreeSet::new()),
    };
    let _ = verify::credential(&rec, view.now_ms(), credential, accreditor);
    let keys = rec.read.into_inner();
    if keys.len() > ENTRIES_MAX {
        return Err(ReadError::bad_param(format!(
            "verifying it reads {} ledger values, more than a snapshot holds ({ENTRIES_MAX})",
            keys.len()
        )));
    }
    let state_note = view
        .state_note()
        .ok_or_else(|| ReadError::internal("this node signs no state notes"))?;
    let entries = keys
        .iter()
        .map(|k| {
            let ans = view.prove(k);
            Entry {
                key: String::from_utf8_lossy(k).into_owned(),
                value_hex: ans.value.as_deref().map(hex::encode),
                proof: ans.proof,
            }
        })
        .collect();
    Ok(Snapshot {
        state_note,
        accreditor: accreditor.to_string(),
        entries,
    })
}

fn failed(check: Check) -> Report {
    Report {
        verified: false,
        checks: vec![check],
        institution: None,
        kind: None,
        claims: None,
    }
}

fn snapshot_fail(code: &'static str, message: String) -> Check {
    Check {
        check: "snapshot",
        ok: false,
        code: Some(code),
        message,
    }
}

/// How far a snapshot's block may be ahead of the verifier's clock.
pub const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// Verifies `credential` offline against `snapshot`, whose state note
/// must be signed by `log_key`, trusting `accreditor`, at `now_ms` (the
/// verifier's clock, for validity dates), accepting a snapshot at most
/// `max_age_ms` old (a revocation after it is not seen). The first check,
/// `snapshot`, says which block the answer is as of.
#[must_use]
pub fn verify(
    snapshot: &Snapshot,
    log_key: &NoteVerifier,
    credential: &Value,
    accreditor: &str,
    now_ms: u64,
    max_age_ms: u64,
) -> Report {
    let note = match StateNote::open(&snapshot.state_note, log_key) {
        Ok(n) => n,
        Err(e) => {
            return failed(snapshot_fail(
                codes::SNAPSHOT_INVALID,
                format!("the snapshot's state note is refused: {e}"),
            ))
        }
    };
    if note.time_ms > now_ms.saturating_add(CLOCK_SKEW_MS)
        || note.time_ms.saturating_add(max_age_ms) < now_ms
    {
        return failed(snapshot_fail(
            codes::SNAPSHOT_STALE,
            format!(
                "the snapshot is of block {} at {} ms; this verifier accepts one at most {} s old and not ahead of its clock",
                note.height,
                note.time_ms,
                max_age_ms / 1000
            ),
        ));
    }
    if snapshot.entries.len() > ENTRIES_MAX {
        return failed(snapshot_fail(
            codes::SNAPSHOT_INVALID,
            format!("a snapshot holds at most {ENTRIES_MAX} entries"),
        ));
    }
    let mut values = BTreeMap::new();
    for e in &snapshot.entries {
        let Ok(value) = e.value_hex.as_deref().map(hex::decode).transpose() else {
            return failed(snapshot_fail(
                codes::SNAPSHOT_INVALID,
                format!("the value of {} is not hex", e.key),
            ));
        };
        if let Err(err) = verify_proof(
            &note.state_root,
            e.key.as_bytes(),
            value.as_deref(),
            &e.proof,
        ) {
            return failed(snapshot_fail(
                codes::SNAPSHOT_INVALID,
                format!(
                    "the proof of {} does not hold against the signed state root: {err}",
                    e.key
                ),
            ));
        }
        values.insert(e.key.as_bytes().to_vec(), value);
    }
    let proven = Proven {
        values,
        missing: RefCell::new(BTreeSet::new()),
    };
    let mut report = verify::credential(&proven, now_ms, credential, accreditor);
    let missing = proven.missing.into_inner();
    let check = if let Some(k) = missing.iter().next() {
        snapshot_fail(
            codes::SNAPSHOT_INCOMPLETE,
            format!(
                "the snapshot does not prove {} (and {} more): make it for this credential and accreditor",
                String::from_utf8_lossy(k),
                missing.len() - 1
            ),
        )
    } else {
        Check {
            check: "snapshot",
            ok: true,
            code: None,
            message: format!(
                "as of block {} of {} (block time {} ms), signed with its log key: later status changes are not seen",
                note.height, note.origin, note.time_ms
            ),
        }
    };
    report.checks.insert(0, check);
    report.verified = report.checks.iter().all(|c| c.ok);
    report
}
