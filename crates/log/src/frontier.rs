//! The right edge of a Merkle log: enough to append and to compute the
//! current root, in O(log n) memory.
//!
//! A block producer needs no past roots and no proofs, only the root after
//! its block's entries. Keeping the whole tree there as well as in the
//! readers' copy would cost about 64 bytes per entry twice.

use crate::hash::{node_hash, root};
use crate::tree::{LevelStore, MerkleLog};
use publica_types::Hash32;

/// What appending a block's entries to a log needs: implemented by the full
/// tree ([`MerkleLog`]) and by its right edge ([`Frontier`]).
pub trait AppendLog {
    /// Appends a leaf hash (see [`crate::leaf_hash`]).
    fn append_leaf(&mut self, leaf: Hash32);
    /// Number of leaves.
    fn size(&self) -> u64;
    /// The current root.
    fn current_root(&self) -> Hash32;
}

impl<S: LevelStore> AppendLog for MerkleLog<S> {
    fn append_leaf(&mut self, leaf: Hash32) {
        self.append(leaf);
    }

    fn size(&self) -> u64 {
        self.len()
    }

    fn current_root(&self) -> Hash32 {
        self.root()
    }
}

/// The hashes of the complete subtrees that make up a log of `size`
/// leaves, one per set bit of `size`, largest (leftmost) first.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash32>,
}

impl std::fmt::Debug for Frontier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frontier({} leaves)", self.size)
    }
}

impl Frontier {
    /// The edge of an empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Appends a leaf hash: like a binary counter, equal subtrees merge.
    pub fn append(&mut self, leaf: Hash32) {
        self.append_with(leaf, |_, _| {});
    }

    /// Appends a leaf hash, calling `completed(k, hash)` for each subtree
    /// of `2^k` leaves (k >= 1) that this leaf completes, smallest first.
    pub fn append_with(&mut self, leaf: Hash32, mut completed: impl FnMut(usize, Hash32)) {
        self.peaks.push(leaf);
        let mut carry = self.size;
        let mut k = 0;
        while carry & 1 == 1 {
            let right = self.peaks.pop().expect("a peak per set bit");
            let left = self.peaks.pop().expect("a peak per set bit");
            let hash = node_hash(&left, &right);
            self.peaks.push(hash);
            k += 1;
            completed(k, hash);
            carry >>= 1;
        }
        self.size += 1;
    }

    /// The current root (RFC 9162: the peaks folded from the right).
    pub fn root(&self) -> Hash32 {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return root(&[]);
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

impl AppendLog for Frontier {
    fn append_leaf(&mut self, leaf: Hash32) {
        self.append(leaf);
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn current_root(&self) -> Hash32 {
        self.root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_edge_gives_the_defined_roots(n in 0u64..600, split in 0u64..600) {
            let split = split.min(n);
            let leaves: Vec<Hash32> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let mut edge = Frontier::new();
            for (i, leaf) in leaves.iter().enumerate() {
                edge.append(*leaf);
                prop_assert_eq!(edge.len(), i as u64 + 1);
                // Against the recursive definition (RFC 9162 2.1.1), not the
                // tree, whose current root is this edge's.
                if i < 70 || i + 1 == leaves.len() {
                    prop_assert_eq!(edge.root(), root(&leaves[..=i]));
                }
            }
            // An edge taken from a tree of `split` leaves continues it.
            let mut part = MerkleLog::new();
            for leaf in &leaves[..split as usize] {
                part.append(*leaf);
            }
            let mut resumed = part.frontier().clone();
            prop_assert_eq!(resumed.root(), root(&leaves[..split as usize]));
            for leaf in &leaves[split as usize..] {
                resumed.append(*leaf);
            }
            prop_assert_eq!(&resumed, &edge);
        }
    }

    #[test]
    fn a_changed_leaf_changes_the_root() {
        let mut a = Frontier::new();
        let mut b = Frontier::new();
        for i in 0..5u64 {
            a.append(leaf_hash(&i.to_be_bytes()));
            b.append(leaf_hash(&(i + u64::from(i == 2)).to_be_bytes()));
        }
        assert_ne!(a.root(), b.root());
    }
}
