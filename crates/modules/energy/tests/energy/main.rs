//! The integration tests of `publica-energy`, in one binary.

mod certificates;
mod market;
mod recycling;
mod world;
