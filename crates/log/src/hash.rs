//! RFC 6962 hashing.

use publica_crypto::hash::sha256_parts;
use publica_types::Hash32;

/// Hash of a leaf: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash32 {
    sha256_parts(&[&[0x00], data])
}

/// Hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    sha256_parts(&[&[0x01], left.as_bytes(), right.as_bytes()])
}

/// The Merkle tree hash (MTH) of already leaf-hashed entries.
///
/// The empty tree's hash is SHA-256 of the empty string, per RFC 6962.
pub fn root(leaf_hashes: &[Hash32]) -> Hash32 {
    match leaf_hashes.len() {
        0 => sha256_parts(&[]),
        1 => leaf_hashes[0],
        n => {
            // Split at the largest power of two smaller than n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&root(&leaf_hashes[..k]), &root(&leaf_hashes[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6962_known_roots() {
        // Roots of the RFC 6962 reference tree (certificate-transparency-go
        // test data): leaves "", 0x00, 0x10, 0x2021, 0x3031, ...
        let leaves: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            vec![0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            vec![
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let hashes: Vec<Hash32> = leaves.iter().map(|l| leaf_hash(l)).collect();
        assert_eq!(
            root(&[]).to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            root(&hashes[..1]).to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            root(&hashes[..2]).to_hex(),
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
        );
        assert_eq!(
            root(&hashes[..8]).to_hex(),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }
}
