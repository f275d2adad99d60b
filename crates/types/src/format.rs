//! Ledger formats: the rules a block was executed by.
//!
//! A format change alters what some transactions do, so a ledger written
//! under one format does not replay to the same roots under the next. A
//! build keeps the rules of the formats it can still execute and a data
//! directory records from which height each format applies (its
//! `LEDGER_FORMAT` file): blocks before a migration replay by the old
//! rules, blocks from it by the new ones, and the block at which a new
//! format starts first runs that format's migration of the state
//! (`docs/operations.md`, "Migrating a ledger to a new format").

/// The ledger format this build writes.
/// - 2: account histories left the consensus state;
/// - 3: accounts have no overdraft, a transaction that passes the chain
///   and nonce checks always uses its nonce, weak keys are refused;
/// - 4: programs keep attestations and indexes per agency, approvals name
///   the hash of what they approve, enrolments record their time;
/// - 5: money is cashed out only into an account its agency opened for
///   cash-outs, and at least that account's minimum;
/// - 6: every checkpoint names its block and the state root after it (a
///   `publica-state` line), so the validators' cosignatures cover the
///   state: they must all start signing it at one height;
/// - 7: a complaint in an election's key ceremony is answered in public
///   (the accused dealer reveals the share, or is disqualified and the
///   key recomputed without it) instead of failing the election;
/// - 8: a cast ballot is kept once, in its transaction: its event and the
///   voter's stored ballot no longer copy it (the stored ballot keeps its
///   ciphertexts, which a re-vote takes out of the sum).
pub const LEDGER_FORMAT: u32 = 8;

/// The first format whose checkpoints carry the state line.
pub const STATE_IN_CHECKPOINT_FORMAT: u32 = 6;

/// The oldest format this build still executes: a directory of this
/// format or a later one is migrated, an older one is refused.
pub const OLDEST_EXECUTED_FORMAT: u32 = 4;

/// What the current format changed, for messages.
pub const LEDGER_FORMAT_CHANGE: &str = "a cast ballot is kept once, in its transaction";

/// Which format applies from which height, in increasing order of both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerFormats {
    steps: Vec<(u32, u64)>,
}

impl Default for LedgerFormats {
    fn default() -> Self {
        LedgerFormats::new(LEDGER_FORMAT)
    }
}

impl LedgerFormats {
    /// One format from the first block.
    pub fn new(format: u32) -> Self {
        LedgerFormats {
            steps: vec![(format, 1)],
        }
    }

    /// The format of the latest step: the one new blocks are written in
    /// once its height is reached.
    pub fn current(&self) -> u32 {
        self.steps.last().map(|s| s.0).unwrap_or(LEDGER_FORMAT)
    }

    /// The format block `height` executes in.
    pub fn at(&self, height: u64) -> u32 {
        self.steps
            .iter()
            .rev()
            .find(|(_, from)| *from <= height)
            .map(|s| s.0)
            .unwrap_or(self.steps[0].0)
    }

    /// The format that starts at `height`, if one does after the first
    /// (its migration runs before that block's transactions).
    pub fn starts_at(&self, height: u64) -> Option<u32> {
        self.steps
            .iter()
            .skip(1)
            .find(|(_, from)| *from == height)
            .map(|s| s.0)
    }

    /// Each format and the height it applies from.
    pub fn steps(&self) -> &[(u32, u64)] {
        &self.steps
    }

    /// These formats followed by `format` from `height`.
    pub fn then(&self, format: u32, height: u64) -> Result<LedgerFormats, String> {
        let (last, from) = *self.steps.last().expect("never empty");
        if format <= last {
            return Err(format!(
                "format {format} does not follow format {last}: formats only increase"
            ));
        }
        if height <= from || height < 2 {
            return Err(format!(
                "format {format} cannot start at height {height}: format {last} applies from height {from}"
            ));
        }
        let mut steps = self.steps.clone();
        steps.push((format, height));
        Ok(LedgerFormats { steps })
    }

    /// The file's text: the current format on the first line (all an
    /// older build reads), then, after a migration, `<format> from
    /// <height>` for each step.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.current());
        if self.steps.len() > 1 {
            for (format, from) in &self.steps {
                out.push_str(&format!("{format} from {from}\n"));
            }
        }
        out
    }

    /// Reads [`Self::to_text`]'s form.
    pub fn parse(text: &str) -> Result<LedgerFormats, String> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().ok_or("it is empty")?;
        let current: u32 = first
            .parse()
            .map_err(|_| format!("'{first}' is not a ledger format"))?;
        let mut steps: Vec<(u32, u64)> = Vec::new();
        for line in lines {
            let step = line
                .split_once(" from ")
                .and_then(|(f, h)| Some((f.trim().parse().ok()?, h.trim().parse().ok()?)))
                .ok_or_else(|| format!("'{line}' is not '<format> from <height>'"))?;
            steps.push(step);
        }
        if steps.is_empty() {
            return Ok(LedgerFormats::new(current));
        }
        if steps[0].1 != 1 {
            return Err("the first format does not apply from height 1".into());
        }
        let mut formats = LedgerFormats::new(steps[0].0);
        for (format, from) in &steps[1..] {
            formats = formats.then(*format, *from)?;
        }
        if formats.current() != current {
            return Err(format!(
                "the first line says format {current}, the steps end at format {}",
                formats.current()
            ));
        }
        Ok(formats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migrated_ledger_names_the_format_of_each_height() {
        let f = LedgerFormats::new(4).then(5, 120).unwrap();
        assert_eq!((f.at(1), f.at(119), f.at(120), f.at(10_000)), (4, 4, 5, 5));
        assert_eq!(
            (f.starts_at(1), f.starts_at(119), f.starts_at(120)),
            (None, None, Some(5))
        );
        assert_eq!(f.current(), 5);
        let text = f.to_text();
        assert_eq!(text, "5\n4 from 1\n5 from 120\n");
        assert_eq!(LedgerFormats::parse(&text).unwrap(), f);
        // A directory never migrated holds its format alone.
        assert_eq!(LedgerFormats::new(5).to_text(), "5\n");
        assert_eq!(LedgerFormats::parse("4\n").unwrap(), LedgerFormats::new(4));
        assert_eq!(LedgerFormats::new(4).starts_at(1), None);
    }

    #[test]
    fn formats_only_increase_and_start_after_the_last() {
        let f = LedgerFormats::new(4).then(5, 120).unwrap();
        assert!(f.then(5, 200).unwrap_err().contains("only increase"));
        assert!(f.then(6, 120).unwrap_err().contains("cannot start"));
        assert!(LedgerFormats::new(4).then(5, 1).is_err());
        for bad in [
            "",
            "five\n",
            "5\n4 from 1\n",
            "5\n4 from 2\n5 from 9\n",
            "5\n4 since 1\n5 from 9\n",
            "5\n5 from 1\n4 from 9\n",
        ] {
            assert!(LedgerFormats::parse(bad).is_err(), "{bad:?}");
        }
    }
}
