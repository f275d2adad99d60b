//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-log --test log <module>::`.

mod cosign_props;
mod rfc6962_vectors;
mod witness_props;
