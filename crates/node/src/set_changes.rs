//! Validator-set changes proven under the quorum's checkpoint, for light
//! clients (`docs/light-client.md`).
//!
//! The validator history (`identity/validators`) names every set with the
//! height it starts at. When a block changes it, this node keeps the state
//! proof of the new history after that block; when the quorum's
//! checkpoint of that block arrives — cosigned by the set in force at it,
//! naming its state root — the pair is a state answer anyone verifies
//! against the set they already trust (`verify_state_answer`). It is
//! appended, synced, to `<data dir>/set-changes.jsonl` and served at
//! `GET /v1/network/set-changes`, so a client that trusts only the genesis
//! set follows every change after it. A node that recovers or syncs
//! state keeps the changes it recorded; one it never saw (a block
//! executed before this build, or a change whose checkpoint did not come
//! before the node stopped) is missing, and a client then says which set
//! it cannot follow and asks another node.

use publica_identity::validators::VALIDATORS_KEY;
use publica_runtime::routes::StateProofAnswer;
use publica_state::StateTree;
use publica_types::Hash32;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file of recorded changes, one state answer a line.
pub const SET_CHANGES_FILE: &str = "set-changes.jsonl";
/// Changes awaiting their block's final checkpoint.
const PENDING_MAX: usize = 64;
/// Largest file read at start.
const FILE_BYTES_MAX: u64 = 64 << 20;

/// The changes recorded and those awaiting their checkpoint.
pub(crate) struct SetChanges {
    file: PathBuf,
    /// The hash of the history after the last block seen.
    last: Option<Hash32>,
    pending: BTreeMap<u64, StateProofAnswer>,
    done: Vec<Value>,
}

fn value_hash(state: &StateTree) -> Option<Hash32> {
    state
        .get(VALIDATORS_KEY)
        .map(|v| publica_crypto::sha256(&v))
}

impl SetChanges {
    /// The changes recorded in `dir`, following on from `state` (the
    /// state this node starts from).
    pub(crate) fn open(dir: &Path, state: &StateTree) -> std::io::Result<SetChanges> {
        let file = dir.join(SET_CHANGES_FILE);
        let mut done = Vec::new();
        match std::fs::metadata(&file) {
            Ok(m) if m.len() > FILE_BYTES_MAX => {
                return Err(std::io::Error::other(format!(
                    "{} is larger than {FILE_BYTES_MAX} bytes",
                    file.display()
                )))
            }
            Ok(_) => {
                let text = std::fs::read_to_string(&file)?;
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    // A line cut short by a crash is the last one: skipped.
                    if let Ok(v) = serde_json::from_str::<Value>(line) {
                        done.push(v);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(SetChanges {
            file,
            last: value_hash(state),
            pending: BTreeMap::new(),
            done,
        })
    }

    /// After block `height`, whose post-state is `state` (hashed): keeps
    /// the proof of the history when the block changed it.
    pub(crate) fn after_block(&mut self, height: u64, state: &StateTree, state_root: Hash32) {
        let now = value_hash(state);
        if now == self.last {
            return;
        }
        self.last = now;
        let Some(proof) = state.prove_hashed(VALIDATORS_KEY) else {
            return;
        };
        self.pending.insert(
            height,
            StateProofAnswer {
                height,
                state_root,
                value: state.get(VALIDATORS_KEY).map(std::borrow::Cow::into_owned),
                proof,
            },
        );
        while self.pending.len() > PENDING_MAX {
            self.pending.pop_first();
        }
    }

    /// The quorum's checkpoint `note` of block `height` (its state line
    /// checked by the caller): records the change of that block, if any.
    pub(crate) fn final_checkpoint(&mut self, height: u64, note: &str) -> std::io::Result<()> {
        let Some(answer) = self.pending.get(&height) else {
            return Ok(());
        };
        if !crate::query::checkpoint_commits_to(note, height, &answer.state_root) {
            return Ok(());
        }
        let record = publica_runtime::state_answer::answer_json(
            std::str::from_utf8(VALIDATORS_KEY).expect("an ASCII key"),
            answer,
            Some(note.to_string()),
        );
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?;
        f.write_all(format!("{record}\n").as_bytes())?;
        f.sync_all()?;
        self.pending.remove(&height);
        self.done.push(record);
        Ok(())
    }

    /// Every change recorded, oldest first.
    pub(crate) fn recorded(&self) -> &[Value] {
        &self.done
    }
}
