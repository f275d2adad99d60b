//! A light client of a validator network (`docs/light-client.md`): it
//! trusts one validator set (the genesis set, or a set it was given), and
//! from there follows every set after it, each change proven under a
//! checkpoint cosigned by a quorum of the set in force at the changing
//! block. It keeps only the sets and the latest checkpoint it saw, checks
//! that every later checkpoint extends it (a consistency proof) and names
//! the two checkpoints of a forked view; receipts and state answers are
//! then verified offline against the sets it followed.
//!
//! Nothing a node says is taken on its word: a set change is a state
//! answer of `identity/validators` (the whole history of sets) verified
//! against the sets already trusted, and the new history must keep every
//! set that already finalized a block and add sets only for later heights.

use crate::validators::{ValidatorHistory, VALIDATORS_KEY};
use publica_log::{Checkpoint, ValidatorSet};
use publica_runtime::receipt::Trust;
use publica_runtime::state_answer::{verify_state_answer, StateAnswerError};
use publica_types::Hash32;
use serde_json::{json, Value};

/// Why the light client refused what a node served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LightError {
    /// A stored state that does not parse.
    #[error("the light client's store is damaged: {0}")]
    Store(String),
    /// A set change that does not verify against the sets trusted.
    #[error("the set change of block {height} does not verify against the sets followed: {why}")]
    Change {
        /// Its block.
        height: u64,
        /// Why.
        why: StateAnswerError,
    },
    /// A set change that is not the validator history.
    #[error("the set change of block {height} proves another key ({key})")]
    WrongKey {
        /// Its block.
        height: u64,
        /// The key it proves.
        key: String,
    },
    /// A history that does not parse or is not a history of sets.
    #[error("the set change of block {height} holds no validator history: {why}")]
    NoHistory {
        /// Its block.
        height: u64,
        /// Why.
        why: String,
    },
    /// A history that changes a set that already finalized blocks, or adds
    /// a set for a block already decided.
    #[error("the set change of block {height} rewrites the sets before it: {why}")]
    RewritesPast {
        /// Its block.
        height: u64,
        /// What changed.
        why: String,
    },
    /// A checkpoint that does not verify against the sets followed.
    #[error("checkpoint rejected: {0}")]
    Checkpoint(String),
    /// The node serves sets the client could not follow.
    #[error("the node's validator history has sets this client has not followed (changes up to block {followed} followed): ask a node that recorded every change (GET /v1/network/set-changes)")]
    Unfollowed {
        /// The last change followed.
        followed: u64,
    },
    /// Two checkpoints that are not one history.
    #[error("fork: the checkpoint held (size {held_size}) and the one served (size {served_size}) are not one history: {why}")]
    Fork {
        /// The checkpoint held.
        held: String,
        /// Its size.
        held_size: u64,
        /// The one served.
        served: String,
        /// Its size.
        served_size: u64,
        /// Which check failed.
        why: String,
    },
}

/// The checkpoint the client holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The note, cosignatures included.
    pub note: String,
    /// Its block.
    pub height: u64,
    /// Its log size.
    pub size: u64,
    /// Its root.
    pub root: Hash32,
}

/// What a light client keeps: the sets followed and the latest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LightClient {
    /// The sets followed (the trusted one first).
    pub sets: ValidatorSet,
    /// The block of the last set change followed (0: none yet).
    pub followed: u64,
    /// The latest checkpoint seen.
    pub held: Option<Held>,
}

/// What following a set change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// The change was followed: the sets now include it.
    New,
    /// The change was followed before.
    Known,
}

impl LightClient {
    /// A client that trusts `sets`.
    pub fn new(sets: ValidatorSet) -> Self {
        LightClient {
            sets,
            followed: 0,
            held: None,
        }
    }

    /// What [`LightClient::to_json`] wrote.
    pub fn from_json(v: &Value) -> Result<Self, LightError> {
        let bad = |m: &str| LightError::Store(m.to_string());
        let sets = ValidatorSet::parse(&v["sets"].to_string())
            .map_err(|e| LightError::Store(e.to_string()))?;
        let followed = v["followed"].as_u64().ok_or_else(|| bad("followed"))?;
        let held = match &v["held"] {
            Value::Null => None,
            h => {
                let note = h["note"].as_str().ok_or_else(|| bad("held.note"))?;
                let height = h["height"].as_u64().ok_or_else(|| bad("held.height"))?;
                let cp = sets
                    .open_at(note, height)
                    .map_err(|e| LightError::Store(format!("held checkpoint: {e}")))?;
                Some(Held {
                    note: note.to_string(),
                    height,
                    size: cp.size,
                    root: cp.root,
                })
            }
        };
        Ok(LightClient {
            sets,
            followed,
            held,
        })
    }

