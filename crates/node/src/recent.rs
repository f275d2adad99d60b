//! The newest committed blocks, kept decoded in memory for receipts and
//! block queries, within a budget of their encoded size: a decoded block
//! takes several times its JSON, and a node with large blocks must not
//! hold its whole recent history in memory (256 blocks of 10,000
//! transfers were 5 GiB). Older blocks are read from the block log; the
//! last one read stays decoded, since receipts of one block tend to be
//! asked for together.

use publica_types::Block;
use std::collections::VecDeque;
use std::sync::Arc;

/// Most blocks kept, whatever their size.
pub(crate) const RECENT_BLOCKS_MAX: usize = 256;
/// Most encoded bytes of the kept blocks (the newest is always kept).
pub(crate) const RECENT_BYTES_MAX: u64 = 16 << 20;

#[derive(Default)]
pub(crate) struct RecentBlocks {
    /// Contiguous heights, oldest first, with each block's encoded size.
    blocks: VecDeque<(Arc<Block>, u64)>,
    bytes: u64,
    /// The last block read from the log below the kept ones.
    read: Option<Arc<Block>>,
}

impl RecentBlocks {
    /// Adds the next committed block (`encoded` bytes in the log) and drops
    /// the oldest ones beyond the budget.
    pub(crate) fn push(&mut self, block: Arc<Block>, encoded: u64) {
        if let Some((last, _)) = self.blocks.back() {
            debug_assert_eq!(last.header.height + 1, block.header.height);
        }
        self.blocks.push_back((block, encoded));
        self.bytes += encoded;
        while self.blocks.len() > 1
            && (self.blocks.len() > RECENT_BLOCKS_MAX || self.bytes > RECENT_BYTES_MAX)
        {
            let (_, b) = self.blocks.pop_front().expect("more than one");
            self.bytes -= b;
        }
    }

    /// The block at `height` if it is kept (or was the last one read).
    pub(crate) fn get(&self, height: u64) -> Option<Arc<Block>> {
        if let Some((first, _)) = self.blocks.front() {
            if let Some(i) = height.checked_sub(first.header.height) {
                if let Some((b, _)) = self.blocks.get(i as usize) {
                    return Some(b.clone());
                }
            }
        }
        self.read
            .as_ref()
            .filter(|b| b.header.height == height)
            .cloned()
    }

    /// Keeps `block`, just read from the log, as the last one read.
    pub(crate) fn remember_read(&mut self, block: Arc<Block>) {
        self.read = Some(block);
    }

    /// Number of blocks kept (not counting the last one read).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::{BlockHeader, Hash32};

    fn block(height: u64) -> Arc<Block> {
        Arc::new(Block {
            header: BlockHeader {
                chain_id: "t".into(),
                height,
                parent_hash: Hash32::ZERO,
                time_ms: 0,
                tx_root: Hash32::ZERO,
                results_root: Hash32::ZERO,
                state_root: Hash32::ZERO,
                log_root: Hash32::ZERO,
                log_size: 0,
                tx_count: 0,
            },
            transactions: Vec::new(),
            outcomes: Vec::new(),
            ledger_events: Vec::new(),
        })
    }

    #[test]
    fn keeps_the_newest_blocks_within_the_byte_budget() {
        let mut r = RecentBlocks::default();
        for h in 1..=10 {
            r.push(block(h), RECENT_BYTES_MAX / 4);
        }
        assert_eq!(r.len(), 4);
        assert!(r.get(6).is_none());
        assert_eq!(r.get(7).unwrap().header.height, 7);
        assert_eq!(r.get(10).unwrap().header.height, 10);
        assert!(r.get(11).is_none());
        // A block larger than the budget is still kept, alone.
        r.push(block(11), RECENT_BYTES_MAX * 2);
        assert_eq!(r.len(), 1);
        assert_eq!(r.get(11).unwrap().header.height, 11);
        // Many small blocks: the count bound applies.
        for h in 12..=600 {
            r.push(block(h), 10);
        }
        assert_eq!(r.len(), RECENT_BLOCKS_MAX);
        assert!(r.get(600 - RECENT_BLOCKS_MAX as u64).is_none());
        assert!(r.get(601 - RECENT_BLOCKS_MAX as u64).is_some());
    }

    #[test]
    fn the_last_block_read_is_remembered() {
        let mut r = RecentBlocks::default();
        r.push(block(5), 10);
        assert!(r.get(2).is_none());
        r.remember_read(block(2));
        assert_eq!(r.get(2).unwrap().header.height, 2);
        r.remember_read(block(3));
        assert!(r.get(2).is_none());
        assert_eq!(r.get(3).unwrap().header.height, 3);
    }
}
