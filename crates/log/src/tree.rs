//! The in-memory Merkle tree: append, roots of any past size, inclusion and
//! consistency proofs (RFC 9162 section 2.1), and C2SP tiles.
//!
//! Every complete subtree hash is kept (level `k`, hash `i` is the hash of
//! leaves `i*2^k .. (i+1)*2^k`), so a root or a proof of any past size
//! costs O(log n) lookups and hashes. The hashes live in a [`LevelStore`]:
//! in memory (about 64 bytes per leaf) or wherever the owner keeps them.

use crate::frontier::Frontier;
use crate::hash::{node_hash, root};
use publica_types::Hash32;

/// Width of a full C2SP tile, in hashes.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;

/// Why the tree could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A size beyond the current tree, or sizes in the wrong order.
    #[error("tree size {asked} is not available (the log has {size} entries)")]
    SizeUnavailable {
        /// What was asked.
        asked: u64,
        /// The current size.
        size: u64,
    },
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// The store holding the tree's hashes failed to read them.
    #[error("reading the log's hashes failed: {0}")]
    Storage(String),
}

/// Where a log keeps its complete-subtree hashes: `get(k, i)` is the hash
/// of leaves `i*2^k .. (i+1)*2^k`. Levels fill in order, each only by
/// appending.
pub trait LevelStore {
    /// Hash `i` of level `k`, which the store holds.
    fn get(&self, k: usize, i: u64) -> Result<Hash32, TreeError>;
    /// Hashes `start..end` of level `k`, which the store holds.
    fn range(&self, k: usize, start: u64, end: u64) -> Result<Vec<Hash32>, TreeError> {
        (start..end).map(|i| self.get(k, i)).collect()
    }
    /// Appends `hash` to level `k`.
    fn push(&mut self, k: usize, hash: Hash32);
}

/// Every level in memory: about 64 bytes per leaf.
#[derive(Clone, Default)]
pub struct MemoryLevels(Vec<Vec<Hash32>>);

impl LevelStore for MemoryLevels {
    fn get(&self, k: usize, i: u64) -> Result<Hash32, TreeError> {
        Ok(self.0[k][i as usize])
    }

    fn range(&self, k: usize, start: u64, end: u64) -> Result<Vec<Hash32>, TreeError> {
        Ok(self.0[k][start as usize..end as usize].to_vec())
    }

    fn push(&mut self, k: usize, hash: Hash32) {
        if self.0.len() == k {
            self.0.push(Vec::new());
        }
        self.0[k].push(hash);
    }
}

/// An append-only RFC 6962 Merkle tree, its hashes in a [`LevelStore`]
/// (in memory unless the owner gives another store).
#[derive(Clone, Default)]
pub struct MerkleLog<S = MemoryLevels> {
    store: S,
    /// The right edge: appends and the current root never read the store.
    edge: Frontier,
}

impl<S: LevelStore> std::fmt::Debug for MerkleLog<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MerkleLog({} leaves)", self.len())
    }
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

impl MerkleLog {
    /// An empty log in memory.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S: LevelStore> MerkleLog<S> {
    /// An empty log over an empty `store`.
    pub fn with_store(store: S) -> Self {
        MerkleLog {
            store,
            edge: Frontier::new(),
        }
    }

    /// The store, to flush it (appends never read it back).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.edge.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The right edge: what a block producer needs to go on appending.
    pub fn frontier(&self) -> &Frontier {
        &self.edge
    }

    /// Appends a leaf hash (see [`crate::leaf_hash`]).
    pub fn append(&mut self, leaf: Hash32) {
        self.store.push(0, leaf);
        let store = &mut self.store;
        self.edge.append_with(leaf, |k, h| store.push(k, h));
    }

    /// The leaf hash at `index`, if the log holds one there.
    pub fn leaf(&self, index: u64) -> Result<Option<Hash32>, TreeError> {
        if index >= self.len() {
            return Ok(None);
        }
        self.store.get(0, index).map(Some)
    }

