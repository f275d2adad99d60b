//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-bft --test bft <module>::`.

mod nodes;
mod simulation;
mod validator_sets;
