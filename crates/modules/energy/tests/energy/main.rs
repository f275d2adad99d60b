//! The integration tests of `publica-energy`, in one binary.

mod certificates;
mod world;
