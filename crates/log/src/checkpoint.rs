//! C2SP checkpoints (c2sp.org/tlog-checkpoint): `<origin>\n<size>\n<base64
//! root>\n` followed by optional extension lines, carried in a signed note.
//!
//! From ledger format 6 a Publica checkpoint carries one extension line,
//! `publica-state <height> <state root, 64 lowercase hex digits>`: the
//! block whose checkpoint it is and the root of the ledger's state after
//! it, so a state proof verifies from the signed (or quorum-cosigned)
//! checkpoint alone (`docs/state-proofs.md`). Tools that do not know the
//! line ignore it, as the specification says of extension lines.

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
    /// The block and state root the checkpoint commits to (ledger format
    /// 6 on); `None` in older checkpoints.
    pub state: Option<StateLine>,
}

/// A checkpoint's `publica-state` extension line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateLine {
    /// The block whose checkpoint it is.
    pub height: u64,
    /// The ledger's state root after that block.
    pub state_root: Hash32,
}

/// The first word of the state extension line.
pub const STATE_LINE: &str = "publica-state";
/// Most extension lines a checkpoint may carry.
pub const EXTENSIONS_MAX: usize = 16;

impl StateLine {
    /// The line of the checkpoint after block `height` with `state_root`,
    /// when that block's ledger `format` carries one.
    pub fn for_block(format: u32, height: u64, state_root: Hash32) -> Option<StateLine> {
        (format >= publica_types::format::STATE_IN_CHECKPOINT_FORMAT)
            .then_some(StateLine { height, state_root })
    }

    fn to_line(self) -> String {
        format!(
            "{STATE_LINE} {} {}\n",
            self.height,
            self.state_root.to_hex()
        )
    }

    fn parse(line: &str) -> Result<StateLine, CheckpointError> {
        let bad = |m: &str| CheckpointError::Malformed(format!("{STATE_LINE} line: {m}"));
        let mut words = line.split(' ');
        let (Some(STATE_LINE), Some(h), Some(root), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(bad("expected 'publica-state <height> <state root hex>'"));
        };
        let height = decimal(h)
            .ok_or_else(|| bad("the height is a decimal integer without leading zeros"))?;
        if root.len() != 64 || !root.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad("the state root is 64 lowercase hex digits"));
        }
        let state_root = root
            .parse::<Hash32>()
            .map_err(|_| bad("the state root is not hex"))?;
        Ok(StateLine { height, state_root })
    }
}

fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
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
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        );
        if let Some(state) = self.state {
            text.push_str(&state.to_line());
        }
        text
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
        let size = decimal(size_s)
            .ok_or_else(|| bad("size must be a decimal integer without leading zeros"))?;
        let root_b = B64
            .decode(lines.next().ok_or_else(|| bad("missing root hash line"))?)
            .map_err(|_| bad("root hash is not base64"))?;
        let root = Hash32(
            root_b
                .try_into()
                .map_err(|_| bad("root hash is not 32 bytes"))?,
        );
        // Extension lines up to the text's end (a note body ends in a
        // newline, which leaves one empty piece); other ecosystems' lines
        // are allowed and ignored.
        let rest: Vec<&str> = lines.collect();
        let mut state = None;
        if let Some((last, extensions)) = rest.split_last() {
            if extensions.len() > EXTENSIONS_MAX {
                return Err(bad("too many extension lines"));
            }
            for line in extensions {
                if line.is_empty() {
                    return Err(bad("an empty extension line"));
                }
                if line.split(' ').next() == Some(STATE_LINE) {
                    if state.is_some() {
                        return Err(bad("two publica-state lines"));
                    }
                    state = Some(StateLine::parse(line)?);
                }
            }
            if !last.is_empty() {
                return Err(bad("the text does not end in a newline"));
            }
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            state,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(state: Option<StateLine>) -> Checkpoint {
        Checkpoint {
            origin: "example.org/log".into(),
            size: 7,
            root: Hash32([3; 32]),
            state,
        }
    }

    #[test]
    fn the_state_line_round_trips_and_older_checkpoints_have_none() {
        let line = StateLine {
            height: 12,
            state_root: Hash32([0xab; 32]),
        };
        let text = cp(Some(line)).to_text();
        assert_eq!(
            text.lines().nth(3),
            Some(&*format!("publica-state 12 {}", "ab".repeat(32)))
        );
        assert_eq!(Checkpoint::parse(&text).unwrap(), cp(Some(line)));
        assert_eq!(Checkpoint::parse(&cp(None).to_text()).unwrap(), cp(None));
        // Another ecosystem's extension line is allowed and ignored.
        let other = format!("{}other extension\n", cp(None).to_text());
        assert_eq!(Checkpoint::parse(&other).unwrap(), cp(None));
    }

    #[test]
    fn malformed_state_lines_are_refused() {
        let base = cp(None).to_text();
        let root = "ab".repeat(32);
        for bad in [
            format!("publica-state 012 {root}\n"),
            format!("publica-state 12 {}\n", root.to_uppercase()),
            format!("publica-state 12 {}\n", &root[2..]),
            format!("publica-state 12 {root} extra\n"),
            "publica-state 12\n".to_string(),
            format!("publica-state 1 {root}\npublica-state 2 {root}\n"),
            "\n".to_string(),
        ] {
            let text = format!("{base}{bad}");
            assert!(
                matches!(Checkpoint::parse(&text), Err(CheckpointError::Malformed(_))),
                "accepted {bad:?}"
            );
        }
        let many = format!("{base}{}", "x\n".repeat(EXTENSIONS_MAX + 1));
        assert!(Checkpoint::parse(&many).is_err());
    }
}
