//! Signed state notes: the node's word, signed with its log key, that the
//! ledger's state after block `height` has root `state_root`. They let a
//! verifier check state proofs (`docs/state-proofs.md`) offline, with the
//! same key it checks checkpoints with.
//!
//! The text is five lines, the first fixed so that no checkpoint parser
//! reads one as a checkpoint (a checkpoint's first line is its origin):
//!
//! ```text
//! publica state root v1
//! <origin>
//! <height>
//! <state root, 64 lowercase hex digits>
//! <the block's time, ms since the Unix epoch>
//! ```

use crate::note::{NoteError, NoteSigner, NoteVerifier};
use publica_types::Hash32;

/// The first line of every state note.
pub const HEADER: &str = "publica state root v1";

/// A state root at a height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateNote {
    /// The log's origin (the signing key's name).
    pub origin: String,
    /// The block height.
    pub height: u64,
    /// The state root after that block.
    pub state_root: Hash32,
    /// The block's time, ms since the Unix epoch.
    pub time_ms: u64,
}

/// Why a state note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateNoteError {
    /// The signature failed, or is missing.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Not a state note.
    #[error("malformed state note: {0}")]
    Malformed(String),
    /// Signed by the key, but for another log.
    #[error("wrong origin: state note of '{got}', expected '{want}'")]
    WrongOrigin {
        /// Found.
        got: String,
        /// Expected.
        want: String,
    },
}

fn decimal(s: &str) -> Option<u64> {
    (!s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s.len() == 1 || !s.starts_with('0')))
    .then(|| s.parse().ok())
    .flatten()
}

impl StateNote {
    /// The note text.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}\n{}\n{}\n{}\n{}\n",
            self.origin,
            self.height,
            self.state_root.to_hex(),
            self.time_ms
        )
    }

    /// Signs it.
    #[must_use]
    pub fn sign(&self, signer: &NoteSigner) -> String {
        signer.sign(&self.to_text())
    }

    /// Parses a note text.
    ///
    /// # Errors
    /// Anything but the five lines above.
    pub fn parse(text: &str) -> Result<StateNote, StateNoteError> {
        let bad = |m: &str| StateNoteError::Malformed(m.to_string());
        let lines: Vec<&str> = text.split('\n').collect();
        let [header, origin, height, root, time, ""] = lines[..] else {
            return Err(bad("a state note has five lines"));
        };
        if header != HEADER {
            return Err(bad("the first line is not 'publica state root v1'"));
        }
        if origin.is_empty() {
            return Err(bad("missing origin"));
        }
        let height = decimal(height).ok_or_else(|| bad("height is a decimal integer"))?;
        let time_ms = decimal(time).ok_or_else(|| bad("time is a decimal integer"))?;
        if root.len() != 64 || root.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad("the state root is 64 lowercase hex digits"));
        }
        let state_root: Hash32 = root
            .parse()
            .map_err(|_| bad("the state root is 64 lowercase hex digits"))?;
        Ok(StateNote {
            origin: origin.to_string(),
            height,
            state_root,
            time_ms,
        })
    }

    /// Verifies `note` with `key` and parses it; its origin must be the
    /// key's name.
    ///
    /// # Errors
    /// A bad or missing signature, a malformed text, another origin.
    pub fn open(note: &str, key: &NoteVerifier) -> Result<StateNote, StateNoteError> {
        let text = key.verify(note)?;
        let s = StateNote::parse(text)?;
        if s.origin != key.name {
            return Err(StateNoteError::WrongOrigin {
                got: s.origin,
                want: key.name.clone(),
            });
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Checkpoint;
    use publica_crypto::Keypair;

    fn signer() -> NoteSigner {
        NoteSigner::new("ledger.example/log", Keypair::from_seed([3; 32])).unwrap()
    }

    fn note() -> StateNote {
        StateNote {
            origin: "ledger.example/log".into(),
            height: 42,
            state_root: Hash32([7; 32]),
            time_ms: 1_800_000_000_000,
        }
    }

    #[test]
    fn signed_notes_open_and_changes_are_refused() {
        let s = signer();
        let key = NoteVerifier::parse(&s.verifier_key()).unwrap();
        let signed = note().sign(&s);
        assert_eq!(StateNote::open(&signed, &key).unwrap(), note());
        let changed = signed.replace("\n42\n", "\n43\n");
        assert!(matches!(
            StateNote::open(&changed, &key),
            Err(StateNoteError::Note(_))
        ));
        let other = NoteSigner::new("other/log", Keypair::from_seed([3; 32])).unwrap();
        let other_key = NoteVerifier::parse(&other.verifier_key()).unwrap();
        assert!(StateNote::open(&signed, &other_key).is_err());
        let mut wrong = note();
        wrong.origin = "other/log".into();
        // Signed by the right key but naming another origin.
        let forged = s.sign(&wrong.to_text());
        assert!(matches!(
            StateNote::open(&forged, &key),
            Err(StateNoteError::WrongOrigin { .. })
        ));
    }

    #[test]
    fn a_state_note_is_never_a_checkpoint_and_malformed_ones_are_named() {
        assert!(Checkpoint::parse(&note().to_text())
            .map(|c| c.origin != "ledger.example/log")
            .unwrap_or(true));
        for bad in [
            "publica state root v1\nx\n01\n".to_string() + &"0".repeat(64) + "\n1\n",
            "publica state root v2\nx\n1\n".to_string() + &"0".repeat(64) + "\n1\n",
            "publica state root v1\nx\n1\n".to_string() + &"A".repeat(64) + "\n1\n",
            "publica state root v1\nx\n1\n".to_string() + &"0".repeat(64) + "\n",
        ] {
            assert!(
                matches!(StateNote::parse(&bad), Err(StateNoteError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
