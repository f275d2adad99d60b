//! The integration tests of `publica-elections`, in one binary: whole
//! elections on an in-memory chain, and properties over random ones.

mod anonymous;
mod ballot_once;
mod complaints;
mod delegated;
mod flow;
mod governance;
mod pabulib;
mod properties;
mod world;
