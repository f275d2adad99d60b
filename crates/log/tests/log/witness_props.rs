//! A witness never vouches for two histories: over random runs of a log
//! that grows, of a second history signed with the same key, of stale,
//! replayed and garbled submissions, every pair of checkpoints the witness
//! cosigned is consistent (one size, one root; a larger one extends the
//! smaller), and every honest submission from the size it holds is
//! cosigned.

use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_log::witness::{AddCheckpoint, LogKeys, Witness, WitnessError, Witnessed};
use publica_log::{verify_consistency, Checkpoint, Cosigner, MerkleLog, NoteSigner, NoteVerifier};
use publica_types::Hash32;

const ORIGIN: &str = "example.org/log";

struct Log {
    signer: NoteSigner,
    tree: MerkleLog,
}

impl Log {
    fn new(tag: u8) -> Log {
        Log {
            signer: NoteSigner::new(ORIGIN, Keypair::from_seed([7; 32])).unwrap(),
            tree: {
                let mut t = MerkleLog::new();
                // Each history starts from its own first entry.
                t.append(Hash32([tag; 32]));
                t
            },
        }
    }

    fn grow(&mut self, n: u8, tag: u8) {
        for i in 0..n {
            let mut leaf = [tag; 32];
            leaf[0] = i;
            leaf[1] = (self.tree.len() % 251) as u8;
            self.tree.append(Hash32(leaf));
        }
    }

    fn checkpoint(&self) -> (String, Checkpoint) {
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: self.tree.len(),
            root: self.tree.root(),
            state: None,
        };
        (self.signer.sign(&cp.to_text()), cp)
    }

    /// A submission from `from` with the right proof (when this history
    /// has that size).
    fn request(&self, from: u64) -> AddCheckpoint {
        let (note, cp) = self.checkpoint();
        let proof = if from == 0 || from >= cp.size {
            Vec::new()
        } else {
            self.tree.consistency_proof(from, cp.size).unwrap()
        };
        AddCheckpoint {
            old_size: from,
            proof,
            note,
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// The honest log grows and submits from the size the witness holds.
    Grow(u8),
    /// The second history (same key) grows and submits from that size.
    Fork(u8),
    /// A stale submission: from a size the witness does not hold.
    Stale(u8),
    /// The honest checkpoint with a proof hash altered.
    Garbled,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1u8..6).prop_map(Step::Grow),
        2 => (1u8..6).prop_map(Step::Fork),
        1 => (1u8..4).prop_map(Step::Stale),
        1 => Just(Step::Garbled),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_witness_cosigns_one_history_only(steps in proptest::collection::vec(step(), 1..24)) {
        let cosigner = Cosigner::new("w.example/1", Keypair::from_seed([9; 32])).unwrap();
        let key = NoteVerifier::parse(&NoteSigner::new(ORIGIN, Keypair::from_seed([7; 32]))
            .unwrap()
            .verifier_key())
            .unwrap();
        let witness = Witness::new(cosigner, vec![LogKeys::Node(key)]);
        let (mut honest, mut other) = (Log::new(1), Log::new(2));
        let mut held: Option<Witnessed> = None;
        let mut cosigned: Vec<Checkpoint> = Vec::new();
        for s in steps {
            let from = held.as_ref().map_or(0, |h| h.size);
            let req = match &s {
                Step::Grow(n) => { honest.grow(*n, 1); honest.request(from) }
                Step::Fork(n) => { other.grow(*n, 2); other.request(from) }
                Step::Stale(d) => {
                    let mut r = honest.request(from);
                    r.old_size = from + u64::from(*d);
                    r
                }
                Step::Garbled => {
                    let mut r = honest.request(from);
                    if let Some(h) = r.proof.first_mut() { h.0[0] ^= 1; } else { r.proof.push(Hash32([5; 32])); }
                    r
                }
            };
            match witness.check(&req, |_| held.as_ref()) {
                Ok(cp) => {
                    held = Some(Witnessed { size: cp.size, root: cp.root, note: req.note.clone() });
                    cosigned.push(cp);
                }
                Err(e) => {
                    // The honest log, submitting from what the witness
                    // holds with a right proof, is never refused, unless the
                    // witness holds the other history's view.
                    let honest_view = held.as_ref().is_none_or(|h| {
                        h.size <= honest.tree.len() && honest.tree.root_at(h.size).ok() == Some(h.root)
                    });
                    if matches!(s, Step::Grow(_)) && honest_view {
                        prop_assert!(false, "an honest submission was refused: {e}");
                    }
                    prop_assert!(matches!(e,
                        WitnessError::Conflict { .. } | WitnessError::Fork { .. }
                        | WitnessError::Inconsistent(_) | WitnessError::OldSizeAhead { .. }), "{e}");
                }
            }
        }
        // Every two checkpoints cosigned tell one history.
        for (i, a) in cosigned.iter().enumerate() {
            for b in &cosigned[i + 1..] {
                if a.size == b.size {
                    prop_assert_eq!(a.root, b.root);
                } else {
                    let (small, large) = if a.size < b.size { (a, b) } else { (b, a) };
                    if small.size > 0 {
                        // One of the two trees holds both: it proves it.
                        let tree = [&honest.tree, &other.tree].into_iter().find(|t| {
                            t.len() >= large.size
                                && t.root_at(large.size).ok() == Some(large.root)
                        });
                        let tree = tree.expect("each cosigned checkpoint is one of the two trees");
                        prop_assert_eq!(tree.root_at(small.size).ok(), Some(small.root));
                        let proof = tree.consistency_proof(small.size, large.size).unwrap();
                        prop_assert!(verify_consistency(small.size, large.size, &proof, &small.root, &large.root).is_ok());
                    }
                }
            }
        }
    }
}
