//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-runtime --test runtime <module>::`.

mod faults;
mod props;
mod receipt_props;
