//! Where every committed transaction is: its block and its place in it.
//!
//! One entry per transaction ever committed, so its size matters. An entry
//! is the first 8 bytes of the transaction id and the position packed in 8
//! bytes: 16 bytes, kept in sorted runs rather than a hash table (which is
//! between 44 % and 88 % full, so 25–50 bytes an entry). Each block's
//! entries form a run; a run merges with the one before it while that one
//! is at most twice its size, so there are O(log n) runs and a lookup is a
//! binary search in each. Ids that share 8 bytes (2^32 work to make a pair,
//! 2^64 to match a given id) are all kept: the caller checks each
//! candidate's full id in its block, so a collision costs a block read and
//! never hides a transaction.

use publica_types::{codes, Hash32, TxOutcome};

/// Bits of a packed position that hold the index in the block.
const INDEX_BITS: u32 = 24;

/// Candidates a lookup returns at most (ids sharing their first 8 bytes
/// with others: only made on purpose).
const CANDIDATES_MAX: usize = 16;

/// (tx id prefix, height << 24 | index in block), sorted.
#[derive(Default)]
pub(crate) struct TxIndex {
    runs: Vec<Vec<(u64, u64)>>,
}

fn prefix(id: &Hash32) -> u64 {
    u64::from_be_bytes(id.0[..8].try_into().expect("8 bytes"))
}

fn run_holds(run: &[(u64, u64)], p: u64) -> bool {
    run.get(run.partition_point(|(q, _)| *q < p))
        .is_some_and(|(q, _)| *q == p)
}

fn pack(height: u64, index: usize) -> u64 {
    height << INDEX_BITS | index as u64
}

fn unpack(at: u64) -> (u64, u32) {
    (at >> INDEX_BITS, (at & ((1 << INDEX_BITS) - 1)) as u32)
}

/// Merges two sorted runs; for equal prefixes, `older`'s entries first.
fn merge(older: Vec<(u64, u64)>, newer: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out = Vec::with_capacity(older.len() + newer.len());
    let (mut a, mut b) = (older.into_iter().peekable(), newer.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x <= y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.push(if take_a { a.next() } else { b.next() }.expect("peeked"));
    }
    out
}

