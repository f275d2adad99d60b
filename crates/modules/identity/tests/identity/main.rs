//! The integration tests of this crate, in one test binary (it links once).
//! Run one module with `cargo test -p publica-identity --test identity <module>::`.

mod flows;
mod unauthorised_props;
