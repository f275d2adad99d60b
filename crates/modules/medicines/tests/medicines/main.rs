//! The integration tests of `publica-medicines`, in one binary.

mod chains;
mod custody;
mod hash_vectors;
mod hashes;
mod identifiers;
mod registry;