impl TxIndex {
    /// Records where block `height`'s transactions are. A copy refused as
    /// a replay of its nonce is recorded only if its id was not seen
    /// before, so that it never hides where the transaction ran.
    pub(crate) fn add_block(&mut self, height: u64, outcomes: &[TxOutcome]) {
        assert!(
            (outcomes.len() as u64) <= 1 << INDEX_BITS && height < 1 << (64 - INDEX_BITS),
            "blocks hold fewer than 2^24 transactions and heights stay below 2^40"
        );
        let mut run: Vec<(u64, u64, bool)> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let replay = o
                    .error
                    .as_ref()
                    .is_some_and(|e| e.code == codes::TX_NONCE_REPLAYED);
                (prefix(&o.tx_id), pack(height, i), replay)
            })
            .collect();
        run.sort_unstable();
        let mut kept: Vec<(u64, u64)> = Vec::with_capacity(run.len());
        for (p, at, replay) in run {
            let seen = || kept.last().is_some_and(|(q, _)| *q == p) || self.holds(p);
            if !replay || !seen() {
                kept.push((p, at));
            }
        }
        if kept.is_empty() {
            return;
        }
        self.runs.push(kept);
        while let [.., older, newer] = self.runs.as_slice() {
            if older.len() > 2 * newer.len() {
                break;
            }
            let newer = self.runs.pop().expect("two runs");
            let older = self.runs.pop().expect("two runs");
            self.runs.push(merge(older, newer));
        }
    }

    fn holds(&self, p: u64) -> bool {
        self.runs.iter().any(|r| run_holds(r, p))
    }

    /// Where transactions whose ids start like `id` are, (height, index),
    /// latest first. The caller checks the full id in the block.
    pub(crate) fn get(&self, id: &Hash32) -> Vec<(u64, u32)> {
        let p = prefix(id);
        let mut found: Vec<u64> = self
            .runs
            .iter()
            .flat_map(|r| {
                let from = r.partition_point(|(q, _)| *q < p);
                r[from..]
                    .iter()
                    .take_while(|(q, _)| *q == p)
                    .map(|(_, at)| *at)
            })
            .collect();
        found.sort_unstable_by(|a, b| b.cmp(a));
        found.truncate(CANDIDATES_MAX);
        found.into_iter().map(unpack).collect()
    }

    /// Entries held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use publica_types::{TxError, TxStatus};

    fn outcome(id: Hash32, replay: bool) -> TxOutcome {
        TxOutcome {
            tx_id: id,
            status: if replay {
                TxStatus::Failed
            } else {
                TxStatus::Ok
            },
            error: replay.then(|| TxError::new(codes::TX_NONCE_REPLAYED, "replayed")),
            events: vec![],
        }
    }

    #[test]
    fn positions_round_trip_and_replays_do_not_hide_the_first_inclusion() {
        let mut ix = TxIndex::default();
        let a = Hash32([1; 32]);
        let b = Hash32([2; 32]);
        let top = ((1 << 40) - 1, (1 << 24) - 1);
        assert_eq!(unpack(pack(top.0, top.1 as usize)), top);
        ix.add_block(
            (1 << 40) - 1,
            &[outcome(Hash32([9; 32]), false), outcome(a, false)],
        );
        assert_eq!(ix.get(&a), vec![((1 << 40) - 1, 1)]);
        ix.add_block(
            7,
            &[
                outcome(Hash32([5; 32]), false),
                outcome(Hash32([6; 32]), false),
                outcome(Hash32([7; 32]), false),
                outcome(b, false),
            ],
        );
        ix.add_block(9, &[outcome(b, true)]);
        assert_eq!(ix.get(&b), vec![(7, 3)]);
        // A replay in the same block as the first inclusion.
        let c = Hash32([3; 32]);
        ix.add_block(10, &[outcome(c, false), outcome(c, true)]);
        assert_eq!(ix.get(&c), vec![(10, 0)]);
        // A replay whose transaction never ran here is recorded.
        let d = Hash32([4; 32]);
        ix.add_block(11, &[outcome(d, true)]);
        assert_eq!(ix.get(&d), vec![(11, 0)]);
        assert!(ix.get(&Hash32([8; 32])).is_empty());
        // Only the prefix is kept: every id sharing it is a candidate,
        // latest first, and the caller checks the full id.
        let mut e = [2u8; 32];
        e[31] = 9;
        ix.add_block(12, &[outcome(Hash32(e), false)]);
        assert_eq!(ix.get(&b), vec![(12, 0), (7, 3)]);
    }

    proptest! {
        #[test]
        fn every_block_entry_is_found_whatever_the_merges(
            blocks in proptest::collection::vec(proptest::collection::vec(0u8..40, 0..30), 1..40),
        ) {
            let mut ix = TxIndex::default();
            let id = |b: u8| {
                let mut h = [0u8; 32];
                h[0] = b;
                Hash32(h)
            };
            let mut latest = std::collections::HashMap::new();
            let mut total = 0;
            for (h, ids) in blocks.iter().enumerate() {
                let outcomes: Vec<TxOutcome> = ids.iter().map(|b| outcome(id(*b), false)).collect();
                ix.add_block(h as u64 + 1, &outcomes);
                for (i, b) in ids.iter().enumerate() {
                    latest.insert(*b, (h as u64 + 1, i as u32));
                }
                total += ids.len();
                // O(log n) runs, each at least twice the next.
                for w in ix.runs.windows(2) {
                    prop_assert!(w[0].len() > 2 * w[1].len());
                }
            }
            prop_assert_eq!(ix.len(), total);
            for (b, at) in latest {
                let found = ix.get(&id(b));
                prop_assert_eq!(found.first(), Some(&at));
                prop_assert!(found.windows(2).all(|w| w[0] > w[1]));
            }
        }
    }
}
