//! The integration tests of `publica-medicines`, in one binary.

mod identifiers;
mod registry;