    /// MTH(D[start:end]) where `start` is a multiple of the largest power of
    /// two below `end - start` (always so in RFC 9162's recursion).
    fn subtree(&self, start: u64, end: u64) -> Result<Hash32, TreeError> {
        let n = end - start;
        debug_assert!(n > 0 && end <= self.len());
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.store.get(k, start >> k);
        }
        let k = largest_power_of_two_below(n);
        Ok(node_hash(
            &self.subtree(start, start + k)?,
            &self.subtree(start + k, end)?,
        ))
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        if size > self.len() {
            return Err(TreeError::SizeUnavailable {
                asked: size,
                size: self.len(),
            });
        }
        Ok(())
    }

    /// The root of the tree as it was at `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash32, TreeError> {
        self.check_size(size)?;
        if size == self.len() {
            return Ok(self.edge.root());
        }
        if size == 0 {
            return Ok(root(&[]));
        }
        self.subtree(0, size)
    }

    /// The current root.
    pub fn root(&self) -> Hash32 {
        self.edge.root()
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash32>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out)?;
        Ok(out)
    }

    /// PATH(m, D[start:end]) of RFC 9162, bottom-up order.
    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash32>) -> Result<(), TreeError> {
        let n = end - start;
        if n == 1 {
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            self.path(m, start, start + k, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.path(m - k, start + k, end, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Ok(())
    }

    /// The consistency proof from `size1` to `size2` leaves.
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash32>, TreeError> {
        self.check_size(size2)?;
        if size1 > size2 {
            return Err(TreeError::SizeUnavailable {
                asked: size1,
                size: size2,
            });
        }
        let mut out = Vec::new();
        if size1 > 0 && size1 < size2 {
            self.subproof(size1, 0, size2, true, &mut out)?;
        }
        Ok(out)
    }

    /// SUBPROOF(m, D[start:end], b) of RFC 9162.
    fn subproof(
        &self,
        m: u64,
        start: u64,
        end: u64,
        complete: bool,
        out: &mut Vec<Hash32>,
    ) -> Result<(), TreeError> {
        let n = end - start;
        if m == n {
            if !complete {
                out.push(self.subtree(start, end)?);
            }
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.subproof(m - k, start + k, end, false, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Ok(())
    }

    /// The C2SP tile at `level`, `index`, holding `width` hashes (256 for a
    /// full tile), as concatenated bytes; `None` if the tree is too small.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Result<Option<Vec<u8>>, TreeError> {
        if width == 0 || width > TILE_WIDTH {
            return Ok(None);
        }
        let k = level * TILE_HEIGHT;
        if k >= 64 {
            return Ok(None);
        }
        // Complete subtrees of 2^k leaves the tree holds.
        let held = self.len() >> k;
        let Some(start) = index.checked_mul(TILE_WIDTH) else {
            return Ok(None);
        };
        let Some(end) = start.checked_add(width) else {
            return Ok(None);
        };
        if end > held {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(width as usize * 32);
        for h in self.store.range(k as usize, start, end)? {
            out.extend_from_slice(h.as_bytes());
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::{verify_consistency, verify_inclusion};
    use proptest::prelude::*;

    impl MerkleLog {
        fn tile_ok(&self, level: u32, index: u64, width: u64) -> Option<Vec<u8>> {
            self.tile(level, index, width).unwrap()
        }
    }

    fn log_of(n: u64) -> (MerkleLog, Vec<Hash32>) {
        let mut log = MerkleLog::new();
        let leaves: Vec<Hash32> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for l in &leaves {
            log.append(*l);
        }
        (log, leaves)
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        let (log, leaves) = log_of(70);
        for size in 0..=70u64 {
            assert_eq!(
                log.root_at(size).unwrap(),
                root(&leaves[..size as usize]),
                "size {size}"
            );
        }
        assert!(log.root_at(71).is_err());
    }

    #[test]
    fn tiles_hold_the_right_hashes() {
        let (log, leaves) = log_of(600);
        let t = log.tile_ok(0, 1, 256).unwrap();
        assert_eq!(&t[..32], leaves[256].as_bytes());
        assert_eq!(log.tile_ok(0, 2, 88).unwrap().len(), 88 * 32);
        assert!(log.tile_ok(0, 2, 89).is_none());
        let t1 = log.tile_ok(1, 0, 2).unwrap();
        assert_eq!(&t1[32..], root(&leaves[256..512]).as_bytes());
        assert!(log.tile_ok(1, 0, 3).is_none());
    }

    proptest! {
        #[test]
        fn generated_proofs_verify_and_flips_fail(n in 1u64..300, a in any::<u64>(), b in any::<u64>(), flip in any::<u16>()) {
            let (log, leaves) = log_of(n);
            let size = 1 + b % n;
            let index = a % size;
            let r = log.root_at(size).unwrap();
            let p = log.inclusion_proof(index, size).unwrap();
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &p, &r).is_ok());
            if !p.is_empty() {
                let mut bad = p.clone();
                let i = flip as usize % bad.len();
                bad[i].0[(flip as usize / 7) % 32] ^= 1 << (flip % 8);
                prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &bad, &r).is_err());
            }
            let size1 = 1 + a % size;
            let c = log.consistency_proof(size1, size).unwrap();
            let r1 = log.root_at(size1).unwrap();
            prop_assert!(verify_consistency(size1, size, &c, &r1, &r).is_ok());
            if !c.is_empty() {
                let mut bad = c.clone();
                let i = flip as usize % bad.len();
                bad[i].0[0] ^= 1;
                prop_assert!(verify_consistency(size1, size, &bad, &r1, &r).is_err());
            }
        }
    }
}
