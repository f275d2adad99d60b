//! Verification of RFC 9162 inclusion and consistency proofs.
//!
//! Size-0 edge cases, decided deliberately (and as the public
//! transparency-dev vectors require): no entry is included in the empty
//! tree, so an inclusion proof against size 0 always fails. A consistency
//! proof *from* size 0 is rejected too (`EmptyTree`): it would prove nothing,
//! and accepting "consistency" with an empty tree whose root nobody checked
//! would let a caller skip the trust-on-first-use decision it must make
//! explicitly (the monitor does: it accepts its first checkpoint as is). A
//! proof between equal non-zero sizes must be empty and the roots equal.

use crate::hash::node_hash;
use publica_types::Hash32;

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has {got} hashes, expected {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes expected.
        want: usize,
    },
    /// The second tree is smaller than the first.
    #[error("tree size {second} is smaller than {first}")]
    SizesReversed {
        /// The first size.
        first: u64,
        /// The second size.
        second: u64,
    },
    /// A consistency proof from the empty tree proves nothing.
    #[error(
        "consistency from an empty tree proves nothing; verify the first checkpoint on its own"
    )]
    EmptyTree,
    /// The recomputed root differs from the expected one.
    #[error("proof mismatch: the recomputed {which} root differs from the expected root")]
    RootMismatch {
        /// Which root: "tree", "old" or "new".
        which: &'static str,
    },
}

/// Number of hashes below the split point, and of border hashes, in the
/// inclusion proof for `index` in a tree of `size`.
fn inclusion_shape(index: u64, size: u64) -> (usize, usize) {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    // All 64 bits differ in a tree of 2^63 leaves or more: nothing is left
    // above the split (a shift by 64 would overflow; found by fuzzing).
    let border = index.checked_shr(inner).unwrap_or(0).count_ones() as usize;
    (inner as usize, border)
}

/// Hashes `seed` up through `proof`, taking the side from the bits of `index`.
fn chain_inner(mut seed: Hash32, proof: &[Hash32], index: u64) -> Hash32 {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 {
            node_hash(&seed, h)
        } else {
            node_hash(h, &seed)
        };
    }
    seed
}

/// Like [`chain_inner`] but only for levels where `seed` is a right child.
fn chain_inner_right(mut seed: Hash32, proof: &[Hash32], index: u64) -> Hash32 {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = node_hash(h, &seed);
        }
    }
    seed
}

/// Hashes `seed` as the right child of every border hash.
fn chain_border_right(mut seed: Hash32, proof: &[Hash32]) -> Hash32 {
    for h in proof {
        seed = node_hash(h, &seed);
    }
    seed
}

/// The root that an inclusion proof leads to.
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash32,
    proof: &[Hash32],
) -> Result<Hash32, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = inclusion_shape(index, size);
    if proof.len() != inner + border {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inner + border,
        });
    }
    let r = chain_inner(*leaf, &proof[..inner], index);
    Ok(chain_border_right(r, &proof[inner..]))
}

/// Checks that `leaf` (a leaf hash) is entry `index` of the tree of `size`
/// whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash32,
    proof: &[Hash32],
    root: &Hash32,
) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch { which: "tree" })
    }
}

/// Checks that the tree of size `size2` with root `root2` extends the tree of
/// size `size1` with root `root1`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash32],
    root1: &Hash32,
    root2: &Hash32,
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesReversed {
            first: size1,
            second: size2,
        });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch { which: "new" })
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, want: 1 });
    }
    let (inner, border) = inclusion_shape(size1 - 1, size2);
    let shift = size1.trailing_zeros() as usize;
    let inner = inner - shift;
    // When size1 is a power of two its root is a node of the new tree and is
    // not repeated in the proof.
    let (seed, rest) = if size1 == 1u64 << shift {
        (*root1, proof)
    } else {
        (proof[0], &proof[1..])
    };
    let want = proof.len() - rest.len() + inner + border;
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let mask = (size1 - 1) >> shift;
    let h1 = chain_border_right(
        chain_inner_right(seed, &rest[..inner], mask),
        &rest[inner..],
    );
    if h1 != *root1 {
        return Err(ProofError::RootMismatch { which: "old" });
    }
    let h2 = chain_border_right(chain_inner(seed, &rest[..inner], mask), &rest[inner..]);
    if h2 != *root2 {
        return Err(ProofError::RootMismatch { which: "new" });
    }
    Ok(())
}
