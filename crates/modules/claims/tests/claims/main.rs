//! The integration tests of `publica-claims`, in one binary.

mod adjudication;
mod limits;
