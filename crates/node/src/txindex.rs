//! Where every committed transaction is: its block and its place in it.
//!
//! One entry per transaction ever committed, so its size matters: an entry
//! is keyed by the first 16 bytes of the transaction id and holds the
//! position packed in 8 bytes (24 bytes, against 48 for the full id and a
//! `(u64, u32)`). A lookup checks the full id against the outcome it finds
//! (`Node::lookup_tx`), so two ids sharing 16 bytes (2^64 work to find a
//! pair, 2^128 to match a given id) can at worst hide one of the pair.

use publica_types::{codes, Hash32, TxOutcome};
use std::collections::HashMap;

/// Bits of a packed position that hold the index in the block.
const INDEX_BITS: u32 = 24;

/// tx id prefix -> (height << 24 | index in block).
#[derive(Default)]
pub(crate) struct TxIndex {
    map: HashMap<[u8; 16], u64>,
}

fn prefix(id: &Hash32) -> [u8; 16] {
    let mut p = [0u8; 16];
    p.copy_from_slice(&id.0[..16]);
    p
}

impl TxIndex {
    /// Records where outcome `o` is: the latest inclusion of its
    /// transaction, except that a copy refused as a replay of its nonce
    /// never hides where it ran.
    pub(crate) fn insert(&mut self, o: &TxOutcome, height: u64, i: usize) {
        assert!(
            (i as u64) < 1 << INDEX_BITS && height < 1 << (64 - INDEX_BITS),
            "blocks hold fewer than 2^24 transactions and heights stay below 2^40"
        );
        let at = height << INDEX_BITS | i as u64;
        let replay = o
            .error
            .as_ref()
            .is_some_and(|e| e.code == codes::TX_NONCE_REPLAYED);
        if replay {
            self.map.entry(prefix(&o.tx_id)).or_insert(at);
        } else {
            self.map.insert(prefix(&o.tx_id), at);
        }
    }

    /// Where a transaction whose id starts like `id` is: (height, index).
    /// The caller checks the full id in the block.
    pub(crate) fn get(&self, id: &Hash32) -> Option<(u64, u32)> {
        self.map
            .get(&prefix(id))
            .map(|at| (at >> INDEX_BITS, (at & ((1 << INDEX_BITS) - 1)) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        ix.insert(&outcome(a, false), (1 << 40) - 1, (1 << 24) - 1);
        assert_eq!(ix.get(&a), Some(((1 << 40) - 1, (1 << 24) - 1)));
        ix.insert(&outcome(b, false), 7, 3);
        ix.insert(&outcome(b, true), 9, 0);
        assert_eq!(ix.get(&b), Some((7, 3)));
        assert_eq!(ix.get(&Hash32([3; 32])), None);
        // Only the prefix is kept: the caller checks the full id.
        let mut c = [2u8; 32];
        c[31] = 9;
        assert_eq!(ix.get(&Hash32(c)), Some((7, 3)));
    }
}
