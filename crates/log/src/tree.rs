//! The in-memory Merkle tree: append, roots of any past size, inclusion and
//! consistency proofs (RFC 9162 section 2.1), and C2SP tiles.
//!
//! Every complete subtree hash is kept (`levels[k][i]` is the hash of leaves
//! `i*2^k .. (i+1)*2^k`), so a root or a proof of any past size costs
//! O(log n) lookups and hashes. Memory: about 64 bytes per leaf.

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
}

/// An append-only RFC 6962 Merkle tree.
#[derive(Clone, Default)]
pub struct MerkleLog {
    levels: Vec<Vec<Hash32>>,
}

impl std::fmt::Debug for MerkleLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MerkleLog({} leaves)", self.len())
    }
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

impl MerkleLog {
    /// An empty log.
    pub fn new() -> Self {
        MerkleLog {
            levels: vec![Vec::new()],
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map(|l| l.len() as u64).unwrap_or(0)
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf hash (see [`crate::leaf_hash`]).
    pub fn append(&mut self, leaf: Hash32) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut k = 0;
        while self.levels[k].len().is_multiple_of(2) {
            let n = self.levels[k].len();
            let h = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[k + 1].push(h);
            k += 1;
        }
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash32> {
        self.levels.first()?.get(index as usize).copied()
    }

    /// MTH(D[start:end]) where `start` is a multiple of the largest power of
    /// two below `end - start` (always so in RFC 9162's recursion).
    fn subtree(&self, start: u64, end: u64) -> Hash32 {
        let n = end - start;
        debug_assert!(n > 0 && end <= self.len());
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][(start >> k) as usize];
        }
        let k = largest_power_of_two_below(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
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
        Ok(if size == 0 {
            root(&[])
        } else {
            self.subtree(0, size)
        })
    }

    /// The current root.
    pub fn root(&self) -> Hash32 {
        self.root_at(self.len())
            .expect("the current size is available")
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash32>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    /// PATH(m, D[start:end]) of RFC 9162, bottom-up order.
    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash32>) {
        let n = end - start;
        if n == 1 {
            return;
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            self.path(m, start, start + k, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, out);
            out.push(self.subtree(start, start + k));
        }
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
            self.subproof(size1, 0, size2, true, &mut out);
        }
        Ok(out)
    }

    /// SUBPROOF(m, D[start:end], b) of RFC 9162.
    fn subproof(&self, m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<Hash32>) {
        let n = end - start;
        if m == n {
            if !complete {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// The C2SP tile at `level`, `index`, holding `width` hashes (256 for a
    /// full tile), as concatenated bytes; `None` if the tree is too small.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Option<Vec<u8>> {
        if width == 0 || width > TILE_WIDTH {
            return None;
        }
        let k = (level * TILE_HEIGHT) as usize;
        let hashes = self.levels.get(k)?;
        let start = index.checked_mul(TILE_WIDTH)?;
        let end = start.checked_add(width)?;
        if end > hashes.len() as u64 {
            return None;
        }
        let mut out = Vec::with_capacity(width as usize * 32);
        for h in &hashes[start as usize..end as usize] {
            out.extend_from_slice(h.as_bytes());
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::{verify_consistency, verify_inclusion};
    use proptest::prelude::*;

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
        let t = log.tile(0, 1, 256).unwrap();
        assert_eq!(&t[..32], leaves[256].as_bytes());
        assert_eq!(log.tile(0, 2, 88).unwrap().len(), 88 * 32);
        assert!(log.tile(0, 2, 89).is_none());
        let t1 = log.tile(1, 0, 2).unwrap();
        assert_eq!(&t1[32..], root(&leaves[256..512]).as_bytes());
        assert!(log.tile(1, 0, 3).is_none());
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
