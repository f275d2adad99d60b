//! C2SP checkpoints (c2sp.org/tlog-checkpoint): `<origin>\n<size>\n<base64
//! root>\n` followed by optional extension lines, carried in a signed note.

use crate::note::{NoteError, NoteVerifier};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_types::Hash32;

/// A checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (its identity).
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Merkle tree hash at that size.
    pub root: Hash32,
}

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The signed note failed.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The body is not a checkpoint.
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    /// The origin is not the expected log.
    #[error("wrong origin: checkpoint is for '{got}', expected '{want}'")]
    WrongOrigin {
        /// Found.
        got: String,
        /// Expected.
        want: String,
    },
}

impl Checkpoint {
    /// The note text.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        )
    }

    /// Parses a note text.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |m: &str| CheckpointError::Malformed(m.to_string());
        let mut lines = text.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("missing origin line"))?;
        let size_s = lines.next().ok_or_else(|| bad("missing size line"))?;
        if size_s.is_empty()
            || !size_s.bytes().all(|b| b.is_ascii_digit())
            || (size_s.len() > 1 && size_s.starts_with('0'))
        {
            return Err(bad("size must be a decimal integer without leading zeros"));
        }
        let size = size_s.parse().map_err(|_| bad("size out of range"))?;
        let root_b = B64
            .decode(lines.next().ok_or_else(|| bad("missing root hash line"))?)
            .map_err(|_| bad("root hash is not base64"))?;
        let root = Hash32(
            root_b
                .try_into()
                .map_err(|_| bad("root hash is not 32 bytes"))?,
        );
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    /// Verifies a signed checkpoint note against the log's key and origin.
    pub fn open(
        note: &str,
        verifier: &NoteVerifier,
        origin: &str,
    ) -> Result<Checkpoint, CheckpointError> {
        let text = verifier.verify(note)?;
        let cp = Checkpoint::parse(text)?;
        if cp.origin != origin {
            return Err(CheckpointError::WrongOrigin {
                got: cp.origin,
                want: origin.to_string(),
            });
        }
        Ok(cp)
    }
}
