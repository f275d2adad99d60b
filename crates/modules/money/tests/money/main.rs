//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-money --test money <module>::`.

mod flows;
mod invariants;
