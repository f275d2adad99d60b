//! The integration tests of `publica-energy`, in one binary.

mod certificates;
mod citydata;
mod market;
mod recycling;
mod world;