    /// The client's store as JSON.
    pub fn to_json(&self) -> Value {
        let sets: Value = serde_json::from_str(&self.sets.to_json()).expect("a set's own JSON");
        json!({
            "sets": sets,
            "followed": self.followed,
            "held": self.held.as_ref().map(|h| json!({
                "note": h.note, "height": h.height, "size": h.size, "root": h.root,
            })),
        })
    }

    /// How receipts and state answers are checked: against the sets
    /// followed.
    pub fn trust(&self) -> Trust<'_> {
        Trust::Validators(&self.sets)
    }

    /// Follows one set change (a state answer of the validator history at
    /// the changing block, with that block's final checkpoint).
    pub fn follow(&mut self, change: &Value) -> Result<Followed, LightError> {
        let height = change["height"].as_u64().unwrap_or(0);
        let key = change["key"].as_str().unwrap_or_default();
        if key.as_bytes() != VALIDATORS_KEY {
            return Err(LightError::WrongKey {
                height,
                key: key.to_string(),
            });
        }
        let verified = verify_state_answer(change, self.trust(), Some(&self.sets.origin))
            .map_err(|why| LightError::Change { height, why })?;
        let no_history = |why: String| LightError::NoHistory { height, why };
        let value = verified
            .value
            .ok_or_else(|| no_history("the key is absent".into()))?;
        let history = ValidatorHistory::parse(&value).map_err(|e| no_history(e.to_string()))?;
        let next = history
            .verifier_set(&self.sets.origin)
            .map_err(|e| no_history(e.to_string()))?;
        if height <= self.followed {
            // Followed before (or an earlier change): it must agree.
            return if next.changes.iter().all(|c| self.sets.changes.contains(c)) {
                Ok(Followed::Known)
            } else {
                Err(LightError::RewritesPast {
                    height,
                    why: "it disagrees with a later change already followed".into(),
                })
            };
        }
        keeps_the_past(&self.sets, &next, height)
            .map_err(|why| LightError::RewritesPast { height, why })?;
        self.sets = next;
        self.followed = height;
        Ok(Followed::New)
    }

    /// Checks a checkpoint of block `height` the node served, with the
    /// consistency proof from the one held (none when nothing is held, or
    /// the sizes are equal), and holds it if it is newer. A checkpoint
    /// that is not the held one's history is a fork, both named.
    pub fn check_checkpoint(
        &mut self,
        note: &str,
        height: u64,
        proof: &[Hash32],
    ) -> Result<Checkpoint, LightError> {
        let cp = self
            .sets
            .open_at(note, height)
            .map_err(|e| LightError::Checkpoint(e.to_string()))?;
        if cp.state.is_some_and(|s| s.height != height) {
            return Err(LightError::Checkpoint(format!(
                "it names block {}, not {height}",
                cp.state.map_or(0, |s| s.height)
            )));
        }
        let Some(held) = &self.held else {
            self.hold(note, height, &cp);
            return Ok(cp);
        };
        let fork = |why: String| LightError::Fork {
            held: held.note.clone(),
            held_size: held.size,
            served: note.to_string(),
            served_size: cp.size,
            why,
        };
        if cp.size < held.size {
            // An older checkpoint: it must be on the history held.
            publica_log::proof::verify_consistency(cp.size, held.size, proof, &cp.root, &held.root)
                .map_err(|e| fork(format!("consistency proof: {e}")))?;
            return Ok(cp);
        }
        publica_log::proof::verify_consistency(held.size, cp.size, proof, &held.root, &cp.root)
            .map_err(|e| fork(format!("consistency proof: {e}")))?;
        if cp.size > held.size || height > held.height {
            self.hold(note, height, &cp);
        }
        Ok(cp)
    }

    fn hold(&mut self, note: &str, height: u64, cp: &Checkpoint) {
        self.held = Some(Held {
            note: note.to_string(),
            height,
            size: cp.size,
            root: cp.root,
        });
    }

    /// Whether `history` (the node's current one, verified against these
    /// sets) holds only sets this client followed.
    pub fn knows(&self, history: &ValidatorHistory) -> Result<(), LightError> {
        let now = history
            .verifier_set(&self.sets.origin)
            .map_err(|e| LightError::Store(e.to_string()))?;
        if now == self.sets {
            Ok(())
        } else {
            Err(LightError::Unfollowed {
                followed: self.followed,
            })
        }
    }
}

