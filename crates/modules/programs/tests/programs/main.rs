//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-programs --test programs <module>::`.

mod common;

mod evaluation;
mod flows;
mod grievances;
mod groups;
mod invariants;
mod lifecycle;
mod private;
mod terms;