/// `next` keeps every set of `sets` that finalizes a block up to `height`
/// and starts no new set at or before it.
fn keeps_the_past(sets: &ValidatorSet, next: &ValidatorSet, height: u64) -> Result<(), String> {
    if next.cosigners != sets.cosigners || next.quorum != sets.quorum {
        return Err("the first set differs".into());
    }
    let decided = |s: &ValidatorSet| -> Vec<publica_log::SetChange> {
        s.changes
            .iter()
            .filter(|c| c.from_height <= height)
            .cloned()
            .collect()
    };
    if decided(sets) != decided(next) {
        return Err(format!(
            "the sets in force up to block {height} are not the ones followed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Validator;
    use publica_crypto::Keypair;
    use publica_log::{Cosigner, StateLine};
    use publica_runtime::routes::StateProofAnswer;
    use publica_state::StateTree;

    const ORIGIN: &str = "light.example/log";

    fn cosigner(i: u8) -> Cosigner {
        Cosigner::new(&format!("v{i}.example"), Keypair::from_seed([i ^ 0x80; 32])).unwrap()
    }

    fn validator(i: u8) -> Validator {
        Validator {
            name: format!("v{i}"),
            consensus_key: Keypair::from_seed([i; 32]).account().to_string(),
            cosigner_key: cosigner(i).key().to_vkey(),
            address: format!("127.0.0.1:{}", 26000 + u16::from(i)),
        }
    }

    fn genesis() -> ValidatorHistory {
        ValidatorHistory::genesis(10, (0..4).map(validator).collect()).unwrap()
    }

    /// The checkpoint of block `height` (log of `size`, root `root`) over
    /// `state_root`, cosigned by `by`.
    fn note(height: u64, size: u64, root: Hash32, state_root: Hash32, by: &[u8]) -> String {
        let text = Checkpoint {
            origin: ORIGIN.into(),
            size,
            root,
            state: Some(StateLine { height, state_root }),
        }
        .to_text();
        let lines: String = by.iter().map(|i| cosigner(*i).cosign(&text, 1)).collect();
        format!("{text}\n{lines}")
    }

    /// The set change of block `height` to `history`, cosigned by `by`.
    fn change(height: u64, history: &ValidatorHistory, by: &[u8]) -> Value {
        let mut state = StateTree::new();
        state.insert(b"other", b"x");
        state.insert(VALIDATORS_KEY, &serde_json::to_vec(history).unwrap());
        let state_root = state.root();
        let answer = StateProofAnswer {
            height,
            state_root,
            value: state.get(VALIDATORS_KEY).map(std::borrow::Cow::into_owned),
            proof: state.prove(VALIDATORS_KEY),
        };
        let n = note(height, height * 2, Hash32([7; 32]), state_root, by);
        publica_runtime::state_answer::answer_json("identity/validators", &answer, Some(n))
    }

    fn client() -> LightClient {
        LightClient::new(genesis().verifier_set(ORIGIN).unwrap())
    }

    #[test]
    fn follows_a_change_the_set_before_it_signed_and_keeps_it_in_its_store() {
        let mut h = genesis();
        assert_eq!(
            h.change(9, |s| {
                s.push(validator(4));
                Ok(())
            })
            .unwrap(),
            10
        );
        let mut c = client();
        let ch = change(9, &h, &[0, 1, 2]);
        assert_eq!(c.follow(&ch).unwrap(), Followed::New);
        assert_eq!((c.followed, c.sets.set_at(10).0.len()), (9, 5));
        assert_eq!(c.follow(&ch).unwrap(), Followed::Known);
        // The five-validator set (quorum 4) finalizes block 12, the new
        // validator among them; the old set's quorum alone no longer does.
        let cp = note(12, 30, Hash32([1; 32]), Hash32([2; 32]), &[1, 2, 3, 4]);
        c.check_checkpoint(&cp, 12, &[]).unwrap();
        let old_quorum = note(12, 30, Hash32([1; 32]), Hash32([2; 32]), &[0, 1, 2]);
        assert!(matches!(
            c.check_checkpoint(&old_quorum, 12, &[]),
            Err(LightError::Checkpoint(_))
        ));
        let again = LightClient::from_json(&c.to_json()).unwrap();
        assert_eq!(again, c);
        assert!(c.knows(&h).is_ok());
        assert_eq!(
            client().knows(&h),
            Err(LightError::Unfollowed { followed: 0 })
        );
    }

    #[test]
    fn forged_lying_and_rewriting_changes_are_refused() {
        let mut h = genesis();
        h.change(9, |s| {
            s.push(validator(4));
            Ok(())
        })
        .unwrap();
        // Signed by the new validator and two who are not of the set.
        let forged = change(9, &h, &[4, 5, 6]);
        assert!(matches!(
            client().follow(&forged),
            Err(LightError::Change { height: 9, .. })
        ));
        // A value the proof does not show.
        let mut lying = change(9, &h, &[0, 1, 2]);
        let mut other = genesis();
        other
            .change(9, |s| {
                s.push(validator(7));
                Ok(())
            })
            .unwrap();
        let bytes = serde_json::to_vec(&other).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        lying["value_hex"] = json!(hex);
        assert!(matches!(
            client().follow(&lying),
            Err(LightError::Change { .. })
        ));
        // Another key proven.
        let mut wrong = change(9, &h, &[0, 1, 2]);
        wrong["key"] = json!("money/account/x");
        assert!(matches!(
            client().follow(&wrong),
            Err(LightError::WrongKey { .. })
        ));
        // The old set's quorum signs a history whose first set is another:
        // the past is not theirs to change.
        let rewritten = ValidatorHistory::genesis(10, (4..8).map(validator).collect()).unwrap();
        assert!(matches!(
            client().follow(&change(9, &rewritten, &[0, 1, 2])),
            Err(LightError::RewritesPast { .. })
        ));
        // Nor a set for a block already decided: epoch 1 starting at 10,
        // announced in block 15.
        assert!(matches!(
            client().follow(&change(15, &h, &[0, 1, 2])),
            Err(LightError::RewritesPast { .. })
        ));
    }

    #[test]
    fn a_forked_view_is_caught_and_both_checkpoints_named() {
        let mut log = publica_log::MerkleLog::new();
        for i in 0..5u8 {
            log.append(Hash32([i; 32]));
        }
        let (size5, root5) = (log.len(), log.root());
        for i in 5..9u8 {
            log.append(Hash32([i; 32]));
        }
        let (size9, root9) = (log.len(), log.root());
        let proof = log.consistency_proof(size5, size9).unwrap();
        let mut c = client();
        let s = Hash32([3; 32]);
        c.check_checkpoint(&note(4, size5, root5, s, &[0, 1, 2]), 4, &[])
            .unwrap();
        c.check_checkpoint(&note(6, size9, root9, s, &[0, 1, 3]), 6, &proof)
            .unwrap();
        assert_eq!(c.held.as_ref().map(|h| h.size), Some(size9));
        // An older checkpoint of the same history is fine; of another, not.
        c.check_checkpoint(&note(4, size5, root5, s, &[1, 2, 3]), 4, &proof)
            .unwrap();
        // The same size with another root: a fork, both named.
        let other = note(6, size9, Hash32([9; 32]), s, &[0, 1, 2]);
        match c.check_checkpoint(&other, 6, &[]) {
            Err(LightError::Fork {
                held,
                served,
                held_size,
                served_size,
                ..
            }) => {
                assert_eq!((held_size, served_size), (size9, size9));
                assert!(held != served && served == other);
            }
            r => panic!("{r:?}"),
        }
        // A longer log that does not extend the one held.
        let longer = note(8, size9 + 1, Hash32([8; 32]), s, &[0, 1, 2]);
        assert!(matches!(
            c.check_checkpoint(&longer, 8, &proof),
            Err(LightError::Fork { .. })
        ));
        assert_eq!(c.held.as_ref().map(|h| h.size), Some(size9), "kept");
    }
}
